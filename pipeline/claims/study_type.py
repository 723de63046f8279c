"""An article's study type in PsyNamic's vocabulary, from a linear classifier over its words and the rule design.

Why learned: PsyNamic's types follow conventions no short rule captures (a placebo-controlled experiment that
does not randomise is "other", a survey of users is "real_world", a trial-registry record is a "protocol"). A
multinomial logistic regression over sublinear TF-IDF words plus indicator features (the rule-based design, a
trial-registry source, and cues from PsyNamic's annotation guideline: randomised AND controlled, healthy volunteers,
drug users, surveys, secondary or pooled analyses, case reports, future tense) is trained by
`python -m pipeline.claims.train_study_type` on PsyNamic's labelled abstracts and stored as plain JSON
(`models/study_type.json`): applying it needs no scikit-learn, only the arithmetic below, which is the same
function the trainer used to build its features.
It is reported per article (`claim_evidence.study_type`) and scored by `kev eval`; evidence is still weighed by the
rule design (`design.classify`), see there why.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from pipeline.claims.linear import LinearModel, features, words
from pipeline.config import ROOT

MODEL_PATH = ROOT / "models" / "study_type.json"
TRAINED_ON = "psynamic/doc_labels.jsonl"
# Trial-registry records (ClinicalTrials.gov, WHO ICTRP, ...) carry the registry's address where a journal would be.
REGISTRY = re.compile(r"clinicaltrials\.gov|trialsearch\.who\.int|who\.int/trialsearch|isrctn\.com|anzctr\.org\.au|"
                      r"drks\.de|trialregister\.nl|chictr\.org|clinicaltrialsregister\.eu|ctri\.nic\.in|irct\.(?:ir|behdasht)|"
                      r"jrct\.niph\.go\.jp|umin\.ac\.jp", re.IGNORECASE)
IC = re.IGNORECASE
# PsyNamic's guideline: an RCT is randomised AND controlled; a placebo-controlled experiment that never says it
# randomised is "other", and so is "randomly selected" or "non-randomized". Only assignment counts as randomised.
RANDOMISED = re.compile(r"\b(?<!non-)(?<!non)(?<!not )randomi[sz]ed\b(?! statistic)|"
                        r"\brandomi[sz]ation\b(?! (?:statistic|test|procedure))|"
                        r"\brandomly (?:assigned|allocated|divided|distributed|received|administered)|"
                        r"\brandom (?:order|assignment|allocation|sequence)", IC)
CONTROLLED = re.compile(r"\bplacebo|\bsham\b|\bcontrolled\b|\bcontrol (?:group|arm|condition)|\bmidazolam\b|\bsaline\b|"
                        r"\bactive (?:comparator|control)|\bwait-?list", IC)
# Indicators from the guideline's definitions (each 1.0 when found in the text; `title:` ones in the title only).
CUES = {
    "crossover": re.compile(r"\bcross-?over\b|\bwithin-subjects?\b|\bcounterbalanced\b|\brepeated[- ]measures\b", IC),
    # volunteers recruited for an experiment are not a real-world sample; users of a drug (vs non-users) often are
    "healthy": re.compile(r"\bhealthy (?:human |male |female |adult )?(?:volunteers|subjects|participants|adults|"
                          r"individuals|humans|males|men|women)\b", IC),
    "users": re.compile(r"\b(?:recreational|regular|chronic|current|former|abstinent|ecstasy|mdma|ketamine|cannabis|"
                        r"polydrug|heavy|light|drug|psychedelic|lsd|psilocybin)(?:/\w+)? users\b|\bnon-?users\b|"
                        r"\bmicrodosers\b", IC),
    # a secondary or pooled analysis of trials is "other"
    "secondary": re.compile(r"\bsecondary analys|\bpost[- ]hoc\b|\bpooled (?:data|analys)|\bexploratory analys|"
                            r"\bre-?analys|\bsub-?analys|\bsubgroup analys|\bdata from (?:a|the|two|three)\b|"
                            r"\bpreviously (?:reported|published)\b", IC),
    "pooled": re.compile(r"\bpool(?:ed|ing)\b[^.]{0,40}\b(?:data|analys|studies|trials|samples)|"
                         r"\bdata from (?:two|three|four|five|six|seven|eight|nine|ten|\d+) (?:\w+ ){0,4}"
                         r"(?:studies|trials)", IC),
    "survey": re.compile(r"\bsurvey|\bquestionnaires?\b|\bcross[- ]sectional|\bonline\b|\brespondents\b|"
                         r"\bself-reported\b", IC),
    "records": re.compile(r"\bemergency department|\bpoison (?:control|centre|center)|\bintoxications?\b|"
                          r"\bnational (?:survey|database)|\bpopulation-based|\bnationwide|\bdatabase\b", IC),
    "retrospective": re.compile(r"\bretrospective\b|\bchart review\b|\bmedical records\b|\bobservational\b|"
                                r"\breal[- ]world\b|\bnaturalistic\b", IC),
    "open_label": re.compile(r"\bopen[- ]label\b|\bsingle[- ]arm\b|\buncontrolled\b|\bnon-?randomi[sz]ed\b", IC),
    "case": re.compile(r"\bwe (?:report|present|describe)\b|\b\d{1,2}-year-old\b|\bcase report\b|\bcase of an?\b", IC),
    "series": re.compile(r"\bcase series\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|\d) "
                         r"(?:cases|patients)\b", IC),
    "future": re.compile(r"\bwill (?:be|receive|enrol|enroll|recruit|randomi[sz]e|assess|investigate|examine|compare|"
                         r"test|evaluate|include|undergo|complete)\b", IC),
    "review": re.compile(r"\bsystematic(?:ally)? review|\bmeta[- ]?analy", IC),
}
TITLE_CUES = {
    "review": CUES["review"],
    "randomised": RANDOMISED,
    "case": re.compile(r"\bcase (?:report|study)\b|\ba case\b|\bin an? (?:patient|man|woman|\d+-year-old|former|young|"
                       r"child|boy|girl)\b", IC),
    "series": re.compile(r"\bcase series\b|\bcases\b|\b(?:two|three|four|five|six|seven|eight|nine|ten) "
                         r"(?:patients|cases|individuals|participants)\b", IC),
}
INDICATOR_WEIGHT = 1.0
REGISTRY_WEIGHT = 3.0


def indicators(text: str, journal: str | None, rule_design: str, rule_type: str) -> dict[str, float]:
    """Features that are not words: what the rules say, where the record comes from, and the guideline's cues
    (randomised and controlled together, volunteers, users, surveys, secondary analyses, case reports, ...)."""
    out = {f"design={rule_design}": INDICATOR_WEIGHT, f"type={rule_type}": INDICATOR_WEIGHT}
    if journal and REGISTRY.search(journal):
        out["registry"] = REGISTRY_WEIGHT
    randomised, controlled = bool(RANDOMISED.search(text)), bool(CONTROLLED.search(text))
    if randomised or controlled:
        out["randomised" if not controlled else "controlled" if not randomised else "randomised+controlled"] = \
            INDICATOR_WEIGHT
    title = text.split("\n", 1)[0]
    out.update({name: INDICATOR_WEIGHT for name, rx in CUES.items() if rx.search(text)})
    out.update({"title:" + name: INDICATOR_WEIGHT for name, rx in TITLE_CUES.items() if rx.search(title)})
    return out


@lru_cache(maxsize=1)
def _stored() -> dict | None:
    """The model file, read once per process (weights and the trainer's cross-validation)."""
    return json.loads(MODEL_PATH.read_text()) if MODEL_PATH.exists() else None


@lru_cache(maxsize=1)
def _model() -> LinearModel | None:
    data = _stored()
    return LinearModel(data["classes"], data["idf"], data["coef"], data["intercept"]) if data else None


def cross_validated() -> dict | None:
    """The trainer's cross-validated scores stored with the model (None without a model)."""
    data = _stored()
    return data.get("cross_validated") if data else None


def predict(text: str, journal: str | None, rule_design: str, rule_type: str) -> str | None:
    """PsyNamic study type by the trained model; None when no model is present (the rules then decide)."""
    model = _model()
    if model is None:
        return None
    return model.predict(features(words(text), model.idf, indicators(text, journal, rule_design, rule_type)))

"""An article's study type in PsyNamic's vocabulary, from a linear classifier over its words and the rule design.

Why learned: PsyNamic's types follow conventions no short rule captures (a randomised crossover in healthy
volunteers is "other", a survey of users is "real_world", a trial-registry record is a "protocol"). A multinomial
logistic regression over sublinear TF-IDF words plus a few indicator features (the rule-based design, a
trial-registry source, healthy volunteers or drug users) is trained by `python -m pipeline.claims.train_study_type`
on PsyNamic's labelled abstracts and stored as plain JSON (`models/study_type.json`): applying it needs no
scikit-learn, only the arithmetic below, which is the same function the trainer used to build its features.
It is reported per article (`claim_evidence.study_type`) and scored by `kev eval`; evidence is still weighed by the
rule design (`design.classify`), see there why.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from pipeline.config import ROOT

MODEL_PATH = ROOT / "models" / "study_type.json"
TRAINED_ON = "psynamic/doc_labels.jsonl"
TOKEN = re.compile(r"(?u)\b\w\w+\b")
# Trial-registry records (ClinicalTrials.gov, WHO ICTRP, ...) carry the registry's address where a journal would be.
REGISTRY = re.compile(r"clinicaltrials\.gov|trialsearch\.who\.int|who\.int/trialsearch|isrctn\.com|anzctr\.org\.au|"
                      r"drks\.de|trialregister\.nl|chictr\.org|clinicaltrialsregister\.eu|ctri\.nic\.in|irct\.(?:ir|behdasht)|"
                      r"jrct\.niph\.go\.jp|umin\.ac\.jp", re.IGNORECASE)
VOLUNTEERS = re.compile(r"\bhealthy (?:human )?(?:volunteers|subjects|participants|adults|individuals|humans|males|"
                        r"men|women)\b|\b(?:recreational|regular|chronic|current|former|abstinent) (?:\w+ )?users\b|"
                        r"\bnon-?users\b", re.IGNORECASE)
INDICATOR_WEIGHT = 1.0
REGISTRY_WEIGHT = 3.0


def words(text: str) -> Counter:
    return Counter(TOKEN.findall(text.lower()))


def indicators(text: str, journal: str | None, rule_design: str, rule_type: str) -> dict[str, float]:
    """Features that are not words: what the rules say and where the record comes from."""
    out = {f"design={rule_design}": INDICATOR_WEIGHT, f"type={rule_type}": INDICATOR_WEIGHT}
    if journal and REGISTRY.search(journal):
        out["registry"] = REGISTRY_WEIGHT
    if VOLUNTEERS.search(text):
        out["volunteers"] = INDICATOR_WEIGHT
    return out


def features(counts: Counter, idf: dict[str, float], extra: dict[str, float]) -> dict[str, float]:
    """Sublinear TF-IDF of the known words, L2-normalised, plus the indicators (names never collide: `w:` prefix)."""
    weights = {w: (1.0 + math.log(n)) * idf[w] for w, n in counts.items() if w in idf}
    norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
    return {**{"w:" + w: v / norm for w, v in weights.items()}, **extra}


@dataclass(frozen=True)
class LinearModel:
    classes: list[str]
    idf: dict[str, float]
    coef: dict[str, list[float]]
    intercept: list[float]

    def scores(self, feats: dict[str, float]) -> list[float]:
        out = list(self.intercept)
        for name, value in feats.items():
            row = self.coef.get(name)
            if row is not None:
                for i, c in enumerate(row):
                    out[i] += value * c
        return out

    def predict(self, feats: dict[str, float]) -> str:
        s = self.scores(feats)
        return self.classes[max(range(len(s)), key=s.__getitem__)]


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

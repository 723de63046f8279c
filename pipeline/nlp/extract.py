"""Text -> mentions and doses. One spaCy pass (scispaCy tokenizer, abbreviations, sentences, NER), then rules,
context, drug linking and normalisation in plain Python. Which source (rules, model or both) serves each label
is configuration (`models/extraction.json`), chosen by `kev eval`, not by code."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import spacy
from spacy.attrs import IDX, LENGTH, SENT_START, TAG
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.claims import design
from pipeline.config import ROOT
from pipeline.nlp import context, lexicon, pretrained, rules
from pipeline.nlp.components import doc_text, make_scispacy_tokenizer, split_glued_labels
from pipeline.nlp.normalise.dose import mass_values, schedule

MODEL_DIR = ROOT / "models" / "tagger"
SOURCES_FILE = ROOT / "models" / "extraction.json"
LABELS = ("DRUG", "DOSE", "ROUTE", "TIMEPOINT", "OUTCOME", "ADVERSE_EVENT")
STUDY_DRUGS = ("ketamine", "esketamine", "arketamine")
DEFAULT_SOURCES = {"DRUG": "rules", "DOSE": "rules", "ROUTE": "rules", "TIMEPOINT": "rules", "OUTCOME": "rules",
                   "ADVERSE_EVENT": "rules"}


@dataclass
class Mention:
    doc_id: str
    pmid: str | None
    version: int
    sent_index: int
    section: str | None
    role: str
    start: int
    end: int
    text: str
    label: str
    canonical: str | None
    attrs: dict = field(default_factory=dict)
    negated: bool = False
    hedged: bool = False
    drug: str | None = None
    source: str = "rules"
    model_version: str = ""

    @property
    def mention_id(self) -> str:
        key = f"{self.pmid or self.doc_id}|{self.version}|{self.start}|{self.end}|{self.label}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass
class Dose:
    doc_id: str
    pmid: str | None
    version: int
    mention_id: str
    sent_index: int
    start: int
    end: int
    text: str
    drug: str | None
    drug_inferred: bool
    route: str | None
    value: float
    value_max: float | None
    unit: str
    unit_norm: str
    per_kg: bool
    value_mg: float | None
    value_mg_per_kg: float | None
    frequency: str | None
    infusion_minutes: float | None
    n_doses: int | None
    course: str | None
    model_version: str = ""


@dataclass
class Extraction:
    mentions: list[Mention]
    doses: list[Dose]
    sentences: list[tuple[int, int]]
    roles: list[str]
    study_drug: str | None
    routes: list[str]
    sections: list[str | None] = field(default_factory=list)
    model_version: str = ""


@cache
def label_sources(path: Path = SOURCES_FILE) -> dict[str, str]:
    if path.exists():
        return {**DEFAULT_SOURCES, **json.loads(path.read_text())["sources"]}
    return dict(DEFAULT_SOURCES)


def load_on_openblas(model_dir: Path) -> Language:
    """Load the trained pipeline with its matrix products on numpy's OpenBLAS, one thread, not thinc's default BLIS.

    Why: the tagger's two products (embedding mixer, window encoder) are the largest single cost of extraction,
    and on these machines single-threaded OpenBLAS multiplies 2.8x faster than BLIS (112 vs 40 GFLOPS on a
    20000x320 by 320x192 product): `kev bench extract` 176 -> 203 abstracts/s with the previous tagger, the same
    tags. The ops are bound to this pipeline's layers at load (other models keep thinc's default). The one-thread
    BLAS limit is process-wide and stays: kev parallelises by process (`--workers`), and the benchmark is per core.
    Unlike BLIS, OpenBLAS rounds a document's activations slightly differently with different batch neighbours
    (1e-5); the tags are the same on single and batched documents (tested), and an article is re-extracted only
    when its text or the model changes.
    """
    from thinc.api import use_ops
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
    with use_ops("numpy", use_blis=False):
        return spacy.load(model_dir)


def build_nlp(model_dir: Path | None = MODEL_DIR, with_model: bool = True) -> Language:
    """The spaCy pipeline: scispaCy tokenizer, abbreviation detector, sentence splitter and (if trained) the NER."""
    if with_model and model_dir is not None and (Path(model_dir) / "meta.json").exists():
        nlp = load_on_openblas(model_dir)
    else:
        nlp = spacy.blank("en")
        nlp.tokenizer = make_scispacy_tokenizer()(nlp)
    split_glued_labels(nlp.tokenizer)
    nlp.add_pipe("kev_sentences", first=True)
    nlp.add_pipe("kev_abbreviations", after="kev_sentences")
    return nlp


def model_version(nlp: Language) -> str:
    """Names what shaped a mention: the NER model's name and version, and the label-source configuration."""
    meta = nlp.meta
    base = f"{meta.get('name', 'blank')}-{meta.get('version', '0')}" if "tagger" in nlp.pipe_names else "rules"
    return base + _configuration_tag()


def model_version_of(model_dir: Path | None = MODEL_DIR) -> str:
    """The same string without loading the model (for deciding what needs re-extraction)."""
    meta_file = Path(model_dir) / "meta.json" if model_dir else None
    if meta_file is None or not meta_file.exists():
        return "rules" + _configuration_tag()
    meta = json.loads(meta_file.read_text())
    return f"{meta.get('name', 'blank')}-{meta.get('version', '0')}" + _configuration_tag()


def _configuration_tag() -> str:
    """What besides the tagger shapes the rows: vocabularies, label sources, study-type model, pretrained pipeline."""
    return f"+{_sources_hash()}{_pretrained_tag()}"


def _pretrained_tag() -> str:
    """A configured pretrained pipeline (KEV_PRETRAINED) shapes mentions too: its name, version and label map join
    the model version, so upgrading it or changing the map re-extracts."""
    name = os.environ.get("KEV_PRETRAINED")
    return f"+pretrained:{pretrained.describe(name)}" if name else ""


CODE_DIRS = (ROOT / "pipeline" / "nlp", ROOT / "pipeline" / "claims")
# Scripts that train or select models change rows only through the files they write, which are hashed themselves.
TRAINING_SCRIPTS = {"train.py", "learn_vocab.py", "select_sources.py", "train_textcat.py", "train_study_type.py",
                    "select_mode.py"}


def _sources_hash() -> str:
    """Vocabularies, label sources, the study-type model, the claim modes and the extraction and claims code change
    the stage's rows as much as the tagger does: a new one re-extracts every article on the next run
    (`study_type` in claim_evidence comes from the same pass), so no row is left from rules that are no longer the
    pipeline's. Code is hashed by relative path and content with line endings normalised, so every clone of one
    commit agrees."""
    from pipeline.claims import stance, study_type

    h = hashlib.sha256(json.dumps(label_sources(), sort_keys=True).encode())
    for f in [*sorted(lexicon.VOCAB_DIR.glob("*.yaml")), study_type.MODEL_PATH, stance.MODES_FILE]:
        if f.exists():
            h.update(f.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    code = [(d, f) for d in CODE_DIRS for f in d.rglob("*.py") if f.name not in TRAINING_SCRIPTS]
    code.append((ROOT / "pipeline", ROOT / "pipeline" / "mentions.py"))
    for d, f in sorted(code, key=lambda x: x[1].relative_to(x[0].parent).as_posix()):
        h.update(f.relative_to(d.parent).as_posix().encode() + b"\0" + f.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return h.hexdigest()[:8]


def _overlaps(a: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


def _resolve(spans: list[tuple[int, int, str, str | None, dict, str]]) -> list:
    """Drop overlaps within a label: longest first, then earliest."""
    out: dict[str, list] = {}
    for sp in sorted(spans, key=lambda x: (-(x[1] - x[0]), x[0])):
        kept = out.setdefault(sp[2], [])
        if not _overlaps((sp[0], sp[1]), [(k[0], k[1]) for k in kept]):
            kept.append(sp)
    return sorted((sp for v in out.values() for sp in v), key=lambda x: (x[0], x[2]))


ROMAN_NUMERAL_BEFORE = re.compile(rf"(?:[A-Za-z0-9]{rules.DASH}|\b(?:phase|stage|grade|type|class|axis|level|criteria|"
                                  r"NYHA|DSM|ICD|group|arm|cohort|category|part)\s+)$", re.IGNORECASE)
SHOUTED_WORD = re.compile(r"[A-Z]{2,}")


def _defined_otherwise(doc: Doc, spans: list[tuple[int, int]]) -> set[str]:
    """Short forms the abstract defines by a long form that none of `spans` covers: "sleep quality (SQ)" is no
    subcutaneous route, "auditory steady-state response (ASSR)" no adverse effect."""
    return {short.text for short in doc._.abbreviations
            if not _overlaps((short._.long_form.start_char, short._.long_form.end_char), spans)}


def _route_abbreviation(text: str, start: int, end: int) -> bool:
    """Is an upper-case route abbreviation ("IV", "IN", "PO") one? Not the numeral of "DSM-IV", "phase IV" or "Group
    IV", nor the preposition of a title in capitals ("ANXIETY IN AUTISM"); "IV-KET" is (the annotators mark it)."""
    surface = text[start:end]
    if not surface.isupper() or not surface.isalpha():
        return True
    if ROMAN_NUMERAL_BEFORE.search(text, max(0, start - 12), start):
        return False
    if surface != "IN":
        return True
    before = text[max(0, start - 30):start].split()
    after = text[end:end + 30].split()
    return not (before and after and SHOUTED_WORD.fullmatch(before[-1].strip(",.:;()"))
                and SHOUTED_WORD.fullmatch(after[0].strip(",.:;()")))


def _candidates(doc: Doc, text: str, sources: dict[str, str]) -> list[tuple[int, int, str, str | None, dict, str]]:
    """(start, end, label, canonical, attrs, source) from rules and model, per the configured source per label."""
    rule: list = []
    lex = lexicon.combined().find_labelled(text)
    for h in lex.get("DRUG", ()):
        rule.append((h.start, h.end, "DRUG", h.canonical, {}, "rules"))
    not_before = lexicon.route_not_before()
    redefined = _defined_otherwise(doc, [(h.start, h.end) for h in lex.get("ROUTE", ())])
    for h in lex.get("ROUTE", ()):
        if (not _route_abbreviation(text, h.start, h.end) or text[h.start:h.end] in redefined
                or (h.canonical in not_before and not_before[h.canonical].match(text, h.end))):
            continue
        rule.append((h.start, h.end, "ROUTE", h.canonical, {"norm": h.canonical}, "rules"))
    doses = rules.find_doses(text)
    for h in doses:
        rule.append((h.start, h.end, "DOSE", None, dict(h.attrs), "rules"))
    for h in rules.find_timepoints(text, [(d.start, d.end) for d in doses]):
        rule.append((h.start, h.end, "TIMEPOINT", None, dict(h.attrs), "rules"))
    for h in lex.get("OUTCOME", ()):
        rule.append((h.start, h.end, "OUTCOME", h.canonical, {}, "rules"))
    for h in rules.find_vital_changes(text):  # first: on the same span its normal form beats a learned surface
        rule.append((h.start, h.end, "ADVERSE_EVENT", h.attrs["canonical"], {}, "rules"))
    for h in lex.get("ADVERSE_EVENT", ()):
        rule.append((h.start, h.end, "ADVERSE_EVENT", h.canonical, {}, "rules"))
    rule += _abbreviations(doc, rule)
    kept = _drop_by_context(text, rule)
    excluded = [c for c in rule if c not in kept]
    rule = kept
    model = []
    for s, e, label in tagged_spans(doc):
        attrs: dict = {}
        if label == "TIMEPOINT":
            s, e = rules.complete_timepoint(text, s, e)
            attrs["hours"] = rules.timepoint_hours(text[s:e])
            if attrs["hours"] is None:
                continue  # a time the guidelines cannot express in hours is not one they annotate
        model.append((s, e, label, None, attrs, "model"))
    model = _drop_by_context(text, [c for c in model if not _bare_modifier(text, c)
                                    and not _overlaps(c[:2], [x[:2] for x in excluded if x[2] == c[2]])])
    model = _drop_defined_otherwise(doc, text, model, rule)
    chosen = []
    extra = _drop_by_context(text, [(s, e, label, None, {}, "pretrained")
                                    for s, e, label in doc.user_data.get("kev_pretrained", ()) if label != "TIMEPOINT"])
    for label in LABELS:
        mode = sources.get(label, "rules")
        r = [c for c in rule if c[2] == label]
        m = [c for c in model if c[2] == label]
        if mode == "rules":
            chosen += r
        elif mode == "model":
            chosen += m
        else:  # union: the rule spans (exact boundaries, canonical forms), plus model spans they do not touch
            chosen += r + [c for c in m if not _overlaps((c[0], c[1]), [(x[0], x[1]) for x in r])]
    for c in extra:  # a configured pretrained pipeline only adds spans where ours of its label leave a gap
        if not _overlaps((c[0], c[1]), [(x[0], x[1]) for x in chosen if x[2] == c[2]]):
            chosen.append(c)
    return _drop_title_targets(text, _resolve(chosen))


def _drop_title_targets(text: str, cands: list) -> list:
    """The condition the title says the study treats or prevents ("esketamine on postoperative delirium", as an
    adverse-effect or outcome candidate there) is the disease being treated wherever the abstract names it, so none
    of its mentions is an adverse effect. Not when the title studies it ("risk factors for laryngospasm") or pins it
    on a drug ("ketamine-associated hallucinations", "hallucinations induced by ketamine")."""
    title_end = text.find("\n")
    pat = _context_patterns()
    targets = []
    for c in cands:
        if c[2] not in ("ADVERSE_EVENT", "OUTCOME") or c[1] > title_end:
            continue
        m = pat["title_target"].search(text, 0, c[0])
        if not m or (m.group("on") and not pat["title_target_on"].search(text[m.start():c[1]])):
            continue
        if pat["title_studies"].search(text, 0, m.start()) or pat["title_caused"].search(text[m.start():c[0]]) \
                or pat["title_caused_after"].match(text, c[1], title_end):
            continue
        targets.append(c)
    if not targets:
        return cands
    names = {text[s:e].lower() for s, e, *_ in targets} | {c[3] for c in targets if c[3]}

    def named(c: tuple) -> bool:
        """The target, a part of it ("delirium" of "postoperative delirium") or its short form ("EA"); not a
        longer effect that contains it ("excessive sedation", "oversedation")."""
        mention = text[c[0]:c[1]]
        short_form = mention.isupper() and len(mention) <= 6
        return (short_form and c[3] in names) or any(
            re.search(rf"(?<![\w-]){re.escape(mention.lower())}(?![\w-])", n) for n in names)

    return [c for c in cands if c[2] != "ADVERSE_EVENT" or not named(c)]


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@cache
def _context_patterns() -> dict[str, re.Pattern]:
    """The cues of vocab/mention_context.yaml as regular expressions (data there, matching here)."""
    cues = lexicon.load_yaml("mention_context.yaml")
    enr = cues["enrolment"]
    population = (rf"\b(?:{_alternation(enr['population'])})(?:\s*\([^()]{{1,20}}\))?\s+(?:{_alternation(enr['link'])})"
                  rf"|\b(?:{_alternation(enr['leads'])})")
    resp = cues["response_non_clinical"]
    flags = re.IGNORECASE
    return {
        "enrolment": re.compile(rf"(?:{population})\s+(?:(?:{_alternation(enr['modifiers'])}"
                                rf"|(?:[\w-]+\s+){{1,4}}and)\s+)*$", flags),
        "enrolment_cue": re.compile(rf"\b(?:{_alternation(enr['link'])}|{_alternation(enr['leads'])})\b", flags),
        "response_before": re.compile(rf"(?:^|[\s(])(?:{_alternation(resp['before'])})[\s-]*$", flags),
        "response_after": re.compile(rf"^\s*(?:{_alternation(resp['after'])})\b", flags),
        "instrument": re.compile(rf"^[\s-]*(?:{_alternation(cues['instrument_heads'])})\b", flags),
        "purpose": re.compile(rf"^\s*(?:{_alternation(cues['purpose_after'])})\b", flags),
        "adjective": re.compile(rf"^[A-Za-z-]+(?:{_alternation(cues['adjective_suffixes'])})$", flags),
        "bare_adjective": re.compile(rf"^(?:{_alternation(cues['bare_adjectives'])})$", flags),
        "effect_noun": re.compile(rf"^(?:{_alternation(cues['effect_nouns_like_adjectives'])})$", flags),
        "copula": re.compile(r"\b(?:was|were|is|are|be|been|being|became|become|becomes|becoming|appeared|felt|"
                             r"feel|feeling|remained|got|get|getting|turned)\s+(?:\w+\s+){0,2}$", flags),
        "measure": re.compile(rf"\b(?:{_alternation(cues['measure_heads'])})$", flags),
        "change": re.compile(rf"\b(?:{_alternation(cues['change_words'])})\b", flags),
        "function": re.compile(rf"^(?:{_alternation(cues['function_words'])})$", flags),
        "eponym": re.compile(rf"\b(?:{_alternation(cues['instrument_eponyms'])})"
                             r"\s*(?:\([^()]{1,12}\))?[\s\-\u2010]*$", flags),
        "instrument_compound": re.compile(rf"^[\-\u2010]?[A-Za-z]+[\s\-\u2010]+"
                                          rf"(?:{_alternation(cues['instrument_heads'])})\b", flags),
        "treated_before": re.compile(rf"(?:^|[\s(])(?:{_alternation(cues['treated_before'])})[\s-]*$", flags),
        "treated_after": re.compile(rf"^\s*(?:{_alternation(cues['treated_after'])})\b", flags),
        # the cue, then at most three words ("on the incidence of", "for postoperative"), then the candidate
        "title_target": re.compile(rf"\b(?:(?:{_alternation(cues['title_target_before'])})|"
                                   rf"(?P<on>on))\s+(?:(?:the|incidence|occurrence|risk|of|and|"
                                   r"[\w-]+(?:ive|al|ic|ed|ary))\s+){0,3}$", flags),
        "title_target_on": re.compile(rf"\b(?:{_alternation(cues['title_target_after_on'])})", flags),
        "title_studies": re.compile(rf"\b(?:{_alternation(cues['title_studies_before'])})\s*$", flags),
        "title_caused": re.compile(r"(?:associated|related|induced|caused)\b", flags),
        "title_caused_after": re.compile(r"\s+(?:induced|caused|provoked|precipitated) by\b|\s+(?:associated with|"
                                         r"related to|after|following|due to|during)\s+(?:\w+\s+){0,2}?"
                                         r"(?:(?:es|ar)?ketamine|anesthesia|anaesthesia|sedation)\b", flags),
        "generic": re.compile(rf"^(?:{_alternation(cues['generic_words'])})$", flags),
        "generic_outcome": re.compile(rf"^(?:{_alternation(cues['generic_outcome_words'])})$", flags),
        "glued": re.compile(r"[A-Za-z0-9)][\-\u2010]$"),
    }


def _not_by_context(text: str, start: int, end: int, label: str, canonical: str | None) -> bool:
    """GUIDELINES: the condition of who was enrolled is neither an outcome nor an adverse effect there; "response"
    in "dose-response" or "stress response" measures nothing clinical; a word inside an instrument's name is no
    adverse effect; what a drug is given for ("for sedation/analgesia") is not an effect of it."""
    pat = _context_patterns()
    before, after, span = text[max(0, start - 60):start], text[end:end + 30], text[start:end]
    keeps = lexicon.load_yaml("mention_context.yaml")["enrolment_keeps"]
    kind = (canonical or "").split(":", 1)[-1] if canonical and canonical.startswith("concept:") else None
    is_instrument = label == "OUTCOME" and canonical is not None and ":" not in canonical
    if not is_instrument and not any(k in span.lower() for k in keeps) and kind not in keeps \
            and pat["enrolment_cue"].search(before) and pat["enrolment"].search(before):
        return True
    if label == "OUTCOME" and re.fullmatch(r"(?i)responses?", span) and \
            (pat["response_before"].search(before) or pat["response_after"].match(after)
             or (re.search(r"(?i)\bin\s+$", before) and re.match(r"\s+to\b", after))):
        return True  # "dose-response", "response prevention", "in response to mirror gazing"
    if label != "ADVERSE_EVENT":
        return False
    if pat["instrument"].match(after) or pat["purpose"].match(after) or pat["instrument_compound"].match(after):
        return True  # "Athens Insomnia Scale", "agitation-sedation scale"
    if pat["eponym"].search(before) or pat["glued"].search(before):
        return True  # "Ramsay sedation scores", "BPRS-positive symptoms", "5D-ASC", "anti-fatigue"
    return bool(pat["treated_before"].search(before) or pat["treated_after"].match(after))


def _drop_by_context(text: str, cands: list) -> list:
    """Leave out OUTCOME/ADVERSE_EVENT candidates their context rules out, and with them the abbreviation that an
    excluded long form defines right after itself ("with suicidal ideation (SI)")."""
    out, dropped_end = [], -1
    for c in sorted(cands, key=lambda x: x[0]):
        if c[2] in ("OUTCOME", "ADVERSE_EVENT"):
            defined = dropped_end >= 0 and re.fullmatch(r"\s*\(\s*", text[dropped_end:c[0]]) is not None
            if defined or _not_by_context(text, c[0], c[1], c[2], c[3]):
                dropped_end = c[1]
                continue
        out.append(c)
    return out


def _drop_defined_otherwise(doc: Doc, text: str, model: list, rule: list) -> list:
    """A tagger ADVERSE_EVENT that is a short form the abstract defines ("auditory steady-state response (ASSR)")
    names what its long form names: when no adverse-effect candidate (rules or tagger) covers that long form, the
    short form is no effect either. Short forms the abstract does not define (SJS, TEN) are left to the tagger."""
    if not doc._.abbreviations or not any(c[2] == "ADVERSE_EVENT" for c in model):
        return model
    not_effects = _defined_otherwise(doc, [c[:2] for c in rule + model if c[2] == "ADVERSE_EVENT"])
    return [c for c in model if c[2] != "ADVERSE_EVENT" or text[c[0]:c[1]] not in not_effects]


BENEFIT = re.compile(r"\b(?:anti-?depressant|anxiolytic|anti-?suicidal|therapeutic|beneficial)(?:-like)?\s+"
                     r"(?:effects?|actions?|properties|responses?)\b", re.IGNORECASE)


def _bare_modifier(text: str, cand: tuple) -> bool:
    """A tagger span of one function word or generic word, an outcome of one adjective that modifies the next word
    ("cognitive behavior therapy", "postoperative sleep"), an adverse event of one adjective the vocabulary does not
    know ("hemodynamic", "dissociative drug", "intense"), or one that names a measure without its change
    ("respiratory rate"): GUIDELINES say a bare adjective names nothing, a body system needs its change. (On
    ADE-Corpus, whose spans are long, such adjectives often overlap a longer gold effect: leaving them out costs
    about 0.005 overlap F1 there and gains 0.008-0.025 on every ketamine set, and strict F1 everywhere.)"""
    if cand[2] not in ("OUTCOME", "ADVERSE_EVENT"):
        return False
    pat = _context_patterns()
    span = text[cand[0]:cand[1]]
    if pat["function"].match(span):
        return True
    if cand[2] == "ADVERSE_EVENT" and pat["measure"].search(span) and not pat["change"].search(span):
        return True  # "respiratory rate" names a measure; "increased respiratory rate" an effect
    if cand[2] == "ADVERSE_EVENT" and pat["generic"].match(span):
        return True  # "changes", "reaction", "side": no specific effect
    if cand[2] == "ADVERSE_EVENT" and BENEFIT.search(span):
        return True  # "antidepressant-like effects": the benefit, not a harm
    if cand[2] == "OUTCOME" and pat["generic_outcome"].match(span):
        return True  # "incidence", "symptoms": what was counted, not which outcome
    if cand[2] == "ADVERSE_EVENT" and " " not in span and _lookup(lexicon.adverse_events(), span) is None:
        predicate = pat["copula"].search(text, max(0, cand[0] - 40), cand[0])  # "became psychotic": the effect
        if (pat["adjective"].match(span) or pat["bare_adjective"].match(span)) and not predicate \
                and not pat["effect_noun"].match(span):
            return True  # GUIDELINES: a bare adjective ("hemodynamic", "intense") names no effect
        following = re.match(r"\s+([A-Za-z-]+)", text[cand[1]:cand[1] + 40])
        if following and pat["measure"].search(f"{span} {following.group(1)}"):
            return True  # "blood" of "blood pressure": half of a measure
        hit = _lookup(lexicon.outcomes(), span)
        if hit and not hit.startswith(("learned:", "concept:")):
            return True  # "QIDS": a named instrument measures, it is no effect
    modifies = re.match(r"[ \t]+[A-Za-z]", text[cand[1]:cand[1] + 2]) is not None
    return cand[2] == "OUTCOME" and bool(pat["adjective"].match(span)) and modifies


def tagged_spans(doc: Doc) -> list[tuple[int, int, str]]:
    """Decode the tagger's BIO tags into (start, end, label) character spans; a stray I- starts a span."""
    if "tagger" not in doc.user_data.get("kev_pipes", ()):
        return []
    arr = doc.to_array([TAG, IDX, LENGTH])
    strings = doc.vocab.strings
    spans: list[tuple[int, int, str]] = []
    cur: list | None = None
    for tag_id, idx, length in arr.tolist():
        tag = strings[tag_id] if tag_id else "O"
        if tag == "O" or len(tag) < 3:
            cur = None
            continue
        bio, label = tag[0], tag[2:]
        if bio == "I" and cur is not None and cur[2] == label:
            cur[1] = idx + length
        else:
            cur = [idx, idx + length, label]
            spans.append(cur)
    return [tuple(x) for x in spans]


def _abbreviations(doc: Doc, found: list) -> list:
    """Short forms defined in the abstract ("esketamine (ESK)") take the label and canonical of their long form."""
    out = []
    by_span = {(c[0], c[1]): c for c in found}
    for short in doc._.abbreviations:
        long = short._.long_form
        match = by_span.get((long.start_char, long.end_char))
        if match is None:
            continue
        out.append((short.start_char, short.end_char, match[2], match[3], dict(match[4]), "rules"))
    return out


def sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) characters of each sentence, read from arrays (cheaper than building Span objects)."""
    if len(doc) == 0:
        return [(0, 0)]
    arr = doc.to_array([SENT_START, IDX, LENGTH]).astype("int64")
    first = [i for i, v in enumerate(arr[:, 0].tolist()) if v == 1] or [0]
    if first[0] != 0:
        first.insert(0, 0)
    ends = (arr[:, 1] + arr[:, 2]).tolist()
    idx = arr[:, 1].tolist()
    bounds = first[1:] + [len(doc)]
    return [(idx[a], ends[b - 1]) for a, b in zip(first, bounds, strict=True)]


def _sentence_index(starts: list[int], pos: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo


# route short forms in capitals only: "0.5 mg/kg in propofol anaesthesia" is no intranasal propofol dose
ADJACENT_AFTER = re.compile(r"^\s*(?:of\s+)?(?:(?:oral|intravenous|intranasal|(?-i:IV|IN)|i\.v\.)\s+)?$",
                            re.IGNORECASE)


def _link(mention: tuple[int, int], drugs: list[tuple[int, int, str]], sent: tuple[int, int], text: str
          ) -> str | None:
    """The drug a dose or route belongs to: one right after it ("0.045 mg/kg midazolam", "70 mg of MDMA"), else
    the nearest DRUG before it in the sentence ("ketamine (0.5 mg/kg)"), else the nearest after."""
    inside = [d for d in drugs if sent[0] <= d[0] < sent[1]]
    after = [d for d in inside if d[0] >= mention[1]]
    if after and ADJACENT_AFTER.match(text[mention[1]:after[0][0]]):
        return after[0][2]
    before = [d for d in inside if d[1] <= mention[0]]
    if before:
        return before[-1][2]
    return after[0][2] if after else None


# A word that names a drug the vocabulary lacks, right before a dose that follows another dose (match at `pos`:
# no "^", which would only match at the string's start): "sufentanil 2 µg/kg +
# tropisetron 10 mg" (tropisetron's, not sufentanil's); words that are no drug name never count.
UNLISTED_BEFORE = re.compile(r"\s*(?:\+|\bplus\b|\band\b|\bwith\b|[,;/])\s*([A-Za-z][a-z]{4,}(?:-[a-z]+)?)"
                             r"\s*(?:\(\s*|at\s+)?$")
NOT_A_DRUG_NAME = frozenset({"range", "ranging", "mean", "median", "average", "approximately", "about", "maximum",
                             "minimum", "cumulative", "equivalent", "dose", "doses", "dosing", "infusion",
                             "infusions", "bolus", "boluses", "maintenance", "injection", "injections", "either",
                             "then", "respectively", "followed", "group", "groups", "another", "additional",
                             "repeated", "single", "total", "daily", "weekly", "twice", "thrice", "once", "patients",
                             "subjects", "participants", "placebo", "saline", "every", "after", "before", "higher",
                             "lower", "increased", "decreased", "escalating", "titrated", "initial", "final",
                             "first", "second", "third", "intravenous", "intranasal", "subcutaneous",
                             "intramuscular", "orally", "oral", "nasal", "spray", "sprays", "tablet", "tablets",
                             "capsule", "capsules", "solution"})


def _unlisted_drug(dose: Mention, mentions: list[Mention], text: str) -> str | None:
    """The drug of a dose that follows another dose and a drug name the vocabulary does not know, or None."""
    earlier = [m for m in mentions if m.label in ("DOSE", "DRUG") and m.sent_index == dose.sent_index
               and m.end <= dose.start]
    if not earlier or max(earlier, key=lambda m: m.end).label != "DOSE":
        return None
    hit = UNLISTED_BEFORE.match(text, max(m.end for m in earlier), dose.start)
    if hit is None or hit.group(1).lower() in NOT_A_DRUG_NAME or \
            any(m.start <= hit.start(1) < m.end for m in mentions if m.label == "ROUTE"):
        return None
    return hit.group(1).lower()


def study_drug(mentions: list[Mention]) -> str | None:
    """The article's study drug: the most mentioned drug, title mentions counting thrice, ketamine forms first,
    unless the title names drugs and no ketamine form ("Psilocybin in depression", ketamine a comparator)."""
    counts: Counter = Counter()
    titled: set[str] = set()
    for m in mentions:
        if m.label == "DRUG" and m.canonical:
            counts[m.canonical] += 3 if m.role == "title" else 1
            if m.role == "title":
                titled.add(m.canonical)
    if not counts:
        return None
    if titled and not titled & set(STUDY_DRUGS):
        counts = Counter({k: v for k, v in counts.items() if k in titled})
    ket = {k: v for k, v in counts.items() if k in STUDY_DRUGS}
    return max(ket or counts, key=lambda k: ((ket or counts)[k], -list(counts).index(k)))


def extract_doc(doc: Doc, doc_id: str, pmid: str | None = None, version: int = 1,
                sections: list | None = None, mv: str = "", sources: dict[str, str] | None = None) -> Extraction:
    text = doc_text(doc)
    sents = sentence_spans(doc)
    starts = [s for s, _ in sents]
    sent_texts = [text[s:e] for s, e in sents]
    sec_for: list[str | None] = [None] * len(sents)
    sec_role: list[str | None] = [None] * len(sents)
    for sec in sections or []:
        for i, (s, _) in enumerate(sents):
            if sec["start"] <= s < sec["end"]:
                sec_for[i] = sec["label"] or sec["nlm_category"]
                sec_role[i] = context.label_role(sec["label"], sec["nlm_category"])
    for i, st in enumerate(sent_texts[1:], start=1):
        if sec_for[i] is None:
            sec_for[i] = context.inline_label(st) or sec_for[i - 1]
    roles = context.sentence_roles(sent_texts, sec_role)
    mentions: list[Mention] = []
    hedged: dict[int, bool] = {}
    for s, e, label, canonical, attrs, source in _candidates(doc, text, sources or label_sources()):
        si = _sentence_index(starts, s)
        ss, se = sents[si]
        sent = text[ss:se]
        if si not in hedged:
            hedged[si] = context.is_hedged(sent)
        m = Mention(doc_id, pmid, version, si, sec_for[si], roles[si], s, e, text[s:e], label, canonical,
                    attrs, context.is_negated(sent, s - ss, e - ss), hedged[si], None, source, mv)
        _normalise(m)
        mentions.append(m)
    _short_form_effects(doc, mentions)
    drugs = [(m.start, m.end, m.canonical or m.text.lower()) for m in mentions if m.label == "DRUG"]
    main = study_drug(mentions)
    doses: list[Dose] = []
    for m in mentions:
        if m.label in ("DOSE", "ROUTE"):
            m.drug = _link((m.start, m.end), drugs, sents[m.sent_index], text)
    for m in mentions:
        if m.label == "DOSE":
            m.drug = _unlisted_drug(m, mentions, text) or m.drug
    dose_starts = sorted(m.start for m in mentions if m.label == "DOSE")
    for m in mentions:
        if m.label != "DOSE" or "value" not in m.attrs:
            continue
        ss, se = sents[m.sent_index]
        until = min([se] + [x for x in dose_starts if x > m.start])
        since = max([ss] + [x.end for x in mentions if x.label == "DOSE" and x.end <= m.start])
        route = _dose_route(m, mentions, text)
        a = m.attrs
        timing = schedule(text[m.end:until], text[since:m.start])
        if a.get("value_max") is not None and timing["n_doses"] == len(re.findall(r"\d+(?:[.,·]\d+)?", m.text)):
            timing["n_doses"] = None  # "two doses (0.04 and 0.4 mg/kg)": dose levels, not administrations
        doses.append(Dose(doc_id, pmid, version, m.mention_id, m.sent_index, m.start, m.end, m.text,
                          m.drug or main, m.drug is None and main is not None, route, a["value"],
                          a.get("value_max"), a["unit"],
                          **mass_values(a["value"], a.get("value_max"), a["unit"]),
                          **timing, model_version=mv))
    return Extraction(mentions, doses, sents, roles, main, article_routes(text, mentions, main, drugs, sents),
                      sec_for, mv)


def _short_form_effects(doc: Doc, mentions: list[Mention]) -> None:
    """An effect written as a short form the abstract defines ("Emergence Delirium (ED)") counts under its long
    form's term: the tagger finds both, and each "ED" was an effect called "ed"."""
    effects = [m for m in mentions if m.label == "ADVERSE_EVENT"]
    if not effects or not doc._.abbreviations:
        return
    long_forms = {short.text: short._.long_form for short in doc._.abbreviations}
    for m in effects:
        long = long_forms.get(m.text)
        if long is None or m.attrs.get("mesh") or m.canonical in lexicon.ae_mesh():
            continue
        owner = next((x for x in effects if x.start < long.end_char and long.start_char < x.end), None)
        canonical = owner.canonical if owner is not None else _ae_canonical(long.text)
        if owner is not None or canonical in lexicon.ae_mesh():
            m.canonical = canonical
            m.attrs["mesh"] = lexicon.ae_mesh().get(canonical)


def _dose_route(dose: Mention, mentions: list[Mention], text: str) -> str | None:
    """The route of a dose: among the routes of its sentence and drug (not a co-medication's, "plus an oral
    antidepressant"), a named one over a bare "injected", the nearest, where a separator between route and dose
    (",", "or", "and", ...) counts as far ("50 mg intranasally, another 0.4 mg/kg i.v." gives each its own); a
    generic "infusions" gives way to a named route of the same phrase ("subcutaneous esketamine infusions")."""
    routes = [r for r in mentions if r.label == "ROUTE" and r.sent_index == dose.sent_index and r.canonical
              and r.drug in (None, dose.drug) and not DOSE_CO_MEDICATION.match(text, r.end)]
    routes = [r for r in routes if r.canonical != "other"] or routes
    if not routes:
        return None

    def between(a: Mention, b: Mention) -> str:
        return text[a.end:b.start] if a.end <= b.start else text[b.end:a.start]

    def distance(r: Mention) -> tuple[int, int]:
        gap = between(r, dose)
        return (1 if DOSE_SEPARATOR.search(gap) else 0, len(gap))

    best = min(routes, key=distance)
    if best.text.lower().startswith("infus"):
        named = [r for r in routes if r.canonical != best.canonical and not r.text.lower().startswith("infus")
                 and not DOSE_SEPARATOR.search(between(r, best)) and abs(r.start - best.start) <= 40]
        if named:
            return min(named, key=distance).canonical
    return best.canonical


DOSE_SEPARATOR = re.compile(r"[,;]|\b(?:or|and|whereas|while|versus|vs\.?|then|followed by)\b", re.IGNORECASE)


# After a route word, another medication or no drug at all: the route is not a dose's ("plus an oral
# antidepressant", "intravenous cannulation"). Narrower than OTHER_MEDICATION: a dose in "patient-controlled
# intravenous analgesia (sufentanil 2 µg/kg + esketamine 25 mg)" is given by that route, and "oral placebo and
# psilocybin (0.143 mg/kg)" share theirs.
_NOT_THE_DRUG = (r"antidepressants?|(?-i:ADs?)|medications?|SSRIs?|SNRIs?|antipsychotics?|benzodiazepines?|ethanol|"
                 r"alcohol|glucose|contrast|cannulation|cannulae?|catheters?|catheterization|lines?|access")
DOSE_CO_MEDICATION = re.compile(rf"\s+(?:{_NOT_THE_DRUG})\b", re.IGNORECASE)


# What a route word before these gives is not the study drug: another medication ("oral antidepressant", "oral AD")
# or no drug at all ("intravenous cannulation", "an intravenous ethanol clamp"). Wider than DOSE_CO_MEDICATION
# (one list: they had drifted apart, "oral SNRI" gave the study an oral route).
OTHER_MEDICATION = re.compile(rf"\s+(?:{_NOT_THE_DRUG}|placebo|premedication|midazolam|opioids?|analgesi\w+)\b",
                              re.IGNORECASE)


def article_routes(text: str, mentions: list[Mention], main: str | None, drugs: list, sents: list) -> list[str]:
    """Routes of the study drug (what PsyNamic's `routes` means). A review's routes are others', except those its
    title names as its subject ("... of intravenous ketamine: a systematic review")."""
    family = set(STUDY_DRUGS) if main in STUDY_DRUGS else {main}  # "S-ketamine" in a ketamine study is its drug
    found = [m for m in mentions if m.label == "ROUTE" and m.canonical and not m.negated
             and (m.drug in family or m.drug is None) and not OTHER_MEDICATION.match(text, m.end)]
    own = [m for m in found if m.role != "background"]
    found = own or found  # "most trials gave ketamine by IV infusion" in the background is others' route
    if design.is_review(text):
        title_end = text.find("\n")  # no title line, no subject route
        return sorted({m.canonical for m in found if m.end <= title_end})
    routes = {m.canonical for m in found}
    if routes - {"other"} and all(m.text.lower().startswith("inject") for m in found if m.canonical == "other"):
        routes.discard("other")  # a bare "injection" says nothing more once the route is named
    if not routes and design.classify(text) in ("rct", "cohort", "case_report", "protocol"):
        for h in lexicon.implied_routes().find(text):
            si = _sentence_index([s for s, _ in sents], h.start)
            if _link((h.start, h.end), drugs, sents[si], text) in family | {None}:
                routes.add(h.canonical)
    return sorted(routes)


def _normalise(m: Mention) -> None:
    """Fill `canonical` and attributes the way GUIDELINES.md defines them."""
    if m.label == "DRUG":
        m.canonical = m.canonical or m.text.lower()
        m.attrs["norm"] = m.canonical
    elif m.label == "ROUTE":
        m.attrs["norm"] = m.canonical = m.canonical or _route_norm(m.text)
    elif m.label == "TIMEPOINT":
        if "hours" not in m.attrs:
            m.attrs["hours"] = rules.timepoint_hours(m.text)
        m.canonical = None if m.attrs["hours"] is None else f"{m.attrs['hours']:g} h"
    elif m.label == "DOSE":
        if "value" not in m.attrs:
            hits = rules.find_doses(m.text)
            if hits:
                m.attrs.update(hits[0].attrs)
        if "unit" in m.attrs:
            upper = f"-{m.attrs['value_max']:g}" if m.attrs.get("value_max") is not None else ""
            m.canonical = f"{m.attrs['value']:g}{upper} {m.attrs['unit']}"
    elif m.label == "ADVERSE_EVENT":
        m.canonical = _ae_canonical(m.canonical or m.text)
        m.attrs["mesh"] = lexicon.ae_mesh().get(m.canonical)
        m.attrs["negated"] = m.negated
    elif m.label == "OUTCOME":
        hit = m.canonical or _lookup(lexicon.outcomes(), m.text)
        if hit and hit.startswith("learned:"):
            hit = None
        if hit and hit.startswith("concept:"):
            m.attrs.update(instrument=None, kind=hit.split(":", 1)[1])
            m.canonical = hit.split(":", 1)[1]
        elif hit:
            m.attrs.update(instrument=hit, kind=lexicon.instrument_kinds().get(hit))
            m.canonical = hit
        else:
            m.attrs.update(instrument=None, kind=_outcome_kind(m.text))
            m.canonical = m.text.lower()


PLURAL = re.compile(r"(?<![su])s$")


def _ae_canonical(text: str) -> str:
    """The vocabulary's term for an effect, also when written in the other number ("memory impairments" is memory
    impairment), else the words as written (lower case)."""
    if text in lexicon.ae_mesh():
        return text
    if text.startswith("learned:"):
        return text.split(":", 1)[1]
    other = PLURAL.sub("", text) if PLURAL.search(text) else text + "s"
    for form in (text, other):
        hit = _lookup(lexicon.adverse_events(), form)
        if hit:
            return hit.removeprefix("learned:")
    return text.lower()


def _lookup(lex: lexicon.Lexicon, text: str) -> str | None:
    hits = lex.find(text)
    return hits[0].canonical if len(hits) == 1 and hits[0].end - hits[0].start >= len(text) * 0.6 else None


def _route_norm(text: str) -> str:
    hit = _lookup(lexicon.routes(), text)
    return hit or "other"


def _outcome_kind(text: str) -> str:
    t = text.lower()
    for key, kind in (("remission", "remission"), ("respon", "response"), ("relapse", "relapse"),
                      ("suicid", "suicidal ideation"), ("depress", "symptom score"), ("anxiety", "anxiety"),
                      ("cognit", "cognition"), ("quality of life", "quality of life"), ("pain", "pain")):
        if key in t:
            return kind
    return "other"


class Extractor:
    """Holds one loaded pipeline; `run` streams (doc_id, pmid, version, text, sections) through it."""

    def __init__(self, model_dir: Path | None = MODEL_DIR, with_model: bool = True,
                 sources: dict[str, str] | None = None) -> None:
        """`sources` overrides models/extraction.json (which label comes from rules, model or both)."""
        self.sources = sources
        self.nlp = build_nlp(model_dir, with_model)
        self.pretrained = pretrained.from_env()
        self.model_version = model_version(self.nlp)
        self.pipe_names = tuple(self.nlp.pipe_names)

    def run(self, items: Iterable[tuple[str, str | None, int, str, list | None]], batch_size: int = 64
            ) -> Iterator[Extraction]:
        def docs():
            for item in items:
                doc_id, pmid, version, text, sections = item[:5]
                d = self.nlp.make_doc(text)
                d.user_data["text"] = text
                d.user_data["kev_pipes"] = self.pipe_names
                if self.pretrained is not None:
                    d.user_data["kev_pretrained"] = self.pretrained.spans(text)
                secs = [s if isinstance(s, dict) else asdict(s) for s in (sections or [])]
                d._.sections = [(s["start"], s["end"]) for s in secs]
                d.user_data["kev"] = (doc_id, pmid, version, secs)
                yield d

        for doc in self.nlp.pipe(docs(), batch_size=batch_size):
            doc_id, pmid, version, sections = doc.user_data["kev"]
            yield extract_doc(doc, doc_id, pmid, version, sections, self.model_version, self.sources)

    def one(self, text: str, doc_id: str = "doc", sections: list | None = None) -> Extraction:
        return next(self.run([(doc_id, None, 1, text, sections)]))

    def one_item(self, item: tuple) -> Extraction:
        return next(self.run([item]))


def flat_row(obj: Mention | Dose) -> dict:
    """A dataclass as a dict, shallow: `dataclasses.asdict` deep-copies every field and cost 0.07 ms a mention,
    a sixth of the claims stage's time; these rows hold scalars and the attrs dict, which `mention_row`
    serialises anyway."""
    return dict(vars(obj))


def mention_row(m: Mention) -> dict:
    d = flat_row(m)
    d["mention_id"] = m.mention_id
    d["attrs"] = json.dumps(m.attrs, sort_keys=True, ensure_ascii=False)
    return d

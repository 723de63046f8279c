"""Text -> mentions and doses. One spaCy pass (scispaCy tokenizer, abbreviations, sentences, NER), then rules,
context, drug linking and normalisation in plain Python. Which source (rules, model or both) serves each label
is configuration (`models/extraction.json`), chosen by `kev eval`, not by code."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.nlp import context, pretrained
from pipeline.nlp.candidates import find_candidates
from pipeline.nlp.components import (
    doc_text,
    make_scispacy_tokenizer,
    sentence_index,
    sentence_spans,
    split_glued_labels,
)
from pipeline.nlp.configuration import MODEL_DIR, label_sources, model_version
from pipeline.nlp.linking import (
    DOSE_LIST_GAP,
    article_routes,
    dose_route,
    link_drug,
    respective_drugs,
    study_drug,
    unlisted_drug,
)
from pipeline.nlp.normalise.dose import course_days, mass_values, per_week, qualifier, schedule
from pipeline.nlp.normalise.mention import normalise, short_form_effects


class Item(NamedTuple):
    """One article as the extraction stage takes it. A tuple underneath: it crosses process boundaries as one, and
    callers may still pass a plain (doc_id, pmid, version, text[, sections[, meta]]) tuple."""

    doc_id: str
    pmid: str | None
    version: int
    text: str
    sections: Sequence = ()  # the parser's structured-abstract sections (dicts or Section records)
    meta: dict | None = None  # publication types, MeSH, retraction, journal: read by the claims stage only


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
    qualifier: str | None = None
    per_week: float | None = None
    course_days: float | None = None
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


def _sections_and_roles(sents: list[tuple[int, int]], sent_texts: list[str], sections: list | None
                        ) -> tuple[list[str | None], list[str | None]]:
    """Per sentence: its section (the parser's structured label, an inline label, else the one before) and its role
    (background, methods, results, conclusions, title). An inline label in capitals with a role inside a structured
    section (a header the source left in running text, which the splitter made a sentence of) holds from there to
    the end of that section; a sub-label ("Primary outcome:" under RESULTS) does not."""
    sec_for: list[str | None] = [None] * len(sents)
    sec_role: list[str | None] = [None] * len(sents)
    sec_of: list[int | None] = [None] * len(sents)
    for k, sec in enumerate(sections or []):
        for i, (s, _) in enumerate(sents):
            if sec["start"] <= s < sec["end"]:
                sec_for[i], sec_of[i] = sec["label"] or sec["nlm_category"], k
                sec_role[i] = context.label_role(sec["label"], sec["nlm_category"])
    inline = [context.inline_label(st) if i else None for i, st in enumerate(sent_texts)]
    for i in range(1, len(sents)):
        if sec_for[i] is None:
            sec_for[i] = inline[i] or sec_for[i - 1]
            continue
        if sec_of[i] == sec_of[i - 1]:  # within one structured section: as the sentence before (an inline label's)
            sec_for[i], sec_role[i] = sec_for[i - 1], sec_role[i - 1]
        if inline[i] and inline[i].isupper() and (role := context.label_role(inline[i])) not in (None, sec_role[i]):
            sec_for[i], sec_role[i] = inline[i], role
    return sec_for, context.sentence_roles(sent_texts, sec_role)


def _mentions(doc: Doc, text: str, sents: list[tuple[int, int]], sec_for: list[str | None],
              roles: list[str | None], ids: tuple[str, str | None, int], sources: dict[str, str], mv: str
              ) -> list[Mention]:
    """Every chosen candidate as a normalised mention with its sentence, section, role, negation and hedging."""
    starts = [s for s, _ in sents]
    mentions: list[Mention] = []
    hedged: dict[int, bool] = {}
    for s, e, label, canonical, attrs, source in find_candidates(doc, text, sources):
        si = sentence_index(starts, s)
        ss, se = sents[si]
        sent = text[ss:se]
        if si not in hedged:
            hedged[si] = context.is_hedged(sent)
        m = Mention(*ids, si, sec_for[si], roles[si], s, e, text[s:e], label, canonical,
                    attrs, context.is_negated(sent, s - ss, e - ss), hedged[si], None, source, mv)
        normalise(m)
        mentions.append(m)
    short_form_effects(doc, mentions)
    return mentions


def _link_drugs(mentions: list[Mention], sents: list[tuple[int, int]], text: str) -> list[tuple[int, int, str]]:
    """Each dose and route gets the drug it belongs to ("respectively" lists and unlisted arms for doses); the
    drug mentions, as (start, end, name), are returned for the article's routes."""
    drugs = [(m.start, m.end, m.canonical or m.text.lower()) for m in mentions if m.label == "DRUG"]
    for m in mentions:
        if m.label in ("DOSE", "ROUTE"):
            m.drug = link_drug((m.start, m.end), drugs, sents[m.sent_index], text, route=m.label == "ROUTE")
    respective = respective_drugs(mentions, drugs, sents, text)
    for m in mentions:
        if m.label == "DOSE":
            m.drug = respective.get(m.start) or unlisted_drug(m, mentions, text) or m.drug
    return drugs


def _dose_rows(mentions: list[Mention], sents: list[tuple[int, int]], text: str, main: str | None,
               ids: tuple[str, str | None, int], mv: str) -> list[Dose]:
    """One row per dose with a value: its drug (the study drug when none is linked), route, amounts in mg and
    mg/kg, and the schedule written after it, or after the list or the choice of arms it belongs to."""
    doses_in_order = sorted((m for m in mentions if m.label == "DOSE"), key=lambda m: m.start)
    dose_starts = [m.start for m in doses_in_order]

    def until(d: Mention, sentence_end: int) -> int:
        """Where the words after a dose stop: the next dose or the end of its sentence."""
        return min([sentence_end] + [x for x in dose_starts if x > d.start])

    doses: list[Dose] = []
    for m in mentions:
        if m.label != "DOSE" or "value" not in m.attrs:
            continue
        ss, se = sents[m.sent_index]
        since = max([ss] + [x.end for x in mentions if x.label == "DOSE" and x.end <= m.start])
        route = dose_route(m, mentions, text)
        a = m.attrs
        timing = schedule(text[m.end:until(m, se)], text[since:m.start])
        last = _last_of_list(m, doses_in_order, text, se)
        if last is not m:  # "160 mg/day or 240 mg/day for 14 days": the list's schedule is each level's
            after_list = schedule(text[last.end:until(last, se)])
            for key in ("frequency", "course", "infusion_minutes"):
                timing[key] = timing[key] or after_list[key]
        if timing["infusion_minutes"] is None:  # "ketamine (0.5 mg/kg) or midazolam (0.045 mg/kg) over 40 min"
            arm = _last_of_list(m, doses_in_order, text, se, arms=True)
            arm_route = dose_route(arm, mentions, text) if arm is not m else None
            if arm is not m and (arm_route == route or None in (arm_route, route)):  # not "intranasal X or IV Y"
                timing["infusion_minutes"] = schedule(text[arm.end:until(arm, se)])["infusion_minutes"]
        masses = mass_values(a["value"], a["unit"])
        if timing["frequency"] is None and masses["unit_norm"].endswith("/d"):
            timing["frequency"] = "daily"  # "15 mg/day"
        if a.get("value_max") is not None and timing["n_doses"] == len(re.findall(r"\d+(?:[.,·]\d+)?", m.text)):
            timing["n_doses"] = None  # "two doses (0.04 and 0.4 mg/kg)": dose levels, not administrations
        if timing["n_doses"] and timing["n_doses"] > 1 and re.search(r"\bdoses\s+(?:of\s+\S+\s+)?\(\s*$",
                                                                      text[since:m.start]):
            close = text.find(")", m.end)
            if close != -1 and sum(m.start <= x <= close for x in dose_starts) == timing["n_doses"]:
                timing["n_doses"] = None  # "2 doses (30 mg and 60 mg)": two spans, the same two levels
        doses.append(Dose(*ids, m.mention_id, m.sent_index, m.start, m.end, m.text,
                          m.drug or main, m.drug is None and main is not None, route, a["value"],
                          a.get("value_max"), a["unit"], **masses, **timing,
                          qualifier=qualifier(text[since:m.start]), per_week=per_week(timing["frequency"]),
                          course_days=course_days(timing["course"]), model_version=mv))
    return doses


def extract_doc(doc: Doc, doc_id: str, pmid: str | None = None, version: int = 1,
                sections: list | None = None, mv: str = "", sources: dict[str, str] | None = None) -> Extraction:
    """One processed document's extraction: its sentences with their sections and roles, the mentions, the doses
    with their drugs, routes and schedules, the study drug and the article's routes."""
    text = doc_text(doc)
    sents = sentence_spans(doc)
    sec_for, roles = _sections_and_roles(sents, [text[s:e] for s, e in sents], sections)
    ids = (doc_id, pmid, version)
    mentions = _mentions(doc, text, sents, sec_for, roles, ids, sources or label_sources(), mv)
    drugs = _link_drugs(mentions, sents, text)
    main = study_drug(mentions)
    doses = _dose_rows(mentions, sents, text, main, ids, mv)
    return Extraction(mentions, doses, sents, roles, main, article_routes(text, mentions, main, drugs, sents),
                      sec_for, mv)


# between the doses of arms given as alternatives: "(0.5 mg/kg) or midazolam (", ", or placebo "
ARM_GAP = re.compile(r"^\s*\)?\s*,?\s*(?:or|versus|vs\.?)\s+(?:[\w-]+\s*){0,3}\(?\s*$", re.IGNORECASE)


def _last_of_list(dose: Mention, doses: list[Mention], text: str, sentence_end: int, arms: bool = False) -> Mention:
    """The last dose of the list this dose opens or continues ("0.5, 1.0 or 1.5 mg/kg"; itself when alone). With
    `arms`, of a choice of arms of any drugs ("ketamine (0.5 mg/kg) or midazolam (0.045 mg/kg) over 40 minutes": the
    infusion length after it is each arm's)."""
    last = dose
    for nxt in doses:
        if nxt.start < last.end:
            continue
        gap = text[last.end:nxt.start]
        listed = DOSE_LIST_GAP.fullmatch(gap)
        joined = listed or ARM_GAP.match(gap) if arms else listed and nxt.drug == dose.drug
        if nxt.start >= sentence_end or not joined:
            break  # another sentence, another drug ("psilocybin 25 mg and 20 mg escitalopram daily"), no list
        last = nxt
    return last


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

    def run(self, items: Iterable[Item | tuple], batch_size: int = 64) -> Iterator[Extraction]:
        def docs():
            for item in items:
                doc_id, pmid, version, text, sections, _ = as_item(item)
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

    def one_item(self, item: Item | tuple) -> Extraction:
        return next(self.run([item]))


def as_item(item: Item | tuple) -> Item:
    return item if isinstance(item, Item) else Item(*item)


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

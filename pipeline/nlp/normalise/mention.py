"""A mention's canonical form and attributes the way GUIDELINES.md defines them (drug names, route vocabulary,
time in hours, dose values, effect terms with MeSH ids, outcome instruments and kinds)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from spacy.tokens import Doc

from pipeline.nlp import lexicon, rules

if TYPE_CHECKING:
    from pipeline.nlp.extract import Mention


def short_form_effects(doc: Doc, mentions: list[Mention]) -> None:
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
        canonical = owner.canonical if owner is not None else ae_canonical(long.text)
        if owner is not None or canonical in lexicon.ae_mesh():
            m.canonical = canonical
            m.attrs["mesh"] = lexicon.ae_mesh().get(canonical)


def normalise(m: Mention) -> None:
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
        if "hours_min" not in m.attrs:
            first = rules.timepoint_first_hours(m.text) if m.attrs["hours"] is not None and \
                rules.has_several_numbers(m.text) else None
            m.attrs["hours_min"] = first if first is not None and first <= m.attrs["hours"] else m.attrs["hours"]
    elif m.label == "DOSE":
        if "value" not in m.attrs:
            hits = rules.find_doses(m.text)
            if hits:
                m.attrs.update(hits[0].attrs)
        if "unit" in m.attrs:
            upper = f"-{m.attrs['value_max']:g}" if m.attrs.get("value_max") is not None else ""
            m.canonical = f"{m.attrs['value']:g}{upper} {m.attrs['unit']}"
    elif m.label == "ADVERSE_EVENT":
        m.canonical = ae_canonical(m.canonical or m.text)
        m.attrs["mesh"] = lexicon.ae_mesh().get(m.canonical)
        m.attrs["negated"] = m.negated
    elif m.label == "OUTCOME":
        hit = m.canonical or lookup(lexicon.outcomes(), m.text)
        named_kind = None
        if hit and hit.startswith("learned:"):
            # a learned form says it is an outcome, not which: the curated vocabulary may still name its instrument
            # ("CADSS-6" is CADSS, "Beck Depression Inventory II" BDI); not a concept ("partial response rate" is
            # not "response"), nor a scale's single item ("MADRS-SI" is the suicide item, not the MADRS); a
            # construct the words name stays the kind ("pain visual analogue scale")
            curated = lookup(lexicon.outcomes(), m.text)
            hit = curated if curated and not curated.startswith("concept:") and not SCALE_ITEM.search(m.text) \
                else None
            named_kind = _outcome_kind(m.text) if hit else None
        if hit and hit.startswith("concept:"):
            m.attrs.update(instrument=None, kind=hit.split(":", 1)[1])
            m.canonical = hit.split(":", 1)[1]
        elif hit:
            kind = named_kind if named_kind not in (None, "other") else lexicon.instrument_kinds().get(hit)
            m.attrs.update(instrument=hit, kind=kind)
            m.canonical = hit
        else:
            m.attrs.update(instrument=None, kind=_outcome_kind(m.text))
            m.canonical = m.text.lower()
        m.attrs["construct"] = outcome_construct(m.text, m.attrs["instrument"], m.attrs["kind"])


PLURAL = re.compile(r"(?<![su])s$")
SCALE_ITEM = re.compile(r"[- ]SI\b|\bitems?\s+\d|\bsuicid\w*\s+(?:thoughts?\s+)?items?\b", re.IGNORECASE)


@lru_cache(maxsize=8192)
def ae_canonical(text: str) -> str:
    """The vocabulary's term for an effect, also when written in the other number ("memory impairments" is memory
    impairment), else the words as written (lower case)."""
    if text in lexicon.ae_mesh():
        return text
    learned = text.startswith("learned:")
    text = text.removeprefix("learned:")
    other = PLURAL.sub("", text) if PLURAL.search(text) else text + "s"
    for form in (text, other):  # the curated term first: a learned form ("memory impairments") is a spelling of it
        hit = lookup(lexicon.adverse_events(), form)
        if hit and not hit.startswith("learned:"):
            return hit
        alias = lexicon.ae_aliases().get(form.lower())
        if alias:
            return alias
    if learned:
        return text
    hit = lookup(lexicon.adverse_events(), text) or lookup(lexicon.adverse_events(), other)
    return hit.removeprefix("learned:") if hit else text.lower()


def lookup(lex: lexicon.Lexicon, text: str) -> str | None:
    hits = lex.find(text)
    return hits[0].canonical if len(hits) == 1 and hits[0].end - hits[0].start >= len(text) * 0.6 else None


def _route_norm(text: str) -> str:
    hit = lookup(lexicon.routes(), text)
    return hit or "other"


# What an outcome's words say it measures, first match wins ("antidepressant response" is depression's; "Hospital
# Anxiety and Depression Scale" is named by its instrument before its words are read).
CONSTRUCT_WORDS = [(re.compile(p, re.IGNORECASE), c) for p, c in (
    (r"suicid|\bSI\b", "suicidal ideation"), (r"depress|\bMDD\b|\bmood\b|\bPPD\b|\bPND\b", "depression"),
    (r"anhedon|pleasure", "anhedonia"),
    (r"anxi", "anxiety"), (r"\bpain", "pain"), (r"dissociat", "dissociation"), (r"delirium|\bPOD\b", "delirium"),
    (r"cognit|memory|executive|attention", "cognition"), (r"sleep|insomnia", "sleep"),
    (r"quality of life|well-?being", "quality of life"), (r"function|disabilit", "functioning"),
    (r"\bmani[ac]", "mania"), (r"psychot|psychosis", "psychosis"), (r"\bPTSD\b|post-?traumatic", "ptsd"),
    (r"hopeless", "hopelessness"), (r"craving|abstinen|alcohol|drinking", "substance use"))]
# a concept kind that is itself a construct
KIND_CONSTRUCTS = {"suicidal ideation": "suicidal ideation", "anhedonia": "anhedonia", "anxiety": "anxiety",
                   "cognition": "cognition", "quality of life": "quality of life", "functioning": "functioning",
                   "sleep": "sleep", "pain": "pain", "delirium": "delirium", "dissociation score": "dissociation",
                   "postoperative cognitive dysfunction": "cognition", "dissociation": "dissociation"}


@lru_cache(maxsize=8192)
def outcome_construct(text: str, instrument: str | None, kind: str | None) -> str | None:
    """What the outcome measures (depression, suicidal ideation, pain, ...): `kind` says how it is reported
    (response, symptom score), which mixes constructs: a pain and a depression scale are both symptom scores. The
    instrument decides, then a kind that is a construct, then the words; None when nothing says ("response rate")."""
    if instrument is not None and instrument not in lexicon.generic_instruments():
        return lexicon.instrument_constructs().get(instrument)
    if instrument is None and kind in KIND_CONSTRUCTS:
        return KIND_CONSTRUCTS[kind]
    found = next((c for rx, c in CONSTRUCT_WORDS if rx.search(text)), None)
    if found or instrument is None:
        return found
    # a generic scale named alone ("VAS") keeps its usual construct; named with other words ("visual analogue scale
    # for nausea") those words decide, and words we cannot read say nothing
    alone = lookup(lexicon.outcomes(), text) == instrument and len(text.split()) <= len(instrument.split()) + 3 and \
        not re.search(r"\b(?:for|of|on)\b", text, re.IGNORECASE)
    return lexicon.instrument_constructs().get(instrument) if alone else None


def _outcome_kind(text: str) -> str:
    t = text.lower()
    for key, kind in (("remission", "remission"), ("respon", "response"), ("relapse", "relapse"),
                      ("suicid", "suicidal ideation"), ("depress", "symptom score"), ("anxiety", "anxiety"),
                      ("cognit", "cognition"), ("quality of life", "quality of life"), ("pain", "pain")):
        if key in t:
            return kind
    return "other"

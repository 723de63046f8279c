"""Which drug a dose or route belongs to, a dose's route, the article's study drug and the study drug's routes."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from pipeline.claims import design, study_type
from pipeline.nlp import lexicon
from pipeline.nlp.components import sentence_index
from pipeline.nlp.labels import STUDY_DRUGS

if TYPE_CHECKING:
    from pipeline.nlp.extract import Mention


# route short forms in capitals only: "0.5 mg/kg in propofol anaesthesia" is no intranasal propofol dose
# and a form word between them: "intranasal atomised ketamine" is ketamine's route, not the previous drug's
ADJACENT_AFTER = re.compile(r"^\s*(?:of\s+)?(?:(?:oral|intravenous|intranasal|(?-i:IV|IN)|i\.v\.)\s+)?"
                            r"(?:(?:atomi[sz]ed|nebuli[sz]ed|racemic|low-dose|sub-?an(?:a)?esthetic)\s+)?$",
                            re.IGNORECASE)


# a contrast between the nearest drug and a dose: the dose goes back to the sentence's subject ("Ketamine 0.5 mg/kg
# was superior to midazolam 0.045 mg/kg, whereas 0.1 and 0.2 mg/kg were not")
BACK_REFERENCE = re.compile(r"[,;]\s*(?:whereas|while|but)\b[^,;]{0,40}$", re.IGNORECASE)


def link_drug(mention: tuple[int, int], drugs: list[tuple[int, int, str]], sent: tuple[int, int], text: str,
              route: bool = False) -> str | None:
    """The drug a dose or route belongs to: one right after it ("0.045 mg/kg midazolam", "70 mg of MDMA"), else
    the nearest DRUG before it in the sentence ("ketamine (0.5 mg/kg)"), unless a contrast stands between them and
    the sentence began with another drug, else the nearest after."""
    inside = [d for d in drugs if sent[0] <= d[0] < sent[1]]
    after = [d for d in inside if d[0] >= mention[1]]
    if after and ADJACENT_AFTER.match(text[mention[1]:after[0][0]]):
        return after[0][2]
    before = [d for d in inside if d[1] <= mention[0]]
    # a vehicle is no owner of a route while a drug stands before it ("LSD (... dissolved in ethanol) or placebo
    # (1 mL of ethanol) was administered orally" is LSD's route)
    if route:
        before = [d for d in before if not _vehicle(text, d)] or before
    if before:
        if before[0][2] != before[-1][2] and BACK_REFERENCE.search(text, before[-1][1], mention[0]):
            return before[0][2]
        return before[-1][2]
    return after[0][2] if after else None


# what names a drug as the solvent or vehicle of another: "dissolved in 96% ethanol", "1 mL of ethanol" (a volume of
# a solvent only: "50 mL of ketamine" is the drug); a solvent is also a vehicle "in (an) ethanol (solution)" and as a
# placebo's content ("placebo (ethanol, 1 mL)")
VEHICLE_BEFORE = re.compile(r"\b(?:dissolved|diluted|suspended|mixed)\s+in\b[^()]{0,20}$")
SOLVENT_BEFORE = re.compile(r"(?:\b\d+(?:\.\d+)?\s*m[lL]\s+(?:of\s+)?|\bin\s+(?:an?\s+|the\s+)?(?:\d+\s*%\s+)?"
                            r"|\bplacebo\s*\(\s*)$")
SOLVENTS = frozenset({"ethanol"})


def _vehicle(text: str, drug: tuple[int, int, str]) -> bool:
    return bool(VEHICLE_BEFORE.search(text, max(0, drug[0] - 30), drug[0])) or \
        (drug[2] in SOLVENTS and bool(SOLVENT_BEFORE.search(text, max(0, drug[0] - 15), drug[0])))


# A word that names a drug the vocabulary lacks, right before a dose that follows another dose (match at `pos`:
# no "^", which would only match at the string's start): "sufentanil 2 µg/kg +
# tropisetron 10 mg" (tropisetron's, not sufentanil's); words that are no drug name never count.
UNLISTED_BEFORE = re.compile(r"\s*(?:\+|\bplus\b|\band\b|\bwith\b|[,;/])\s*([A-Za-z][a-z]{4,}(?:-[a-z]+)?)"
                             r"\s*(?:\(\s*|at\s+)?$")


NOT_A_DRUG_NAME = frozenset({"range", "mean", "median", "average", "about", "maximum", "minimum", "cumulative",
                             "equivalent", "dose", "doses", "infusion", "infusions", "bolus", "boluses",
                             "maintenance", "injection", "injections", "either", "then", "group", "groups", "another",
                             "additional", "single", "total", "twice", "thrice", "once", "patients", "subjects",
                             "participants", "placebo", "saline", "every", "after", "before", "higher", "lower",
                             "initial", "final", "first", "second", "third", "intravenous", "intranasal",
                             "subcutaneous", "intramuscular", "oral", "nasal", "spray", "sprays", "tablet", "tablets",
                             "capsule", "capsules", "solution", "whereas", "while", "although", "though", "however",
                             "versus", "between", "those", "these", "which", "where", "when", "given", "treatment",
                             "therapy", "control", "controls", "arms", "each", "both", "other", "others", "within",
                             "without", "until", "since", "because", "among", "above", "below", "under", "over",
                             "three", "seven", "eight"})
# besides the words above, verb and adverb forms are no drug names ("titrated", "respectively", "including")
NOT_A_DRUG_FORM = re.compile(r"(?:ly|ed|ing)$")


# a development code right before a dose: "doses of XY204 (10 to 30 mg)", "GH001 12 mg", "KET01 160 mg/day"; the
# vocabulary cannot know every code, and the dose is that compound's, not the nearest known drug's
DRUG_CODE_BEFORE = re.compile(r"(?<!group )(?<!arm )(?<!cohort )(?<!Group )\b([A-Z]{2,5}[-\u2010\u2011]?\d{2,4})\s*"
                              r"(?:\(\s*)?$")
# "12 mg of BPL-003": a development code named right after the amount is its drug
DRUG_CODE_AFTER = re.compile(r"\s+of\s+([A-Z]{2,5}[-\u2010\u2011]?\d{2,4})\b")
# a drug named right before a dose or the first dose of a list: "ketamine 0.5 mg/kg", "ketamine at 0.5 mg/kg",
# "esketamine (56 or 84 mg", "ketamine, 0.5 mg/kg"
DRUG_THEN_DOSE = re.compile(r"[\s(,:]*(?:(?:at|of|in)\s+(?:a\s+)?(?:\w+\s+)?(?:doses?\s+of\s+)?)?[\s(]*", re.IGNORECASE)
# between the doses of one list: "0.5, 1.0 or 1.5 mg/kg", "75mg, 125mg or 225mg"
DOSE_LIST_GAP = re.compile(r"\s*(?:,|/|\bor\b|\band\b|,\s*(?:or|and)\b)\s*", re.IGNORECASE)


def _code_name(code: str) -> str:
    """A development code as a drug name: lower case, one hyphen ("BPL‐003" -> "bpl-003")."""
    return re.sub("[\u2010\u2011]", "-", code).lower()


def unlisted_drug(dose: Mention, mentions: list[Mention], text: str) -> str | None:
    """The drug of a dose that a drug code follows ("12 mg of BPL-003") or that follows a drug code, or another dose
    and a drug name the vocabulary does not know; else None."""
    doses = sorted((m for m in mentions if m.label == "DOSE"), key=lambda m: m.start)
    first = dose  # "75, 125 or 225 mg of EMP-01": the code after a list of doses is each one's ...
    for prev in reversed([m for m in doses if m.end <= dose.start]):
        if not DOSE_LIST_GAP.fullmatch(text, prev.end, first.start):
            break
        first = prev
    last = dose
    if not any(m.label == "DRUG" and DRUG_THEN_DOSE.fullmatch(text, m.end, first.start) for m in mentions):
        for nxt in (m for m in doses if m.start >= dose.end):  # ... not of "esketamine 56 mg or 10 mg of TS-134"
            if not DOSE_LIST_GAP.fullmatch(text, last.end, nxt.start):
                break
            last = nxt
    after = DRUG_CODE_AFTER.match(text, last.end)
    if after and not any(after.start(1) <= m.start < after.end(1) for m in mentions if m.label == "DRUG"):
        return _code_name(after.group(1))
    code = DRUG_CODE_BEFORE.search(text, max(0, dose.start - 20), dose.start)
    if code and not any(code.start() <= m.start < dose.start for m in mentions if m.label in ("DRUG", "DOSE")):
        return _code_name(code.group(1))
    earlier = [m for m in mentions if m.label in ("DOSE", "DRUG") and m.sent_index == dose.sent_index
               and m.end <= dose.start]
    if not earlier or max(earlier, key=lambda m: m.end).label != "DOSE":
        return None
    hit = UNLISTED_BEFORE.match(text, max(m.end for m in earlier), dose.start)
    if hit is None or hit.group(1).lower() in NOT_A_DRUG_NAME or NOT_A_DRUG_FORM.search(hit.group(1).lower()) or \
            any(m.start <= hit.start(1) < m.end for m in mentions if m.label == "ROUTE"):
        return None
    return hit.group(1).lower()


# ketamine forms come first unless another drug is named this many times as often (and the title names no ketamine)
DOMINANT = 4


RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)
# between the listed doses and the drugs they belong to: "... 1.8 mg for ketamine and ...", "in the ... groups"; not
# a comparison ("56 mg and 84 mg were superior to oral venlafaxine and sertraline, respectively")
OWNS_NEXT = re.compile(r"^\s*(?:\(\s*|,\s*)?(?:(?:at|of|in)\s+(?:a\s+)?(?:doses?\s+of\s+)?)?$", re.IGNORECASE)
RESPECTIVE_LINK = re.compile(r"^[^.;]{0,30}?\b(?:for|in|of|with|by)\s+(?:[\w-]+\s+){0,3}$", re.IGNORECASE)


def respective_drugs(mentions: list[Mention], drugs: list[tuple[int, int, str]], sents: list[tuple[int, int]],
                     text: str) -> dict[int, str]:
    """Doses paired with drugs named after them in the same order ("150 mg and 2.5 mg for ketamine and midazolam,
    respectively"): the start of each such dose -> its drug. The nearest drug before a dose would take them all.
    Only in the sentence of "respectively", when no drug stands right before the first listed dose (then they are
    its: "Esketamine 56 mg and 84 mg were superior to venlafaxine and sertraline, respectively")."""
    out: dict[int, str] = {}
    hits = list(RESPECTIVELY.finditer(text)) if "espectively" in text else []
    doses = sorted((m for m in mentions if m.label == "DOSE"), key=lambda m: m.start) if hits else []
    starts = [s for s, _ in sents]
    for hit in hits:
        sent = sents[sentence_index(starts, hit.start())]
        listed = [m for m in doses if sent[0] <= m.start and m.end <= hit.start()]
        if len(listed) < 2 or any(d[1] <= listed[0].start and OWNS_NEXT.match(text[d[1]:listed[0].start])
                                  for d in drugs):
            continue
        named = [d for d in drugs if listed[-1].end <= d[0] < hit.start()]
        if len(named) >= 2 and len({d[2] for d in named}) == len(named) and len(listed) >= len(named) and \
                RESPECTIVE_LINK.match(text[listed[-1].end:named[0][0]]):
            out.update({m.start: d[2] for m, d in zip(listed[-len(named):], named, strict=True)})
    return out


def study_drug(mentions: list[Mention]) -> str | None:
    """The article's study drug: the most mentioned drug, title mentions counting thrice, ketamine forms first,
    unless the title names drugs and no ketamine form ("Psilocybin in depression", ketamine a comparator) or another
    drug dominates the text (an LSD study "based on ketamine findings": 21 LSD mentions to 4)."""
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
    if ket and not titled & set(STUDY_DRUGS) and max(counts.values()) >= DOMINANT * sum(ket.values()):
        ket = {}  # ketamine named as a point of comparison in an LSD study ("based on ketamine findings")
    return max(ket or counts, key=lambda k: ((ket or counts)[k], -list(counts).index(k)))


def dose_route(dose: Mention, mentions: list[Mention], text: str) -> str | None:
    """The route of a dose: among the routes of its sentence and drug (not a co-medication's, "plus an oral
    antidepressant"), a named one over a bare "injected", the nearest, where a separator between route and dose
    (",", "or", "and", ...) counts as far ("50 mg intranasally, another 0.4 mg/kg i.v." gives each its own); a
    generic "infusions" gives way to a named route of the same phrase ("subcutaneous esketamine infusions")."""
    in_sentence = [r for r in mentions if r.label == "ROUTE" and r.sent_index == dose.sent_index and r.canonical
                   and not DOSE_CO_MEDICATION.match(text, r.end)]
    routes = [r for r in in_sentence if r.drug in (None, dose.drug)]
    routes = routes or [r for r in in_sentence if _shared(r, dose, in_sentence, mentions, text)]
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


# A route that governs a choice of drugs: "one infusion of either ketamine 0.5 mg/kg or midazolam 0.045 mg/kg",
# "intranasal premedication with either dexmedetomidine (2 µg/kg), esketamine (1 mg/kg), or ...": each takes it.
SHARED_ROUTE_GAP = re.compile(r"^(?:[^;.]|\.(?=\d)){0,160}$")
# the route follows the last arm's dose in its clause: "..., niacin, 100 mg, orally", "... or midazolam 0.045 mg/kg was
# infused intravenously"
CLAUSE_END = re.compile(r"[.;]")
CHOICE_BEFORE_ROUTE = re.compile(r"^(?:[^;.()]|\.(?=\d)){0,60}?,?\s+or\s+(?:[^;.()]|\.(?=\d)){0,60}$", re.IGNORECASE)
SHARED_ROUTE_STOP = re.compile(r"\b(?:whereas|while|versus|vs\.?|then|followed by|compared|than)\b", re.IGNORECASE)


def _shared(route: Mention, dose: Mention, routes: list[Mention], mentions: list[Mention], text: str) -> bool:
    """The route is another drug's, but governs a choice ("either ... or ...") that holds the dose: no drug between
    the route and "either" ("oral sertraline 50 mg and either ketamine or midazolam" is sertraline's route), no
    other route and no contrast in between; or it ends a choice of arms after the dose ("psilocybin, 25 mg, or
    niacin, 100 mg, orally")."""
    if route.start >= dose.end:  # after a choice: "psilocybin, 25 mg, or niacin, 100 mg, orally"
        gap = text[dose.end:route.start]
        arms = [m for m in mentions if m.label == "DOSE" and dose.end <= m.start and m.end <= route.start]
        return bool(arms) and not CLAUSE_END.search(text, arms[-1].end, route.start) and \
            bool(CHOICE_BEFORE_ROUTE.match(gap)) and not SHARED_ROUTE_STOP.search(gap) and \
            not any(dose.end <= r.start and r.end <= route.start for r in routes if r is not route)
    if route.end > dose.start:
        return False
    gap = text[route.end:dose.start]
    either = re.search(r"\beither\b", gap, re.IGNORECASE)
    if either is None or not SHARED_ROUTE_GAP.match(gap) or SHARED_ROUTE_STOP.search(gap):
        return False
    choice = route.end + either.start()
    return not any(route.end <= m.start < choice for m in mentions if m.label == "DRUG") and \
        not any(route.end <= r.start and r.end <= dose.start for r in routes if r is not route)


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


# within the clause, with no denial or alternative between: not "analgesia with sufentanil and no ketamine",
# "premedication with midazolam instead of esketamine"
STUDY_DRUG_NEXT = re.compile(r"^\s+(?:premedication|analgesi\w+)\b(?:(?!\b(?:no|not|without|instead|rather|versus|vs|"
                             r"other than)\b)[^.;,]){0,60}?\b((?:es|ar)?ketamine|S-ketamine)\b", re.IGNORECASE)


def _names_study_drug_next(text: str, end: int, family: set) -> bool:
    """"intranasal premedication with esketamine", "patient-controlled intravenous analgesia (sufentanil +
    esketamine)": the premedication or the analgesia holds the study drug, so the route is its route too."""
    hit = STUDY_DRUG_NEXT.match(text[end:end + 90])
    return hit is not None and (hit.group(1).lower().replace("s-ketamine", "esketamine") in family)


DRUG_USERS = study_type.CUES["users"]  # the study-type model's cue for a study of a drug's users


def article_routes(text: str, mentions: list[Mention], main: str | None, drugs: list, sents: list) -> list[str]:
    """Routes of the study drug (what PsyNamic's `routes` means). A review's routes are others', except those its
    title names as its subject ("... of intravenous ketamine: a systematic review")."""
    family = set(STUDY_DRUGS) if main in STUDY_DRUGS else {main}  # "S-ketamine" in a ketamine study is its drug
    found = [m for m in mentions if m.label == "ROUTE" and m.canonical and not m.negated
             and (((m.drug in family or m.drug is None) and not OTHER_MEDICATION.match(text, m.end))
                  or _names_study_drug_next(text, m.end, family))]
    own = [m for m in found if m.role != "background"]
    found = own or found  # "most trials gave ketamine by IV infusion" in the background is others' route
    if design.is_review(text):
        title_end = text.find("\n")  # no title line, no subject route
        return sorted({m.canonical for m in found if m.end <= title_end})
    routes = {m.canonical for m in found}
    if routes - {"other"} and all(m.text.lower().startswith("inject") for m in found if m.canonical == "other"):
        routes.discard("other")  # a bare "injection" says nothing more once the route is named
    # a study of a drug's users reads their use ("mean lifetime exposure, 723 tablets"), not a route it gave
    if not routes and design.classify(text) in ("rct", "cohort", "case_report", "protocol") and \
            not DRUG_USERS.search(text):
        for h in lexicon.implied_routes().find(text):
            si = sentence_index([s for s, _ in sents], h.start)
            if link_drug((h.start, h.end), drugs, sents[si], text) in family | {None}:
                routes.add(h.canonical)
    return sorted(routes)

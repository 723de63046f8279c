"""Pattern rules for the labels whose form is regular: DOSE (amount + unit) and TIMEPOINT (a time relative to
dosing). They work on characters, so offsets are exact whatever the tokenizer does with "0.5mg/kg" or "24 h."."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.nlp.prefilter import ignorecase_lower

SP = r"[ \u00a0\u2002-\u200a\u202f\u205f]"  # the spaces abstracts use between a number and its unit
DASH = r"[-\u2010\u2011\u2012\u2013\u2014]"
NUM = r"(?:\d+(?:[.,\u00b7]\d+)?|\.\d+)"  # "0·5": the Lancet's decimal point
WORDNUM = (r"(?:(?:twenty|thirty|forty)[- ](?:one|two|three|four|five|six|seven|eight|nine)|"
           r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|thirty|"
           r"forty|sixty|ninety|a|an|several|few)")
NUMWORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30,
            "forty": 40, "sixty": 60, "ninety": 90, "a": 1, "an": 1, "several": 3, "few": 3}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10, "fourteenth": 14, "last": None, "final": None}
JOIN = rf"(?:{SP}*(?:,{SP}*(?:and|or){SP}+|,|{DASH}(?:{SP}+(?:to|and|or){SP}+)?|/|{SP}+(?:to|and|or|and/or){SP}+){SP}*)"

# ---- DOSE -------------------------------------------------------------------------------------------------------
MASS = r"(?:mg|mgs|µg|μg|ug|mcg|microg|micrograms?|milligrams?|g|ng)"
PER = r"(?:kg|m2|m²|min|minute|h|hr|hour|d|day|dose|week|wk)"
_EXP = rf"{SP}*[-−\u2212]1(?!\d|[.,\u00b7]\d|{SP}*{MASS}\b)"  # "kg-1", not "kg-1.0 mg/kg" or "kg-1 mg/kg"
# "20 mg/70 kg": psilocybin's dose per 70 kg of body weight
UNIT = (rf"{MASS}(?:{SP}*/{SP}*70{SP}*kg\b)?(?:{SP}*(?:/|·|⋅|\bper{SP}+){SP}*{PER}(?:{_EXP})?)*"
        rf"(?:{SP}+kg(?:{_EXP}|{SP}*\({SP}*[-−\u2212]1{SP}*\))?(?![\w/])"
        rf"|{SP}+(?:h|hr|min)(?:{_EXP}|{SP}*\({SP}*[-−\u2212]1{SP}*\)))*"  # "mg kg(-1) hr(-1)": a rate
        rf"(?:{SP}*/{SP}*\(kg{SP}*[·⋅*{DASH[1:-1]}]{SP}*(?:h|hr|min|d)\))?")  # "mg/(kg·h)"
DOSE_RX = re.compile(rf"(?<![\w.\u00b7]){NUM}(?:{JOIN}{NUM}(?:{DASH}?{SP}*{MASS}(?![\w/]))?)*"
                     rf"{SP}*{DASH}?{SP}*{UNIT}(?![\w/])", re.IGNORECASE)
_NUM_RX = re.compile(NUM)


@dataclass(frozen=True)
class RuleHit:
    start: int
    end: int
    label: str
    attrs: dict


def normalise_unit(raw: str) -> str:
    """'mg kg-1' -> 'mg/kg', 'μg·kg' -> 'µg/kg', 'microg/kg' -> 'µg/kg'; spacing removed."""
    u = re.sub(rf"{SP}+", " ", raw.strip())
    u = re.sub(r"(?i)\b(?:μg|ug|mcg|micrograms?|microg)", "µg", u)
    if "/(" in u.replace(" ", ""):  # "mg/(kg·h)" as written
        return u.replace(" ", "")
    u = re.sub(r"(?i)\bmilligrams?\b", "mg", u)
    u = re.sub(r"(?i)\bmgs\b", "mg", u)
    u = re.sub(rf"{SP}*(?:·|⋅|/|\bper\b){SP}*", "/", u)
    u = re.sub(r"\s*(?:\(\s*[-−\u2212]1\s*\)|[-−\u2212]1\b)", "", u)
    u = re.sub(r"/\s*70\s+kg\b", "/70kg", u)
    u = re.sub(r"\s+(kg|h|hr|min)\b", r"/\1", u)
    return u.replace(" ", "").replace("m²", "m2")


def _numbers(s: str) -> list[float]:
    return [float(x.replace(",", ".")) if x.count(",") == 1 and len(x.split(",")[1]) != 3 else
            float(x.replace(",", "")) for x in _NUM_RX.findall(s.replace("\u00b7", "."))]


def find_doses(text: str) -> list[RuleHit]:
    """Amounts with a mass unit; a list or range sharing one unit is one span ("0.2-0.5 mg/kg", "56 or 84 mg")."""
    hits = []
    for m in DOSE_RX.finditer(text):
        span = m.group()
        unit_m = re.search(rf"{DASH}?{SP}*({UNIT})$", span, re.IGNORECASE)
        unit_raw = unit_m.group(1) if unit_m else ""
        nums = _numbers(span[: unit_m.start()] if unit_m else span)
        if not nums:
            continue
        unit = normalise_unit(unit_raw)
        if re.search(r"/(?:dl|l|ml)\b", unit, re.IGNORECASE) or _CONCENTRATION.match(text, m.end()) \
                or _SPREAD_BEFORE.search(text, max(0, m.start() - 6), m.start()):
            continue  # a concentration ("58 g dL-1", "3 µg⋅g-1") or a standard deviation ("42.5 ± 4.58 µg")
        start = m.start()
        split = _SPLIT_DECIMAL.search(text, max(0, start - 4), start)
        if split and re.match(r"\d+", span) and len(nums) == 1:
            start, nums = split.start(), [float("0." + re.match(r"\d+", span).group())]  # "0. 25 mg/kg": a typo
        hits.append(RuleHit(start, m.end(), "DOSE",
                            {"value": nums[0], "value_max": nums[-1] if len(nums) > 1 else None, "unit": unit}))
    return _join_ranges(text, hits)


# after an amount: a per-volume or per-mass denominator makes it a concentration, not a dose
_CONCENTRATION = re.compile(rf"{SP}*(?:[/·⋅]{SP}*|per{SP}+)?(?:d?l|ml|g|mg|µg|μg|mmol|mol)(?:{SP}*[-−\u2212]1)?"
                            rf"(?![\w-])(?!{SP}*(?:of|per|body)\b)|"
                            # the substance named between amount and volume: "50 mg CBD/mL"
                            rf"{SP}+[^\W\d_][\w-]*{SP}*(?:/|\bper{SP}+){SP}*(?:d?l|ml)(?![\w-])", re.IGNORECASE)
_SPREAD_BEFORE = re.compile(rf"(?:±|\+/-|\+/−){SP}*$")
_SPLIT_DECIMAL = re.compile(rf"(?<![\d.,])0\.{SP}$")
_RANGE_JOIN = re.compile(rf"{SP}*(?:to|{DASH}){SP}*$", re.IGNORECASE)
# "increased from 0.5 mg/kg to 0.75 mg/kg": two doses in turn, not a range
_TITRATED = re.compile(r"\b(?:increas|titrat|escalat|rais|reduc|decreas|taper|adjust|chang|switch)\w*\s+"
                       r"(?:[\w-]+\s+){0,3}?from\s*$", re.IGNORECASE)


def _join_ranges(text: str, hits: list[RuleHit]) -> list[RuleHit]:
    """A range that repeats its unit ("0.1 mg/kg to 2.5 mg/kg") is one dose, as "0.11 to 2.0 mg/kg" is."""
    out: list[RuleHit] = []
    for h in hits:
        prev = out[-1] if out else None
        if (prev is not None and prev.attrs["unit"] == h.attrs["unit"] and prev.attrs["value_max"] is None
                and _RANGE_JOIN.match(text, prev.end, h.start) and h.attrs["value"] > prev.attrs["value"]
                and not _TITRATED.search(text, max(0, prev.start - 60), prev.start)):
            out[-1] = RuleHit(prev.start, h.end, "DOSE", {**prev.attrs, "value_max": h.attrs["value_max"]
                                                          or h.attrs["value"]})
            continue
        out.append(h)
    return out


# ---- TIMEPOINT --------------------------------------------------------------------------------------------------
TUNIT = (r"(?:min(?:ute)?s?|h|hr|hrs|hours?|d|days?|wk|wks|weeks?|months?|mo|years?)")
_POST_WORDS = (r"infusion|dose|dosing|treatment|injection|administration|operatively|op|operation|surgery|partum|"
               r"intervention|ECT|ketamine|esketamine|randomi[sz]ation|baseline|medication|delivery")
# One-word post-qualifiers kept in the span ("24 h post-dose", "4 h postpartum", "24 h after"); "following" is a
# preposition that the gold leaves out ("1 week following treatment" -> "1 week"), so it only anchors the time.
POSTQ_SPAN = (rf"(?:{SP}+(?:post{DASH}?(?:{_POST_WORDS})|post(?:{DASH}|{SP})?(?:first|initial|last|final)[ \-]"
              r"(?:dose|infusion|treatment|injection|administration)|postoperatively|postpartum|after|later|postinfusion|postdose|"
              r"afterwards))")
POSTQ = rf"(?:{POSTQ_SPAN}|{SP}+following)"
NUMLIST = rf"(?:{NUM}|{WORDNUM})(?:{JOIN}(?:{NUM}|{WORDNUM}))*"
# a number of a "day 4, 7" list is not the count of a next time ("Day 4, 1 week", "days 2 weeks apart")
_NOT_UNIT = (rf"(?![\d]|[.,\u00b7]\d|{SP}*%)"  # nor a percentage ("day 1 to 31 and 18%")
             rf"(?!{SP}*{DASH}?{SP}*(?:min(?:ute)?s?|h|hrs?|hours?|d|days?|wks?|weeks?|months?|years?)\b)")
TP_ORDINALS = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|fourteenth"
TP_PATTERNS = [
    # 24 h, 40 minutes, 2, 24 and 48 hours post-infusion, one week later, 5 d postoperatively
    # first 2 weeks, first three postoperative days
    rf"(?:(?:first|initial){SP}+)?{NUMLIST}{SP}*{DASH}?{SP}*(?:post{DASH}?operative{SP}+)?(?<![A-Za-z]){TUNIT}"
    rf"(?:{SP}+postoperative(?:ly)?)?{POSTQ_SPAN}?",
    # day 7, Day 1, days 3 and 7, week 4, postoperative day 2, POD 1, month 6
    rf"(?:post{DASH}?operative{SP}+|post{DASH}?infusion{SP}+|post{DASH}?partum{SP}+|POD{SP}*)?"
    rf"(?:days?|weeks?|months?|hours?|visits?){SP}*{NUM}{_NOT_UNIT}(?:{JOIN}\d+{_NOT_UNIT})*{POSTQ_SPAN}?",
    r"POD" + rf"{SP}*{NUM}",
    # first postoperative day, first week, the sixth month, third day after the infusion
    rf"(?:{TP_ORDINALS})"
    rf"(?:{SP}+(?:post{DASH}?operative|post{DASH}?infusion|treatment))?{SP}+(?:days?|weeks?|months?|hours?)"
    rf"(?:{SP}+(?:postpartum|post{DASH}?(?:{_POST_WORDS})))?",
    # 3rd day, 28th postoperative day
    rf"\d+(?:st|nd|rd|th){SP}+(?:post{DASH}?operative{SP}+)?(?:days?|weeks?|months?)",
    # postoperative 48 h, 72 postoperative hours
    rf"post{DASH}?operative{SP}+{NUM}{SP}*{TUNIT}",
    rf"{NUM}{SP}+post{DASH}?operative{SP}+(?:hours?|days?|weeks?)",
    # vague but explicit
    r"within hours|within minutes|within a few hours|within a day",
]
# nor the start of a name: "3D-CAM", "5D-ASC" are no days
TP_RX = re.compile(r"(?<![\w.\-/])(?:" + "|".join(f"(?:{p})" for p in TP_PATTERNS) + r")(?![\w])(?![-\u2010][A-Za-z])",
                   re.IGNORECASE)
# Where a time point may begin: each of TP_PATTERNS opens with a number ("24", ".5"), a number word (WORDNUM's
# words, read from it), an ordinal (TP_ORDINALS), "initial", "post", "POD", a unit word ("days", "week", "visits") or
# "within": after TP_RX's own look-behind, on the text lowered as re.IGNORECASE compares, a superset of where TP_RX
# can start. WORDNUM's "a" and "an" are followed by a space, dash, comma or slash, or by the "post" of
# "postoperative", never by another word character. A pattern added to TP_PATTERNS with another first word must add
# it here (tests/test_extraction.py tries every word of these lists both ways).
_TP_START_WORDS = sorted({w for w in re.findall(r"[a-z]{3,}", WORDNUM)} | set(TP_ORDINALS.split("|"))
                         | {"initial", "post", "pod", "day", "week", "month", "hour", "visit", "within"})
_TP_START = re.compile(r"(?<![\w.\-/])(?:[\d.]|an?(?!\w)|an?post|" + "|".join(_TP_START_WORDS) + ")")


def _timepoint_spans(text: str) -> list[tuple[int, int]]:
    """The spans of TP_RX.finditer, the long pattern tried only where a time point may begin (_TP_START, about one
    word in five) instead of at every position: the same matches in half the time."""
    lower = ignorecase_lower(text)
    spans: list[tuple[int, int]] = []
    end = 0
    for start in _TP_START.finditer(lower):
        if start.start() >= end and (m := TP_RX.match(text, start.start())):
            spans.append(m.span())
            end = m.end()
    return spans


UNIT_HOURS = {"min": 1 / 60, "minute": 1 / 60, "h": 1, "hr": 1, "hour": 1, "d": 24, "day": 24, "wk": 168,
              "week": 168, "mo": 720, "month": 720, "year": 8760}
# What the words before a time say about it. A lead that makes it a length ("for 4 weeks", "over the first 3
# weeks") is left out unless the time is anchored to a dose ("for 1 week following treatment") or an effect is said
# to last that long ("persisted for up to 1 week"); the others never precede a time point: rates and schedules
# ("every 3 days", "24 hours a day"), ages ("aged 30 years", "postnatal day 2"), look-back windows ("in the
# preceding 30 days"), statistics of durations ("a median of 30 days", "44.6 versus 4 days", "10 ± 6 min").
_BEFORE_EXCLUDE = re.compile(r"(?:\bevery|\beach|\baged?|\bper|\bq|\btimes|\bonce|\btwice|\bthrice|\bconsecutive|"
                             r"\bcontinuous|\bperiod of|\bduration of|\binitial|\bprevious|\bpast|\bpreceding|"
                             r"\bseparated by|\bintervals? of|\b(?:median|mean|average|minimum|maximum|total) of|"
                             r"\bpostnatal|\bgestational|\bembryonic|\bhospital|\d\s*(?:versus|vs\.?)|±|[<>≤≥]|\bn\s*=|"
                             r"\b(?:hours?|times|minutes?)|\btakes?(?: approximately| about)?|"
                             r"\b(?:infused|administered|given|injected|delivered)(?:\s+\w+)?\s+in|"
                             # lengths: "a follow-up of 8 weeks", "an observation time of 2 hours", "took 40 minutes",
                             # "longer than 18 months", "randomised to 8 weeks of ...", "screening phase (24-48 h)"
                             r"\bfollow[- ]?up of|\bobservation(?: time| period)? of|\btook(?: approximately| about)?|"
                             r"\b(?:longer|shorter) than|\b(?:randomi[sz]ed|assigned|allocated) to|"
                             # look-back windows and length limits: "in the last two weeks", "a duration less than"
                             r"\b(?:in|during|over|within) the last|\bduration (?:of )?(?:less|more|greater|shorter|"
                             r"longer) than|"
                             r"\bbaseline\s*\(|\bpre-?operative(?:ly)?|\bfollowed by|"
                             # a dosing day: "placebo over 40 minutes on day 1", "0.40 mg/kg on day 4"
                             r"(?:mg/kg|mg|minutes|min|(?:received|given|administered)(?:\s+\w+){0,2})\s+on|"
                             # the length of an infusion beside its dose: "(0.5 mg/kg, 40 minutes)"
                             r"\([^()]*\d\s*(?:mg|µg|μg|mcg)[^()]*[,;]|"
                             # when a dose was given, not a time relative to it: "infused over 40 min after childbirth"
                             r"\b(?:infused|administered|given|injected|delivered)\b(?:(?!\band\b)(?:[^.;,]|\.\d)){0,50}"
                             r"\b(?:over|within)(?:\s+(?:the|approximately|about))?)\s*$",
                             re.IGNORECASE)
_LENGTH_LEAD = re.compile(r"\b(?:(?:over|for|lasting|across|spanning|within a period of|at least)"
                          r"(?:\s+(?:the|a|an|up to|at least|approximately|about|around|nearly|almost|more than|"
                          r"less than|first|next|entire|whole|full|all|subsequent|just|only|further|"
                          r"course of))*|during)\s*$",
                          re.IGNORECASE)
_LASTING = re.compile(r"\b(?:persist\w*|sustain\w*|last(?:s|ed|ing)|maintain\w*|remain\w*|endur\w*|durab\w*)\b"
                      r"(?:(?!treatment|therapy|dosing|infusions|sessions)[^.;]){0,25}$", re.IGNORECASE)
_ANCHORED = re.compile(rf"(?:{POSTQ}|{SP}+post{DASH}?operative(?:ly)?)$|^{SP}*(?:after|following|post\b|"
                       rf"post{DASH}?\w+)", re.IGNORECASE)
_TIMING_PREP = re.compile(r"(?:\bafter|\bat|\bwithin|\bby|\bin|\bon|\buntil|\bfollowing|\bto|\bas early as|,|"
                          r"\band|\bor)(?:\s+the)?\s*$", re.IGNORECASE)
_AFTER_EXCLUDE = re.compile(rf"^(?:{DASH}|{SP})*(?:long|old|infusions?|trial|study|period|course|program|"
                            r"treatment|intervention|phase|follow-up|followup|open-label|regimen|washout|history|"
                            r"of (?:follow-up|illness)|duration|window|apart|intervals?|"
                            r"(?:a|per) (?:day|week|session|infusion|dose|treatment)|"
                            r"before|prior|earlier|ago|beforehand|after (?:the )?induction|in between|"
                            r"(?:(?:intranasal|intravenous|oral|IV|first|second)\s+)?(?:dos(?:e|es|ing)|"
                            r"infusions?))\b|"
                            # a rate: "30-40 min/day"
                            rf"^{SP}*/{SP}*(?:day|d|week|wk|session)\b|"
                            # a day that is the baseline or a dosing day: "day 1 (baseline)", "day 1, predose"
                            rf"^{SP}*\({SP}*(?:baseline|pre{DASH}?(?!specified)\w+)", re.IGNORECASE)
# a length in brackets after a phase or an infusion: "screening phase (24 to 48 hours)", "infusion (40 minutes)",
# "treatment phase (day 1 to 25)"; but "end of the induction phase (week 4)" is a time point
_PHASE_LENGTH = re.compile(r"\b(?:phase|period|stage|infusions?)\s*\(\s*$", re.IGNORECASE)


# a pharmacokinetic time is a property of the drug, not a time of measurement: "half-life of 3.5 h", "Tmax 1.8 to
# 4 h" (a time to relapse is kept: the annotators mark it, and durability reads it)
_PK_LEAD = re.compile(r"(?:\bhalf-?li(?:fe|ves)|\bt\s*1/2|\bt½|\bt\s*max|\bmean residence time|\btime to "
                      r"(?:maximum|peak)(?:\s+\w+)?)\b[^.;]{0,40}$|"
                      # "maximal concentrations were reached after approximately 2 h", "Cmax was reached at 1 h"
                      r"\b(?:maximal|maximum|peak)\s+(?:plasma\s+|serum\s+)?concentrations?\b[^.;]{0,40}$|"
                      r"\bC\s*max\b[^.;]{0,30}$", re.IGNORECASE)


def _unit_hours(unit: str) -> float | None:
    u = unit.lower().rstrip("s")
    u = {"hr": "h", "hour": "hour", "wk": "wk", "mo": "mo"}.get(u, u)
    if u.startswith("min"):
        u = "min"
    return UNIT_HOURS.get(u)


_TIME_UNIT = re.compile(r"(?<![a-z])(min(?:ute)?s?|h|hrs?|hours?|d|days?|wks?|weeks?|months?|mo|years?)\b", re.I)
# a number or number word makes "within ..." a stated time ("within 2 hours", "within a week"), not a vague one
_STATED_COUNT = re.compile(r"\d|\b(?:" + "|".join(k for k in NUMWORDS if k not in ("several", "few")) + r")\b")


def timepoint_hours(span: str) -> float | None:
    """'24 h' -> 24, 'day 7' -> 168, 'week 4' -> 672, '2, 24 and 48 hours' -> 48, 'first week' -> 168."""
    s = span.lower()
    if s.startswith("within") and (not _STATED_COUNT.search(s) or
                                   (re.search(r"\b(?:a\s+)?few\b|\bseveral\b", s) and "hour" in s)):
        return 24.0 if "hour" in s or "day" in s else 1.0  # vague: "within hours", "within a few hours", "within
        # minutes"; "within a few days" is three days, as before
    nums = [float(x.replace(",", ".")) for x in _NUM_RX.findall(s.replace("\u00b7", "."))]
    if len(nums) > 1:
        hm = _COMPOUND_TIME.fullmatch(s)
        if hm:  # "1 h 30 min": one time in two units
            return round(int(hm.group(1)) + int(hm.group(2)) / 60, 3)
        parts = _mixed_unit_parts(span)
        if parts:
            return max(parts)
    nums += [float(NUMWORDS[c.group(1).lower()] + NUMWORDS[c.group(2).lower()]) for c in _COMPOUND_NUMBER.finditer(s)]
    words = [NUMWORDS[w] for w in re.findall(r"\b[a-z]+\b", s) if w in NUMWORDS and w not in ("a", "an")]
    if re.search(r"\b(?:an?)\b\s+(?:hour|day|week|month|minute)", s):
        words.append(1)
    ords = [ORDINALS[w] for w in re.findall(r"\b[a-z]+\b", s) if ORDINALS.get(w)]
    ords += [int(n) for n in re.findall(r"\b(\d+)(?:st|nd|rd|th)\b", s)]
    m = re.search(r"(?:\bpod|days?|weeks?|months?|hours?|visits?)\s*(\d+(?:\.\d+)?)", s)
    if m and re.match(r"(?:post\W?operative\s+|post\W?infusion\s+)?(?:pod|days?|weeks?|months?|hours?)", s):
        unit = re.search(r"pod|day|week|month|hour", s).group()
        per = {"pod": 24, "day": 24, "week": 168, "month": 720, "hour": 1}[unit]
        return max(nums) * per if nums else None
    unit_m = _TIME_UNIT.search(s)
    if unit_m is None:
        return None
    per = _unit_hours(unit_m.group(1))
    if per is None:
        return None
    values = nums or words or ords
    return round(max(values) * per, 3) if values else None


_LIST_JOIN = re.compile(r"\s*(?:,|;|\bto\b|\band\b|\bor\b|\bthrough\b|[-\u2010-\u2015](?=\s*\d))\s*", re.I)


def _mixed_unit_parts(span: str) -> list[float]:
    """The hours of each part of a range or list written in more than one unit ("12 h to 7 days" -> [12, 168],
    "day 1 to week 4" -> [24, 672], "2, 4 h to 7 days" -> [2, 4, 168]: a number without its unit takes the next
    one); empty when one unit serves the whole span."""
    if len({_unit_hours(u) for u in _TIME_UNIT.findall(span)}) < 2:
        return []
    out: list[float] = []
    pending: list[str] = []
    prefix_unit = None  # "days 7, 14 and 1 month": 14 is a day, its unit stood before the number
    for part in _LIST_JOIN.split(span):
        units = {_unit_hours(u) for u in _TIME_UNIT.findall(part)}
        if not units:
            numbers = re.findall(r"\d+(?:\.\d+)?", part)
            if prefix_unit:
                out += [h for n in numbers if (h := timepoint_hours(f"{n} {prefix_unit}")) is not None]
            else:
                pending += numbers
            continue
        if _COMPOUND_TIME.fullmatch(part.strip().lower()):
            out.append(timepoint_hours(part.strip()))  # "1 h 30 min and 24 h after": its first part is 1.5 h
        elif len(units) == 1:
            unit_m = _TIME_UNIT.search(part)
            out += [h for n in pending if (h := timepoint_hours(f"{n} {unit_m.group(1)}")) is not None]
            if (h := timepoint_hours(part)) is not None:
                out.append(h)
            prefix_unit = unit_m.group(1) if not re.search(r"\d", part[:unit_m.start()]) else None
        pending = []
    return out


_COMPOUND_NUMBER = re.compile(r"\b(twenty|thirty|forty)[- ](one|two|three|four|five|six|seven|eight|nine)\b", re.I)
_COUNTED_WORDS = "|".join(k for k in NUMWORDS if k not in ("a", "an", "several", "few"))
_NUMBER_WORD = re.compile(rf"\b(?:{_COUNTED_WORDS})\b", re.IGNORECASE)
_NUMBER_TOKEN = re.compile(rf"\d+(?:\.\d+)?|\b(?:{_COUNTED_WORDS})\b", re.IGNORECASE)


def has_several_numbers(span: str) -> bool:
    """Two numbers or number words or more: only then can a span's first time differ from its hours."""
    return len(_NUMBER_TOKEN.findall(span)) > 1
# one time in two units: "1 h 30 min", "2 hours and 30 minutes after"
_COMPOUND_TIME = re.compile(r"\D*?(\d+)\s*(?:h|hrs?|hours?)\s*(?:and\s+)?(\d+)\s*min(?:ute)?s?\b"
                            r"(?:\s*[A-Za-z-]+){0,2}\s*")


def timepoint_first_hours(span: str) -> float | None:
    """The earliest time of a range or list ('days 2, 3, 7 and 14' -> 48, '1-4 h' -> 1); `timepoint_hours` gives the
    upper end, as GUIDELINES.md asks, but an effect already present on day 2 is an early one and an analyst of a
    list wants its first time too. A single time gives its own hours ("1 h 30 min" is 1.5)."""
    span = _COMPOUND_NUMBER.sub(lambda w: str(NUMWORDS[w.group(1).lower()] + NUMWORDS[w.group(2).lower()]), span)
    span = _NUMBER_WORD.sub(lambda w: str(NUMWORDS[w.group().lower()]), span)  # "two and four weeks"
    nums = re.findall(r"\d+(?:\.\d+)?", span)
    if len(nums) < 2 or _COMPOUND_TIME.fullmatch(span.lower()):
        return timepoint_hours(span)
    parts = _mixed_unit_parts(span)
    if parts:
        return min(parts)
    return timepoint_hours(re.sub(r"\d+(?:\.\d+)?", min(nums, key=float), span))


_COUNT = WORDNUM.replace("|a|an|", "|")
EXTEND_LEFT = re.compile(rf"(?<![\w.])(?:{NUM}|{_COUNT})(?:{JOIN}(?:{NUM}|{_COUNT}))*{SP}*{DASH}?{SP}*$",
                         re.IGNORECASE)
EXTEND_RIGHT = re.compile(rf"^{SP}*{NUM}(?:{JOIN}{NUM})*", re.IGNORECASE)


def complete_timepoint(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a learned TIMEPOINT span to its number ("days posttreatment" -> "6 days posttreatment", "week" ->
    "week 1"): the tagger often leaves the number out, and the hours need it."""
    span = text[start:end]
    if not re.search(rf"\d|\b{WORDNUM}\b", span, re.IGNORECASE):
        left = EXTEND_LEFT.search(text[max(0, start - 40):start])
        if left and left.group().strip():
            start -= len(left.group())
        else:
            right = EXTEND_RIGHT.match(text[end:end + 20])
            if right:
                end += len(right.group())
    return start, end


def _excluded(span: str, before: str, after: str) -> bool:
    """A length, schedule, age or statistic rather than a time relative to dosing (see the patterns above)."""
    anchored = bool(_ANCHORED.search(span) or _ANCHORED.search(after))
    if _BEFORE_EXCLUDE.search(before) or _PK_LEAD.search(before):
        return True
    if re.match(rf"(?:{SP}|{DASH})*(?:longer|shorter|earlier|later than)\b", after, re.IGNORECASE):
        return True  # "4 minutes longer": a difference of durations
    follow_up_visit = _ADJECTIVAL_WHEN.search(before) and re.match(rf"{SP}*follow(?:{DASH}|{SP})?ups?\b", after, re.I) \
        and not _ADJECTIVAL_LENGTH.match(after)
    if not re.search(rf"{POSTQ}$", span, re.IGNORECASE) and _AFTER_EXCLUDE.match(after) and not follow_up_visit:
        return True  # "a 24 h infusion", "a 12-week follow-up"; but "24 h after infusion", "at the 12-month follow-up"
    if re.search(r"(?:after|following)$", span, re.IGNORECASE) and re.match(r"\s+(?:the\s+)?induction", after):
        return True  # "given 10 minutes after induction": when the dose was given, not a time relative to it
    if re.match(r"an?\s", span, re.IGNORECASE) and not _TIMING_PREP.search(before):
        return True  # "five days a week", "three treatments a week": a rate
    counted = not re.match(r"(?:days?|weeks?|months?|hours?|visits?|pod|post)", span, re.IGNORECASE)
    if not counted and re.search(r"\bfor\s*$", before) and not anchored:
        return True  # "weekly for weeks 5-8": a schedule
    if counted:
        lead = _LENGTH_LEAD.search(before)
        if lead and not anchored and not _LASTING.search(before[:lead.start()]):
            return True  # "for 4 weeks", "over the first 3 weeks", but not "persisted for up to 1 week"
        if re.match(r"\s+of\b", after) and not _TIMING_PREP.search(before) and not span.lower().startswith("within"):
            return True  # "6 weeks of dosing", but "after 6 weeks of treatment", "within an hour of dosing"
        if re.search(r"\d\.\d+\s*(?:d|days?|weeks?|months?)\b", span, re.IGNORECASE) and \
                not _TIMING_PREP.search(before):
            return True  # "a mean interval of 18.9 days": a statistic of durations
    return False


# a length of a treatment or study stated as such, further back than `before` reaches: "the duration of the longest
# maintenance cycle was 61 weeks"; not how long an effect lasted ("the duration of response was 14 days", "the
# duration of analgesia was 4 hours" are TIMEPOINTs)
_LENGTH_STATEMENT = re.compile(r"\b(?:duration|length) of\b(?:(?!respon|effect|benefit|remission|relief|improve|action|"
                               r"antidepress|analges)[^.;]){0,40}?\b(?:cycles?|treatments?|course|follow-?up|"
                               r"stay|trials?|study|maintenance|phases?|periods?|hospitali[sz]ations?|admissions?|"
                               r"illness|episodes?|therapy|programs?|interventions?)\b[^.;]{0,20}?\b(?:was|were|is|are)"
                               r"(?:\s+(?:approximately|about|around|up to))?\s*$", re.IGNORECASE)
_LIST_GAP = re.compile(rf"{SP}*(?:,{SP}*(?:and|or)?|and|or|;){SP}*", re.IGNORECASE)
_RANGE_GAP = re.compile(rf"{SP}*(?:to|{DASH}){SP}*", re.IGNORECASE)


def _hours_and_minutes_joined(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """"1 h 30 min" and "2 hours and 30 minutes" are one time (1.5 h, 2.5 h), not a time of hours and another of
    minutes."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        joined = re.fullmatch(r"\s+(?:and\s+)?", text[out[-1][1]:s]) if out else None
        if joined and _COMPOUND_TIME.fullmatch(text[out[-1][0]:e].lower()):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def find_timepoints(text: str, taken: list[tuple[int, int]] = ()) -> list[RuleHit]:
    """Times tied to an effect or measurement; infusion lengths, schedules and study lengths are left out."""
    hits: list[RuleHit] = []
    dropped_end = -1  # end of the last candidate left out: a list goes with its first item ("8, 12 and 16 weeks")
    excluded_end = -1  # ... and the last left out as no time point (not as "week 0"): a range goes with it too
    for s, e in _hours_and_minutes_joined(_timepoint_spans(text), text):
        if any(a < e and s < b for a, b in taken):
            continue
        if s > 0 and (text[s - 1].isalnum() or text[s - 1] in "-/."):
            continue
        before, after, span = text[max(0, s - 45):s], text[e:e + 25], text[s:e]
        anchored = re.search(POSTQ_SPAN + "$", span, re.IGNORECASE) or _ANCHORED.search(after)
        gap = text[dropped_end:s] if dropped_end >= 0 else ""
        # a list or a range goes with its first item: "8, 12 and 16 weeks"; "t½ ranged from 2.7 hours to 4.1 hours"
        in_list = dropped_end >= 0 and (_LIST_GAP.fullmatch(gap) or (excluded_end == dropped_end
                                                                      and _RANGE_GAP.fullmatch(gap))) and not anchored
        keep = _keep(span, before, after, text[e:e + 60]) and not _LENGTH_STATEMENT.search(text[max(0, s - 110):s]) \
            and not _PK_LEAD.search(text[max(0, s - 90):s])  # a lead longer than `before` sees
        if not keep:
            excluded_end = e
        if keep and not in_list:
            hours = timepoint_hours(span)
            visit = re.match(rf"{SP}*follow(?:{DASH}|{SP})?ups?\b", after, re.IGNORECASE)
            if visit and re.search(rf"{DASH}(?:hour|day|week|month|year)$", span, re.IGNORECASE):
                e += visit.end()  # "the 12-month follow-up" is one time point
            if hours:  # no hours, or 0: "week 0" is baseline, which the guidelines leave out
                prev = hits[-1] if hits else None
                qualified = prev is not None and re.search(POSTQ_SPAN + "$", text[prev.start:prev.end])
                if prev and _RANGE_GAP.fullmatch(text[prev.end:s]) and not qualified:
                    hits[-1] = RuleHit(prev.start, e, "TIMEPOINT", {"hours": hours})  # "2 h to 2 weeks": one range
                else:
                    hits.append(RuleHit(s, e, "TIMEPOINT", {"hours": hours}))
                continue
        dropped_end = e
    return hits


_ADJECTIVAL_WHEN = re.compile(r"(?:\b(?:at|by)\s+(?:the\s+)?|\btime ?points?\s*\([^)]*)$", re.IGNORECASE)
_ADJECTIVAL_LENGTH = re.compile(rf"\s*(?:follow(?:{DASH}|{SP})?up\s+)?(?:phase|period|course|trial|study|treatment|"
                                rf"induction|infusion|regimen|program|window|interval|duration|open{DASH}label|"
                                rf"double)", re.IGNORECASE)


_ADJECTIVAL_MEASURE = re.compile(r"\s*\(?\s*(?:(?:clinical|treatment|all-cause|primary|secondary)\s+)*"
                                 r"(?:results?|outcomes?|scores?|responses?|remission rates?|relapse rates?|mortality|"
                                 r"survival|(?:depressive|depression) (?:symptoms?|symptom severity|severity|scores?)|"
                                 r"PHQ-9|MADRS|HAM-?D|HDRS|BDI|QIDS|(?-i:PPD|RR|SMD|OR))\b", re.IGNORECASE)


def _keep(span: str, before: str, after: str, further: str = "") -> bool:
    if _excluded(span, before, after):
        return False
    if _PHASE_LENGTH.search(before) and (re.match(r"[\d.]|(?:" + WORDNUM + r")\b", span, re.IGNORECASE)
                                         or re.search(rf"\d{SP}*(?:to|{DASH}){SP}*\d", span)):
        return False
    if re.search(rf"\d{DASH}(?:min|minute|h|hr|hour|day|week|month|year)$", span, re.IGNORECASE) or \
            re.search(rf"(?:^|\s)\w+{DASH}(?:year|month|week|day)$", span, re.IGNORECASE):
        # adjectival "40-min", "4-week", "one-year": a duration qualifying a noun, not a time point, unless it
        # names when something was measured ("at the 12-month follow-up", "at acute timepoints (24-hour; 5-day)")
        # or qualifies the measurement itself ("4-week clinical response", "24-hour depressive symptom severity")
        return (bool(_ADJECTIVAL_WHEN.search(before)) or bool(_ADJECTIVAL_MEASURE.match(further or after))) \
            and not _ADJECTIVAL_LENGTH.match(after)
    if re.search(r"years?$", span, re.IGNORECASE) and not re.search(r"(?:after|at|within|by)\s*$", before, re.I) \
            and not _ANCHORED.search(after):
        return False  # "aged 18-65 years", "46.2 years": ages and histories
    # "5 d" alone is too often something else
    return not (re.fullmatch(rf"{NUM}{SP}*(?:d|mo)", span, re.IGNORECASE)
                and not re.match(r"\s*(?:post|after)", after) and not _TIMING_PREP.search(before))


# ---- ADVERSE_EVENT: a vital sign with its change ---------------------------------------------------------------
# GUIDELINES: "a body system with its change" is an adverse effect ("increased heart rate", "changes in systolic
# blood pressure", "diastolic blood pressure increased"); the vital sign alone is a measure, not an effect.
_PRESSURE_KIND = r"(?:systolic|diastolic|mean arterial|arterial)"
_VITAL = (rf"(?:systolic|diastolic)\s+pressures?|"
          rf"(?:{_PRESSURE_KIND}(?:\s*(?:and|or|/|,)\s*{_PRESSURE_KIND})*\s+)?(?:blood\s+pressures?|"
          r"(?-i:BP|SBP|DBP|MAP)|arterial pressure)|heart\s+rates?|(?-i:HR)(?!\s*(?:for|of|[=(:]|\d))|"
          r"pulse(?!\s+oximet)(?:\s+rates?)?|"
          r"oxygen\s+saturation|(?i:SpO2)")
_UP = r"increase[sd]?|increasing|elevat(?:ed|ions?)|rises?|rose|raised|higher"
_DOWN = r"decrease[sd]?|decreasing|reduc(?:ed|tions?)|drops?|dropped|falls?|fell|lower(?:ed)?"
_CHANGE = r"changes?|fluctuations?|instability|variations?"
_CO_VITAL = rf"(?:{_VITAL}|respiratory\s+rate|body\s+temperature)\b"  # a sign listed after the first
_VITAL_CHANGE = re.compile(
    rf"\b(?P<pre>{_UP}|{_DOWN}|{_CHANGE})(?:\s+(?:in|of))?(?:\s+(?:the|mean|transient|significant))*\s+"
    # the signs one change governs are one effect, as the gold marks them: "elevations in blood pressure and heart
    # rate", "changes in heart rate, blood pressure and respiratory rate"
    rf"(?P<vital1>{_VITAL})\b(?:\s*,\s*{_CO_VITAL})*(?:,?\s+(?:and|or)\s+{_CO_VITAL})?|"
    rf"\b(?P<vital2>{_VITAL})(?:\s*\((?-i:BP|SBP|DBP|HR|MAP)\))?\s+(?:was\s+|were\s+)?"
    rf"(?:(?:significantly|transiently|slightly)\s+)?"
    rf"(?P<post>increased|rose|elevated|elevations?|rises?|increases?|decreased|dropped|fell|changes?|fluctuations?)\b",
    re.IGNORECASE)


def _vital_name(vital: str) -> str:
    """The vital sign a surface names, for the canonical term ("SBP" -> blood pressure)."""
    v = vital.lower()
    if re.search(r"heart|\bhr\b|pulse", v):
        return "heart rate"
    if re.search(r"oxygen|spo2", v):
        return "oxygen saturation"
    return "blood pressure"


# Every match of _VITAL_CHANGE holds one of _VITAL, and each form of _VITAL holds one of these words (any case) or
# short forms (capitals only, as _VITAL's (?-i:...) asks): "SBP", "DBP" hold "BP". Most abstracts have none.
_VITAL_WORDS = ("pressure", "heart", "pulse", "oxygen", "spo2")
_VITAL_SHORT = ("BP", "MAP", "HR")


def find_vital_changes(text: str) -> list[RuleHit]:
    """'increased heart rate' -> heart rate increased; 'changes in SBP' -> blood pressure changes. The short forms
    count in capitals only: "changes in the map of connectivity" names no blood pressure."""
    hits = []
    lower = ignorecase_lower(text)
    if not any(w in lower for w in _VITAL_WORDS) and not any(w in text for w in _VITAL_SHORT):
        return hits  # no vital sign named: the pattern, tried at every position, cannot match
    for m in _VITAL_CHANGE.finditer(text):
        word = (m.group("pre") or m.group("post")).lower()
        vital = m.group("vital1") or m.group("vital2")
        direction = ("increased" if re.fullmatch(_UP, word, re.IGNORECASE) else
                     "decreased" if re.fullmatch(_DOWN, word, re.IGNORECASE) else "changes")
        hits.append(RuleHit(m.start(), m.end(), "ADVERSE_EVENT", {"canonical": f"{_vital_name(vital)} {direction}"}))
    return hits


# Words that more often name a condition or an outcome ("anxiety") name an effect as the reason someone stopped
# ("two withdrew because of anxiety") or tied to a session ("anxiety during the infusion").
_CONTEXT_WORDS = r"anxiety|panic"
_CONTEXT_WORD = re.compile(_CONTEXT_WORDS, re.IGNORECASE)
_EFFECT_IN_CONTEXT = re.compile(
    r"\b(?:discontinu\w*|stopp\w*|stopped|withdr[ae]w\w*|withdrawn|dropp\w* out|dropped|left the study)\b"
    r"[^.;]{0,60}?\b(?:because of|due to|owing to)\s+(?:[\w-]+\s+(?:and|or)\s+)?"
    r"(?:(?:severe|intense|marked|increased|mild|transient)\s+)?"
    rf"(?P<stopped>{_CONTEXT_WORDS})\b"
    rf"|\b(?P<session>{_CONTEXT_WORDS})\s+(?:during|after|following)\s+"
    r"(?:the\s+|each\s+|an\s+|a\s+|their\s+)?(?:first\s+|second\s+|last\s+)?(?:infusions?|sessions?|"
    r"dos(?:e|es|ing)|administrations?|observation period)\b", re.IGNORECASE)


# ... or as an item of a list of effects: "blurred vision (9%) and anxiety on emergence", "anxiety (16%), drowsiness"
_LISTED_WORD = re.compile(r"\b(?:anxiety|panic(?:\s+(?:reactions?|attacks?|episodes?))?|dependence|abuse|misuse|"
                          r"cognitive decline|delirium)\b", re.IGNORECASE)
_LISTED_TERM = {"anxiety": "anxiety", "panic": "anxiety", "dependence": "dependence", "abuse": "abuse",
                "misuse": "abuse", "cognitive decline": "cognitive impairment", "delirium": "delirium"}
_MEASURED_BEFORE = re.compile(r"\b(?:ratings?|scores?|measures?|severity|levels?|scales?)\s+(?:of|for)\s+$",
                              re.IGNORECASE)
_A_MEASURE_AFTER = re.compile(r"\s+(?:severity|scores?|ratings?|scales?|index)\b", re.IGNORECASE)
_GAP_BEFORE = re.compile(r"(?:\s*\([^()]{0,30}\))?(?:\s*[,;]\s*(?:(?:and|or|and/or)\s+)?|\s+(?:and|or|and/or)\s+)"
                         r"(?:episodes\s+of\s+)?", re.IGNORECASE)
_GAP_AFTER = re.compile(r"(?:\s+(?:on emergence|during (?:the |each )?(?:infusions?|sessions?|dosing)))?"
                        r"(?:\s*\([^()]{0,30}\))?(?:\s*[,;]\s*(?:(?:and|or|and/or)\s+)?|\s+(?:and|or|and/or)\s+)",
                        re.IGNORECASE)


def find_listed_effects(text: str, effects: list[tuple[int, int]]) -> list[RuleHit]:
    """Anxiety, panic, dependence, misuse, cognitive decline or delirium right before or after another effect in a
    list (`effects`: the (start, end) of the effects found so far) is an effect too; a list of outcomes ("depression
    and anxiety") has no effect beside it, and "ratings of anxiety and dissociation" names what was measured."""
    hits = []
    for m in _LISTED_WORD.finditer(text):
        s, e = m.span()
        if _MEASURED_BEFORE.search(text, max(0, s - 30), s):
            continue  # "ratings of anxiety and dissociation": what was measured, not what happened
        if any(_GAP_BEFORE.fullmatch(text, pe, s) for _, pe in effects if s - 45 <= pe <= s) or \
                any(_GAP_AFTER.fullmatch(text, e, ps) and not _A_MEASURE_AFTER.match(text, pe)
                    for ps, pe in effects if e <= ps <= e + 60):  # not "anxiety (p < .001), insomnia severity"
            word = m.group().lower()
            hits.append(RuleHit(s, e, "ADVERSE_EVENT", {"canonical": _LISTED_TERM.get(word, "anxiety")}))
    return hits


def find_effects_in_context(text: str) -> list[RuleHit]:
    """"because of anxiety" after a verb of stopping, "anxiety during the infusion": an effect, canonical anxiety."""
    hits = []
    if not _CONTEXT_WORD.search(text):  # most abstracts name neither: skip the long pattern
        return hits
    for m in _EFFECT_IN_CONTEXT.finditer(text):
        group = "stopped" if m.group("stopped") else "session"
        hits.append(RuleHit(m.start(group), m.end(group), "ADVERSE_EVENT", {"canonical": "anxiety"}))
    return hits


# A drug as the subject that impaired a function: "Ketamine impaired balance", "ketamine alone impaired response
# speed ... and impaired memory", "the higher dose produced a marked impairment in updating working memory". The drug
# is checked by the caller (a DRUG right before the verb, as its subject).
_IMPAIR_OBJECT = r"(?:the |a |an )?[a-z][a-z-]*(?: [a-z][a-z-]*){0,3}?"
_IMPAIR_END = r"(?=\s*(?:[,.;:()\[]|\band\b|\bbut\b|\bwhen\b|\bin\b|\bat\b|\bduring\b|\bcompared\b|\bwhereas\b|" \
              r"\bwhile\b|\bas\b|\bon\b|\bwithout\b|\bfor\b|\bafter\b|\bbefore\b|\brelative\b|\bversus\b|\bvs\b|" \
              r"\bof\b|\bwithin\b|\bthat\b|\bwhich\b|\b(?:was|were|is|are|has|had|have)\b|\b[a-z]+ly\b|$))"
_IMPAIRED = re.compile(r"(?:(?P<span>(?:impaired|worsened) " + _IMPAIR_OBJECT + r")|"
                       r"(?:produced|induced|caused|elicited) (?:a |an )?(?:significant |marked |mild |transient )?"
                       r"(?P<noun>(?:impairments?|deficits?|disruptions?) (?:in|of) " + _IMPAIR_OBJECT + r"))"
                       + _IMPAIR_END)
_AND_IMPAIRED = re.compile(r"(?:\s*\([^()]{0,60}\))?,? (?:and|as well as) (?P<span>impaired " + _IMPAIR_OBJECT + r")"
                           + _IMPAIR_END)
# all that may stand between the drug and the verb: the drug is the subject ("Ketamine-only administration", "S-ketamine
# also", "ketamine (KET) selectively"), not its users ("ecstasy users are impaired in ...")
_SUBJECT_GAP = re.compile(r"(?:\s*\([^()]{1,30}\))?(?:[- ]+(?:only|alone|administration|infusions?|treatment|also|"
                          r"significantly|selectively|further|markedly|acutely|dose-dependently))*\s*-?", re.IGNORECASE)


def find_impairments(text: str, drugs: list[tuple[int, int]]) -> list[RuleHit]:
    """What a drug impaired, as an adverse effect (canonical: "impaired " + the function). `drugs` are the (start,
    end) of DRUG mentions: the verb must follow one as its subject ("Ketamine-only administration impaired ..."),
    so "patients with impaired memory", "memory was impaired in the group" and "ecstasy users are impaired in ..." are
    not read."""
    hits = []
    for m in _IMPAIRED.finditer(text):
        if not any(_SUBJECT_GAP.fullmatch(text, e, m.start()) for _, e in drugs if m.start() - 40 <= e <= m.start()):
            continue
        spans = [m.span("span") if m.group("span") else m.span("noun")]
        while more := _AND_IMPAIRED.match(text, spans[-1][1]):
            spans.append(more.span("span"))
        for s, e in spans:
            words = text[s:e].split()
            skip = 2 if words[0].lower().startswith(("impairment", "deficit", "disruption")) else 1
            function = " ".join(w for w in words[skip:] if w.lower() not in ("the", "a", "an"))
            hits.append(RuleHit(s, e, "ADVERSE_EVENT", {"canonical": "impaired " + function.lower()}))
    return hits

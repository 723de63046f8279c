"""DOSE details from the words around the amount: mg or mg/kg where derivable, frequency, infusion duration,
number of doses, course length."""

from __future__ import annotations

import re

from pipeline.nlp.rules import NUMWORDS

MASS_TO_MG = {"mg": 1.0, "µg": 1e-3, "ng": 1e-6, "g": 1000.0}
_WEEKDAY = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
# how often: "twice weekly", "3 times/week", "daily", "every 3 days", "every other day", "Monday-Wednesday-Friday"
FREQ = re.compile(r"\b(once|twice|thrice|(?:two|three|four|five|six|seven) times|"
                  r"(?:\d+\s*[-\u2013]\s*)?\d+\s*(?:times|x))"
                  r"(?:\s*/\s*|\s+(?:a|per|each)\s+|\s+|(?<=nce|ice)[-\u2010])(daily|day|weekly|week|monthly|"
                  r"month)\b|"
                  r"\b(?<![-\u2010])(daily|weekly|bi-?weekly|fortnightly|monthly)\b|"
                  r"\b(two|three|four|six|[2346])[-\u2010](weekly)\b|"
                  r"\bevery\s+(?:(\d+|other|two|three|four|six|eight|twelve)\s+(days?|weeks?|hours?|h)|"
                  r"(?:other|second|third|fourth)\s+(?:day|week))\b|"
                  rf"\b(?:{_WEEKDAY})s?(?:\s*(?:[-\u2013,/]|,?\s*and\b)\s*(?:{_WEEKDAY})s?){{1,6}}\b",
                  re.IGNORECASE)
FREQ_CHOICE = re.compile(rf"(?P<first>{FREQ.pattern})\s*(?P<conj>or)\s*$", re.IGNORECASE)
# a measurement's schedule, not the dose's: "pain scores were recorded every 6 hours", "MADRS was assessed weekly"
MONITORED = re.compile(r"\b(?:record\w*|assess\w*|measur\w*|monitor\w*|check\w*|collect\w*|evaluat\w*|obtain\w*|"
                       r"sampl\w*|rated|scored|administered (?:the|a) (?:questionnaire|scale))\b", re.IGNORECASE)
# an infusion length in the dose's own brackets: "(0.5 mg/kg, 40 minutes)", "(0.5 mg/kg; 40 min)"
BRACKETED_LENGTH = re.compile(r"^\s*[,;]\s*(?:over\s+)?(\d+(?:\.\d+)?)\s*[-\u2010]?\s*(min(?:ute)?s?|h|hours?)\s*\)",
                              re.IGNORECASE)
# a count of administrations written around the amount: "two 25 mg doses", "2 × 25 mg"
COUNT_AROUND = re.compile(r"(?<![\w.,])(\d+|two|three|four|five|six|seven|eight|nine|ten|twelve)\s*(?:[×x]\s*)?$",
                          re.IGNORECASE)
COUNTED_ELSE = re.compile(r"\b(?:day|week|month|visit|session|cycle|group|arm|phase|step|dose|level)s?\s*$",
                          re.IGNORECASE)
COUNT_NOUN_AFTER = re.compile(r"^\s*(?:doses|infusions|injections|administrations)\b", re.IGNORECASE)
OVER = re.compile(r"\b(?:over|(?:infused|infusion|delivered|administered|given)\s+across)\s+"
                  r"(?:a\s+(?:duration|period)\s+of\s+|a\s+)?(\d+(?:\.\d+)?)\s*[-\u2010]?\s*"
                  r"(min(?:ute)?s?|h|hours?)\b|"
                  r"\b(\d+(?:\.\d+)?)\s*[-\u2010]?\s*(min(?:ute)?|hour|h)\s+(?:(?:intravenous|IV|ketamine|esketamine|"
                  r"subcutaneous|continuous)\s+)?infusions?\b", re.IGNORECASE)
# after the dose, a count of its administrations; not of other sessions ("two preparation sessions", "12 ECT
# sessions", "≥5 treatments" a patient had failed)
N_DOSES = re.compile(r"(?<![\w≥≤<>-])(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+"
                     r"(?:(?!(?:h|hrs?|hours?|min\w*|mg|days?|weeks?|preparat\w*|integrat\w*|psychotherap\w*|"
                     r"therapy|CBT|ECT|TMS|rTMS|counsel\w*|follow-up|training|MRI|imaging|antidepressant|prior|"
                     r"previous|failed)\b)\w+\s+)?"
                     r"(infusions|injections|doses|administrations|sessions|treatments)\b"
                     r"(?!\s+(?:of\s+)?(?:psychotherapy|therapy|CBT|ECT|TMS|rTMS|counsel\w*|preparation|integration))",
                     re.IGNORECASE)
FAILED_BEFORE = re.compile(r"\b(?:failed|failing|failure of|prior|previous|inadequate response to)\W+(?:\w+\W+){0,2}$",
                           re.IGNORECASE)
# before the dose only the drug's own administrations count ("six infusions of ketamine 0.5 mg/kg"), not earlier
# treatments ("failed two antidepressant treatments", "after 12 sessions of ECT")
N_DOSES_BEFORE = re.compile(r"(?<![\w-])(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+"
                            r"(?:(?:[a-z]*-?weekly|daily|intravenous|IV|subcutaneous|intramuscular|oral|intranasal|"
                            r"repeated|consecutive|separate|escalating|bolus|single|ketamine|esketamine|racemic|"
                            r"additional|further|active)\s+){0,3}"
                            r"(infusions|injections|doses|administrations)\b"
                            r"(?:\s+(?:of|with)(?:\s+[\w-]+){0,4})?\s*\(?\s*$", re.IGNORECASE)
# what is no dosing schedule before a dose: a patient's history ("depressed for 6 months", "on daily antidepressants")
HISTORY_BEFORE = re.compile(r"\b(?:depress\w*|illness|disorder|symptoms|history|suffer\w*|diagnos\w*|duration|"
                            r"episode)\b[^,;]{0,25}$", re.IGNORECASE)
HISTORY_AFTER = re.compile(r"^\s*(?:antidepressants?|medications?|SSRIs?|drugs?|use|users?|smok\w*|drinking)\b",
                           re.IGNORECASE)
COURSE = re.compile(r"\b(?:for|over)\s+(?:a\s+period\s+of\s+)?(\d+|one|two|three|four|five|six|eight|twelve)\s+"
                    r"(days?|weeks?|months?)\b", re.IGNORECASE)


PER_UNIT = {"kg": "kg", "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "min": "min", "minute": "min",
            "minutes": "min", "d": "d", "day": "d", "days": "d", "week": "week", "wk": "week", "weeks": "week",
            "dose": "dose", "m2": "m2", "m²": "m2"}


def canonical_unit(unit: str) -> str:
    """One spelling per unit, for grouping: "mg/kg/hr", "mg/kg/hour", "mg/kg per hour" and "mg/(kg·h)" are all
    "mg/kg/h"; mass in mg, µg, ng or g."""
    bracketed = re.sub(r"\(([^()]*)\)", lambda m: re.sub(r"\s*[-·⋅*.]\s*", "/", m.group(1)), unit.lower())
    parts = re.split(r"\s*(?:/|·|⋅|\*|\bper\b)\s*", bracketed.replace("μ", "µ"))
    parts = [p for p in parts if p]
    if not parts:
        return unit
    mass = {"mcg": "µg", "ug": "µg", "mgs": "mg"}.get(parts[0], parts[0])
    return "/".join([mass] + [PER_UNIT.get(p, p) for p in parts[1:]])


def mass_values(value: float, unit: str) -> dict:
    """mg (fixed) or mg/kg (per weight) where the unit allows; rates and per-area units stay as written."""
    norm = canonical_unit(unit)
    parts = norm.split("/")
    mass = parts[0]
    factor = MASS_TO_MG.get(mass)
    per = "/".join(parts[1:])
    # "20 mg/70 kg" is per weight too ("25 mg/70 kg/day" a rate of it: no mg/kg value)
    out = {"unit_norm": norm, "per_kg": per.startswith(("kg", "70kg")), "value_mg": None, "value_mg_per_kg": None}
    if factor is None:
        return out
    per = per.removesuffix("/dose").removesuffix("dose")  # "mg/kg/dose", "mg/dose": an amount, given per dose
    if per == "":
        out["value_mg"] = round(value * factor, 6)
    elif per == "kg":
        out["value_mg_per_kg"] = round(value * factor, 6)
    elif per == "70kg":
        out["value_mg_per_kg"] = round(value * factor / 70, 6)
    return out


def _num(s: str) -> float:
    return float(NUMWORDS.get(s.lower(), s)) if not s.replace(".", "").isdigit() else float(s)


def _own_clause(words: str) -> str:
    """The clause a frequency stands in: "..., with vital signs monitored, three times weekly" is the dose's."""
    return re.split(r"[,;]", words)[-1]


def schedule(sentence_after: str, sentence_before: str = "") -> dict:
    """Frequency, infusion minutes, number of doses, course length of a dose, from its sentence: the words after it
    ("0.5 mg/kg over 40 minutes, twice weekly for 4 weeks"), then the words just before it in its own clause ("six
    infusions of ketamine 0.5 mg/kg", "a single 40-minute intravenous infusion of 0.5 mg/kg", "administered daily
    at 10 mg"), where a patient's history is no schedule ("depressed for 6 months", "on daily antidepressants")."""
    out: dict = {"frequency": None, "infusion_minutes": None, "n_doses": None, "course": None}
    after = sentence_after[:160]
    before = re.split(r"[;:,]|\b(?:and|or|then|followed by|whereas|while|plus)\b", sentence_before[-80:])[-1]
    m = OVER.search(after) or OVER.search(before)
    if m:
        val, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        out["infusion_minutes"] = _num(val) * (60 if unit.lower().startswith("h") else 1)
    elif (b := BRACKETED_LENGTH.match(sentence_after)) and "(" in sentence_before[-40:]:
        out["infusion_minutes"] = _num(b.group(1)) * (60 if b.group(2).lower().startswith("h") else 1)
    m = next((f for f in FREQ.finditer(after) if not MONITORED.search(_own_clause(after[:f.start()]))), None)
    alternative = None
    if m is None:
        m = next((f for f in FREQ.finditer(before) if not HISTORY_AFTER.match(before[f.end():])
                  and not MONITORED.search(_own_clause(before[:f.start()]))), None)
        clause_start = len(sentence_before[-80:]) - len(before)
        alternative = m and FREQ_CHOICE.search(sentence_before[-80:][:clause_start + m.start()])
    if m:
        # a choice of schedules is one frequency with no count per week: "twice-weekly or thrice-weekly infusions"
        choice = f"{alternative['first']} {alternative['conj']} " if alternative else ""
        out["frequency"] = re.sub(r"\s+", " ", (choice + m.group(0)).lower())
    m = COURSE.search(after) or next((c for c in COURSE.finditer(before) if c.group().lower().startswith("for")
                                      and not HISTORY_BEFORE.search(before[:c.start()])
                                      and not re.match(r"\s+(?:after|following|post)\b", before[c.end():])), None)
    if m:
        out["course"] = f"{int(_num(m.group(1)))} {m.group(2).lower()}"
    m = N_DOSES_BEFORE.search(before) or next((n for n in N_DOSES.finditer(after)
                                               if not FAILED_BEFORE.search(after[:n.start()])), None)
    tail = sentence_before[-12:]
    around = COUNT_AROUND.search(tail) if COUNT_NOUN_AFTER.match(sentence_after) or \
        re.search(r"\d\s*[×x]\s*$", tail) else None
    if around and COUNTED_ELSE.search(sentence_before[:len(sentence_before) - len(tail) + around.start()]):
        around = None  # "on day 3 25 mg doses": the number is the day's
    if around:
        out["n_doses"] = int(_num(around.group(1)))
    elif m:
        out["n_doses"] = int(_num(m.group(1)))
    return out


# Frequency and course as numbers, so that "twice weekly", "2 times/week" and "every 3-4 days" can be compared:
# administrations per week and days of treatment. A month is 30 days, as for time points (720 h).
_COUNTS = {"once": 1, "twice": 2, "thrice": 3, "two times": 2, "three times": 3, "four times": 4, "five times": 5,
           "six times": 6, "seven times": 7}
_EVERY_N_WEEKS = {"two": 2, "three": 3, "four": 4, "six": 6}
_PERIOD_WEEKS = {"day": 1 / 7, "daily": 1 / 7, "week": 1.0, "weekly": 1.0, "month": 30 / 7, "monthly": 30 / 7}
_EVERY = {"hour": 1 / 168, "h": 1 / 168, "day": 1 / 7, "week": 1.0}
_ORDINAL_EVERY = {"other": 2, "second": 2, "third": 3, "fourth": 4}
_DAYS = {"day": 1, "week": 7, "month": 30}


def per_week(frequency: str | None) -> float | None:
    """Administrations per week of a `frequency` as `schedule` writes it ("twice weekly" 2, "daily" 7, "every 6
    hours" 28, "every other day" 3.5, "monthly" 0.233); None for a range ("1-3 times/week") or "biweekly", which
    means twice a week to some and every two weeks to others."""
    if not frequency:
        return None
    m = FREQ.fullmatch(frequency.strip())
    if m is None:
        return None
    if m.group(1):
        count = m.group(1).lower()
        if re.search(r"\d\s*[-\u2013]", count):
            return None
        n = _COUNTS.get(count) or _num(re.match(r"\d+", count).group())
        return round(n / _PERIOD_WEEKS[m.group(2).lower()], 3)
    if m.group(3):
        word = m.group(3).lower()
        return {"daily": 7.0, "weekly": 1.0, "fortnightly": 0.5, "monthly": round(7 / 30, 3)}.get(word)
    if m.group(4):  # "three-weekly": every three weeks
        n = _EVERY_N_WEEKS.get(m.group(4).lower()) or int(m.group(4))
        return round(1 / n, 3)
    if m.group(6):
        n = 2 if m.group(6).lower() == "other" else _num(m.group(6))
        unit = m.group(7).lower().rstrip("s")
        return round(1 / (n * _EVERY[unit]), 3)
    days = [d.lower() for d in re.findall(_WEEKDAY, frequency, re.IGNORECASE)]
    if len(days) == 2 and re.fullmatch(rf"(?:{_WEEKDAY})s?\s*[-\u2013]\s*(?:{_WEEKDAY})s?", frequency, re.IGNORECASE):
        order = _WEEKDAY.split("|")  # "monday-friday": a range of days, five a week
        return float((order.index(days[1]) - order.index(days[0])) % 7 + 1)
    if days:
        return float(len(days))  # "monday-wednesday-friday": three days a week
    words = frequency.lower().split()
    return round(1 / (_ORDINAL_EVERY[words[1]] * _EVERY[words[2]]), 3)


def course_days(course: str | None) -> float | None:
    """Days of a `course` as `schedule` writes it ("4 weeks" 28, "2 months" 60)."""
    m = re.fullmatch(r"(\d+) (day|week|month)s?", course or "")
    return float(int(m.group(1)) * _DAYS[m.group(2)]) if m else None


# What the words right before an amount say it is, when it is not simply the dose given: a bound ("up to 2 mg/kg",
# "(max 50 mg)", "> 0.5 mg/kg"), an estimate ("approximately 25 mg"), a statistic ("a mean dose of 0.6 mg/kg") or a
# sum over the course ("a total dose of 180 mg"). Not "more/less than" or "the minimum": in results they compare
# doses ("rated higher with 25 mg than with 10 mg", "at the minimum 0.1 mg/kg" is the lowest level given).
QUALIFIERS = {"up to": "at most", "maximum": "at most", "max": "at most", "max.": "at most", "at most": "at most",
              "not exceeding": "at most", "no more than": "at most", "<": "at most", "≤": "at most",
              "at least": "at least", ">": "at least", "≥": "at least",
              "approximately": "approximately", "approx.": "approximately", "about": "approximately",
              "around": "approximately", "nearly": "approximately", "~": "approximately", "mean": "mean",
              "average": "mean", "median": "median", "total": "cumulative", "cumulative": "cumulative"}
_QUALIFIER = re.compile(
    r"(?:(?<![\w-])(up to|maximum|max\.?|at most|not exceeding|no more than|at least|"
    r"approx(?:imately|\.)|about|around|nearly|mean|average|median|total|cumulative)"
    r"(?:\s*\([^()]{1,10}\))?(?:\s+(?:(?!\d)[a-z-]+\s+){0,2}?(?:doses?|amount|intake)(?:\s+(?!\d)[\w-]+){0,3}?|"
    r"\s+of)?|((?<!-)[<>≤≥~]))\s*[:=]?\s*$", re.IGNORECASE)


def qualifier(before: str) -> str | None:
    """`at most`, `at least`, `approximately`, `mean`, `median` or `cumulative` from the words just before an amount
    (its own clause); None for a dose stated plainly."""
    m = _QUALIFIER.search(before[-45:])
    if m is None:
        return None
    return QUALIFIERS.get((m.group(1) or m.group(2)).lower())

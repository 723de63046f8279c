"""DOSE details from the words around the amount: mg or mg/kg where derivable, frequency, infusion duration,
number of doses, course length."""

from __future__ import annotations

import re

from pipeline.nlp.rules import NUMWORDS

MASS_TO_MG = {"mg": 1.0, "µg": 1e-3, "ng": 1e-6, "g": 1000.0}
FREQ = re.compile(r"\b(once|twice|thrice|three times|two times|four times|\d+\s*(?:times|x))\s+(?:a|per|each)?\s*"
                  r"(daily|day|weekly|week|monthly|month)\b|\b(daily|weekly|biweekly|fortnightly|monthly)\b|"
                  r"\bevery\s+(\d+|other|two|three|four)\s+(days?|weeks?)\b", re.IGNORECASE)
OVER = re.compile(r"\bover\s+(?:a\s+)?(\d+(?:\.\d+)?)\s*[-\u2010]?\s*(min(?:ute)?s?|h|hours?)\b|"
                  r"\b(\d+(?:\.\d+)?)\s*[-\u2010]?\s*(min(?:ute)?|hour|h)\s+(?:[a-z]+\s+)?infusions?\b", re.IGNORECASE)
N_DOSES = re.compile(r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(?:\w+\s+)?"
                     r"(infusions|injections|doses|administrations|sessions|treatments)\b", re.IGNORECASE)
COURSE = re.compile(r"\b(?:for|over)\s+(?:a\s+period\s+of\s+)?(\d+|one|two|three|four|five|six|eight|twelve)\s+"
                    r"(days?|weeks?|months?)\b", re.IGNORECASE)


PER_UNIT = {"kg": "kg", "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "min": "min", "minute": "min",
            "minutes": "min", "d": "d", "day": "d", "days": "d", "week": "week", "wk": "week", "weeks": "week",
            "dose": "dose", "m2": "m2", "m²": "m2"}


def canonical_unit(unit: str) -> str:
    """One spelling per unit, for grouping: "mg/kg/hr", "mg/kg/hour", "mg/kg per hour" and "mg/(kg·h)" are all
    "mg/kg/h"; mass in mg, µg, ng or g."""
    parts = re.split(r"\s*(?:/|·|⋅|\*|\bper\b)\s*", unit.lower().replace("(", "").replace(")", "").replace("μ", "µ"))
    parts = [p for p in parts if p]
    if not parts:
        return unit
    mass = {"mcg": "µg", "ug": "µg", "mgs": "mg"}.get(parts[0], parts[0])
    return "/".join([mass] + [PER_UNIT.get(p, p) for p in parts[1:]])


def mass_values(value: float, value_max: float | None, unit: str) -> dict:
    """mg (fixed) or mg/kg (per weight) where the unit allows; rates and per-area units stay as written."""
    norm = canonical_unit(unit)
    parts = norm.split("/")
    mass = parts[0]
    factor = MASS_TO_MG.get(mass)
    per = "/".join(parts[1:])
    out = {"unit_norm": norm, "per_kg": per.startswith("kg"), "value_mg": None, "value_mg_per_kg": None}
    if factor is None:
        return out
    if per == "":
        out["value_mg"] = round(value * factor, 6)
    elif per == "kg":
        out["value_mg_per_kg"] = round(value * factor, 6)
    return out


def _num(s: str) -> float:
    return float(NUMWORDS.get(s.lower(), s)) if not s.replace(".", "").isdigit() else float(s)


def schedule(sentence_after: str, sentence_before: str = "") -> dict:
    """Frequency, infusion minutes, number of doses, course length of a dose, from its sentence: the words after it
    ("0.5 mg/kg over 40 minutes, twice weekly for 4 weeks"), then the clause just before it for what those leave
    open ("six infusions of ketamine 0.5 mg/kg", "a single 40-minute intravenous infusion of 0.5 mg/kg"); the
    number of doses prefers the words before, which name the dose's own administrations."""
    out: dict = {"frequency": None, "infusion_minutes": None, "n_doses": None, "course": None}
    after = sentence_after[:160]
    before = re.split(r"[;:]|\b(?:and then|followed by|whereas|while)\b", sentence_before[-100:])[-1]
    for window in (after, before):
        m = OVER.search(window)
        if m and out["infusion_minutes"] is None:
            val, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
            out["infusion_minutes"] = _num(val) * (60 if unit.lower().startswith("h") else 1)
        m = FREQ.search(window)
        if m and out["frequency"] is None:
            out["frequency"] = re.sub(r"\s+", " ", m.group(0).lower())
        m = COURSE.search(window)
        if m and out["course"] is None:
            out["course"] = f"{int(_num(m.group(1)))} {m.group(2).lower()}"
    for window in (before, after):
        found = list(N_DOSES.finditer(window))
        if found:
            out["n_doses"] = int(_num(found[-1 if window is before else 0].group(1)))
            break
    return out

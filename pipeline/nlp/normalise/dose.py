"""DOSE details from the words around the amount: mg or mg/kg where derivable, frequency, infusion duration,
number of doses, course length."""

from __future__ import annotations

import re

from pipeline.nlp.rules import NUMWORDS

MASS_TO_MG = {"mg": 1.0, "µg": 1e-3, "ng": 1e-6, "g": 1000.0}
FREQ = re.compile(r"\b(once|twice|thrice|three times|two times|four times)\s+(?:a|per|each)?\s*"
                  r"(daily|day|weekly|week|monthly|month)\b|\b(daily|weekly|biweekly|fortnightly|monthly)\b|"
                  r"\bevery\s+(\d+|other|two|three|four)\s+(days?|weeks?)\b", re.IGNORECASE)
OVER = re.compile(r"\bover\s+(?:a\s+)?(\d+(?:\.\d+)?)\s*[-\u2010]?\s*(min(?:ute)?s?|h|hours?)\b|"
                  r"\b(\d+(?:\.\d+)?)\s*[-\u2010]?\s*(min(?:ute)?|hour|h)\s+infusions?\b", re.IGNORECASE)
N_DOSES = re.compile(r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(?:\w+\s+)?"
                     r"(infusions|injections|doses|administrations|sessions|treatments)\b", re.IGNORECASE)
COURSE = re.compile(r"\bfor\s+(\d+|one|two|three|four|five|six|eight|twelve)\s+(days?|weeks?|months?)\b",
                    re.IGNORECASE)


def mass_values(value: float, value_max: float | None, unit: str) -> dict:
    """mg (fixed) or mg/kg (per weight) where the unit allows; rates and per-area units stay as written."""
    parts = unit.split("/")
    mass = parts[0].lower().replace("mcg", "µg")
    factor = MASS_TO_MG.get(mass)
    per = "/".join(parts[1:]).lower()
    out = {"per_kg": per.startswith("kg"), "value_mg": None, "value_mg_per_kg": None}
    if factor is None:
        return out
    if per == "":
        out["value_mg"] = round(value * factor, 6)
    elif per == "kg":
        out["value_mg_per_kg"] = round(value * factor, 6)
    return out


def _num(s: str) -> float:
    return float(NUMWORDS.get(s.lower(), s)) if not s.replace(".", "").isdigit() else float(s)


def schedule(sentence_after: str) -> dict:
    """Frequency, infusion minutes, number of doses, course length stated after a dose in its sentence."""
    out: dict = {"frequency": None, "infusion_minutes": None, "n_doses": None, "course": None}
    window = sentence_after[:160]
    m = OVER.search(window)
    if m:
        val, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        out["infusion_minutes"] = _num(val) * (60 if unit.lower().startswith("h") else 1)
    m = FREQ.search(window)
    if m:
        out["frequency"] = re.sub(r"\s+", " ", m.group(0).lower())
    m = N_DOSES.search(window)
    if m:
        out["n_doses"] = int(_num(m.group(1)))
    m = COURSE.search(window)
    if m:
        out["course"] = f"{int(_num(m.group(1)))} {m.group(2).lower()}"
    return out

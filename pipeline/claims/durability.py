"""Whether a benefit is short-lived, timed relative to the last dose.

A benefit that ends, or a relapse, within 14 days of the last (or only) dose supports short_lived; a benefit
still present later conflicts with it; while dosing goes on, a lasting benefit says nothing about it.
"""

from __future__ import annotations

import re

from pipeline.claims.comparisons import efficacy_negatives
from pipeline.claims.cues import POSITIVE, STATS, T
from pipeline.claims.facts import ArticleFacts
from pipeline.nlp.extract import Mention
from pipeline.nlp.rules import UNIT_HOURS

ONGOING_DOSING = re.compile(r"\bwith (?:continued|ongoing|maintenance|decreasing|additional|weekly|repeated)\b|"
                            r"\b(?:once|twice|thrice|three times)[- ](?:a[- ])?(?:weekly|week|daily|day)\b|"
                            r"\bmaintenance (?:phase|treatment|dosing)|\binfusion frequency|\btreated with weekly|"
                            r"\b(?:maintained|continued|remained on) (?:(?!response|remission|benefit|improvement)"
                            r"[\w-]+ ){0,2}(?:treatment|therapy|dosing|infusions)\b", T)

AFTER_LAST_DOSE = re.compile(r"\bafter (?:the )?(?:last|final)\b|"
                             r"\bfollowing (?:the )?(?:last|final|treatment completion|completion)\b", T)
AFTER_DOSING = re.compile(r"\bpost-?(?:infusion|injection|dose|treatment)\b|\bfollow-?up\b|\bafter (?:the )?"
                          r"(?:administration|infusion|injection|dose|treatment)\b|\bpost ?partum\b", T)


def late_benefit(sentence: str, hours: list[float], facts: ArticleFacts) -> tuple[str | None, list[str]]:
    """A significant benefit more than 14 days after dosing stopped ("lower at 2 months post-infusion", or any late
    time in a one-dose study) is evidence against a short-lived effect, though the sentence names no durability
    word."""
    if not hours or max(hours) <= 336 or ONGOING_DOSING.search(sentence):
        return None, []
    if not AFTER_LAST_DOSE.search(sentence) and not facts.single_dose:
        return None, []
    if efficacy_negatives(sentence, facts.controlled) or not STATS.search(sentence):
        return None, []
    return "conflicts", [m.group() for rx in (AFTER_LAST_DOSE, AFTER_DOSING) for m in rx.finditer(sentence)][:1]


WINDOW_END = re.compile(r"\b(?:until|through|till|to)\s*$", T)
RELAPSE_TIME = re.compile(r"\b(?:time to relapse|days to relapse|relapse-free (?:interval|period))\b", T)
RELAPSE_DAYS = re.compile(r"(\d+(?:\.\d+)?)(?:\s*(?:vs\.?|versus|and|or)\s*(\d+(?:\.\d+)?))?\s*(days?|weeks?)\b", T)


def _relapse_days(sentence: str) -> list[float]:
    """Days to relapse named in the sentence ("median time to relapse of 20 days"; "19 vs 1 days to relapse")."""
    if not RELAPSE_TIME.search(sentence):
        return []
    clean = re.sub(r"\s*±\s*\d+(?:\.\d+)?", "", sentence)
    out = []
    for m in RELAPSE_DAYS.finditer(clean):
        factor = 7 if m.group(3).lower().startswith("week") else 1
        out += [float(g) * factor for g in m.groups()[:2] if g]
    return out


def benefit_window(text: str, s: int, sentence: str, mentions: list[Mention],
                    facts: ArticleFacts) -> tuple[str | None, list[str]]:
    """When the benefit ends after the last (or only) dose: a benefit "until day 7" or "from 2 h to 2 weeks", or a
    time to relapse, says it faded by then (supports if within 14 days, else conflicts)."""
    if ONGOING_DOSING.search(sentence):
        return None, []
    days = _relapse_days(sentence)
    if days:
        return ("conflicts" if max(days) > 14 else "supports"), [RELAPSE_TIME.search(sentence).group()]
    if not (facts.single_dose or AFTER_LAST_DOSE.search(sentence)):
        return None, []
    if efficacy_negatives(sentence, facts.controlled) or not (STATS.search(sentence) or
                                                               POSITIVE.search(sentence)):
        return None, []
    ends = [m for m in mentions if m.label == "TIMEPOINT" and m.attrs.get("hours") and
            (WINDOW_END.search(text[s:m.start]) and not re.search(r"\bup to\s*$", text[s:m.start], T))]
    ends = [m for m in ends if not re.search(r"\bto\s*$", text[s:m.start], T) or
            re.search(r"\bfrom (?!baseline)[^.;]{1,40}\bto\s*$", text[s:m.start], T)]
    if not ends:
        return None, []
    last = max(ends, key=lambda m: m.attrs["hours"])
    return ("supports" if last.attrs["hours"] <= 336 else "conflicts"), [f"until {last.text}"]


RAPID_AND_SUSTAINED = re.compile(r"\b(?:rapid|robust),? and (?:\w+ )?(?:sustained|durable|lasting)\b", T)


# how long a benefit lasted, when no time point names it: "remained without relapse for 8-28 months"
LASTED = re.compile(r"\bfor (?:up to |at least |more than |over )?(\d+(?:\.\d+)?)(?:\s*[-–]\s*(\d+(?:\.\d+)?))?\s*"
                    r"(weeks?|months?|years?)\b", T)


ILL_FOR = re.compile(r"\b(?:depressed|ill|suffer\w*|diagnosed|history|been)\b[^.;,]{0,20}$", T)


# a stated span without a number that is longer than two weeks: "for weeks to months", "for several months"
LASTED_MONTHS = re.compile(r"\bfor (?:several |many )?(?:weeks?\s*(?:[-–/]|\bto\b|\bor\b)\s*)?(?:months|years)\b", T)


def lasted_hours(sentence: str) -> list[float]:
    """The stated times ("for 8-28 months", "for weeks to months"), not how long patients had been ill ("depressed
    for more than 2 years", "ill for many years")."""
    spans = [(m, float(m.group(2) or m.group(1)) * UNIT_HOURS[m.group(3).lower().rstrip("s")])
             for m in LASTED.finditer(sentence)] + [(m, UNIT_HOURS["month"]) for m in LASTED_MONTHS.finditer(sentence)]
    return [hours for m, hours in spans if not ILL_FOR.search(sentence, 0, m.start())]


def short_lived(stance: str, hours: list[float], sentence: str) -> str | None:
    """short_lived: fading within 14 days supports; benefit beyond 14 days conflicts; without a time only a
    "rapid and sustained" benefit, or one that lasted a stated time, counts (against)."""
    longest = max(hours) if hours else None
    if stance == "conflicts" and longest is None and (lasted := lasted_hours(sentence)):
        longest = max(lasted)
    if stance == "conflicts":  # sustained / maintained, unless dosing went on
        if ONGOING_DOSING.search(sentence):
            return None
        if longest is None:
            return "conflicts" if RAPID_AND_SUSTAINED.search(sentence) else None
        return "conflicts" if longest > 336 else None
    if longest is not None and longest <= 336:
        return "supports"
    if re.search(r"\brelaps\w*\b(?:[^.]|\.(?=\d)){0,80}\b(?:placebo|discontinu|stopp|switch)", sentence, T):
        return "supports"  # relapse more frequent after stopping than with continued dosing
    return None

"""How many people an abstract studied (PsyNamic's convention: everyone studied, controls included) and
PsyNamic's size bins."""

from __future__ import annotations

import re

from pipeline.claims.design import CASE, is_systematic_review

NUMBER_WORDS = {"twelve": 12, "fifteen": 15, "sixteen": 16, "eighteen": 18, "twenty": 20, "thirty": 30, "forty": 40,
                "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "ten": 10,
                "eleven": 11, "thirteen": 13, "fourteen": 14, "seventeen": 17, "nineteen": 19, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "five": 5, "four": 4, "three": 3, "two": 2, "one": 1}
N_EQ = re.compile(r"\b[nN]\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)")


def _to_int(token: str) -> int | None:
    token = token.replace(",", "").strip().lower()
    if token.isdigit():
        return int(token)
    parts = [p for p in re.split(r"[- ]+", token) if p != "and"]
    if not parts or not all(p in NUMBER_WORDS for p in parts):
        return None
    if "hundred" in parts[1:]:  # "two hundred" multiplies, "one hundred twenty-seven" then adds
        k = parts.index("hundred")
        return sum(NUMBER_WORDS[p] for p in parts[:k]) * 100 + sum(NUMBER_WORDS[p] for p in parts[k + 1:])
    return sum(NUMBER_WORDS[p] for p in parts)


PEOPLE = (r"patients|participants|subjects|adults|individuals|women|men|veterans|adolescents|volunteers|outpatients|"
          r"inpatients|people|persons|mothers|children|users|non-?users|respondents|parturients|cases|humans|"
          r"smokers|drinkers|students|youths?|year-?olds|(?:healthy )?controls|males|females|pregnant women|"
          r"inmates|prisoners|clients|survivors|athletes|physicians|nurses|psychiatrists|therapists|"
          r"clinicians|attendees|ravers|consumers|recipients|decedents|deaths|calls|visits|admissions|exposures")
_WORDS = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_NUM = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|(?:{_WORDS})(?:[- ](?:and )?(?:{_WORDS})){{0,3}})"
# the words between a count and its people are theirs ("30 treatment-resistant depressed patients"), never a
# preposition, a unit or a multiplier: "25 mg in migraine patients", "three times in MDD patients", "one billion"
COUNT_RX = re.compile(rf"(?<![\w.,\u00b1-])({_NUM}) (?!(?:billion|million|thousand)\b)"
                      rf"(?:(?!(?:of|in|at|with|from|to|than|per|times|compared|versus|vs|those|these|the|on|by|for|"
                      rf"mg|g|kg|µg|mcg|ml|mL)(?![\w-])|\d)[\w/-]+ ){{0,4}}?(?:{PEOPLE})\b", re.IGNORECASE)
# "24 users and 30 controls", "45 ecstasy, 48 cannabis and 40 legal drug users": groups of one sample add up.
# A qualifier of the first group may stand before an explicit join ("33 participants with MDD and 26 controls",
# "14 previous users of MDMA who were abstaining and 15 controls"), never a relative "of whom".
_JOIN_WORD = r"(?:and|or|as well as|plus|versus|vs\.?|in comparison (?:with|to)|compared (?:with|to))"
JOIN = re.compile(rf"^\s*(?:,?\s*{_JOIN_WORD}?|,|(?:with|without|on|from|of|who)\b(?! whom| which| them)"
                  rf"[^,.;()]{{1,60}}?\s*,?\s*{_JOIN_WORD})\s*$", re.IGNORECASE)
LIST_ITEM = re.compile(rf"(?<![\w.,])({_NUM})(?: (?:[\w-]+ ){{0,3}}?[\w-]+)?(?:,| and| or)\s(?=(?:and |or )?{_NUM} )",
                       re.IGNORECASE)
NOT_A_GROUP = re.compile(r"\b(?:weeks?|days?|months?|years?|hours?|minutes?|sessions?|doses?|infusions?|mg|studies|"
                        r"trials|articles|records|items|times|sites|centers|centres|institutions|hospitals|clinics|"
                        r"countries|cities|screened|eligible|excluded|"
                        r"approached|contacted|invited|declined|lost)\b", re.IGNORECASE)
SCREENED = re.compile(r"^\W*(?:were |was )?(?:screened|assessed for eligibility|approached|contacted|invited|"
                      r"eligible|excluded|declined|dropped out|discontinued|lost)", re.IGNORECASE)
TOTAL_RX = re.compile(rf"\b(?:a total of|total of|overall,?|in total,?)\s+({_NUM})\b(?!\s*%|\.\d|\s*/\s*\d|\s+of\b|"
                      r"\s+(?:\w+\s+)?"
                      r"(?:studies|trials|articles|records|RCTs|publications|papers|reports|sites|centers|centres|"
                      r"sessions|doses|infusions|days|weeks|months|years|samples|seconds|minutes|hours|results|"
                      r"encounters|items|questions|responses|comments|posts|cycles|scans|observations|episodes|"
                      r"events|prescriptions|mentions|outcomes|variables|genes|proteins|cells|mice|rats|animals))",
                      re.IGNORECASE)
PARENS = re.compile(r"\s*\([^()]*\)")
BRACKET = re.compile(r"\([^()]*\)")
SPLIT_WORDS = re.compile(r"\b(?:randomi[sz]\w*|assigned|allocated|divided|split|compared|of whom|including|"
                         r"one of|either)\b", re.I)
RATIO = re.compile(r"\b\d+\s*:\s*\d+\b")
# a review's n after its people ("1,033 participants (n = ...)", "patients (n = 3463)"); after "studies (n = 12)" it
# counts studies
POOLED_BEFORE = re.compile(r"\b(?:participants|patients|subjects|individuals|women|adults)\s*[(\[,]?\s*$",
                           re.IGNORECASE)
# "Of 50 patients, 30 patients completed", "among 120 users": the later count is part of this one; "a study of 33
# participants" is not a part.
PART_OF = re.compile(r"(?:^|[,;:\n]\s*)(?:of|from)\s+$|\b(?:among|out of)\s+$", re.IGNORECASE)


# Arms counted without their noun after the first: "336 patients were assigned to esketamine and 340 to quetiapine".
_NOT_PEOPLE = (r"(?:rats?|mice|mouse|animals|pigs|dogs|monkeys|samples|sessions?|doses?|infusions?|times|h|hours?|"
               r"min|minutes?|days?|weeks?|months?|years?|mg)\b")
ARMS = re.compile(rf"({_NUM})(?!\s+{_NOT_PEOPLE})\s+(?:[\w-]+\s+){{0,2}}?(?:were\s+|was\s+)?(?:randomly\s+)?"
                  rf"(?:randomi[sz]ed|assigned|allocated)\s+(?:to|into)\b[^.;]{{1,80}}?(?:,|;|\band\b|\bwhile\b|"
                  rf"\bwhereas\b)\s+({_NUM})(?!\s*{_NOT_PEOPLE})\s+(?:[\w-]+\s+){{0,2}}?(?:were\s+)?(?:randomly\s+)?"
                  rf"(?:(?:randomi[sz]ed|assigned|allocated)\s+)?(?:to|into)\b", re.IGNORECASE)


MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
YEAR_BEFORE = re.compile(rf"(?:\b{MONTHS}|\b(?:in|from|to|since|until|till|between|during|through|and|of|year|early|"
                         rf"late|mid|spring|summer|autumn|fall|winter)|[-\u2013/])\s*$", re.IGNORECASE)


NEXT_PEOPLE = re.compile(rf"\s+(?:{PEOPLE})\b", re.IGNORECASE)  # "and 1998 controls": a count, not a year


def _is_year(text: str, start: int, token: str) -> bool:
    """"from July 2022 to August 2023 in one hospital", "Between May 2019 and August 2021, 329 individuals":
    a bare year after a month or a preposition counts no one ("a cohort of 2,013 adults" does)."""
    return bool(re.fullmatch(r"(?:19|20)\d\d", token)) and bool(YEAR_BEFORE.search(text, max(0, start - 12), start))


def _sentence_counts(sentence: str) -> list[int]:
    """Counts of people in one sentence (parentheses removed): each stated count, and the sum of groups listed
    together."""
    plain = sentence
    found = [(m.start(), m.end(), _to_int(m.group(1))) for m in COUNT_RX.finditer(plain)
             if not SCREENED.match(plain[m.end():]) and not (_is_year(plain, m.start(), m.group(1))
                                                              and not NEXT_PEOPLE.match(plain, m.end(1)))]
    found = [f for f in found if f[2]]
    out = [n for _, _, n in found]
    runs: list[list[int]] = []
    for i, (start, _, n) in enumerate(found):
        if i > 0 and runs and JOIN.match(plain[found[i - 1][1]:start]):
            runs[-1].append(n)
        else:
            runs.append([n] if not PART_OF.search(plain[:start]) else [])
    out += [_group_total(run) for run in runs if run]
    out += [a + b for a, b in ((_to_int(m.group(1)), _to_int(m.group(2))) for m in ARMS.finditer(plain)) if a and b]
    items_all = list(LIST_ITEM.finditer(plain))
    item_starts = {i.start() for i in items_all}
    for m in COUNT_RX.finditer(plain):
        if m.start() in item_starts or _is_year(plain, m.start(), m.group(1)):
            continue  # not the list's last group (the list is summed at its end), or a year
        items: list[tuple[int, int | None]] = []
        for item in reversed([i for i in items_all if i.end() <= m.start()]):
            if item.end() != (items[-1][0] if items else m.start()) or NOT_A_GROUP.search(item.group(0)) \
                    or _is_year(plain, item.start(), item.group(1)):
                break
            items.append((item.start(), _to_int(item.group(1))))
        n = _to_int(m.group(1))
        if items and n and all(k for _, k in items) and not PART_OF.search(plain[:items[-1][0]]):
            out.append(_group_total([k for _, k in reversed(items)] + [n]))
    return out


def _group_total(groups: list[int]) -> int:
    """Groups of one sample add up, unless the first is the total the others break down ("35 participants, 20
    women and 15 men")."""
    if len(groups) >= 3 and groups[0] == sum(groups[1:]):
        return groups[0]
    return sum(groups)


def sample_size(text: str) -> int | None:
    """Number of participants studied, controls included (PsyNamic's convention): a stated total, else the largest
    count of people (groups listed together summed), else the arms of "n = N" added up; 1 for a case report
    that gives no count. In a review only counts of people (its pooled participants), never of studies."""
    text = text.replace("\u2010", "-").replace("\u2011", "-")
    review = is_systematic_review(text)
    for m in TOTAL_RX.finditer(text):
        if ARMS.match(text, m.start(1)):
            continue  # "Overall, 336 patients were assigned to esketamine and 340 to quetiapine": one arm
        n = _to_int(m.group(1))
        if n and n < 1_000_000 and (not review or re.match(rf"\s+(?:[\w-]+\s+){{0,3}}?(?:{PEOPLE})\b",
                                                         text[m.end():], re.IGNORECASE)):
            return n
    counts = [n for sentence in re.split(r"(?<=[.;])\s+", PARENS.sub("", text))
              for n in _sentence_counts(sentence) if n < 1_000_000]
    groups = []
    # "(ketamine, n = 44; midazolam, n = 43)": a semicolon inside brackets does not end the arms' sentence
    for sentence in re.split(r"(?<=[.;])\s+", BRACKET.sub(lambda b: b.group().replace(";", ","), text)):
        ns = [n for n in (_to_int(m.group(1)) for m in N_EQ.finditer(sentence)) if n]
        if ns and not review:  # "ketamine (n = 20) or placebo (n = 19)": arms in one sentence add up, unless the
            # first is their total, named before the split ("(N=220) were randomized to ... (n=126) or (n=94)"); not
            # arms of an unequal allocation ("randomised 2:1:1 to ketamine (n = 40), midazolam (n = 20) or ...")
            eqs = list(N_EQ.finditer(sentence))
            split_after_first = len(eqs) > 2 and not RATIO.search(sentence) and \
                SPLIT_WORDS.search(sentence, eqs[0].end(), eqs[-1].start())
            groups.append(_group_total(ns) if split_after_first else sum(ns))
        elif ns:  # a review's pooled participants: "including 3463 patients (n = 3463)", "patients (n = 2,130)"
            groups += [n for m in N_EQ.finditer(sentence) if (n := _to_int(m.group(1)))
                       and POOLED_BEFORE.search(sentence, max(0, m.start() - 40), m.start())
                       and not re.match(r"\s*(?:/|(?:studies|trials|articles|RCTs|reports)\b)", sentence[m.end():])]
    candidates = counts + groups
    if candidates:
        return max(candidates)
    return 1 if CASE.search(text) and not review else None


PSYNAMIC_BINS = [(1, 20, "1-20"), (21, 40, "21-40"), (41, 60, "41-60"), (61, 80, "61-80"), (81, 100, "81-100"),
                 (101, 199, "100-199"), (200, 499, "200-499"), (500, 999, "500-999"), (1000, 10**9, ">=1000")]


def participants_bin(n: int | None) -> str | None:
    if n is None:
        return None
    return next((label for lo, hi, label in PSYNAMIC_BINS if lo <= n <= hi), None)

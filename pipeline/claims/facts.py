"""What an article says about itself as a whole, read once before its sentences are judged.

Design and sample size, the populations it studied (not merely named in the background), an add-on to an oral
antidepressant, whether it studies ketamine, is on depression, has a control, looks for predictors, gives a
single dose, or is a narrative review. A claim applies only to articles whose facts fit it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.claims import design
from pipeline.claims.comparisons import CONTROL
from pipeline.claims.cues import DRUG_WORDS, HEDGED, T
from pipeline.claims.sample_size import sample_size
from pipeline.nlp.extract import Extraction
from pipeline.nlp.labels import STUDY_DRUGS

ANTIDEPRESSANT_DRUG = (r"(?:antidepressants?|SSRIs?|SNRIs?|OADs?|escitalopram|sertraline|fluoxetine|venlafaxine|"
                       r"duloxetine|mirtazapine|bupropion|citalopram|paroxetine|vortioxetine)\b"
                       r"(?! (?:effects?|propert|response|efficacy|actions?|activity))")
ADJUNCT = re.compile(r"\b(?:adjunct\w*|add-on|added to|augment\w*|in combination with|combined with|plus|along with|"
                     r"together with|concomitant|ongoing|newly (?:initiated|started)|in addition to|"
                     r"in conjunction with)\b[^.]{0,80}\b" + ANTIDEPRESSANT_DRUG + r"|\boral " + ANTIDEPRESSANT_DRUG +
                     r"|\b(?:pre-?existing|current|ongoing|stable|existing|concurrent|background) (?:oral )?"
                     + ANTIDEPRESSANT_DRUG + r"[^.]{0,40}\b(?:maintained|continued|kept|unchanged)\b|"
                     # staying on an antidepressant: "continued their current antidepressant", "remaining on
                     # their antidepressant medication", "on a stable dose of an SSRI"
                     r"\b(?:continu(?:ed|ing)|maintain(?:ed|ing)|remain(?:ed|ing) on|stay(?:ed|ing) on|kept on|"
                     r"while (?:on|taking|receiving)|on (?:a |their )?stable)\s+(?:(?:their|his|her|a|an|the|"
                     r"current|ongoing|existing|prescribed|usual|oral|stable|baseline|doses?|regimens?|of)\s+){0,4}"
                     + ANTIDEPRESSANT_DRUG, T)
NOT_ADJUNCT = re.compile(r"\b(?:free of|without|no|not (?:on|taking|receiving)|off|washed out|discontinu\w+|tapered)\s+"
                         r"(?:\w+\s+){0,2}$|\bapprov\w*\b[^.]*$|\black of\b[^.]*$|"
                         r"\b(?:non-?response|failed|failure|inadequate response|resistan\w+) (?:to )?"
                         r"(?:\S+ ){0,3}$", T)


def is_adjunct(text: str) -> bool:
    """The drug is given with an oral antidepressant: an add-on wording, not negated ("free of concomitant
    antidepressants"), not a regulatory or background remark ("approved in combination with an SSRI")."""
    for m in ADJUNCT.finditer(text):
        start = max(text.rfind(".", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
        if not NOT_ADJUNCT.search(text[start:m.start()]):
            return True
    return False


# a study of people who use ketamine on their own ("chronic ketamine users", "street ketamine users"): the drug is
# not a treatment there, so nothing in it speaks on efficacy (its harms still bear on tolerability)
RECREATIONAL = re.compile(r"\b(?:recreational|non-?medical|illicit|street) (?:use|users?|ketamine)|\bketamine (?:users|"
                          r"abusers|misuse|abuse|dependence|use disorder)\b|\b(?:chronic|current|former) ketamine "
                          r"use\b(?![^.]*\b(?:treatment|therapy|patients with|depress))", T)


# a study of the control arms ("Control-group outcomes in trials of ...", "The placebo response
# in esketamine trials"): its results are the placebo's, not the drug's, on efficacy and harms alike
CONTROL_ARM_STUDY = re.compile(r"^(?:the |a |an )?(?:magnitude of |size of |predictors of )?(?:the )?(?:placebo|nocebo|"
                               r"control[- ]groups?|control[- ]arms?)(?: and nocebo)?\s+(?:[\w-]+\s+)?(?:outcomes?|"
                               r"respons\w*|effects?|rates?)\b", T)


@dataclass
class ArticleFacts:
    design: str
    sample_size: int | None
    populations: list[str]
    retracted: bool
    prevention: bool
    ect_anaesthesia: bool
    adjunct: bool
    ketamine_study: bool
    depression: bool
    controlled: bool = True
    predictor_study: bool = False
    single_dose: bool = False
    narrative_review: bool = False
    recreational: bool = False
    design_paper: bool = False
    notice: bool = False
    control_arm_study: bool = False


BACKGROUND_REMARK = re.compile(r"\bapprov\w*|\bpromising\b|\bemerged\b|\bprevious(?:ly)?\b|\bprior (?:studies|"
                               r"research|work)|\bha(?:s|ve) been (?:shown|established|demonstrated|observed|"
                               r"reported)|\bhave (?:shown|demonstrated)|\bproduced\b|\bparticularly\b|"
                               # what the drug is in general: "Ketamine, an NMDA antagonist, is used for TRD"
                               r"\b(?:is|are) (?:\w+ ){0,2}?(?:used|effective|indicated|known|licensed)\b", T)


# a population kept out: the clause that names it says so ("patients with bipolar disorder were excluded", "women
# who were pregnant were not eligible"), or a denial stands right before it ("without bipolar disorder", "not
# actively suicidal"); not "exclusively", nor an exclusion in another clause ("..., and those with a history of
# psychosis were excluded")
EXCLUDED_CLAUSE = re.compile(r"\bexclu(?:ded|sion|ding|de)\b|\b(?:not|in)eligible\b|\bnot eligible\b", T)
DENIED_BEFORE = re.compile(r"\b(?:without|no|not|absence of)\s+(?:a\s+)?(?:(?:history|diagnosis) of\s+)?"
                           r"(?:current\s+|actively\s+|comorbid\s+)?$", T)
CLAUSE_BREAK = re.compile(r"[,;:]|\b(?:and|but|while|whereas)\s+(?:those|patients|participants|subjects|people)\b", T)


# some of a review's included studies: "Nineteen studies recruited only patients with TRD", "a large part of them
# involve treatment-resistant patients", "healthy volunteers took part in two studies and TRD patients in
# one": a subset of the evidence, not the population the review studies ("Nine RCTs involving 612 patients with
# TRD were included" is all of it)
_COUNT = (r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
          r"sixteen|seventeen|eighteen|nineteen|twenty)")
_ENROL = r"(?:recruited|included|enrolled|involv\w*|focused\s+on|were\s+(?:conducted\s+)?in)"
SUBSET_OF_STUDIES = re.compile(
    rf"(?:\b(?:some|several|few|most|{_COUNT})\s+of\s+(?:the|these|them)\s+(?:included\s+)?(?:studies|trials|RCTs)"
    rf"\s+(?:\w+\s+)?{_ENROL}|"
    r"\ba\s+(?:large\s+|small\s+)?(?:part|proportion|subset|number|minority|majority)\s+of\s+"
    rf"(?:them|the\s+(?:included\s+)?(?:studies|trials))\s+(?:\w+\s+)?{_ENROL}|"
    rf"\b(?:some|several|few|most|{_COUNT})\s+(?:[\w-]+\s+)?(?:studies|trials|RCTs)\s+{_ENROL}\s+only\b|"
    rf"\b(?:and|while|whereas)\s+{_COUNT}(?:\s+(?:study|studies|trial|trials))?\s+{_ENROL})\b[^.;]*$", T)


def _kept_out(sentence: str, start: int, end: int) -> bool:
    """Is the population named at sentence[start:end] one the study kept out, or only some of the studies a review
    included?"""
    if DENIED_BEFORE.search(sentence, max(0, start - 40), start) or SUBSET_OF_STUDIES.search(sentence, 0, start):
        return True
    left = max((b.end() for b in CLAUSE_BREAK.finditer(sentence, 0, start)), default=0)
    right = next((b.start() for b in CLAUSE_BREAK.finditer(sentence, end)), len(sentence))
    return bool(EXCLUDED_CLAUSE.search(sentence, left, right))


def _studied(population: str, text: str, ex: Extraction) -> bool:
    """The population is the one studied: named in the title or outside the background, or in a background
    sentence that is not a remark on earlier work or approvals ("recently approved for TRD")."""
    rx = design.POPULATION_RX.get(population)
    if rx is None or not ex.sentences:
        return True
    for i, (s, e) in enumerate(ex.sentences):
        sentence = text[s:e]
        named = [m for m in rx.finditer(sentence) if not _kept_out(sentence, m.start(), m.end())]
        if not named:
            continue  # named only as who was kept out: "patients with bipolar disorder were excluded"
        if ex.roles[i] != "background" or not (HEDGED.search(sentence) or BACKGROUND_REMARK.search(sentence)):
            return True
    return False


# not a depression of breathing, the CNS or an ECG segment ("respiratory depression" twice made an anaesthesia trial
# a depression study)
DEPRESSION = re.compile(r"(?<!respiratory )(?<!ventilatory )(?<!CNS )(?<!ST[- ]segment )(?<!ST )(?<!myocardial )"
                        r"depress|\bTR-?D\b|\bMDD\b|antidepress|\bmood disorders?\b|"
                        r"\bMADRS\b|\bHAM-?D\b|\bHDRS\b|\bQIDS\b|\bBDI\b", T)

SINGLE_DOSE = re.compile(r"\b(?:a|one|an) (?:[\w-]+ ){0,3}(?:dose|infusion|injection|administration)\b|\bsingle\b", T)
REPEATED_DOSING = re.compile(
    r"\brepeat(?:ed)?\b|\b(?:serial|multiple|series of|course of|consecutive)\b|\bsecond (?:infusion|dose|injection)|"
    r"\b(?:two|three|four|five|six|eight|twelve|\d+) (?:\w+ )?(?:infusions|injections|doses|administrations|sessions|"
    r"treatments)\b|\b(?:once|twice|thrice|three times)[- ]?(?:a[- ])?(?:weekly|week|daily|day)\b|\bweekly\b|"
    r"\bdaily (?:dos|infus|inject|administ|for\b)|\bevery (?:\w+ )?(?:day|week|other)|\bmaintenance\b|\binduction\b|"
    r"\bper week\b", T)


def article_facts(text: str, ex: Extraction, publication_types: list[str] | None = None,
                  mesh: list[str] | None = None, retracted: bool = False) -> ArticleFacts:
    title = text.split("\n", 1)[0]
    return ArticleFacts(
        design=design.classify(text, publication_types, mesh), sample_size=sample_size(text),
        populations=[p for p in design.populations(text) if _studied(p, text, ex)], retracted=retracted,
        prevention=design.is_prevention(text),
        ect_anaesthesia=design.is_ect_anaesthesia(text), adjunct=is_adjunct(text),
        ketamine_study=ex.study_drug in STUDY_DRUGS or bool(DRUG_WORDS.search(title)),
        depression=len(DEPRESSION.findall(text)) >= 2, controlled=bool(CONTROL.search(text)),
        predictor_study=design.is_predictor_study(text),
        single_dose=bool(SINGLE_DOSE.search(text)) and not REPEATED_DOSING.search(text),
        narrative_review=design.is_narrative_review(text), notice=design.is_notice(text, publication_types),
        recreational=bool(RECREATIONAL.search(title)), design_paper=bool(design.DESIGN_PAPER.search(title)),
        control_arm_study=bool(CONTROL_ARM_STUDY.search(title)))

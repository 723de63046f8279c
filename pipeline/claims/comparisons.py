"""What a comparison says about the study drug.

"No difference" against placebo or another control speaks against the drug; between two active treatments, doses
or subgroups it says nothing either way; two forms of the drug compared with each other (IV ketamine vs intranasal
esketamine) are no evidence on efficacy. Shared by the stance rules and the durability timing.
"""

from __future__ import annotations

import re

from pipeline.claims.cues import DRUG_WORDS, NEGATIVE, T

CONTROL = re.compile(r"placebo|midazolam|[- ]only (?:group|condition|arm)|\balone\b|\bsaline\b|\bsham\b|"
                     r"\bcontrol (?:group|arm|condition)s?\b|\bcontrols\b|"
                     r"\bcompared (?:with|to) (?:the )?(?:standard|usual|treatment as usual)", T)
NO_DIFFERENCE = re.compile(r"differ|\bneither\b|\bcomparable\b|\bsimilar\b", T)
GROUPS = re.compile(r"\b(?:between|among|across) (?:the )?(?:two |three |treatment |study )?"
                    r"(?:groups|arms|conditions)\b|\b(?:between-)?group differences?\b|\bnumerically\b", T)
ACTIVE_COMPARISON = re.compile(r"\b(?:between|across) (?:the )?(?:ECT|electroconvulsive|r?TMS|unipolar|bipolar|doses|"
                               r"dose groups|dosing|sexes|men|women|males|females|routes|"
                               r"(?:es)?ketamine (?:treatment )?groups|(?:es)?ketamine and|IV and|oral and|"
                               r"intravenous and|intranasal and)\b|"
                               r"\b(?:sex|gender|dose)[- ](?:differences?|groups?|dependent)\b|"
                               # "between the 0.5 mg/kg and 1.0 mg/kg doses", "between the low- and high-dose arms"
                               r"\bbetween (?:the )?(?:[\w./-]+ ){1,5}?(?:doses|dose (?:groups|levels|arms)|regimens|"
                               r"(?:dose|dosing) (?:groups|arms|schedules)|dose)\b|"
                               r"\b(?:higher|lower) (?:[\w.-]+ ){0,3}doses?\b|"
                               # doses or schedules of the drug against each other: "no additional benefit over
                               # once-weekly infusions", "0.5 mg/kg over 0.2 mg/kg"
                               r"\bover (?:once|twice|a single|one|two|three|\d|lower|higher|fewer|more)\b", T)

# route short forms in capitals only: "in ketamine" is no intranasal form
KETAMINE_FORM = (r"(?:(?:(?-i:IV|IN|IM)|i\.v\.|intravenous|intranasal|oral|sublingual|intramuscular|racemic|[SR]-|"
                 r"\(R,S\)-)[ -]?)?(?:(?:es|ar)?ketamine|ESK|KET)")
HEAD_TO_HEAD = re.compile(rf"\b({KETAMINE_FORM})\b[^.;]{{0,80}}?\b(?:compared (?:with|to)|than|vs\.?|versus|and)\s+"
                          rf"(?:with\s+|the\s+)?\b({KETAMINE_FORM})\b", T)
COMPARATIVE = re.compile(r"\bsimilar\b|\bcomparable\b|\bequal(?:ly)?\b|\bdiffer|\bthan\b|\bcompared\b|\bvs\.?|"
                         r"\bversus\b", T)
WITHIN_GROUP = re.compile(r"\bboth\b|\beach\b|\bfrom baseline\b|\bpre-? to post|\bcompared (?:with|to) baseline", T)


def is_head_to_head(sentence: str) -> bool:
    """Two forms of the study drug compared with each other (IV ketamine vs intranasal esketamine) and with no
    control: which form did better says nothing on efficacy; "both reduced symptoms from baseline" still does."""
    if CONTROL.search(sentence) or WITHIN_GROUP.search(sentence):
        return False
    pairs = [m for m in HEAD_TO_HEAD.finditer(sentence) if m.group(1).lower() != m.group(2).lower()]
    return any(not re.search(r"\band\s+(?:with\s+|the\s+)?\S+$", m.group(0)) or COMPARATIVE.search(sentence)
               for m in pairs)


# a negative cue about the other comparisons of the clause: "ketamine improved HDRS versus placebo; other
# comparisons not significant" says nothing against the comparison it reported
OTHER_THINGS = re.compile(r"\b(?:all )?other (?:\w+ )?(?:comparisons|outcomes|measures|end ?points|scales|contrasts|"
                          r"doses|arms|groups|treatments)\b(?:(?!(?:es|ar)?ketamine|ESK\b)[^,;])*$", T)
SIDE_EFFECT_TARGET = re.compile(r"^[^.;]{0,40}\b(?:dissociat\w*|psychotomimetic|psychotic|side[- ]effects?|adverse|"
                                r"blood pressure|heart rate|vital signs|sedation)", T)


P_VALUE = re.compile(r"\bp\s*(=|>|≥|<|≤)\s*(0?[.·]\d+)", T)  # "p=0·69": the Lancet writes a middle dot
SIGNIFICANT = re.compile(r"(?<!not )(?<!non-)(?<!non)\bsignificant(?:ly)?\b|\bsuperior\b", T)
# p values that test something other than the drug's effect
OTHER_TEST = re.compile(r"heterogeneity|\bI2\b|\bI²|interaction|subgroup|baseline", T)


def _tests_other(sentence: str, at: int) -> bool:
    """Does the statistic at `at` test something other than the drug's effect (heterogeneity, an interaction, ...)?"""
    return bool(OTHER_TEST.search(sentence, max(0, at - 80), at))


def only_non_significant(sentence: str) -> bool:
    """Every p value the sentence reports for the effect is 0.05 or more, and nothing is called significant or
    superior: the numbers say no difference ("response, RR = 0.91, p = 0.47") whatever words name the
    outcomes. P values of heterogeneity, interactions, subgroups or baseline balance do not count."""
    ps = [(m.group(1), float(m.group(2).replace("·", "."))) for m in P_VALUE.finditer(sentence)
          if not _tests_other(sentence, m.start())]
    return bool(ps) and all(op in "=>≥" and v >= 0.05 for op, v in ps) and not SIGNIFICANT.search(sentence)


def significant_p(sentence: str) -> list[str]:
    """P values below 0.05 given as "p = 0.008" (with "<" the POSITIVE cues already see them): a result stated only
    by its numbers ("MADRS at day 3, 18.2 vs 26.9, p = 0.004"). Not p values of heterogeneity, interactions, subgroups
    or baseline balance."""
    return [m.group() for m in P_VALUE.finditer(sentence) if m.group(1) == "=" and
            float(m.group(2).replace("·", ".")) < 0.05 and
            not _tests_other(sentence, m.start())]


# a ratio with its interval: "odds ratio 4.6; 95% CI 1.8 to 11.9", "RR 1.9 (95% CI, 1.2-3.0)"
RATIO_CI = re.compile(r"\b(?:odds ratio|risk ratio|relative risk|hazard ratio|(?-i:a?OR|RR|HR))\s*(?:[:=,]|of|was)?\s*"
                      r"(\d*\.\d+|\d+)\s*[(\[;,]?\s*95\s*%\s*C\.?I\.?[:,]?\s*(\d*\.\d+|\d+)\s*(?:to|-|–|,)\s*"
                      r"(\d*\.\d+|\d+)", re.IGNORECASE)


def ratio_intervals(sentence: str) -> list[str]:
    """Ratios whose 95% interval lies on one side of 1: a significant difference in odds, risk or hazard (which way is
    the sentence's to say, as with "significant"). An interval that spans 1 is left to the words and p values."""
    return [m.group() for m in RATIO_CI.finditer(sentence)
            if (float(m.group(2)) - 1) * (float(m.group(3)) - 1) > 0 and not _tests_other(sentence, m.start())]


# a difference with its interval: "the between-group difference in MADRS change at 24 hours was -2.4 points (95% CI
# -6.1 to 1.3)"
DIFFERENCE_CI = re.compile(r"\b(?:differences?|changes?|reductions?)\b(?:[^.;]|\.(?=\d)){0,100}?"
                           r"[(\[;,]\s*95\s*%\s*C\.?I\.?[:,]?\s*"
                           r"(-|−|–)?(\d*\.\d+|\d+)\s*"
                           r"(?:to|,|–|—)\s*(-|−|–)?(\d*\.\d+|\d+)", re.IGNORECASE)


def null_differences(sentence: str) -> list[str]:
    """Differences whose 95% interval spans zero: no difference shown, stated by the numbers alone."""
    found = []
    for m in DIFFERENCE_CI.finditer(sentence):
        low = float(m.group(2)) * (-1 if m.group(1) else 1)
        high = float(m.group(4)) * (-1 if m.group(3) else 1)
        if low < 0 < high and not _tests_other(sentence, m.start()):
            found.append("difference (95% CI spans 0)")
    return found


MODERATOR_NULL = re.compile(r"\b(?:did|does|do) not (?:impact|affect|influence|alter|modify|moderate) (?:the )?"
                            r"(?:\w+ )?(?:effectiveness|efficacy|effects?|response)\b", re.IGNORECASE)
# a subgroup defined by its outcome: "No significant reduction ... was seen in non-improvers" says nothing against
# the drug
OUTCOME_SUBGROUP = re.compile(r"\b(?:in|among|for) (?:the )?(?:early |initial )?(?:non-?improvers|non-?responders|"
                              r"non-?remitters)\b(?! (?:to|of) (?!(?:the |a )?(?:first |initial |single )?"
                              r"(?:(?:es|ar)?ketamine|infusions?|doses?)\b))", re.IGNORECASE)
INTERACTION_AFTER = re.compile(r"[^.;]{0,40}?\binteraction\b", re.IGNORECASE)
MODERATOR_INTERACTION = re.compile(r"\s*(?:(?:main|interaction) effects? of |(?:an? |the )?)?(?:response|responder|"
                                   r"sex|gender|age|baseline|subtype)\s*(?:×|x|by|-by-)\s*(?:treatment|time|group)\b",
                                   re.IGNORECASE)


BETWEEN_AFTER = re.compile(r"[^.;]{0,40}?\b(?:between|among|across)\b", re.IGNORECASE)


def efficacy_negatives(sentence: str, controlled: bool) -> list[str]:
    """Negative cues that speak against efficacy. "No difference" between two active treatments, doses or
    subgroups (ECT vs ketamine, unipolar vs bipolar) is no evidence against the drug; in an uncontrolled study
    "did not differ" compares such groups too; "no differences in dissociative side effects" is about safety."""
    moderated = bool(MODERATOR_NULL.search(sentence))
    # a null interaction that is a moderator's says nothing against the drug: "no significant group-by-time
    # interaction: comorbid PTSD did not change how well the antidepressant worked", "no significant
    # sex-by-treatment interaction"; the sentence's other nulls still count
    found = [m for m in NEGATIVE.finditer(sentence) if not SIDE_EFFECT_TARGET.search(sentence[m.end():])
             and not OTHER_THINGS.search(sentence[:m.start()].rsplit(";", 1)[-1])
             and not MODERATOR_INTERACTION.match(sentence, m.end())
             and not (moderated and INTERACTION_AFTER.match(sentence, m.end()))]
    neg = [m.group() for m in found]
    if only_non_significant(sentence):
        neg.append("no difference (p >= 0.05)")
    if not SIGNIFICANT.search(sentence):
        neg += null_differences(sentence)
    if has_control(sentence):
        return neg
    if ACTIVE_COMPARISON.search(sentence):
        return []
    if not controlled:
        # no control arm in the article: a difference between its groups compares active treatments ("improved from
        # baseline in every group, with no significant differences among the 3 groups", "the between-group difference
        # in MADRS change was not significant" of IV ketamine against intranasal esketamine)
        if GROUPS.search(sentence):
            return []
        return [m.group() for m in found if not (NO_DIFFERENCE.search(sentence, m.start(), m.end() + 25)
                                                 and BETWEEN_AFTER.match(sentence, m.end()))]
    if not GROUPS.search(sentence):
        return [c for c in neg if not NO_DIFFERENCE.search(c)]
    return neg


# the drug did worse than an active treatment: "ECT superior to ketamine", "ketamine was inferior to ECT", "was not
# non-inferior to ECT": no evidence on efficacy either way (GUIDELINES weigh the drug against control or baseline;
# the annotators cite none of these). It read as support: "superior" is a positive cue.
_NO_DRUG = r"(?:(?!\b(?:es|ar)?ketamine\b)[^.;])"
_ACTIVE = r"(?:ECT|electroconvulsive (?:therapy|treatment)|r?TMS)"
_KETAMINE_FORM = r"(?:(?:IV|intravenous|oral|intranasal|racemic)\s+)?(?:es|ar)?ketamine\b"
_BETTER = r"\b(?:more|greater|larger|stronger|better|higher)\b"
_EFFECT = r"(?<!adverse )(?<!side )(?<!side-)effects?"  # not a harm: "more adverse effects than ketamine"
_NOT_CONTROL = r"(?:(?!placebo|saline|midazolam|control|sham)[^.;])"
DRUG_LOSES = re.compile(rf"\bsuperior to {_KETAMINE_FORM}|"
                        rf"\b(?:es|ar)?ketamine\b{_NOT_CONTROL}{{0,40}}\b(?:was|were|is|are) "
                        r"(?:not non-?)?inferior to\b|"
                        rf"\b(?:es|ar)?ketamine\b{_NOT_CONTROL}{{0,40}}\bless effective than\b|"
                        # the active treatment as the subject that did better: "ECT produced greater reductions
                        # than ketamine", "ECT showed more robust effects compared to ketamine"
                        rf"\b{_ACTIVE}\b{_NO_DRUG}{{0,60}}{_BETTER}{_NO_DRUG}{{0,40}}"
                        rf"\b(?:reductions?|improvements?|{_EFFECT}|effective|efficacious|efficacy|responses?|"
                        rf"response rates?|remissions?|remission rates?|antidepressant|benefits?|gains?)\b"
                        rf"{_NO_DRUG}{{0,30}}\b(?:than(?: with)?|compared (?:to|with)|relative to|versus|vs\.?) "
                        rf"{_KETAMINE_FORM}|"
                        # "response rates were higher with ECT than with ketamine"
                        rf"\b(?:responses?|response rates?|remissions?|remission rates?|improvements?|reductions?|"
                        rf"efficacy|{_EFFECT})\b{_NO_DRUG}{{0,40}}{_BETTER}{_NO_DRUG}{{0,20}}"
                        rf"\b(?:with|after|in|for) {_ACTIVE}\b{_NO_DRUG}{{0,20}}"
                        rf"\bthan (?:with |after |in |for )?{_KETAMINE_FORM}", T)


# the benefit belongs to an arm without the drug: "favoring more sustained improvement in the CBT arm",
# "music's benefits on ketamine", "lower depression severity in the placebo patients, but not in the ketamine
# patients", "esketamine was stopped and treatment as usual, which she then received, proved to be
# beneficial". Not "favouring the ketamine group" or "in patients who received ketamine vs placebo".
_NON_DRUG_ARM = (r"(?:CBT|cognitive[- ]behaviou?ral(?: therapy)?|psychotherapy|TAU|treatment as usual|usual care|"
                 r"music|exercise|mindfulness|placebo|saline|sham|control|midazolam)")
_NO_COMPARISON = r"(?:(?!\b(?:(?:es|ar)?ketamine|ESK|over|than|versus|vs|compared)\b)[^.;])"
OTHER_ARM_GAINS = re.compile(rf"\bfavou?r(?:s|ed|ing)?\b{_NO_COMPARISON}{{0,60}}?\b(?:the )?{_NON_DRUG_ARM}[- ]"
                             r"(?:group|arm|condition)s?\b|"
                             rf"\b{_NON_DRUG_ARM}(?:'s|’s) (?:benefits?|effects?)\b|"
                             rf"\bbenefits? of {_NON_DRUG_ARM}\b|"
                             r"\b(?:es|ar)?ketamine (?:was|were) (?:discontinued|stopped|withdrawn|ceased)\b"
                             r"(?! in (?:\d+|one|two|three|four|five|some|several))[^.;]*"
                             r"\b(?:beneficial|improv\w*|effective|respon\w*)", T)
ARM_WITHOUT_DRUG = re.compile(r"\bin (?:the )?(?:patients|participants|those|subjects|individuals) (?:who )?"
                              rf"(?:received|receiving|given|treated with|assigned to|randomi[sz]ed to) (?:the )?"
                              rf"{_NON_DRUG_ARM}\b", T)


def other_arm_gains(sentence: str) -> bool:
    """The sentence's benefit is an arm's without the study drug; an arm "who received placebo" counts only when no
    ketamine form was named before it (then it is the comparison: "greater in those who received ketamine than in
    those who received placebo")."""
    if OTHER_ARM_GAINS.search(sentence):
        return True
    m = ARM_WITHOUT_DRUG.search(sentence)
    return bool(m) and not re.search(_KETAMINE_FORM, sentence[:m.start()], T)


# groups that all had the drug set against each other: subgroups ("anxious depression ... compared to those with
# nonanxious depression"), monotherapy against add-on, repeated against a single infusion. Which did better says
# nothing on the drug against control (GUIDELINES), unless the sentence names a control too.
_COMPARED = r"\b(?:compared (?:to|with)|than|versus|vs\.?|relative to)\b"
_KETAMINE_ALONE = (r"(?:(?:es|ar)?ketamine monotherapy|monotherapy (?:with )?(?:es|ar)?ketamine|"
                   r"(?:es|ar)?ketamine alone)")
_SUBGROUP_DID = (r"\b(?:had|showed|exhibited|experienced|reported) (?:a |an )?(?:significantly )?(?:greater|larger|"
                 r"smaller|more|less|higher|lower|faster|slower|better|worse)\b")
WITHIN_DRUG = re.compile(rf"(?:{_COMPARED}|\bin contrast to) (?:those|patients|participants|individuals|subjects|"
                         r"people)(?: \w+)? (?:with|without|who|in whom)\b|"
                         rf"\b{_KETAMINE_ALONE}[^.;]{{0,80}}{_COMPARED}[^.;]{{0,40}}\b(?:adjunct\w*|add-on|augment\w*)|"
                         rf"\b(?:adjunct\w*|add-on)\b[^.;]{{0,80}}{_COMPARED}[^.;]{{0,40}}{_KETAMINE_ALONE}|"
                         r"\bcompared (?:with|to) (?:a )?single (?:\w+ )?(?:infusion|dose|administration)\b|"
                         # "no difference ... between single and serial ketamine administration": two schedules
                         r"\bbetween (?:a )?single(?:-dose)? and (?:serial|repeated|multiple)\b|"
                         r"\bbetween (?:serial|repeated|multiple) and (?:a )?single\b|"
                         # a subgroup as the subject: "Those with poorer memory recall had a greater MADRS
                         # reduction", "Males showed significantly greater improvement than females"
                         r"^(?:[A-Z]+: )?those (?:with(?:out)?|who)\b(?! (?:received|were given|were treated|"
                         r"were randomi[sz]ed|were assigned|were allocated))"
                         rf"[^.;]{{0,80}}?{_SUBGROUP_DID}|"
                         rf"^(?:[A-Z]+: )?(?:males|females|men|women|boys|girls) {_SUBGROUP_DID}[^.;]{{0,80}}?"
                         r"\bthan (?:the )?(?:males|females|men|women|boys|girls)\b|"
                         # groups set by the drug's own dose or schedule: "These three infusion groups showed
                         # comparable safety and efficacy" (not "Treatment arms were comparable")
                         r"\b(?:infusion|dose|dosing|dosage|frequency|duration|route)[- ](?:groups|arms|regimens|"
                         r"schedules) (?:showed|had|demonstrated|achieved|were) (?:a )?(?:comparable|similar|equal|"
                         r"equivalent)\b", T)
# a comparator without the drug: "patients who did not receive ketamine", "usual care", "treatment as usual"
NO_DRUG = re.compile(r"\b(?:did not|not|never) (?:receive|use|get|take)\w*\s+(?:\w+\s+)?(?:es|ar)?ketamine|"
                     r"\bwithout (?:es|ar)?ketamine|\bnon-?users?\b|\b(?:usual|standard) (?:care|an(?:a)?esthesia)|"
                     r"\btreatment as usual|\bTAU\b", T)


# a result told of the control arm alone: "Depression scores did not change significantly in the saline group",
# "symptoms also eased in the placebo arm" (with no drug form and nothing set against it, neither for nor against)
CONTROL_ARM = re.compile(r"\b(?:in|among|for|within) (?:the )?(?:placebo|saline|sham|control|midazolam)[- ]"
                         r"(?:group|arm|condition|patients|participants|recipients)s?\b", T)
SET_AGAINST = re.compile(r"\b(?:than|versus|vs\.?|compared|relative to|between|both|each|all|either|whereas|while|"
                         r"but)\b", T)


def control_arm_only(sentence: str) -> bool:
    """The sentence reports the control arm alone: no form of the drug named and no comparison."""
    return bool(CONTROL_ARM.search(sentence)) and not DRUG_WORDS.search(sentence) and not SET_AGAINST.search(sentence)


def has_control(sentence: str) -> bool:
    """A control arm or a drug-free comparator ("patients who did not receive ketamine") is named."""
    return bool(CONTROL.search(sentence) or NO_DRUG.search(sentence))


def within_drug_comparison(sentence: str) -> bool:
    """Groups that all had the drug, set against each other, and no control or drug-free comparator named."""
    return bool(WITHIN_DRUG.search(sentence)) and not has_control(sentence)


# every arm improved, a control arm among them: "Depressive symptoms improved in both the ketamine and placebo
# groups", "Both groups improved considerably from baseline (... with ketamine and ... with placebo)"; with nothing set
# between the arms. Not "in both groups" alone: in an add-on trial both arms had the drug ("GSH added to ketamine
# versus ketamine with saline": "a sustained improvement ... in both groups" is the drug's)
EVERY_ARM = re.compile(r"\b(?:in|across|for) (?:both|all(?: (?:two|three|four|\d))?|each) (?:of )?(?:the )?"
                       r"(?:[\w-]+ (?:and |or )?(?:the )?){0,4}?(?:groups|arms|conditions)\b|"
                       r"^(?:[A-Z][A-Za-z ]+: )?(?:both|all (?:two|three|four|\d)) "
                       r"(?:\w+ )?(?:groups|arms)\b", T)
BETWEEN_ARMS = re.compile(r"\bthan\b|\bvs\.?|\bversus\b|\bcompared\b|\brelative to\b|\bdiffer|\bseparat|"
                          r"\bsuperior|\bfavou?r|\bbetween\b|\bgreater\b|\bmore\b|\blarger\b|\bp\s*[<=≤]", T)


def every_arm_improved(sentence: str, controlled: bool) -> bool:
    """An improvement told of every arm, a control arm named, and set between none (GUIDELINES weigh the drug
    against control): no evidence either way."""
    return controlled and bool(EVERY_ARM.search(sentence)) and has_control(sentence) and \
        not BETWEEN_ARMS.search(sentence)


def active_no_difference(sentence: str, controlled: bool) -> bool:
    """"Did not differ between groups" of two active treatments, or any negative cue between doses or schedules
    ("no additional benefit over once-weekly infusions"), or a result in a subgroup defined by its outcome ("no
    significant reduction was seen in non-improvers"): neither for nor against the drug."""
    if has_control(sentence):
        return False
    if OUTCOME_SUBGROUP.search(sentence):
        return True
    negatives = NEGATIVE.findall(sentence)
    if negatives and ACTIVE_COMPARISON.search(sentence):
        return True
    no_difference = any(NO_DIFFERENCE.search(c) for c in negatives) or only_non_significant(sentence)
    return no_difference and (not controlled or not GROUPS.search(sentence))

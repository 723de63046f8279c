"""Which claims an article's finding sentences bear on, and with what stance.

Rules, in the order a reader applies them: only the article's own findings (`findings`), never hedged ones; the
claim must apply to the article (`facts`); the claim's topic (words or extracted outcomes) must be present; the
claim's conditions (a timepoint of at most N hours, a population, an add-on design) must hold; then polarity cues
decide supports or conflicts (for short_lived, with the timing of `durability`). The article's stance per claim
follows from its sentences: supports, conflicts, mixed, none. Each finding carries a confidence and a stable
evidence id.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass

from pipeline.claims import citation_model
from pipeline.claims.catalogue import Catalogue, Claim
from pipeline.claims.citation_model import CitationModel
from pipeline.claims.comparisons import (
    CONTROL,
    DRUG_LOSES,
    active_no_difference,
    control_arm_only,
    efficacy_negatives,
    every_arm_improved,
    has_control,
    is_head_to_head,
    other_arm_gains,
    ratio_intervals,
    significant_p,
    within_drug_comparison,
)
from pipeline.claims.cues import (
    ABSENT_AGAINST,
    DEPRESSION_WORDS,
    DRUG_WORDS,
    NEGATIVE,
    OTHER_CONDITION,
    POSITIVE,
    STATS,
    TOL_NEGATIVE,
    TOL_POSITIVE,
    T,
)
from pipeline.claims.durability import benefit_window, late_benefit, short_lived
from pipeline.claims.facts import ArticleFacts
from pipeline.claims.findings import (
    ENROLLED,
    MODERATOR_RESULT,
    NOT_A_FINDING,
    OTHER_OUTCOME,
    TREATMENT_ASSOCIATION,
    enrolled_only,
    finding_part,
)
from pipeline.nlp.extract import Extraction, Mention
from pipeline.nlp.labels import STUDY_DRUGS
from pipeline.nlp.rules import find_timepoints

ANIMAL_SENTENCE = re.compile(r"\banimal models?\b|\bpreclinical\b|\b(?:in|of) (?:rats|mice|rodents)\b", T)
OTHER_TREATMENT = re.compile(r"psychedelic|psilocybin|\bLSD\b|ayahuasca|\bDMT\b|\bMDMA\b|\bmusic\b|\bECT\b|"
                             r"electroconvulsive|\br?TMS\b|magnetic stimulation|buprenorphine|\bopioids?\b", T)
RAPID = re.compile(r"\bwithin (?:hours|minutes|a day|one day|24 ?h(?:ours?)?|the first day)\b|"
                   r"\b(?:by|on) the (?:next|following) (?:morning|day)\b|"
                   r"\bimmediate(?:ly)?\b(?! (?:memory|recall))", T)
# "rapid" alone is no time point (GUIDELINES: a rapid reduction "with an early time point"): it counts where the
# article's findings give one elsewhere ("improved at 4 h" ... "a rapid and robust response")
# a result on a biological or imaging marker, and on no clinical outcome, says nothing of efficacy
MARKER_RESULT = re.compile(r"(?-i:\b(?:FA|BDNF|EEG|MRS|BOLD|GABA|fMRI|PET)\b)|\bfractional anisotropy|\bconnectivity\b|"
                           r"\bcortisol\b|\bglutamate\b|\bplasma (?:levels?|concentrations?)\b|\bserum\b|"
                           r"\bbiomarkers?\b|\bmetabolites?\b|\bgr[ae]y matter\b|\bcortical thickness\b|"
                           r"\b(?:gamma|alpha|theta|delta|beta)[- ](?:power|band|oscillation)|"
                           r"(?-i:\bTNF|\bIL-\d+|\bCRP\b)|\binterleukin|\bC-reactive|\bcytokines?\b|\binflammat\w*", T)
CLINICAL_OUTCOME = re.compile(r"\bdepress\w*|\bantidepress\w*|\bresponse\b|\bMADRS\b|\bHAM-?D\w*|\bHDRS\w*|"
                              r"\bBDI\b|\bQIDS\b|\bsymptoms?\b|\bremission\b|\bresponse rates?\b|\bscores?\b|\bmood\b|"
                              r"\bsuicid\w*|\banhedoni\w*", T)
# onset that the sentence says came late: "improved, but not within the first 24 h", "not until day 7", "it did not
# act within the first day" (not "at 4 h but not at 24 h", which is early benefit that did not last)
NOT_EARLY = re.compile(r"\bnot (?:within|during|in) (?:the )?first\b|\bnot within\b|\bnot until\b|"
                       r"\bnot (?:yet |statistically |clearly |significantly )?(?:act|work|separate|differ|respond|"
                       r"improve|emerge|appear|decrease|decline|fall|occur|reach|become|show|begin|start|evident|seen|"
                       r"observed|apparent|significant|detect)\w* (?:\w+ ){0,2}(?:within|during|in) the first "
                       r"(?:day|hours?|24)\b", T)
RAPID_WORD = re.compile(r"\brapid(?:ly)?\b(?!-acting)|\bas early as\b", T)

# a harm that the sentence says did not happen is good news: "no participant withdrew because of side effects"
HARM = re.compile(r"\b(?:adverse|side[- ]effects?|serious|discontinu\w*|withdr(?:ew|awals?)|drop(?:ped)?[- ]?outs?|"
                  r"psychotic|psychosis|complications?|toxicity|cognitive (?:decline|impairment|deficits?)|"
                  r"dependence|abuse|misuse|cystitis)\b", T)
HARM_NEGATED_BEFORE = re.compile(r"\b(?:no|not|none|never|without|neither|nor|absence of|free of)\b"
                                 r"(?:(?!\b(?:but|however|although|whereas|while|related|correlated|"
                                 r"predict\w*)\b)[^.;,]){0,60}$", T)

# adverse effects as such, beside a surgical trial's outcomes: "improves sedation and shortens emergence times ...
# without significant adverse effects", "reduces the risk of PND without affecting the incidence of adverse events"
_SAFETY_WORDS = r"adverse (?:events?|effects?|reactions?)|side[- ]effects?"
GENERIC_SAFETY = re.compile(rf"\b(?:{_SAFETY_WORDS})\b", T)
PERIOPERATIVE_OUTCOME = re.compile(r"delirium|\bPOCD\b|\bPND\b|cognit|emergence|agitation", T)
# "but not at day 10", "but not at 72 hours": a difference that ended
_BUT_NOT_LATER = r"\bbut not (?:at|on|by) (?:day|week|the|\d)"
DUR_SHORT = re.compile(r"\brelaps\w*|\breturn(?:ed)? to baseline|"
                       r"\b(?:symptoms|depression) (?:had |have )?(?:returned|recurred|re-?emerged)\b|"
                       # a difference told by day that stopped: "significant at day 3 (p = 0.01) but not at day 10"
                       r"\bsignificant\b(?:[^.;]|\.(?=\d)){0,60}?" + _BUT_NOT_LATER + "|"
                       r"\bremained (?:non-?significant|not significant)\b|"
                       r"\b(?:effect|benefit|improvement|response)s? "
                       r"(?:\w+ )?(?:faded|dissipated|waned|diminished|declined|was lost|were lost|did not persist|"
                       r"was not sustained|were not sustained)|\btransient\b|\bshort-lived\b|\bno longer\b|"
                       r"\bnot (?:sustained|maintained)|\blost (?:its |their )?(?:significance|effect)", T)
DUR_LONG = re.compile(r"\bsustained\b|\bmaintained\b|\bpersist(?:ed|ent)\b|\blasting\b|\bdurable\b|"
                      r"\bremained (?:significant|lower|improved|below|reduced|better|well|in remission|"
                      r"in response)\b|"
                      r"\bstill\b|"
                      r"\bup to (?:\d+|one|two|three|six) (?:weeks|months)\b|"
                      r"\b(?:retained|kept) (?:their |the |a )?(?:response|remission|benefits?|improvements?|"
                      r"gains?)\b", T)
BUT_NOT_LATER = re.compile(_BUT_NOT_LATER, T)
# "Patients remained without relapse for 8-28 months" (not "had no relapse through week 32" of a trial that went on
# dosing: nothing says the dosing stopped)
NO_RELAPSE_BEFORE = re.compile(r"\b(?:remained|stayed|were|was) (?:without|free of)\s+(?:\w+\s+)?$", T)
PLASTICITY_UP = re.compile(r"\bincreas\w*|\benhanc\w*|\bpromot\w*|\brestor\w*|\belevat\w*|\bupregulat\w*|\brescu\w*|"
                           r"\bhigher\b|\bsignificantly (?:greater|larger)\b|\bgrowth\b|\bformation\b|\bstimulat\w*|"
                           r"\bactivat\w*|\bincrease\b", T)
# a reduction the drug undoes: "ketamine counteracted the stress-induced reductions in synaptic markers" is an increase
COUNTERED = re.compile(r"\b(?:counteract\w*|revers\w*|prevent\w*|rescu\w*|attenuat\w*|abolish\w*|normali[sz]\w*)\b"
                       r"(?:(?!\band\b|\bbut\b)[^.;,]){0,30}$", T)
PLASTICITY_DOWN = re.compile(r"\bno (?:significant )?(?:change|difference|effect)|\bdid not (?:alter|change|"
                             r"increase|affect|differ)|\blower\b|\bunchanged\b|\bdecreas\w*|\breduc\w*|"
                             r"\bnot (?:altered|changed)", T)

# depression scores that rose ("depression scores ... rose significantly and linearly from 24 hours to 30 days, nearing
# the saline group's levels") are the effect wearing off, not a benefit
# (not a mood scale, where higher is better)
SCORES_ROSE = re.compile(r"\b(?:depress\w*|MADRS|HAM-?D\w*|HDRS\w*|BDI\w*|QIDS\w*|PHQ\S*|symptom) (?:[\w-]+ )?"
                         r"scores?\b[^.;]{0,60}?\b(?:increas(?:ed|ing)|rose|rising|worsen(?:ed|ing))\b", T)
BENEFIT = re.compile(r"\breduc|\bdecreas|\bimprov|\blower|\bremission|\bremitt|\brespon|\bbenefi|\brelie", T)
GENERIC_EFFICACY = re.compile(r"\bimprov|\bbenefi|\b(?<!cost-)effective|\buseful\b|\bSMD\b|\beffect sizes?\b|\brespon|"
                              r"\btherapeutic (?:effects?|efficacy|benefits?)\b|"
                              r"\bbetter than (?:placebo|control|saline)|\bsuperior\b|\badvantage\b|"
                              r"\bprimary (?:outcome|end ?point)s?\b|"
                              r"\bremission|\bremitt|\bsymptom|\bscore|\bCGI\b|\banhedoni|\brelief|\befficac|\bNNT", T)


@dataclass
class Finding:
    claim_id: str
    sent_index: int
    start: int
    end: int
    stance: str
    confidence: float
    cues: list[str]
    timepoint_hours: float | None
    outcome: str | None
    dose: str | None
    route: str | None
    method: str = "rules"  # or "citation-model" (a further citation, `citation_model.extend`)


NEGATED_BEFORE = re.compile(r"\b(?:no|not|none|without|neither|nor|absence of|free of)\b[^.;,]{0,90}$", T)


AT_BASELINE = re.compile(r"^\s*(?:at|before) (?:baseline|treatment|enrol?lment)\b(?! (?:completion|end))", T)


# a harm the sentence calls rare: "discontinuation due to adverse events was low (2.6%)", "only two patients
# discontinued"; not "the only difference was that discontinuation was more common", "only esketamine showed ..."
RARE_BEFORE = re.compile(r"\b(?:only|just)\s+(?:\d+|one|two|three|four|five|a few|few|a small number|a minority)\b"
                         r"[^.;,]{0,40}$|\b(?:few|rare(?:ly)?|infrequent(?:ly)?)\b[^.;,]{0,40}$", T)
RARE_AFTER = re.compile(r"^(?:[^.;,]|,(?=\s*(?:but|however|though|although)\b)|,(?<=however,)){0,60}?\b(?:was|were|"
                        r"remained) (?:very |relatively |extremely )?(?:low|rare|uncommon|infrequent|minimal)\b", T)


# a harm the drug caused less of than a comparator: "Ketamine produces less cognitive impairment than triazolam"
LESS_BEFORE = re.compile(r"\b(?:less|fewer|milder|lower)\s+(?:[\w-]+\s+){0,2}$", T)
DRUG_COMPARATOR = re.compile(r"[^.;]{0,40}?\bthan (?:with |after |in )?(?:the )?(?:\w+ )?(?:es|ar)?ketamine\b", T)
BETWEEN_GROUPS = re.compile(r"comparable|similar", T)
TO_BASELINE = re.compile(r"\s+(?:to|with) (?:the )?(?:pre|baseline)", T)


# a discontinuation rate given as a share: "discontinued because of adverse events in 3.1%", "Three patients (2.8%)
# ... discontinued because of adverse events": at most 5% is "few discontinuations" (GUIDELINES' supports)
DISCONTINUATION = re.compile(r"\bdiscontinu|\bwithdr(?:ew|awals?)\b|\bdrop(?:ped)?[- ]?outs?\b|\bstopped\b", T)
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?%")
LOW_RATE = 5.0  # discontinuations, and adverse events told by their share alone
LOW_HARM_RATE = 2.0  # any other harm
# a harm the sentence disowns: "Serious adverse events occurred in two patients, and none was judged to be related
# to ketamine"
UNRELATED_AFTER = re.compile(r"^[^.;]{0,80}?\b(?:none|neither|not|no one|no event) (?:of (?:them|which) )?(?:was|were|"
                             r"is|are)?\s?(?:judged|considered|deemed|thought|assessed) (?:to be )?(?:related|"
                             r"attribut\w+|drug-related|treatment-related)", T)


# adverse events told only by their share: "Adverse events were detected in 3.0-4.8% of participants"
ADVERSE_SHARE = re.compile(rf"\b(?:{_SAFETY_WORDS}|AEs|TEAEs)\b[^.;]{{0,40}}?"
                           r"\b(?:occurred|were (?:reported|detected|observed|noted|seen|recorded)|was (?:reported|"
                           r"detected|observed|noted|seen|recorded))\s+in\s+(?:about |approximately |only )?"
                           r"(\d+(?:\.\d+)?)\s?(?:%|[-–]\s?\d+(?:\.\d+)?\s?%)", T)


def _low_rate(sentence: str, at: int, limit: float = LOW_RATE) -> bool:
    """The first share given from the clause of a harm cue on is at most `limit` percent ("four participants
    experienced a serious event, an incidence of about 0.1%", "3.1% discontinued because of adverse events")."""
    clause_start = max(sentence.rfind(";", 0, at), sentence.rfind(". ", 0, at), 0)
    share = PERCENT.search(sentence, clause_start)
    return share is not None and float(share.group(1)) <= limit


def _tolerability_harms(sentence: str) -> tuple[list[str], list[str]]:
    """The harms the sentence reports (bad news) and those it calls rare or low (good news), match by match;
    negated ones are neither ("no serious adverse events occurred" is read by `_negated_harms`)."""
    harms, rare = [], []
    for m in TOL_NEGATIVE.finditer(sentence):
        if NEGATED_BEFORE.search(sentence[:m.start()]) or AT_BASELINE.match(sentence[m.end():]) or \
                (LESS_BEFORE.search(sentence[:m.start()]) and not DRUG_COMPARATOR.match(sentence, m.end())):
            continue
        if UNRELATED_AFTER.match(sentence[m.end():]):
            continue
        if RARE_BEFORE.search(sentence[:m.start()]) or RARE_AFTER.match(sentence[m.end():]) or \
                _low_rate(sentence, m.start(), LOW_RATE if DISCONTINUATION.search(m.group()) else LOW_HARM_RATE):
            rare.append(m.group())
        else:
            harms.append(m.group())
    return harms, rare


def _negated_harms(sentence: str) -> list[str]:
    """Harms the sentence says did not occur ("no discontinuations due to adverse events", "did not cause any
    serious adverse effects", "not associated with cognitive decline"): evidence of tolerability."""
    return [m.group() for m in HARM.finditer(sentence) if HARM_NEGATED_BEFORE.search(sentence[:m.start()])]


# "no evidence that ketamine elevates BDNF"; not "ketamine but not saline increased BDNF" (a contrast of arms)
INCREASE_NEGATED = re.compile(r"(?<!\bbut )(?<!\band )\b(?:no|not|none|neither|nor|without|failed to)\b"
                              r"(?:(?!\b(?:but|however|whereas|while)\b)[^.;,]){0,50}$", T)


# the animal model as the subject: "CUS decreased sucrose preference and reduced spine density", "Chronic restraint
# stress lowered hippocampal BDNF"
STRESS_MODEL_DID = re.compile(r"^(?:[A-Z]+: )?(?:the )?(?:CUS|CUMS|CMS|CRS|CSDS|LPS|lipopolysaccharide|corticosterone|"
                              r"(?:chronic |repeated |social |unpredictable |mild |restraint |defeat )*"
                              r"(?:stress|defeat)(?: exposure)?)\b", T)


# a clause of its own between a direction word and a marker: ", and in the short term, decrease EPDS"
MARKER_CLAUSE = re.compile(r",\s*(?:and|but|while|whereas)\b|;|\b(?:whereas|while|but)\b", T)


def _nearest(sentence: str, topic: tuple[re.Pattern, ...], up: re.Pattern, down: re.Pattern
             ) -> tuple[list[str], list[str]]:
    """For plasticity: the direction word closest to a marker ("increase BDNF ... decrease EPDS" is an increase);
    a negated increase is none ("no evidence that ketamine elevates BDNF")."""
    anchors = [m.start() for rx in topic for m in rx.finditer(sentence)]

    def far(pos: int, a: int) -> int:
        """Distance, with a clause break between counting as far: "increase 5-HT, DA, BDNF, and in the short
        term, decrease EPDS scores" is an increase of BDNF."""
        return abs(pos - a) + (100 if MARKER_CLAUSE.search(sentence, min(pos, a), max(pos, a)) else 0)

    cands = [(far(m.start(), a), "down" if INCREASE_NEGATED.search(sentence[:m.start()]) else "up", m.group())
             for m in up.finditer(sentence) for a in anchors]
    cands += [(far(m.start(), a), "up" if COUNTERED.search(sentence, max(0, m.start() - 40), m.start()) else "down",
               m.group()) for m in down.finditer(sentence) for a in anchors]
    if not cands:
        return [], []
    _, direction, word = min(cands)
    return ([word], []) if direction == "down" else ([], [word])


def _numbers_only(sentence: str, topic: tuple[re.Pattern, ...]) -> list[str]:
    """A drug-against-control result stated by its numbers alone ("Mean HAM-D change at 24 hours was -11.4 with
    ketamine and -4.2 with midazolam (p = 0.008)", "odds ratio 4.6; 95% CI 1.8 to 11.9"): significant p values and
    ratio intervals count when the sentence names the drug, a control and the claim's own outcome, not for a
    predictor's or another measure's test ("current suicide risk (p = .037) was related to ...")."""
    numbers = significant_p(sentence) + ratio_intervals(sentence)
    if numbers and DRUG_WORDS.search(sentence) and has_control(sentence) and any(rx.search(sentence) for rx in topic):
        return numbers
    return []


def _polarity(profile: str, sentence: str, topic: tuple[re.Pattern, ...] = (),
              controlled: bool = True) -> tuple[str | None, list[str]]:
    if profile != "plasticity" and within_drug_comparison(sentence):
        return None, []
    if profile == "tolerability":
        absent = _negated_harms(sentence)
        neg, rare = _tolerability_harms(sentence)
        pos = TOL_POSITIVE.findall(sentence) + absent + rare + [
            m.group() for m in ADVERSE_SHARE.finditer(sentence) if float(m.group(1)) <= LOW_RATE]
        if not controlled and not has_control(sentence):
            # groups that all had the drug: "These three infusion groups showed comparable safety" says nothing
            pos = [p for p in pos if not BETWEEN_GROUPS.fullmatch(p)] + [
                m.group() for m in BETWEEN_GROUPS.finditer(sentence) if TO_BASELINE.match(sentence, m.end())]
        # more, but no serious, adverse events is how the annotators read a tolerable drug (GUIDELINES: "no serious
        # adverse events" supports); a serious harm in the same sentence still conflicts
        if neg and any(a.lower() == "serious" for a in absent) and not any("serious" in n.lower() for n in neg):
            return "supports", pos[:3]
    elif profile == "durability":
        neg, pos = DUR_LONG.findall(sentence), []
        for m in DUR_SHORT.finditer(sentence):  # "remained without relapse for 8-28 months" lasted
            (neg if NO_RELAPSE_BEFORE.search(sentence, 0, m.start()) else pos).append(m.group())
        if pos and (ended := BUT_NOT_LATER.search(sentence)):
            return "supports", [ended.group()]  # "remained significant at 48 hours but not at 72 hours": it ended
    elif profile == "plasticity":
        neg, pos = _nearest(sentence, topic, PLASTICITY_UP, PLASTICITY_DOWN)
        if neg and STRESS_MODEL_DID.search(sentence) and not DRUG_WORDS.search(sentence):
            neg = []  # "CUS ... reduced spine density by 27%": the stress model's loss, which the drug then restores
    else:
        if DRUG_LOSES.search(sentence) or other_arm_gains(sentence) or control_arm_only(sentence) or \
                active_no_difference(sentence, controlled) or every_arm_improved(sentence, controlled) \
                or (SCORES_ROSE.search(sentence) and not BENEFIT.search(sentence)):
            return None, []
        neg = efficacy_negatives(sentence, controlled)
        pos = POSITIVE.findall(sentence) + effect_sizes(sentence) + _numbers_only(sentence, topic)
        neg += [m.group() for m in ABSENT_AGAINST.finditer(sentence) if any(rx.search(m.group(1)) for rx in topic)]
    if neg:
        return "conflicts", neg[:3]
    if pos:
        return "supports", pos[:3]
    return None, []


# a standardised effect with its interval: "d = 0.7 (95% CI 0.4-0.9)", "SMD 0.63 (95% CI: 0.35 to 0.91)"
EFFECT_SIZE = re.compile(r"\b(?:(?:Cohen's |Hedges' )?[dg]|SMD|effect sizes?(?: \(d\))?)\s*(?:=|:|of|was)?\s*"
                         r"(-|−|–)?(\d*\.\d+|\d+)\s*[(\[]\s*95\s*%\s*C\.?I\.?[:,]?\s*(-|−|–)?(\d*\.\d+|\d+)\s*"
                         r"(?:to|-|–|,)\s*(-|−|–)?(\d*\.\d+|\d+)", T)


def effect_sizes(sentence: str) -> list[str]:
    """Effect sizes whose 95% interval lies on one side of zero: a significant standardised effect, the direction
    being the study's to name (an interval that spans zero is no evidence either way here)."""
    found = []
    for m in EFFECT_SIZE.finditer(sentence):
        low = float(m.group(4)) * (-1 if m.group(3) else 1)
        high = float(m.group(6)) * (-1 if m.group(5) else 1)
        if low * high > 0:
            found.append(m.group())
    return found


def _applies(claim: Claim, facts: ArticleFacts) -> bool:
    if claim.human_only and facts.design == "animal":
        return False
    if facts.design == "protocol" or facts.design_paper or facts.narrative_review or facts.notice or \
            facts.control_arm_study:
        return False
    if facts.recreational and claim.profile in ("efficacy", "durability"):
        return False
    if not claim.prevention_ok and facts.prevention:
        return False
    if not claim.ect_ok and facts.ect_anaesthesia:
        return False
    if claim.population and claim.population not in facts.populations:
        return False
    if claim.adjunct and not facts.adjunct:
        return False
    return facts.ketamine_study


def assess(text: str, ex: Extraction, facts: ArticleFacts, catalogue: Catalogue,
           citations: CitationModel | None = None, topics: dict[int, set[str]] | None = None) -> list[Finding]:
    """Finding sentences and their stance for every claim in the catalogue; with a citation model (what the
    pipeline passes: `citation_model.load()`), further sentences it cites for the stances the rules found, among
    the finding sentences on the claim's topic. `topics`, when given, is filled with those: {sentence index:
    claim ids} (what `fresh_citations` needs to replay the extension on another commit's findings)."""
    by_sent: dict[int, list[Mention]] = {}
    for m in ex.mentions:
        by_sent.setdefault(m.sent_index, []).append(m)
    findings: list[Finding] = []
    claims = [c for c in catalogue.claims if _applies(c, facts)]
    # each finding sentence's finding part (the sentence, or its words before a registry's label, see finding_part)
    candidates = [(i, s, e, part) for i, (s, e) in enumerate(ex.sentences) if (part := finding_part(ex, i, text))]
    on_topic: dict[str, int] = {}  # claim -> the last finding sentence on its topic
    context: dict[int, tuple[str, list[Mention], list[float]]] = {}  # what a further citation may take
    topics = {} if topics is None else topics
    for i, s, e, (a, b) in candidates:
        covariates = covariate_spans(text, a, b)
        sentence = _masked(text, a, b, covariates)
        mentions = [m for m in by_sent.get(i, []) if a <= m.start < b and not any(x <= m.start < y
                                                                                  for x, y in covariates)]
        kinds = {m.attrs.get("kind") for m in mentions if m.label == "OUTCOME"}
        hours = [m.attrs["hours"] for m in mentions if m.label == "TIMEPOINT" and m.attrs.get("hours")]
        other_drug_only = not DRUG_WORDS.search(sentence) and (bool(OTHER_TREATMENT.search(sentence)) or any(
            m.label == "DRUG" and m.canonical not in STUDY_DRUGS and not _the_comparator(text, m) for m in mentions))
        if not other_drug_only:
            context[i] = (sentence, mentions, hours)
        for claim in claims:
            if other_drug_only:
                continue  # "psilocybin induced remission in 57%" is not evidence about ketamine
            if not _on_topic(claim, sentence, mentions, kinds, text, facts, on_topic.get(claim.id) == i - 1):
                continue
            on_topic[claim.id] = i
            topics.setdefault(i, set()).add(claim.id)
            verdict = _judge(claim, sentence, s, mentions, hours, text, ex, facts)
            if verdict is not None:
                findings.append(_finding(claim.id, i, s, e, *verdict, sentence, facts, mentions, hours))
    findings = _timed_nulls_left_to_timing(list({(f.claim_id, f.sent_index): f for f in findings}.values()), text,
                                           catalogue)
    if citations is None or not findings:
        return findings
    # only once the rules are done: a further citation must not feed their timing rule (a later benefit cited
    # would leave the rules' early null to rapid onset and turn the article's stance)
    found = {(f.claim_id, f.sent_index): f.stance for f in findings}
    further = citation_model.extend(citations, found, {i: text[slice(*ex.sentences[i])] for i in context}, topics)
    for (cid, i), (stance, p) in sorted(further.items()):
        sentence, mentions, hours = context[i]
        findings.append(dataclasses.replace(
            _finding(cid, i, *ex.sentences[i], stance, [f"citation model {p:.2f}"], sentence, facts, mentions,
                     hours), confidence=p, method="citation-model"))
    return findings


# a null told at one time when the article shows the benefit elsewhere: "no significant difference from placebo at
# 24 hours" (rapid onset's matter), "scores no longer differed at weeks 2 and 4" (durability's)
FADED = re.compile(r"\bno longer\b|\breturned\b|\bremained (?:non-?significant|not significant)|"
                   r"\bfirst (?:reached|achieved|became) (?:statistical )?significan|\bemerged (?:from|after|by)\b|"
                   r"\bthrough (?:day|week)|\bnot evident within\b|\bonly after\b|\bfirst emerged\b", T)
PRIMARY = re.compile(r"\bprimary\b|\boverall\b|\bend of (?:treatment|the (?:study|trial))\b", T)
LATE_TIME = re.compile(r"\b(?:day|week|month)s? (?:[2-9]|\d\d)|\b(?:[2-9]|\d\d)[- ](?:days?|weeks?|months?)\b", T)


def _timed_nulls_left_to_timing(findings: list[Finding], text: str, catalogue: Catalogue) -> list[Finding]:
    """For an efficacy claim the article supports, its nulls at an early time only (at most 24 h) or of a benefit that
    faded are the timing claims' evidence (rapid onset, short-lived), not a conflict on efficacy: annotators read
    "no difference at 24 h, superior at day 28" as efficacy shown. A null on the primary endpoint still conflicts."""
    efficacy = {c.id for c in catalogue.claims if c.profile == "efficacy" and c.max_hours is None}
    supported = {f.claim_id for f in findings if f.claim_id in efficacy and f.stance == "supports"}
    # a benefit shown later than the first day: an early null is then only about onset (not beside a benefit with
    # no time named, which may be the same day's: "more effective in reducing scores (MD -11.8)" of a 24 h review)
    later = {f.claim_id for f in findings if f.claim_id in supported and f.stance == "supports"
             and f.timepoint_hours is not None and f.timepoint_hours > 24}

    def timed(f: Finding) -> bool:
        sentence = text[f.start:f.end]
        if PRIMARY.search(sentence):
            return False
        early = f.claim_id in later and f.timepoint_hours is not None and f.timepoint_hours <= 24 and \
            not LATE_TIME.search(sentence)
        return early or bool(FADED.search(sentence))

    return [f for f in findings if not (f.claim_id in supported and f.stance == "conflicts" and timed(f))]


# the control a comparison is made against: "The difference from midazolam was no longer significant"
COMPARED_WITH = re.compile(r"\b(?:from|than|vs\.?|versus|over|compared (?:with|to)|relative to) (?:the )?$", T)


def _the_comparator(text: str, drug: Mention) -> bool:
    """Is this drug mention the control the sentence compares against (not a drug with a result of its own)?"""
    return bool(CONTROL.fullmatch(drug.canonical or "")) and bool(
        COMPARED_WITH.search(text, max(0, drug.start - 20), drug.start))


# a sentence whose subject is the previous finding's effect ("The effect was significant ...", not "The decrease of
# suicidal ideation ...", which names its own)
ANAPHORIC_EFFECT = re.compile(r"^(?:[A-Z ]+: )?(?:the|this|these|such) (?:antidepressant |clinical )?"
                              r"(?:effects?|improvements?|reductions?|decreases?|benefits?|gains?|differences?)\b"
                              r"(?! (?:sizes?|of|in|on|for|with)\b)", T)
IDEATION = re.compile(r"\bideation\b|\bthoughts\b", T)
SUICIDAL_ENROLLED = re.compile(r"\b(?:people|patients|participants|individuals|adults|adolescents|those|veterans) "
                               r"(?:with|at|reporting) (?:[\w-]+ ){0,2}?(?:suicid\w*|suicide risk)\b", T)
# a depression scale named as the instrument of suicidality: "suicidality, measured ... with the MADRS, fell
# significantly", "remission on suicidality (MADRS)" report suicidality, not depression
SCALE_OF_SUICIDALITY = re.compile(r"(\bsuicid\w*\b(?:(?!depress|\bmood\b)[^.;]){0,80}?(?:\busing|\bby|\bwith|\bon|\()"
                                  r"\s*(?:the\s+)?)((?:Montgomery[- ]+[ÅA]sberg Depression Rating Scale|MADRS)"
                                  r"(?: \(MADRS\))?)(?!\s+total)", T)


def _scale_of_suicidality_masked(sentence: str) -> str:
    return SCALE_OF_SUICIDALITY.sub(lambda m: m.group(1) + " " * len(m.group(2)), sentence)


def _on_topic(claim: Claim, sentence: str, mentions: list[Mention], kinds: set, text: str,
              facts: ArticleFacts, follows_topic: bool = False) -> bool:
    """Does the finding bear on the claim: its topic (words or extracted outcome kinds), for a depression claim a
    depressive disorder studied and named (or efficacy in such a study), and no predictor or association result.
    Right after a sentence on the topic, "The effect was significant at 24 h" speaks of that sentence's effect."""
    main = _main_result(sentence)
    if main is not sentence:  # the aside names other outcomes ("... mediated 33.6% of the effect on SSI score")
        sentence, kinds = main, set()
    depressive = claim.profile in ("efficacy", "durability") and claim.id != "suicidal_ideation"
    if depressive and (masked := _scale_of_suicidality_masked(sentence)) != sentence:
        sentence, kinds = masked, kinds - {"symptom score", "response", "remission"}
    on_topic = any(rx.search(sentence) for rx in claim.topic) or bool(kinds & set(claim.outcome_kinds)) or \
        (follows_topic and bool(ANAPHORIC_EFFECT.match(sentence)))
    if claim.id == "suicidal_ideation" and on_topic and (rest := SUICIDAL_ENROLLED.sub(" ", sentence)) != sentence \
            and not any(rx.search(rest) for rx in claim.topic) and not IDEATION.search(rest) \
            and OTHER_CONDITION.search(rest):
        return False  # "stress symptoms improved in people with long-standing suicidality": who was enrolled
    if depressive and not facts.depression:
        return False  # "improvement in mood" in a dementia case is no evidence on depressive disorders
    if depressive and DEPRESSION_WORDS.search(sentence) and enrolled_only(sentence):
        on_topic = False  # "patients with TRD showed improved attention": a cognitive result
    elif depressive and DEPRESSION_WORDS.search(sentence):
        on_topic = on_topic or bool(GENERIC_EFFICACY.search(sentence))  # "effective in TRD"
    elif depressive:
        # a depression claim: the sentence must be about depression, or about efficacy in a
        # depression study without naming another condition
        on_topic = on_topic and facts.depression and not OTHER_CONDITION.search(sentence)
        if not on_topic and facts.depression and not OTHER_CONDITION.search(sentence):
            on_topic = bool(GENERIC_EFFICACY.search(sentence))
    if not on_topic and claim.title_topic:
        on_topic = _study_topic(text, sentence, mentions, claim)
    return on_topic and not (claim.profile in ("efficacy", "durability") and (NOT_A_FINDING.search(sentence)
                                                                              or MODERATOR_RESULT.search(sentence))
                             and not TREATMENT_ASSOCIATION.search(sentence))


# a clause added to a controlled result: "... greater for ketamine than midazolam (95% CI ...), and this effect
# mediated 33.6% of ..." (the mediation is an aside; the comparison before it is the finding)
TRAILING_ASIDE = re.compile(r",\s+(?:and\s+)?(?:this|which|these|that)\b", T)


def _main_result(sentence: str) -> str:
    """The sentence, or only its part before a trailing aside when that part already reports a controlled result
    with statistics."""
    aside = TRAILING_ASIDE.search(sentence)
    if aside and has_control(sentence[:aside.start()]) and STATS.search(sentence[:aside.start()]):
        return sentence[:aside.start()]
    return sentence


def _judge(claim: Claim, sentence: str, start: int, mentions: list[Mention],
           hours: list[float], text: str, ex: Extraction, facts: ArticleFacts) -> tuple[str, list[str]] | None:
    """The stance of an on-topic finding and its cues, or None when the claim's conditions rule it out (animal
    results for a human claim, a head-to-head comparison, a timepoint beyond the claim's hours, a marker-only
    result, ...)."""
    if claim.human_only and ANIMAL_SENTENCE.search(sentence):
        return None
    if claim.profile in ("efficacy", "durability") and is_head_to_head(sentence):
        return None
    if claim.profile == "tolerability" and facts.prevention and PERIOPERATIVE_OUTCOME.search(sentence) and \
            not GENERIC_SAFETY.search(sentence):
        return None  # in a surgical trial, delirium and cognition are the outcomes it tries to prevent
    judged = _claim_clauses(sentence, start, claim, mentions) if claim.profile == "efficacy" else sentence
    if claim.profile in ("efficacy", "durability") and facts.predictor_study and not STATS.search(judged) \
            and not DRUG_DID.search(judged):
        return None  # a study of what predicts the response: only its tested results, or what the drug itself
        # did ("Esketamine effectively reduced depression ... scores"), speak on efficacy
    if claim.max_hours is not None:
        judged = _early_clauses(judged, claim.max_hours)
    stance, cues = _polarity(claim.profile, judged, claim.topic, facts.controlled)
    if claim.profile == "durability":
        window = benefit_window(text, start, sentence, mentions, facts)
        if window[0] is not None:
            stance, cues = window
        elif stance is None:
            stance, cues = late_benefit(sentence, hours, facts)
    if stance is None:
        return None
    if claim.max_hours is not None:
        early = [h for h in hours + _first_hours(mentions) if h <= claim.max_hours]
        if not early and not RAPID.search(sentence) and not (
                RAPID_WORD.search(sentence) and _early_finding(text, ex, claim.max_hours)):
            if stance == "supports" and hours and min(hours) > claim.max_hours and \
                    re.search(r"\bonly (?:after|at|by)\b|\bfirst (?:\w+ ){0,2}?(?:at|on|by|after|from) "
                              r"(?:day|week|month)", sentence, T):
                stance = "conflicts"  # improvement that only appears after days
            else:
                return None
    late = NOT_EARLY.search(sentence) if claim.max_hours is not None and stance == "supports" else None
    # ... unless what did not happen early is a harm: "adverse effects were not observed in the first 24 h"
    if late and not HARM.search(sentence, max(0, late.start() - 60), late.start()):
        stance = "conflicts"  # "improved, but not within the first 24 h": improvement only after days
    if claim.profile == "durability":
        stance = short_lived(stance, hours, sentence)
        if stance is None:
            return None
    if claim.profile == "efficacy" and stance == "supports" and not STATS.search(sentence) and \
            facts.design == "rct" and not RCT_EFFICACY.search(sentence):
        return None
    if claim.profile in ("efficacy", "durability") and MARKER_RESULT.search(sentence) and \
            not CLINICAL_OUTCOME.search(ENROLLED.sub(" ", sentence)):
        return None  # "non-responders showed decreased FA": a marker, not the symptoms
    return stance, cues


# the study drug as the subject of a benefit: "Esketamine effectively reduced depression, anxiety and suicidal
# ideation scores"
DRUG_DID = re.compile(r"^(?:[A-Z]+: )?(?:(?:IV|intravenous|intranasal|oral|subcutaneous|single|repeated|low-dose)[ -])*"
                      r"(?:es|ar|S-|R-)?ketamine (?:(?:infusions?|treatment|administration) )?(?:\w+ly )?"
                      r"(?:reduced|improved|decreased|alleviated|relieved|lowered)\b", T)


CLAUSE_BREAK = re.compile(r",?\s+(?:but|whereas|while|although|though)\s+|;\s+|,\s+however,?\s+", T)


# "after adjusting for baseline severity", "(controlling for age; ...)": up to the next comma, semicolon, bracket,
# full stop or verb ("MADRS adjusted for baseline was lower"), and no longer than a clause.
COVARIATE = re.compile(r"\b(?:(?:after |when |while )?(?:adjust(?:ing|ed|ment)|controll?(?:ing|ed)|accounting) for|"
                       r"independent(?:ly)? of)\b"
                       r"[^,;()]{0,100}?(?=[,;()]|\.(?!\d)|$|\s(?:was|were|is|are|remained|did|showed|had)\b)",
                       re.IGNORECASE)


def covariate_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """What a model adjusts for ("after adjusting for baseline and 24-hour depressive symptom severity") is neither
    the finding's topic nor its time point: these clauses are masked out of the sentence before it is judged."""
    spans = [(m.start(), m.end()) for m in COVARIATE.finditer(text, start, end)]
    if not spans:
        return []
    return spans if sum(ch.isalpha() for ch in _masked(text, start, end, spans)) >= 10 else []


def _masked(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """text[start:end] with the spans blanked out (same length, so mention offsets still index into it)."""
    out, pos = [], start
    for a, b in sorted(spans):
        a, b = max(a, pos), min(b, end)
        if a < b:
            out += [text[pos:a], " " * (b - a)]
            pos = b
    return "".join(out) + text[pos:end]


def _clause_spans(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of a contrastive sentence, the breaks ("but", "whereas", ";") left out."""
    cuts = [0, *(x for m in CLAUSE_BREAK.finditer(sentence) for x in (m.start(), m.end())), len(sentence)]
    return [(cuts[k], cuts[k + 1]) for k in range(0, len(cuts), 2)]


def _claim_clauses(sentence: str, offset: int, claim: Claim, mentions: list[Mention]) -> str:
    """The clauses of a contrastive sentence that speak of the claim: in "ketamine eased depressive symptoms but
    did not change cognition" the second clause says nothing on depression, in "quetiapine showed no efficacy,
    while esketamine ..." the first says nothing on the study drug. All clauses when none or all qualify."""
    clauses = _clause_spans(sentence)
    if len(clauses) == 1:
        return sentence
    suicidality = claim.id == "suicidal_ideation"
    kept = []
    for a, b in clauses:
        clause = sentence[a:b]
        on_claim = any(rx.search(clause) for rx in claim.topic) if suicidality else \
            bool(DEPRESSION_WORDS.search(clause))
        elsewhere = (DEPRESSION_WORDS.search(clause) or OTHER_OUTCOME.search(clause)) if suicidality else \
            (OTHER_CONDITION.search(clause) or OTHER_OUTCOME.search(clause))
        other_drug = not DRUG_WORDS.search(clause) and any(
            m.label == "DRUG" and m.canonical not in STUDY_DRUGS and a <= m.start - offset < b for m in mentions)
        if not ((elsewhere and not on_claim) or other_drug):
            kept.append(clause)
    return " ".join(kept) if kept and len(kept) < len(clauses) else sentence


def _early_clauses(sentence: str, max_hours: float) -> str:
    """For an onset claim, a contrastive sentence without its nulls at later times only: in "a significant benefit at
    24 h, but the primary endpoint at day 3 was not met" only the first clause speaks on onset. A later clause
    without a null stays, for what it sets the early one against ("first reached significance at week 2; no
    difference at day 1")."""
    clauses = [sentence[a:b] for a, b in _clause_spans(sentence)]
    if len(clauses) == 1:
        return sentence
    hours = [[h.attrs["hours"] for h in find_timepoints(c) if h.attrs.get("hours") is not None] for c in clauses]
    later = [bool(h) and min(h) > max_hours and bool(NEGATIVE.search(c)) for h, c in zip(hours, clauses, strict=True)]
    if not any(later) or not any(h and min(h) <= max_hours for h in hours):
        return sentence
    return " ".join(c for c, late in zip(clauses, later, strict=True) if not late)


def _other_conditions(passage: str, claim: Claim) -> list[str]:
    """Conditions or outcomes named in `passage` besides the claim's own topic (depression counts as other)."""
    found = [m.group() for m in OTHER_CONDITION.finditer(passage)
             if not any(rx.search(m.group()) for rx in claim.topic)]
    return found + [m.group() for m in DEPRESSION_WORDS.finditer(passage)]


def _study_topic(text: str, sentence: str, mentions: list[Mention], claim: Claim) -> bool:
    """In a study whose title is about the claim's topic alone (suicidality), a result on efficacy that names no
    other condition or outcome reports that topic ("significant decreases across all measures")."""
    title = text.split("\n", 1)[0]
    if not any(rx.search(title) for rx in claim.title_topic) or _other_conditions(title, claim) or \
            _other_conditions(sentence, claim):
        return False
    if any(m.label == "OUTCOME" and not any(rx.search(m.text) for rx in claim.topic) for m in mentions):
        return False
    return bool(GENERIC_EFFICACY.search(sentence) or re.search(r"\bdecreas|\breduc", sentence, T))


def _early_finding(text: str, ex: Extraction, max_hours: float) -> bool:
    """Does a results or conclusions sentence on depressive symptoms give a time point of at most `max_hours`?
    ("MADRS fell at 4 h"; not "dissociation peaked at 40 min")."""
    for m in ex.mentions:
        if m.label == "TIMEPOINT" and m.attrs.get("hours") and m.attrs["hours"] <= max_hours and \
                m.role in ("results", "conclusions"):
            s, e = ex.sentences[m.sent_index]
            if DEPRESSION_WORDS.search(text[s:e]) and not OTHER_CONDITION.search(text[s:e]):
                return True
    return False


def _first_hours(mentions: list[Mention]) -> list[float]:
    """The first time of each range or list ("postoperative days 1 to 5" -> 24 h): a TIMEPOINT's `hours` is the upper
    end, but an effect already present on day 1 is an early one."""
    return [m.attrs["hours_min"] for m in mentions if m.label == "TIMEPOINT" and m.attrs.get("hours_min")]


RCT_EFFICACY = re.compile(r"\b(?:respon(?:se|ses|ded|ders?|d|ding|se rates?)\b|remi(?:ssion|tted|t)|improv|reduc|"
                          r"effective|efficacy|superior|antidepressant effect|benefi|decreas|alleviat|"
                          r"anti-?suicidal (?:effect|efficacy))", T)


def _finding(claim_id: str, i: int, s: int, e: int, stance: str, cues: list[str], sentence: str,
             facts: ArticleFacts, mentions: list[Mention], hours: list[float]) -> Finding:
    return Finding(claim_id, i, s, e, stance, _confidence(stance, cues, sentence, facts), cues,
                   min(hours + _first_hours(mentions)) if hours else None,
                   next((m.canonical for m in mentions if m.label == "OUTCOME"), None),
                   next((m.canonical or m.text for m in mentions if m.label == "DOSE"), None),
                   next((m.canonical for m in mentions if m.label == "ROUTE"), None))


def _confidence(stance: str, cues: list[str], sentence: str, facts: ArticleFacts) -> float:
    score = 0.5 + 0.1 * min(len(cues), 3)
    if STATS.search(sentence):
        score += 0.15
    if facts.design in ("rct", "systematic_review"):
        score += 0.05
    return round(min(score, 0.95), 2)


def article_stance(findings: list[Finding], claim_id: str) -> str:
    stances = {f.stance for f in findings if f.claim_id == claim_id}
    if stances == {"supports"}:
        return "supports"
    if stances == {"conflicts"}:
        return "conflicts"
    return "mixed" if stances else "none"


def evidence_id(pmid_or_doc: str, version: int, claim_id: str, start: int, end: int) -> str:
    return hashlib.sha256(f"{pmid_or_doc}|{version}|{claim_id}|{start}|{end}".encode()).hexdigest()[:16]

"""Which sentences are an article's own findings, which claims they bear on, and with what stance.

Rules, in the order a reader applies them: only results and conclusions sentences (a review's pooled findings
live there too); never hedged ones; the claim's topic (words or extracted outcomes) must be present; the claim's
conditions (a timepoint of at most N hours, a population, an add-on design) must hold; then polarity cues decide
supports or conflicts. The article's stance per claim follows from its sentences: supports, conflicts, mixed, none.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

import spacy

from pipeline.claims import design
from pipeline.claims.catalogue import Catalogue, Claim
from pipeline.config import ROOT
from pipeline.nlp.extract import STUDY_DRUGS, Extraction, Mention
from pipeline.nlp.rules import timepoint_hours

T = re.IGNORECASE
FINDING_ROLES = ("results", "conclusions")
HEDGED = re.compile(r"\b(?:may|maybe|might|could|cannot be (?:drawn|concluded|determined|established)|possibly|"
                    r"potential(?:ly)?|perhaps|appear(?:s|ed)? to|seems? to|uncertain|"
                    r"inconclusive|insufficient evidence|^\s*(?:keywords|supported by|funding|copyright)\b|"
                    r"hypothesi[sz]e|we aim|aims? to|aimed to|will be|would|warrant|further (?:studies|research) "
                    r"(?:are|is) needed)\b", T)
STATS = re.compile(r"\bp\s*[<=≤]\s*0?\.0[0-5]|\bp\s*<\s*\.0[0-5]|significant(?:ly)?\b(?! (?:difference|change)s? "
                   r"(?:was|were) (?:not|no))|\bsuperior\b|95%\s*CI", T)
NEGATIVE = re.compile(r"\bno (?:statistically )?significant|\bnot (?:statistically )?significant(?:ly)?|"
                      r"\bdid not (?:differ|improve|reduce|show|separate|reach|demonstrate|find|result|significantly|"
                      r"outperform|produce|lead)|\bdoes not (?:differ|improve|reduce)|\bfailed to\b|\bno (?:difference|"
                      r"differences|effect|effects|improvement|benefit|advantage|change)\b|\bwas not (?:superior|"
                      r"effective|associated)|\bwere not (?:superior|effective|different)|\bnot superior|"
                      r"\bcomparable (?:to|with) (?:placebo|midazolam|control)|\bsimilar (?:to|with) (?:placebo|"
                      r"midazolam|control)|\bn\.s\.|(?<!became )\bnon-?significant|\bneither\b[^.]{0,60}\bnor\b|"
                      r"\bno better than|"
                      r"\bnot (?:a )?useful\b", T)
POSITIVE = re.compile("|".join([
    r"\bhigher\b", r"\bin remission\b", r"\bNNTs?\b", r"\bmet (?:a |the )?criteri", r"\bresponded\b", r"\bremitted\b",
    r"\bsuccess\w*", r"\bsignificant(?:ly)?\b", r"\bp\s*[<≤]\s*0?\.0\d", r"\bsuperior\b",
    r"\breduc(?:ed|tions?|es|ing)\b", r"\bimprov(?:ed|ements?|es|ing)\b", r"\bdecreas(?:ed|es?|ing)\b",
    r"(?<!cost-)\beffective(?:ness)?\b", r"\befficac(?:y|ious)\b", r"\brapid(?:ly)?\b", r"\bbenefi(?:t\w*|cial)\b",
    r"\bfavou?r(?:ed|ing|s)?\b", r"\bresponse rates? (?:was|were|of)", r"\bremission rates? (?:was|were|of)",
    r"\brates? of (?:response|remission)\b", r"\bachiev(?:ed|ing) (?:a )?(?:treatment )?(?:response|remission)",
    r"\b(?:were|was) in (?:response|remission)\b", r"\b(?:were|became) (?:responders|remitters)\b", r"\bresolved\b",
    r"\balleviat", r"\bameliorat", r"\bantidepressant (?:effect|efficacy|response)s?\b", r"\bgreater\b", r"\blower\b",
    r"\bincreas(?:ed|es) (?:the )?(?:rates? of )?(?:response|remission)", r"\b(?:objective|endpoint) was met\b",
    r"\bconfirm(?:ed|s|ing)\b", r"\b(?:were|was) increased\b", r"\brates? (?:for \w+ )?(?:was|were) \d",
    r"\bmore patients\b[^.]{0,80}\b(?:remission|response|responded|remitted)",
    r"\b(?:response|remission|improvement) was observed\b",
    r"\banti-?suicidal (?:effect|efficacy|action)s?\b"]), T)
AGENDA = re.compile(r"\bshould\b|\bfuture\b|"
                    r"\b(?:objectives?|endpoints?) (?:include|included)\b|"
                    r"\b(?:are|is) (?:still |urgently )?(?:needed|required|warranted)\b|"
                    r"\bneed for (?:more|larger)\b|\b(?:is|remains) an? (?:\w+ )?need\b|\bto ensure\b|"
                    r"\bneeds? to be (?:replicated|confirmed)\b|"
                    r"\bimportan(?:t|ce)\b|\bhypothesi\w+|\bbelieved\b|\bthought to\b|"
                    r"\bexplor(?:es|ed)\b|\b(?:this|the present) (?:article|review|paper|chapter)\b|"
                    r"\bwe (?:review|discuss|describe|summari[sz]e)\b|\bcurrently (?:in development|being)\b|"
                    r"\ba (?:recent )?(?:study|trial) by\b|\bpreviously (?:reported|shown)\b|"
                    r"\b(?:objective|aim|purpose|goal)s? (?:of this \w+ )?(?:is|was|are|were) to\b|\bto evaluate\b|"
                    r"\bevaluates\b|\bis developing\b", T)
ANIMAL_SENTENCE = re.compile(r"\banimal models?\b|\bpreclinical\b|\b(?:in|of) (?:rats|mice|rodents)\b", T)
OTHER_TREATMENT = re.compile(r"psychedelic|psilocybin|\bLSD\b|ayahuasca|\bDMT\b|\bMDMA\b|\bmusic\b|\bECT\b|"
                             r"electroconvulsive|\br?TMS\b|magnetic stimulation|buprenorphine|\bopioids?\b", T)
RAPID = re.compile(r"\bwithin (?:hours|minutes|a day|one day|24 ?h(?:ours?)?|the first day)\b|"
                   r"\brapid(?:ly)?\b(?!-acting)|"
                   r"\bimmediate(?:ly)?\b(?! (?:memory|recall))|\bas early as\b", T)
TOL_POSITIVE = re.compile("|".join([
    r"\bno (?:statistically )?significant (?:difference|increase)", r"\bdid not (?:show|differ|increase)",
    r"\bstable\b",
    r"\bmost common (?:adverse|side)", r"\bcomparable\b", r"\bsimilar\b", r"\bno (?:incidents?|cases?|evidence)\b",
    r"\bwell[- ]tolerated\b", r"\bgenerally (?:safe|tolerated)\b", r"\bsafe\b", r"\bmild\b", r"\btransient(?:ly)?\b",
    r"\bno serious adverse", r"\bno (?:significant |major |severe )?(?:adverse|side)",
    r"\bfew(?:er)? (?:adverse|side|discontinu)", r"\bgood (?:safety|tolerability)",
    r"\bfavou?rable (?:safety|tolerability)",
    r"\bacceptable\b", r"\btolerable\b", r"\bmanageable\b",
    r"\bwithout (?:serious )?(?:adverse|side)",
    r"\battenuated\b", r"\bdecreased thereafter\b", r"\b(?:nearly )?absent\b",
    r"\bwithout (?:permanent |long-lasting |lasting |persistent )?(?:side|adverse)",
    r"\bwithout (?:provoking |causing )?(?:complications|significant (?:adverse|side))",
    r"\bno (?:significant )?effect on[^.]{0,40}adverse", r"\bno dropouts?\b", r"\bno (?:patients|participants) "
    r"(?:discontinued|withdrew|dropped)", r"\bnone of which\b", r"\bminimal\b", r"\btolerated\b", r"\bbrief\b",
    r"\bwithout increasing (?:the )?(?:adverse|side|incidence|rate)", r"\bno long-lasting\b",
    r"\bdecreased risk of\b", r"\breduction of (?:adverse|side)",
    r"\bno new safety signals?\b", r"\bdid not (?:impair|identify|require)\b", r"\bnot require\b",
    r"\blow risk\b", r"\bno affective switch", r"\b(?:efficacy|effectiveness|safety) and (?:safety|tolerability)\b",
    r"\bno difference in (?:the number of )?(?:participants who )?(?:dropp|withdr|discontinu|adverse)",
    r"\bno serious\b", r"\bnone of the\b[^.]{0,40}\brequired\b", r"\btemporary\b", r"\bonly during\b",
    r"\bonly (?:\w+ )?(?:\d+|one|two|three|a few)\b[^.]{0,40}\bdiscontinu",
    r"\blower in the (?:es)?ketamine group",
    r"\bno (?:statistically )?(?:significant )?differences?\b(?! between (?:responders|remitters))",
    r"\bsafely\b", r"\bnot harmful\b", r"\bsupport(?:s|ed)? the (?:\w+ )?safety\b",
    # effects that went away: "resolved", "subsided", "returned to baseline", "self-limited", "short-lasting"
    r"\b(?:resolv(?:ed|ing)|subsid\w+|abated|normali[sz]ed|wore off|dissipat\w+|disappear\w*|reversible)\b",
    r"\breturn\w* to (?:baseline|normal|pre-?\w+ (?:levels?|values?))\b", r"\bself[- ]limit\w*",
    r"\bshort[- ](?:lived|lasting)\b",
    # a verdict on the whole profile: "a favourable safety profile", "consistent with the known safety profile"
    r"\b(?:good|favou?rable|acceptable|benign|reassuring) (?:\w+ )?(?:safety|tolerability|side[- ]effects?|"
    r"adverse[- ]events?|benefit[- ]risk|risk[- ]benefit)(?: profiles?)?\b"]), T)
# a harm that the sentence says did not happen is good news: "no participant withdrew because of side effects"
HARM = re.compile(r"\b(?:adverse|side[- ]effects?|serious|discontinu\w*|withdr(?:ew|awals?)|drop(?:ped)?[- ]?outs?|"
                  r"psychotic|psychosis|complications?|toxicity|cognitive (?:decline|impairment|deficits?)|"
                  r"dependence|abuse|misuse|cystitis)\b", T)
HARM_NEGATED_BEFORE = re.compile(r"\b(?:no|not|none|never|without|neither|nor|absence of|free of)\b"
                                 r"(?:(?!\b(?:but|however|although|whereas|while|related|correlated|"
                                 r"predict\w*)\b)[^.;,]){0,60}$", T)
TOL_NEGATIVE = re.compile("|".join([
    r"\bsignificant adverse\b", r"\bdropped out due to\b", r"\bnot tolerating\b",
    r"\badverse events? (?:was|were) (?:higher|more frequent|increased)", r"\bhigher incidence of adverse",
    r"\bincreased (?:the )?risk (?:for|of) adverse",
    r"\bserious adverse events? (?:occurred|were (?:reported|observed))", r"\b(?:experienced|had) serious\b",
    r"\b\d+ serious adverse",
    r"\bdiscontinu\w+ (?:\w+ ){0,2}(?:due to|because of|for) (?:adverse|side|TEAE|AE|tolerab)",
    r"\bpoorly tolerated", r"\bpoor tolerability", r"\btolerability was poor", r"\bstopped early\b", r"\bcystitis\b",
    r"(?<!nicotine )(?<!alcohol )(?<!opioid )(?<!tobacco )\bdependence\b",
    r"\babuse\b", r"\bpersistent (?:\w+ )?(?:adverse|side|effects|symptoms|impairment|dissociat|AEs?\b)",
    r"\bschizophrenia-like\b", r"\bincrease in (?:\w+ )?psychopathology",
    r"\bpsychosis\b", r"\bcognitive (?:impairment|deficits)\b", r"\bdeath", r"\bdied\b", r"\bwithdrew due to",
    r"\bsignificant (?:[\w,]+ ){0,5}side effects\b",
    r"\b(?:due to|because of|owing to) (?:acute |the )?(?:side effects|adverse)",
    r"\b(?:led to|leading to|resulted in|resulting in|caused|causing|required|requiring) (?:\w+ ){0,3}?"
    r"(?:discontinu\w*|withdrawal|dropout|hospitali[sz]\w*|treatment)\b"]), T)
PERIOPERATIVE_OUTCOME = re.compile(r"delirium|\bPOCD\b|\bPND\b|cognit|emergence|agitation", T)
DUR_SHORT = re.compile(r"\brelaps\w*|\breturn(?:ed)? to baseline|\b(?:effect|benefit|improvement|response)s? "
                       r"(?:\w+ )?(?:faded|dissipated|waned|diminished|declined|was lost|were lost|did not persist|"
                       r"was not sustained|were not sustained)|\btransient\b|\bshort-lived\b|\bno longer\b|"
                       r"\bnot (?:sustained|maintained)|\blost (?:its |their )?(?:significance|effect)", T)
DUR_LONG = re.compile(r"\bsustained\b|\bmaintained\b|\bpersist(?:ed|ent)\b|\blasting\b|\bdurable\b|"
                      r"\bremained (?:significant|lower|improved|below|reduced|better)\b|\bstill\b|"
                      r"\bup to (?:\d+|one|two|three|six) (?:weeks|months)\b", T)
PLASTICITY_UP = re.compile(r"\bincreas\w*|\benhanc\w*|\bpromot\w*|\brestor\w*|\belevat\w*|\bupregulat\w*|\brescu\w*|"
                           r"\bhigher\b|\bgrowth\b|\bformation\b|\bstimulat\w*|\bactivat\w*|\bincrease\b", T)
PLASTICITY_DOWN = re.compile(r"\bno (?:significant )?(?:change|difference|effect)|\bdid not (?:alter|change|"
                             r"increase|affect)|\bunchanged\b|\bdecreas\w*|\breduc\w*|\bnot (?:altered|changed)", T)
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
NOT_ADJUNCT = re.compile(r"\b(?:free of|without|not (?:on|taking|receiving)|off|washed out|discontinu\w+|tapered)\s+"
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


DRUG_WORDS = re.compile(r"ketamine|esketamine|arketamine|\bESK\b|\bKET\b|spravato", T)


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


BACKGROUND_REMARK = re.compile(r"\bapprov\w*|\bpromising\b|\bemerged\b|\bprevious(?:ly)?\b|\bprior (?:studies|"
                               r"research|work)|\bha(?:s|ve) been (?:shown|established|demonstrated|observed|"
                               r"reported)|\bhave (?:shown|demonstrated)|\bproduced\b|\bparticularly\b", T)


def _studied(population: str, text: str, ex: Extraction) -> bool:
    """The population is the one studied: named in the title or outside the background, or in a background
    sentence that is not a remark on earlier work or approvals ("recently approved for TRD")."""
    rx = design.POPULATION_RX.get(population)
    if rx is None or not ex.sentences:
        return True
    for i, (s, e) in enumerate(ex.sentences):
        sentence = text[s:e]
        if not rx.search(sentence):
            continue
        if ex.roles[i] != "background" or not (HEDGED.search(sentence) or BACKGROUND_REMARK.search(sentence)):
            return True
    return False


def article_facts(text: str, ex: Extraction, publication_types: list[str] | None = None,
                  mesh: list[str] | None = None, retracted: bool = False) -> ArticleFacts:
    return ArticleFacts(
        design=design.classify(text, publication_types, mesh), sample_size=design.sample_size(text),
        populations=[p for p in design.populations(text) if _studied(p, text, ex)], retracted=retracted,
        prevention=design.is_prevention(text),
        ect_anaesthesia=design.is_ect_anaesthesia(text), adjunct=is_adjunct(text),
        ketamine_study=ex.study_drug in STUDY_DRUGS or bool(DRUG_WORDS.search(text.split("\n", 1)[0])),
        depression=len(DEPRESSION.findall(text)) >= 2, controlled=bool(CONTROL.search(text)),
        predictor_study=design.is_predictor_study(text),
        single_dose=bool(SINGLE_DOSE.search(text)) and not REPEATED_DOSING.search(text),
        narrative_review=design.is_narrative_review(text))


GENERIC_EFFICACY = re.compile(r"\bimprov|\bbenefi|(?<!cost-)\beffective|\buseful\b|\bSMD\b|\beffect sizes?\b|\brespon|"
                              r"\bremission|\bremitt|\bsymptom|\bscore|\bCGI\b|\banhedoni|\brelief|\befficac|\bNNT", T)
DEPRESSION = re.compile(r"depress|\bTR-?D\b|\bMDD\b|antidepress", T)
STAT_REPORT = re.compile(r"\bp\s*[<=≤>]|95\s*%\s*CI|\bsignificant|\d+(?:\.\d+)?\s*%|\bOR\b|\bSMD\b|\bNNT", T)
METHODS_LABEL = re.compile(r"^(?:METHODS?|MATERIALS|DESIGN|SETTING|PARTICIPANTS|INTERVENTIONS?|BACKGROUND|"
                           r"INTRODUCTION|OBJECTIVES?|AIMS?|PURPOSE|DATA|SEARCH|STUDY SELECTION|ELIGIBILITY)", T)


NOT_A_FINDING = re.compile("|".join([
    r"\bassociations? (?:(?:was|were) )?(?:\w+ ){0,3}?between\b",
    # a predictor of the size of the benefit, not the benefit: "X was associated with a greater reduction"
    r"\b(?:was|were|is|are) (?:\w+ )?associated with (?:\w+ ){0,3}?(?:improvement|reductions?|decreases?|change)",
    r"\bassociated with (?:changes|response|treatment response|remission|the (?:rapid )?"
    r"antidepressant|its|their|the (?:magnitude|degree|extent))\b", r"\bsociodemographic\b",
    r"\bcharacteristics\b", r"\bclinical features\b", r"\bresponders (?:showed|had|exhibited)",
    r"\bcompared (?:with|to) healthy",
    r"\bhealthy (?:controls|volunteers)", r"\bcorrelat\w*", r"\bpredict\w*",
    r"\bmoderat(?:e|ed|ion|or)s?\b(?![- ](?:certainty|quality))",
    r"\bmediat\w*", r"\bregression\b", r"\bassociated with (?:greater|higher|lower|better|worse|more|less)\b",
    r"(?<!\()\bdefined as\b", r"\bend ?points?\(s\)", r"\bwill\b", r"\bto assess\b", r"\bwas assessed\b",
    r"(?<!who )\bwere assessed\b", r"\bwere measured\b", r"\bwe examined\b", r"\bwe (?:used|compared)\b",
    r"\bcost|\bQALYs?\b|\bICERs?\b"]), T)
OTHER_CONDITION = re.compile(r"\bPTSD|post-?traumatic|\banxiety|\bOCD\b|obsessive|phobi|\bpain\b|analgesi|craving|"
                             r"alcohol|cocaine|opioid|\bsuicid|\bSI\b|\bBSSI\b|\bSSI\b|\bBSS\b|C-SSRS|\bMSSI|delirium|\bsleep|"
                             r"cognit|schizophren|psychos|\beating|anorexi|adverse|side[- ]effects?|dissociat|CADSS|"
                             r"BPRS|\bTEAEs?|psychotomimetic|sedation|blood pressure|hopeless|\bBHS\b|memory|fatigue|"
                             r"hemodynamic|heart rate|vital signs|"
                             r"\bBFI\b|\bstress\b", T)
DEPRESSION_WORDS = re.compile(r"depress|\bMADRS(?!-SI)|\bHAM-?D|\bHDRS|\bBDI|\bQIDS|\bPHQ|\bEPDS|\bmood\b|"
                              r"antidepress|\bTR-?D\b|\bMDD\b|anhedoni", T)


ENROLLED = re.compile(r"\b(?:patients|participants|individuals|adults|people|subjects|women|men|veterans|"
                      r"adolescents|those) (?:with|suffering from|diagnosed with) (?:[\w-]+ ){0,2}?(?:TRD|MDD|"
                      r"treatment[- ]resistant depression|(?:major )?depressi\w*(?: disorder)?)\b"
                      r"(?: (?:and|or) (?:comorbid |co-occurring |active )?[\w-]+(?: (?:ideation|disorders?))?)?|"
                      r"\b(?:TRD|MDD|depressed) (?:patients|participants|individuals|adults)\b", T)
OTHER_OUTCOME = re.compile(r"\battention\b|\bexecutive\b|go/no-go|neurocognit|psychomotor|processing speed|"
                           r"verbal fluency|\bcognit|memory\b", T)


def enrolled_only(sentence: str) -> bool:
    """Depression is named only as who was enrolled, and the result is on another condition or on cognition."""
    rest = ENROLLED.sub(" ", sentence)
    return not DEPRESSION_WORDS.search(rest) and bool(OTHER_CONDITION.search(rest) or OTHER_OUTCOME.search(rest))


NON_FINDING_SECTION = re.compile(r"^(?:LIMITATIONS?|OUTCOMES?|MEASURES|ANALYSIS|METHODS?|PURPOSE|DIVERSITY|"
                                 r"[A-Z ]*REGISTRATION|PROSPERO|TRIAL REGISTRATION)", T)
REPORTED = re.compile(r"\b(?:was|were) (?:also )?(?:observed|found|noted|seen)\b|\b(?:revealed|resulted in|led to)\b|"
                      r"\bwe found\b|\b(?:improved|occurred|demonstrated|showed|exhibited)\b", T)


FINDING_SECTION = re.compile(r"^(?:RESULTS?|FINDINGS|CONCLUSIONS?|DISCUSSION|INTERPRETATION)\b", T)
RESULT_IN_METHODS = re.compile(r"\b(?:occurred|(?:was|were) stopped|had (?:a )?(?:significantly )?"
                               r"(?:lower|higher|greater|fewer|more)|(?:was|were) (?:significantly )?(?:lower|higher|"
                               r"greater|reduced|improved|increased|decreased) (?:in|than|compared|at|with|after)|"
                               r"reported (?:reduced|improved)|were responders)\b", T)
METHOD_WORDS = re.compile(r"\b(?:will|would|to (?:assess|evaluate|determine|compare)|(?:was|were) (?:assessed|defined|"
                          r"considered|measured|recorded|randomi[sz]ed|assigned)|primary (?:outcome|endpoint)|"
                          r"outcomes? (?:included|was|were))\b", T)


def is_finding(ex: Extraction, i: int, sentence: str, section: str | None = None) -> bool:
    """Results and conclusions (also under a RESULTS header the role tagger called methods); in a METHODS section,
    a sentence that plainly reports a result ("No serious adverse events occurred"); in an unstructured part, also
    a sentence that reports statistics or, in the second half of the abstract, a verdict on tolerability ("It is
    safe and well tolerated")."""
    role = ex.roles[i]
    if section is None:
        section = ex.sections[i] if i < len(ex.sections) else None
    if section and NON_FINDING_SECTION.match(section):
        return False
    if role in FINDING_ROLES or (section and FINDING_SECTION.match(section)):
        return True
    if role == "title" or i < 2:
        return False
    if section and METHODS_LABEL.match(section):
        return bool(RESULT_IN_METHODS.search(sentence)) and not METHOD_WORDS.search(sentence)
    if i >= 0.4 * len(ex.sentences) and (TOL_POSITIVE.search(sentence) or TOL_NEGATIVE.search(sentence)) and \
            re.search(r"toler|safe|adverse|side|dissociat|discontinu", sentence, T):
        return True
    if section is None and i >= 0.4 * len(ex.sentences) and REPORTED.search(sentence):
        return True
    return bool(STAT_REPORT.search(sentence)) and not re.search(r"\bwere (?:randomi[sz]ed|assigned|recruited|"
                                                                 r"enrolled|included)\b", sentence, T)


SECTION_WORD = (r"RESULTS?|CONCLUSIONS?|FINDINGS|INTERPRETATION|DISCUSSION|RELEVANCE|LIMITATIONS?|METHODS?|DESIGN|"
                r"BACKGROUND|OBJECTIVES?|AIMS?|PURPOSE|INTRODUCTION|SETTINGS?|PARTICIPANTS|INTERVENTIONS?|MEASURES|"
                r"OUTCOMES?|REGISTRATION|SELECTION|SOURCES|SYNTHESIS")
INLINE_HEADER = re.compile(rf"(?<![A-Z])\s\(?\s*(?=(?:[A-Z][\w-]* ){{0,3}}?(?:{SECTION_WORD}):\s)")
FINDING_HEADER = re.compile(rf"^(?:[A-Z][\w-]* ){{0,3}}?(?:RESULTS?|CONCLUSIONS?|FINDINGS|INTERPRETATION|DISCUSSION)"
                            rf"(?: AND (?:{SECTION_WORD}))?:")


HEADER_LABEL = re.compile(rf"(?:{SECTION_WORD})(?: AND (?:{SECTION_WORD}))?(?=:)")


def section_of(ex: Extraction, i: int, text: str) -> str | None:
    """The section a sentence is in. A header left in the middle of an earlier sentence of the same section
    ("... 2.0 ug/kg RESULTS: A total of 173 ...") starts a new section that the next sentences belong to."""
    own = ex.sections[i] if i < len(ex.sections) else None
    for j in range(i - 1, -1, -1):
        if (ex.sections[j] if j < len(ex.sections) else None) != own:
            break
        s, e = ex.sentences[j]
        parts = INLINE_HEADER.split(text[s:e])
        if len(parts) > 1 and (label := HEADER_LABEL.search(parts[-1])):
            return label.group()
    return own


def finding_part(ex: Extraction, i: int, text: str) -> list[tuple[int, int]]:
    """The parts of sentence `i` that report findings, unhedged, as character spans (none: not a finding). A lost
    character can merge a results sentence with the next section ("... lower in group A ( CONCLUSION: Both drugs
    appear to ..."): each part is judged under its own header, so the conclusion's hedge does not silence the
    result before it."""
    s, e = ex.sentences[i]
    sentence = text[s:e]
    cuts = [0] + [m.end() for m in INLINE_HEADER.finditer(sentence)] + [len(sentence)]
    keep = []
    for k, (a, b) in enumerate(pairwise(cuts)):
        part = sentence[a:b]
        if k == 0 and not is_finding(ex, i, part, section_of(ex, i, text)):
            continue
        if k > 0 and not FINDING_HEADER.match(part):
            continue
        if not HEDGED.search(part) and not AGENDA.search(part):
            keep.append((s + a, s + b))
    return keep


NEGATED_BEFORE = re.compile(r"\b(?:no|not|none|without|neither|nor|absence of|free of)\b[^.;,]{0,90}$", T)


def _unnegated(rx: re.Pattern, sentence: str) -> list[str]:
    """Matches of `rx` not governed by a negation ("no serious adverse events occurred" is good news)."""
    return [m.group() for m in rx.finditer(sentence) if not NEGATED_BEFORE.search(sentence[:m.start()])]


def _negated_harms(sentence: str) -> list[str]:
    """Harms the sentence says did not occur ("no discontinuations due to adverse events", "did not cause any
    serious adverse effects", "not associated with cognitive decline"): evidence of tolerability."""
    return [m.group() for m in HARM.finditer(sentence) if HARM_NEGATED_BEFORE.search(sentence[:m.start()])]


def _nearest(sentence: str, topic: tuple[re.Pattern, ...], up: re.Pattern, down: re.Pattern
             ) -> tuple[list[str], list[str]]:
    """For plasticity: the direction word closest to a marker ("increase BDNF ... decrease EPDS" is an increase)."""
    anchors = [m.start() for rx in topic for m in rx.finditer(sentence)]
    cands = [(abs(m.start() - a), "up", m.group()) for m in up.finditer(sentence) for a in anchors]
    cands += [(abs(m.start() - a), "down", m.group()) for m in down.finditer(sentence) for a in anchors]
    if not cands:
        return [], []
    _, direction, word = min(cands)
    return ([word], []) if direction == "down" else ([], [word])


CONTROL = re.compile(r"placebo|midazolam|[- ]only (?:group|condition|arm)|\balone\b|\bsaline\b|\bsham\b|"
                     r"\bcontrol (?:group|arm|condition)s?\b|\bcontrols\b|"
                     r"\bcompared (?:with|to) (?:the )?(?:standard|usual|treatment as usual)", T)
NO_DIFFERENCE = re.compile(r"differ|\bneither\b|\bcomparable\b|\bsimilar\b", T)
GROUPS = re.compile(r"\b(?:between|among|across) (?:the )?(?:two |three |treatment |study )?"
                    r"(?:groups|arms|conditions)\b|\bgroup differences?\b", T)
ACTIVE_COMPARISON = re.compile(r"\b(?:between|across) (?:the )?(?:ECT|electroconvulsive|r?TMS|unipolar|bipolar|doses|"
                               r"dose groups|dosing|sexes|men|women|males|females|routes|"
                               r"(?:es)?ketamine (?:treatment )?groups|(?:es)?ketamine and|IV and|oral and|"
                               r"intravenous and|intranasal and)\b|"
                               r"\b(?:sex|gender|dose)[- ](?:differences?|groups?|dependent)\b|"
                               r"\b(?:higher|lower) (?:[\w.-]+ ){0,3}doses?\b", T)


KETAMINE_FORM = (r"(?:(?:IV|i\.v\.|intravenous|intranasal|IN|oral|sublingual|intramuscular|IM|racemic|[SR]-|"
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


SIDE_EFFECT_TARGET = re.compile(r"^[^.;]{0,40}\b(?:dissociat\w*|psychotomimetic|psychotic|side[- ]effects?|adverse|"
                                r"blood pressure|heart rate|vital signs|sedation)", T)


def _efficacy_negatives(sentence: str, controlled: bool) -> list[str]:
    """Negative cues that speak against efficacy. "No difference" between two active treatments, doses or
    subgroups (ECT vs ketamine, unipolar vs bipolar) is no evidence against the drug; in an uncontrolled study
    "did not differ" compares such groups too; "no differences in dissociative side effects" is about safety."""
    neg = [m.group() for m in NEGATIVE.finditer(sentence) if not SIDE_EFFECT_TARGET.search(sentence[m.end():])]
    if CONTROL.search(sentence):
        return neg
    if ACTIVE_COMPARISON.search(sentence):
        return []
    if not controlled or not GROUPS.search(sentence):
        return [c for c in neg if not NO_DIFFERENCE.search(c)]
    return neg


def _active_no_difference(sentence: str, controlled: bool) -> bool:
    """"Did not differ between groups" of two active treatments: neither for nor against the drug."""
    return not CONTROL.search(sentence) and any(NO_DIFFERENCE.search(c) for c in NEGATIVE.findall(sentence)) and \
        (bool(ACTIVE_COMPARISON.search(sentence)) or not controlled or not GROUPS.search(sentence))


def _polarity(profile: str, sentence: str, topic: tuple[re.Pattern, ...] = (),
              controlled: bool = True) -> tuple[str | None, list[str]]:
    if profile == "tolerability":
        neg, pos = _unnegated(TOL_NEGATIVE, sentence), TOL_POSITIVE.findall(sentence) + _negated_harms(sentence)
    elif profile == "durability":
        neg, pos = DUR_LONG.findall(sentence), DUR_SHORT.findall(sentence)
    elif profile == "plasticity":
        neg, pos = _nearest(sentence, topic, PLASTICITY_UP, PLASTICITY_DOWN)
    else:
        if _active_no_difference(sentence, controlled):
            return None, []
        neg, pos = _efficacy_negatives(sentence, controlled), POSITIVE.findall(sentence)
    if neg:
        return "conflicts", neg[:3]
    if pos:
        return "supports", pos[:3]
    return None, []


def _applies(claim: Claim, facts: ArticleFacts) -> bool:
    if claim.human_only and facts.design == "animal":
        return False
    if facts.design == "protocol" or facts.narrative_review:
        return False
    if not claim.prevention_ok and facts.prevention:
        return False
    if not claim.ect_ok and facts.ect_anaesthesia:
        return False
    if claim.profile in ("efficacy", "durability") and facts.predictor_study:
        return False
    if claim.population and claim.population not in facts.populations:
        return False
    if claim.adjunct and not facts.adjunct:
        return False
    return facts.ketamine_study


CLASSIFIER_DIR = ROOT / "models" / "claims_textcat"
MODES_FILE = ROOT / "models" / "claims_sources.json"


@cache
def classifier(path: Path = CLASSIFIER_DIR):
    """The trained claim sentence classifier, or None when there is none (rules only)."""
    return spacy.load(path) if (Path(path) / "meta.json").exists() else None


@cache
def claim_modes(path: Path = MODES_FILE) -> dict[str, str]:
    """Per claim: rules, model or union (decided by `python -m pipeline.claims.select_mode`)."""
    return json.loads(Path(path).read_text())["modes"] if Path(path).exists() else {}


def assess(text: str, ex: Extraction, facts: ArticleFacts, catalogue: Catalogue,
           modes: dict[str, str] | None = None) -> list[Finding]:
    """Finding sentences and their stance for every claim in the catalogue."""
    modes = claim_modes() if modes is None else modes
    clf = classifier() if any(m != "rules" for m in modes.values()) else None
    by_sent: dict[int, list[Mention]] = {}
    for m in ex.mentions:
        by_sent.setdefault(m.sent_index, []).append(m)
    findings: list[Finding] = []
    claims = [c for c in catalogue.claims if _applies(c, facts)]
    candidates = [(i, s, e, parts) for i, (s, e) in enumerate(ex.sentences)
                  if (parts := finding_part(ex, i, text))]
    scores = [d.cats for d in clf.pipe(text[s:e] for _, s, e, _ in candidates)] if clf and candidates else \
        [{} for _ in candidates]
    for (i, s, e, parts), cats in zip(candidates, scores, strict=True):
        sentence = " ".join(text[a:b] for a, b in parts)
        mentions = [m for m in by_sent.get(i, []) if any(a <= m.start < b for a, b in parts)]
        kinds = {m.attrs.get("kind") for m in mentions if m.label == "OUTCOME"}
        hours = [m.attrs["hours"] for m in mentions if m.label == "TIMEPOINT" and m.attrs.get("hours")]
        other_drug_only = not DRUG_WORDS.search(sentence) and (bool(OTHER_TREATMENT.search(sentence)) or any(
            m.label == "DRUG" and m.canonical not in STUDY_DRUGS for m in mentions))
        for claim in claims:
            if other_drug_only:
                continue  # "psilocybin induced remission in 57%" is not evidence about ketamine
            mode = modes.get(claim.id, "rules")
            learned = _learned(cats, claim.id) if mode != "rules" else None
            if mode == "model":
                if learned is not None:
                    findings.append(_finding(claim.id, i, s, e, learned, [f"classifier {cats[claim.id]:.2f}"],
                                             sentence, facts, mentions, hours))
                continue
            on_topic = any(rx.search(sentence) for rx in claim.topic) or bool(kinds & set(claim.outcome_kinds))
            depressive = claim.profile in ("efficacy", "durability") and claim.id != "suicidal_ideation"
            if depressive and not facts.depression:
                continue  # "improvement in mood" in a dementia case is no evidence on depressive disorders
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
            if not on_topic or (claim.profile in ("efficacy", "durability") and NOT_A_FINDING.search(sentence)
                                and not NULL_TREATMENT_ASSOCIATION.search(sentence)):
                continue
            if claim.human_only and ANIMAL_SENTENCE.search(sentence):
                continue
            if claim.profile in ("efficacy", "durability") and is_head_to_head(sentence):
                continue
            if claim.profile == "tolerability" and facts.prevention and PERIOPERATIVE_OUTCOME.search(sentence):
                continue  # in a surgical trial, delirium and cognition are the outcomes it tries to prevent
            stance, cues = _polarity(claim.profile, sentence, claim.topic, facts.controlled)
            if claim.profile == "durability":
                window = _benefit_window(text, s, sentence, mentions, facts)
                if window[0] is not None:
                    stance, cues = window
                elif stance is None:
                    stance, cues = _late_benefit(sentence, hours, facts)
            if stance is None:
                continue
            if claim.max_hours is not None:
                early = [h for h in hours + _range_starts(mentions) if h <= claim.max_hours]
                if not early and not RAPID.search(sentence):
                    if stance == "supports" and hours and min(hours) > claim.max_hours and \
                            re.search(r"\bonly (?:after|at|by)\b", sentence, T):
                        stance = "conflicts"  # improvement that only appears after days
                    else:
                        continue
            if claim.profile == "durability":
                stance = _durability(stance, hours, sentence)
                if stance is None:
                    continue
            if claim.profile == "efficacy" and stance == "supports" and not STATS.search(sentence) and \
                    facts.design == "rct" and not RCT_EFFICACY.search(sentence):
                continue
            findings.append(_finding(claim.id, i, s, e, stance, cues, sentence, facts, mentions, hours))
        for claim in claims:
            if modes.get(claim.id) == "union" and (learned := _learned(cats, claim.id)) is not None and \
                    not any(f.claim_id == claim.id and f.sent_index == i for f in findings):
                findings.append(_finding(claim.id, i, s, e, learned, [f"classifier {cats[claim.id]:.2f}"],
                                         sentence, facts, mentions, hours))
    return findings


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


NULL_TREATMENT_ASSOCIATION = re.compile(r"\b(?:was|were) not associated with (?:higher|greater|better|lower) "
                                        r"(?:rates? of )?(?:clinical )?(?:remission|response|improvement)", T)
def _range_starts(mentions: list[Mention]) -> list[float]:
    """The first time of a range or list ("postoperative days 1 to 5" -> 24 h): its TIMEPOINT hours are the upper
    end, but an effect already present on day 1 is an early one."""
    out = []
    for m in mentions:
        nums = re.findall(r"\d+(?:\.\d+)?", m.text)
        if m.label == "TIMEPOINT" and len(nums) > 1:
            first = min(nums, key=float)
            hours = timepoint_hours(re.sub(r"\d+(?:\.\d+)?", first, m.text))
            if hours:
                out.append(hours)
    return out


RCT_EFFICACY = re.compile(r"respon|remi|improv|reduc|effective|efficacy|superior|antidepressant effect", T)


def _learned(cats: dict, claim_id: str, threshold: float = 0.5) -> str | None:
    """The classifier's call: relevant to the claim, and which polarity."""
    if not cats or cats.get(claim_id, 0.0) < threshold:
        return None
    return "conflicts" if cats.get("NEGATIVE", 0.0) > cats.get("POSITIVE", 0.0) else "supports"


def _finding(claim_id: str, i: int, s: int, e: int, stance: str, cues: list[str], sentence: str,
             facts: ArticleFacts, mentions: list[Mention], hours: list[float]) -> Finding:
    return Finding(claim_id, i, s, e, stance, _confidence(stance, cues, sentence, facts), cues,
                   min(hours) if hours else None,
                   next((m.canonical for m in mentions if m.label == "OUTCOME"), None),
                   next((m.text for m in mentions if m.label == "DOSE"), None),
                   next((m.canonical for m in mentions if m.label == "ROUTE"), None))


ONGOING_DOSING = re.compile(r"\bwith (?:continued|ongoing|maintenance|decreasing|additional|weekly|repeated)\b|"
                            r"\b(?:once|twice|thrice|three times)[- ](?:a[- ])?(?:weekly|week|daily|day)\b|"
                            r"\bmaintenance (?:phase|treatment|dosing)|\binfusion frequency|\btreated with weekly", T)


SINGLE_DOSE = re.compile(r"\b(?:a|one|an) (?:[\w-]+ ){0,3}(?:dose|infusion|injection|administration)\b|\bsingle\b", T)
REPEATED_DOSING = re.compile(
    r"\brepeat(?:ed)?\b|\b(?:serial|multiple|series of|course of|consecutive)\b|\bsecond (?:infusion|dose|injection)|"
    r"\b(?:two|three|four|five|six|eight|twelve|\d+) (?:\w+ )?(?:infusions|injections|doses|administrations|sessions|"
    r"treatments)\b|\b(?:once|twice|thrice|three times)[- ]?(?:a[- ])?(?:weekly|week|daily|day)\b|\bweekly\b|"
    r"\bdaily (?:dos|infus|inject|administ|for\b)|\bevery (?:\w+ )?(?:day|week|other)|\bmaintenance\b|\binduction\b|"
    r"\bper week\b", T)
AFTER_LAST_DOSE = re.compile(r"\bafter (?:the )?(?:last|final)\b|"
                             r"\bfollowing (?:the )?(?:last|final|treatment completion|completion)\b", T)
AFTER_DOSING = re.compile(r"\bpost-?(?:infusion|injection|dose|treatment)\b|\bfollow-?up\b|\bafter (?:the )?"
                          r"(?:administration|infusion|injection|dose|treatment)\b|\bpost ?partum\b", T)


def _late_benefit(sentence: str, hours: list[float], facts: ArticleFacts) -> tuple[str | None, list[str]]:
    """A significant benefit more than 14 days after dosing stopped ("lower at 2 months post-infusion", or any late
    time in a one-dose study) is evidence against a short-lived effect, though the sentence names no durability
    word."""
    if not hours or max(hours) <= 336 or ONGOING_DOSING.search(sentence):
        return None, []
    if not AFTER_LAST_DOSE.search(sentence) and not facts.single_dose:
        return None, []
    if _efficacy_negatives(sentence, facts.controlled) or not STATS.search(sentence):
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


def _benefit_window(text: str, s: int, sentence: str, mentions: list[Mention],
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
    if _efficacy_negatives(sentence, facts.controlled) or not (STATS.search(sentence) or
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


def _durability(stance: str, hours: list[float], sentence: str) -> str | None:
    """short_lived: fading within 14 days supports; benefit beyond 14 days conflicts; without a time only a
    "rapid and sustained" benefit counts (against)."""
    longest = max(hours) if hours else None
    if stance == "conflicts":  # sustained / maintained, unless dosing went on
        if ONGOING_DOSING.search(sentence):
            return None
        if longest is None:
            return "conflicts" if RAPID_AND_SUSTAINED.search(sentence) else None
        return "conflicts" if longest > 336 else None
    if longest is not None and longest <= 336:
        return "supports"
    if re.search(r"\brelaps\w*\b[^.]{0,80}\b(?:placebo|discontinu|stopp|switch)", sentence, T):
        return "supports"  # relapse more frequent after stopping than with continued dosing
    return None


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

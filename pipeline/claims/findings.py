"""Which sentences are an article's own findings.

Results and conclusions sentences count (a review's pooled findings live there too), also a result plainly
reported under METHODS or late in an unstructured abstract; limitations, outcomes and registration sections never
do, nor hedged or agenda sentences. Some sentences on topic are still no finding on the drug's effect:
associations, predictors, methods, or depression named only as who was enrolled.
"""

from __future__ import annotations

import re

from pipeline.claims.cues import DEPRESSION_WORDS, HEDGED, OTHER_CONDITION, TOL_NEGATIVE, TOL_POSITIVE, T
from pipeline.nlp.context import INLINE_HEADER, LABEL_PARTS, label_role
from pipeline.nlp.extract import Extraction

FINDING_ROLES = ("results", "conclusions")

AGENDA = re.compile(r"\bshould\b|\bfuture\b|"
                    r"\b(?:objectives?|endpoints?) (?:include|included)\b|"
                    r"\b(?:are|is) (?:still |urgently )?(?:needed|required|warranted)\b|\bare (?:still )?necessary\b|"
                    r"\bis (?:still )?necessary to\b|"
                    r"\bneed for (?:more|larger)\b|\b(?:is|remains) an? (?:\w+ )?need\b|\bto ensure\b|"
                    r"\bneeds? to be (?:replicated|confirmed)\b|"
                    r"\bimportan(?:t|ce)\b|\bhypothesi\w+|\bbelieved\b|\bthought to\b|"
                    r"\bexplor(?:es|ed)\b|\b(?:this|the present) (?:article|review|paper|chapter)\b|"
                    r"\b(?:this|the present) (?:report|study) (?:presents|describes|outlines)\b|"
                    r"\bwe (?:review|discuss|describe|summari[sz]e)\b|\bcurrently (?:in development|being)\b|"
                    r"\ba (?:recent )?(?:study|trial) by\b|\bpreviously (?:reported|shown)\b|"
                    r"\b(?:objective|aim|purpose|goal)s? (?:of this \w+ )?(?:is|was|are|were) to\b|\bto evaluate\b|"
                    r"\b(?:evaluates|examines|investigates)\b|\bis developing\b|"
                    # what a paper does or is first to do, not what it found: "It introduces an innovative
                    # approach", "the first trial to present dose-response data"
                    r"\bintroduces an? (?:innovative|novel|new)\b|\bwas charged with\b|"
                    # a recommendation: "It is recommended to start with smaller doses for better tolerance"
                    r"\b(?:it is|are|is) (?:therefore |thus )?recommended\b|\bwe (?:would )?recommend\b|"
                    r"\b(?:were|was) examined to determine\b|"
                    r"\b(?:first|only) (?:trial|study|report|paper) to (?:present|describe|examine|investigate|"
                    r"evaluate|report|explore)\b", T)
# Others' work, the state of the field and calls for research (GUIDELINES: statements citing other work), unless
# the part reports numbers: then it is a review's own pooled result ("of the 12 studies that reported on response,
# 10 found a significant benefit") or a finding with a trailing call ("... and this highlights the need for ...").
# The literature in the present tense ("imaging studies suggest that ...") is others' work too: a review tells its
# own pooled findings in the past ("studies reported improvements").
OTHERS_WORK = re.compile("|".join([
    r"\b(?<!our )(?<!of )(?:recent|previous|prior|earlier|several|many|some|other|numerous|multiple|published) "
    r"(?:[\w-]+ ){0,3}"
    r"(?:studies|trials|research|reports|RCTs)\b[^.;]{0,40}?\b(?:have|has) (?:\w+ )?(?:shown|demonstrated|reported|"
    r"found|suggested|indicated|established)\b",
    r"\bstudies have (?:\w+ )?(?:shown|demonstrated|reported|found|suggested)\b",
    r"\bha(?:s|ve) not been (?:well |adequately |fully |systematically )?(?:studied|investigated|explored|examined)\b",
    r"^(?:\w+,\s*)?[^,;]*?\b(?:needs? to be|(?:emphasi[sz]e|highlight|underscore|underline)s? the need)\b",
    r"\bstudies (?:suggest|indicate|show|demonstrate|propose)\b", r"\breported on\b",
    r"\b(?:is|are) (?:already|currently|now) (?:an? |the )?(?:only |established|approved|widely|available|used|"
    r"recogni[sz]ed)",
    # a benchmark against others' trials: "efficacy ... stays consistent with that established in the pivotal trials"
    r"\bconsistent with (?:that|those|the (?:results?|findings?)) (?:\w+ ){0,2}(?:established|reported|observed|seen) "
    r"in\b",
    # the treatments of a field: "Few drugs have been shown to be safe and effective in TRD"
    r"\b(?:few|no|limited|several|many) (?:[\w-]+ ){0,2}(?:agents|treatments|drugs|medications|options|therapies|"
    r"interventions) (?:are|have been|exist|remain)\b"]), T)

# Test statistics; "OR" is an odds ratio only in capitals (case-insensitively every "or" would be one)
TEST_STATISTICS = r"\bp\s*[<=≤>]|95\s*%\s*CI|(?-i:\ba?ORs?\b)|\bSMD\b|\bNNT"
HARD_STATS = re.compile(rf"{TEST_STATISTICS}|\bd\s*=", T)  # and Cohen's d
STAT_REPORT = re.compile(rf"{TEST_STATISTICS}|\bsignificant|\d+(?:\.\d+)?\s*%", T)
METHODS_LABEL = re.compile(r"^(?:METHODS?|MATERIALS|DESIGN|SETTING|PARTICIPANTS|INTERVENTIONS?|BACKGROUND|"
                           r"INTRODUCTION|OBJECTIVES?|AIMS?|PURPOSE|DATA|SEARCH|STUDY SELECTION|ELIGIBILITY)", T)

NON_FINDING_SECTION = re.compile(r"^(?:LIMITATIONS?|OUTCOMES?|MEASURES|MEASUREMENTS?|MAIN OUTCOMES?(?: AND| MEASURES)|"
                                 r"ANALYSIS|METHODS?|PURPOSE|DIVERSITY|"
                                 r"[A-Z ]*REGISTRATION|PROSPERO|TRIAL REGISTRATION)", T)
REPORTED = re.compile(r"\b(?:was|were) (?:also )?(?:observed|found|noted|seen)\b|\b(?:revealed|resulted in|led to)\b|"
                      r"\bwe found\b|\b(?:improved|occurred|demonstrated|showed|exhibited)\b|"
                      # a review's pooled finding: "all studies reported alleviation of anhedonia"
                      r"\b(?:all|most|both|each|(?<![\d,.])\d+|two|three|four|five|six|seven|eight|nine|ten) "
                      r"(?:of the )?(?:included |eligible )?(?:studies|trials|RCTs) (?:reported|found)\b(?!,| on\b)|"
                      r"\bthere were no (?:incidents?|cases?|reports?)\b", T)

OUTCOME_SECTION = re.compile(r"^OUTCOMES?$", T)
FINDING_SECTION = re.compile(r"^(?:RESULTS?|FINDINGS|CONCLUSIONS?|DISCUSSION|INTERPRETATION)\b", T)
RESULT_IN_METHODS = re.compile(r"\b(?:occurred|(?:was|were) stopped|had (?:a )?(?:significantly )?"
                               r"(?:lower|higher|greater|fewer|more)|(?:was|were) (?:significantly )?(?:lower|higher|"
                               r"greater|reduced|improved|increased|decreased) (?:in|than|compared|at|with|after)|"
                               r"reported (?:reduced|improved)|were responders)\b", T)
METHOD_WORDS = re.compile(r"\b(?:will|would|to (?:assess|evaluate|determine|compare)|(?:was|were) (?:assessed|defined|"
                          r"considered|measured|recorded|randomi[sz]ed|assigned|blinded|masked)|primary (?:outcome|"
                          r"endpoint)|outcomes? (?:included|was|were)|raters? (?:scored|rated|assessed))\b", T)


def _reports_results(section: str) -> bool:
    """A combined label with a results part ("MEASUREMENTS AND MAIN RESULTS", "METHODS AND RESULTS"): its
    sentences report results, though the label begins like a methods one."""
    parts = [p for p in LABEL_PARTS.split(section.strip().upper()) if p]
    return len(parts) > 1 and any(label_role(p) == "results" for p in parts)


def is_finding(ex: Extraction, i: int, sentence: str) -> bool:
    """Results and conclusions (also under a RESULTS header the role tagger called methods); in a METHODS section,
    a sentence that plainly reports a result ("No serious adverse events occurred"); in an unstructured part, also
    a sentence that reports statistics or, in the second half of the abstract, a verdict on tolerability ("It is
    safe and well tolerated")."""
    role = ex.roles[i]
    section = ex.sections[i] if i < len(ex.sections) else None
    if section and OUTCOME_SECTION.match(section):
        # a case report's "OUTCOME:" is its results ("The patient showed continuous mood improvement"); a trial
        # registry's "OUTCOMES:" lists what will be measured
        return bool(REPORTED.search(sentence) or re.search(r"\bremained\b", sentence, T)) and \
            not METHOD_WORDS.search(sentence)
    if section and NON_FINDING_SECTION.match(section) and not _reports_results(section):
        return False
    if role in FINDING_ROLES or (section and FINDING_SECTION.match(section)):
        return True
    if role == "title" or i < 2:
        return False
    if section and METHODS_LABEL.match(section):
        return bool(RESULT_IN_METHODS.search(sentence)) and not METHOD_WORDS.search(sentence)
    if i >= 0.4 * len(ex.sentences) and (TOL_POSITIVE.search(sentence) or TOL_NEGATIVE.search(sentence)) and \
            re.search(r"toler|safe|adverse|side|dissociat|discontinu", sentence, T) and \
            not METHOD_WORDS.search(sentence):
        return True  # not "raters were blinded to all reported TEAEs, including transient dissociative symptoms"
    if section is None and i >= 0.4 * len(ex.sentences) and (REPORTED.search(sentence) or (
            RESULT_IN_METHODS.search(sentence) and not METHOD_WORDS.search(sentence))):
        return True  # "However, SI remitted more often in the patients given esketamine"
    if role == "background" and not HARD_STATS.search(sentence):
        return False  # "ketamine has shown significant rapid effects": the field's state, not this study's result
    return bool(STAT_REPORT.search(sentence)) and not re.search(r"\bwere (?:randomi[sz]ed|assigned|recruited|"
                                                                 r"enrolled|included)\b", sentence, T)


def finding_part(ex: Extraction, i: int, text: str) -> tuple[int, int] | None:
    """The part of sentence `i` that reports findings, unhedged, as a character span (None: not a finding). A label
    without a section role left inside it (a trial registry's "... PRIMARY OUTCOME: ...") ends it: what follows is a
    list of measures. (A header with a role starts a sentence of its own: the sentence splitter.)"""
    s, e = ex.sentences[i]
    sentence = text[s:e]
    header = INLINE_HEADER.search(sentence)
    part = sentence[:header.end()] if header else sentence
    if not is_finding(ex, i, part) or HEDGED.search(part) or AGENDA.search(part) or \
            (OTHERS_WORK.search(part) and not STAT_REPORT.search(part)):
        return None
    return s, s + len(part)


# a moderator as the sentence's own result: "Most studies do not support significant sex differences in
# antidepressant response"; not a closing clause ("..., with no sex differences in response"). Apart from
# NOT_A_FINDING, whose branches all start at a word boundary (the engine then tests it once).
MODERATOR_RESULT = re.compile(
    r"^[^,;]{0,120}?\b(?:(?:sex|gender) differences?|differ(?:ed)? by (?:sex|gender))\b|"
    # a factor as the subject that did not change the benefit: "Concomitant benzodiazepine use did not significantly
    # affect the antidepressant response to ketamine" (a moderator, not the drug against control)
    r"^(?:[A-Z]+: )?[^,;:]{0,60}?\b(?:did|does|do) not (?:significantly )?(?:impact|affect|influence|alter|modify|"
    r"moderate|change) (?:the )?(?:(?:antidepressant|clinical|therapeutic|treatment) )?(?:effectiveness|efficacy|"
    r"effects?|response|outcomes?) (?:to|of) (?:the )?(?:[\w-]+ )?(?:(?:es|ar)?ketamine|ESK|infusions?|treatment)\b", T)

NOT_A_FINDING = re.compile("|".join([
    r"\b(?:associations?|relationships?) (?:(?:was|were) )?(?:\w+ ){0,3}?between\b",
    # a predictor of the size of the benefit, not the benefit: "X was associated with a greater reduction"
    r"\b(?:was|were|is|are) (?:\w+ )?associated with (?:\w+ ){0,3}?(?:improvement|reductions?|decreases?|change)",
    r"\bassociated with (?:changes|response|treatment response|remission|the (?:rapid )?"
    r"antidepressant|its|their|the (?:magnitude|degree|extent))\b", r"\bsociodemographic\b",
    r"\bcharacteristics\b", r"\bclinical features\b",
    # groups defined by their response: "remitters showed ...", "for responders, maximal improvements ..."
    r"\b(?:non-?)?(?:responders|remitters)\)? (?:showed|had|exhibited|displayed)",
    r"\bfor (?:the )?(?:responders|remitters)\b",
    # responders set against non-responders: what tells them apart, not whether the drug worked
    r"\b(?:responders|remitters)\b[^.;]{0,40}?\b(?:compared (?:with|to)|versus|vs\.?) (?:the |in )?"
    r"non[- ]?(?:responders|remitters)\b",
    r"\bnon[- ]?(?:responders|remitters)\b[^.;]{0,40}?\b(?:compared (?:with|to)|versus|vs\.?) (?:the |in )?"
    r"(?:responders|remitters)\b", r"\bbetween (?:the )?(?:[\w-]+ )?(?:non[- ]?)?(?:responders|remitters) and\b",
    r"\b(?:responders|remitters) rather than (?:non[- ]?)?(?:responders|remitters)\b",
    r"\b(?:responders|remitters) to (?:\S+ ){1,4}?(?:showed|had|exhibited|displayed)\b",
    r"\bresponders \([^)]*\) (?:received|were given|underwent|entered|continued)\b",
    r"\bcompared (?:with|to) healthy",
    # what the effect did not depend on, or kept in a subgroup: "This reduction was independent of baseline
    # depression severity", "The antidepressant response was preserved in opioid users"; another factor's effect on
    # the outcome: "derealization had a significant effect on the HAM-D percent change"
    r"\b(?:this|these|such) (?:\w+ )?(?:reductions?|improvements?|effects?|responses?|decreases?|changes?|"
    r"benefits?) (?:was|were|is|are|remained) (?:\w+ )?(?:independent|irrespective|regardless|unaffected|"
    r"not affected) (?:of|by)\b",
    r"\b(?:was|were) preserved in\b",
    r"\beffects? of (?![\w-]*ketamine\b|ESK\b|(?:the )?(?:drug|treatment|intervention|group|arm|condition|time|"
    r"infusions?|dose)s?\b)"
    r"[\w-]+ on (?:the )?(?:HAM-?D|HDRS|MADRS|depress\w*|BDI|QIDS|antidepressant|response)",
    # responders kept on the drug, and changes of dosing frequency: how a maintenance phase is managed
    r"\bamong (?:the )?(?:\d+ )?(?:responders|remitters) (?:treated|receiving|who (?:received|continued|were "
    r"treated))\b",
    # groups defined by their response to the drug, and symptoms ranked against each other: "40 % of non-responders
    # after a single infusion did reach remission", "after the third infusion, Negative Thoughts had improved least"
    r"\bnon-?(?:responders|remitters) (?:after|to) (?:a |the )?(?:single |first |second |\d+ |one |two |three )?"
    r"(?:(?:es|ar)?ketamine )?(?:infusions?|doses?|administrations?)\b",
    r"\b(?:least|most) improved\b", r"\b(?:treatment|dosing|infusion|session) frequency "
    r"(?:reductions?|adjustments?|increases?|changes?)\b",
    # what goes with the response, not whether there was one: "no significant interaction between ketamine's
    # psychoactive effects and therapeutic response"
    r"\binteraction between\b(?! (?:time|group|treatment|condition)\b)[^.;]{0,80}\band (?:the )?(?:therapeutic|"
    r"treatment|clinical|antidepressant) "
    r"(?:response|outcomes?|effects?|benefits?)\b",
    # what survey respondents report doing: "respondents report utilizing ketamine for TRD"
    r"\brespondents\b",
    # a predictor's effect per unit: "remission odds fell by half with each 5-point rise in the PSS"
    r"\b(?:each|every|per) (?:\d+(?:\.\d+)?[- ])?(?:points?|units?|SD|standard deviation)\b",
    r"\bhealthy (?:controls|volunteers)", r"\bcorrelat\w*", r"\bpredict\w*",
    # a moderator; the adjective too ("the effect size was moderate"), which in the corpus mostly sizes another
    # comparison's effect (a therapy after ketamine, cognition): read as findings, they cost precision on every set
    r"\bmoderat(?:e|ed|ion|or)s?\b(?![- ](?:certainty|quality))",
    r"\bmediat\w*", r"\bregression\b", r"\bassociated with (?:greater|higher|lower|better|worse|more|less)\b",
    r"\bassociated with (?:reduced|increased|decreased) (?:odds|likelihood|probability|chances?|rates?)\b",
    r"\b(?<!\()defined as\b", r"\bend ?points?\(s\)", r"\bwill\b", r"\bto assess\b", r"\bwas assessed\b",
    r"\b(?<!who )were assessed\b", r"\bwere measured\b", r"\bwe examined\b", r"\bwe (?:used|compared)\b",
    r"\bcost|\bQALYs?\b|\bICERs?\b",
    # how the groups stood before treatment (unless the sentence goes on to a change or a later time); reports to
    # pharmacovigilance (signals, not effects); a trend that is the sentence's only result
    r"\b(?:(?<=^)|(?<=^results: )|(?<=^results:)|(?<=^results:  )|(?<=^findings: ))(?:at )?baseline\b(?![- ]to\b)"
    r"(?![^.;]*\b(?:fell|f[ae]ll|decreas|reduc|improv|declin|drop|rose|chang|after|post|versus|vs\b|compared|"
    r"at (?:day|week|month|\d)|by (?:day|week|month|\d)|\d+(?:\.\d+)?\s*(?:h|hours?|min|days?|weeks?)\b))",
    # groups alike before treatment: "the arms did not differ at baseline", "were well matched at baseline"
    r"\b(?:did not differ|(?:were|was) (?:similar|comparable|balanced|well[- ]matched))\b[^.;]{0,40}\bat baseline\b"
    r"(?![^.;]*\b(?:after|post|at (?:day|week|month|\d)|by (?:day|week|month|\d)))",
    r"\bdisproportionality\b|\breporting odds ratios?\b|\bRORs?\b",
    r"\b(?:(?<=^)|(?<=^a )|(?<=^results: a )|(?<=^there was a )|(?<=^a statistical )|(?<=^there was a statistical ))"
    r"trend(?:ed)? (?:toward|towards|to)\b",
    # how the benefit comes about, not whether there is one
    r"\bmechanisms? (?:whereby|by which|through which|underlying)\b",
    # the study's limits: "Our limitations were the missing control group and ..."
    r"\b(?:(?<=^)|(?<=^conclusions: )|(?<=^discussion: ))(?:(?:our|the|main|major|key|one|several|potential|"
    r"other|study|important) )*limitations?\b(?! (?:of|to) (?:the )?(?:dose|use|treatment))"]), T)

# The treatment itself associated (or not) with the benefit is a finding, not a predictor: "ketamine was also
# associated with reduction in depressive symptoms", "infusions were not associated with higher remission".
TREATMENT_ASSOCIATION = re.compile(r"\bassociated with (?:a )?(?:significantly )?(?:greater|larger|higher|better|"
                                   r"more) [^.;]{0,40}\bthan (?:[\w-]+ )?(?:placebo|saline|midazolam|control|sham)\b|"
                                   r"\b(?:was|were) not associated with (?:higher|greater|better|lower) "
                                   r"(?:rates? of )?(?:clinical )?(?:remission|response|improvement)|"
                                   # the drug is the subject ("Higher doses of ketamine were ..." is a predictor)
                                   r"(?:^\W*|[;:]\s*|\b(?:and|but|also|overall|moreover|furthermore|"
                                   r"additionally),?\s+)(?:treatment with )?(?:(?:IV|IN|intravenous|intranasal|oral|"
                                   r"subcutaneous) )?(?:es|ar)?ketamine(?: treatment| "
                                   r"infusions?| administration)? (?:was|were) (?:also )?associated with "
                                   r"(?:(?:a |an )?(?:significant |rapid )?(?:improvements?|reductions?|decreases?) "
                                   r"(?:in|of|across)|(?:significantly )?(?:increased|higher|greater) "
                                   r"(?:odds|likelihood|probability|chances?|rates?) of (?:remission|response))\b", T)

ENROLLED = re.compile(r"\b(?:patients|participants|individuals|adults|people|subjects|women|men|veterans|"
                      r"adolescents|those) (?:with|suffering from|diagnosed with) (?:[\w-]+ ){0,2}?(?:TRD|MDD|"
                      r"treatment[- ]resistant depression|(?:major )?depressi\w*(?: disorder)?)\b"
                      r"(?: (?:and|or) (?:comorbid |co-occurring |active )?[\w-]+(?: (?:ideation|disorders?))?)?|"
                      r"\b(?:TRD|MDD|depressed) (?:patients|participants|individuals|adults)\b|"
                      r"\b(?:in|among) "
                      r"(?:severe |adults with |patients with )?(?:TRD|MDD|treatment[- ]resistant "
                      r"depression)\b", T)
OTHER_OUTCOME = re.compile(r"\battention\b|\bexecutive\b|go/no-go|neurocognit|psychomotor|processing speed|"
                           r"verbal fluency|\bcognit|memory\b|\bfunctioning\b|\bfunctional\b|\bdisability\b|"
                           r"\bSDS\b|quality of life|\bQoL\b", T)


def enrolled_only(sentence: str) -> bool:
    """Depression is named only as who was enrolled, and the result is on another condition or on cognition."""
    rest = ENROLLED.sub(" ", sentence)
    return not DEPRESSION_WORDS.search(rest) and bool(OTHER_CONDITION.search(rest) or OTHER_OUTCOME.search(rest))

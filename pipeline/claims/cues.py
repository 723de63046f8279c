"""Cue patterns that several claim modules read: hedges, statistics, the polarity words of efficacy and
tolerability, the study drug's names, and the conditions a sentence can be about.

They live apart so that the modules deciding findings, article facts, durability and stance share one definition
without importing one another.
"""

import re

T = re.IGNORECASE
# Every branch of a long alternation starts with `\b`, lookbehinds after it ("\b(?<!cost-)effective"): Python's re
# then tests the boundary once for the whole alternation. One branch led by a lookbehind made each search of these
# lists 3-4x slower (the claims stage's largest cost).

HEDGED = re.compile(r"\b(?:may|maybe|might|could|cannot be (?:drawn|concluded|determined|established)|possibly|"
                    r"potential(?:ly)?|perhaps|appear(?:s|ed)? to|seems? to|uncertain|"
                    r"inconclusive|insufficient evidence|^\s*(?:keywords|supported by|funding|copyright)\b|"
                    r"hypothesi[sz]e|we aim|aims? to|aimed to|will be|would|warrant|further (?:studies|research) "
                    r"(?:are|is) needed|requires? further|"
                    r"remains? to be (?:determined|established|seen|clarified))\b", T)
STATS = re.compile(r"\bp\s*[<=≤]\s*0?[.·](?:0[0-4]\d*|050*)(?!\d|[.·]\d)|"
                   r"significant(?:ly)?\b(?! (?:difference|change)s? (?:was|were) (?:not|no))|\bsuperior\b|95%\s*CI", T)
NEGATIVE = re.compile(r"\bno (?:statistically )?significant|"
                      # not "has not improved significantly" (a case's history before the drug)
                      r"\b(?:did|does|do|had) not (?:change|differ|improve|decrease|decline|reduce|increase|fall|"
                      r"changed|differed|improved|decreased|declined|fallen) (?:statistically )?significantly\b|"
                      r"\bwithout (?:a |any )?(?:statistically )?significant (?:\w+ )?(?:group |between-group )?"
                      r"differences?\b|\bwithout (?:any )?separation\b|\bnot (?:statistically )?significant(?:ly)?|"
                      r"\bdid not (?:differ|improve|reduce|show|separate|reach|demonstrate|find|result|significantly|"
                      r"outperform|produce|lead)|\bdoes not (?:differ|improve|reduce)|\bfailed to\b|\bno (?:difference|"
                      r"differences|effect|effects|improvement|benefit|advantage|change)\b|\bwas not (?:superior|"
                      r"effective|associated)|\bwere not (?:superior|effective|different)|\bnot superior|"
                      r"\bcomparable (?:to|with) (?:placebo|midazolam|control)|\bsimilar (?:to|with) (?:placebo|"
                      r"midazolam|control)|\bn\.s\.|\b(?<!became )non-?significant|"
                      # "neither esketamine 56 mg (..., p = 0.21) nor 84 mg (...) separated": decimals inside
                      r"\bneither\b(?:[^.]|\.(?=\d)){0,200}?\bnor\b|"
                      r"\bno better than|\bno more (?:effective|efficacious) than\b|"
                      # "did not enhance or accelerate the antidepressant effect of ECT", "this did not translate
                      # into better antidepressant outcomes", "does not show that oral ketamine ... improves" ("did
                      # not show", "did not demonstrate" are above)
                      r"\b(?:did|does|do) not (?:enhance|accelerate|augment|translate into)\b|"
                      r"\b(?:does|do) not (?:show that|demonstrate)\b|"
                      r"\bwithout (?:a |any )?(?:measurable|meaningful|detectable|clinically relevant) "
                      r"(?:antidepressant )?(?:effect|benefit|improvement)s?\b|"
                      # "the primary endpoint at 7 days was not met", "did not meet its primary endpoint"
                      r"\b(?:primary|main) (?:efficacy )?(?:endpoint|end-point|end point|outcome|objective)s?\b"
                      r"[^.;]{0,30}?\b(?:was|were) not (?:met|reached|achieved)\b|"
                      r"\bdid not meet (?:its |the )?(?:primary|main)\b|"
                      r"\b(?:does|did|do) not (?:provide|offer|confer|add) (?:any )?(?:additional |"
                      r"further |significant )?(?:advantage|benefit)|\bno (?:added|additional) (?:benefit|advantage)|"
                      r"\bnot (?:a )?useful\b|\bmarginal (?:efficacy|benefits?|improvements?|antidepressant)|"
                      r"\b(?:were|was) marginal\b|"
                      # "esketamine is not effective in TRD", "a lack of clinical efficacy"; not the treatments a
                      # patient failed before ("a lack of response to two antidepressants", "in whom antidepressants
                      # are not effective", "ineffective")
                      r"\b(?:(?:es|ar)?ketamine|it)\b[^.;,]{0,40}?\b(?:is|are) not (?:clinically )?(?:effective|"
                      r"efficacious)\b|"
                      r"\b(?:little|no meaningful|no clinically meaningful) (?:improvement|benefit)\b|"
                      r"\b(?<!because of )(?<!due to )(?<!for )"
                      r"(?:lack of|limited) (?:clinical |antidepressant |significant |any |sustained )?(?:efficacy|"
                      r"effectiveness|benefit)\b(?! (?:of|from|with|to) (?:\w+ ){0,2}(?:prior|previous|other|"
                      r"conventional|standard|first-line|antidepressants?|SSRIs?|ECT|treatments?|therap))", T)
# an effect absent against one target: a negative cue only for the claim whose topic it names ("efficacy ... is
# modest in TRD ... and is absent against suicidality itself" speaks against suicidality, not depression)
ABSENT_AGAINST = re.compile(r"\b(?:is|was|are|were|remained|being) (?:\w+ )?absent (?:against|on) "
                            r"([^.;,()]{1,50})", T)
POSITIVE = re.compile("|".join([
    r"\bhigher\b", r"\b(?<!longer )(?<!not )in remission\b",  # not "no longer in remission"
    r"\bNNTs?\b", r"\bmet (?:a |the )?(?:response |remission )?criteri", r"\bremitted\b",
    # scores that fell: "His MADRS score fell from 36 to 14", "scores had fallen by a mean of 13.5 points"
    r"\b(?:scores?|symptoms|severity)\b[^.;]{0,40}?\b(?:fell|fallen|dropped|declined)\b",
    # not "the clinics responded to the survey request"
    r"\bresponded\b(?! to (?:the|a|an|our|this) (?:\w+ )?(?:survey|questionnaire|request|invitation|e-?mail|call|"
    r"interview)s?)",
    r"\bsuccess\w*", r"\b(?<!no longer )significant(?:ly)?\b", r"\bp\s*[<≤]\s*0?[.·]0\d", r"\bsuperior\b",
    r"\breduc(?:ed|tions?|es|ing)\b", r"\bimprov(?:ed|ements?|es|ing)\b", r"\bdecreas(?:ed|es?|ing)\b",
    r"\b(?<!cost-)effective(?:ness)?\b",
    # not "the efficacy analysis", "withdrew because of lack of efficacy"
    r"\b(?<!lack of )(?<!limited )efficac(?:y|ious)\b(?! (?:analys[ie]s|population|set|sample)\b)",
    r"\brapid(?:ly)?\b", r"\bbenefi(?:t\w*|cial)\b",
    r"\bfavou?r(?:ed|ing|s)?\b", r"\bresponse rates? (?:was|were|of)", r"\bremission rates? (?:was|were|of)",
    r"\brates? of (?:response|remission)\b", r"\bachiev(?:ed|ing) (?:a )?(?:treatment )?(?:response|remission)",
    r"\b(?:were|was) in (?:response|remission)\b", r"\b(?:were|became) (?:responders|remitters)\b", r"\bresolved\b",
    r"\balleviat", r"\bameliorat", r"\bantidepressant (?:effect|efficacy|response)s?\b", r"\bgreater\b",
    r"\blower\b(?! urinary)",
    r"\bincreas(?:ed|es) (?:the )?(?:rates? of )?(?:response|remission)", r"\b(?:objective|endpoint) was met\b",
    r"\b(?<!-)confirm(?:ed|s|ing)\b", r"\b(?:were|was) increased\b", r"\brates? (?:for \w+ )?(?:was|were) \d",
    r"\bmore patients\b[^.]{0,80}\b(?:remission|response|responded|remitted)",
    r"\b(?:response|remission|improvement) was observed\b",
    r"\banti-?suicidal (?:effect|efficacy|action)s?\b",
    # when the benefit peaked: "the greatest response came at 24 hours" (with the sentence's time, an early finding)
    r"\b(?:greatest|maximal|maximum|peak) (?:antidepressant )?(?:response|effect|improvement|reduction|benefit)s?\b",
    r"\b(?:drop|fall|decline)s? in (?!(?:\w+ )?(?:cognit|memory|blood|oxygen|saturation|heart|platelet|response|"
    r"remission))"]), T)

TOL_POSITIVE = re.compile("|".join([
    r"\bno (?:statistically )?significant (?:difference|increase)", r"\bdid not (?:show|differ|increase)",
    r"\bstable\b",
    r"\bmost common (?:adverse|side)", r"\bcomparable\b",
    r"\bsimilar\b(?! to (?:the |those of )?(?:positive|negative|psychotic|schizophreni|symptoms))",
    r"\bno (?:incidents?|cases?|evidence)\b",
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
    r"(?:discontinued|withdrew|dropped)", r"\bnone of which\b", r"\bminimal\b", r"\btolerated\b", r"\b(?-i:brief\b)",
    r"\bwithout increasing (?:the )?(?:adverse|side|incidence|rate)", r"\bno long-lasting\b",
    r"\bdecreased risk of\b", r"\breduction of (?:adverse|side)",
    # fewer harms with the drug: "esketamine lowered the occurrence of PONV", "reduced
    # risk of postoperative nausea/vomiting", "significantly lower incidence of respiratory depression"
    # (not a surgical trial's target: "lower incidences of emergence agitation", "of postoperative delirium")
    r"\b(?:lower(?:ed)?|reduc(?:ed|es|ing)|decreas(?:ed|es|ing)) (?:the )?(?:incidences?|occurrences?|risks?|rates?|"
    r"frequency) of\b(?! (?:\w+ )?(?:emergence|delirium|agitation|POD|POCD|PND|cognitive|depress|pain))",
    r"\bno new safety signals?\b", r"\bno (?:new |major |significant )?safety (?:concerns?|issues?)\b",
    r"\bdid not (?:impair|identify|require)\b", r"\bnot require\b", r"\brequir(?:ed|ing) no\b",
    r"\b(?:was|were|remained) (?:\w+ )?rare\b",
    # "adverse effects were limited to the infusion period"
    r"\b(?:limited|confined|restricted) to the (?:\w+ )?(?:infusion|dosing|administration|treatment|session)s?\b",
    r"\blow risk\b", r"\bno affective switch", r"\b(?:efficacy|effectiveness|safety) and (?:safety|tolerability)\b",
    r"\bno difference in (?:the number of )?(?:participants who )?(?:dropp|withdr|discontinu|adverse)",
    r"\bno serious\b", r"\bnone of the\b[^.]{0,40}\brequired\b", r"\btemporary\b", r"\bonly during\b",
    r"\bonly (?:\w+ )?(?:\d+|one|two|three|a few)\b[^.]{0,40}\bdiscontinu",
    r"\blower in the (?:es)?ketamine group",
    # "increased the risks of dizziness and
    # hallucinations for a short time", "does not adversely affect metabolic parameters", "the incidence of ED ...
    # was not different from that in the other patients"
    r"\bfor a short (?:time|period|while)\b", r"\b(?:does|did|do) not adversely affect\b",
    r"\b(?:was|were) not (?:significantly )?different\b",
    r"\bno (?:statistically )?(?:significant )?differences?\b(?! between (?:responders|remitters))",
    r"\bsafely\b", r"\bnot harmful\b", r"\bsupport(?:s|ed)? the (?:\w+ )?safety\b",
    # effects that went away: "resolved", "subsided", "returned to baseline", "self-limited", "short-lasting"
    r"\b(?:resolv(?:ed|ing)|subsid\w+|abated|normali[sz]ed|wore off|dissipat\w+|disappear\w*|reversible)\b",
    r"\breturn\w* to (?:baseline|normal|pre-?\w+ (?:levels?|values?))\b", r"\bself[- ]limit\w*",
    r"\bshort[- ](?:lived|lasting)\b",
    # a verdict on the whole profile: "a favourable safety profile", "consistent with the known safety profile"
    r"\b(?:good|favou?rable|acceptable|benign|reassuring) (?:\w+ )?(?:safety|tolerability|side[- ]effects?|"
    r"adverse[- ]events?|benefit[- ]risk|risk[- ]benefit)(?: profiles?)?\b"]), T)

TOL_NEGATIVE = re.compile("|".join([
    r"\bsignificant adverse\b", r"\bdropped out due to\b", r"\bnot tolerating\b",
    r"\badverse events? (?:was|were) (?:higher|more frequent|increased)", r"\bhigher incidence of adverse",
    r"\bincreased (?:the )?risk (?:for|of) adverse",
    r"\bserious adverse events? (?:occurred|were (?:reported|observed))",
    r"\b(?:experienced|had) (?:an? )?(?:serious|medically significant)\b",
    r"\b\d+ serious adverse",
    r"\bdiscontinu\w+ (?:\w+ ){0,2}(?:due to|because of|for) (?:adverse|side|TEAE|AE|tolerab|intolerab)",
    r"\bpoorly tolerated", r"\bpoor tolerability", r"\btolerability was poor", r"\bstopped early\b", r"\bcystitis\b",
    r"\b(?<!nicotine )(?<!alcohol )(?<!opioid )(?<!tobacco )dependence\b",
    r"\babuse\b", r"\bpersistent (?:\w+ )?(?:adverse|side|effects|symptoms|impairment|dissociat|AEs?\b)",
    r"\bschizophrenia-like\b", r"\bincrease in (?:\w+ )?psychopathology",
    r"\bpsychosis\b", r"\bcognitive (?:impairment|deficits)\b", r"\bdeath", r"\bdied\b", r"\bwithdrew due to",
    r"\bsignificant (?:[\w,]+ ){0,5}side effects\b",
    r"\b(?:due to|because of|owing to) (?:acute |the )?(?:side effects|adverse)",
    r"\b(?:led to|leading to|resulted in|resulting in|caused|causing|required|requiring) "
    r"(?:(?!(?:no|not|neither)\b)\w+ ){0,3}?(?:discontinu\w*|withdrawal|dropout|hospitali[sz]\w*|treatment|"
    r"dose reductions?|intervention|emergency care)\b",
    # "three women asked to stop the infusion because of distressing dissociation", "reports classified as
    # serious", "adverse effects were not negligible", "argue against routine use", "a relevant safety concern"
    r"\b(?:asked|chose|decided|had) to (?:stop|discontinue|interrupt|end)\b[^.;]{0,40}\b(?:because of|due to|"
    r"owing to)\b", r"\b(?:classified|coded|rated|judged|considered) as serious\b", r"\bnot negligible\b",
    r"\bargues? against\b", r"\b(?:relevant|important|serious|major) safety concerns?\b"]), T)

DRUG_WORDS = re.compile(r"ketamine|esketamine|arketamine|\bESK\b|\bKET\b|spravato", T)

OTHER_CONDITION = re.compile(r"\bPTSD|post-?traumatic|\banxiety|\bOCD\b|obsessive|phobi|\bpain\b|analgesi|craving|"
                             r"\bCGI-?SS|\bitem 9\b|"
                             r"alcohol|cocaine|opioid|\b(?:anti-?)?suicid|\bSI\b|\bBSSI\b|\bSSI\b|\bBSS\b|C-SSRS|\bMSSI|delirium|\bsleep|"
                             r"cognit(?!ive (?:remediation|training|behaviou?ral|therapy))|schizophren|psychos|"
                             r"\beating|anorexi|adverse|side[- ]effects?|dissociat|CADSS|"
                             r"BPRS|\bTEAEs?|psychotomimetic|sedation|blood pressure|hopeless|\bBHS\b|memory|fatigue|"
                             r"hemodynamic|heart rate|vital signs|"
                             r"\bBFI\b|\bstress\b|\babstinen\w+|\bsmoking\b|\bcigarette|\bnicotine\b", T)
# not the MADRS's suicide item ("MADRS-SI", "MADRS suicidal thoughts item", "MADRS item 10"): that is suicidality's
DEPRESSION_WORDS = re.compile(r"depress|\bMADRS(?![- ]SI\b)(?!\s+(?:suicid\w*|item\s*10)\b"
                              r"(?![^.;,()]{0,15}\band\s+total\b))|"
                              r"\bHAM-?D|\bHDRS|\bBDI|\bQIDS|\bPHQ(?![-\d]*\s+item\s*9)|\bEPDS|\bmood\b|"
                              r"antidepress|\bTR-?D\b|\bMDD\b|anhedoni", T)

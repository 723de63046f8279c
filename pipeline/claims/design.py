"""Study design of an article: from publication types and MeSH when PubMed gives them, from the text otherwise.

Designs: rct, systematic_review (incl. meta-analysis), cohort (observational, open-label, real-world, cross-
sectional), case_report (report or series), protocol, animal (animal or in-vitro), qualitative, other.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from pipeline.claims import study_type
from pipeline.nlp.prefilter import ignorecase_lower

PUB_TYPES = [
    ("protocol", {"Clinical Trial Protocol"}),
    ("systematic_review", {"Systematic Review", "Meta-Analysis", "Network Meta-Analysis"}),
    ("rct", {"Randomized Controlled Trial", "Equivalence Trial", "Pragmatic Clinical Trial"}),
    ("case_report", {"Case Reports"}),
    ("cohort", {"Observational Study", "Multicenter Study", "Clinical Trial", "Clinical Trial, Phase I",
                "Clinical Trial, Phase II", "Comparative Study", "Controlled Clinical Trial"}),
]
# Notices about other articles (errata, retractions, expressions of concern) and editorials or comments: they name
# a trial's design and results without being one, so their design is "other" and their sentences are no findings.
NOTICE_TYPES = {"Published Erratum", "Retraction of Publication", "Expression of Concern", "Editorial", "Comment"}
NOTICE_TITLE = re.compile(r"^\W*(?:(?:erratum|errata|corrigendum)\s*(?::|to\b|for\b|$)|"
                          r"correction\s*(?::|to\b|notice\b|$)|retraction\s*(?::|notice\b|note\b|$)|"
                          r"retraction of (?:publication|the article|[\"“'‘])|"
                          r"notice of retraction|expression of concern|editorial\s*(?::|$)|comment on\b|"
                          r"commentary\s*(?::|on\b))", re.IGNORECASE)
ANIMAL_MESH = {"Animals", "Rats", "Mice", "Rats, Sprague-Dawley", "Rats, Wistar", "Mice, Inbred C57BL", "Zebrafish",
               "Disease Models, Animal", "Cells, Cultured", "In Vitro Techniques"}

T = re.IGNORECASE
PROTOCOL = re.compile(r"\bprotocol\b|\bwill be (?:randomi[sz]ed|recruited|enrolled|assigned|assessed)\b|"
                      r"\bethics and dissemination\b|\bthis (?:trial|study) will\b|\bend ?points?\(s\)|"
                      r"\brecruitment status|\bsecondary outcome\(s\)|\bprimary outcome\(s\)|\binclusion criteria:", T)
# not "pooled analysis": mostly a group's pooled own trials ("a pooled analysis of eight placebo-controlled studies"),
# a secondary analysis of randomised data rather than a review of the literature
REVIEW = re.compile(r"\bsystematic(?:ally)? review|\bmeta[- ]?analy|\bscoping review|\bumbrella review|"
                    r"\bwe searched\b|\bsearch(?:ed)? (?:of )?(?:PubMed|MEDLINE|"
                    r"Embase|Web of Science|Cochrane|PsycINFO)", T)
# a review the abstract cites, not one it is: "Systematic reviews of RCTs have concluded ...", "a small-scale
# meta-analysis showed ..."; its own words ("this meta-analysis", "we searched") keep it a review
CITED_REVIEW = re.compile(r"\b(?:ha(?:ve|s) (?:concluded|shown|found|demonstrated|reported|suggested|confirmed)|"
                          r"showed)\b", T)
# "previous meta-analyses", "a recent systematic review": an adjective on the review word itself (not "a meta-analysis
# of recent trials")
CITED_BEFORE = re.compile(r"\b(?:previous|prior|recent|earlier|existing|published)\s+(?:[\w-]+\s+)?$", T)
OWN_WORK = re.compile(r"\b(?:this|our|we|present|current)\b", T)
SENTENCE_END = re.compile(r"[.;](?=\s)|\n")  # not the dot of "PubMed.gov"
# "databases were searched" is a literature search; "ambulance records from three regions were searched" a chart review
WERE_SEARCHED = re.compile(r"\bwere searched\b", T)
RECORDS = re.compile(r"\b(?:records|charts|notes|files)\b", T)


@lru_cache(maxsize=64)
def is_systematic_review(text: str) -> bool:
    """Review words, or a search that is not of records (a regex for the latter backtracked on every position).
    Remembered: the design, the routes and the narrative-review check all ask for the same abstract."""
    lower = ignorecase_lower(text)
    if "review" not in lower and "meta" not in lower and "search" not in lower:
        return False  # each form of REVIEW and WERE_SEARCHED holds one of these words: neither can match
    title_end = text.find("\n")
    bounds: list[int] | None = None
    for m in REVIEW.finditer(text):
        if title_end == -1 or m.start() < title_end:
            return True  # the title names what the article is
        if bounds is None:  # once, and only for a text with a review word: a search per match was quadratic
            bounds = [b.end() for b in SENTENCE_END.finditer(text)]
        k = bisect.bisect_right(bounds, m.start())
        start, end = (bounds[k - 1] if k else 0), (bounds[k] if k < len(bounds) else len(text))
        sentence = text[start:end]
        cited = CITED_REVIEW.search(sentence) or CITED_BEFORE.search(text, max(start, m.start() - 30), m.start())
        if not (cited and not OWN_WORK.search(sentence)):
            return True  # not one cited in the background: "meta-analyses of RCTs have concluded that ..."
    for m in WERE_SEARCHED.finditer(text):
        start = max(text.rfind(c, 0, m.start()) for c in ".;:\n") + 1
        if not RECORDS.search(text, start, m.start()):
            return True
    return False


NARRATIVE = re.compile(r"\b(?:narrative|literature|critical) review\b|\bthis review\b|\bwe review\b|\bin this review\b|"
                       r"\breview(?:s|ed)? (?:the|current|recent) (?:literature|evidence|findings)|"
                       r"\b(?:we )?presents? an? (?:(?!systematic|pooled)\w+ )?review\b", T)


def _names_narrative(text: str) -> bool:
    """NARRATIVE.search, skipped where it cannot match: each of its forms holds the word "review"."""
    return "review" in ignorecase_lower(text) and NARRATIVE.search(text) is not None


ANIMAL = re.compile(r"\b(?:rats?|mice|mouse|murine|rodents?|zebrafish|primates?|macaques?|in vitro|cultured|"
                    r"cell lines?|hippocampal slices|C57BL|Sprague[- ]Dawley|Wistar)\b", T)
HUMAN = re.compile(r"\b(?:patients?|participants?|volunteers?|adults?|subjects? with|women|men|adolescents?)\b", T)
CASE_SERIES = re.compile(r"\bcase series\b|\bwe (?:report|describe|present) (?:two|three|four|five|\d+) "
                         r"(?:cases|patients)\b", T)
CASE = re.compile(r"\bcase report\b|\bwe (?:report|describe|present) (?:a|the) case\b|\b(?<!\bin )case of an?\b|"
                  r"\ban? \d{1,2}-year-old (?:man|woman|male|female|patient|boy|girl)\b", T)
RCT = re.compile(r"\b(?<!non[-\u2010\u2011\u2013 ])(?<!not )randomi[sz]ed\b|"
                 r"\brandomly (?:assigned|allocated|divided)\b|\bdouble[- ]blind|\bplacebo[- ]controlled\b|"
                 r"\bcrossover\b|\bcross-over\b|\brandom number table\b", T)
COHORT = re.compile(r"\bretrospective\b|\bprospective\b|\bcohort\b|\bopen[- ]label\b|\bobservational\b|\bregistry\b|"
                    r"\breal[- ]world\b|\bnaturalistic\b|\bchart review\b|\bcross[- ]sectional\b|\bsurvey\b|"
                    r"\bsingle[- ]arm\b|\bpilot study\b|\bcase[- ]control\b|\buncontrolled\b|"
                    r"\b(?:records|charts)\b[^.;]{0,60}\bwere (?:searched|reviewed|screened)\b", T)
# people followed without a design word: "we enrolled 40 adults with TRD", "Fifty patients received six infusions"
_PEOPLE = r"(?:patients|participants|subjects|adults|individuals|veterans|women|men|inpatients|outpatients)"
COHORT_IMPLIED = re.compile(rf"\b(?:we|this study) (?:enrolled|included|recruited|analy[sz]ed|examined|followed|"
                            rf"studied|evaluated|assessed|treated)\s+(?:[\w-]+\s+){{0,4}}?{_PEOPLE}\b|"
                            rf"\b\d+ (?!(?:h|hours?|min\w*|days?|weeks?|months?|years?)\b)(?:[\w-]+ ){{0,3}}?{_PEOPLE} "
                            rf"(?:received|were treated|underwent|were given|were followed)\b", T)
QUALITATIVE = re.compile(r"\bqualitative\b|\bsemi-structured interviews?\b|\bthematic analysis\b|"
                         r"\binterpretative phenomenological\b", T)


def is_notice(text: str, publication_types: list[str] | frozenset[str] | None = None) -> bool:
    """An erratum, retraction notice, expression of concern, editorial or comment: by PubMed's publication types
    when the record has them, by its title otherwise (JSON lines, text). A retracted article itself ("RETRACTED:
    ...") is no notice: it stays listed, as retracted."""
    if publication_types:
        return bool(set(publication_types) & NOTICE_TYPES)
    return bool(NOTICE_TITLE.search(text.split("\n", 1)[0]))


def psynamic_type(text: str, journal: str | None = None, publication_types: list[str] | None = None) -> str:
    """PsyNamic's study type (what `kev eval` scores): the trained model, else the rules; a notice is "other"."""
    if is_notice(text, publication_types):
        return "other"
    rule = classify(text)
    rule_type = psynamic_study_type(text, rule)
    return study_type.predict(text, journal, rule, rule_type) or rule_type


def classify(text: str, publication_types: list[str] | None = None, mesh: list[str] | None = None) -> str:
    """The primary design for weighing evidence: PubMed's indexing first, the abstract's own words otherwise.

    Not the learned `psynamic_type`: PsyNamic calls a secondary analysis of a randomised trial "other", while
    for weighing a finding it is still randomised evidence (the learned type as the design lowered claims micro F1
    on the gold train part from 0.794 to 0.783)."""
    return _classify(text, frozenset(publication_types or ()), frozenset(mesh or ()))


@lru_cache(maxsize=64)
def _classify(text: str, pts: frozenset[str], mesh_set: frozenset[str]) -> str:
    """`classify`, remembered: the same abstract is classified for its facts, its routes and its study type."""
    if is_notice(text, pts):
        return "other"
    for design, names in PUB_TYPES[:4]:
        if pts & names:
            return design
    title = text.split("\n", 1)[0]
    if PROTOCOL.search(title) or (PROTOCOL.search(text) and re.search(r"\bwill\b", text)):
        return "protocol"
    if is_systematic_review(text):
        return "systematic_review"
    animal_words = len(ANIMAL.findall(text))
    if PRECLINICAL_TITLE.search(title) or (mesh_set & ANIMAL_MESH and "Humans" not in mesh_set) or \
            (animal_words >= 2 and animal_words > len(HUMAN.findall(text))):
        return "animal"
    if named := _title_design(title):
        return named
    own = _own_design_words(text)
    if CASE_SERIES.search(own) or CASE.search(own):
        return "case_report"
    if QUALITATIVE.search(text):
        return "qualitative"
    if RCT.search(own) and not _names_narrative(text):
        return "rct"
    if pts & PUB_TYPES[4][1] or COHORT.search(text) or COHORT_IMPLIED.search(own):
        return "cohort"
    return "other"


# a paper on a trial's design ("A novel study design to evaluate ...", "Rationale and design of ..."): no results
# of its own (its design stays what the words say: PsyNamic types such papers by the trial they describe)
DESIGN_PAPER = re.compile(r"\b(?:study|trial) design (?:to|for)\b|\brationale and design\b|\bdesign and rationale\b", T)
NOT_THIS_STUDY = re.compile(r"\bfuture\b|\b(?:are|is) (?:still |urgently )?(?:needed|required|warranted|necessary)\b|"
                            r"\bshould\b|\bwarrant|\bwe previously\b|\bpreviously (?:published|reported|completed|"
                            r"conducted)\b|\b(?:previous|prior|earlier) (?:studies|trials|work|research|reports)\b|"
                            r"\b(?:have|has) (?:been )?(?:shown|demonstrated|reported|suggested)\b|"
                            r"\b(?:studies|series|reports|trials) (?:have |has )?(?:suggest|show|indicate)\w*\b|"
                            r"\bneeds? to be (?:confirmed|replicated|tested|studied|explored|investigated)\b|"
                            r"\b(?:larger|further|more|additional|well-designed) (?:\w+ )?randomi[sz]ed\b|"
                            # a call for more work names trials in the plural ("merit replication in larger
                            # double-blind trials"); "in a larger double-blind trial, 60 patients" is this one
                            r"\b(?:larger|further|more|additional|well-designed|future)\s+(?:[\w-]+,?\s+){0,4}?"
                            r"(?:trials|studies|RCTs)\b", T)


TITLE_COHORT = re.compile(r"\bretrospective\b|\bcohort\b|\bnaturalistic\b|\breal[- ]world\b|\bobservational\b|"
                          r"\bchart review\b|\bregistry\b", T)


def _title_design(title: str) -> str | None:
    """The design a title names ("...: a randomised, midazolam-controlled trial", "...: a naturalistic cohort
    study", "...: a case report") outranks the abstract's other sentences, whose background cites others' designs
    ("evidence is limited to case series", "Randomised trials emphasise ..."). A qualitative study is left to the
    words of the whole abstract ("a qualitative study ... retrospective appraisal")."""
    if QUALITATIVE.search(title):
        return None
    if CASE_SERIES.search(title) or CASE.search(title):
        return "case_report"
    if RCT.search(title):
        return "rct"
    return "cohort" if TITLE_COHORT.search(title) else None


def _own_design_words(text: str) -> str:
    """The sentences that can say what this study is: not a call for future trials ("Randomized comparative trials
    are required"), nor earlier work ("we previously completed a randomised ...")."""
    return " ".join(s for s in re.split(r"(?<=[.;!?])\s+|\n", text) if not NOT_THIS_STUDY.search(s))


BIBLIOMETRIC = re.compile(r"\bbibliometric|\bscientometric", T)
PRECLINICAL_TITLE = re.compile(r"\bpreclinical\b|\bin (?:rats|mice|rodents)\b|\bmurine\b", T)


def is_narrative_review(text: str) -> bool:
    """A narrative or bibliometric review: it reports others' work, never findings of its own (a systematic
    review's pooled results are its own)."""
    return bool(_names_narrative(text) or BIBLIOMETRIC.search(text)) and not is_systematic_review(text)


def is_review(text: str) -> bool:
    """A review of other work (systematic or narrative): its routes and doses are not its own."""
    title = text.split("\n")[0]
    return bool(is_systematic_review(text) or _names_narrative(text) or re.search(r"\breview\b", title, T))


POPULATION_RX = {
    # treatment-resistant depression (or treatment-resistant patients of a depression study), not "treatment-
    # resistant OCD", "treatment-refractory chronic pain" or "treatment-resistant patients with schizophrenia"
    "trd": re.compile(r"(?:treatment|therapy|medication)[- ](?:resistant|refractory)(?:\s*\(?TRD\)?)?"
                      r"(?:\s+(?:[\w-]+\s+){0,3}?(?:depress|MDD\b|TRD\b|mood)|"
                      r"\s+(?:patients|individuals|subjects|participants|adults|inpatients|outpatients|cases|"
                      r"veterans|adolescents|youth)\b(?!\s+(?:with|suffering from|diagnosed with)\s+(?:[\w-]+\s+){0,2}?"
                      r"(?:schizophreni|OCD\b|obsessive|pain|epilep|anxiety|PTSD|post-?traumatic|psychos|eating)))|"
                      r"\bTR-?D\b|refractory depress|"
                      r"difficult[- ]to[- ]treat depress|"
                      r"failed (?:to respond to )?(?:at least )?(?:two|2|three|3) (?:or more )?antidepressant", T),
    # who was enrolled, not what was measured: "patients with active suicidal ideation", "after a suicide attempt";
    # not "no increased risk of suicidality", "suicidal ideation was assessed with the C-SSRS"
    "suicidal": re.compile(r"\b(?:patients|participants|individuals|adults|adolescents|youths?|veterans|"
                           r"inpatients|outpatients|people|subjects|women|men|children)\s+(?:[\w-]+\s+){0,2}?"
                           r"(?:with|experiencing|reporting|presenting with|at (?:high |imminent |elevated )?risk "
                           r"(?:of|for))\s+(?:[\w-]+\s+){0,3}?(?:suicid\w*)|\bsuicidal (?:patients|individuals|"
                           r"inpatients|adolescents|youths?|adults|veterans|participants|subjects)|"
                           r"\b(?:after|following) (?:a |their )?suicide attempts?|\bsuicide attempters?\b|"
                           r"\b(?:acutely|actively|highly) suicidal\b|\bsuicidal crisis|"
                           r"\bsuicide risk (?:patients|population)|"
                           # "suicidal, depressed participants", "TRD with suicidal ideation (SI)", "a depressive
                           # episode with active suicidality", "had significant suicidal ideation at baseline"; not
                           # "controlling for baseline suicidality", a covariate
                           r"\bsuicidal,? (?:and )?depressed (?:patients|participants|adults|adolescents|youths?|"
                           r"individuals|inpatients|veterans|emergency)|"
                           r"\b(?:depress\w*|TRD|MDD|disorder|episodes?)\)?\s+with\s+(?:(?:acute|active|current|"
                           r"significant|high|severe|baseline|recent|clinically significant|comorbid)\s+)*"
                           r"(?:suicidal (?:ideation|intent|thoughts|behaviou?rs?)|suicidality|SI\b)|"
                           r"\b(?:had|with|reported|reporting|experiencing)\s+(?:\w+\s+){0,2}?suicidal "
                           r"(?:ideation|intent|thoughts) at baseline", T),
    "mdd": re.compile(r"major depress|\bMDD\b|unipolar", T),
    # bipolar depression or disorder, type I or II; not "unipolar and bipolar" as a contrast of words alone
    "bipolar": re.compile(r"\bbipolar (?:I{1,2}\b|depress|disorders?|patients|spectrum|affective|type)", T),
    # depression around pregnancy and birth, and those who give birth ("women undergoing caesarean section"); not a
    # pregnancy test or "women who were pregnant were not eligible"
    "perinatal": re.compile(r"\b(?:post-?partum|post-?natal|perinatal|peri-?partum|antenatal|prenatal|puerperal)\s+"
                            r"(?:depress|women|mothers|patients|period)|\bPPD\b|\bpregnant (?:women|patients|mothers)|"
                            r"\bdepress\w* (?:during|in) pregnancy|\bparturients?\b|"
                            r"\b(?:ca?esarean|cesarean) (?:section|delivery)|\bpuerper", T),
}


def populations(text: str) -> list[str]:
    return [name for name, rx in POPULATION_RX.items() if rx.search(text)]


PREVENTION = re.compile(r"(?<!relapse )(?<!recurrence )\bprevent(?:s|ed|ing|ion)?\b"
                        r"(?! (?:of )?(?:depressive )?(?:relapse|recurrence))"
                        r"[^.]{0,80}\b(?:postpartum|post-partum|postoperative|perioperative|postnatal|"
                        r"post-stroke|depressi)|\b(?:incidence|occurrence) of (?:postpartum|"
                        r"postoperative|postnatal|perinatal) depress", T)
ECT_ANAESTHESIA = re.compile(r"\b(?:ECT|electroconvulsive)\b[^.]{0,120}\b(?:anaesthe|anesthe|induction)|"
                             r"\b(?:anaesthe|anesthe)\w*[^.]{0,80}\b(?:ECT|electroconvulsive)", T)


SURGICAL = re.compile(r"\bundergoing\b[^.]{0,60}\b(?:surgery|section|delivery|resection|arthroplasty|fixation|"
                      r"operation|anaesthesia|anesthesia)|\b(?:ca?esarean|intraoperative|perioperative|"
                      r"postoperative depress|post-operative depress|anesthesia induction|anaesthesia induction)", T)
DEPRESSED_AT_BASELINE = re.compile(r"\b(?:patients|women|adults|participants|mothers) with (?:major |moderate |"
                                   r"severe |pre-?existing |preoperative |antenatal |prenatal )?(?:depress|MDD|TRD)|"
                                   r"\bdepressed (?:patients|women|mothers|adults)|\btreatment-resistant|\bMDD\b|"
                                   r"\bmajor depressive (?:disorder|episode)", T)


PRIOR_WORK = re.compile(r"\b(?:ha(?:ve|s) been|were|was) (?:widely |previously |consistently )?(?:shown|observed|"
                        r"reported|demonstrated|established|documented|approved)\b|\bprevious(?:ly)?\b|\bprior "
                        r"(?:studies|research|work)\b|\bapproved\b|\bwhile\b[^.]{0,80}\bin (?:patients with )?"
                        r"(?:treatment-resistant|TRD|MDD|major depress)", T)


def is_prevention(text: str) -> bool:
    """A trial preventing depression in people not depressed at the start (perioperative, postpartum). A surgical
    trial counts unless it enrols depressed people; a remark on earlier work ("effects have been observed in
    treatment-resistant depression") does not say who was enrolled, nor does preventing a relapse."""
    if PREVENTION.search(text):
        return True
    studied = " ".join(s for s in re.split(r"(?<=[.;])\s+", text) if not PRIOR_WORK.search(s))
    return bool(SURGICAL.search(text)) and not DEPRESSED_AT_BASELINE.search(studied)


PREDICTOR_TITLE = re.compile(r"\bpredict\w*|\bassociat\w*|\bcorrelat\w*|\bsex differences\b|"
                             # a moderator, not the severity: "moderated by", not "moderate to severe depression"
                             r"\bmoderat(?:ed|ion|ions|ors?|ing)\b|"
                             r"\bmoderates?(?= (?:the|its|their|this|that|whether|how)\b)|\bmediat\w*|"
                             r"\bfactors\b|\bconnectivity\b|\bmechanisms?\b|\bEEG\b|\bgenome|\bimaging\b|"
                             r"\bbiomarkers?\b", T)
OUTCOME_TITLE = re.compile(r"\bremission|\befficacy|\beffective|\boutcomes?\b|\bimprove[sd]?\b|\breduce[sd]?\b|"
                           r"\brelieve[sd]?\b|\btrial\b", T)


def is_predictor_study(text: str) -> bool:
    """A study of what predicts, moderates or accompanies the response (EEG, connectivity, baseline traits): its
    findings are associations, not the drug's efficacy."""
    title = text.split("\n", 1)[0]
    return bool(PREDICTOR_TITLE.search(title)) and not OUTCOME_TITLE.search(title)


def is_ect_anaesthesia(text: str) -> bool:
    return bool(ECT_ANAESTHESIA.search(text))
REAL_WORLD = re.compile("|".join([
    r"\bsurvey", r"\bcross[- ]sectional", r"\bregistry", r"\breal[- ]world", r"\bnaturalistic",
    r"\bemergency department",
    r"\brecreational", r"\bpoison (?:control|centre|center)", r"\bdatabase", r"\belectronic (?:health|medical)",
    r"\bclaims data", r"\bcase[- ]control", r"\bpopulation-based", r"\bnationwide", r"\brespondents\b"]), T)


def psynamic_study_type(text: str, design: str) -> str:
    """Our design in PsyNamic's study-type vocabulary (cohort only when named; surveys and records: real_world)."""
    if design == "case_report":
        return "case_series" if CASE_SERIES.search(text) else "case_report"
    if design == "cohort":
        if re.search(r"\bcohort\b", text, T):
            return "cohort"
        return "real_world" if REAL_WORLD.search(text) else "other"
    title = text.split("\n", 1)[0]
    if design == "rct" and (SECONDARY.search(text) or MECHANISTIC.search(title)):
        return "other"  # secondary analyses and mechanistic experiments are "other" in PsyNamic's labels
    if design in ("rct", "systematic_review", "protocol", "qualitative"):
        return design
    return "real_world" if design == "other" and REAL_WORLD.search(text) else "other"


MECHANISTIC = re.compile(r"\bEEG\b|\bMEG\b|\bPET\b|\bfMRI\b|\bMRI\b|\bneuroimaging|\bpharmacokinetic|\bbrain activity|"
                         r"\bconnectivity|\bgating\b|\bbiomarker|\bcortisol|\bplasma\b|\bmetabolit|\breceptor", T)
SECONDARY = study_type.CUES["secondary"]  # one list with the learned type's indicator (they had drifted apart)

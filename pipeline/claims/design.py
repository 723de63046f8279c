"""Study design of an article: from publication types and MeSH when PubMed gives them, from the text otherwise.

Designs: rct, systematic_review (incl. meta-analysis), cohort (observational, open-label, real-world, cross-
sectional), case_report (report or series), protocol, animal (animal or in-vitro), qualitative, other.
"""

from __future__ import annotations

import re

DESIGNS = ("rct", "systematic_review", "cohort", "case_report", "protocol", "animal", "qualitative", "other")
PUB_TYPES = [
    ("protocol", {"Clinical Trial Protocol"}),
    ("systematic_review", {"Systematic Review", "Meta-Analysis", "Network Meta-Analysis"}),
    ("rct", {"Randomized Controlled Trial", "Equivalence Trial", "Pragmatic Clinical Trial"}),
    ("case_report", {"Case Reports"}),
    ("cohort", {"Observational Study", "Multicenter Study", "Clinical Trial", "Clinical Trial, Phase I",
                "Clinical Trial, Phase II", "Comparative Study", "Controlled Clinical Trial"}),
]
ANIMAL_MESH = {"Animals", "Rats", "Mice", "Rats, Sprague-Dawley", "Rats, Wistar", "Mice, Inbred C57BL", "Zebrafish",
               "Disease Models, Animal", "Cells, Cultured", "In Vitro Techniques"}

T = re.IGNORECASE
PROTOCOL = re.compile(r"\bprotocol\b|\bwill be (?:randomi[sz]ed|recruited|enrolled|assigned|assessed)\b|"
                      r"\bethics and dissemination\b|\bthis (?:trial|study) will\b", T)
REVIEW = re.compile(r"\bsystematic(?:ally)? review|\bmeta[- ]?analy|\bscoping review|\bumbrella review|"
                    r"\bpooled analysis|\bwe searched\b|\bwere searched\b|\bsearch(?:ed)? (?:of )?(?:PubMed|MEDLINE|"
                    r"Embase|Web of Science|Cochrane|PsycINFO)", T)
NARRATIVE = re.compile(r"\b(?:narrative|literature|critical) review\b|\bthis review\b|\bwe review\b|\bin this review\b|"
                       r"\breview(?:s|ed)? (?:the|current|recent) (?:literature|evidence|findings)", T)
ANIMAL = re.compile(r"\b(?:rats?|mice|mouse|murine|rodents?|zebrafish|primates?|macaques?|in vitro|cultured|"
                    r"cell lines?|hippocampal slices|C57BL|Sprague[- ]Dawley|Wistar)\b", T)
HUMAN = re.compile(r"\b(?:patients?|participants?|volunteers?|adults?|subjects? with|women|men|adolescents?)\b", T)
CASE_SERIES = re.compile(r"\bcase series\b|\bwe (?:report|describe|present) (?:two|three|four|five|\d+) "
                         r"(?:cases|patients)\b", T)
CASE = re.compile(r"\bcase report\b|\bwe (?:report|describe|present) (?:a|the) case\b|\bcase of an?\b|"
                  r"\ban? \d{1,2}-year-old (?:man|woman|male|female|patient|boy|girl)\b", T)
RCT = re.compile(r"\brandomi[sz]ed\b|\brandomly (?:assigned|allocated)\b|\bdouble[- ]blind|\bplacebo[- ]controlled\b|"
                 r"\bcrossover\b|\bcross-over\b", T)
COHORT = re.compile(r"\bretrospective\b|\bprospective\b|\bcohort\b|\bopen[- ]label\b|\bobservational\b|\bregistry\b|"
                    r"\breal[- ]world\b|\bnaturalistic\b|\bchart review\b|\bcross[- ]sectional\b|\bsurvey\b|"
                    r"\bsingle[- ]arm\b|\bpilot study\b|\bcase[- ]control\b|\buncontrolled\b", T)
QUALITATIVE = re.compile(r"\bqualitative\b|\bsemi-structured interviews?\b|\bthematic analysis\b|"
                         r"\binterpretative phenomenological\b", T)


def classify(text: str, publication_types: list[str] | None = None, mesh: list[str] | None = None) -> str:
    """The primary design; PubMed's indexing first, the abstract's own words otherwise."""
    pts = set(publication_types or [])
    for design, names in PUB_TYPES[:4]:
        if pts & names:
            return design
    mesh_set = set(mesh or [])
    title = text.split("\n", 1)[0]
    if PROTOCOL.search(title) or (PROTOCOL.search(text) and re.search(r"\bwill\b", text)):
        return "protocol"
    if REVIEW.search(text):
        return "systematic_review"
    animal_words = len(ANIMAL.findall(text))
    if (mesh_set & ANIMAL_MESH and "Humans" not in mesh_set) or (animal_words >= 2 and
                                                                  animal_words > len(HUMAN.findall(text))):
        return "animal"
    if CASE_SERIES.search(text) or CASE.search(text):
        return "case_report"
    if QUALITATIVE.search(text):
        return "qualitative"
    if RCT.search(text) and not NARRATIVE.search(text):
        return "rct"
    if pts & PUB_TYPES[4][1] or COHORT.search(text):
        return "cohort"
    return "other"


def is_review(text: str) -> bool:
    """A review of other work (systematic or narrative): its routes and doses are not its own."""
    return bool(REVIEW.search(text) or NARRATIVE.search(text) or re.search(r"\breview\b", text.split("\n")[0], T))

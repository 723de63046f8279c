"""Context of a mention: negated, hedged, and the abstract part it stands in (background, methods, results,
conclusions). Cue lists are deliberately short and readable; the gold set measures them."""

from __future__ import annotations

import re

# a negation cue; it reaches a mention up to 60 characters on, within the clause (no full stop, ";" or ":"). The
# longer forms of "no" come first, so a match runs as far as the cue does ("no significant difference ... in").
NEG_CUE = re.compile(
    r"\bno evidence of\b|\bno signs? of\b|\bno cases? of\b|"
    r"\bno (?:serious|significant|clinically significant|major|severe|new|lasting|persistent)\b|"
    r"\bno\b|\bnot\b|\bnor\b|\bneither\b|\bwithout\b|\babsence of\b|\babsent\b|\bfree of\b|\bdenied\b|"
    r"\bnone of\b|\bnever\b|\brather than\b|\bruled out\b", re.IGNORECASE)
NEG_SCOPE = re.compile(r"[^.;:]{0,60}")
NEG_AFTER = re.compile(
    r"^[^.;]{0,40}?\b(?:was|were|is|are|has been|have been)\s+(?:not|never)\s+(?:observed|reported|seen|found|"
    r"detected|noted|present|increased|experienced)|^[^.;]{0,30}?\b(?:did|does|do) not (?:occur|emerge|develop|"
    r"increase)|^[^.;]{0,25}?\b(?:was|were) absent", re.IGNORECASE)
# "not" that denies something else than the effect's occurrence: "not only", "due to not tolerating dissociation"
NOT_OCCURRENCE = re.compile(r"\s+(?:only|just|merely|tolerat\w*)\b", re.IGNORECASE)
# the effect is the subject of its own clause: "..., fatal arrhythmias may occur" (not a list: "without nausea,
# vomiting or dizziness")
CLAUSE_VERB_AFTER = re.compile(r"\s+(?:may|might|can|could|will|would|occur\w*|develop\w*|emerged?|appeared?|"
                               r"(?:was|were|is|are)\b)", re.IGNORECASE)
# "Neither acute dissociative nor psychotomimetic effects were associated with ...": the effects occurred, the
# association is what is denied
ASSOCIATION_AFTER = re.compile(r"(?:(?!\b(?:was|were|is|are)\b)[^.;]){0,80}\b(?:was|were|is|are)\s+"
                               r"(?:significantly\s+)?(?:associated|correlated|related|linked|predictive)\b",
                               re.IGNORECASE)
CONTRAST = re.compile(r"\b(?:but|however|although|whereas|except|while)\b", re.IGNORECASE)
HEDGE = re.compile(
    r"\b(?:may|might|could|possibly|potentially|perhaps|appears? to|seems? to|if|whether|hypothesi[sz]ed?|"
    r"hypothesis|expected to|we aim|aims? to|aimed to|aim of (?:this|the|our) (?:study|trial|work)|to assess|"
    r"to evaluate|to investigate|to determine|to examine|to compare|to correlate|warrant|"
    r"further (?:research|studies|study)|would|should|concerns? about|unclear)\b|"
    # "potential" hedges ("potential side effects"), not as the noun of "abuse potential"
    r"\bpotential\b(?<!abuse potential)(?<!abuse-potential)(?<!misuse potential)(?<!addictive potential)"
    r"(?<!addiction potential)",
    re.IGNORECASE)
# "a risk of cystitis" is a possibility; "increased the risk of dizziness (RR = 1.99, 95% CI ...)" a result
RISK = re.compile(r"\brisk of\b", re.IGNORECASE)
# ... unless a change of it is the finding: "esketamine increased the risk of dizziness" (not "patients at higher
# risk of suicide", "a theoretical increased risk of abuse": who was enrolled, a possibility)
RISK_CHANGED = re.compile(r"\b(?:(?:increased|decreased|reduced|lowered|raised|doubled|tripled) the|"
                          r"(?:associated with|had|showed|carried|conferred) (?:a |an )?(?:significantly )?"
                          r"(?:higher|lower|greater|increased|reduced|decreased))\s+$", re.IGNORECASE)
RESULT_STATISTICS = re.compile(r"\b[pP]\s*[<=≤>]|\b95\s*%|\b(?:RR|OR|HR|aOR|IRR|ROR)\s*(?:[=:(,]|\d)|\bCI\b")

SECTION_ROLES = {
    "background": ("BACKGROUND", "INTRODUCTION", "OBJECTIVE", "OBJECTIVES", "AIM", "AIMS", "PURPOSE", "CONTEXT",
                   "RATIONALE", "IMPORTANCE", "HYPOTHESIS", "INTRODUCTION AND BACKGROUND", "BACKGROUND AND AIMS",
                   "BACKGROUND AND OBJECTIVE", "BACKGROUND AND OBJECTIVES", "BACKGROUND AND PURPOSE",
                   "AIM OF THE STUDY", "STUDY OBJECTIVE", "PROBLEM"),
    "methods": ("METHODS", "METHOD", "DESIGN", "SETTING", "SETTINGS", "PARTICIPANTS", "PATIENTS", "INTERVENTION",
                "INTERVENTIONS", "MEASUREMENTS", "MATERIALS AND METHODS", "MAIN OUTCOME MEASURES",
                "MAIN OUTCOMES AND MEASURES", "OUTCOME MEASURES", "STUDY DESIGN", "DESIGN, SETTING, AND PARTICIPANTS",
                "METHODS AND ANALYSIS",
                "SUBJECTS", "PROCEDURES", "EXPERIMENTAL DESIGN", "DATA SOURCES", "STUDY SELECTION", "DATA EXTRACTION",
                "SEARCH METHODS", "SELECTION CRITERIA", "DATA COLLECTION AND ANALYSIS", "ELIGIBILITY CRITERIA",
                "TRIAL REGISTRATION", "ETHICS AND DISSEMINATION", "REGISTRATION", "CLINICAL TRIAL REGISTRATION"),
    "results": ("RESULTS", "RESULT", "FINDINGS", "MAIN RESULTS", "OUTCOMES", "KEY RESULTS", "CASE PRESENTATION",
                "CASE REPORT", "CASE", "OBSERVATIONS"),
    "conclusions": ("CONCLUSIONS", "CONCLUSION", "INTERPRETATION", "DISCUSSION", "IMPLICATIONS",
                    "CONCLUSIONS AND RELEVANCE", "AUTHORS' CONCLUSIONS", "CLINICAL IMPLICATIONS", "SIGNIFICANCE",
                    "LIMITATIONS", "CONCLUSION AND RELEVANCE", "SUMMARY"),
}
NLM_ROLES = {"BACKGROUND": "background", "OBJECTIVE": "background", "METHODS": "methods", "RESULTS": "results",
             "CONCLUSIONS": "conclusions"}
_LABEL_ROLE = {label: role for role, labels in SECTION_ROLES.items() for label in labels}
ROLE_ORDER = ("background", "methods", "results", "conclusions")
LABEL_PARTS = re.compile(r"\s*(?:/|,|&|\bAND\b)\s*")
INLINE_LABEL = re.compile(r"^\s*([A-Z][A-Za-z ,'&/-]{2,60}?)\s*:(?:\s|$)")  # "RESULTS:" alone on its line too
# a section header left in running text (a lost full stop or a truncated abstract: "... 0.5 mg/kg RESULTS: A
# total of ..."): the sentence splitter starts a sentence at it (section_headers)
SECTION_WORD = (r"RESULTS?|CONCLUSIONS?|FINDINGS|INTERPRETATION|DISCUSSION|RELEVANCE|LIMITATIONS?|METHODS?|DESIGN|"
                r"BACKGROUND|OBJECTIVES?|AIMS?|PURPOSE|INTRODUCTION|SETTINGS?|PARTICIPANTS|INTERVENTIONS?|MEASURES|"
                r"OUTCOMES?|REGISTRATION|SELECTION|SOURCES|SYNTHESIS")
INLINE_HEADER = re.compile(rf"(?<![A-Z])\s\(?\s*(?=(?:[A-Z][\w-]* ){{0,3}}?(?:{SECTION_WORD}):\s)")
HEADER_LABEL = re.compile(rf"(?:{SECTION_WORD})(?: AND (?:{SECTION_WORD}))?(?=:)")
# the word boundaries on the words only: after "p <" or "vs." a `\b` needed a letter next ("p = 0.03" never matched)
RESULT_CUES = re.compile(r"\bp\s*[<=>≤]|\b95%\s*CI\b|\b(?:significant(?:ly)?|reduced|improved|increased|decreased|"
                         r"was associated|were associated|respond(?:ed|ers)|remission was|odds ratio|hazard ratio|"
                         r"mean difference|effect size|SMD|compared with|versus|vs)\b", re.IGNORECASE)
# an observation told in the first person or as an event: "We noted a rapid and enduring effect", "There was an
# immediate drop in suicidality"; not earlier work ("Previously, we found", "In a prior study, we observed")
OBSERVED = re.compile(r"\bwe (?:noted|observed|found|saw|detected)\b|"
                      r"\bthere (?:was|were) an? (?:\w+ )?(?:drop|decrease|reduction|improvement|decline|fall)\b",
                      re.IGNORECASE)
EARLIER = re.compile(r"\b(?:previous(?:ly)?|prior|earlier|past|have (?:also )?(?:noted|observed|found|seen))\b",
                     re.IGNORECASE)
CONCLUSION_CUES = re.compile(r"^\s*(?:in conclusion|in summary|overall|taken together|these (?:findings|results|data)|"
                             r"our (?:findings|results|data)|this study (?:shows|demonstrates|suggests|provides)|"
                             r"we conclude)", re.IGNORECASE)
METHOD_CUES = re.compile(r"\b(?:were randomi[sz]ed|randomly assigned|were enrolled|were recruited|were included|"
                         r"we (?:conducted|performed|searched|recruited|enrolled|included|analy[sz]ed|measured|used)|"
                         r"was assessed|were assessed|were measured|primary (?:outcome|endpoint) was|received|"
                         r"(?:analysis|study|review|survey|trial|audit) (?:was|were) (?:conducted|performed|"
                         r"carried out|undertaken))\b",
                         re.IGNORECASE)
# methods words that a results sentence also uses ("patients who underwent ECT improved significantly"): methods
# only when nothing in the sentence reads as a result
METHOD_CUES_WEAK = re.compile(r"\b(?:underwent|undergo|(?:was|were) administered)\b", re.IGNORECASE)
# what a study found, in words the result cues above lack: "a pattern of impairment was observed", "psilocybin
# induced fully psychedelic effects" (read only after a weak methods sentence, whose role would pass on)
REPORTED_AFTER_METHODS = re.compile(r"\b(?:was|were) (?:(?:also|partially|further) )?(?:observed|found|seen|noted|"
                                    r"replicated|detected)\b|\b(?:induced|impaired|peaked|showed|revealed)\b",
                                    re.IGNORECASE)
BACKGROUND_CUES = re.compile(r"\b(?:we aimed|this study aimed|the aim|the objective|the purpose|to investigate|"
                             r"to evaluate|to assess|to examine|to determine|is a (?:common|major|serious)|remains|"
                             r"has been (?:shown|reported)|have been (?:shown|reported)|studies have (?:\w+ )?"
                             r"(?:shown|demonstrated|reported|found|suggested)|ha(?:s|ve) not been (?:well )?"
                             r"(?:studied|investigated|explored))\b", re.IGNORECASE)


def label_role(label: str | None, nlm_category: str | None = None) -> str | None:
    if nlm_category and nlm_category.upper() in NLM_ROLES:
        return NLM_ROLES[nlm_category.upper()]
    if not label:
        return None
    key = label.strip().upper().rstrip(":").strip()
    if key in _LABEL_ROLE:
        return _LABEL_ROLE[key]
    # a combined label ("METHODS AND RESULTS", "RESULTS/OUTCOMES", "DISCUSSION AND CONCLUSIONS") holds the
    # sentences of its latest part too, and its findings must not read as methods: results when one part is
    # results ("RESULTS AND DISCUSSION" reports results), else the latest part's role
    roles = [_LABEL_ROLE[p] for p in LABEL_PARTS.split(key) if p in _LABEL_ROLE]
    if "results" in roles:
        return "results"
    return max(roles, key=ROLE_ORDER.index) if roles else None


# the capitalised words right before a section word, which may begin its label ("CLINICAL TRIAL " before
# "REGISTRATION:", "AUTHORS' " before "CONCLUSIONS:") or be the end of the text before it ("HDRS " before "RESULTS:")
CAPS_BEFORE = re.compile(r"(?:\b[A-Z][A-Z'-]*,?\s+)+$")
CAPS_WORD = re.compile(r"[A-Z][A-Z'-]*")


def is_label(words: str) -> bool:
    """A section label we know, whole or as a list of known parts ("MEASUREMENTS AND MAIN RESULTS")."""
    key = words.strip().upper().rstrip(":").strip()
    parts = [p for p in LABEL_PARTS.split(key) if p]
    return key in _LABEL_ROLE or bool(parts) and all(p in _LABEL_ROLE for p in parts) and \
        not re.match(r"(?:AND|OR)\b|,", key)


def section_headers(text: str) -> list[tuple[int, int]]:
    """The section headers in running text as (first capitalised word before the section word, start of the label):
    "... on the MADRS RESULTS: Scores fell within a day ..." (a truncated abstract) gives the offsets of "MADRS"
    and "RESULTS". A label starts at the first of the capitalised words before its section word that still make a known
    label ("CLINICAL TRIAL REGISTRATION", "DESIGN, SETTING, AND PARTICIPANTS"; not "MADRS RESULTS"). The sentence
    splitter starts a sentence at the label unless one already starts at the first word ("RECENT FINDINGS:" after a
    full stop is one label, known or not), so a finding is not cited together with the methods before it, and the
    sentence's inline label gives its section and role."""
    if ":" not in text:
        return []
    out = set()
    for m in INLINE_HEADER.finditer(text):
        label = HEADER_LABEL.search(text, m.end())
        if not label or label.start() - m.end() >= 40 or label_role(label.group()) is None:
            continue
        first = start = label.start()
        if run := CAPS_BEFORE.search(text, max(0, start - 60), start):
            first = run.start()
            start = next((w.start() for w in CAPS_WORD.finditer(text, run.start(), start)
                          if is_label(text[w.start():label.end()])), start)
        out.add((first, start))
    return sorted(out)


def inline_label(sentence: str) -> str | None:
    """"RESULTS: ..." or "Results: ..." at a sentence start -> the label (JSON-lines abstracts keep section labels
    inline)."""
    m = INLINE_LABEL.match(sentence)
    if not m:
        return None
    label = m.group(1).strip()
    # capitals are a label whatever they say; "Results:" or "Main outcome measures:" only when it names a section
    return label if label.upper() == label or label_role(label) is not None else None


def sentence_roles(sentences: list[str], section_roles: list[str | None]) -> list[str]:
    """One role per sentence: title, background, methods, results, conclusions.

    Structured sections decide when present, then inline labels ("RESULTS: ...", carried forward); otherwise cues
    and position: the first body sentence is background, the last conclusions, a sentence with statistics results.
    """
    roles: list[str] = []
    weak: set[int] = set()
    current: str | None = None
    n = len(sentences)
    for i, (sent, sec_role) in enumerate(zip(sentences, section_roles, strict=True)):
        if i == 0:
            roles.append("title")
            continue
        role = sec_role or label_role(inline_label(sent))
        if role:
            current = role
            roles.append(role)
            continue
        if current:
            roles.append(current)
            continue
        if i == 1 and n > 4:
            roles.append("background")  # an unstructured abstract opens with its context, even one with numbers
        elif CONCLUSION_CUES.search(sent):
            roles.append("conclusions")
        elif BACKGROUND_CUES.search(sent) and i <= max(2, n // 3):
            roles.append("background")
        elif METHOD_CUES.search(sent) and not re.search(r"\bp\s*[<=]", sent):
            roles.append("methods")
        elif RESULT_CUES.search(sent) or (OBSERVED.search(sent) and not EARLIER.search(sent)):
            roles.append("results")
        elif METHOD_CUES_WEAK.search(sent) and i < n - 1:
            roles.append("methods")
            weak.add(i)  # its own role only: the sentences after it do not inherit it
        elif i == 1:
            roles.append("background")
        elif i == n - 1:
            roles.append("conclusions")
        else:
            prev = roles[-1]
            if i - 1 in weak:  # a weak methods cue passes on only inside the methods: results go on after it
                strong = next(r for j, r in reversed(list(enumerate(roles))) if j not in weak)
                prev = strong if strong in ("results", "conclusions") else \
                    "results" if REPORTED_AFTER_METHODS.search(sent) else "methods"
            if prev == "background" and i > n // 2:
                roles.append("results")  # an unstructured abstract's second half is not its background
            else:
                roles.append(prev if prev != "title" else "background")
    return roles


def is_negated(sentence: str, start: int, end: int) -> bool:
    """Offsets are within `sentence`. A cue before the mention (not across "but") or a denial after it."""
    before = sentence[max(0, start - 80):start]
    # the cue closest to the mention decides: a contrast after it ends its scope ("Nausea was absent, but
    # dizziness occurred"), one before it does not ("no serious events, however no patient had hypertension")
    cues = list(NEG_CUE.finditer(before))
    if cues and NEG_SCOPE.fullmatch(before, cues[-1].end()) and not CONTRAST.search(before, cues[-1].end()):
        cue = cues[-1].group().lower()
        if cue == "not" and NOT_OCCURRENCE.match(before, cues[-1].end()):
            return False
        if cue == "without" and "," in before[cues[-1].end():] and CLAUSE_VERB_AFTER.match(sentence, end):
            return False  # "without rigorous screening, fatal arrhythmias may occur": the comma closed its phrase
        return not (cue in ("neither", "nor") and ASSOCIATION_AFTER.match(sentence, end))
    return bool(NEG_AFTER.search(sentence[end:end + 60]))


def is_hedged(sentence: str) -> bool:
    if HEDGE.search(sentence) is not None:
        return True
    if RISK.search(sentence) is None:
        return False
    return any(not RISK_CHANGED.search(sentence, max(0, r.start() - 45), r.start()) for r in RISK.finditer(sentence)) \
        and not RESULT_STATISTICS.search(sentence)


def entity_mark(entity: dict) -> str:
    """What a reader is told beside an entity's label: " negated" or " hedged" for an adverse event ("no psychotic
    symptoms" names a harm that did not occur, "may cause nausea" one that might), else nothing: a negated outcome
    ("no change in MADRS") was still measured, and hedging is a sentence's, which would strip every mark from an aims
    sentence. The report and the review app draw it as an outlined mark with this word in its label."""
    if entity["label"] != "ADVERSE_EVENT":
        return ""
    return " negated" if entity.get("negated") else " hedged" if entity.get("hedged") else ""

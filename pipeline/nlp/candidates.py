"""Candidate spans of every label from the rules (vocabularies, dose and time rules, abbreviations) and the
tagger, the ones their context rules out left out, then one source per label as configured."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache

from spacy.attrs import IDX, LENGTH, TAG
from spacy.tokens import Doc

from pipeline.nlp import lexicon, rules
from pipeline.nlp.labels import LABELS
from pipeline.nlp.normalise.mention import lookup


def overlaps(a: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


def _resolve(spans: list[tuple[int, int, str, str | None, dict, str]]) -> list:
    """Drop overlaps within a label: longest first, then earliest."""
    out: dict[str, list] = {}
    for sp in sorted(spans, key=lambda x: (-(x[1] - x[0]), x[0])):
        kept = out.setdefault(sp[2], [])
        if not overlaps((sp[0], sp[1]), [(k[0], k[1]) for k in kept]):
            kept.append(sp)
    return sorted((sp for v in out.values() for sp in v), key=lambda x: (x[0], x[2]))


ROMAN_NUMERAL_BEFORE = re.compile(rf"(?:[A-Za-z0-9]{rules.DASH}|\b(?:phase|stage|grade|type|class|axis|level|criteria|"
                                  r"NYHA|DSM|ICD|group|arm|cohort|category|part)\s+)$", re.IGNORECASE)


SHOUTED_WORD = re.compile(r"[A-Z]{2,}")


def _defined_otherwise(doc: Doc, spans: list[tuple[int, int]]) -> set[str]:
    """Short forms the abstract defines by a long form that none of `spans` covers: "sleep quality (SQ)" is no
    subcutaneous route, "auditory steady-state response (ASSR)" no adverse effect."""
    found = {short.text for short in doc._.abbreviations
             if not overlaps((short._.long_form.start_char, short._.long_form.end_char), spans)}
    # a plural short form defines its singular too: "eating disorders (EDs)" ... "an undiagnosed ED"
    return found | {f[:-1] for f in found if len(f) > 2 and f.endswith("s") and f[:-1].isupper()}


def _route_abbreviation(text: str, start: int, end: int) -> bool:
    """Is an upper-case route abbreviation ("IV", "IN", "PO") one? Not the numeral of "DSM-IV", "phase IV" or "Group
    IV", nor the preposition of a title in capitals ("ANXIETY IN AUTISM"); "IV-KET" is (the annotators mark it)."""
    surface = text[start:end]
    if not surface.isupper() or not surface.isalpha():
        return True
    if ROMAN_NUMERAL_BEFORE.search(text, max(0, start - 12), start):
        return False
    if surface != "IN":
        return True
    before = text[max(0, start - 30):start].split()
    after = text[end:end + 30].split()
    return not (before and after and SHOUTED_WORD.fullmatch(before[-1].strip(",.:;()"))
                and SHOUTED_WORD.fullmatch(after[0].strip(",.:;()")))


# (start, end, label, canonical, attrs, source): a span one source proposes, before one source per label is chosen
Candidate = tuple[int, int, str, str | None, dict, str]


def _rule_candidates(doc: Doc, text: str) -> tuple[list[Candidate], list[Candidate]]:
    """The rules' spans, and those of them their context filters drop (the tagger may not bring those back)."""
    rule: list[Candidate] = []
    lex = lexicon.combined().find_labelled(text)
    for h in lex.get("DRUG", ()):
        rule.append((h.start, h.end, "DRUG", h.canonical, {}, "rules"))
    not_before, not_after = lexicon.route_not_before(), lexicon.route_not_after()
    redefined = _defined_otherwise(doc, [(h.start, h.end) for h in lex.get("ROUTE", ())])
    for h in lex.get("ROUTE", ()):
        if (not _route_abbreviation(text, h.start, h.end) or text[h.start:h.end] in redefined
                or (h.canonical in not_before and not_before[h.canonical].match(text, h.end))
                or (h.canonical in not_after and not_after[h.canonical].search(text[max(0, h.start - 20):h.start]))):
            continue
        rule.append((h.start, h.end, "ROUTE", h.canonical, {"norm": h.canonical}, "rules"))
    doses = rules.find_doses(text)
    for h in doses:
        rule.append((h.start, h.end, "DOSE", None, dict(h.attrs), "rules"))
    for h in rules.find_timepoints(text, [(d.start, d.end) for d in doses]):
        rule.append((h.start, h.end, "TIMEPOINT", None, dict(h.attrs), "rules"))
    for h in lex.get("OUTCOME", ()):
        rule.append((h.start, h.end, "OUTCOME", h.canonical, {}, "rules"))
    for h in rules.find_vital_changes(text):  # first: on the same span its normal form beats a learned surface
        rule.append((h.start, h.end, "ADVERSE_EVENT", h.attrs["canonical"], {}, "rules"))
    for h in lex.get("ADVERSE_EVENT", ()):
        rule.append((h.start, h.end, "ADVERSE_EVENT", h.canonical, {}, "rules"))
    taken = [(c[0], c[1]) for c in rule if c[2] == "ADVERSE_EVENT"]
    for h in rules.find_effects_in_context(text) + rules.find_listed_effects(text, taken):
        if not overlaps((h.start, h.end), taken):
            rule.append((h.start, h.end, "ADVERSE_EVENT", h.attrs["canonical"], {}, "rules"))
            taken.append((h.start, h.end))
    for h in rules.find_impairments(text, [(h.start, h.end) for h in lex.get("DRUG", ())]):
        if not overlaps((h.start, h.end), taken):
            rule.append((h.start, h.end, "ADVERSE_EVENT", h.attrs["canonical"], {}, "rules"))
    rule += _abbreviations(doc, rule)
    kept = _drop_by_context(text, rule)
    return kept, [c for c in rule if c not in kept]


def _model_candidates(doc: Doc, text: str, rule: list[Candidate], excluded: list[Candidate]) -> list[Candidate]:
    """The tagger's spans through the same context filters; not where a rule span of the label was dropped for its
    context, nor a time the guidelines cannot express in hours."""
    model: list[Candidate] = []
    for s, e, label in tagged_spans(doc):
        attrs: dict = {}
        if label == "TIMEPOINT":
            s, e = rules.complete_timepoint(text, s, e)
            attrs["hours"] = rules.timepoint_hours(text[s:e])
            if attrs["hours"] is None:
                continue
        model.append((s, e, label, None, attrs, "model"))
    model = _drop_by_context(text, [c for c in model if not bare_modifier(text, c)
                                    and not overlaps(c[:2], [x[:2] for x in excluded if x[2] == c[2]])])
    return drop_defined_otherwise(doc, text, model, rule)


def _choose(rule: list[Candidate], model: list[Candidate], sources: dict[str, str]) -> list[Candidate]:
    """Per label, the configured source: rules, model, or their union (the rule spans, with their exact boundaries
    and canonical forms, plus the model spans they do not touch)."""
    chosen: list[Candidate] = []
    for label in LABELS:
        mode = sources.get(label, "rules")
        r = [c for c in rule if c[2] == label]
        m = [c for c in model if c[2] == label]
        if mode == "rules":
            chosen += r
        elif mode == "model":
            chosen += m
        else:
            chosen += r + [c for c in m if not overlaps((c[0], c[1]), [(x[0], x[1]) for x in r])]
    return chosen


def find_candidates(doc: Doc, text: str, sources: dict[str, str]) -> list[Candidate]:
    """The document's spans from rules and model, per the configured source per label; a configured pretrained
    pipeline only adds spans where ours of its label leave a gap."""
    rule, excluded = _rule_candidates(doc, text)
    chosen = _choose(rule, _model_candidates(doc, text, rule, excluded), sources)
    extra = _drop_by_context(text, [(s, e, label, None, {}, "pretrained")
                                    for s, e, label in doc.user_data.get("kev_pretrained", ()) if label != "TIMEPOINT"])
    for c in extra:
        if not overlaps((c[0], c[1]), [(x[0], x[1]) for x in chosen if x[2] == c[2]]):
            chosen.append(c)
    return _drop_title_targets(text, _resolve(chosen))


def _drop_title_targets(text: str, cands: list) -> list:
    """The condition the title says the study treats or prevents ("esketamine on postoperative delirium", as an
    adverse-effect or outcome candidate there) is the disease being treated wherever the abstract names it, so none
    of its mentions is an adverse effect. Not when the title studies it ("risk factors for laryngospasm") or pins it
    on a drug ("ketamine-associated hallucinations", "hallucinations induced by ketamine")."""
    title_end = text.find("\n")
    pat = _context_patterns()
    targets = []
    for c in cands:
        if c[2] not in ("ADVERSE_EVENT", "OUTCOME") or c[1] > title_end:
            continue
        m = pat["title_target"].search(text, 0, c[0])
        if not m or (m.group("on") and not pat["title_target_on"].search(text[m.start():c[1]])):
            continue
        if pat["title_studies"].search(text, 0, m.start()) or pat["title_caused"].search(text[m.start():c[0]]) \
                or pat["title_caused_after"].match(text, c[1], title_end):
            continue
        targets.append(c)
    for c in sorted(cands, key=lambda x: x[0]):  # "... management of hyperactive delirium with severe agitation"
        if c[2] in ("ADVERSE_EVENT", "OUTCOME") and c[1] <= title_end and c not in targets and any(
                t[1] <= c[0] and TARGET_CONTINUED.fullmatch(text, t[1], c[0]) for t in targets):
            targets.append(c)
    names = {text[s:e].lower() for s, e, *_ in targets} | {c[3] for c in targets if c[3]} | \
        _title_conditions(text[:title_end] if title_end > 0 else "")
    if not names:
        return cands

    def named(c: tuple) -> bool:
        """The target, a part of it ("delirium" of "postoperative delirium") or its short form ("EA"); not a
        longer effect that contains it ("excessive sedation", "oversedation")."""
        mention = text[c[0]:c[1]]
        short_form = mention.isupper() and len(mention) <= 6
        return (short_form and c[3] in names) or any(
            re.search(rf"(?<![\w-]){re.escape(mention.lower())}(?![\w-])", n) for n in names)

    return [c for c in cands if c[2] != "ADVERSE_EVENT" or not named(c)]


# who or what a title's study treats: "LSD as Treatment for Cluster Headache", "psilocybin in migraine and cluster
# headache", "psilocybin in short-lasting unilateral neuralgiform headache attacks"
TITLE_CONDITION = re.compile(r"\b(?:in|for|treatment of|treating|management of|(?:patients|people|adults|children) "
                             r"with)\s+(?:[\w'-]+\s+){0,3}$", re.IGNORECASE)
# not a title that measures the effect ("Rise in dissociation after ketamine") or models it ("for modelling psychosis")
CHANGE_IN = re.compile(r"\b(?:reductions?|increases?|changes?|decreases?|rises?|falls?|improvements?|differences?|"
                       r"incidence|rates?|risk|severity|trajectory|trajectories)\s+$", re.IGNORECASE)
MODELLED = re.compile(r"\bmodel(?:s|led|ling|ed|ing)?\b", re.IGNORECASE)


def _title_conditions(title: str) -> set[str]:
    """Effect words of the vocabulary that name the condition a title's study treats, whether or not they are
    candidates there (the vocabulary's "headache" inside "cluster headache"): the disease being treated is not an
    adverse effect anywhere in the abstract (GUIDELINES). Not one the title pins on a drug."""
    pat = _context_patterns()
    found = set()
    for h in lexicon.adverse_events().find(title):
        m = TITLE_CONDITION.search(title, 0, h.start)
        if not m or CHANGE_IN.search(title, 0, m.start()) or pat["title_studies"].search(title, 0, m.start()) or \
                MODELLED.search(title, m.start(), h.start):
            continue  # "Rise in dissociation after ketamine" measures the effect, "for modelling psychosis" makes it
        caused = pat["title_caused"].search(title[m.start():h.start]) or pat["title_caused_after"].match(title, h.end)
        if not caused:
            found |= {title[h.start:h.end].lower(), h.canonical}
    return found


# the title's target goes on: "delirium with severe agitation", "delirium and agitation"
TARGET_CONTINUED = re.compile(r"\s+(?:with|and|or|and/or)\s+(?:[\w-]+\s+){0,2}", re.IGNORECASE)
# what a drug is used for, listed: "indications, including acute suicidality, pain, and sedation"
INDICATION_LIST = re.compile(r"\bindications?,?\s+(?:including|such as|for)\b[^.;:()]{0,60}$", re.IGNORECASE)
# what a drug was given for, a few words on: "treated with clarithromycin for pneumonia", "an ergot alkaloid for the
# treatment of migraine headaches"; not an effect the words pin on a drug ("for the treatment of ketamine-induced
# emergence delirium")
INDICATION_BEFORE = re.compile(r"(?:\b(?:(?:treated|prescribed|indicated|administered|received|receiving|taking|took|"
                               r"started|initiated)\b|\b(?:treatment|therapy) with\b"
                               r"|\b(?:therapy|infusion|injection|instillation)(?= for\b))"
                               r"(?:(?!\b(?:risk|required|needed|monitored|screened|discontinu\w*|stopp\w*|"
                               r"withdr\w*|terminat\w*|interrupt\w*|ceas\w*|halted|switched)\b)[^.;:]){0,50}"
                               r"(?:\bfor|\bbecause of|\bdue to|\bowing to)"
                               r"|\b(?:for|in) the (?:treatment|management|prevention) of) "
                               # modifiers only: not "for depression developed cystitis", "for years developed"
                               r"(?:(?!(?!suspected\b|presumed\b)[\w-]*(?:induced|associated|related|ed|ing)\b)(?!(?:years|months|weeks|days)\b)"
                               r"[\w-]+ (?:\([\w-]{1,8}\) )?){0,2}$", re.IGNORECASE)
# why a drug was stopped or a patient left is an effect, not an indication: "discontinued in 3 patients receiving
# esketamine because of dissociation", "3 dropped out due to dissociation"
STOPPED = re.compile(r"\b(?:discontinu\w*|stopp\w*|withdr\w*|terminat\w*|interrupt\w*|ceas\w*|halt\w*|switch\w*|"
                     r"dropp\w*|drop(?:s|ped)? out|left|reduc\w*|paus\w*|delay\w*|hospitali[sz]\w*|excluded|"
                     r"admitted)\b", re.IGNORECASE)
# a rescue treatment for an effect: "Rescue therapy for nausea", "ondansetron injection for nausea was required"
RESCUE = re.compile(r"\brescue\b", re.IGNORECASE)
NEEDED_AFTER = re.compile(r"\s+(?:was|were|is|are)\s+(?:\w+\s+)?(?:needed|required|necessary)\b", re.IGNORECASE)
# people named by their condition ("hypertensive woman", "agitated patients"), after an article, a preposition or
# an age; not a count of them ("Hypertensive patients were more frequent after esketamine")
PERSON_DESCRIBED = re.compile(r"(?:\b(?:a|an|the|in|of|for|with|among|to)|\d+[- ]years?[- ]old)\s+$", re.IGNORECASE)
PERSON_AFTER = re.compile(r"\s+(?:patients?|wom[ae]n|m[ae]n|subjects?|individuals?|child(?:ren)?|infants?|adults?|"
                          r"adolescents?|boys?|girls?|males?|females?|persons?|people|participants?|mothers?)\b",
                          re.IGNORECASE)
# a treatment an effect required is a rescue, not an indication: "required additional treatment with labetalol for
# hypertension", "needed rescue therapy with ondansetron for nausea"
REQUIRED_TREATMENT = re.compile(r"\b(?:requir|need|necessitat)\w*\s+(?:[\w-]+\s+){0,3}?(?:treatment|therapy|"
                                r"medication)\b[^.;:]*$", re.IGNORECASE)
# a rescue medication for an effect of the session is no indication: "received a benzodiazepine for refractory
# anxiety during the psilocybin session", "an antihypertensive for sustained hypertension after dosing"
RESCUED_AFTER = re.compile(r"\s+(?:during|after|following|on|at)\b", re.IGNORECASE)
# seizures that are no effect: of goods ("law enforcement seizures", "drug seizures") and the seizure ECT induces
# ("suboptimal seizures during ECT", "seizure duration"), unless prolonged
SEIZURE = re.compile(r"seizures?", re.IGNORECASE)
GOODS_SEIZURE_BEFORE = re.compile(r"\b(?:law enforcement|police|customs|border|drug|drugs)\s+$", re.IGNORECASE)
GOODS_SEIZURE_AFTER = re.compile(r"\s+of\s+(?:[\w-]+\s+){0,2}?(?:(?:es|ar)?ketamine|drugs?|cocaine|heroin|"
                                 r"cannabis|substances?|NPS|MDMA|ecstasy)\b", re.IGNORECASE)
ECT = re.compile(r"\bECT\b|\belectroconvulsive|\belectroshock", re.IGNORECASE)
PROLONGED = re.compile(r"\b(?:prolonged|status|spontaneous|tardive|late|recurrent)\s+$", re.IGNORECASE)
# the seizure ECT is given to induce: "suboptimal seizures", "ECT-induced seizure", "seizure duration/threshold",
# "seizures during ECT"; not "spontaneous seizures on the day after their last ECT session"
ECT_SEIZURE_BEFORE = re.compile(r"\b(?:suboptimal|optimal|adequate|inadequate|therapeutic|induced|ECT|motor|EEG|"
                                r"short|shorter|longer)\s+$", re.IGNORECASE)
ECT_SEIZURE_AFTER = re.compile(r"\s*(?:duration|threshold|quality|length|adequacy|expression|induction|"
                               r"during (?:the |an? |each )?(?:acute )?(?:course of )?(?:ECT|electroconvulsive))",
                               re.IGNORECASE)


def _seizure_no_effect(text: str, start: int, end: int) -> bool:
    if not SEIZURE.fullmatch(text, start, end):
        return False
    if GOODS_SEIZURE_BEFORE.search(text, max(0, start - 30), start) or GOODS_SEIZURE_AFTER.match(text, end):
        return True
    s = max(text.rfind(". ", 0, start), text.rfind("; ", 0, start), text.rfind("\n", 0, start)) + 1
    e = min([x for x in (text.find(". ", end), text.find("; ", end)) if x != -1] or [len(text)])
    sentence = text[s:e]  # its clause
    return bool(ECT.search(sentence)) and not PROLONGED.search(text, max(0, start - 20), start) and bool(
        ECT_SEIZURE_BEFORE.search(text, max(0, start - 30), start) or ECT_SEIZURE_AFTER.match(text, end))


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@cache
def _context_patterns() -> dict[str, re.Pattern]:
    """The cues of vocab/mention_context.yaml as regular expressions (data there, matching here)."""
    cues = lexicon.load_yaml("mention_context.yaml")
    enr = cues["enrolment"]
    population = (rf"\b(?:{_alternation(enr['population'])})(?:\s*\([^()]{{1,20}}\))?\s+(?:{_alternation(enr['link'])})"
                  rf"|\b(?:{_alternation(enr['leads'])})")
    resp = cues["response_non_clinical"]
    flags = re.IGNORECASE
    return {
        "enrolment": re.compile(rf"(?:{population})\s+(?:(?:{_alternation(enr['modifiers'])}"
                                rf"|[A-Za-z-]+(?:ary|al|ar|ic|ous|ive|ile)|(?:[\w-]+\s+){{1,4}}and)\s+)*$", flags),
        "enrolment_cue": re.compile(rf"\b(?:{_alternation(enr['link'])}|{_alternation(enr['leads'])})\b", flags),
        "response_before": re.compile(rf"(?:^|[\s(])(?:{_alternation(resp['before'])})[\s-]*$", flags),
        "response_after": re.compile(rf"^\s*(?:{_alternation(resp['after'])})\b", flags),
        # "Athens Insomnia Scale", "Altered States of Consciousness (5D-ASC) scale": its short form may come between
        "instrument": re.compile(rf"^[\s-]*(?:\([^()]{{1,15}}\)\s*)?(?:{_alternation(cues['instrument_heads'])})\b",
                                 flags),
        "purpose": re.compile(rf"^\s*(?:{_alternation(cues['purpose_after'])})\b", flags),
        "adjective": re.compile(rf"^[A-Za-z-]+(?:{_alternation(cues['adjective_suffixes'])})$", flags),
        "bare_adjective": re.compile(rf"^(?:{_alternation(cues['bare_adjectives'])})$", flags),
        "effect_noun": re.compile(rf"^(?:{_alternation(cues['effect_nouns_like_adjectives'])})$", flags),
        "copula": re.compile(r"\b(?:was|were|is|are|be|been|being|became|become|becomes|becoming|appeared|felt|"
                             r"feel|feeling|remained|got|get|getting|turned)\s+(?:\w+\s+){0,2}$", flags),
        "measure": re.compile(rf"\b(?:{_alternation(cues['measure_heads'])})$", flags),
        "change": re.compile(rf"\b(?:{_alternation(cues['change_words'])})\b", flags),
        "function": re.compile(rf"^(?:{_alternation(cues['function_words'])})$", flags),
        "eponym": re.compile(rf"\b(?:{_alternation(cues['instrument_eponyms'])})"
                             r"\s*(?:\([^()]{1,12}\))?[\s\-\u2010]*$", flags),
        "instrument_compound": re.compile(rf"^[\-\u2010]?[A-Za-z]+[\s\-\u2010]+"
                                          rf"(?:{_alternation(cues['instrument_heads'])})\b", flags),
        "treated_before": re.compile(rf"(?:^|[\s(])(?:{_alternation(cues['treated_before'])})[\s-]*$", flags),
        "treated_after": re.compile(rf"^\s*(?:{_alternation(cues['treated_after'])})\b", flags),
        "modelled_before": re.compile(rf"\b(?:{_alternation(cues['modelled_before'])})\s+(?:[\w-]+\s+)?$", flags),
        "not_effect_after": re.compile(rf"^\s+(?:{_alternation(cues['not_effect_after'])})\b", flags),
        "procedure_before": re.compile(rf"(?:^|[\s(])(?:{_alternation(cues['procedure_before'])})[\s-]+$", flags),
        "condition_before": re.compile(rf"(?:^|[\s(])(?:{_alternation(cues['condition_before'])})\s+(?:[\w-]+\s+)?$",
                                       flags),
        # the cue, then at most three words ("on the incidence of", "for postoperative"), then the candidate
        "title_target": re.compile(rf"\b(?:(?:{_alternation(cues['title_target_before'])})|"
                                   rf"(?P<on>on))\s+(?:(?:the|incidence|occurrence|risk|of|and|"
                                   r"[\w-]+(?:ive|al|ic|ed|ary))\s+){0,3}$", flags),
        "title_target_on": re.compile(rf"\b(?:{_alternation(cues['title_target_after_on'])})", flags),
        "title_studies": re.compile(rf"\b(?:{_alternation(cues['title_studies_before'])})\s*$", flags),
        "title_caused": re.compile(r"(?:associated|related|induced|caused)\b", flags),
        "title_caused_after": re.compile(r"\s+(?:induced|caused|provoked|precipitated) by\b|\s+(?:associated with|"
                                         r"related to|after|following|due to|during)\s+(?:\w+\s+){0,2}?"
                                         r"(?:(?:es|ar)?ketamine|anesthesia|anaesthesia|sedation)\b", flags),
        "generic": re.compile(rf"^(?:{_alternation(cues['generic_words'])})$", flags),
        "generic_outcome": re.compile(rf"^(?:{_alternation(cues['generic_outcome_words'])})$", flags),
        "glued": re.compile(r"[A-Za-z0-9)][\-\u2010]$"),
    }


def _not_by_context(text: str, start: int, end: int, label: str, canonical: str | None) -> bool:
    """GUIDELINES: the condition of who was enrolled is neither an outcome nor an adverse effect there; "response"
    in "dose-response" or "stress response" measures nothing clinical; a word inside an instrument's name is no
    adverse effect; what a drug is given for ("for sedation/analgesia") is not an effect of it."""
    pat = _context_patterns()
    before, after, span = text[max(0, start - 60):start], text[end:end + 30], text[start:end]
    keeps = lexicon.load_yaml("mention_context.yaml")["enrolment_keeps"]
    kind = (canonical or "").split(":", 1)[-1] if canonical and canonical.startswith("concept:") else None
    is_instrument = label == "OUTCOME" and canonical is not None and ":" not in canonical
    if not is_instrument and not any(k in span.lower() for k in keeps) and kind not in keeps \
            and pat["enrolment_cue"].search(before) and pat["enrolment"].search(before) \
            and not (label == "ADVERSE_EVENT" and RESCUED_AFTER.match(after)):
        return True  # not "patients experiencing excessive sedation during the infusion"
    if label == "OUTCOME" and re.fullmatch(r"(?i)responses?", span) and \
            (pat["response_before"].search(before) or pat["response_after"].match(after)
             or (re.search(r"(?i)\bin\s+$", before) and re.match(r"\s+to\b", after))):
        return True  # "dose-response", "response prevention", "in response to mirror gazing"
    if label != "ADVERSE_EVENT":
        return False
    if pat["instrument"].match(after) or pat["purpose"].match(after) or pat["instrument_compound"].match(after):
        return True  # "Athens Insomnia Scale", "agitation-sedation scale"
    if pat["eponym"].search(before) or pat["glued"].search(before):
        return True  # "Ramsay sedation scores", "BPRS-positive symptoms", "5D-ASC", "anti-fatigue"
    if pat["condition_before"].search(before) or pat["procedure_before"].search(before) \
            or pat["modelled_before"].search(before) or (canonical and pat["not_effect_after"].match(after)):
        # "pre-existing hypertension", "needle aspiration", "to model psychosis"; "headache disorders", "insomnia
        # severity" (a vocabulary term: the tagger's "electrolyte" of "electrolyte disorders" is half an effect)
        return True
    if INDICATION_LIST.search(before) or _seizure_no_effect(text, start, end):
        return True
    if " " not in span and pat["adjective"].match(span) and PERSON_AFTER.match(after) \
            and PERSON_DESCRIBED.search(before):
        return True  # "a hypertensive woman", "in psychotic patients": who they are, not what happened to them
    indication = INDICATION_BEFORE.search(before)
    return bool(pat["treated_before"].search(before) or pat["treated_after"].match(after)
                or (indication and not RESCUED_AFTER.match(after) and not REQUIRED_TREATMENT.search(before)
                    and not STOPPED.search(before[:indication.end()].split(".")[-1])
                    and not RESCUE.search(before) and not NEEDED_AFTER.match(after)))


def _drop_by_context(text: str, cands: list) -> list:
    """Leave out OUTCOME/ADVERSE_EVENT candidates their context rules out, and with them the abbreviation that an
    excluded long form of its label defines right after itself ("with suicidal ideation (SI)"; not the outcome
    "5D-ASC" of "Altered State of Consciousness (5D-ASC) Rating Scale", whose long form is no effect)."""
    out, dropped_end, dropped_label = [], -1, None
    for c in sorted(cands, key=lambda x: x[0]):
        if c[2] in ("OUTCOME", "ADVERSE_EVENT"):
            defined = dropped_end >= 0 and c[2] == dropped_label and \
                re.fullmatch(r"\s*\(\s*", text[dropped_end:c[0]]) is not None
            if defined or _not_by_context(text, c[0], c[1], c[2], c[3]):
                dropped_end, dropped_label = c[1], c[2]
                continue
        out.append(c)
    return out


def drop_defined_otherwise(doc: Doc, text: str, model: list, rule: list) -> list:
    """A tagger ADVERSE_EVENT that is a short form the abstract defines ("auditory steady-state response (ASSR)")
    names what its long form names: when no adverse-effect candidate (rules or tagger) covers that long form, the
    short form is no effect either. Short forms the abstract does not define (SJS, TEN) are left to the tagger."""
    if not doc._.abbreviations or not any(c[2] == "ADVERSE_EVENT" for c in model):
        return model
    not_effects = _defined_otherwise(doc, [c[:2] for c in rule + model if c[2] == "ADVERSE_EVENT"])
    return [c for c in model if c[2] != "ADVERSE_EVENT" or text[c[0]:c[1]] not in not_effects]


BENEFIT = re.compile(r"\b(?:anti-?depressant|anxiolytic|anti-?suicidal|therapeutic|beneficial|positive)(?:-like)?\s+"
                     r"(?:effects?|actions?|properties|responses?|mood)\b|"
                     r"\b(?:improvements?|improved|empathy|closeness|prosocial\w*|interconnectedness|well-?being|"
                     r"mindfulness|creativity)\b", re.IGNORECASE)


@lru_cache(maxsize=8192)
def _drug_name(span: str) -> bool:
    return lookup(lexicon.drugs(), span) is not None


def _worsened(text: str, start: int, end: int) -> bool:
    """A loss word on the span or right before it, in its own clause: "reduced well-being" (not "anxiety was reduced
    and improved mood")."""
    before = re.split(r"\b(?:and|or|but)\b|[,;]", text[max(0, start - 14):start])[-1]
    return bool(WORSENED.search(before + text[start:end]))


POSITIVE_BEFORE = re.compile(r"\bpositive\s+$", re.IGNORECASE)  # "positive mood" when the tagger took "mood"
SYMPTOM_WORD = re.compile(r"symptom|psychot|signs?\b", re.IGNORECASE)  # "positive (psychotic) symptoms" are harms
# a benefit's word that names a harm when it worsens: "reduced well-being", "decreased empathy"
WORSENED = re.compile(r"\b(?:reduc\w*|decreas\w*|impair\w*|loss of|lower|wors\w*|poor\w*|diminish\w*|lack of)\b",
                      re.IGNORECASE)


def bare_modifier(text: str, cand: tuple) -> bool:
    """A tagger span of one function word or generic word, an outcome of one adjective that modifies the next word
    ("cognitive behavior therapy", "postoperative sleep"), an adverse event of one adjective the vocabulary does not
    know ("hemodynamic", "dissociative drug", "intense"), or one that names a measure without its change
    ("respiratory rate"): GUIDELINES say a bare adjective names nothing, a body system needs its change. (On
    ADE-Corpus, whose spans are long, such adjectives often overlap a longer gold effect: leaving them out costs
    about 0.005 overlap F1 there and gains 0.008-0.025 on every ketamine set, and strict F1 everywhere.)"""
    if cand[2] not in ("OUTCOME", "ADVERSE_EVENT"):
        return False
    pat = _context_patterns()
    span = text[cand[0]:cand[1]]
    if pat["function"].match(span):
        return True
    if cand[2] == "ADVERSE_EVENT" and pat["measure"].search(span) and not pat["change"].search(span):
        return True  # "respiratory rate" names a measure; "increased respiratory rate" an effect
    if cand[2] == "ADVERSE_EVENT" and pat["generic"].match(span):
        return True  # "changes", "reaction", "side": no specific effect
    if cand[2] == "ADVERSE_EVENT" and not _worsened(text, cand[0], cand[1]) and (
            BENEFIT.search(span) or (POSITIVE_BEFORE.search(text, max(0, cand[0] - 12), cand[0])
                                     and not SYMPTOM_WORD.search(span))):
        return True  # "antidepressant-like effects", "positive mood", "marked improvement": the benefit, not a harm
    if cand[2] == "ADVERSE_EVENT" and (not re.search(r"\w", span) or _drug_name(span)):
        return True  # ")": no words; "ecstasy": a drug, not its effect (a span cut inside a phrase, "changes in",
        # is kept: on ADE-Corpus it overlaps a longer gold effect, and dropping it cost 0.006 held-out)
    if cand[2] == "OUTCOME" and pat["generic_outcome"].match(span):
        return True  # "incidence", "symptoms": what was counted, not which outcome
    if cand[2] == "ADVERSE_EVENT" and " " not in span and lookup(lexicon.adverse_events(), span) is None:
        predicate = pat["copula"].search(text, max(0, cand[0] - 40), cand[0])  # "became psychotic": the effect
        if (pat["adjective"].match(span) or pat["bare_adjective"].match(span)) and not predicate \
                and not pat["effect_noun"].match(span):
            return True  # GUIDELINES: a bare adjective ("hemodynamic", "intense") names no effect
        following = re.match(r"\s+([A-Za-z-]+)", text[cand[1]:cand[1] + 40])
        if following and pat["measure"].search(f"{span} {following.group(1)}"):
            return True  # "blood" of "blood pressure": half of a measure
        hit = lookup(lexicon.outcomes(), span)
        if hit and not hit.startswith(("learned:", "concept:")):
            return True  # "QIDS": a named instrument measures, it is no effect
    modifies = re.match(r"[ \t]+[A-Za-z]", text[cand[1]:cand[1] + 2]) is not None
    return cand[2] == "OUTCOME" and bool(pat["adjective"].match(span)) and modifies


def tagged_spans(doc: Doc) -> list[tuple[int, int, str]]:
    """Decode the tagger's BIO tags into (start, end, label) character spans; a stray I- starts a span."""
    if "tagger" not in doc.user_data.get("kev_pipes", ()):
        return []
    arr = doc.to_array([TAG, IDX, LENGTH])
    strings = doc.vocab.strings
    spans: list[tuple[int, int, str]] = []
    cur: list | None = None
    for tag_id, idx, length in arr.tolist():
        tag = strings[tag_id] if tag_id else "O"
        if tag == "O" or len(tag) < 3:
            cur = None
            continue
        bio, label = tag[0], tag[2:]
        if bio == "I" and cur is not None and cur[2] == label:
            cur[1] = idx + length
        else:
            cur = [idx, idx + length, label]
            spans.append(cur)
    return [tuple(x) for x in spans]


def _abbreviations(doc: Doc, found: list) -> list:
    """Short forms defined in the abstract ("esketamine (ESK)") take the label and canonical of their long form."""
    out = []
    by_span = {(c[0], c[1]): c for c in found}
    for short in doc._.abbreviations:
        long = short._.long_form
        match = by_span.get((long.start_char, long.end_char))
        if match is None:
            continue
        out.append((short.start_char, short.end_char, match[2], match[3], dict(match[4]), "rules"))
    return out

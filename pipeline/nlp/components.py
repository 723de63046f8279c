"""spaCy registrations: the scispaCy tokenizer (for configs) and the sentence splitter.

spaCy's rule sentencer and its parser-free senter both split "i.v. ketamine" after "i.v." and keep
"within 24 h. Mean" together, because scispaCy tokenizes "h." as one token. This splitter knows both cases, and
starts a sentence at the title/abstract boundary and at every structured-abstract section.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import numpy
from scispacy.abbreviation import AbbreviationDetector, filter_matches
from scispacy.custom_tokenizer import combined_rule_tokenizer
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START, SPACY
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import registry

from pipeline.nlp.context import section_headers

# Tokens after which a "." does not end a sentence (scispaCy splits "i.v." into "i.v" + ".").
NO_BREAK_BEFORE_DOT = {"i.v", "i.m", "i.p", "s.c", "p.o", "e.g", "i.e", "vs", "al", "approx", "fig", "figs", "no",
                       "nos", "dr", "st", "ref", "refs", "resp", "cf", "ca", "viz", "incl", "u.s", "b.i.d", "t.i.d",
                       "q.d", "mt", "sp", "spp", "eq", "eqs", "ed", "eds", "vol"}
ABBREV_WITH_DOT = {"i.v.", "i.m.", "i.p.", "s.c.", "p.o.", "e.g.", "i.e.", "vs.", "al.", "approx.", "fig.", "no.",
                   "dr.", "cf.", "ca.", "viz.", "resp.", "u.s.", "b.i.d.", "t.i.d.", "q.d."}
# Unit tokens that swallow the full stop ("h.", "min.", "d.", "wk."): a sentence ends there if a capital follows.
UNIT_WITH_DOT = re.compile(r"^(?:h|hr|hrs|min|mins|d|wk|wks|mo|yr|yrs|s|sec|mg|kg|ml|l|g)\.$", re.IGNORECASE)
ENDERS = {".", "?", "!"}
# A section label glued to the previous sentence ("in MDMA-AT.Results: We found", "(0.44).Conclusions:") is one
# token to the tokenizer, so no sentence can start at the label: split such a full stop off as an infix.
GLUED_LABELS = ("Results", "Result", "Conclusions", "Conclusion", "Methods", "Method", "Background", "Objective",
                "Objectives", "Aim", "Aims", "Purpose", "Introduction", "Discussion", "Limitations", "Significance",
                "Findings", "Interpretation", "Design", "Setting", "Participants", "Measurements", "Context")
GLUED_LABEL_INFIX = r"(?<=[A-Za-z0-9)\]%])\.(?=(?:" + "|".join(
    w for label in GLUED_LABELS for w in (label, label.upper())) + r")$)"

if not Doc.has_extension("sections"):
    Doc.set_extension("sections", default=None)


@registry.tokenizers("kev.scispacy_tokenizer.v1")
def make_scispacy_tokenizer() -> Callable[[Language], Tokenizer]:
    def create(nlp: Language) -> Tokenizer:
        if not hasattr(nlp, "tokenizer"):  # built from a config: scispaCy reads the default tokenizer's matchers
            nlp.tokenizer = registry.tokenizers.get("spacy.Tokenizer.v1")()(nlp)
        # scispaCy's infix pattern has a "[[" Python 3.7+ warns about on every start ("Possible set union at
        # position 6328"): its regex, not ours, read the same either way; the warning only hid real ones
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Possible set union", FutureWarning)
            tokenizer = combined_rule_tokenizer(nlp)
            split_glued_labels(tokenizer)
        return tokenizer

    return create


def split_glued_labels(tokenizer: Tokenizer) -> None:
    """Add the glued-label infix to a tokenizer (again after loading one from disk, which restores its own)."""
    finditer = tokenizer.infix_finditer
    old = getattr(finditer, "__self__", None)
    if old is not None and GLUED_LABEL_INFIX in old.pattern:
        return
    tokenizer.infix_finditer = re.compile(GLUED_LABEL_INFIX + ("|" + old.pattern if old is not None else "")).finditer


def doc_text(doc: Doc) -> str:
    """`doc.text` rebuilds the string from every token; the pipeline keeps the original in user_data instead."""
    text = doc.user_data.get("text")
    if text is None:
        text = doc.user_data["text"] = doc.text
    return text


def _starts_sentence(tok_text: str) -> bool:
    c = tok_text[:1]
    return c.isupper() or c.isdigit() or c in "([\"'“‘"


@Language.component("kev_sentences")
def kev_sentences(doc: Doc) -> Doc:
    """Set sentence starts from punctuation, abbreviations, units, newlines and section starts."""
    n = len(doc)
    if n == 0:
        return doc
    arr = doc.to_array([IDX, LENGTH, SPACY])
    full = doc_text(doc)
    idx = arr[:, 0].tolist()
    texts = [full[i:i + ln] for i, ln in zip(idx, arr[:, 1].tolist(), strict=True)]
    ends = (arr[:, 0] + arr[:, 1]).tolist()
    spaces = [full[e:e + 1] if sp else "" for e, sp in zip(ends, arr[:, 2].tolist(), strict=True)]
    starts = {0}
    # the title (the first line, when an abstract follows it) is one sentence, "?" or "." inside it included: its
    # mentions are the title's (sentence 0, role `title`), not a background sentence's
    title_end = full.find("\n")
    section_starts = {s[0] for s in (doc._.sections or [])}
    if section_starts:
        starts.update(i for i, x in enumerate(idx) if x in section_starts)
    for i in range(n - 1):
        text = texts[i]
        if "\n" in spaces[i] or "\n" in text:
            starts.add(i + 1)
            continue
        last = text[-1]
        if last not in ".?!" or ends[i + 1] <= title_end:
            continue
        nxt = texts[i + 1]
        if len(text) == 1:
            prev = texts[i - 1].lower() if i > 0 else ""
            if text == "." and prev in NO_BREAK_BEFORE_DOT and not (prev == "al" and _starts_sentence(nxt)):
                continue
            if _starts_sentence(nxt) or nxt in ENDERS:
                starts.add(i + 1)
        elif last == "." and text.lower() not in ABBREV_WITH_DOT and \
                (UNIT_WITH_DOT.match(text) or text[:-1].isalpha()) and _starts_sentence(nxt) and \
                not nxt[:1].isdigit() and text[:-1].lower() not in NO_BREAK_BEFORE_DOT:
            starts.add(i + 1)
    _header_starts(full, idx, title_end, starts)
    flags = numpy.full((n, 1), -1, dtype="int64").astype("uint64")
    flags[sorted(starts), 0] = 1
    doc.from_array([SENT_START], flags)
    return doc


def _header_starts(text: str, idx: list[int], title_end: int, starts: set[int]) -> None:
    """A section header left inside running text starts a sentence at its label ("... on the MADRS | RESULTS: Scores
    fell within a day ..."), unless a sentence already starts at the capitalised words before it (a label of
    words we do not know, "RECENT FINDINGS:")."""
    headers = section_headers(text)
    if not headers:
        return
    token_at = {x: i for i, x in enumerate(idx)}
    for first, start in headers:
        if start > title_end and token_at.get(first) not in starts and (i := token_at.get(start)) is not None:
            starts.add(i)


PAREN = re.compile(r"\(([^()]{1,100})\)")
# scispaCy's global matcher warns (W036) on every abstract whose candidates all fail; that is not a problem.
warnings.filterwarnings("ignore", message=r"\[W036\]")


@Language.factory("kev_abbreviations")
class ParenAbbreviationDetector(AbbreviationDetector):
    """scispaCy's abbreviation detector (Schwartz & Hearst) with a cheaper candidate search.

    scispaCy finds "( ... )" with a token Matcher whose open-ended pattern tries every span; here a regex finds the
    parentheses and scispaCy's own `filter_matches` / `find_matches_for` do the rest, so the results are the same
    and the cost is a third. Sets `doc._.abbreviations` exactly as `abbreviation_detector` does.
    """

    def __call__(self, doc: Doc) -> Doc:
        matches = []
        for m in PAREN.finditer(doc_text(doc)):
            inner = doc.char_span(m.start(1), m.end(1), alignment_mode="contract")
            if inner is not None and len(inner) and inner.start > 0 and doc[inner.start - 1].text == "(" \
                    and inner.end < len(doc) and doc[inner.end].text == ")":
                matches.append((0, inner.start, inner.end))
        candidates = filter_matches(matches, doc) if matches else []
        if not candidates:
            return doc
        for long_form, short_forms in self.find_matches_for(candidates, doc):
            for short in short_forms:
                short._.long_form = long_form
                doc._.abbreviations.append(short)
        return doc


def sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) characters of each sentence, read from arrays (cheaper than building Span objects); a sentence
    ends at its last token that is not whitespace ("(82/182)  CONCLUSIONS:" split at the header)."""
    if len(doc) == 0:
        return [(0, 0)]
    arr = doc.to_array([SENT_START, IDX, LENGTH, IS_SPACE]).astype("int64")
    first = [i for i, v in enumerate(arr[:, 0].tolist()) if v == 1] or [0]
    if first[0] != 0:
        first.insert(0, 0)
    ends = (arr[:, 1] + arr[:, 2]).tolist()
    idx = arr[:, 1].tolist()
    space = arr[:, 3].tolist()
    out = []
    for a, b in zip(first, first[1:] + [len(doc)], strict=True):
        last = b - 1
        while last > a and space[last]:
            last -= 1
        out.append((idx[a], ends[last]))
    return out


def sentence_index(starts: list[int], pos: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo

"""spaCy registrations: the scispaCy tokenizer (for configs) and the sentence splitter.

spaCy's rule sentencer and its parser-free senter both split "i.v. ketamine" after "i.v." and keep
"within 24 h. Mean" together, because scispaCy tokenizes "h." as one token. This splitter knows both cases, and
starts a sentence at the title/abstract boundary and at every structured-abstract section.
"""

from __future__ import annotations

import re

import numpy
from scispacy.custom_tokenizer import combined_rule_tokenizer
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry

# Tokens after which a "." does not end a sentence (scispaCy splits "i.v." into "i.v" + ".").
NO_BREAK_BEFORE_DOT = {"i.v", "i.m", "i.p", "s.c", "p.o", "e.g", "i.e", "vs", "al", "approx", "fig", "figs", "no",
                       "nos", "dr", "st", "ref", "refs", "resp", "cf", "ca", "viz", "incl", "u.s", "b.i.d", "t.i.d",
                       "q.d", "mt", "sp", "spp", "eq", "eqs", "ed", "eds", "vol"}
ABBREV_WITH_DOT = {"i.v.", "i.m.", "i.p.", "s.c.", "p.o.", "e.g.", "i.e.", "vs.", "al.", "approx.", "fig.", "no.",
                   "dr.", "cf.", "ca.", "viz.", "resp.", "u.s.", "b.i.d.", "t.i.d.", "q.d."}
# Unit tokens that swallow the full stop ("h.", "min.", "d.", "wk."): a sentence ends there if a capital follows.
UNIT_WITH_DOT = re.compile(r"^(?:h|hr|hrs|min|mins|d|wk|wks|mo|yr|yrs|s|sec|mg|kg|ml|l|g)\.$", re.IGNORECASE)
ENDERS = {".", "?", "!"}

if not Doc.has_extension("sections"):
    Doc.set_extension("sections", default=None)


@registry.tokenizers("kev.scispacy_tokenizer.v1")
def make_scispacy_tokenizer():
    def create(nlp: Language):
        return combined_rule_tokenizer(nlp)

    return create


def _starts_sentence(tok_text: str) -> bool:
    c = tok_text[:1]
    return c.isupper() or c.isdigit() or c in "([\"'“‘"


@Language.component("kev_sentences")
def kev_sentences(doc: Doc) -> Doc:
    """Set sentence starts from punctuation, abbreviations, units, newlines and section starts."""
    n = len(doc)
    if n == 0:
        return doc
    texts = [t.text for t in doc]
    spaces = [t.whitespace_ for t in doc]
    starts = {0}
    section_starts = {s[0] for s in (doc._.sections or [])}
    if section_starts:
        starts.update(t.i for t in doc if t.idx in section_starts)
    for i in range(n - 1):
        text = texts[i]
        if "\n" in spaces[i] or "\n" in text:
            starts.add(i + 1)
            continue
        last = text[-1]
        if last not in ".?!":
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
    flags = numpy.full((n, 1), -1, dtype="int64").astype("uint64")
    flags[sorted(starts), 0] = 1
    doc.from_array([SENT_START], flags)
    return doc

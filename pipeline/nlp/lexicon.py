"""Vocabulary matching on characters: longest match wins, word boundaries respected, compounds like
"post-ketamine" still yield "ketamine". Vocabularies are YAML data files in `vocab/`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

VOCAB_DIR = Path(__file__).resolve().parent / "vocab"
_HYPHENS = "-\u2010\u2011\u2012\u2013\u2014"


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    canonical: str
    surface: str


_FOLD = [*((h, "-") for h in _HYPHENS[1:]), ("\u00a0", " "), ("\u2009", " "), ("\u202f", " "), ("\t", " "),
         ("\n", " "), ("Å", "A"), ("å", "a"), ("Ǻ", "A"), ("ǻ", "a")]
_WORD = re.compile(r"\w+")


def _fold(s: str) -> str:
    """Length-preserving normalisation: dash variants -> "-", odd spaces -> " ", Å and Ǻ -> A.

    One `replace` per character present rather than `str.translate`, which looks each character of a non-ASCII text
    up in its table (0.09 ms an abstract, against 2 µs). No replacement makes a character another one replaces, so
    the order does not matter."""
    for char, to in _FOLD:
        if char in s:
            s = s.replace(char, to)
    return s


class Lexicon:
    """Surface forms -> canonical names, for one or several labels at once.

    `find` returns non-overlapping hits (leftmost, then longest) for a single-label lexicon; `find_labelled`
    returns them per label. Lookup goes word by word: each word start is looked up in an index of the surfaces
    that begin with that word, so the cost grows with the text, not with the size of the vocabulary.
    """

    def __init__(self, entries: list[tuple[str, str, bool]], label: str = "") -> None:
        self.index: dict[tuple[str, bool], list[tuple[str, str, str]]] = {}
        self.add(entries, label)

    def add(self, entries: list[tuple[str, str, bool]], label: str) -> Lexicon:
        for surface, canonical, case_sensitive in entries:
            folded = _fold(surface) if case_sensitive else _fold(surface).lower()
            first = _WORD.match(folded)
            key = (first.group() if first and first.start() == 0 else folded[:1], case_sensitive)
            bucket = self.index.setdefault(key, [])
            if all(not (f == folded and lab == label) for f, _, lab in bucket):
                bucket.append((folded, canonical, label))
        for bucket in self.index.values():
            bucket.sort(key=lambda x: -len(x[0]))
        self._exact_firsts = frozenset(word for word, case_sensitive in self.index if case_sensitive)
        self._folded_firsts = frozenset(word for word, case_sensitive in self.index if not case_sensitive)
        # surfaces that begin with a non-word character, e.g. "(R,S)-ketamine", need those characters as starts
        self._odd = re.compile("|".join(re.escape(c) for c in sorted({k[0][0] for k in self.index
                                                                       if k[0] and not k[0][0].isalnum()})) or "(?!)")
        return self

    def find_labelled(self, text: str) -> dict[str, list[Hit]]:
        folded = _fold(text)
        lower = folded.lower()
        n = len(text)
        index = self.index
        found: dict[str, list[Hit]] = {}
        exact_firsts, folded_firsts = self._exact_firsts, self._folded_firsts
        # most words begin no surface: only those that do are kept (a plain set test each, no tuple, sort or lookup)
        cands = [(m.start(), word) for m in _WORD.finditer(folded)
                 if (word := m.group()) in exact_firsts or word.lower() in folded_firsts]
        cands += [(m.start(), m.group()) for m in self._odd.finditer(folded)]
        if len(cands) > 1:
            cands.sort()
        for pos, word in cands:
            exact, folded_case = index.get((word, True)), index.get((word.lower(), False))
            if pos and (folded[pos - 1].isalnum() or folded[pos - 1] == "_"):
                continue
            best: dict[str, tuple[int, str]] = {}
            for bucket, src in ((exact, folded), (folded_case, lower)):
                if not bucket:
                    continue
                for surface, canonical, label in bucket:
                    end = pos + len(surface)
                    if end > n or not src.startswith(surface, pos):
                        continue
                    bounded = end == n or not (src[end].isalnum() or src[end] == "_") or not surface[-1].isalnum()
                    if bounded and (label not in best or end > best[label][0]):
                        best[label] = (end, canonical)
            for label, (end, canonical) in best.items():
                hits = found.setdefault(label, [])
                if hits and pos < hits[-1].end:
                    continue
                hits.append(Hit(pos, end, canonical, text[pos:end]))
        return found

    def find(self, text: str) -> list[Hit]:
        return [h for hits in self.find_labelled(text).values() for h in hits]


def _entries(data: dict) -> list[tuple[str, str, bool]]:
    out = []
    for canonical, spec in data.items():
        for name in spec.get("names", []) or []:
            out.append((str(name), canonical, False))
        for abbr in spec.get("abbreviations", []) or []:
            out.append((str(abbr), canonical, True))
    return out


@cache
def load_yaml(name: str) -> dict:
    return yaml.safe_load((VOCAB_DIR / name).read_text(encoding="utf-8"))


def curated() -> Lexicon:
    """The hand-written vocabularies only (what `learn_vocab` compares against)."""
    lex = Lexicon(_entries(load_yaml("drugs.yaml")), "DRUG")
    lex.add(_entries(load_yaml("routes.yaml")), "ROUTE")
    lex.add(_outcome_entries(), "OUTCOME")
    return lex.add(_entries(load_yaml("adverse_events.yaml")), "ADVERSE_EVENT")


@cache
def combined() -> Lexicon:
    """DRUG, ROUTE, OUTCOME and ADVERSE_EVENT vocabularies in one index: one pass over the text for all four,
    the curated ones plus what `learn_vocab` learned from the training records."""
    lex = curated()
    learned = load_yaml("learned.yaml") if (VOCAB_DIR / "learned.yaml").exists() else {}
    for label, surfaces in learned.items():
        lex.add([(str(x), f"learned:{x}", False) for x in surfaces or []], label)
    return lex


@cache
def drugs() -> Lexicon:
    return Lexicon(_entries(load_yaml("drugs.yaml")))


@cache
def routes() -> Lexicon:
    return Lexicon(_entries(load_yaml("routes.yaml")))


@cache
def route_not_before() -> dict[str, re.Pattern]:
    """Per route, the next words that make its name no route (`not_before` in routes.yaml)."""
    return {norm: re.compile(r"\s+(?:" + "|".join(re.escape(w) for w in spec["not_before"]) + r")\b", re.IGNORECASE)
            for norm, spec in load_yaml("routes.yaml").items() if spec.get("not_before")}


@cache
def route_not_after() -> dict[str, re.Pattern]:
    """Per route, the words before it that make its name no route (`not_after` in routes.yaml)."""
    return {norm: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in spec["not_after"]) + r")\s+$", re.IGNORECASE)
            for norm, spec in load_yaml("routes.yaml").items() if spec.get("not_after")}


@cache
def implied_routes() -> Lexicon:
    data = load_yaml("routes.yaml")
    return Lexicon([(str(w), norm, False) for norm, spec in data.items() for w in spec.get("implied", []) or []])


@cache
def adverse_events() -> Lexicon:
    return Lexicon(_entries(load_yaml("adverse_events.yaml")))


@cache
def ae_aliases() -> dict[str, str]:
    """Lower-cased alias -> term: forms the rules never match but that name a term when the tagger found them."""
    return {str(a).lower(): k for k, v in load_yaml("adverse_events.yaml").items() for a in v.get("aliases", []) or []}


@cache
def ae_mesh() -> dict[str, str | None]:
    return {k: v.get("mesh") for k, v in load_yaml("adverse_events.yaml").items()}


def _outcome_entries() -> list[tuple[str, str, bool]]:
    data = load_yaml("outcomes.yaml")
    entries = _entries(data["instruments"])
    for kind, names in data["concepts"].items():
        entries += [(str(n), f"concept:{kind}", n.isupper()) for n in names]
    return entries


@cache
def outcomes() -> Lexicon:
    return Lexicon(_outcome_entries())


@cache
def instrument_kinds() -> dict[str, str]:
    return {k: v["kind"] for k, v in load_yaml("outcomes.yaml")["instruments"].items()}


@cache
def instrument_constructs() -> dict[str, str | None]:
    return {k: v.get("construct") for k, v in load_yaml("outcomes.yaml")["instruments"].items()}


@cache
def generic_instruments() -> frozenset[str]:
    """Scales put to any construct (a visual analogue scale of pain or of mood): the mention's words decide."""
    return frozenset(k for k, v in load_yaml("outcomes.yaml")["instruments"].items() if v.get("generic"))

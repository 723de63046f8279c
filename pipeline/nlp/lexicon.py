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


def _pattern(surface: str) -> str:
    """A surface form as a regex: any hyphen or dash variant, any run of spaces (incl. non-breaking)."""
    out = []
    for ch in surface:
        if ch in _HYPHENS:
            out.append(f"[{_HYPHENS}]")
        elif ch == " ":
            out.append(r"[\s\u00a0\u2009\u202f]+")
        elif ch in "Åå":
            out.append("[ÅåAa]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


class Lexicon:
    """Surface forms -> canonical names; `find` returns non-overlapping hits, leftmost then longest."""

    def __init__(self, entries: list[tuple[str, str, bool]]) -> None:
        self.canonical: dict[tuple[str, bool], str] = {}
        ci, cs = [], []
        for surface, canonical, case_sensitive in entries:
            key = surface if case_sensitive else surface.lower()
            self.canonical.setdefault((_fold(key), case_sensitive), canonical)
            (cs if case_sensitive else ci).append(surface)
        self._ci = self._compile(ci, re.IGNORECASE)
        self._cs = self._compile(cs, 0)

    @staticmethod
    def _compile(surfaces: list[str], flags: int) -> re.Pattern | None:
        if not surfaces:
            return None
        alts = "|".join(_pattern(s) for s in sorted(set(surfaces), key=len, reverse=True))
        return re.compile(rf"(?<![\w])(?:{alts})(?![\w])", flags)

    def _canon(self, surface: str, case_sensitive: bool) -> str | None:
        key = _fold(surface if case_sensitive else surface.lower())
        return self.canonical.get((key, case_sensitive))

    def find(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        for rx, cs in ((self._ci, False), (self._cs, True)):
            if rx is None:
                continue
            for m in rx.finditer(text):
                canon = self._canon(m.group(), cs)
                if canon is not None:
                    hits.append(Hit(m.start(), m.end(), canon, m.group()))
        hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
        out: list[Hit] = []
        for h in hits:
            if out and h.start < out[-1].end:
                continue
            out.append(h)
        return out


def _fold(s: str) -> str:
    """Normalise the variants `_pattern` accepts, so a matched surface finds its canonical entry."""
    s = re.sub(f"[{_HYPHENS}]", "-", s)
    s = re.sub(r"[\s\u00a0\u2009\u202f]+", " ", s)
    return s.replace("Å", "A").replace("å", "a")


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


@cache
def drugs() -> Lexicon:
    return Lexicon(_entries(load_yaml("drugs.yaml")))


@cache
def routes() -> Lexicon:
    return Lexicon(_entries(load_yaml("routes.yaml")))


@cache
def adverse_events() -> Lexicon:
    return Lexicon(_entries(load_yaml("adverse_events.yaml")))


@cache
def ae_mesh() -> dict[str, str | None]:
    return {k: v.get("mesh") for k, v in load_yaml("adverse_events.yaml").items()}


@cache
def outcomes() -> Lexicon:
    data = load_yaml("outcomes.yaml")
    entries = _entries(data["instruments"])
    for kind, names in data["concepts"].items():
        entries += [(str(n), f"concept:{kind}", n.isupper()) for n in names]
    return Lexicon(entries)


@cache
def instrument_kinds() -> dict[str, str]:
    return {k: v["kind"] for k, v in load_yaml("outcomes.yaml")["instruments"].items()}

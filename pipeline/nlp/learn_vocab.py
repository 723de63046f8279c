"""Grow the OUTCOME and ADVERSE_EVENT vocabularies from the gold training records: `python -m pipeline.nlp.learn_vocab`.

A surface form is kept when the annotators marked it at least `min_count` times (1, chosen on the tune part:
OUTCOME overlap F1 there 0.853 against 0.840 with 2) and it was a mention of that label in at least
`min_precision` of its occurrences in the training texts (so "depression", mostly a condition, stays out).
Only terms are kept (at most five words, no punctuation of a list): the file is committed, passages of abstracts are
not. Writes vocab/learned.yaml (data, reviewed in diffs). Neither the dev split nor the tune part that chooses each
label's source is read.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

from pipeline.evaluate.gold import training_records
from pipeline.nlp.lexicon import VOCAB_DIR, curated
from pipeline.nlp.train import in_tune_part

LABELS = ("OUTCOME", "ADVERSE_EVENT")
OUT = VOCAB_DIR / "learned.yaml"
MAX_WORDS = 5
MAX_CHARS = 45


def is_term(surface: str) -> bool:
    """A name or a short phrase, not a passage: the file is committed, and abstracts' text never goes into the
    repository (a coordinated list such as "impairments in fluency, attention, or memory" is a passage)."""
    return len(surface) <= MAX_CHARS and len(surface.split()) <= MAX_WORDS and not re.search(r"[,;:()\[\]]", surface)


def learn(min_count: int = 1, min_precision: float = 0.6) -> dict[str, list[str]]:
    records = [r for r in training_records() if not in_tune_part(r["doc_id"])]  # tune part stays unseen
    marked: dict[str, Counter] = {lab: Counter() for lab in LABELS}
    for r in records:
        for sp in r["spans"]:
            if sp["label"] in LABELS:
                marked[sp["label"]][sp["text"].lower()] += 1
    known = curated()
    out: dict[str, list[str]] = {}
    for label in LABELS:
        keep = []
        for surface, n in marked[label].most_common():
            if n < min_count or len(surface) < 4 or not re.search(r"[a-z]", surface) or not is_term(surface):
                continue
            if any(h.start == 0 and h.end == len(surface) for h in known.find(surface)):
                continue  # already in a curated vocabulary
            rx = re.compile(rf"(?<!\w){re.escape(surface)}(?!\w)", re.IGNORECASE)
            total = sum(len(rx.findall(r["text"])) for r in records)
            if total and n / total >= min_precision:
                keep.append(surface)
        out[label] = sorted(keep)
    return out


def main() -> int:
    learned = learn()
    header = ("# Learned from the gold training records by `python -m pipeline.nlp.learn_vocab` (do not edit by hand:\n"
              "# rerun it). Terms marked at least once and a mention in >= 60% of their occurrences.\n")
    Path(OUT).write_text(header + yaml.safe_dump(learned, allow_unicode=True, sort_keys=True), encoding="utf-8")
    print({k: len(v) for k, v in learned.items()}, "->", OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

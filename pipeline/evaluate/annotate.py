"""`kev annotate`: show an abstract with its gold annotations, and add or change them in the stored format."""

from __future__ import annotations

import copy
import re
from pathlib import Path

from pipeline.evaluate.gold import (
    CLAIM_IDS,
    LABELS,
    STANCES,
    GoldError,
    check_record,
    corpus_texts,
    default_split,
    gold_lock,
    holdout_ids,
    joined,
    load_gold,
    locate_sentence,
    replace_record,
    text_hash,
)

SOURCES = ("psynamic/docs.jsonl", "pubmed-2025/docs.jsonl")


def find_document(doc_id: str) -> tuple[str, str]:
    """(source, text) of a corpus document; holdout documents are refused."""
    if doc_id in holdout_ids():
        raise GoldError(f"{doc_id} is a held-out document: it is never annotated for development")
    for source in SOURCES:
        text = corpus_texts(source).get(doc_id)
        if text is not None:
            return source, text
    raise GoldError(f"{doc_id} is in none of {', '.join(SOURCES)}")


def render(rec: dict) -> str:
    """The text with every span marked `[[text]]LABEL{attrs}`, then the claims with their evidence."""
    text = rec["text"]
    marks = sorted(rec["spans"], key=lambda s: (s["start"], -s["end"]))
    out, pos = [], 0
    for sp in marks:
        if sp["start"] < pos:
            continue
        attrs = {k: v for k, v in sp.items() if k not in ("start", "end", "label", "text")}
        out.append(text[pos:sp["start"]])
        out.append(f"[[{text[sp['start']:sp['end']]}]]{sp['label']}{attrs if attrs else ''}")
        pos = sp["end"]
    out.append(text[pos:])
    labels = "" if set(rec["labels"]) == set(LABELS) else f", labels annotated: {', '.join(rec['labels']) or 'none'}"
    lines = [f"# {rec['doc_id']} ({rec['source']}, split {rec['split']}{labels})", "".join(out), ""]
    for cid in CLAIM_IDS:
        c = rec["claims"].get(cid)
        lines.append(f"{cid}: {c['stance'] if c else 'not annotated'}")
        lines += [f"    - {e}" for e in (c or {}).get("evidence", [])]
    return "\n".join(lines)


def _parse_value(v: str) -> object:
    if v in ("true", "false"):
        return v == "true"
    if v == "null":
        return None
    try:
        return float(v) if re.search(r"[.eE]", v) else int(v)
    except ValueError:
        return v


def annotate(doc_id: str, gold_path: Path, add: list[str] | None = None, occ: list[int] | None = None,
             attrs: list[str] | None = None, remove: list[str] | None = None,
             claim: list[str] | None = None, evidence: list[str] | None = None) -> str:
    """Apply the requested edits to one document (creating its record if new) and return its rendering. An edit
    holds the file's lock from reading to writing: concurrent runs queue instead of losing each other's edits."""
    if not (add or remove or claim):
        return render(_edit(doc_id, gold_path, add, occ, attrs, remove, claim, evidence))
    with gold_lock(gold_path):
        return render(_edit(doc_id, gold_path, add, occ, attrs, remove, claim, evidence))


def _edit(doc_id: str, gold_path: Path, add: list[str] | None, occ: list[int] | None, attrs: list[str] | None,
          remove: list[str] | None, claim: list[str] | None, evidence: list[str] | None) -> dict:
    """Edit the stored record itself (its unknown keys and extra fields stay) and rewrite only its line; a new
    record is appended and declares only what was edited (the labels of its spans, the claims set)."""
    gold = load_gold(gold_path) if gold_path.exists() else None
    lineno, old = gold.stored.get(doc_id, (None, None)) if gold else (None, None)
    if old is not None:
        text = next(r["text"] for r in gold.records if r["doc_id"] == doc_id)
    else:
        source, text = find_document(doc_id)
        old = {"doc_id": doc_id, "source": source, "text_sha256": text_hash(text), "split": default_split(doc_id),
               "labels": [], "spans": [], "claims": {}}
    new = copy.deepcopy(old)
    if add:
        label, phrase = add
        if label not in LABELS:
            raise GoldError(f"unknown label {label!r}; one of {', '.join(LABELS)}")
        starts = [m.start() for m in re.finditer(re.escape(phrase), text)]
        if not starts:
            raise GoldError(f"{phrase!r} does not occur in {doc_id}")
        picked = [starts[i] for i in occ] if occ else starts
        extra = dict(a.split("=", 1) for a in attrs or [])
        for s in picked:
            new["spans"].append({"start": s, "end": s + len(phrase), "label": label,
                                 **{k: _parse_value(v) for k, v in extra.items()}})
        _declare_label(new, label)
    if remove:
        label, start = remove[0], int(remove[1])
        kept = [sp for sp in new["spans"] if not (sp["label"] == label and sp["start"] == start)]
        if len(kept) == len(new["spans"]):
            raise GoldError(f"no {label} span starts at {start} in {doc_id}")
        new["spans"] = kept
    if claim:
        cid, stance = claim
        if cid not in CLAIM_IDS or stance not in STANCES:
            raise GoldError(f"claim must be one of {', '.join(CLAIM_IDS)} and stance one of {', '.join(STANCES)}")
        if stance != "none" and not evidence:
            raise GoldError("a stance other than none needs --evidence SENTENCE")
        offsets = [list(locate_sentence(text, e)) for e in evidence or []]
        new["claims"][cid] = {**new["claims"].get(cid, {}), "stance": stance, "evidence": offsets}
    new["spans"].sort(key=lambda sp: (sp["start"], sp["end"], sp["label"]))
    rec = joined(new, text)
    try:
        check_record(rec)  # an edit that breaks the record (an overlapping span) is refused before anything is written
    except GoldError as exc:
        raise GoldError(f"{doc_id}: {exc}") from None
    if new != old:  # a no-op edit leaves the file untouched
        replace_record(gold_path, lineno, new)
    return rec


def _declare_label(stored: dict, label: str) -> None:
    """A record lists the labels it was annotated for (a missing list means all six); an added span declares its
    label."""
    if "labels" in stored and label not in stored["labels"]:
        stored["labels"] = sorted([*stored["labels"], label])

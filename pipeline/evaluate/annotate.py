"""`kev annotate`: show an abstract with its gold annotations, and add or change them in the stored format."""

from __future__ import annotations

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
    load_gold,
    replace_file,
    stored_line,
    to_stored,
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
    lines = [f"# {rec['doc_id']} ({rec['source']}, split {rec['split']})", "".join(out), ""]
    for cid in CLAIM_IDS:
        c = rec["claims"].get(cid, {"stance": "none", "evidence": []})
        lines.append(f"{cid}: {c['stance']}")
        lines += [f"    - {e}" for e in c["evidence"]]
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
    gold = load_gold(gold_path) if gold_path.exists() else None
    records = {r["doc_id"]: r for r in (gold.records if gold else [])}
    rec = records.get(doc_id)
    if rec is None:
        source, text = find_document(doc_id)
        rec = {"doc_id": doc_id, "source": source, "split": default_split(doc_id), "text": text,
               "labels": list(LABELS), "spans": [],
               "claims": {cid: {"stance": "none", "evidence": [], "evidence_offsets": []} for cid in CLAIM_IDS}}
    changed = False
    if add:
        label, phrase = add
        if label not in LABELS:
            raise GoldError(f"unknown label {label!r}; one of {', '.join(LABELS)}")
        starts = [m.start() for m in re.finditer(re.escape(phrase), rec["text"])]
        if not starts:
            raise GoldError(f"{phrase!r} does not occur in {doc_id}")
        picked = [starts[i] for i in occ] if occ else starts
        extra = dict(a.split("=", 1) for a in attrs or [])
        for s in picked:
            rec["spans"].append({"start": s, "end": s + len(phrase), "label": label, "text": phrase,
                                 **{k: _parse_value(v) for k, v in extra.items()}})
        changed = True
    if remove:
        label, start = remove[0], int(remove[1])
        before = len(rec["spans"])
        rec["spans"] = [sp for sp in rec["spans"] if not (sp["label"] == label and sp["start"] == start)]
        if len(rec["spans"]) == before:
            raise GoldError(f"no {label} span starts at {start} in {doc_id}")
        changed = True
    if claim:
        cid, stance = claim
        if cid not in CLAIM_IDS or stance not in STANCES:
            raise GoldError(f"claim must be one of {', '.join(CLAIM_IDS)} and stance one of {', '.join(STANCES)}")
        if stance != "none" and not evidence:
            raise GoldError("a stance other than none needs --evidence SENTENCE")
        rec["claims"][cid] = {"stance": stance, "evidence": list(evidence or [])}
        changed = True
    if changed:
        check_record(rec)  # an edit that breaks the record (an overlapping span) is refused before anything is written
        stored = {k: to_stored(r, r["source"], r["split"]) for k, r in records.items() if k != doc_id}
        stored[doc_id] = to_stored(rec, rec["source"], rec["split"])
        lines = [stored_line(r) + "\n" for r in sorted(stored.values(), key=lambda r: r["doc_id"])]
        replace_file(gold_path, "".join(lines).encode("utf-8"))
        rec = next(r for r in load_gold(gold_path).records if r["doc_id"] == doc_id)
    return rec

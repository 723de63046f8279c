"""`kev annotate`: show an abstract with its gold annotations, and add or change them in the stored format."""

from __future__ import annotations

import copy
import re
from pathlib import Path

from pipeline.evaluate.gold import (
    ATTRIBUTES,
    CLAIM_IDS,
    LABELS,
    STANCES,
    GoldError,
    attribute_problem,
    check_record,
    corpus_texts,
    default_split,
    gold_lock,
    holdout_ids,
    joined,
    load_gold,
    replace_record,
    text_hash,
)

SOURCES = ("psynamic/docs.jsonl", "pubmed-2025/docs.jsonl")


def refuse_held_out(doc_id: str) -> None:
    """Held-out documents are never annotated, whether new or (by mistake) already in the gold file; without the
    held-out list nothing is annotated."""
    if doc_id in holdout_ids(required=True):
        raise GoldError(f"{doc_id} is a held-out document: it is never annotated for development")


def find_document(doc_id: str) -> tuple[str, str]:
    """(source, text) of a corpus document; holdout documents are refused."""
    refuse_held_out(doc_id)
    for source in SOURCES:
        text = corpus_texts(source).get(doc_id)
        if text is not None:
            return source, text
    raise GoldError(f"{doc_id} is in none of {', '.join(SOURCES)}")


def render(rec: dict) -> str:
    """The text with every span marked `[[text]]LABEL{attrs}` (nested spans inside their outer one), every span
    listed with its offsets (so each can be found and removed, even one crossing another), then the claims."""
    labels = "" if set(rec["labels"]) == set(LABELS) else f", labels annotated: {', '.join(rec['labels']) or 'none'}"
    lines = [f"# {rec['doc_id']} ({rec['source']}, split {rec['split']}{labels})",
             _marked(rec["text"], rec["spans"], 0, len(rec["text"])), "",
             f"spans ({len(rec['spans'])}; --remove LABEL START):"]
    for sp in sorted(rec["spans"], key=lambda s: (s["start"], s["end"], s["label"])):
        lines.append(f"  {sp['start']}-{sp['end']} {sp['label']} {sp['text']!r} {_attrs(sp) or ''}".rstrip())
    lines.append("")
    for cid in CLAIM_IDS:
        c = rec["claims"].get(cid)
        lines.append(f"{cid}: {c['stance'] if c else 'not annotated'}")
        lines += [f"    - {e}" for e in (c or {}).get("evidence", [])]
    return "\n".join(lines)


def _attrs(sp: dict) -> dict:
    return {k: v for k, v in sp.items() if k not in ("start", "end", "label", "text")}


def _marked(text: str, spans: list[dict], lo: int, hi: int) -> str:
    """text[lo:hi] with its spans marked, a span inside another marked inside it; a span crossing another's edge
    stays unmarked (the list has it)."""
    out, pos = [], lo
    rest = sorted(spans, key=lambda s: (s["start"], -s["end"], s["label"]))
    while rest:
        sp = rest.pop(0)
        if sp["start"] < pos:
            continue
        inner = [s for s in rest if s["end"] <= sp["end"]]
        rest = [s for s in rest if s["end"] > sp["end"]]
        attrs = _attrs(sp)
        out += [text[pos:sp["start"]], "[[", _marked(text, inner, sp["start"], sp["end"]), "]]", sp["label"],
                str(attrs) if attrs else ""]
        pos = sp["end"]
    out.append(text[pos:hi])
    return "".join(out)


# Characters typed one way and printed another: µ/μ, every hyphen and dash, straight and curly quotes.
_DASHES = "[-\u2010\u2011\u2012\u2013\u2014\u2212]"
_VARIANTS = {"\u00b5": "[\u00b5\u03bc]", "\u03bc": "[\u00b5\u03bc]", "'": "['\u2018\u2019]",
             "\u2018": "['\u2018\u2019]", "\u2019": "['\u2018\u2019]", '"': '["\u201c\u201d]',
             "\u201c": '["\u201c\u201d]', "\u201d": '["\u201c\u201d]',
             **{c: _DASHES for c in "-\u2010\u2011\u2012\u2013\u2014\u2212"}}
MIN_EVIDENCE_WORDS = 3
_CLOSERS = "[\"'\u201d\u2019)\\]]*"
_SENTENCE_END = re.compile(r"[.!?]" + _CLOSERS + r"\Z")
_BEFORE_SENTENCE = re.compile(r"[.!?:]" + _CLOSERS + r"\s+\Z|\n[^\S\n]*\Z")
_AFTER_SENTENCE = re.compile(r"[^\S\n]*(?:\n|\Z|[A-Z][A-Za-z ]{2,40}:)")  # a line end or a section header


def occurrences(text: str, quote: str, in_word: bool = False) -> list[tuple[int, int]]:
    """Where `quote` occurs in `text`: whitespace runs, µ/μ, dashes and quote marks match their variants; not
    inside a word (an edge letter or digit must not touch another), unless `in_word`; never across the line
    break between title and abstract."""
    words = quote.split()
    if not words:
        raise GoldError("empty text")
    body = r"\s+".join("".join(_VARIANTS.get(ch, re.escape(ch)) for ch in w) for w in words)
    if not in_word:  # nor the end of a decimal number: "5 mg" is not inside "0.5 mg", "2" not inside "2.5"
        body = (r"(?<![^\W_])" if words[0][0].isalnum() else "") + \
            (r"(?<!\d[.,·])" if words[0][0].isdigit() else "") + body
        body += (r"(?![^\W_])" if words[-1][-1].isalnum() else "") + (r"(?![.,·]\d)" if words[-1][-1].isdigit() else "")
    hits = [(m.start(), m.end()) for m in re.finditer(body, text)]
    inside = [(s, e) for s, e in hits if "\n" not in text[s:e]]
    if hits and not inside:
        raise GoldError(f"{quote[:60]!r} crosses the line break between title and abstract: a span or an evidence "
                        "sentence stays within one")
    return inside


def locate_evidence(text: str, quote: str) -> tuple[int, int]:
    """The offsets of an evidence sentence: it must occur exactly once (as whole words) and be a whole sentence of
    at least MIN_EVIDENCE_WORDS words (it starts the text or a line, or follows . ! ? or a header's colon; it ends
    with . ! ? or at a line end or before a section header), so that a fragment cannot stand for a sentence."""
    hits = occurrences(text, quote)
    if not hits:
        raise GoldError(f"evidence not found in the text (as whole words): {quote[:80]!r}")
    if len(hits) > 1:
        raise GoldError(f"evidence {quote[:60]!r} occurs {len(hits)} times in the text: quote a longer part")
    s, e = hits[0]
    starts = not text[:s].strip() or _BEFORE_SENTENCE.search(text, max(0, s - 20), s) is not None
    ends = _SENTENCE_END.search(text, s, e) is not None or _AFTER_SENTENCE.match(text, e) is not None
    if len(quote.split()) < MIN_EVIDENCE_WORDS or not starts or not ends:
        raise GoldError(f"evidence must be a whole sentence of the text, at least {MIN_EVIDENCE_WORDS} words: "
                        f"{quote[:80]!r}")
    return s, e


def parse_attribute(label: str, item: str) -> tuple[str, object]:
    """--attr KEY=VALUE for a span of `label`, typed and checked (hours=2h would crash `kev eval` later)."""
    key, sep, raw = item.partition("=")
    if not sep or not key:
        raise GoldError(f"--attr {item!r}: expected KEY=VALUE, e.g. hours=24")
    kinds = ATTRIBUTES[label]
    if key not in kinds:
        raise GoldError(f"--attr {item!r}: {label} takes {', '.join(kinds) or 'no attributes'}")
    value: object = raw
    if kinds[key].startswith("number"):
        try:
            value = None if raw == "null" else int(raw) if raw.isdigit() else float(raw)
        except ValueError:
            value = raw
    elif kinds[key] == "true or false":
        value = {"true": True, "false": False}.get(raw, raw)
    problem = attribute_problem(label, key, value)
    if problem:
        raise GoldError(f"--attr {item!r}: {problem}")
    return key, value


def annotate(doc_id: str, gold_path: Path, add: list[str] | None = None, occ: list[int] | None = None,
             attrs: list[str] | None = None, remove: list[str] | None = None,
             claim: list[str] | None = None, evidence: list[str] | None = None, in_word: bool = False) -> str:
    """Apply the requested edits to one document (creating its record if new) and return its rendering. An edit
    holds the file's lock from reading to writing: concurrent runs queue instead of losing each other's edits."""
    if (occ or attrs or in_word) and not add:
        raise GoldError("--occ, --attr and --in-word go with --add")
    if evidence and not claim:
        raise GoldError("--evidence goes with --claim")
    refuse_held_out(doc_id)
    edit = {"add": add, "occ": occ, "attrs": attrs, "remove": remove, "claim": claim, "evidence": evidence,
            "in_word": in_word}
    if not (add or remove or claim):
        return render(_edit(doc_id, gold_path, **edit))
    with gold_lock(gold_path):
        return render(_edit(doc_id, gold_path, **edit))


def _edit(doc_id: str, gold_path: Path, add: list[str] | None, occ: list[int] | None, attrs: list[str] | None,
          remove: list[str] | None, claim: list[str] | None, evidence: list[str] | None, in_word: bool) -> dict:
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
        _add_spans(new, text, add[0], add[1], occ, attrs or [], in_word)
    if remove:
        label, start = remove
        if not start.isdigit():
            raise GoldError(f"--remove {label} {start}: START is the span's start offset (shown with each span)")
        kept = [sp for sp in new["spans"] if not (sp["label"] == label and sp["start"] == int(start))]
        if len(kept) == len(new["spans"]):
            raise GoldError(f"no {label} span starts at {start} in {doc_id}")
        new["spans"] = kept
    if claim:
        _set_claim(new, text, claim[0], claim[1], evidence or [])
    new["spans"].sort(key=lambda sp: (sp["start"], sp["end"], sp["label"]))
    rec = joined(new, text)
    try:
        check_record(rec)  # an edit that breaks the record (an overlapping span) is refused before anything is written
    except GoldError as exc:
        raise GoldError(f"{doc_id}: {exc}") from None
    if new != old:  # a no-op edit leaves the file untouched
        replace_record(gold_path, lineno, new)
    return rec


def _add_spans(stored: dict, text: str, label: str, phrase: str, occ: list[int] | None, attrs: list[str],
               in_word: bool) -> None:
    if label not in LABELS:
        raise GoldError(f"unknown label {label!r}; one of {', '.join(LABELS)}")
    if not phrase.strip():
        raise GoldError("--add: empty text")
    hits = occurrences(text, phrase.strip(), in_word)
    if not hits:
        raise GoldError(f"{phrase.strip()!r} does not occur in {stored['doc_id']} as whole words"
                        + ("" if in_word else " (--in-word matches inside words)"))
    for i in occ or []:
        if not 0 <= i < len(hits):
            raise GoldError(f"--occ {i}: {phrase.strip()!r} occurs {len(hits)} time(s), numbered 0 to {len(hits) - 1}")
    values = dict(parse_attribute(label, a) for a in attrs)
    if len(values) < len(attrs):
        raise GoldError("--attr: an attribute given twice")
    existing = {(sp["start"], sp["end"], sp["label"]) for sp in stored["spans"]}
    for i in sorted(set(occ)) if occ else range(len(hits)):
        s, e = hits[i]
        if (s, e, label) in existing:
            raise GoldError(f"{label} {text[s:e]!r} at {s} is already annotated")
        stored["spans"].append({"start": s, "end": e, "label": label, **values})
    _declare_label(stored, label)


def _set_claim(stored: dict, text: str, cid: str, stance: str, evidence: list[str]) -> None:
    if cid not in CLAIM_IDS or stance not in STANCES:
        raise GoldError(f"claim must be one of {', '.join(CLAIM_IDS)} and stance one of {', '.join(STANCES)}")
    if stance != "none" and not evidence:
        raise GoldError("a stance other than none needs --evidence SENTENCE")
    if stance == "none" and evidence:
        raise GoldError("a stance of none has no evidence (leave --evidence out)")
    offsets = [list(locate_evidence(text, e)) for e in evidence]
    if len({tuple(o) for o in offsets}) < len(offsets):
        raise GoldError("--evidence: the same sentence given twice")
    stored["claims"][cid] = {**stored["claims"].get(cid, {}), "stance": stance, "evidence": offsets}


def _declare_label(stored: dict, label: str) -> None:
    """A record lists the labels it was annotated for (a missing list means all six); an added span declares its
    label."""
    if "labels" in stored and label not in stored["labels"]:
        stored["labels"] = sorted([*stored["labels"], label])

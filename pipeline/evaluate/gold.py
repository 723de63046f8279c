"""The development gold set: stored as ids and offsets only, joined with texts from the shared corpus at load time.

On disk (`data/gold/dev_gold.jsonl`), one JSON object per abstract:
  doc_id, source (file under the corpus folder), text_sha256, split (train | dev), labels,
  spans: [{start, end, label, <attributes>}], claims: {claim_id: {stance, evidence: [[start, end], ...]}}
Loaded, each record gains `text`, each span its `text`, each evidence its sentence string: the shape of
`../shared/annotation/GUIDELINES.md`'s output format, which every consumer (training, `kev eval`) reads.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import re
import secrets
import stat
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import ROOT

GOLD_FILE = ROOT / "data" / "gold" / "dev_gold.jsonl"
# Single-pass annotations of further abstracts, same format, all in the train split: training data only, never
# used to report a number.
EXTRA_FILE = ROOT / "data" / "gold" / "train_extra.jsonl"
AGREEMENT_FILE = ROOT / "data" / "gold" / "agreement.json"
# A second dev set, annotated (two passes, adjudicated) after the rules and models of this version were written and
# never used to write, tune or train them: all of it is `dev`. Its agreement file sits beside it.
DEV2_FILE = ROOT / "data" / "gold" / "dev2_gold.jsonl"
LABELS = ("DRUG", "DOSE", "ROUTE", "TIMEPOINT", "OUTCOME", "ADVERSE_EVENT")
CLAIM_IDS = ("rapid_onset", "antidepressant_efficacy", "trd_efficacy", "short_lived", "adjunct_use",
             "suicidal_ideation", "tolerability", "neuroplasticity")
STANCES = ("supports", "conflicts", "mixed", "none")
ROUTE_NORMS = ("intravenous", "intranasal", "oral", "sublingual", "intramuscular", "subcutaneous", "inhaled",
               "epidural", "other")
# The attributes each label carries (GUIDELINES, "Entity labels") and the kind of value each takes.
ATTRIBUTES: dict[str, dict[str, str]] = {
    "DRUG": {"norm": "text"},
    "DOSE": {"value": "number", "value_max": "number or null", "unit": "text"},
    "ROUTE": {"norm": "route"},
    "TIMEPOINT": {"hours": "number"},
    "OUTCOME": {},
    "ADVERSE_EVENT": {"negated": "true or false"},
}
KINDS = {"text": "a non-empty text", "number": "a number (0 or more)", "number or null": "a number or null",
         "true or false": "true or false", "route": "one of " + ", ".join(ROUTE_NORMS)}


class GoldError(ValueError):
    """Gold data that cannot be trusted: a changed text, an offset out of range, an unknown label."""


def corpus_dir() -> Path:
    """$KEV_CORPUS, else the nearest `shared/corpus` beside the checkout or above it (../shared/corpus first)."""
    if os.environ.get("KEV_CORPUS"):
        return Path(os.environ["KEV_CORPUS"])
    for parent in list(ROOT.parents)[:3]:
        candidate = parent / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "corpus"


def default_split(doc_id: str) -> str:
    """The fixed split: `dev` for ~30% of documents by a hash of the doc_id (stable as the set grows)."""
    return "dev" if int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16) % 10 < 3 else "train"


def holdout_ids(corpus: Path | None = None, required: bool = False) -> set[str]:
    """The held-out doc_ids; `required` (annotating) refuses a corpus folder without the list rather than let every
    document pass as not held out."""
    path = (corpus or corpus_dir()) / "HOLDOUT_IDS.txt"
    if not path.exists():
        if required:
            raise GoldError(f"{path} not found: without it held-out documents cannot be refused (set KEV_CORPUS to "
                            "the shared corpus folder)")
        return set()
    return set(path.read_text().split())


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_numbered(path: Path | str) -> list[tuple[int, dict]]:
    """(line number, record) for each non-blank line of a JSON-lines file; a line that is not a JSON object is a
    GoldError naming the file and the line (lines end at "\\n" only: a rewrite counts them the same way)."""
    out = []
    with open(path, encoding="utf-8", newline="\n") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldError(f"{path}:{lineno}: not valid JSON ({exc.msg}, column {exc.colno})") from None
            if not isinstance(rec, dict):
                raise GoldError(f"{path}:{lineno}: not a JSON object")
            out.append((lineno, rec))
    return out


def corpus_texts(source: str, corpus: Path | None = None) -> dict[str, str]:
    """doc_id -> text (title + newline + abstract) for one corpus `docs.jsonl` file."""
    path = (corpus or corpus_dir()) / source
    if not path.exists():
        raise GoldError(f"corpus file {path} not found: set KEV_CORPUS to the shared corpus folder")
    return {r["doc_id"]: r.get("text") or (r["title"] + "\n" + (r.get("abstract") or ""))
            for _, r in read_numbered(path)}


@dataclass
class GoldSet:
    records: list[dict]
    path: Path
    stored: dict[str, tuple[int, dict]] = field(default_factory=dict)  # doc_id -> (line number, record as stored)

    def split(self, name: str) -> list[dict]:
        return [r for r in self.records if r["split"] == name]


def training_records() -> list[dict]:
    """Every gold record a model may learn from: the dev set's train split plus the single-pass extra set, complete
    records only."""
    records = load_gold(GOLD_FILE).split("train")
    if EXTRA_FILE.exists():
        records += [r for r in load_gold(EXTRA_FILE).records if r["split"] == "train"]
    return [r for r in records if is_complete(r)]


def is_complete(rec: dict) -> bool:
    """Annotated for all six labels and all eight claims. A record `kev annotate` started declares only what was
    edited; trained on, its unannotated labels and claims would read as absent (the tagger takes every record's
    spans as all there is)."""
    return set(rec["labels"]) >= set(LABELS) and set(rec["claims"]) >= set(CLAIM_IDS)


def check_record(rec: dict, overlaps: bool = True) -> None:
    """A record in the GUIDELINES shape (spans with offsets, claims with `evidence_offsets`) that scoring can trust:
    known labels, offsets inside the text, each span's text the text at its offsets, typed attributes, known claims
    and stances, evidence with every stance but none and only then. `overlaps=False` for the shared corpus's span
    files, whose sources overlap spans within a label (GUIDELINES: they never do)."""
    text = rec["text"]
    declared = rec.get("labels")
    for label in declared or []:
        if label not in LABELS:
            raise GoldError(f"unknown label {label!r} in labels; one of {', '.join(LABELS)}")
    by_label: dict[str, list[tuple[int, int]]] = {}
    for sp in rec["spans"]:
        if not (isinstance(sp, dict) and _is_int(sp.get("start")) and _is_int(sp.get("end"))):
            raise GoldError(f"a span needs integer start and end: {sp!r}")
        s, e, label = sp["start"], sp["end"], sp.get("label")
        if label not in LABELS:
            raise GoldError(f"span {s}-{e}: unknown label {label!r}; one of {', '.join(LABELS)}")
        if not (0 <= s < e <= len(text)):
            raise GoldError(f"span {s}-{e} outside the text ({len(text)} chars)")
        if "text" in sp and sp["text"] != text[s:e]:
            raise GoldError(f"span {s}-{e}: its text {sp['text']!r} is not the text at its offsets ({text[s:e]!r})")
        if declared is not None and label not in declared:
            raise GoldError(f"a {label} span at {s} but labels does not list {label} (it would not be scored)")
        for key, value in sp.items():
            problem = attribute_problem(label, key, value)
            if problem:
                raise GoldError(f"span {s}-{e}: {problem}")
        by_label.setdefault(label, []).append((s, e))
    for label, spans in by_label.items() if overlaps else ():
        spans.sort()
        for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                raise GoldError(f"overlapping {label} spans at {s2}")
    for cid, claim in rec["claims"].items():
        if cid not in CLAIM_IDS:
            raise GoldError(f"unknown claim {cid!r}; one of {', '.join(CLAIM_IDS)}")
        if claim["stance"] not in STANCES:
            raise GoldError(f"claim {cid} has unknown stance {claim['stance']!r}; one of {', '.join(STANCES)}")
        offsets = claim.get("evidence_offsets", [])
        if (claim["stance"] == "none") != (not offsets):
            raise GoldError(f"claim {cid}: " + ("a stance of none with evidence" if offsets
                                                  else f"stance {claim['stance']} without evidence"))
        if len(set(offsets)) < len(offsets):
            raise GoldError(f"claim {cid}: an evidence sentence listed twice")
        for s, e in offsets:
            if not (0 <= s < e <= len(text)):
                raise GoldError(f"evidence {s}-{e} of {cid} outside the text")


def check_guidelines_record(rec: dict, overlaps: bool = False) -> None:
    """A GUIDELINES-format record (`text`, `spans`, `claims` with verbatim evidence sentences), checked as
    `check_record` checks a stored one; an evidence sentence must be found in the text (`kev eval` would otherwise
    drop it from the evidence-recall denominator without a word)."""
    if not isinstance(rec.get("doc_id"), str) or not isinstance(rec.get("text"), str):
        raise GoldError("a record needs a doc_id and a text")
    for key, kind in (("spans", list), ("claims", dict), ("labels", list)):
        if key in rec and not isinstance(rec[key], kind):
            raise GoldError(f"{key!r} is not a {kind.__name__}")
    claims = {}
    for cid, c in rec.get("claims", {}).items():
        if not (isinstance(c, dict) and isinstance(c.get("stance"), str) and isinstance(c.get("evidence", []), list)
                and all(isinstance(x, str) for x in c.get("evidence", []))):
            raise GoldError(f"claim {cid} needs a stance and evidence as a list of sentences: {c!r}")
        given = c.get("evidence_offsets")  # a record may carry the offsets instead (the scorer reads them)
        if given is not None and not (isinstance(given, list) and all(
                isinstance(o, list | tuple) and len(o) == 2 and all(_is_int(x) for x in o) for o in given)):
            raise GoldError(f"claim {cid}: evidence_offsets must be a list of [start, end] pairs: {given!r}")
        try:
            offsets = [locate_sentence(rec["text"], x) for x in c.get("evidence", [])] + \
                [tuple(o) for o in given or []]
        except GoldError as exc:
            raise GoldError(f"claim {cid}: {exc}") from None
        claims[cid] = {"stance": c["stance"], "evidence_offsets": offsets}
    check_record({"text": rec["text"], "labels": rec.get("labels"), "spans": rec.get("spans", []), "claims": claims},
                 overlaps)


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0


def attribute_problem(label: str, key: str, value: object) -> str | None:
    """What is wrong with a span attribute's value (`kev eval` compares hours and doses as numbers), else None.
    Attributes the label does not define are not checked here."""
    kind = ATTRIBUTES.get(label, {}).get(key)
    ok = kind is None or {
        "text": isinstance(value, str) and bool(value.strip()),
        "number": _is_number(value),
        "number or null": value is None or _is_number(value),
        "true or false": isinstance(value, bool),
        "route": value in ROUTE_NORMS,
    }[kind]
    return None if ok else f"{label} {key} must be {KINDS[kind or 'text']}, not {value!r}"


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_stored(stored: dict) -> None:
    """The stored shape, so that joining a record with its text cannot fail on a missing key or a wrong type."""
    if "text_sha256" not in stored:
        raise GoldError("a record with its text (the GUIDELINES format), not a stored one (ids and offsets): "
                        "`kev eval` scores such files; `kev annotate`, `kev gold stats` and training read stored "
                        "gold files, and one file holds one format" if "text" in stored
                        else "not a stored gold record (no text_sha256)")
    if "text" in stored:
        raise GoldError("a stored record holds ids and offsets only, never the text")
    for key, kind in (("doc_id", str), ("source", str), ("text_sha256", str), ("split", str), ("spans", list),
                      ("claims", dict)):
        if not isinstance(stored.get(key), kind):
            raise GoldError(f"{key!r} missing or not a {kind.__name__}")
    if stored["split"] not in ("train", "dev"):
        raise GoldError(f"split {stored['split']!r}: train or dev")
    labels = stored.get("labels", [])
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise GoldError("'labels' is not a list of label names")
    for sp in stored["spans"]:
        if not (isinstance(sp, dict) and _is_int(sp.get("start")) and _is_int(sp.get("end"))
                and isinstance(sp.get("label"), str)):
            raise GoldError(f"a span needs integer start and end and a label: {sp!r}")
    for cid, c in stored["claims"].items():
        if not (isinstance(c, dict) and isinstance(c.get("stance"), str) and isinstance(c.get("evidence"), list)
                and all(isinstance(x, list) and len(x) == 2 and all(map(_is_int, x)) for x in c["evidence"])):
            raise GoldError(f"claim {cid} needs a stance and evidence as [start, end] pairs: {c!r}")


def joined(stored: dict, text: str) -> dict:
    """A stored record with its text: the GUIDELINES shape that training and `kev eval` read."""
    return {
        "doc_id": stored["doc_id"], "source": stored["source"], "split": stored["split"], "text": text,
        "labels": stored.get("labels", list(LABELS)),
        "spans": [{**sp, "text": text[sp["start"]:sp["end"]]} for sp in stored["spans"]],
        "claims": {cid: {"stance": c["stance"], "evidence_offsets": [tuple(x) for x in c["evidence"]],
                         "evidence": [text[s:e] for s, e in c["evidence"]]}
                   for cid, c in stored["claims"].items()},
    }


def load_gold(path: Path | str = GOLD_FILE, corpus: Path | None = None) -> GoldSet:
    """Read the stored gold and join it with the corpus texts; a text whose hash changed is refused, and so is
    any record that is malformed or repeats a doc_id (each error names the file, the line and the doc_id)."""
    path = Path(path)
    texts: dict[str, dict[str, str]] = {}
    held = holdout_ids(corpus)
    gold = GoldSet([], path)
    for lineno, stored in read_numbered(path):
        where = f"{path}:{lineno}: {stored.get('doc_id', '(no doc_id)')}"
        try:
            check_stored(stored)
        except GoldError as exc:
            raise GoldError(f"{where}: {exc}") from None
        doc, src = stored["doc_id"], stored["source"]
        if doc in gold.stored:
            raise GoldError(f"{where}: a second record for this doc_id (the first is on line {gold.stored[doc][0]})")
        if doc in held:
            raise GoldError(f"{where}: a held-out document (HOLDOUT_IDS.txt) in a gold file: held-out documents are "
                            "never annotated")
        if src not in texts:
            texts[src] = corpus_texts(src, corpus)
        text = texts[src].get(doc)
        if text is None:
            raise GoldError(f"{where}: not in {src}")
        if text_hash(text) != stored["text_sha256"]:
            raise GoldError(f"{where}: its text in {src} differs from the one annotated (sha256 mismatch); its "
                            "offsets cannot be trusted")
        rec = joined(stored, text)
        try:
            check_record(rec)
        except GoldError as exc:
            raise GoldError(f"{where}: {exc}") from None
        gold.records.append(rec)
        gold.stored[doc] = (lineno, stored)
    return gold


def locate_sentence(text: str, sentence: str) -> tuple[int, int]:
    """Offsets of `sentence` in `text`, matching across whitespace differences; GoldError if absent."""
    words = sentence.split()
    if not words:
        raise GoldError("empty evidence sentence")
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    if m is None:
        raise GoldError(f"evidence sentence not found in the text: {sentence[:80]!r}")
    return m.start(), m.end()


def stats(gold: GoldSet, agreement: dict | None = None) -> dict:
    spans = Counter(sp["label"] for r in gold.records for sp in r["spans"])
    stances: dict[str, Counter] = {cid: Counter() for cid in CLAIM_IDS}
    for r in gold.records:
        for cid, c in r["claims"].items():
            stances.setdefault(cid, Counter())[c["stance"]] += 1
    return {
        "n_docs": len(gold.records),
        "doc_ids": [r["doc_id"] for r in gold.records],
        "splits": dict(Counter(r["split"] for r in gold.records)),
        "sources": dict(Counter(r["source"] for r in gold.records)),
        "span_counts": {lab: spans.get(lab, 0) for lab in LABELS},
        "negated_adverse_events": sum(1 for r in gold.records for sp in r["spans"]
                                      if sp["label"] == "ADVERSE_EVENT" and sp.get("negated")),
        "stance_counts": {cid: {s: c.get(s, 0) for s in STANCES} for cid, c in stances.items()},
        "n_depression_or_suicidality": sum(1 for r in gold.records if _on_depression(r["text"])),
        "n_evidence_sentences": sum(len(c["evidence_offsets"]) for r in gold.records for c in r["claims"].values()),
        "agreement": (agreement or None) if agreement is not None else load_agreement(),
    }


def _on_depression(text: str) -> bool:
    """About depression or suicidality (not only the anaesthesia sense, "respiratory depression")."""
    t = re.sub(r"(?i)(?:respiratory|cns|cardiovascular|myocardial|cardiac) depression", "", text)
    return re.search(r"(?i)depress|suicid", t) is not None


def agreement_file(gold_path: Path) -> Path:
    """`agreement.json` for the dev set, `<name>_agreement.json` beside any other gold file."""
    if gold_path.resolve() == GOLD_FILE.resolve():
        return AGREEMENT_FILE
    return gold_path.with_name(gold_path.name.removesuffix(".jsonl").removesuffix("_gold") + "_agreement.json")


def load_agreement(path: Path = AGREEMENT_FILE) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _target(path: Path) -> Path:
    """The file a write lands in: a symlink's target, so the link stays a link."""
    return Path(os.path.realpath(path))


@contextmanager
def gold_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on a gold file for a whole read-modify-write, so that concurrent `kev annotate` runs
    queue instead of overwriting each other's edits. The lock is a sibling `<name>.lock` file (flock, left in place:
    removing it would let a waiting run lock a file nobody else sees)."""
    target = _target(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target.with_name(target.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (a unique temp file beside it, fsync, os.replace), so a reader sees the old
    or the new file, never a part; the file keeps its permission bits. Callers hold `gold_lock(path)`."""
    target = _target(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            if target.exists():
                os.fchmod(fh.fileno(), stat.S_IMODE(target.stat().st_mode))
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)


def stored_line(record: dict) -> str:
    """One stored record as its line (the convention of every gold file: sorted keys, UTF-8 as is)."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def replace_record(path: Path, lineno: int | None, record: dict) -> None:
    """Rewrite one record's line (or append a new record at the end) and leave every other line byte for byte.
    Callers hold `gold_lock(path)` and read `lineno` under it."""
    data = path.read_bytes() if path.exists() else b""
    line = stored_line(record).encode("utf-8")
    if lineno is None:
        data += (b"\n" if data and not data.endswith(b"\n") else b"") + line + b"\n"
    else:
        lines = data.split(b"\n")
        lines[lineno - 1] = line + (b"\r" if lines[lineno - 1].endswith(b"\r") else b"")
        data = b"\n".join(lines)
    replace_file(path, data)

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
import os
import re
import secrets
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


def holdout_ids(corpus: Path | None = None) -> set[str]:
    path = (corpus or corpus_dir()) / "HOLDOUT_IDS.txt"
    return set(path.read_text().split()) if path.exists() else set()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def corpus_texts(source: str, corpus: Path | None = None) -> dict[str, str]:
    """doc_id -> text (title + newline + abstract) for one corpus `docs.jsonl` file."""
    path = (corpus or corpus_dir()) / source
    if not path.exists():
        raise GoldError(f"corpus file {path} not found: set KEV_CORPUS to the shared corpus folder")
    out = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            out[r["doc_id"]] = r.get("text") or (r["title"] + "\n" + (r.get("abstract") or ""))
    return out


@dataclass
class GoldSet:
    records: list[dict]
    path: Path

    def split(self, name: str) -> list[dict]:
        return [r for r in self.records if r["split"] == name]


def training_records() -> list[dict]:
    """Every gold record a model may learn from: the dev set's train split plus the single-pass extra set."""
    records = load_gold().split("train")
    if EXTRA_FILE.exists():
        records += [r for r in load_gold(EXTRA_FILE).records if r["split"] == "train"]
    return records


def check_record(rec: dict) -> None:
    """Offsets inside the text, known labels and stances, no overlapping spans within a label."""
    text, doc = rec["text"], rec["doc_id"]
    by_label: dict[str, list[tuple[int, int]]] = {}
    for sp in rec["spans"]:
        if sp["label"] not in LABELS:
            raise GoldError(f"{doc}: unknown label {sp['label']!r}")
        if not (0 <= sp["start"] < sp["end"] <= len(text)):
            raise GoldError(f"{doc}: span {sp['start']}-{sp['end']} outside the text ({len(text)} chars)")
        by_label.setdefault(sp["label"], []).append((sp["start"], sp["end"]))
    for label, spans in by_label.items():
        spans.sort()
        for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                raise GoldError(f"{doc}: overlapping {label} spans at {s2}")
    for cid, claim in rec["claims"].items():
        if claim["stance"] not in STANCES:
            raise GoldError(f"{doc}: claim {cid} has unknown stance {claim['stance']!r}")
        for s, e in claim.get("evidence_offsets", []):
            if not (0 <= s < e <= len(text)):
                raise GoldError(f"{doc}: evidence {s}-{e} of {cid} outside the text")


def load_gold(path: Path | str = GOLD_FILE, corpus: Path | None = None) -> GoldSet:
    """Read the stored gold and join it with the corpus texts; a text whose hash changed is refused."""
    path = Path(path)
    texts: dict[str, dict[str, str]] = {}
    records = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            stored = json.loads(line)
            src = stored["source"]
            if src not in texts:
                texts[src] = corpus_texts(src, corpus)
            text = texts[src].get(stored["doc_id"])
            if text is None:
                raise GoldError(f"{path}:{lineno}: {stored['doc_id']} is not in {src}")
            if text_hash(text) != stored["text_sha256"]:
                raise GoldError(f"{path}:{lineno}: the text of {stored['doc_id']} in {src} differs from the one "
                                "annotated (sha256 mismatch); its offsets cannot be trusted")
            rec = {
                "doc_id": stored["doc_id"], "source": src, "split": stored["split"], "text": text,
                "labels": stored.get("labels", list(LABELS)),
                "spans": [{**sp, "text": text[sp["start"]:sp["end"]]} for sp in stored["spans"]],
                "claims": {cid: {"stance": c["stance"], "evidence_offsets": [tuple(x) for x in c["evidence"]],
                                 "evidence": [text[s:e] for s, e in c["evidence"]]}
                           for cid, c in stored["claims"].items()},
            }
            check_record(rec)
            records.append(rec)
    return GoldSet(records, path)


def locate_sentence(text: str, sentence: str) -> tuple[int, int]:
    """Offsets of `sentence` in `text`, matching across whitespace differences; GoldError if absent."""
    words = sentence.split()
    if not words:
        raise GoldError("empty evidence sentence")
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    if m is None:
        raise GoldError(f"evidence sentence not found in the text: {sentence[:80]!r}")
    return m.start(), m.end()


def to_stored(rec: dict, source: str, split: str) -> dict:
    """A record in the guidelines' format (with text) -> the stored form (ids and offsets only)."""
    text = rec["text"]
    spans = []
    for sp in sorted(rec["spans"], key=lambda s: (s["start"], s["end"], s["label"])):
        if text[sp["start"]:sp["end"]] != sp.get("text", text[sp["start"]:sp["end"]]):
            raise GoldError(f"{rec['doc_id']}: span text does not match offsets at {sp['start']}")
        spans.append({k: v for k, v in sp.items() if k != "text"})
    claims = {}
    for cid in CLAIM_IDS:
        c = rec["claims"].get(cid, {"stance": "none", "evidence": []})
        offsets = c.get("evidence_offsets") or [locate_sentence(text, e) for e in c["evidence"]]
        claims[cid] = {"stance": c["stance"], "evidence": [list(o) for o in offsets]}
    return {"doc_id": rec["doc_id"], "source": source, "text_sha256": text_hash(text), "split": split,
            "labels": list(rec.get("labels") or LABELS), "spans": spans, "claims": claims}


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


def write_stored(records: Iterable[dict], path: Path) -> None:
    """Write a whole gold file in the given order, locked and atomically."""
    with gold_lock(path):
        replace_file(path, "".join(stored_line(r) + "\n" for r in records).encode("utf-8"))

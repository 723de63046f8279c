"""Review decisions: an append-only SQLite log (never updated, never deleted), exported to parquet.

OUT/review/decisions.sqlite is the log; OUT/review_decisions.parquet its export (replaced atomically on every
write). A decision is `confirm`, `reject` or `stance` (with the new stance), or `undo` of a reviewer's own earlier
decision (a stray key); the latest decision on an evidence_id that no undo took back is its effective review.
Each decision keeps a hash of the sentence it was made on: PubMed revises records in place, and a decision must
not carry over to another wording at the same offsets. The hash also keeps a decision with its sentence when the
sentence moves: words added before it, or a new version of the record, give it new offsets and so a new
evidence id, and `attach` follows it there. It also keeps the model's stance shown when it was made: a `confirm`
confirms that stance, and stays a vote for it when a later model flips it. Agreement between reviewers is Cohen's
kappa over evidence both judged.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.tables.schemas import REVIEW_DECISIONS

DECISIONS = ("confirm", "reject", "stance")
UNDO = "undo"
STANCES = ("supports", "conflicts")
SCHEMA = REVIEW_DECISIONS  # declared with the other tables' schemas


class DecisionError(ValueError):
    """A decision that cannot be recorded (unknown decision, missing stance, empty reviewer)."""


class DecisionConflict(DecisionError):
    """The log changed since the reviewer's page was opened (another tab or reviewer decided first)."""


def db_path(out: Path) -> Path:
    return Path(out) / "review" / "decisions.sqlite"


@contextlib.contextmanager
def _connect(out: Path) -> Iterator[sqlite3.Connection]:
    """One transaction on the log, committed (or rolled back) and closed: `with sqlite3.connect()` alone commits
    but leaves the connection open, one per decision in a long-running app."""
    con = _open(out)
    try:
        with con:
            yield con
    finally:
        con.close()


def _open(out: Path) -> sqlite3.Connection:
    path = db_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30)
    con.execute("""CREATE TABLE IF NOT EXISTS decisions (
        decision_id INTEGER PRIMARY KEY AUTOINCREMENT, evidence_id TEXT NOT NULL, claim_id TEXT NOT NULL,
        reviewer TEXT NOT NULL, decision TEXT NOT NULL, new_stance TEXT, note TEXT, created_at TEXT NOT NULL,
        sentence_sha1 TEXT, model_stance TEXT, doc_id TEXT, undoes INTEGER)""")
    have = {r[1] for r in con.execute("PRAGMA table_info(decisions)")}
    for column, kind in (("sentence_sha1", "TEXT"), ("model_stance", "TEXT"), ("doc_id", "TEXT"),
                         ("undoes", "INTEGER")):  # a log written by an older release
        if column not in have:
            try:
                con.execute(f"ALTER TABLE decisions ADD COLUMN {column} {kind}")
            except sqlite3.OperationalError as exc:  # another connection migrated it first
                if "duplicate column" not in str(exc):
                    raise
    # append-only: the log refuses updates and deletes
    con.execute("CREATE TRIGGER IF NOT EXISTS no_update BEFORE UPDATE ON decisions "
                "BEGIN SELECT RAISE(ABORT, 'review decisions are append-only'); END")
    con.execute("CREATE TRIGGER IF NOT EXISTS no_delete BEFORE DELETE ON decisions "
                "BEGIN SELECT RAISE(ABORT, 'review decisions are append-only'); END")
    return con


def sentence_hash(sentence: str) -> str:
    """SHA-1 of the sentence with its whitespace normalised (a space for a no-break space changes no wording)."""
    return hashlib.sha1(" ".join(sentence.split()).encode("utf-8")).hexdigest()


def record(out: Path, evidence_id: str, claim_id: str, reviewer: str, decision: str,
           new_stance: str | None = None, note: str | None = None, sentence: str | None = None,
           model_stance: str | None = None, doc_id: str | None = None,
           check: Callable[[list[dict]], dict | None] | None = None) -> int:
    """Append one decision; `sentence` and `model_stance` are what the reviewer saw (the wording and the model's
    stance), so the decision never carries over to another wording nor a `confirm` to a flipped stance; `doc_id`
    (the article: `pmid:N` for PubMed's) with the sentence lets it follow its sentence to new offsets. `check` sees
    the log in the same write transaction as the insert and may raise DecisionConflict: nothing is appended between
    what it read and the decision."""
    reviewer = _reviewer(reviewer)
    if decision not in DECISIONS:
        raise DecisionError(f"decision must be one of {', '.join(DECISIONS)}")
    if decision == "stance" and new_stance not in STANCES:
        raise DecisionError(f"a stance change needs new_stance, one of {', '.join(STANCES)}")
    if model_stance is not None and model_stance not in STANCES:
        raise DecisionError(f"model_stance must be one of {', '.join(STANCES)}")
    return _append(out, evidence_id=evidence_id, claim_id=claim_id, reviewer=reviewer, decision=decision,
                   new_stance=new_stance if decision == "stance" else None, note=(note or "").strip()[:2000] or None,
                   sentence_sha1=sentence_hash(sentence) if sentence is not None else None,
                   model_stance=model_stance, doc_id=doc_id, check=check)


def undo(out: Path, decision_id: int, reviewer: str) -> int:
    """Take back one's own decision (appended as an `undo`: the log keeps both). Its evidence then has the review it
    had before; an undone decision cannot be undone twice, nor someone else's (checked in the insert's transaction,
    so two clicks cannot both undo it)."""
    reviewer = _reviewer(reviewer)

    def check(rows: list[dict]) -> dict:
        found = next((d for d in rows if d["decision_id"] == decision_id), None)
        if found is None or found["decision"] == UNDO:
            raise DecisionError(f"no decision {decision_id} to undo")
        if found["reviewer"] != reviewer:
            raise DecisionError(f"decision {decision_id} is {found['reviewer']}'s: only they can undo it")
        if decision_id in _undone(rows):
            raise DecisionError(f"decision {decision_id} is already undone")
        return {k: found[k] for k in ("evidence_id", "claim_id", "sentence_sha1", "doc_id")}

    return _append(out, check=check, reviewer=reviewer, decision=UNDO, undoes=decision_id)


def _reviewer(name: str | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DecisionError("a reviewer name (1-80 characters) is required")
    return name


def _append(out: Path, check: Callable[[list[dict]], dict | None] | None = None, **values: object) -> int:
    """Insert one row. With `check`, the log is read and checked under a write lock (BEGIN IMMEDIATE) held until
    the insert commits; the values it returns, if any, join the row (what it looked up in the log)."""
    with _connect(out) as con:
        if check is not None:
            con.execute("BEGIN IMMEDIATE")
            values.update(check(_read(con)) or {})
        values["created_at"] = datetime.now(UTC).isoformat()
        columns = ", ".join(values)
        cur = con.execute(f"INSERT INTO decisions ({columns}) VALUES ({', '.join('?' * len(values))})",
                          tuple(values.values()))
        decision_id = cur.lastrowid
    export(out)
    return decision_id


def _read(con: sqlite3.Connection) -> list[dict]:
    cur = con.execute("SELECT * FROM decisions ORDER BY decision_id")
    names = [c[0] for c in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur]


def all_decisions(out: Path) -> list[dict]:
    if not db_path(out).exists():
        return []
    with _connect(out) as con:
        return _read(con)


def export(out: Path) -> Path:
    """Write review_decisions.parquet from the log (aside under a unique name, then an atomic rename).

    Exports hold a lock from reading the log to the rename, so concurrent decisions never share a temporary file
    and an export that read an older log can never replace a newer one."""
    out = Path(out)
    if not out.is_dir():
        raise FileNotFoundError(f"{out}: no output folder (run the pipeline first, or pass --out)")
    db_path(out).parent.mkdir(parents=True, exist_ok=True)
    path = out / "review_decisions.parquet"
    with open(db_path(out).with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        rows = all_decisions(out)
        for r in rows:
            r["created_at"] = datetime.fromisoformat(r["created_at"])
        # a unique name the writer creates (not mkstemp's 0600 file): readable like every other table, by the umask
        tmp = out / f".review_decisions.{os.getpid()}.{uuid.uuid4().hex}.parquet.tmp"
        try:
            pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), tmp)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return path


def live(decisions: list[dict]) -> list[dict]:
    """The decisions that count: neither an `undo` nor a decision one took back."""
    undone = _undone(decisions)
    return [d for d in decisions if d["decision"] != UNDO and d["decision_id"] not in undone]


def _undone(decisions: list[dict]) -> set[int]:
    return {d["undoes"] for d in decisions if d["decision"] == UNDO}


def history(decisions: list[dict], evidence_id: str) -> list[dict]:
    """Every logged decision on an evidence (from `attach`), undos included, each marked `undone` or not."""
    undone = _undone(decisions)
    return [{**d, "undone": d["decision_id"] in undone} for d in decisions if d["evidence_id"] == evidence_id]


def last_counted(entries: list[dict]) -> int:
    """The id of the latest decision that counts in a `history` (0: none): what a review page was opened on."""
    return max((d["decision_id"] for d in entries if d["decision"] != UNDO and not d["undone"]), default=0)


def attach(decisions: list[dict], evidence: list[dict]) -> list[dict]:
    """Decisions pointed at the evidence rows they are about now. A decision whose evidence id is gone follows its
    sentence (same article, same claim, same wording) to the one row that has it: words added before the sentence,
    or a new version of the record, move its offsets and so its id. `decided_on` keeps the id it was made on. A
    decision that matches no row, or several, or that was logged without its article, stays where it was (an
    orphan: see `orphans`)."""
    ids = {e["evidence_id"] for e in evidence}
    rows_by_key: dict[tuple[str, str, str], list[dict]] = {}
    for e in evidence:
        rows_by_key.setdefault((e.get("doc_id"), e["claim_id"], sentence_hash(e["sentence"])), []).append(e)
    out = []
    for d in decisions:
        d = {**d, "decided_on": d["evidence_id"]}
        if d["evidence_id"] not in ids and d.get("sentence_sha1") and d.get("doc_id"):
            found = rows_by_key.get((d["doc_id"], d["claim_id"], d["sentence_sha1"]), [])
            if len(found) == 1:
                d["evidence_id"] = found[0]["evidence_id"]
        out.append(d)
    return out


def current(out: Path, evidence: list[dict]) -> list[dict]:
    """The log's decisions that count, attached to the evidence rows they are about now."""
    return attach(live(all_decisions(out)), evidence)


def orphans(decisions: list[dict], evidence: list[dict]) -> list[dict]:
    """Decisions (from `current`) on evidence no longer published: a record deleted or rewritten, or a sentence
    the pipeline no longer cites. They are kept, and apply again if the same row comes back."""
    ids = {e["evidence_id"] for e in evidence}
    return [d for d in decisions if d["evidence_id"] not in ids]


def effective(decisions: list[dict], sentences: dict[str, str] | None = None) -> dict[str, dict]:
    """evidence_id -> the latest decision on it, with how many decisions and reviewers count on it and each
    reviewer's own latest decision (`by_reviewer`: the latest wins, but a disagreement stays visible). With
    `sentences` (evidence_id -> its sentence now), only decisions made on that wording count toward those; the
    latest decision stays the latest either way, so one made on an older wording still shows as outdated."""
    out: dict[str, dict] = {}
    for d in decisions:
        prev = out.get(d["evidence_id"], {"n_decisions": 0, "reviewers": set(), "by_reviewer": {}})
        counts = sentences is None or d["evidence_id"] not in sentences or is_current(d, sentences[d["evidence_id"]])
        out[d["evidence_id"]] = {**d, "n_decisions": prev["n_decisions"] + counts,
                                 "reviewers": prev["reviewers"] | ({d["reviewer"]} if counts else set()),
                                 "by_reviewer": {**prev["by_reviewer"], **({d["reviewer"]: d} if counts else {})}}
    return out


def disputed(d: dict, model_stance: str) -> bool:
    """Reviewers whose latest decisions on the evidence disagree (the effective review is only the latest)."""
    return len({verdict(x, model_stance) for x in d.get("by_reviewer", {}).values()}) > 1


def verdict(d: dict, model_stance: str) -> str:
    """A reviewer's decision as a label: supports, conflicts or rejected. A `confirm` is the stance it confirmed
    (the model's stance now only for decisions logged before that was kept)."""
    if d["decision"] == "reject":
        return "rejected"
    if d["decision"] == "stance":
        return d["new_stance"]
    return d.get("model_stance") or model_stance


def is_current(d: dict, sentence: str) -> bool:
    """The decision was made on this wording of the sentence (decisions from before hashes were kept count)."""
    return not d.get("sentence_sha1") or d["sentence_sha1"] == sentence_hash(sentence)


def kappa(decisions: list[dict], model_stance: dict[str, str]) -> dict:
    """Cohen's kappa on every evidence two reviewers judged (latest decision each). The raters of a pair are taken
    in name order, so the score never depends on who happened to decide first; with more than two reviewers on an
    item, the first two by name."""
    by: dict[str, dict[str, str]] = {}
    for d in decisions:
        by.setdefault(d["evidence_id"], {})[d["reviewer"]] = verdict(d, model_stance.get(d["evidence_id"], ""))
    pairs = [tuple(v[name] for name in sorted(v)[:2]) for v in by.values() if len(v) >= 2]
    if not pairs:
        return {"n": 0, "kappa": None, "agreement": None}
    agree = sum(a == b for a, b in pairs) / len(pairs)
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / len(pairs) ** 2
    k = 1.0 if pe == 1 else (agree - pe) / (1 - pe)
    return {"n": len(pairs), "kappa": round(k, 3), "agreement": round(agree, 3)}


def training_rows(out: Path, evidence: list[dict]) -> list[dict]:
    """Reviewed evidence as training data for the stance model: sentence, claim, final label, and who decided."""
    by_id = {e["evidence_id"]: e for e in evidence}
    rows = []
    sentences = {e["evidence_id"]: e["sentence"] for e in evidence}
    for eid, d in sorted(effective(current(out, evidence), sentences).items()):
        e = by_id.get(eid)
        if e is None or not is_current(d, e["sentence"]):
            continue  # gone, or decided on another wording of the sentence
        rows.append({"evidence_id": eid, "claim_id": e["claim_id"], "pmid": e.get("pmid"), "doc_id": e.get("doc_id"),
                     "start": e.get("start"), "end": e.get("end"), "sentence": e["sentence"],
                     "model_stance": e["stance"],
                     "label": verdict(d, e["stance"]), "reviewer": d["reviewer"], "decided_at": d["created_at"],
                     "n_decisions": d["n_decisions"], "reviewers": sorted(d["reviewers"]),
                     "disputed": disputed(d, e["stance"]), "note": d["note"]})
    return rows


def write_training(out: Path, evidence: list[dict], dest: Path) -> int:
    rows = training_rows(out, evidence)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return len(rows)

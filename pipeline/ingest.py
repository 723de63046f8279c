"""Turn a source into the articles table: parse, merge (latest version wins, deletions applied), publish.

A source spec names where records come from:
  sample            the bundled synthetic sample (data/sample)
  xml:PATH          PubMed XML file or folder (.xml, .xml.gz; efetch output, baseline and update files)
  jsonl:PATH        JSON lines in the shared `docs.jsonl` format
  entrez            live PubMed (settings.base_url; NCBI unless pointed elsewhere)
  stored            the articles already published in the output folder (re-extract after a model change)
The command line also takes `replay:DIR`: it starts a loopback replay server over DIR and syncs `entrez` from it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from pipeline.claims.evidence import claim_tables
from pipeline.config import NCBI_BASE_URL, SAMPLE_DIR, Settings
from pipeline.mentions import StageResult
from pipeline.records import CODE_FAULTS, Article, Deletion, Event, Reject
from pipeline.runs import Run, completed_row, folder_held, published, record_failure, runs_with
from pipeline.sources.check import SOURCE_HELP
from pipeline.sources.entrez import EntrezClient
from pipeline.sources.files import NOT_JSON, iter_jsonl, iter_xml
from pipeline.sources.live import live_events
from pipeline.tables import store
from pipeline.tables.schemas import reject_key, row_problems, to_table

log = logging.getLogger(__name__)


@dataclass
class Counts:
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    stale: int = 0
    deleted: int = 0
    rejected: int = 0


@dataclass
class SyncResult:
    """What a sync produced before publishing: the merged rows and the bookkeeping for `runs` and `state`."""

    articles: list[dict]
    rejects: list[dict]
    counts: Counts
    state: dict
    windows: list[str] = field(default_factory=list)


def article_row(a: Article) -> dict:
    d = asdict(a)
    d["text"] = a.text
    d["pub_date"] = a.pub_date
    d["has_abstract"] = bool(a.abstract.strip())
    d["content_hash"] = a.content_hash()
    d["sections"] = [asdict(s) for s in a.sections]
    d["mesh"] = [{"descriptor": m.descriptor, "ui": m.ui, "major_topic": m.major_topic,
                  "qualifiers": [{"name": n, "ui": u, "major_topic": mj} for n, u, mj in m.qualifiers]}
                 for m in a.mesh]
    return d


def _quarantine(rejects: dict[tuple, dict], met: set[tuple], doc_id: str, source: str, reason: str,
                snippet: str | None, run_id: str) -> None:
    """A record set aside at parsing, with why: the record's first reject row is kept; `met` collects the distinct
    records quarantined in this run."""
    row = {"doc_id": doc_id, "source": source, "stage": "parse", "reason": reason, "snippet": snippet,
           "first_run_id": run_id}
    key = reject_key(row)
    rejects.setdefault(key, row)
    met.add(key)


def merge(existing: dict[str, dict], events: Iterable[Event], run_id: str,
          rejects: dict[tuple, dict]) -> Counts:
    """Apply events in order to `existing` (doc_id -> row), in place.

    An older version never replaces a newer one, nor, at the same version, an older revision (PubMed revises
    records in place at version 1: a baseline loaded after its update files must not undo them); the same content
    is a no-op; a deletion removes the record unless it names an older version than the one held. A record that
    parses leaves the parse quarantine it was in.
    """
    counts = Counts()
    met: set[tuple] = set()
    # a PMID is one article: ids of mentions and evidence are built from it, so a second document claiming it
    # (JSON lines from mixed sources do this) is quarantined instead of breaking the publish
    owner = {r["pmid"]: k for k, r in existing.items() if r.get("pmid")}
    replaced: dict[str, dict | None] = {}  # doc_id -> its row before this merge changed it (None: new)
    parse_rejected = {k[0] for k in rejects if k[1] == "parse"}  # a scan of all rejects per record would be slow
    n_records = code_faults = 0
    for ev in events:
        n_records += not isinstance(ev, Deletion)
        if isinstance(ev, Reject):
            code_faults += ev.reason.startswith(CODE_FAULTS)
            parse_rejected.add(ev.doc_id)
            _quarantine(rejects, met, ev.doc_id, ev.source, ev.reason, ev.snippet, run_id)
        elif isinstance(ev, Deletion):
            held = existing.get(ev.doc_id)
            if held is not None and (ev.version is None or ev.version >= held["version"]):
                del existing[ev.doc_id]
                owner.pop(held.get("pmid"), None)
                counts.deleted += 1
        else:
            if ev.pmid and owner.get(ev.pmid, ev.doc_id) != ev.doc_id:
                parse_rejected.add(ev.doc_id)
                _quarantine(rejects, met, ev.doc_id, ev.source, f"pmid {ev.pmid} already belongs to {owner[ev.pmid]}",
                            ev.title[:500], run_id)
                continue
            held = existing.get(ev.doc_id)
            if held is not None and (ev.version < held["version"] or (
                    ev.version == held["version"] and ev.revised_date and held.get("revised_date")
                    and ev.revised_date < held["revised_date"])):
                counts.stale += 1
                continue
            try:
                row = article_row(ev)
            except (TypeError, ValueError) as exc:
                parse_rejected.add(ev.doc_id)
                _quarantine(rejects, met, ev.doc_id, ev.source, f"{type(exc).__name__}: {exc}"[:300], None, run_id)
                continue
            if ev.doc_id in parse_rejected:  # an earlier copy failed to parse; this one did
                for key in [k for k in rejects if k[0] == ev.doc_id and k[1] == "parse"]:
                    del rejects[key]
            if held is None:
                counts.new += 1
            elif held["content_hash"] == row["content_hash"]:
                counts.unchanged += 1
                continue
            else:
                counts.revised += 1
            replaced.setdefault(ev.doc_id, held)
            row["run_id"] = run_id  # provenance: the run that added or last revised the record
            existing[ev.doc_id] = row
            if ev.pmid:
                owner[ev.pmid] = ev.doc_id
    if n_records > 1 and code_faults == n_records:
        raise RuntimeError(f"every one of the {n_records} records failed to parse with a programming error (e.g. "
                           f"{next(r['reason'] for r in rejects.values() if r['reason'].startswith(CODE_FAULTS))}): "
                           "a fault of the parser, not of the records; nothing was published")
    # the new and revised rows checked against the schema at once; only when they do not fit is each one checked,
    # and a row that does not fit is quarantined with the reason while the record keeps what it had
    changed = [existing[k] for k in replaced if k in existing]
    for doc_id, problem in row_problems("articles", changed, "doc_id").items():
        row = existing.pop(doc_id)
        if replaced[doc_id] is not None:
            existing[doc_id] = replaced[doc_id]
        _quarantine(rejects, met, doc_id, row["source"], problem, row["title"][:500], run_id)
    counts.rejected = len(met)
    return counts


def _tally(events: Iterable[Event], seen: Counter) -> Iterator[Event]:
    """Pass events on, counting records and the lines that were not JSON at all."""
    for ev in events:
        if not isinstance(ev, Deletion):
            seen["records"] += 1
            seen["not_json"] += isinstance(ev, Reject) and ev.reason.startswith(NOT_JSON)
        yield ev


def _offline_events(spec: str) -> Iterator[Event]:
    kind, _, path = spec.partition(":")
    if kind == "sample":
        return iter_xml(SAMPLE_DIR)
    if kind == "xml":
        return iter_xml(Path(path))
    if kind == "jsonl":
        return iter_jsonl(Path(path))
    raise ValueError(f"unknown source {spec!r}: {SOURCE_HELP}")


def sync(source: str, settings: Settings, run_id: str, today: date | None = None,
         backfill: tuple[date, date] | None = None) -> SyncResult:
    """Read what is published, pull the source, merge; nothing is written to the tables here.

    `backfill=(start, end)` fetches the entry-date window only and leaves the watermarks where they are; the
    source `stored` pulls nothing (a re-run of the later stages over the stored articles)."""
    today = today or datetime.now(UTC).date()
    out = Path(settings.out)
    existing_table = store.read_table(out, "articles")
    existing = {r["doc_id"]: r for r in existing_table.to_pylist()} if existing_table is not None else {}
    before = {k: r["content_hash"] for k, r in existing.items()}
    rej_table = store.read_table(out, "rejects")
    rejects: dict[tuple, dict] = {}
    for r in rej_table.to_pylist() if rej_table is not None else []:
        rejects.setdefault(reject_key(r), r)  # the first row of a record stays (its first run and source)
    state = store.read_state(out)
    windows: list[str] = []
    if source == "entrez":
        if not settings.email and settings.base_url == NCBI_BASE_URL:
            log.warning("no contact address: NCBI asks every E-utilities client for one (set NCBI_EMAIL or `email` "
                        "in kev.toml); NCBI may block clients without one")
        client = EntrezClient(settings.entrez())
        held = {r["pmid"]: r["entry_date"] for r in existing.values() if r["source"].startswith("entrez") and r["pmid"]}
        known = {r["pmid"] for r in existing.values() if r["pmid"]} | \
            {k[0].removeprefix("pmid:") for k in rejects if k[0] and k[0].startswith("pmid:")}
        raw_dir = out / "raw" / f"{today:%Y-%m-%d}-{run_id}"
        if not backfill:
            check_today(state, today)
        short_since: dict[str, date] = {}
        events = live_events(settings, client, state, today, raw_dir, held, windows, backfill, known, short_since)
        counts = merge(existing, events, run_id, rejects)
        if client.n_retries:
            windows.append(f"retries:{client.n_retries}")
        if not backfill:
            state = {**state, "watermarks": next_watermarks(state, today, short_since, windows,
                                                            settings.overlap_days),
                     "query": settings.query}
    elif source == "stored":
        counts = Counts(unchanged=len(existing))
    else:
        seen = Counter()
        counts = merge(existing, _tally(_offline_events(source), seen), run_id, rejects)
        if seen["records"] and seen["records"] == seen["not_json"]:
            # the CLI refuses such a file before a run; a scheduled run or a deployment gets here: still refused
            raise ValueError(f"{source}: not one of its {seen['records']} lines is a JSON object: is it the right "
                             "file? Nothing was published")
    rows = [existing[k] for k in sorted(existing)]
    return SyncResult(rows, [rejects[k] for k in sorted(rejects, key=repr)], net_counts(before, existing, counts),
                      state, windows)


def check_today(state: dict, today: date) -> None:
    """Refuse a sync window that ends before a watermark: a clock that jumped ahead, or an earlier run given a
    future --today, set it; searching reversed windows would fetch nothing and say nothing."""
    marks = state.get("watermarks", {})
    ahead = {k: v for k, v in marks.items() if v and date.fromisoformat(v) > today}
    if ahead:
        raise ValueError(f"today ({today}) is before the watermarks {ahead} of an earlier run (a clock that jumped "
                         "ahead, or a --today in the future): nothing was fetched; run with --today on or after "
                         f"{max(ahead.values())}, or correct state.json's watermarks")


def next_watermarks(state: dict, today: date, short_since: dict[str, date], windows: list[str],
                    overlap_days: int = 0) -> dict[str, str]:
    """Today for each date type whose windows all came whole; for one that efetch left short even after a refetch
    by id, a mark whose next window (the mark minus `overlap_days`) starts at its first short window, never later
    than the mark before: the next night searches that window again rather than losing a revision for good (the
    reconcile fetches only what is held nowhere), and a window that stays short night after night stays put
    instead of reaching further back each time."""
    marks = dict(state.get("watermarks", {}))
    for datetype in ("edat", "mdat"):
        if datetype in short_since:
            held = min(short_since[datetype] + timedelta(days=overlap_days), today)  # never past today (a first run)
            if marks.get(datetype):
                held = min(held, date.fromisoformat(marks[datetype]))
            marks[datetype] = held.isoformat()
            windows.append(f"{datetype} watermark held at {held}: a window stayed short")
            log.warning("%s watermark held at %s: efetch left a window short, the next run searches it again",
                        datetype, held)
        else:
            marks[datetype] = today.isoformat()
    return marks


def net_counts(before: dict[str, str], after: dict[str, dict], events: Counts) -> Counts:
    """What changed in the published table, not how many events passed: re-reading a baseline and its updates
    (which re-adds and re-deletes records on the way) counts nothing when the result is the same."""
    new = sum(1 for k in after if k not in before)
    revised = sum(1 for k, r in after.items() if k in before and before[k] != r["content_hash"])
    return Counts(new=new, revised=revised, unchanged=len(after) - new - revised,
                  stale=events.stale, deleted=sum(1 for k in before if k not in after), rejected=events.rejected)


def publish_sync(settings: Settings, result: SyncResult, run: dict, stage: StageResult | None = None) -> Path:
    """Validate and publish articles, rejects, the appended runs table and (when given) the extraction tables,
    as one atomic set."""
    out = Path(settings.out)
    runs, parked = runs_with(out, run)
    rejects = list(result.rejects)
    state = dict(result.state)
    tables: dict[str, pa.Table] = {}
    if stage is not None:
        # an article extracted this run has left quarantine (a revision fixed what failed before)
        rejects = [r for r in rejects if not (r["stage"] == "extract" and r["doc_id"] in stage.processed)]
        seen = {reject_key(r) for r in rejects}
        rejects += [r for r in stage.rejects if reject_key(r) not in seen]
        tables["entities"] = to_table("entities", stage.entities)
        tables["doses"] = to_table("doses", stage.doses)
        tables["studies"] = to_table("studies", stage.studies)
        claims = claim_tables(out, stage.evidence, run["run_id"])
        tables.update({name: to_table(name, rows) for name, rows in claims.tables.items()})
        runs[-1] = {**run, "model_version": stage.model_version, "catalogue_version": claims.catalogue_version,
                    "n_claim_changes": claims.n_changes}
        state["extracted"] = stage.processed
    tables.update({
        "articles": to_table("articles", result.articles),
        "rejects": to_table("rejects", rejects),
        "runs": to_table("runs", runs),
    })
    return published(store.publish(out, tables, state, run["run_id"]), parked)


def run_stages(source: str, settings: Settings, today: date | None = None, workers: int = 1) -> dict:
    """Every stage without Prefect, in the flow's order (sync, extract and assess, publish): for tests and scripts."""
    from pipeline.mentions import extract_articles, previous_rows
    from pipeline.nlp.configuration import MODEL_DIR, model_version_of

    run = Run(source)
    with folder_held(run, settings):
        try:
            result = sync(source, settings, run.run_id, today)
            stage = extract_articles(result.articles, previous_rows(settings.out), store.read_state(settings.out),
                                     model_version_of(MODEL_DIR), workers=workers, run_id=run.run_id)
            row = completed_row(run, settings, result, stage)
            publish_sync(settings, result, row, stage)
        except Exception as exc:  # as the flows do: a failed run still gets its row, every other table stays
            record_failure(run, settings, exc)
            raise
    return {"run": row, "stage": stage}


def ingest(source: str, settings: Settings, flow_run_id: str | None = None, today: date | None = None
           ) -> tuple[SyncResult, dict]:
    """Sync and publish articles, rejects and runs only: the ingestion path on its own, for its tests and tools.
    `run_stages` and the flows run every stage, so derived tables never lag behind the articles."""
    run = Run(source, flow_run_id)
    with folder_held(run, settings):
        result = sync(source, settings, run.run_id, today)
        row = completed_row(run, settings, result)
        publish_sync(settings, result, row)
    return result, row

"""The `runs` table's rows: who a run is, what it did, and how a failed or locked-out run is still recorded.

Every way of running (the Prefect flows, `kev ingest`, `run_stages`) starts a `Run`, holds the output folder with
`folder_held`, and ends with a completed row (published with the tables) or a failed one (`record_failure`, which
publishes `runs` alone): a run that did not publish still leaves its row.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import __version__
from pipeline.config import Settings
from pipeline.tables import store
from pipeline.tables.schemas import row_problems, to_table

if TYPE_CHECKING:
    from pipeline.ingest import SyncResult
    from pipeline.mentions import StageResult

log = logging.getLogger(__name__)


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Run:
    """One run's identity, from which every row it writes (completed, failed or parked) starts."""

    source: str
    flow_run_id: str | None = None
    run_id: str = field(default_factory=new_run_id)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))


def current_flow() -> str:
    """The Prefect flow this row is written from (`nightly`, `backfill`, `reprocess`), or `ingest` outside one
    (`kev ingest`, scripts): the source alone does not tell a backfill from a night."""
    if "prefect" not in sys.modules:  # a flow run has imported it; `kev ingest` need not pay its import
        return "ingest"
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return ctx.flow.name if ctx is not None and ctx.flow is not None else "ingest"


@functools.cache
def code_version() -> str:
    """Package version plus the git commit when the code runs from a checkout (asked once a process: the code a
    process runs does not change under it)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
                                capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__}+{commit}" if commit else __version__


def _row(run: Run, settings: Settings, status: str) -> dict:
    return {"run_id": run.run_id, "flow_run_id": run.flow_run_id, "flow": current_flow(), "started_at": run.started,
            "finished_at": datetime.now(UTC), "source": run.source,
            "query": settings.query if run.source == "entrez" else None, "windows": None, "n_new": 0,
            "n_revised": 0, "n_unchanged": 0, "n_deleted": 0, "n_rejected": 0, "n_articles": 0,
            "code_version": code_version(), "model_version": None, "catalogue_version": None,
            "n_claim_changes": None, "status": status}


def completed_row(run: Run, settings: Settings, result: SyncResult, stage: StageResult | None = None) -> dict:
    """The row of a run that reached its publish: the sync's net counts, and the records extraction quarantined."""
    c = result.counts
    return {**_row(run, settings, "completed"), "windows": ";".join(result.windows) or None, "n_new": c.new,
            "n_revised": c.revised, "n_unchanged": c.unchanged, "n_deleted": c.deleted,
            "n_rejected": c.rejected + (len(stage.rejects) if stage is not None else 0),
            "n_articles": len(result.articles)}


def failed_row(run: Run, settings: Settings, exc: BaseException) -> dict:
    row = _row(run, settings, f"failed: {type(exc).__name__}: {exc}"[:500])
    try:
        articles = store.read_table(Path(settings.out), "articles")
    except Exception:  # noqa: BLE001 - the count is bookkeeping; the run's own failure is what must be reported
        articles = None
    row["n_articles"] = articles.num_rows if articles is not None else 0
    return row


def runs_with(out: Path, row: dict) -> tuple[list[dict], list[Path]]:
    """The published runs, then the rows runs parked while they could not get the folder, then `row` (last)."""
    previous = store.read_table(out, "runs")
    rows = previous.to_pylist() if previous is not None else []
    seen = {r["run_id"] for r in rows}
    usable = []
    for path, parked in store.parked_run_rows(out):
        problem = row_problems("runs", [parked], "run_id")
        if problem:
            store.set_aside(path, next(iter(problem.values())))
            continue
        usable.append(path)
        if parked["run_id"] not in seen:  # else a file left by a crash after its publish, or a copy
            seen.add(parked["run_id"])
            rows.append(parked)
    return rows + [row], usable


def published(snapshot: Path, parked: list[Path]) -> Path:
    """After the publish: the parked rows it appended are in `runs`; removing their files is best effort (a file
    left behind is deduplicated by run id next time, never an error of a run that did publish)."""
    for path in parked:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove the parked run row %s (%s); it is already in runs", path, exc)
    return snapshot


def publish_failed(run: Run, settings: Settings, exc: BaseException) -> Path:
    """Append a `failed` row to runs.parquet and publish only that table (the rest is carried over untouched)."""
    out = Path(settings.out)
    rows, parked = runs_with(out, failed_row(run, settings, exc))
    return published(store.publish(out, {"runs": to_table("runs", rows)}, store.read_state(out), run.run_id), parked)


def record_failure(run: Run, settings: Settings, exc: BaseException, logger: logging.Logger | logging.LoggerAdapter
                   = log) -> None:
    """A failed run still gets its row (status `failed: ...`); every other table stays as it was. Recording it is
    best effort: the run's own failure, which the caller re-raises, is what must reach the user."""
    try:
        publish_failed(run, settings, exc)
    except Exception as inner:  # noqa: BLE001 - never hide the run's failure behind the bookkeeping one
        logger.error("could not record the failed run: %s", inner)


@contextlib.contextmanager
def folder_held(run: Run, settings: Settings) -> Iterator[None]:
    """The output folder's run lock. A run that gives up waiting may not publish, so its failed row is parked and
    the next publish of `runs` appends it (usually the holder's own, when it finishes)."""
    try:
        with store.run_lock(settings.out, settings.lock_timeout, run.run_id):
            yield
    except store.FolderBusy as exc:
        store.park_run_row(Path(settings.out), failed_row(run, settings, exc))
        raise

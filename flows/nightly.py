"""The main job: sync PubMed (or files) into the published tables. Later stages join this same flow."""

from __future__ import annotations

from datetime import UTC, date, datetime

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from pipeline.config import Settings, load_settings
from pipeline.ingest import SyncResult, new_run_id, publish_sync, run_row, sync


@task(name="sync", cache_policy=NO_CACHE)
def sync_task(source: str, settings: Settings, run_id: str, today: date | None) -> SyncResult:
    return sync(source, settings, run_id, today)


@task(name="publish", cache_policy=NO_CACHE)
def publish_task(settings: Settings, result: SyncResult, run: dict) -> str:
    return str(publish_sync(settings, result, run))


@flow(name="nightly", log_prints=True)
def nightly(source: str = "sample", out: str | None = None, config: str | None = None,
            base_url: str | None = None, query: str | None = None, today: date | None = None) -> dict:
    """Sync → publish. Returns the run row (counts, windows, status)."""
    settings = load_settings(config, out=out, base_url=base_url, query=query)
    run_id = new_run_id()
    started = datetime.now(UTC)
    result = sync_task(source, settings, run_id, today)
    run = run_row(run_id, str(flow_run.get_id() or ""), started, source, settings, result, "completed")
    snapshot = publish_task(settings, result, run)
    logger = get_run_logger()
    logger.info("published %d articles (%s) to %s", len(result.articles), result.counts, snapshot)
    return run

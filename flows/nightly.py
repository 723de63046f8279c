"""The flows: nightly (the main job), backfill (a date range) and reprocess (after a model or catalogue change).

All three run the same stages, sync → extract and assess → publish → report, as Prefect tasks over pipeline
functions; they differ only in what sync pulls."""

from __future__ import annotations

from datetime import date

from prefect import Flow, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from pipeline import report
from pipeline.claims.catalogue import Catalogue
from pipeline.config import Settings, load_settings
from pipeline.ingest import SyncResult, publish_sync, sync
from pipeline.mentions import StageResult, extract_articles, extract_chunk, previous_rows
from pipeline.nlp.configuration import MODEL_DIR, model_version_of
from pipeline.runs import Run, completed_row, folder_held, record_failure
from pipeline.tables import store


# no task retries: the E-utilities client already retries each request with backoff; a task retry repeated all of
# them (twice the attempts the failure message reported, and "nothing was published" logged before the retry)
@task(name="sync", cache_policy=NO_CACHE)
def sync_task(source: str, settings: Settings, run_id: str, today: date | None,
              backfill: tuple[date, date] | None = None) -> SyncResult:
    return sync(source, settings, run_id, today, backfill)


CHUNK = 250


@task(name="extract-chunk", cache_policy=NO_CACHE, retries=1)
def extract_chunk_task(items: list, catalogue: Catalogue) -> list:
    return extract_chunk(items, True, catalogue)


def fan_out(items: list, catalogue: Catalogue) -> list:
    """Chunks as tasks on the flow's task runner (a Dask cluster with DaskTaskRunner), gathered in order."""
    # plain arguments: quote() does not survive the trip to a Dask worker (prefect-dask 0.3), and chunks are small
    futures = [extract_chunk_task.submit(items[i:i + CHUNK], catalogue) for i in range(0, len(items), CHUNK)]
    return [row for f in futures for row in f.result()]


def extract_stage(settings: Settings, result: SyncResult, run_id: str, workers: int, fan: bool) -> StageResult:
    return extract_articles(result.articles, previous_rows(settings.out), store.read_state(settings.out),
                            model_version_of(MODEL_DIR),
                            workers=workers, run_id=run_id, runner=fan_out if fan else None)


@task(name="extract-and-assess", cache_policy=NO_CACHE)
def extract_task(settings: Settings, result: SyncResult, run_id: str, workers: int) -> StageResult:
    return extract_stage(settings, result, run_id, workers, fan=False)


@task(name="publish", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def publish_task(settings: Settings, result: SyncResult, run: dict, stage: StageResult) -> str:
    return str(publish_sync(settings, result, run, stage))


@task(name="report", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def report_task(settings: Settings) -> list[str]:
    return [str(p) for p in report.write(settings.out)]


def run_pipeline(source: str, settings: Settings, today: date | None, workers: int,
                 backfill: tuple[date, date] | None = None, fan: bool = False) -> dict:
    """The stages in order; every flow below is this with other arguments."""
    run = Run(source, str(flow_run.get_id() or ""))
    # one run at a time per output folder, from reading the tables to publishing (a backfill waits for the nightly)
    with folder_held(run, settings):
        try:
            result = sync_task(source, settings, run.run_id, today, backfill)
            # quote(): large payloads pass through untouched (Prefect would otherwise walk every row to track them)
            stage = (extract_stage(settings, result, run.run_id, workers, fan=True) if fan
                     else extract_task(settings, quote(result), run.run_id, workers))
            row = completed_row(run, settings, result, stage)
            snapshot = publish_task(settings, quote(result), row, quote(stage))
        except Exception as exc:
            record_failure(run, settings, exc, get_run_logger())
            raise
    report_task(settings)
    get_run_logger().info("published %d articles, %d entities, %d doses, %d claim evidence rows (%s) to %s",
                          len(result.articles), len(stage.entities), len(stage.doses), len(stage.evidence),
                          result.counts, snapshot)
    return row


@flow(name="nightly", log_prints=True)
def nightly(source: str = "sample", out: str | None = None, config: str | None = None,
            base_url: str | None = None, query: str | None = None, today: date | None = None,
            workers: int = 1, fan_out_tasks: bool = False) -> dict:
    """Sync (new and revised since the watermarks) → extract and assess → publish → report.

    `fan_out_tasks`: extraction runs as one task per chunk on the flow's task runner (use with a DaskTaskRunner,
    see `with_dask`); otherwise one task, with `workers` local processes."""
    settings = load_settings(config, out=out, base_url=base_url, query=query)
    return run_pipeline(source, settings, today, workers, fan=fan_out_tasks)


def with_dask(flow_obj: Flow, address: str | None = None, n_workers: int = 2) -> Flow:
    """The flow on a Dask cluster: an existing scheduler (`address`), or a local cluster of `n_workers` processes."""
    from prefect_dask import DaskTaskRunner

    runner = (DaskTaskRunner(address=address) if address else
              DaskTaskRunner(cluster_kwargs={"n_workers": n_workers, "threads_per_worker": 1, "processes": True}))
    return flow_obj.with_options(task_runner=runner)


@flow(name="backfill", log_prints=True)
def backfill(start: date, end: date, out: str | None = None, config: str | None = None, base_url: str | None = None,
             query: str | None = None, workers: int = 2) -> dict:
    """Every record entered in [start, end] (split under esearch's cap); the nightly watermarks do not move."""
    settings = load_settings(config, out=out, base_url=base_url, query=query)
    return run_pipeline("entrez", settings, end, workers, backfill=(start, end))


@flow(name="reprocess", log_prints=True)
def reprocess(out: str | None = None, config: str | None = None, workers: int = 1) -> dict:
    """After a new model or claim catalogue: re-extract and re-assess only the stored articles they affect."""
    return run_pipeline("stored", load_settings(config, out=out), None, workers)

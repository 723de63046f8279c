"""The backfill and reprocess flows, `kev serve`, and the nightly flow killed with SIGKILL mid-run (real Prefect)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date

import pandas as pd
import pytest

from pipeline.claims.catalogue import CATALOGUE_FILE
from pipeline.replay import ReplayServer
from tests.conftest import ROOT
from tests.pubmed_factory import record, write_set

ENV = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
TABLES = ("articles", "entities", "doses", "studies", "claim_evidence", "claim_summary")


def kev(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT, env={**ENV, **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def test_backfill_takes_the_window_and_leaves_watermarks(tmp_path):
    folder = write_set(tmp_path / "xml" / "a.xml", [record(i, date(2025, m, 10)) for i, m in
                                                       ((1, 1), (2, 2), (3, 2), (4, 3))]).parent
    out = tmp_path / "out"
    with ReplayServer(folder) as server:
        r = kev("backfill", "--start", "2025-02-01", "--end", "2025-02-28", "--eutils-url", server.url,
                "--out", str(out), "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert sorted(pd.read_parquet(out / "articles.parquet")["pmid"]) == ["2", "3"]
    assert pd.read_parquet(out / "runs.parquet")["flow"].tolist() == ["backfill"]
    assert "watermarks" not in json.loads((out / "state.json").read_text())


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """One clean nightly run on the bundled sample (per test worker): the tables every other way of running must
    give, and a published folder to start from (copied: tests must not change it)."""
    out = tmp_path_factory.mktemp("sample_run") / "out"
    r = kev("run", "--source", "sample", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


@pytest.mark.slow
def test_reprocess_after_a_catalogue_change(tmp_path, sample_run):
    out = tmp_path / "out"
    shutil.copytree(sample_run, out, symlinks=True)
    before = pd.read_parquet(out / "claim_summary.parquet")
    r = kev("reprocess", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert pd.read_parquet(out / "claim_summary.parquet").equals(before)  # nothing changed, nothing moved
    claims = tmp_path / "claims.yaml"
    claims.write_text(CATALOGUE_FILE.read_text().replace(
        "Ketamine or esketamine reduces suicidal ideation.", "Ketamine or esketamine reduces suicidal thoughts."))
    r = kev("reprocess", "--out", str(out), env={"KEV_CLAIMS": str(claims)})
    assert r.returncode == 0, r.stderr
    after = pd.read_parquet(out / "claim_summary.parquet").set_index("claim_id")
    assert after.loc["suicidal_ideation", "statement"] == "Ketamine or esketamine reduces suicidal thoughts."
    assert after["catalogue_version"].nunique() == 1 and after["catalogue_version"].iloc[0] != \
        before["catalogue_version"].iloc[0]
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs["source"]) == ["sample", "stored", "stored"]
    assert list(runs["flow"]) == ["nightly", "reprocess", "reprocess"]


def test_serve_starts_serving_the_nightly_flow(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--source", "sample", "--out",
                             str(tmp_path)], cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        deadline, seen = time.time() + 90, ""
        while time.time() < deadline and "nightly-served'" not in seen:  # its own name, not prefect.yaml's
            line = proc.stdout.readline()
            if not line:
                break
            seen += line
        assert "Your flow 'nightly' is being served" in seen and "nightly/nightly-served" in seen, seen
    finally:  # the whole group: serve's ephemeral Prefect API server is a child process that outlives a SIGTERM
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_serve_passes_the_commands_settings_to_every_scheduled_run(tmp_path):
    from flows.nightly import nightly
    from pipeline.cli import build_parser, serve_parameters

    (tmp_path / "kev.toml").write_text(f'out = "{tmp_path / "from-config"}"\n')
    args = build_parser().parse_args(["serve", "--source", "sample", "--config", str(tmp_path / "kev.toml"),
                                      "--eutils-url", "http://127.0.0.1:9/", "--query", "esketamine[tiab]"])
    params = serve_parameters(args)
    assert params["config"] == str(tmp_path / "kev.toml") and params["out"] == str(tmp_path / "from-config")
    assert params["base_url"] == "http://127.0.0.1:9/" and params["query"] == "esketamine[tiab]"
    run = nightly(**params)  # the served flow accepts exactly these parameters
    assert run["n_new"] > 0 and (tmp_path / "from-config" / "articles.parquet").exists()
    with pytest.raises(ValueError, match="would pin every run"):
        serve_parameters(build_parser().parse_args(["serve", "--today", "2025-01-01"]))


def tables(out) -> dict[str, pd.DataFrame]:
    """The published tables, less the run that wrote each article (another run, another id)."""
    return {t: pd.read_parquet(out / f"{t}.parquet").drop(columns=["run_id"], errors="ignore") for t in TABLES}


@pytest.mark.slow
def test_sigkill_at_several_points_then_rerun_gives_the_uninterrupted_tables(tmp_path, sample_run):
    expected = tables(sample_run)
    killed = tmp_path / "killed"
    for delay in (2.0, 5.0, 7.0, 9.0):
        proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", "--source", "sample", "--out",
                                 str(killed)], cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if (killed / "current").exists():  # whatever was published is a complete, readable set
            for t in ("articles", "runs"):
                pd.read_parquet(killed / f"{t}.parquet")
    r = kev("run", "--source", "sample", "--out", str(killed))
    assert r.returncode == 0, r.stderr
    got = tables(killed)
    for name in TABLES:
        pd.testing.assert_frame_equal(got[name].reset_index(drop=True), expected[name].reset_index(drop=True),
                                      obj=name)
    shutil.rmtree(tmp_path)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_single_process_tables(tmp_path, sample_run):
    single, dask = sample_run, tmp_path / "dask"
    r = kev("run", "--source", "sample", "--out", str(dask), "--dask", "local", "--workers", "2",
            env={"PREFECT_LOGGING_LEVEL": "INFO"})  # the task runs' log lines show where they ran
    assert r.returncode == 0, r.stderr
    assert "Creating a new Dask cluster" in r.stderr  # the flow ran on the Dask task runner,
    assert "extract-chunk" in r.stderr and "Finished in state Completed" in r.stderr  # fanned out as chunk tasks
    got, expected = tables(dask), tables(single)
    for name in TABLES:
        pd.testing.assert_frame_equal(got[name], expected[name], obj=name)


def test_a_failed_night_is_recorded_and_changes_no_table(tmp_path):
    out = tmp_path / "out"
    folder = write_set(tmp_path / "xml" / "a.xml", [record(i, date(2025, 1, i)) for i in range(1, 4)]).parent
    assert kev("ingest", "--source", f"xml:{folder}", "--out", str(out)).returncode == 0
    before = (out / "articles.parquet").read_bytes()
    config = tmp_path / "kev.toml"
    config.write_text("[kev]\nmax_retries = 1\nbackoff_base = 0.01\nquery = \"ketamine\"\n")
    with ReplayServer(folder) as server:
        server.faults.push("500", 100)
        r = kev("run", "--source", "entrez", "--eutils-url", server.url, "--out", str(out), "--config", str(config))
        requests = len(server.log)
    assert r.returncode == 2 and "failed after" in r.stderr
    # the message counts every attempt made: the flow does not retry the sync on top of the client's retries
    assert f"failed after {requests} attempts" in r.stderr
    assert (out / "articles.parquet").read_bytes() == before
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs.iloc[-1]["status"].startswith("failed: EntrezError") and runs.iloc[-1]["n_articles"] == 3


@pytest.mark.slow
def test_a_run_that_gives_up_waiting_for_the_folder_is_recorded_by_the_next_publish(tmp_path):
    """It may not publish (the holder is merging), so its failed row is parked and the next run's publish adds it."""
    from pipeline.tables import store

    out = tmp_path / "out"
    folder = write_set(tmp_path / "xml" / "a.xml", [record(i, date(2025, 1, i)) for i in range(1, 4)]).parent
    assert kev("ingest", "--source", f"xml:{folder}", "--out", str(out)).returncode == 0
    config = tmp_path / "kev.toml"
    config.write_text("[kev]\nlock_timeout = 0.5\n")
    with store.run_lock(out, holder="nightly-of-the-test"):
        r = kev("run", "--source", f"xml:{folder}", "--out", str(out), "--config", str(config))
    assert r.returncode != 0 and "held by" in r.stderr and "nightly-of-the-test" in r.stderr
    assert len(pd.read_parquet(out / "runs.parquet")) == 1  # nothing published while the folder was held
    assert len(list((out / store.PARKED).glob("*.json"))) == 1
    assert kev("run", "--source", f"xml:{folder}", "--out", str(out)).returncode == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert [s.split(":")[0] for s in runs["status"]] == ["completed", "failed", "completed"]
    assert "FolderBusy" in runs.iloc[1]["status"] and "nightly-of-the-test" in runs.iloc[1]["status"]
    assert runs.iloc[1]["n_articles"] == 3 and runs["run_id"].is_unique
    assert list((out / store.PARKED).glob("*.json")) == []


def test_a_damaged_parked_row_is_set_aside_and_publishing_goes_on(tmp_path):
    """A parked file cut short (power loss) or of the wrong shape must not stop every publish after it."""
    from pipeline.config import Settings
    from pipeline.ingest import ingest
    from pipeline.tables import store

    out = tmp_path / "out"
    parked = out / store.PARKED
    parked.mkdir(parents=True)
    (parked / "cut.json").write_text("")
    (parked / "shape.json").write_text(json.dumps({"run_id": "r-x", "status": 3}))
    (parked / "key.json").write_text(json.dumps({"run_id": ["r-y"]}))
    ingest("sample", Settings(out=out))
    assert len(pd.read_parquet(out / "runs.parquet")) == 1
    assert sorted(p.name for p in parked.iterdir()) == ["cut.bad", "key.bad", "shape.bad"]
    # two copies of one parked row (a copy, or a crash after its publish): appended once, both files removed
    from pipeline.runs import Run, failed_row

    row = failed_row(Run("sample", run_id="r-busy"), Settings(out=out), store.FolderBusy("held"))
    store.park_run_row(out, row)
    (parked / "copy.json").write_text((parked / "r-busy.json").read_text())
    ingest("sample", Settings(out=out))
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs["run_id"]).count("r-busy") == 1 and len(runs) == 3
    assert not list(parked.glob("*.json"))


PIPELINE_WARNING_IN_A_FLOW = """
import pipeline.cli as c
c._prefect_defaults()
import logging
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.runtime import flow_run


@flow
def f():
    logging.getLogger("pipeline.sources.live").warning("window short: test")
    return flow_run.id


rid = f()
import time
time.sleep(3)
with get_client(sync_client=True) as client:
    logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[rid])))
print("FOUND" if any("window short: test" in x.message for x in logs) else "MISSING")
"""


def test_the_pipelines_warnings_reach_the_flow_runs_logs_in_prefect(tmp_path):
    """A window efetch left short, a skipped reconcile, a parked run: logged by `pipeline.*`, which the kev commands
    (and prefect.yaml's deployments) attach to Prefect's logging, so an operator sees them in the UI and API."""
    script = tmp_path / "warn.py"
    script.write_text(PIPELINE_WARNING_IN_A_FLOW)
    env = {k: v for k, v in ENV.items() if k != "PREFECT_LOGGING_EXTRA_LOGGERS"}
    r = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert r.stdout.strip().endswith("FOUND"), r.stdout + r.stderr

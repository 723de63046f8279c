"""Live ingestion through the real HTTP client against the loopback replay server (no mocks)."""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import Settings
from pipeline.ingest import ingest
from pipeline.replay import ReplayServer
from pipeline.sources.entrez import EntrezClient, EntrezError, EntrezSettings, split_windows
from tests.pubmed_factory import record, write_set

JAN = date(2025, 1, 10)
FEB = date(2025, 2, 10)


def settings(server: ReplayServer, out: Path, **kw) -> Settings:
    base = Settings(out=out, base_url=server.url, email="dev@example.org", api_key="k" * 10,
                    backoff_base=0.02, max_retries=5, timeout=5, start_date=date(2024, 1, 1), batch_size=3)
    return replace(base, **kw)


@pytest.fixture
def nights(tmp_path):
    """Night 1: five records. Night 2: 3 revised to version 2, 4 revised in place, 2 deleted, 6 and 7 new."""
    n1 = write_set(tmp_path / "night1" / "a.xml", [record(i, JAN) for i in range(1, 6)])
    n2 = write_set(tmp_path / "night2" / "a.xml",
                   [record(1, JAN), record(3, JAN, FEB, version=2), record(4, JAN, FEB, abstract="Corrected."),
                    record(5, JAN), record(6, FEB), record(7, FEB)])
    return n1.parent, n2.parent


def table(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "articles.parquet").set_index("pmid")


def test_two_incremental_nights_new_revised_deleted(nights, tmp_path):
    out = tmp_path / "out"
    with ReplayServer(nights[0]) as server:
        s = settings(server, out)
        _, run1 = ingest("entrez", s, today=date(2025, 1, 31))
        assert (run1["n_new"], run1["n_deleted"]) == (5, 0)
        assert sorted(table(out).index) == ["1", "2", "3", "4", "5"]
        server.load(nights[1])
        _, run2 = ingest("entrez", s, today=date(2025, 2, 28))
    t = table(out)
    assert sorted(t.index) == ["1", "3", "4", "5", "6", "7"]
    assert t.loc["3", "version"] == 2 and "version 2" in t.loc["3", "title"]
    assert t.loc["4", "abstract"] == "Corrected." and t.loc["4", "version"] == 1
    assert (run2["n_new"], run2["n_revised"], run2["n_deleted"]) == (2, 2, 1)
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 and "edat:" in runs.iloc[1]["windows"] and "reconcile" in runs.iloc[1]["windows"]
    assert len(list((out / "raw").rglob("*.xml.gz"))) >= 2  # fetched XML kept for audit


def test_same_window_twice_gives_identical_articles(nights, tmp_path):
    out = tmp_path / "out"
    with ReplayServer(nights[1]) as server:
        s = settings(server, out)
        ingest("entrez", s, today=date(2025, 2, 28))
        first = (out / "articles.parquet").read_bytes()
        _, run = ingest("entrez", s, today=date(2025, 2, 28))
    assert run["n_new"] == run["n_revised"] == run["n_deleted"] == 0
    assert hashlib.sha256(first).digest() == hashlib.sha256((out / "articles.parquet").read_bytes()).digest()


def test_requests_are_polite_post_batched_and_identified(nights, tmp_path):
    with ReplayServer(nights[1]) as server:
        ingest("entrez", settings(server, tmp_path / "o", api_key=None), today=date(2025, 2, 28))
        log = list(server.log)
    assert all(r.status == 200 for r in log), [r.status for r in log]  # the server 429s anyone over 3/s
    fetches = [r for r in log if r.util == "efetch"]
    assert fetches and all(r.method == "POST" and r.params.get("WebEnv") for r in fetches)
    assert all(int(r.params["retmax"]) == 3 for r in fetches)
    searches = [r for r in log if r.util == "esearch"]
    assert {r.params.get("datetype") for r in searches} >= {"edat", "mdat"}
    assert all(r.params["tool"] == "ketamine-evidence" and r.params["email"] == "dev@example.org" for r in log)
    gaps = [b.at - a.at for a, b in zip(log, log[1:], strict=False)]
    assert min(gaps) > 0.3  # 3 requests/s without a key


def test_fault_storm_recovers(nights, tmp_path):
    with ReplayServer(nights[1]) as server:
        for kind, n in (("429", 3), ("500", 2), ("reset", 2), ("truncate", 2)):
            server.faults.push(kind, n)
        _, run = ingest("entrez", settings(server, tmp_path / "o", max_retries=12), today=date(2025, 2, 28))
        statuses = [r.status for r in server.log]
    assert run["n_new"] == 6
    assert statuses.count(429) >= 3 and statuses.count(500) == 2 and statuses.count(0) == 2


def test_random_storm_recovers(nights, tmp_path):
    with ReplayServer(nights[1]) as server:
        server.faults.storm({"429": 0.2, "500": 0.1, "reset": 0.05, "truncate": 0.1}, seed=7)
        _, run = ingest("entrez", settings(server, tmp_path / "o", max_retries=15), today=date(2025, 2, 28))
    assert run["n_articles"] == 6


def test_exhausted_retries_fail_clearly_and_leave_tables(nights, tmp_path):
    out = tmp_path / "out"
    with ReplayServer(nights[0]) as server:
        s = settings(server, out, max_retries=2)
        ingest("entrez", s, today=date(2025, 1, 31))
        before = {p.name: p.read_bytes() for p in out.glob("*.parquet")}
        server.load(nights[1])
        server.faults.push("500", 50)
        with pytest.raises(EntrezError, match=r"esearch failed after 3 attempts .*HTTP 500.*previous tables"):
            ingest("entrez", s, today=date(2025, 2, 28))
    assert {p.name: p.read_bytes() for p in out.glob("*.parquet")} == before


def test_slow_response_times_out_then_retries(nights, tmp_path):
    with ReplayServer(nights[0]) as server:
        server.faults.slow_seconds = 1.5
        server.faults.push("slow", 1)
        client = EntrezClient(EntrezSettings(base_url=server.url, api_key="k", timeout=0.5, backoff_base=0.01))
        t0 = time.monotonic()
        result = client.esearch("ketamine", "edat", date(2024, 1, 1), date(2025, 12, 31))
    assert result.count == 5 and time.monotonic() - t0 < 5


def test_windows_over_the_cap_are_split(tmp_path):
    days = [date(2025, 3, d) for d in range(1, 29)]
    folder = write_set(tmp_path / "many" / "a.xml", [record(100 + i, d) for i, d in enumerate(days)]).parent
    with ReplayServer(folder) as server:
        client = EntrezClient(EntrezSettings(base_url=server.url, api_key="k", backoff_base=0.01))
        windows = list(split_windows(client, "ketamine", "edat", date(2025, 3, 1), date(2025, 3, 28), cap=5))
    assert all(r.count < 5 for _, _, r in windows)
    assert sum(r.count for _, _, r in windows) == 28
    assert windows[0][0] == date(2025, 3, 1) and windows[-1][1] == date(2025, 3, 28)


LIMITED = """
import sys
from datetime import date
from pipeline.sources.entrez import EntrezClient, EntrezSettings
client = EntrezClient(EntrezSettings(base_url=sys.argv[1], email="a@b.c", backoff_base=0.01, max_retries=0))
for _ in range(6):
    client.esearch("ketamine", "edat", date(2024, 1, 1), date(2025, 12, 31))
"""


def test_rate_limit_is_shared_across_processes(nights):
    """Two processes, one budget: the server (which 429s anyone over 3/s) sees every request succeed."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    with ReplayServer(nights[0]) as server:
        procs = [subprocess.Popen([sys.executable, "-c", LIMITED, server.url], env=env) for _ in range(2)]
        assert [p.wait(timeout=60) for p in procs] == [0, 0]
        statuses = [r.status for r in server.log]
    assert len(statuses) == 12 and set(statuses) == {200}


def test_a_record_entered_before_start_date_survives_the_reconcile(tmp_path):
    """The first night's MDAT window brings in an old record revised lately; the reconcile lists entry dates from
    start_date only, so it must not take the old record's absence from that list as a deletion."""
    folder = write_set(tmp_path / "src" / "a.xml", [record(1, JAN), record(2, JAN),
                                                    record(9, date(1985, 6, 1), date(2025, 1, 15))]).parent
    out = tmp_path / "out"
    with ReplayServer(folder) as server:
        s = settings(server, out)
        _, run1 = ingest("entrez", s, today=date(2025, 1, 31))
        _, run2 = ingest("entrez", s, today=date(2025, 2, 10))
    assert run1["n_new"] == 3 and run2["n_deleted"] == 0
    assert sorted(table(out).index) == ["1", "2", "9"]


def test_a_short_id_list_skips_the_reconcile_and_deletes_nothing(nights, tmp_path):
    """An id list shorter than its Count is asked for again, then the reconcile is skipped: the night's new
    records still publish, and nothing is deleted on a partial list."""
    out = tmp_path / "out"
    with ReplayServer(nights[0]) as server:
        s = settings(server, out)
        ingest("entrez", s, today=date(2025, 1, 31))
        server.load(nights[1])
        server.faults.push("short", 100)  # every esearch IdList loses half its ids; Count stays
        _, run = ingest("entrez", s, today=date(2025, 2, 28))
        assert run["n_deleted"] == 0 and {"6", "7"} <= set(table(out).index) and "2" in table(out).index
        assert "reconcile:skipped" in pd.read_parquet(out / "runs.parquet").iloc[-1]["windows"]
        server.faults.clear()
        _, run = ingest("entrez", s, today=date(2025, 2, 28))
    assert run["n_deleted"] == 1 and "2" not in table(out).index  # a whole list: the deleted record goes


@contextlib.contextmanager
def _revision_with_drops(tmp_path: Path, out: Path, drops: int):
    """A first night of five records, then a night that revises record 4 ("Corrected.") while the replay leaves
    a record out of its next `drops` efetch answers; yields the server, the settings and the second run."""
    night1 = write_set(tmp_path / "n1" / "a.xml", [record(i, JAN) for i in range(1, 6)]).parent
    night2 = write_set(tmp_path / "n2" / "a.xml", [record(i, JAN) for i in (1, 2, 3, 5)]
                       + [record(4, JAN, FEB, abstract="Corrected.")]).parent
    with ReplayServer(night1) as server:
        s = settings(server, out)
        ingest("entrez", s, today=date(2025, 1, 31))
        server.load(night2)
        server.faults.push("drop", drops)
        _, run = ingest("entrez", s, today=date(2025, 2, 28))
        yield server, s, run


def test_a_revision_left_out_of_a_whole_efetch_answer_is_fetched_by_id(tmp_path):
    """efetch answers a window with a valid document that lacks a record esearch counted ("drop"): the window's ids
    are listed and the missing record fetched by id. A revision lost that way was lost for good: the reconcile
    fetches only records held nowhere, and the next night's window starts past it."""
    out = tmp_path / "out"
    with _revision_with_drops(tmp_path, out, 3) as (_, _, run):  # esearch edat, esearch mdat, its efetch: 4 left out
        pass
    assert table(out).loc["4", "abstract"] == "Corrected." and run["n_revised"] == 1
    assert "efetch short by 1, refetched 1" in pd.read_parquet(out / "runs.parquet").iloc[-1]["windows"]


def test_a_revision_left_out_twice_holds_the_watermark_and_comes_the_next_night(tmp_path):
    """efetch leaves the revision out of the window and again out of the refetch by id: the run publishes what it
    has, but the MDAT watermark stays at the short window's start, so the next night searches it again."""
    import json

    out = tmp_path / "out"
    with _revision_with_drops(tmp_path, out, 5) as (server, s, run):  # the window's efetch and the refetch by id
        windows = pd.read_parquet(out / "runs.parquet").iloc[-1]["windows"]
        assert "still short by 1" in windows and "mdat watermark held at 2025-01-31" in windows
        marks = json.loads((out / "state.json").read_text())["watermarks"]
        assert marks == {"edat": "2025-02-28", "mdat": "2025-01-31"}  # the next window starts at the short one
        assert table(out).loc["4", "abstract"] != "Corrected."
        server.faults.push("drop", 5)  # short again: the mark stays, it does not reach further back each night
        ingest("entrez", s, today=date(2025, 3, 1))
        assert json.loads((out / "state.json").read_text())["watermarks"]["mdat"] == "2025-01-31"
        server.faults.clear()
        _, run = ingest("entrez", s, today=date(2025, 3, 2))
    assert table(out).loc["4", "abstract"] == "Corrected." and run["n_revised"] == 1
    assert json.loads((out / "state.json").read_text())["watermarks"]["mdat"] == "2025-03-02"


def test_a_night_before_the_watermarks_is_refused(tmp_path):
    """A clock that jumped ahead (or a --today in the future) set the watermarks past today: reversed windows
    would fetch nothing and say nothing, so the run is refused and the tables stay."""
    out = tmp_path / "out"
    night1 = write_set(tmp_path / "n1" / "a.xml", [record(i, JAN) for i in range(1, 4)]).parent
    with ReplayServer(night1) as server:
        s = settings(server, out)
        ingest("entrez", s, today=date(2025, 12, 31))
        before = (out / "articles.parquet").read_bytes()
        with pytest.raises(ValueError, match=r"before the watermarks .*--today on or after 2025-12-31"):
            ingest("entrez", s, today=date(2025, 2, 1))
    assert (out / "articles.parquet").read_bytes() == before


def test_the_reconcile_fetches_matches_that_the_windows_missed(nights, tmp_path):
    """A record indexed late with an old entry date falls outside every watermark window; the reconcile's list
    has it, so it is fetched by id."""
    out = tmp_path / "out"
    with ReplayServer(nights[0]) as server:
        s = settings(server, out)
        ingest("entrez", s, today=date(2025, 1, 31))
        late = write_set(tmp_path / "late" / "a.xml", [record(i, JAN) for i in range(1, 6)]
                         + [record(8, date(2024, 3, 1))]).parent
        server.load(late)
        _, run = ingest("entrez", s, today=date(2025, 2, 28))
    assert run["n_new"] == 1 and "8" in table(out).index
    assert "reconcile:fetched 1 missing" in pd.read_parquet(out / "runs.parquet").iloc[-1]["windows"]


def test_a_mass_deletion_is_refused(tmp_path):
    out = tmp_path / "out"
    full = write_set(tmp_path / "full" / "a.xml", [record(i, JAN) for i in range(1, 31)]).parent
    few = write_set(tmp_path / "few" / "a.xml", [record(i, JAN) for i in range(1, 6)]).parent
    with ReplayServer(full) as server:
        s = settings(server, out, batch_size=50)
        ingest("entrez", s, today=date(2025, 1, 31))
        server.load(few)  # 25 of 30 vanish at once: an answer to distrust, not 25 deletions
        _, run = ingest("entrez", s, today=date(2025, 2, 1))
        assert run["n_deleted"] == 0 and len(table(out)) == 30
        assert "refused 25 deletions" in pd.read_parquet(out / "runs.parquet").iloc[-1]["windows"]
        _, run = ingest("entrez", replace(s, reconcile_max_deletions=1.0), today=date(2025, 2, 1))
    assert run["n_deleted"] == 25 and len(table(out)) == 5


def test_a_changed_query_searches_entry_dates_from_start_date(nights, tmp_path):
    out = tmp_path / "out"
    with ReplayServer(nights[0]) as server:
        s = settings(server, out)
        ingest("entrez", s, today=date(2025, 1, 31))
        first_night = len(server.log)
        ingest("entrez", replace(s, query="psilocybin[tiab]"), today=date(2025, 2, 1))
        edat = [r for r in list(server.log)[first_night:] if r.util == "esearch" and r.params.get("datetype") == "edat"]
    windows = pd.read_parquet(out / "runs.parquet").iloc[-1]["windows"]
    assert "query changed" in windows and edat[0].params["mindate"] == "2024/01/01"


def test_every_window_of_a_split_range_keeps_its_raw_files(tmp_path, monkeypatch):
    """A range over esearch's cap is split into windows; each window's batches are kept under their own names
    (they all started at batch-00000 and overwrote each other, so rows named files holding other records)."""
    import gzip

    from pipeline.sources import entrez

    monkeypatch.setattr(entrez, "ESEARCH_CAP", 5)  # 10,000 in production; the windows code is the same
    days = [date(2025, 1, d) for d in range(1, 13)]
    folder = write_set(tmp_path / "src" / "a.xml", [record(100 + i, d) for i, d in enumerate(days)]).parent
    out = tmp_path / "out"
    with ReplayServer(folder) as server:
        result, run = ingest("entrez", settings(server, out, start_date=date(2025, 1, 1)), today=date(2025, 1, 12))
    assert run["n_new"] == 12 and sum(w.startswith("edat:") for w in result.windows) > 1
    for pmid, source in table(out)["source"].items():
        with gzip.open(out / source.removeprefix("entrez:"), "rt") as fh:
            assert f"<PMID Version=\"1\">{pmid}</PMID>" in fh.read(), source


def test_kev_replay_refuses_a_missing_folder_and_a_port_in_use(tmp_path, capsys):
    import socket
    import subprocess
    import sys

    from pipeline.cli import main

    # a subprocess with a timeout: a regression would serve an empty PubMed forever
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "replay", "--data", str(tmp_path / "no-such-folder")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "no such file or folder to replay" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.xml.gz").write_bytes(b"not gzip")
    assert main(["replay", "--data", str(tmp_path / "bad")]) == 2
    assert "cannot read the replay data" in capsys.readouterr().err
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        (tmp_path / "empty").mkdir()
        assert main(["replay", "--data", str(tmp_path / "empty"), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot serve on 127.0.0.1:{port}" in err and "Traceback" not in err


def test_each_article_names_the_run_that_added_or_last_revised_it(tmp_path):
    out = tmp_path / "out"
    night1 = write_set(tmp_path / "n1" / "a.xml", [record(i, JAN) for i in range(1, 4)]).parent
    night2 = write_set(tmp_path / "n2" / "a.xml", [record(i, JAN) for i in (1, 2)]
                       + [record(3, JAN, FEB, abstract="Corrected.")]).parent
    with ReplayServer(night1) as server:
        s = settings(server, out)
        _, run1 = ingest("entrez", s, today=date(2025, 1, 31))
        server.load(night2)
        _, run2 = ingest("entrez", s, today=date(2025, 2, 28))
    runs = table(out)["run_id"].to_dict()
    assert runs == {"1": run1["run_id"], "2": run1["run_id"], "3": run2["run_id"]}
    assert set(pd.read_parquet(out / "runs.parquet")["run_id"]) >= set(runs.values())  # joins to runs


def test_retries_are_counted_and_a_failed_kev_ingest_has_its_row(nights, tmp_path):
    from pipeline.ingest import run_stages

    out = tmp_path / "out"
    with ReplayServer(nights[0]) as server:
        s = settings(server, out, max_retries=2)
        server.faults.push("500", 1)  # one retry, then a whole night
        run_stages("entrez", s, date(2025, 1, 31))
        assert "retries:1" in pd.read_parquet(out / "runs.parquet").iloc[-1]["windows"]
        before = (out / "articles.parquet").read_bytes()
        server.faults.push("500", 50)
        with pytest.raises(EntrezError):
            run_stages("entrez", s, date(2025, 2, 28))
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 and runs.iloc[-1]["status"].startswith("failed: EntrezError: esearch failed after 3")
    assert (out / "articles.parquet").read_bytes() == before


def test_replay_and_config_typos_are_errors_that_name_them(tmp_path):
    from pipeline.cli import fault_specs, storm_rates
    from pipeline.config import load_settings

    assert fault_specs(["drop:2", "500"]) == [("drop", 2), ("500", 1)]
    for bad in (["500:x"], ["teapot"]):
        with pytest.raises(ValueError, match="expected KIND"):
            fault_specs(bad)
    assert storm_rates("429=0.2,500=0.1") == {"429": 0.2, "500": 0.1}
    for bad in ("500", "500=2", "teapot=0.1"):
        with pytest.raises(ValueError, match="expected KIND=RATE"):
            storm_rates(bad)
    toml = tmp_path / "kev.toml"
    toml.write_text("[kev\nout = 1\n")
    with pytest.raises(ValueError, match=f"{toml}: not valid TOML"):
        load_settings(toml)


def test_a_first_night_that_stays_short_never_sets_a_watermark_past_today():
    from pipeline.ingest import next_watermarks

    today, windows = date(2025, 1, 31), []
    marks = next_watermarks({}, today, {"mdat": date(2025, 1, 30)}, windows, overlap_days=3)
    assert marks == {"edat": "2025-01-31", "mdat": "2025-01-31"} and "mdat watermark held" in windows[0]
    marks = next_watermarks({}, today, {"mdat": date(2025, 1, 10)}, [], overlap_days=3)
    assert marks["mdat"] == "2025-01-13"  # the next window (minus the overlap) starts at the short one

"""The nightly Prefect flow and the `kev` command, run for real (ephemeral Prefect API, loopback replay)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tests.pubmed_factory import record, write_set

ROOT = Path(__file__).resolve().parent.parent


def kev(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def folder(tmp_path):
    recs = [record(i, date(2025, 1, i)) for i in range(1, 9)]
    bad = "<PubmedArticle><MedlineCitation><Article><ArticleTitle>x</ArticleTitle></Article></MedlineCitation>" \
          "</PubmedArticle>"
    return write_set(tmp_path / "xml" / "a.xml", recs + [bad]).parent


def test_nightly_flow_runs_in_prefect(folder, tmp_path):
    from prefect.client.orchestration import get_client  # noqa: F401  (the ephemeral API must be importable)

    from flows.nightly import nightly

    state = nightly(source=f"xml:{folder}", out=str(tmp_path / "out"), return_state=True)
    assert state.is_completed()
    run = state.result()
    assert run["n_new"] == 8 and run["n_rejected"] == 1 and run["flow_run_id"]
    rejects = pd.read_parquet(tmp_path / "out" / "rejects.parquet")
    assert "no PMID" in rejects.iloc[0]["reason"]
    entities = pd.read_parquet(tmp_path / "out" / "entities.parquet")
    assert set(entities["doc_id"]) == {f"pmid:{i}" for i in range(1, 9)} and (entities["label"] == "DRUG").any()


def test_kev_ingest_and_error_messages(folder, tmp_path):
    r = kev("ingest", "--source", f"xml:{folder}", "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[0])["n_articles"] == 8
    assert pd.read_parquet(tmp_path / "o" / "runs.parquet")["flow"].tolist() == ["ingest"]
    r = kev("ingest", "--source", "xml:/nonexistent/folder", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "no such file or folder" in r.stderr
    r = kev("ingest", "--source", "ftp:x", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "unknown source" in r.stderr


@pytest.mark.parametrize("command,source,message", [
    ("run", "/nonexistent.jsonl", "unknown source '/nonexistent.jsonl'"),
    ("run", "jsonl:/nonexistent.jsonl", "no such file: /nonexistent.jsonl"),
    ("run", "replay:/nonexistent", "no such file or folder: /nonexistent"),
    ("backfill", "replay:/nonexistent", "no such file or folder: /nonexistent"),
    ("serve", "jsonl:/nonexistent.jsonl", "no such file: /nonexistent.jsonl"),
    ("serve", f"replay:{ROOT}", "kev serve cannot replay"),
])
def test_kev_run_refuses_an_unreadable_source_before_the_flow_starts(tmp_path, command, source, message):
    extra = ["--start", "2025-01-01", "--end", "2025-01-02"] if command == "backfill" else []
    r = kev(command, "--source", source, "--out", str(tmp_path / "o"), *extra)
    assert r.returncode == 2 and r.stderr.startswith(f"kev {command}: error: ")
    assert message in r.stderr and "Traceback" not in r.stderr and "Flow run" not in r.stderr
    assert not (tmp_path / "o").exists()


def test_a_backfill_refuses_a_source_that_is_not_live(tmp_path, folder):
    r = kev("backfill", "--source", f"xml:{folder}", "--out", str(tmp_path / "o"), "--start", "2025-01-01",
            "--end", "2025-01-02")
    assert r.returncode == 2 and "a backfill pulls an entry-date window from PubMed" in r.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_kev_run_live_mode_against_replay(folder, tmp_path):
    r = kev("run", "--source", f"replay:{folder}", "--out", str(tmp_path / "o"), "--today", "2025-02-01")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[0])["n_new"] == 8
    assert "articles.parquet" in r.stdout


def test_an_empty_split_is_an_error_not_zeros(capsys):
    from pipeline.cli import main
    from tests.conftest import ROOT, corpus_path

    corpus_path("pubmed-2025", "docs.jsonl")  # gold texts come from the shared corpus: skip without it
    assert main(["eval", "--gold", str(ROOT / "data/gold/train_extra.jsonl"), "--split", "bogus", "--rules-only"]) == 2
    assert "no documents in split 'bogus'" in capsys.readouterr().err


def test_a_pipeline_warning_outside_a_flow_run_is_shown_without_a_prefect_complaint(tmp_path):
    """`kev run` routes pipeline warnings to the flow run's logs; one logged outside a flow run (a script in the
    same process, the lock before the flow starts) is still printed, with no UserWarning about a missing run id."""
    code = ("import logging, os\nfrom pipeline.cli import _prefect_defaults\n_prefect_defaults()\n"
            "from prefect.logging.configuration import setup_logging\nsetup_logging()\n"
            "logging.getLogger('pipeline.sample').warning('parked run row unusable')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_LOGGING")}
    r = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", code], cwd=ROOT, capture_output=True,
                       text=True, env={**env, "PREFECT_HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert "parked run row unusable" in r.stdout + r.stderr and "without a flow run id" not in r.stderr


def test_a_report_without_tables_is_an_error(tmp_path, capsys):
    from pipeline.cli import main

    assert main(["report", "--out", str(tmp_path / "missing")]) == 2
    assert "no published claim tables" in capsys.readouterr().err
    assert not (tmp_path / "missing").exists()  # nor an empty report folder left behind


def test_a_report_whose_destination_is_a_file_is_an_error(tmp_path, capsys):
    from pipeline.cli import main
    from tests.test_claims import run_files

    run_files("sample", tmp_path / "o", date(2025, 1, 1))
    (tmp_path / "taken").write_text("mine")
    assert main(["report", "--out", str(tmp_path / "o"), "--dest", str(tmp_path / "taken")]) == 2
    assert "names a file" in capsys.readouterr().err and (tmp_path / "taken").read_text() == "mine"
    assert main(["report", "--out", str(tmp_path / "o"), "--dest", str(tmp_path / "taken" / "sub")]) == 2
    assert "cannot make the report folder" in capsys.readouterr().err
    assert main(["report", "--out", str(tmp_path / "o"), "--dest", str(tmp_path / "r" / "nested")]) == 0
    assert not [p.name for p in (tmp_path / "r" / "nested").iterdir() if p.name.endswith(".tmp")]


def test_a_second_failed_run_on_a_folder_without_articles_is_recorded(tmp_path):
    import pyarrow.parquet as pq

    from pipeline.config import Settings
    from pipeline.runs import Run, publish_failed

    s = Settings(out=tmp_path / "out")
    for i in range(2):
        publish_failed(Run("entrez", run_id=f"r{i}"), s, RuntimeError("E-utilities down"))
    runs = pq.read_table(tmp_path / "out" / "runs.parquet").to_pylist()
    assert [r["n_articles"] for r in runs] == [0, 0] and all(r["status"].startswith("failed") for r in runs)


@pytest.mark.slow
def test_bench_backfill_runs_the_number_asked_for():
    from tests.conftest import corpus_path

    corpus_path("pubmed-2025", "docs.jsonl")  # the benchmark repeats the shared corpus: skip without it
    # 2,000 was once read as "the default": 10,000. Any number not the default shows it is read; a small one keeps
    # the suite fast (the benchmark itself, `kev bench backfill`, runs 10,000)
    r = kev("bench", "backfill", "--n", "240", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[-1])["n_abstracts"] == 240


@pytest.mark.parametrize("argv,message", [
    (["reprocess", "--out", "{tmp}/typo"], "no published tables here"),
    (["review", "--out", "{tmp}/typo"], "no published tables here"),
    (["review", "export", "--out", "{tmp}/typo"], "no published tables here"),
    (["backfill", "--start", "2024-01-01", "--end", "2023-01-01", "--source", "replay:data/sample",
      "--out", "{tmp}/o"], "is after --end"),
    (["ingest", "--source", "sample", "--out", "{tmp}/a-file"], "is a file"),
    (["ingest", "--source", "sample", "--config", "{tmp}/kev.toml", "--out", "{tmp}/o"],
     "setting requests_per_second = 'fast'"),
    (["ingest", "--source", "jsonl:README.md", "--out", "{tmp}/o"], "lines is a JSON object"),
    (["run", "--source", "jsonl:README.md", "--out", "{tmp}/o"], "lines is a JSON object"),  # before the flow starts
    (["ingest", "--source", "sample", "--config", "{tmp}/bool.toml", "--out", "{tmp}/o"],
     "setting reconcile_deletions = 'maybe': expected true or false"),
    (["ingest", "--source", "sample", "--config", "{tmp}/range.toml", "--out", "{tmp}/o"],
     "setting batch_size = 0: expected 1 to 10000"),
])
def test_mistakes_in_the_command_are_one_line_and_publish_nothing(tmp_path, capsys, argv, message):
    """A typo in --out served an empty review app or published empty tables; a reversed window, a file given as
    the output folder, a bad setting's value or a README given as JSON lines each needed reading a traceback."""
    from pipeline.cli import main
    from tests.conftest import ROOT

    (tmp_path / "a-file").write_text("x")
    (tmp_path / "kev.toml").write_text('[kev]\nrequests_per_second = "fast"\n')
    (tmp_path / "bool.toml").write_text('[kev]\nreconcile_deletions = "maybe"\n')
    (tmp_path / "range.toml").write_text('[kev]\nbatch_size = 0\n')
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    finally:
        os.chdir(cwd)
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "typo").exists() and not (tmp_path / "o").exists()


def test_a_file_that_is_not_json_lines_is_refused_inside_a_run_too(tmp_path):
    """A scheduled run or a deployment does not pass the CLI's check: the sync refuses it as well; a byte-order
    mark does not cost the first record."""
    from pipeline.config import Settings
    from pipeline.ingest import ingest
    from tests.conftest import ROOT

    with pytest.raises(ValueError, match="lines is a JSON object"):
        ingest(f"jsonl:{ROOT / 'README.md'}", Settings(out=tmp_path / "o"))
    assert not list((tmp_path / "o").glob("*.parquet"))
    bom = tmp_path / "bom.jsonl"
    bom.write_text(json.dumps({"doc_id": "d1", "title": "Ketamine", "abstract": "Text."}) + "\n", encoding="utf-8-sig")
    result, run = ingest(f"jsonl:{bom}", Settings(out=tmp_path / "b"))
    assert run["n_new"] == 1 and run["n_rejected"] == 0


def test_workers_and_fault_rates_are_checked(capsys):
    from pipeline.cli import build_parser
    from pipeline.replay.server import FaultPlan

    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--workers", "0"])
    assert "at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--workers", "two"])
    assert "invalid integer value: 'two'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultPlan().storm({"500": 2.0})


def test_a_refused_review_binding_does_not_announce_itself(tmp_path, capsys):
    from pipeline.cli import main
    from pipeline.config import Settings
    from pipeline.ingest import ingest

    ingest("sample", Settings(out=tmp_path / "o"))
    assert main(["review", "--out", str(tmp_path / "o"), "--host", "0.0.0.0"]) == 2
    captured = capsys.readouterr()
    assert "needs --token" in captured.err and "review app on" not in captured.out


def test_dates_and_folders_that_would_lose_or_hide_data_are_refused(tmp_path, capsys):
    from pipeline.cli import main

    assert main(["ingest", "--source", "stored", "--out", str(tmp_path / "typo")]) == 2
    assert "no published tables" in capsys.readouterr().err and not (tmp_path / "typo").exists()
    with pytest.raises(SystemExit):
        main(["ingest", "--source", "sample", "--today", "2999-01-01", "--out", str(tmp_path / "o")])
    assert "in the future" in capsys.readouterr().err
    assert main(["backfill", "--start", "2024-01-01", "--end", "2024-02-01", "--today", "2024-02-01",
                 "--out", str(tmp_path / "o")]) == 2
    assert "--today is for nightly runs" in capsys.readouterr().err

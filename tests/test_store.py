"""Atomic publishing: a reader sees a complete set of tables, before, during and after a crash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.tables import store
from pipeline.tables.schemas import SchemaError, to_table


def rejects(n: int, run: str) -> pa.Table:
    return to_table("rejects", [{"doc_id": f"d{i}", "source": "s", "stage": "parse", "reason": run,
                                 "snippet": None, "first_run_id": run} for i in range(n)])


def test_publish_swaps_set_and_keeps_stable_paths(tmp_path):
    store.publish(tmp_path, {"rejects": rejects(2, "r1")}, {"w": 1}, "r1")
    store.publish(tmp_path, {"rejects": rejects(3, "r2")}, {"w": 2}, "r2")
    assert pq.read_table(tmp_path / "rejects.parquet").num_rows == 3
    assert store.read_state(tmp_path) == {"w": 2}
    assert json.loads((tmp_path / "state.json").read_text()) == {"w": 2}


def test_tables_not_rewritten_are_carried_over(tmp_path):
    store.publish(tmp_path, {"rejects": rejects(2, "r1")}, {}, "r1")
    store.publish(tmp_path, {}, {"x": 1}, "r2")
    assert pq.read_table(tmp_path / "rejects.parquet").num_rows == 2


def test_invalid_table_is_refused_and_nothing_changes(tmp_path):
    store.publish(tmp_path, {"rejects": rejects(2, "r1")}, {}, "r1")
    bad = pa.table({"doc_id": ["x"]})
    with pytest.raises(SchemaError):
        store.publish(tmp_path, {"rejects": bad}, {}, "r2")
    assert pq.read_table(tmp_path / "rejects.parquet").num_rows == 2
    with pytest.raises(SchemaError, match="nulls in a non-null column"):
        to_table("rejects", [{"doc_id": "x", "source": None, "stage": "parse", "reason": "r", "first_run_id": "r"}])


WRITER = """
import sys, itertools
from pipeline.tables import store
from pipeline.tables.schemas import to_table
out = sys.argv[1]
print("ready", flush=True)
for i in itertools.count(1):
    rows = [{"doc_id": f"d{j}", "source": "s", "stage": "parse", "reason": str(i), "snippet": "x" * 2000,
             "first_run_id": str(i)} for j in range(i % 50 + 1000)]
    t = to_table("rejects", rows)
    store.publish(out, {"rejects": t, "articles_copy": t}, {"i": i}, f"r{i}")
"""


def test_sigkill_at_any_moment_leaves_a_complete_readable_set(tmp_path):
    """Kill a publishing loop at many random moments; every time, the current set is whole and consistent."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    checked = 0
    for delay in (0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0):  # after its imports, which take 0.5-1.5 s by host
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], env=env, stdout=subprocess.PIPE,
                                text=True)
        assert proc.stdout.readline() == "ready\n"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        cur = store.current_dir(tmp_path)
        if cur is None:
            continue
        state = store.read_state(tmp_path)
        a = pq.read_table(tmp_path / "rejects.parquet")
        b = pq.read_table(tmp_path / "articles_copy.parquet")
        assert a.num_rows == b.num_rows == state["i"] % 50 + 1000
        assert set(a.column("reason").to_pylist()) == {str(state["i"])}
        checked += 1
    assert checked >= 4
    # the next publish clears the debris of killed runs
    store.publish(tmp_path, {}, {"i": -1}, "final")
    assert not list((tmp_path / store.SNAPSHOTS).glob(".tmp-*"))
    assert len([p for p in (tmp_path / store.SNAPSHOTS).iterdir()]) <= store.KEEP_SNAPSHOTS


class _Crash(Exception):
    pass


class _CrashingOs:
    """The real `os` module, except that its `n`-th file-system change raises: a publish stopped at that step."""

    STEPS = ("symlink", "replace", "rename", "link", "unlink")

    def __init__(self, n: int) -> None:
        self.n, self.calls = n, 0

    def __getattr__(self, name):
        real = getattr(os, name)
        if name not in self.STEPS:
            return real

        def step(*args, **kwargs):
            self.calls += 1
            if self.calls == self.n:
                raise _Crash(name)
            return real(*args, **kwargs)
        return step


@pytest.mark.parametrize("first", [True, False])
def test_a_publish_stopped_at_any_step_leaves_every_name_readable_or_none(tmp_path, monkeypatch, first):
    """Stopped after each of its file-system steps in turn (the first publish into a folder, and a later one that
    adds a table), the folder's tables are all readable by their names with one run's rows, or there is no set."""
    for n in range(1, 40):
        out = tmp_path / f"{first}-{n}"
        if not first:
            store.publish(out, {"rejects": rejects(3, "a")}, {"run": "a"}, "a")
        crashing = _CrashingOs(n)
        monkeypatch.setattr(store, "os", crashing)
        try:
            store.publish(out, {"rejects": rejects(5, "b"), "articles_copy": rejects(5, "b")}, {"run": "b"}, "b")
        except _Crash:
            pass
        finally:
            monkeypatch.setattr(store, "os", os)
        if store.current_dir(out) is None:
            assert first
            continue
        run = store.read_state(out)["run"]
        names = ["rejects"] + (["articles_copy"] if run == "b" else [])
        for name in names:
            assert pq.read_table(out / f"{name}.parquet").num_rows == (5 if run == "b" else 3)
        if crashing.calls < n:  # the publish ran to its end before the n-th step
            break
    else:
        pytest.fail("the publish never ran to its end")


def test_the_data_dictionary_documents_every_column():
    """docs/tables.md has a section per table that names each column of its declared schema."""
    import re

    from pipeline.tables.schemas import REVIEW_DECISIONS as DECISIONS
    from pipeline.tables.schemas import SCHEMAS

    doc = (Path(__file__).resolve().parents[1] / "docs" / "tables.md").read_text()
    sections = {m.group(1): m.group(2) for m in re.finditer(r"^## (\w+)\.parquet(.*?)(?=^## |\Z)", doc, re.M | re.S)}
    for name, schema in {**SCHEMAS, "review_decisions": DECISIONS}.items():
        assert name in sections, f"docs/tables.md has no section for {name}.parquet"
        named = set(re.findall(r"`(\w+)`", sections[name]))
        missing = [f.name for f in schema if f.name not in named]
        assert not missing, f"{name}.parquet columns missing from docs/tables.md: {missing}"


def test_runs_on_one_folder_take_turns_and_lose_nothing(tmp_path):
    """Two runs at once on one output folder (a nightly and a backfill): each merges over what the other
    published, so the folder ends with both sets; a run that cannot get the folder in time says who holds it."""
    import threading
    from datetime import date

    from pipeline.config import Settings
    from pipeline.ingest import ingest
    from tests.pubmed_factory import record, write_set

    day = date(2025, 1, 10)
    a = write_set(tmp_path / "a" / "a.xml", [record(i, day) for i in range(1, 41)]).parent
    b = write_set(tmp_path / "b" / "b.xml", [record(i, day) for i in range(41, 81)]).parent
    out = tmp_path / "out"
    errors: list[BaseException] = []

    def run(folder: Path) -> None:
        try:
            ingest(f"xml:{folder}", Settings(out=out))
        except BaseException as exc:  # noqa: BLE001 - a failed run fails the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert pq.read_table(out / "articles.parquet").num_rows == 80
    assert len(pq.read_table(out / "runs.parquet")) == 2
    with store.run_lock(out, holder="test-holder"), pytest.raises(RuntimeError, match="test-holder"):
        ingest(f"xml:{a}", Settings(out=out, lock_timeout=0.5))
    assert len(pq.read_table(out / "runs.parquet")) == 2  # the refused run published nothing
    assert len(list((out / store.PARKED).glob("*.json"))) == 1  # but parked its failed row for the next publish


def test_composite_keys_are_checked():
    diff = {"run_id": "r1", "claim_id": "rapid_onset", "doc_id": "pmid:1", "pmid": "1", "change": "added",
            "old_stance": None, "new_stance": "supports"}
    with pytest.raises(SchemaError, match=r"duplicate \(run_id, claim_id, doc_id\)"):
        to_table("claim_diff", [diff, {**diff, "change": "flipped"}])
    reject = {"doc_id": None, "source": "a.xml", "stage": "parse", "reason": "ParseError: record has no PMID",
              "snippet": "<PubmedArticle>one", "first_run_id": "r1"}
    assert to_table("rejects", [reject, {**reject, "snippet": "<PubmedArticle>two"}]).num_rows == 2
    with pytest.raises(SchemaError, match="quarantined twice"):
        to_table("rejects", [reject, dict(reject)])
    held = {**reject, "doc_id": "pmid:1"}  # one record met by two paths is one reject, as ingest dedupes it
    with pytest.raises(SchemaError, match="quarantined twice"):
        to_table("rejects", [held, {**held, "source": "b.xml", "snippet": "<PubmedArticle>other"}])

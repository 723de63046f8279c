"""The extraction stage over the articles table: tables, incremental re-extraction, quarantine, parallelism."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipeline.config import Settings
from pipeline.ingest import run_stages
from pipeline.mentions import extract_items
from tests.pubmed_factory import record, write_set

ABSTRACT = ("Patients received ketamine 0.5 mg/kg intravenously. MADRS scores fell at 24 h (p < 0.01). "
            "Dissociation was transient and no psychotic symptoms occurred.")


def run_once(source: str, out) -> tuple[dict, pd.DataFrame]:
    done = run_stages(source, Settings(out=out), date(2025, 3, 1))
    return {"stage": done["stage"]}, pd.read_parquet(out / "entities.parquet")


@pytest.fixture
def folder(tmp_path):
    recs = [record(i, date(2025, 1, i), abstract=ABSTRACT) for i in range(1, 6)]
    recs.append(record(6, date(2025, 1, 6), abstract="x" * 1_100_000))  # longer than spaCy accepts: breaks
    return write_set(tmp_path / "xml" / "a.xml", recs).parent


def test_tables_quarantine_and_incremental_reextraction(folder, tmp_path):
    out = tmp_path / "out"
    first, ents = run_once(f"xml:{folder}", out)
    assert set(ents["doc_id"]) == {f"pmid:{i}" for i in range(1, 6)}
    assert {"DRUG", "DOSE", "ROUTE", "TIMEPOINT", "OUTCOME", "ADVERSE_EVENT"} <= set(ents["label"])
    doses = pd.read_parquet(out / "doses.parquet")
    assert (doses["drug"] == "ketamine").all() and (doses["route"] == "intravenous").all()
    rejects = pd.read_parquet(out / "rejects.parquet")
    bad = rejects[rejects["stage"] == "extract"]
    assert list(bad["doc_id"]) == ["pmid:6"] and "E088" in bad.iloc[0]["reason"]
    before = (out / "entities.parquet").read_bytes()
    second, _ = run_once(f"xml:{folder}", out)
    assert second["stage"].entities == first["stage"].entities
    assert (out / "entities.parquet").read_bytes() == before  # nothing changed, nothing re-extracted differently
    assert len(pd.read_parquet(out / "rejects.parquet")) == len(rejects)


def test_process_parallel_rows_equal_single_process():
    items = [(f"d{i}", None, 1, f"Title {i}\n{ABSTRACT} Day {i} follow-up.", []) for i in range(140)]
    one = list(extract_items(items, workers=1))
    two = list(extract_items(items, workers=2, chunk=32))
    assert one == two

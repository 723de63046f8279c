"""The extraction stage over the articles table: tables, incremental re-extraction, quarantine, parallelism."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipeline.config import Settings
from pipeline.ingest import run_stages
from pipeline.mentions import extract_articles, extract_items, previous_rows
from pipeline.tables import store
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
    assert list(bad["doc_id"]) == ["pmid:6"] and bad.iloc[0]["reason"].startswith("TextTooLong: 1,100,")
    before = (out / "entities.parquet").read_bytes()
    second, _ = run_once(f"xml:{folder}", out)
    assert second["stage"].entities == first["stage"].entities
    assert (out / "entities.parquet").read_bytes() == before  # nothing changed, nothing re-extracted differently
    assert len(pd.read_parquet(out / "rejects.parquet")) == len(rejects)
    # the record is revised into one that extracts: it leaves quarantine and gains its rows
    fixed = write_set(tmp_path / "fixed" / "b.xml", [record(6, date(2025, 1, 6), date(2025, 2, 1),
                                                            abstract=ABSTRACT)]).parent
    run_once(f"xml:{fixed}", out)
    rejects = pd.read_parquet(out / "rejects.parquet")
    assert "pmid:6" not in set(rejects[rejects["stage"] == "extract"]["doc_id"])
    assert "pmid:6" in set(pd.read_parquet(out / "entities.parquet")["doc_id"])


def test_one_study_row_per_extracted_article(folder, tmp_path):
    out = tmp_path / "out"
    run_once(f"xml:{folder}", out)
    studies = pd.read_parquet(out / "studies.parquet")
    assert sorted(studies["doc_id"]) == [f"pmid:{i}" for i in range(1, 6)]  # the quarantined record has none
    row = studies.iloc[0]
    assert row["study_drug"] == "ketamine" and list(row["routes"]) == ["intravenous"] and row["n_doses"] == 1
    assert row["model_version"] and row["study_type"] and row["design"]


def test_output_without_study_rows_is_reextracted_once(folder, tmp_path):
    """An output folder published before studies.parquet existed gets its study rows on the next run, and the
    run after that re-extracts nothing."""
    out = tmp_path / "out"
    first, _ = run_once(f"xml:{folder}", out)
    articles = pd.read_parquet(out / "articles.parquet").to_dict("records")
    state, version = store.read_state(out), first["stage"].model_version
    seen: list[str] = []

    def counting(items, catalogue):
        seen.extend(it[0] for it in items)
        return extract_items(items, catalogue=catalogue)

    old = {**previous_rows(out), "studies": []}
    again = extract_articles(articles, old, state, version, runner=counting)
    assert sorted(seen) == [f"pmid:{i}" for i in range(1, 7)] and len(again.studies) == 5
    assert again.entities == first["stage"].entities
    seen.clear()
    recovered = {"entities": again.entities, "doses": again.doses, "claim_evidence": again.evidence,
                 "studies": again.studies}
    extract_articles(articles, recovered, {**state, "extracted": again.processed}, version, runner=counting)
    assert seen == ["pmid:6"]  # on the recovered state only the quarantined record is tried again


def test_process_parallel_rows_equal_single_process():
    items = [(f"d{i}", None, 1, f"Title {i}\n{ABSTRACT} Day {i} follow-up.", []) for i in range(140)]
    one = list(extract_items(items, workers=1))
    two = list(extract_items(items, workers=2, chunk=32))
    assert one == two


def test_study_drugs_keep_a_drug_in_a_negated_comparison(tmp_path):
    from pipeline.claims.facts import article_facts
    from pipeline.nlp.extract import Extractor, Item
    from pipeline.studies import study_row

    text = ("Ketamine in depression\nRESULTS: We found no differences between ketamine and "
            "midazolam in dissociation. Patients were treated with no lithium.")
    item = Item("t", None, 1, text)
    ex = Extractor().one(text)
    row = study_row(item, ex, article_facts(text, ex), "rct")
    assert "midazolam" in row["drugs"] and "ketamine" in row["drugs"] and "lithium" not in row["drugs"]


def test_a_record_whose_claims_assessment_breaks_is_quarantined_not_the_batch():
    from pipeline.claims.catalogue import load_catalogue

    items = [(f"d{i}", None, 1, f"Title {i}\n{ABSTRACT}", [], {"publication_types": []}) for i in range(3)]
    items[1] = (*items[1][:5], "meta that is no mapping")  # extraction works, the article facts cannot be read
    got = list(extract_items(items, catalogue=load_catalogue()))
    assert [doc_id for doc_id, _, _ in got] == ["d0", "d1", "d2"]
    assert got[0][1] is not None and got[2][1] is not None and got[0][2] is None
    assert got[1][1] is None and "AttributeError" in got[1][2]


def test_a_night_of_only_oversized_records_quarantines_them_and_publishes(tmp_path):
    """Two records too long to extract were the night's only work: they are the records' fault (quarantined, the
    rest published), not a fault of the pipeline that would stop every night after."""
    out = tmp_path / "out"
    good = write_set(tmp_path / "a" / "a.xml", [record(i, date(2025, 1, i), abstract=ABSTRACT) for i in (1, 2)])
    run_stages(f"xml:{good.parent}", Settings(out=out), date(2025, 3, 1))
    huge = write_set(tmp_path / "b" / "b.xml", [record(i, date(2025, 2, 1), abstract="ketamine " * 130_000)
                                                for i in (3, 4)])
    run_stages(f"xml:{huge.parent}", Settings(out=out), date(2025, 3, 2))
    rejects = pd.read_parquet(out / "rejects.parquet")
    assert sorted(rejects[rejects["stage"] == "extract"]["doc_id"]) == ["pmid:3", "pmid:4"]
    assert set(pd.read_parquet(out / "articles.parquet")["doc_id"]) == {f"pmid:{i}" for i in range(1, 5)}


def test_every_record_breaking_stops_the_run_unless_they_are_only_too_long():
    def broken(items, catalogue):
        return [(it[0], None, "ValueError: not enough values to unpack") for it in items]

    articles = [{"doc_id": f"d{i}", "pmid": None, "version": 1, "text": f"T\n{ABSTRACT}", "sections": [],
                 "content_hash": str(i)} for i in range(3)]
    with pytest.raises(RuntimeError, match="fault of the pipeline"):
        extract_articles(articles, {}, {}, "m", runner=broken)
    long = [{**a, "text": "ketamine " * 20_000} for a in articles]  # over MAX_TEXT_CHARS: the records' own fault
    assert len(extract_articles(long, {}, {}, "m").rejects) == 3

    def mixed(items, catalogue):  # too long ones as _safe_run reports them, the rest broken
        return [(it[0], None, "TextTooLong: ..." if len(it[3]) > 100_000 else "ValueError: x") for it in items]

    with pytest.raises(RuntimeError, match="fault of the pipeline"):  # 1 too long, 2 broken: the pipeline's fault
        extract_articles([long[0], *articles[1:]], {}, {}, "m", runner=mixed)
    assert len(extract_articles([*long[:2], articles[2]], {}, {}, "m", runner=mixed).rejects) == 3  # 2 long, 1 bad



def test_a_pool_worker_restores_the_default_sigterm_handler():
    """The flow engine installs a SIGTERM handler that forked workers inherit. Pool.terminate() ends workers that
    sit on the task queue's lock with SIGTERM; one that only ran an inherited handler stayed there and the run hung
    at its end (seen once in CI). Workers restore the default, and the pool is closed and joined, not terminated."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    script = ("import signal\n"
              "signal.signal(signal.SIGTERM, lambda *a: None)\n"
              "from pipeline import mentions\n"
              "mentions._init_worker(False, None)\n"
              "print(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"

"""The bundled synthetic sample: what `make run` ingests, and two live nights replayed from it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

import pandas as pd

from pipeline.config import SAMPLE_DIR, Settings
from pipeline.ingest import ingest
from pipeline.replay import ReplayServer


def test_sample_ingests_with_versions_deletions_and_rejects(tmp_path):
    result, run = ingest("sample", Settings(out=tmp_path))
    t = pd.read_parquet(tmp_path / "articles.parquet").set_index("pmid")
    assert run["n_articles"] == len(t) == 55
    assert "99000007" not in t.index  # DeleteCitation in the update file
    assert t.loc["99000005", "version"] == 2
    assert t.loc["99000020", "retracted"] and not t.loc["99000015", "retracted"]
    assert "ErratumIn" in {c["ref_type"] for c in t.loc["99000015", "comments_corrections"]}
    assert t.loc["99000060", "is_book"]
    assert not t.loc["99000044", "has_abstract"] and t.loc["99000044", "abstract"] == ""
    assert t.loc["99000031", "medline_date"] == "2024 Mar-Apr" and t.loc["99000031", "pub_month"] == 3
    assert (t["sections"].map(len) > 0).sum() >= 25
    rejects = pd.read_parquet(tmp_path / "rejects.parquet")
    assert len(rejects) == 1 and "no PMID" in rejects.iloc[0]["reason"]


def test_two_replayed_nights_from_the_sample(tmp_path):
    night1 = tmp_path / "night1"
    night1.mkdir()
    shutil.copy(SAMPLE_DIR / "sample-0001-baseline.xml", night1)
    out = tmp_path / "out"
    with ReplayServer(night1) as server:
        s = replace(Settings(out=out, base_url=server.url, email="ci@example.org", api_key="key"),
                    start_date=date(2023, 1, 1), backoff_base=0.02)
        _, run1 = ingest("entrez", s, today=date(2024, 6, 30))
        server.load(SAMPLE_DIR)
        _, run2 = ingest("entrez", s, today=date(2024, 7, 31))
    assert run1["n_new"] == 48
    assert (run2["n_new"], run2["n_deleted"]) == (8, 1)  # 6 new + the book + 99000055; 99000007 deleted
    assert run2["n_revised"] == 4  # 99000005 v2, 99000010 in place, 99000015 erratum link, 99000020 retracted
    live = pd.read_parquet(out / "articles.parquet").set_index("pmid")
    offline = tmp_path / "offline"
    ingest("sample", Settings(out=offline))
    files = pd.read_parquet(offline / "articles.parquet").set_index("pmid")
    assert sorted(live.index) == sorted(files.index)
    assert (live["content_hash"] == files.loc[live.index, "content_hash"]).all()


def test_an_older_revision_at_the_same_version_does_not_undo_a_newer_one_and_a_fixed_record_leaves_quarantine(
        tmp_path):
    """PubMed revises records in place at version 1: the baseline loaded after its update must not revert the
    update's text. A record that failed to parse and later parses leaves the parse quarantine."""
    from pipeline.replay.factory import record, write_set

    out = tmp_path / "out"
    update = write_set(tmp_path / "update" / "u.xml", [record(1, date(2024, 1, 1), date(2024, 5, 1),
                                                              abstract="Revised text.")])
    baseline = write_set(tmp_path / "baseline" / "b.xml", [record(1, date(2024, 1, 1), date(2024, 2, 1),
                                                                  abstract="Old text.")])
    ingest(f"xml:{update.parent}", Settings(out=out))
    ingest(f"xml:{baseline.parent}", Settings(out=out))
    t = pd.read_parquet(out / "articles.parquet").set_index("pmid")
    assert t.loc["1", "abstract"] == "Revised text." and t.loc["1", "revised_date"] == "2024-05-01"
    newer = write_set(tmp_path / "newer" / "n.xml", [record(1, date(2024, 1, 1), date(2024, 6, 1),
                                                            abstract="Newest text.")])
    ingest(f"xml:{newer.parent}", Settings(out=out))
    assert pd.read_parquet(out / "articles.parquet").set_index("pmid").loc["1", "abstract"] == "Newest text."

    broken = record(2, date(2024, 1, 1)).replace("</ArticleTitle>", "</ArticleTitle><Bad>")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.xml").write_text(f"<?xml version='1.0'?><PubmedArticleSet>{broken}</PubmedArticleSet>")
    ingest(f"xml:{tmp_path / 'bad'}", Settings(out=out))
    assert "pmid:2" in set(pd.read_parquet(out / "rejects.parquet")["doc_id"])
    fixed = write_set(tmp_path / "fixed" / "f.xml", [record(2, date(2024, 1, 1), date(2024, 3, 1))])
    ingest(f"xml:{fixed.parent}", Settings(out=out))
    assert "pmid:2" not in set(pd.read_parquet(out / "rejects.parquet")["doc_id"])
    assert "pmid:2" in set(pd.read_parquet(out / "articles.parquet")["doc_id"])

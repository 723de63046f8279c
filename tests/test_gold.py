"""The development gold set: loader integrity, hash refusal, split, stats and the annotation tool."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from pipeline.evaluate.annotate import annotate
from pipeline.evaluate.gold import (
    CLAIM_IDS,
    DEV2_FILE,
    EXTRA_FILE,
    GOLD_FILE,
    LABELS,
    GoldError,
    holdout_ids,
    load_gold,
    stats,
)
from tests.conftest import ROOT, corpus_path


@pytest.fixture(scope="module")
def gold():
    corpus_path("psynamic", "docs.jsonl")
    return load_gold()


def test_gold_loads_with_valid_offsets_and_no_holdout(gold):
    assert len(gold.records) >= 100
    assert not {r["doc_id"] for r in gold.records} & holdout_ids()
    for r in gold.records:
        assert set(r["claims"]) == set(CLAIM_IDS) and set(r["labels"]) == set(LABELS)
        for sp in r["spans"]:
            assert r["text"][sp["start"]:sp["end"]] == sp["text"] and sp["text"] == sp["text"].strip()
        for cid, c in r["claims"].items():
            assert (c["stance"] == "none") == (not c["evidence"]), (r["doc_id"], cid)
            for s, e in c["evidence_offsets"]:
                assert r["text"][s:e].strip()


def test_second_dev_set_is_all_dev_new_documents_and_never_trained_on():
    corpus_path("psynamic", "docs.jsonl")
    dev2 = load_gold(DEV2_FILE)
    ids = {r["doc_id"] for r in dev2.records}
    assert len(ids) == len(dev2.records) >= 80 and {r["split"] for r in dev2.records} == {"dev"}
    assert not ids & holdout_ids()
    assert not ids & {r["doc_id"] for f in (GOLD_FILE, EXTRA_FILE) for r in load_gold(f).records}
    from pipeline.evaluate.gold import training_records

    assert not ids & {r["doc_id"] for r in training_records()}


def test_split_is_fixed_and_both_parts_used(gold):
    dev, train = gold.split("dev"), gold.split("train")
    assert len(dev) >= 25 and len(train) >= 75 and len(dev) + len(train) == len(gold.records)


def test_changed_text_is_refused(tmp_path):
    src = corpus_path("pubmed-2025", "docs.jsonl")
    corpus = tmp_path / "corpus"
    (corpus / "pubmed-2025").mkdir(parents=True)
    shutil.copytree(corpus_path("psynamic"), corpus / "psynamic")
    first = json.loads(GOLD_FILE.read_text().splitlines()[0])
    assert first["source"] == "pubmed-2025/docs.jsonl"
    with open(src) as fin, open(corpus / "pubmed-2025" / "docs.jsonl", "w") as fout:
        for line in fin:
            rec = json.loads(line)
            if rec["doc_id"] == first["doc_id"]:
                rec["abstract"] = rec["abstract"].replace(" ", "  ", 1)
            fout.write(json.dumps(rec) + "\n")
    with pytest.raises(GoldError, match="sha256 mismatch"):
        load_gold(GOLD_FILE, corpus)


def test_offsets_out_of_range_are_refused(tmp_path):
    corpus_path("pubmed-2025", "docs.jsonl")
    rec = json.loads(GOLD_FILE.read_text().splitlines()[0])
    rec["spans"].append({"start": 10, "end": 10**6, "label": "DRUG"})
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(rec) + "\n")
    with pytest.raises(GoldError, match="outside the text"):
        load_gold(bad)


def test_stats_json_shape():
    corpus_path("pubmed-2025", "docs.jsonl")
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", "gold", "stats", "--json"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    s = json.loads(out)
    assert s["n_docs"] == len(s["doc_ids"]) >= 100
    assert set(s["span_counts"]) == set(LABELS) and all(v > 0 for v in s["span_counts"].values())
    assert set(s["stance_counts"]) == set(CLAIM_IDS)
    assert s["agreement"]["span_f1"]["micro"]["overlap"] > 0 and "cohen_kappa" in s["agreement"]["claim_stance"]


def test_annotate_adds_spans_and_claims_in_the_stored_format(tmp_path):
    corpus_path("pubmed-2025", "docs.jsonl")
    gold = load_gold()
    doc = gold.records[0]
    path = tmp_path / "g.jsonl"
    shutil.copy(GOLD_FILE, path)
    drug = next(sp for sp in doc["spans"] if sp["label"] == "DRUG")
    n_before = sum(1 for sp in doc["spans"] if sp["label"] == "DRUG")
    annotate(doc["doc_id"], path, remove=["DRUG", str(drug["start"])])
    sentence = doc["text"].split("\n")[0]
    shown = annotate(doc["doc_id"], path, claim=["neuroplasticity", "supports"], evidence=[sentence])
    assert "neuroplasticity: supports" in shown and sentence in shown
    after = next(r for r in load_gold(path).records if r["doc_id"] == doc["doc_id"])
    assert sum(1 for sp in after["spans"] if sp["label"] == "DRUG") == n_before - 1
    assert after["claims"]["neuroplasticity"]["evidence"] == [sentence]
    stored = [json.loads(x) for x in path.read_text().splitlines()]
    assert "text" not in stored[0] and all("text" not in sp for r in stored for sp in r["spans"])
    assert stats(load_gold(path))["n_docs"] == len(gold.records)
    with pytest.raises(GoldError, match="held-out"):
        annotate(sorted(holdout_ids())[0], path)
    # an edit that would break the record is refused and the file stays as it was
    before = path.read_bytes()
    marked = next(sp for sp in after["spans"] if sp["label"] == "DRUG")
    with pytest.raises(GoldError, match="overlapping"):
        annotate(doc["doc_id"], path, add=["DRUG", after["text"][marked["start"]:marked["end"]]])
    assert path.read_bytes() == before and load_gold(path).records


def test_eval_text_summary_of_a_field_without_gold_labels():
    from pipeline.evaluate.run import summary_lines

    result = {"gold": "x.jsonl", "kind": "doc_labels", "n_docs": 3,
              "fields": {"routes": {"precision": 1.0, "recall": 0.5, "f1": 0.667},
                         "conclusion": {"accuracy": None, "n": 0}}}
    lines = summary_lines(result)
    assert "conclusion     accuracy n/a (no gold labels)" in lines[-1] and "f1 0.667" in lines[-2]

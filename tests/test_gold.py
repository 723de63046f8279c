"""The development gold set: loader integrity, hash refusal, split, stats and the annotation tool."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

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
    with pytest.raises(GoldError, match="already annotated"):
        annotate(doc["doc_id"], path, add=["DRUG", after["text"][marked["start"]:marked["end"]]])
    assert path.read_bytes() == before and load_gold(path).records


def test_eval_text_summary_of_a_field_without_gold_labels():
    from pipeline.evaluate.run import summary_lines

    result = {"gold": "x.jsonl", "kind": "doc_labels", "n_docs": 3,
              "fields": {"routes": {"precision": 1.0, "recall": 0.5, "f1": 0.667},
                         "conclusion": {"accuracy": None, "n": 0}}}
    lines = summary_lines(result)
    assert "conclusion     accuracy n/a (no gold labels)" in lines[-1] and "f1 0.667" in lines[-2]


# A tiny made-up corpus (no real abstract): the annotation tool's tests run without ../shared/corpus.
TOY = {
    "pmid:1": ("Ketamine for depression in mice",
               "Twice daily ice packs were applied. Intravenous ketamine 0.5 mg/kg reduced depressive symptoms "
               "within 24 hours. Saline was given to controls. Ketamine was well tolerated in all patients. "
               "Midazolam 30 \u00b5g/kg was given 1\u20132 h before the postinfusion rating."),
    "pmid:2": ("A second made-up trial", "Scores s2a0 s2a1 s2a2 s2a3 s2a4 s2a5 s2a6 s2a7 s2a8 s2a9 were recorded."),
    "pmid:9": ("A held-out trial", "Ketamine reduced depressive symptoms."),
}
for _k in range(6):
    TOY[f"pmid:{100 + _k}"] = (f"Trial {_k}", " ".join(f"s{_k}w{i}" for i in range(10)) + " were recorded.")


def toy_text(doc_id: str) -> str:
    title, abstract = TOY[doc_id]
    return title + "\n" + abstract


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """A made-up corpus in KEV_CORPUS (pmid:9 held out) and the path of a gold file not yet written."""
    corpus = tmp_path / "corpus"
    for folder in ("pubmed-2025", "psynamic"):
        (corpus / folder).mkdir(parents=True)
    docs = [{"doc_id": d, "pmid": d.split(":")[1], "title": t, "abstract": a} for d, (t, a) in TOY.items()]
    (corpus / "pubmed-2025" / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in docs))
    (corpus / "psynamic" / "docs.jsonl").write_text("")
    (corpus / "HOLDOUT_IDS.txt").write_text("pmid:9\n")
    monkeypatch.setenv("KEV_CORPUS", str(corpus))
    return tmp_path / "gold.jsonl"


def _add_words(path: str, k: int, barrier) -> None:
    barrier.wait()
    for i in range(10):
        annotate(f"pmid:{100 + k}", Path(path), add=["OUTCOME", f"s{k}w{i}"])


def test_parallel_annotate_runs_keep_every_edit(toy):
    """Six processes edit one file at once, ten edits each: every edit survives and the file stays valid."""
    annotate("pmid:1", toy, add=["DRUG", "Intravenous ketamine"])
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(6)
    procs = [ctx.Process(target=_add_words, args=(str(toy), k, barrier)) for k in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 6
    gold = {r["doc_id"]: r for r in load_gold(toy).records}
    for k in range(6):
        assert sorted(sp["text"] for sp in gold[f"pmid:{100 + k}"]["spans"]) == [f"s{k}w{i}" for i in range(10)]
    assert len(gold["pmid:1"]["spans"]) == 1
    assert sorted(p.name for p in toy.parent.iterdir()) == ["corpus", "gold.jsonl", "gold.jsonl.lock"]


def test_annotate_keeps_permissions_and_writes_through_a_symlink(toy):
    annotate("pmid:1", toy, add=["DRUG", "Intravenous ketamine"])
    toy.chmod(0o640)
    link = toy.parent / "link.jsonl"
    link.symlink_to(toy.name)
    annotate("pmid:1", link, add=["OUTCOME", "depressive symptoms"])
    assert link.is_symlink() and stat.S_IMODE(toy.stat().st_mode) == 0o640
    assert len(load_gold(toy).records[0]["spans"]) == 2


def test_an_edit_rewrites_only_its_line_and_keeps_unknown_fields(toy):
    annotate("pmid:2", toy, add=["OUTCOME", "s2a0"])
    annotate("pmid:1", toy, add=["DRUG", "Intravenous ketamine"])
    lines = toy.read_text().splitlines(keepends=True)
    first = json.loads(lines[0])
    first["spans"][0]["comment"] = "checked twice"
    first["reviewer"] = "made-up"
    lines[0] = json.dumps(first) + "\n"  # not the tool's key order: must stay byte for byte
    second = json.loads(lines[1])
    second["note"] = "kept"
    lines[1] = json.dumps(second, ensure_ascii=False, sort_keys=True) + "\n"
    toy.write_text("".join(lines))
    annotate("pmid:1", toy, add=["OUTCOME", "depressive symptoms"])
    after = toy.read_text().splitlines(keepends=True)
    assert after[0] == lines[0]
    edited = json.loads(after[1])
    assert edited["note"] == "kept" and len(edited["spans"]) == 2
    annotate("pmid:100", toy, add=["OUTCOME", "s0w1"])
    assert toy.read_text().splitlines(keepends=True)[:2] == after
    assert [r["doc_id"] for r in load_gold(toy).records] == ["pmid:2", "pmid:1", "pmid:100"]


def test_a_no_op_edit_does_not_write(toy):
    sentence = "Ketamine was well tolerated in all patients."
    annotate("pmid:1", toy, claim=["tolerability", "supports"], evidence=[sentence])
    before = toy.stat()
    annotate("pmid:1", toy, claim=["tolerability", "supports"], evidence=[sentence])
    after = toy.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_duplicate_doc_ids_are_refused(toy):
    annotate("pmid:1", toy, add=["DRUG", "Intravenous ketamine"])
    line = toy.read_text()
    toy.write_text(line + line)
    with pytest.raises(GoldError, match=r"gold.jsonl:2: pmid:1: a second record .* line 1"):
        load_gold(toy)


def test_a_new_record_declares_only_what_was_edited(toy):
    annotate("pmid:1", toy, add=["DRUG", "Intravenous ketamine"])
    stored = json.loads(toy.read_text())
    assert stored["labels"] == ["DRUG"] and stored["claims"] == {}
    sentence = "Ketamine was well tolerated in all patients."
    annotate("pmid:1", toy, claim=["tolerability", "supports"], evidence=[sentence])
    annotate("pmid:1", toy, add=["OUTCOME", "depressive symptoms"])
    stored = json.loads(toy.read_text())
    assert stored["labels"] == ["DRUG", "OUTCOME"] and list(stored["claims"]) == ["tolerability"]
    shown = annotate("pmid:1", toy)
    assert "tolerability: supports" in shown and "rapid_onset: not annotated" in shown


def test_training_reads_complete_records_only(toy, monkeypatch):
    from pipeline.evaluate import gold as gold_module

    annotate("pmid:1", toy, add=["DRUG", "Intravenous ketamine"])
    annotate("pmid:2", toy, add=["OUTCOME", "s2a0"])
    partial, full = (json.loads(x) for x in toy.read_text().splitlines())
    full.update(split="train", labels=sorted(LABELS), claims={c: {"stance": "none", "evidence": []} for c in CLAIM_IDS})
    partial["split"] = "train"
    toy.write_text(json.dumps(partial) + "\n" + json.dumps(full) + "\n")
    monkeypatch.setattr(gold_module, "GOLD_FILE", toy)
    monkeypatch.setattr(gold_module, "EXTRA_FILE", toy.parent / "none.jsonl")
    assert [r["doc_id"] for r in gold_module.training_records()] == ["pmid:2"]


def test_add_matches_whole_words_only_and_never_across_the_title(toy):
    text = toy_text("pmid:1")
    shown = annotate("pmid:1", toy, add=["ADVERSE_EVENT", "ice"], attrs=["negated=false"])
    spans = load_gold(toy).records[0]["spans"]
    assert [(sp["start"], sp["text"]) for sp in spans] == [(text.index(" ice ") + 1, "ice")]
    assert "mice\n" in shown
    annotate("pmid:1", toy, add=["DOSE", "30 \u03bcg/kg"], attrs=["value=30", "unit=\u00b5g/kg", "value_max=null"])
    annotate("pmid:1", toy, add=["TIMEPOINT", "1-2 h"], attrs=["hours=2"])
    annotate("pmid:1", toy, add=["ROUTE", "infusion"], in_word=True, attrs=["norm=intravenous"])
    texts = [sp["text"] for sp in load_gold(toy).records[0]["spans"]]
    assert texts == ["ice", "30 \u00b5g/kg", "1\u20132 h", "infusion"]
    with pytest.raises(GoldError, match="line break"):
        annotate("pmid:1", toy, add=["OUTCOME", "mice Twice"])
    with pytest.raises(GoldError, match="does not occur .* whole words"):
        annotate("pmid:1", toy, add=["DRUG", "etamine"])


def test_a_guidelines_record_may_give_evidence_as_offsets():
    from pipeline.evaluate.gold import check_guidelines_record

    text = "Title\nKetamine lowered MADRS scores at 24 h. It was tolerated."
    start = text.index("Ketamine")
    rec = {"doc_id": "x", "text": text, "spans": [], "claims": {
        "rapid_onset": {"stance": "supports", "evidence_offsets": [[start, text.index(" It")]]}}}
    check_guidelines_record(rec)
    rec["claims"]["rapid_onset"]["evidence_offsets"] = [[start, len(text) + 5]]
    with pytest.raises(GoldError, match="outside the text"):
        check_guidelines_record(rec)


def test_a_whole_number_is_not_the_tail_or_head_of_a_decimal():
    from pipeline.evaluate.annotate import occurrences

    text = "Doses were 0.5 mg or 1,5 mg. Then 5 mg, and 2.5 h later 2 h."
    assert [text[s:e] for s, e in occurrences(text, "5 mg")] == ["5 mg"] and occurrences(text, "5 mg")[0][0] == \
        text.index("Then 5 mg") + 5
    assert [s for s, _ in occurrences(text, "2")] == [text.index("2 h.")]


def test_evidence_must_be_one_whole_sentence(toy):
    for quote, error in [("sal", "not found"), ("Saline", "whole sentence"), ("was well tolerated", "whole sentence"),
                         ("Ketamine", "occurs 2 times"),
                         ("Ketamine for depression in mice Twice daily ice packs were applied.", "line break")]:
        with pytest.raises(GoldError, match=error):
            annotate("pmid:1", toy, claim=["tolerability", "supports"], evidence=[quote])
    assert not toy.exists()
    title = "Ketamine for depression in mice"
    annotate("pmid:1", toy, claim=["rapid_onset", "supports"], evidence=[
        title, "Midazolam 30 \u03bcg/kg was given 1-2 h  before the postinfusion rating."])
    evidence = load_gold(toy).records[0]["claims"]["rapid_onset"]["evidence"]
    assert evidence == [title, "Midazolam 30 \u00b5g/kg was given 1\u20132 h before the postinfusion rating."]


def test_existing_evidence_sentences_pass_the_whole_sentence_rule(gold):
    from pipeline.evaluate.annotate import locate_evidence

    for r in gold.records:
        for c in r["claims"].values():
            for s, e in c["evidence_offsets"]:
                assert locate_evidence(r["text"], r["text"][s:e]) == (s, e), r["doc_id"]


@pytest.mark.parametrize(("args", "error"), [
    (["--add", "TIMEPOINT", "24 hours", "--attr", "hours=2h"], "hours must be a number"),
    (["--add", "TIMEPOINT", "24 hours", "--attr", "noequals"], "expected KEY=VALUE"),
    (["--add", "TIMEPOINT", "24 hours", "--attr", "horus=24"], "TIMEPOINT takes hours"),
    (["--add", "ROUTE", "Intravenous", "--attr", "norm=IV"], "must be one of intravenous"),
    (["--add", "ADVERSE_EVENT", "ice", "--attr", "negated=yes"], "must be true or false"),
    (["--add", "OUTCOME", "ice", "--attr", "hours=1"], "OUTCOME takes no attributes"),
    (["--add", "DRUG", "Ketamine", "--occ", "5"], "occurs 2 time"),
    (["--add", "DRUG", "Ketamine", "--occ", "-1"], "--occ -1"),
    (["--add", "DRUG", " "], "empty text"),
    (["--occ", "0"], "go with --add"),
    (["--attr", "norm=ketamine"], "go with --add"),
    (["--evidence", "Ketamine was well tolerated in all patients."], "goes with --claim"),
    (["--remove", "DRUG", "abc"], "start offset"),
    (["--claim", "tolerability", "none", "--evidence", "Ketamine was well tolerated in all patients."],
     "none has no evidence"),
    (["--claim", "tolerability", "supports", "--evidence", "Ketamine was well tolerated in all patients.",
      "--evidence", "Ketamine  was well tolerated in all patients."], "given twice"),
])
def test_annotate_mistakes_are_clear_errors(toy, capsys, args, error):
    from pipeline.cli import main

    assert main(["annotate", "pmid:1", "--gold", str(toy), *args]) == 2
    assert error in capsys.readouterr().err and not toy.exists()


def test_adding_a_span_twice_says_already_annotated(toy):
    annotate("pmid:1", toy, add=["DRUG", "Midazolam"])
    with pytest.raises(GoldError, match="already annotated"):
        annotate("pmid:1", toy, add=["DRUG", "Midazolam"])
    before = toy.read_bytes()
    with pytest.raises(GoldError, match="overlapping DRUG spans"):
        annotate("pmid:1", toy, add=["DRUG", "Midazolam 30"])
    assert toy.read_bytes() == before


def test_show_marks_nested_spans_and_lists_every_span(toy):
    text = toy_text("pmid:1")
    annotate("pmid:1", toy, add=["TIMEPOINT", "24 hours"], attrs=["hours=24"])
    annotate("pmid:1", toy, add=["OUTCOME", "depressive symptoms within 24"])  # crosses the TIMEPOINT's edge
    annotate("pmid:1", toy, add=["OUTCOME", "postinfusion rating"])
    shown = annotate("pmid:1", toy, add=["ROUTE", "infusion"], in_word=True, attrs=["norm=intravenous"])
    assert "[[post[[infusion]]ROUTE{'norm': 'intravenous'} rating]]OUTCOME" in shown
    for phrase, label in [("24 hours", "TIMEPOINT"), ("depressive symptoms within 24", "OUTCOME"),
                          ("infusion", "ROUTE")]:
        start = text.index(phrase)
        assert f"  {start}-{start + len(phrase)} {label} {phrase!r}" in shown


GOOD = {"doc_id": "syn:1", "text": "Made-up trial\nKetamine lowered MADRS scores at 24 h. It was well tolerated.",
        "labels": ["DRUG", "OUTCOME"],
        "spans": [{"start": 14, "end": 22, "label": "DRUG", "text": "Ketamine", "norm": "ketamine"},
                  {"start": 31, "end": 36, "label": "OUTCOME", "text": "MADRS"}],
        "claims": {"tolerability": {"stance": "supports", "evidence": ["It was well tolerated."]},
                   "rapid_onset": {"stance": "none", "evidence": []}}}


def _broken(change) -> dict:
    rec = json.loads(json.dumps(GOOD))
    rec["doc_id"] = "syn:2"
    change(rec)
    return rec


@pytest.mark.parametrize(("change", "error"), [
    (lambda r: r["spans"][1].update(text="MADRS scores"), "is not the text at its offsets"),
    (lambda r: r["spans"][1].update(end=999), "outside the text"),
    (lambda r: r["spans"][1].update(label="OUTCOMES"), "unknown label 'OUTCOMES'"),
    (lambda r: r["claims"]["tolerability"].update(stance="conflict"), "unknown stance 'conflict'"),
    (lambda r: r["claims"]["tolerability"].update(evidence=["It was tolerated."]), "not found in the text"),
    (lambda r: r["claims"]["rapid_onset"].update(evidence=["It was well tolerated."]), "none with evidence"),
    (lambda r: r["claims"].update(rapid_onsets={"stance": "none", "evidence": []}), "unknown claim"),
    (lambda r: r["spans"][0].update(norm=""), "DRUG norm must be a non-empty text"),
    (lambda r: r["spans"].append({"start": 47, "end": 51, "label": "TIMEPOINT", "text": "24 h", "hours": 24}),
     "labels does not list TIMEPOINT"),
    (lambda r: r.update(text_sha256="0" * 64), "a stored gold (ids and offsets) record in a file of GUIDELINES"),
])
def test_eval_refuses_an_invalid_guidelines_file(tmp_path, capsys, change, error):
    from pipeline.cli import main

    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps(_broken(change)) + "\n")
    assert main(["eval", "--gold", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2: syn:2: " in err and error in err, err


def test_eval_and_stats_name_the_line_of_a_bad_stored_record(toy, capsys):
    from pipeline.cli import main

    annotate("pmid:1", toy, add=["TIMEPOINT", "24 hours"], attrs=["hours=24"])
    annotate("pmid:2", toy, add=["OUTCOME", "s2a0"])
    good, second = toy.read_text().splitlines()
    for change, error in [(lambda r: r["spans"][0].update(hours="2h"), "TIMEPOINT hours must be a number"),
                          (lambda r: r.pop("split"), "'split' missing"),
                          (lambda r: r["spans"][0].pop("end"), "integer start and end"),
                          (lambda r: r["claims"].update(x={"evidence": []}), "claim x needs a stance"),
                          (lambda r: r.update(text="Made up."), "never the text"),
                          (lambda r: r.update(text="Made up.", text_sha256=None), "GUIDELINES")]:
        rec = json.loads(good)
        change(rec)
        rec = {k: v for k, v in rec.items() if v is not None}
        toy.write_text(second + "\n" + json.dumps(rec) + "\n")
        for argv in (["eval", "--gold", str(toy)], ["gold", "stats", "--gold", str(toy)],
                     ["annotate", "pmid:1", "--gold", str(toy)]):
            assert main(argv) == 2
            err = capsys.readouterr().err
            assert "gold.jsonl:2: pmid:1: " in err and error in err, err
    toy.write_text(second + "\n{not json\n")
    assert main(["gold", "stats", "--gold", str(toy)]) == 2
    assert "gold.jsonl:2: not valid JSON" in capsys.readouterr().err


def test_eval_accepts_the_shared_corpus_span_files():
    from pipeline.evaluate.run import check_file

    for parts in [("psynamic", "dose_spans.jsonl"), ("ade", "ae_spans.jsonl"), ("ade", "dose_spans.jsonl"),
                  ("ebm-nlp", "outcome_spans.jsonl"), ("psynamic", "doc_labels.jsonl")]:
        assert check_file(corpus_path(*parts))[1]
    for name in ("ae_battery.jsonl", "claim_battery_abstracts.jsonl", "claim_battery_abstracts_2.jsonl"):
        assert check_file(ROOT / "tests" / "data" / name)[0] == "spans"


def test_held_out_documents_are_refused_everywhere(toy):
    with pytest.raises(GoldError, match="held-out"):
        annotate("pmid:9", toy)
    annotate("pmid:1", toy, add=["DRUG", "Midazolam"])
    rec = json.loads(toy.read_text())
    rec.update(doc_id="pmid:9", text_sha256=hashlib.sha256(toy_text("pmid:9").encode()).hexdigest(), spans=[])
    with open(toy, "a") as fh:
        fh.write(json.dumps(rec) + "\n")
    with pytest.raises(GoldError, match=r"gold.jsonl:2: pmid:9: a held-out document"):
        load_gold(toy)
    with pytest.raises(GoldError, match="held-out"):
        annotate("pmid:9", toy, add=["DRUG", "Ketamine"])


def test_annotate_refuses_without_the_held_out_list(toy):
    (Path(os.environ["KEV_CORPUS"]) / "HOLDOUT_IDS.txt").unlink()
    with pytest.raises(GoldError, match="HOLDOUT_IDS.txt not found"):
        annotate("pmid:1", toy, add=["DRUG", "Midazolam"])
    assert not toy.exists()


def test_annotate_into_a_closed_pipe_exits_quietly(toy):
    annotate("pmid:1", toy, add=["DRUG", "Midazolam"])
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "annotate", "pmid:1", "--gold", str(toy)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before anything is written, as with `| head` on a long output
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 141 and err == ""


def test_eval_names_the_line_of_bad_json(tmp_path, capsys):
    from pipeline.cli import main

    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + '{"doc_id": "syn:2", "text": "x",\n')
    assert main(["eval", "--gold", str(path)]) == 2
    assert f"{path}:2: not valid JSON" in capsys.readouterr().err

"""Claims: the catalogue's validation, stance rules on hand-written abstracts, the tables, the report, eval shape."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from functools import cache

import pandas as pd
import pytest

from pipeline.claims import design, stance
from pipeline.claims.catalogue import CatalogueError, load_catalogue
from pipeline.claims.comparisons import is_head_to_head
from pipeline.claims.facts import article_facts, is_adjunct
from pipeline.claims.findings import NOT_A_FINDING, enrolled_only, finding_part
from pipeline.claims.sample_size import participants_bin, sample_size
from pipeline.config import Settings
from pipeline.nlp.extract import Extractor
from pipeline.tables import store
from tests.conftest import ROOT

RCT = ("Esketamine for treatment-resistant depression: a randomized controlled trial.\n"
       "BACKGROUND: Ketamine may act within hours. METHODS: A total of 68 patients with treatment-resistant "
       "depression were randomized to intravenous ketamine 0.5 mg/kg or midazolam, added to their ongoing oral "
       "antidepressant. RESULTS: MADRS scores were significantly lower with ketamine than midazolam at 24 h "
       "(p < 0.001). Response rates at day 7 were higher with ketamine (52% vs 20%, p = 0.01). Suicidal ideation "
       "did not differ significantly between groups. Dissociation was mild and transient, and no serious adverse "
       "events occurred. The benefit was lost by day 14 after the infusion, when most responders relapsed. "
       "CONCLUSIONS: Ketamine was effective and well tolerated in TRD.")


@cache
def _extractor() -> Extractor:
    """One pipeline for the module's hand-written abstracts (building one per test only repeats the load)."""
    return Extractor()


def _assess(text: str) -> list:
    """The finding sentences of a hand-written abstract, for every claim of the catalogue."""
    ex = _extractor().one(text)
    return stance.assess(text, ex, article_facts(text, ex), load_catalogue())


@pytest.fixture(scope="module")
def findings():
    ex = _extractor().one(RCT, doc_id="pmid:1")
    facts = article_facts(RCT, ex, ["Randomized Controlled Trial"])
    return facts, stance.assess(RCT, ex, facts, load_catalogue())


def article(findings, claim_id):
    return stance.article_stance(findings[1], claim_id)


def test_article_facts(findings):
    facts = findings[0]
    assert (facts.design, facts.sample_size) == ("rct", 68)
    assert {"trd"} <= set(facts.populations) and facts.adjunct and facts.ketamine_study


@pytest.mark.parametrize("claim_id,expected", [
    ("rapid_onset", "supports"), ("antidepressant_efficacy", "supports"), ("trd_efficacy", "supports"),
    ("adjunct_use", "supports"), ("suicidal_ideation", "conflicts"), ("tolerability", "supports"),
    ("short_lived", "supports"), ("neuroplasticity", "none"),
])
def test_stances_on_a_handwritten_trial(findings, claim_id, expected):
    assert article(findings, claim_id) == expected


def test_background_and_hedged_sentences_are_never_evidence(findings):
    facts, fs = findings
    cited = {RCT[f.start:f.end] for f in fs}
    assert not any("may act within hours" in s for s in cited)
    rapid = [f for f in fs if f.claim_id == "rapid_onset"]
    assert rapid and all(f.timepoint_hours is not None and f.timepoint_hours <= 24 for f in rapid)


def test_protocols_and_animal_studies_are_not_human_evidence():
    protocol = ("Ketamine for depression: a study protocol.\nMETHODS: Patients will be randomized to ketamine. "
                "RESULTS: We expect that MADRS scores will be significantly lower at 24 h.")
    ex = _extractor().one(protocol)
    facts = article_facts(protocol, ex)
    assert facts.design == "protocol" and stance.assess(protocol, ex, facts, load_catalogue()) == []
    mice = ("Ketamine increases spine density in mice.\nRESULTS: In mice, ketamine significantly increased BDNF "
            "and dendritic spine density in the prefrontal cortex, and reduced immobility in rats.")
    ex = _extractor().one(mice)
    facts = article_facts(mice, ex)
    fs = stance.assess(mice, ex, facts, load_catalogue())
    assert facts.design == "animal"
    assert {f.claim_id for f in fs} == {"neuroplasticity"} and stance.article_stance(fs, "neuroplasticity") == \
        "supports"


@pytest.mark.parametrize("title,pub_types", [
    ("Erratum: Ketamine for treatment-resistant depression: a randomized trial.", None),
    ("Retraction notice to \"Ketamine for depression: a randomized controlled trial\".", None),
    ("Ketamine for treatment-resistant depression: a randomized trial.", ["Published Erratum"]),
    ("Ketamine works fast: what next?", ["Editorial"]),
])
def test_notices_and_editorials_are_no_trials_and_no_evidence(title, pub_types):
    text = (title + "\nIn the randomized controlled trial of ketamine in 120 patients with treatment-resistant "
            "depression, MADRS scores were significantly lower with ketamine than placebo at 24 h (p < 0.001).")
    ex = _extractor().one(text)
    facts = article_facts(text, ex, pub_types)
    assert facts.design == "other" and facts.notice
    assert design.psynamic_type(text, None, pub_types) == "other"
    assert stance.assess(text, ex, facts, load_catalogue()) == []


@pytest.mark.parametrize("title,pub_types,notice", [
    ("RETRACTED: Ketamine for depression: a randomized trial.", ["Randomized Controlled Trial",
                                                                "Retracted Publication"], False),
    ("RETRACTED: Ketamine for depression: a randomized trial.", None, False),  # the article, not its notice
    ("Retraction Note: Ketamine for depression.", None, True), ("Comment on: ketamine for depression.", None, True),
    ("Commentary: ketamine for depression.", None, True),
    ("Correction for multiple testing in ketamine trials: a simulation study.", None, False),
    ("Retraction of dendritic spines after ketamine in mice.", None, False),
    ("Retraction of publication: ketamine for depression.", None, True),
    ("Erratum: Ketamine for depression.", ["Randomized Controlled Trial"], False),  # the types decide when given
])
def test_which_titles_and_types_are_notices(title, pub_types, notice):
    assert design.is_notice(title + "\nText.", pub_types) is notice


def test_a_title_that_only_starts_with_a_notice_word_is_no_notice():
    text = ("Correction of hyponatremia during ketamine infusions: a randomized controlled trial in depression.\n"
            "In 120 patients with depression, ketamine significantly lowered MADRS scores at 24 h versus placebo "
            "(p < 0.001).")
    ex = _extractor().one(text)
    facts = article_facts(text, ex)
    assert facts.design == "rct" and not design.is_notice(text)
    assert stance.assess(text, ex, facts, load_catalogue())  # the same sentence is evidence in a trial


def test_evidence_ids_are_stable():
    a = stance.evidence_id("123", 1, "rapid_onset", 10, 90)
    assert a == stance.evidence_id("123", 1, "rapid_onset", 10, 90) != stance.evidence_id("123", 2, "rapid_onset",
                                                                                           10, 90)


@pytest.mark.parametrize("entry,message", [
    ({"id": "x", "statement": "s", "definition": "d", "profile": "magic", "topic": ["a"]}, "profile must be one of"),
    ({"id": "Bad Id", "statement": "s", "definition": "d", "profile": "efficacy", "topic": ["a"]}, "snake_case"),
    ({"id": "x", "statement": "s", "profile": "efficacy", "topic": ["a"]}, "missing definition"),
    ({"id": "x", "statement": "s", "definition": "d", "profile": "efficacy", "topic": ["("]}, "not a valid regular"),
    ({"id": "x", "statement": "s", "definition": "d", "profile": "efficacy", "topic": ["a"], "colour": 1},
     "unknown field"),
])
def test_bad_catalogue_entries_are_named(tmp_path, entry, message):
    import yaml

    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"claims": [entry]}))
    with pytest.raises(CatalogueError, match=message) as err:
        load_catalogue(path)
    assert "claim" in str(err.value)


def test_an_empty_or_missing_claims_list_is_named(tmp_path):
    (tmp_path / "empty.yaml").write_text("claims: []\n")
    with pytest.raises(CatalogueError, match="list is empty"):
        load_catalogue(tmp_path / "empty.yaml")
    (tmp_path / "none.yaml").write_text("claim:\n  - id: x\n")
    with pytest.raises(CatalogueError, match="expected a top-level `claims:` list"):
        load_catalogue(tmp_path / "none.yaml")


def test_catalogue_is_valid_and_versioned():
    cat = load_catalogue()
    assert cat.ids == ("rapid_onset", "antidepressant_efficacy", "trd_efficacy", "short_lived", "adjunct_use",
                       "suicidal_ideation", "tolerability", "neuroplasticity")
    assert len(cat.version) == 12


def test_sample_size_and_bins():
    assert sample_size("In 24 healthy volunteers and 12 controls") == 36  # controls count (PsyNamic)
    assert sample_size("ketamine (n = 20) or placebo (n = 19).") == 39
    assert participants_bin(39) == "21-40" and participants_bin(1500) == ">=1000"


@pytest.mark.parametrize("text,n", [
    ("One hundred twenty-seven adults with bipolar depression took part.", 127),
    ("This trial of 33 drug-free participants with TRD and 26 healthy controls measured sleep.", 59),
    ("Aggression was rated in 14 male MDMA users, in comparison with 22 healthy male subjects.", 36),
    ("Forty-two current ecstasy/polydrug users, 18 previous users, and 50 non-users completed it.", 110),
    ("Of 50 patients, 30 patients completed the study.", 50),
    ("Adults entering venues were surveyed in 2019-2022 (n = 1952).", 1952),
    ("We recruited 14 former users of ecstasy who had stopped using it and 15 controls without any use.", 29),
    ("Crossover experiments enrolled 24 and 16 healthy subjects.", 40),
    ("Of 40 patients, 20 patients of whom 8 responders were seen.", 40),
    ("The trial ran at four tertiary institutions, 240 patients were randomized.", 240),  # places are no people
    ("In total, 312 patients were assigned to esketamine and 318 to quetiapine.", 630),
    ("Twenty-nine patients were randomized to low dose, and 28 were randomized to the high dose.", 57),
    ("It ran from March to June 2023 at the City Hospital. We enrolled 74 patients.", 74),  # years count no one
    ("From January to July 2022, 36 inpatients with suicidal ideation were enrolled.", 36),
    ("We enrolled 25 patients. Overall, 14/25 patients responded.", 25),  # a fraction is no total
    ("We studied a cohort of 2,013 adults.", 2013),  # a count with a comma is no year
    ("24 users and 1998 controls were seen.", 2022),  # a year-like count right before its people
    ("Twenty rats were randomly assigned to ketamine and 20 to saline.", None),  # arms of animals count no one
    ("A total of 120 patients were randomly assigned to ketamine or placebo, and 2 weeks later to an open-label "
     "extension.", 120),  # a time is no arm
])
def test_sample_size_reads_number_words_qualified_groups_and_comparisons(text, n):
    assert sample_size(f"Title\n{text}") == n


def test_claim_tables_and_report_from_the_sample(tmp_path):
    from pipeline import report

    run_files("sample", tmp_path, date(2025, 1, 1))
    ev = pd.read_parquet(tmp_path / "claim_evidence.parquet")
    summary = pd.read_parquet(tmp_path / "claim_summary.parquet").set_index("claim_id")
    assert set(summary.index) == set(load_catalogue().ids)
    assert ev["evidence_id"].is_unique and set(ev["stance"]) <= {"supports", "conflicts"}
    assert set(ev["role"]) <= {"results", "conclusions", "methods", "background"}
    classes = set(json.loads((ROOT / "models" / "study_type.json").read_text())["classes"])
    assert ev["study_type"].notna().all() and set(ev["study_type"]) <= classes  # a missing key would publish nulls
    retracted = ev[ev["pmid"] == "99000020"]
    assert not retracted.empty and retracted["retracted"].all()  # listed, flagged
    assert all("99000020" not in list(summary.loc[c, "supporting_pmids"]) for c in summary.index)
    assert summary.loc["antidepressant_efficacy", "n_supporting"] >= 3
    md, page = report.build(tmp_path)
    assert "## rapid_onset" in md and "pubmed.ncbi.nlm.nih.gov/" in md
    assert "<mark" in page and "<script" not in page
    sizes = {f"n={n}" for n in ev["sample_size"].dropna().astype(int)}
    assert sizes and all(n in md and n in page for n in sizes)  # the HTML shows the sizes the Markdown does
    studies = pd.read_parquet(tmp_path / "studies.parquet")
    assert f"## Studies in the tables ({len(studies)} articles)" in md and "id='report-studies'" in page
    rct = next(line for line in md.splitlines() if line.startswith("| rct |")).split(" | ")
    assert int(rct[1]) == ((studies["design"] == "rct") & (studies["study_drug"] == "ketamine")).sum() > 0
    assert int(rct[5].strip(" |")) == ((studies["design"] == "rct") & studies["depression"]).sum()  # on depression


def test_the_report_lists_each_article_once_per_claim_as_the_summary_counted_it(tmp_path):
    """A reader checks the counts from the report: per claim, each article once, marked supports, conflicts, mixed
    or retracted exactly as claim_summary lists it, under an overview that links every claim; the run named."""
    from pipeline import report

    run_files("sample", tmp_path, date(2025, 1, 1))
    summary = pd.read_parquet(tmp_path / "claim_summary.parquet")
    ev = pd.read_parquet(tmp_path / "claim_evidence.parquet")
    md, page = report.build(tmp_path)
    sections = md.split("\n## ")
    for c in summary.to_dict("records"):
        assert f'<a href="#{c["claim_id"]}">' in page and f'<section id="{c["claim_id"]}">' in page
        slug = f"{c['claim_id']}-{c['verdict']}".replace(" ", "-")  # GitHub's anchor of the heading
        assert f"[{c['claim_id']}](#{slug})" in md and f"\n## {c['claim_id']}: {c['verdict']}\n" in md
        text = next(x for x in sections if x.startswith(f"{c['claim_id']}: "))
        marks = {"✔ supports": "supporting_pmids", "✘ conflicts": "conflicting_pmids", "± mixed": "mixed_pmids",
                 "retracted: not counted": "retracted_pmids"}
        for mark, column in marks.items():
            listed = re.findall(rf"^- \*\*{re.escape(mark)}\*\*.*?\[PMID (\d+)\]", text, flags=re.M)
            assert sorted(listed) == sorted(c[column]), (c["claim_id"], mark)
        assert len(re.findall(r"^- \*\*", text, flags=re.M)) == ev[ev["claim_id"] == c["claim_id"]]["doc_id"].nunique()
    assert summary["mixed_pmids"].map(len).sum() > 0 and summary["retracted_pmids"].map(len).sum() > 0
    assert page.count('class="flag">RETRACTED') == summary["retracted_pmids"].map(len).sum()
    run_id = pd.read_parquet(tmp_path / "runs.parquet")["run_id"].iloc[-1]
    assert f"Tables of run {run_id}" in md and f"Tables of run {run_id}" in page
    assert page.count("<mark") > 100 and '<mark class="entity" style=' not in page  # classes, not inline styles


def test_the_markdown_report_escapes_markdown_and_a_claim_without_evidence_says_so(tmp_path, monkeypatch):
    import pyarrow as pa

    from pipeline import report

    run_files("sample", tmp_path, date(2025, 1, 1))
    assert report._md_text("a *p* value_x [1](http://x) `c` | <b>") == \
        "a \\*p\\* value\\_x \\[1\\](http://x) \\`c\\` \\| &lt;b&gt;"
    summary = pd.read_parquet(tmp_path / "claim_summary.parquet").to_dict("records")
    empty = {**summary[0], "claim_id": "new_claim", "statement": "A claim with <no> *evidence* yet.",
             "verdict": "insufficient evidence"}
    real = report.pq.read_table
    monkeypatch.setattr(report.pq, "read_table", lambda path, **kw: (
        pa.Table.from_pylist(summary + [empty]) if str(path).endswith("claim_summary.parquet")
        else real(path, **kw)))
    md, page = report.build(tmp_path)
    section = md.split("## new_claim: ")[1]
    assert "> A claim with &lt;no&gt; \\*evidence\\* yet." in section and "No evidence found." in section
    assert "<p>No evidence found.</p>" in page
    # a two-word verdict: the overview's link is the heading's slug, a space would break the link
    assert "[new_claim](#new_claim-insufficient-evidence)" in md and "\n## new_claim: insufficient evidence\n" in md
    assert report._ref_md(None, "local:1", "10.1/a b") == "local:1 ([doi:10.1/a b](https://doi.org/10.1/a%20b))"


def test_kev_eval_claims_shape(tmp_path):
    rec = {"doc_id": "t1", "text": RCT, "claims": {"rapid_onset": {
        "stance": "supports", "evidence": ["MADRS scores were significantly lower with ketamine than midazolam at "
                                           "24 h (p < 0.001)."]}}}
    path = tmp_path / "claims_gold.jsonl"
    path.write_text(json.dumps(rec) + "\n")
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", "eval", "--gold", str(path), "--json"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()
    res = json.loads(out[-1])
    assert res["kind"] == "claims" and res["n_docs"] == 1
    assert res["claims"]["rapid_onset"]["supports"]["f1"] == 1.0
    assert set(res["claims"]["micro"]) == {"precision", "recall", "f1"} and res["evidence_recall"] == 1.0


def run_files(source: str, out, today: date) -> str:
    from pipeline.ingest import run_stages

    return run_stages(source, Settings(out=out), today)["run"]["run_id"]


def test_claim_diff_between_two_nights_and_run_provenance(tmp_path):
    import shutil

    from pipeline import report
    from pipeline.config import SAMPLE_DIR

    night1 = tmp_path / "night1"
    night1.mkdir()
    shutil.copy(SAMPLE_DIR / "sample-0001-baseline.xml", night1)
    out = tmp_path / "out"
    run_files(f"xml:{night1}", out, date(2024, 6, 30))
    second = run_files(f"xml:{SAMPLE_DIR}", out, date(2024, 7, 31))
    diff = pd.read_parquet(out / "claim_diff.parquet")
    latest = diff[diff["run_id"] == second]
    assert not latest.empty and set(latest["change"]) <= {"added", "dropped", "flipped", "retracted"}
    assert "99000007" in set(latest[latest["change"] == "dropped"]["pmid"])  # deleted record: its citations go
    # the retracted trial leaves the summary's lists: every claim it was counted for has a `retracted` row
    summary = pd.read_parquet(out / "claim_summary.parquet")
    retracted_claims = {c for c, pm in zip(summary["claim_id"], summary["retracted_pmids"], strict=True)
                        if "99000020" in list(pm)}
    assert retracted_claims and set(latest[latest["pmid"] == "99000020"]["claim_id"]) == retracted_claims
    assert set(latest[latest["pmid"] == "99000020"]["change"]) == {"retracted"}
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["catalogue_version"].notna().all() and runs["model_version"].str.contains(r"\+").all()
    assert runs.iloc[-1]["n_claim_changes"] == len(latest)
    md = report.build(out)[0]
    assert "Changes since the previous run" in md and f"{len(latest)} changes: " in md
    listed = [line for line in md.split("## Changes since the previous run")[1].split("\n## ")[0].splitlines()
              if line.startswith("- ")]
    assert listed[0].split()[2] == "retracted"  # retractions first, then flipped, dropped and new citations
    assert len(listed) == min(len(latest), report.MAX_CHANGES)
    third = run_files(f"xml:{SAMPLE_DIR}", out, date(2024, 7, 31))
    diff = pd.read_parquet(out / "claim_diff.parquet")
    assert diff[diff["run_id"] == third].empty  # the same input again changes no citation


def test_older_tables_gain_new_nullable_columns(tmp_path):
    import pyarrow as pa

    from pipeline.tables import store

    old = pa.table({"run_id": ["r1"], "flow_run_id": [None], "started_at": pa.array([0], pa.timestamp("us", "UTC")),
                    "finished_at": pa.array([0], pa.timestamp("us", "UTC")), "source": ["sample"],
                    "query": [None], "windows": [None], "n_new": [1], "n_revised": [0], "n_unchanged": [0],
                    "n_deleted": [0], "n_rejected": [0], "n_articles": [1], "code_version": ["0.1.0"],
                    "status": ["completed"]})
    store.publish(tmp_path, {"runs_old": old}, {}, "r1")
    (tmp_path / "current" / "runs_old.parquet").rename(tmp_path / "current" / "runs.parquet")
    table = store.read_table(tmp_path, "runs")
    assert table.column("catalogue_version").null_count == 1 and table.num_rows == 1


def manifest_stances() -> dict[str, dict[str, str]]:
    """The intended stance of every sample record per claim, from data/sample/MANIFEST.md (last copy wins)."""
    import re

    from pipeline.config import SAMPLE_DIR

    ids = ["rapid_onset", "antidepressant_efficacy", "trd_efficacy", "short_lived", "adjunct_use",
           "suicidal_ideation", "tolerability", "neuroplasticity"]
    out = {}
    for line in (SAMPLE_DIR / "MANIFEST.md").read_text().splitlines():
        if re.match(r"^\| 9900\d{4} \|", line):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            out[cells[0]] = dict(zip(ids, (c.replace("†", "") for c in cells[9:17]), strict=True))
    return out


def test_claims_agree_with_the_sample_manifest(tmp_path):
    """The synthetic sample states each record's intended stances; article-level micro F1 must stay >= 0.75
    (measured 0.809 when this test was written)."""
    from pipeline.claims.evidence import article_stances

    run_files("sample", tmp_path, date(2025, 1, 1))
    pred = article_stances(pd.read_parquet(tmp_path / "claim_evidence.parquet").to_dict("records"))
    present = set(pd.read_parquet(tmp_path / "articles.parquet")["pmid"])
    tp = fp = fn = 0
    for pmid, stances in manifest_stances().items():
        if pmid not in present:
            continue
        for cid, gold in stances.items():
            got = pred.get((cid, f"pmid:{pmid}"), "none")
            for pol in ("supports", "conflicts"):
                a, b = gold in (pol, "mixed"), got in (pol, "mixed")
                tp, fp, fn = tp + (a and b), fp + (b and not a), fn + (a and not b)
    f1 = 2 * tp / (2 * tp + fp + fn)
    print(f"sample claims micro F1 {f1:.3f}")  # README's number: pytest -s -k sample_manifest
    assert f1 >= 0.75, f"sample claims micro F1 {f1:.3f}"


def test_prevention_trial_despite_a_remark_on_earlier_work():
    surgical = ("Esketamine timing and postoperative depression after knee surgery.\nBACKGROUND: Benefits of "
                "esketamine have been observed in treatment-resistant depression. METHODS: Patients undergoing "
                "knee surgery received esketamine or saline.")
    assert design.is_prevention(surgical)
    assert not design.is_prevention(surgical.replace("Patients undergoing", "Patients with major depressive "
                                                     "disorder undergoing"))
    relapse = "Therapy to prevent relapse after ketamine in treatment-resistant depression.\nRESULTS: Most responded."
    assert not design.is_prevention(relapse)


def test_a_hedge_in_a_merged_conclusion_does_not_silence_the_result():
    merged = ("Ketamine versus placebo in major depressive disorder: a randomized trial.\nMETHODS: Forty patients "
              "with major depressive disorder received ketamine or placebo. RESULTS: MADRS scores fell significantly "
              "more with ketamine than with placebo at day 7 ( CONCLUSION: Ketamine appears to be an effective "
              "treatment for depression.")
    ex = _extractor().one(merged)
    sentences = [merged[s:e] for s, e in ex.sentences]
    assert "CONCLUSION: Ketamine appears to be an effective treatment for depression." in sentences  # split off
    assert ex.roles[sentences.index("CONCLUSION: Ketamine appears to be an effective treatment for depression.")] \
        == "conclusions"
    facts = article_facts(merged, ex)
    fs = stance.assess(merged, ex, facts, load_catalogue())
    assert stance.article_stance(fs, "antidepressant_efficacy") == "supports"
    hedged_only = merged.replace("fell significantly more with ketamine than with placebo", "may fall with ketamine")
    fs = _assess(hedged_only)
    assert stance.article_stance(fs, "antidepressant_efficacy") == "none"


@pytest.mark.parametrize("sentence,expected", [
    ("There were no differences between ketamine and placebo in cognitive outcomes.", "supports"),
    ("The results support the cognitive safety of repeated ketamine infusions.", "supports"),
    ("Ketamine can be used safely in this population.", "supports"),
    ("A single ketamine infusion was not harmful for cognitive function.", "supports"),
    ("Discontinuation due to adverse events was low (2.6%).", "supports"),  # a harm called rare
    ("Only 2 patients discontinued due to adverse events.", "supports"),
    ("Discontinuation due to adverse events was 12% with ketamine.", "conflicts"),
    ("The only difference was that discontinuation due to adverse events was more common with ketamine.", "conflicts"),
    ("Only esketamine showed cystitis in 12 of 30 patients.", "conflicts"),
    ("Serious adverse events were reported in 5 patients, and discontinuation was low.", "conflicts"),
    ("In the placebo group psychosis was rare, but in the ketamine group psychosis occurred in 20%.", "conflicts"),
    ("Only a small number of patients discontinued due to adverse events.", "supports"),
    ("Few of the 120 randomised participants discontinued due to adverse events.", "supports"),
    ("Serious adverse events were reported, but were rare.", "supports"),
    ("Discontinuation due to adverse events, however, was low.", "supports"),
])
def test_tolerability_wordings(sentence, expected):
    assert stance._polarity("tolerability", sentence)[0] == expected


@pytest.mark.parametrize("sentence,expected", [
    ("Ketamine evoked behaviour similar to the negative symptoms seen in schizophrenia.", None),
    ("BPRS and Brief Psychiatric Rating Scale scores were the outcome measures.", None),
    ("Adverse events were similar between groups and brief.", "supports"),
])
def test_scale_names_and_model_psychosis_are_no_tolerability_verdict(sentence, expected):
    assert stance._polarity("tolerability", sentence)[0] == expected


def test_a_dissociative_drug_is_a_drug_class_not_a_tolerability_topic():
    claim = next(c for c in load_catalogue().claims if c.id == "tolerability")
    assert not any(rx.search("A dissociative drug did not increase fronto-limbic connectivity.") for rx in claim.topic)
    assert any(rx.search("Dissociative symptoms resolved within 2 hours.") for rx in claim.topic)


@pytest.mark.parametrize("sentence,expected", [
    ("Lower cognitive impairment at baseline was associated with the antisuicidal effect of ketamine.", None),
    ("Ketamine caused cognitive impairment at week 4.", "conflicts"),
])
def test_a_harm_present_before_treatment_is_no_tolerability_finding(sentence, expected):
    assert stance._polarity("tolerability", sentence)[0] == expected


@pytest.mark.parametrize("sentence,expected", [
    ("Remission was more frequent with IV ketamine than with intranasal esketamine (p = 0.02).", True),
    ("Intravenous ketamine and intranasal esketamine showed similar response rates.", True),
    ("Both IV ketamine and IN esketamine lowered MADRS scores significantly from baseline.", False),
    ("Ketamine and esketamine significantly reduced depressive symptoms.", False),
    ("Ketamine was superior to placebo and esketamine was not.", False),
])
def test_head_to_head_of_two_ketamine_forms_is_no_efficacy_evidence(sentence, expected):
    assert is_head_to_head(sentence) is expected


@pytest.mark.parametrize("sentence,expected", [
    ("Patients with TRD receiving ketamine showed a significant improvement in sustained attention.", True),
    ("Patients with TRD and suicidal ideation showed improved memory after ketamine.", True),
    ("Ketamine significantly reduced depressive symptoms in patients with TRD.", False),
    ("Patients with TRD improved significantly on the MADRS after ketamine.", False),
    ("A single study showed a significant decrease in SDS total scores in TRD with esketamine.", True),
    ("Quality of life improved significantly among patients with treatment-resistant depression.", True),
    ("Depressive symptoms decreased significantly in TRD with esketamine.", False),
])
def test_depression_named_only_as_the_enrolled_population(sentence, expected):
    assert enrolled_only(sentence) is expected


def test_tr_d_abbreviation_and_probability_of_remission():
    assert "trd" in design.populations("Oral ketamine for TR-D: an open-label study.")
    assert "trd" in design.populations("Ketamine for medication-resistant depression.")
    assert "trd" in design.populations("A therapy resistant depressed patient.")
    assert stance._polarity("efficacy", "By week 4, patients had a 32% probability of achieving remission.")[0] == \
        "supports"


def test_a_header_left_inside_a_sentence_starts_its_section():
    text = ("Ketamine in major depressive disorder: a randomized trial.\nMETHODS: Patients with major depressive "
            "disorder received ketamine 0.5 mg/kg or saline over 40 min RESULTS: Forty patients completed the study. "
            "Ketamine was well tolerated by most patients.")
    ex = _extractor().one(text)
    last = len(ex.sentences) - 1
    assert text[slice(*ex.sentences[last])].startswith("Ketamine was well tolerated")
    assert ex.sections[last] == "RESULTS" and ex.roles[last] == "results"
    assert finding_part(ex, last, text)


@pytest.mark.parametrize("sentence,expected", [
    ("Ketamine reduced MADRS scores compared with placebo (SMD -0.3; moderate-certainty evidence).", False),
    ("In patients who were assessed to be at risk, ketamine reduced depressive symptoms.", False),
    ("Baseline severity moderated the effect of ketamine on depressive symptoms.", True),
    ("Depressive symptoms were assessed weekly.", True),
])
def test_grading_words_and_relative_clauses_do_not_make_a_non_finding(sentence, expected):
    assert bool(NOT_A_FINDING.search(sentence)) is expected


def test_a_header_split_off_takes_its_own_mentions():
    merged = ("Ketamine versus buprenorphine in major depressive disorder: a randomized trial.\nMETHODS: Forty "
              "patients with major depressive disorder received ketamine or buprenorphine. RESULTS: Depression "
              "scores fell significantly from baseline in the first group ( CONCLUSION: Buprenorphine appears to be "
              "useful.")
    ex = _extractor().one(merged)
    i = next(k for k, (s, e) in enumerate(ex.sentences) if merged[s:e].startswith("RESULTS: Depression"))
    assert merged[slice(*ex.sentences[i])].endswith("first group (")
    assert finding_part(ex, i, merged) == ex.sentences[i]
    fs = stance.assess(merged, ex, article_facts(merged, ex), load_catalogue())
    assert any(f.claim_id == "antidepressant_efficacy" and f.sent_index == i for f in fs)
    assert not any(f.sent_index == i + 1 for f in fs)  # the hedged conclusion about the other drug


@pytest.mark.parametrize("sentence,expected", [
    ("There were no discontinuations due to adverse events.", "supports"),
    ("No participant withdrew because of side effects.", "supports"),
    ("Ketamine did not cause any serious adverse effects.", "supports"),
    ("Glx response was not related to adverse effects.", None),
    ("Depression did not improve, but two patients withdrew because of side effects.", "conflicts"),
])
def test_a_harm_that_did_not_occur_is_tolerability_evidence(sentence, expected):
    assert stance._polarity("tolerability", sentence)[0] == expected


@pytest.mark.parametrize("sentence,expected", [
    ("All side effects subsided within one hour after the infusion.", "supports"),
    ("Dissociative symptoms returned to baseline by 2 hours.", "supports"),
    ("Dissociative effects were short-lasting.", "supports"),
    ("Esketamine had a favorable benefit-risk profile.", "supports"),
    ("Dissociative symptoms led to discontinuation in 12% of patients.", "conflicts"),
    ("There were 13 reports of adverse events, none of which resulted in discontinuation.", "supports"),
])
def test_effects_that_went_away_and_harms_that_led_to_stopping(sentence, expected):
    assert stance._polarity("tolerability", sentence)[0] == expected


@pytest.mark.parametrize("text,expected", [
    ("Patients with TRD continued their current antidepressant and received ketamine or midazolam.", True),
    ("Patients received ketamine while remaining on their antidepressant medication.", True),
    ("Patients on a stable dose of an SSRI or SNRI received ketamine or saline.", True),
    ("Patients who had failed at least two antidepressants received ketamine.", False),
    ("Antidepressants were tapered and discontinued before ketamine was given.", False),
])
def test_staying_on_an_antidepressant_is_an_add_on_design(text, expected):
    assert is_adjunct(text) is expected


@pytest.mark.parametrize("sentence,expected", [
    ("Higher baseline HAM-D scores were associated with a greater decrease in HAM-D scores.", True),
    ("Striatal connectivity was associated with improvement in mood after ketamine.", True),
    ("Ketamine significantly reduced MADRS scores compared with placebo.", False),
])
def test_a_predictor_of_the_benefit_is_not_an_efficacy_finding(sentence, expected):
    assert bool(NOT_A_FINDING.search(sentence)) is expected


def test_the_treatment_associated_with_the_benefit_is_a_finding():
    from pipeline.claims.findings import TREATMENT_ASSOCIATION

    assert TREATMENT_ASSOCIATION.search("Ketamine was also associated with reduction in depression scores on the "
                                        'HDRS.')
    assert not TREATMENT_ASSOCIATION.search("Higher baseline HAM-D scores were associated with a greater decrease.")
    assert not TREATMENT_ASSOCIATION.search("Higher doses of ketamine were associated with reduction in MADRS.")
    assert TREATMENT_ASSOCIATION.search("CONCLUSION: Intravenous ketamine was associated with improvement across all "
                                        "four domains of depression.")
    text = ("Ketamine for chronic PTSD and comorbid depression: a randomised trial\nMETHODS: Veterans with PTSD and "
            "depression were given ketamine or midazolam. RESULTS: Ketamine was also associated with reduction in "
            "depression scores as a secondary outcome (p < 0.01).")
    assert stance.article_stance(_assess(text), "antidepressant_efficacy") == "supports"


def test_a_covariate_is_neither_topic_nor_time_point():
    text = ("Ketamine for chronic PTSD: a randomised trial\nRESULTS: PTSD symptoms fell more with ketamine, and that "
            "gap stayed significant after adjusting for baseline and 24-hour depression severity.")
    ex = _extractor().one(text)
    i = len(ex.sentences) - 1
    a, b = ex.sentences[i]
    kept = stance._masked(text, a, b, stance.covariate_spans(text, a, b))
    assert "adjusting" not in kept and "PTSD symptoms fell" in kept
    assert stance.article_stance(_assess(text), "rapid_onset") == "none"
    first = ("Ketamine for treatment-resistant depression: a randomized trial\nMETHODS: Adults with depression "
             "received ketamine or placebo. RESULTS: After adjusting for baseline severity, ketamine significantly "
             "reduced depressive symptoms versus placebo at 24 h (p < 0.01).")
    assert stance.article_stance(_assess(first), "rapid_onset") == "supports"  # a leading covariate leaves the rest


def test_benefit_in_a_depressed_population_is_on_the_efficacy_topic():
    assert stance.GENERIC_EFFICACY.search("Patients with TRD benefitted from a second induction with esketamine.")


def _finding_part(text: str, sentence: str) -> tuple[int, int] | None:
    """The finding part of the one sentence of `text` that holds `sentence`."""
    ex = _extractor().one(text)
    index = [i for i, (s, e) in enumerate(ex.sentences) if sentence[:20] in text[s:e]]
    assert len(index) == 1
    return finding_part(ex, index[0], text)


@pytest.mark.parametrize("sentence", [
    "Recent studies have shown that inflammatory markers are higher in depression.",
    "Several randomized trials have demonstrated that ketamine reduced depressive symptoms.",
    "Glutathione given with ketamine has not been well studied so far.",
    "Four randomized trials reported on the efficacy of ketamine on functioning.",
    "The findings emphasize the need for rigorous frameworks to support the effective use of ketamine.",
    "Esketamine is already an established treatment that is fast-acting and well tolerated.",
    "Training and regulation are necessary to use these therapies safely in routine care.",
])
def test_others_work_needs_and_known_facts_are_not_findings(sentence):
    assert not _finding_part(f"Ketamine in depression: a cohort study.\nMETHODS: We followed 40 patients. "
                              f"RESULTS: {sentence}", sentence)


@pytest.mark.parametrize("sentence", [
    "Of the 12 studies that reported on response, 10 found a significant benefit of ketamine over placebo.",
    "Five studies show a significant reduction in depressive symptoms within 24 h (SMD -0.9).",
    "Ketamine significantly reduced MADRS scores at 24 h and this highlights the need to study other groups.",
])
def test_a_review_s_pooled_numbers_stay_findings(sentence):
    assert _finding_part(f"Ketamine in depression: a systematic review.\nMETHODS: We searched MEDLINE. "
                          f"RESULTS: {sentence}", sentence)


def test_a_finding_with_a_trailing_call_for_research_stays_a_finding():
    text = ("Ketamine for depression: a randomized trial.\nMETHODS: Forty patients were randomized. RESULTS: Ketamine "
            "did not show an antidepressant advantage over midazolam, highlighting the need for further research.")
    ex = _extractor().one(text)
    assert finding_part(ex, len(ex.sentences) - 1, text)


@pytest.mark.parametrize("profile,sentence,expected", [
    ("efficacy", "Adjunctive esketamine does not provide any advantage in improving response and remission rates.",
     "conflicts"),
    ("efficacy", "Adding ketamine gave no added benefit on the MADRS.", "conflicts"),
    ("efficacy", "This meta-analysis suggests a marginal efficacy of oral ketamine for depression.", "conflicts"),
    ("tolerability", "No safety concerns emerged with the combined treatment.", "supports"),
])
def test_no_advantage_and_no_safety_concerns(profile, sentence, expected):
    assert stance._polarity(profile, sentence)[0] == expected


def test_difficult_to_treat_depression_is_treatment_resistant():
    assert "trd" in design.populations("Esketamine with vagus nerve stimulation in difficult-to-treat depression.")


def test_rapid_needs_an_early_time_point_somewhere_in_the_findings():
    base = ("Ketamine in major depressive disorder: a randomized trial.\nMETHODS: Forty patients with major "
            "depressive disorder were randomized to ketamine or placebo. RESULTS: {result} CONCLUSIONS: Ketamine "
            "produced a rapid and significant reduction in depressive symptoms.")
    for result, expected in (("MADRS scores were significantly lower with ketamine at 4 h (p < 0.01).", "supports"),
                             ("MADRS scores were significantly lower with ketamine at week 2 (p < 0.01).", "none"),
                             ("Dissociation peaked at 40 min. MADRS scores were significantly lower with ketamine "
                              "at week 2 (p < 0.01).", "none")):
        text = base.format(result=result)
        assert stance.article_stance(_assess(text), "rapid_onset") == expected, result


def test_an_unstructured_abstract_opens_with_context_even_with_numbers():
    text = ("Safety of esketamine versus quetiapine.\nIn ESCAPE-TRD, esketamine significantly increased remission "
            "at week 8 versus quetiapine. Here we explore adverse events in that trial. Patients were randomised. "
            "Adverse events were mostly mild and transient. Esketamine was well tolerated.")
    ex = _extractor().one(text)
    assert ex.roles[1] == "background" and not finding_part(ex, 1, text)


def test_each_side_of_a_header_left_in_a_sentence_is_judged_on_its_own():
    text = ("Music and ketamine for treatment-resistant depression: a randomised clinical trial.\nMETHODS: Forty "
            "patients with treatment-resistant depression received six ketamine infusions with or without music. "
            "RESULTS: Outcomes did not differ between the music and control groups ( CONCLUSIONS: This trial found "
            "large and sustained benefits of ketamine for severe TRD.")
    fs = _assess(text)
    assert stance.article_stance(fs, "trd_efficacy") == "supports"
    cited = {text[f.start:f.end][:20]: f.stance for f in fs if f.claim_id == "trd_efficacy"}
    assert cited == {"CONCLUSIONS: This tr": "supports"}  # the null between two ketamine arms is no evidence


@pytest.mark.parametrize("sentence,expected", [
    ("Ketamine versus ECT: response, RR = 0.91, p = 0.47; remission, RR = 0.95, p = 0.72.", True),
    ("Ketamine was superior to placebo (SMD -0.82; I2 = 12%, p = 0.33 for heterogeneity).", False),
    ("Baseline MADRS scores were similar between the groups (p = 0.43).", False),
    ("MADRS improved with ketamine (p = 0.002) but not with placebo (p = 0.41).", False),
    ("Ketamine significantly reduced MADRS scores (p = 0.06 for remission).", False),
    ("Adverse events did not differ across groups (p=0·69).", True),  # the Lancet's middle-dot decimal
    ("More hallucinations with ketamine (p=0·01) than placebo (p=0·40).", False),
])
def test_only_non_significant_p_values(sentence, expected):
    from pipeline.claims.comparisons import only_non_significant
    assert only_non_significant(sentence) is expected


def test_a_middle_dot_p_value_is_a_statistic():
    from pipeline.claims.cues import STATS
    assert STATS.search("more nightmares (p=0·03)") and not STATS.search("nightmares (p=0·30)")


def test_a_mechanism_of_the_benefit_is_not_an_efficacy_finding():
    assert NOT_A_FINDING.search("Changing self-worth is one key mechanism whereby the combination exerts its "
                                "antidepressant benefit.")
    assert not NOT_A_FINDING.search("Esketamine, with a novel mechanism of action, rapidly reduced depressive "
                                    "symptoms in TRD.")


@pytest.mark.parametrize("profile,sentence,expected", [
    ("efficacy", "Estimated marginal means of MADRS scores were lower with ketamine than placebo (p < 0.001).",
     "supports"),
    ("efficacy", "Twice-weekly ketamine infusions offered no additional benefit over once-weekly infusions.", None),
    ("tolerability", "Cognitive impairment occurred before treatment completion in 4 patients.", "conflicts"),
])
def test_wordings_the_review_found(profile, sentence, expected):
    assert stance._polarity(profile, sentence)[0] == expected


@pytest.mark.parametrize("claim_id,sentence,expected", [
    ("antidepressant_efficacy", "Esketamine significantly lowered depression scores but had no effect on "
     "memory.", "supports"),
    ("antidepressant_efficacy", "Nasal ketamine reduced depressive symptoms more than placebo but did not "
     "significantly change SI ratings.", "supports"),
    ("suicidal_ideation", "Nasal ketamine reduced depressive symptoms more than placebo but did not "
     "significantly change SI ratings.", "conflicts"),
])
def test_each_clause_of_a_contrast_speaks_for_its_own_topic(claim_id, sentence, expected):
    text = ("Ketamine in major depressive disorder: a randomized placebo-controlled trial.\nMETHODS: Forty patients "
            "with major depressive disorder and suicidal ideation were randomized to ketamine or placebo. "
            f"RESULTS: {sentence}")
    fs = _assess(text)
    assert stance.article_stance(fs, claim_id) == expected


def test_literature_in_the_present_tense_and_responders_are_not_findings():
    assert NOT_A_FINDING.search("Patients who improved most by 4 h (responders) exhibited higher EEG power.")
    text = ("Psychoplastogens for depression.\nRESULTS: Imaging studies suggest that serotonin signalling is lower in "
            "depression.")
    ex = _extractor().one(text)
    assert not finding_part(ex, 1, text)


def test_a_predictor_study_speaks_on_efficacy_only_through_tested_results():
    text = ("Current suicide risk predicts treatment response to ketamine in treatment-resistant depression.\n"
            "METHODS: Seventy patients with treatment-resistant depression received ketamine infusions. RESULTS: "
            "Depressive symptoms improved after ketamine. The time effect of the ketamine infusions on depressive "
            "symptoms was significant (p < 0.001).")
    ex = _extractor().one(text)
    facts = article_facts(text, ex)
    assert facts.predictor_study
    fs = [f for f in stance.assess(text, ex, facts, load_catalogue()) if f.claim_id == "antidepressant_efficacy"]
    assert [text[f.start:f.end] for f in fs] == ["The time effect of the ketamine infusions on depressive symptoms "
                                                 "was significant (p < 0.001)."]


@pytest.mark.parametrize("sentence,expected", [
    # a moderator's null is no evidence against the drug
    ("Time had a significant main effect on QIDS scores (p < 0.001), with no significant group-by-time "
     "interaction (p = 0.71), so comorbid anxiety did not impact the antidepressant effectiveness.", "supports"),
    ("Ketamine did not improve depressive symptoms compared with placebo (p = 0.40).", "conflicts"),
    # from a review of the first version: the drug's own null beside a moderator's still conflicts
    ("Ketamine was not superior to placebo on MADRS at day 7 (p = 0.40); concomitant benzodiazepines did not alter "
     "the antidepressant effect.", "conflicts"),
    ("MADRS change did not differ from placebo (p = 0.52), and comorbid anxiety did not affect the treatment "
     "response.", "conflicts"),
    ("Ketamine was superior to midazolam for MADRS (p = 0.01), with no significant sex-by-treatment interaction.",
     "supports"),
    # the treatments a patient failed before are no cue against the drug
    ("In patients with a lack of response to at least two antidepressants, ketamine significantly reduced MADRS "
     "scores (p < 0.001).", "supports"),
    ("In patients in whom conventional antidepressants are not effective, ketamine produced a rapid response.",
     "supports"),
])
def test_a_moderators_null_is_not_the_drugs(sentence, expected):
    assert stance._polarity("efficacy", sentence)[0] == expected


def test_a_difference_between_responders_and_non_responders_is_a_predictors_result():
    assert NOT_A_FINDING.search("A pooled analysis found a significant mean difference between ketamine responders "
                                "and non-responders in baseline scores.")
    assert not NOT_A_FINDING.search("The group-by-time interaction was significant for MADRS (p = 0.01).")


def test_abstinence_from_smoking_is_no_depression_outcome():
    text = ("Esketamine for smoking cessation in depressed smokers.\nMETHODS: Smokers with major depressive disorder "
            "received esketamine or placebo. RESULTS: Eight sessions of esketamine significantly improved the "
            "continuous abstinence rates (p < 0.01).")
    assert [f for f in _assess(text) if f.claim_id == "antidepressant_efficacy"] == []


def test_what_the_drug_itself_did_is_a_finding_of_a_predictor_study():
    text = ("White matter change with esketamine: a diffusion tensor imaging study predicting response.\nMETHODS: "
            "Thirty-eight adults with major depressive disorder were given esketamine. RESULTS: Esketamine "
            "effectively reduced depression scores, anxiety and suicidal ideation over two weeks.")
    ex = _extractor().one(text)
    facts = article_facts(text, ex)
    assert facts.predictor_study
    claims = {f.claim_id for f in stance.assess(text, ex, facts, load_catalogue())}
    assert {"antidepressant_efficacy", "suicidal_ideation"} <= claims


@pytest.mark.parametrize("sentence", [
    "For responders and remitters, the largest gains came by day 2.",
    "Patient remitters showed increased connectivity that decreased following treatment.",
    "Antidepressant responders (>=50% decrease in MADRS scores) received four further open-label infusions.",
])
def test_groups_defined_by_their_response_are_no_efficacy_findings(sentence):
    assert NOT_A_FINDING.search(sentence)


def test_mood_disorders_are_a_depression_population():
    text = ("Midazolam vs saline in trials of ketamine as a rapid-acting antidepressant.\nIn this analysis of 367 "
            "patients with mood disorders, ketamine improved depression ratings.")
    assert article_facts(text, _extractor().one(text)).depression


def test_an_unstructured_abstract_second_half_is_not_background():
    text = ("Ketamine in youth: a systematic review.\nMood disorders in youth are increasing. This systematic review "
            "evaluated ketamine in youth. The PRISMA guidelines were used. Sixteen studies were identified. Studies "
            "reported immediate improvements in depression. Ketamine was well tolerated.")
    ex = _extractor().one(text)
    assert ex.roles[1] == "background" and ex.roles[5] == "results"


def test_therapeutic_effects_better_than_placebo_are_on_the_efficacy_topic():
    assert stance.GENERIC_EFFICACY.search("The therapeutic effects of ketamine at 24 h were significantly better "
                                          "than placebo.")


def test_a_comparators_tolerability_is_no_evidence_on_ketamine():
    """A sentence about another drug alone (here a perioperative analgesic) says nothing about ketamine."""
    text = ("Ketamine versus tramadol for shivering after spinal anaesthesia: a randomized trial\n"
            "RESULTS: Ketamine reduced shivering (p < 0.05). Tramadol had the best efficacy with minimal side effects.")
    sentences = {text[f.start:f.end] for f in _assess(text) if f.claim_id == "tolerability"}
    assert not any(s.startswith("Tramadol") for s in sentences)



def test_long_cue_lists_test_their_word_boundary_once():
    """re factors a `\\b` shared by every branch out of an alternation; one branch led by a lookbehind instead of
    `\\b` undoes that and makes each search of the list 3-4x slower (write `\\b(?<!cost-)effective`)."""
    from re import _constants, _parser

    from pipeline.claims import cues

    for pattern in (cues.POSITIVE, cues.TOL_POSITIVE, cues.TOL_NEGATIVE, cues.NEGATIVE, NOT_A_FINDING):
        first = _parser.parse(pattern.pattern, pattern.flags)[0]
        assert first == (_constants.AT, _constants.AT_BOUNDARY), pattern.pattern[:60]


@pytest.mark.parametrize("sentence,expected", [
    ("Hippocampal volume was greater in responders compared to non-responders.", True),
    ("Cortical thickness was greater in non responders versus responders.", True),
    ("Plasma cytokines differed between responders and non-responders at day 3.", True),
    ("Low IL-6 characterised remitters rather than responders.", True),
    ("Responders to the 0.5 mg/kg arm exhibited lower theta power.", True),
    ("We found a relationship between dissociation and later symptom change.", True),
    ("At baseline, the placebo arm had more women.", True),
    ("RESULTS: At baseline, the two arms were similar in age and severity.", True),
    ("At baseline, HAM-D was 27 in both arms and dropped to 11 with ketamine versus 22 with saline at day 1.", False),
    ("Spontaneous reports showed a lower reporting odds ratio for self-harm with esketamine (ROR 0.41).", True),
    ("There was a trend toward fewer relapses with ketamine (p = 0.07).", True),
    ("HAM-D was lower with ketamine at 24 h (p < 0.01), with a trend toward benefit at day 14.", False),
    ("Ketamine lowered HAM-D in both responders and non-responders (p < 0.01).", False),
    ("HAM-D scores fell from 29 at baseline to 12 at 4 h after ketamine (p < 0.001).", False),
    ("Remission rates were higher with ketamine than with saline (38% vs 12%).", False),
])
def test_what_sets_groups_apart_before_or_beside_treatment_is_not_an_efficacy_finding(sentence, expected):
    """Responders against non-responders, baseline differences, reporting odds ratios and a lone trend say
    nothing on whether the drug relieved depression; a baseline that goes on to a change, or a trend beside a
    significant result, is still a finding."""
    assert bool(NOT_A_FINDING.search(sentence)) is expected


@pytest.mark.parametrize("text,expected", [
    ("Intranasal esketamine in treatment-refractory OCD: an open pilot.", False),
    ("Ketamine in treatment-refractory schizophrenia.", False),
    ("Low-dose ketamine for treatment-resistant patients with chronic pain.", False),
    ("Ketamine in treatment-refractory neuropathic pain.", False),
    ("Ketamine in treatment-resistant bipolar depression.", True),
    ("Ketamine for treatment-resistant patients with major depression.", True),
    ("Ketamine in treatment-resistant PTSD and depression.", True),
])
def test_treatment_resistance_of_another_disorder_is_no_trd_population(text, expected):
    assert ("trd" in design.populations(text)) is expected


@pytest.mark.parametrize("sentence,expected", [
    ("Side effects were commoner on ketamine than on saline, and there were no serious adverse events.",
     "supports"),
    ("The infusion brought a significant increase in overall psychopathology, which was transient.", "conflicts"),
    ("Adverse events were more frequent with ketamine than with saline.", "conflicts"),
    ("Three serious adverse events occurred with ketamine, and no discontinuations were recorded.", "conflicts"),
    ("Ketamine increased the risk of adverse events (RR 1.8) but not of discontinuation.", "conflicts"),
])
def test_harms_that_came_with_no_serious_event_speak_for_tolerability(sentence, expected):
    """More adverse events, none serious, is a tolerable drug; a serious harm or a harm beside fewer dropouts is
    not."""
    assert stance._polarity("tolerability", sentence)[0] == expected


def test_what_the_present_work_examines_is_its_aim():
    from pipeline.claims.findings import AGENDA

    assert AGENDA.search("This paper examines how ketamine might act on depressive symptoms.")
    assert AGENDA.search("The present review investigates how esketamine relieves low mood.")


def test_only_a_capital_or_is_an_odds_ratio():
    """Case-insensitively every "or" reported statistics, and with it any unlabelled sentence was a finding."""
    from pipeline.claims.findings import STAT_REPORT

    assert not STAT_REPORT.search("Future trials of efficacy or safety must account for these differences.")
    assert STAT_REPORT.search("Remission was more likely with esketamine (OR 2.4, 1.5 to 3.9).")


def test_a_reviews_pooled_report_is_a_finding_in_an_unlabelled_abstract():
    from pipeline.claims.findings import REPORTED

    assert REPORTED.search("All included studies reported less anhedonia after ketamine or esketamine.")
    assert REPORTED.search("Seven of the trials found a faster response with ketamine.")
    assert not REPORTED.search("Studies on anhedonia after ketamine are scarce.")
    assert not REPORTED.search("Two studies reported on ketamine misuse.")
    assert not REPORTED.search("Of the 1,024 studies found, 12 were included.")
    assert REPORTED.search("There were no cases of psychosis during the trial.")


def test_a_lowercase_in_is_no_second_ketamine_form():
    from pipeline.claims.comparisons import is_head_to_head

    assert not is_head_to_head("Response was faster in ketamine than ketamine augmentation arms.")
    assert is_head_to_head("IN ketamine acted faster than IV ketamine.")


def test_a_background_sentence_with_significance_words_is_no_finding_without_test_statistics():
    text = ("Oral ketamine in depression.\nDepression is common. Treatments act slowly. A significant antidepressant "
            "effect of ketamine remains to be shown for the oral route. We gave 40 patients oral ketamine daily for "
            "two weeks. Scores were rated weekly. Scores fell from 30 to 15 (p < 0.001). Mood improved in most. "
            "Oral ketamine was effective.")
    ex = _extractor().one(text)
    i = next(k for k, (s, e) in enumerate(ex.sentences) if text[s:e].startswith("A significant"))
    assert ex.roles[i] == "background"
    assert not finding_part(ex, i, text)
    assert finding_part(ex, i + 3, text)


def test_a_negated_increase_of_a_marker_is_no_plasticity_support():
    topic = next(c for c in load_catalogue().claims if c.id == "neuroplasticity").topic
    assert stance._polarity("plasticity", "There was no evidence that ketamine elevates BDNF (p = 0.64).",
                            topic)[0] == "conflicts"
    assert stance._polarity("plasticity", "Ketamine elevated BDNF (p = 0.01).", topic)[0] == "supports"
    assert stance._polarity("plasticity", "Ketamine but not saline increased serum BDNF levels (p = 0.01).",
                            topic)[0] == "supports"  # a contrast of arms, not a negated increase


def test_improvement_that_is_not_early_speaks_against_rapid_onset():
    fs = _assess("Ketamine in depression\nRESULTS: Depressive symptoms improved with ketamine, but not within the "
                 "first 24 h (p < 0.05).")
    assert stance.article_stance(fs, "rapid_onset") == "conflicts"
    fs = _assess("Ketamine in depression\nRESULTS: Depressive symptoms improved with ketamine within 24 h "
                 "(p < 0.05).")
    assert stance.article_stance(fs, "rapid_onset") == "supports"
    fs = _assess("Ketamine in depression\nRESULTS: Depressive symptoms improved significantly at 4 h but not at "
                 "24 h (p < 0.05).")  # early benefit that did not last: rapid onset all the same
    assert stance.article_stance(fs, "rapid_onset") == "supports"


def test_a_report_that_presents_its_results_is_an_aim_not_a_finding():
    fs = _assess("Ketamine in depression\nRESULTS: This report presents the effectiveness and safety of "
                 "intravenous ketamine in treatment-resistant depression. MADRS scores fell from 32 to 18 "
                 "(p < 0.001).")
    assert fs and all(f.sent_index != 1 for f in fs)


def test_a_marker_result_is_no_efficacy_evidence():
    marker = _assess("Ketamine in depression: an imaging study\nRESULTS: In patients with treatment-resistant "
                     "depression, ketamine improved FA in the cingulum (p < 0.05).")
    assert stance.article_stance(marker, "antidepressant_efficacy") == "none"
    clinical = _assess("Ketamine in depression: an imaging study\nRESULTS: Ketamine decreased FA and depressive "
                       "symptoms (p < 0.05).")
    assert stance.article_stance(clinical, "antidepressant_efficacy") == "supports"


@pytest.mark.parametrize("text,suicidal", [
    ("Patients with active suicidal ideation received ketamine.", True),
    ("Veterans at high risk for suicide were enrolled.", True), ("Inpatients after a suicide attempt.", True),
    ("We did not identify an increased risk of suicidality.", False),
    ("Suicidal ideation was assessed with the C-SSRS.", False),
])
def test_the_suicidal_population_is_who_was_enrolled_not_what_was_measured(text, suicidal):
    assert ("suicidal" in design.populations(text)) is suicidal


def test_report_marks_overlapping_entities_once():
    import re

    from pipeline.report import _highlight

    row = {"start": 100, "end": 140, "sentence": "MADRS fell 14 days post-infusion here."}
    mentions = [{"start": 111, "end": 132, "label": "TIMEPOINT"}, {"start": 124, "end": 132, "label": "ROUTE"},
                {"start": 100, "end": 105, "label": "OUTCOME"}, {"start": 10, "end": 20, "label": "DRUG"}]
    html = _highlight(row, mentions)
    assert html.count("infusion") == 1 and html.count("<mark") == 2
    assert re.sub(r"<[^>]+>|\s+", "", html).replace("TIMEPOINT", "").replace("OUTCOME", "") == \
        row["sentence"].replace(" ", "")


def test_report_marks_negated_and_hedged_entities_as_such():
    from pipeline.report import _highlight

    row = {"start": 0, "end": 60, "sentence": "No psychosis occurred; nausea may follow; dizziness was seen."}
    mentions = [{"start": 3, "end": 12, "label": "ADVERSE_EVENT", "negated": True, "hedged": False},
                {"start": 23, "end": 29, "label": "ADVERSE_EVENT", "negated": False, "hedged": True},
                {"start": 42, "end": 51, "label": "ADVERSE_EVENT", "negated": False, "hedged": False},
                {"start": 30, "end": 33, "label": "OUTCOME", "negated": True, "hedged": True}]
    html = _highlight(row, mentions)
    assert '<mark class="entity e-OUTCOME" data-label="OUTCOME">may</mark>' in html  # only harms are marked so
    assert '<mark class="entity e-ADVERSE_EVENT negated" data-label="ADVERSE_EVENT negated">psychosis</mark>' in html
    assert '<mark class="entity e-ADVERSE_EVENT hedged" data-label="ADVERSE_EVENT hedged">nausea</mark>' in html
    assert '<mark class="entity e-ADVERSE_EVENT" data-label="ADVERSE_EVENT">dizziness</mark>' in html


@pytest.mark.parametrize("text,significant", [
    ("(p = 0.059)", False), ("p = 0.05)", True), ("p < 0.05.", True), ("p = 0.012", True), ("p = 0.06", False),
    ("P < .05", True),
])
def test_a_p_value_counts_as_significant_only_up_to_five_percent(text, significant):
    from pipeline.claims.cues import STATS

    assert bool(STATS.search(text)) == significant


def test_rct_efficacy_words_are_whole_words():
    from pipeline.claims.stance import RCT_EFFICACY

    assert not RCT_EFFICACY.search("Remifentanil corresponds to the protocol.")
    assert RCT_EFFICACY.search("Responders and remission were more frequent.")


def test_a_failed_run_keeps_the_reports_changes_and_the_report_reads_one_snapshot(tmp_path, monkeypatch):
    from pathlib import Path

    from pipeline import report
    from pipeline.runs import Run, publish_failed

    run_files("sample", tmp_path, date(2025, 1, 1))
    md_before, _ = report.build(tmp_path)
    assert "## First run" in md_before and "## Changes since the previous run" not in md_before
    publish_failed(Run("entrez", run_id="run-x"), Settings(out=tmp_path), RuntimeError("boom"))
    read, real = [], report.pq.read_table
    monkeypatch.setattr(report.pq, "read_table", lambda path, **kw: read.append(Path(path)) or real(path, **kw))
    md_after, _ = report.build(tmp_path)
    assert "## First run" in md_after  # the failed run changed nothing: the completed run's changes stand
    # every table from the snapshot `current` named when the report began, not through the moving links
    assert len(read) >= 5 and {p.parent for p in read} == {store.current_dir(tmp_path)}


def test_a_header_left_in_running_text_starts_a_sentence_whose_section_the_next_ones_keep():
    from pipeline.claims.evidence import evidence_rows
    from pipeline.nlp.extract import Item

    text = ("Esketamine for depression\nMETHODS: Sixty patients with major depressive disorder were randomized to "
            "esketamine or placebo and outcome measures included the MADRS RESULTS: Esketamine lowered MADRS "
            "scores at 24 h (p < 0.01). MADRS response rates at "
            "day 7 were higher with esketamine than placebo (48% vs 20%, p = 0.01).")
    ex = _extractor().one(text)
    rows = evidence_rows(Item("d", "1", 1, text), ex, load_catalogue(), article_facts(text, ex), None)
    first = [r for r in rows if r["sentence"] == "RESULTS: Esketamine lowered MADRS scores at 24 h (p < 0.01)."]
    later = [r for r in rows if r["sentence"].startswith("MADRS response")]
    assert first and later and all(r["section"] == "RESULTS" and r["role"] == "results" for r in first + later)
    assert ex.sections[later[0]["sent_index"]] == "RESULTS"  # the entity rows read the same section
    assert text[slice(*ex.sentences[1])].endswith("included the MADRS")


def test_how_raters_were_blinded_is_method_not_a_tolerability_finding():
    from pipeline.claims.findings import is_finding

    text = ("Comparability of remote and site-based ratings of esketamine response\nPatients with depression often "
            "need rapid relief. This pilot study compared site-based MADRS scores to remote ratings in patients "
            "receiving esketamine or placebo. Patients were recorded during interviews at baseline and 2 h post-dose. "
            "Independent assessors rated each video and were blinded to the arm and to all reported adverse events, "
            "including any transient dissociative symptoms. Four of the 7 esketamine-assigned patients responded at "
            "2 h post-dose. Three esketamine-treated patients experienced transient dissociative symptoms. Remote "
            "ratings were comparable to site-based ratings.")
    ex = _extractor().one(text)
    found = {text[slice(*ex.sentences[i])][:20]: is_finding(ex, i, text[slice(*ex.sentences[i])])
             for i in range(len(ex.sentences))}
    assert found["Independent assessor"] is False and found["Three esketamine-tre"] is True


@pytest.mark.parametrize("body", [
    "METHODS: Sixty adults with major depressive disorder were randomized. RESULTS: Ketamine was superior to "
    "placebo. Primary outcome: Ketamine gave a rapid antidepressant response compared with placebo at 24 hours "
    "(p < 0.01).",  # a sub-label under RESULTS
    "BACKGROUND: Depression is common. DESIGN, SETTING, AND PARTICIPANTS: A trial of sixty adults MEASUREMENTS AND "
    "MAIN RESULTS: Ketamine gave a rapid antidepressant response compared with placebo at 24 hours (p < 0.01).",
])
def test_results_under_a_sub_label_or_a_combined_label_are_findings(body):
    text = f"Ketamine for major depressive disorder: a randomized trial\n{body}"
    fs = _assess(text)
    assert stance.article_stance(fs, "rapid_onset") == "supports"
    assert any(f.claim_id == "rapid_onset" and "24 hours" in text[f.start:f.end] for f in fs)


def test_a_measurements_section_states_outcomes_not_findings():
    from pipeline.claims.findings import is_finding

    text = ("Ketamine for depression\nBACKGROUND: Depression is frequent. DESIGN: A trial. MEASUREMENTS: The primary "
            "outcome was the share of patients with a MADRS reduction of 50 % or more by day 3.")
    ex = _extractor().one(text)
    assert ex.sections[3] == "MEASUREMENTS"
    assert not is_finding(ex, 3, text[slice(*ex.sentences[3])])


def test_spine_surgery_is_no_plasticity_topic():
    cat = {c.id: c for c in load_catalogue().claims}
    topics = cat["neuroplasticity"].topic
    assert not any(t.search("Esketamine reduced postoperative depression after lumbar spine surgery") for t in topics)
    assert any(t.search("Ketamine restored spine density in the prefrontal cortex") for t in topics)


@pytest.mark.parametrize("text,expected", [
    ("Ketamine and ECT\nMETHODS: This retrospective chart review compared ketamine and ECT. Randomized comparative "
     "trials are required to understand these modalities.", "cohort"),
    ("Open-label oral ketamine\nBACKGROUND: We previously ran a double-blind randomised crossover study of ketamine. "
     "METHODS: Patients took oral ketamine for eight weeks.", "cohort"),  # open-label
    ("Ketamine in TRD\nSixty patients were randomized to ketamine or midazolam; future trials should be larger.",
     "rct"),
    ("Esketamine in late-life depression: a randomized controlled trial\nBACKGROUND: Previous studies have shown "
     "rapid antidepressant effects of ketamine. METHODS: Patients received esketamine.", "rct"),  # the title's own
    ("Ibogaine in alcohol use disorder: a randomized, double-blind, placebo-controlled trial\nAnimal work and case "
     "series suggest a single dose cuts drinking. Patients were randomized to ibogaine or placebo.", "rct"),
    # "non-randomized" is no randomisation; a trial the results still need is not this study
    ("Ketamine clinic outcomes\nWe analysed the charts of 40 patients. Limitations: a small, non-randomized, "
     "retrospective sample.", "cohort"),
    ("Ketamine in a day clinic\nIn this open-label study mood improved. The gains need to be confirmed in larger "
     "double-blind trials.", "cohort"),
    ("Ketamine in primary care\nPractices were cluster-randomized to ketamine or usual care.", "rct"),
    ("Ketamine clinic\nA small, non\u2010randomized retrospective sample of 30 outpatients.", "cohort"),
    ("Ketamine vs saline\nIn a larger double-blind placebo-controlled crossover trial, 60 patients received "
     "ketamine or saline.", "rct"),  # this study's own design, not a call for a larger one
    ("Ketamine in a day clinic\nIn this open-label study mood improved. These findings merit replication in "
     "larger double-blind placebo-controlled trials.", "cohort"),
])
def test_a_call_for_future_trials_or_an_earlier_trial_does_not_make_a_study_randomised(text, expected):
    assert design.classify(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("Esketamine and delirium\nPatients were divided into two groups (n = 40 each) by the random number table "
     "method.", "rct"),
    ("Ketamine vs ECT\nPatients were randomly divided into two groups: ketamine or ECT.", "rct"),
    ("Ketamine in the field\nMETHODS: Ambulance service records from three regions were searched for ketamine "
     "use.", "cohort"),  # a chart review, not a literature search
    ("Ketamine for depression\nMETHODS: PubMed, Embase and PsycINFO were searched up to 2023.", "systematic_review"),
    # a pooled analysis of a group's own trials is randomised data, not a review of the literature
    ("LSD effects: a pooled analysis\nWe pooled data of four double-blind, randomized, placebo-controlled studies "
     "in healthy subjects.", "rct"),
])
def test_a_random_number_table_randomises_and_searched_records_are_no_literature_search(text, expected):
    assert design.classify(text) == expected


def test_a_study_that_was_conducted_is_methods():
    from pipeline.nlp.context import sentence_roles

    sents = ["Title", "Eating disorders are common.", "This paper assesses the safety of ketamine.",
             "A retrospective analysis was conducted on 97 patients in intensive outpatient care.",
             "Data on safety were analyzed.", "Ketamine was safe."]
    assert sentence_roles(sents, [None] * len(sents))[3] == "methods"


def test_a_procedure_the_participants_underwent_is_methods_unless_a_result_is_reported():
    from pipeline.nlp.context import sentence_roles

    sents = ["Title", "Ketamine acts on glutamate.", "Depression is common and disabling.",
             "Every participant underwent MRI scanning before and two days after the infusion.",
             "Patients who underwent ketamine infusions improved significantly (p < 0.01).",
             "Connectivity rose.", "Ketamine changes connectivity."]
    assert sentence_roles(sents, [None] * len(sents))[3:5] == ["methods", "results"]
    # the sentence after it stays in the methods unless a result came before
    sents = ["Title", "Ketamine acts on glutamate.", "Depression is common and disabling.", "Forty adults enrolled.",
             "All participants underwent scanning at baseline.", "Two follow-ups were held at 1 and 6 months.",
             "Mood improved.", "Ketamine helps."]
    assert sentence_roles(sents, [None] * len(sents))[4:6] == ["methods", "methods"]


def test_an_observation_in_the_first_person_or_as_an_event_is_a_result():
    from pipeline.nlp.context import sentence_roles

    sents = ["Title", "Suicide treatments take weeks to work.", "This open-label trial tested esketamine.",
             "We noted a rapid and lasting effect of esketamine on suicidality in this case.",
             "There was an immediate drop in suicidality 24 h after the first dose.",
             "We previously found that ketamine reduces suicidal thoughts.", "More trials are needed.",
             "Esketamine may help."]
    assert sentence_roles(sents, [None] * len(sents))[3:5] == ["results", "results"]
    for earlier in ("We previously found that ketamine reduces suicidal thoughts.",
                    "Previously, we found that ketamine reduces suicidal thoughts.",
                    "In a prior study, we observed that ketamine reduces suicidal thoughts."):
        sents[3] = earlier
        assert sentence_roles(sents, [None] * len(sents))[3] == "background"  # earlier work stays background


def test_a_reduction_the_drug_counteracts_is_an_increase_and_cytokines_are_markers():
    from pipeline.claims.stance import MARKER_RESULT

    cat = {c.id: c for c in load_catalogue().claims}
    sentence = "Ketamine counteracted the stress-induced reductions in synaptic protein levels in mice."
    assert stance._polarity("plasticity", sentence, cat["neuroplasticity"].topic)[0] == "supports"
    assert MARKER_RESULT.search("Ketamine lowered the IL-6 to IL-10 ratio.")
    # a reduction the drug itself causes stays a decrease: a blocker, or a reversal of something else
    for sentence in ("The NMDA receptor blocker ketamine reduced dendritic spine density.",
                     "Ketamine reversed depressive-like behavior but reduced BDNF expression."):
        assert stance._polarity("plasticity", sentence, cat["neuroplasticity"].topic)[0] == "conflicts"
    # an inflammation marker named as a moderator does not make an efficacy result a marker result
    text = ("Ketamine for depression\nRESULTS: Ketamine had significant antidepressant effects compared with placebo, "
            "and the effect was greatest in patients with high baseline CRP (p = 0.01).")
    assert "antidepressant_efficacy" in {f.claim_id for f in _assess(text)}


def test_a_marker_takes_the_direction_of_its_own_clause():
    from pipeline.claims.stance import PLASTICITY_DOWN, PLASTICITY_UP, _nearest

    topic = {c.id: c for c in load_catalogue().claims}["neuroplasticity"].topic
    s = ("Low doses of esketamine can increase serum levels of 5-HT, DA, BDNF, and in the short term, decrease EPDS.")
    assert _nearest(s, topic, PLASTICITY_UP, PLASTICITY_DOWN) == ([], ["increase"])
    assert _nearest("Ketamine decreased BDNF levels.", topic, PLASTICITY_UP, PLASTICITY_DOWN) == (["decreased"], [])


@pytest.mark.parametrize("sentence", [
    "RESULTS: In all, 111 clinics (31% response rate) responded to the survey request.",
    "RESULTS: Each 4-point PSS increase lowered remission odds by half (OR = 0.50, 95 % CI: 0.21-0.88, p = 0.02).",
])
def test_survey_replies_and_per_unit_predictors_are_no_efficacy_evidence(sentence):
    text = ("Ketamine clinics and depression\nBACKGROUND: Ketamine treats treatment-resistant depression. METHODS: "
            "We surveyed clinics that give ketamine to patients with depression. " + sentence)
    assert not [f for f in _assess(text) if f.claim_id == "antidepressant_efficacy"
                and text[f.start:f.end].startswith("RESULTS")]


@pytest.mark.parametrize("title,sentence", [
    ("Depressive symptoms in current ketamine users",  # ketamine users: no treatment, no efficacy evidence
     "RESULTS: Depressive symptoms were significantly lower in current ketamine users (p < .001)."),
    ("A novel study design to evaluate ketamine for major depressive disorder",  # a design paper has no results
     "Conclusions: This design lets the rapid reduction of depressive symptoms be shown."),
    ("Sex differences in ketamine's effects for depression: a systematic review",  # a moderator, not efficacy
     "RESULTS: Most studies (81.5%) do not support significant sex differences in treatment response."),
    ("Control group outcomes in trials of antidepressants and esketamine: a pooled look",
     "RESULTS: Response rates in esketamine trials were 19 points higher (p < 0.001)."),  # placebo's
])
def test_no_efficacy_evidence_from_users_design_papers_or_moderators(title, sentence):
    text = (f"{title}\nBACKGROUND: Ketamine is studied in patients with major depressive disorder and depression. "
            f"METHODS: We studied adults with depression. {sentence}")
    assert not [f for f in _assess(text) if f.claim_id == "antidepressant_efficacy"]


def test_a_closing_clause_on_sex_differences_keeps_the_finding_and_treatment_use_is_no_recreational_use():
    from pipeline.claims.facts import RECREATIONAL

    text = ("Esketamine for depression\nBACKGROUND: Patients with major depressive disorder and depression. RESULTS: "
            "Esketamine significantly reduced MADRS scores compared with placebo at day 28 (p < 0.001), with no sex "
            "differences in response.")
    assert [f.stance for f in _assess(text) if f.claim_id == "antidepressant_efficacy"] == ["supports"]
    assert not RECREATIONAL.search("Safety and efficacy of frequent ketamine use in treatment-resistant depression")
    assert RECREATIONAL.search("Effects of chronic ketamine use on memory and executive cognition")


@pytest.mark.parametrize("sentence,kept", [
    ("RESULTS: Having the anhedonic phenotype was associated with lower odds of remission (OR = 0.45, p = 0.02).",
     False),  # a predictor of remission
    ("RESULTS: Ketamine was associated with significantly increased odds of remission (OR 2.1, p = 0.01).",
     True),  # the drug's own association
])
def test_odds_of_remission_speak_on_efficacy_only_when_the_drug_is_their_subject(sentence, kept):
    text = ("Ketamine in treatment-resistant depression\\nBACKGROUND: Patients with major depressive disorder. "
            "METHODS: We studied adults with depression given ketamine. " + sentence)
    found = [f for f in _assess(text) if f.claim_id == "antidepressant_efficacy"]
    assert bool(found) is kept


@pytest.mark.parametrize("sentence,expected", [
    # the drug losing to an active treatment is no efficacy evidence ("superior" read as support)
    ("The network analysis ranked ECT superior to ketamine for depressive severity.", None),
    ("Among inpatients, ketamine was inferior to ECT for remission (RD -0.12; p = 0.02).", None),
    ("Electroconvulsive therapy produced greater and more durable mood gains relative to IV ketamine.", None),
    ("Response rates were higher with ECT than with ketamine.", None),
    # a comparison of anything else (harms, baseline) leaves the sentence's own efficacy result
    ("ECT had more adverse events than ketamine, while ketamine produced greater MADRS reductions (p = 0.02).",
     "supports"),
    ("ECT caused more adverse effects than ketamine, while ketamine produced greater MADRS reductions (p = 0.02).",
     "supports"),
    ("ECT was more efficacious than ketamine for depressive symptoms.", None),
    ("ECT patients had higher baseline MADRS scores than ketamine patients; ketamine reduced MADRS (p < 0.01).",
     "supports"),
    ("Ketamine produced greater reductions in MADRS than ECT (p = 0.01).", "supports"),
    ("Ketamine was superior to placebo in reducing MADRS scores (p < 0.01).", "supports"),
    # a negative cue about the other comparisons says nothing against the one reported
    ("Both ECT and ketamine lowered HAM-D scores versus placebo; other comparisons not significant.", "supports"),
    ("Ketamine did not improve HDRS versus placebo.", "conflicts"),
    ("Compared with other antidepressant treatments ketamine showed no significant benefit over placebo.",
     "conflicts"),  # "other treatments" is not the subject of the negative cue
    # groups that all had the drug: subgroups, monotherapy against add-on, repeated against single infusions
    ("Patients with melancholic features had significantly lower MADRS scores compared to those without "
     "melancholic features on day 3.", None),
    ("Ketamine monotherapy showed a significantly greater reduction in MADRS than the adjunctive group.", None),
    ("Repeated infusions improved the antidepressant effect, compared with a single infusion (p < 0.01).", None),
    ("We saw no statistical difference in efficacy, or in how long it lasted, between single and serial ketamine "
     "administration.", None),  # two schedules of the drug (a report audit: it was cited as support)
    ("Depressive symptoms improved significantly between one and two hours after each ketamine infusion.",
     "supports"),  # a time range, not two schedules (an independent review)
    ("Patients with melancholic features improved more on ketamine than on placebo (p < 0.01).", "supports"),
    ("Ketamine, given as six infusions, was inferior to ECT for depressive symptoms (p < 0.01).", None),
    ("Ketamine did not reduce symptoms compared with patients who did not receive ketamine (p = 0.62).", "conflicts"),
    ("Ketamine significantly improved MADRS compared with patients who received usual care (p < 0.01).", "supports"),
    ("Ketamine was effective both as monotherapy and as an adjunct to antidepressants (p < 0.001).", "supports"),
    ("Adjunctive ketamine did not improve depressive symptoms compared with ECT monotherapy.", "conflicts"),
    ("Ketamine significantly improved MADRS versus placebo (p < 0.001); other secondary outcomes showed no "
     "significant differences.", "supports"),
])
def test_losing_to_an_active_treatment_and_other_comparisons(sentence, expected):
    assert stance._polarity("efficacy", sentence)[0] == expected


@pytest.mark.parametrize("sentence,claim,expected", [
    # from an audit of the corpus rows: negations the cues did not know read as support ("effective", "efficacy")
    ("These data indicate that a fixed low dose of esketamine is not effective in TRD.", "antidepressant_efficacy",
     "conflicts"),
    ("Our meta-analysis suggests a lack of clinical efficacy of ketamine in depression.", "antidepressant_efficacy",
     "conflicts"),
    # an effect absent against one target speaks against that target only
    ("Esketamine's efficacy as an add-on is modest in depression and is absent against suicidality itself.",
     "suicidal_ideation", "conflicts"),
    ("Esketamine's efficacy as an add-on is modest in depression and is absent against suicidality itself.",
     "antidepressant_efficacy", "supports"),
    ("Ketamine reduced depressive symptoms after two ineffective antidepressant trials (p < 0.01).",
     "antidepressant_efficacy", "supports"),  # the treatments failed before are no cue against the drug
    ("After ketamine, suicidal ideation was absent in 54% of suicidal patients (p < 0.01).", "suicidal_ideation",
     "supports"),  # a symptom absent in patients is a benefit
    # a report audit: "neither ... nor" across the decimals of the statistics in between was read as a benefit
    ("Neither esketamine 56 mg (difference -1.8, 95% CI -4.6 to 1.0; p = 0.21) nor esketamine 84 mg (difference "
     "-2.4, 95% CI -5.2 to 0.4; p = 0.09) separated significantly from placebo plus antidepressant.",
     "antidepressant_efficacy", "conflicts"),
    ("At day 7, however, neither the primary outcome (SSI, p = 0.22) nor the MADRS (p = 0.35) differed "
     "significantly between groups.", "suicidal_ideation", "conflicts"),
])
def test_negations_of_efficacy_and_an_effect_absent_against_one_target(sentence, claim, expected):
    c = load_catalogue().get(claim)
    assert stance._polarity(c.profile, sentence, c.topic)[0] == expected


@pytest.mark.parametrize("sentence", [
    # from an audit of the corpus rows: what a paper does or others found, read as its own finding
    "CONCLUSIONS: Ours is the first trial to give dose-response data on esketamine spray.",
    "CONCLUSIONS: It introduces an innovative approach to ketamine, significantly advancing treatment of depression.",
    "RESULTS: Several randomized clinical trials have shown it to be effective against depressive symptoms.",
    "RESULTS: Treatment modalities including ketamine were examined to determine their antidepressant effects.",
    "RESULTS: To address depression, a team was charged with developing a ketamine program with improvement cycles.",
])
def test_what_a_paper_does_or_others_found_is_no_finding(sentence):
    """(Our own pooled trials are not others': "Our meta-analysis of multiple randomized trials has shown ..."
    stays a finding, see the test below.)"""
    text = ("Ketamine in depression\nMETHODS: Adults with major depressive disorder received ketamine. " + sentence)
    assert [f for f in _assess(text) if f.claim_id == "antidepressant_efficacy"] == []


def test_our_meta_analysis_of_multiple_trials_is_our_finding():
    text = ("Ketamine in depression: a meta-analysis\nMETHODS: We pooled placebo-controlled trials in major "
            "depressive disorder. RESULTS: Our meta-analysis of multiple randomized placebo-controlled trials has "
            "shown that ketamine significantly reduces depressive symptoms (SMD -0.8, p < 0.001).")
    assert [f for f in _assess(text) if f.claim_id == "antidepressant_efficacy"]


def test_a_paper_presenting_a_review_is_a_narrative_review():
    from pipeline.claims.design import NARRATIVE

    assert NARRATIVE.search("Here we present a review of drugs that modulate glutamate.")
    assert not NARRATIVE.search("We present a systematic review and meta-analysis of ketamine trials.")
    assert not NARRATIVE.search("Here we present an overview of safety data from five randomized trials.")


def test_patients_no_longer_in_remission_are_no_remission_cue():
    from pipeline.claims.cues import POSITIVE

    assert [m.group() for m in POSITIVE.finditer("For patients no longer in remission, dosing changed.")] == []
    assert POSITIVE.search("Most patients were in remission at week 4.")


def test_the_limitations_of_a_study_are_no_finding():
    text = ("Ketamine for treatment-resistant depression in routine care\nMETHODS: Adults with TRD were given "
            "ketamine. RESULTS: Depressive symptoms improved significantly (p < 0.001). Our limitations included "
            "the lack of any control group, so conclusions on efficacy need caution.")
    sentences = {text[f.start:f.end] for f in _assess(text) if f.claim_id == "antidepressant_efficacy"}
    assert sentences == {"RESULTS: Depressive symptoms improved significantly (p < 0.001)."}


@pytest.mark.parametrize("result", [
    "The MADRS suicidal thoughts item fell significantly more with esketamine than placebo at 4 hours (p = 0.01).",
    "Suicidal ideation (MADRS item 10) decreased significantly from baseline to 24 hours (p = 0.003).",
])
def test_the_madrs_suicide_item_is_suicidality_not_depression(result):
    from pipeline.claims.cues import DEPRESSION_WORDS

    assert DEPRESSION_WORDS.search("MADRS suicide item and total scores fell")  # the total is depression's
    text = ("Esketamine for suicidal depression\nMETHODS: Adults with major depressive disorder and suicidal ideation "
            "received esketamine or placebo. RESULTS: " + result)
    claims = {f.claim_id for f in _assess(text)}
    assert "suicidal_ideation" in claims and not claims & {"antidepressant_efficacy", "rapid_onset"}


def test_an_antisuicidal_effect_is_no_antidepressant_finding():
    text = ("Ketamine infusions in treatment-resistant bipolar depression\nMETHODS: Patients with depression received "
            "six ketamine infusions; MADRS was rated. RESULTS: A marked antisuicidal effect was seen among "
            "responders after the sixth infusion.")
    claims = {f.claim_id for f in _assess(text)}
    assert "suicidal_ideation" in claims and "antidepressant_efficacy" not in claims


def test_a_trailing_aside_does_not_cancel_a_controlled_result():
    text = ("Ketamine for suicidal depression\nMETHODS: Patients with depression were randomized to ketamine or "
            "midazolam. RESULTS: Improvement in the mood-scale depression score was greater at day 2 for ketamine "
            "than for midazolam (estimate=6.1, 95% CI=1.2, 11.0), and this effect mediated 30% of the change in "
            "suicidal ideation.")
    found = {(f.claim_id, f.stance) for f in _assess(text)}
    assert ("antidepressant_efficacy", "supports") in found
    assert not any(c == "suicidal_ideation" for c, _ in found)  # the aside's outcome is no result of its own


def test_a_finding_over_a_list_of_times_records_its_earliest_time():
    text = RCT.replace("at 24 h (p < 0.001)", "at 2, 24 and 72 hours (p < 0.001)")
    rapid = [f for f in _assess(text) if f.claim_id == "rapid_onset"]
    # the list's hours are its last time (72 h), but the sentence's earliest time is 2 h, and it makes it rapid
    assert [f.timepoint_hours for f in rapid] == [2]


@pytest.mark.parametrize("text,n", [
    # the studies audit: arms split by a semicolon in brackets, a total before its breakdown, numbers no people
    ("Patients were randomised (ketamine, n = 87; midazolam, n = 87) to one infusion.", 174),
    ("Participants (N=220) were randomized to CM (n=126) or monitoring (n=94).", 220),
    ("Intranasal ketamine 25 mg in migraine patients reduced aura. We studied 8 pediatric patients.", 8),
    ("Depression affects nearly one billion individuals. We enrolled 40 adults.", 40),
    ("Esketamine was given three times in MDD patients.", None),
    ("In total, 11 encounters were recorded in 8 patients.", 8),
    ("GLP-1 RA users were compared with nonusers.", None),
])
def test_sample_size_counts_people_not_doses_times_or_encounters(text, n):
    assert sample_size(f"Title\n{text}") == n


@pytest.mark.parametrize("text,populations", [
    ("Patients with bipolar depression received ketamine.", ["bipolar"]),
    ("Women undergoing caesarean section received esketamine to prevent postpartum depression.", ["perinatal"]),
    ("Ketamine trials in non-pregnant adult patients.", []),
    ("Unipolar depression was compared in the review.", ["mdd"]),
])
def test_bipolar_and_perinatal_populations(text, populations):
    assert design.populations(text) == populations


def test_a_population_named_only_as_an_exclusion_is_not_studied():
    text = ("Ketamine for depression: a trial.\nMETHODS: Adults with major depressive disorder were enrolled. "
            "Patients with bipolar disorder were excluded.")
    ex = _extractor().one(text)
    assert article_facts(text, ex).populations == ["mdd"]


@pytest.mark.parametrize("results,populations", [
    ("Nineteen studies recruited only patients with TRD.", ["mdd"]),  # some of the review's studies
    ("Healthy volunteers were enrolled in two trials, and one included patients with treatment-resistant depression.",
     ["mdd"]),
    ("A large part of them enrolled treatment-resistant patients (n = 11 studies).", ["mdd"]),
    ("All patients had treatment-resistant depression.", ["trd", "mdd"]),  # the review's own population
    ("Nine RCTs involving 612 patients with treatment-resistant depression were included.", ["trd", "mdd"]),
])
def test_a_population_of_some_included_studies_is_not_the_reviews(results, populations):
    text = ("Ketamine for major depressive disorder: a systematic review.\nMETHODS: We searched databases for "
            "trials in major depressive disorder. RESULTS: " + results)
    ex = _extractor().one(text)
    assert article_facts(text, ex).populations == populations


@pytest.mark.parametrize("text,suicidal", [
    ("Data from a trial in 38 suicidal, depressed participants were analysed.", True),
    ("Adults with TRD and suicidal ideation (SI) were randomised.", True),
    ("Adults in a depressive episode with active suicidality were enrolled.", True),
    ("Most participants had significant suicidal ideation at baseline.", True),
    ("Controlling for baseline suicidality, ketamine reduced depression.", False),  # a covariate
    ("Suicidal ideation was assessed with the C-SSRS.", False),  # an outcome
])
def test_who_was_enrolled_as_suicidal(text, suicidal):
    assert ("suicidal" in design.populations(text)) is suicidal


@pytest.mark.parametrize("text,review", [
    # a review the abstract cites is not its design; its own review words are
    ("Ketamine and delirium.\nSystematic reviews of trials have concluded that ketamine is safe. We conducted a "
     "retrospective cohort study of 2,000 patients.", False),
    ("EEG and ketamine.\nIn a randomized trial, a small-scale meta-analysis showed a pooled difference.", False),
    ("Ketamine for depression.\nWe searched PubMed and ClinicalTrials.gov for a systematic review of all published "
     'trials.', True),
    ("Ketamine for depression.\nPrevious meta-analyses were mixed. This meta-analysis pooled 12 trials.", True),
])
def test_a_cited_review_is_not_the_abstracts_design(text, review):
    assert design.is_systematic_review(text) is review


@pytest.mark.parametrize("text,expected", [
    # people followed without a design word are a cohort, not "other"
    ("Ketamine and psychosis.\nWe enrolled 64 treatment-seeking ketamine-dependent patients and measured NfL.",
     "cohort"),
    ("Psilocybin and depression.\nOverall, 233 participants received psilocybin 25 mg.", "cohort"),
    ("Ketamine and EEG.\nAt 24 h after patients received ketamine, EEG changed.", "other"),  # a time, no count
    ("Psilocybin.\nThis study examined psilocybin as a therapy for patients with alcohol use.", "other"),  # a drug
])
def test_people_followed_without_a_design_word_are_a_cohort(text, expected):
    assert design.classify(text) == expected


@pytest.mark.parametrize("text,expected", [
    # the design the title names outranks the background's citations of others' designs
    ("Single-dose ketamine for adolescents with TRD: a randomised, midazolam-controlled trial\nBACKGROUND: Evidence "
     "in this age group is limited to case series. METHODS: Adolescents received ketamine or midazolam.", "rct"),
    ("Serial ketamine infusions in TRD: a naturalistic cohort study\nBackground: Randomised trials emphasise single "
     "infusions. Methods: We followed 156 patients.", "cohort"),
    ("Ketamine-induced cystitis: a case report\nRandomised trials rarely report urinary harms.", "case_report"),
    # a qualitative study keeps the words of its abstract
    ("Why volunteers joined psychedelic studies: a qualitative study\nWe used semi-structured interviews with "
     "retrospective appraisal.", "qualitative"),
])
def test_the_design_a_title_names_comes_first(text, expected):
    assert design.classify(text) == expected


@pytest.mark.parametrize("text,n", [
    ("Patients were randomised 2:1:1 to ketamine (n = 40), midazolam (n = 20) or saline (n = 20).", 80),
    ("We enrolled 30 at-risk adolescents.", 30), ("We studied 45 in-hospital patients.", 45),
])
def test_sample_sizes_the_second_review_found(text, n):
    assert sample_size(f"Title\n{text}") == n


@pytest.mark.parametrize("text,populations", [
    ("Ketamine\nPatients with treatment-resistant depression without psychotic features received ketamine.", ["trd"]),
    ("Ketamine\nPatients with major depressive disorder and no current substance use were randomised.", ["mdd"]),
    ("Esketamine\nThe sample consisted exclusively of women with postpartum depression.", ["perinatal"]),
    ("Ketamine\nAdults with bipolar depression were enrolled, and those with a history of psychosis were excluded.",
     ["bipolar"]),
    ("Ketamine\nPatients with BPD received ketamine.", []),  # borderline personality disorder
    ("Ketamine\nAdults with MDD were enrolled. Women of childbearing potential had a negative urine pregnancy test.",
     ["mdd"]),
    ("Ketamine\nHigher suicidal ideation at baseline predicted a larger MADRS reduction in MDD.", ["mdd"]),
])
def test_populations_the_second_review_found(text, populations):
    assert article_facts(text, _extractor().one(text)).populations == populations


@pytest.mark.parametrize("text,review", [
    ("Esketamine for TRD: a meta-analysis of recent randomized controlled trials.\nStudies in PubMed were pooled.",
     True),  # the title says what the article is
    ("Ketamine.\nA meta-analysis of existing randomized controlled trials was done.", True),
    ("Ketamine.\nA recent meta-analysis reports improved pain relief. We randomised 60 patients.", False),
])
def test_reviews_the_second_review_found(text, review):
    assert design.is_systematic_review(text) is review


def test_respiratory_depression_does_not_make_a_depression_study():
    text = ("Esketamine-sparing anaesthesia in elderly patients.\nRESULTS: Respiratory depression occurred in 2 "
            "patients; no respiratory depression was seen with esketamine.")
    assert not article_facts(text, _extractor().one(text)).depression


def test_no_concomitant_antidepressant_is_no_add_on():
    from pipeline.claims.facts import is_adjunct

    assert not is_adjunct("Trials were included if they reported no concomitant use of antidepressants.")
    assert is_adjunct("Ketamine was added to ongoing oral antidepressants.")


@pytest.mark.parametrize("sentence,expected", [
    # session-13 audit leftovers: the benefit is another arm's, a subgroup's, or the effect wearing off
    ("There was a significant group-by-time interaction on the QIDS (F = 3.91; p = 0.04), favoring a greater lasting "
     "improvement in the CBT group.", None),
    ("We give the first account of music’s benefits on ketamine treatment for depression.", None),
    ("Prior opioid use significantly lowered later depression severity in patients who received placebo only, "
     "not in those given ketamine.", None),
    ("So esketamine was discontinued, and she then received treatment as usual, which proved beneficial.", None),
    ("Those with poor memory recall had greater reduction in MADRS in week two (-12.1 vs -8.8).",
     None),
    ("Males showed significantly greater improvement than females after the first infusion.", None),
    ("Depression scores after ketamine followed a significant, increasing trajectory from day 1 to day 28, nearing "
     "the levels of the saline group (p = 0.02).", None),
    # must not break: the drug's arm is the favoured one, or the arm without the drug is the comparison
    ("Response was greater in patients who received ketamine than in those who received placebo (p < 0.01).",
     "supports"),
    ("MADRS change favoured ketamine over the placebo group (p = 0.01).", "supports"),
    ("Those who received ketamine had greater reduction in MADRS than placebo (p < 0.01).", "supports"),
    ("Ketamine significantly reduced MADRS scores, which increased again by day 7 (p < 0.01).", "supports"),
])
def test_benefits_of_other_arms_subgroups_and_rising_scores_are_no_efficacy(sentence, expected):
    assert stance._polarity("efficacy", sentence)[0] == expected


@pytest.mark.parametrize("sentence,claims", [
    # a depression scale that rates suicidality reports suicidality, not depression
    ("RESULTS: Suicidality, rated using the Montgomery-Asberg Depression Rating Scale (MADRS), fell "
     "significantly after three sessions (p < 0.01).", set()),
    ("RESULTS: 55% of patients reached remission on suicidality (MADRS).", set()),
    # must not break: the depression scale's total, a response rate for TRD, an efficacy verdict beside harms
    ("RESULTS: Ketamine significantly reduced suicidal ideation and MADRS total scores at 24 hours compared with "
     "midazolam (p < 0.001).", {"antidepressant_efficacy", "trd_efficacy"}),
    ("RESULTS: The remission rate for PTSD was 71.0%, and the response rate for TRD was 88.2%.",
     {"antidepressant_efficacy", "trd_efficacy"}),
    ("RESULTS: Repeated ketamine infusions for TRD were effective, with transient dissociative side effects "
     "(p < 0.01).", {"antidepressant_efficacy", "trd_efficacy"}),
])
def test_depression_claims_leave_a_scale_rating_suicidality(sentence, claims):
    text = ("Ketamine in treatment-resistant depression\nBACKGROUND: Adults with treatment-resistant depression "
            "(TRD). METHODS: Patients with TRD were given six ketamine infusions. " + sentence)
    found = {f.claim_id for f in _assess(text)} & {"antidepressant_efficacy", "trd_efficacy"}
    assert found == claims


@pytest.mark.parametrize("sentence,kept", [
    # a recommendation and the state of the field are no findings
    ("CONCLUSION: It is recommended to use lower doses for a better tolerated course.", False),
    ("CONCLUSION: Relatively few drugs are proven safe and effective in older adults with TRD.", False),
    ("CONCLUSION: Ketamine was safe and well tolerated; no serious adverse events occurred.", True),
])
def test_recommendations_and_the_state_of_the_field_are_no_findings(sentence, kept):
    text = ("Ketamine in treatment-resistant depression\nMETHODS: Adults with TRD received six ketamine infusions. "
            "RESULTS: MADRS scores fell from 32 to 14 (p < 0.001). " + sentence)
    ex = _extractor().one(text)
    last = len(ex.sentences) - 1
    assert any(f.sent_index == last for f in _assess(text)) is kept


@pytest.mark.parametrize("sentence,controlled,expected", [
    # groups that all had the drug, in a study without a control: comparable safety says nothing
    ("These two infusion groups showed comparable safety and efficacy overall.", False, None),
    ("The ketamine and placebo groups showed comparable safety.", True, "supports"),
    ("Adverse events were similar to placebo and mild.", False, "supports"),
])
def test_comparable_safety_of_arms_that_all_had_the_drug_is_no_tolerability(sentence, controlled, expected):
    assert stance._polarity("tolerability", sentence, (), controlled)[0] == expected


@pytest.mark.parametrize("profile,sentence,controlled,expected", [
    # from an audit of the corpus's conflicts rows: nulls that are no evidence against the drug
    ("efficacy", "FINDINGS: HDRS scores significantly improved from baseline in every group, with no "
                 "significant differences among the three groups.", False,
     "supports"),  # three active arms, no control
    ("efficacy", "HDRS scores improved in both groups with no significant differences between the groups.", True,
     "conflicts"),  # a controlled trial: the control improved as much
    ("efficacy", "No significant reduction in depressive symptoms was found in non-improvers after the later "
                 'infusions.', True, None),  # a subgroup defined by its outcome
    ("efficacy", "Ketamine did not improve MADRS compared with placebo among non-responders to ECT.", True,
     "conflicts"),
    ("tolerability", "CONCLUSIONS: Ketamine produces less cognitive impairment than triazolam.", True, None),
    ("tolerability", "CONCLUSIONS: Chronic ketamine use produced cognitive impairment.", True, "conflicts"),
])
def test_nulls_of_active_arms_and_outcome_subgroups_and_lesser_harms(profile, sentence, controlled, expected):
    assert stance._polarity(profile, sentence, (), controlled)[0] == expected


def test_an_interaction_between_a_drug_effect_and_the_response_is_no_finding():
    from pipeline.claims.findings import NOT_A_FINDING

    assert NOT_A_FINDING.search("Three trials did not demonstrate a significant interaction between the drug's "
                                "psychoactive effects and therapeutic response.")


@pytest.mark.parametrize("sentence,expected", [
    # fewer harms with the drug support tolerability; a surgical trial's target outcome does not
    ("Esketamine also lowered the occurrence of nausea and vomiting after surgery.", "supports"),
    ("The esketamine arm had a lower incidence of hypotension (RR 0.31; p < 0.01).", "supports"),
    ("Esketamine gave lower incidences of emergence agitation than saline (P = 0.01).", None),
    ("Esketamine reduced the incidence of postoperative delirium.", None),
])
def test_fewer_harms_with_the_drug_support_tolerability(sentence, expected):
    assert stance._polarity("tolerability", sentence, (), True)[0] == expected


@pytest.mark.parametrize("sentence", [
    "It also raised the risks of dizziness and headache for a short time.",
    "Available data suggest that ketamine does not adversely affect liver enzymes.",
    "The incidence of emergence delirium with ketamine was not different from that without it (15.1% vs. 11.2%, p = "
    '0.31).',
])
def test_brief_harms_and_unaffected_measures_support_tolerability(sentence):
    assert stance._polarity("tolerability", sentence, (), True)[0] == "supports"


@pytest.mark.parametrize("sentence,kept", [
    # a case report's OUTCOME section is its results; a registry's OUTCOMES list what will be measured
    ("OUTCOME: The patient showed steady mood improvement and reached remission of depression on day 9.", True),
    ("OUTCOMES: The primary outcome will be the MADRS total score change to week 4.", False),
])
def test_a_case_reports_outcome_section_is_its_results(sentence, kept):
    text = ("Esketamine for depression in a cancer patient: a case report\nCASE PRESENTATION: A 65-year-old man "
            "with major depressive disorder received subcutaneous esketamine twice a week. " + sentence)
    ex = _extractor().one(text)
    last = len(ex.sentences) - 1
    assert any(f.sent_index == last for f in _assess(text)) is kept


@pytest.mark.parametrize("sentence", [
    # an RCT's finding without statistics needs an efficacy word: decreases, alleviation and antisuicidal effects are
    "Subjective antisuicidal effects of esketamine were seen on day 3.",
    "In all, 58% of the sample showed complete alleviation of SI after the infusions.",
    "Single and repeated infusions gave decreases in SI that lasted.",
])
def test_an_rct_finding_may_name_decreases_alleviation_or_antisuicidal_effects(sentence):
    text = ("Ketamine for suicidal ideation: a randomized controlled trial\nMETHODS: Patients with depression and "
            "suicidal ideation were randomized to ketamine or midazolam. CONCLUSIONS: " + sentence)
    assert stance.article_stance(_assess(text), "suicidal_ideation") == "supports"


def test_a_drop_in_suicidality_is_a_benefit_but_a_drop_in_saturation_is_not():
    sentence = "An immediate drop in suicidality was seen 24 h after the first infusion."
    assert stance._polarity("efficacy", sentence)[0] == "supports"
    assert stance._polarity("efficacy", "There was a drop in oxygen saturation after the dose.")[0] is None


@pytest.mark.parametrize("sentence,expected", [
    # a benefit that lasted a stated time after treatment conflicts with a short-lived effect
    ("Patients remained without relapse for 8-28 months.", "conflicts"),
    # not while the treatment went on, and not a relapse that nothing says was prevented after stopping
    ("Of 58 patients who maintained esketamine treatment for at least 6 months, 41 were responders.", None),
    ("More patients had remission at week 8 and had no relapse through week 32.", None),
])
def test_a_benefit_that_lasted_a_stated_time_conflicts_with_short_lived(sentence, expected):
    from pipeline.claims.durability import short_lived

    polarity, _ = stance._polarity("durability", sentence)
    assert (short_lived(polarity, [], sentence) if polarity else None) == expected


@pytest.mark.parametrize("sentence,expected", [
    # what the effect did not depend on, kept in a subgroup, another factor's effect, how a maintenance phase is run
    ("This reduction was independent of baseline severity, age and sex.", True),
    ("The antidepressant response was preserved in cannabis users given intravenous ketamine.", True),
    ("A significant effect of depersonalization on HAM-D change was seen at day 7 in one trial.", True),
    ("Among 580 responders treated with weekly esketamine, 26% continued to improve and 24% worsened.", True),
    ("When remission was lost after a treatment frequency reduction, 39% of patients improved again.", True),
    # must not break: the drug's own effect, and improvements sustained while infusions were spaced out
    ("A significant effect of ketamine on MADRS scores was observed at 24 h (p < 0.01).", False),
    ("Gains in symptoms were sustained for 6 months or more as infusions were spaced out.", False),
])
def test_independence_subgroups_other_factors_and_maintenance_management_are_no_findings(sentence, expected):
    from pipeline.claims.findings import NOT_A_FINDING

    assert bool(NOT_A_FINDING.search(sentence)) is expected


def test_cognitive_remediation_is_a_treatment_not_another_condition():
    from pipeline.claims.cues import OTHER_CONDITION

    assert not OTHER_CONDITION.search("TMS, PGP and cognitive remediation increased remission.")
    assert not OTHER_CONDITION.search("ketamine followed by cognitive behavioral therapy")
    assert OTHER_CONDITION.search("Ketamine improved cognitive function.")


def test_a_result_told_late_in_an_unstructured_abstract_is_a_finding_whatever_its_role():
    from pipeline.claims.findings import is_finding
    from pipeline.nlp.extract import Extraction

    # six unlabelled sentences, the role tagger calling the fifth "methods" (as it did on a real abstract)
    ex = Extraction(mentions=[], doses=[], sentences=[(i, i + 1) for i in range(6)],
                    roles=["title", "background", "methods", "methods", "methods", "results"], study_drug=None,
                    routes=[], sections=[None] * 6)
    assert is_finding(ex, 4, "However, those given esketamine had a higher SI remission rate and fewer "
                             "psychotic symptoms.")
    assert not is_finding(ex, 4, "Patients given esketamine had a higher remission rate will be assessed.")


@pytest.mark.parametrize("sentence,expected", [
    # from a third audit: groups defined by their response, symptoms ranked, a benchmark against others' trials
    ("Only 18 % of non-responders after 2 infusions reached remission.", True),
    ("Hopelessness was the least improved after the third infusion.", True),
    ("The efficacy of esketamine in the real world remains consistent with that established in Phase 3 trials.", True),
    # must not break: non-responders to earlier treatments are who a TRD study enrols; responders as the result
    ("Of 40 non-responders to ECT, 20 achieved remission after ketamine.", False),
    ("A marked antisuicidal effect was seen among responders after the sixth infusion.", False),
])
def test_response_defined_groups_ranked_symptoms_and_benchmarks_are_no_findings(sentence, expected):
    from pipeline.claims.findings import NOT_A_FINDING, OTHERS_WORK

    assert bool(NOT_A_FINDING.search(sentence) or OTHERS_WORK.search(sentence)) is expected


def test_arms_with_comparable_efficacy_and_suicidality_as_who_was_enrolled_are_no_evidence():
    assert stance._polarity("efficacy", "These two infusion groups showed comparable safety and efficacy overall.", (),
                            False)[0] is None
    text = ("Ketamine for chronic suicidality\nMETHODS: Adults with chronic suicidal ideation were given ketamine. "
            "RESULTS: Ketamine gave a robust and lasting improvement in stress symptoms (p < 0.01), in people with "
            "chronic suicidality.")
    assert stance.article_stance(_assess(text), "suicidal_ideation") == "none"


@pytest.mark.parametrize("profile,sentence,controlled,expected", [
    # a read-only review of this version's rules reproduced these; each must keep its stance
    ("efficacy", "Four weeks after the last infusion, MADRS scores were not significantly different from baseline "
     "(p = 0.42).", False, "conflicts"),  # a null against baseline, not between active groups
    ("efficacy", "Ketamine significantly reduced depressive symptoms in non-responders to ECT (p < 0.001).", True,
     "supports"),  # non-responders to an earlier treatment are whom a TRD study enrols
    ("efficacy", "Those who were randomized to ketamine had a greater reduction in suicidal ideation (p = 0.01).",
     True, "supports"),
    ("tolerability", "Treatment arms were comparable in the incidence of adverse events.", True, "supports"),
    ("efficacy", "The change in MADRS favoured active treatment over the control condition (p < 0.01).", True,
     "supports"),
    ("efficacy", "MADRS change favoured ESK over the placebo group (p < 0.01).", True, "supports"),
    ("efficacy", "Ketamine was discontinued in 3 patients because of dissociation, and the remaining 37 patients "
     "improved significantly.", False, "supports"),
    ("efficacy", "Visual analogue mood scale scores increased significantly after ketamine (p < 0.01).", True,
     "supports"),  # on a mood scale higher is better
    ("tolerability", "Placebo produced less cognitive impairment than ketamine.", True, "conflicts"),
    ("tolerability", "Vital signs were comparable to pre-infusion values.", False, "supports"),
    ("efficacy", "There was a decline in response rates by week 4.", False, None),
])
def test_what_the_review_of_this_versions_rules_found(profile, sentence, controlled, expected):
    assert stance._polarity(profile, sentence, (), controlled)[0] == expected


def test_the_review_found_findings_and_durations_that_must_stay():
    from pipeline.claims.durability import ONGOING_DOSING, short_lived
    from pipeline.claims.findings import NOT_A_FINDING

    assert not NOT_A_FINDING.search("There was a significant effect of group on MADRS scores (p < 0.01).")
    assert not NOT_A_FINDING.search("The effect of S-ketamine on depressive symptoms was significant.")
    assert not NOT_A_FINDING.search("There was a significant interaction between time and treatment effects.")
    assert short_lived("conflicts", [], "In patients who had been depressed for more than 2 years, the "
                                        "antidepressant response was sustained.") is None
    assert not ONGOING_DOSING.search("maintained response to therapy for 2 months after the final infusion")


def test_an_effect_named_by_the_sentence_before_and_when_the_benefit_peaked():
    text = ("Serial ketamine infusions in unipolar and bipolar depression: an open study\nMETHODS: Patients with "
            "depression had six ketamine infusions. RESULTS: MADRS scores dropped from 31 to 15 (p < 0.001). The "
            "effect reached significance one day after the first infusion (p < 0.001) and grew with later ones.")
    found = _assess(text)
    rapid = [f for f in found if f.claim_id == "rapid_onset"]
    assert [text[f.start:f.end][:10] for f in rapid] == ["The effect"]
    assert stance.article_stance(found, "rapid_onset") == "supports"
    # an effect that names its own outcome, or a finding that is no result, does not borrow the topic before it
    other = ("Ketamine for suicidal depression: an open study\nMETHODS: Patients with depression had one ketamine "
             "infusion. RESULTS: MADRS scores dropped from 31 to 15 (p < 0.001). The decrease of suicidal ideation "
             "stayed significant until day 7. This reduction was independent of age and baseline severity.")
    found = _assess(other)
    assert [text_of(other, f) for f in found if f.claim_id == "antidepressant_efficacy"] == \
        ["RESULTS: MADRS scores dropped from 31 to 15 (p < 0.001)."]
    # no sentence before it on the topic: nothing to refer to
    alone = ("Ketamine in depression: an open study\nMETHODS: Patients with depression had one ketamine infusion. "
             "RESULTS: Fourteen patients finished. The effect was significant at 24 h (p < 0.01).")
    assert stance.article_stance(_assess(alone), "rapid_onset") == "none"
    peak = ("Ketamine by three routes for depression: a randomized trial\nMETHODS: Patients with major depression "
            "were randomized to ketamine given intravenously, intramuscularly or subcutaneously. RESULTS: Each route "
            "improved depression significantly (p < 0.01). For each route the greatest response came at 24 hours.")
    assert stance.article_stance(_assess(peak), "rapid_onset") == "supports"


def text_of(text: str, finding) -> str:
    return text[finding.start:finding.end]


@pytest.mark.parametrize("sentence,found", [
    ("The effect size at day 1 was d = 0.8 (95% CI 0.5-1.1) for ketamine versus saline.", 1),
    ("Pooled SMD was 0.63 (95% CI: 0.35 to 0.91).", 1),
    ("Hedges' g = -0.52 [95% CI -0.80, -0.24] favoured ketamine.", 1),
    ("The effect size was d = 0.3 (95% CI -0.2 to 0.8).", 0),  # an interval across zero is no significant effect
    ("Mean difference 4.1 (95% CI 1.2 to 7.0).", 0),  # not a standardised effect
])
def test_an_effect_size_counts_when_its_interval_is_on_one_side_of_zero(sentence, found):
    assert len(stance.effect_sizes(sentence)) == found


@pytest.mark.parametrize("sentence,expected", [
    ("RESULTS: MADRS scores fell from 33 to 12 (p < 0.001). Improvements were maintained for weeks to months "
     "after treatment ended.", "conflicts"),
    ("RESULTS: MADRS scores fell from 33 to 12 (p < 0.001). The gains held for weeks-months after the course.",
     "none"),  # no durability word: a span alone says nothing
    ("RESULTS: MADRS scores fell from 33 to 12 (p < 0.001). All four responders kept their response through "
     "8 weeks after the last infusion.", "conflicts"),
    ("RESULTS: MADRS scores fell from 33 to 12 (p < 0.001). Patients who had been depressed for many years "
     "maintained the improvement.", "none"),  # how long they were ill is no time the benefit lasted
])
def test_a_benefit_kept_for_months_or_through_weeks_after_the_last_dose_is_not_short_lived(sentence, expected):
    text = ("Ketamine infusions for depression: an open study\nMETHODS: Patients with treatment-resistant "
            "depression had six ketamine infusions. " + sentence)
    assert stance.article_stance(_assess(text), "short_lived") == expected


TRIAL_HEAD = ("Intravenous ketamine in major depression: a randomised saline-controlled trial\nMETHODS: Sixty adults "
              "with major depressive disorder were randomised to ketamine 0.5 mg/kg or saline. RESULTS: Ketamine "
              "lowered MADRS scores more than saline at 24 hours (p < 0.001). ")


@pytest.mark.parametrize("sentence,cited", [
    # two doses of the drug against each other say nothing for or against it
    ("There was no significant difference in response between the 0.5 mg/kg and 1.0 mg/kg doses.", False),
    # how the arms stood before treatment
    ("Baseline depression severity did not differ between groups.", False),
    ("The two arms did not differ at baseline in age or severity.", False),
    # a null told of the control arm alone
    ("Depression scores did not change significantly in the saline group.", False),
    # a moderator's null as the sentence's subject
    ("Concomitant benzodiazepine use did not significantly affect the antidepressant response to ketamine.", False),
    # still evidence: the drug's own null against control, a change from baseline that did not differ
    ("MADRS change from baseline to day 7 did not differ between ketamine and saline (p = 0.40).", True),
    ("Depression scores did not change significantly in the saline group but fell after ketamine (p < 0.01).", True),
])
def test_dose_baseline_control_arm_and_moderator_nulls_are_no_evidence_against_efficacy(sentence, cited):
    text = TRIAL_HEAD + sentence
    start = text.index(sentence)
    cites = [f for f in _assess(text) if f.claim_id == "antidepressant_efficacy" and f.start == start]
    assert bool(cites) == cited


EFFICACY_TOPIC = next(c for c in load_catalogue().claims if c.id == "antidepressant_efficacy").topic


@pytest.mark.parametrize("sentence,expected", [
    # a result told by its numbers alone: drug, control and outcome named
    ("Mean HAM-D change at 24 hours was -11.4 with ketamine and -4.2 with midazolam (p = 0.008).", "supports"),
    ("Response at day 1 was 61% with ketamine and 30% with placebo (odds ratio 3.6; 95% CI 1.5 to 8.7).", "supports"),
    # not another measure's or a predictor's test
    ("Baseline anxiety (p = 0.03) but not age was related to the HDRS trajectory.", None),
    ("Implicit association scores after ketamine differed from the control arm (p = 0.04).", None),
    # an interval that spans 1 or 0 is no significance; a difference's interval across 0 is a null
    ("Response with ketamine versus placebo: odds ratio 1.4 (95% CI 0.7 to 2.9).", None),
    ("The between-group difference in MADRS change was -2.4 points (95% CI -6.1 to 1.3).", "conflicts"),
    ("The between-group difference in MADRS change was -6.4 points (95% CI -9.1 to -3.7).", None),
    # a change that was not significant
    ("BSS scores did not change significantly from baseline after ketamine (p = 0.36).", "conflicts"),
])
def test_results_stated_by_their_numbers(sentence, expected):
    assert stance._polarity("efficacy", sentence, EFFICACY_TOPIC)[0] == expected


def test_moderate_severity_is_no_moderator():
    from pipeline.claims.design import is_predictor_study

    assert not is_predictor_study("Add-on esketamine in moderate to severe depression\nMETHODS: ...")
    assert is_predictor_study("Moderators of the ketamine response in depression\nMETHODS: ...")


def test_a_control_named_as_the_comparison_does_not_make_a_sentence_another_drugs():
    text = (TRIAL_HEAD.replace("saline", "midazolam") + "The difference from midazolam was no longer significant "
            "7 days after the infusion.")
    last = text.index("The difference")
    assert [f.stance for f in _assess(text) if f.claim_id == "short_lived" and f.start == last] == ["supports"]
    other = TRIAL_HEAD + "Midazolam lowered MADRS scores by 4 points at day 7."
    assert not [f for f in _assess(other) if f.start == other.index("Midazolam lowered")]


@pytest.mark.parametrize("sentence,expected", [
    # few discontinuations, told as a share, support tolerability; a notable share conflicts
    ("Discontinuation because of adverse events occurred in 2.0% of esketamine-treated patients.", "supports"),
    ("Discontinuation because of adverse events occurred in 12.5% of esketamine-treated patients.", "conflicts"),
    # serious events the sentence disowns
    ("Serious adverse events occurred in two ketamine-treated patients, and none was judged to be related to "
     "ketamine.", None),
    ("Two participants discontinued because of intolerable dissociation.", "conflicts"),
])
def test_discontinuation_rates_and_unrelated_serious_events(sentence, expected):
    assert stance._polarity("tolerability", sentence)[0] == expected


@pytest.mark.parametrize("sentence,expected", [
    ("The difference remained significant at 48 hours but not at 72 hours (p = 0.09).", "supports"),
    ("Four weeks after the final injection, 7 of 11 remitters remained in remission without further dosing.",
     "conflicts"),
    ("Through day 10 the group differences remained nonsignificant.", "supports"),
])
def test_durability_wording(sentence, expected):
    assert stance._polarity("durability", sentence)[0] == expected


def test_an_early_null_beside_a_later_benefit_is_onsets_not_efficacys():
    text = (TRIAL_HEAD.replace("lowered MADRS scores more than saline at 24 hours (p < 0.001)",
                               "lowered MADRS scores more than saline at day 28 (p < 0.001)")
            + "At 24 hours, MADRS scores did not differ between groups (p = 0.45).")
    found = _assess(text)
    assert stance.article_stance(found, "antidepressant_efficacy") == "supports"
    assert stance.article_stance(found, "rapid_onset") == "conflicts"
    primary = text.replace("At 24 hours, MADRS scores", "The primary outcome, MADRS at 24 hours,")
    assert stance.article_stance(_assess(primary), "antidepressant_efficacy") == "mixed"


def test_rare_serious_events_and_a_surgical_trials_safety_sentence_support_tolerability():
    assert stance._polarity("tolerability", "Four participants experienced a serious adverse event, an incidence of "
                            "about 0.1%.")[0] == "supports"
    assert stance._polarity("tolerability", "Serious adverse events occurred in 9% of participants.")[0] == "conflicts"
    text = ("Esketamine and postoperative delirium in older adults: a randomised trial\nMETHODS: Older adults having "
            "hip surgery were randomised to esketamine 0.25 mg/kg or saline to prevent postoperative delirium. "
            "CONCLUSIONS: Esketamine lowered the incidence of delirium and shortened emergence times without "
            "significant adverse effects. Four medically significant events (MSAEs) resolved without sequelae.")
    cited = {text[f.start:f.end][:30] for f in _assess(text) if f.claim_id == "tolerability"}
    assert cited == {"CONCLUSIONS: Esketamine lowere", "Four medically significant eve"}


def test_relapse_after_stopping_with_decimal_rates_and_relapse_prevention_trials():
    from pipeline.claims.design import is_prevention
    from pipeline.claims.durability import short_lived

    assert short_lived("supports", [], "Relapse rates ran from 70.6% with placebo to 42.9% with the highest "
                                        "dose.") == "supports"
    assert not is_prevention("Continued esketamine versus withdrawal for relapse prevention in treatment-resistant "
                             "depression\nMETHODS: Remitters were randomised to continue or to placebo.")
    assert is_prevention("Esketamine for the prevention of postpartum depression\nMETHODS: Women having a caesarean "
                         "section were randomised.")


@pytest.mark.parametrize("sentence,expected", [
    ("Adverse events were detected in 3.0-4.8% of participants and were mostly neurological.", "supports"),
    ("Adverse events occurred in 2% of patients.", "supports"),
    ("Adverse events occurred in 45% of patients.", None),  # a share alone, not low: no verdict either way
])
def test_adverse_events_told_by_a_low_share(sentence, expected):
    assert stance._polarity("tolerability", sentence)[0] == expected


@pytest.mark.parametrize("profile,sentence,expected", [
    # a fresh battery of full abstracts (tests/data/claim_battery_abstracts_2.jsonl) taught these
    ("efficacy", "When given during general anaesthesia, ketamine was no more effective than saline in reducing "
     "depressive symptoms.", "conflicts"),
    ("efficacy", "Ketamine anaesthesia did not enhance or accelerate the antidepressant effect of ECT compared with "
     "propofol.", "conflicts"),
    ("efficacy", "Low-dose ketamine infusions provided short-term analgesia without a measurable antidepressant "
     "effect.", "conflicts"),
    ("efficacy", "Current randomised evidence does not show that oral ketamine added to SSRIs improves depressive "
     "symptoms over placebo.", "conflicts"),
    ("efficacy", "In patients who had failed ECT, esketamine showed limited effectiveness in routine care.",
     "conflicts"),
    ("efficacy", "The primary endpoint at day 7 was not met.", "conflicts"),
    # no finding at all: a count of the analysed, a reason to stop, a result no longer significant
    ("efficacy", "A total of 138 patients were randomised and 132 were included in the efficacy analysis.", None),
    ("efficacy", "Six participants withdrew, three because of lack of efficacy.", None),
    ("efficacy", "From day 3 onwards the difference was no longer significant.", None),
    # every arm improved, a control among them, and nothing set between them
    ("efficacy", "Depressive symptoms improved in both the ketamine and the placebo groups.", None),
    ("efficacy", "Severity of suicidality improved in both groups without separation between them.", "conflicts"),
    ("tolerability", "Blood pressure elevations were transient and required no antihypertensive treatment.",
     "supports"),
    ("tolerability", "Serious cardiovascular adverse events were otherwise rare (0.3% vs 0.2%).", "supports"),
    ("tolerability", "Adverse effects were generally limited to the infusion period.", "supports"),
    ("tolerability", "Three women asked to stop the infusion because of distressing dissociation.", "conflicts"),
    ("tolerability", "Psychotomimetic effects led to dose reduction in 17 patients (19%).", "conflicts"),
    ("tolerability", "Hepatic adverse effects were not negligible.", "conflicts"),
    ("tolerability", "Two had a hypertensive crisis requiring emergency care.", "conflicts"),
    ("tolerability", "We consider blood pressure elevation a relevant safety concern in older patients.", "conflicts"),
])
def test_what_the_second_battery_of_full_abstracts_taught(profile, sentence, expected):
    assert stance._polarity(profile, sentence, (), True)[0] == expected


def test_a_question_left_for_further_work_is_hedged():
    from pipeline.claims.cues import HEDGED

    assert HEDGED.search("Whether higher doses are effective requires further investigation.")
    assert HEDGED.search("Its durability remains to be established.")


def test_an_add_on_trials_both_groups_had_the_drug():
    """"In both groups" alone is no control arm: in an add-on trial both arms had ketamine."""
    assert stance._polarity("efficacy", "Depressive symptoms stayed improved for 14 days in both groups, a sustained "
                                        "improvement.", (), True)[0] == "supports"


def test_onset_is_judged_on_the_clause_at_its_hours():
    text = (TRIAL_HEAD + "CONCLUSIONS: Ketamine 0.5 mg/kg produced a significant benefit at 24 h, but the primary "
            "endpoint at day 7 was not met.")
    onset = [f.stance for f in _assess(text) if f.claim_id == "rapid_onset"]
    assert onset == ["supports", "supports"]
    assert stance._early_clauses("a benefit at 24 h, but no difference at day 7", 24) == "a benefit at 24 h"
    assert stance._early_clauses("no difference at 24 h", 24) == "no difference at 24 h"


def test_a_stress_models_loss_and_an_adjusted_covariate_are_not_the_drugs():
    spine, bdnf = re.compile("spine", re.IGNORECASE), re.compile("BDNF")
    assert stance._polarity("plasticity", "CUS decreased sucrose preference and reduced spine density by 27%.",
                            (spine,))[0] is None
    assert stance._polarity("plasticity", "Hippocampal BDNF protein was decreased by 22% after the final dose.",
                            (bdnf,))[0] == "conflicts"
    text = (TRIAL_HEAD + "Ketamine reduced suicidal ideation within 24 hours, partly independently of its effect on "
            "depressive mood (p < 0.01).")
    cited = [text[f.start:f.end][:20] for f in _assess(text) if f.claim_id == "rapid_onset"]
    assert cited == ["RESULTS: Ketamine lo"]


def test_an_early_null_beside_a_benefit_that_first_reached_significance_later():
    text = (TRIAL_HEAD.replace("at 24 hours", "at week 6")
            + "The difference first reached significance at week 2 (p = 0.02); no difference was observed at day 1 "
              "(p = 0.71).")
    assert stance.article_stance(_assess(text), "antidepressant_efficacy") == "supports"


@pytest.mark.parametrize("counts,verdict,reason", [
    ((2, 0, 0, 2.0, 0.0), "insufficient evidence", "2 counted articles (fewer than 3)"),
    ((5, 1, 0, 4.0, 1.0), "supported", "weighted support 4.0 >= 2 x weighted conflict 1.0, and 5 supporting articles"),
    ((0, 4, 0, 0.0, 3.0), "contradicted", "weighted conflict 3.0 >= 2 x weighted support 0.0, and 4 conflicting"),
    ((3, 2, 0, 2.0, 1.5), "contested", "weighted support 2.0 vs conflict 1.5: neither is twice the other"),
    ((2, 0, 2, 3.0, 1.0), "contested", "the support side has fewer than 3 articles of its own"),
])
def test_each_summary_row_says_which_branch_of_the_rule_decided_it(counts, verdict, reason):
    from pipeline.claims.evidence import verdict_of

    got = verdict_of(*counts)
    assert got[0] == verdict and reason in got[1]


LATE = ("Oral ketamine in depression: a randomised trial\nRESULTS: Oral ketamine added to sertraline significantly "
        "improved depressive symptoms at day 14 (p < 0.01), although ")
EARLY = ("Ketamine in depression: a randomised trial\nRESULTS: Ketamine significantly reduced MADRS scores versus "
         "placebo at 4 h (p < 0.01), and ")


@pytest.mark.parametrize("text,expected", [
    *((LATE + late + ".", "conflicts") for late in [  # benefit that did not come within the first day
        "it did not act within the first day", "it did not separate from placebo within the first 24 h",
        "not within the first 24 h", "the benefit was not evident within the first day",
        "it was not yet evident within the first day", "scores did not decrease in the first 24 h"]),
    *((EARLY + early + ".", "supports") for early in [  # early benefit that did not fade, or a harm that did not come
        "the benefit did not fade during the first 24 h", "it was not lost within the first day",
        "symptoms did not return in the first 24 h", "the improvement was not reduced in the first 24 h",
        "adverse effects were not observed in the first 24 h"]),
])
def test_only_benefit_that_did_not_come_within_the_first_day_is_late_onset(text, expected):
    assert stance.article_stance(_assess(text), "rapid_onset") == expected

"""Study type (learned, PsyNamic's vocabulary) and sample size: the committed model applies without scikit-learn
(its TF-IDF parity with scikit-learn is tested with the citation model's, tests/test_citation_model.py), and
participant counts follow PsyNamic's convention."""

from __future__ import annotations

import json

import pytest

from pipeline.claims import design, sample_size, study_type
from tests.conftest import corpus_path

DOCS = ["Ketamine for depression: a randomized trial of ketamine", "A survey of ketamine users",
        "Protocol: this trial will randomize patients", "Ketamine users and non-users: a survey"]


def test_linear_model_scores_and_argmax():
    model = study_type.LinearModel(["other", "rct"], {"random": 1.0}, {"w:random": [-1.0, 2.0], "registry": [0, -5]},
                                   [0.5, 0.0])
    assert model.scores({"w:random": 1.0}) == [-0.5, 2.0]
    assert model.predict({"w:random": 1.0}) == "rct"
    assert model.predict({"w:random": 1.0, "registry": 1.0}) == "other"
    assert model.predict({"unknown": 3.0}) == "other"


def test_committed_model_reads_a_registry_protocol_and_records_its_cross_validation():
    data = json.loads(study_type.MODEL_PATH.read_text())
    cv = data["cross_validated"]
    assert cv["accuracy"] > cv["rules_accuracy"] and cv["accuracy_without_registry_records"] > cv["rules_accuracy"]
    assert not study_type.REGISTRY.search("Luminescence") and study_type.REGISTRY.search("https://isrctn.com/x")
    text = ("Psilocybin for alcohol use disorder\nThis randomized placebo-controlled trial will enrol 90 adults; "
            "participants will receive two doses and will be followed for 12 weeks.")
    assert design.psynamic_type(text, "https://clinicaltrials.gov/show/NCT01234567") == "protocol"
    rct = ("Ketamine for treatment-resistant depression: a randomized controlled trial\nMETHODS: 60 patients were "
           "randomized to ketamine or midazolam. RESULTS: MADRS scores fell more with ketamine (p < 0.001).")
    assert design.psynamic_type(rct) == "rct"


@pytest.mark.parametrize(("text", "n"), [
    ("24 ecstasy users and 30 matched controls took the tests.", 54),
    ("We compared 45 ecstasy, 48 cannabis and 40 alcohol users in an online survey.", 133),
    ("Fifteen male users (mean use, 500 tablets; 10.5 weeks) and 12 matched control subjects were scanned.", 27),
    ("Ninety\u2010two participants aged 21-70 are enrolled.", 92),
    ("Of 120 patients screened, 60 patients were randomized.", 60),
    ("At 12 weeks, 24 patients and 3 controls remained.", 27),
    ("A systematic review: a total of 20 studies with 1,234 participants were included.", 1234),
    ("A meta-analysis of 20 studies.", None),
    ("We present a case report of a 45-year-old man with depression.", 1),
    ("Of 50 patients, 30 patients completed the study.", 50),  # a part of a total is not added to it
    ("We enrolled 35 participants, 20 women and 15 men.", 35),  # nor is a breakdown
    ("Two hundred patients were randomized.", 200),
    ("Overall, 45% of patients responded.", None),
    ("In total, 12 of 20 patients responded.", 20),
    ("Patients could receive rescue medication in case of an emergency.", None),
])
def test_sample_size_counts_participants_the_psynamic_way(text, n):
    assert sample_size.sample_size(text) == n


def test_trainer_never_reads_held_out_or_unseen_documents():
    corpus = corpus_path("psynamic", "doc_labels.jsonl").parent.parent
    from pipeline.claims.train_study_type import load, unseen_ids
    from pipeline.evaluate.gold import holdout_ids

    records = load(corpus)
    ids = {r["doc_id"] for r in records}
    assert len(records) > 500 and not ids & holdout_ids(corpus)
    assert unseen_ids() and not ids & unseen_ids()  # nor the unseen second dev set


def test_the_json_model_predicts_what_scikit_learn_predicts():
    """Rounded to 5 decimals and applied by our arithmetic, the model keeps scikit-learn's decisions."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    from pipeline.claims.train_study_type import C, fit

    texts = DOCS * 3 + ["A randomized placebo-controlled trial of ketamine", "An online survey of psilocybin users",
                        "This protocol describes a trial that will enrol patients"]
    labels = ["rct", "real_world", "protocol", "real_world"] * 3 + ["rct", "real_world", "protocol"]
    records = [{"text": t, "indicators": {"volunteers": 1.0} if "users" in t else {}, "types": [y]}
               for t, y in zip(texts, labels, strict=True)]
    model = fit(records)
    counts = [study_type.words(r["text"]) for r in records]
    feats = [study_type.features(c, model.idf, r["indicators"]) for c, r in zip(counts, records, strict=True)]
    vec = DictVectorizer(sort=True)
    clf = LogisticRegression(C=C, max_iter=5000).fit(vec.fit_transform(feats), labels)
    new = ["Ketamine users: a survey", "Protocol for a randomized trial that will test ketamine", "A trial of ketamine"]
    ours = [model.predict(study_type.features(study_type.words(t), model.idf, {})) for t in new]
    theirs = clf.predict(vec.transform([study_type.features(study_type.words(t), model.idf, {}) for t in new]))
    assert ours == list(theirs)


@pytest.mark.parametrize(("text", "cue"), [
    ("Twenty volunteers took MDMA; the crossover design was randomized, blinded and placebo-controlled.",
     "randomised+controlled"),
    ("In a double-blind, placebo-controlled study, 20 healthy volunteers took MDMA and placebo.", "controlled"),
    ("Fifteen participants took part in a non-randomized, single-blind, placebo-controlled trial.", "controlled"),
    ("Fourteen of 67 patients were randomly selected; ratings were compared.", None),  # selection is no assignment
    ("Patients were randomized to two doses of ketamine.", "randomised"),  # randomised, not controlled
])
def test_randomised_and_controlled_are_read_together(text, cue):
    """PsyNamic's RCT needs both: randomised assignment and a control (placebo, sham, active control)."""
    found = study_type.indicators(text, None, "other", "other")
    assert {k for k in ("randomised", "controlled", "randomised+controlled") if k in found} == ({cue} if cue else set())


def test_guideline_cues_are_indicators():
    ind = study_type.indicators("Ketamine-induced mania in a patient with bipolar disorder\nWe report a 45-year-old "
                                "woman. We pooled data from three trials and surveyed 30 current ecstasy users and "
                                "non-users online.", None, "case_report", "case_report")
    assert {"case", "title:case", "pooled", "survey", "users"} <= ind.keys()
    assert "healthy" in study_type.indicators("Twenty healthy male volunteers received LSD.", None, "rct", "rct")
    assert "future" in study_type.indicators("Participants will be randomized to psilocybin.", None, "rct", "rct")


def test_committed_model_follows_the_guideline_on_controls_and_pooling():
    """A placebo-controlled experiment that does not randomise, and a pooled analysis of randomised trials, are
    "other" (the model before these cues called the first two "rct" and the pooled one "systematic_review")."""
    assert json.loads(study_type.MODEL_PATH.read_text())["cross_validated"]["accuracy"] >= 0.84
    for text in [
        "Memory after intramuscular ketamine in healthy volunteers\nTwenty volunteers received ketamine (0.2 or 0.4 "
        "mg/kg) and placebo under double-blind, placebo-controlled conditions. Ketamine impaired episodic memory.",
        "Ketamine effects on memory in depression\nIn a double-blind, placebo-controlled study, 24 patients with "
        "treatment-resistant depression received ketamine and placebo infusions. Depression scores improved.",
        "Safety of LSD in healthy subjects\nThis pooled analysis combines the data of four randomized, double-blind, "
        "placebo-controlled crossover trials in 83 healthy subjects overall.",
    ]:
        assert design.psynamic_type(text) == "other"

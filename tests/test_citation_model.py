"""The citation model: its features are scikit-learn's, its JSON arithmetic keeps scikit-learn's probabilities, it
cites only for the rules' stances and never changes one, and the committed file is what its trainer writes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pipeline.claims import citation_model, linear, stance, study_type
from pipeline.claims.catalogue import load_catalogue
from pipeline.claims.facts import article_facts
from pipeline.nlp.configuration import model_version_of
from pipeline.nlp.extract import Extractor
from tests.conftest import corpus_path

SENTENCES = ["Ketamine did not differ from placebo at 24 hours.", "Response rates at 24 hours were 58% and 21%.",
             "Remission at week 4 was higher with ketamine than placebo.", "Ketamine was well tolerated.",
             "Response at 24 hours did not differ."]
BATTERY = Path(__file__).parent / "data" / "claim_battery_abstracts.jsonl"


@pytest.mark.parametrize("ngrams", [1, 2])  # the study-type model's words; the citation model's words and pairs
def test_features_equal_sklearn(ngrams):
    """Sublinear TF-IDF, L2 norm: both models are applied with our arithmetic but trained on scikit-learn's, so
    the vectors must be TfidfVectorizer's."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(ngram_range=(1, ngrams), min_df=2, sublinear_tf=True)
    x = vec.fit_transform(SENTENCES).toarray()
    counts = [linear.words(s, ngrams) for s in SENTENCES]
    idf = linear.idf_of(counts, 2)
    assert sorted(idf) == sorted(vec.get_feature_names_out())
    for row, c in zip(x, counts, strict=True):
        ours = linear.features(c, idf, {})
        theirs = {"w:" + w: v for w, v in zip(vec.get_feature_names_out(), row, strict=True) if v}
        assert ours.keys() == theirs.keys()
        assert all(math.isclose(ours[k], theirs[k], rel_tol=1e-9) for k in ours)


@pytest.mark.parametrize("labels", [["none", "supports", "supports", "none", "conflicts"] * 2,
                                    ["none", "supports", "supports", "none", "none"] * 2])
def test_json_probabilities_equal_sklearn(labels):
    """Three classes and two (one logit, split half each way): rounded weights keep predict_proba to 1e-3."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = SENTENCES + [s.replace("24", "48") for s in SENTENCES]
    counts = [linear.words(t, 2) for t in texts]
    idf = linear.idf_of(counts, 2)
    feats = [linear.features(c, idf, {}) for c in counts]
    model = linear.fit(feats, labels, idf, 10.0)
    vec = DictVectorizer(sort=True)
    clf = LogisticRegression(C=10.0, max_iter=5000).fit(vec.fit_transform(feats), labels)
    new = [linear.features(linear.words(t, 2), idf, {}) for t in ["Response at 24 hours was 60%.", "Nothing."]]
    for f, theirs in zip(new, clf.predict_proba(vec.transform(new)), strict=True):
        ours = model.probabilities(f)
        assert [round(ours[c], 3) for c in clf.classes_] == pytest.approx([round(p, 3) for p in theirs], abs=1e-3)


def _model(threshold: float = 0.5) -> citation_model.CitationModel:
    counts = [linear.words(t, 2) for t in SENTENCES * 2]
    idf = linear.idf_of(counts, 1)
    labels = ["conflicts", "supports", "supports", "none", "conflicts"] * 2
    m = linear.fit([linear.features(c, idf, {}) for c in counts], labels, idf, 10.0)
    claims = {"rapid_onset": {"classes": m.classes, "coef": m.coef, "intercept": m.intercept}}
    return citation_model.from_dict({"idf": idf, "threshold": threshold, "claims": claims})


def test_extend_cites_only_for_the_rules_polarities_and_never_again():
    model = _model()
    sents = dict(enumerate(SENTENCES))
    assert citation_model.extend(model, {}, sents) == {}  # no stance of the rules: nothing to cite for
    assert model.call("rapid_onset", model.features(SENTENCES[1]))[0] == "supports"
    assert model.call("tolerability", model.features(SENTENCES[1])) is None  # a claim the model has no weights for
    added = citation_model.extend(model, {("rapid_onset", 2): "supports"}, sents)
    assert ("rapid_onset", 1) in added and ("rapid_onset", 2) not in added  # the rules' own citation stays theirs
    assert {st for st, _ in added.values()} == {"supports"}  # the null sentences are not cited for a supports
    assert all(p >= model.threshold for _, p in added.values())
    both = citation_model.extend(model, {("rapid_onset", 2): "supports", ("rapid_onset", 4): "conflicts"}, sents)
    assert both[("rapid_onset", 0)][0] == "conflicts"
    assert citation_model.extend(_model(threshold=1.0), {("rapid_onset", 2): "supports"}, sents) == {}
    # only sentences on the claim's topic by the rules' test are candidates
    gated = citation_model.extend(model, {("rapid_onset", 2): "supports"}, sents, {1: {"tolerability"}, 3: set()})
    assert gated == {}
    assert set(citation_model.extend(model, {("rapid_onset", 2): "supports"}, sents, {1: {"rapid_onset"}})) == \
        {("rapid_onset", 1)}


def _battery(doc_id: str) -> str:
    return next(r["text"] for r in map(json.loads, BATTERY.read_text().splitlines()) if r["doc_id"] == doc_id)


def test_the_committed_model_adds_citations_without_changing_a_stance():
    """A synthetic trial (written from GUIDELINES alone) whose 24-hour response rates the rules do not cite: the
    model cites them for the article's rapid-onset support, after the rules, with its probability as confidence."""
    model = citation_model.load()
    assert model is not None
    text = _battery("syn2:001")
    ex = Extractor().one(text, doc_id="syn2:001")
    facts, catalogue = article_facts(text, ex), load_catalogue()
    rules = stance.assess(text, ex, facts, catalogue)
    both = stance.assess(text, ex, facts, catalogue, citations=model)
    assert [f for f in both if f.method == "rules"] == rules
    added = [f for f in both if f.method == "citation-model"]
    assert added and all(f.cues[0].startswith("citation model") and f.confidence >= model.threshold for f in added)
    assert any(text[f.start:f.end].startswith("Response rates at 24 hours") for f in added)
    for cid in catalogue.ids:
        assert stance.article_stance(both, cid) == stance.article_stance(rules, cid)
    assert {(f.claim_id, f.sent_index) for f in added}.isdisjoint({(f.claim_id, f.sent_index) for f in rules})


def test_switched_off_the_model_is_not_loaded_and_the_rows_say_so(monkeypatch):
    monkeypatch.delenv(citation_model.SWITCH, raising=False)
    citation_model.load.cache_clear()
    on = model_version_of()
    monkeypatch.setenv(citation_model.SWITCH, "off")
    citation_model.load.cache_clear()
    try:
        assert citation_model.load() is None and not citation_model.enabled()
        off = model_version_of()
        assert off.endswith("+citations:off") and off != on + "+citations:off"  # nor is its file hashed
    finally:
        monkeypatch.delenv(citation_model.SWITCH)
        citation_model.load.cache_clear()


def test_a_missing_model_file_leaves_the_rules_citations(tmp_path, monkeypatch):
    monkeypatch.setattr(citation_model, "MODEL_PATH", tmp_path / "none.json")
    citation_model.load.cache_clear()
    try:
        assert citation_model.load() is None and model_version_of().endswith("+citations:off")
    finally:
        monkeypatch.undo()
        citation_model.load.cache_clear()


@pytest.mark.parametrize(("module", "old", "new"), [(citation_model, '"threshold": 0.4', '"threshold": 0.7'),
                                                     (study_type, '"C": 10.0', '"C": 11.0')])
def test_a_changed_model_file_changes_the_rows_model_version(tmp_path, monkeypatch, module, old, new):
    """Both linear models shape claim_evidence in the extraction pass: a retrained one must re-extract every
    article."""
    before = model_version_of()
    copy = tmp_path / module.MODEL_PATH.name
    copy.write_text(module.MODEL_PATH.read_text().replace(old, new))
    monkeypatch.setattr(module, "MODEL_PATH", copy)
    assert model_version_of() != before


def test_retraining_writes_the_committed_file(tmp_path):
    """Reproducible from the repository: lbfgs and sorted features make a retrain byte-identical."""
    corpus_path()
    from pipeline.claims import train_citation_model

    out = tmp_path / "m.json"
    train_citation_model.main(["--out", str(out)])
    assert out.read_bytes() == citation_model.MODEL_PATH.read_bytes()


def _row(eid: str, stance_: str, method: str) -> dict:
    return {"evidence_id": eid, "claim_id": "rapid_onset", "doc_id": "pmid:1", "stance": stance_,
            "sentence": f"sentence {eid}", "method": method, "retracted": False}


@pytest.mark.parametrize(("decision", "expected"), [
    ({"decision": "reject"}, None),  # the rules' only row rejected: the model's row does not bring the article back
    ({"decision": "stance", "new_stance": "supports"}, "supports"),  # changed: the model's conflict does not mix it
    (None, "conflicts"),
])
def test_an_unreviewed_model_row_never_makes_the_counted_stance(decision, expected):
    from pipeline.claims.evidence import METHODS, apply_reviews, article_stances

    rows = [_row("a", "conflicts", METHODS["rules"]), _row("b", "conflicts", METHODS["citation-model"])]
    reviews = {"a": {**decision, "evidence_id": "a", "n_decisions": 1}} if decision else {}
    assert article_stances(apply_reviews(rows, reviews)).get(("rapid_onset", "pmid:1")) == expected
    # a reviewer's decision on the model's own row is a human judgement: it counts like any other
    reviewed = apply_reviews(rows, {**reviews, "b": {"decision": "stance", "new_stance": "supports",
                                                     "evidence_id": "b", "n_decisions": 1}})
    assert article_stances(reviewed)[("rapid_onset", "pmid:1")] == ("supports" if expected != "conflicts"
                                                                    else "mixed")


def test_rows_and_eval_name_the_method(tmp_path):
    """claim_evidence's `method` says which rows the model cited, and `kev eval` scores citations by method."""
    from pipeline.claims.evidence import evidence_rows
    from pipeline.evaluate.run import eval_claims
    from pipeline.nlp.extract import Item

    text = _battery("syn2:001")
    ex = Extractor().one(text, doc_id="syn2:001")
    rows = evidence_rows(Item("syn2:001", None, 1, text), ex, load_catalogue(), article_facts(text, ex), None)
    assert {r["method"] for r in rows} == {"rules-v1", "citation-model-v1"}
    record = next(r for r in map(json.loads, BATTERY.read_text().splitlines()) if r["doc_id"] == "syn2:001")
    result = eval_claims(BATTERY, [record], Extractor(), None)
    assert set(result["citations"]) == {"rules", "citation-model"}
    n = sum(c["n"] for c in result["citations"].values())
    assert n == len(rows) and 0 <= result["citation_precision"] <= 1


def test_the_pipeline_offers_the_model_only_sentences_on_the_claims_topic():
    """In a synthetic pooled analysis (the bundled sample), the model alone would cite "Ketamine reduced suicidal
    ideation relative to control at 4 h ..." for antidepressant efficacy and rapid onset; the rules' topic test
    keeps it to suicidal ideation, where the rules cite it themselves."""
    from pipeline.config import SAMPLE_DIR
    from pipeline.pubmed_xml import iter_records

    art = next(a for a in iter_records(str(SAMPLE_DIR / "sample-0001-baseline.xml"))
               if getattr(a, "pmid", None) == "99000023")
    text, model = art.text, citation_model.load()
    ex = Extractor().one(text, doc_id="pmid:99000023")
    topics: dict[int, set[str]] = {}
    found = stance.assess(text, ex, article_facts(text, ex), load_catalogue(), citations=model, topics=topics)
    i = next(k for k, (s, e) in enumerate(ex.sentences) if text[s:e].startswith("Ketamine reduced suicidal ideation"))
    assert topics[i] == {"suicidal_ideation"}
    assert {f.claim_id for f in found if f.sent_index == i} == {"suicidal_ideation"}
    rules = {(f.claim_id, f.sent_index): f.stance for f in found if f.method == "rules"}
    ungated = citation_model.extend(model, rules, {i: text[slice(*ex.sentences[i])]})
    assert ("antidepressant_efficacy", i) in ungated  # what the topic test keeps out

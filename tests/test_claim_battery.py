"""The claims rules against a battery of 120 synthetic mini-abstracts (`tests/data/claim_battery.jsonl`).

Each record was written from `../shared/annotation/GUIDELINES.md` alone, by a helper that read neither the corpus
nor this code: one phrasing per abstract (a result stated only by its p value or interval, a dose-against-dose
null, symptoms that returned by the second week, ...), with the stance a careful annotator gives every claim the
text settles. It measured 0.780 micro F1 before the rules it taught were written, so it is no longer unseen; it
stays as a regression floor for phrasings the corpus rarely has. README's number: `pytest -s -k claim_battery`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.claims import stance
from pipeline.claims.catalogue import load_catalogue
from pipeline.claims.facts import article_facts
from pipeline.nlp.extract import Extractor

BATTERY = Path(__file__).parent / "data" / "claim_battery.jsonl"


@pytest.fixture(scope="module")
def battery() -> list[dict]:
    return [json.loads(line) for line in BATTERY.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_battery_records_are_well_formed(battery):
    ids = {r["id"] for r in battery}
    assert len(battery) == len(ids) == 120
    claim_ids = {c.id for c in load_catalogue().claims}
    for r in battery:
        assert r["focus"] in claim_ids and set(r["expected"]) <= claim_ids
        assert all(e in r["text"] for e in r["evidence"]), r["id"]


def test_claim_battery_micro_f1(battery):
    """Article-level micro F1 over the stances each record settles, counted as `kev eval` counts claims."""
    ex, catalogue = Extractor(), load_catalogue()
    tp = fp = fn = 0
    wrong = []
    for r in battery:
        text = r["text"]
        extraction = ex.one(text, doc_id=r["id"])
        found = stance.assess(text, extraction, article_facts(text, extraction), catalogue)
        for claim_id, gold in r["expected"].items():
            got = stance.article_stance(found, claim_id)
            for polarity in ("supports", "conflicts"):
                a, b = gold in (polarity, "mixed"), got in (polarity, "mixed")
                tp, fp, fn = tp + (a and b), fp + (b and not a), fn + (a and not b)
            if got != gold:
                wrong.append(f"{r['id']} {claim_id}: {gold} expected, {got} ({r['pattern']})")
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    print(f"claim battery micro F1 {f1:.3f} (P {precision:.3f}, R {recall:.3f}); {len(wrong)} stances differ")
    assert f1 >= 0.95 and precision >= 0.97, "\n".join(wrong)


def _scored(name: str) -> dict:
    """`kev eval` on a battery file (the guidelines' output format): its one result."""
    from pipeline.evaluate.run import evaluate

    (result,) = evaluate(Path(__file__).parent / "data" / name, Extractor())
    return result


def _rules_recall(name: str, monkeypatch) -> float:
    """Evidence recall with the rules' citations alone: the floors are the rules', which the citation model must
    not hide."""
    from pipeline.claims import citation_model

    monkeypatch.setenv(citation_model.SWITCH, "off")
    citation_model.load.cache_clear()
    try:
        return _scored(name)["evidence_recall"]
    finally:
        monkeypatch.delenv(citation_model.SWITCH)
        citation_model.load.cache_clear()


def test_claim_battery_of_full_abstracts(monkeypatch):
    """80 full-length synthetic abstracts by a second helper (guidelines only), every claim's stance and evidence
    sentences: 0.847 micro F1 and 0.693 evidence recall before the rules it taught. `kev eval --gold
    tests/data/claim_battery_abstracts.jsonl` prints the numbers."""
    result = _scored("claim_battery_abstracts.jsonl")
    rules = _rules_recall("claim_battery_abstracts.jsonl", monkeypatch)
    assert result["kind"] == "claims" and result["n_docs"] == 80
    assert result["claims"]["micro"]["f1"] >= 0.90 and rules >= 0.68, result["claims"]["micro"]
    assert result["evidence_recall"] >= rules  # the citation model only adds citations


def test_second_claim_battery_of_full_abstracts(monkeypatch):
    """90 more full abstracts by three fresh helpers (guidelines and rulings only; trials, clinical practice and the
    perioperative literature, reviews and mechanistic work): 0.854 micro F1 and 0.732 evidence recall as they came,
    before the rules they taught (a null told as "no more effective than", "did not enhance", "without a measurable
    antidepressant effect", an unmet primary endpoint; every arm improving; onset judged at its own hours).
    `kev eval --gold tests/data/claim_battery_abstracts_2.jsonl` prints the numbers."""
    result = _scored("claim_battery_abstracts_2.jsonl")
    rules = _rules_recall("claim_battery_abstracts_2.jsonl", monkeypatch)
    assert result["kind"] == "claims" and result["n_docs"] == 90
    assert result["claims"]["micro"]["f1"] >= 0.89 and rules >= 0.74, result["claims"]["micro"]
    assert result["evidence_recall"] >= rules


def test_adverse_event_battery():
    """100 synthetic abstracts with every ADVERSE_EVENT span (a third helper, guidelines only): overlap F1 0.848
    before the vocabulary it taught (urinary-tract and hepatobiliary harms, palpitations, ...). `kev eval --gold
    tests/data/ae_battery.jsonl` prints the numbers."""
    result = _scored("ae_battery.jsonl")
    assert result["kind"] == "spans" and result["n_docs"] == 100
    assert result["labels"]["ADVERSE_EVENT"]["overlap"]["f1"] >= 0.89, result["labels"]["ADVERSE_EVENT"]


def test_second_adverse_event_battery():
    """120 more synthetic abstracts with every ADVERSE_EVENT span, by two more helpers (guidelines only): anaesthesia,
    pain, case reports, volunteers, pharmacovigilance, clinic series. Overlap F1 0.858 on the code before the
    vocabulary and cues they taught (lay dissociative words, manic switching, cardiac rhythm effects, "nausea and
    vomiting" as two effects, a pre-existing condition as none). `kev eval --gold tests/data/ae_battery_2.jsonl`."""
    result = _scored("ae_battery_2.jsonl")
    assert result["kind"] == "spans" and result["n_docs"] == 120
    assert result["labels"]["ADVERSE_EVENT"]["overlap"]["f1"] >= 0.90, result["labels"]["ADVERSE_EVENT"]


def test_third_adverse_event_battery():
    """50 synthetic abstracts by a fifth helper (guidelines only), written to vary how effects are worded: defined
    short forms ("BP elevation"), rare effects (hiccups, photophobia, hyperacusis), nasal and infusion-site effects.
    Overlap F1 0.772 on the code after the second battery's rounds, 0.732 on the code before them. `kev eval --gold
    tests/data/ae_battery_3.jsonl`."""
    result = _scored("ae_battery_3.jsonl")
    assert result["kind"] == "spans" and result["n_docs"] == 50
    assert result["labels"]["ADVERSE_EVENT"]["overlap"]["f1"] >= 0.84, result["labels"]["ADVERSE_EVENT"]


def test_fourth_adverse_event_battery():
    """40 synthetic depression and suicidality abstracts by a sixth helper (guidelines only), reporting effects the
    way such abstracts do. Overlap F1 0.906 on the code at the start of the version that wrote the three batteries
    before it, 0.939 as it came (after their rounds). `kev eval --gold tests/data/ae_battery_4.jsonl`."""
    result = _scored("ae_battery_4.jsonl")
    assert result["kind"] == "spans" and result["n_docs"] == 40
    assert result["labels"]["ADVERSE_EVENT"]["overlap"]["f1"] >= 0.94, result["labels"]["ADVERSE_EVENT"]

"""Train the citation model in one command: `python -m pipeline.claims.train_citation_model`.

Data: the finding sentences (what `findings.finding_part` keeps) of every training record (`training_records()`:
the gold set's train part and train_extra; never the dev part, dev6+7, dev2 or a held-out document). A sentence
is evidence for a claim when it covers at least half of one of the gold's evidence sentences, and then carries the
article's stance. Per claim, the model learns from the articles whose gold stance on it is `supports` or
`conflicts` only (mixed ones do not label their sentences' polarities one by one; `none` ones never reach it): it
is asked only where the rules found a stance. Features: sublinear TF-IDF of words and word pairs (IDF over all
training finding sentences, terms in at least two); a multinomial logistic regression, lbfgs, so a retrain writes
the same file. In the pipeline it is asked only about sentences on the claim's topic by the rules' test. C and the
threshold were chosen on the fresh abstracts of `fresh_citations` (see docs/claims.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pipeline.claims import citation_model, linear, stance
from pipeline.claims.catalogue import load_catalogue
from pipeline.claims.facts import article_facts
from pipeline.claims.findings import finding_part
from pipeline.evaluate.gold import CLAIM_IDS, training_records
from pipeline.evaluate.score import covers
from pipeline.nlp.extract import Extractor

C = 10.0
THRESHOLD = 0.4
MIN_DF = 2


def examples(records: list[dict], extractor: Extractor | None = None, with_topics: bool = False) -> list[dict]:
    """Per record: its finding sentences {index: text}, their gold labels {index: {claim: stance}}, the gold
    stances, the sentence offsets, and with `with_topics` the claims each sentence is on the topic of by the rules
    (what the pipeline gives the model as candidates; training does not need them)."""
    out = []
    catalogue = load_catalogue()
    runs = (extractor or Extractor()).run((r["doc_id"], None, 1, r["text"], None) for r in records)
    for rec, ex in zip(records, runs, strict=True):
        text = rec["text"]
        topics: dict[int, set[str]] = {}
        if with_topics:
            stance.assess(text, ex, article_facts(text, ex), catalogue, topics=topics)
        sents, labels = {}, {}
        for i, (s, e) in enumerate(ex.sentences):
            if not finding_part(ex, i, text):
                continue
            sents[i] = text[s:e]
            labels[i] = {cid: c["stance"] for cid, c in rec["claims"].items()
                         if any(covers(g, (s, e)) for g in c["evidence_offsets"])}
        out.append({"doc_id": rec["doc_id"], "sents": sents, "labels": labels, "sentences": ex.sentences,
                    "topics": topics,
                    "gold": {cid: c["stance"] for cid, c in rec["claims"].items()},
                    "evidence": {cid: c["evidence_offsets"] for cid, c in rec["claims"].items()}})
    return out


def fit(docs: list[dict], c: float = C, threshold: float = THRESHOLD) -> dict:
    """The model file's content: shared IDF, per claim the classes and weights."""
    counts = {(d["doc_id"], i): linear.words(t, citation_model.NGRAMS) for d in docs for i, t in d["sents"].items()}
    idf = linear.idf_of(list(counts.values()), MIN_DF)
    claims = {}
    for cid in CLAIM_IDS:
        feats, labels = [], []
        for d in docs:
            if d["gold"].get(cid) not in citation_model.POLARITIES:
                continue
            for i in d["sents"]:
                feats.append(linear.features(counts[(d["doc_id"], i)], idf, {}))
                labels.append(d["labels"][i].get(cid, "none"))
        if len(set(labels)) < 2:
            continue
        m = linear.fit(feats, labels, idf, c)
        claims[cid] = {"classes": m.classes, "intercept": m.intercept, "coef": m.coef}
    return {"threshold": threshold, "C": c, "min_df": MIN_DF, "ngrams": citation_model.NGRAMS,
            "idf": {w: round(v, 5) for w, v in idf.items()}, "claims": claims}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--out", type=Path, default=citation_model.MODEL_PATH)
    args = ap.parse_args(argv)
    docs = examples(training_records())
    payload = fit(docs)
    payload["trained_on"] = (f"training_records(): {len(docs)} abstracts, "
                             f"{sum(len(d['sents']) for d in docs)} finding sentences")
    args.out.write_text(json.dumps(payload, indent=0, sort_keys=True) + "\n")
    print(json.dumps({"out": str(args.out), "trained_on": payload["trained_on"], "n_terms": len(payload["idf"]),
                      "claims": {cid: len(c["coef"]) for cid, c in payload["claims"].items()}}))


if __name__ == "__main__":
    main()

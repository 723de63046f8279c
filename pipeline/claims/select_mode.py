"""Choose, per claim, whether rules, the sentence classifier or both find its evidence:
`python -m pipeline.claims.select_mode`. Decided on the tune part of the training records (never the dev split):
the mode with the best F1 of article-level stances (mixed counts as both polarities) wins, ties to rules.
Writes models/claims_sources.json with the scores."""

from __future__ import annotations

import json

from pipeline.claims import stance
from pipeline.claims.catalogue import load_catalogue
from pipeline.claims.facts import article_facts
from pipeline.claims.train_textcat import is_tune
from pipeline.evaluate.gold import training_records
from pipeline.evaluate.score import micro
from pipeline.nlp.extract import Extractor

MODES = ("rules", "model", "union")


def main() -> int:
    if stance.classifier() is None:
        raise SystemExit(f"no sentence classifier in {stance.CLASSIFIER_DIR}: train it first "
                         "(python -m pipeline.claims.train_textcat); models/claims_sources.json is left as it is")
    catalogue = load_catalogue()
    records = [r for r in training_records() if is_tune(r["doc_id"])]
    extractor = Extractor()
    exs = list(extractor.run((r["doc_id"], None, 1, r["text"], None) for r in records))
    scores: dict[str, dict[str, float]] = {c: {} for c in catalogue.ids}
    for mode in MODES:
        gold, pred = set(), set()
        for rec, ex in zip(records, exs, strict=True):
            facts = article_facts(rec["text"], ex)
            found = stance.assess(rec["text"], ex, facts, catalogue, dict.fromkeys(catalogue.ids, mode))
            for cid, claim in rec["claims"].items():
                p = stance.article_stance(found, cid)
                for pol in ("supports", "conflicts"):
                    if claim["stance"] in (pol, "mixed"):
                        gold.add((rec["doc_id"], cid, pol))
                    if p in (pol, "mixed"):
                        pred.add((rec["doc_id"], cid, pol))
        for cid in catalogue.ids:
            g = {x for x in gold if x[1] == cid}
            p = {x for x in pred if x[1] == cid}
            scores[cid][mode] = micro(g, p)["f1"] if g or p else 0.0
    modes = {cid: max(MODES, key=lambda m: (s[m], m == "rules")) for cid, s in scores.items()}
    out = {"modes": modes, "decided_on": scores, "n_tune_docs": len(records),
           "rule": "per claim, the mode with the best article-level F1 on the tune part (ties: rules)"}
    stance.MODES_FILE.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    print(json.dumps(out, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

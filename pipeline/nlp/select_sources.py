"""Choose, per label, whether rules, the tagger or their union serves it: `python -m pipeline.nlp.select_sources`.

The choice is made on data the tagger did not train on and the dev split never enters: the gold train part kept
aside for model selection ("tune"), and the held-out 20% of ADE-Corpus (ADVERSE_EVENT) and EBM-NLP (OUTCOME).
Per label, the mode with the best mean overlap F1 over its sets wins. Writes models/extraction.json with the
scores it decided on.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.evaluate.gold import corpus_dir, training_records
from pipeline.evaluate.run import _spans, read_jsonl
from pipeline.evaluate.score import score_spans
from pipeline.nlp import configuration, extract
from pipeline.nlp.train import NER_LABELS, ade_in_training, ebm_in_training, in_tune_part

MODES = ("rules", "model", "union")


def selection_sets() -> dict[str, tuple[list[dict], tuple[str, ...]]]:
    sets = {"gold_tune": ([r for r in training_records() if in_tune_part(r["doc_id"])], NER_LABELS)}
    ade = corpus_dir() / "ade" / "ae_spans.jsonl"
    if ade.exists():
        sets["ade_held_out"] = ([r for r in read_jsonl(ade) if not ade_in_training(r["doc_id"])],
                                ("ADVERSE_EVENT",))
    ebm = corpus_dir() / "ebm-nlp" / "outcome_spans.jsonl"
    if ebm.exists():
        sets["ebm_held_out"] = ([r for r in read_jsonl(ebm) if not ebm_in_training(r["doc_id"])], ("OUTCOME",))
    return sets


def main() -> int:
    extractor = extract.Extractor(with_model=True)
    sets = selection_sets()
    scores: dict[str, dict[str, dict[str, float]]] = {label: {} for label in NER_LABELS}
    for mode in MODES:
        extractor.sources = {**configuration.DEFAULT_SOURCES, **dict.fromkeys(NER_LABELS, mode)}
        for name, (records, labels) in sets.items():
            preds = list(extractor.run((r["doc_id"], None, 1, r["text"], None) for r in records))
            res = score_spans((r["spans"], _spans(p), r.get("labels") or list(labels))
                              for r, p in zip(records, preds, strict=True))
            for label in labels:
                if label in res:
                    scores[label].setdefault(mode, {})[name] = res[label]["overlap"]["f1"]
    chosen = {}
    for label, by_mode in scores.items():
        chosen[label] = max(MODES, key=lambda m: (sum(by_mode[m].values()) / len(by_mode[m]), m == "rules"))
    out = {"sources": {**configuration.DEFAULT_SOURCES, **chosen}, "decided_on": scores,
           "rule": "per label, the mode with the best mean overlap F1 over its selection sets (ties: rules)"}
    Path(configuration.SOURCES_FILE).write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    print(json.dumps(out, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Train the claim sentence classifier in one command: `python -m pipeline.claims.train_textcat`.

A spaCy `textcat_multilabel` (bag-of-words + n-grams, fast) over sentences of the gold training records: one label
per claim (is this sentence evidence for it?) and POSITIVE / NEGATIVE (its polarity, from the gold stance of
evidence sentences; mixed articles' sentences carry no polarity). The 15% "tune" part of the training records is
held aside; `select_mode` there decides, per claim, whether rules, the classifier or both find evidence.
"""

from __future__ import annotations

import json
import shutil

import spacy
from spacy.tokens import DocBin

from pipeline.claims.catalogue import load_catalogue
from pipeline.config import ROOT
from pipeline.evaluate.gold import training_records
from pipeline.evaluate.score import covers
from pipeline.nlp.components import make_scispacy_tokenizer
from pipeline.nlp.extract import Extractor
from pipeline.nlp.train import _bucket

CONFIG = ROOT / "models" / "claims_textcat.cfg"
MODEL_DIR = ROOT / "models" / "claims_textcat"
BUILD = ROOT / "build" / "claims_textcat"
POLARITY = ("POSITIVE", "NEGATIVE")


def is_tune(doc_id: str) -> bool:
    return _bucket("tune:" + doc_id) < 15


def sentence_examples(records: list[dict], extractor: Extractor, claim_ids: tuple[str, ...]
                      ) -> list[tuple[str, dict[str, float]]]:
    out = []
    for rec, ex in zip(records, extractor.run((r["doc_id"], None, 1, r["text"], None) for r in records),
                       strict=True):
        for s, e in ex.sentences[1:]:
            cats = dict.fromkeys(claim_ids, 0.0)
            pol: dict[str, float] = {}
            for cid, claim in rec["claims"].items():
                for gs, ge in claim["evidence_offsets"]:
                    if covers((gs, ge), (s, e)):
                        cats[cid] = 1.0
                        if claim["stance"] in ("supports", "conflicts"):
                            pol = {"POSITIVE": float(claim["stance"] == "supports"),
                                   "NEGATIVE": float(claim["stance"] == "conflicts")}
            if any(cats.values()) and pol:
                cats.update(pol)
            elif not any(cats.values()):
                cats.update(dict.fromkeys(POLARITY, 0.0))
            out.append((rec["text"][s:e], cats))
    return out


def main() -> int:
    from spacy.cli.train import train as spacy_train

    catalogue = load_catalogue()
    records = training_records()
    extractor = Extractor(with_model=False)
    nlp = spacy.blank("en")
    nlp.tokenizer = make_scispacy_tokenizer()(nlp)
    BUILD.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, recs in (("train", [r for r in records if not is_tune(r["doc_id"])]),
                       ("tune", [r for r in records if is_tune(r["doc_id"])])):
        db = DocBin()
        examples = sentence_examples(recs, extractor, catalogue.ids)
        for text, cats in examples:
            doc = nlp.make_doc(text)
            doc.cats = cats
            db.add(doc)
        db.to_disk(BUILD / f"{name}.spacy")
        counts[name] = {"sentences": len(examples),
                        "evidence": sum(1 for _, c in examples if any(c.get(k) for k in catalogue.ids))}
    print(json.dumps({"corpora": counts}))
    out = BUILD / "run"
    spacy_train(CONFIG, output_path=out, overrides={"paths.train": str(BUILD / "train.spacy"),
                                                    "paths.dev": str(BUILD / "tune.spacy")})
    if MODEL_DIR.exists():
        shutil.rmtree(MODEL_DIR)
    shutil.copytree(out / "model-best", MODEL_DIR)
    meta = json.loads((MODEL_DIR / "meta.json").read_text())
    meta.update({"name": "kev_claims", "corpora": counts, "catalogue_version": catalogue.version})
    (MODEL_DIR / "meta.json").write_text(json.dumps(meta, indent=2))
    print(f"model written to {MODEL_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

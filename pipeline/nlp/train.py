"""Train the entity tagger in one command: `python -m pipeline.nlp.train` (`make train` also relearns the
vocabulary and re-selects each label's source).

Corpora are built at train time from the shared corpus and never committed (they hold real texts):
  - the development gold set's train part and the single-pass extra set (all of it but a fixed 15% kept aside
    for spaCy's model selection and for choosing each label's source);
  - ADE-Corpus sentences (ADVERSE_EVENT), the 80% of them whose id hashes into the training part, with tokens the
    rules mark as TIMEPOINT or OUTCOME left unannotated (ADE does not annotate them, so they are not negatives);
  - EBM-NLP abstracts (OUTCOME), likewise the 80% training part, TIMEPOINT and adverse-event tokens unannotated.
The held-out 20% of ADE and EBM-NLP are reported separately by `kev eval`.
The gold dev part is never seen here: it is what `kev eval` reports on. Seed pinned in models/ner.cfg.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from pipeline.config import ROOT
from pipeline.evaluate.gold import corpus_dir, training_records
from pipeline.nlp import lexicon, rules
from pipeline.nlp.components import make_scispacy_tokenizer

NER_LABELS = ("TIMEPOINT", "OUTCOME", "ADVERSE_EVENT")
CONFIG = ROOT / "models" / "tagger.cfg"
MODEL_DIR = ROOT / "models" / "tagger"
BUILD = ROOT / "build" / "tagger"


def _bucket(key: str) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100


def in_tune_part(doc_id: str) -> bool:
    """The 15% of the training records held aside to choose label sources (never trained on, nor learnt from)."""
    return _bucket("tune:" + doc_id) < 15


def ade_in_training(doc_id: str) -> bool:
    return _bucket("ade-train:" + doc_id) < 80


def _doc(nlp, text: str, spans: list[tuple[int, int, str]], missing: list[tuple[int, int]] = ()) -> Doc:
    """A training Doc with BIO tags; tokens in `missing` spans get no tag (no loss: they are not negatives)."""
    doc = nlp.make_doc(text)
    ents = []
    for s, e, label in spans:
        span = doc.char_span(s, e, label=label, alignment_mode="expand")
        if span is not None:
            ents.append(span)
    ents = spacy.util.filter_spans(ents)
    tags = ["O"] * len(doc)
    for s, e in missing:
        span = doc.char_span(s, e, alignment_mode="expand")
        if span is not None:
            for i in range(span.start, span.end):
                tags[i] = ""
    for ent in ents:
        for i in range(ent.start, ent.end):
            tags[i] = ("B-" if i == ent.start else "I-") + ent.label_
    for tok, tag in zip(doc, tags, strict=True):
        if tag:
            tok.tag_ = tag
    return doc


def _overlaps_any(start: int, end: int, spans: list[tuple[int, int, str]]) -> bool:
    return any(s < end and start < e for s, e, _ in spans)


def ebm_in_training(doc_id: str) -> bool:
    return _bucket("ebm-train:" + doc_id) < 80


TRAINED_ON = {"ade/ae_spans.jsonl": ade_in_training, "ebm-nlp/outcome_spans.jsonl": ebm_in_training}


EBM_SENTENCE_END = re.compile(r"(?<=\s[.?!])\s+")
EDGE_PUNCT = re.compile(r"^(?:(?:the|a|an)\s+)?(.*?)[\s.,;:]*$", re.IGNORECASE | re.DOTALL)


def _trimmed(text: str, s: int, e: int) -> tuple[int, int]:
    """GUIDELINES boundaries on another source's span: no leading article, no trailing punctuation."""
    m = EDGE_PUNCT.match(text[s:e])
    return (s + m.start(1), s + m.end(1)) if m and m.end(1) > m.start(1) else (s, e)


def build_corpora(nlp: Language, ade_fraction: float = 1.0, ebm: bool = True, gold_copies: int = 1, ade_copies: int = 1,
                  ebm_copies: int = 1, ebm_sentences: bool = False, ebm_trim: bool = False
                  ) -> tuple[DocBin, DocBin, dict]:
    train, tune = DocBin(), DocBin()
    counts = {"gold_train": 0, "gold_tune": 0, "ade": 0, "ebm": 0}
    for rec in training_records():
        spans = [(s["start"], s["end"], s["label"]) for s in rec["spans"] if s["label"] in NER_LABELS]
        doc = _doc(nlp, rec["text"], spans)
        if in_tune_part(rec["doc_id"]):
            tune.add(doc)
            counts["gold_tune"] += 1
        else:
            for _ in range(gold_copies):
                train.add(doc)
            counts["gold_train"] += 1
    ade = corpus_dir() / "ade" / "ae_spans.jsonl"
    if ade.exists():
        with open(ade, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                if not ade_in_training(r["doc_id"]) or _bucket("frac:" + r["doc_id"]) >= ade_fraction * 100:
                    continue
                text = r["text"]
                missing = [(h.start, h.end) for h in rules.find_timepoints(text)]
                missing += [(h.start, h.end) for h in lexicon.outcomes().find(text)]
                spans = [(s["start"], s["end"], "ADVERSE_EVENT") for s in r["spans"]]
                doc = _doc(nlp, text, spans, missing)
                for _ in range(ade_copies):
                    train.add(doc)
                counts["ade"] += 1
    ebm_path = corpus_dir() / "ebm-nlp" / "outcome_spans.jsonl"
    if ebm and ebm_path.exists():
        with open(ebm_path, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                if not ebm_in_training(r["doc_id"]):
                    continue
                text = r["text"]
                missing = [(h.start, h.end) for h in rules.find_timepoints(text)]
                missing += [(h.start, h.end) for h in lexicon.adverse_events().find(text)]
                spans = [(s["start"], s["end"], "OUTCOME") for s in r["spans"]]
                if ebm_trim:
                    spans = [(*_trimmed(text, s, e), label) for s, e, label in spans]
                if ebm_sentences:  # crowd labels miss outcomes: sentences without any span are not negatives
                    start = 0
                    for m in [*EBM_SENTENCE_END.finditer(text), None]:
                        end = m.start() if m else len(text)
                        if not _overlaps_any(start, end, spans):
                            missing.append((start, end))
                        start = m.end() if m else len(text)
                doc = _doc(nlp, text, spans, missing)
                for _ in range(ebm_copies):
                    train.add(doc)
                counts["ebm"] += 1
    return train, tune, counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ade-fraction", type=float, default=1.0, help="share of the ADE training part to use")
    ap.add_argument("--max-steps", type=int, help="override training.max_steps")
    ap.add_argument("--no-ebm", action="store_true", help="leave EBM-NLP outcomes out of training")
    ap.add_argument("--gold-copies", type=int, default=2, help="how often each gold train document is repeated")
    ap.add_argument("--ade-copies", type=int, default=1)
    ap.add_argument("--ebm-copies", type=int, default=1)
    ap.add_argument("--ebm-sentences", action="store_true")
    ap.add_argument("--ebm-trim", action="store_true")
    ap.add_argument("--config", default=str(CONFIG), help="the training config (experiments)")
    ap.add_argument("--output", default=str(MODEL_DIR))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a config value (experiments), e.g. components.tok2vec.model.encode.width=96")
    args = ap.parse_args(argv)
    from spacy.cli.train import train as spacy_train

    nlp = spacy.blank("en")
    nlp.tokenizer = make_scispacy_tokenizer()(nlp)
    train, tune, counts = build_corpora(nlp, args.ade_fraction, not args.no_ebm, args.gold_copies, args.ade_copies,
                                       args.ebm_copies, args.ebm_sentences, args.ebm_trim)
    build = BUILD / Path(args.output).name  # one folder per output, so experiments can run side by side
    build.mkdir(parents=True, exist_ok=True)
    train.to_disk(build / "train.spacy")
    tune.to_disk(build / "tune.spacy")
    print(json.dumps({"corpora": counts}))
    overrides = {"paths.train": str(build / "train.spacy"), "paths.dev": str(build / "tune.spacy")}
    if args.max_steps:
        overrides["training.max_steps"] = args.max_steps
    for kv in args.set:
        key, value = kv.split("=", 1)
        overrides[key] = json.loads(value) if value[:1] in "[{0123456789-tfn\"" else value
    out = build / "run"
    spacy_train(Path(args.config), output_path=out, overrides=overrides)
    final = Path(args.output)
    if final.exists():
        shutil.rmtree(final)
    shutil.copytree(out / "model-best", final)
    meta = json.loads((final / "meta.json").read_text())
    digest = hashlib.sha256((final / "tagger" / "model").read_bytes()).hexdigest()[:8]
    meta.update({"name": "kev_tagger", "version": f"1.0.{digest}", "corpora": counts,
                 "labels": list(NER_LABELS), "scheme": "BIO"})
    (final / "meta.json").write_text(json.dumps(meta, indent=2))
    print(f"model written to {final}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

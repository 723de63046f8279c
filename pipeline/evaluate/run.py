"""`kev eval`: run the pipeline on gold texts and score it. One function per gold kind; formats are detected.

Kinds:
  spans       `*_spans.jsonl` (shared corpus), GUIDELINES-format records (`text` + `spans`), and the development
              gold set (ids + offsets, scored on its dev split unless told otherwise)
  doc_labels  `psynamic/doc_labels.jsonl` (texts joined from the `docs.jsonl` beside it)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from pipeline.claims import citation_model, design, sample_size, stance, study_type
from pipeline.claims.catalogue import load_catalogue
from pipeline.claims.conclusion import conclusion
from pipeline.claims.facts import article_facts
from pipeline.evaluate.gold import GoldError, check_guidelines_record, load_gold, locate_sentence, read_numbered
from pipeline.evaluate.score import covers, match_spans, micro, prf, score_spans
from pipeline.nlp.extract import Extraction, Extractor

DOC_ROUTES = {"oral", "intranasal", "intravenous", "subcutaneous", "inhaled", "other"}
# Source conventions (../shared/corpus/README.md): PsyNamic marks only the study drug's doses, so predictions
# are scored the same way there: doses linked to another drug (a comparator, a co-medication) are left out.
STUDY_DRUG_DOSES_ONLY = ("psynamic/dose_spans.jsonl",)


def read_jsonl(path: Path) -> list[dict]:
    """The records of a JSON-lines file; a bad line is an error naming the file and the line."""
    return [rec for _, rec in read_numbered(path)]


def detect_kind(first: dict) -> str:
    if "text_sha256" in first:
        return "dev_gold"
    if "text" in first and ("spans" in first or "claims" in first):
        return "spans"
    if "routes" in first or "study_types" in first:
        return "doc_labels"
    raise ValueError("unrecognised gold format: expected records with text+spans, text_sha256, or routes")


KIND_NAMES = {"dev_gold": "stored gold (ids and offsets)", "spans": "GUIDELINES-format (text, spans, claims)",
              "doc_labels": "document-label"}


def checked_records(path: Path, numbered: list[tuple[int, dict]]) -> tuple[str, list[dict]]:
    """The file's kind and its records, every line of that one kind; a GUIDELINES-format record must be valid (see
    `check_guidelines_record`; spans may overlap, as in the corpus's span files). Errors name file, line, doc_id."""
    kind = None
    for lineno, rec in numbered:
        where = f"{path}:{lineno}: {rec.get('doc_id', '(no doc_id)')}"
        try:
            this = detect_kind(rec)
        except ValueError as exc:
            raise GoldError(f"{where}: {exc}") from None
        kind = kind or this
        if this != kind:
            raise GoldError(f"{where}: a {KIND_NAMES[this]} record in a file of {KIND_NAMES[kind]} records (line "
                            f"{numbered[0][0]}): one file holds one format")
        try:
            if kind == "spans":
                check_guidelines_record(rec)
            elif not isinstance(rec.get("doc_id"), str):
                raise GoldError("a record needs a doc_id")
        except GoldError as exc:
            raise GoldError(f"{where}: {exc}") from None
    return kind or "", [rec for _, rec in numbered]


def predict(extractor: Extractor, records: Iterable[dict]) -> list[Extraction]:
    return list(extractor.run((r["doc_id"], None, 1, r["text"], None) for r in records))


def _spans(ex: Extraction) -> list[dict]:
    return [{"start": m.start, "end": m.end, "label": m.label, **m.attrs} for m in ex.mentions]


def _same_number(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-3 * max(1.0, abs(float(b)))


def _unit(u: object) -> str:
    return str(u or "").replace("\u03bc", "\u00b5").replace(" ", "").lower()


NORM_CHECKS = {
    "DOSE value": ("DOSE", lambda g, p: _same_number(g.get("value"), p.get("value"))),
    "DOSE unit": ("DOSE", lambda g, p: _unit(g.get("unit")) == _unit(p.get("unit"))),
    "DOSE value_max": ("DOSE", lambda g, p: _same_number(g.get("value_max"), p.get("value_max"))),
    "ROUTE norm": ("ROUTE", lambda g, p: g.get("norm") == p.get("norm")),
    "TIMEPOINT hours": ("TIMEPOINT", lambda g, p: _same_number(g.get("hours"), p.get("hours"))),
    "DRUG norm": ("DRUG", lambda g, p: g.get("norm") == p.get("norm")),
    "ADVERSE_EVENT negated": ("ADVERSE_EVENT", lambda g, p: bool(g.get("negated")) == bool(p.get("negated"))),
}


def normalisation(pairs_by_doc: list[tuple[list[dict], list[dict]]]) -> dict:
    """Accuracy of attributes on overlap-matched spans of the same label (only where gold gives the attribute)."""
    out = {}
    for name, (label, same) in NORM_CHECKS.items():
        attr = name.split(" ", 1)[1]
        n = ok = 0
        for gold, pred in pairs_by_doc:
            g = [s for s in gold if s["label"] == label]
            p = [s for s in pred if s["label"] == label]
            for gi, pi in match_spans([(s["start"], s["end"]) for s in g], [(s["start"], s["end"]) for s in p],
                                      strict=False):
                if attr not in g[gi]:
                    continue
                n += 1
                ok += same(g[gi], p[pi])
        if n:
            out[name] = {"accuracy": round(ok / n, 4), "n": n}
    return out


def _study_drug_only(ex: Extraction) -> list[dict]:
    return [s for s, m in zip(_spans(ex), ex.mentions, strict=True)
            if m.label != "DOSE" or m.drug in (None, ex.study_drug)]


def eval_spans(path: Path, records: list[dict], extractor: Extractor, split: str | None) -> dict:
    preds = predict(extractor, records)
    convert = _study_drug_only if str(path).endswith(STUDY_DRUG_DOSES_ONLY) else _spans
    gold_pred = [(r["spans"], convert(p), r.get("labels") or sorted({s["label"] for s in r["spans"]}))
                 for r, p in zip(records, preds, strict=True)]
    result = {"gold": str(path), "kind": "spans", "n_docs": len(records), "labels": score_spans(gold_pred),
              "normalisation": normalisation([(g, p) for g, p, _ in gold_pred])}
    if split:
        result["split"] = split
    trained = trained_part(path)
    if trained is not None:
        held = [gp for r, gp in zip(records, gold_pred, strict=True) if not trained(r["doc_id"])]
        result["held_out"] = {"n_docs": len(held), "labels": score_spans(held),
                              "note": "the part of this file the tagger was not trained on"}
    return result


def trained_part(path: Path) -> Callable[[str], bool] | None:
    """For a gold file partly used in training, the membership test of its training part (else None)."""
    from pipeline.nlp.train import TRAINED_ON

    for suffix, member in TRAINED_ON.items():
        if str(path).endswith(suffix):
            return member
    return None


def eval_doc_labels(path: Path, labels: list[dict], extractor: Extractor) -> dict:
    docs_path = path.parent / "docs.jsonl"
    if not docs_path.exists():
        raise FileNotFoundError(f"{path}: doc labels need their texts in {docs_path}")
    docs = read_jsonl(docs_path)
    texts = {r["doc_id"]: r.get("text") or (r["title"] + "\n" + (r.get("abstract") or "")) for r in docs}
    journals = {r["doc_id"]: r.get("journal") for r in docs}
    records = [{"doc_id": lab["doc_id"], "text": texts[lab["doc_id"]]} for lab in labels if lab["doc_id"] in texts]
    preds = {p_rec["doc_id"]: p for p_rec, p in zip(records, predict(extractor, records), strict=True)}
    gold_pairs, pred_pairs = set(), set()
    hits = {"study_types": [0, 0], "participants_bin": [0, 0], "conclusion": [0, 0]}
    for lab in labels:
        if lab["doc_id"] not in preds:
            continue
        ex, text = preds[lab["doc_id"]], texts[lab["doc_id"]]
        gold_pairs |= {(lab["doc_id"], r) for r in lab.get("routes") or []}
        pred_pairs |= {(lab["doc_id"], r if r in DOC_ROUTES else "other") for r in ex.routes}
        if lab.get("study_types"):
            hits["study_types"][0] += design.psynamic_type(text, journals[lab["doc_id"]]) in lab["study_types"]
            hits["study_types"][1] += 1
        if lab.get("participants_bin"):
            size = sample_size.sample_size(text)
            hits["participants_bin"][0] += sample_size.participants_bin(size) == lab["participants_bin"]
            hits["participants_bin"][1] += 1
        if lab.get("conclusion"):
            hits["conclusion"][0] += conclusion(text, ex) in lab["conclusion"]
            hits["conclusion"][1] += 1
    routes = micro(gold_pairs, pred_pairs)
    fields = {"routes": {k: routes[k] for k in ("precision", "recall", "f1", "tp", "fp", "fn")}}
    for name, (ok, n) in hits.items():
        fields[name] = {"accuracy": round(ok / n, 4) if n else None, "n": n}
    cv = study_type.cross_validated()
    if cv and str(path).endswith(study_type.TRAINED_ON):
        fields["study_types"]["cross_validated"] = cv
        fields["study_types"]["note"] = ("the study-type model was trained on this file: its expected accuracy on "
                                         "unseen abstracts is the cross-validated one")
    return {"gold": str(path), "kind": "doc_labels", "n_docs": len(records), "fields": fields}


def eval_claims(path: Path, records: list[dict], extractor: Extractor, split: str | None) -> dict:
    """Article-level stance per claim (mixed counts as both polarities), the share of gold evidence cited, and the
    share of citations that are gold evidence for their claim (overall and by the method that cited them)."""
    catalogue = load_catalogue()
    preds = predict(extractor, records)
    gold_pairs: set = set()
    pred_pairs: set = set()
    cited = total = 0
    by_method: dict[str, list[int]] = {}  # method -> [citations that are gold evidence, citations]
    for rec, ex in zip(records, preds, strict=True):
        facts = article_facts(rec["text"], ex)
        findings = stance.assess(rec["text"], ex, facts, catalogue, citations=citation_model.load())
        for cid, claim in rec["claims"].items():
            g = claim["stance"]
            p = stance.article_stance(findings, cid)
            for pol in ("supports", "conflicts"):
                if g in (pol, "mixed"):
                    gold_pairs.add((rec["doc_id"], cid, pol))
                if p in (pol, "mixed"):
                    pred_pairs.add((rec["doc_id"], cid, pol))
            spans = [(f.start, f.end) for f in findings if f.claim_id == cid]
            evidence = _evidence_offsets(rec["text"], claim)
            total += len(evidence)
            cited += sum(any(covers(g, sp) for sp in spans) for g in evidence)
            for f in findings:
                if f.claim_id == cid:
                    tally = by_method.setdefault(f.method, [0, 0])
                    tally[0] += any(covers(g, (f.start, f.end)) for g in evidence)
                    tally[1] += 1
    per_claim = {}
    for cid in sorted({c for _, c, _ in gold_pairs | pred_pairs} | set(catalogue.ids)):
        per_claim[cid] = {pol: {k: v for k, v in micro({x for x in gold_pairs if x[1:] == (cid, pol)},
                                                         {x for x in pred_pairs if x[1:] == (cid, pol)}).items()
                                if k in ("precision", "recall", "f1", "tp", "fp", "fn")}
                          for pol in ("supports", "conflicts")}
    overall = micro(gold_pairs, pred_pairs)
    result = {"gold": str(path), "kind": "claims", "n_docs": len(records),
              "claims": {**per_claim, "micro": {k: overall[k] for k in ("precision", "recall", "f1")}},
              "evidence_recall": round(cited / total, 4) if total else None, "n_evidence": total,
              "citation_precision": _share(*map(sum, zip(*by_method.values(), strict=True))) if by_method else None,
              "citations": {m: {"n": n, "precision": _share(ok, n)} for m, (ok, n) in sorted(by_method.items())}}
    if split:
        result["split"] = split
    return result


def _share(ok: int, n: int) -> float | None:
    return round(ok / n, 4) if n else None


def _evidence_offsets(text: str, claim: dict) -> list[tuple[int, int]]:
    """A claim's gold evidence as offsets, else its quoted sentences located (`check_file` made sure each is in the
    text: none is dropped from evidence recall's denominator)."""
    if claim.get("evidence_offsets"):
        return [tuple(x) for x in claim["evidence_offsets"]]
    return [locate_sentence(text, sentence) for sentence in claim.get("evidence") or []]


def check_file(path: Path | str) -> tuple[str, list[dict]]:
    """A gold file's kind and records, checked (a stored file loaded through `load_gold`, its records joined with
    their texts): `kev eval` runs it on every file before loading the models, so a bad file fails at once, and
    scores the records it returned."""
    path = Path(path)
    numbered = read_numbered(path)
    if not numbered:
        raise ValueError(f"{path}: no records")
    kind, records = checked_records(path, numbered)
    return (kind, load_gold(path).records) if kind == "dev_gold" else (kind, records)


def evaluate(path: Path | str, extractor: Extractor, split: str | None = "dev",
             checked: tuple[str, list[dict]] | None = None) -> list[dict]:
    """One result per kind of gold the file holds (spans, claims, doc_labels); `checked`: what `check_file`
    returned for it, when the caller already checked it."""
    path = Path(path)
    kind, records = checked or check_file(path)
    if kind == "dev_gold":
        recs = records if split in (None, "all") else [r for r in records if r["split"] == split]
        if not recs:
            splits = sorted({r["split"] for r in records})
            raise ValueError(f"{path}: no documents in split {split!r} (its splits: {', '.join(splits)}; "
                             "--split all scores every document)")
        return [eval_spans(path, recs, extractor, split or "all"), eval_claims(path, recs, extractor, split or "all")]
    if kind == "spans":
        out = [eval_spans(path, records, extractor, None)] if any(r.get("spans") for r in records) else []
        if any(r.get("claims") for r in records):
            out.append(eval_claims(path, [r for r in records if r.get("claims")], extractor, None))
        return out or [eval_spans(path, records, extractor, None)]
    return [eval_doc_labels(path, records, extractor)]


def _polarity_line(polarity: str, v: dict) -> str:
    """"n/a" where neither gold nor prediction has the stance: 0.00 there would read as a failure."""
    if v["tp"] + v["fp"] + v["fn"] == 0:
        return f"{polarity} n/a (gold 0, predicted 0)"
    return (f"{polarity} P {v['precision']:.2f} R {v['recall']:.2f} F1 {v['f1']:.2f} (gold {v['tp'] + v['fn']}, "
            f"predicted {v['tp'] + v['fp']})")


def summary_lines(result: dict) -> list[str]:
    lines = [f"{result['gold']} ({result['kind']}, {result['n_docs']} docs"
             + (f", split {result['split']}" if result.get("split") else "") + ")"]
    for label, modes in result.get("labels", {}).items():
        s, o = modes["strict"], modes["overlap"]
        lines.append(f"  {label:14} strict P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f}   "
                     f"overlap P {o['precision']:.3f} R {o['recall']:.3f} F1 {o['f1']:.3f}   "
                     f"(gold {o['tp'] + o['fn']})")
    for cid, pols in result.get("claims", {}).items():
        if cid == "micro":
            lines.append(f"  claims micro   P {pols['precision']:.3f} R {pols['recall']:.3f} F1 {pols['f1']:.3f}"
                         f"   evidence recall {result.get('evidence_recall')}")
            continue
        lines.append(f"  {cid:24} " + "   ".join(_polarity_line(pol, v) for pol, v in pols.items()))
    for name, v in result.get("normalisation", {}).items():
        lines.append(f"  {name:22} accuracy {v['accuracy']:.3f} (n={v['n']})")
    for label, modes in result.get("held_out", {}).get("labels", {}).items():
        o = modes["overlap"]
        lines.append(f"  held-out part ({result['held_out']['n_docs']} docs) {label}: strict F1 "
                     f"{modes['strict']['f1']:.3f}, overlap P {o['precision']:.3f} R {o['recall']:.3f} "
                     f"F1 {o['f1']:.3f}")
    for name, v in result.get("fields", {}).items():
        vals = "  ".join(f"{k} {v[k]:.3f}" if v[k] is not None else f"{k} n/a (no gold labels)"
                         for k in ("precision", "recall", "f1", "accuracy") if k in v)
        cv = v.get("cross_validated")
        lines.append(f"  {name:14} {vals}" + (f"  (trained on this file; {cv['folds']}-fold cross-validated "
                                               f"accuracy {cv['accuracy']:.3f})" if cv else ""))
    return lines


__all__ = ["evaluate", "summary_lines", "prf"]

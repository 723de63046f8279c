"""Scoring: span P/R/F1 (strict and overlap, one-to-one matching), micro P/R/F1 over pairs, accuracy."""

from __future__ import annotations

from collections.abc import Iterable


def covers(gold: tuple[int, int], cited: tuple[int, int]) -> bool:
    """A cited sentence counts for a gold evidence sentence when it holds at least half of it (sentence splits
    differ at the edges: a header, a merged clause)."""
    (gs, ge), (s, e) = gold, cited
    return min(ge, e) - max(gs, s) >= 0.5 * (ge - gs)


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def match_spans(gold: list[tuple[int, int]], pred: list[tuple[int, int]], strict: bool
                ) -> list[tuple[int, int]]:
    """Pairs (gold index, pred index), each span used at most once; exact pairs first, then best overlaps."""
    pairs, used_g, used_p = [], set(), set()
    exact = {sp: i for i, sp in enumerate(pred)}
    for gi, g in enumerate(gold):
        pi = exact.get(g)
        if pi is not None and pi not in used_p:
            pairs.append((gi, pi))
            used_g.add(gi)
            used_p.add(pi)
    if strict:
        return pairs
    cands = []
    for gi, (gs, ge) in enumerate(gold):
        if gi in used_g:
            continue
        for pi, (ps, pe) in enumerate(pred):
            if pi not in used_p and ps < ge and gs < pe:
                cands.append((-(min(ge, pe) - max(gs, ps)), gi, pi))
    for _, gi, pi in sorted(cands):
        if gi not in used_g and pi not in used_p:
            pairs.append((gi, pi))
            used_g.add(gi)
            used_p.add(pi)
    return pairs


def score_spans(docs: Iterable[tuple[list[dict], list[dict], list[str]]]) -> dict:
    """docs: (gold spans, predicted spans, labels the record declares) -> per label strict and overlap counts."""
    counts: dict[str, dict[str, list[int]]] = {}
    for gold, pred, labels in docs:
        for label in labels:
            g = sorted((s["start"], s["end"]) for s in gold if s["label"] == label)
            p = sorted((s["start"], s["end"]) for s in pred if s["label"] == label)
            c = counts.setdefault(label, {"strict": [0, 0, 0], "overlap": [0, 0, 0]})
            for mode in ("strict", "overlap"):
                tp = len(match_spans(g, p, mode == "strict"))
                c[mode][0] += tp
                c[mode][1] += len(p) - tp
                c[mode][2] += len(g) - tp
    return {label: {mode: prf(*v) for mode, v in c.items()} for label, c in sorted(counts.items())}


def micro(pairs_gold: set, pairs_pred: set) -> dict:
    tp = len(pairs_gold & pairs_pred)
    return prf(tp, len(pairs_pred) - tp, len(pairs_gold) - tp)

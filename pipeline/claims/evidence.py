"""Claim evidence rows (one per finding sentence) and the per-claim summary with its verdict."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pipeline.claims import citation_model, stance
from pipeline.claims.catalogue import Catalogue, load_catalogue
from pipeline.claims.facts import ArticleFacts
from pipeline.nlp.extract import Extraction, Item
from pipeline.review.decisions import current, effective, is_current, verdict
from pipeline.tables import store

METHOD = "rules-v1"
METHODS = {"rules": METHOD, "citation-model": citation_model.METHOD}  # a row's method: what cited its sentence
DESIGN_WEIGHT = {"systematic_review": 1.5, "rct": 1.0, "cohort": 0.6, "qualitative": 0.2, "case_report": 0.2,
                 "animal": 0.3, "other": 0.4, "protocol": 0.0}
VERDICT_RULE = ("supported: weighted support >= 2x weighted conflict and >= 3 supporting articles; contradicted: the "
                "reverse; contested: both sides have weight; insufficient evidence: fewer than 3 counted articles. "
                "Weight = design weight (" + ", ".join(f"{design.replace('_', ' ')} {w}" for design, w in
                                              sorted(DESIGN_WEIGHT.items(), key=lambda kv: -kv[1])) +
                ") x (0.5 + 0.5 x min(1, log10(n)/3)) for sample size n (0.5 when unknown, and for a systematic "
                "review, whose pooled participants are other studies'); a mixed article "
                "counts half to each side; retracted articles are listed, not counted.")


def evidence_rows(item: Item, ex: Extraction, catalogue: Catalogue, facts: ArticleFacts,
                  study_type: str | None) -> list[dict]:
    """One row per finding sentence of the article, with the article's facts and PsyNamic study type."""
    doc_id, pmid, version, text = item.doc_id, item.pmid, item.version, item.text
    found = stance.assess(text, ex, facts, catalogue, citations=citation_model.load())
    out = []
    for f in found:
        section = ex.sections[f.sent_index] if f.sent_index < len(ex.sections) else None
        role = ex.roles[f.sent_index]
        out.append({
            "evidence_id": stance.evidence_id(pmid or doc_id, version, f.claim_id, f.start, f.end),
            "claim_id": f.claim_id, "doc_id": doc_id, "pmid": pmid, "version": version,
            "sent_index": f.sent_index, "start": f.start, "end": f.end, "sentence": text[f.start:f.end],
            "section": section, "role": role, "stance": f.stance, "confidence": f.confidence,
            "cues": json.dumps(f.cues, ensure_ascii=False), "timepoint_hours": f.timepoint_hours,
            "outcome": f.outcome, "dose": f.dose, "route": f.route, "design": facts.design,
            "study_type": study_type, "sample_size": facts.sample_size, "populations": facts.populations,
            "retracted": facts.retracted,
            "method": METHODS[f.method], "model_version": ex.model_version,
            "catalogue_version": catalogue.version,
        })
    return out


def weight(design: str, n: int | None) -> float:
    """Design weight times a size factor. A review's size factor stays neutral (0.5): its pooled participants are
    other studies' (often already in the table), and the review's own weight (1.5) stands for pooling them."""
    if design == "systematic_review":
        n = None
    size = 0.5 if not n else 0.5 + 0.5 * min(1.0, math.log10(max(n, 1)) / 3)
    return round(DESIGN_WEIGHT.get(design, 0.4) * size, 4)


def apply_reviews(evidence: list[dict], reviews: dict[str, dict]) -> list[dict]:
    """Reviewer decisions override the model: `final_stance` is the reviewer's stance (the one confirmed, or the new
    one; `changed` when it is not the model's now), None if rejected.
    A decision made on another wording of the sentence (a record revised in place) is `outdated` and does not
    count: the sentence needs a new review."""
    out = []
    for r in evidence:
        d = reviews.get(r["evidence_id"])
        if d is None:
            status, final = "unreviewed", r["stance"]
        elif not is_current(d, r["sentence"]):
            status, final = "outdated", r["stance"]
        elif d["decision"] == "reject":
            status, final = "rejected", None
        else:  # the reviewer's stance: a new one, or the one confirmed (which a later model may have flipped)
            final = verdict(d, r["stance"])
            status = "confirmed" if final == r["stance"] else "changed"
        out.append({**r, "review_status": status, "final_stance": final,
                    "n_reviews": d["n_decisions"] if d else 0})
    return out


def article_stances(evidence: list[dict], reviews: bool = True) -> dict[tuple[str, str], str]:
    """(claim_id, doc_id) -> supports | conflicts | mixed, from the (reviewed) stances of its finding sentences;
    `reviews=False`: the pipeline's own stances, as if nobody had reviewed.
    A citation model's row no reviewer has decided on only repeats a stance the rules found, so it is left out:
    otherwise, once a reviewer rejects or changes the rules' row, it would make or turn the stance itself."""
    seen: dict[tuple[str, str], set] = defaultdict(set)
    for r in evidence:
        status = r.get("review_status", "unreviewed") if reviews else "unreviewed"
        if citation_model.cited_by_model(r) and status in ("unreviewed", "outdated"):
            continue
        stance = r.get("final_stance", r["stance"]) if reviews and "review_status" in r else r["stance"]
        if stance is not None:
            seen[(r["claim_id"], r["doc_id"])].add(stance)
    return {k: ("mixed" if len(v) > 1 else next(iter(v))) for k, v in seen.items()}


def verdict_of(n_sup: int, n_con: int, n_mix: int, w_sup: float, w_con: float) -> tuple[str, str]:
    """The verdict by VERDICT_RULE, and the branch that decided it with this claim's numbers."""
    counted, ws, wc = n_sup + n_con + n_mix, round(w_sup, 3), round(w_con, 3)
    if counted < 3:
        return "insufficient evidence", f"{counted} counted article{'s' if counted != 1 else ''} (fewer than 3)"
    if w_sup >= 2 * w_con and n_sup >= 3:
        return "supported", f"weighted support {ws} >= 2 x weighted conflict {wc}, and {n_sup} supporting articles"
    if w_con >= 2 * w_sup and n_con >= 3:
        return "contradicted", f"weighted conflict {wc} >= 2 x weighted support {ws}, and {n_con} conflicting " \
                               "articles"
    side = "support" if w_sup >= w_con else "conflict"
    short = (n_sup if side == "support" else n_con) < 3 and max(w_sup, w_con) >= 2 * min(w_sup, w_con)
    return "contested", (f"weighted support {ws} vs conflict {wc}: " +
                         (f"the {side} side has fewer than 3 articles of its own" if short
                          else "neither is twice the other"))


def summary_rows(evidence: list[dict], catalogue: Catalogue) -> list[dict]:
    stances = article_stances(evidence)
    first = {}
    for r in evidence:
        first.setdefault((r["claim_id"], r["doc_id"]), r)
    rows = []
    for claim in catalogue.claims:
        groups: dict[str, list[str]] = {"supports": [], "conflicts": [], "mixed": []}
        retracted: list[str] = []
        w_sup = w_con = 0.0
        for (cid, doc_id), st in sorted(stances.items()):
            if cid != claim.id:
                continue
            r = first[(cid, doc_id)]
            ref = r["pmid"] or doc_id
            if r["retracted"]:
                retracted.append(ref)
                continue
            groups[st].append(ref)
            w = weight(r["design"], r["sample_size"])
            w_sup += w if st == "supports" else w / 2 if st == "mixed" else 0
            w_con += w if st == "conflicts" else w / 2 if st == "mixed" else 0
        n_sup, n_con, n_mix = len(groups["supports"]), len(groups["conflicts"]), len(groups["mixed"])
        verdict, reason = verdict_of(n_sup, n_con, n_mix, w_sup, w_con)
        rows.append({
            "claim_id": claim.id, "statement": claim.statement, "n_supporting": n_sup, "n_conflicting": n_con,
            "n_mixed": n_mix, "supporting_pmids": groups["supports"], "conflicting_pmids": groups["conflicts"],
            "mixed_pmids": groups["mixed"], "retracted_pmids": retracted, "weighted_support": round(w_sup, 3),
            "weighted_conflict": round(w_con, 3), "verdict": verdict, "verdict_rule": VERDICT_RULE,
            "verdict_reason": reason,
            "n_evidence": sum(1 for r in evidence if r["claim_id"] == claim.id),
            "n_reviewed": sum(1 for r in evidence if r["claim_id"] == claim.id
                              and r.get("review_status", "unreviewed") not in ("unreviewed", "outdated")),
            "catalogue_version": catalogue.version,
            "method": METHOD if citation_model.load() is None else f"{METHOD}+{METHODS['citation-model']}",
        })
    return rows


def diff_rows(old: list[dict], new: list[dict], run_id: str) -> list[dict]:
    """Citations added, dropped, flipped or retracted per claim since the previous run: the article-level stances
    the summary counts (reviewed stances, retracted articles left out), so every change of the summary's lists
    has its row."""
    before, after = _counted_stances(old), _counted_stances(new)
    # what the pipeline alone said on each side: a change it did not make came from a reviewer's decision
    unreviewed_before, unreviewed_after = _counted_stances(old, reviews=False), _counted_stances(new, reviews=False)
    retracted_now = {(r["claim_id"], r["doc_id"]) for r in new if r.get("retracted")}
    pmid = {(r["claim_id"], r["doc_id"]): r["pmid"] for r in old + new}
    rows = []
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key), after.get(key)
        if was == now:
            continue
        if was is None:
            change = "added"
        elif now is None:
            change = "retracted" if key in retracted_now else "dropped"
        else:
            change = "flipped"
        cause = "retraction" if change == "retracted" else \
            "review" if unreviewed_before.get(key) == unreviewed_after.get(key) else "pipeline"
        rows.append({"run_id": run_id, "claim_id": key[0], "doc_id": key[1], "pmid": pmid.get(key),
                     "change": change, "old_stance": was, "new_stance": now, "cause": cause})
    return rows


def _counted_stances(evidence: list[dict], reviews: bool = True) -> dict[tuple[str, str], str]:
    return article_stances([r for r in evidence if not r.get("retracted")], reviews)


@dataclass
class ClaimTables:
    tables: dict[str, list[dict]]  # claim_evidence, claim_summary, claim_diff rows
    catalogue_version: str
    n_changes: int


def claim_tables(out: Path, evidence: list[dict], run_id: str) -> ClaimTables:
    """The run's claim tables: its evidence with the reviewers' decisions applied, the per-claim summary, and the
    diff log with this run's changes appended (against the published evidence, reviews applied on both sides)."""
    catalogue = load_catalogue()
    old = store.read_table(out, "claim_evidence")
    sentences = {r["evidence_id"]: r["sentence"] for r in evidence}
    reviewed = apply_reviews(evidence, effective(current(out, evidence), sentences))
    # like with like: the published rows carry their reviews, so the new ones are compared after theirs
    changes = diff_rows(old.to_pylist() if old is not None else [], reviewed, run_id)
    previous_diff = store.read_table(out, "claim_diff")
    return ClaimTables({"claim_evidence": reviewed, "claim_summary": summary_rows(reviewed, catalogue),
                        "claim_diff": (previous_diff.to_pylist() if previous_diff is not None else []) + changes},
                       catalogue.version, len(changes))

"""Measure the citation model where the rules are fresh: `python -m pipeline.claims.fresh_citations`.

The rules have read every annotated abstract since they were written, so on those abstracts they already cite
most of the gold's evidence and any addition looks useless. Commit be049d9 is the last one whose rules had seen
none of the 242 abstracts annotated after it (dev3, dev4 and dev5, now in train_extra, and dev6+7; its tagger had
not trained on them either). This runs that commit's rules on them in a git worktree, trains the citation model on
the training records without them, and scores the rules' findings alone and extended by the model, at each C and
threshold asked for (the candidates: today's finding sentences on the claim's topic by today's rules, as in
the pipeline): article micro F1 (mixed = both polarities; unchanged by construction), evidence recall (the
share of gold evidence sentences cited) and citation precision (the share of cited sentences that are gold
evidence for their claim). Needs the git history and the shared corpus; takes about a minute.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline.claims import citation_model
from pipeline.claims.train_citation_model import THRESHOLD, C, examples, fit
from pipeline.config import ROOT
from pipeline.evaluate.gold import CLAIM_IDS, EXTRA_FILE, corpus_dir, load_gold, training_records
from pipeline.evaluate.score import micro

FRESH_AT = "be049d9"
DEV67_FILE = ROOT / "data" / "gold" / "dev6_dev7.jsonl"
# run inside the old worktree: its rules' findings as {doc_id: [[claim, start, end, stance], ...]}
OLD_RULES = """
import json, sys
from pipeline.claims import stance
from pipeline.claims.catalogue import load_catalogue
from pipeline.claims.facts import article_facts
from pipeline.evaluate.gold import load_gold
from pipeline.nlp.extract import Extractor
ids = set(json.loads(sys.argv[1]))
recs = [r for path in sys.argv[2:] for r in load_gold(path).records if r["doc_id"] in ids]
cat = load_catalogue()
out = {}
for r, e in zip(recs, Extractor().run((r["doc_id"], None, 1, r["text"], None) for r in recs)):
    found = stance.assess(r["text"], e, article_facts(r["text"], e), cat)
    out[r["doc_id"]] = [[f.claim_id, f.start, f.end, f.stance] for f in found]
print(json.dumps(out))
"""


def fresh_ids() -> list[str]:
    """train_extra's abstracts added after FRESH_AT, and dev6+7."""
    old = subprocess.run(["git", "-C", str(ROOT), "show", f"{FRESH_AT}:data/gold/train_extra.jsonl"],
                         capture_output=True, text=True, check=True).stdout
    before = {json.loads(line)["doc_id"] for line in old.splitlines() if line.strip()}
    now = [json.loads(line)["doc_id"] for line in EXTRA_FILE.read_text().splitlines() if line.strip()]
    dev67 = [json.loads(line)["doc_id"] for line in DEV67_FILE.read_text().splitlines() if line.strip()]
    return [d for d in now if d not in before] + dev67


def old_rules(ids: list[str]) -> dict[str, list]:
    """FRESH_AT's rule findings on the documents, run in a temporary git worktree of that commit."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), FRESH_AT],
                       capture_output=True, check=True)
        try:
            done = subprocess.run([sys.executable, "-c", OLD_RULES, json.dumps(ids), str(EXTRA_FILE),
                                   str(DEV67_FILE)], cwd=tree,
                                  env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": tmp,
                                       "KEV_CORPUS": str(corpus_dir())},
                                  capture_output=True, text=True, check=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _covers(gs: int, ge: int, s: int, e: int) -> bool:
    return min(ge, e) - max(gs, s) >= 0.5 * (ge - gs)


def article_scores(docs: list[dict], found: dict[str, dict[tuple[str, int], str]]) -> dict:
    """Article micro F1, evidence recall and citation precision of findings {doc: {(claim, sentence): stance}}."""
    gold, pred = set(), set()
    hit = total = good = n_cited = 0
    for d in docs:
        f = found.get(d["doc_id"], {})
        for cid in CLAIM_IDS:
            g = d["gold"].get(cid, "none")
            stances = {st for (c, _), st in f.items() if c == cid}
            p = "mixed" if len(stances) > 1 else next(iter(stances), "none")
            for pol in citation_model.POLARITIES:
                if g in (pol, "mixed"):
                    gold.add((d["doc_id"], cid, pol))
                if p in (pol, "mixed"):
                    pred.add((d["doc_id"], cid, pol))
            cited = [d["sentences"][i] for (c, i) in f if c == cid]
            evidence = d["evidence"].get(cid, [])
            total += len(evidence)
            hit += sum(any(_covers(gs, ge, s, e) for s, e in cited) for gs, ge in evidence)
            n_cited += len(cited)
            good += sum(any(_covers(gs, ge, s, e) for gs, ge in evidence) for s, e in cited)
    return {**{k: round(v, 4) for k, v in micro(gold, pred).items() if k in ("precision", "recall", "f1")},
            "evidence_recall": round(hit / total, 4), "citation_precision": round(good / n_cited, 4),
            "n_cited": n_cited}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--C", type=float, nargs="+", default=[C])
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.4, 0.5, THRESHOLD, 0.7])
    args = ap.parse_args(argv)
    ids = fresh_ids()
    found_old = old_rules(ids)
    records = [r for r in load_gold(EXTRA_FILE).records + load_gold(DEV67_FILE).records if r["doc_id"] in set(ids)]
    docs = examples(records)
    train = examples([r for r in training_records() if r["doc_id"] not in set(ids)])
    rules = {}
    for d in docs:
        rules[d["doc_id"]] = {}
        for cid, a, b, st in found_old.get(d["doc_id"], []):
            # the sentence of today's split that holds most of the old finding's sentence
            i = next((k for k, (s, e) in enumerate(d["sentences"]) if min(b, e) - max(a, s) > 0.5 * (b - a)), None)
            if i is not None:
                rules[d["doc_id"]][(cid, i)] = st
    out = {"fresh_at": FRESH_AT, "n_docs": len(docs), "n_train_docs": len(train),
           "rules_fresh": article_scores(docs, rules), "extended": {}}
    for c in args.C:
        data = fit(train, c)
        for t in args.thresholds:
            model = citation_model.from_dict({**data, "threshold": t})
            ext = {}
            for d in docs:
                added = citation_model.extend(model, rules[d["doc_id"]], d["sents"], d["topics"])
                ext[d["doc_id"]] = {**rules[d["doc_id"]], **{k: st for k, (st, _) in added.items()}}
            out["extended"][f"C={c} threshold={t}"] = article_scores(docs, ext)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

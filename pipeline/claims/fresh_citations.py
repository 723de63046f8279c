"""Measure the citation model where the rules are fresh: `python -m pipeline.claims.fresh_citations`.

The rules have read every annotated abstract since they were written, so on those abstracts they already cite
most of the gold's evidence and any addition looks useless. Commit be049d9 is the last one whose rules had seen
none of the 242 abstracts annotated after it (dev3, dev4 and dev5, now in train_extra, and dev6+7; its tagger had
not trained on them either). This runs that commit's rules on them in a git worktree, trains the citation model on
the training records without them, and scores the rules' findings alone and extended by the model, at each C and
threshold asked for, with two topic tests choosing the candidate sentences: today's, as in the pipeline (it was
written after these abstracts were read, so its numbers are optimistic), and that commit's own. Scores: article
micro F1 (mixed = both polarities; unchanged by construction), evidence recall (the share of gold evidence
sentences cited) and citation precision (the share of cited sentences that are gold evidence for their claim).
Needs the git history and the shared corpus; takes about a minute.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline.claims import citation_model
from pipeline.claims.train_citation_model import C, examples, fit
from pipeline.config import ROOT
from pipeline.evaluate.gold import CLAIM_IDS, EXTRA_FILE, corpus_dir, load_gold, training_records
from pipeline.evaluate.score import covers, micro

FRESH_AT = "be049d9"
DEV67_FILE = ROOT / "data" / "gold" / "dev6_dev7.jsonl"
# run inside the old worktree: its rules' findings, and the finding sentences on each claim's topic by its own topic
# test (inline in that commit's `assess`; replayed here line for line, without the filters that follow it and
# without its claim modes, which were all `rules` there), as
# {doc_id: {"found": [[claim, start, end, stance], ...], "topics": [[claim, sentence index], ...], "sentences": ...}}
OLD_RULES = """
import json, sys
from pipeline.claims import stance as S
from pipeline.claims.catalogue import load_catalogue
from pipeline.claims.cues import DEPRESSION_WORDS, DRUG_WORDS, OTHER_CONDITION
from pipeline.claims.facts import article_facts
from pipeline.claims.findings import NOT_A_FINDING, NULL_TREATMENT_ASSOCIATION, enrolled_only, finding_part
from pipeline.evaluate.gold import load_gold
from pipeline.nlp.extract import STUDY_DRUGS, Extractor


def on_topic(claim, sentence, kinds, mentions, text, facts):
    topic = any(rx.search(sentence) for rx in claim.topic) or bool(kinds & set(claim.outcome_kinds))
    depressive = claim.profile in ("efficacy", "durability") and claim.id != "suicidal_ideation"
    if depressive and not facts.depression:
        return False
    if depressive and DEPRESSION_WORDS.search(sentence) and enrolled_only(sentence):
        topic = False
    elif depressive and DEPRESSION_WORDS.search(sentence):
        topic = topic or bool(S.GENERIC_EFFICACY.search(sentence))
    elif depressive:
        topic = topic and facts.depression and not OTHER_CONDITION.search(sentence)
        if not topic and facts.depression and not OTHER_CONDITION.search(sentence):
            topic = bool(S.GENERIC_EFFICACY.search(sentence))
    if not topic and claim.title_topic:
        topic = S._study_topic(text, sentence, mentions, claim)
    return topic and not (claim.profile in ("efficacy", "durability") and NOT_A_FINDING.search(sentence)
                          and not NULL_TREATMENT_ASSOCIATION.search(sentence))


def topics(text, ex, facts, cat):
    by_sent = {}
    for m in ex.mentions:
        by_sent.setdefault(m.sent_index, []).append(m)
    claims = [c for c in cat.claims if S._applies(c, facts)]
    out = []
    for i in range(len(ex.sentences)):
        part = finding_part(ex, i, text)
        if not part:
            continue
        sentence = text[slice(*part)]
        mentions = [m for m in by_sent.get(i, []) if part[0] <= m.start < part[1]]
        kinds = {m.attrs.get("kind") for m in mentions if m.label == "OUTCOME"}
        if not DRUG_WORDS.search(sentence) and (bool(S.OTHER_TREATMENT.search(sentence)) or any(
                m.label == "DRUG" and m.canonical not in STUDY_DRUGS for m in mentions)):
            continue
        out += [[c.id, i] for c in claims if on_topic(c, sentence, kinds, mentions, text, facts)]
    return out


ids = set(json.loads(sys.argv[1]))
recs = [r for path in sys.argv[2:] for r in load_gold(path).records if r["doc_id"] in ids]
cat = load_catalogue()
out = {}
for r, e in zip(recs, Extractor().run((r["doc_id"], None, 1, r["text"], None) for r in recs)):
    facts = article_facts(r["text"], e)
    found = S.assess(r["text"], e, facts, cat)
    out[r["doc_id"]] = {"found": [[f.claim_id, f.start, f.end, f.stance] for f in found],
                        "topics": topics(r["text"], e, facts, cat), "sentences": e.sentences}
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


def old_rules(ids: list[str]) -> dict[str, dict]:
    """FRESH_AT's rule findings and topic decisions on the documents, run in a temporary git worktree of it."""
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
            hit += sum(any(covers(g, c) for c in cited) for g in evidence)
            n_cited += len(cited)
            good += sum(any(covers(g, c) for g in evidence) for c in cited)
    return {**{k: round(v, 4) for k, v in micro(gold, pred).items() if k in ("precision", "recall", "f1")},
            "evidence_recall": round(hit / total, 4), "citation_precision": round(good / n_cited, 4),
            "n_cited": n_cited}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--C", type=float, nargs="+", default=[C])
    ap.add_argument("--thresholds", type=float, nargs="+", default=[0.4, 0.5, 0.6, 0.7])
    args = ap.parse_args(argv)
    ids = fresh_ids()
    found_old = old_rules(ids)
    records = [r for r in load_gold(EXTRA_FILE).records + load_gold(DEV67_FILE).records if r["doc_id"] in set(ids)]
    docs = examples(records, with_topics=True)
    train = examples([r for r in training_records() if r["doc_id"] not in set(ids)])
    rules, old_topics = {}, {}
    for d in docs:
        old = found_old[d["doc_id"]]
        rules[d["doc_id"]] = {(cid, i): st for cid, a, b, st in old["found"]
                              if (i := _today_index(d["sentences"], a, b)) is not None}
        old_topics[d["doc_id"]] = {}
        for cid, k in old["topics"]:
            if (i := _today_index(d["sentences"], *old["sentences"][k])) is not None:
                old_topics[d["doc_id"]].setdefault(i, set()).add(cid)
    out = {"fresh_at": FRESH_AT, "n_docs": len(docs), "n_train_docs": len(train),
           "rules_fresh": article_scores(docs, rules), "extended": {}}
    # the pipeline's candidates (today's topic test, which has read these abstracts: optimistic) and FRESH_AT's own
    topic_tests = {"today's topic test": {d["doc_id"]: d["topics"] for d in docs},
                   f"{FRESH_AT}'s topic test": old_topics}
    for c in args.C:
        data = fit(train, c)
        for t in args.thresholds:
            model = citation_model.from_dict({**data, "threshold": t})
            for name, per_doc in topic_tests.items():
                ext = {}
                for d in docs:
                    added = citation_model.extend(model, rules[d["doc_id"]], d["sents"], per_doc[d["doc_id"]])
                    ext[d["doc_id"]] = {**rules[d["doc_id"]], **{k: st for k, (st, _) in added.items()}}
                out["extended"][f"C={c} threshold={t}, {name}"] = article_scores(docs, ext)
    print(json.dumps(out, indent=1))


def _today_index(sentences: list[tuple[int, int]], a: int, b: int) -> int | None:
    """The sentence of today's split that holds most of an old sentence (a, b)."""
    return next((k for k, (s, e) in enumerate(sentences) if min(b, e) - max(a, s) > 0.5 * (b - a)), None)


if __name__ == "__main__":
    main()

"""Further citations for the rules' stances: per claim, a linear model over a finding sentence's words and pairs.

Why: on abstracts they had not seen, the rules cite about half of the sentences annotators give as evidence; in
the articles where they do find the stance, the missed sentences are mostly worded in ways no cue names yet. This
model, trained on the gold's evidence sentences, cites further finding sentences for a stance the rules found in
that article (`extend`). It never makes or turns a stance: a learned stance source scored no better than the rules
on unseen abstracts and lost when added to them (docs/claims.md). Trained by
`python -m pipeline.claims.train_citation_model`, measured where the rules are fresh by
`python -m pipeline.claims.fresh_citations`; stored as plain JSON (`models/claims_citations.json`) and applied with
`linear`'s arithmetic, no scikit-learn.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache

from pipeline.claims import linear
from pipeline.config import ROOT

MODEL_PATH = ROOT / "models" / "claims_citations.json"
METHOD = "citation-model-v1"  # claim_evidence.method of the model's rows
SWITCH = "KEV_CITATION_MODEL"  # "off": the rules' citations alone
OFF = ("off", "0", "false", "no")
POLARITIES = ("supports", "conflicts")
NGRAMS = 2


@dataclass(frozen=True)
class CitationModel:
    claims: dict[str, linear.LinearModel]
    idf: dict[str, float]
    threshold: float

    def features(self, sentence: str) -> dict[str, float]:
        return linear.features(linear.words(sentence, NGRAMS), self.idf, {})

    def call(self, claim_id: str, feats: dict[str, float]) -> tuple[str, float] | None:
        """The likelier polarity and its probability when it reaches the threshold, else None."""
        model = self.claims.get(claim_id)
        if model is None:
            return None
        probs = model.probabilities(feats)
        scored = {c: p for c, p in probs.items() if c in POLARITIES}
        best = max(scored, key=scored.__getitem__, default=None)
        return (best, round(scored[best], 2)) if best and scored[best] >= self.threshold else None


def extend(model: CitationModel, found: dict[tuple[str, int], str], sentences: dict[int, str],
           topics: dict[int, set[str]] | None = None) -> dict[tuple[str, int], tuple[str, float]]:
    """Further citations for the rules' findings {(claim, sentence index): stance}: {(claim, index): (stance, p)}
    for each candidate sentence the model calls evidence with a polarity the rules found for that claim in the
    article; with `topics` ({index: claim ids}, the rules' topic test) only sentences on the claim's topic ("reduced
    suicidal ideation" is no citation for antidepressant efficacy). The article's stances stay the rules'."""
    stances: dict[str, set[str]] = {}
    for (cid, _), stance in found.items():
        stances.setdefault(cid, set()).add(stance)
    out = {}
    feats: dict[int, dict[str, float]] = {}
    for cid in sorted(stances):
        for i, sentence in sorted(sentences.items()):
            if (cid, i) in found or (topics is not None and cid not in topics.get(i, ())):
                continue
            if i not in feats:
                feats[i] = model.features(sentence)
            call = model.call(cid, feats[i])
            if call and call[0] in stances[cid]:
                out[(cid, i)] = call
    return out


def cited_by_model(row: dict) -> bool:
    """Whether an evidence row is one of the model's further citations (any version of its method)."""
    return str(row.get("method") or "").startswith("citation-model")


def from_dict(data: dict) -> CitationModel:
    idf = data["idf"]
    claims = {cid: linear.LinearModel(c["classes"], idf, c["coef"], c["intercept"])
              for cid, c in data["claims"].items()}
    return CitationModel(claims, idf, data["threshold"])


def enabled() -> bool:
    """Whether the pipeline cites with the model: it is trained and not switched off (`KEV_CITATION_MODEL=off`)."""
    return os.environ.get(SWITCH, "").lower() not in OFF and MODEL_PATH.exists()


@cache
def load() -> CitationModel | None:
    """The committed model, read once per process; None when not `enabled()`."""
    if not enabled():
        return None
    return from_dict(json.loads(MODEL_PATH.read_text()))

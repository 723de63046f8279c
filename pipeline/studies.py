"""One row per article on the study it reports: drug, routes, design, type, size and populations.

Why a table of its own: an analyst counting studies ("randomised trials of intranasal esketamine in TRD") needs
these facts for every article, while `claim_evidence` only has rows for articles with a finding on a claim. The
values are the same ones the claims stage weighs evidence with, computed in the same pass.
"""

from __future__ import annotations

import re

from pipeline.claims import design
from pipeline.claims.facts import ArticleFacts, article_facts
from pipeline.nlp.extract import Extraction, Item


def facts_of(item: Item, ex: Extraction) -> ArticleFacts:
    """The article facts from an item's text and its PubMed metadata (publication types, MeSH, retraction)."""
    meta = item.meta or {}
    return article_facts(item.text, ex, meta.get("publication_types"), meta.get("mesh"), bool(meta.get("retracted")))


def study_type_of(item: Item) -> str:
    """PsyNamic's study type of the article (the trained model, else the rules)."""
    meta = item.meta or {}
    return design.psynamic_type(item.text, meta.get("journal"), meta.get("publication_types"))


# a drug the text says was not given: "without lithium", "no benzodiazepines"; not "no differences between ketamine
# and midazolam", whose sentence-level negation says nothing about the drugs named
DRUG_DENIED = re.compile(r"\b(?:without|no|not|nor|neither|free of|never)\s+(?:[\w-]+\s+)?$", re.IGNORECASE)


def study_row(item: Item, ex: Extraction, facts: ArticleFacts, study_type: str) -> dict:
    doc_id, pmid, version, text = item.doc_id, item.pmid, item.version, item.text
    drugs = sorted({m.canonical for m in ex.mentions if m.label == "DRUG" and m.canonical
                    and not DRUG_DENIED.search(text, max(0, m.start - 30), m.start)})
    return {
        "doc_id": doc_id, "pmid": pmid, "version": version, "study_drug": ex.study_drug, "drugs": drugs,
        "routes": list(ex.routes), "design": facts.design, "study_type": study_type,
        "sample_size": facts.sample_size, "populations": list(facts.populations),
        "depression": facts.depression, "adjunct": facts.adjunct, "retracted": facts.retracted,
        "n_doses": len(ex.doses),
        "model_version": ex.model_version,
    }

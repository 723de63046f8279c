"""What shapes the extracted rows besides the text: which source (rules, model or both) serves each label
(`models/extraction.json`, chosen by `kev eval`, not by code), and the model version that names the tagger, that
configuration, the vocabularies and the code, so a change to any of them re-extracts."""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

from spacy.language import Language

from pipeline.config import ROOT
from pipeline.nlp import lexicon, pretrained

MODEL_DIR = ROOT / "models" / "tagger"


SOURCES_FILE = ROOT / "models" / "extraction.json"


DEFAULT_SOURCES = {"DRUG": "rules", "DOSE": "rules", "ROUTE": "rules", "TIMEPOINT": "rules", "OUTCOME": "rules",
                   "ADVERSE_EVENT": "rules"}


@cache
def label_sources(path: Path = SOURCES_FILE) -> dict[str, str]:
    if path.exists():
        return {**DEFAULT_SOURCES, **json.loads(path.read_text())["sources"]}
    return dict(DEFAULT_SOURCES)


def model_version(nlp: Language) -> str:
    """Names what shaped a mention: the NER model's name and version, and the label-source configuration."""
    meta = nlp.meta
    base = f"{meta.get('name', 'blank')}-{meta.get('version', '0')}" if "tagger" in nlp.pipe_names else "rules"
    return base + _configuration_tag()


def model_version_of(model_dir: Path | None = MODEL_DIR) -> str:
    """The same string without loading the model (for deciding what needs re-extraction)."""
    meta_file = Path(model_dir) / "meta.json" if model_dir else None
    if meta_file is None or not meta_file.exists():
        return "rules" + _configuration_tag()
    meta = json.loads(meta_file.read_text())
    return f"{meta.get('name', 'blank')}-{meta.get('version', '0')}" + _configuration_tag()


def _configuration_tag() -> str:
    """What besides the tagger shapes the rows: vocabularies, label sources, study-type model, citation model (or
    `+citations:off` when it is switched off or its file is missing), pretrained pipeline."""
    from pipeline.claims import citation_model

    return f"+{_sources_hash()}{_pretrained_tag()}{'' if citation_model.enabled() else '+citations:off'}"


def _pretrained_tag() -> str:
    """A configured pretrained pipeline (KEV_PRETRAINED) shapes mentions too: its name, version and label map join
    the model version, so upgrading it or changing the map re-extracts."""
    name = os.environ.get("KEV_PRETRAINED")
    return f"+pretrained:{pretrained.describe(name)}" if name else ""


CODE_DIRS = (ROOT / "pipeline" / "nlp", ROOT / "pipeline" / "claims")


# Scripts that train or select models change rows only through the files they write, which are hashed themselves.
TRAINING_SCRIPTS = {"train.py", "learn_vocab.py", "select_sources.py", "train_study_type.py", "train_citation_model.py",
                    "fresh_citations.py"}


def _sources_hash() -> str:
    """Vocabularies, label sources, the study-type and citation models, and the extraction and
    claims code change the stage's rows as much as the tagger does: a new one re-extracts every article on the next run
    (`study_type` in claim_evidence comes from the same pass), so no row is left from rules that are no longer the
    pipeline's. Code is hashed by relative path and content with line endings normalised, so every clone of one
    commit agrees."""
    from pipeline.claims import citation_model, study_type

    h = hashlib.sha256(json.dumps(label_sources(), sort_keys=True).encode())
    cited = [citation_model.MODEL_PATH] if citation_model.enabled() else []  # off: its file shapes no row
    for f in [*sorted(lexicon.VOCAB_DIR.glob("*.yaml")), study_type.MODEL_PATH, *cited]:
        if f.exists():
            h.update(f.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    code = [(d, f) for d in CODE_DIRS for f in d.rglob("*.py") if f.name not in TRAINING_SCRIPTS]
    code.append((ROOT / "pipeline", ROOT / "pipeline" / "mentions.py"))
    for d, f in sorted(code, key=lambda x: x[1].relative_to(x[0].parent).as_posix()):
        h.update(f.relative_to(d.parent).as_posix().encode() + b"\0" + f.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return h.hexdigest()[:8]

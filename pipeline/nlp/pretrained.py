"""An optional pretrained spaCy pipeline (a scispaCy model such as `en_ner_bc5cdr_md`) as one more span source.

Nothing depends on one: without `KEV_PRETRAINED` the extractor never imports or loads anything here. With it, the
named pipeline (an installed package or a path) runs on each abstract and its entities, renamed by
`KEV_PRETRAINED_LABELS` (default "DISEASE=ADVERSE_EVENT"), join our candidates where no rule or tagger span
of the same label already stands; their `source` is `pretrained`, and the model version of every mention names the
pipeline, so a run with one is told apart from a run without. Whether it helps is for `kev eval` to say.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import spacy
from spacy.language import Language

from pipeline.nlp.labels import LABELS

# Diseases only: a CHEMICAL=DRUG map would let glutamate, cortisol or saline take routes and doses from ketamine
# (they join the drugs that doses and routes link to); map it explicitly, and measure, if you want it.
DEFAULT_LABELS = "DISEASE=ADVERSE_EVENT"


class PretrainedError(ValueError):
    """A pretrained pipeline that cannot be loaded or a label mapping that names no label of ours."""


def parse_labels(spec: str) -> dict[str, str]:
    out = {}
    for pair in filter(None, (p.strip() for p in spec.split(","))):
        theirs, _, ours = pair.partition("=")
        if not theirs or ours not in LABELS:
            raise PretrainedError(f"KEV_PRETRAINED_LABELS entry {pair!r}: expected THEIR_LABEL=ONE_OF{list(LABELS)}")
        out[theirs.strip()] = ours
    return out


@dataclass
class Pretrained:
    nlp: Language
    labels: dict[str, str]

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        doc = self.nlp(text)
        return [(e.start_char, e.end_char, self.labels[e.label_]) for e in doc.ents if e.label_ in self.labels]


def describe(name: str) -> str:
    """`<name>-<version>-<label map hash>` without loading the pipeline: meta.json of a folder, else the installed
    package's version."""
    folder = Path(name)
    version = "unknown"
    if (folder / "meta.json").exists():
        meta = json.loads((folder / "meta.json").read_text())
        version = str(meta.get("version", "unknown"))
    else:
        with contextlib.suppress(metadata.PackageNotFoundError):
            version = metadata.version(name)
    labels = parse_labels(os.environ.get("KEV_PRETRAINED_LABELS", DEFAULT_LABELS))
    digest = hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:6]
    return f"{folder.name}-{version}-{digest}"


def from_env() -> Pretrained | None:
    """The configured pipeline, or None when `KEV_PRETRAINED` is unset."""
    name = os.environ.get("KEV_PRETRAINED")
    if not name:
        return None
    labels = parse_labels(os.environ.get("KEV_PRETRAINED_LABELS", DEFAULT_LABELS))
    try:
        nlp = spacy.load(name, exclude=["lemmatizer"])
    except OSError as exc:
        raise PretrainedError(f"KEV_PRETRAINED={name!r} is neither an installed spaCy pipeline nor a pipeline "
                              f"folder: {exc}") from exc
    return Pretrained(nlp, labels)

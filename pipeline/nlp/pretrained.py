"""An optional pretrained spaCy pipeline (a scispaCy model such as `en_ner_bc5cdr_md`) as one more span source.

Nothing depends on one: without `KEV_PRETRAINED` the extractor never imports or loads anything here. With it, the
named pipeline (an installed package or a path) runs on each abstract and its entities, renamed by
`KEV_PRETRAINED_LABELS` ("DISEASE=ADVERSE_EVENT,CHEMICAL=DRUG"), join our candidates where no rule or tagger span
of the same label already stands; their `source` is `pretrained`, and the model version of every mention names the
pipeline, so a run with one is told apart from a run without. Whether it helps is for `kev eval` to say.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import spacy
from spacy.language import Language

LABELS = ("DRUG", "DOSE", "ROUTE", "TIMEPOINT", "OUTCOME", "ADVERSE_EVENT")
DEFAULT_LABELS = "DISEASE=ADVERSE_EVENT,CHEMICAL=DRUG"


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

    @property
    def version(self) -> str:
        meta = self.nlp.meta
        return f"{meta.get('name', 'pipeline')}-{meta.get('version', '0')}"

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        doc = self.nlp(text)
        return [(e.start_char, e.end_char, self.labels[e.label_]) for e in doc.ents if e.label_ in self.labels]


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

"""The claim catalogue (`data/claims.yaml`): loaded, validated, versioned by content hash."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.config import ROOT

CATALOGUE_FILE = ROOT / "data" / "claims.yaml"
PROFILES = ("efficacy", "durability", "tolerability", "plasticity")
POPULATIONS = ("trd", "suicidal", "bipolar", "perinatal", "mdd")
REQUIRED = ("id", "statement", "definition", "profile", "topic")
OPTIONAL = {"supports_when": str, "conflicts_when": str, "outcome_kinds": list, "max_hours": (int, float),
            "population": str, "adjunct": bool, "human_only": bool, "prevention_ok": bool, "ect_ok": bool,
            "title_topic": list}


class CatalogueError(ValueError):
    """A bad catalogue entry; the message names the entry and the field."""


@dataclass(frozen=True)
class Claim:
    id: str
    statement: str
    definition: str
    profile: str
    topic: tuple[re.Pattern, ...]
    supports_when: str = ""
    conflicts_when: str = ""
    outcome_kinds: tuple[str, ...] = ()
    max_hours: float | None = None
    population: str | None = None
    adjunct: bool = False
    human_only: bool = True
    prevention_ok: bool = False
    ect_ok: bool = True
    title_topic: tuple[re.Pattern, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    claims: tuple[Claim, ...]
    version: str

    def get(self, claim_id: str) -> Claim:
        return next(c for c in self.claims if c.id == claim_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.claims)


def _claim(entry: object, index: int) -> Claim:
    where = f"claim #{index + 1}"
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: expected a mapping, got {type(entry).__name__}")
    where = f"claim {entry.get('id', '#' + str(index + 1))!r}"
    missing = [k for k in REQUIRED if not entry.get(k)]
    if missing:
        raise CatalogueError(f"{where}: missing {', '.join(missing)}")
    unknown = set(entry) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise CatalogueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", str(entry["id"])):
        raise CatalogueError(f"{where}: id must be snake_case (a-z, 0-9, _)")
    if entry["profile"] not in PROFILES:
        raise CatalogueError(f"{where}: profile must be one of {', '.join(PROFILES)}, not {entry['profile']!r}")
    for key, kind in OPTIONAL.items():
        if key in entry and entry[key] is not None and not isinstance(entry[key], kind):
            raise CatalogueError(f"{where}: {key} has the wrong type ({type(entry[key]).__name__})")
    if entry.get("population") and entry["population"] not in POPULATIONS:
        raise CatalogueError(f"{where}: population must be one of {', '.join(POPULATIONS)}")
    if not isinstance(entry["topic"], list) or not all(isinstance(t, str) for t in entry["topic"]):
        raise CatalogueError(f"{where}: topic must be a list of regular expressions")
    if not all(isinstance(t, str) for t in entry.get("title_topic") or ()):
        raise CatalogueError(f"{where}: title_topic must be a list of regular expressions")
    try:
        topic = tuple(re.compile(t, re.IGNORECASE) for t in entry["topic"])
        title_topic = tuple(re.compile(t, re.IGNORECASE) for t in entry.get("title_topic") or ())
    except re.error as exc:
        raise CatalogueError(f"{where}: a topic pattern is not a valid regular expression: {exc}") from exc
    return Claim(
        id=entry["id"], statement=str(entry["statement"]).strip(), definition=str(entry["definition"]).strip(),
        profile=entry["profile"], topic=topic, supports_when=entry.get("supports_when", ""),
        conflicts_when=entry.get("conflicts_when", ""), outcome_kinds=tuple(entry.get("outcome_kinds") or ()),
        max_hours=entry.get("max_hours"), population=entry.get("population"), adjunct=bool(entry.get("adjunct")),
        human_only=entry.get("human_only", True),
        prevention_ok=entry.get("prevention_ok", entry["profile"] != "efficacy"
                                and entry["profile"] != "durability"),
        ect_ok=entry.get("ect_ok", True), title_topic=title_topic)


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """The catalogue at `path`, else $KEV_CLAIMS, else data/claims.yaml."""
    path = Path(path or os.environ.get("KEV_CLAIMS") or CATALOGUE_FILE)
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: cannot be read as YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        raise CatalogueError(f"{path}: expected a top-level `claims:` list")
    if not data["claims"]:
        raise CatalogueError(f"{path}: the `claims:` list is empty (a catalogue needs at least one claim)")
    claims = tuple(_claim(e, i) for i, e in enumerate(data["claims"]))
    seen: set[str] = set()
    for c in claims:
        if c.id in seen:
            raise CatalogueError(f"{path}: claim {c.id!r} is defined twice")
        seen.add(c.id)
    return Catalogue(claims, hashlib.sha256(raw).hexdigest()[:12])

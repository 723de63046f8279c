"""Settings: defaults, then a TOML file, then environment variables, then explicit overrides (CLI flags)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from pathlib import Path

from pipeline.sources.entrez import NCBI_BASE_URL, EntrezSettings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
DEFAULT_OUT = ROOT / "data" / "output"

# Ketamine and its enantiomers in depressive disorders and suicidality. No bare "depression"[tiab]: it would pull
# the anaesthesia sense ("respiratory depression", "CNS depression"), which PubMed indexes under other MeSH terms.
DEFAULT_QUERY = (
    '(ketamine[tiab] OR esketamine[tiab] OR arketamine[tiab] OR "S-ketamine"[tiab] OR "R-ketamine"[tiab] '
    'OR Spravato[tiab] OR "Ketamine"[MeSH Terms]) AND ('
    '"Depressive Disorder"[MeSH Terms] OR "Depression"[MeSH Terms:noexp] OR "Suicidal Ideation"[MeSH Terms] '
    'OR "Suicide"[MeSH Terms] OR depressive[tiab] OR antidepressant*[tiab] OR "major depression"[tiab] '
    'OR "treatment-resistant depression"[tiab] OR "bipolar depression"[tiab] OR "postpartum depression"[tiab] '
    'OR "perinatal depression"[tiab] OR "postnatal depression"[tiab] OR "late-life depression"[tiab] '
    'OR "unipolar depression"[tiab] OR "depressed mood"[tiab] OR suicid*[tiab] OR anhedonia[tiab])'
)

ENV = {"NCBI_EMAIL": "email", "NCBI_API_KEY": "api_key", "KEV_EUTILS_URL": "base_url", "KEV_OUT": "out",
       "KEV_QUERY": "query"}


@dataclass(frozen=True)
class Settings:
    out: Path = DEFAULT_OUT
    query: str = DEFAULT_QUERY
    email: str | None = None
    api_key: str | None = None
    base_url: str = NCBI_BASE_URL
    requests_per_second: float | None = None
    max_retries: int = 6
    backoff_base: float = 1.0
    timeout: float = 60.0
    batch_size: int = 200
    overlap_days: int = 3
    start_date: date = date(1990, 1, 1)
    reconcile_deletions: bool = True
    # a reconcile that would delete more than this share of the live records (and more than 10) deletes none
    reconcile_max_deletions: float = 0.05
    lock_timeout: float = 3600.0

    def entrez(self) -> EntrezSettings:
        """The client's settings: every field the two share (the config file is flat, so they are declared here
        too), copied by name, so a field added to both cannot be forgotten here."""
        shared = [f.name for f in fields(EntrezSettings) if hasattr(self, f.name)]
        return EntrezSettings(**{name: getattr(self, name) for name in shared})


def _coerce(name: str, value: object) -> object:
    kinds = {f.name: f.type for f in fields(Settings)}
    kind = kinds[name]
    if value is None:
        return None
    if name == "out":
        return Path(value)
    if name == "start_date":
        if isinstance(value, datetime):  # TOML `start_date = 2020-01-01T00:00:00`
            return value.date()
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if "int" in kind and "float" not in kind:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("expected a whole number")
        return int(value)
    if "float" in kind:
        if isinstance(value, bool):
            raise ValueError("expected a number")
        return float(value)
    if kind.startswith("str") and not isinstance(value, str):
        raise ValueError("expected text")
    if "bool" in kind:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ValueError("expected true or false")
        return word in ("1", "true", "yes", "on")
    return value


def load_settings(config: Path | str | None = None, **overrides: object) -> Settings:
    """Build settings; unknown keys in the config file are an error naming the key."""
    values: dict[str, object] = {}
    known = {f.name for f in fields(Settings)}
    path = Path(config) if config else (Path("kev.toml") if Path("kev.toml").exists() else None)
    if path is not None:
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML: {exc}") from exc
        section = data.get("kev", data)
        unknown = set(section) - known
        if unknown:
            raise ValueError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(sorted(known))}")
        values.update(section)
    for env, name in ENV.items():
        if os.environ.get(env):
            values[name] = os.environ[env]
    values.update({k: v for k, v in overrides.items() if v is not None})
    coerced = {}
    for k, v in values.items():
        try:
            coerced[k] = _coerce(k, v)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"setting {k} = {v!r}: {exc}") from None
    settings = replace(Settings(), **coerced)
    if settings.out.exists() and not settings.out.is_dir():
        raise ValueError(f"output folder {settings.out} is a file")
    for name, ok, expected in _RANGES:
        value = getattr(settings, name)
        if value is not None and not ok(value):
            raise ValueError(f"setting {name} = {value!r}: expected {expected}")
    return settings


_RANGES = [
    ("batch_size", lambda v: 1 <= v <= 10_000, "1 to 10000 (records per efetch)"),
    ("max_retries", lambda v: v >= 0, "0 or more"),
    ("backoff_base", lambda v: 0 <= v < float("inf"), "0 or more seconds"),
    ("timeout", lambda v: 0 < v < float("inf"), "more than 0 seconds"),
    ("requests_per_second", lambda v: 0 < v < float("inf"), "more than 0"),
    ("overlap_days", lambda v: v >= 0, "0 or more days"),
    ("reconcile_max_deletions", lambda v: 0 <= v <= 1, "a share between 0 and 1"),
    ("lock_timeout", lambda v: 0 <= v < float("inf"), "0 or more seconds"),
]

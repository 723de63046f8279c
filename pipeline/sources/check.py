"""Is a source spec one a run can read? Checked before anything heavy is imported, so a typo gets its one-line
error at once (`kev run` imported Prefect and spaCy first: 5 s for "unknown source")."""

from __future__ import annotations

import json
from pathlib import Path

SOURCE_HELP = "use sample, xml:PATH, jsonl:PATH, entrez, replay:DIR or stored"


def check_source(spec: str) -> None:
    """Refuse a source that cannot be read before a run starts (the flow would fail later, inside a task, with
    Prefect's traceback around the one line that matters)."""
    kind, sep, path = spec.partition(":")
    if spec in ("sample", "entrez", "stored"):
        return
    if kind not in ("xml", "jsonl", "replay") or not sep or not path:
        raise ValueError(f"unknown source {spec!r}: {SOURCE_HELP}")
    p = Path(path)
    if kind == "jsonl" and not p.is_file():
        raise FileNotFoundError(f"source {spec!r}: no such file: {p}")
    if kind in ("xml", "replay") and not p.exists():
        raise FileNotFoundError(f"source {spec!r}: no such file or folder: {p}")
    if kind == "jsonl":
        _check_json_lines(spec, p)


def _check_json_lines(spec: str, path: Path, n: int = 20) -> None:
    """A file none of whose first lines is JSON (a README, a CSV) is a mistake, not hundreds of malformed records
    to quarantine: refused before anything is read into the tables. One bad line among good ones is a record's
    problem and is quarantined as usual."""
    lines = []
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for line in fh:
            if line.strip():
                lines.append(line)
            if len(lines) == n:
                break
    for line in lines:
        try:
            if isinstance(json.loads(line), dict):
                return
        except ValueError:
            continue
    if lines:
        raise ValueError(f"source {spec!r}: none of its first {len(lines)} lines is a JSON object: is it the "
                         "right file?")

"""The output folder: tables published as one atomic set, with stable paths for analysts.

    OUT/.snapshots/<seq>-<run_id>/   one complete set of tables + state.json + manifest.json
    OUT/current -> .snapshots/...    swapped by an atomic rename: readers see the old set or the new, never a mix
    OUT/articles.parquet -> current/articles.parquet   (one stable symlink per table, made once)
    OUT/raw/                         XML exactly as fetched, for audit (append-only, outside snapshots)

A crash or SIGKILL before the swap leaves a half-written `.tmp-*` folder that nobody reads and the next publish
removes; after the swap the new set is complete. Tables a run did not rewrite are carried over by hard link.
A run holds `OUT/.kev-run.lock` from reading the tables to publishing them (`run_lock`): two runs on one folder
(a nightly and a backfill) take turns instead of each publishing its merge over the other's. A run that gives up
waiting may not publish, so it parks its `runs` row in `OUT/.kev-parked-runs/` for the next publish of `runs`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.tables.schemas import SCHEMAS, SchemaError, validate

SNAPSHOTS = ".snapshots"
CURRENT = "current"
KEEP_SNAPSHOTS = 3
LOCK = ".kev-run.lock"
PARKED = ".kev-parked-runs"
log = logging.getLogger(__name__)


class FolderBusy(RuntimeError):
    """Another run held the output folder for longer than this run would wait."""


@contextlib.contextmanager
def run_lock(out: Path, timeout: float = 3600.0, holder: str = "") -> Iterator[None]:
    """Hold the output folder for one run (read, merge, publish); another run waits up to `timeout` seconds.

    An advisory lock on a file (fcntl): the kernel releases it when the holder dies, so a killed run never leaves
    the folder locked."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / LOCK, "a+") as fh:
        deadline = time.monotonic() + timeout
        waited = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                fh.seek(0)
                other = fh.read().strip() or "another run"
                if time.monotonic() >= deadline:
                    raise FolderBusy(f"{out} is held by {other} (lock {out / LOCK}); gave up after {timeout:g} s, "
                                       "nothing was read or published") from None
                if not waited:
                    log.warning("%s is held by %s: waiting for it to finish", out, other)
                    waited = True
                time.sleep(0.5)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} {holder}".strip())
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh, fcntl.LOCK_UN)


def park_run_row(out: Path, row: dict) -> Path:
    """Keep the row of a run that could not publish (JSON, written aside and renamed: never half a file)."""
    folder = Path(out) / PARKED
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{row['run_id']}.json"
    tmp = folder / f".{row['run_id']}.tmp"
    with open(tmp, "w") as fh:
        fh.write(json.dumps(row, default=lambda v: v.isoformat(), sort_keys=True))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(folder)
    return path


def parked_run_rows(out: Path) -> list[tuple[Path, dict]]:
    """The parked `runs` rows, oldest first, their timestamps read back as datetimes."""
    folder = Path(out) / PARKED
    if not folder.is_dir():
        return []
    stamps = [f.name for f in SCHEMAS["runs"] if pa.types.is_timestamp(f.type)]
    rows = []
    for path in folder.glob("*.json"):
        try:
            row = json.loads(path.read_text())
            if not isinstance(row, dict) or not isinstance(row.get("run_id"), str) or not row["run_id"]:
                raise ValueError("no run_id")
            for name in stamps:
                if row.get(name):
                    row[name] = datetime.fromisoformat(row[name])
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            set_aside(path, exc)  # one damaged file must not stop every publish after it
            continue
        rows.append((path, row))
    return sorted(rows, key=lambda pr: str(pr[1].get("started_at") or ""))


def set_aside(parked: Path, reason: object) -> None:
    """A parked row that cannot be read or does not fit the schema: renamed `*.bad` and named in the log (left
    where it is, and skipped, when even that fails: it must never block a publish)."""
    try:
        os.replace(parked, parked.with_suffix(".bad"))
        log.warning("parked run row %s is unusable (%s): moved to %s", parked, reason, parked.with_suffix(".bad").name)
    except OSError as exc:
        log.warning("parked run row %s is unusable (%s) and could not be moved aside (%s): skipped", parked, reason,
                    exc)


def current_dir(out: Path) -> Path | None:
    link = Path(out) / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def read_table(out: Path, name: str) -> pa.Table | None:
    """The published table, or None before the first publish; a schema mismatch is an error, not a guess."""
    cur = current_dir(out)
    if cur is None or not (cur / f"{name}.parquet").exists():
        return None
    table = pq.read_table(cur / f"{name}.parquet")
    if name in SCHEMAS and not table.schema.equals(SCHEMAS[name]):
        table = _evolve(table, SCHEMAS[name])
    return table


def _evolve(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A table written by an older release: columns added since then are filled with nulls (they are nullable)."""
    for f in schema:
        if f.name not in table.column_names:
            if not f.nullable:
                raise SchemaError(f"published table lacks the non-null column {f.name!r}; rebuild the output folder")
            table = table.append_column(f, pa.nulls(table.num_rows, f.type))
    return table.select(schema.names).cast(schema)


def read_state(out: Path) -> dict:
    cur = current_dir(out)
    if cur is None or not (cur / "state.json").exists():
        return {}
    return json.loads((cur / "state.json").read_text())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd")
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def publish(out: Path, tables: dict[str, pa.Table], state: dict, run_id: str) -> Path:
    """Write `tables` and `state` aside, validate them, carry over the rest, then swap the set in atomically."""
    out = Path(out)
    snaps = out / SNAPSHOTS
    snaps.mkdir(parents=True, exist_ok=True)
    for stale in snaps.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for name, table in tables.items():
        if name in SCHEMAS:
            validate(name, table)
    previous = current_dir(out)
    seq = 1 + max((int(p.name.split("-", 1)[0]) for p in snaps.iterdir() if p.name[:1].isdigit()), default=0)
    final = snaps / f"{seq:06d}-{run_id}"
    tmp = snaps / f".tmp-{seq:06d}-{run_id}"
    tmp.mkdir()
    manifest = {"run_id": run_id, "tables": {}}
    for name, table in tables.items():
        _write_parquet(table, tmp / f"{name}.parquet")
        back = pq.read_metadata(tmp / f"{name}.parquet")
        if back.num_rows != table.num_rows:
            raise SchemaError(f"{name}: wrote {table.num_rows} rows, read back {back.num_rows}")
        manifest["tables"][name] = table.num_rows
    if previous is not None:
        for f in previous.glob("*.parquet"):
            if f.stem not in tables:
                os.link(f, tmp / f.name)
                manifest["tables"][f.stem] = pq.read_metadata(f).num_rows
    (tmp / "state.json").write_text(json.dumps(state, indent=2, sort_keys=True))
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    _fsync_dir(tmp)
    os.rename(tmp, final)
    # the stable names point through `current`, so they are made before the swap: a run killed at any moment leaves
    # every table of the set readable by its name, or (before the first swap) none of them
    for file_name in [f"{name}.parquet" for name in manifest["tables"]] + ["state.json"]:
        stable = out / file_name
        if not stable.is_symlink():
            if stable.exists():
                stable.unlink()
            os.symlink(Path(CURRENT) / stable.name, stable)
    link_tmp = out / f".{CURRENT}.tmp"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(Path(SNAPSHOTS) / final.name, link_tmp)
    os.replace(link_tmp, out / CURRENT)
    _fsync_dir(out)
    _prune(snaps, keep=final)
    return final


def _prune(snaps: Path, keep: Path) -> None:
    done = sorted((p for p in snaps.iterdir() if p.name[:1].isdigit()), key=lambda p: p.name)
    for old in done[:-KEEP_SNAPSHOTS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)

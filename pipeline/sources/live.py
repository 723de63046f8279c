"""The live source: what to fetch from the E-utilities each night (new records by entry date, revised ones by
modification date, a backfill's window), the reconcile that finds deletions and records held nowhere, and the raw
answers kept for audit."""

from __future__ import annotations

import gzip
import io
import logging
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path

from pipeline.config import Settings
from pipeline.pubmed_xml import iter_records
from pipeline.records import Deletion, Event
from pipeline.sources.entrez import (
    ESEARCH_CAP,
    EntrezClient,
    IncompleteList,
    all_ids,
    fetch_batches,
    fetch_id_batches,
    split_windows,
)

log = logging.getLogger(__name__)


def raw_batches(batches: Iterable[bytes], raw_dir: Path, window: str = "") -> Iterator[Event]:
    """Keep each fetched batch verbatim (gzipped) for audit, then parse it. A date range split into windows (over
    esearch's 10,000 cap) names each window's batches apart: they once all started at batch-00000 and overwrote."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    for i, body in enumerate(batches):
        path = raw_dir / f"{window + '-' if window else ''}batch-{i:05d}.xml.gz"
        with gzip.open(path, "wb") as fh:
            fh.write(body)
        # the source names the kept file under OUT: raw/<date>-<run_id>/<edat|mdat>/<window>-batch-NNNNN.xml.gz
        yield from iter_records(io.BytesIO(body), source=f"entrez:{path.relative_to(raw_dir.parents[2])}")


def live_events(settings: Settings, client: EntrezClient, state: dict, today: date, raw_dir: Path,
                held: dict[str, str | None], windows: list[str], backfill: tuple[date, date] | None = None,
                known: set[str] | frozenset[str] = frozenset(),
                short_since: dict[str, date] | None = None) -> Iterator[Event]:
    """New records by entry date, revised ones by modification date, each from its watermark minus the overlap;
    or, for a backfill, every record entered in the given window (no revisions, no deletions).

    `held`: the live-sourced PMIDs with their entry dates (what a reconcile may delete); `known`: every PMID held
    or quarantined (what it need not fetch); `short_since` collects, per date type, the start of the first window
    efetch left short even after a refetch by id: its watermark must not pass that date."""
    plans = [("edat", *backfill)] if backfill else []
    query_changed = bool(state.get("query")) and state.get("query") != settings.query
    if query_changed:
        windows.append("query changed: entry dates from start_date")
    for datetype in ("edat", "mdat") if not backfill else ():
        mark = None if query_changed and datetype == "edat" else state.get("watermarks", {}).get(datetype)
        start = (date.fromisoformat(mark) - timedelta(days=settings.overlap_days)) if mark else settings.start_date
        plans.append((datetype, start, today))
    seen: set[str] = set()
    for datetype, start, end in plans:
        for w_start, w_end, result in split_windows(client, settings.query, datetype, start, end):
            windows.append(f"{datetype}:{w_start}..{w_end}:{result.count}")
            if result.count:
                window = f"{w_start:%Y%m%d}-{w_end:%Y%m%d}"
                got: set[str] = set()
                for ev in raw_batches(fetch_batches(client, result), raw_dir / datetype, window):
                    got.add(_pmid_of(ev))
                    yield ev
                if len(got - {""}) < result.count:
                    yield from _refetch_short(settings, client, datetype, w_start, w_end, result.count, got,
                                              raw_dir / datetype, window, windows)
                    if len(got - {""}) < result.count and short_since is not None:
                        short_since[datetype] = min(short_since.get(datetype, w_start), w_start)
                seen |= got
    if backfill or not settings.reconcile_deletions or not (held or known):
        return
    yield from reconcile(settings, client, today, raw_dir, held, known | seen, windows)


def _pmid_of(ev: Event) -> str:
    return getattr(ev, "pmid", None) or (getattr(ev, "doc_id", None) or "").removeprefix("pmid:")


def _refetch_short(settings: Settings, client: EntrezClient, datetype: str, start: date, end: date, count: int,
                   got: set[str], raw_dir: Path, window: str, windows: list[str]) -> Iterator[Event]:
    """efetch answered a window with fewer records than esearch counted (a whole, valid answer that left some
    out): list the window's ids and fetch the missing ones by id. Left unfetched, a revision would be lost for
    good once the watermark passed it (the reconcile fetches only what is held nowhere)."""
    short = count - len(got - {""})
    listed = set(client.esearch(settings.query, datetype, start, end, retmax=ESEARCH_CAP, usehistory=False).ids)
    missing = sorted(listed - got)
    if missing:
        for ev in raw_batches(fetch_id_batches(client, missing), raw_dir, f"{window}-refetch"):
            got.add(_pmid_of(ev))
            yield ev
    still = count - len(got - {""})
    note = f"{datetype}:{start}..{end}: efetch short by {short}, refetched {len(missing)}" + \
        (f", still short by {still}" if still > 0 else "")
    windows.append(note)
    log.warning("%s", note)


def reconcile(settings: Settings, client: EntrezClient, today: date, raw_dir: Path, held: dict[str, str | None],
              known: set[str], windows: list[str]) -> Iterator[Event]:
    """Make the held set equal what the query matches in [start_date, today]: delete what vanished, fetch what is
    missing. Only records entered inside that window are judged (the MDAT window and backfills bring in older
    ones, which the list cannot see); one without an entry date is kept; a deletion of more than
    `reconcile_max_deletions` of the held records (and more than 10) is refused, not done."""
    first, last = settings.start_date.isoformat(), today.isoformat()
    try:
        live = all_ids(client, settings.query, settings.start_date, today)
    except IncompleteList as exc:  # the night's new records still publish; deletions wait for a whole list
        log.warning("reconcile skipped: %s", exc)
        windows.append(f"reconcile:skipped ({exc})")
        return
    windows.append(f"reconcile:{first}..{last}:{len(live)}")
    gone = sorted(p for p, entered in held.items() if p not in live and entered and first <= entered <= last)
    limit = max(10, int(settings.reconcile_max_deletions * len(held)))
    if len(gone) > limit:
        log.warning("reconcile would delete %d of %d records (limit %d): deleting none; check the query and the "
                    "E-utilities answers", len(gone), len(held), limit)
        windows.append(f"reconcile:refused {len(gone)} deletions (limit {limit})")
    else:
        for pmid in gone:
            yield Deletion(pmid, None, "entrez:reconcile")
    missing = sorted(live - known)
    if missing:  # matched but held nowhere: lost to an earlier fault, or a widened query
        windows.append(f"reconcile:fetched {len(missing)} missing")
        yield from raw_batches(fetch_id_batches(client, missing), raw_dir / "reconcile")

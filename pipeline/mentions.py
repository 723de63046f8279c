"""The extraction stage: article rows in, entity, dose and claim-evidence rows out, a record that breaks
quarantined.

Only articles whose content (or the model) changed since the last run are processed again; their old rows are
replaced, the rest carried over. Large runs fan out over processes that return plain rows (pickling spaCy Docs,
as `nlp.pipe(n_process=...)` does, costs more than it saves on these machines).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import signal
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.claims.catalogue import Catalogue, load_catalogue
from pipeline.claims.evidence import evidence_rows
from pipeline.nlp.extract import Extraction, Extractor, Item, as_item, flat_row, mention_row
from pipeline.studies import facts_of, study_row, study_type_of
from pipeline.tables import store

MAX_TEXT_CHARS = 100_000
TOO_LONG = "TextTooLong"
log = logging.getLogger(__name__)
_WORKER: Extractor | None = None
_CATALOGUE: Catalogue | None = None


@dataclass
class StageResult:
    entities: list[dict] = field(default_factory=list)
    doses: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    studies: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    processed: dict[str, str] = field(default_factory=dict)  # doc_id -> content hash + model version
    model_version: str = ""


def rows(ex: Extraction, item: Item | None = None, catalogue: Catalogue | None = None
         ) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """Entity and dose rows of one article; with its item and a claim catalogue (the claims stage) also its
    claim-evidence and study rows, which share the article facts. Extraction alone (`kev bench extract`) skips them."""
    ents, doses = [mention_row(m) for m in ex.mentions], [flat_row(d) for d in ex.doses]
    if item is None or catalogue is None:
        return ents, doses, [], []
    facts, kind = facts_of(item, ex), study_type_of(item)
    return ents, doses, evidence_rows(item, ex, catalogue, facts, kind), [study_row(item, ex, facts, kind)]


def _safe_run(extractor: Extractor, items: list[Item]) -> Iterator[tuple[Item, Extraction | None, str | None]]:
    """Run a batch; if it fails, run its items one by one so only the record that breaks is quarantined. A text
    longer than MAX_TEXT_CHARS is quarantined before it reaches spaCy (its work grows faster than its length)."""
    done = _run_fitting(extractor, [it for it in items if not too_long(it.text)])
    for it in items:  # in input order
        if too_long(it.text):
            yield it, None, (f"{TOO_LONG}: {len(it.text):,} characters, over the {MAX_TEXT_CHARS:,} the extractor "
                             "takes (a PubMed title and abstract run to a few thousand)")
        else:
            yield next(done)


def too_long(text: str) -> bool:
    return len(text) > MAX_TEXT_CHARS


def _run_fitting(extractor: Extractor, items: list[Item]) -> Iterator[tuple[Item, Extraction | None, str | None]]:
    try:
        yield from ((it, ex, None) for it, ex in zip(items, list(extractor.run(items)), strict=True))
        return
    except Exception as exc:  # noqa: BLE001 - any failure of a third-party pipeline is quarantined, not fatal
        log.warning("a batch of %d failed (%s): extracting its records one by one", len(items), exc)
    for it in items:
        try:
            yield it, extractor.one_item(it), None
        except Exception as exc:  # noqa: BLE001
            yield it, None, _error(exc)


def _error(exc: Exception) -> str:
    """The exception, shortened, and where it was raised (file:line in function)."""
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" | at {Path(frame.filename).name}:{frame.lineno} in {frame.name}" if frame else ""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message[:300]}{'...' if len(message) > 300 else ''}{where}"


def _extract_rows(extractor: Extractor, items: list[Item], catalogue: Catalogue | None
                  ) -> Iterator[tuple[str, tuple | None, str | None]]:
    """(doc_id, rows, None), or (doc_id, None, reason) for a record whose extraction or claims assessment breaks:
    either stage quarantines that record, not the night."""
    for it, ex, err in _safe_run(extractor, [as_item(x) for x in items]):
        if ex is None:
            yield it.doc_id, None, err
            continue
        try:
            yield it.doc_id, rows(ex, it, catalogue), None
        except Exception as exc:  # noqa: BLE001 - one record's fault, like an extraction failure
            yield it.doc_id, None, _error(exc)


def _init_worker(with_model: bool, catalogue: Catalogue | None) -> None:
    global _WORKER, _CATALOGUE
    # a forked worker inherits the flow engine's SIGTERM handler; Pool.terminate() needs the default (a worker
    # that only noted the signal stayed blocked on the task queue and hung the run at its end)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER = Extractor(with_model=with_model)
    _CATALOGUE = catalogue


def _work(items: list[Item]) -> list[tuple[str, tuple | None, str | None]]:
    assert _WORKER is not None
    return list(_extract_rows(_WORKER, items, _CATALOGUE))


def _chunks(items: list[Item], size: int) -> Iterator[list[Item]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def extract_items(items: Iterable[Item | tuple], workers: int = 1, with_model: bool = True, chunk: int = 64,
                  extractor: Extractor | None = None, catalogue: Catalogue | None = None
                  ) -> Iterator[tuple[str, tuple | None, str | None]]:
    """(doc_id, (entity, dose, evidence, study rows) or None, error or None) per item, in input order."""
    items = list(items)  # each becomes an Item in _extract_rows, on every path
    if workers <= 1 or len(items) < 2 * chunk:
        yield from _extract_rows(extractor or Extractor(with_model=with_model), items, catalogue)
        return
    ctx = mp.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(with_model, catalogue)) as pool:
        for batch in pool.imap(_work, _chunks(items, chunk)):
            yield from batch
        pool.close()  # a graceful end: each worker takes the sentinel and exits; no signals (Pool.__exit__ would
        pool.join()   # terminate them, which an inherited signal handler once turned into a hang)


def extract_chunk(items: list[Item], with_model: bool, catalogue: Catalogue | None
                  ) -> list[tuple[str, tuple | None, str | None]]:
    """One chunk in whatever process runs it (a Dask worker keeps its pipeline loaded between chunks)."""
    global _WORKER
    if _WORKER is None:
        _WORKER = Extractor(with_model=with_model)
    return list(_extract_rows(_WORKER, items, catalogue))


def article_item(a: dict) -> Item:
    meta = {"publication_types": list(a.get("publication_types") or []),
            "mesh": [m["descriptor"] for m in a.get("mesh") or []], "retracted": bool(a.get("retracted")),
            "journal": a.get("journal")}
    return Item(a["doc_id"], a["pmid"], a["version"], a["text"], a["sections"] or [], meta)


DERIVED = ("entities", "doses", "claim_evidence", "studies")


def previous_rows(out: Path) -> dict[str, list[dict]]:
    """The published derived rows that `extract_articles` keeps for unchanged articles (empty before a first run)."""
    tables = {name: store.read_table(out, name) for name in DERIVED}
    return {name: t.to_pylist() if t is not None else [] for name, t in tables.items()}


Runner = Callable[[list[Item], Catalogue], Iterable[tuple[str, tuple | None, str | None]]]


def extract_articles(articles: list[dict], previous: dict[str, list[dict]], previous_state: dict,
                     model_version: str, workers: int = 1, with_model: bool = True, run_id: str = "",
                     catalogue: Catalogue | None = None, runner: Runner | None = None) -> StageResult:
    """Re-extract new or changed articles (or all, when the model or the claim catalogue changed); keep the rows of
    unchanged ones; drop rows of articles no longer present. `previous` holds the published entities, doses,
    claim_evidence and studies rows; an article without a study row (output from before that table) is redone."""
    catalogue = catalogue or load_catalogue()
    done = previous_state.get("extracted", {})
    current = {a["doc_id"]: f"{a['content_hash']}|{model_version}|{catalogue.version}" for a in articles}
    studied = {r["doc_id"] for r in previous.get("studies", [])}
    todo = [a for a in articles if done.get(a["doc_id"]) != current[a["doc_id"]] or a["doc_id"] not in studied]
    redo = {a["doc_id"] for a in todo}

    def keep(rows: list[dict]) -> list[dict]:
        return [r for r in rows if r["doc_id"] in current and r["doc_id"] not in redo]

    result = StageResult(keep(previous.get("entities", [])), keep(previous.get("doses", [])),
                         keep(previous.get("claim_evidence", [])), keep(previous.get("studies", [])))
    result.processed = {k: v for k, v in done.items() if k in current and k not in redo}
    result.model_version = model_version
    items = [article_item(a) for a in todo]
    results = runner(items, catalogue) if runner else extract_items(items, workers, with_model, catalogue=catalogue)
    for doc_id, out, err in results:
        if err is not None:
            result.rejects.append({"doc_id": doc_id, "source": "articles", "stage": "extract", "reason": err,
                                   "snippet": None, "first_run_id": run_id})
            continue
        ents, doses, evidence, studies = out
        result.entities += ents
        result.doses += doses
        result.evidence += evidence
        result.studies += studies
        result.processed[doc_id] = current[doc_id]
    # every record breaking is a fault of the pipeline, not of the records; records merely too long do not count
    # (two of them, a night's only work, once stopped every night after)
    judged = [a for a in todo if not too_long(a["text"])]
    if len(judged) > 1 and sum(not r["reason"].startswith(TOO_LONG) for r in result.rejects) == len(judged):
        raise RuntimeError(f"extraction failed for all {len(todo)} records, a fault of the pipeline rather than "
                           f"of the records; nothing was published. First error: {result.rejects[0]['reason']}")
    result.entities.sort(key=lambda r: (r["doc_id"], r["start"], r["end"], r["label"]))
    result.doses.sort(key=lambda r: (r["doc_id"], r["start"]))
    result.evidence.sort(key=lambda r: (r["claim_id"], r["doc_id"], r["start"]))
    result.studies.sort(key=lambda r: r["doc_id"])
    return result

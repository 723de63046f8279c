"""The extraction stage: article rows in, entity and dose rows out, a record that breaks quarantined.

Only articles whose content (or the model) changed since the last run are processed again; their old rows are
replaced, the rest carried over. Large runs fan out over processes that return plain rows (pickling spaCy Docs,
as `nlp.pipe(n_process=...)` does, costs more than it saves on these machines).
"""

from __future__ import annotations

import multiprocessing as mp
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field

from pipeline.nlp.extract import Extraction, Extractor, mention_row

Item = tuple[str, str | None, int, str, list]
_WORKER: Extractor | None = None


@dataclass
class StageResult:
    entities: list[dict] = field(default_factory=list)
    doses: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    processed: dict[str, str] = field(default_factory=dict)  # doc_id -> content hash + model version


def rows(ex: Extraction) -> tuple[list[dict], list[dict]]:
    return [mention_row(m) for m in ex.mentions], [asdict(d) for d in ex.doses]


def _safe_run(extractor: Extractor, items: list[Item]) -> Iterator[tuple[Item, Extraction | None, str | None]]:
    """Run a batch; if it fails, run its items one by one so only the record that breaks is quarantined."""
    try:
        yield from ((it, ex, None) for it, ex in zip(items, list(extractor.run(items)), strict=True))
        return
    except Exception:  # noqa: BLE001 - any failure of a third-party pipeline is quarantined, not fatal
        pass
    for it in items:
        try:
            yield it, extractor.one_item(it), None
        except Exception as exc:  # noqa: BLE001
            yield it, None, f"{type(exc).__name__}: {exc} | {traceback.format_exc(limit=2).splitlines()[-1]}"


def _init_worker(with_model: bool) -> None:
    global _WORKER
    _WORKER = Extractor(with_model=with_model)


def _work(items: list[Item]) -> list[tuple[str, tuple[list[dict], list[dict]] | None, str | None]]:
    assert _WORKER is not None
    return [(it[0], rows(ex) if ex else None, err) for it, ex, err in _safe_run(_WORKER, items)]


def _chunks(items: list[Item], size: int) -> Iterator[list[Item]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def extract_items(items: Iterable[Item], workers: int = 1, with_model: bool = True, chunk: int = 64,
                  extractor: Extractor | None = None) -> Iterator[tuple[str, tuple[list, list] | None, str | None]]:
    """(doc_id, (entity rows, dose rows) or None, error or None) per item, in input order."""
    items = list(items)
    if workers <= 1 or len(items) < 2 * chunk:
        ex = extractor or Extractor(with_model=with_model)
        for it, res, err in _safe_run(ex, items):
            yield it[0], rows(res) if res else None, err
        return
    ctx = mp.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(with_model,)) as pool:
        for batch in pool.imap(_work, _chunks(items, chunk)):
            yield from batch


def extract_articles(articles: list[dict], previous_entities: list[dict], previous_doses: list[dict],
                     previous_state: dict, model_version: str, workers: int = 1, with_model: bool = True,
                     run_id: str = "") -> StageResult:
    """Re-extract new or changed articles; keep rows of unchanged ones; drop rows of articles no longer present."""
    done = previous_state.get("extracted", {})
    current = {a["doc_id"]: f"{a['content_hash']}|{model_version}" for a in articles}
    todo = [a for a in articles if done.get(a["doc_id"]) != current[a["doc_id"]]]
    redo = {a["doc_id"] for a in todo}
    result = StageResult()
    result.entities = [r for r in previous_entities if r["doc_id"] in current and r["doc_id"] not in redo]
    result.doses = [r for r in previous_doses if r["doc_id"] in current and r["doc_id"] not in redo]
    result.processed = {k: v for k, v in done.items() if k in current and k not in redo}
    items = [(a["doc_id"], a["pmid"], a["version"], a["text"], a["sections"] or []) for a in todo]
    for doc_id, out, err in extract_items(items, workers, with_model):
        if err is not None:
            result.rejects.append({"doc_id": doc_id, "source": "articles", "stage": "extract", "reason": err,
                                   "snippet": None, "first_run_id": run_id})
            continue
        ents, doses = out
        result.entities += ents
        result.doses += doses
        result.processed[doc_id] = current[doc_id]
    result.entities.sort(key=lambda r: (r["doc_id"], r["start"], r["end"], r["label"]))
    result.doses.sort(key=lambda r: (r["doc_id"], r["start"]))
    return result

"""`kev bench`: benchmarks, not timed tests. Numbers go in the README with the command that produced them."""

from __future__ import annotations

import json
import resource
import time

from pipeline.evaluate.gold import corpus_dir


def _peak_rss_mb() -> float:
    """Peak resident memory of this process or of its largest worker, in MB."""
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return round(peak / 1024, 1)


def corpus_abstracts(n: int) -> list[tuple[str, None, int, str, list]]:
    """At least `n` real abstracts from the shared corpus (repeated as needed), as extraction items."""
    texts = []
    for name in ("psynamic/docs.jsonl", "pubmed-2025/docs.jsonl"):
        path = corpus_dir() / name
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: the extraction benchmark reads the shared corpus")
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                if r.get("abstract"):
                    texts.append(r.get("text") or r["title"] + "\n" + r["abstract"])
    items = []
    while len(items) < n:
        items += [(f"bench:{len(items) + i}", None, 1, t, []) for i, t in enumerate(texts)]
    return items[:n]


def bench_extract(n: int = 2000, workers: int = 1, with_model: bool = True) -> dict:
    """Abstracts per second through the full extraction (spaCy pipeline, rules, context, normalisation)."""
    from pipeline.mentions import extract_items
    from pipeline.nlp.extract import Extractor

    items = corpus_abstracts(n)
    t0 = time.perf_counter()
    extractor = Extractor(with_model=with_model) if workers <= 1 else None
    load_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    n_mentions = 0
    for _, out, _err in extract_items(items, workers=workers, with_model=with_model, extractor=extractor):
        if out:
            n_mentions += len(out[0])
    wall = time.perf_counter() - t1
    return {"bench": "extract", "n_abstracts": len(items), "workers": workers, "model": with_model,
            "wall_s": round(wall, 2), "load_s": round(load_s, 2), "abstracts_per_s": round(len(items) / wall, 1),
            "n_mentions": n_mentions, "peak_rss_mb": _peak_rss_mb()}

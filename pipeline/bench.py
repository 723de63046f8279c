"""`kev bench`: benchmarks, not timed tests. Numbers go in the README with the command that produced them."""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from pipeline.evaluate.gold import corpus_dir, holdout_ids
from pipeline.nlp.extract import Item
from pipeline.replay.factory import record, write_set

# quiet Prefect runs (`kev` itself gives Prefect's temporary server time to start)
PREFECT_ENV = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}


def _peak_rss_mb() -> float:
    """Peak resident memory of this process or of its largest worker, in MB."""
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return round(peak / 1024, 1)


def corpus_records() -> list[tuple[str, str]]:
    """(title, abstract) of every shared-corpus document with an abstract, the held-out ones left out (they are
    measured independently; even a speed run leaves them alone); an error names what is missing."""
    out = []
    held = holdout_ids(corpus_dir())
    for name in ("psynamic/docs.jsonl", "pubmed-2025/docs.jsonl"):
        path = corpus_dir() / name
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: the benchmarks read the shared corpus")
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                if r.get("abstract") and r["doc_id"] not in held:
                    out.append((r["title"], r["abstract"]))
    return out


def corpus_abstracts(n: int) -> list[Item]:
    """At least `n` real abstracts from the shared corpus (repeated as needed), as extraction items."""
    texts = [f"{title}\n{abstract}" for title, abstract in corpus_records()]
    items: list[Item] = []
    while len(items) < n:
        items += [Item(f"bench:{len(items) + i}", None, 1, t) for i, t in enumerate(texts)]
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


def _kev(*args: str, env: dict | None = None) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if proc.returncode:
        raise RuntimeError(f"kev {' '.join(args)} failed: {proc.stderr[-2000:]}")
    return time.perf_counter() - t0, proc.stdout


def bench_night(n_new: int = 200, n_revised: int = 20) -> dict:
    """An incremental night end to end: `kev run` (Prefect start-up included) against the replay server, after a
    first night that loaded the existing records; the second night brings `n_new` new and `n_revised` revised."""
    recs = corpus_records()
    rng = random.Random(7)
    rng.shuffle(recs)
    base, new = recs[:300], recs[300:300 + n_new]
    d1, d2 = date(2025, 1, 15), date(2025, 2, 10)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "n1").mkdir()
        (tmp / "n2").mkdir()
        night1 = [record(90_000_000 + i, d1 - timedelta(days=i % 20), d1, abstract=a, title=t)
                  for i, (t, a) in enumerate(base)]
        write_set(tmp / "n1" / "a.xml.gz", night1)
        revised = [record(90_000_000 + i, d1 - timedelta(days=i % 20), d2, version=2, abstract=a,
                          title=t + " (revised)") for i, (t, a) in enumerate(base[:n_revised])]
        fresh = [record(91_000_000 + i, d2 - timedelta(days=i % 5), d2, abstract=a, title=t)
                 for i, (t, a) in enumerate(new)]
        write_set(tmp / "n2" / "a.xml.gz", night1[n_revised:] + revised + fresh)
        out = tmp / "out"
        env = PREFECT_ENV
        first, _ = _kev("run", "--source", f"replay:{tmp / 'n1'}", "--out", str(out), "--today", str(d1), env=env)
        wall, stdout = _kev("run", "--source", f"replay:{tmp / 'n2'}", "--out", str(out), "--today", str(d2),
                            env=env)
        run = json.loads(stdout.splitlines()[0])
    processed = run["n_new"] + run["n_revised"]
    return {"bench": "night", "n_new": run["n_new"], "n_revised": run["n_revised"], "n_articles": run["n_articles"],
            "wall_s": round(wall, 2), "first_night_s": round(first, 2),
            "abstracts_per_s": round(processed / wall, 1), "peak_rss_mb": _peak_rss_mb()}


def bench_backfill(n: int = 10_000, workers: int = 2) -> dict:
    """A backfill: `n` records (the shared corpus and the sample, repeated under new PMIDs) through the whole flow
    with `workers` extraction processes; throughput end to end and the peak memory of any process."""
    from pipeline.config import SAMPLE_DIR
    from pipeline.records import Article
    from pipeline.sources.files import iter_xml

    recs = corpus_records() + [(a.title, a.abstract) for a in iter_xml(SAMPLE_DIR) if isinstance(a, Article)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "xml").mkdir()
        d = date(2024, 1, 1)
        batch, k = [], 0
        for i in range(n):
            t, a = recs[i % len(recs)]
            batch.append(record(92_000_000 + i, d + timedelta(days=i % 365), abstract=a, title=t))
            if len(batch) == 2000:
                write_set(tmp / "xml" / f"part-{k:03d}.xml.gz", batch)
                batch, k = [], k + 1
        if batch:
            write_set(tmp / "xml" / f"part-{k:03d}.xml.gz", batch)
        env = PREFECT_ENV
        wall, stdout = _kev("run", "--source", f"xml:{tmp / 'xml'}", "--out", str(tmp / "out"), "--workers",
                            str(workers), env=env)
        run = json.loads(stdout.splitlines()[0])
    return {"bench": "backfill", "n_abstracts": run["n_articles"], "workers": workers, "wall_s": round(wall, 2),
            "abstracts_per_s": round(run["n_articles"] / wall, 1), "peak_rss_mb": _peak_rss_mb()}

"""`kev`: the command line. Each subcommand is a thin wrapper over a pipeline function or a flow."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import signal
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from pipeline import __version__
from pipeline.sources.check import check_source  # light: a mistake is refused before anything heavy loads


def _settings(args: argparse.Namespace, base_url: str | None = None):
    from pipeline.config import load_settings

    return load_settings(args.config, out=args.out, base_url=base_url or args.eutils_url, query=args.query)


def _print_run(run: dict, out: Path, report: bool = True) -> None:
    from pipeline.tables import store

    counts = {k: run[k] for k in ("n_new", "n_revised", "n_unchanged", "n_deleted", "n_rejected", "n_articles")}
    snapshot = store.current_dir(out)
    manifest = json.loads((snapshot / "manifest.json").read_text()) if snapshot else {"tables": {}}
    rows = {name: manifest["tables"][name] for name in ("entities", "doses", "claim_evidence")
            if name in manifest["tables"]}
    print(json.dumps({"run_id": run["run_id"], "source": run["source"], **counts, "rows": rows}))
    names = sorted(p.name for p in out.glob("*.parquet"))
    print(f"tables in {out.resolve()}/: {', '.join(names)}")
    if report and (out / "report" / "claims.html").exists():
        print(f"claims report: {(out / 'report' / 'claims.html').resolve()} (and claims.md)")


def _published(out: Path) -> None:
    from pipeline.tables import store

    if store.current_dir(out) is None:
        raise FileNotFoundError(f"{out}: no published tables here (run the pipeline first, or pass --out)")


def cmd_ingest(args: argparse.Namespace) -> int:
    """The nightly stages without Prefect: every published table stays consistent with the articles."""
    with _source(args.source) as (source, base_url):
        settings = _settings(args, base_url)
        if source == "stored":
            _published(Path(settings.out))  # a mistyped --out would otherwise publish an empty set of tables
        from pipeline.ingest import run_stages  # after the checks: it loads spaCy

        run = run_stages(source, settings, today=args.today, workers=args.workers)["run"]
    _print_run(run, Path(settings.out), report=False)  # no report written: one left there may be older
    return 0


def _prefect_defaults() -> None:
    """No analytics from a run, and time for the temporary Prefect server to start: its 20 s default was not
    enough for a fresh Prefect home's first start on a slow host (the test suite failed on it once)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    # the pipeline's own warnings (a window efetch left short, a reconcile skipped, a parked run) reach the flow
    # run's logs in Prefect's UI and API, not only the terminal: set before Prefect configures its logging
    extra = [x for x in os.environ.get("PREFECT_LOGGING_EXTRA_LOGGERS", "").split(",") if x.strip()]
    os.environ["PREFECT_LOGGING_EXTRA_LOGGERS"] = ",".join([*extra, "pipeline"] if "pipeline" not in extra else extra)
    # a pipeline warning outside a flow run (the lock before it starts, a script in the same process) still shows
    # in the terminal; without this Prefect adds a UserWarning that it could not send it to the API
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


def cmd_run(args: argparse.Namespace) -> int:
    _prefect_defaults()
    with _source(args.source) as (source, base_url):
        settings = _settings(args, base_url)
        if source == "stored":
            _published(Path(settings.out))  # as `kev reprocess` refuses it
        from flows.nightly import nightly, with_dask  # after the checks: Prefect and spaCy take seconds to import

        flow_obj = with_dask(nightly, args.dask if args.dask != "local" else None, args.workers) if args.dask \
            else nightly
        run = flow_obj(source=source, out=str(settings.out), config=args.config, base_url=settings.base_url,
                       query=args.query, today=args.today, workers=args.workers, fan_out_tasks=bool(args.dask))
    _print_run(run, Path(settings.out))
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    _prefect_defaults()
    if args.start > args.end:
        raise ValueError(f"--start {args.start} is after --end {args.end}")
    if args.today:
        raise ValueError("a backfill's window is --start..--end; --today is for nightly runs")
    if args.source != "entrez" and not args.source.startswith("replay:"):
        raise ValueError(f"source {args.source!r}: a backfill pulls an entry-date window from PubMed (entrez or "
                         "replay:DIR); load files with `kev run --source xml:PATH` or `jsonl:PATH`")
    with _source(args.source) as (_, base_url):
        settings = _settings(args, base_url)
        from flows.nightly import backfill

        run = backfill(args.start, args.end, out=str(settings.out), config=args.config, base_url=settings.base_url,
                       query=args.query, workers=args.workers)
    _print_run(run, Path(settings.out))
    return 0


def cmd_reprocess(args: argparse.Namespace) -> int:
    _prefect_defaults()
    settings = _settings(args)
    _published(Path(settings.out))  # a mistyped --out would otherwise publish an empty set of tables
    from flows.nightly import reprocess

    run = reprocess(out=str(settings.out), config=args.config, workers=args.workers)
    _print_run(run, Path(settings.out))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """The nightly schedule on this machine without a work pool (Prefect's `flow.serve`)."""
    _prefect_defaults()
    check_source(args.source)
    if args.source.startswith("replay:"):
        raise ValueError("kev serve cannot replay: a replay server lives for one command; serve `replay` with "
                         "`kev replay` and point --eutils-url at it")
    parameters = serve_parameters(args)
    from flows.nightly import nightly

    # its own deployment name: `nightly` is prefect.yaml's work-pool deployment, which serving the same name would
    # take over (no work pool, paused once serving stops)
    nightly.serve(name=SERVED_DEPLOYMENT, cron=args.cron, parameters=parameters)
    return 0


SERVED_DEPLOYMENT = "nightly-served"


def serve_parameters(args: argparse.Namespace) -> dict:
    """What every scheduled run gets: the command's settings (config, E-utilities URL and query included; they
    were once dropped, so a served run ignored --config), but no fixed --today, which would pin every night."""
    if args.today:
        raise ValueError("kev serve runs every night up to its own today: --today would pin every run")
    settings = _settings(args)
    config = str(Path(args.config).resolve()) if args.config else None
    return {"source": args.source, "out": str(Path(settings.out).resolve()), "workers": args.workers,
            "config": config, "base_url": args.eutils_url, "query": args.query}


@contextlib.contextmanager
def _source(spec: str) -> Iterator[tuple[str, str | None]]:
    """`replay:DIR` serves DIR on a loopback replay server for the command's duration and syncs from it live."""
    check_source(spec)
    if not spec.startswith("replay:"):
        yield spec, None
        return
    from pipeline.replay import ReplayServer

    with ReplayServer(spec.split(":", 1)[1]) as server:
        yield "entrez", server.url


def fault_specs(specs: list[str]) -> list[tuple[str, int]]:
    """--fault KIND[:COUNT], each checked: a typo is an error naming the spec, not a traceback."""
    from pipeline.replay.server import FAULT_KINDS

    out = []
    for spec in specs:
        kind, _, count = spec.partition(":")
        if kind not in FAULT_KINDS or not (count or "1").isdigit():
            raise ValueError(f"--fault {spec!r}: expected KIND[:COUNT], KIND one of {', '.join(FAULT_KINDS)}")
        out.append((kind, int(count or 1)))
    return out


def storm_rates(spec: str) -> dict[str, float]:
    """--storm KIND=RATE,...: rates between 0 and 1 of known fault kinds."""
    from pipeline.replay.server import FAULT_KINDS

    rates = {}
    for part in spec.split(","):
        kind, sep, rate = part.partition("=")
        try:
            value = float(rate)
        except ValueError:
            value = -1.0
        if not sep or kind not in FAULT_KINDS or not 0 <= value <= 1:
            raise ValueError(f"--storm {part!r}: expected KIND=RATE (RATE 0-1), KIND one of {', '.join(FAULT_KINDS)}")
        rates[kind] = value
    return rates


def cmd_replay(args: argparse.Namespace) -> int:
    from lxml import etree

    from pipeline.replay import ReplayServer
    from pipeline.replay.server import load_records

    try:
        records = load_records(Path(args.data))
    except FileNotFoundError:
        raise
    except (OSError, EOFError, etree.XMLSyntaxError) as exc:
        raise RuntimeError(f"cannot read the replay data in {args.data}: {exc}") from exc
    try:
        server = ReplayServer(None, host=args.host, port=args.port, enforce_rate=not args.no_rate_limit)
    except OSError as exc:
        raise RuntimeError(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    server.records = records
    for kind, count in fault_specs(args.fault or []):
        server.faults.push(kind, count)
    if args.storm:
        server.faults.storm(storm_rates(args.storm), args.seed)
    print(f"replaying {len(server.records)} records at {server.url} (Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def cmd_gold(args: argparse.Namespace) -> int:
    from pipeline.evaluate.gold import GOLD_FILE, agreement_file, load_agreement, load_gold, stats

    path = Path(args.gold or GOLD_FILE)
    agreement = agreement_file(path)
    result = stats(load_gold(path), load_agreement(agreement) if agreement.exists() else {})
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['n_docs']} documents {result['splits']} from {result['sources']}")
    print("spans:", ", ".join(f"{k} {v}" for k, v in result["span_counts"].items()))
    for cid, counts in result["stance_counts"].items():
        print(f"  {cid:24} " + "  ".join(f"{k} {v}" for k, v in counts.items()))
    if result["agreement"]:
        agr = result["agreement"]
        print(f"agreement before adjudication: span F1 micro {agr['span_f1']['micro']}, "
              f"claim stance kappa {agr['claim_stance']['cohen_kappa']}")
    return 0


def cmd_annotate(args: argparse.Namespace) -> int:
    from pipeline.evaluate.annotate import annotate
    from pipeline.evaluate.gold import GOLD_FILE

    print(annotate(args.doc_id, Path(args.gold or GOLD_FILE), add=args.add, occ=args.occ, attrs=args.attr,
                   remove=args.remove, claim=args.claim, evidence=args.evidence, in_word=args.in_word))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from pipeline.evaluate.run import check_file, evaluate, summary_lines
    from pipeline.nlp.extract import Extractor

    # a bad file fails before the models load and before other files are scored
    checked = [check_file(path) for path in args.gold]
    extractor = Extractor(with_model=not args.rules_only)
    for path, kind_and_records in zip(args.gold, checked, strict=True):
        for result in evaluate(path, extractor, split=args.split, checked=kind_and_records):
            print(json.dumps(result) if args.json else "\n".join(summary_lines(result)), flush=True)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from pipeline import bench

    if args.what == "extract":
        result = bench.bench_extract(args.n or 2000, args.workers, with_model=not args.rules_only)
    elif args.what == "night":
        result = bench.bench_night()
    else:
        result = bench.bench_backfill(args.n or 10_000, max(args.workers, 2))
    if args.json:
        print(json.dumps(result))
    else:
        print(", ".join(f"{k} {v}" for k, v in result.items()))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline import report

    out = Path(args.out or _settings(args).out)
    for path in report.write(out, args.dest):
        print(path)
    return 0


def cmd_claims(args: argparse.Namespace) -> int:
    from pipeline.claims.catalogue import load_catalogue

    cat = load_catalogue(args.catalogue) if args.catalogue else load_catalogue()
    print(f"{len(cat.claims)} claims, catalogue version {cat.version}: {', '.join(cat.ids)}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from pipeline.review import decisions
    from pipeline.review.app import check_binding, serve
    from pipeline.tables import store

    out = Path(args.out or _settings(args).out)
    _published(out)  # not an empty app (or a new folder) over a mistyped --out
    if args.action == "export":
        evidence = store.read_table(out, "claim_evidence")
        dest = Path(args.dest or out / "review" / "stance_training.jsonl")
        n = decisions.write_training(out, evidence.to_pylist() if evidence is not None else [], dest)
        print(f"{n} reviewed evidence sentences -> {dest}; log -> {decisions.export(out)}")
        return 0
    check_binding(args.host, args.token)
    print(f"review app on http://{args.host}:{args.port}/ over {out.resolve()}", flush=True)
    serve(out, args.host, args.port, args.token)
    return 0


def integer(value: str) -> int:
    """A count of at least 1 (argparse names the type by this function's name in its errors)."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value}: at least 1")
    return number


def day_not_ahead(value: str) -> date:
    """--today: a date no later than today (UTC, like the default). A future one would set the watermarks ahead of
    the real date, and the nights after it would search reversed windows."""
    day = date.fromisoformat(value)
    if day > datetime.now(UTC).date():
        raise argparse.ArgumentTypeError(f"{value}: in the future (the watermarks would pass the real date)")
    return day


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kev", description="ketamine-evidence: PubMed → entities → claims tables")
    p.add_argument("--version", action="version", version=f"ketamine-evidence {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--source", default="sample",
                        help="sample | xml:PATH | jsonl:PATH | entrez | replay:DIR | stored (default: %(default)s)")
        sp.add_argument("--out", help="output folder (default: data/output, or KEV_OUT)")
        sp.add_argument("--config", help="TOML settings file (default: ./kev.toml if present)")
        sp.add_argument("--eutils-url", help="E-utilities base URL (default: NCBI, or KEV_EUTILS_URL)")
        sp.add_argument("--query", help="PubMed query for live sources (default: the built-in ketamine query)")
        sp.add_argument("--today", type=day_not_ahead, help="end of the sync window (default: today, UTC)")

    def tables_only(sp: argparse.ArgumentParser) -> None:
        """Commands that read or rewrite published tables: no source, so the fetch settings stay hidden."""
        sp.add_argument("--out", help="output folder holding the tables (default: data/output, or KEV_OUT)")
        sp.add_argument("--config", help="TOML settings file (default: ./kev.toml if present)")
        sp.add_argument("--eutils-url", help=argparse.SUPPRESS)
        sp.add_argument("--query", help=argparse.SUPPRESS)

    sp = sub.add_parser("ingest", help="the same stages as `kev run`, without Prefect (scripts, quick checks)")
    common(sp)
    sp.add_argument("--workers", type=integer, default=1)
    sp.set_defaults(func=cmd_ingest)
    sp = sub.add_parser("run", help="run the nightly Prefect flow (ephemeral API, no server needed)")
    common(sp)
    sp.add_argument("--workers", type=integer, default=1, help="processes for entity extraction (default 1)")
    sp.add_argument("--dask", help="fan extraction out over Dask: a scheduler address (tcp://host:8786), or "
                                   "`local` for a local cluster of --workers processes")
    sp.set_defaults(func=cmd_run)
    sp = sub.add_parser("backfill", help="the backfill flow: every record entered between --start and --end")
    common(sp)
    sp.set_defaults(source="entrez")
    sp.add_argument("--start", type=date.fromisoformat, required=True)
    sp.add_argument("--end", type=date.fromisoformat, required=True)
    sp.add_argument("--workers", type=integer, default=2)
    sp.set_defaults(func=cmd_backfill)
    sp = sub.add_parser("reprocess", help="re-extract and re-assess stored articles after a model/catalogue change")
    tables_only(sp)
    sp.add_argument("--workers", type=integer, default=1)
    sp.set_defaults(func=cmd_reprocess)
    sp = sub.add_parser("serve", help="serve the nightly flow on its schedule from this machine (no work pool)")
    common(sp)
    sp.set_defaults(source="entrez")
    sp.add_argument("--cron", default="0 2 * * *", help="schedule, UTC (default: 02:00 daily)")
    sp.add_argument("--workers", type=integer, default=1)
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("replay", help="serve PubMed XML files as a loopback E-utilities replay")
    sp.add_argument("--data", default=str(Path(__file__).resolve().parent.parent / "data" / "sample"))
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=8765)
    sp.add_argument("--fault", action="append",
                    help="queue faults, e.g. 429:3, 500:2, reset:1, truncate:1, slow:1, short:1, drop:1")
    sp.add_argument("--storm", help="random fault rates, e.g. 429=0.2,500=0.1")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--no-rate-limit", action="store_true", help="do not answer 429 to clients over NCBI's rate")
    sp.set_defaults(func=cmd_replay)

    sp = sub.add_parser("eval", help="score the extraction against gold files")
    sp.add_argument("--gold", action="append", required=True, help="a gold file (repeatable)")
    sp.add_argument("--json", action="store_true", help="one JSON object per gold file, one per line")
    sp.add_argument("--split", default="dev", help="for the development gold set: dev (default), train or all")
    sp.add_argument("--rules-only", action="store_true", help="ignore the trained tagger (rules for every label; the "
                    "claims' citation model has its own switch, KEV_CITATION_MODEL=off)")
    sp.set_defaults(func=cmd_eval)

    sp = sub.add_parser("bench", help="benchmarks: extract, night, backfill")
    sp.add_argument("what", choices=["extract", "night", "backfill"])
    sp.add_argument("--n", type=int, help="number of abstracts, the corpus repeated as needed (default: 2,000 for "
                                          "extract, 10,000 for backfill)")
    sp.add_argument("--workers", type=integer, default=1, help="processes (default 1: one core)")
    sp.add_argument("--rules-only", action="store_true")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_bench)

    sp = sub.add_parser("report", help="write the claims report (Markdown and HTML) from the published tables")
    tables_only(sp)
    sp.add_argument("--dest", help="where to write (default: OUT/report)")
    sp.set_defaults(func=cmd_report)

    sp = sub.add_parser("review", help="the reviewer web app (or `kev review export`: decisions as training data)")
    sp.add_argument("action", nargs="?", choices=["serve", "export"], default="serve")
    tables_only(sp)
    sp.add_argument("--host", default="127.0.0.1", help="bind address (beyond loopback needs --token)")
    sp.add_argument("--port", type=int, default=8000)
    sp.add_argument("--token", help="access token required on every request (needed beyond loopback)")
    sp.add_argument("--dest", help="export: where to write the training JSONL")
    sp.set_defaults(func=cmd_review)

    sp = sub.add_parser("claims", help="the claim catalogue")
    csub = sp.add_subparsers(dest="claims_command", required=True)
    ck = csub.add_parser("check", help="validate data/claims.yaml (or --catalogue FILE)")
    ck.add_argument("--catalogue")
    ck.set_defaults(func=cmd_claims)

    sp = sub.add_parser("gold", help="the development gold set")
    gsub = sp.add_subparsers(dest="gold_command", required=True)
    st = gsub.add_parser("stats", help="size, label and stance counts, inter-annotator agreement")
    st.add_argument("--gold", help="gold file (default: data/gold/dev_gold.jsonl)")
    st.add_argument("--json", action="store_true", help="print one JSON object")
    st.set_defaults(func=cmd_gold)

    sp = sub.add_parser("annotate", help="show or edit one document's gold annotations")
    sp.add_argument("doc_id")
    sp.add_argument("--gold", help="gold file (default: data/gold/dev_gold.jsonl)")
    sp.add_argument("--add", nargs=2, metavar=("LABEL", "TEXT"),
                    help="add a span for every occurrence of TEXT as whole words")
    sp.add_argument("--occ", type=int, action="append", help="with --add: only these occurrences (0-based)")
    sp.add_argument("--in-word", action="store_true",
                    help="with --add: match inside words too (\"infusion\" in \"postinfusion\")")
    sp.add_argument("--attr", action="append", help="with --add: an attribute, e.g. norm=ketamine, hours=24")
    sp.add_argument("--remove", nargs=2, metavar=("LABEL", "START"), help="remove the LABEL span starting at START")
    sp.add_argument("--claim", nargs=2, metavar=("CLAIM_ID", "STANCE"), help="set a claim's stance")
    sp.add_argument("--evidence", action="append",
                    help="with --claim: an evidence sentence, whole and verbatim (repeatable)")
    sp.set_defaults(func=cmd_annotate)
    return p


def _stdout_gone() -> bool:
    """Whether the reader of stdout went away (`| head` exited): the pipe's write end then polls as an error."""
    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poll.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        code = args.func(args)
        sys.stdout.flush()  # a reader that went away shows here, not as a traceback at exit
        return code
    except BrokenPipeError:
        if not _stdout_gone():
            raise  # a broken pipe elsewhere (a socket, a subprocess) is a real error
        # `kev annotate DOC | head`: stop quietly, as a pipe's writer does; the exit's own flush goes nowhere
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"kev {args.command}: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if os.environ.get("KEV_TIMING"):
            print(f"[{time.perf_counter() - started:.1f}s]", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

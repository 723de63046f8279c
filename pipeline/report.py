"""`kev report`: the claims report (Markdown and HTML) from the published tables, nothing recomputed.

Per claim: the verdict and the rule behind it, the counts, and every evidence sentence with its entities highlighted
(displaCy's entity renderer, manual mode) and a PubMed link; before the claims, what the literature in the tables
is (articles by design and study drug, and by route, from `studies.parquet`). All abstract text is escaped.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq
from spacy import displacy

from pipeline.claims.citation_model import cited_by_model
from pipeline.tables import store

COLORS = {"DRUG": "#a6cee3", "DOSE": "#b2df8a", "ROUTE": "#fdbf6f", "TIMEPOINT": "#cab2d6", "OUTCOME": "#fb9a99",
          "ADVERSE_EVENT": "#ffff99"}
STANCE_MARK = {"supports": "✔ supports", "conflicts": "✘ conflicts", "rejected": "– rejected by review"}


def _by(change: dict) -> str:
    """Why a change happened, where it was not the pipeline's own: a reviewer's decision or a retraction."""
    return {"review": " by review", "retraction": " (retracted)"}.get(change.get("cause") or "", "")


def shown_stance(row: dict) -> str:
    """The reviewer's stance when there is one (rejected evidence stays listed, marked), else the model's."""
    status = row.get("review_status") or "unreviewed"
    if status == "rejected":
        return "rejected"
    return row.get("final_stance") or row["stance"]


def _md(text: object) -> str:
    """Text for the Markdown report: HTML special characters escaped (a Markdown viewer renders raw HTML)."""
    return html.escape(str(text), quote=False)


def _link(row: dict) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/" if row.get("pmid") else ""


def _highlight(row: dict, mentions: list[dict]) -> str:
    """The sentence as HTML with its entities marked (displaCy escapes the text)."""
    s, e = row["start"], row["end"]
    ents: list[dict] = []
    # displaCy repeats the text of overlapping entities ("post-infusion infusion"): the longer one is marked
    for m in sorted((m for m in mentions if s <= m["start"] and m["end"] <= e),
                    key=lambda m: (m["start"] - m["end"], m["start"])):
        if all(m["end"] <= x["start"] + s or x["end"] + s <= m["start"] for x in ents):
            ents.append({"start": m["start"] - s, "end": m["end"] - s, "label": m["label"]})
    doc = {"text": row["sentence"], "ents": sorted(ents, key=lambda x: x["start"]), "title": None}
    return displacy.render(doc, style="ent", manual=True, page=False, options={"colors": COLORS})


def _latest_changes(out: Path) -> tuple[list[dict], bool]:
    """The last completed run's changes (a failed run after it changed nothing: its changes stand), and whether
    that run was the first (every citation is new then)."""
    path = Path(out) / "claim_diff.parquet"
    runs = Path(out) / "runs.parquet"
    if not path.exists() or not runs.exists():
        return [], False
    completed = [r["run_id"] for r in pq.read_table(runs, columns=["run_id", "status"]).to_pylist()
                 if r["status"] == "completed"]
    if not completed:
        return [], False
    return [r for r in pq.read_table(path).to_pylist() if r["run_id"] == completed[-1]], len(completed) == 1


DRUG_COLUMNS = ("ketamine", "esketamine", "arketamine")
MAX_CHANGES = 40
CHANGE_ORDER = {"retracted": 0, "flipped": 1, "dropped": 2, "added": 3}


def _studies(out: Path) -> tuple[list[str], str]:
    """Articles by design and study drug, and by route: Markdown lines and an HTML section (none before the table)."""
    path = Path(out) / "studies.parquet"
    if not path.exists():
        return [], ""
    rows = pq.read_table(path, columns=["design", "study_drug", "routes", "depression"]).to_pylist()
    # the query also finds anaesthesia and pain trials that mention depression in passing: say how many are on it
    cols = [*DRUG_COLUMNS, "other or none", "on depression"]
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(cols, 0))
    routes: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["design"]][r["study_drug"] if r["study_drug"] in DRUG_COLUMNS else "other or none"] += 1
        counts[r["design"]]["on depression"] += r["depression"]
        for route in r["routes"] or []:
            routes[route] += 1
    designs = sorted(counts, key=lambda d: (-sum(counts[d][c] for c in cols[:-1]), d))
    md = [f"## Studies in the tables ({len(rows)} articles)", "", "| design | " + " | ".join(cols) + " |",
          "|---|" + "---|" * len(cols)]
    md += [f"| {d} | " + " | ".join(str(counts[d][c]) for c in cols) + " |" for d in designs]
    by_route = ", ".join(f"{k} {v}" for k, v in sorted(routes.items(), key=lambda kv: (-kv[1], kv[0])))
    md += ["", f"Routes of the study drug (an article may have several): {by_route or 'none found'}.", ""]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(f"<tr><td>{html.escape(d)}</td>" + "".join(f"<td>{counts[d][c]}</td>" for c in cols) + "</tr>"
                   for d in designs)
    section = (f"<section id='studies'><h2>Studies in the tables ({len(rows)} articles)</h2><table><tr><th>design"
               f"</th>{head}</tr>{body}</table><p>Routes of the study drug: {html.escape(by_route or 'none found')}"
               "</p></section>")
    return md, section


def build(out: Path) -> tuple[str, str]:
    out = Path(out)
    if not (out / "claim_summary.parquet").exists():
        raise FileNotFoundError(f"{out}: no published claim tables here (run the pipeline first, or pass --out)")
    # every table from one snapshot: a run publishing meanwhile moves `current`, not this folder
    out = store.current_dir(out) or out
    summary = pq.read_table(out / "claim_summary.parquet").to_pylist()
    evidence = pq.read_table(out / "claim_evidence.parquet").to_pylist()
    entities = pq.read_table(out / "entities.parquet", columns=["doc_id", "start", "end", "label"]).to_pylist()
    articles = {r["doc_id"]: r for r in pq.read_table(out / "articles.parquet",
                                                      columns=["doc_id", "title", "pub_year"]).to_pylist()}
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for m in entities:
        by_doc[m["doc_id"]].append(m)
    by_claim: dict[str, list[dict]] = defaultdict(list)
    for r in evidence:
        by_claim[r["claim_id"]].append(r)
    md = ["# Claims report", "", "Generated from the published tables. Verdict rule: "
          + (summary[0]["verdict_rule"] if summary else ""), ""]
    studies_md, studies_html = _studies(out)
    md += studies_md
    body = [studies_html] if studies_html else []
    changes, first_run = _latest_changes(out)
    if changes and first_run:
        md += ["## First run", "", f"Every citation below is new: {len(changes)} (`claim_diff.parquet` lists them).",
               ""]
        body.append(f"<section><h2>First run</h2><p>Every citation below is new: {len(changes)} "
                    "(claim_diff.parquet lists them).</p></section>")
    elif changes:
        # counts first, then the changes one by one, up to MAX_CHANGES
        counts = Counter((c["claim_id"], c["change"]) for c in changes)
        tally = "; ".join(f"{claim} {change} {n}" for (claim, change), n in sorted(counts.items()))
        # what a reader must see first: retractions, flipped and dropped citations, then the new ones
        shown = sorted(changes, key=lambda c: CHANGE_ORDER.get(c["change"], len(CHANGE_ORDER)))[:MAX_CHANGES]
        more = (f"... and {len(changes) - len(shown)} more (all of them in claim_diff.parquet)"
                if len(changes) > len(shown) else "")
        md += ["## Changes since the previous run", "", f"{len(changes)} changes: {_md(tally)}", ""]
        md += [f"- {c['claim_id']}: {c['change']} {_md(c['pmid'] or c['doc_id'])} ({c['old_stance'] or '-'} → "
               f"{c['new_stance'] or '-'}){_by(c)}" for c in shown]
        md += [more, ""] if more else [""]
        body.append(f"<section><h2>Changes since the previous run</h2><p>{len(changes)} changes: "
                    f"{html.escape(tally)}</p><ul>" + "".join(
                        f"<li>{html.escape(c['claim_id'])}: {html.escape(c['change'])} "
                        f"{html.escape(c['pmid'] or c['doc_id'])} ({html.escape(c['old_stance'] or '-')} → "
                        f"{html.escape(c['new_stance'] or '-')}){html.escape(_by(c))}</li>" for c in shown)
                    + (f"<li>{html.escape(more)}</li>" if more else "") + "</ul></section>")
    for c in summary:
        rows = sorted(by_claim[c["claim_id"]], key=lambda r: (shown_stance(r), -r["confidence"], r["doc_id"]))
        md += [f"## {c['claim_id']}: {c['verdict']}", "", f"> {c['statement']}", "",
               *([f"Why: {_md(c['verdict_reason'])}", ""] if c.get("verdict_reason") else []),
               f"Supporting articles: {c['n_supporting']} · conflicting: {c['n_conflicting']} · mixed: "
               f"{c['n_mixed']} · weighted support {c['weighted_support']} vs conflict {c['weighted_conflict']}"
               + (f" · evidence reviewed: {c['n_reviewed']} of {c['n_evidence']}" if c.get("n_evidence") else "")
               + (f" · retracted (not counted): {', '.join(c['retracted_pmids'])}" if c["retracted_pmids"] else ""),
               ""]
        items = []
        for r in rows:
            art = articles.get(r["doc_id"], {})
            ref = f"[PMID {_md(r['pmid'])}]({_link(r)})" if r["pmid"] else _md(r["doc_id"])
            flag = " **(retracted)**" if r["retracted"] else ""
            reviewed = "" if (r.get("review_status") or "unreviewed") == "unreviewed" else f", {r['review_status']}"
            if cited_by_model(r):
                reviewed += ", cited by the model"  # a further citation of the stance the rules found
            md.append(f"- {STANCE_MARK[shown_stance(r)]} ({r['confidence']:.2f}, {r['design']}{reviewed}"
                      f"{', n=' + str(r['sample_size']) if r['sample_size'] else ''}) {ref}{flag}: "
                      f"{_md(r['sentence'].strip())}")
            link = (f'<a href="{html.escape(_link(r))}">PMID {html.escape(r["pmid"])}</a>' if r["pmid"]
                    else html.escape(r["doc_id"]))
            items.append(
                f'<li class="{shown_stance(r)}"><span class="stance">{STANCE_MARK[shown_stance(r)]}</span> '
                f'<span class="meta">{r["confidence"]:.2f} · {html.escape(r["design"])}'
                f'{" · n=" + str(r["sample_size"]) if r["sample_size"] else ""}'
                f'{" · " + html.escape(reviewed[2:]) if reviewed else ""} · {link}'
                f'{" · retracted" if r["retracted"] else ""} · {html.escape(art.get("title") or "")}</span>'
                f'<div class="sentence">{_highlight(r, by_doc[r["doc_id"]])}</div></li>')
        md.append("")
        body.append(
            f'<section id="{html.escape(c["claim_id"])}"><h2>{html.escape(c["claim_id"])}: '
            f'<span class="verdict">{html.escape(c["verdict"])}</span></h2>'
            f'<blockquote>{html.escape(c["statement"])}</blockquote>'
            + (f'<p class="why">Why: {html.escape(c["verdict_reason"])}</p>' if c.get("verdict_reason") else "")
            + f'<p>{c["n_supporting"]} supporting, {c["n_conflicting"]} conflicting, {c["n_mixed"]} mixed articles '
            f'(weighted {c["weighted_support"]} vs {c["weighted_conflict"]})'
            + (f' · evidence reviewed: {c["n_reviewed"]} of {c["n_evidence"]}' if c.get("n_evidence") else "")
            + (" · retracted (not counted): " + html.escape(", ".join(c["retracted_pmids"]))
               if c["retracted_pmids"] else "")
            + f'</p><ul>{"".join(items)}</ul></section>')
    page = ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'><title>Claims report</title><style>"
            "body{font-family:sans-serif;max-width:60em;margin:auto}li{margin:.6em 0}.conflicts .stance{color:#b00}"
            ".supports .stance{color:#070}.meta{color:#555;font-size:.9em}.verdict{font-weight:normal}</style>"
            "</head><body><h1>Claims report</h1>"
            f"<p>{html.escape(summary[0]['verdict_rule']) if summary else ''}</p>" + "".join(body) + "</body></html>")
    return "\n".join(md) + "\n", page


def write(out: Path, dest: Path | None = None) -> list[Path]:
    dest = Path(dest or Path(out) / "report")
    md, page = build(out)  # first: no folder is made for tables that are not there
    dest.mkdir(parents=True, exist_ok=True)
    paths = [dest / "claims.md", dest / "claims.html"]
    for path, content in zip(paths, (md, page), strict=True):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(path)
    return paths


"""`kev report`: the claims report (Markdown and HTML) from the published tables, nothing recomputed.

Per claim: the verdict and the rule behind it, the counts, and every evidence sentence with its entities highlighted
(displaCy's entity renderer, manual mode) and a PubMed link; before the claims, what the literature in the tables
is (articles by design and study drug, and by route, from `studies.parquet`). All abstract text is escaped.
"""

from __future__ import annotations

import html
import os
import re
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

import pyarrow.parquet as pq
from spacy import displacy

from pipeline.claims.citation_model import cited_by_model
from pipeline.nlp.context import entity_mark
from pipeline.tables import store

COLORS = {"DRUG": "#a6cee3", "DOSE": "#b2df8a", "ROUTE": "#fdbf6f", "TIMEPOINT": "#cab2d6", "OUTCOME": "#fb9a99",
          "ADVERSE_EVENT": "#ffff99"}
# displaCy's entity marks with classes instead of inline styles (the styles repeated per mark were half of a corpus
# report), on one line (its template's newlines put spaces into copied text: "( SSI"), the label drawn by CSS from
# data-label (a label in the text was copied with the sentence: "MADRSOUTCOME scores"); a negated or hedged adverse
# event adds its `entity_mark` to the label, and so to the class ("e-ADVERSE_EVENT negated")
ENT_TEMPLATE = '<mark class="entity e-{label}" data-label="{label}">{text}</mark>'
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


def _highlight(row: dict, mentions: list[dict]) -> str:
    """The sentence as HTML with its entities marked (displaCy escapes the text)."""
    s, e = row["start"], row["end"]
    ents: list[dict] = []
    # displaCy repeats the text of overlapping entities ("post-infusion infusion"): the longer one is marked
    for m in sorted((m for m in mentions if s <= m["start"] and m["end"] <= e),
                    key=lambda m: (m["start"] - m["end"], m["start"])):
        if all(m["end"] <= x["start"] + s or x["end"] + s <= m["start"] for x in ents):
            ents.append({"start": m["start"] - s, "end": m["end"] - s, "label": m["label"] + entity_mark(m)})
    doc = {"text": row["sentence"], "ents": sorted(ents, key=lambda x: x["start"]), "title": None}
    return displacy.render(doc, style="ent", manual=True, page=False, options={"template": ENT_TEMPLATE})


def _completed_runs(out: Path) -> list[dict]:
    """The runs that published (a failed run after the last of them changed nothing: its tables stand)."""
    path = Path(out) / "runs.parquet"
    return [r for r in pq.read_table(path).to_pylist() if r["status"] == "completed"] if path.exists() else []


def _latest_changes(out: Path, completed: list[dict]) -> tuple[list[dict], bool]:
    """The last completed run's changes, and whether that run was the first (every citation is new then)."""
    path = Path(out) / "claim_diff.parquet"
    if not path.exists() or not completed:
        return [], False
    last = completed[-1]["run_id"]
    return [r for r in pq.read_table(path).to_pylist() if r["run_id"] == last], len(completed) == 1


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
    section = (f"<section id='report-studies'><h2>Studies in the tables ({len(rows)} articles)</h2>"
               "<div class='scroll'>"
               f"<table><tr><th>design</th>{head}</tr>{body}</table></div><p>Routes of the study drug: "
               f"{html.escape(by_route or 'none found')}</p></section>")
    return md, section


ARTICLE_MARK = {"supports": "✔ supports", "conflicts": "✘ conflicts", "mixed": "± mixed",
                "retracted": "retracted: not counted", "uncounted": "not counted"}
ARTICLE_ORDER = {"supports": 0, "mixed": 1, "conflicts": 2, "uncounted": 3, "retracted": 4}
STANCE_ORDER = {"supports": 0, "conflicts": 1, "rejected": 2}
CSS = ("body{font-family:sans-serif;max-width:60em;margin:auto;padding:0 1em;line-height:1.45;"
       "overflow-wrap:anywhere}"
       "li{margin:.5em 0}.scroll{overflow-x:auto}table{border-collapse:collapse}td,th{padding:.2em .6em;"
       "border-bottom:1px solid #ddd;text-align:left}.conflicts>.stance,.conflicts .stance{color:#b00}"
       ".supports>.stance,.supports .stance{color:#070}.mixed>.stance{color:#850}.meta{color:#555;font-size:.9em}"
       ".verdict{font-weight:normal}.retracted{opacity:.75}.flag{color:#fff;background:#b00;padding:0 .3em;"
       "font-weight:bold}.article{margin:.9em 0}.article>ul{margin:.2em 0}"
       ".entities{line-height:1.9 !important}ul{padding-left:1.2em}"
       "mark.entity{padding:.15em .35em;margin:0 .15em;border-radius:.3em;"
       "box-decoration-break:clone;-webkit-box-decoration-break:clone}mark.entity::after{content:attr(data-label);"
       "font-size:.7em;font-weight:bold;margin-left:.35em;vertical-align:middle}"
       + "".join(f".e-{label}{{background:{color}}}" for label, color in COLORS.items())
       + "mark.negated,mark.hedged{background:none;outline:2px dashed #999;outline-offset:-2px}"
       "mark.negated{text-decoration:line-through}")
MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|~"})  # ~: GitHub's strikethrough ("~30% to ~10%")


def _md_text(text: object) -> str:
    """Abstract text for Markdown: HTML escaped (a viewer renders raw HTML) and Markdown's emphasis, code, link
    and table characters backslash-escaped (an abstract's "*p*" or "[1](x)" is text, not markup)."""
    return _md(text).translate(MD_SPECIAL)


def pubmed_url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def _ref_md(pmid: str | None, doc_id: str, doi: str | None = None) -> str:
    """A PubMed link, else the doc_id (with a DOI link when the record has one)."""
    if pmid:
        return f"[PMID {_md(pmid)}]({pubmed_url(pmid)})"
    return _md_text(doc_id) + (f" ([doi:{_md_text(doi)}](https://doi.org/{quote(doi, safe='/')}))" if doi else "")


def _ref_html(pmid: str | None, doc_id: str, doi: str | None = None) -> str:
    if not pmid:
        return html.escape(doc_id) + (f' (<a href="https://doi.org/{html.escape(quote(doi, safe="/"))}">doi:'
                                      f'{html.escape(doi)}</a>)' if doi else "")
    return f'<a href="{html.escape(pubmed_url(pmid))}">PMID {html.escape(pmid)}</a>'


def _provenance(completed: list[dict], summary: list[dict]) -> str:
    """Which run's tables these are, and the code, model and catalogue that made them (one line)."""
    if not completed:
        return ""
    last = completed[-1]
    catalogue = last.get("catalogue_version") or (summary[0].get("catalogue_version") if summary else None)
    finished = last["finished_at"].strftime("%Y-%m-%d %H:%M UTC") if last.get("finished_at") else "?"
    return (f"Tables of run {last['run_id']} ({last.get('flow') or 'run'}, finished {finished}, "
            f"{last['n_articles']} articles); code {last['code_version']}, model {last.get('model_version') or '-'}, "
            f"claim catalogue {catalogue or '-'}.")


def _article_stance(claim: dict, doc_id: str, pmid: str | None) -> str:
    """How the summary counted the article for this claim (its *_pmids lists hold PMIDs, else doc_ids)."""
    key = pmid or doc_id
    for column, stance in (("retracted_pmids", "retracted"), ("mixed_pmids", "mixed"),
                           ("supporting_pmids", "supports"), ("conflicting_pmids", "conflicts")):
        if key in (claim.get(column) or []):
            return stance
    return "uncounted"  # e.g. every sentence rejected by review


def _articles_of(claim: dict, rows: list[dict]) -> list[tuple[str, list[dict]]]:
    """The claim's evidence grouped by article: supporting, mixed, conflicting, then uncounted and retracted ones,
    each group by its strongest sentence; an article's sentences by stance, then confidence."""
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_doc[r["doc_id"]].append(r)
    grouped = []
    for doc_id, doc_rows in by_doc.items():
        doc_rows.sort(key=lambda r: (STANCE_ORDER[shown_stance(r)], -r["confidence"], r["start"]))
        grouped.append((_article_stance(claim, doc_id, doc_rows[0]["pmid"]), doc_rows))
    grouped.sort(key=lambda g: (ARTICLE_ORDER[g[0]], -max(r["confidence"] for r in g[1]), g[1][0]["doc_id"]))
    return grouped


def _sentence_note(r: dict) -> str:
    """Confidence, where the sentence stands, and how it was cited or reviewed."""
    note = f"{r['confidence']:.2f}, {r.get('role') or 'unlabelled'}"
    if (r.get("review_status") or "unreviewed") != "unreviewed":
        note += f", {r['review_status']}"
    if cited_by_model(r):
        note += ", cited by the model"  # a further citation of the stance the rules found
    return note


def _design_and_size(r: dict) -> str:
    return f"{r['design']} · n={r['sample_size']}" if r["sample_size"] else r["design"]


def _claim_md(c: dict, grouped: list[tuple[str, list[dict]]], articles: dict) -> list[str]:
    lines = [f"## {_heading(c)}", "", f"> {_md_text(c['statement'])}", "",
             *([f"Why: {_md_text(c['verdict_reason'])}", ""] if c.get("verdict_reason") else []),
             f"Supporting articles: {c['n_supporting']} · conflicting: {c['n_conflicting']} · mixed: "
             f"{c['n_mixed']} · weighted support vs conflict {_weights(c)}"
             + (f" · evidence reviewed: {c['n_reviewed']} of {c['n_evidence']}" if c.get("n_evidence") else "")
             + (f" · retracted (not counted): {', '.join(c['retracted_pmids'])}" if c["retracted_pmids"] else ""),
             ""]
    if not grouped:
        return [*lines, "No evidence found.", ""]
    for stance, rows in grouped:
        article = articles.get(rows[0]["doc_id"], {})
        facts, title = _design_and_size(rows[0]), article.get("title") or ""
        lines.append(f"- **{ARTICLE_MARK[stance]}** · {_ref_md(rows[0]['pmid'], rows[0]['doc_id'], article.get('doi'))}"
                     f" · {facts}" + (f" · *{_md_text(title)}*" if title else ""))
        lines += [f"  - {STANCE_MARK[shown_stance(r)]} ({_sentence_note(r)}): {_md_text(r['sentence'].strip())}"
                  for r in rows]
    return [*lines, ""]


def _claim_html(c: dict, grouped: list[tuple[str, list[dict]]], articles: dict, by_doc: dict) -> str:
    items = []
    for stance, rows in grouped:
        article = articles.get(rows[0]["doc_id"], {})
        facts, title = _design_and_size(rows[0]), article.get("title") or ""
        flag = ' <span class="flag">RETRACTED</span>' if stance == "retracted" else ""
        sentences = "".join(
            f'<li class="{shown_stance(r)}"><span class="stance">{STANCE_MARK[shown_stance(r)]}</span> '
            f'<span class="meta">{html.escape(_sentence_note(r))}</span>'
            f'<div class="sentence">{_highlight(r, by_doc[r["doc_id"]])}</div></li>' for r in rows)
        items.append(f'<li class="article {stance}">'
                     f'<span class="stance">{html.escape(ARTICLE_MARK[stance])}</span>{flag} · '
                     f'{_ref_html(rows[0]["pmid"], rows[0]["doc_id"], article.get("doi"))} · '
                     f'<span class="meta">{html.escape(facts)}</span> · {html.escape(title)}<ul>{sentences}</ul></li>')
    return (f'<section id="{html.escape(c["claim_id"])}"><h2>{html.escape(c["claim_id"])}: '
            f'<span class="verdict">{html.escape(c["verdict"])}</span></h2>'
            f'<blockquote>{html.escape(c["statement"])}</blockquote>'
            + (f'<p class="why">Why: {html.escape(c["verdict_reason"])}</p>' if c.get("verdict_reason") else "")
            + f'<p>{c["n_supporting"]} supporting, {c["n_conflicting"]} conflicting, {c["n_mixed"]} mixed articles '
            f'(weighted {_weights(c)})'
            + (f' · evidence reviewed: {c["n_reviewed"]} of {c["n_evidence"]}' if c.get("n_evidence") else "")
            + (" · retracted (not counted): " + html.escape(", ".join(c["retracted_pmids"]))
               if c["retracted_pmids"] else "")
            + "</p>" + (f'<ul>{"".join(items)}</ul>' if items else "<p>No evidence found.</p>")
            + '<p><a href="#report-overview">back to the overview</a></p></section>')


def _heading(c: dict) -> str:
    return f"{c['claim_id']}: {c['verdict']}"


def _slug(heading: str) -> str:
    """The anchor GitHub (and most Markdown viewers) give a heading: lower case, punctuation but `-` and `_`
    dropped, spaces as `-` ("rapid_onset: insufficient evidence" -> "rapid_onset-insufficient-evidence")."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def _weights(c: dict) -> str:
    return f"{c['weighted_support']:.3f} vs {c['weighted_conflict']:.3f}"


def _overview(summary: list[dict]) -> tuple[list[str], str]:
    """One line per claim with its verdict and counts, linking to its section."""
    cols = ("claim", "verdict", "supporting", "conflicting", "mixed", "retracted (not counted)",
            "weighted support vs conflict")
    md = ["## Overview", "", "| " + " | ".join(cols) + " |", "|---" * len(cols) + "|"]
    md += [f"| [{c['claim_id']}](#{_slug(_heading(c))}) | {c['verdict']} | {c['n_supporting']} | "
           f"{c['n_conflicting']} | {c['n_mixed']} | {len(c['retracted_pmids'])} | {_weights(c)} |" for c in summary]
    rows = "".join(f'<tr><td><a href="#{html.escape(c["claim_id"])}">{html.escape(c["claim_id"])}</a></td>'
                   f'<td>{html.escape(c["verdict"])}</td><td>{c["n_supporting"]}</td><td>{c["n_conflicting"]}</td>'
                   f'<td>{c["n_mixed"]}</td><td>{len(c["retracted_pmids"])}</td><td>{_weights(c)}</td></tr>'
                   for c in summary)
    head = "".join(f"<th>{html.escape(x)}</th>" for x in cols)
    return [*md, ""], (f"<section id='report-overview'><h2>Overview</h2><div class='scroll'><table><tr>{head}</tr>"
                       f"{rows}</table></div></section>")


def _changes(changes: list[dict], first_run: bool) -> tuple[list[str], str]:
    """What the last completed run changed: counts, then the changes that matter most first."""
    if first_run:
        text = (f"Every citation is new: {len(changes)} article-claim pairs (claim_diff.parquet lists them)."
                if changes else "No citations yet.")
        return ["## First run", "", text, ""], f"<section><h2>First run</h2><p>{html.escape(text)}</p></section>"
    if not changes:
        text = "None: the last run changed no citation."
        return ["## Changes since the previous run", "", text, ""], \
            f"<section><h2>Changes since the previous run</h2><p>{text}</p></section>"
    counts = Counter((c["claim_id"], c["change"]) for c in changes)
    tally = "; ".join(f"{claim} {change} {n}" for (claim, change), n in sorted(counts.items()))
    # what a reader must see first: retractions, flipped and dropped citations, then the new ones
    shown = sorted(changes, key=lambda c: CHANGE_ORDER.get(c["change"], len(CHANGE_ORDER)))[:MAX_CHANGES]
    more = (f"... and {len(changes) - len(shown)} more (all of them in claim_diff.parquet)"
            if len(changes) > len(shown) else "")
    md = ["## Changes since the previous run", "", f"{len(changes)} changes: {_md(tally)}", ""]
    md += [f"- {c['claim_id']}: {c['change']} {_ref_md(c['pmid'], c['doc_id'])} ({c['old_stance'] or '-'} → "
           f"{c['new_stance'] or '-'}){_by(c)}" for c in shown]
    md += [more, ""] if more else [""]
    page = (f"<section><h2>Changes since the previous run</h2><p>{len(changes)} changes: {html.escape(tally)}</p><ul>"
            + "".join(f"<li>{html.escape(c['claim_id'])}: {html.escape(c['change'])} "
                      f"{_ref_html(c['pmid'], c['doc_id'])} ({html.escape(c['old_stance'] or '-')} → "
                      f"{html.escape(c['new_stance'] or '-')}){html.escape(_by(c))}</li>" for c in shown)
            + (f"<li>{html.escape(more)}</li>" if more else "") + "</ul></section>")
    return md, page


def build(out: Path) -> tuple[str, str]:
    out = Path(out)
    if not (out / "claim_summary.parquet").exists():
        raise FileNotFoundError(f"{out}: no published claim tables here (run the pipeline first, or pass --out)")
    # every table from one snapshot: a run publishing meanwhile moves `current`, not this folder
    out = store.current_dir(out) or out
    summary = pq.read_table(out / "claim_summary.parquet").to_pylist()
    evidence = pq.read_table(out / "claim_evidence.parquet").to_pylist()
    entities = pq.read_table(out / "entities.parquet",
                             columns=["doc_id", "start", "end", "label", "negated", "hedged"]).to_pylist()
    articles = {r["doc_id"]: r for r in pq.read_table(out / "articles.parquet",
                                                      columns=["doc_id", "title", "doi"]).to_pylist()}
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for m in entities:
        by_doc[m["doc_id"]].append(m)
    by_claim: dict[str, list[dict]] = defaultdict(list)
    for r in evidence:
        by_claim[r["claim_id"]].append(r)
    completed = _completed_runs(out)
    provenance = _provenance(completed, summary)
    rule = summary[0]["verdict_rule"] if summary else ""
    md = ["# Claims report", "", *([_md(provenance), ""] if provenance else []),
          "Generated from the published tables. Verdict rule: " + _md_text(rule), ""]
    overview_md, overview_html = _overview(summary)
    studies_md, studies_html = _studies(out)
    changes_md, changes_html = _changes(*_latest_changes(out, completed))
    md += overview_md + studies_md + changes_md
    body = [overview_html, studies_html, changes_html]
    for c in summary:
        grouped = _articles_of(c, by_claim[c["claim_id"]])
        md += _claim_md(c, grouped, articles)
        body.append(_claim_html(c, grouped, articles, by_doc))
    page = ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'><title>Claims report</title>"
            f"<style>{CSS}</style></head><body><h1 id='report-top'>Claims report</h1>"
            + (f"<p class='meta'>{html.escape(provenance)}</p>" if provenance else "")
            + f"<p>{html.escape(rule)}</p>" + "".join(body) + "</body></html>")
    return "\n".join(md) + "\n", page


def write(out: Path, dest: Path | None = None) -> list[Path]:
    dest = Path(dest or Path(out) / "report")
    md, page = build(out)  # first: no folder is made for tables that are not there
    if dest.exists() and not dest.is_dir():
        raise ValueError(f"{dest}: --dest names a file; the report is a folder (claims.md and claims.html)")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a parent that is a file, a dangling link, no permission
        raise ValueError(f"{dest}: cannot make the report folder ({exc.strerror or exc})") from exc
    paths = [dest / "claims.md", dest / "claims.html"]
    for path, content in zip(paths, (md, page), strict=True):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # two reports at once never share a file
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(path)
    return paths

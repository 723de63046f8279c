"""The reviewer web app (FastAPI + Jinja2, server-side): claims → evidence → one sentence in its abstract.

It reads the published tables and writes decisions, nothing else; it never runs the NLP. Request parameters are
only compared with ids from the tables: none reaches the filesystem. Every page escapes abstract text (Jinja2
autoescape; highlights are built from escaped pieces). State-changing requests need the CSRF token of the session
cookie; when bound beyond loopback, every request needs the access token.
"""

from __future__ import annotations

import hmac
import json
import secrets
from pathlib import Path
from urllib.parse import quote, unquote

import pyarrow.compute as pc
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.claims.citation_model import cited_by_model
from pipeline.nlp.context import entity_mark
from pipeline.review import decisions as dec
from pipeline.tables import store

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
STANCES = ("supports", "conflicts")
CITED_BY = ("rules", "model")
MIN_KAPPA_PAIRS = 10  # below this many doubly-reviewed items a kappa says nothing: agreement is shown alone


def reviewer_of(request: Request) -> str:
    """The reviewer this browser last decided as (the cookie, percent-encoded)."""
    return unquote(request.cookies.get("kev_reviewer", ""))


def cited_by_of(row: dict) -> str:
    """Who cited an evidence row: `model` for the citation model's further citations, else `rules`."""
    return "model" if cited_by_model(row) else "rules"


def _rows(out: Path, name: str, columns: list[str] | None = None, doc_id: str | None = None) -> list[dict]:
    """A published table as rows; `doc_id` filters in Arrow first, so one article's page never converts the
    whole corpus to Python."""
    table = store.read_table(out, name)
    if table is None:
        return []
    if doc_id is not None:
        table = table.filter(pc.field("doc_id") == doc_id)
    return table.select(columns).to_pylist() if columns else table.to_pylist()


def highlight(text: str, start: int, end: int, entities: list[dict]) -> Markup:
    """The abstract as HTML: the evidence sentence wrapped once, entities marked; every piece of text escaped.
    Where entities overlap ("memory" inside "memory problems") a piece takes the longest one's colour and its title
    names every label on it, so no label is hidden."""
    cuts = sorted({0, len(text), start, end} | {e["start"] for e in entities} | {e["end"] for e in entities})
    parts = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a == start:
            parts.append('<span class="evidence" id="evidence-sentence">')
        piece = str(escape(text[a:b]))
        on = sorted((e for e in entities if e["start"] <= a and b <= e["end"]), key=lambda e: e["start"] - e["end"])
        if on:
            labels = " · ".join(dict.fromkeys(str(e["label"]) + entity_mark(e) for e in on))
            piece = (f'<mark class="ent {escape(on[0]["label"])}{escape(entity_mark(on[0]))}" title="{escape(labels)}">'
                     f'{piece}</mark>')
        parts.append(piece)
        if b == end:
            parts.append("</span>")
    return Markup("".join(parts).replace("\n", "<br>"))


def create_app(out: Path, token: str | None = None) -> FastAPI:
    out = Path(out)
    app = FastAPI(title="ketamine-evidence review", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if token is not None:
            given = request.query_params.get("token") or request.cookies.get("kev_token") or ""
            if not hmac.compare_digest(given.encode(), token.encode()):
                return Response("access token required", status_code=401)
        response = await call_next(request)
        if token is not None and request.query_params.get("token"):
            response.set_cookie("kev_token", token, httponly=True, samesite="strict")
        if not request.cookies.get("kev_csrf"):
            response.set_cookie("kev_csrf", request.state.csrf, httponly=True, samesite="strict")
        response.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'unsafe-inline'; " \
                                                      "script-src 'unsafe-inline'"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.middleware("http")
    async def csrf_token(request: Request, call_next):
        request.state.csrf = request.cookies.get("kev_csrf") or secrets.token_urlsafe(24)
        return await call_next(request)

    def page(request: Request, name: str, **ctx) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, name, {"csrf": request.state.csrf, "reviewer": reviewer_of(request),
                                                          **ctx})

    def reviewed() -> tuple[list[dict], list[dict], list[dict]]:
        """The published evidence with its reviews now, the decisions that count, and the whole log (undos
        included), both attached to the rows: the log is read once per page."""
        rows = _rows(out, "claim_evidence")
        logged = dec.attach(dec.all_decisions(out), rows)
        decisions = dec.live(logged)
        reviews = dec.effective(decisions, {r["evidence_id"]: r["sentence"] for r in rows})
        years = {r["doc_id"]: r["pub_year"] for r in _rows(out, "articles", ["doc_id", "pub_year"])}
        for r in rows:
            d = reviews.get(r["evidence_id"])
            if d and not dec.is_current(d, r["sentence"]):
                d = None  # made on another wording of the sentence: it needs a new review
            r["review"] = dec.verdict(d, r["stance"]) if d else None
            r["reviewers"] = sorted(d["reviewers"]) if d else []
            r["disputed"] = bool(d) and dec.disputed(d, r["stance"])
            r["latest_by_reviewer"] = sorted(d["by_reviewer"].values(), key=lambda x: x["reviewer"]) if d else []
            r["year"] = years.get(r["doc_id"])
        return rows, decisions, logged

    def evidence_rows() -> list[dict]:
        return reviewed()[0]

    @app.get("/", response_class=HTMLResponse)
    def claims(request: Request):
        summary = _rows(out, "claim_summary")
        ev, decisions, _ = reviewed()
        sentences = {r["evidence_id"]: r["sentence"] for r in ev}
        # agreement only over decisions made on the sentences as they read now
        counted = [d for d in decisions if d["evidence_id"] in sentences
                   and dec.is_current(d, sentences[d["evidence_id"]])]
        model = {r["evidence_id"]: r["stance"] for r in ev}
        for s in summary:
            mine = [r for r in ev if r["claim_id"] == s["claim_id"]]
            s["n_evidence"] = len(mine)
            s["n_reviewed"] = sum(1 for r in mine if r["review"])
            s["n_disputed"] = sum(1 for r in mine if r["disputed"])
            s["kappa"] = dec.kappa([d for d in counted if d["claim_id"] == s["claim_id"]], model)
        runs = [r for r in _rows(out, "runs", ["run_id", "finished_at", "status"]) if r["status"] == "completed"]
        return page(request, "claims.html", claims=summary, overall=dec.kappa(counted, model),
                    orphans=len(dec.orphans(decisions, ev)),
                    last_run=max(runs, key=lambda r: r["finished_at"]) if runs else None,
                    min_pairs=MIN_KAPPA_PAIRS)

    @app.get("/orphans", response_class=HTMLResponse)
    def orphans(request: Request):
        ev, decisions, _ = reviewed()
        return page(request, "orphans.html", decisions=dec.orphans(decisions, ev))

    @app.get("/claims/{claim_id}", response_class=HTMLResponse)
    def claim(request: Request, claim_id: str, stance: str = "", design: str = "", year: str = "",
              min_confidence: float = 0.0, reviewed: str = "", cited_by: str = ""):
        summary = {s["claim_id"]: s for s in _rows(out, "claim_summary")}
        if claim_id not in summary:
            raise HTTPException(404, "no such claim")
        rows = [r for r in evidence_rows() if r["claim_id"] == claim_id]
        designs = sorted({r["design"] for r in rows})
        if stance:
            rows = [r for r in rows if r["stance"] == stance]
        if design:
            rows = [r for r in rows if r["design"] == design]
        if year:
            rows = [r for r in rows if str(r["year"]) == year]
        rows = [r for r in rows if r["confidence"] >= min_confidence]
        if reviewed in ("yes", "no"):
            rows = [r for r in rows if bool(r["review"]) == (reviewed == "yes")]
        if cited_by in CITED_BY:  # the rules' citations, or the citation model's further ones
            rows = [r for r in rows if cited_by_of(r) == cited_by]
        rows.sort(key=lambda r: (bool(r["review"]), -r["confidence"], r["doc_id"], r["start"]))
        return page(request, "claim.html", claim=summary[claim_id], rows=rows, designs=designs,
                    filters={"stance": stance, "design": design, "year": year, "min_confidence": min_confidence,
                             "reviewed": reviewed, "cited_by": cited_by}, cited_by=cited_by_of,
                    cited_by_options=CITED_BY)

    @app.get("/evidence/{evidence_id}", response_class=HTMLResponse)
    def evidence(request: Request, evidence_id: str, done: int | None = None):
        rows, _, logged = reviewed()
        row = next((r for r in rows if r["evidence_id"] == evidence_id), None)
        if row is None:
            raise HTTPException(404, "no such evidence")
        found = _rows(out, "articles", ["doc_id", "title", "text", "pmid", "journal", "pub_year", "retracted"],
                      doc_id=row["doc_id"])
        if not found:
            raise HTTPException(404, "the article is no longer published")
        article = found[0]
        ents = _rows(out, "entities", ["doc_id", "start", "end", "label", "negated", "hedged"], doc_id=row["doc_id"])
        history = dec.history(logged, evidence_id)
        me = reviewer_of(request)
        just = next((d for d in dec.live(logged) if d["decision_id"] == done and d["reviewer"] == me),
                    None) if done else None
        sentence_of = {r["evidence_id"]: r["sentence"] for r in rows}
        return page(request, "evidence.html", row=row, article=article, history=history,
                    last_decision=dec.last_counted(history),
                    seen=dec.sentence_hash(row["sentence"]), cues=json.loads(row["cues"] or "[]"),
                    cited_by=cited_by_of(row), just=just,
                    just_sentence=sentence_of.get(just["evidence_id"], "") if just else "",
                    html=highlight(article["text"], row["start"], row["end"], ents))

    @app.post("/evidence/{evidence_id}/decide")
    def decide(request: Request, evidence_id: str, decision: str = Form(...), csrf: str = Form(""),
               reviewer: str = Form(""), new_stance: str = Form(""), note: str = Form(""),
               seen: str = Form(""), shown: str = Form(""), undoes: int | None = Form(None),
               last: int | None = Form(None)):
        if not csrf or not hmac.compare_digest(csrf.encode(), request.cookies.get("kev_csrf", "").encode()):
            raise HTTPException(403, "missing or wrong CSRF token: reload the page")
        rows = {r["evidence_id"]: r for r in _rows(out, "claim_evidence")}
        row = rows.get(evidence_id)
        if row is None:
            raise HTTPException(404, "no such evidence")
        if decision == dec.UNDO:  # take back one's own decision (the reviewer of this browser): back to its evidence
            try:
                dec.undo(out, undoes if undoes is not None else -1, reviewer_of(request))
            except dec.DecisionError as exc:
                raise HTTPException(400, str(exc)) from exc
            return RedirectResponse(f"/evidence/{evidence_id}", status_code=303)
        if seen and seen != dec.sentence_hash(row["sentence"]):
            raise HTTPException(409, "the sentence changed since this page was opened (a new run published a revised "
                                     "record): reload the page and decide again")
        if decision == "confirm" and shown and shown != row["stance"]:  # a reject or new stance needs no model
            raise HTTPException(409, f"the model's stance changed from {shown} to {row['stance']} since this page was "
                                     "opened (a new run published): reload the page and decide again")

        def unchanged(logged: list[dict]) -> None:  # another tab or reviewer decided since the page was opened
            if last is not None and dec.last_counted(dec.history(dec.attach(logged, list(rows.values())),
                                                                 evidence_id)) != last:
                raise dec.DecisionConflict("another decision on this evidence was recorded since this page was "
                                           "opened: reload the page to see it, then decide again")

        try:
            decision_id = dec.record(out, evidence_id, row["claim_id"], reviewer, decision, new_stance or None, note,
                                     row["sentence"], row["stance"], row["doc_id"], check=unchanged)
        except dec.DecisionConflict as exc:
            raise HTTPException(409, str(exc)) from exc
        except dec.DecisionError as exc:
            raise HTTPException(400, str(exc)) from exc
        latest = dec.effective(dec.current(out, list(rows.values())))
        pending = sorted((r for r in rows.values() if r["claim_id"] == row["claim_id"]
                          and not (r["evidence_id"] in latest
                                   and dec.is_current(latest[r["evidence_id"]], r["sentence"]))),
                         key=lambda r: (-r["confidence"], r["doc_id"], r["start"]))
        target = pending[0]["evidence_id"] if pending else evidence_id
        response = RedirectResponse(f"/evidence/{target}?done={decision_id}", status_code=303)
        # percent-encoded: a cookie holds Latin-1 only, and "Łukasz" once made the response fail after the decision
        response.set_cookie("kev_reviewer", quote(reviewer.strip()[:80]), samesite="strict")
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return TEMPLATES.TemplateResponse(request, "error.html", {"status": exc.status_code, "message": exc.detail},
                                          status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        fields = ", ".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors())
        return TEMPLATES.TemplateResponse(request, "error.html",
                                          {"status": 422, "message": f"invalid value for: {fields}"}, status_code=422)

    return app


def check_binding(host: str, token: str | None) -> None:
    if host not in ("127.0.0.1", "localhost", "::1") and not token:
        raise ValueError("binding beyond loopback needs --token (every request must then carry it)")


def serve(out: Path, host: str = "127.0.0.1", port: int = 8000, token: str | None = None) -> None:
    import uvicorn

    check_binding(host, token)
    uvicorn.run(create_app(out, token), host=host, port=port, log_level="warning")

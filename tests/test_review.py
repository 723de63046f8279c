"""The reviewer app, in a real browser (Playwright driving Debian's Chromium) against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import uvicorn

from pipeline.config import SAMPLE_DIR, Settings
from pipeline.ingest import run_stages
from pipeline.review import decisions
from pipeline.review.app import create_app, serve
from tests.conftest import ROOT
from tests.pubmed_factory import record, write_set

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE_TITLE = "<script>alert('title')</script> Ketamine for depression"
HOSTILE_ABSTRACT = ("RESULTS: <script>alert('abstract')</script> Ketamine significantly reduced MADRS depression "
                    "scores at 24 h compared with placebo (p < 0.01). CONCLUSIONS: Ketamine was well tolerated.")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("src")
    for f in SAMPLE_DIR.glob("*.xml"):
        shutil.copy(f, folder / f.name)
    write_set(folder / "zz-hostile.xml", [record(98000001, date(2024, 8, 1), title=HOSTILE_TITLE,
                                                 abstract=HOSTILE_ABSTRACT)])
    return f"xml:{folder}"


@pytest.fixture(scope="module")
def out(tmp_path_factory, source) -> Path:
    out = tmp_path_factory.mktemp("out")
    run_stages(source, Settings(out=out), date(2025, 1, 1))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, out: Path, token: str | None = None) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(create_app(out, token), host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        for _ in range(100):
            if self.server.started:
                break
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def decide(opener, url: str, evidence_id: str, form: str) -> int:
    """POST a decision form; the HTTP status (an error status is an answer here, not an exception)."""
    try:
        return opener.open(urllib.request.Request(f"{url}/evidence/{evidence_id}/decide", form.encode())).status
    except urllib.error.HTTPError as exc:
        return exc.code


def shot(page, name: str) -> None:
    if os.environ.get("KEV_SCREENSHOTS"):
        page.screenshot(path=str(ROOT / "docs" / f"review-{name}.png"), full_page=name != "claim")


def test_confirm_reject_reload_and_the_next_run_applies_them(out, source, browser):
    with Server(out) as url:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(url + "/")
        shot(page, "claims")
        page.click("a.claim-link[href='/claims/antidepressant_efficacy']")
        page.wait_for_selector("#evidence")
        shot(page, "claim")
        page.click("a.evidence-link >> nth=0")
        page.wait_for_selector("#abstract .evidence")
        shot(page, "evidence")
        first = page.url
        page.fill("#reviewer", "alice")
        page.locator("body").click()  # keyboard shortcuts act outside inputs
        page.keyboard.press("c")
        page.wait_for_url(lambda u: u != first)
        second = page.url
        assert "/evidence/" in second  # the next unreviewed evidence of the claim followed
        assert "alice · confirm" in page.inner_text("#recorded")  # what was just recorded, with an undo
        second = second.split("?", 1)[0]
        page.click("#reject")
        page.wait_for_url(lambda u: u != second)
        page.goto(first)
        page.reload()
        assert page.inner_text("#review-state") in ("supports", "conflicts")
        assert "alice · confirm" in page.inner_text("#history")
        page.goto(second)
        assert page.inner_text("#review-state") == "rejected"
        page.close()
    first_id, second_id = first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]
    assert "?" not in first_id + second_id
    log = pd.read_parquet(out / "review_decisions.parquet")
    assert list(log["decision"]) == ["confirm", "reject"] and set(log["reviewer"]) == {"alice"}
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--source", source, "--out", str(out)],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr  # the next run of the nightly flow applies the decisions
    ev = pd.read_parquet(out / "claim_evidence.parquet").set_index("evidence_id")
    assert ev.loc[first_id, "review_status"] == "confirmed" and ev.loc[first_id, "final_stance"] == \
        ev.loc[first_id, "stance"]
    assert ev.loc[second_id, "review_status"] == "rejected" and pd.isna(ev.loc[second_id, "final_stance"])
    summary = pd.read_parquet(out / "claim_summary.parquet").set_index("claim_id")
    assert summary.loc["antidepressant_efficacy", "n_reviewed"] == 2
    report = (out / "report" / "claims.md").read_text()
    assert "– rejected by review" in report and "evidence reviewed: 2 of" in report


def test_abstract_text_is_escaped(out, browser):
    ev = pd.read_parquet(out / "claim_evidence.parquet")
    hostile = ev[ev["pmid"] == "98000001"]
    assert not hostile.empty
    dialogs = []
    with Server(out) as url:
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{url}/evidence/{hostile.iloc[0]['evidence_id']}")
        assert "<script>alert('title')</script>" in page.inner_text("#title")
        assert "<script>alert('abstract')</script>" in page.inner_text("#abstract")
        page.goto(f"{url}/claims/{hostile.iloc[0]['claim_id']}")
        page.close()
    assert dialogs == []


def test_a_reviewer_can_audit_the_citation_models_rows_apart(out, browser):
    """The claim page says who cited each row and filters on it: the model's further citations are the ones a
    reviewer may want to audit first."""
    ev = pd.read_parquet(out / "claim_evidence.parquet")
    ev = ev[ev["claim_id"] == "antidepressant_efficacy"]
    by_model = int((ev["method"] == "citation-model-v1").sum())
    assert by_model and by_model < len(ev)
    with Server(out) as url:
        page = browser.new_page()
        page.goto(f"{url}/claims/antidepressant_efficacy")
        page.select_option("select[name=cited_by]", "model")
        page.click("button[type=submit]")
        page.wait_for_url(lambda u: "cited_by=model" in u)
        cells = page.locator("#evidence td.cited-by").all_inner_texts()
        assert cells == ["model"] * by_model
        page.goto(f"{url}/claims/antidepressant_efficacy?cited_by=rules")
        assert page.locator("#evidence td.cited-by").all_inner_texts() == ["rules"] * (len(ev) - by_model)
        page.close()


def status(url: str, data: bytes | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data)) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_csrf_token_and_no_path_from_requests(out):
    ev = pd.read_parquet(out / "claim_evidence.parquet")
    eid = ev.iloc[0]["evidence_id"]
    with Server(out) as url:
        assert status(f"{url}/evidence/{eid}/decide", b"decision=confirm&reviewer=mallory") == 403
        assert status(f"{url}/evidence/..%2F..%2Fetc%2Fpasswd") == 404
        assert status(f"{url}/claims/..%2Fstate.json") == 404
    with Server(out, token="s3cret") as url:
        assert status(url + "/") == 401
        assert status(url + "/?token=wrong") == 401
        assert status(url + "/?token=s3cret") == 200
    with pytest.raises(ValueError, match="needs --token"):
        serve(out, host="0.0.0.0", port=free_port())


def test_two_reviewers_kappa_and_an_append_only_log(tmp_path, out):
    shutil.copytree(out, tmp_path / "o", symlinks=True)
    o = tmp_path / "o"
    ev = pd.read_parquet(o / "claim_evidence.parquet").head(4)
    model = dict(zip(ev["evidence_id"], ev["stance"], strict=True))
    for i, r in enumerate(ev.itertuples()):
        decisions.record(o, r.evidence_id, r.claim_id, "bob", "confirm")
        decisions.record(o, r.evidence_id, r.claim_id, "carol", "confirm" if i < 3 else "reject")
    k = decisions.kappa(decisions.all_decisions(o), model)
    assert k["n"] == 4 and k["agreement"] == 0.75
    with sqlite3.connect(decisions.db_path(o)) as con, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE decisions SET decision = 'reject'")
    with Server(o) as url:
        html = urllib.request.urlopen(url + "/").read().decode()
    # four pairs are too few for a kappa to mean anything: agreement alone, and the one disagreement flagged
    assert "75.0% agreement\n(n=4; κ is shown from 10 items judged by two)" in html and "1 disputed" in html
    rows = decisions.training_rows(o, pd.read_parquet(o / "claim_evidence.parquet").to_dict("records"))
    assert {r["label"] for r in rows} <= {"supports", "conflicts", "rejected"} and len(rows) >= 4
    assert [r["reviewers"] for r in rows if r["disputed"]] == [["bob", "carol"]]


def test_non_ascii_tokens_are_refused_not_errors(out):
    eid = pd.read_parquet(out / "claim_evidence.parquet").iloc[0]["evidence_id"]
    with Server(out) as url:
        assert status(f"{url}/evidence/{eid}/decide", "decision=confirm&reviewer=m&csrf=é".encode()) == 403
    with Server(out, token="s3cret") as url:
        assert status(url + "/?token=%C3%A9") == 401


def test_concurrent_decisions_are_all_recorded_and_exported(tmp_path, out):
    shutil.copytree(out, tmp_path / "o", symlinks=True)
    o = tmp_path / "o"
    ev = pd.read_parquet(o / "claim_evidence.parquet").head(6)
    before = len(decisions.all_decisions(o))  # earlier tests of the module may have decided on `out`
    errors: list[BaseException] = []

    def decide(i: int) -> None:
        r = ev.iloc[i % len(ev)]
        try:
            decisions.record(o, r["evidence_id"], r["claim_id"], f"r{i}", "confirm")
        except BaseException as exc:  # noqa: BLE001 - any failure of a concurrent writer fails the test
            errors.append(exc)

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(pd.read_parquet(o / "review_decisions.parquet")) == before + 24
    assert not list(o.glob("*.tmp"))
    previous = os.umask(0o022)
    try:  # readable by analysts of other accounts, like every table (mkstemp made it 0600 whatever the umask)
        decisions.export(o)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((o / "review_decisions.parquet").stat().st_mode) == 0o644


def test_kappa_does_not_depend_on_who_decided_first(tmp_path, out):
    model = {"e1": "supports", "e2": "supports", "e3": "conflicts", "e4": "supports"}
    a = ["supports", "rejected", "conflicts", "supports"]
    b = ["supports", "supports", "conflicts", "rejected"]

    def log(order: list[int]) -> list[dict]:
        rows = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            pair = [("alice", x), ("bob", y)] if i in order else [("bob", y), ("alice", x)]
            for who, v in pair:
                rows.append({"evidence_id": f"e{i + 1}", "reviewer": who, "decision": "reject" if v == "rejected"
                             else "stance", "new_stance": None if v == "rejected" else v})
        return rows

    assert decisions.kappa(log([0, 1, 2, 3]), model) == decisions.kappa(log([0, 2, 3]), model)


def test_a_decision_does_not_carry_over_to_a_revised_sentence(tmp_path):
    src = tmp_path / "docs.jsonl"
    title = "Ketamine for treatment-resistant depression"
    before = ("RESULTS: In 60 patients with treatment-resistant depression, MADRS scores were significantly lower "
              "with ketamine than placebo at 24 h (p < 0.001). CONCLUSIONS: Ketamine relieved depression.")
    after = before.replace("(p < 0.001)", "(p = 0.049)")
    assert len(after) == len(before)
    out = tmp_path / "out"
    src.write_text(json.dumps({"doc_id": "pmid:99900010", "pmid": "99900010", "title": title,
                               "abstract": before}) + "\n")
    run_stages(f"jsonl:{src}", Settings(out=out), date(2025, 1, 1))
    ev = pd.read_parquet(out / "claim_evidence.parquet")
    row = ev[ev["sentence"].str.contains("MADRS")].iloc[0]
    decisions.record(out, row["evidence_id"], row["claim_id"], "alice", "reject", sentence=row["sentence"])
    run_stages(f"jsonl:{src}", Settings(out=out), date(2025, 1, 2))  # same text: the decision still holds
    ev = pd.read_parquet(out / "claim_evidence.parquet").set_index("evidence_id")
    assert ev.loc[row["evidence_id"], "review_status"] == "rejected"
    src.write_text(json.dumps({"doc_id": "pmid:99900010", "pmid": "99900010", "title": title,
                               "abstract": after}) + "\n")  # revised in place, same offsets, same version
    run_stages(f"jsonl:{src}", Settings(out=out), date(2025, 1, 3))
    ev = pd.read_parquet(out / "claim_evidence.parquet").set_index("evidence_id")
    assert ev.loc[row["evidence_id"], "review_status"] == "outdated"
    assert ev.loc[row["evidence_id"], "final_stance"] == ev.loc[row["evidence_id"], "stance"]
    summary = pd.read_parquet(out / "claim_summary.parquet").set_index("claim_id")
    assert summary.loc[row["claim_id"], "n_reviewed"] == 0


def test_review_export_without_tables_says_so(tmp_path, capsys):
    from pipeline.cli import main

    assert main(["review", "export", "--out", str(tmp_path / "missing")]) == 2
    assert "no published tables" in capsys.readouterr().err


def test_a_log_from_before_sentence_hashes_is_migrated(tmp_path):
    db = decisions.db_path(tmp_path)
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as con:
        con.execute("""CREATE TABLE decisions (decision_id INTEGER PRIMARY KEY AUTOINCREMENT, evidence_id TEXT NOT NULL,
            claim_id TEXT NOT NULL, reviewer TEXT NOT NULL, decision TEXT NOT NULL, new_stance TEXT, note TEXT,
            created_at TEXT NOT NULL)""")
        con.execute("INSERT INTO decisions (evidence_id, claim_id, reviewer, decision, created_at) "
                    "VALUES ('e1', 'rapid_onset', 'old', 'confirm', '2025-01-01T00:00:00+00:00')")
    decisions.record(tmp_path, "e1", "rapid_onset", "new", "reject", sentence="Ketamine worked.")
    rows = decisions.all_decisions(tmp_path)
    assert [r["sentence_sha1"] for r in rows] == [None, decisions.sentence_hash("Ketamine worked.")]
    assert [r["model_stance"] for r in rows] == [None, None]
    assert decisions.verdict(rows[0], "conflicts") == "conflicts"  # an old confirm: the model's stance now
    assert decisions.is_current(rows[0], "any wording") and not decisions.is_current(rows[1], "Ketamine failed.")


def test_the_markdown_report_escapes_abstract_text(out):
    from pipeline import report

    md, page = report.build(out)
    assert "<script>" not in md and "&lt;script&gt;alert('abstract')" in md
    assert "<script>" not in page and "&lt;script&gt;alert('abstract')" in page  # displaCy escapes the tags


def test_the_html_report_reads_on_a_phone_and_on_a_desk(tmp_path, out, browser):
    """In a real browser: no sideways scrolling at 375 px (a wide table or a long highlighted word pushed the whole
    page), the overview links reach every claim's section, and the hostile title stays text."""
    from pipeline import report

    paths = report.write(out, tmp_path / "report")
    html_path = next(p for p in paths if p.suffix == ".html")
    claims = pd.read_parquet(out / "claim_summary.parquet")["claim_id"].tolist()
    sentences = {" ".join(s.split()) for s in pd.read_parquet(out / "claim_evidence.parquet")["sentence"]}
    for width in (375, 1200):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(html_path.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate("document.querySelectorAll('script').length") == 0
        # what a reader copies is the sentence, not the sentence with the highlights' labels glued in
        copied = page.evaluate("""() => { const el = document.querySelector('.sentence');
            const r = document.createRange(); r.selectNodeContents(el); const s = window.getSelection();
            s.removeAllRanges(); s.addRange(r); return s.toString(); }""")
        assert copied.split() and " ".join(copied.split()) in sentences
        if width == 1200:
            for claim in claims:
                page.click(f"#report-overview a[href='#{claim}']")
                assert page.evaluate("location.hash") == f"#{claim}"
                top = page.evaluate(f"document.getElementById('{claim}').getBoundingClientRect().top")
                assert abs(top) < 5  # scrolled to the section
        page.close()


def test_the_report_marks_the_citation_models_rows(out):
    from pipeline import report

    md, page = report.build(out)
    n = int((pd.read_parquet(out / "claim_evidence.parquet")["method"] == "citation-model-v1").sum())
    assert n and md.count("cited by the model") == n and page.count("cited by the model") == n



def test_a_decision_on_a_sentence_that_changed_while_the_page_was_open_is_refused(tmp_path, out):
    shutil.copytree(out, tmp_path / "o", symlinks=True)
    out = tmp_path / "o"
    ev = pd.read_parquet(out / "claim_evidence.parquet").iloc[0]
    with Server(out) as url:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(f"{url}/evidence/{ev['evidence_id']}").read().decode()
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        seen = page.split('name="seen" value="')[1].split('"')[0]
        assert seen == decisions.sentence_hash(ev["sentence"])

        def post(seen_hash: str) -> int:
            return decide(opener, url, ev["evidence_id"], f"decision=confirm&reviewer=ann&csrf={csrf}&seen={seen_hash}")

        before = len(decisions.all_decisions(out))
        assert post("0" * 40) == 409 and len(decisions.all_decisions(out)) == before
        assert post(seen) == 200 and len(decisions.all_decisions(out)) == before + 1


def test_outdated_decisions_are_no_training_data(tmp_path):
    decisions.record(tmp_path, "e1", "rapid_onset", "ann", "reject", sentence="Ketamine worked at 24 h.")
    decisions.record(tmp_path, "e2", "rapid_onset", "ann", "confirm", sentence="Ketamine worked  at 4 h.")
    evidence = [{"evidence_id": "e1", "claim_id": "rapid_onset", "pmid": "1", "stance": "supports",
                 "sentence": "Ketamine failed at 24 h."},
                {"evidence_id": "e2", "claim_id": "rapid_onset", "pmid": "2", "stance": "supports",
                 "sentence": "Ketamine worked at\u00a04 h."}]  # whitespace alone changes no wording
    assert [r["evidence_id"] for r in decisions.training_rows(tmp_path, evidence)] == ["e2"]


def test_a_confirm_stays_a_vote_for_the_stance_it_confirmed_when_a_later_model_flips_it(tmp_path):
    from pipeline.claims.evidence import apply_reviews

    sentence = "Ketamine reduced MADRS scores at 24 h (p < 0.01)."
    decisions.record(tmp_path, "e1", "rapid_onset", "ann", "confirm", sentence=sentence, model_stance="supports")
    decisions.record(tmp_path, "e2", "rapid_onset", "ann", "confirm", sentence=sentence, model_stance="supports")
    reviews = decisions.effective(decisions.all_decisions(tmp_path))
    rows = [{"evidence_id": "e1", "claim_id": "rapid_onset", "pmid": "1", "sentence": sentence, "stance": "supports"},
            {"evidence_id": "e2", "claim_id": "rapid_onset", "pmid": "2", "sentence": sentence,
             "stance": "conflicts"}]  # the rules changed and now read e2 the other way
    applied = {r["evidence_id"]: r for r in apply_reviews(rows, reviews)}
    assert (applied["e1"]["review_status"], applied["e1"]["final_stance"]) == ("confirmed", "supports")
    assert (applied["e2"]["review_status"], applied["e2"]["final_stance"]) == ("changed", "supports")
    labels = {r["evidence_id"]: r["label"] for r in decisions.training_rows(tmp_path, rows)}
    assert labels == {"e1": "supports", "e2": "supports"}
    with pytest.raises(decisions.DecisionError):
        decisions.record(tmp_path, "e3", "rapid_onset", "ann", "confirm", model_stance="mixed")


def test_a_confirm_of_a_stance_that_changed_while_the_page_was_open_is_refused(tmp_path, out):
    shutil.copytree(out, tmp_path / "o", symlinks=True)
    out = tmp_path / "o"
    ev = pd.read_parquet(out / "claim_evidence.parquet").iloc[0]
    other = "conflicts" if ev["stance"] == "supports" else "supports"
    with Server(out) as url:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(f"{url}/evidence/{ev['evidence_id']}").read().decode()
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        assert page.split('name="shown" value="')[1].split('"')[0] == ev["stance"]

        def post(shown: str) -> int:
            return decide(opener, url, ev["evidence_id"], f"decision=confirm&reviewer=ann&csrf={csrf}&shown={shown}")

        before = len(decisions.all_decisions(out))
        assert post(other) == 409 and len(decisions.all_decisions(out)) == before
        assert post(ev["stance"]) == 200
    logged = decisions.all_decisions(out)[-1]
    assert (logged["decision"], logged["model_stance"]) == ("confirm", ev["stance"])
    exported = pd.read_parquet(out / "review_decisions.parquet")
    assert exported["model_stance"].iloc[-1] == ev["stance"]


MOVING = ("RESULTS: In 60 patients with treatment-resistant depression, MADRS scores were significantly lower "
          "with ketamine than placebo at 24 h (p < 0.001). CONCLUSIONS: Ketamine relieved depression.")


def _publish(tmp_path: Path, out: Path, abstract: str, day: int, version: int = 1) -> pd.DataFrame:
    src = tmp_path / "docs.jsonl"
    src.write_text(json.dumps({"doc_id": "pmid:99900020", "pmid": "99900020", "version": version,
                               "title": "Ketamine for treatment-resistant depression", "abstract": abstract}) + "\n")
    run_stages(f"jsonl:{src}", Settings(out=out), date(2025, 1, day))
    return pd.read_parquet(out / "claim_evidence.parquet")


def _published_and_rejected(tmp_path: Path, out: Path) -> pd.Series:
    """The MADRS finding of MOVING, published and rejected by alice."""
    ev = _publish(tmp_path, out, MOVING, 1)
    row = ev[ev["sentence"].str.contains("MADRS")].iloc[0]
    decisions.record(out, row["evidence_id"], row["claim_id"], "alice", "reject", sentence=row["sentence"],
                     doc_id=row["doc_id"])
    return row


def test_a_decision_follows_its_sentence_when_words_before_it_move_its_offsets(tmp_path):
    out = tmp_path / "out"
    ev = _publish(tmp_path, out, MOVING, 1)
    row = ev[ev["sentence"].str.contains("MADRS")].iloc[0]
    decisions.record(out, row["evidence_id"], row["claim_id"], "alice", "reject", note="wrong claim",
                     sentence=row["sentence"], model_stance=row["stance"], doc_id=row["doc_id"])
    moved_text = "BACKGROUND: Ketamine is an anaesthetic also used off label. " + MOVING  # words before it
    moved = _publish(tmp_path, out, moved_text, 2)
    new = moved[moved["sentence"].str.contains("MADRS") & (moved["claim_id"] == row["claim_id"])].iloc[0]
    assert new["evidence_id"] != row["evidence_id"] and new["start"] > row["start"]
    assert new["sentence"] == row["sentence"]  # the id changed, the wording did not
    assert new["review_status"] == "rejected" and pd.isna(new["final_stance"])
    rows = decisions.training_rows(out, moved.to_dict("records"))
    assert [(r["evidence_id"], r["label"], r["note"]) for r in rows] == [
        (new["evidence_id"], "rejected", "wrong claim")]
    with Server(out) as url:
        page = urllib.request.urlopen(f"{url}/evidence/{new['evidence_id']}").read().decode()
        assert "alice · reject" in page and f"made when the sentence had id {row['evidence_id']}" in page
        assert "no longer published" not in urllib.request.urlopen(url + "/").read().decode()
    again = _publish(tmp_path, out, moved_text, 3, version=2)  # a new version: another id again, the same sentence
    assert again.set_index("sentence").loc[new["sentence"]].query("claim_id == @row.claim_id")[
        "review_status"].tolist() == ["rejected"]


def test_a_decision_whose_evidence_is_gone_is_listed_and_applies_again_if_it_returns(tmp_path):
    out = tmp_path / "out"
    row = _published_and_rejected(tmp_path, out)
    gone = MOVING.replace("MADRS scores were significantly lower with ketamine than placebo at 24 h (p < 0.001)",
                          "we collected MADRS scores at 24 h")
    _publish(tmp_path, out, gone, 2)
    with Server(out) as url:
        home = urllib.request.urlopen(url + "/").read().decode()
        assert "1 decision on evidence no longer published" in home
        listed = urllib.request.urlopen(url + "/orphans").read().decode()
        assert row["evidence_id"] in listed and "alice" in listed
    back = _publish(tmp_path, out, MOVING, 3).set_index("evidence_id")
    assert back.loc[row["evidence_id"], "review_status"] == "rejected"


def test_a_decision_follows_its_sentence_only_within_its_article_and_only_to_one_row():
    sentence = "Ketamine reduced MADRS scores at 24 h."
    logged = [{"decision_id": 1, "evidence_id": "old", "claim_id": "rapid_onset", "reviewer": "a",
               "decision": "reject", "sentence_sha1": decisions.sentence_hash(sentence), "doc_id": "a:1"}]

    def rows(*pairs: tuple[str, str]) -> list[dict]:
        return [{"evidence_id": e, "claim_id": "rapid_onset", "doc_id": d, "sentence": sentence} for e, d in pairs]

    assert decisions.attach(logged, rows(("x", "a:1")))[0]["evidence_id"] == "x"
    assert decisions.attach(logged, rows(("y", "a:2")))[0]["evidence_id"] == "old"  # another article's sentence
    assert decisions.attach(logged, rows(("x", "a:1"), ("z", "a:1")))[0]["evidence_id"] == "old"  # ambiguous
    logged[0]["doc_id"] = None  # logged before the article was kept: it stays where it was
    assert decisions.attach(logged, rows(("x", "a:1")))[0]["evidence_id"] == "old"


def test_decisions_on_an_older_wording_neither_dispute_nor_count():
    before, after = "Ketamine reduced MADRS scores at 24 h.", "Ketamine reduced MADRS scores at 48 h."
    logged = [{"decision_id": 1, "evidence_id": "e", "claim_id": "rapid_onset", "reviewer": "alice",
               "decision": "reject", "sentence_sha1": decisions.sentence_hash(before), "model_stance": None},
              {"decision_id": 2, "evidence_id": "e", "claim_id": "rapid_onset", "reviewer": "bob",
               "decision": "confirm", "sentence_sha1": decisions.sentence_hash(after), "model_stance": "supports"}]
    d = decisions.effective(logged, {"e": after})["e"]
    assert (d["n_decisions"], d["reviewers"], decisions.disputed(d, "supports")) == (1, {"bob"}, False)
    d = decisions.effective(logged)["e"]  # without the sentences every decision counts
    assert decisions.disputed(d, "supports")


def test_a_reviewer_undoes_a_stray_decision_and_only_their_own(tmp_path, out):
    shutil.copytree(out, tmp_path / "o", symlinks=True)
    o = tmp_path / "o"
    ev = pd.read_parquet(o / "claim_evidence.parquet")
    e = ev.iloc[0]
    first = decisions.record(o, e["evidence_id"], e["claim_id"], "frank", "confirm", sentence=e["sentence"],
                             model_stance=e["stance"])
    stray = decisions.record(o, e["evidence_id"], e["claim_id"], "frank", "reject", sentence=e["sentence"])
    with pytest.raises(decisions.DecisionError, match="frank's"):
        decisions.undo(o, stray, "grace")
    decisions.undo(o, stray, "frank")
    with pytest.raises(decisions.DecisionError, match="already undone"):
        decisions.undo(o, stray, "frank")
    rows = ev.to_dict("records")
    latest = decisions.effective(decisions.current(o, rows))[e["evidence_id"]]
    assert latest["decision_id"] == first and latest["by_reviewer"]["frank"]["decision_id"] == first
    log = pd.read_parquet(o / "review_decisions.parquet").query("reviewer == 'frank'")
    assert list(log["decision"]) == ["confirm", "reject", "undo"] and log["undoes"].iloc[-1] == stray


def test_the_check_and_the_insert_are_one_transaction(tmp_path, out):
    """Two reviewers submit on the same page state at once: the second's check waits for the first's insert and
    sees it, so exactly one decision lands and the other is refused (a check outside the lock let both in)."""
    shutil.copytree(out, tmp_path / "o", symlinks=True)
    o = tmp_path / "o"
    e = pd.read_parquet(o / "claim_evidence.parquet").iloc[0]
    before = len(decisions.all_decisions(o))  # the module's output may hold earlier tests' decisions
    first_checking = threading.Event()
    outcomes: dict[str, object] = {}

    def unchanged(name: str):
        def check(logged: list[dict]) -> None:
            if name == "alice":
                first_checking.set()
                time.sleep(0.5)  # the other submission arrives while this one is between its check and insert
            if len(logged) > before:
                raise decisions.DecisionConflict("another decision since the page was opened")
        return check

    def submit(name: str) -> None:
        try:
            outcomes[name] = decisions.record(o, e["evidence_id"], e["claim_id"], name, "reject",
                                              sentence=e["sentence"], check=unchanged(name))
        except decisions.DecisionConflict as exc:
            outcomes[name] = exc

    alice = threading.Thread(target=submit, args=("alice",))
    alice.start()
    assert first_checking.wait(10)
    submit("bob")
    alice.join()
    assert isinstance(outcomes["alice"], int) and isinstance(outcomes["bob"], decisions.DecisionConflict)
    assert [d["reviewer"] for d in decisions.all_decisions(o)[before:]] == ["alice"]
    with pytest.raises(decisions.DecisionError, match="no decision 9999"):  # undo checks in its transaction too
        decisions.undo(o, 9999, "alice")
    assert len(decisions.all_decisions(o)) == before + 1


def test_a_stray_key_is_undone_in_the_browser(tmp_path, out, browser):
    shutil.copytree(out, tmp_path / "o", symlinks=True)
    o = tmp_path / "o"
    with Server(o) as url:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(url + "/claims/antidepressant_efficacy")
        page.click("a.evidence-link >> nth=0")
        page.wait_for_selector("#abstract .evidence")
        first = page.url
        page.fill("#reviewer", "frank")
        page.locator("body").click()
        page.keyboard.press("r")  # the stray key
        page.wait_for_url(lambda u: u != first)
        assert "frank · reject" in page.inner_text("#recorded")
        page.keyboard.press("u")
        page.wait_for_url(first)
        assert page.inner_text("#review-state") == "not reviewed"
        assert "(undone)" in page.inner_text("#history")
        page.close()
    rows = pd.read_parquet(o / "claim_evidence.parquet").to_dict("records")
    assert [d["decision"] for d in decisions.current(o, rows) if d["reviewer"] == "frank"] == []


def test_errors_are_pages_that_say_what_to_do(out):
    with Server(out) as url:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        eid = pd.read_parquet(out / "claim_evidence.parquet")["evidence_id"].iloc[0]
        page = opener.open(f"{url}/evidence/{eid}").read().decode()
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        for path, form, status, says in [
                (f"/evidence/{eid}/decide", f"decision=reject&reviewer=%20%20&csrf={csrf}", 400, "reviewer name"),
                ("/claims/antidepressant_efficacy?min_confidence=abc", None, 422, "min_confidence"),
                ("/claims/nope", None, 404, "no such claim"), ("/nowhere", None, 404, "Not Found")]:
            with pytest.raises(urllib.error.HTTPError) as err:
                opener.open(urllib.request.Request(url + path, form.encode() if form else None))
            body = err.value.read().decode()
            assert err.value.code == status and says in body and "<html" in body and "Go back" in body


def test_overlapping_entities_keep_every_label_and_the_sentence_is_one_box():
    from pipeline.review.app import highlight

    text = "Title\nPatients reported memory problems. Next."
    start, end = 6, 40
    html = str(highlight(text, start, end, [{"start": 24, "end": 30, "label": "OUTCOME"},
                                            {"start": 24, "end": 39, "label": "ADVERSE_EVENT"}]))
    assert html.count('class="evidence"') == 1
    assert 'class="ent ADVERSE_EVENT" title="ADVERSE_EVENT · OUTCOME">memory</mark>' in html
    assert 'class="ent ADVERSE_EVENT" title="ADVERSE_EVENT"> problems</mark>' in html


def test_a_negated_or_hedged_entity_is_marked_so_for_the_reviewer():
    from pipeline.review.app import highlight

    text = "Title\nNo psychosis occurred; nausea may follow."
    html = str(highlight(text, 6, 47, [{"start": 9, "end": 18, "label": "ADVERSE_EVENT", "negated": True},
                                       {"start": 29, "end": 35, "label": "ADVERSE_EVENT", "hedged": True}]))
    assert '<mark class="ent ADVERSE_EVENT negated" title="ADVERSE_EVENT negated">psychosis</mark>' in html
    assert '<mark class="ent ADVERSE_EVENT hedged" title="ADVERSE_EVENT hedged">nausea</mark>' in html
    html = str(highlight(text, 6, 47, [{"start": 9, "end": 18, "label": "DRUG", "negated": True}]))
    assert '<mark class="ent DRUG" title="DRUG">psychosis</mark>' in html  # a drug not given is still a drug


def test_reprocess_applies_new_decisions_without_fetching(tmp_path):
    out = tmp_path / "out"
    row = _published_and_rejected(tmp_path, out)
    (tmp_path / "docs.jsonl").unlink()  # nothing to fetch from
    run_stages("stored", Settings(out=out), date(2025, 1, 2))  # what `kev reprocess` runs
    ev = pd.read_parquet(out / "claim_evidence.parquet").set_index("evidence_id")
    assert ev.loc[row["evidence_id"], "review_status"] == "rejected"
    diff = pd.read_parquet(out / "claim_diff.parquet")
    first_run, this_run = diff["run_id"].unique()[0], diff["run_id"].unique()[-1]
    assert set(diff[diff["run_id"] == first_run]["cause"]) == {"pipeline"}  # the first run's new citations
    mine = diff[(diff["run_id"] == this_run) & (diff["claim_id"] == row["claim_id"])]
    assert list(zip(mine["change"], mine["cause"], strict=True)) == [("dropped", "review")]


def test_a_decision_from_a_page_opened_before_another_decision_is_refused(tmp_path, out):
    shutil.copytree(out, tmp_path / "o", symlinks=True)
    o = tmp_path / "o"
    eid = pd.read_parquet(o / "claim_evidence.parquet")["evidence_id"].iloc[-1]
    with Server(o) as url:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        tab1 = opener.open(f"{url}/evidence/{eid}").read().decode()
        tab2 = opener.open(f"{url}/evidence/{eid}").read().decode()

        def form(page: str, decision: str, who: str) -> str:
            value = {k: page.split(f'name="{k}" value="')[1].split('"')[0] for k in ("csrf", "seen", "last")}
            return f"decision={decision}&reviewer={who}&csrf={value['csrf']}&seen={value['seen']}&last={value['last']}"

        assert decide(opener, url, eid, form(tab2, "reject", "bob")) == 200
        assert decide(opener, url, eid, form(tab1, "confirm", "alice")) == 409  # tab 1 never saw bob's reject
        fresh = opener.open(f"{url}/evidence/{eid}").read().decode()
        assert "bob · reject" in fresh and decide(opener, url, eid, form(fresh, "confirm", "alice")) == 200
    assert [d["reviewer"] for d in decisions.all_decisions(o) if d["evidence_id"] == eid][-2:] == ["bob", "alice"]


def test_only_the_reviewer_of_this_browser_can_undo_from_the_app(tmp_path, out):
    shutil.copytree(out, tmp_path / "o", symlinks=True)
    o = tmp_path / "o"
    eid, claim = pd.read_parquet(o / "claim_evidence.parquet")[["evidence_id", "claim_id"]].iloc[1]
    bobs = decisions.record(o, eid, claim, "bob", "reject")
    with Server(o) as url:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(f"{url}/evidence/{eid}?done={bobs}").read().decode()
        assert 'id="undo"' not in page  # no undo of someone else's decision on offer
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        opener.addheaders = [("Cookie", f"kev_csrf={csrf}; kev_reviewer=mallory")]
        with pytest.raises(urllib.error.HTTPError) as err:  # the form's reviewer field does not count: the browser's
            opener.open(urllib.request.Request(f"{url}/evidence/{eid}/decide",
                                               f"decision=undo&undoes={bobs}&reviewer=bob&csrf={csrf}".encode()))
        assert err.value.code == 400 and "bob&#39;s: only they can undo it" in err.value.read().decode()
    assert [d["decision"] for d in decisions.all_decisions(o) if d["evidence_id"] == eid][-1] == "reject"


def test_the_claims_page_names_the_last_completed_run(tmp_path):
    from pipeline.ingest import run_stages

    out = tmp_path / "out"
    _publish(tmp_path, out, MOVING, 1)
    good = pd.read_parquet(out / "runs.parquet")["run_id"].iloc[-1]
    (tmp_path / "docs.jsonl").write_text("{not json\n")
    with pytest.raises(ValueError):
        run_stages(f"jsonl:{tmp_path / 'docs.jsonl'}", Settings(out=out), date(2025, 1, 2))
    assert pd.read_parquet(out / "runs.parquet")["status"].iloc[-1].startswith("failed")
    with Server(out) as url:
        home = urllib.request.urlopen(url + "/").read().decode()
    assert f"last published run ({good}," in home


def test_a_reviewer_name_outside_latin1_is_kept_and_can_undo(tmp_path, out):
    shutil.copytree(out, tmp_path / "o", symlinks=True)
    o = tmp_path / "o"
    eid = pd.read_parquet(o / "claim_evidence.parquet")["evidence_id"].iloc[2]
    with Server(o) as url:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        page = opener.open(f"{url}/evidence/{eid}").read().decode()
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        name = urllib.parse.quote("Łukasz")
        after = opener.open(urllib.request.Request(f"{url}/evidence/{eid}/decide",
                                                   f"decision=reject&reviewer={name}&csrf={csrf}".encode()))
        banner = after.read().decode()
        assert after.status == 200 and "Łukasz · reject" in banner and 'value="Łukasz"' in banner
        mine = [d for d in decisions.all_decisions(o) if d["reviewer"] == "Łukasz"][-1]["decision_id"]
        assert decide(opener, url, eid, f"decision=undo&undoes={mine}&csrf={csrf}") == 200
    assert [d["decision"] for d in decisions.all_decisions(o) if d["reviewer"] == "Łukasz"] == ["reject", "undo"]

"""The reviewer app, in a real browser (Playwright driving Debian's Chromium) against a real server on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
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
    assert "Cohen&#39;s κ" in html or "Cohen's κ" in html
    rows = decisions.training_rows(o, pd.read_parquet(o / "claim_evidence.parquet").to_dict("records"))
    assert {r["label"] for r in rows} <= {"supports", "conflicts", "rejected"} and len(rows) >= 4

"""Live PubMed through NCBI E-utilities: esearch with history, efetch by POST in batches, polite and persistent.

Bio.Entrez builds no request here: its host is hard-coded (tests and demos must point at the replay server), and
its retry loop sleeps a fixed 15 s without jitter and gives up on resets. It does parse the esearch answers
(`Entrez.read`, validated against NCBI's DTD); efetch XML goes to our streaming parser (biopython#1027).
"""

from __future__ import annotations

import fcntl
import hashlib
import http.client
import io
import logging
import random
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from Bio import Entrez
from lxml import etree

from pipeline import __version__

log = logging.getLogger(__name__)

NCBI_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
ESEARCH_CAP = 10_000  # esearch never returns ids past the first 10,000 of a result set
RETRYABLE_STATUS = {429, 500, 502, 503, 504}


class IncompleteList(RuntimeError):
    """esearch listed fewer PMIDs than its own Count, twice: no list to reconcile against."""


class EntrezError(RuntimeError):
    """E-utilities kept failing (or answered with an error); the message says what and how often."""


@dataclass(frozen=True)
class EntrezSettings:
    base_url: str = NCBI_BASE_URL
    email: str | None = None
    api_key: str | None = None
    tool: str = "ketamine-evidence"
    requests_per_second: float | None = None  # None: NCBI's limit, 3/s, or 10/s with an API key
    max_retries: int = 6
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    timeout: float = 60.0
    batch_size: int = 200

    @property
    def rate(self) -> float:
        if self.requests_per_second:
            return self.requests_per_second
        return 10.0 if self.api_key else 3.0


class SharedRateLimiter:
    """At most `rate` request starts per second across every thread and process that uses the same file: the
    next free start time lives in the file, read and written under an exclusive lock. NCBI counts per client,
    so concurrent Prefect tasks, workers and a manual `kev` share one budget."""

    def __init__(self, rate: float, path: Path) -> None:
        self.interval = 1.05 / rate
        self.path = Path(path)

    def wait(self) -> None:
        with open(self.path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.seek(0)
                raw = fh.read().strip()
                now = time.time()
                start = max(now, float(raw) if raw else 0.0)
                fh.seek(0)
                fh.truncate()
                fh.write(repr(start + self.interval))
                fh.flush()
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        if start > now:
            time.sleep(start - now)


def default_limiter(settings: EntrezSettings) -> SharedRateLimiter:
    """One budget per E-utilities host and API key on this machine (a file in the temporary folder)."""
    key = hashlib.sha256(f"{settings.base_url}|{settings.api_key or ''}".encode()).hexdigest()[:12]
    return SharedRateLimiter(settings.rate, Path(tempfile.gettempdir()) / f"kev-eutils-{key}.next")


@dataclass(frozen=True)
class SearchResult:
    count: int
    ids: list[str]
    webenv: str | None
    query_key: str | None


class _Transient(Exception):
    """A failure worth retrying."""


def is_well_formed_xml(body: bytes) -> bool:
    """True when an efetch answer is well-formed XML (a cut-off answer is retried, never half-ingested)."""
    try:
        etree.parse(io.BytesIO(body), etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                                                       huge_tree=True))
    except etree.XMLSyntaxError:
        return False
    return True


class EntrezClient:
    """A small E-utilities client: every call is rate limited and retried with exponential backoff and jitter."""

    def __init__(self, settings: EntrezSettings, limiter: SharedRateLimiter | None = None,
                 rng: random.Random | None = None) -> None:
        self.settings = settings
        self.limiter = limiter or default_limiter(settings)
        self.rng = rng or random.Random()
        self.base_url = settings.base_url.rstrip("/") + "/"
        self.n_retries = 0  # requests retried: NCBI in trouble shows here (runs.windows) before a night fails

    def _params(self, params: dict[str, object]) -> dict[str, str]:
        full = {"tool": self.settings.tool or f"ketamine-evidence/{__version__}", "email": self.settings.email,
                "api_key": self.settings.api_key, **params}
        return {k: str(v) for k, v in full.items() if v is not None}

    def request(self, util: str, params: dict[str, object], post: bool = False,
                validate: Callable[[bytes], bool] | None = None) -> bytes:
        """One E-utility call; retries 429, 5xx, resets, timeouts and (with `validate`) damaged bodies."""
        url = self.base_url + f"{util}.fcgi"
        data = urllib.parse.urlencode(self._params(params))
        last = "no attempt made"
        attempts = self.settings.max_retries + 1
        for attempt in range(attempts):
            if attempt:
                self.n_retries += 1
                log.warning("%s: %s; retry %d of %d", util, last, attempt, attempts - 1)
                delay = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (attempt - 1))
                time.sleep(delay + self.rng.uniform(0, delay))  # full jitter: NCBI sends no Retry-After
            self.limiter.wait()
            req = (urllib.request.Request(url, data=data.encode(), method="POST",
                                          headers={"Content-Type": "application/x-www-form-urlencoded"})
                   if post else urllib.request.Request(f"{url}?{data}", method="GET"))
            try:
                with urllib.request.urlopen(req, timeout=self.settings.timeout) as resp:
                    body = resp.read()
                if validate is not None and not validate(body):
                    raise _Transient(f"damaged response body ({len(body)} bytes, not well-formed XML)")
                return body
            except urllib.error.HTTPError as exc:
                if exc.code not in RETRYABLE_STATUS:
                    raise EntrezError(f"{util} refused the request: HTTP {exc.code} {exc.reason}") from exc
                last = f"HTTP {exc.code} {exc.reason}"
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, _Transient) as exc:
                last = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        raise EntrezError(f"{util} failed after {tries} against {self.base_url} (last error: {last}); "
                          "nothing was published, the previous tables are unchanged")

    def esearch(self, term: str, datetype: str | None = None, mindate: date | None = None,
                maxdate: date | None = None, retmax: int = 0, usehistory: bool = True) -> SearchResult:
        params: dict[str, object] = {"db": "pubmed", "term": term, "retmax": retmax}
        if usehistory:
            params["usehistory"] = "y"
        if datetype:
            params.update(datetype=datetype, mindate=f"{mindate:%Y/%m/%d}", maxdate=f"{maxdate:%Y/%m/%d}")
        body = self.request("esearch", params, post=len(term) > 1000, validate=is_well_formed_xml)
        try:
            rec = Entrez.read(io.BytesIO(body), validate=False)
        except Exception as exc:  # Bio.Entrez raises its own parser and RuntimeError types
            raise EntrezError(f"esearch answered with an error: {exc}") from exc
        return SearchResult(int(rec["Count"]), [str(i) for i in rec.get("IdList", [])],
                            rec.get("WebEnv"), rec.get("QueryKey"))

    def efetch(self, result: SearchResult, retstart: int, retmax: int) -> bytes:
        """A batch of PubMed XML from a history result, by POST."""
        return self.request("efetch", {"db": "pubmed", "WebEnv": result.webenv, "query_key": result.query_key,
                                       "retstart": retstart, "retmax": retmax, "retmode": "xml"},
                            post=True, validate=is_well_formed_xml)


def split_windows(client: EntrezClient, term: str, datetype: str, start: date, end: date,
                  cap: int | None = None) -> Iterator[tuple[date, date, SearchResult]]:
    """Search [start, end] by `datetype`; a window with `cap` (ESEARCH_CAP, 10,000) or more hits is halved until
    each fits."""
    cap = cap or ESEARCH_CAP
    result = client.esearch(term, datetype, start, end)
    if result.count < cap:
        yield start, end, result
        return
    if start >= end:
        raise EntrezError(f"{result.count} records on the single day {start:%Y-%m-%d} ({datetype}); "
                          "esearch cannot page past 10,000: narrow the query")
    mid = start + timedelta(days=(end - start).days // 2)
    yield from split_windows(client, term, datetype, start, mid, cap)
    yield from split_windows(client, term, datetype, mid + timedelta(days=1), end, cap)


def fetch_batches(client: EntrezClient, result: SearchResult) -> Iterator[bytes]:
    for retstart in range(0, result.count, client.settings.batch_size):
        yield client.efetch(result, retstart, client.settings.batch_size)


def fetch_id_batches(client: EntrezClient, pmids: list[str]) -> Iterator[bytes]:
    """PubMed XML for a list of PMIDs, by POST in batches (records the date windows did not bring)."""
    size = client.settings.batch_size
    for i in range(0, len(pmids), size):
        yield client.request("efetch", {"db": "pubmed", "id": ",".join(pmids[i:i + size]), "retmode": "xml"},
                             post=True, validate=is_well_formed_xml)


def all_ids(client: EntrezClient, term: str, start: date, end: date) -> set[str]:
    """Every PMID the query matches (by entry-date windows under the 10,000 cap): the basis for live deletions.

    A list shorter than its own Count is asked for again, then refused (`IncompleteList`): deleting on an
    incomplete list would drop records that still match."""
    ids: set[str] = set()
    for w_start, w_end, result in split_windows(client, term, "edat", start, end):
        if not result.count:
            continue
        for _ in range(2):
            listed = client.esearch(term, "edat", w_start, w_end, retmax=ESEARCH_CAP, usehistory=False)
            if len(set(listed.ids)) >= listed.count:
                break
        else:
            raise IncompleteList(f"esearch listed {len(set(listed.ids))} of {listed.count} PMIDs entered "
                                 f"{w_start}..{w_end}")
        ids.update(listed.ids)
    return ids

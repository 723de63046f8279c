"""A loopback replay of NCBI E-utilities (esearch, efetch) backed by PubMed XML files, with switchable faults.

It answers like NCBI where the client can tell: esearch XML with the real DOCTYPE, WebEnv/query_key history,
retstart/retmax paging, the 10,000-id esearch cap, date windows by EDAT (entry date) and MDAT (DateRevised),
GET and POST, and a 429 when a client exceeds 3 requests/s (10 with an api_key). The query term itself is not
evaluated: the loaded files are the query's result set.

Faults are injected per request from a queue (`FaultPlan.push`) or at random rates with a seed: "429", "500",
"slow" (delay), "truncate" (an efetch body cut mid-record), "reset" (the socket is closed without an answer),
"short" (an esearch IdList missing half its ids) and "drop" (a well-formed efetch answer missing its last record).
"""

from __future__ import annotations

import gzip
import random
import socket
import struct
import threading
import time
import urllib.parse
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lxml import etree

ESEARCH_DOCTYPE = ('<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
                   '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">')
EFETCH_HEAD = ('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January '
               '2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n')
FAULT_KINDS = ("429", "500", "slow", "truncate", "reset", "short", "drop")


@dataclass
class ReplayRecord:
    pmid: str
    xml: bytes
    edat: date | None
    mdat: date | None


def _xml_date(el: etree._Element | None) -> date | None:
    if el is None:
        return None
    try:
        return date(int(el.findtext("Year")), int(el.findtext("Month") or 1), int(el.findtext("Day") or 1))
    except (TypeError, ValueError):
        return None


def load_records(folder: Path) -> dict[str, ReplayRecord]:
    """Every PubmedArticle/PubmedBookArticle under `folder` (.xml or .xml.gz), keyed by PMID.

    Files apply in name order like PubMed's update files: a later copy of a PMID replaces the earlier one and a
    DeleteCitation removes it, so a folder of baseline + updates replays PubMed as of its last file.
    """
    if not Path(folder).exists():  # rglob of a mistyped path finds nothing: it would replay an empty PubMed
        raise FileNotFoundError(f"{folder}: no such file or folder to replay")
    records: dict[str, ReplayRecord] = {}
    files = sorted(p for p in Path(folder).rglob("*") if p.name.endswith((".xml", ".xml.gz")))
    for f in files:
        opener = gzip.open if f.name.endswith(".gz") else open
        with opener(f, "rb") as fh:
            for _, el in etree.iterparse(fh, events=("end",), tag=("PubmedArticle", "PubmedBookArticle",
                                                                  "DeleteCitation"),
                                         load_dtd=False, no_network=True, resolve_entities=False):
                if el.tag == "DeleteCitation":
                    for p in el.findall("PMID"):
                        records.pop((p.text or "").strip(), None)
                    continue
                pmid = (el.findtext(".//PMID") or "").strip()
                if not pmid:
                    continue
                edat = _xml_date(el.find(".//History/PubMedPubDate[@PubStatus='entrez']"))
                mdat = _xml_date(el.find(".//DateRevised")) or edat
                records[pmid] = ReplayRecord(pmid, etree.tostring(el), edat, mdat)
                el.clear(keep_tail=True)
    return records


@dataclass
class FaultPlan:
    """Faults for coming requests: a queue consumed first, then random rates (seeded, so storms replay)."""

    queue: deque = field(default_factory=deque)
    rates: dict[str, float] = field(default_factory=dict)
    slow_seconds: float = 2.0
    seed: int = 0
    _rng: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def push(self, kind: str, count: int = 1) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        with self._lock:
            self.queue.extend([kind] * count)

    def storm(self, rates: dict[str, float], seed: int = 0) -> None:
        for kind in rates:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        if any(not 0 <= rate <= 1 for rate in rates.values()):
            raise ValueError(f"fault rates are probabilities between 0 and 1: {rates}")
        with self._lock:
            self.rates = dict(rates)
            self._rng = random.Random(seed)

    def clear(self) -> None:
        with self._lock:
            self.queue.clear()
            self.rates = {}

    def next(self) -> str | None:
        with self._lock:
            if self.queue:
                return self.queue.popleft()
            for kind, p in self.rates.items():
                if self._rng.random() < p:
                    return kind
        return None


@dataclass
class RequestLog:
    method: str
    util: str
    params: dict[str, str]
    at: float
    status: int


class ReplayServer:
    """The server; `start()` binds 127.0.0.1 on a free port unless one is given, `url` is the E-utilities base."""

    def __init__(self, folder: Path | str | None = None, host: str = "127.0.0.1", port: int = 0,
                 enforce_rate: bool = True) -> None:
        self.records: dict[str, ReplayRecord] = load_records(Path(folder)) if folder else {}
        self.faults = FaultPlan()
        self.enforce_rate = enforce_rate
        self.history: dict[str, dict[str, list[str]]] = {}
        self.log: list[RequestLog] = []
        self._lock = threading.Lock()
        self._recent: dict[str, deque] = {}
        self._httpd = ThreadingHTTPServer((host, port), _handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/entrez/eutils/"

    def load(self, folder: Path | str) -> None:
        """Replace the served records (the next night's PubMed): new, revised and vanished records."""
        records = load_records(Path(folder))
        with self._lock:
            self.records = records

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="replay", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def over_rate(self, params: dict[str, str]) -> bool:
        """NCBI's rule: 3 requests in any second per client, 10 with an api_key."""
        if not self.enforce_rate:
            return False
        key = params.get("api_key") or "anonymous"
        limit = 10 if params.get("api_key") else 3
        now = time.monotonic()
        with self._lock:
            q = self._recent.setdefault(key, deque())
            while q and now - q[0] >= 1.0:
                q.popleft()
            q.append(now)
            return len(q) > limit

    def search(self, params: dict[str, str], short: bool = False) -> tuple[int, bytes]:
        """`short`: the IdList leaves out half of the ids while Count stays (the fault a reconcile must survive)."""
        if params.get("db", "pubmed") != "pubmed":
            return 200, _error_xml("eSearchResult", f"Database '{params.get('db')}' is not served by the replay")
        with self._lock:
            recs = list(self.records.values())
        datetype = params.get("datetype", "").lower()
        if datetype in ("edat", "mdat"):
            try:
                lo = _param_date(params["mindate"])
                hi = _param_date(params["maxdate"])
            except (KeyError, ValueError):
                return 200, _error_xml("eSearchResult", "mindate and maxdate (YYYY/MM/DD) are required with datetype")
            recs = [r for r in recs if (d := getattr(r, datetype)) is not None and lo <= d <= hi]
        ids = [r.pmid for r in sorted(recs, key=lambda r: (r.edat or date.min, int(r.pmid)), reverse=True)]
        retstart, retmax = int(params.get("retstart", 0)), int(params.get("retmax", 20))
        root = etree.Element("eSearchResult")
        etree.SubElement(root, "Count").text = str(len(ids))
        shown = ids[retstart:min(retstart + retmax, 10_000)] if retstart < 10_000 else []
        if short:
            shown = shown[: len(shown) // 2]
        etree.SubElement(root, "RetMax").text = str(len(shown))
        etree.SubElement(root, "RetStart").text = str(retstart)
        if params.get("usehistory", "").lower() == "y":
            webenv = params.get("WebEnv") or f"MCID_{uuid.uuid4().hex[:24]}"
            with self._lock:
                env = self.history.setdefault(webenv, {})
                key = str(len(env) + 1)
                env[key] = ids
            etree.SubElement(root, "QueryKey").text = key
            etree.SubElement(root, "WebEnv").text = webenv
        id_list = etree.SubElement(root, "IdList")
        for i in shown:
            etree.SubElement(id_list, "Id").text = i
        etree.SubElement(root, "TranslationSet")
        etree.SubElement(root, "QueryTranslation").text = params.get("term", "")
        body = b'<?xml version="1.0" encoding="UTF-8" ?>\n' + ESEARCH_DOCTYPE.encode() + b"\n" + etree.tostring(root)
        return 200, body

    def fetch(self, params: dict[str, str], drop: bool = False) -> tuple[int, bytes]:
        """`drop`: the answer leaves out its last record and is otherwise whole (nothing in it says so)."""
        if "id" in params:
            ids = [i.strip() for i in params["id"].split(",") if i.strip()]
        else:
            env = self.history.get(params.get("WebEnv", ""), {})
            if params.get("query_key") not in env:
                return 400, _error_xml("eFetchResult", "Unable to obtain query #" + params.get("query_key", "?"))
            ids = env[params["query_key"]]
            retstart, retmax = int(params.get("retstart", 0)), int(params.get("retmax", 20))
            ids = ids[retstart:retstart + retmax]
        with self._lock:
            chunks = [self.records[i].xml for i in ids if i in self.records]
        if drop:
            chunks = chunks[:-1]
        return 200, EFETCH_HEAD.encode() + b"\n".join(chunks) + b"\n</PubmedArticleSet>\n"


def _param_date(s: str) -> date:
    parts = [int(p) for p in s.replace("-", "/").split("/")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _error_xml(root: str, message: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8" ?>\n<{root}><ERROR>{message}</ERROR></{root}>'.encode()


def _handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet: the request log is kept in `server.log`
            return

        def _params(self) -> dict[str, str]:
            parsed = urllib.parse.urlsplit(self.path)
            params = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
            if self.command == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                params.update(urllib.parse.parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            return params

        def _send(self, status: int, body: bytes, content_type: str = "text/xml; charset=UTF-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _reset(self) -> None:
            # SO_LINGER 0: close sends an RST, the client sees "connection reset by peer".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def _handle(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            util = path.rsplit("/", 1)[-1].removesuffix(".fcgi")
            params = self._params()
            fault = server.faults.next()
            status = 200
            if fault == "reset":
                server.log.append(RequestLog(self.command, util, params, time.time(), 0))
                self._reset()
                return
            if fault == "slow":
                time.sleep(server.faults.slow_seconds)
            if fault in ("429", "500") or (util in ("esearch", "efetch") and server.over_rate(params)):
                status = int(fault) if fault in ("429", "500") else 429
                msg = '{"error":"API rate limit exceeded","count":"4"}' if status == 429 else "Internal Server Error"
                body, ctype = msg.encode(), "application/json" if status == 429 else "text/plain"
            elif util == "esearch":
                status, body = server.search(params, short=fault == "short")
                ctype = "text/xml; charset=UTF-8"
            elif util == "efetch":
                status, body = server.fetch(params, drop=fault == "drop")
                ctype = "text/xml; charset=UTF-8"
                if fault == "truncate" and status == 200:
                    body = body[: max(1, len(body) * 2 // 3)]
            else:
                status, body, ctype = 404, b"unknown E-utility", "text/plain"
            server.log.append(RequestLog(self.command, util, params, time.time(), status))
            self._send(status, body, ctype)

        do_GET = _handle
        do_POST = _handle

    return Handler

"""Offline sources: PubMed XML files or folders (plain or .gz) and JSON lines in the shared `docs.jsonl` format."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

from pipeline.pubmed_xml import iter_records
from pipeline.records import Article, Deletion, Reject

XML_SUFFIXES = (".xml", ".xml.gz")
NOT_OBJECT = "line is not a JSON object"
NOT_JSON = ("JSONDecodeError", f"ValueError: {NOT_OBJECT}")  # how a reject of a line that is no record begins


def xml_files(path: Path) -> list[Path]:
    """The XML files under `path` in a stable order (baseline/update files sort by their sequence number)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"no such file or folder: {path}")
    return sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(XML_SUFFIXES))


def iter_xml(path: str | Path) -> Iterator[Article | Deletion | Reject]:
    """Records from a PubMed XML file or folder; daily update files apply in name order, deletions included."""
    for f in xml_files(Path(path)):
        opener = gzip.open if f.name.endswith(".gz") else open
        n = 0
        try:
            with opener(f, "rb") as stream:
                for event in iter_records(stream, source=str(f)):
                    n += 1
                    yield event
        except (OSError, EOFError) as exc:
            yield Reject(None, f"unreadable file: {exc}", str(f))
            continue
        if n == 0 and not _is_pubmed_set(f, opener):  # an error page saved as .xml, a wrong file
            yield Reject(None, "not PubMed XML: no PubmedArticleSet in this file", str(f))


def _is_pubmed_set(f: Path, opener) -> bool:
    """An empty `PubmedArticleSet` is PubMed's real answer for ids it no longer has; anything else is no input.
    The root element decides, however many comments or a DOCTYPE come before it (not the first 8 KB of bytes)."""
    try:
        with opener(f, "rb") as stream:
            for _, elem in ElementTree.iterparse(stream, events=("start",)):
                return elem.tag in ("PubmedArticleSet", "PubmedBookArticleSet")
    except (ElementTree.ParseError, OSError, EOFError):
        return False
    return False


def _keywords(value: object) -> list[str]:
    if isinstance(value, list):
        return [k for k in value if isinstance(k, str)]
    return [k.strip() for k in str(value or "").split(",") if k.strip()]


def article_from_json(rec: dict, source: str) -> Article:
    """A `docs.jsonl` record -> Article; `text` (when given) must equal title + newline + abstract."""
    doc_id = rec.get("doc_id")
    if not doc_id:
        raise ValueError("record has no doc_id")
    for key in ("doc_id", "pmid", "title", "abstract", "text", "journal", "doi"):
        if rec.get(key) is not None and not isinstance(rec[key], str | int if key in ("doc_id", "pmid") else str):
            raise ValueError(f"`{key}` must be a string, not {type(rec[key]).__name__}")
    for key in ("year", "version"):
        value = rec.get(key)
        if value is not None and not (isinstance(value, int) and not isinstance(value, bool)
                                      or isinstance(value, str) and value.strip().isdigit()):
            raise ValueError(f"`{key}` must be a whole number, not {value!r:.40}")
    title = rec.get("title") or ""
    abstract = rec.get("abstract") or ""
    text = rec.get("text")
    if text is not None and text != title + "\n" + abstract:
        head, sep, tail = text.partition("\n")
        if not sep:
            raise ValueError("`text` has no newline between title and abstract")
        title, abstract = head, tail
    if not title and not abstract:
        raise ValueError("record has neither title nor abstract")
    pmid = rec.get("pmid")
    if pmid and not re.fullmatch(r"\d{1,9}", str(pmid).strip()):
        raise ValueError(f"pmid {str(pmid)[:40]!r} is not a PubMed id (digits only)")
    year = rec.get("year")
    return Article(
        doc_id=str(doc_id), pmid=str(pmid).strip() if pmid else None, version=int(rec.get("version") or 1),
        title=title, abstract=abstract, journal=rec.get("journal"), doi=rec.get("doi"),
        pub_year=int(year) if year else None,
        keywords=_keywords(rec.get("keywords")),
        source=source,
    )


def iter_jsonl(path: str | Path) -> Iterator[Article | Reject]:
    """Articles from a JSON-lines file; a bad line becomes a Reject naming its line number."""
    path = Path(path)
    with open(path, encoding="utf-8-sig") as fh:  # a byte-order mark is no part of the first record
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            source = f"{path}:{lineno}"
            rec = None
            try:
                rec = json.loads(line)
                if not isinstance(rec, dict):
                    raise ValueError(NOT_OBJECT)
                yield article_from_json(rec, source)
            except (ValueError, TypeError) as exc:
                doc_id = rec.get("doc_id") if isinstance(rec, dict) else None
                yield Reject(doc_id, f"{type(exc).__name__}: {exc}", source, line[:500])

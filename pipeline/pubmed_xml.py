"""Streaming parser for PubMed XML (efetch output, annual baseline and daily update files).

Biopython's `Entrez.parse` fails on efetch XML (biopython#1027), so this walks the file with lxml's `iterparse`
and frees each record once it is read: memory stays flat whatever the file size.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import IO

from lxml import etree

from pipeline.records import Article, CommentCorrection, Deletion, MeshHeading, Reject, Section

RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
SEASONS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}
MATHML_TOKENS = {"mi", "mn", "mo", "mtext", "ms"}
ACCENT_WRAPPERS = {"mover", "munder"}
WORD_STYLES = {"i", "b", "u", "em", "strong"}
RETRACTION_LINKS = {"RetractionIn"}
_WS = re.compile(r"\s+")


class ParseError(ValueError):
    """A record is unusable; the message says why."""


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _math_text(el: etree._Element) -> str:
    """MathML flattened to its tokens, e.g. <msub><mi>V</mi><mn>O2</mn></msub> -> 'VO2'; alttext wins if given."""
    alt = el.get("alttext")
    if alt:
        return alt
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        name = _local(node.tag)
        if name in MATHML_TOKENS:
            parts.append((node.text or "").strip())
        elif name in ACCENT_WRAPPERS and len(node):
            walk(node[0])  # the base only: an over-dot or bar is typography, not content
        else:
            for child in node:
                walk(child)

    walk(el)
    return "".join(parts)


def flat_text(el: etree._Element | None) -> str:
    """Element text with inline markup (<i>, <sup>, <sub>, <b>, MathML) flattened and whitespace collapsed."""
    if el is None:
        return ""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            name = _local(child.tag)
            if name == "math":
                parts.append(_math_text(child))
            elif name in WORD_STYLES:
                # Some PubMed files lost the spaces around italics ("the<i>TERT</i>gene"): restore them.
                inner = flat_text(child)
                word = len(inner) >= 2 and inner[0].isalpha() and inner[-1].isalpha()
                if word and parts and parts[-1][-1:].isalpha():
                    parts.append(" ")
                parts.append(inner)
                if word and child.tail and child.tail[:1].isalpha():
                    parts.append(" ")
            elif isinstance(child.tag, str):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return _WS.sub(" ", "".join(parts)).strip()


def _int(s: str | None) -> int | None:
    try:
        return int(s) if s is not None else None
    except ValueError:
        return None


def _day(s: str | None) -> int | None:
    """A day of the month, or None for anything else (a typo such as "200" must not sink the record)."""
    d = _int(s)
    return d if d is not None and 1 <= d <= 31 else None


def _year(s: str | None) -> int | None:
    y = _int(s)
    return y if y is not None and 1000 <= y <= 2999 else None


def _month(s: str | None) -> int | None:
    if not s:
        return None
    s = s.strip()
    if s.isdigit():
        m = int(s)
        return m if 1 <= m <= 12 else None
    return MONTHS.get(s[:3].lower()) or SEASONS.get(s.lower())


def _medline_date(s: str) -> tuple[int | None, int | None]:
    """'1998 Dec-1999 Jan' -> (1998, 12); '2000 Spring' -> (2000, 3); '1975-1976' -> (1975, None)."""
    m = re.match(r"\s*(\d{4})(?:\s+([A-Za-z]+))?", s)
    if not m:
        return None, None
    return int(m.group(1)), _month(m.group(2))


def _date(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    y, mo, d = _year(el.findtext("Year")), _month(el.findtext("Month")), _day(el.findtext("Day"))
    if y is None:
        return None
    if mo is None:
        return f"{y:04d}"
    if d is None:
        return f"{y:04d}-{mo:02d}"
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _abstract(abstract_el: etree._Element | None, offset: int) -> tuple[str, list[Section]]:
    """Abstract text in PubMed's display form ("LABEL: body" sections joined by a space) and its sections."""
    if abstract_el is None:
        return "", []
    pieces: list[str] = []
    sections: list[Section] = []
    pos = offset
    for at in abstract_el.findall("AbstractText"):
        body = flat_text(at)
        label = at.get("Label")
        piece = f"{label}: {body}" if label else body
        if not piece:
            continue
        if pieces:
            pos += 1
        pieces.append(piece)
        if label or at.get("NlmCategory"):
            sections.append(Section(label, at.get("NlmCategory"), pos, pos + len(piece)))
        pos += len(piece)
    return " ".join(pieces), sections


def _mesh(citation: etree._Element) -> list[MeshHeading]:
    out = []
    for mh in citation.iterfind("MeshHeadingList/MeshHeading"):
        d = mh.find("DescriptorName")
        if d is None:
            continue
        quals = tuple((flat_text(q), q.get("UI"), q.get("MajorTopicYN") == "Y") for q in mh.findall("QualifierName"))
        out.append(MeshHeading(flat_text(d), d.get("UI"), d.get("MajorTopicYN") == "Y", quals))
    return out


def _authors(author_list: etree._Element | None) -> list[str]:
    out = []
    if author_list is None:
        return out
    for a in author_list.findall("Author"):
        collective = a.findtext("CollectiveName")
        if collective:
            out.append(flat_text(a.find("CollectiveName")))
            continue
        name = " ".join(p for p in (a.findtext("LastName"), a.findtext("Initials") or a.findtext("ForeName")) if p)
        if name:
            out.append(name)
    return out


def _ids(id_list: etree._Element | None) -> dict[str, str]:
    if id_list is None:
        return {}
    return {a.get("IdType"): (a.text or "").strip() for a in id_list.findall("ArticleId")}


def _comments(citation: etree._Element) -> list[CommentCorrection]:
    out = []
    for cc in citation.iterfind("CommentsCorrectionsList/CommentsCorrections"):
        pmid = cc.findtext("PMID")
        out.append(CommentCorrection(cc.get("RefType", ""), pmid.strip() if pmid else None, cc.findtext("RefSource")))
    return out


def _entry_date(history: etree._Element | None) -> str | None:
    if history is None:
        return None
    for status in ("entrez", "pubmed"):
        el = history.find(f"PubMedPubDate[@PubStatus='{status}']")
        if el is not None:
            return _date(el)
    return None


def _pmid(el: etree._Element | None) -> tuple[str, int]:
    if el is None or not (el.text or "").strip():
        raise ParseError("record has no PMID")
    pmid = el.text.strip()
    if not pmid.isdigit():
        raise ParseError(f"PMID is not numeric: {pmid!r}")
    version = _int(el.get("Version")) or 1
    return pmid, version


def parse_article(el: etree._Element, source: str = "") -> Article:
    """One <PubmedArticle> element -> Article."""
    citation = el.find("MedlineCitation")
    if citation is None:
        raise ParseError("PubmedArticle without MedlineCitation")
    pmid, version = _pmid(citation.find("PMID"))
    art = citation.find("Article")
    if art is None:
        raise ParseError("MedlineCitation without Article")
    title = flat_text(art.find("ArticleTitle")) or flat_text(art.find("VernacularTitle"))
    if not title:
        raise ParseError("record has neither ArticleTitle nor VernacularTitle")
    abstract, sections = _abstract(art.find("Abstract"), len(title) + 1)
    journal = art.find("Journal")
    pub_date = journal.find("JournalIssue/PubDate") if journal is not None else None
    year = month = day = None
    medline_date = None
    if pub_date is not None:
        medline_date = pub_date.findtext("MedlineDate")
        if medline_date:
            year, month = _medline_date(medline_date)
        else:
            year, month, day = _year(pub_date.findtext("Year")), _month(pub_date.findtext("Month")), \
                _day(pub_date.findtext("Day"))
    pubmed_data = el.find("PubmedData")
    ids = _ids(pubmed_data.find("ArticleIdList") if pubmed_data is not None else None)
    doi = ids.get("doi") or next((e.text.strip() for e in art.iterfind("ELocationID[@EIdType='doi']") if e.text),
                                 None)
    pub_types = [flat_text(p) for p in art.iterfind("PublicationTypeList/PublicationType")]
    comments = _comments(citation)
    return Article(
        doc_id=f"pmid:{pmid}", pmid=pmid, version=version, title=title, abstract=abstract, sections=sections,
        journal=flat_text(journal.find("Title")) or None if journal is not None else None,
        journal_iso=journal.findtext("ISOAbbreviation") if journal is not None else None,
        pub_year=year, pub_month=month, pub_day=day, medline_date=medline_date,
        entry_date=_entry_date(pubmed_data.find("History") if pubmed_data is not None else None),
        revised_date=_date(citation.find("DateRevised")),
        publication_types=pub_types, mesh=_mesh(citation),
        keywords=[flat_text(k) for k in citation.iterfind("KeywordList/Keyword") if flat_text(k)],
        doi=doi, pmcid=ids.get("pmc"),
        languages=[(x.text or "").strip() for x in art.findall("Language") if x.text],
        authors=_authors(art.find("AuthorList")),
        comments_corrections=comments,
        retracted="Retracted Publication" in pub_types or any(c.ref_type in RETRACTION_LINKS for c in comments),
        status=citation.get("Status"), source=source,
    )


def parse_book(el: etree._Element, source: str = "") -> Article:
    """One <PubmedBookArticle> (a chapter or book in NCBI Bookshelf) -> Article."""
    doc = el.find("BookDocument")
    if doc is None:
        raise ParseError("PubmedBookArticle without BookDocument")
    pmid, version = _pmid(doc.find("PMID"))
    book = doc.find("Book")
    title = flat_text(doc.find("ArticleTitle")) or (flat_text(book.find("BookTitle")) if book is not None else "")
    if not title:
        raise ParseError("book record has no title")
    abstract, sections = _abstract(doc.find("Abstract"), len(title) + 1)
    pub_date = book.find("PubDate") if book is not None else None
    year = _year(pub_date.findtext("Year")) if pub_date is not None else None
    month = _month(pub_date.findtext("Month")) if pub_date is not None else None
    day = _day(pub_date.findtext("Day")) if pub_date is not None else None
    book_data = el.find("PubmedBookData")
    ids = _ids(book_data.find("ArticleIdList") if book_data is not None else None)
    ids.update({k: v for k, v in _ids(doc.find("ArticleIdList")).items() if k not in ids})
    pub_types = [flat_text(p) for p in doc.iterfind("PublicationType")]
    authors = []
    for al in doc.findall("AuthorList"):
        authors += _authors(al)
    return Article(
        doc_id=f"pmid:{pmid}", pmid=pmid, version=version, title=title, abstract=abstract, sections=sections,
        journal=flat_text(book.find("Publisher/PublisherName")) or None if book is not None else None,
        pub_year=year, pub_month=month, pub_day=day,
        entry_date=_entry_date(book_data.find("History") if book_data is not None else None),
        revised_date=_date(doc.find("DateRevised")),
        publication_types=pub_types,
        keywords=[flat_text(k) for k in doc.iterfind("KeywordList/Keyword") if flat_text(k)],
        doi=ids.get("doi"), pmcid=ids.get("pmc"),
        languages=[(x.text or "").strip() for x in doc.findall("Language") if x.text],
        authors=authors, retracted="Retracted Publication" in pub_types, is_book=True, source=source,
    )


def parse_deletions(el: etree._Element, source: str = "") -> list[Deletion]:
    return [Deletion(p.text.strip(), _int(p.get("Version")), source) for p in el.findall("PMID") if p.text]


def _snippet(el: etree._Element) -> str:
    return etree.tostring(el, encoding="unicode")[:500]


def iter_records(stream: IO[bytes] | str, source: str = "") -> Iterator[Article | Deletion | Reject]:
    """Yield Articles, Deletions and Rejects from one PubMed XML stream, in document order.

    A record that fails to parse becomes a Reject with its reason and the batch goes on. A stream that is
    malformed (a broken tag, bytes that are not UTF-8, a record cut off at the end) yields what came before the
    damage, then, when the stream can be read again (a file), each later record parsed on its own: only the
    damaged record is quarantined, by its PMID when it can be read. A stream that cannot be read again ends with
    one Reject naming the position.
    """
    context = etree.iterparse(stream, events=("end",), tag=RECORD_TAGS, resolve_entities=False,
                              load_dtd=False, no_network=True, huge_tree=True, recover=False)
    done = 0
    try:
        for _, el in context:
            yield from _parse_record(el, source)
            done += 1
            el.clear(keep_tail=True)
            parent = el.getparent()
            if parent is not None:
                while el.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        data = _reread(stream)
        ends = list(RECORD_END.finditer(data)) if data else []
        if data is None or len(ends) < done:
            yield Reject(None, f"malformed XML: {exc}", source)
            return
        # resume after the last record read whole, then each record from its start tag to the next one: a damaged
        # end tag cannot swallow the next record, a damaged start tag cannot hide one, and a record cut off at the
        # end of the file is quarantined like any other damaged one
        pos = ends[done - 1].end() if done else 0
        starts = [m.start() for m in RECORD_START.finditer(data, pos)]
        head = data[pos:starts[0] if starts else len(data)]
        if RECORD_END.search(head) or CHUNK_PMID.search(head):  # a record whose start tag is broken
            yield from _salvage(head, source, exc)
        elif not starts:
            yield Reject(None, f"malformed XML: {exc}", source)
        # each start to the next (or the end); no start tag at all (not PubMed XML): nothing more to salvage
        for a, b in itertools.pairwise([*starts, len(data)]):
            yield from _salvage(data[a:b], source, exc)


def _parse_record(el: etree._Element, source: str) -> Iterator[Article | Deletion | Reject]:
    try:
        if el.tag == "PubmedArticle":
            yield parse_article(el, source)
        elif el.tag == "PubmedBookArticle":
            yield parse_book(el, source)
        else:
            yield from parse_deletions(el, source)
    except (ParseError, ValueError, AttributeError, TypeError) as exc:
        pmid_el = el.find(".//PMID")
        doc_id = f"pmid:{pmid_el.text.strip()}" if pmid_el is not None and pmid_el.text else None
        yield Reject(doc_id, f"{type(exc).__name__}: {exc}", source, _snippet(el))


RECORD_START = re.compile(rb"<(?:" + "|".join(RECORD_TAGS).encode() + rb")[\s>]")
RECORD_END = re.compile(rb"</(?:" + "|".join(RECORD_TAGS).encode() + rb")\s*>")
CHUNK_PMID = re.compile(rb"<PMID\b[^>]*>\s*(\d+)\s*</PMID>")


def _reread(stream: IO[bytes] | str) -> bytes | None:
    """The whole stream again (a path, or a seekable file), else None."""
    try:
        if isinstance(stream, str):
            with open(stream, "rb") as fh:
                return fh.read()
        stream.seek(0)
        return stream.read()
    except (OSError, AttributeError, ValueError, EOFError):
        return None


def _salvage(chunk: bytes, source: str, damage: Exception) -> Iterator[Article | Deletion | Reject]:
    """One record of a damaged stream (from its start tag to the next record's), parsed alone; if it is the damaged
    one, a Reject (by its first PMID, the record's own, when readable)."""
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=True)
    ends = list(RECORD_END.finditer(chunk))
    try:
        if not ends:
            raise etree.XMLSyntaxError("the record has no end tag (cut off)", None, 0, 0)
        el = etree.fromstring(chunk[:ends[-1].end()], parser)
    except etree.XMLSyntaxError as exc:
        pmid = CHUNK_PMID.search(chunk)
        yield Reject(f"pmid:{pmid.group(1).decode()}" if pmid else None,
                     f"malformed XML in this record: {exc} (the file's first damage: {damage})", source,
                     chunk[:500].decode("utf-8", "replace"))
        return
    yield from _parse_record(el, source)

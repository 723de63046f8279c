"""The record contracts shared by every stage.

`Article.text` is title + "\\n" + abstract; every offset anywhere in the product indexes into that string.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

# Exceptions that say the code is wrong, not the record: when every record of a stage fails with one of these, the
# stage stops the run instead of quarantining the whole night (a record's own fault is a ValueError, a parse error, ...)
CODE_FAULTS = ("AttributeError", "TypeError", "NameError", "KeyError", "IndexError")


@dataclass(frozen=True)
class Section:
    """A structured-abstract section; start/end index into `Article.text` and cover "LABEL: body"."""

    label: str | None
    nlm_category: str | None
    start: int
    end: int


@dataclass(frozen=True)
class MeshHeading:
    descriptor: str
    ui: str | None
    major_topic: bool
    qualifiers: tuple[tuple[str, str | None, bool], ...] = ()


@dataclass(frozen=True)
class CommentCorrection:
    ref_type: str
    pmid: str | None
    ref_source: str | None


@dataclass
class Article:
    """One PubMed record (or one JSON-lines document) as parsed, before any NLP."""

    doc_id: str
    pmid: str | None
    version: int
    title: str
    abstract: str
    sections: list[Section] = field(default_factory=list)
    journal: str | None = None
    journal_iso: str | None = None
    pub_year: int | None = None
    pub_month: int | None = None
    pub_day: int | None = None
    medline_date: str | None = None
    entry_date: str | None = None
    revised_date: str | None = None
    publication_types: list[str] = field(default_factory=list)
    mesh: list[MeshHeading] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    doi: str | None = None
    pmcid: str | None = None
    languages: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    comments_corrections: list[CommentCorrection] = field(default_factory=list)
    retracted: bool = False
    is_book: bool = False
    status: str | None = None
    source: str = ""

    @property
    def text(self) -> str:
        return self.title + "\n" + self.abstract

    @property
    def pub_date(self) -> str | None:
        """ISO date at the precision PubMed gives (YYYY, YYYY-MM or YYYY-MM-DD)."""
        if self.pub_year is None:
            return None
        parts = [f"{self.pub_year:04d}"]
        if self.pub_month:
            parts.append(f"{self.pub_month:02d}")
            if self.pub_day:
                parts.append(f"{self.pub_day:02d}")
        return "-".join(parts)

    def content_hash(self) -> str:
        """Hash of everything parsed except where it came from: changes iff the record's content changes."""
        d = asdict(self)
        d.pop("source")
        blob = json.dumps(d, sort_keys=True, ensure_ascii=False, default=list)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Deletion:
    """A DeleteCitation entry (or a record that vanished from a live query)."""

    pmid: str
    version: int | None
    source: str = ""

    @property
    def doc_id(self) -> str:
        return f"pmid:{self.pmid}"


@dataclass(frozen=True)
class Reject:
    """A record that could not be parsed, with the reason; nothing is silently dropped."""

    doc_id: str | None
    reason: str
    source: str
    snippet: str = ""


# what a source yields, in order: a record, a deletion, or a record that could not be parsed
Event = Article | Deletion | Reject

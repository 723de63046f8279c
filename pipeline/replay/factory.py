"""Build valid PubMed XML records from a title and an abstract: for tests, benchmarks and replay demos.

Records built from the shared corpus live only in temporary folders (real texts never enter the repository).
"""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

HEAD = ('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
        '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n')
ENTREZ = ' PubStatus="entrez"'


def _date(tag: str, d: date, attrs: str = "") -> str:
    return f"<{tag}{attrs}><Year>{d.year}</Year><Month>{d.month:02d}</Month><Day>{d.day:02d}</Day></{tag}>"


def record(pmid: int, edat: date, mdat: date | None = None, version: int = 1, abstract: str | None = None,
           title: str | None = None) -> str:
    """One <PubmedArticle>: entry date `edat` (EDAT), DateRevised `mdat` (MDAT), PMID version `version`."""
    title = escape(title or f"Ketamine record {pmid} version {version}")
    abstract = escape(abstract if abstract is not None else f"Synthetic abstract {pmid}, version {version}.")
    return (f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="{version}">{pmid}</PMID>'
            f"{_date('DateRevised', mdat or edat)}<Article PubModel=\"Print\"><Journal><JournalIssue><PubDate>"
            f"<Year>{edat.year}</Year></PubDate></JournalIssue><Title>Test Journal</Title></Journal>"
            f"<ArticleTitle>{title}</ArticleTitle><Abstract><AbstractText>{abstract}</AbstractText></Abstract>"
            f"<Language>eng</Language><PublicationTypeList><PublicationType>Journal Article</PublicationType>"
            f"</PublicationTypeList></Article></MedlineCitation><PubmedData><History>"
            f"{_date('PubMedPubDate', edat, ENTREZ)}</History><PublicationStatus>ppublish"
            f"</PublicationStatus><ArticleIdList><ArticleId IdType=\"pubmed\">{pmid}</ArticleId></ArticleIdList>"
            f"</PubmedData></PubmedArticle>\n")


def write_set(path: Path, records: list[str], tail: str = "") -> Path:
    """A PubmedArticleSet file (gzipped when the name ends in .gz)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = HEAD + "".join(records) + tail + "</PubmedArticleSet>\n"
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(body)
    else:
        path.write_text(body, encoding="utf-8")
    return path

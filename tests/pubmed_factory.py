"""Build small, valid PubMed XML records for tests (synthetic: no real abstract text)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

HEAD = ('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
        '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n')


ENTREZ = ' PubStatus="entrez"'


def _d(tag: str, d: date, attrs: str = "") -> str:
    return f"<{tag}{attrs}><Year>{d.year}</Year><Month>{d.month:02d}</Month><Day>{d.day:02d}</Day></{tag}>"


def record(pmid: int, edat: date, mdat: date | None = None, version: int = 1, abstract: str | None = None,
           title: str | None = None) -> str:
    title = title or f"Ketamine record {pmid} version {version}"
    abstract = escape(abstract if abstract is not None else f"Synthetic abstract {pmid}, version {version}.")
    title = escape(title)
    return (f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="{version}">{pmid}</PMID>'
            f"{_d('DateRevised', mdat or edat)}<Article PubModel=\"Print\"><Journal><JournalIssue><PubDate>"
            f"<Year>{edat.year}</Year></PubDate></JournalIssue><Title>Test Journal</Title></Journal>"
            f"<ArticleTitle>{title}</ArticleTitle><Abstract><AbstractText>{abstract}</AbstractText></Abstract>"
            f"<Language>eng</Language><PublicationTypeList><PublicationType>Journal Article</PublicationType>"
            f"</PublicationTypeList></Article></MedlineCitation><PubmedData><History>"
            f"{_d('PubMedPubDate', edat, ENTREZ)}</History><PublicationStatus>ppublish"
            f"</PublicationStatus><ArticleIdList><ArticleId IdType=\"pubmed\">{pmid}</ArticleId></ArticleIdList>"
            f"</PubmedData></PubmedArticle>\n")


def write_set(path: Path, records: list[str], tail: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEAD + "".join(records) + tail + "</PubmedArticleSet>\n")
    return path

"""The streaming parser on real efetch XML (shared corpus) and on hand-made edge cases."""

from __future__ import annotations

import hashlib
import io
import tracemalloc

from lxml import etree

from pipeline.pubmed_xml import _medline_date, flat_text, iter_records
from pipeline.records import Article, Deletion, Reject
from pipeline.sources.files import iter_xml
from tests.conftest import corpus_path


def digest(text: str) -> str:
    """Corpus texts are compared by hash so that none of them is copied into the repo."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def one(path) -> Article:
    recs = list(iter_records(str(path)))
    assert len(recs) == 1 and isinstance(recs[0], Article), recs
    return recs[0]


def test_all_real_metapub_records_parse_without_rejects():
    recs = list(iter_xml(corpus_path("pubmed-xml", "metapub-pmid-xml")))
    assert sum(isinstance(r, Article) for r in recs) == 164
    assert not [r for r in recs if isinstance(r, Reject)]


def test_empty_efetch_result_yields_nothing():
    assert list(iter_records(str(corpus_path("pubmed-xml", "metapub-pmid-xml", "37909814.xml")))) == []


def test_erratum_link_ids_dates_and_authors():
    a = one(corpus_path("pubmed-xml", "metapub-pmid-xml", "38147649.xml"))
    assert (a.pmid, a.version, a.doc_id) == ("38147649", 1, "pmid:38147649")
    assert digest(a.title) == "0226f213cfc256d7"
    assert a.doi == "10.1073/pnas.2308706120" and a.pmcid == "PMC10769841"
    assert a.pub_date == "2024-01-02" and a.entry_date == "2023-12-26" and a.revised_date == "2024-12-20"
    assert a.journal == "Proceedings of the National Academy of Sciences of the United States of America"
    assert [(c.ref_type, c.pmid) for c in a.comments_corrections] == [("ErratumIn", "39705317")]
    assert not a.retracted
    assert a.authors[:2] == ["Ritz NL", "Brocka M"]
    assert a.languages == ["eng"] and a.publication_types == ["Journal Article"]
    assert a.mesh[0].descriptor == "Humans" and a.mesh[0].ui == "D006801" and not a.mesh[0].major_topic
    assert "microbiome" in a.keywords
    assert a.text.startswith(a.title + "\n") and a.abstract.startswith("Social anxiety disorder (SAD)")


def test_structured_abstract_sections_index_into_text():
    a = one(corpus_path("pubmed-xml", "biopython-entrez-samples", "pubmed4.xml"))
    assert [s.label for s in a.sections] == ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]
    for s in a.sections:
        assert a.text[s.start:s.end].startswith(s.label + ": ")
    assert a.sections[-1].end == len(a.text)
    assert a.abstract.startswith("OBJECTIVE: Telomere")
    mh = next(m for m in a.mesh if m.descriptor == "Adenocarcinoma")
    assert ("epidemiology", "Q000453", True) in mh.qualifiers


def test_inline_markup_without_spaces_is_flattened_to_words():
    a = one(corpus_path("pubmed-xml", "biopython-entrez-samples", "title_with_html_tags.xml"))
    assert "<" not in a.title and "TERT gene" in a.title and "  " not in a.title
    assert digest(a.title) == "f44198a537a5336e"


def test_mathml_and_sub_sup_flatten():
    a = one(corpus_path("pubmed-xml", "biopython-entrez-samples", "pubmed6.xml"))
    assert "maximal oxygen uptake ( VO2max ) 67.6" in a.abstract
    assert '"Minimum Lactate Equivalent" (LEmin)' in a.abstract
    assert "15.0 ± 1.1 km·h-1" in a.abstract
    assert "  " not in a.abstract and "\n" not in a.abstract


def test_collective_author_kept_as_one_name():
    a = one(corpus_path("pubmed-xml", "metapub-pmid-xml", "34843274.xml"))
    assert "Guideline Development Panel for the Treatment of Depressive Disorders" in a.authors


def test_flat_text_sup_sub_and_italics():
    el = etree.fromstring("<T>CO<sub>2</sub> at 10<sup>-3</sup> in <i>vivo</i>and<b>bold</b> x</T>")
    assert flat_text(el) == "CO2 at 10-3 in vivo and bold x"


def test_medline_date_forms():
    assert _medline_date("1998 Dec-1999 Jan") == (1998, 12)
    assert _medline_date("2000 Spring") == (2000, 3)
    assert _medline_date("1975-1976") == (1975, None)


RECORD = """<PubmedArticle><MedlineCitation Status="MEDLINE"><PMID Version="{v}">{pmid}</PMID><Article>
<Journal><JournalIssue><PubDate><Year>2024</Year><Month>Mar</Month></PubDate></JournalIssue><Title>J</Title></Journal>
<ArticleTitle>Title {pmid}</ArticleTitle><Abstract><AbstractText>Ketamine {pmid} abstract.</AbstractText></Abstract>
<Language>eng</Language><PublicationTypeList><PublicationType>{pt}</PublicationType></PublicationTypeList>
</Article></MedlineCitation></PubmedArticle>"""


def xml(*records: str, tail: str = "</PubmedArticleSet>") -> bytes:
    return ("<?xml version='1.0'?><PubmedArticleSet>" + "".join(records) + tail).encode()


def test_bad_record_is_rejected_with_reason_and_batch_goes_on():
    no_pmid = RECORD.format(v=1, pmid="", pt="Journal Article")
    recs = list(iter_records(io.BytesIO(xml(RECORD.format(v=1, pmid="1", pt="Journal Article"), no_pmid,
                                            RECORD.format(v=2, pmid="3", pt="Retracted Publication")))))
    assert [type(r).__name__ for r in recs] == ["Article", "Reject", "Article"]
    assert "no PMID" in recs[1].reason
    assert recs[2].version == 2 and recs[2].retracted and recs[0].pub_date == "2024-03"


def test_truncated_stream_keeps_what_came_before_and_reports_damage():
    body = xml(RECORD.format(v=1, pmid="1", pt="x"), RECORD.format(v=1, pmid="2", pt="x"))
    recs = list(iter_records(io.BytesIO(body[: len(body) - 200])))
    assert isinstance(recs[0], Article) and recs[0].pmid == "1"
    assert isinstance(recs[-1], Reject) and "malformed XML" in recs[-1].reason


def test_a_damaged_record_in_a_file_loses_only_itself():
    """A broken tag or bytes that are not UTF-8 in one record: the records after it are parsed on their own (the
    stream is read again), and the damaged one is quarantined by its PMID (before: every later record was lost
    behind one reject without a PMID)."""
    good = [RECORD.format(v=1, pmid=str(i), pt="Journal Article") for i in range(1, 7)]
    broken = good[2].replace("</ArticleTitle>", "</ArticleTitl>")
    latin1 = xml(good[0]).replace(b"</PubmedArticleSet>", b"") + good[1].replace(
        "</ArticleTitle>", "\udce9</ArticleTitle>").encode("utf-8", "surrogateescape") + b"</PubmedArticleSet>"
    for body, bad in ((xml(good[0], good[1], broken, *good[3:]), "3"), (latin1, "2")):
        recs = list(iter_records(io.BytesIO(body)))
        articles = [r.pmid for r in recs if isinstance(r, Article)]
        rejects = [r for r in recs if isinstance(r, Reject)]
        assert [r.doc_id for r in rejects] == [f"pmid:{bad}"] and "malformed XML in this record" in rejects[0].reason
        assert bad not in articles and len(articles) == (5 if bad == "3" else 1)
    # a damaged end tag does not swallow the next record; a record cut off at the end is quarantined too
    start_tag = xml(good[0], good[1], good[2].replace("<PubmedArticle>", "<PubmedArticl>"), *good[3:])
    end_tag = xml(good[0], good[1], good[2].replace("</PubmedArticle>", "</PubmedArticl>"), *good[3:])
    cut = xml(good[0], good[1], broken, *good[3:])
    for body, rejected, kept in ((end_tag, ["pmid:3"], ["1", "2", "4", "5", "6"]),
                                 (start_tag, ["pmid:3"], ["1", "2", "4", "5", "6"]),
                                 (cut[: len(cut) - 200], ["pmid:3", "pmid:6"], ["1", "2", "4", "5"])):
        recs = list(iter_records(io.BytesIO(body)))
        assert [r.doc_id for r in recs if isinstance(r, Reject)] == rejected
        assert [r.pmid for r in recs if isinstance(r, Article)] == kept


def test_a_file_that_is_not_pubmed_xml_is_one_reject_and_the_folder_goes_on(tmp_path):
    """A stray README or HTML error page among the XML files: one reject naming it (it stopped the whole run with
    "zip() argument 2 is longer than argument 1")."""
    from pipeline.sources.files import iter_xml

    (tmp_path / "a.xml").write_bytes(xml(RECORD.format(v=1, pmid="1", pt="Journal Article")))
    (tmp_path / "b.xml").write_text("# Notes\n\nThese files came from the mirror.\n")
    (tmp_path / "c.xml").write_text("<html><body>503 Service Unavailable</body></html>")
    recs = list(iter_xml(tmp_path))
    assert [r.pmid for r in recs if isinstance(r, Article)] == ["1"]
    rejects = [r for r in recs if isinstance(r, Reject)]
    assert [r.source.rsplit("/", 1)[1] for r in rejects] == ["b.xml", "c.xml"]
    assert "malformed XML" in rejects[0].reason and "not PubMed XML" in rejects[1].reason


def test_an_empty_set_after_long_comments_is_pubmeds_answer_not_a_wrong_file(tmp_path):
    """PubMed's answer for ids it no longer has is an empty set: no reject, however much comes before its root
    (the first 8 KB of bytes were searched for the tag)."""
    from pipeline.sources.files import iter_xml

    (tmp_path / "a.xml").write_text('<?xml version="1.0"?>\n<!--' + "x" * 10_000 + '-->\n'
                                    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle//EN" "x.dtd">\n'
                                    "<PubmedArticleSet></PubmedArticleSet>\n")
    (tmp_path / "b.xml").write_text("<!--" + "x" * 10_000 + "--><html><body>not found</body></html>")
    assert [r.source.rsplit("/", 1)[1] for r in iter_xml(tmp_path)] == ["b.xml"]


def test_delete_citation_and_retraction_link():
    rec = RECORD.format(v=1, pmid="5", pt="Journal Article").replace(
        "</Article>", "</Article><CommentsCorrectionsList><CommentsCorrections RefType=\"RetractionIn\">"
        "<RefSource>J. 2025</RefSource><PMID Version=\"1\">6</PMID></CommentsCorrections></CommentsCorrectionsList>")
    recs = list(iter_records(io.BytesIO(xml(rec, tail="<DeleteCitation><PMID Version=\"1\">7</PMID>"
                                                      "<PMID Version=\"1\">8</PMID></DeleteCitation>"
                                                      "</PubmedArticleSet>"))))
    assert recs[0].retracted and recs[0].comments_corrections[0].pmid == "6"
    assert recs[1:] == [Deletion("7", 1, ""), Deletion("8", 1, "")]


def test_parser_memory_stays_flat_on_a_large_stream():
    """20,000 records (~9 MB) parse with a small, bounded peak: records are freed as they are read."""
    body = xml(*(RECORD.format(v=1, pmid=str(i), pt="Journal Article") for i in range(1, 20001)))
    tracemalloc.start()
    n = sum(1 for _ in iter_records(io.BytesIO(body)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert n == 20000
    assert peak < 8_000_000, f"peak {peak / 1e6:.1f} MB for a {len(body) / 1e6:.1f} MB stream"


def test_italic_letters_inside_chemical_names_stay_joined():
    el = etree.fromstring("<T>(2<i>R</i>,6<i>R</i>)-hydroxynorketamine and <i>N</i>-methyl</T>")
    assert flat_text(el) == "(2R,6R)-hydroxynorketamine and N-methyl"


def test_json_lines_records_with_a_bad_pmid_are_rejected_and_the_file_goes_on(tmp_path):
    import json

    from pipeline.sources.files import iter_jsonl

    path = tmp_path / "docs.jsonl"
    lines = [{"doc_id": "a", "pmid": "123", "title": "T", "abstract": "A."},
             {"doc_id": "b", "pmid": '99" onmouseover="x', "title": "T", "abstract": "A."},
             {"doc_id": "c", "pmid": " 456 ", "title": "T", "abstract": "A."}]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    recs = list(iter_jsonl(path))
    assert [type(r).__name__ for r in recs] == ["Article", "Reject", "Article"]
    assert "not a PubMed id" in recs[1].reason and recs[2].pmid == "456"


def test_json_lines_fields_of_the_wrong_type_are_rejected_with_their_reason(tmp_path):
    import json

    from pipeline.sources.files import iter_jsonl

    path = tmp_path / "docs.jsonl"
    lines = [{"doc_id": "a", "title": "Ketamine", "abstract": 12345},
             {"doc_id": "b", "title": "Ketamine", "abstract": "A.", "doi": 7},
             {"doc_id": "c", "title": "Ketamine", "abstract": "A.", "year": "2024"},
             {"doc_id": "d", "title": "Ketamine", "abstract": "A.", "year": "soon"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    recs = list(iter_jsonl(path))
    assert [type(r).__name__ for r in recs] == ["Reject", "Reject", "Article", "Reject"]
    assert "`abstract` must be a string" in recs[0].reason and "`doi`" in recs[1].reason
    assert recs[2].pub_year == 2024 and "`year`" in recs[3].reason


def test_out_of_range_numbers_never_sink_the_batch(tmp_path):
    """A Day of 200 is dropped from the date (the record stays); a PMID version past int32 quarantines its record
    with the schema's reason; the other records of the file are published."""
    from datetime import date

    import pandas as pd
    import pyarrow.parquet as pq

    from pipeline.config import Settings
    from pipeline.ingest import ingest
    from tests.pubmed_factory import record, write_set

    day = date(2025, 1, 10)
    bad_day = record(2, day).replace("<PubDate><Year>2025</Year></PubDate>",
                                     "<PubDate><Year>2025</Year><Month>Jan</Month><Day>200</Day></PubDate>")
    huge_version = record(3, day).replace('<PMID Version="1">', '<PMID Version="99999999999">')
    assert bad_day != record(2, day) and huge_version != record(3, day)
    folder = write_set(tmp_path / "src" / "a.xml", [record(1, day), bad_day, huge_version, record(4, day)]).parent
    result, run = ingest(f"xml:{folder}", Settings(out=tmp_path / "out"))
    articles = pq.read_table(tmp_path / "out" / "articles.parquet").to_pandas().set_index("pmid")
    assert sorted(articles.index) == ["1", "2", "4"] and run["n_rejected"] == 1
    assert articles.loc["2", "pub_month"] == 1 and pd.isna(articles.loc["2", "pub_day"])
    rejects = pq.read_table(tmp_path / "out" / "rejects.parquet").to_pylist()
    assert [r["doc_id"] for r in rejects] == ["pmid:3"] and "schema" in rejects[0]["reason"]


def test_a_reject_is_listed_once_per_record_however_it_arrives(tmp_path):
    """Two different records without a PMID are two rows; the same broken record read by two spellings of its
    path is one."""
    import pyarrow.parquet as pq

    from pipeline.config import SAMPLE_DIR, Settings
    from pipeline.ingest import ingest

    nopmid = ("<PubmedArticle><MedlineCitation><Article><ArticleTitle>{}</ArticleTitle></Article></MedlineCitation>"
              "</PubmedArticle>")
    path = tmp_path / "two.xml"
    path.write_text('<?xml version="1.0"?>\n<PubmedArticleSet>' + nopmid.format("First") + nopmid.format("Second")
                    + "</PubmedArticleSet>\n")
    out = tmp_path / "out"
    _, run = ingest(f"xml:{path}", Settings(out=out))
    assert run["n_rejected"] == 2 and pq.read_table(out / "rejects.parquet").num_rows == 2
    out2 = tmp_path / "out2"
    ingest("sample", Settings(out=out2))
    _, run = ingest(f"xml:{SAMPLE_DIR}", Settings(out=out2))
    assert run["n_rejected"] == 1 and pq.read_table(out2 / "rejects.parquet").num_rows == 1


def test_a_number_past_int64_is_quarantined_not_fatal(tmp_path):
    import json

    import pyarrow.parquet as pq

    from pipeline.config import Settings
    from pipeline.ingest import ingest

    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"doc_id": "a", "title": "Ketamine", "abstract": "A.", "year": "9" * 20}) + "\n"
                    + json.dumps({"doc_id": "b", "title": "Ketamine", "abstract": "B."}) + "\n")
    _, run = ingest(f"jsonl:{path}", Settings(out=tmp_path / "out"))
    assert run["n_new"] == 1 and run["n_rejected"] == 1
    assert [r["doc_id"] for r in pq.read_table(tmp_path / "out" / "rejects.parquet").to_pylist()] == ["a"]


def test_a_second_document_with_the_same_pmid_is_quarantined(tmp_path):
    """Ids of mentions and evidence are built from the PMID: two documents claiming one PMID (mixed JSON-lines
    sources) must not break the publish; the second is quarantined with the first one's id as its reason."""
    import json

    import pyarrow.parquet as pq

    from pipeline.config import Settings
    from pipeline.ingest import run_stages

    path = tmp_path / "docs.jsonl"
    text = "RESULTS: Ketamine 0.5 mg/kg reduced MADRS scores at 24 h (p < 0.01) in depression."
    path.write_text("".join(json.dumps({"doc_id": d, "pmid": "123", "title": "Ketamine in depression",
                                        "abstract": text}) + "\n" for d in ("a", "b")))
    run = run_stages(f"jsonl:{path}", Settings(out=tmp_path / "out"))["run"]
    assert run["n_new"] == 1 and run["n_rejected"] == 1
    rejects = pq.read_table(tmp_path / "out" / "rejects.parquet").to_pylist()
    assert [(r["doc_id"], r["reason"]) for r in rejects] == [("b", "pmid 123 already belongs to a")]
    assert pq.read_table(tmp_path / "out" / "entities.parquet").num_rows > 0


def test_a_parser_fault_on_every_record_stops_the_run_instead_of_quarantining_the_night(tmp_path, monkeypatch):
    """A regression in the parser (simulated: every record meets an AttributeError) would otherwise publish an
    empty night with every record quarantined; one bad record among good ones is still quarantined."""
    from datetime import date

    import pytest

    from pipeline import pubmed_xml
    from pipeline.config import Settings
    from pipeline.ingest import ingest
    from tests.pubmed_factory import record, write_set

    folder = write_set(tmp_path / "xml" / "a.xml", [record(i, date(2025, 1, i)) for i in range(1, 4)]).parent

    def broken(el, source):
        raise AttributeError("'NoneType' object has no attribute 'text'")

    monkeypatch.setattr(pubmed_xml, "parse_article", broken)
    with pytest.raises(RuntimeError, match="a fault of the parser"):
        ingest(f"xml:{folder}", Settings(out=tmp_path / "out"), today=date(2025, 2, 1))
    assert not (tmp_path / "out" / "articles.parquet").exists()

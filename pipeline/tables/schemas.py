"""One explicit Arrow schema per published table; `docs/tables.md` documents every column."""

from __future__ import annotations

import hashlib

import pyarrow as pa

SECTION = pa.struct([("label", pa.string()), ("nlm_category", pa.string()), ("start", pa.int32()),
                     ("end", pa.int32())])
QUALIFIER = pa.struct([("name", pa.string()), ("ui", pa.string()), ("major_topic", pa.bool_())])
MESH = pa.struct([("descriptor", pa.string()), ("ui", pa.string()), ("major_topic", pa.bool_()),
                  ("qualifiers", pa.list_(QUALIFIER))])
COMMENT = pa.struct([("ref_type", pa.string()), ("pmid", pa.string()), ("ref_source", pa.string())])

ARTICLES = pa.schema([
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("pmid", pa.string()),
    pa.field("version", pa.int32(), nullable=False),
    pa.field("title", pa.string(), nullable=False),
    pa.field("abstract", pa.string(), nullable=False),
    pa.field("text", pa.string(), nullable=False),
    pa.field("sections", pa.list_(SECTION)),
    pa.field("journal", pa.string()),
    pa.field("journal_iso", pa.string()),
    pa.field("pub_year", pa.int16()),
    pa.field("pub_month", pa.int8()),
    pa.field("pub_day", pa.int8()),
    pa.field("pub_date", pa.string()),
    pa.field("medline_date", pa.string()),
    pa.field("entry_date", pa.string()),
    pa.field("revised_date", pa.string()),
    pa.field("publication_types", pa.list_(pa.string())),
    pa.field("mesh", pa.list_(MESH)),
    pa.field("keywords", pa.list_(pa.string())),
    pa.field("doi", pa.string()),
    pa.field("pmcid", pa.string()),
    pa.field("languages", pa.list_(pa.string())),
    pa.field("authors", pa.list_(pa.string())),
    pa.field("comments_corrections", pa.list_(COMMENT)),
    pa.field("retracted", pa.bool_(), nullable=False),
    pa.field("is_book", pa.bool_(), nullable=False),
    pa.field("has_abstract", pa.bool_(), nullable=False),
    pa.field("status", pa.string()),
    pa.field("source", pa.string(), nullable=False),
    pa.field("content_hash", pa.string(), nullable=False),
    pa.field("run_id", pa.string()),  # the run that added or last revised the record (runs.run_id)
])

REJECTS = pa.schema([
    pa.field("doc_id", pa.string()),
    pa.field("source", pa.string(), nullable=False),
    pa.field("stage", pa.string(), nullable=False),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("snippet", pa.string()),
    pa.field("first_run_id", pa.string(), nullable=False),
])

RUNS = pa.schema([
    pa.field("run_id", pa.string(), nullable=False),
    pa.field("flow_run_id", pa.string()),
    pa.field("flow", pa.string()),  # nightly, backfill, reprocess, or ingest (no Prefect); null in older rows
    pa.field("started_at", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("finished_at", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("query", pa.string()),
    pa.field("windows", pa.string()),
    pa.field("n_new", pa.int64(), nullable=False),
    pa.field("n_revised", pa.int64(), nullable=False),
    pa.field("n_unchanged", pa.int64(), nullable=False),
    pa.field("n_deleted", pa.int64(), nullable=False),
    pa.field("n_rejected", pa.int64(), nullable=False),
    pa.field("n_articles", pa.int64(), nullable=False),
    pa.field("code_version", pa.string(), nullable=False),
    pa.field("model_version", pa.string()),
    pa.field("catalogue_version", pa.string()),
    pa.field("n_claim_changes", pa.int64()),
    pa.field("status", pa.string(), nullable=False),
])

ENTITIES = pa.schema([
    pa.field("mention_id", pa.string(), nullable=False),
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("pmid", pa.string()),
    pa.field("version", pa.int32(), nullable=False),
    pa.field("sent_index", pa.int32(), nullable=False),
    pa.field("section", pa.string()),
    pa.field("role", pa.string(), nullable=False),
    pa.field("start", pa.int32(), nullable=False),
    pa.field("end", pa.int32(), nullable=False),
    pa.field("text", pa.string(), nullable=False),
    pa.field("label", pa.string(), nullable=False),
    pa.field("canonical", pa.string()),
    pa.field("attrs", pa.string(), nullable=False),
    pa.field("negated", pa.bool_(), nullable=False),
    pa.field("hedged", pa.bool_(), nullable=False),
    pa.field("drug", pa.string()),
    pa.field("source", pa.string(), nullable=False),
    pa.field("model_version", pa.string(), nullable=False),
])

DOSES = pa.schema([
    pa.field("mention_id", pa.string(), nullable=False),
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("pmid", pa.string()),
    pa.field("version", pa.int32(), nullable=False),
    pa.field("sent_index", pa.int32(), nullable=False),
    pa.field("start", pa.int32(), nullable=False),
    pa.field("end", pa.int32(), nullable=False),
    pa.field("text", pa.string(), nullable=False),
    pa.field("drug", pa.string()),
    pa.field("drug_inferred", pa.bool_(), nullable=False),
    pa.field("route", pa.string()),
    pa.field("value", pa.float64(), nullable=False),
    pa.field("value_max", pa.float64()),
    pa.field("unit", pa.string(), nullable=False),
    pa.field("unit_norm", pa.string()),
    pa.field("per_kg", pa.bool_(), nullable=False),
    pa.field("value_mg", pa.float64()),
    pa.field("value_mg_per_kg", pa.float64()),
    pa.field("frequency", pa.string()),
    pa.field("infusion_minutes", pa.float64()),
    pa.field("n_doses", pa.int32()),
    pa.field("course", pa.string()),
    pa.field("qualifier", pa.string()),
    pa.field("per_week", pa.float64()),
    pa.field("course_days", pa.float64()),
    pa.field("model_version", pa.string(), nullable=False),
])

STUDIES = pa.schema([
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("pmid", pa.string()),
    pa.field("version", pa.int32(), nullable=False),
    pa.field("study_drug", pa.string()),
    pa.field("drugs", pa.list_(pa.string())),
    pa.field("routes", pa.list_(pa.string())),
    pa.field("design", pa.string(), nullable=False),
    pa.field("study_type", pa.string(), nullable=False),
    pa.field("sample_size", pa.int64()),
    pa.field("populations", pa.list_(pa.string())),
    pa.field("depression", pa.bool_(), nullable=False),
    pa.field("adjunct", pa.bool_(), nullable=False),
    pa.field("retracted", pa.bool_(), nullable=False),
    pa.field("n_doses", pa.int32(), nullable=False),
    pa.field("model_version", pa.string(), nullable=False),
])

CLAIM_EVIDENCE = pa.schema([
    pa.field("evidence_id", pa.string(), nullable=False),
    pa.field("claim_id", pa.string(), nullable=False),
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("pmid", pa.string()),
    pa.field("version", pa.int32(), nullable=False),
    pa.field("sent_index", pa.int32(), nullable=False),
    pa.field("start", pa.int32(), nullable=False),
    pa.field("end", pa.int32(), nullable=False),
    pa.field("sentence", pa.string(), nullable=False),
    pa.field("section", pa.string()),
    pa.field("role", pa.string(), nullable=False),
    pa.field("stance", pa.string(), nullable=False),
    pa.field("confidence", pa.float64(), nullable=False),
    pa.field("cues", pa.string(), nullable=False),
    pa.field("timepoint_hours", pa.float64()),
    pa.field("outcome", pa.string()),
    pa.field("dose", pa.string()),
    pa.field("route", pa.string()),
    pa.field("design", pa.string(), nullable=False),
    pa.field("study_type", pa.string()),
    pa.field("sample_size", pa.int64()),
    pa.field("populations", pa.list_(pa.string())),
    pa.field("retracted", pa.bool_(), nullable=False),
    pa.field("method", pa.string(), nullable=False),
    pa.field("model_version", pa.string(), nullable=False),
    pa.field("catalogue_version", pa.string(), nullable=False),
    pa.field("review_status", pa.string()),
    pa.field("final_stance", pa.string()),
    pa.field("n_reviews", pa.int64()),
])

CLAIM_SUMMARY = pa.schema([
    pa.field("claim_id", pa.string(), nullable=False),
    pa.field("statement", pa.string(), nullable=False),
    pa.field("n_supporting", pa.int64(), nullable=False),
    pa.field("n_conflicting", pa.int64(), nullable=False),
    pa.field("n_mixed", pa.int64(), nullable=False),
    pa.field("supporting_pmids", pa.list_(pa.string())),
    pa.field("conflicting_pmids", pa.list_(pa.string())),
    pa.field("mixed_pmids", pa.list_(pa.string())),
    pa.field("retracted_pmids", pa.list_(pa.string())),
    pa.field("weighted_support", pa.float64(), nullable=False),
    pa.field("weighted_conflict", pa.float64(), nullable=False),
    pa.field("verdict", pa.string(), nullable=False),
    pa.field("verdict_rule", pa.string(), nullable=False),
    pa.field("verdict_reason", pa.string()),
    pa.field("catalogue_version", pa.string(), nullable=False),
    pa.field("method", pa.string(), nullable=False),
    pa.field("n_evidence", pa.int64()),
    pa.field("n_reviewed", pa.int64()),
])

CLAIM_DIFF = pa.schema([
    pa.field("run_id", pa.string(), nullable=False),
    pa.field("claim_id", pa.string(), nullable=False),
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("pmid", pa.string()),
    pa.field("change", pa.string(), nullable=False),
    pa.field("old_stance", pa.string()),
    pa.field("new_stance", pa.string()),
    pa.field("cause", pa.string()),
])

# review_decisions.parquet is written by the review app from its append-only log (not by a run): declared here
# with the others, outside SCHEMAS, which are the tables a run publishes.
REVIEW_DECISIONS = pa.schema([
    pa.field("decision_id", pa.int64(), nullable=False),
    pa.field("evidence_id", pa.string(), nullable=False),
    pa.field("claim_id", pa.string(), nullable=False),
    pa.field("reviewer", pa.string(), nullable=False),
    pa.field("decision", pa.string(), nullable=False),
    pa.field("new_stance", pa.string()),
    pa.field("note", pa.string()),
    pa.field("created_at", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("sentence_sha1", pa.string()),
    pa.field("model_stance", pa.string()),
    pa.field("doc_id", pa.string()),
    pa.field("undoes", pa.int64()),
])


SCHEMAS: dict[str, pa.Schema] = {"articles": ARTICLES, "rejects": REJECTS, "runs": RUNS, "entities": ENTITIES,
                                 "doses": DOSES, "studies": STUDIES, "claim_evidence": CLAIM_EVIDENCE,
                                 "claim_summary": CLAIM_SUMMARY, "claim_diff": CLAIM_DIFF}
# rejects: one row per record, stage and reason; a record without an id is known by its text (`reject_key`)
KEYS: dict[str, tuple[str, ...]] = {"articles": ("doc_id",), "rejects": ("doc_id", "stage", "reason"),
                                    "runs": ("run_id",), "entities": ("mention_id",), "doses": ("mention_id",),
                                    "studies": ("doc_id",),
                                    "claim_evidence": ("evidence_id",), "claim_summary": ("claim_id",),
                                    "claim_diff": ("run_id", "claim_id", "doc_id")}


def reject_key(row: dict) -> tuple[str, str, str]:
    """One quarantined record, however often or by whichever path it arrives: its id (or, without one, a hash of
    its text), the stage and the reason. The source stays the first one seen."""
    ident = row["doc_id"] or "#" + hashlib.sha1((row.get("snippet") or row["source"]).encode()).hexdigest()[:16]
    return ident, row["stage"], row["reason"]


class SchemaError(ValueError):
    """A table does not match its declared schema; it is not published."""


def to_table(name: str, rows: list[dict]) -> pa.Table:
    """Rows -> Arrow table of the declared schema; a missing column, wrong type or null key raises SchemaError."""
    schema = SCHEMAS[name]
    try:
        table = pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, KeyError, OverflowError, ValueError) as exc:
        raise SchemaError(f"{name}: rows do not fit the schema: {exc}") from exc
    validate(name, table)
    return table


def row_problems(name: str, rows: list[dict], key: str) -> dict[str, str]:
    """key -> why that row does not fit the table's schema, for the rows that do not: all rows are converted at
    once, and only when that fails one by one, so a single bad value quarantines its record instead of failing the
    whole publish, and the common case costs one conversion."""
    try:
        to_table(name, rows)
        return {}
    except SchemaError:
        pass
    out = {}
    for row in rows:
        try:
            to_table(name, [row])
        except SchemaError as exc:
            out[row[key]] = str(exc)[:300]
    return out


def validate(name: str, table: pa.Table) -> None:
    schema = SCHEMAS[name]
    if not table.schema.equals(schema, check_metadata=False):
        raise SchemaError(f"{name}: schema differs from the declared one:\n{table.schema}\nexpected:\n{schema}")
    for f in schema:
        if not f.nullable and table.column(f.name).null_count:
            raise SchemaError(f"{name}.{f.name}: {table.column(f.name).null_count} nulls in a non-null column")
    keys = KEYS[name]
    if name == "rejects":
        found = [reject_key(r) for r in table.to_pylist()]
        if len(set(found)) != len(found):
            raise SchemaError("rejects: a record, stage and reason quarantined twice")
    elif table.num_rows and len(keys) == 1:
        col = table.column(keys[0])
        if len(col.unique()) != table.num_rows:
            raise SchemaError(f"{name}: duplicate {keys[0]} values")
    elif table.num_rows and table.select(list(keys)).group_by(list(keys)).aggregate([]).num_rows != table.num_rows:
        raise SchemaError(f"{name}: duplicate ({', '.join(keys)}) rows")

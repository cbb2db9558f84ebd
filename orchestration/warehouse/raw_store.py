"""Raw DuckDB tables (schema ``raw``): one writer loads document extracts, per document."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Container, Iterable, Iterator

import duckdb

from ..extract.document import Extract
from . import changes

RAW_DDL = """
create schema if not exists raw;
create table if not exists raw.documents (
    document_id varchar primary key, source_file varchar, source_path varchar,
    sha256 varchar, file_size bigint, page_count integer, department_name varchar,
    fiscal_year integer, phase varchar, scope varchar, status varchar,
    status_reason varchar, extractor_version varchar, elapsed_seconds double,
    loaded_at timestamp default current_timestamp, extract_checksum varchar
);
alter table raw.documents add column if not exists document_kind varchar;
create table if not exists raw.tables (
    document_id varchar, table_id integer, table_type varchar, printed_number varchar,
    title varchar, amount_unit varchar, unit_source varchar,
    unit_multiplier decimal(18, 0), pages integer[], first_page integer, last_page integer,
    header_rows integer, column_count integer, row_count integer,
    primary key (document_id, table_id)
);
create table if not exists raw.columns (
    document_id varchar, table_id integer, column_index integer, column_path varchar,
    header_labels varchar[], role varchar,
    primary key (document_id, table_id, column_index)
);
create table if not exists raw.rows (
    document_id varchar, table_id integer, row_index integer, page integer,
    row_kind varchar, level integer, parent_row_index integer, code varchar, name varchar,
    unit_name varchar, project_name varchar, catalogue_code varchar, group_name varchar,
    year integer,
    label_text varchar, x0 double, top double, x1 double, bottom double,
    primary key (document_id, table_id, row_index)
);
create table if not exists raw.cells (
    document_id varchar, table_id integer, row_index integer, column_index integer,
    page integer, row_label varchar, raw_text varchar, value decimal(24, 6),
    is_percent boolean, unit_multiplier decimal(18, 0),
    x0 double, top double, x1 double, bottom double,
    primary key (document_id, table_id, row_index, column_index)
);
create table if not exists raw.narrative_figures (
    document_id varchar, key varchar, amount decimal(24, 6), page integer, context varchar,
    primary key (document_id, key)
);
create table if not exists raw.page_titles (
    document_id varchar, page integer, line_index integer, title varchar, table_type varchar,
    is_contents_page boolean, empty_note varchar,
    primary key (document_id, page, line_index)
);
create table if not exists raw.execution_notes (
    document_id varchar, note_index integer, class_name varchar, item_name varchar,
    subitem_name varchar, budget_wan decimal(24, 6), final_wan decimal(24, 6), page integer,
    primary key (document_id, note_index)
);
"""

CHILD_TABLES = (
    "tables",
    "columns",
    "rows",
    "cells",
    "narrative_figures",
    "page_titles",
    "execution_notes",
)
RAW_TABLES = ("documents", *CHILD_TABLES)  # every raw table, a document's own row first
_FRAMES = {
    "documents": "documents",
    "tables": "tables",
    "columns": "columns",
    "rows": "rows",
    "cells": "cells",
    "narrative_figures": "figures",
    "page_titles": "page_titles",
    "execution_notes": "execution_notes",
}


#: Columns added after the first release: a working database of an older build gains them.
_ADDED_COLUMNS = {"documents": {"extract_checksum": "varchar"}}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_DDL)
    changes.ensure_schema(con)  # the change log the incremental stages read
    for table, columns in _ADDED_COLUMNS.items():
        for name, kind in columns.items():
            con.execute(f"alter table raw.{table} add column if not exists {name} {kind}")


#: Each raw table's columns and their types, ``loaded_at`` (a default) left out.
RawColumns = dict[str, list[tuple[str, str]]]


def raw_columns(con: duckdb.DuckDBPyConnection) -> RawColumns:
    """The raw tables' columns as this database has them (one query for all tables)."""
    columns: RawColumns = {}
    for table, name, kind in con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' order by table_name, ordinal_position"
    ).fetchall():
        if name != "loaded_at":
            columns.setdefault(table, []).append((name, kind))
    return columns


_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], columns: list[tuple[str, str]]
) -> None:
    """Append rows through newline-delimited JSON read with the table's own column types.

    Amounts arrive as decimal strings and are cast by DuckDB, never through a float; keys a
    row lacks are NULL. (No pandas: its import alone cost a build about a second.)
    """
    if not rows:
        return
    fd, name = tempfile.mkstemp(prefix=f"raw_{table}_", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(map(_ENCODE, rows)))
        types = ", ".join(f"'{column}': '{kind}'" for column, kind in columns)
        names = ", ".join(f'"{column}"' for column, _ in columns)
        con.execute(
            f"insert into raw.{table} ({names}) select {names} from read_json(?, "
            f"format = 'newline_delimited', columns = {{{types}}})",
            [name],
        )
    finally:
        os.unlink(name)


def _records(extract: Extract) -> dict[str, list[dict]]:
    return {
        name: [extract.document] if name == "documents" else list(getattr(extract, attr))
        for name, attr in _FRAMES.items()
    }


def delete_documents(
    con: duckdb.DuckDBPyConnection, ids: Iterable[str], keep_only: set[str] | None = None
) -> None:
    """Delete the given documents' rows (and, with ``keep_only``, every document not in it)."""
    ids = sorted(set(ids))
    for table in RAW_TABLES:
        if ids:
            con.execute(f"delete from raw.{table} where list_contains(?, document_id)", [ids])
        if keep_only is not None:
            con.execute(
                f"delete from raw.{table} where not list_contains(?, document_id)",
                [sorted(keep_only)],
            )


class LoadFailed(Exception):
    """One document's rows could not be written; ``table`` and the cause say where and why."""

    def __init__(self, table: str, cause: Exception) -> None:
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        super().__init__(f"raw.{table}: {type(cause).__name__}: {first}".rstrip(": "))
        self.table = table


def _write(
    con: duckdb.DuckDBPyConnection,
    extracts: list[Extract],
    columns: RawColumns,
    replace: Container[str],
) -> None:
    """Replace the rows of ``extracts`` in one transaction (rows of the ids in ``replace``
    deleted first); on failure nothing is written and :class:`LoadFailed` says where."""
    records: dict[str, list[dict]] = {name: [] for name in _FRAMES}
    for extract in extracts:
        for name, rows in _records(extract).items():
            records[name].extend(rows)
    ids = [e.document["document_id"] for e in extracts if e.document["document_id"] in replace]
    con.execute("begin transaction")
    table = "documents"
    try:
        delete_documents(con, ids)
        for table, rows in records.items():
            _insert(con, table, rows, columns[table])
        con.execute("commit")
    except (duckdb.Error, ValueError, TypeError, KeyError) as exc:
        con.execute("rollback")
        raise LoadFailed(table, exc) from exc


def load_document(
    con: duckdb.DuckDBPyConnection,
    extract: Extract,
    columns: RawColumns | None = None,
    *,
    replace: bool = True,
) -> None:
    """Replace one document's rows in its own transaction; on failure nothing of it is written
    and :class:`LoadFailed` names the table and the cause.

    ``columns`` (from :func:`raw_columns`) spares a loader of many documents the catalogue
    query per table; ``replace=False`` skips deleting rows of a document known not to be there.
    """
    doc_id = extract.document["document_id"]
    _write(con, [extract], columns or raw_columns(con), {doc_id} if replace else ())


#: Rows (of every raw table) written per transaction by :func:`load_documents`: a commit per
#: document cost the load of 10³ documents most of its time; a batch's rows are in memory.
BATCH_ROWS = 50_000


def load_documents(
    con: duckdb.DuckDBPyConnection,
    extracts: Iterable[Extract],
    columns: RawColumns | None = None,
    *,
    replace: Container[str] = (),
) -> Iterator[tuple[Extract, LoadFailed]]:
    """Replace many documents' rows, a batch of documents per transaction (rows of the ids in
    ``replace`` deleted first), and yield each document that could not be written with why.

    A batch that fails is written again one document per transaction: a failing document
    leaves nothing of itself written, and every other document is loaded.
    """
    columns = columns or raw_columns(con)
    batch: list[Extract] = []
    size = 0
    for extract in extracts:
        batch.append(extract)
        size += sum(map(len, _records(extract).values()))
        if size >= BATCH_ROWS:
            yield from _load_batch(con, batch, columns, replace)
            batch, size = [], 0
    if batch:
        yield from _load_batch(con, batch, columns, replace)


def _load_batch(
    con: duckdb.DuckDBPyConnection,
    batch: list[Extract],
    columns: RawColumns,
    replace: Container[str],
) -> Iterator[tuple[Extract, LoadFailed]]:
    try:
        _write(con, batch, columns, replace)
        return
    except LoadFailed as exc:
        if len(batch) == 1:
            yield batch[0], exc
            return
    for extract in batch:
        try:
            _write(con, [extract], columns, replace)
        except LoadFailed as exc:
            yield extract, exc


def replace_documents(
    con: duckdb.DuckDBPyConnection, extracts: Iterable[Extract], keep_ids: set[str] | None = None
) -> dict[str, int]:
    """Replace the rows of the given documents (and drop documents not in ``keep_ids``).

    Runs in one transaction: a failure leaves the raw tables exactly as they were.
    """
    ensure_schema(con)
    extracts = list(extracts)
    records: dict[str, list[dict]] = {name: [] for name in _FRAMES}
    for extract in extracts:
        for name, rows in _records(extract).items():
            records[name].extend(rows)
    con.execute("begin transaction")
    try:
        delete_documents(con, [e.document["document_id"] for e in extracts], keep_ids)
        counts = {}
        columns = raw_columns(con)
        for table, rows in records.items():
            counts[table] = len(rows)
            _insert(con, table, rows, columns[table])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return counts

"""Raw tables on the lake, insert-only: every load appends rows under a new load id.

Two writers appending to a DuckLake table do not conflict, but a delete by one and an insert by
another do; so nothing is ever deleted or updated here. ``raw_loads.<table>`` holds every load
of every document (the embedded raw columns after a ``load_id``), ``raw_loads.loads`` one row per
document and load (``removed``: the document left the folder). The ``raw`` schema holds one view
per raw table with each document's latest load only — the same columns, in the same order, as
the embedded ``raw`` tables, so dbt's sources read the lake unchanged.
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ..extract.document import Extract
from ..warehouse import raw_store
from .connection import ALIAS

LOADS_DDL = f"""
create schema if not exists {ALIAS}.raw_loads;
create schema if not exists {ALIAS}.raw;
create table if not exists {ALIAS}.raw_loads.loads (
    load_id varchar, document_id varchar, loaded_at timestamp with time zone, removed boolean
);
"""

#: Each document's latest load (ties between loads of one instant broken by load id), if it is
#: not a removal. Unqualified names: a view resolves them in its own catalog, whatever it is.
CURRENT_LOADS = """
select document_id, load_id
from {catalog}raw_loads.loads
qualify row_number() over (
    partition by document_id order by loaded_at desc, load_id desc
) = 1 and not removed
"""


#: ``dbt build`` arguments for the lake: the ``lake`` target of ``dbt_project/profiles.yml``,
#: always a full build (the change log of incremental builds lives in the embedded working
#: database only). Environment: :meth:`LakeConfig.env`.
DBT_ARGS = ("--target", "lake", "--full-refresh")


@dataclass(frozen=True)
class LoadReceipt:
    """What one load appended: its id, the documents it loaded or removed, rows per table."""

    load_id: str
    documents: tuple[str, ...]
    removed: tuple[str, ...]
    rows: dict[str, int]


def new_load_id() -> str:
    return uuid.uuid4().hex


def ensure_lake_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the lake's raw tables and views from the embedded raw schema (idempotent).

    The embedded DDL is the one definition: each lake table takes its columns from an empty
    embedded table (written to Parquet by :func:`_staged`); a column the embedded schema gained
    is added. Any other relation of the embedded ``raw`` schema (the working database's change
    log, which incremental dbt models read) gets an empty stand-in view with its columns: dbt on
    the lake always builds in full (:data:`DBT_ARGS`).

    A lake that already has them all is not written to (builds appending at the same time would
    conflict over replacing the same views).
    """
    with _staged([]) as staged:
        if _schema_current(con, staged):
            return
        con.execute(LOADS_DDL)
        for table in raw_store.RAW_TABLES:
            parquet = staged.parquet[table]
            con.execute(
                f"create table if not exists {ALIAS}.raw_loads.{table} as "
                f"select ''::varchar as load_id, * from read_parquet(?) limit 0",
                [parquet],
            )
            present = {
                name
                for (name,) in con.execute(
                    "select column_name from duckdb_columns() "
                    "where database_name = ? and schema_name = 'raw_loads' and table_name = ?",
                    [ALIAS, table],
                ).fetchall()
            }
            for name, kind in staged.columns[table]:
                if name not in present:
                    con.execute(f'alter table {ALIAS}.raw_loads.{table} add column "{name}" {kind}')
            names = ", ".join(f'"{name}"' for name, _ in staged.columns[table])
            con.execute(
                f"create or replace view {ALIAS}.raw.{table} as "
                f"select {names} from raw_loads.{table} semi join "
                f"({CURRENT_LOADS.format(catalog='')}) as current_loads using (document_id, load_id)"
            )
        for relation, columns in staged.columns.items():
            if relation not in raw_store.RAW_TABLES:
                nulls = ", ".join(f'null::{kind} as "{name}"' for name, kind in columns)
                con.execute(
                    f"create or replace view {ALIAS}.raw.{relation} as select {nulls} where false"
                )


def _schema_current(con: duckdb.DuckDBPyConnection, staged: _Staged) -> bool:
    """Whether every lake table has the embedded columns and every view exactly them."""
    found: dict[tuple[str, str], list[str]] = {}
    for schema, relation, name in con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where database_name = ? and schema_name in ('raw', 'raw_loads') "
        "order by schema_name, table_name, column_index",
        [ALIAS],
    ).fetchall():
        found.setdefault((schema, relation), []).append(name)
    for relation, columns in staged.columns.items():
        names = [name for name, _ in columns]
        if found.get(("raw", relation)) != names:
            return False
        stored = found.get(("raw_loads", relation), [])
        if relation in raw_store.RAW_TABLES and not set(names) <= set(stored):
            return False
    return ("raw_loads", "loads") in found


@dataclass(frozen=True)
class _Staged:
    parquet: dict[str, str]  # raw table → Parquet file of its rows
    columns: dict[str, list[tuple[str, str]]]  # raw relation → embedded (name, type), in order


@contextlib.contextmanager
def _staged(extracts: list[Extract]) -> Iterator[_Staged]:
    """The extracts as the embedded loader writes them (same casts, same checks), in a private
    in-memory database, saved as one Parquet file per raw table in a temp folder."""
    with duckdb.connect() as staging:
        raw_store.replace_documents(staging, extracts)
        with _exported(staging) as staged:
            yield staged


@contextlib.contextmanager
def _exported(
    staging: duckdb.DuckDBPyConnection, documents: Iterable[str] | None = None
) -> Iterator[_Staged]:
    """The raw tables of an embedded database (``staging``), only the rows of ``documents``
    if given, saved as one Parquet file per raw table in a temp folder."""
    with tempfile.TemporaryDirectory(prefix="lake-load-") as folder:
        where = ""
        if documents is not None:
            staging.register("exported_documents", _ids_frame(documents))
            where = " where document_id in (select document_id from exported_documents)"
        parquet: dict[str, str] = {}
        for table in raw_store.RAW_TABLES:
            parquet[table] = str(Path(folder) / f"{table}.parquet")
            staging.execute(
                f"copy (select * from raw.{table}{where}) to '{parquet[table]}' (format parquet)"
            )
        if documents is not None:
            staging.unregister("exported_documents")
        columns: dict[str, list[tuple[str, str]]] = {}
        for relation, name, kind in staging.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_catalog = current_database() "
            "order by table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(relation, []).append((name, kind))
        yield _Staged(parquet=parquet, columns=columns)


def _ids_frame(documents: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame({"document_id": sorted(set(documents))}, dtype=object)


def append(
    con: duckdb.DuckDBPyConnection,
    extracts: Iterable[Extract],
    removed: Iterable[str] = (),
    load_id: str | None = None,
) -> LoadReceipt:
    """Append the extracts' rows (and removals of ``removed`` document ids) as one new load,
    in one transaction: all of the load or none of it."""
    extracts = list(extracts)
    documents = tuple(e.document["document_id"] for e in extracts)
    with _staged(extracts) as staged:
        return _append_staged(con, staged, documents, removed, load_id)


def append_loaded(
    con: duckdb.DuckDBPyConnection,
    staging: duckdb.DuckDBPyConnection,
    documents: Iterable[str],
    removed: Iterable[str] = (),
    load_id: str | None = None,
) -> LoadReceipt:
    """Append the rows of ``documents`` that the embedded loader wrote into the raw tables of
    ``staging`` (and removals of ``removed``) as one new load, in one transaction."""
    documents = tuple(sorted(set(documents)))
    with _exported(staging, documents) as staged:
        return _append_staged(con, staged, documents, removed, load_id)


def _append_staged(
    con: duckdb.DuckDBPyConnection,
    staged: _Staged,
    documents: tuple[str, ...],
    removed: Iterable[str],
    load_id: str | None,
) -> LoadReceipt:
    load_id = load_id or new_load_id()
    removed = tuple(sorted(set(removed) - set(documents)))
    rows = {}
    con.execute("begin transaction")
    try:
        con.execute(
            f"insert into {ALIAS}.raw_loads.loads select ?, unnest(?::varchar[]), now(), "
            "false union all select ?, unnest(?::varchar[]), now(), true",
            [load_id, list(documents), load_id, list(removed)],
        )
        for table in raw_store.RAW_TABLES:
            names = ", ".join(f'"{name}"' for name, _ in staged.columns[table])
            rows[table] = con.execute(
                f"insert into {ALIAS}.raw_loads.{table} (load_id, {names}) "
                f"select ?, {names} from read_parquet(?)",
                [load_id, staged.parquet[table]],
            ).fetchone()[0]
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return LoadReceipt(load_id=load_id, documents=documents, removed=removed, rows=rows)


def current_documents(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """``{document_id: load_id}`` of the documents the lake holds now."""
    return dict(con.execute(CURRENT_LOADS.format(catalog=f"{ALIAS}.")).fetchall())

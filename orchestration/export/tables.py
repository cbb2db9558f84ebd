"""Write every marts table and view to one file each, and describe its columns."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

FORMATS = ("parquet", "csv")
SCHEMA = "marts"


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str  # as DuckDB names it: DECIMAL(20,2), VARCHAR, …
    comment: str | None
    nullable: bool


@dataclass(frozen=True)
class Table:
    name: str
    comment: str | None
    columns: list[Column]
    rows: int
    path: str  # relative to the package folder
    bytes: int
    sha256: str


def marts_relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None]]:
    """(name, comment) of every table and view in ``marts``, by name."""
    return con.execute(
        "select table_name, comment from duckdb_tables() where schema_name = ? "
        "union all select view_name, comment from duckdb_views() where schema_name = ? "
        "order by 1",
        [SCHEMA, SCHEMA],
    ).fetchall()


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[Column]:
    rows = con.execute(
        "select column_name, data_type, comment, is_nullable from duckdb_columns() "
        "where schema_name = ? and table_name = ? order by column_index",
        [SCHEMA, table],
    ).fetchall()
    return [Column(name, kind, comment, nullable) for name, kind, comment, nullable in rows]


def _select(table: str, columns: list[Column], fmt: str) -> str:
    """The table as written: in CSV, timestamps in ISO 8601 (``T`` between date and time)."""
    parts = []
    for column in columns:
        quoted = f'"{column.name}"'
        if fmt == "csv" and column.data_type.startswith("TIMESTAMP"):
            parts.append(f"strftime({quoted}, '%Y-%m-%dT%H:%M:%S') as {quoted}")
        else:
            parts.append(quoted)
    return f'select {", ".join(parts)} from {SCHEMA}."{table}"'


def write_table(
    con: duckdb.DuckDBPyConnection, table: str, comment: str | None, folder: Path, fmt: str
) -> Table:
    """Write ``marts.<table>`` to ``folder/data/<table>.<fmt>``."""
    columns = columns_of(con, table)
    relative = f"data/{table}.{fmt}"
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    options = "format parquet, compression zstd" if fmt == "parquet" else "format csv, header"
    quoted = str(target).replace("'", "''")
    con.execute(f"copy ({_select(table, columns, fmt)}) to '{quoted}' ({options})")
    [(rows,)] = con.execute(f'select count(*) from {SCHEMA}."{table}"').fetchall()
    content = target.read_bytes()
    return Table(
        name=table,
        comment=comment,
        columns=columns,
        rows=rows,
        path=relative,
        bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )

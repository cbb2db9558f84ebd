"""Write every marts table and view to one file each, and describe its columns."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

FORMATS = ("parquet", "csv")
SCHEMA = "marts"
#: DuckDB type → (pandas_type, numpy_type) of pandas' Parquet metadata: the nullable pandas dtype
#: a reader through pandas (pyarrow's ``to_pandas``, so frictionless) restores, so that a null
#: stays a null instead of turning an integer column into floats or a null float into NaN.
PANDAS_NULLABLE = {
    "TINYINT": ("int8", "Int8"),
    "SMALLINT": ("int16", "Int16"),
    "INTEGER": ("int32", "Int32"),
    "BIGINT": ("int64", "Int64"),
    "UTINYINT": ("uint8", "UInt8"),
    "USMALLINT": ("uint16", "UInt16"),
    "UINTEGER": ("uint32", "UInt32"),
    "UBIGINT": ("uint64", "UInt64"),
    "FLOAT": ("float32", "Float32"),
    "DOUBLE": ("float64", "Float64"),
    "BOOLEAN": ("bool", "boolean"),
}


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


def pandas_metadata(columns: list[Column]) -> str:
    """pandas' ``pandas`` Parquet key-value metadata naming the nullable dtype of every column
    that has one (other columns keep pyarrow's default conversion)."""
    described = [
        {
            "name": column.name,
            "field_name": column.name,
            "pandas_type": PANDAS_NULLABLE[column.data_type][0],
            "numpy_type": PANDAS_NULLABLE[column.data_type][1],
            "metadata": None,
        }
        for column in columns
        if column.data_type in PANDAS_NULLABLE
    ]
    return json.dumps(
        {
            "index_columns": [],
            "column_indexes": [],
            "columns": described,
            "creator": {"library": "budget-warehouse"},
        }
    )


def _options(columns: list[Column], fmt: str) -> str:
    if fmt == "csv":
        return "format csv, header"
    metadata = pandas_metadata(columns).replace("'", "''")
    return f"format parquet, compression zstd, kv_metadata {{pandas: '{metadata}'}}"


def write_table(
    con: duckdb.DuckDBPyConnection, table: str, comment: str | None, folder: Path, fmt: str
) -> Table:
    """Write ``marts.<table>`` to ``folder/data/<table>.<fmt>``."""
    columns = columns_of(con, table)
    relative = f"data/{table}.{fmt}"
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    quoted = str(target).replace("'", "''")
    con.execute(f"copy ({_select(table, columns, fmt)}) to '{quoted}' ({_options(columns, fmt)})")
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

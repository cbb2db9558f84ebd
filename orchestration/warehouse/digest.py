"""A content digest per table of a warehouse schema: two builds compared table by table."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

import duckdb

#: Columns that record when and how fast a build ran, not what it built (two cold builds differ).
BUILD_TIME_COLUMNS = ("loaded_at", "validated_at", "extract_seconds", "elapsed_seconds")


def table_digests(
    database: Path, schema: str = "marts", ignore: Iterable[str] = ()
) -> dict[str, str]:
    """``{table: sha256}`` of every table and view of ``schema``: its column names and types and
    every row (sorted, values as DuckDB prints them, so DECIMALs exactly) minus ``ignore``."""
    ignored = set(ignore)
    digests = {}
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1",
            [schema],
        ).fetchall()
        for (table,) in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            kept = [(name, kind) for name, kind in columns if name not in ignored]
            digest = hashlib.sha256(repr(kept).encode())
            select = ", ".join(f'cast("{name}" as varchar)' for name, _ in kept)
            for row in con.execute(
                f'select {select} from {schema}."{table}" order by all'
            ).fetchall():
                digest.update(repr(row).encode())
            digests[table] = digest.hexdigest()
    return digests


#: Text of a report page that says when it was built, not what it shows.
REPORT_BUILD_TIME = re.compile(rb"built \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


def folder_digests(folder: Path, volatile: re.Pattern[bytes] = REPORT_BUILD_TIME) -> dict[str, str]:
    """``{relative path: sha256}`` of every file below ``folder`` (e.g. the HTML report), with
    the text ``volatile`` matches (the build time) left out."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(
            volatile.sub(b"", path.read_bytes())
        ).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }

"""``audit.validation_results``: its schema, derived from :class:`ValidationResult`, and its write.

The dataclass is the one schema definition: each field is a column, in field order, and the
column's DuckDB type follows from the field's annotation (``str`` → varchar, ``int`` → integer,
``Decimal`` → decimal(20, 2), a ``Literal`` → the type of its values). ``validated_at`` comes first.
"""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import fields
from decimal import Decimal

import duckdb
import pandas as pd

from .results import ValidationResult, ValidationRun

AUDIT_SCHEMA = "audit"
AUDIT_TABLE = "validation_results"

_SQL_TYPES: dict[type, str] = {
    str: "varchar",
    int: "integer",
    Decimal: "decimal(20, 2)",
    dt.datetime: "timestamp",
}


def _sql_type(annotation: object) -> str:
    """The DuckDB type of a field annotation; ``X | None`` is a nullable ``X``."""
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    if typing.get_origin(annotation) is typing.Literal:
        return _SQL_TYPES[type(args[0])]
    if args:
        return _sql_type(args[0])
    return _SQL_TYPES[typing.cast(type, annotation)]


_ANNOTATIONS = typing.get_type_hints(ValidationResult)
#: ``(column, DuckDB type)`` of ``audit.validation_results``, in table order.
AUDIT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("validated_at", "timestamp"),
    *((f.name, _sql_type(_ANNOTATIONS[f.name])) for f in fields(ValidationResult)),
)
_RESULT_COLUMNS = [name for name, _ in AUDIT_COLUMNS[1:]]
_DDL = (
    f"create schema if not exists {AUDIT_SCHEMA};\n"
    f"create or replace table {AUDIT_SCHEMA}.{AUDIT_TABLE} ("
    + ", ".join(f"{name} {type_}" for name, type_ in AUDIT_COLUMNS)
    + ");"
)
# The rows arrive as text (exact amounts) and are cast to the column types on insert.
_INSERT = (
    f"insert into {AUDIT_SCHEMA}.{AUDIT_TABLE} select "
    + ", ".join(
        f"cast(? as {type_})" if name == "validated_at" else f'cast("{name}" as {type_})'
        for name, type_ in AUDIT_COLUMNS
    )
    + " from validation_rows"
)


def write_validation_results(con: duckdb.DuckDBPyConnection, run: ValidationRun) -> int:
    """Replace ``audit.validation_results`` with ``run``'s rows (one transaction); row count."""
    frame = pd.DataFrame(  # getattr, not dataclasses.astuple: no deep copy of 5,000 rows
        [
            [None if (v := getattr(r, name)) is None else str(v) for name in _RESULT_COLUMNS]
            for r in run.results
        ],
        columns=_RESULT_COLUMNS,
        dtype=object,
    )
    con.execute("begin transaction")
    try:
        con.execute(_DDL)
        if len(frame):
            con.register("validation_rows", frame)
            con.execute(_INSERT, [run.validated_at])
            con.unregister("validation_rows")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(frame)

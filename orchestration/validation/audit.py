"""``audit.validation_results``: its schema, derived from :class:`ValidationResult`, and its write.

The dataclass is the one schema definition: each field is a column, in field order, and the
column's DuckDB type follows from the field's annotation (``str`` → varchar, ``int`` → integer,
``Decimal`` → decimal(20, 2), a ``Literal`` → the type of its values). ``validated_at`` comes first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import typing
from collections.abc import Iterable, Iterator
from dataclasses import fields
from decimal import Decimal

import duckdb
import pandas as pd

from .results import (
    KEPT_LISTED,
    LISTED_ORDER,
    NO_FILE,
    EvaluationTable,
    KeptAudit,
    ValidationResult,
    ValidationRun,
)
from .scope import ValidationScope, document_key, register_documents, write_fingerprints

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
_TABLE = f"{AUDIT_SCHEMA}.{AUDIT_TABLE}"
_DDL = (
    f"create schema if not exists {AUDIT_SCHEMA};\n"
    f"create or replace table {_TABLE} ("
    + ", ".join(f"{name} {type_}" for name, type_ in AUDIT_COLUMNS)
    + ");"
)
#: The order of a check's first failures: by place in the document, never by write order (which
#: incremental writes do not keep), so the failure that heads a check is the same in every build.
_LISTED_ORDER = ", ".join(LISTED_ORDER)
#: Rows a run replaces: of its replaced documents, and every row of a corpus-level suite.
_REPLACED = (
    f"{document_key()} in (select document_key from replaced_documents) "
    "or suite in (select suite from corpus_suites)"
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


#: The GE expectation that enforces each status of an evaluation, and the severity of an
#: evaluation whose row names none.
_EXPECTATION_OF_STATUS = {
    "error": "expect_column_values_to_not_be_in_set",
    "warn": "expect_column_values_to_not_be_in_set",
}
_SEVERITY_OF_STATUS = {"error": "error", "warn": "warning"}
#: The relation of the documents validated now, in the connection that selects evaluations.
VALIDATED = "validated_documents"


def _case(column: str, mapping: Iterable[tuple[str, str]], default: str) -> str:
    whens = " ".join(f"when {_literal(key)} then {_literal(value)}" for key, value in mapping)
    return f"case {column} {whens} else {_literal(default)} end" if whens else _literal(default)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def asset_of(table: EvaluationTable) -> str:
    """SQL: the asset (table name in the table's schema) an evaluation row reports on."""
    return _case(f'"{table.split_column}"', table.assets, table.default_asset)


def evaluation_rows(table: EvaluationTable, validated: bool) -> str:
    """SQL selecting the audit rows (columns of :class:`ValidationResult`, in order and typed)
    of an evaluation table: one row per evaluation, its status computed by the dbt models, the
    expectation that enforces it and the asset it reports on from its split column. With
    ``validated``, of the documents in relation :data:`VALIDATED` only (when the table is
    validated per document)."""
    status = 'cast("status" as varchar)'
    columns = {
        "suite": _literal(table.suite),
        "asset": f"{_literal(table.schema + '.')} || {asset_of(table)}",
        "expectation": _case(
            status, _EXPECTATION_OF_STATUS.items(), "expect_column_values_to_be_in_set"
        ),
        "severity": _case(status, _SEVERITY_OF_STATUS.items(), "info"),
        "evaluation_id": f'"{table.id_column}"',
    }
    if "severity" in table.columns:  # the row's own, unless empty
        columns["severity"] = (
            f"coalesce(nullif(cast(\"severity\" as varchar), ''), {columns['severity']})"
        )
    select = []
    for name, type_ in AUDIT_COLUMNS[1:]:
        value = columns.get(name, f'"{name}"' if name in table.columns else "null")
        select.append(f"cast({value} as {type_}) as {name}")
    where = (
        f" where {document_key()} in (select document_key from {VALIDATED})"
        if validated and table.per_document
        else ""
    )
    return f'select {", ".join(select)} from "{table.schema}"."{table.table}"{where}'


def list_evaluations(
    con: duckdb.DuckDBPyConnection, table: EvaluationTable, validated: bool
) -> tuple[list[ValidationResult], dict[tuple[str, str, str], int], dict[tuple[str, str], int]]:
    """An evaluation table's first failures per asset and status (:data:`KEPT_LISTED`, in
    document order), its rows per ``(suite, asset, status)`` and per ``(source file,
    status)`` — what a run holds of it."""
    rows = evaluation_rows(table, validated)
    listed = _first_failures(con, f"from ({rows}) where true", "asset, status", _LISTED_ORDER)
    counts = {
        (suite, asset, status): n
        for suite, asset, status, n in con.execute(
            f"select suite, asset, status, count(*) from ({rows}) group by all"
        ).fetchall()
    }
    per_file = {
        (source_file, status): n
        for source_file, status, n in con.execute(
            f"select coalesce(source_file, {_literal(NO_FILE)}), status, count(*) "
            f"from ({rows}) group by all"
        ).fetchall()
    }
    return listed, counts, per_file


def run_results(con: duckdb.DuckDBPyConnection, run: ValidationRun) -> list[ValidationResult]:
    """Every row ``run`` writes, as objects: those it holds and its evaluation tables' (read from
    ``con``, the database it validated, as the audit write selects them). For tests and small
    warehouses: a run of 10⁴ documents has ~4×10⁶."""
    changed = None if run.scope is None else run.scope.changed
    if changed is not None:
        register_documents(con, VALIDATED, changed)
    try:
        rows = [
            row
            for table in run.evaluated
            for row in con.execute(evaluation_rows(table, changed is not None)).fetchall()
        ]
    finally:
        if changed is not None:
            con.unregister(VALIDATED)
    evaluations = [ValidationResult(**dict(zip(_RESULT_COLUMNS, row, strict=True))) for row in rows]
    return [*run.results, *evaluations]


def write_validation_results(con: duckdb.DuckDBPyConnection, run: ValidationRun) -> int:
    """Write ``run``'s rows to ``audit.validation_results`` (one transaction): the whole table,
    or, for a run over the changed documents, the rows of the documents it replaces. Returns
    the table's row count. The rows of the evaluation tables are selected from the working
    database in SQL (the state the run validated)."""
    frame = pd.DataFrame(  # getattr, not dataclasses.astuple: no deep copy of 5,000 rows
        [
            [None if (v := getattr(r, name)) is None else str(v) for name in _RESULT_COLUMNS]
            for r in run.results
        ],
        columns=_RESULT_COLUMNS,
        dtype=object,
    )
    scope = run.scope
    replaced = None if scope is None else scope.replaced
    con.execute("begin transaction")
    try:
        if replaced is None:
            con.execute(_DDL)
        else:
            with _replaced(con, replaced, scope.corpus_suites):
                con.execute(f"delete from {_TABLE} where {_REPLACED}")
        if len(frame):
            con.register("validation_rows", frame)
            con.execute(_INSERT, [run.validated_at])
            con.unregister("validation_rows")
        _insert_evaluations(con, run)
        if scope is not None:
            write_fingerprints(con, scope)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    (rows,) = con.execute(f"select count(*) from {_TABLE}").fetchone() or (0,)
    return int(rows)


def _insert_evaluations(con: duckdb.DuckDBPyConnection, run: ValidationRun) -> None:
    """The audit rows of ``run``'s evaluation tables, selected from the tables."""
    changed = None if run.scope is None else run.scope.changed
    if changed is not None:
        register_documents(con, VALIDATED, changed)
    try:
        for table in run.evaluated:
            con.execute(
                f"insert into {_TABLE} select cast(? as timestamp), * from "
                f"({evaluation_rows(table, changed is not None)})",
                [run.validated_at],
            )
    finally:
        if changed is not None:
            con.unregister(VALIDATED)


@contextlib.contextmanager
def _replaced(
    con: duckdb.DuckDBPyConnection, documents: frozenset[str], corpus_suites: Iterable[str]
) -> Iterator[None]:
    """The relations ``_REPLACED`` reads, registered for the block."""
    register_documents(con, "replaced_documents", documents)
    con.register("corpus_suites", pd.DataFrame({"suite": sorted(corpus_suites)}, dtype=object))
    try:
        yield
    finally:
        con.unregister("replaced_documents")
        con.unregister("corpus_suites")


def read_kept(con: duckdb.DuckDBPyConnection, scope: ValidationScope) -> KeptAudit:
    """The audit rows a run over ``scope`` keeps: their counts and the first failures of each
    suite, asset and status (:data:`~.results.KEPT_LISTED`)."""
    if scope.replaced is None:
        return KeptAudit()
    kept = f"from {_TABLE} where not ({_REPLACED})"
    with _replaced(con, scope.replaced, scope.corpus_suites):
        counts = {
            (suite, asset, status): rows
            for suite, asset, status, rows in con.execute(
                f"select suite, asset, status, count(*) {kept} group by all"
            ).fetchall()
        }
        failures = _first_failures(con, kept, "suite, asset, status", _LISTED_ORDER)
    return KeptAudit(failures, counts)


def _first_failures(
    con: duckdb.DuckDBPyConnection, rows: str, partition: str, order: str
) -> list[ValidationResult]:
    """The first :data:`KEPT_LISTED` rows that did not pass of each ``partition``, in ``order``
    (``rows``: SQL ``from … where …``)."""
    columns = ", ".join(_RESULT_COLUMNS)
    cursor = con.execute(
        f"select {columns} from (select *, row_number() over (partition by {partition} "
        f"order by {order}) as listed {rows} and status <> 'pass') "
        f"where listed <= ? order by {partition}, listed",
        [KEPT_LISTED],
    )
    return [
        ValidationResult(**dict(zip(_RESULT_COLUMNS, row, strict=True)))
        for row in cursor.fetchall()
    ]

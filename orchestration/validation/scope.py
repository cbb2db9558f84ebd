"""Which documents a validation must validate now: those whose validated rows changed.

A per-document suite's findings on a document are a function of that document's rows in the
tables the suite reads, its ``source_file`` and the suites and code that validate them — nothing
else. So each document gets a *fingerprint*: the sum of DuckDB's ``hash`` of every such row
(order-free, duplicates counted; columns that record when a build ran left out) with a digest of ``expectations/*.json``, the modules of this
package and the Great Expectations and DuckDB versions. ``audit.validation_fingerprints`` keeps
the fingerprints the audit rows were computed from; a document whose fingerprint is new or
different is validated again, a document that has none any more has its audit rows removed, and
every other document keeps its rows. A missing state (a new or rebuilt working database) or a
change log without validation's cursor (``budget-warehouse build --full`` and a full dbt
rebuild drop every cursor) validates everything.

The fingerprints come from the validated rows themselves, not from the loader's list of replaced
files, so a document whose rows changed for another reason (its paired narrative or tables file
changed, a dbt model changed) is validated again too.

Reading every validated row of a warehouse of 10⁴ documents to find the one that changed costs
seconds, so where the build keeps a change log only the documents *pending* for validation
(changed or related to a change since its cursor, ``raw.pending_documents``) and rows without
a document are read and hashed; every other document keeps its stored fingerprint. That is
exact because the validated tables are dbt models incremental by document: an incremental
build rewrites the rows of dbt's pending documents only, and validation's cursor never passes
dbt's (a change dbt has not processed stays pending for validation), while a full dbt rebuild
drops validation's cursor, which validates everything.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .suites import SuiteDefinition

AUDIT_SCHEMA = "audit"
FINGERPRINT_TABLE = "validation_fingerprints"
#: Validation's cursor in the build's change log (advanced by the validation asset).
CHANGE_CONSUMER = "validation"
#: dbt's cursor in the change log (``warehouse.changes.DBT_CONSUMER``; a test keeps them equal —
#: this package does not import ``warehouse``, which reads validation results).
MARTS_CONSUMER = "dbt"
#: A document's key in the fingerprints and in SQL filters (rows without a document get one too).
NO_DOCUMENT = ""
_PACKAGE = Path(__file__).resolve().parent
#: The relation of documents whose fingerprints are computed (``current_fingerprints``).
_FINGERPRINTED = "fingerprinted_documents"
#: A document's ``source_file`` is part of its fingerprint.
_FROM_DOCUMENTS = "from marts.dim_document"
#: Columns that say when a build ran, not what it built (no suite reads them).
_BUILD_TIME_COLUMNS = {"loaded_at", "validated_at", "extract_seconds"}


@dataclass(frozen=True)
class ValidationScope:
    """The documents to validate now (``None``: all of them) and those removed since."""

    fingerprints: dict[str, str]  # every document's current fingerprint
    changed: frozenset[str] | None = None
    removed: frozenset[str] = frozenset()
    corpus_suites: tuple[str, ...] = ()  # suites validated on every row, whatever changed

    @property
    def replaced(self) -> frozenset[str] | None:
        """Documents whose audit rows this validation replaces; ``None``: the whole table."""
        return None if self.changed is None else self.changed | self.removed

    def validates(self, document_id: str) -> bool:
        return self.changed is None or document_id in self.changed


def code_digest(suites: Sequence[SuiteDefinition]) -> str:
    """What validates: the suite files, this package's modules, GE's and DuckDB's versions."""
    digest = hashlib.sha256()
    for path in [*(s.path for s in suites), *sorted(_PACKAGE.glob("*.py"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for package in ("great_expectations", "duckdb"):
        digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
    return digest.hexdigest()[:16]


def document_key(column: str = "document_id") -> str:
    """SQL for a row's document key (``NO_DOCUMENT`` for a row without one)."""
    return f"coalesce(cast(\"{column}\" as varchar), '{NO_DOCUMENT}')"


def current_fingerprints(
    con: duckdb.DuckDBPyConnection,
    tables: Iterable[tuple[str, str]],
    code: str,
    documents: Collection[str] | None = None,
) -> dict[str, str]:
    """``{document: fingerprint}`` over the rows of ``tables`` (``(schema, table)``; columns that
    record when a build ran left out) and the document's ``source_file`` — of every document, or
    of ``documents`` only (their rows alone are read and hashed)."""
    parts = [
        f"select {document_key()} as document_key, hash(source_file) as row_hash " + _FROM_DOCUMENTS
    ]
    for schema, table in tables:
        columns = [
            f'"{name}"'
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            if name not in _BUILD_TIME_COLUMNS
        ]
        parts.append(
            f"select {document_key()} as document_key, hash({', '.join(columns)}) as row_hash "
            f'from "{schema}"."{table}"'
        )
    where = ""
    if documents is not None:
        register_documents(con, _FINGERPRINTED, documents)
        where = f" where {document_key()} in (select document_key from {_FINGERPRINTED})"
    sql = (
        "select document_key, count(*), sum(row_hash::hugeint) from ("
        + " union all ".join(f"{part}{where}" for part in parts)
        + ") group by document_key"
    )
    try:
        found = con.execute(sql).fetchall()
    finally:
        if documents is not None:
            con.unregister(_FINGERPRINTED)
    return {key: f"{code}:{rows}:{total}" for key, rows, total in found}


def current_documents(
    con: duckdb.DuckDBPyConnection, tables: Iterable[tuple[str, str]]
) -> frozenset[str]:
    """Every document key :func:`current_fingerprints` would return (one column read per table)."""
    parts = [f"select distinct {document_key()} as document_key " + _FROM_DOCUMENTS]
    parts += [
        f'select distinct {document_key()} from "{schema}"."{table}"' for schema, table in tables
    ]
    return frozenset(row[0] for row in con.execute(" union ".join(parts)).fetchall())


def stored_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
    """The fingerprints the audit rows were computed from; None when there are none."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? "
        "and table_name in (?, 'validation_results')",
        [AUDIT_SCHEMA, FINGERPRINT_TABLE],
    ).fetchone()
    if not found or found[0] < 2:
        return None
    return dict(
        con.execute(
            f"select document_key, fingerprint from {AUDIT_SCHEMA}.{FINGERPRINT_TABLE}"
        ).fetchall()
    )


def plan_scope(
    con: duckdb.DuckDBPyConnection, suites: Sequence[SuiteDefinition], full: bool = False
) -> ValidationScope:
    """Compare the current fingerprints with the stored ones: what to validate, what to drop.

    Everything is validated when ``full``, when nothing is stored or the suites or code
    changed."""
    available: dict[str, list[str]] = {}
    for schema, table in con.execute(
        "select table_schema, table_name from information_schema.tables"
    ).fetchall():
        available.setdefault(schema, []).append(table)
    tables = [
        (suite.target.schema, table)
        for suite in suites
        if suite.target.scope == "document"
        for table in suite.target.tables(available.get(suite.target.schema, []))
    ]
    code = code_digest(suites)
    corpus = tuple(s.name for s in suites if s.target.scope == "corpus")
    stored = None if full or _cursor_dropped(con) else stored_fingerprints(con)
    if stored is None or any(not value.startswith(f"{code}:") for value in stored.values()):
        return ValidationScope(current_fingerprints(con, tables, code), corpus_suites=corpus)
    pending = _pending(con)
    if pending is None:  # no change log: every document's rows are read
        current = current_fingerprints(con, tables, code)
    else:  # the others' rows are as their stored fingerprints say (see the module's docstring)
        documents = current_documents(con, tables)
        read = (documents & (pending | {NO_DOCUMENT})) | (documents - stored.keys())
        current = {key: stored[key] for key in documents - read}
        current.update(current_fingerprints(con, tables, code, read))
    changed = frozenset(key for key, value in current.items() if stored.get(key) != value)
    return ValidationScope(current, changed, frozenset(stored.keys() - current.keys()), corpus)


def _pending(con: duckdb.DuckDBPyConnection) -> frozenset[str] | None:
    """The documents changed or related to a change since validation's cursor
    (``raw.pending_documents``, :mod:`orchestration.warehouse.changes`); None without a log, or
    when dbt does not build the marts from it (no cursor of dbt's: a plain ``dbt build``)."""
    if not _has_cursor(con, MARTS_CONSUMER):
        return None
    rows = con.execute(
        "select document_id from raw.pending_documents where consumer = ?", [CHANGE_CONSUMER]
    ).fetchall()
    return frozenset(row[0] for row in rows)


def _cursor_dropped(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the build keeps a change log (``raw.change_cursors``, see
    :mod:`orchestration.warehouse.changes`) without a cursor of validation: ``--full`` and a full
    dbt rebuild drop every cursor, and the validation asset sets it after writing the audit."""
    return _has_cursor(con, CHANGE_CONSUMER) is False


def _has_cursor(con: duckdb.DuckDBPyConnection, consumer: str) -> bool | None:
    """Whether ``consumer`` has a cursor in the build's change log; None without a log."""
    logged = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw' "
        "and table_name = 'change_cursors'"
    ).fetchone()
    if not logged or not logged[0]:
        return None
    cursor = con.execute(
        "select count(*) from raw.change_cursors where consumer = ?", [consumer]
    ).fetchone()
    return bool(cursor and cursor[0])


def register_documents(con: duckdb.DuckDBPyConnection, name: str, documents: Iterable[str]) -> None:
    """Make ``documents`` a one-column relation ``name(document_key)`` for SQL filters."""
    import pandas as pd  # not at import: the CLI's up-to-date path imports this module

    con.register(name, pd.DataFrame({"document_key": sorted(documents)}, dtype=object))


def write_fingerprints(con: duckdb.DuckDBPyConnection, scope: ValidationScope) -> None:
    """Record the fingerprints of the validated documents (inside the audit write's
    transaction)."""
    table = f"{AUDIT_SCHEMA}.{FINGERPRINT_TABLE}"
    if scope.replaced is None:
        con.execute(f"create or replace table {table} (document_key varchar, fingerprint varchar)")
        con.execute(
            f"comment on table {table} is 'Per document: a fingerprint of the rows its "
            "audit.validation_results rows were computed from (orchestration/validation/scope.py)'"
        )
    else:
        register_documents(con, "replaced_documents", scope.replaced)
        con.execute(
            f"delete from {table} where document_key in "
            "(select document_key from replaced_documents)"
        )
        con.unregister("replaced_documents")
    validated = [(k, v) for k, v in scope.fingerprints.items() if scope.validates(k)]
    if validated:
        import pandas as pd

        frame = pd.DataFrame(validated, columns=["document_key", "fingerprint"], dtype=object)
        con.register("validated_fingerprints", frame)
        con.execute(f"insert into {table} select * from validated_fingerprints")
        con.unregister("validated_fingerprints")

"""Documents that break a warehouse key are rejected, not the build.

After ``dbt build``, every failed error-severity test on a model with a ``document_id`` column is
traced back to the documents whose rows fail it: the rows the test's own SQL returns when they
carry ``document_id`` (the project's ``column_rules`` test returns the model's rows, with the rules
each breaks in ``failing_rules``), otherwise the model's rows whose tested column holds a failing
value (``not_null``: is null). Those documents are marked rejected in ``raw.documents`` with the
test and the broken rules named, their rows removed, and dbt runs again without them. Whatever the next bug is, one odd
document costs itself, not the crawl; it is retried on the next build (its load is not cached).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from . import changes
from .raw_store import CHILD_TABLES


def failed_tests(run_results: dict[str, Any]) -> list[dict[str, Any]]:
    """Error-severity test results that failed (dbt status ``fail`` or ``error``)."""
    return [
        result
        for result in run_results.get("results", [])
        if result["unique_id"].startswith("test.") and result.get("status") in {"fail", "error"}
    ]


def offending_documents(
    con: duckdb.DuckDBPyConnection, run_results: dict[str, Any], manifest: dict[str, Any]
) -> dict[str, str]:
    """{document_id: reason} for the documents whose rows fail an error-severity test."""
    found: dict[str, str] = {}
    for result in failed_tests(run_results):
        test = manifest["nodes"].get(result["unique_id"], {})
        model = manifest["nodes"].get(test.get("attached_node") or "", {})
        relation = model.get("relation_name")
        if not relation or not _has_column(con, relation, "document_id"):
            continue
        try:
            documents = _documents_failing(con, test, relation, result.get("compiled_code") or "")
        except duckdb.Error:
            continue
        kind = (test.get("test_metadata") or {}).get("name") or test.get("name", "test")
        column = test.get("column_name")
        where = f"{model.get('name')}.{column}" if column else model.get("name")
        for document, rules in documents.items():
            found.setdefault(
                document,
                f"breaks a warehouse key: dbt test {kind}({where}{': ' + rules if rules else ''}) "
                f"fails on its rows ({result.get('failures') or '?'} failing); retried on the next build",
            )
    return found


def _has_column(con: duckdb.DuckDBPyConnection, relation: str, column: str) -> bool:
    try:
        names = [c[0] for c in con.execute(f"select * from {relation} limit 0").description]
    except duckdb.Error:
        return False
    return column in names


def _documents_failing(
    con: duckdb.DuckDBPyConnection, test: dict[str, Any], relation: str, compiled: str
) -> dict[str, str]:
    """{document_id: the rules its rows break, where the failing rows name them, else ''}."""
    column = test.get("column_name")
    if (test.get("test_metadata") or {}).get("name") == "not_null" and column:
        sql = f"select distinct document_id from {relation} where {column} is null"
        return {row[0]: "" for row in con.execute(sql).fetchall() if row[0]}
    if not compiled.strip():
        return {}
    cursor = con.execute(compiled)
    names = [c[0] for c in cursor.description]
    rows = cursor.fetchall()
    if "document_id" in names:
        index = names.index("document_id")
        named = names.index("failing_rules") if "failing_rules" in names else None
        broken: dict[str, set[str]] = {}
        for row in rows:
            if row[index]:
                rules = broken.setdefault(row[index], set())
                if named is not None and row[named]:
                    rules.update(row[named].split(", "))
        return {document: ", ".join(sorted(rules)) for document, rules in broken.items()}
    if not column or not rows:
        return {}
    values = sorted({str(row[0]) for row in rows if row[0] is not None})
    sql = (
        f"select distinct document_id from {relation} "
        f"where cast({column} as varchar) in (select unnest(?::varchar[]))"
    )
    return {row[0]: "" for row in con.execute(sql, [values]).fetchall() if row[0]}


def reject_documents(con: duckdb.DuckDBPyConnection, reasons: dict[str, str]) -> None:
    """Mark documents rejected with their reason and delete their rows (one transaction)."""
    ids = sorted(reasons)
    changes.record(con, dict.fromkeys(ids, changes.REJECTED))  # incremental stages redo them
    con.execute("begin transaction")
    try:
        for table in CHILD_TABLES:
            con.execute(f"delete from raw.{table} where list_contains(?, document_id)", [ids])
        con.executemany(
            "update raw.documents set status = 'rejected', status_reason = ?, "
            "extract_checksum = null where document_id = ?",
            [[reason, document] for document, reason in reasons.items()],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def describe(reasons: dict[str, str], names: Iterable[tuple[str, str]]) -> list[str]:
    """One line per rejected document, by file name where known."""
    by_id = dict(names)
    return [f"{by_id.get(doc, doc)}: {reason}" for doc, reason in sorted(reasons.items())]


def reject_key_breakers(
    database: Path, run_results: dict[str, Any], manifest: dict[str, Any]
) -> list[str]:
    """Reject the documents behind failed key tests (see module doc); one line per document."""
    if not failed_tests(run_results):
        return []
    with duckdb.connect(str(database)) as con:
        reasons = offending_documents(con, run_results, manifest)
        if not reasons:
            return []
        names = con.execute(
            "select document_id, source_path from raw.documents where list_contains(?, document_id)",
            [sorted(reasons)],
        ).fetchall()
        reject_documents(con, reasons)
    return describe(reasons, names)

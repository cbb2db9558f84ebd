"""A validation over the changed documents counts the kept audit rows in SQL and reads only the
first failures of each suite, asset and status (what the checks list), never all of them."""

from __future__ import annotations

import datetime as dt

import duckdb

from orchestration.validation.audit import AUDIT_COLUMNS, read_kept
from orchestration.validation.results import KEPT_LISTED, ValidationResult, ValidationRun
from orchestration.validation.scope import ValidationScope

ASSET = "marts.fct_procurement"


def _audit(failures: int) -> duckdb.DuckDBPyConnection:
    """An audit table: document k1 with ``failures`` warnings, 2 errors and 3 passes; k2 (the
    changed document) with one error."""
    con = duckdb.connect()
    con.execute("create schema audit")
    columns = ", ".join(f"{name} {type_}" for name, type_ in AUDIT_COLUMNS)
    con.execute(f"create table audit.validation_results ({columns})")
    rows = [("k1", "warn", f"w{i:03d}", i) for i in range(failures)]
    rows += [("k1", "error", f"e{i}", i) for i in range(2)]
    rows += [("k1", "pass", f"p{i}", i) for i in range(3)]
    rows += [("k2", "error", "x", 1)]
    for document, status, evaluation, page in rows:
        con.execute(
            "insert into audit.validation_results (validated_at, suite, asset, rule, status, "
            "document_id, source_file, source_page, evaluation_id) values (?, 'reconciliation', "
            "?, 'rule', ?, ?, ?, ?, ?)",
            [
                dt.datetime(2026, 12, 7),
                ASSET,
                status,
                document,
                f"{document}.pdf",
                page,
                evaluation,
            ],
        )
    return con


def test_kept_rows_are_counted_and_only_the_first_failures_read() -> None:
    con = _audit(KEPT_LISTED + 30)
    scope = ValidationScope({"k1": "f1", "k2": "f2"}, frozenset({"k2"}))
    kept = read_kept(con, scope)
    assert kept.counts == {
        ("reconciliation", ASSET, "warn"): KEPT_LISTED + 30,
        ("reconciliation", ASSET, "error"): 2,
        ("reconciliation", ASSET, "pass"): 3,
    }
    warnings = [r.evaluation_id for r in kept.failures if r.status == "warn"]
    assert warnings == [f"w{i:03d}" for i in range(KEPT_LISTED)]  # by page: the first ones
    assert [r.evaluation_id for r in kept.failures if r.status == "error"] == ["e0", "e1"]
    assert all(r.document_id == "k1" for r in kept.failures)  # k2 is validated again

    run = ValidationRun([], [], dt.datetime(2026, 12, 7), scope=scope, kept=kept)
    assert (
        run.count("warn") == KEPT_LISTED + 30 and run.count("error", "reconciliation", ASSET) == 2
    )
    assert run.count("error", "reconciliation", "marts.fct_budget_revenue") == 0
    assert run.evaluations == KEPT_LISTED + 35
    assert run.passed is False  # a kept error


def test_a_check_lists_its_failures_in_document_order_whatever_was_validated_now() -> None:
    """The failure heading a check is the same in a full and an incremental build: the run's own
    (the changed document, k2) and the kept ones (k1) are listed by file and page, not by which
    were validated now."""
    con = _audit(2)
    scope = ValidationScope({"k1": "f1", "k2": "f2"}, frozenset({"k2"}))
    kept = read_kept(con, scope)
    columns = [name for name, _ in AUDIT_COLUMNS[1:]]
    (row,) = con.execute(
        f"select {', '.join(columns)} from audit.validation_results where document_id = 'k2'"
    ).fetchall()
    now = ValidationResult(**dict(zip(columns, row, strict=True)))
    run = ValidationRun([], [], dt.datetime(2026, 12, 7), scope=scope, kept=kept, listed=[now])
    _, results, _ = run.for_asset("reconciliation", ASSET)
    assert [r.evaluation_id for r in results] == ["e0", "w000", "e1", "w001", "x"]

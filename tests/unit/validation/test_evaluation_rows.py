"""An evaluation table's audit rows are selected in SQL: its status decides the expectation and
(when the row names none) the severity, its split column the asset; a run holds only counts and
the first failures of each asset and status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb

from orchestration.validation.audit import (
    AUDIT_COLUMNS,
    VALIDATED,
    evaluation_rows,
    list_evaluations,
    run_results,
    write_validation_results,
)
from orchestration.validation.results import KEPT_LISTED, EvaluationTable, ValidationRun
from orchestration.validation.scope import ValidationScope, register_documents

TABLE = EvaluationTable(
    suite="reconciliation",
    schema="marts",
    table="reconciliation_results",
    id_column="evaluation_id",
    split_column="table_type",
    assets=(("procurement", "fct_procurement"),),
    default_asset="reconciliation_results",
    columns=frozenset(
        {
            "evaluation_id",
            "rule",
            "severity",
            "status",
            "document_id",
            "source_file",
            "table_type",
            "source_page",
            "expected_yuan",
            "items_summed",
        }
    ),
    per_document=True,
)


def _warehouse(warnings: int) -> duckdb.DuckDBPyConnection:
    """Document d1: ``warnings`` procurement warnings, one error without a severity, a pass of
    another table type; d2: one pass."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.reconciliation_results (evaluation_id varchar, rule varchar, "
        "severity varchar, status varchar, document_id varchar, source_file varchar, "
        "table_type varchar, source_page integer, expected_yuan decimal(20, 2), "
        "items_summed bigint, fiscal_year integer)"
    )
    rows = [(f"w{i:03d}", "warning", "warn", "d1", "procurement", i) for i in range(warnings)]
    rows += [("e0", None, "error", "d1", "procurement", 3), ("p0", "", "pass", "d1", "basic", 4)]
    rows += [("p1", None, "pass", "d2", "procurement", 5)]
    for evaluation, severity, status, document, table_type, page in reversed(rows):
        con.execute(
            "insert into marts.reconciliation_results values "
            "(?, 'rule', ?, ?, ?, ?, ?, ?, 1234.50, 3, 2026)",
            [evaluation, severity, status, document, f"{document}.pdf", table_type, page],
        )
    return con


def test_audit_rows_follow_from_status_and_split_column() -> None:
    con = _warehouse(2)
    columns = [name for name, _ in AUDIT_COLUMNS[1:]]
    rows = {
        row[columns.index("evaluation_id")]: dict(zip(columns, row, strict=True))
        for row in con.execute(evaluation_rows(TABLE, validated=False)).fetchall()
    }
    assert set(rows) == {"w000", "w001", "e0", "p0", "p1"}
    error, passed = rows["e0"], rows["p0"]
    assert (error["asset"], error["severity"], error["expectation"]) == (
        "marts.fct_procurement",
        "error",  # no severity of its own: from the status
        "expect_column_values_to_not_be_in_set",
    )
    assert (passed["asset"], passed["severity"], passed["expectation"]) == (
        "marts.reconciliation_results",  # a table type no asset is named for
        "info",
        "expect_column_values_to_be_in_set",
    )
    assert rows["w000"]["severity"] == "warning" and rows["w000"]["suite"] == "reconciliation"
    assert error["expected_yuan"] == Decimal("1234.50") and error["items_summed"] == 3
    assert error["error_class"] is None and error["detail"] is None  # not in the table

    register_documents(con, VALIDATED, ["d2"])
    only = con.execute(evaluation_rows(TABLE, validated=True)).fetchall()
    assert [row[columns.index("evaluation_id")] for row in only] == ["p1"]


def test_a_run_holds_counts_and_the_first_failures_in_document_order() -> None:
    con = _warehouse(KEPT_LISTED + 5)
    listed, counts, per_file = list_evaluations(con, TABLE, validated=False)
    assert counts == {
        ("reconciliation", "marts.fct_procurement", "warn"): KEPT_LISTED + 5,
        ("reconciliation", "marts.fct_procurement", "error"): 1,
        ("reconciliation", "marts.fct_procurement", "pass"): 1,
        ("reconciliation", "marts.reconciliation_results", "pass"): 1,
    }
    assert per_file == {("d1.pdf", "warn"): KEPT_LISTED + 5, ("d1.pdf", "error"): 1} | {
        ("d1.pdf", "pass"): 1,
        ("d2.pdf", "pass"): 1,
    }
    warnings = [r.evaluation_id for r in listed if r.status == "warn"]
    # by page, not in the table's order (rows were inserted last first)
    assert warnings == [f"w{i:03d}" for i in range(KEPT_LISTED)]
    assert [r.evaluation_id for r in listed if r.status == "error"] == ["e0"]


def test_the_audit_write_selects_the_evaluations_of_the_validated_documents() -> None:
    con = _warehouse(3)
    scope = ValidationScope({"d1": "f1", "d2": "f2"})
    run = ValidationRun([], [], dt.datetime(2026, 12, 7), scope=scope, evaluated=[TABLE])
    assert write_validation_results(con, run) == 6
    assert len(run_results(con, run)) == 6
    changed = ValidationScope({"d1": "f1", "d2": "f3"}, frozenset({"d2"}))
    con.execute("update marts.reconciliation_results set status = 'warn' where document_id = 'd2'")
    run = ValidationRun([], [], dt.datetime(2026, 12, 8), scope=changed, evaluated=[TABLE])
    assert write_validation_results(con, run) == 6  # d2's row replaced, d1's kept
    assert con.execute(
        "select document_id, status, validated_at from audit.validation_results "
        "where evaluation_id = 'p1'"
    ).fetchall() == [("d2", "warn", dt.datetime(2026, 12, 8))]
    assert [r.evaluation_id for r in run_results(con, run)] == ["p1"]

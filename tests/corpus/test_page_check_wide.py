"""Errors read again from their page (issue 22): a publisher's inconsistency is confirmed, a check
the page bears out is not, facts against a table that contradicts itself are confirmed by its
errors — on real PDFs of the wide crawl, built into one warehouse."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pdfplumber
import pytest

from orchestration.evidence.page_check import check_on_page
from tests.paths import WIDE

pytestmark = pytest.mark.slow  # the shared wide build (the folder marks it corpus)

PETITIONS_YANTAI = WIDE / "025_烟台" / "2026年烟台市信访局部门预算.pdf"
CIVIL_AFFAIRS_YANTAI = WIDE / "025_烟台" / "2026年烟台市民政局部门预算.pdf"
PETITIONS_CHANGCHUN = WIDE / "040_长春" / "2026年长春市信访局部门预算.pdf"


PDFS = [PETITIONS_YANTAI, CIVIL_AFFAIRS_YANTAI, PETITIONS_CHANGCHUN]


@pytest.fixture(scope="module")
def warehouse(wide_warehouse: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return wide_warehouse  # the shared build of every module's PDFS (tests/corpus/conftest.py)


def results(con: duckdb.DuckDBPyConnection, pdf: Path, where: str) -> list[dict]:
    cursor = con.execute(
        "select r.* from marts.reconciliation_results as r join marts.dim_document as d "
        f"using (document_id) where d.source_file = ? and {where} order by r.evaluation_id",
        [pdf.name],
    )
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_a_parent_above_its_printed_children_is_confirmed_on_the_page(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    # p.7 收入总体情况表: 40 信访事务 prints 1,378.84 万元; its printed 项 (行政运行 507.97,
    # 事业运行 346.87) add up to 854.84 — the page itself is inconsistent.
    found = results(
        warehouse,
        PETITIONS_YANTAI,
        "r.status = 'error' and r.source_page = 7 and r.row_label like '%信访事务' "
        "and r.column_label = '合计'",
    )
    assert [(r["expected_yuan"], r["observed_yuan"]) for r in found] == [
        (Decimal("13788400.00"), Decimal("8548400.00"))
    ]
    with pdfplumber.open(PETITIONS_YANTAI) as pdf:
        check = check_on_page(warehouse, found[0], pdf)
    assert check.confirmed
    assert (check.printed_yuan, check.parts_yuan) == (Decimal("13788400.00"), Decimal("8548400.00"))


def test_a_row_total_the_page_adds_up_is_not_confirmed(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    # p.8 收入总体情况表, 合计 row: 5,609.33 = 5,274.99 + 329.34 (事业收入(不含教育收费)) + 5.00.
    found = results(
        warehouse,
        CIVIL_AFFAIRS_YANTAI,
        "r.rule = 'row_total_equals_sum_of_columns' and r.source_page = 8 "
        "and r.row_label = '合计' and r.column_label = '合计'",
    )
    assert [(r["status"], r["expected_yuan"], r["observed_yuan"]) for r in found] == [
        ("pass", Decimal("56093300.00"), Decimal("56093300.00"))
    ]
    with pdfplumber.open(CIVIL_AFFAIRS_YANTAI) as pdf:
        check = check_on_page(warehouse, found[0], pdf)
    assert not check.confirmed
    assert check.parts_yuan == Decimal("56093300.00")
    assert check.note.startswith("the page adds up: 56093300.00 = ")


def test_facts_against_a_table_that_contradicts_itself_are_confirmed_by_its_errors(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    # p.11 基本支出表: 合计 1,208.20 万元 is printed; the lines (the facts) add up to 1,228.31
    # because 301 工资福利支出 prints 911.21 over lines adding up to 920.96 (302: 211.00 over
    # 221.37) — confirmed there.
    found = results(
        warehouse,
        PETITIONS_CHANGCHUN,
        "r.status = 'error' and r.rule = 'facts_equal_printed_total' and r.source_page = 11",
    )
    assert [(r["expected_yuan"], r["observed_yuan"], r["error_class"]) for r in found] == [
        (Decimal("12082000.00"), Decimal("12283100.00"), "document_inconsistent")
    ]
    with pdfplumber.open(PETITIONS_CHANGCHUN) as pdf:
        check = check_on_page(warehouse, found[0], pdf)
    assert check.confirmed
    assert check.printed_yuan == Decimal("12082000.00")
    assert "inside the table" in check.note and "over parts that add up to" in check.note


def test_a_row_total_is_confirmed_where_another_row_bears_out_its_columns(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    # p.8 支出总表: 2014002 一般行政管理事务 prints 合计 458.00 over 当年预算/小计 0.00 and
    # 上年结转结余/小计 0.00 (its 项目支出 458.00 makes the line add up); 2014001 行政运行 adds up over
    # the same columns (903.85 = 903.85 + 0.00) — the page contradicts itself.
    found = results(
        warehouse,
        PETITIONS_CHANGCHUN,
        "r.status = 'error' and r.rule = 'row_total_equals_sum_of_columns' "
        "and r.row_label = '2014002 一般行政管理事务' and r.column_label = '合计'",
    )
    assert [(r["expected_yuan"], r["observed_yuan"]) for r in found] == [
        (Decimal("4580000.00"), Decimal("0.00"))
    ]
    with pdfplumber.open(PETITIONS_CHANGCHUN) as pdf:
        check = check_on_page(warehouse, found[0], pdf)
    assert check.confirmed
    assert "adds up over the same columns in row" in check.note

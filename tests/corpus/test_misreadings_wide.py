"""Classes of misreading on the real PDFs of the wide crawl where they were found (issue 22):
each document built into one warehouse, its facts against the figures its pages print."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.paths import WIDE

pytestmark = pytest.mark.slow  # the shared wide build (the folder marks it corpus)

PETITIONS_YANTAI = WIDE / "025_烟台" / "2026年烟台市信访局部门预算.pdf"
POLICE_HANGZHOU = WIDE / "008_杭州" / "2026年杭州市公安局部门预算.pdf"
DATA_SHANGHAI = WIDE / "001_上海" / "2026年上海市政务服务和数据管理局_部门预算.pdf"
OFFICE_BEIJING = WIDE / "002_北京" / "2026年北京市人民政府办公厅部门预算.pdf"
PETITIONS_CHANGCHUN = WIDE / "040_长春" / "2026年长春市信访局部门预算.pdf"
SCIENCE_CHONGQING = WIDE / "004_重庆" / "2026年重庆市科学技术局部门预算.pdf"
WEATHER_CHONGQING = WIDE / "004_重庆" / "2026年重庆市气象局部门预算.pdf"
PDFS = [
    PETITIONS_YANTAI,
    POLICE_HANGZHOU,
    DATA_SHANGHAI,
    OFFICE_BEIJING,
    PETITIONS_CHANGCHUN,
    SCIENCE_CHONGQING,
    WEATHER_CHONGQING,
]


@pytest.fixture(scope="module")
def warehouse(wide_warehouse: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return wide_warehouse  # the shared build of every module's PDFS (tests/corpus/conftest.py)


def total(con: duckdb.DuckDBPyConnection, pdf: Path, facts: str, where: str = "true") -> Decimal:
    return con.execute(
        f"select sum(amount_yuan) from marts.{facts} join marts.dim_document using (document_id) "
        f"where source_file = ? and {where}",
        [pdf.name],
    ).fetchone()[0]


def test_basic_expenditure_with_two_classifications_is_read_once(warehouse) -> None:
    # 表10 prints 部门经济科目 and 政府经济科目 codes side by side; 合计 1,192.85 万元 (p.21).
    lines = warehouse.execute(
        "select count(*) from marts.fct_basic_expenditure join marts.dim_document using (document_id) "
        "where source_file = ?",
        [PETITIONS_YANTAI.name],
    ).fetchone()[0]
    observed = total(warehouse, PETITIONS_YANTAI, "fct_basic_expenditure")
    assert abs(observed - Decimal("11928500")) <= 50 * lines  # half a printed cent per line
    assert observed == Decimal("11928800.00")


def test_a_total_row_labelled_with_a_colon_is_not_a_line(warehouse) -> None:
    # 表5 '总计:' 1,682.76 万元: basic 1,208.20, project 474.56 (p.10), as the narrative states.
    project = total(
        warehouse, PETITIONS_CHANGCHUN, "fct_budget_expenditure", "expenditure_type = 'project'"
    )
    basic = total(
        warehouse, PETITIONS_CHANGCHUN, "fct_budget_expenditure", "expenditure_type = 'basic'"
    )
    assert project == Decimal("4745600.00")
    assert abs(basic - Decimal("12082000.00")) <= 100  # 1,208.19 from its lines: rounding


def test_three_public_adds_up_to_the_printed_total_not_the_units_rows(warehouse) -> None:
    # 表7 合计 4,112.82 万元 (p.29, and the narrative p.11); its units' rows add up to 3,968.82.
    assert total(
        warehouse, POLICE_HANGZHOU, "fct_three_public_expenditure", "year = 2026"
    ) == Decimal("41128200.00")
    residual = warehouse.execute(
        "select unit_name, category, amount_yuan from marts.fct_three_public_expenditure "
        "join marts.dim_document using (document_id) where source_file = ? and is_residual",
        [POLICE_HANGZHOU.name],
    ).fetchall()
    assert residual == [("杭州市公安局", "vehicle_operation", Decimal("1440000.00"))]


def test_revenue_of_withheld_units_adds_up_to_the_department_row(warehouse) -> None:
    # 表2 (p.21–22): 杭州市公安局 404,415.23 万元 over units adding up to 402,943.56; the gap
    # is one residual row under the department, not a misread.
    assert (
        abs(total(warehouse, POLICE_HANGZHOU, "fct_budget_revenue") - Decimal("4044152300")) <= 100
    )
    residual = warehouse.execute(
        "select unit_name, revenue_source, amount_yuan from marts.fct_budget_revenue "
        "join marts.dim_document using (document_id) where source_file = ? and is_residual",
        [POLICE_HANGZHOU.name],
    ).fetchall()
    assert residual == [("杭州市公安局", "本年收入/一般公共预算", Decimal("14716600.00"))]


def test_amounts_printed_on_the_rules_reconcile(warehouse) -> None:
    # 表二 (p.9–11) rules each line through its code and amounts: read by baselines, the
    # revenue is the printed 合计 168,441.81 万元 and no check fails.
    assert total(warehouse, SCIENCE_CHONGQING, "fct_budget_revenue") == Decimal("1684418100.00")
    errors = warehouse.execute(
        "select count(*) from marts.reconciliation_results where source_file = ? and status = 'error'",
        [SCIENCE_CHONGQING.name],
    ).fetchone()[0]
    assert errors == 0


def test_procurement_detail_with_code_and_name_columns_verifies(warehouse) -> None:
    # 表九 政府采购预算明细表 (p.18) prints 项目编号 | 项目 before its amounts: one-sided, its
    # 合计 947.00 万元 verifies the procurement facts.
    row = warehouse.execute(
        "select verification_status, printed_yuan, printed_page from marts.fact_verification "
        "where source_file = ? and fact_table = 'fct_procurement'",
        [WEATHER_CHONGQING.name],
    ).fetchone()
    assert row == ("verified", Decimal("9470000.00"), 18)


def test_a_table_printing_no_unit_is_read_in_the_unit_the_document_proves(warehouse) -> None:
    # 收入预算总表 (pp.8-9) prints no unit; its 合计 471,452,100 is the 收支总表's 收入总计 in 元.
    unit = warehouse.execute(
        "select amount_unit, unit_source from staging.stg_raw__tables join marts.dim_document "
        "using (document_id) where source_file = ? and table_type = 'income_summary'",
        [DATA_SHANGHAI.name],
    ).fetchone()
    assert unit == ("元", "proven")
    assert total(warehouse, DATA_SHANGHAI, "fct_budget_revenue") == Decimal("471452100.00")


def test_department_names_without_headings_or_punctuation(warehouse) -> None:
    names = dict(
        warehouse.execute(
            "select doc.source_file, dep.department_name from marts.dim_document doc "
            "join marts.dim_department dep using (department_id)"
        ).fetchall()
    )
    assert names[OFFICE_BEIJING.name] == "北京市人民政府办公厅"  # the cover reads 第一部分 …
    assert names[PETITIONS_CHANGCHUN.name] == "长春市信访局"  # the cover reads '.' then the name


def test_prior_year_three_public_from_the_narrative_where_no_table_prints_it(warehouse) -> None:
    rows = dict(
        warehouse.execute(
            "select doc.source_file, (dy.prior_year_three_public_yuan, dy.prior_year_three_public_source) "
            "from marts.fct_department_year dy join marts.dim_document doc "
            "on dy.department_id = doc.department_id and dy.fiscal_year = doc.fiscal_year"
        ).fetchall()
    )
    # p.22: "2026年"三公"经费预算数为143.14万元,比2025年预算减少20.36万元"
    assert rows[DATA_SHANGHAI.name] == (Decimal("1635000.00"), "narrative")
    # 表9 prints 2025 beside 2026: the table's figure wins over the narrative's
    assert rows[PETITIONS_YANTAI.name] == (Decimal("220000.00"), "table")

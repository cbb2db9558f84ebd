"""The errors of the wide crawl nobody had explained (issue 22), on the real PDFs where they were
found, built into one warehouse: ours fixed as mechanisms, the publishers' classed as theirs."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.paths import WIDE
from tests.warehouse_build import build_shared

pytestmark = pytest.mark.slow  # a build of its own (the folder marks it corpus)

INDUSTRY_XIAN = WIDE / "020_西安" / "工业和信息化局_2026年部门预算.pdf"
HEALTH_XIAN = WIDE / "020_西安" / "卫生健康委员会_2026年部门预算.pdf"
HOUSING_XIAN = WIDE / "020_西安" / "住房和建设局_2026年部门预算.pdf"
ASSETS_XIAN = WIDE / "020_西安" / "国有资产监督管理委员会_2026年部门预算.pdf"


@pytest.fixture(scope="module")
def warehouse(
    tmp_path_factory: pytest.TempPathFactory, extract_cache: Path
) -> Iterator[duckdb.DuckDBPyConnection]:
    database = build_shared(
        [INDUSTRY_XIAN, HEALTH_XIAN, HOUSING_XIAN, ASSETS_XIAN],
        tmp_path_factory.mktemp("unreviewed") / "budget.duckdb",
        extract_cache,
    )
    with duckdb.connect(str(database), read_only=True) as con:
        yield con


def errors(con: duckdb.DuckDBPyConnection, pdf: Path) -> list[tuple]:
    return con.execute(
        "select rule, row_label, error_class from marts.reconciliation_results "
        "where source_file = ? and status = 'error' order by rule, row_label",
        [pdf.name],
    ).fetchall()


def verification(con: duckdb.DuckDBPyConnection, pdf: Path, fact_table: str) -> tuple:
    return con.execute(
        "select verification_status, compared_with, printed_yuan, facts_yuan "
        "from marts.fact_verification where source_file = ? and fact_table = ?",
        [pdf.name, fact_table],
    ).fetchone()


def test_a_line_above_a_continuation_pages_first_rule_is_read(warehouse) -> None:
    # 表12 政府采购 p.43 begins with line 22 (网络设备 17,000.00 元) above its first horizontal rule;
    # 2111001 西安市节能监察支队 prints 196,000.00 (p.42) — with it, its lines add up.
    line = warehouse.execute(
        "select amount_yuan from marts.fct_procurement join marts.dim_document using (document_id) "
        "where source_file = ? and source_page = 43 and procurement_category_code = 'A02010299'",
        [INDUSTRY_XIAN.name],
    ).fetchall()
    assert line == [(Decimal("17000.00"),)]
    assert verification(warehouse, INDUSTRY_XIAN, "fct_procurement") == (
        "verified",
        "own_table",
        Decimal("35740180.00"),
        Decimal("35740180.00"),
    )


def test_units_above_the_next_pages_first_rule_are_read(warehouse) -> None:
    # 表13 三公 (p.44–45): 262006 西安市中小企业服务中心 and 262007 西安市社会信用中心 print on p.45
    # above its first rule; without them the department row (2022年 培训费 316,600) exceeded its
    # units by 152,000 — the 中小企业服务中心's 培训费. No error is left in the document.
    units = warehouse.execute(
        "select distinct unit_name from marts.fct_three_public_expenditure "
        "join marts.dim_document using (document_id) where source_file = ? order by 1",
        [INDUSTRY_XIAN.name],
    ).fetchall()
    assert ("西安市中小企业服务中心",) in units and ("西安市社会信用中心",) in units
    assert errors(warehouse, INDUSTRY_XIAN) == []


def test_final_accounts_narrative_states_the_outcome_not_the_budget(warehouse) -> None:
    # p.21: "…"三公"经费支出预算593.46万元,支出决算587.55万元" — the facts (表 决算) are 587.55.
    stated = warehouse.execute(
        "select amount from raw.narrative_figures join raw.documents using (document_id) "
        "where source_file = ? and key = 'three_public_total'",
        [HEALTH_XIAN.name],
    ).fetchone()[0]
    assert stated == Decimal("587.55")
    assert verification(warehouse, HEALTH_XIAN, "fct_three_public_expenditure")[:2] == (
        "verified",
        "narrative",
    )
    assert errors(warehouse, HEALTH_XIAN) == []


def test_a_procurement_total_is_read_from_the_column_that_prints_amounts(warehouse) -> None:
    # 表12 (p.58) prints 合计 87,323,949.20 元 under 预算金额; its 购买服务内容 column (taken for
    # amounts) prints none. The narrative's 8,704.4 万元 (p.31) contradicts the table: the
    # publisher's, and the only error left.
    assert verification(warehouse, HOUSING_XIAN, "fct_procurement") == (
        "verified",
        "own_table",
        Decimal("87323949.20"),
        Decimal("87323949.20"),
    )
    assert errors(warehouse, HOUSING_XIAN) == [
        ("narrative_procurement_total_matches_table", "procurement_total", "document_inconsistent")
    ]


def test_a_row_twice_its_total_in_a_misaligned_table_is_the_publishers(warehouse) -> None:
    # 表6 (p.29) prints its 合计 column out of step with its parts; 30215 会议费 (合计 10,000.00
    # beside 20,000.00) is twice its total by coincidence, like its 19 neighbours the publisher's.
    found = errors(warehouse, ASSETS_XIAN)
    assert len(found) == 20
    assert {error_class for _, _, error_class in found} == {"document_inconsistent"}
    assert ("row_total_equals_sum_of_columns", "50202 会议费", "document_inconsistent") in found

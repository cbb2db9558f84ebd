"""Misreadings of table layout on real PDFs of the wide crawl (issue 22): units listed inside
procurement groups, names that only contain a word of change, a table's last line alone on the
next page, schools as units, functions named like units, an own unit printed left of the
others, amounts with a separator left out, a confidential project printed one step in. Each
document built into one warehouse; its facts and checks against the figures its pages print."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.corpus.test_misreadings_wide import total
from tests.paths import WIDE

pytestmark = pytest.mark.slow  # the shared wide build (the folder marks it corpus)

DATA_SUZHOU = WIDE / "006_苏州" / "2026年苏州市数据局部门预算.pdf"
LAND_SUZHOU = WIDE / "006_苏州" / "2026年苏州市自然资源和规划局部门预算.pdf"
STATISTICS_WUXI = WIDE / "014_无锡" / "2026年无锡市统计局部门预算.pdf"
EDUCATION_WUXI = WIDE / "014_无锡" / "教育局_2026年部门预算.pdf"
STATISTICS_GUANGZHOU = WIDE / "005_广州" / "统计局_2026年部门预算.pdf"
WEATHER_GUANGZHOU = WIDE / "005_广州" / "2026年广州市气象局部门预算.pdf"
HEALTH_SHENZHEN = WIDE / "003_深圳" / "2026年深圳市卫生健康委员会部门预算.pdf"
LABOUR_SHANGHAI = WIDE / "001_上海" / "2026年上海市人力资源和社会保障局_部门预算.pdf"
REFORM_GUANGZHOU = WIDE / "005_广州" / "2026年广州市发展和改革委员会部门预算.pdf"
PDFS = [
    DATA_SUZHOU,
    LAND_SUZHOU,
    STATISTICS_WUXI,
    EDUCATION_WUXI,
    STATISTICS_GUANGZHOU,
    WEATHER_GUANGZHOU,
    HEALTH_SHENZHEN,
    LABOUR_SHANGHAI,
    REFORM_GUANGZHOU,
]


@pytest.fixture(scope="module")
def warehouse(wide_warehouse: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return wide_warehouse  # the shared build of every module's PDFS (tests/corpus/conftest.py)


def errors(con: duckdb.DuckDBPyConnection, pdf: Path) -> list[tuple]:
    return con.execute(
        "select rule, source_page, row_label, column_label from marts.reconciliation_results "
        "where source_file = ? and severity = 'error'",
        [pdf.name],
    ).fetchall()


def row_kinds(con: duckdb.DuckDBPyConnection, pdf: Path, name: str) -> list[tuple]:
    return con.execute(
        "select row_kind, unit_name from raw.rows join raw.documents using (document_id) "
        "where source_file = ? and name = ? order by table_id, row_index",
        [pdf.name, name],
    ).fetchall()


def test_every_unit_inside_a_procurement_group_hangs_from_it(warehouse) -> None:
    # 公开13表 p.25-28: 货物 110.90 = 苏州市数据局 10.00 + 公共资源交易中心 12.00 + 便民服务中心
    # 85.68 + 信息中心 3.22; 合计 2,379.35 万元, as the narrative states (p.39).
    assert total(warehouse, DATA_SUZHOU, "fct_procurement") == Decimal("23793500.00")
    assert errors(warehouse, DATA_SUZHOU) == []


def test_procurement_facts_come_from_the_total_over_funding_sources(warehouse) -> None:
    # 公开13表 p.28: 合计 一般公共预算资金 4,931.43 + 政府性基金 5,164.00 = 总计 10,095.43 万元,
    # the narrative's 政府采购支出预算总额 (p.44).
    assert total(warehouse, LAND_SUZHOU, "fct_procurement") == Decimal("100954300.00")
    assert errors(warehouse, LAND_SUZHOU) == []


def test_a_last_line_alone_on_the_next_page_is_read(warehouse) -> None:
    # 公开07表 pp.17-18: 22102 住房改革支出 465.13 = 149.63 + 148.32 + 购房补贴 167.18 (p.18 alone).
    assert total(
        warehouse, STATISTICS_WUXI, "fct_budget_expenditure", "function_code = '2210203'"
    ) == Decimal("1671800.00")
    assert total(warehouse, STATISTICS_WUXI, "fct_budget_expenditure") == Decimal("32101000.00")


def test_an_own_unit_printed_left_of_the_others_is_a_unit(warehouse) -> None:
    # 公开13表 p.24: 服务 2.61 = 无锡市统计局(本级) 2.00 + 无锡市统计普查中心 0.61.
    kinds = row_kinds(warehouse, STATISTICS_WUXI, "无锡市统计局(本级)")
    assert ("unit", "无锡市统计局(本级)") in kinds and "department" not in {k for k, _ in kinds}
    assert errors(warehouse, STATISTICS_WUXI) == []


def test_schools_alone_above_their_lines_are_units(warehouse) -> None:
    # 公开13表 pp.32-49: 合计 14,549.77 万元; under 货物, 无锡市辅仁高级中学 177.85 heads its
    # two lines (p.33).
    assert total(warehouse, EDUCATION_WUXI, "fct_procurement") == Decimal("145497700.00")
    where = "unit_name = '无锡市辅仁高级中学' and procurement_type = 'goods'"
    assert total(warehouse, EDUCATION_WUXI, "fct_procurement", where) == Decimal("1778500.00")
    assert errors(warehouse, EDUCATION_WUXI) == []


def test_names_containing_a_change_are_lines_not_derived_rows(warehouse) -> None:
    # 表12 p.21: 广州市全国1%人口抽样调查经费 15.00 万元 is one of 广州市统计局's projects.
    assert row_kinds(warehouse, STATISTICS_GUANGZHOU, "广州市全国1%人口抽样调查经费") == [
        ("item", "广州市统计局")
    ]
    assert errors(warehouse, STATISTICS_GUANGZHOU) == []
    # 广州市生态与农业气象中心(广州市气候变化中心) is a unit of 表2, 表11 and 表12.
    kinds = row_kinds(warehouse, WEATHER_GUANGZHOU, "广州市生态与农业气象中心(广州市气候变化中心)")
    assert {kind for kind, _ in kinds} == {"unit"} and len(kinds) >= 3
    assert errors(warehouse, WEATHER_GUANGZHOU) == []


def test_a_function_named_like_a_unit_on_the_expenditure_side_is_a_line(warehouse) -> None:
    # 表1 收支总表 p.21: 公立医院 212.33 = 精神病医院 183.18 + 其他公立医院支出 29.15 (functions).
    assert {kind for kind, _ in row_kinds(warehouse, HEALTH_SHENZHEN, "精神病医院")} == {"item"}
    assert errors(warehouse, HEALTH_SHENZHEN) == []


def test_amounts_with_a_thousands_separator_left_out(warehouse) -> None:
    # p.17 (元): 301 工资福利支出 '19349,057' = the sum of its nine lines, 19,349,057.
    assert total(
        warehouse,
        LABOUR_SHANGHAI,
        "fct_basic_expenditure",
        "unit_name = '上海市职业能力考试院' and economic_category = '工资福利支出'",
    ) == Decimal("19349057.00")
    assert errors(warehouse, LABOUR_SHANGHAI) == []


def test_a_confidential_project_printed_one_step_in_is_a_line(warehouse) -> None:
    # 表12 p.26-29: 广州市发展和改革委员会 136,554.40 万元 = its projects, 'CC(市本级)' 46,905.68
    # (本项目为非公开项目) among them; the projects printed below CC are not its children.
    assert errors(warehouse, REFORM_GUANGZHOU) == []

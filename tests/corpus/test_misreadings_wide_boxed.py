"""Classes of misreading found on the 西安 disclosures of the wide crawl (issue 22), on the real
PDFs: headers cut into thin ruled strips by boxed labels, continuation pages ruled with other
columns, names printed over the catalogue code beside them, catalogue codes before a Latin name,
lines printed without a catalogue code — and publisher errors read again from their page."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pdfplumber
import pytest

from orchestration.evidence.page_check import check_on_page
from tests.corpus.test_misreadings_wide import total
from tests.paths import WIDE

pytestmark = pytest.mark.slow  # the shared wide build (the folder marks it corpus)

XIAN = WIDE / "020_西安"
INDUSTRY = XIAN / "工业和信息化局_2026年部门预算.pdf"
STATISTICS = XIAN / "2026年西安市统计局部门预算.pdf"
SCIENCE = XIAN / "科技创新局_2026年部门预算.pdf"
CIVIL_AFFAIRS = XIAN / "民政局_2026年部门预算.pdf"
EMERGENCY = XIAN / "应急管理局_2026年部门预算.pdf"
ASSETS = XIAN / "国有资产监督管理委员会_2026年部门预算.pdf"
PDFS = [INDUSTRY, STATISTICS, SCIENCE, CIVIL_AFFAIRS, EMERGENCY, ASSETS]


@pytest.fixture(scope="module")
def warehouse(wide_warehouse: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return wide_warehouse  # the shared build of every module's PDFS (tests/corpus/conftest.py)


def errors(con: duckdb.DuckDBPyConnection, pdf: Path, where: str = "true") -> list[dict]:
    cursor = con.execute(
        "select r.* from marts.reconciliation_results as r join marts.dim_document as d "
        f"using (document_id) where d.source_file = ? and r.status = 'error' and {where} "
        "order by r.evaluation_id",
        [pdf.name],
    )
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_a_header_cut_into_strips_reads_its_line_numbers_as_line_numbers(warehouse) -> None:
    # 表5 (p.27-28) 合计 1,053,642,667.43 元 under 序号 | 功能科目编码 | 名称 | 合计 …, each printed
    # column three ruled strips wide; 序号 1, 2, 3 … were read as amounts.
    assert total(warehouse, INDUSTRY, "fct_budget_expenditure") == Decimal("1053642667.43")
    # 表2 收入总表 (p.23): 合计 1,059,464,715.06 under a fifteen-strip header.
    assert total(warehouse, INDUSTRY, "fct_budget_revenue") == Decimal("1059464715.06")
    # 表13 (p.44): 2022年 "三公" 小计 168,400 = 公务接待费 18,400 (header '公务接' over '待费')
    # + 公务用车运行费 150,000.
    assert total(warehouse, INDUSTRY, "fct_three_public_expenditure", "year = 2022") == Decimal(
        "168400.00"
    )
    # What remained was ours too: 表13's department row against its units (p.44) and a procurement
    # line printed above the first ruling of p.43 were rows whose top ruling is not drawn, now read
    # (tests/corpus/test_unreviewed_errors_wide.py).
    assert not errors(warehouse, INDUSTRY)


def test_a_catalogue_code_before_a_latin_name_is_a_line(warehouse) -> None:
    # 表12 (p.38): 合计 18,712,700.00 元; 'A02021003A4 黑白打印机' 12,000.00 was lost.
    assert total(warehouse, STATISTICS, "fct_procurement") == Decimal("18712700.00")
    assert total(
        warehouse, STATISTICS, "fct_procurement", "procurement_category_code = 'A02021003'"
    ) == Decimal("12000.00")
    assert not errors(warehouse, STATISTICS)


def test_a_name_printed_over_the_catalogue_code_goes_back_to_the_name(warehouse) -> None:
    # 表12 (p.60): 合计 7,998,080 元 = the narrative's 799.81 万元; '…开发运营及硬' over
    # 'C0206运行维护服务' 700,000 and '…维修项目（基）' over 'B08修缮工程' 500,000 were lost.
    assert total(warehouse, SCIENCE, "fct_procurement") == Decimal("7998080.00")
    assert total(warehouse, SCIENCE, "fct_procurement", "procurement_type = 'works'") == Decimal(
        "500000.00"
    )
    # 表1 (p.42): 收入总计 943,864,999.96 = 本年收入合计 936,647,884.33 + 上年实户资金余额
    # 7,217,115.63, against 支出总计 = 本年支出合计 + 未安排支出的实户资金 7,217,115.63.
    assert not errors(warehouse, SCIENCE)


def test_a_platform_is_a_project_not_a_unit(warehouse) -> None:
    # 表10 (p.61): '婚姻登记全域通信息平台' 40.00 万元 is a project of 西安市民政局.
    units = warehouse.execute(
        "select distinct unit_name from marts.fct_procurement join marts.dim_document "
        "using (document_id) where source_file = ? union select distinct unit_name "
        "from marts.fct_budget_expenditure join marts.dim_document using (document_id) "
        "where source_file = ?",
        [CIVIL_AFFAIRS.name, CIVIL_AFFAIRS.name],
    ).fetchall()
    assert not [u for (u,) in units if u and u.endswith("平台")]
    assert not errors(warehouse, CIVIL_AFFAIRS)


def test_a_year_group_that_does_not_add_up_beside_one_that_does_is_confirmed(warehouse) -> None:
    # 表13 三公 (p.32), 合计 row: 2019年 合计 83.74 万元 = 小计 28.38 + 会议费 19.06 + 培训费 36.30;
    # 2018年 合计 24.08 万元 against 小计 2.86 + 会议费 4.32 + 培训费 29.79 = 36.97 (the publisher's).
    found = errors(warehouse, EMERGENCY, "r.row_label = '合计' and r.column_label = '2018年/合计'")
    assert [(e["expected_yuan"], e["observed_yuan"], e["error_class"]) for e in found] == [
        (Decimal("240800.00"), Decimal("369700.00"), "document_inconsistent")
    ]
    with pdfplumber.open(EMERGENCY) as pdf:
        check = check_on_page(warehouse, found[0], pdf)
    assert check.confirmed
    assert check.note.endswith("the same columns add up in 2019年/合计")


def test_a_cell_whose_text_overflows_its_ruling_is_read_from_the_page(warehouse) -> None:
    # 表6 (p.29) 30201 办公费: 合计 50,000.00 beside 0.00 | 300,000.00 | 640,000.00 — the
    # publisher's columns are shifted. Its digits reach 0.4 pt below the ruling: the row above
    # (940,000.00) was read into the cell and nothing of its own line.
    found = errors(warehouse, ASSETS, "r.row_label like '%办公费' and r.column_label = '合计'")
    assert [(e["expected_yuan"], e["observed_yuan"]) for e in found] == [
        (Decimal("50000.00"), Decimal("940000.00"))
    ]
    with pdfplumber.open(ASSETS) as pdf:
        check = check_on_page(warehouse, found[0], pdf)
    assert check.confirmed
    assert check.note == "no sum of the 2 numbers printed in its line gives 50000.00"

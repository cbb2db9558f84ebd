"""Revenue (fct_budget_revenue) on real PDFs of the wide crawl: the facts add up to the 收入总计
the document prints, and fact_verification says so (issue 22)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.paths import WIDE

pytestmark = pytest.mark.slow  # the shared wide build (the folder marks it corpus)

# 表2 部门综合预算收入总表: 部门预算/一般公共预算拨款 | 小计 | 其中:专项资金列入部门预算项目
PETITIONS_XIAN = WIDE / "020_西安" / "2026年西安市信访局部门预算.pdf"
# 公开表2 收入总体情况表 by function code (类 → 款 → 项): every amount printed at three levels
OFFICE_YANTAI = WIDE / "025_烟台" / "2026年烟台市人民政府办公室部门预算.pdf"


PDFS = [PETITIONS_XIAN, OFFICE_YANTAI]


@pytest.fixture(scope="module")
def warehouse(wide_warehouse: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return wide_warehouse  # the shared build of every module's PDFS (tests/corpus/conftest.py)


def revenue(con: duckdb.DuckDBPyConnection, pdf: Path) -> list[tuple]:
    return con.execute(
        "select revenue_source, sum(amount_yuan) from marts.fct_budget_revenue "
        "join marts.dim_document using (document_id) where source_file = ? group by 1 order by 1",
        [pdf.name],
    ).fetchall()


def verification(con: duckdb.DuckDBPyConnection, pdf: Path) -> tuple:
    return con.execute(
        "select verification_status, printed_yuan from marts.fact_verification "
        "where source_file = ? and fact_table = 'fct_budget_revenue'",
        [pdf.name],
    ).fetchone()


def test_a_subtotal_beside_its_memo_is_the_income_not_the_memo(warehouse) -> None:
    # p.20 合计 28,384,234.71 元 = 一般公共预算拨款 小计; 其中:专项资金 550,000 is part of it.
    # p.19 收支总表: 收入总计 28,384,234.71.
    assert revenue(warehouse, PETITIONS_XIAN) == [
        ("部门预算/一般公共预算拨款/小计", Decimal("28384234.71"))
    ]
    assert verification(warehouse, PETITIONS_XIAN) == ("verified", Decimal("28384234.71"))


def test_a_table_by_function_code_is_read_at_its_most_detailed_level(warehouse) -> None:
    # p.10 合计 9,325.57 万元: 一般公共预算收入 9,232.56 + 其他收入 93.01 (p.9 收入总计 9,325.57),
    # not each amount three times (类, 款 and 项 rows).
    assert revenue(warehouse, OFFICE_YANTAI) == [
        ("其他收入", Decimal("930100.00")),
        ("财政拨款收入/一般公共预算收入", Decimal("92325600.00")),
    ]
    assert verification(warehouse, OFFICE_YANTAI) == ("verified", Decimal("93255700.00"))

"""Table reading on real PDFs of the wide crawl (issue 22), extracted without a build: fake-bold
titles and economic 类 printed under other names."""

from __future__ import annotations

import pytest

from orchestration.extract.document import extract_document
from tests.paths import WIDE

COMMERCE_XIAN = WIDE / "020_西安" / "商务局_2026年部门预算.pdf"
COMMERCE_ZHUHAI = WIDE / "077_珠海" / "2026年珠海市商务局部门预算.pdf"


def test_fake_bold_titles_read_once_and_type_their_tables() -> None:
    # 2022 tables whose titles print every glyph several times (表表表表表表111111).
    tables = extract_document(COMMERCE_XIAN).tables
    numbered = {t["printed_number"]: t["table_type"] for t in tables if t["printed_number"]}
    assert numbered["表1"] == "income_expenditure_summary"
    assert numbered["表6"] == "general_budget_economic"
    assert numbered["表8"] == "basic_expenditure"
    assert numbered["表12"] == "procurement"
    assert numbered["表13"] == "three_public"
    assert not [t["title"] for t in tables if "表表" in t["title"]]


@pytest.fixture(scope="module")
def zhuhai_basic() -> list[dict]:
    extract = extract_document(COMMERCE_ZHUHAI)
    table = next(t for t in extract.tables if t["first_page"] == 21)
    return [r for r in extract.rows if r["table_id"] == table["table_id"]]


def test_each_units_categories_are_siblings(zhuhai_basic: list[dict]) -> None:
    # p.21 基本支出预算表: 珠海市商务局 6,258.73 万元 over 工资和福利支出 … 其他资本性等支出.
    unit = next(r for r in zhuhai_basic if r["name"] == "珠海市商务局")
    children = [r["name"] for r in zhuhai_basic if r["parent_row_index"] == unit["row_index"]]
    assert children == [
        "工资和福利支出",
        "商品和服务支出",
        "对个人和家庭的补助",
        "其他资本性等支出",
    ]

"""Table reading on real PDFs of the wide crawl (issue 22), extracted without a build: fake-bold
titles, economic 类 printed under other names, amounts printed on the ruling lines, a chain
of indented names."""

from __future__ import annotations

import pytest

from orchestration.extract.document import extract_document
from tests.paths import WIDE

COMMERCE_XIAN = WIDE / "020_西安" / "商务局_2026年部门预算.pdf"
COMMERCE_ZHUHAI = WIDE / "077_珠海" / "2026年珠海市商务局部门预算.pdf"
SCIENCE_CHONGQING = WIDE / "004_重庆" / "2026年重庆市科学技术局部门预算.pdf"
POLICE_HANGZHOU = WIDE / "008_杭州" / "2026年杭州市公安局部门预算.pdf"


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


def _table_rows(extract, page: int) -> tuple[list[dict], dict[tuple[str, int], str]]:
    table = next(t for t in extract.tables if t["first_page"] == page)
    rows = [r for r in extract.rows if r["table_id"] == table["table_id"]]
    cells = {
        (next(r["code"] for r in rows if r["row_index"] == c["row_index"]), c["column_index"]): c[
            "raw_text"
        ]
        for c in extract.cells
        if c["table_id"] == table["table_id"] and c["raw_text"]
    }
    return rows, cells


def test_amounts_printed_on_the_rules_stay_with_the_name_above_them() -> None:
    # 表二 (p.9–11) rules each row through its code and amounts, the name printed above:
    # '科学技术支出' is 206, and the last line of p.9 (2060203 自然科学基金 15,500.00), printed
    # across the table's bottom edge, is read.
    rows, cells = _table_rows(extract_document(SCIENCE_CHONGQING), 9)
    names = {r["code"]: r["name"] for r in rows if r["code"]}
    assert names["201"] == "一般公共服务支出"
    assert names["206"] == "科学技术支出"
    assert names["2060203"] == "自然科学基金"
    assert names["2080505"] == "机关事业单位基本养老保险缴费支出"
    assert cells[("2060203", 2)] == "15,500.00"
    assert (cells[("2080505", 2)], cells[("2080505", 3)], cells[("2080505", 7)]) == (
        "424.00",
        "405.68",
        "18.32",
    )
    children = [r["code"] for r in rows if r["parent_row_index"] == _index(rows, "20602")]
    assert children == ["2060201", "2060203", "2060204", "2060206", "2060207", "2060208"]


def test_a_chain_of_indented_names_is_one_line() -> None:
    # 表8 (p.30): 城乡社区支出 > 城市基础设施配套费安排的支出 > 城市公共设施, 7,600.00 each.
    rows, _ = _table_rows(extract_document(POLICE_HANGZHOU), 30)
    parents = {r["name"]: r["parent_row_index"] for r in rows}
    index = {r["name"]: r["row_index"] for r in rows}
    assert parents["城市公共设施"] == index["城市基础设施配套费安排的支出"]
    assert parents["城市基础设施配套费安排的支出"] == index["城乡社区支出"]


def _index(rows: list[dict], code: str) -> int:
    return next(r["row_index"] for r in rows if r["code"] == code)

"""The embedded sample PDF looks and parses like the published original."""

from __future__ import annotations

import json

import pdfplumber
import pytest

from orchestration.extract.text import normalize
from tests.paths import FIXTURES, SAMPLE_PDF

# Pages of the seed's page chunks: a table continues where the seed repeats its header.
EXPECTED_PAGES = {
    1: [13],
    2: [14],
    3: [15],
    4: [16, 17, 18, 19, 20],
    5: [21, 22],
    6: [23],
    7: [24, 25, 26],
    8: [27],
    9: [28],
    10: [29],
    11: [30, 31],
    12: [32, 33],
    13: [34],
}
TITLES = {
    1: "部门收支预算总表",
    2: "部门收入预算总表",
    3: "部门支出预算总表",
    4: "基本支出预算表",
    5: "项目支出预算表",
    6: "财政拨款收支总体情况表",
    7: "一般公共预算支出情况表",
    8: "政府性基金预算支出情况表",
    9: "国有资本经营预算支出情况表",
    10: "上级专项转移支付支出情况表",
    11: "政府采购项目支出预算表",
    12: '"三公"经费财政拨款预算情况表',
    13: "部门预算绩效管理重点项目表",
}


@pytest.fixture(scope="module")
def page_texts() -> list[str]:
    with pdfplumber.open(SAMPLE_PDF) as pdf:
        return [normalize(page.extract_text()) for page in pdf.pages]


@pytest.mark.parametrize("number", sorted(EXPECTED_PAGES))
def test_each_table_title_is_on_its_pages(page_texts: list[str], number: int) -> None:
    first, *rest = EXPECTED_PAGES[number]
    assert f"表{number}" + TITLES[number] in page_texts[first - 1]
    for page in [first, *rest]:
        text = page_texts[page - 1]
        assert "单位名称:深圳市福田区政务服务数据管理局" in text
        assert "单位:万元" in text
    after = EXPECTED_PAGES[number][-1] + 1
    assert f"表{number + 1}" in page_texts[after - 1], "the next table starts on the next page"


def test_layout_file_matches_the_pdf() -> None:
    layout = json.loads((FIXTURES / "sample_layout.json").read_text(encoding="utf-8"))
    assert {
        int(k): v["pages"] for k, v in layout["tables"].items() if int(k) <= 13
    } == EXPECTED_PAGES


def test_narrative_states_total_income(page_texts: list[str]) -> None:
    pages = [i for i, text in enumerate(page_texts, start=1) if "部门预算收入10,251.69万元" in text]
    assert pages == [6]


def test_merged_headers_return_none_for_spanned_cells() -> None:
    with pdfplumber.open(SAMPLE_PDF) as pdf:
        (grid,) = pdf.pages[13].extract_tables()
    header = grid[:4]
    assert header[0][0] == "预算单位" and header[1][0] is None  # 预算单位 spans down
    assert any(cell is None for cell in header[0][3:])  # 本年收入 spans across
    assert grid[4][:2] == ["深圳市福田区政务服务数据管理局", "10,251.69"]

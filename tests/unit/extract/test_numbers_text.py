"""Unit tests of the pure text and number functions (orchestration.extract.numbers, .text,
.labels), with the forms real disclosures print."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orchestration.extract.labels import LABEL_AFTER_TITLE, LABEL_LINE, NAME_ANYWHERE, NAME_LINE
from orchestration.extract.numbers import UNIT_MULTIPLIER, find_unit, is_percent, parse_amount
from orchestration.extract.text import dedupe_doubled, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("1234.56", "1234.56"),  # Fuzhou prints no thousands separators
        ("101,833.84", "101833.84"),
        ("6,142,000", "6142000"),  # Shanghai 元 tables: integers
        ("19349,057", "19349057"),  # Shanghai: a thousands separator left out
        ("2603,760", "2603760"),
        ("0.00", "0.00"),
        (" 3.00 ", "3.00"),
        ("24995.9\n4", "24995.94"),  # a total wrapped inside a narrow cell (Fuzhou)
        ("-2.00", "-2.00"),
        ("(2.00)", "-2.00"),  # accounting negative
        ("－2.00", "-2.00"),  # full-width minus
        ("—2.00", "-2.00"),  # em dash used as a minus
        ("１２３.４５", "123.45"),  # full-width digits
        ("１，２３４．５６", "1234.56"),  # full-width separators too
        ("2020", "2020"),  # a bare number is an amount; year columns are told apart elsewhere
    ],
)
def test_parse_amount(raw: str, expected: str) -> None:
    value = parse_amount(raw)
    assert value == Decimal(expected) and str(value) == expected  # exact, scale kept


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "-",
        "--",
        "—",
        "——",
        "/",
        "*",
        "**",
        "…",
        "0-",
        "abc",
        "12,34",  # misplaced separator
        "1,23,4.00",
        "1.234.5",
        ".5",
        "2.",
        "5.0%",
        "2,000.00元",  # an amount with its unit is narrative text, not a cell
        "(2.00",  # unbalanced parenthesis: not an amount (was 2.00)
        "2.00)",
    ],
)
def test_parse_amount_rejects(raw: str | None) -> None:
    assert parse_amount(raw) is None


def test_parse_amount_is_decimal_not_float() -> None:
    total = sum((parse_amount(v) for v in ("0.10", "0.20")), Decimal(0))
    assert total == Decimal("0.30") and isinstance(total, Decimal)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("-5.0%", True), ("5%", True), ("12.35%", True), ("5.0", False), ("增长5%", False)],
)
def test_is_percent(raw: str, expected: bool) -> None:
    assert is_percent(raw) is expected


@pytest.mark.parametrize(
    ("line", "unit"),
    [
        ("单位：万元", "万元"),
        ("单位:元", "元"),
        ("金额单位：元", "元"),
        ("单位 ： 万 元", "万元"),  # letter-spaced
        ("部门名称：深圳市信访局 单位：万元", "万元"),
        ("单位：千元", "千元"),
        ("单位：亿元", "亿元"),
        ("单位名称：深圳市信访局", None),
        ("预算单位：广州市信访局", None),
        ("", None),
    ],
)
def test_find_unit(line: str, unit: str | None) -> None:
    assert find_unit(line) == unit


def test_unit_multipliers_are_exact() -> None:
    assert {
        "元": Decimal(1),
        "千元": Decimal(1000),
        "万元": Decimal(10000),
        "亿元": Decimal(100000000),
    } == UNIT_MULTIPLIER
    assert parse_amount("5.58") * UNIT_MULTIPLIER["万元"] == Decimal("55800.00")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("深圳市福田区政务服务数据管理局（本级）", "深圳市福田区政务服务数据管理局(本级)"),
        ("机关事业单位基本养老\n保险缴费支出", "机关事业单位基本养老保险缴费支出"),  # wrapped
        ("支  出  总  计", "支出总计"),  # letter-spaced total label
        ("“三公”经费", '"三公"经费'),
        ("⻔户网站", "门户网站"),  # CJK radical supplement
        ("⾏政运⾏", "行政运行"),  # Kangxi radicals (NFKC)
        ("１２３ＡＢ", "123AB"),
        ("〔2026〕", "[2026]"),
        ("【30226】劳务费", "[30226]劳务费"),
        ("因公出国（境）费", "因公出国(境)费"),
        ("—", "-"),
        (None, ""),
        ("", ""),
    ],
)
def test_normalize(raw: str | None, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("部部门门预预算算", "部门预算"),  # fake-bold doubling
        ("部门预算", "部门预算"),
        ("门门", "门门"),  # too short to tell
        ("部部门门预", "部部门门预"),  # odd length
    ],
)
def test_dedupe_doubled(raw: str, expected: str) -> None:
    assert dedupe_doubled(raw) == expected


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("单位名称:深圳市信访局", "深圳市信访局"),
        ("编制单位：北京市审计局单位：万元", "北京市审计局"),  # the unit label is not the name
        ("预算主管部门:长沙市信访局金额单位:元", "长沙市信访局"),
        ("单位:万元", None),  # a unit line names no one
        ("部门:广东省财政厅单位:万元", "广东省财政厅"),
        ("部门(单位):烟台市信访局单位:万元", "烟台市信访局"),
        ("单位:深圳市福田区园岭街道办事处金额单位:元", "深圳市福田区园岭街道办事处"),
    ],
)
def test_name_line(line: str, name: str | None) -> None:
    match = NAME_LINE.match(line)
    assert (match.group(1) if match else None) == name


def test_labels_around_titles() -> None:
    assert LABEL_LINE.match("部门:深圳市信访局") and not LABEL_LINE.match("部门预算")
    assert LABEL_AFTER_TITLE.split("表1部门收支总表单位:万元")[0] == "表1部门收支总表"
    found = NAME_ANYWHERE.search("附件:部门名称福州市商务局2026年部门预算")
    assert found is not None and found.group(1) == "福州市商务局"

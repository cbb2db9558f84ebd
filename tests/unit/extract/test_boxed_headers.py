"""Headers whose labels are boxed inside their cells (西安 2022 tables): the header is cut into
thin ruled strips, each column into three, and continuation pages are ruled with fewer columns."""

from __future__ import annotations

from orchestration.extract.catalog import load_catalog
from orchestration.extract.headers import (
    column_roles,
    header_depth,
    row_heights,
    with_covered_labels,
)
from orchestration.extract.models import PageTable
from orchestration.extract.rows import parse_table, split_catalogue
from orchestration.extract.stitch import stitch

CATALOG = load_catalog()
STRIP, ROW, WIDTH = 8.0, 16.0, 10.0

# 表5 一般公共预算支出明细表 as ruled: each printed column is three grid columns (the label's box
# in the middle); the header is six 8-pt strips; body cells are merged over the three columns.
HEADER = [
    ["", "序", "", "", "功能科目", "", "", "合计", "", "", "基本支出", ""],
    [None, "号", None, None, "名称", None, None, None, None, None, None, None],
    [None] * 12,
    [None] * 12,
    [None] * 12,
    ["", None, None, "", None, None, "", None, None, "", None, None],
]
BODY = [
    ["1", None, None, "合计", None, None, "300.00", None, None, "100.00", None, None],
    [
        "2",
        None,
        None,
        "201一般公共服务支出",
        None,
        None,
        "300.00",
        None,
        None,
        "100.00",
        None,
        None,
    ],
    ["3", None, None, "2010301行政运行", None, None, "300.00", None, None, "100.00", None, None],
]


def strips(grid: list[list[str | None]], heights: list[float], columns: int) -> PageTable:
    tops = [sum(heights[:r]) for r in range(len(grid))]
    boxes = [
        [(c * WIDTH, top, (c + 1) * WIDTH, top + h) for c in range(columns)]
        for top, h in zip(tops, heights, strict=True)
    ]
    return PageTable(
        page=1,
        bbox=(0.0, 0.0, columns * WIDTH, sum(heights)),
        grid=grid,
        cell_boxes=boxes,
        column_boxes=[(c * WIDTH, 0.0, (c + 1) * WIDTH, 0.0) for c in range(columns)],
        lines_above=["表5一般公共预算支出明细表(按功能科目分)", "金额单位:元"],
    )


def boxed_table() -> PageTable:
    return strips(HEADER + BODY, [STRIP] * len(HEADER) + [ROW] * len(BODY), 12)


def test_thin_strips_do_not_count_against_the_header_limit() -> None:
    table = boxed_table()
    assert row_heights(table) == [STRIP] * 6 + [ROW] * 3
    assert header_depth(table.grid, row_heights(table)) == 6
    # Seven text rows without an amount are no header: the limit still holds for them.
    tall = strips([*HEADER, ["x"] * 12, *BODY], [ROW] * 7 + [ROW] * 3, 12)
    assert header_depth(tall.grid, row_heights(tall)) == 1


def test_a_covered_column_gives_its_labels_to_the_column_covering_it() -> None:
    paths = [[], ["序", "号"], [], [], ["功能科目", "名称"], []]
    body = [["1", None, None, "合计", None, ""]]
    assert with_covered_labels(paths, body) == [["序", "号"], [], [], ["功能科目", "名称"], [], []]


def test_the_line_number_column_is_not_read_as_amounts() -> None:
    [table] = stitch([boxed_table()], CATALOG)
    parsed = parse_table(table, CATALOG, "西安市工业和信息化局")
    roles = {c.index: c.role for c in parsed.columns if c.path}
    assert roles == {0: "line_number", 3: "name", 6: "amount", 9: "amount"}
    assert [(r.code, r.name, r.kind) for r in parsed.rows] == [
        (None, "合计", "total"),
        ("201", "一般公共服务支出", "item"),
        ("2010301", "行政运行", "item"),
    ]


def test_a_continuation_page_ruled_with_fewer_columns_is_read_under_the_first_pages() -> None:
    first = boxed_table()
    # The next page prints the same four columns as four plain grid columns.
    rest = PageTable(
        page=2,
        bbox=(0.0, 0.0, 120.0, 32.0),
        grid=[
            ["4", "2010302一般行政管理事务", "50.00", "20.00"],
            ["5", "2010399其他政府办公厅(室)及相关机构事务支出", "250.00", "80.00"],
        ],
        cell_boxes=[
            [(x, top, x + 30.0, top + 16.0) for x in (0.0, 30.0, 60.0, 90.0)] for top in (0.0, 16.0)
        ],
        column_boxes=[
            (0.0, 0.0, 30.0, 0.0),
            (30.0, 0.0, 60.0, 0.0),
            (60.0, 0.0, 90.0, 0.0),
            (90.0, 0.0, 120.0, 0.0),
        ],
        lines_above=[],
    )
    [table] = stitch([first, rest], CATALOG)
    parsed = parse_table(table, CATALOG, "西安市工业和信息化局")
    line = parsed.rows[-2]
    assert (line.page, line.code, line.name) == (2, "2010302", "一般行政管理事务")
    assert (line.cells[6], line.cells[9]) == ("50.00", "20.00")


def test_a_catalogue_code_before_a_latin_name() -> None:
    assert split_catalogue("A02021003A4黑白打印机") == ("A02021003", "A4黑白打印机")
    assert split_catalogue("C23150000广告宣传服务") == ("C23150000", "广告宣传服务")
    assert split_catalogue("A4纸") == (None, "A4纸")


def test_a_platform_is_not_a_unit_but_a_station_is() -> None:
    assert CATALOG.unit_name.search("婚姻登记全域通信息平台") is None
    assert CATALOG.unit_name.search("西安广播电视台") is not None


def test_a_label_wrapped_over_two_header_rows_reads_joined() -> None:
    assert CATALOG.column_role(["部门经济科目编", "码"]) == "code"
    assert CATALOG.column_role(["功能分类科目", "类"]) == "code_part"  # a 类 of its own stays


def test_a_code_header_over_decimal_amounts_is_an_amount_column() -> None:
    # '政府性基金拨款' boxed one character a line: its path ends in '款', a code part's label.
    paths = [["单位名称"], ["部门预算", "政府", "性基", "金拨", "款"]]
    body = [["西安市工业和信息化局", "0.00"], ["西安市节能监察支队", "12.50"]]
    assert [c.role for c in column_roles(paths, body, CATALOG)] == ["unit", "amount"]

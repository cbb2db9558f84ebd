"""Unit tests of row labelling, stitching and parent assignment (orchestration.extract.rows,
.stitch, .headers) on small hand-made grids shaped like the real tables."""

from __future__ import annotations

import pytest

from orchestration.extract.catalog import load_catalog
from orchestration.extract.headers import header_depth, is_column_number_row
from orchestration.extract.models import PageTable
from orchestration.extract.rows import ParsedTable, numbering_level, parse_table, split_code
from orchestration.extract.stitch import stitch, title_of, unit_of

CATALOG = load_catalog()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2010301行政运行", ("2010301", "行政运行")),
        ("2010301-行政运行", ("2010301", "行政运行")),
        ("[2014001]行政运行", ("2014001", "行政运行")),  # Guangzhou: code in brackets
        ("[30226]劳务费", ("30226", "劳务费")),
        ("30226劳务费", ("30226", "劳务费")),
        ("A030201台式计算机", ("A030201", "台式计算机")),
        ("A0302办公自动化设备", ("A0302", "办公自动化设备")),
        ("C服务类", ("C", "服务类")),
        ("201", ("201", "")),  # a code cell alone
        ("A", ("A", "")),
        # years, line numbers, page numbers and amounts are not codes
        ("2020年预算数", (None, "2020年预算数")),
        ("2026年", (None, "2026年")),
        ("2025年度", (None, "2025年度")),
        ("2026信访专项经费", (None, "2026信访专项经费")),  # a project named by its year
        ("2026", ("2026", "")),
        ("12", (None, "12")),  # a line number
        ("1.行政运行", (None, "1.行政运行")),
        ("-3-", (None, "-3-")),  # a page number
        ("第1页", (None, "第1页")),
        ("101,833.84", (None, "101,833.84")),
        ("行政运行", (None, "行政运行")),
        ("Abc", (None, "Abc")),
    ],
)
def test_split_code(text: str, expected: tuple[str | None, str]) -> None:
    assert split_code(text) == expected


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("一、一般公共服务支出", 1),
        ("十二、其他支出", 1),
        ("(一)行政运行", 2),
        ("（二）机关服务", 2),
        ("1.基本工资", 3),
        ("2、津贴补贴", 3),
        ("(1)差旅费", 4),
        ("1.5万元以下", 0),  # a decimal, not a numbering
        ("行政运行", 0),
    ],
)
def test_numbering_level(name: str, level: int) -> None:
    assert numbering_level(name) == level


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["栏次", "1", "2", "3"], True),
        (["**", "1", "2", "3"], True),  # Zhejiang
        (["", "1", "2"], True),
        (["1", "3", "2"], False),  # not in order
        (["2025", "2026"], False),
        (["合计", "1.00", "2.00"], False),
    ],
)
def test_is_column_number_row(row: list[str], expected: bool) -> None:
    assert is_column_number_row(row) is expected


def test_header_depth_skips_column_numbers_and_years() -> None:
    grid = [
        ["项目", "2026年", None],
        [None, "基本支出", "项目支出"],
        ["栏次", "1", "2"],
        ["合计", "3.00", "4.00"],
    ]
    assert header_depth(grid) == 3


# --- hand-made page tables ---------------------------------------------------------------

WIDTH = 100.0
HEIGHT = 20.0


def part(
    grid: list[list[str | None]],
    page: int = 1,
    above: tuple[str, ...] = (),
    indents: list[float | None] | None = None,
    first: bool = True,
    last: bool = True,
) -> PageTable:
    """A ruled grid with one cell box per cell (columns WIDTH wide, rows HEIGHT high)."""
    columns = max(len(r) for r in grid)
    boxes = [
        [(c * WIDTH, r * HEIGHT, (c + 1) * WIDTH, (r + 1) * HEIGHT) for c in range(columns)]
        for r in range(len(grid))
    ]
    return PageTable(
        page=page,
        bbox=(0.0, 0.0, columns * WIDTH, len(grid) * HEIGHT),
        grid=grid,
        cell_boxes=boxes,
        column_boxes=[(c * WIDTH, 0.0, (c + 1) * WIDTH, 0.0) for c in range(columns)],
        lines_above=list(above),
        indents=indents or [],
        is_first_on_page=first,
        is_last_on_page=last,
    )


HEADER = ["科目编码", "科目名称", "合计", "基本支出", "项目支出"]
TITLE = ("表7一般公共预算支出表", "单位名称:深圳市信访局", "单位:万元")


def test_title_and_number() -> None:
    assert title_of(list(TITLE), CATALOG) == ("表7一般公共预算支出表", "表7")
    assert title_of(["部门公开表1", "2026年部门收支总体情况表"], CATALOG)[1] == "部门公开表1"
    assert CATALOG.classify_title('表9财政拨款"三公"经费支出表') == "three_public"


@pytest.mark.parametrize(
    ("above", "header", "unit", "source"),
    [
        (("单位:元",), HEADER, "元", "printed"),
        (("金额单位:万元",), HEADER, "万元", "printed"),
        ((), ["项目", "金额(元)"], "元", "printed"),  # unit printed in a header cell
        ((), HEADER, "万元", "default"),
    ],
)
def test_unit_of_a_table(above: tuple[str, ...], header: list[str], unit: str, source) -> None:
    [table] = stitch(
        [part([header, ["合计"] + ["1.00"] * (len(header) - 1)], above=("表1", *above))], CATALOG
    )
    assert (table.unit, table.unit_source) == (unit, source)
    if source == "printed":
        assert unit_of(table.parts[0]) == unit


def function_table() -> list[PageTable]:
    """表7 over two pages; the second repeats the header but not the title."""
    return [
        part(
            [
                HEADER,
                ["", "合计", "100.00", "60.00", "40.00"],
                ["201", "一般公共服务支出", "100.00", "60.00", "40.00"],
                ["20103", "政府办公厅(室)及相关机构事务", "100.00", "60.00", "40.00"],
            ],
            page=20,
            above=TITLE,
        ),
        part(
            [
                HEADER,
                ["2010301", "行政运行", "60.00", "60.00", ""],
                ["2010350", "事业运行", "40.00", "", "40.00"],
            ],
            page=21,
        ),
    ]


def parsed(parts: list[PageTable], department: str | None = "深圳市信访局") -> ParsedTable:
    [table] = stitch(parts, CATALOG)
    return parse_table(table, CATALOG, department)


def test_continuation_page_is_stitched_and_its_header_dropped() -> None:
    [table] = stitch(function_table(), CATALOG)
    assert (table.table_type, table.printed_number, table.pages) == (
        "general_budget_function",
        "表7",
        [20, 21],
    )
    rows = parse_table(table, CATALOG, "深圳市信访局").rows
    assert [(r.page, r.code, r.name, r.kind) for r in rows] == [
        (20, None, "合计", "total"),
        (20, "201", "一般公共服务支出", "item"),
        (20, "20103", "政府办公厅(室)及相关机构事务", "item"),
        (21, "2010301", "行政运行", "item"),
        (21, "2010350", "事业运行", "item"),
    ]


def test_codes_give_the_parents() -> None:
    rows = parsed(function_table()).rows
    parent = {
        r.code: rows[r.parent_index].code if r.parent_index is not None else None for r in rows
    }
    assert parent == {
        None: None,
        "201": None,
        "20103": "201",
        "2010301": "20103",
        "2010350": "20103",
    }
    assert [r.level for r in rows[1:]] == [1, 2, 3, 3]


@pytest.mark.parametrize(
    ("second", "tables"),
    [
        (dict(page=21), 1),  # untitled, next page, first on its page: continues
        (dict(page=21, above=TITLE), 1),  # repeats the same title and number: continues
        (dict(page=22), 2),  # a page in between: a new table
        (dict(page=21, first=False), 2),  # not at the top of its page
        (dict(page=21, above=("表8政府性基金预算支出表",)), 2),  # another table
    ],
)
def test_when_a_part_continues_the_previous_table(second: dict, tables: int) -> None:
    first, rest = function_table()
    other = part(rest.grid, **second)
    assert len(stitch([first, other], CATALOG)) == tables


@pytest.mark.parametrize(
    ("page", "cells", "continues"),
    [
        (21, ["2010301", "行政运行", "100.00", "60.00", "40.00"], True),
        (22, ["2010301", "行政运行", "100.00", "60.00", "40.00"], False),  # a page between
        (21, ["预算总额", "100.00"], False),  # a box around a narrative figure
    ],
)
def test_a_lone_row_at_the_top_of_a_page_ends_the_table_before(
    page: int, cells: list[str], continues: bool
) -> None:
    # Wuxi 公开03表: the last line (2210203 购房补贴 167.18) alone on the next page, in a ruled
    # row of its own; where it continues nothing it is no table.
    first, _ = function_table()
    stitched = stitch([first, part([cells], page=page)], CATALOG)
    assert len(stitched) == 1
    rows = parse_table(stitched[0], CATALOG, "深圳市信访局").rows
    assert rows[-1].code == ("2010301" if continues else "20103")


def test_code_parts_in_class_section_item_columns_carry_over() -> None:
    # Shanghai: 类 | 款 | 项 columns; child rows print only their own part.
    header = [["科目编码", None, None, "科目名称", "金额"], ["类", "款", "项", None, None]]
    body = [
        ["", "", "", "合计", "6,142,000"],
        ["201", "", "", "一般公共服务支出", "6,142,000"],
        ["", "08", "", "审计事务", "6,142,000"],
        ["", "", "01", "行政运行", "6,100,000"],
        ["", "", "02", "一般行政管理事务", "42,000"],
    ]
    grid = part(header + body, above=("表3一般公共预算支出表", "单位:元"))
    # 科目编码 is one merged cell over the three part columns: pdfplumber gives one box for it
    # and none for the cells it covers.
    grid.cell_boxes[0][:3] = [(0.0, 0.0, 3 * WIDTH, HEIGHT), None, None]
    rows = parsed([grid]).rows
    assert [r.code for r in rows] == [None, "201", "20108", "2010801", "2010802"]
    assert rows[3].parent_index == rows[2].index


def test_unit_rows_and_department_row() -> None:
    department = "深圳市福田区政务服务数据管理局"
    header = ["单位名称", "合计", "基本支出", "项目支出"]
    body = [
        [department, "10.00", "6.00", "4.00"],
        [f"{department}(本级)", "7.00", "4.00", "3.00"],
        ["深圳市福田区数据管理中心", "3.00", "2.00", "1.00"],
    ]
    rows = parsed([part([header, *body], above=("表3部门支出总表",))], department).rows
    assert [(r.kind, r.parent_index) for r in rows] == [
        ("department", None),
        ("unit", 0),
        ("unit", 0),
    ]


@pytest.mark.parametrize(
    ("label", "derived"),
    [
        ("增减变化金额", True),
        ("比上年增减", True),
        ("增长率", True),
        ("增减%", True),
        ("民警满意度(%)", True),
        # names that only contain a word of change are lines (a function, a unit, a project)
        ("应对气候变化管理事务", False),
        ("广州市生态与农业气象中心(广州市气候变化中心)", False),
        ("外贸稳增长财政补助项目", False),
        ("广州市全国1%人口抽样调查经费", False),
    ],
)
def test_derived_rows_are_told_from_names_containing_a_change(label: str, derived: bool) -> None:
    header = ["科目名称", "合计"]
    body = [
        ["合计", "20.00"],
        ["广州市统计局", "20.00"],
        [label, "5.00"],
        ["统计专项经费", "15.00"],
    ]
    rows = parsed([part([header, *body], above=("表12部门预算项目支出表",))], "广州市统计局").rows
    assert (rows[2].kind == "derived") is derived


def test_a_name_alone_above_its_lines_is_their_unit() -> None:
    # Wuxi 公开13表: 采购品目大类 holds 货物, then each unit's name alone (a school: no 局, 中心 …);
    # its lines leave that column empty and print 专项名称 | 采购品目名称.
    header = ["采购品目大类", "专项名称", "采购品目名称", "总计"]
    body = [
        ["合计", "", "", "20.00"],
        ["货物", "", "", "20.00"],
        ["无锡市辅仁高级中学", "", "", "15.00"],
        ["", "实验室建设专项", "台式计算机", "15.00"],
        ["无锡市第一女子中学", "", "", "5.00"],
        ["", "一女中人员定额", "复印纸", "5.00"],
    ]
    rows = parsed([part([header, *body], above=("公开13表政府采购支出表",))], "无锡市教育局").rows
    assert [(r.kind, r.unit_name, r.parent_index) for r in rows] == [
        ("total", None, None),
        ("group", None, None),
        ("unit", "无锡市辅仁高级中学", 1),
        ("item", "无锡市辅仁高级中学", 2),
        ("unit", "无锡市第一女子中学", 1),
        ("item", "无锡市第一女子中学", 4),
    ]


def test_year_rows_under_a_unit_printed_once() -> None:
    # Shenzhen 三公: the unit is printed only on its first year row; 增减 rows are derived.
    header = ["单位名称", "年度", '"三公"经费合计', "公务接待费"]
    body = [
        ["深圳市信访局", "2025年", "5.58", "2.98"],
        ["", "2026年", "5.58", "2.98"],
        ["", "增减变化金额", "0.00", "0.00"],
    ]
    rows = parsed([part([header, *body], above=('表9财政拨款"三公"经费支出表',))]).rows
    assert [(r.unit_name, r.year, r.kind) for r in rows] == [
        ("深圳市信访局", 2025, "unit"),
        ("深圳市信访局", 2026, "unit"),
        ("深圳市信访局", None, "derived"),
    ]


def test_indentation_gives_the_hierarchy_of_uncoded_names() -> None:
    # Hangzhou: no codes, names indented in steps (at least 3 names per step).
    header = ["科目名称", "合计"]
    body = [  # name, amount, indent; then the parent and level the indent gives
        ("合计", "30.00", 2.0, None, 0),
        ("一般公共服务支出", "30.00", 2.0, None, 1),
        ("人大事务", "20.00", 8.0, "一般公共服务支出", 2),
        ("行政运行", "15.00", 14.0, "人大事务", 3),
        ("一般行政管理事务", "5.00", 14.0, "人大事务", 3),
        ("政协事务", "10.00", 8.0, "一般公共服务支出", 2),
        ("行政运行", "4.00", 14.0, "政协事务", 3),
        ("机关服务", "3.00", 14.0, "政协事务", 3),
        ("专项业务", "2.00", 14.0, "政协事务", 3),
        ("事业运行", "1.00", 14.0, "政协事务", 3),
    ]
    grid = [header] + [[name, amount] for name, amount, *_ in body]
    indents = [None] + [indent for _, _, indent, *_ in body]
    rows = parsed([part(grid, above=("表7一般公共预算支出表",), indents=indents)]).rows
    names = [r.name for r in rows]
    got = [
        (r.name, names[r.parent_index] if r.parent_index is not None else None, r.level)
        for r in rows
    ]
    assert got[1:] == [(name, parent, level) for name, _, _, parent, level in body[1:]]


def test_group_labels_parent_their_items() -> None:
    header = ["经济分类科目", "合计"]
    body = [
        ["合计", "9.00"],
        ["工资福利支出", "6.00"],
        ["基本工资", "4.00"],
        ["津贴补贴", "2.00"],
        ["商品和服务支出", "3.00"],
        ["办公费", "3.00"],
    ]
    rows = parsed([part([header, *body], above=("表4基本支出表",))]).rows
    assert [(r.name, r.kind, r.group_name) for r in rows[1:]] == [
        ("工资福利支出", "group", None),
        ("基本工资", "item", "工资福利支出"),
        ("津贴补贴", "item", "工资福利支出"),
        ("商品和服务支出", "group", None),
        ("办公费", "item", "商品和服务支出"),
    ]


def test_category_labels_under_units_are_siblings() -> None:
    # 珠海 基本支出预算表: each unit lists 工资和福利支出 … 其他资本性等支出, the 类 of the
    # economic classification by other names; none is a child of the one above it.
    header = ["支出项目类别（资金使用单位）", "总计"]
    body = [
        ["合计", "10.00"],
        ["某市商务局", "10.00"],
        ["工资和福利支出", "4.00"],
        ["商品和服务支出", "3.00"],
        ["对个人和家庭的补助", "2.00"],
        ["其他资本性等支出", "1.00"],
    ]
    rows = parsed([part([header, *body], above=("表11部门预算基本支出预算表",))]).rows
    assert [(r.name, r.kind, r.level) for r in rows[2:]] == [
        ("工资和福利支出", "group", 1),
        ("商品和服务支出", "group", 1),
        ("对个人和家庭的补助", "group", 1),
        ("其他资本性等支出", "group", 1),
    ]


def test_text_cut_by_a_page_break_is_joined_to_its_row() -> None:
    # Guangzhou 表12: a long 绩效目标 cell continues at the top of the next page.
    header = ["项目名称", "金额", "绩效目标"]
    first = part(
        [header, ["信访接待经费", "28.00", "做好市人民来访接待厅"]],
        page=22,
        above=("表12项目支出表",),
    )
    rest = part([header, ["", "", "的接待工作"], ["信息化运维", "12.00", "系统稳定运行"]], page=23)
    rows = parsed([first, rest]).rows
    assert [(r.project_name, r.cells[2], r.page) for r in rows] == [
        ("信访接待经费", "做好市人民来访接待厅的接待工作", 22),
        ("信息化运维", "系统稳定运行", 23),
    ]


def test_six_digit_unit_codes_among_classification_codes_are_units() -> None:
    # Xi'an 2019: '125001 西安市安全生产监督管理局' in the function-code column above its 类/款/项.
    header = ["功能科目编码", "功能科目名称", "合计"]
    body = [
        ["", "合计", "30.00"],
        ["125001", "西安市安全生产监督管理局", "20.00"],
        ["208", "社会保障和就业支出", "20.00"],
        ["20805", "行政事业单位养老支出", "20.00"],
        ["2080505", "机关事业单位基本养老保险缴费支出", "20.00"],
        ["125002", "西安市安全生产宣传教育中心", "10.00"],
        ["208", "社会保障和就业支出", "10.00"],
        ["20805", "行政事业单位养老支出", "10.00"],
        ["2080505", "机关事业单位基本养老保险缴费支出", "10.00"],
    ]
    rows = parsed(
        [part([header, *body], above=("表5一般公共预算支出表",))], "西安市应急管理局"
    ).rows
    assert [(r.kind, r.parent_index) for r in rows] == [
        ("total", None),
        ("unit", None),
        ("item", 1),
        ("item", 2),
        ("item", 3),
        ("unit", None),
        ("item", 5),
        ("item", 6),
        ("item", 7),
    ]


def test_a_project_table_with_unit_codes_reads_no_uncoded_unit() -> None:
    # Xi'an 专项业务经费表: units print a 单位编码; a project ending in 平台 is not a unit.
    header = ["单位编码", "单位(项目)名称", "项目金额"]
    body = [
        ["", "合计", "80.00"],
        ["222010", "西安市交通发展研究中心", "80.00"],
        ["", "网络信息化建设", "30.00"],
        ["", "西安市交通发展研究项目与专家管理平台", "30.00"],
        ["", "大型活动", "50.00"],
    ]
    rows = parsed(
        [part([header, *body], above=("表10专项业务经费支出表",))], "西安市交通运输局"
    ).rows
    assert "unit" not in {r.kind for r in rows}


def test_a_unit_code_nests_under_its_department_code() -> None:
    # Xi'an procurement: '210 15 05 245 西安市医疗保障局' then units 245001 (same 项) and
    # 245002 (another 项): both are the department's.
    header = [["科目编码", None, None, "单位编码", "采购项目", "预算金额"], ["类", "款", "项"]]
    header[1] += [None, None, None]
    body = [
        ["", "", "", "", "合计", "30"],
        ["210", "15", "05", "245", "西安市医疗保障局", "30"],
        ["210", "15", "05", "245001", "西安市医疗保障局", "10"],
        ["210", "15", "05", "", "医保系统运行维护费", "10"],
        ["210", "15", "06", "245002", "西安市医疗保障经办服务中心", "20"],
        ["210", "15", "06", "", "工装费", "20"],
    ]
    grid = part(header + body, above=("表12政府采购预算表", "单位:元"))
    grid.cell_boxes[0][:3] = [(0.0, 0.0, 3 * WIDTH, HEIGHT), None, None]
    rows = parsed([grid], "西安市医疗保障局").rows
    assert [r.parent_index for r in rows] == [None, None, 1, 2, 1, 4]


def test_side_by_side_groups_are_read_one_after_the_other() -> None:
    # 公开06表: 科目代码 | 科目名称 | 决算数 printed twice; each group's subtotal is derived.
    header = ["科目代码", "科目名称", "决算数", "科目代码", "科目名称", "决算数"]
    body = [
        ["301", "工资福利支出", "30.00", "302", "商品和服务支出", "5.00"],
        ["30101", "基本工资", "20.00", "30201", "办公费", "5.00"],
        ["30102", "津贴补贴", "10.00", "", "", ""],
        ["人员经费合计", "30.00", "", "公用经费合计", "5.00", ""],
    ]
    grid = part([header, *body], above=("公开06表一般公共预算财政拨款基本支出决算表",))
    grid.grid[-1] = ["人员经费合计", None, "30.00", "公用经费合计", None, "5.00"]
    rows = parsed([grid]).rows
    assert [(r.code, r.name, r.kind, r.parent_index) for r in rows] == [
        ("301", "工资福利支出", "item", None),
        ("30101", "基本工资", "item", 0),
        ("30102", "津贴补贴", "item", 0),
        (None, "人员经费合计", "derived", None),
        ("302", "商品和服务支出", "item", None),
        ("30201", "办公费", "item", 4),
        (None, "公用经费合计", "derived", None),
    ]


def test_side_by_side_groups_with_codes_in_parts_are_read_one_after_the_other() -> None:
    # 类 | 款 | 科目名称 | 决算数 printed twice (上海 基本支出决算表): each half keeps its own code.
    header = ["类", "款", "科目名称", "决算数"] * 2
    body = [
        ["301", "", "工资福利支出", "30.00", "302", "", "商品和服务支出", "5.00"],
        ["301", "01", "基本工资", "20.00", "302", "01", "办公费", "5.00"],
        ["301", "02", "津贴补贴", "10.00", "", "", "", ""],
    ]
    rows = parsed([part([header, *body], above=("一般公共预算财政拨款基本支出决算表",))]).rows
    assert [(r.code, r.name, r.parent_index) for r in rows] == [
        ("301", "工资福利支出", None),
        ("30101", "基本工资", 0),
        ("30102", "津贴补贴", 0),
        ("302", "商品和服务支出", None),
        ("30201", "办公费", 3),
    ]


def test_a_group_label_on_the_second_side_of_a_two_sided_table_is_a_line() -> None:
    header = [["收入", None, "支出", None], ["项目", "预算数", "项目", "预算数"]]
    body = [
        ["一、财政拨款", "100.00", "交通运输支出", "80.00"],
        ["", "", "其他支出", "20.00"],
        ["", "", "其他政府性基金及对应专项债务收入安排的支出", "20.00"],
        ["", "", "其他政府性基金安排的支出", "20.00"],
    ]
    rows = parsed([part(header + body, above=("表1部门收支预算总表",))]).rows
    assert "group" not in {r.kind for r in rows}
    assert {r.parent_index for r in rows[1:]} == {None}


def test_a_function_named_like_a_unit_on_the_second_side_is_a_line() -> None:
    # Shenzhen 表1 收支总表: 支出 prints functions without codes; 精神病医院 is one, not a unit.
    header = [["收入", None, "支出", None], ["项目", "2026年预算数", "项目", "2026年预算数"]]
    body = [
        ["一、财政拨款", "212.33", "卫生健康支出", "212.33"],
        ["", "", "公立医院", "212.33"],
        ["", "", "精神病医院", "183.18"],
        ["", "", "其他公立医院支出", "29.15"],
    ]
    rows = parsed([part(header + body, above=("表1收支总表",))], "深圳市卫生健康委员会").rows
    assert [r.kind for r in rows] == ["item"] * 4
    assert {r.unit_name for r in rows} == {None}


def test_a_unit_named_as_the_department_s_own_is_never_the_department() -> None:
    # Wuxi 公开13表: '无锡市统计局(本级)' printed left of 无锡市统计普查中心 (names centred in
    # their cells): two units, not the department above its unit.
    header = ["采购品目大类", "专项名称", "采购品目名称", "总计"]
    body = [
        ["合计", "", "", "2.61"],
        ["服务", "", "", "2.61"],
        ["无锡市统计局(本级)", "", "", "2.00"],
        ["", "会议费", "一般会议服务", "2.00"],
        ["无锡市统计普查中心", "", "", "0.61"],
        ["", "会议费", "一般会议服务", "0.61"],
    ]
    indents = [None, 26.6, 0.1, 0.1, None, 33.1, None]
    grid = part([header, *body], above=("公开13表政府采购支出表",), indents=indents)
    rows = parsed([grid], "无锡市统计局").rows
    assert [(r.kind, r.parent_index) for r in rows[1:]] == [
        ("group", None),
        ("unit", 1),
        ("item", 2),
        ("unit", 1),
        ("item", 4),
    ]


def test_a_function_named_like_a_unit_in_a_classification_column_is_a_line() -> None:
    # Hangzhou 表5: 功能分类科目名称 lists functions by indentation; 监狱 is one, not a unit.
    header = ["功能分类科目名称", "合计"]
    body = [
        ("合计", "70.00", 5.4),
        ("社会保障和就业支出", "10.00", 5.4),
        ("行政事业单位养老支出", "10.00", 15.4),
        ("行政单位离退休", "10.00", 25.4),
        ("公共安全支出", "60.00", 5.4),
        ("司法", "10.00", 15.4),
        ("行政运行", "6.00", 25.4),
        ("普法宣传", "4.00", 25.4),
        ("监狱", "50.00", 15.4),
        ("行政运行", "48.00", 25.4),
        ("狱政设施建设", "2.00", 25.4),
    ]
    grid = [header] + [[name, amount] for name, amount, _ in body]
    indents = [None] + [indent for *_, indent in body]
    rows = parsed([part(grid, above=("表5一般公共预算支出预算表",), indents=indents)]).rows
    assert [r.kind for r in rows] == ["total"] + ["item"] * 10
    assert [r.parent_index for r in rows] == [None, None, 1, 2, None, 4, 5, 5, 4, 8, 8]


@pytest.mark.parametrize(
    ("tail", "merged"),
    [
        (["车驾驶员考试服务中心", "", "6"], True),  # the name's end and an amount's last digit
        (["学院", "", ""], True),  # a few characters of a name alone
        (["车驾驶员考试服务中心", "", ""], False),  # a long name alone is a row of its own
        (["车驾驶员考试服务中心", "", "60.00"], False),  # a whole amount: a row of its own
    ],
)
def test_the_end_of_a_row_cut_off_at_the_foot_of_a_page(tail: list[str], merged: bool) -> None:
    # Hangzhou 表2 p.21-22: '杭州市机动' | 14,549.64 | 12,437.3 then '车驾驶员考试服务中心' | '' | '6'.
    header = ["单位名称", "总计", "事业收入"]
    first = [header, ["合计", "14,549.64", "12,437.36"], ["杭州市机动", "14,549.64", "12,437.3"]]
    parts = [part(first, above=("表2收入预算总表",)), part([tail, ["", "", ""]], page=2)]
    rows = parsed(parts, "杭州市公安局").rows
    assert len(rows) == (2 if merged else 3)
    if tail[2] == "6":
        assert (rows[1].name, rows[1].cells[2]) == ("杭州市机动车驾驶员考试服务中心", "12,437.36")

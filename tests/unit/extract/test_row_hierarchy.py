"""Unit tests of the row hierarchy on typed rows, no grid or PDF: the completion of codes split
into 类 | 款 | 项 columns (``CodeParts``) and the parent of each row (``assign_parents``)."""

from __future__ import annotations

from textwrap import dedent

import pytest

from orchestration.extract.models import Row, RowKind
from orchestration.extract.rows import CodeParts, _indent_levels, assign_parents, numbering_level


def row(
    index: int,
    name: str = "",
    kind: RowKind = "item",
    code: str | None = None,
    *,
    sub_code: str | None = None,
    project: str | None = None,
    indent: float | None = None,
    cells: list[str] | None = None,
) -> Row:
    """A labelled row as ``parse_table`` hands it to the hierarchy (level from its numbering)."""
    cells = cells if cells is not None else [code or "", name]
    return Row(
        index=index,
        page=1,
        bbox=(0.0, 0.0, 1.0, 1.0),
        cells=cells,
        raw_cells=list(cells),
        kind=kind,
        code=code,
        name=name,
        sub_code=sub_code,
        project_name=project,
        indent=indent,
        level=numbering_level(name),
    )


def outline(rows: list[Row]) -> str:
    """The rows after ``assign_parents`` as an outline: each row indented under its parent,
    with its level ('L2'). A parent that is not the nearest shallower row above is named."""
    assign_parents(rows)
    depth: dict[int, int] = {}
    lines = []
    for r in rows:
        depth[r.index] = 0 if r.parent_index is None else depth[r.parent_index] + 1
        shallower = [p.index for p in rows[: r.index] if depth[p.index] < depth[r.index]]
        implied = shallower[-1] if depth[r.index] else None
        under = "" if implied == r.parent_index else f" (under row {r.parent_index})"
        label = r.code or r.name or r.project_name
        lines.append(f"{'  ' * depth[r.index]}{label} L{r.level}{under}")
    return "\n".join(lines)


def drawn(text: str) -> str:
    return dedent(text).strip()


# --- code parts ------------------------------------------------------------------------------


def completed(parts: list[list[str]], kinds: list[RowKind] | None = None) -> list[str | None]:
    """Codes of rows whose first three cells are the 类 | 款 | 项 columns."""
    completion = CodeParts([0, 1, 2])
    codes = []
    for n, cells in enumerate(parts):
        r = row(n, cells=[*cells, "名称"], kind=(kinds or ["item"] * len(parts))[n])
        completion.complete(r)
        codes.append(r.code)
    return codes


def test_code_parts_carry_over_from_the_rows_above() -> None:
    # Shanghai: child rows print only their own part ('' | 08 | '' under 201).
    parts = [
        ["201", "", ""],
        ["", "08", ""],
        ["", "", "01"],
        ["", "", "02"],
        ["", "11", ""],  # a new 款 drops the previous 项
        ["", "", "01"],
        ["208", "05", "01"],  # all three printed
    ]
    assert completed(parts) == ["201", "20108", "2010801", "2010802", "20111", "2011101", "2080501"]


def test_code_parts_need_the_parts_before_them() -> None:
    # A 款 with no 类 above it, a total row and a non-numeric part are left alone.
    assert completed([["", "08", ""]]) == [None]
    assert completed([["201", "", ""], ["合", "计", ""]], ["item", "item"]) == ["201", None]
    assert completed([["201", "", ""], ["", "08", ""]], ["item", "total"]) == ["201", None]


def test_no_code_part_columns_complete_nothing() -> None:
    r = row(0, "行政运行", cells=["", "", "01", "行政运行"])
    CodeParts([]).complete(r)
    assert r.code is None


# --- parents by code ---------------------------------------------------------------------------


def test_codes_nest_by_their_longest_printed_prefix() -> None:
    rows = [
        row(0, "合计", "total"),
        row(1, "一般公共服务支出", code="201"),
        row(2, "政府办公厅(室)及相关机构事务", code="20103"),
        row(3, "行政运行", code="2010301"),
        row(4, "事业运行", code="2010350"),
        row(5, "教育支出", code="205"),
        row(6, "普通教育", code="20502"),
    ]
    assert outline(rows) == drawn(
        """
        合计 L0
        201 L1
          20103 L2
            2010301 L3
            2010350 L3
        205 L1
          20502 L2
        """
    )


def test_a_line_printed_twice_is_one_line() -> None:
    # 款 '21999 其他支出' repeated as its own 项: the repeat hangs from the first.
    rows = [row(0, "其他支出", code="219"), row(1, "其他支出", code="21999")]
    rows.append(row(2, "其他支出", code="21999"))
    assert outline(rows) == drawn(
        """
        219 L1
          21999 L2
            21999 L3
        """
    )


def test_the_same_code_elsewhere_is_not_a_parent() -> None:
    rows = [row(0, "行政运行", code="2010301"), row(1, "机关服务", code="2010302")]
    rows.append(row(2, "行政运行(二)", code="2010301"))  # same code, other cells, not adjacent
    assert outline(rows) == drawn(
        """
        2010301 L1
        2010302 L1
        2010301 L1
        """
    )


def test_rows_sharing_a_code_nest_by_the_code_beside_it() -> None:
    # 全额 (sub code 1) over the unit (154001) over the lines that print none.
    rows = [
        row(0, "行政运行", code="2010301", sub_code="1"),
        row(1, "行政运行", code="2010301", sub_code="154001"),
        row(2, "行政运行", code="2010301"),
    ]
    assign_parents(rows)
    assert [(r.parent_index, r.level) for r in rows] == [(None, 1), (0, 2), (1, 3)]


def test_a_project_hangs_from_the_code_above_it() -> None:
    rows = [
        row(0, "行政运行", code="2010301"),
        row(1, project="信访信息系统运维", cells=["", "", "信访信息系统运维"]),
    ]
    assert outline(rows) == "2010301 L1\n  信访信息系统运维 L2"


# --- departments, units and groups -----------------------------------------------------------


def test_each_unit_starts_its_own_code_tree_under_the_department() -> None:
    rows = [
        row(0, "深圳市信访局", "department"),
        row(1, "深圳市信访局(本级)", "unit"),
        row(2, "一般公共服务支出", code="201"),
        row(3, "信访事务", code="20123"),
        row(4, "深圳市信访服务中心", "unit"),
        row(5, "信访事务", code="20123"),  # not under the first unit's 201
    ]
    assert outline(rows) == drawn(
        """
        深圳市信访局 L0
          深圳市信访局(本级) L0
            201 L1
              20123 L2
          深圳市信访服务中心 L0
            20123 L1
        """
    )


def test_units_listed_inside_groups() -> None:
    # Procurement: 货物 → unit → items; a group closes the unit above it.
    rows = [
        row(0, "货物", "group"),
        row(1, "深圳市信访局", "unit"),
        row(2, "台式计算机", code="A02010104"),
        row(3, "服务", "group"),
        row(4, "深圳市信访局", "unit"),
        row(5, "物业管理服务", code="C21040000"),
    ]
    assert outline(rows) == drawn(
        """
        货物 L1
          深圳市信访局 L0
            A02010104 L1
        服务 L1
          深圳市信访局 L0
            C21040000 L1
        """
    )
    assert [r.group_name for r in rows] == [None, "货物", "货物", None, "服务", "服务"]


def test_every_unit_listed_inside_a_group_hangs_from_it() -> None:
    # Suzhou/Wuxi 公开13表: 货物 → unit → items → next unit → items; the second unit does not
    # follow the group directly but is its child all the same (货物 = the sum of its units).
    rows = [
        row(0, "货物", "group"),
        row(1, "苏州市数据局", "unit"),
        row(2, "设备购置"),
        row(3, "苏州市公共资源交易中心", "unit"),
        row(4, "办公设备购置"),
        row(5, "服务", "group"),
        row(6, "苏州市数据局", "unit"),
        row(7, "委托业务费"),
        row(8, "苏州市公共资源交易中心", "unit"),
        row(9, "物业管理费"),
    ]
    assert outline(rows) == drawn(
        """
        货物 L1
          苏州市数据局 L0
            设备购置 L1
          苏州市公共资源交易中心 L0
            办公设备购置 L1
        服务 L1
          苏州市数据局 L0
            委托业务费 L1
          苏州市公共资源交易中心 L0
            物业管理费 L1
        """
    )


def test_units_listed_first_then_their_groups() -> None:
    # unit → group → items: a unit right after a group printed without items is the next
    # unit, not the group's child.
    rows = [
        row(0, "深圳市信访局", "unit"),
        row(1, "工资福利支出", "group"),
        row(2, "基本工资"),
        row(3, "商品和服务支出", "group"),
        row(4, "深圳市信访服务中心", "unit"),
        row(5, "办公费"),
    ]
    assert outline(rows) == drawn(
        """
        深圳市信访局 L0
          工资福利支出 L1
            基本工资 L2
          商品和服务支出 L1
        深圳市信访服务中心 L0
          办公费 L1
        """
    )


def test_a_shallower_row_after_lines_that_hung_from_the_unit_is_their_sibling() -> None:
    # Guangzhou 表12: projects indented two steps hang from the unit; 'CC(市本级)' (a project
    # kept confidential) printed one step in does not take the projects below it.
    rows = [
        row(0, "广州市发展和改革委员会", "unit", indent=5.4),
        row(1, "经济社会形势分析工作经费", indent=25.4),
        row(2, "市本级粮食风险基金", indent=25.4),
        row(3, "法律顾问工作经费", indent=25.4),
        row(4, "CC(市本级)", indent=15.4),
        row(5, "营商环境优化提升项目", indent=25.4),
        row(6, "民生保障领域工作经费", indent=25.4),
        row(7, "广州市节能中心", "unit", indent=5.4),
        row(8, "节能专项工作业务经费", indent=25.4),
        row(9, "业务办公用房管理经费", indent=25.4),
        row(10, "机构运行辅助经费", indent=25.4),
    ]
    assign_parents(rows)
    assert [r.parent_index for r in rows] == [None, 0, 0, 0, 0, 0, 0, None, 7, 7, 7]


def test_changes_and_totals_have_no_parent() -> None:
    rows = [row(0, "深圳市信访局", "unit"), row(1, "增减变化", "derived"), row(2, "合计", "total")]
    assert outline(rows) == "深圳市信访局 L0\n增减变化 L0\n合计 L0"


# --- numbering and indentation ---------------------------------------------------------------


def test_numbering_gives_the_parents_of_uncoded_names() -> None:
    rows = [
        row(0, "一、一般公共服务支出"),
        row(1, "(一)行政运行"),
        row(2, "1.基本工资"),
        row(3, "2.津贴补贴"),
        row(4, "(二)机关服务"),
        row(5, "二、教育支出"),
    ]
    assert outline(rows) == drawn(
        """
        一、一般公共服务支出 L1
          (一)行政运行 L2
            1.基本工资 L3
            2.津贴补贴 L3
          (二)机关服务 L2
        二、教育支出 L1
        """
    )


@pytest.mark.parametrize(
    ("indents", "levels"),
    [
        ([2.0, 8.0, 8.0, 8.0, 14.0, 14.0, 14.0, 2.0, 2.0], {2.0: 1, 8.0: 2, 14.0: 3}),
        ([5.8, 6.4, 15.7, 16.2, 16.0, 6.0], {5.8: 1, 6.0: 1, 6.4: 1, 15.7: 2, 16.0: 2, 16.2: 2}),
        ([2.0, 2.0, 2.0, 2.0], {}),  # one level is no hierarchy
        ([2.0, 8.0, 14.0, 20.0], {}),  # fewer than 3 names per level: ragged text
        ([2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0], {}),  # a drift, not steps
    ],
)
def test_indent_levels(indents: list[float], levels: dict[float, int]) -> None:
    assert _indent_levels([row(n, f"名称{n}", indent=x) for n, x in enumerate(indents)]) == levels


def test_indentation_gives_the_parents_of_uncoded_names() -> None:
    # At least 3 names per step (Hangzhou); the parent is the nearest row indented less.
    printed = [
        ("一般公共服务支出", 2.0),
        ("人大事务", 8.0),
        ("行政运行", 14.0),
        ("政协事务", 8.0),
        ("机关服务", 14.0),
        ("事业运行", 14.0),
        ("教育支出", 2.0),
        ("普通教育", 8.0),
        ("小学教育", 14.0),
    ]
    rows = [row(n, name, indent=x) for n, (name, x) in enumerate(printed)]
    assert outline(rows) == drawn(
        """
        一般公共服务支出 L1
          人大事务 L2
            行政运行 L3
          政协事务 L2
            机关服务 L3
            事业运行 L3
        教育支出 L1
          普通教育 L2
            小学教育 L3
        """
    )


def test_few_indented_names_nest_where_their_amounts_add_up() -> None:
    # One name per step is too few to tell a hierarchy from ragged text, unless each parent
    # prints the sum of the names below it (a chain of one child each: 7,600.00 three times).
    printed = [
        ("城乡社区支出", 2.0),
        ("城市基础设施配套费安排的支出", 12.0),
        ("城市公共设施", 22.0),
    ]
    rows = [row(n, name, indent=x, cells=[name, "7,600.00"]) for n, (name, x) in enumerate(printed)]
    assert outline(rows) == drawn(
        """
        城乡社区支出 L1
          城市基础设施配套费安排的支出 L2
            城市公共设施 L3
        """
    )
    unequal = [
        row(n, name, indent=x, cells=[name, f"{n + 1}.00"]) for n, (name, x) in enumerate(printed)
    ]
    assert _indent_levels(unequal) == {}

"""Typed records produced by extraction (one document → many tables, rows, cells)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BBox = tuple[float, float, float, float]
ColumnRole = Literal[
    "amount",  # printed amounts (or a blank column under an amount header)
    "code",  # 科目编码 / 单位编码 in one cell
    "code_part",  # one of 类 | 款 | 项 code columns; the row's code joins them
    "name",  # 科目名称, 项目 … the row's label
    "unit",  # 单位名称: the budget unit a row belongs to
    "project",  # 项目名称 beside a name column
    "catalogue",  # 采购品目: code and name in one cell (A030201台式计算机)
    "year",  # 年度 of 三公 tables (2025年, 2026年, 增减变化)
    "line_number",  # 序号 / 行次
    "quantity",  # 数量 of procurement tables
    "text",  # any other label or description
]
RowKind = Literal[
    "total",  # 合计 / 总计: sums the table
    "department",  # the department's own row above its units
    "unit",  # a budget unit's row
    "group",  # a label grouping the items below (货物, 工资福利支出)
    "derived",  # a change or rate (增减, 比上年增长 %), not an amount of its own
    "item",  # any other line
]


@dataclass
class PageTable:
    """One ruled grid found on one page, with the text lines printed above it."""

    page: int  # 1-based
    bbox: BBox
    grid: list[list[str | None]]  # cell text; None where a merged cell spans
    cell_boxes: list[list[BBox | None]]
    column_boxes: list[BBox]
    lines_above: list[str]  # normalised text lines between the previous table and this one
    indents: list[float | None] = field(default_factory=list)  # first cell's text indent per row
    is_last_on_page: bool = True
    is_first_on_page: bool = True


@dataclass
class LogicalTable:
    """A table as printed: one or more page parts stitched together."""

    table_type: str
    title: str
    printed_number: str | None
    unit: str
    unit_source: str  # 'printed', 'proven' / 'document' (units.settle_units) or 'default'
    parts: list[PageTable] = field(default_factory=list)

    @property
    def pages(self) -> list[int]:
        return sorted({part.page for part in self.parts})


@dataclass
class Column:
    index: int
    path: list[str]
    role: ColumnRole


@dataclass
class Row:
    index: int
    page: int
    bbox: BBox
    cells: list[str]  # normalised text per column
    raw_cells: list[str]
    kind: RowKind = "item"
    code: str | None = None
    name: str = ""
    unit_name: str | None = None
    project_name: str | None = None
    catalogue_code: str | None = None
    sub_code: str | None = None  # a code column printed beside code parts (单位编码: 1, 154001)
    year: int | None = None
    level: int = 0
    parent_index: int | None = None
    group_name: str | None = None  # nearest group row above (e.g. 货物, 工资福利支出)
    cell_boxes: list[BBox | None] = field(default_factory=list)
    indent: float | None = None  # left offset of the first label's text inside its cell


@dataclass
class Figure:
    """A figure stated in the narrative (in 万元 as printed)."""

    key: str
    amount: str
    page: int
    context: str

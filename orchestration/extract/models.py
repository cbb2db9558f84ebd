"""Typed records produced by extraction (one document → many tables, rows, cells)."""

from __future__ import annotations

from dataclasses import dataclass, field

BBox = tuple[float, float, float, float]


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
    unit_source: str  # 'printed' or 'default'
    parts: list[PageTable] = field(default_factory=list)

    @property
    def pages(self) -> list[int]:
        return sorted({part.page for part in self.parts})


@dataclass
class Column:
    index: int
    path: list[str]
    role: str  # amount / unit / code / code_part / name / project / catalogue / year / text


@dataclass
class Row:
    index: int
    page: int
    bbox: BBox
    cells: list[str]  # normalised text per column
    raw_cells: list[str]
    kind: str = "item"  # total / department / unit / group / item
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

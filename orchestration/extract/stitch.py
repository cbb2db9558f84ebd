"""Page tables → logical tables: classify by title, stitch continuations across pages."""

from __future__ import annotations

import re

from .catalog import Catalog
from .labels import LABEL_AFTER_TITLE
from .models import LogicalTable, PageTable
from .numbers import find_unit
from .settings import SETTINGS
from .text import normalize

DEFAULT_UNIT = "万元"
_HEADER_UNIT = re.compile(r"[(（](万元|元)[)）]")
# A narrative sentence above an in-text table, not its title: amounts or sentence punctuation.
_SENTENCE = re.compile(r"[0-9]万元|[0-9]元|[,;。]")


def title_of(lines: list[str], catalog: Catalog) -> tuple[str, str | None]:
    """The title printed above a table and its printed number ('表1', '公开01表' …)."""
    candidates: list[str] = []
    for line in lines:
        # The title may share its line with 编制单位/单位 (one text line in some exports).
        part = LABEL_AFTER_TITLE.split(line)[0]
        if (
            catalog.not_title.search(line)
            or not part
            or len(part) > SETTINGS.max_title_line_chars
            or _SENTENCE.search(part)
        ):
            continue
        if catalog.title_hint.search(part) or re.fullmatch(r"\d{4}年(度)?", part):
            candidates.append(part)
    title = "".join(candidates[-SETTINGS.max_title_lines :])
    number = catalog.number_pattern.search(title)
    return title, (number.group(1) if number else None)


def unit_of(part: PageTable) -> str | None:
    """Amount unit printed above the table or in its header cells."""
    for line in part.lines_above:
        unit = find_unit(line)
        if unit:
            return unit
    for row in part.grid[: SETTINGS.unit_header_rows]:
        for cell in row:
            match = _HEADER_UNIT.search(normalize(cell))
            if match:
                return match.group(1)
    return None


def _continues(previous: LogicalTable | None, part: PageTable) -> bool:
    if previous is None or not part.is_first_on_page:
        return False
    last = previous.parts[-1]
    return last.page == part.page - 1 and last.is_last_on_page


def _same_columns(previous: LogicalTable | None, part: PageTable) -> bool:
    return previous is not None and len(previous.parts[-1].column_boxes) == len(part.column_boxes)


_PERFORMANCE_HEADER = re.compile(r"绩效|自评")


def _performance_header(part: PageTable) -> bool:
    """An untitled in-text table whose header names performance targets or self-assessment
    scores (项目 | 预算数 | 绩效目标; 项目名称 | 自评分数)."""
    return bool(part.grid) and any(
        _PERFORMANCE_HEADER.search(normalize(cell)) for cell in part.grid[0] if cell
    )


def stitch(parts: list[PageTable], catalog: Catalog) -> list[LogicalTable]:
    """Group page tables into logical tables.

    A part with no recognisable title that starts a page right after a table that ran to
    the bottom of the previous page continues that table; so does a part whose title
    repeats the previous table's type and number.
    """
    tables: list[LogicalTable] = []
    for part in parts:
        title, number = title_of(part.lines_above, catalog)
        table_type = catalog.classify_title(title) if title else None
        previous = tables[-1] if tables else None
        # A continuation may repeat the title, with or without its number.
        repeated = (
            previous is not None
            and table_type == previous.table_type
            and (
                number == previous.printed_number
                or (number is None and bool(title) and previous.title.endswith(title))
            )
        )
        untitled = table_type is None and "表" not in title
        if len(part.grid) < SETTINGS.min_table_rows:
            # A lone ruled row is the last line of the table before when it sits where a
            # continuation would, in as many columns; anything else is a box around text.
            if _continues(previous, part) and untitled and _same_columns(previous, part):
                previous.parts.append(part)
            continue
        if _continues(previous, part) and (untitled or repeated):
            previous.parts.append(part)
            continue
        if table_type is None and _performance_header(part):
            table_type = "performance"
        unit = unit_of(part)
        tables.append(
            LogicalTable(
                table_type=table_type or "other",
                title=title,
                printed_number=number,
                unit=unit or DEFAULT_UNIT,
                unit_source="printed" if unit else "default",
                parts=[part],
            )
        )
    return tables

"""Header rows of a ruled table → one flattened path per column."""

from __future__ import annotations

import re
from itertools import pairwise

from .catalog import Catalog
from .labels import YEAR
from .models import BBox, Column, PageTable
from .numbers import is_percent, parse_amount
from .settings import SETTINGS
from .text import normalize

_COLUMN_NUMBER = re.compile(r"^(栏次|行次|\*+|[0-9]{1,2}|[甲乙丙丁])$")
_YEAR = re.compile(rf"^{YEAR}(年)?$")
_AMOUNT_WORDS = re.compile(
    r"(支出|收入|合计|总计|小计|金额|预算数|拨款|经费|资金|费|结转|结余|总额)"
)


def is_column_number_row(row: list[str | None]) -> bool:
    """A row of column numbers ('栏次', '1', '2' …, or '**', 1, 2 …) under the header."""
    texts = [normalize(c) for c in row if c is not None and normalize(c)]
    if len(texts) < 2 or not all(_COLUMN_NUMBER.match(t) for t in texts):
        return False
    numbers = [int(t) for t in texts if t.isdigit()]
    return len(numbers) >= 2 and numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def _has_amount(row: list[str | None]) -> bool:
    return any(parse_amount(c) is not None and not _YEAR.match(normalize(c)) for c in row if c)


def header_depth(grid: list[list[str | None]], row_heights: list[float] | None = None) -> int:
    """Number of leading header rows (column-number rows included): the rows before the first
    that prints an amount, when at most ``max_header_rows`` of them are text rows — strips
    thinner than a line of text (``row_heights`` below ``header_strip_height``: labels boxed
    inside their header cells cut the header into such strips) do not count."""
    counted = 0
    for i, row in enumerate(grid):
        if counted > SETTINGS.max_header_rows:
            break
        if not is_column_number_row(row) and _has_amount(row):
            return max(i, 1)
        if (
            row_heights is None
            or i >= len(row_heights)
            or row_heights[i] >= SETTINGS.header_strip_height
        ):
            counted += 1
    return 1


def row_heights(part: PageTable) -> list[float]:
    """Height of each grid row of a page table: from its top to the next row's top."""
    tops = [min((b[1] for b in boxes if b is not None), default=None) for boxes in part.cell_boxes]
    bottom = part.bbox[3]
    heights: list[float] = []
    for i, top in enumerate(tops):
        following = next((t for t in tops[i + 1 :] if t is not None), bottom)
        heights.append(following - top if top is not None else 0.0)
    return heights


def _covering_text(part: PageTable, row: int, x: float, texts: dict[BBox, str]) -> str:
    """Text of the (merged) cell covering column centre x in header row ``row``."""
    boxes = [b for b in part.cell_boxes[row] if b is not None]
    if not boxes:
        return ""
    y = min(b[1] for b in boxes) + SETTINGS.header_probe_depth
    slack = SETTINGS.cell_slack
    best = ""
    for box, text in texts.items():
        if box[0] - slack <= x <= box[2] + slack and box[1] - slack <= y <= box[3] + slack:
            best = text
    return best


def column_paths(part: PageTable, depth: int) -> list[list[str]]:
    """Flatten the merged header rows of a table into one label path per column."""
    width = len(part.column_boxes)
    texts: dict[BBox, str] = {}
    for r in range(depth):
        for c, box in enumerate(part.cell_boxes[r]):
            if box is not None:
                texts[box] = normalize(part.grid[r][c])
    paths: list[list[str]] = [[] for _ in range(width)]
    for r in range(depth):
        if is_column_number_row(part.grid[r]):
            continue
        for c in range(width):
            x0, _, x1, _ = part.column_boxes[c]
            cell = part.grid[r][c] if c < len(part.grid[r]) else None
            text = (
                normalize(cell)
                if cell is not None
                else _covering_text(part, r, (x0 + x1) / 2, texts)
            )
            if text and (not paths[c] or paths[c][-1] != text):
                paths[c].append(text)
    return paths


def with_covered_labels(paths: list[list[str]], body: list[list[str | None]]) -> list[list[str]]:
    """A column whose every body cell is covered by a merged cell from the left (None) is no
    column of its own: its header labels (boxed inside a wide header cell: '序' over '号', '项 目')
    belong to the column whose merged cells cover it."""
    if not body:
        return paths
    merged = [list(path) for path in paths]
    owner: int | None = None
    for c in range(len(paths)):
        covered = all(c < len(row) and row[c] is None for row in body)
        if not covered or owner is None:
            owner = c
            continue
        merged[owner] += [label for label in paths[c] if label not in merged[owner]]
        merged[c] = []
    return merged


def column_roles(paths: list[list[str]], body: list[list[str]], catalog: Catalog) -> list[Column]:
    """Decide each column's role: amounts by content, label columns by header synonyms."""
    columns = []
    for c, path in enumerate(paths):
        header_role = catalog.column_role(path) if path else None
        values = [row[c] for row in body if c < len(row) and row[c]]
        numeric = [v for v in values if parse_amount(v) is not None or is_percent(v)]
        if header_role in {"code", "code_part"} and _prints_decimals(values):
            role = "amount"  # a code never has decimals: a wrapped label ending in 款 (金拨|款)
        elif header_role in {"code", "code_part", "year", "catalogue", "line_number", "quantity"}:
            role = header_role
        elif values and len(numeric) >= SETTINGS.amount_share * len(values):
            role = "amount"
        elif not values and (not header_role or _AMOUNT_WORDS.search("/".join(path))):
            role = "amount"  # a blank column: nothing budgeted
        else:
            role = header_role or "text"
        columns.append(Column(index=c, path=path, role=role))
    _split_code_columns(columns)
    _first_code_parts(columns)
    return columns


def _prints_decimals(values: list[str]) -> bool:
    """Every filled cell an amount printed with decimals ('0.00', '1,200.50')."""
    return bool(values) and all("." in v and parse_amount(v) is not None for v in values)


def _first_code_parts(columns: list[Column]) -> None:
    """The row's code is the first group of code parts (功能科目 类 | 款 | 项); later groups
    (经济科目编码 类 | 款 beside it, or a second classification's 类 | 款 after the first's
    name: 部门经济科目 301 01 基本工资 | 政府经济科目 501 01 …) are descriptive text, not part
    of that code. Parts after an amount column start a side-by-side copy of the layout
    (公开06表) and stay parts."""
    parts = [c for c in columns if c.role == "code_part"]
    for column in parts[1:]:
        if column.path[:-1] != parts[0].path[:-1]:
            column.role = "text"
    kept = parts[0] if parts else None
    for column in (c for c in parts[1:] if c.role == "code_part"):
        between = columns[kept.index + 1 : column.index]
        if between and not any(c.role == "amount" for c in between):
            column.role = "text"
        else:
            kept = column


def _split_code_columns(columns: list[Column]) -> None:
    """Adjacent code columns under one header (科目编码 over 类 | 款 | 项) are code parts."""
    for left, right in pairwise(columns):
        # left may already be a part (类 | 款 | 项: the third code column follows two parts)
        if left.role in {"code", "code_part"} and right.role == "code" and left.path == right.path:
            left.role = right.role = "code_part"

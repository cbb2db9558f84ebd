"""Body rows of a stitched table: labels, codes, units, years and the parent of each row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from pdfplumber.utils import merge_bboxes

from .catalog import Catalog
from .headers import (
    column_paths,
    column_roles,
    header_depth,
    is_column_number_row,
    row_heights,
    with_covered_labels,
)
from .labels import YEAR, YEAR_IN_TEXT
from .models import BBox, Column, LogicalTable, Row
from .numbers import parse_amount
from .settings import SETTINGS
from .text import normalize

_CODE_IN_TEXT = re.compile(r"^\[?([0-9]{3,9}|[A-C](?:[0-9]{2,10})?)\]?(?=[^0-9A-Za-z.,]|$)(.*)$")
_NUMBERING = (
    (re.compile(r"^[一二三四五六七八九十]+[、.]"), 1),
    (re.compile(r"^[(（][一二三四五六七八九十]+[)）]"), 2),
    (re.compile(r"^[0-9]+[、.](?![0-9])"), 3),
    (re.compile(r"^[(（][0-9]+[)）]"), 4),
)
_OF_WHICH = re.compile(r"^其中[:：]")
_TRAILING_NOTE = re.compile(r"\((?!本级)[^()]*\)$")
_OWN_UNIT = re.compile(r"\(本级\)$")  # the department's own unit, never its total
_CODE = re.compile(r"^([0-9]{2,9}|[A-C][0-9]*)$")
# A derived row's label begins or ends with the change it states (增减变化金额, 比上年增长,
# 增长率, 满意度(%)); a name that only contains such a word (应对气候变化管理事务, 外贸稳增长
# 财政补助项目, 全国1%人口抽样调查经费) is a line.
_CHANGE = "(?:增减|增长|变化|变动)"
_DERIVED = re.compile(
    rf"^(?:同比|比上年)|^{_CHANGE}|{_CHANGE}(?:金额|额|率|数|情况)?$|%(?![\u4e00-\u9fff])"
)
# '2020年预算数' names a year, not a code; so does '2026信访专项经费' (a project named by its year):
# no classification code has four digits.
_YEAR_LABEL = re.compile(rf"^{YEAR}(?:年|(?=[\u4e00-\u9fff]))")
_LABEL_END = re.compile(r"[:：,，;；.。、]+$")


@dataclass
class ParsedTable:
    table: LogicalTable
    columns: list[Column]
    header_rows: int
    rows: list[Row]


def split_code(text: str) -> tuple[str | None, str]:
    """'[2014001]行政运行' / '2010301 行政运行' / 'A030201台式计算机' → (code, name)."""
    match = _CODE_IN_TEXT.match(text)
    if (
        not match
        or (not match.group(2) and not text[0].isdigit() and len(text) > 1)
        or _YEAR_LABEL.match(text)
    ):
        return None, text
    return match.group(1), match.group(2).strip().lstrip("-—:：. ")


_CATALOGUE_BEFORE_LATIN = re.compile(r"^([A-C][0-9]{4,10})([A-Za-z].*)$")


def split_catalogue(text: str) -> tuple[str | None, str]:
    """A procurement catalogue cell → (code, name); the name may begin with a Latin letter
    ('A02021003A4黑白打印机' → 'A02021003', 'A4黑白打印机')."""
    code, name = split_code(text)
    match = _CATALOGUE_BEFORE_LATIN.match(text) if code is None else None
    return (match.group(1), match.group(2)) if match else (code, name)


def numbering_level(name: str) -> int:
    name = _OF_WHICH.sub("", name)  # '其中:(1)公务用车购置费' is numbered (1)
    for pattern, level in _NUMBERING:
        if pattern.match(name):
            return level
    return 0


def _body_rows(
    table: LogicalTable,
) -> tuple[int, list[tuple[int, list[str | None], list[BBox | None], float | None]]]:
    """(header depth, [(page, raw cells, cell boxes, indent)]) with repeated headers dropped."""
    first = table.parts[0]
    width = len(first.column_boxes)
    depth = header_depth(first.grid, row_heights(first))
    header_texts = {normalize(c) for row in first.grid[:depth] for c in row if c}
    body: list[tuple[int, list[str | None], list[BBox | None], float | None]] = []
    for n, part in enumerate(table.parts):
        start = depth if n == 0 else 0
        if n > 0:
            while start < len(part.grid) and _repeats_header(part.grid[start], header_texts):
                start += 1
        owners = _column_owners(part.column_boxes, first.column_boxes)
        for r in range(start, len(part.grid)):
            indent = part.indents[r] if r < len(part.indents) else None
            cells, boxes = part.grid[r], part.cell_boxes[r]
            if owners is not None:
                cells, boxes = (
                    _onto_columns(cells, owners, width),
                    _onto_columns(boxes, owners, width),
                )
            body.append((part.page, cells, boxes, indent))
    return depth, body


def _column_owners(columns: list[BBox], first: list[BBox]) -> list[int] | None:
    """For a continuation page ruled with other columns than the table's first page (its
    header's boxed labels cut the first page's columns into strips), the first page's column
    each of its columns lies over: the leftmost whose centre it covers. None when the columns
    are the same."""
    if len(columns) == len(first):
        return None
    owners = []
    for x0, _, x1, _ in columns:
        inside = [i for i, b in enumerate(first) if x0 <= (b[0] + b[2]) / 2 <= x1]
        if not inside:
            return None  # laid out differently: keep the cells as they are
        owners.append(inside[0])
    return owners


def _onto_columns(cells: list, owners: list[int], width: int) -> list:
    """Cells of a continuation row placed under the first page's columns (None elsewhere)."""
    placed: list = [None] * width
    for cell, owner in zip(cells, owners, strict=False):
        placed[owner] = cell
    return placed


def _repeats_header(row: list[str | None], header_texts: set[str]) -> bool:
    """A continuation page's leading row that repeats the header (wording may vary)."""
    if is_column_number_row(row):
        return True
    texts = [normalize(c) for c in row if c and normalize(c)]
    if not texts or any(parse_amount(t) is not None for t in texts):
        return False
    return sum(t in header_texts for t in texts) >= SETTINGS.header_match_share * len(texts)


def parse_table(table: LogicalTable, catalog: Catalog, department: str | None) -> ParsedTable:
    """Columns and typed, parented rows of one logical table."""
    depth, raw_body = _body_rows(table)
    width = len(table.parts[0].column_boxes)
    texts = [[normalize(c) if c is not None else "" for c in cells] for _, cells, _, _ in raw_body]
    texts = [_return_overflow((row + [""] * width)[:width]) for row in texts]
    paths = with_covered_labels(column_paths(table.parts[0], depth), [r for _, r, _, _ in raw_body])
    columns = column_roles(paths, texts, catalog)
    groups = _side_by_side_groups(columns)
    if groups:
        raw_body, texts, columns = _stack_groups(raw_body, texts, columns, groups)
    rows: list[Row] = []
    parts = CodeParts([c.index for c in columns if c.role == "code_part"])
    for (page, raw_cells, boxes, indent), cells in zip(raw_body, texts, strict=True):
        if not any(cells):
            continue
        row = Row(
            index=len(rows),
            page=page,
            bbox=merge_bboxes(b for b in boxes if b is not None),
            cells=cells,
            raw_cells=([c or "" for c in raw_cells] + [""] * width)[:width],
            cell_boxes=list(boxes),
            indent=indent,
        )
        for c, text in enumerate(cells):  # an amount cell whose name overflow went back
            if text != normalize(row.raw_cells[c]) and parse_amount(text) is not None:
                row.raw_cells[c] = text
        if rows and _is_name_tail(row, rows[-1], columns):
            rows[-1].name += next(text for text in row.cells if text)
            _merge_overflow(rows[-1], row, columns)
            continue
        if rows and _is_overflow(row, columns):
            _merge_overflow(rows[-1], row, columns)
            continue
        _label_row(row, columns, catalog)
        if row.kind == "group" and _named_on_second_side(row, columns):
            row.kind = "item"
        parts.complete(row)
        rows.append(row)
    if groups:
        _mark_group_subtotals(rows)
    _prefix_fragments(rows)
    _assign_units(rows, columns, catalog, department)
    assign_parents(rows)
    return ParsedTable(table=table, columns=columns, header_rows=depth, rows=rows)


def _side_by_side_groups(columns: list[Column]) -> list[list[int]]:
    """Column groups of a table printed as k side-by-side copies of one layout (公开06表:
    科目代码 | 科目名称 | 决算数 three times over; 类 | 款 | 科目名称 | 决算数 twice), each with a
    code (whole or in parts), a name and an amount; empty when the table is not printed that way."""
    for k in range(SETTINGS.max_side_by_side_groups, 1, -1):
        if len(columns) % k:
            continue
        size = len(columns) // k
        groups = [columns[g * size : (g + 1) * size] for g in range(k)]
        layout = [(c.role, c.path[-1:]) for c in groups[0]]
        roles = {role for role, _ in layout}
        if (
            {"name", "amount"} <= roles
            and roles & {"code", "code_part"}
            and all([(c.role, c.path[-1:]) for c in group] == layout for group in groups[1:])
        ):
            return [[c.index for c in group] for group in groups]
    return []


def _stack_groups(
    raw_body: list[tuple[int, list[str | None], list, float | None]],
    texts: list[list[str]],
    columns: list[Column],
    groups: list[list[int]],
) -> tuple[list[tuple[int, list[str | None], list, float | None]], list[list[str]], list[Column]]:
    """Read side-by-side groups one after the other (the whole first group, then the second
    …): one physical row carries one line of each. A label merged across groups (公用经费合计
    over two groups) belongs to the group that prints its amounts."""
    size = len(groups[0])
    labels = [j for j in range(size) if columns[groups[0][j]].role != "amount"]
    amounts = [j for j in range(size) if columns[groups[0][j]].role == "amount"]
    stacked_texts = [[[cells[i] for i in group] for group in groups] for cells in texts]
    for row in stacked_texts:
        for left, right in pairwise(row):
            if (
                any(left[j] for j in labels)
                and not any(left[j] for j in amounts)
                and not any(right[j] for j in labels)
                and any(right[j] for j in amounts)
            ):
                for j in labels:
                    right[j], left[j] = left[j], ""
    body, stacked = [], []
    for g, group in enumerate(groups):
        for (page, raw_cells, boxes, indent), row in zip(raw_body, stacked_texts, strict=True):
            raw = [c or "" for c in raw_cells] + [""] * len(columns)
            body.append(
                (
                    page,
                    [raw[i] for i in group],
                    [boxes[i] if i < len(boxes) else None for i in group],
                    indent if g == 0 else None,
                )
            )
            stacked.append(row[g])
    # Each column keeps the header its groups share (人员经费/决算数 | 公用经费/决算数 → 决算数).
    stacked_columns = [
        Column(index=j, path=_common_tail([columns[g[j]].path for g in groups]), role=role)
        for j, role in enumerate(columns[i].role for i in groups[0])
    ]
    return body, stacked, stacked_columns


_SUBTOTAL = re.compile(r"(合计|小计|总计)$")


def _mark_group_subtotals(rows: list[Row]) -> None:
    """A side-by-side group's own subtotal (人员经费合计 under the 人员经费 group) adds up that
    group's lines only, not the table: a figure derived from lines already read."""
    for row in rows:
        if row.kind == "item" and row.code is None and _SUBTOTAL.search(row.name):
            row.kind = "derived"


def _common_tail(paths: list[list[str]]) -> list[str]:
    tail: list[str] = []
    for labels in zip(*(reversed(p) for p in paths), strict=False):
        if len(set(labels)) > 1:
            break
        tail.insert(0, labels[0])
    return tail


_OVERFLOW = re.compile(r"^(.*[\u4e00-\u9fff)）])(-?[0-9][0-9,]*\.[0-9]+)$")


def _return_overflow(cells: list[str]) -> list[str]:
    """A long name runs into the amount cell beside it ('机关事业单位职业年金' |
    '缴费支出43608.96'): the words go back to the name, the cell keeps its amount."""
    for c in range(1, len(cells)):
        match = _OVERFLOW.match(cells[c])
        if match and cells[c - 1] and parse_amount(cells[c - 1]) is None:
            cells[c - 1] += match.group(1)
            cells[c] = match.group(2)
    return cells


class CodeParts:
    """Codes split into 类 | 款 | 项 columns: child rows often print only their own part
    ('' | 40 | '' under 201), so earlier parts carry over from the rows above."""

    def __init__(self, indexes: list[int]) -> None:
        self.indexes = indexes
        self.last: list[str] = [""] * len(indexes)

    def complete(self, row: Row) -> None:
        if not self.indexes or row.kind == "total":
            return
        given = [row.cells[i] for i in self.indexes]
        if not any(given) or not all(p.isdigit() for p in given if p):
            return
        first = next(n for n, p in enumerate(given) if p)
        full = self.last[:first] + given[first:]
        if not all(full[: first + 1]):
            return
        last_given = max(n for n, p in enumerate(given) if p)
        self.last = full[: last_given + 1] + [""] * (len(given) - last_given - 1)
        row.code = "".join(self.last)


def _prefix_fragments(rows: list[Row]) -> None:
    """款 codes printed as 2-digit fragments under their 类 ('201 一般公共服务支出' → '10
    人力资源事务' → '2011007 …'): prefix the enclosing 类 where a longer code below confirms it."""
    codes = [r.code for r in rows if r.code and r.code.isdigit()]
    klass: str | None = None
    for row in rows:
        code = row.code
        if row.kind == "total" or not code or not code.isdigit():
            continue
        if len(code) == 2 and klass:
            full = klass + code
            if any(len(c) > len(full) and c.startswith(full) for c in codes):
                row.code = full
        elif len(code) >= 3:
            klass = code[:3]


def _is_overflow(row: Row, columns: list[Column]) -> bool:
    """A row holding only the rest of a text cell split by a page break."""
    filled = [c.index for c in columns if row.cells[c.index]]
    return (
        bool(filled)
        and all(columns[i].role == "text" for i in filled)
        and not any(
            row.cells[c.index] for c in columns if c.role in {"unit", "name", "code", "project"}
        )
    )


def _is_name_tail(row: Row, previous: Row, columns: list[Column]) -> bool:
    """The first row of a page holding only the end of the name the previous page's last row
    began ('江苏省无锡技' | '师学院'): a few characters in one label cell, and no amounts but
    the last digits of amounts cut off with it ('12,437.3' | '6')."""
    filled = [c for c in columns if row.cells[c.index] and c.role != "amount"]
    amounts = [c for c in columns if row.cells[c.index] and c.role == "amount"]
    return (
        row.page != previous.page
        and len(filled) == 1
        and filled[0].role in {"name", "unit", "text", "catalogue"}
        and bool(previous.cells[filled[0].index])
        and (len(row.cells[filled[0].index]) <= SETTINGS.max_name_tail or bool(amounts))
        and parse_amount(row.cells[filled[0].index]) is None
        and any(previous.cells[c.index] for c in columns if c.role == "amount")
        and all(_completes_amount(previous.cells[c.index], row.cells[c.index]) for c in amounts)
    )


_CUT_AMOUNT = re.compile(r"\.[0-9]$")  # one decimal printed of two


def _completes_amount(head: str, tail: str) -> bool:
    """'6' is the last digit of '12,437.3', cut off at the foot of the page."""
    return (
        bool(_CUT_AMOUNT.search(head)) and tail.isdigit() and parse_amount(head + tail) is not None
    )


def _merge_overflow(previous: Row, row: Row, columns: list[Column]) -> None:
    for c in columns:
        if row.cells[c.index]:
            previous.cells[c.index] += row.cells[c.index]
            previous.raw_cells[c.index] += row.raw_cells[c.index]


def _label_row(row: Row, columns: list[Column], catalog: Catalog) -> None:
    """Fill code, name, project, catalogue and year from the label columns."""
    code_parts: list[str] = []
    for column in columns:
        text = row.cells[column.index]
        if not text:
            continue
        role = column.role
        if role == "code":
            row.code = text
        elif role == "code_part":
            code_parts.append(text)
        elif role == "year":
            match = YEAR_IN_TEXT.search(text)
            row.year = int(match.group(1)) if match else None
            if not match and _DERIVED.search(text):
                row.kind = "derived"
        elif role == "catalogue":
            row.catalogue_code, name = split_catalogue(text)
            row.name = row.name or name
        elif role == "project":
            row.project_name = text
        elif role in {"name", "unit", "text"} and not row.name and column.role != "amount":
            row.name = text
    if code_parts:
        row.sub_code, row.code = row.code, "".join(code_parts)
    if row.code is not None and not _CODE.match(row.code):
        row.name, row.code = row.name or row.code, None
    if row.code is None and row.name:
        row.code, row.name = split_code(row.name)
    if row.catalogue_code and row.code is None:
        row.code = row.catalogue_code
    row.name = _LABEL_END.sub("", row.name)  # '总计:' is the total
    label = row.name or ""
    if (
        catalog.total_labels.match(label)
        or (not label and not row.code and _only_amounts(row, columns))
        or (not label and catalog.total_labels.match(_LABEL_END.sub("", row.project_name or "")))
    ):
        row.kind = "total"
    elif _DERIVED.search(label) and row.kind != "derived":
        row.kind = "derived"
    elif label in catalog.group_labels and row.code is None:
        row.kind = "group"
    row.level = numbering_level(label)


def _named_on_second_side(row: Row, columns: list[Column]) -> bool:
    """The row's name comes from the second side of a two-sided table (收入 | 支出 side by
    side), whose lines print no hierarchy we read: a group label there (其他支出) is a line."""
    names = [c for c in columns if c.role == "name" and c.path]
    first = next((c for c in names if row.cells[c.index]), None)
    return first is not None and bool(names) and first.path[0] != names[0].path[0]


def _only_amounts(row: Row, columns: list[Column]) -> bool:
    return all(not row.cells[c.index] for c in columns if c.role != "amount")


def _first_amount(row: Row, columns: list[Column]) -> Decimal | None:
    for c in columns:
        if c.role == "amount":
            value = parse_amount(row.cells[c.index])
            if value is not None:
                return value
    return None


def _assign_units(
    rows: list[Row], columns: list[Column], catalog: Catalog, department: str | None
) -> None:
    """Mark department and unit rows; give every row the unit it belongs to."""
    unit_columns = [c.index for c in columns if c.role == "unit"]
    name_columns = [c.index for c in columns if c.role == "name"]
    label_columns = [
        c.index for c in columns if c.role in {"name", "code", "code_part", "catalogue"}
    ]
    separate = bool(unit_columns) and bool(label_columns)
    text_columns = [c.index for c in columns if c.role == "text"]
    if not unit_columns and not name_columns:
        return
    ucol = (unit_columns or name_columns)[0]
    coded_units = _coded_unit_rows(rows, catalog)
    heads = _block_heads(rows, columns)
    # A column of classification names (功能分类科目名称) lists functions: 监狱 there is one.
    classified = not separate and any("科目" in label for label in columns[ucol].path)
    candidates: list[Row] = []
    current_name: str | None = None
    for row in rows:
        cell = row.cells[ucol] if separate else row.name
        if row.kind == "total":
            continue
        if not cell and row.year is not None and current_name and not row.code:
            row.unit_name = current_name  # unit printed only on its first year row
            candidates.append(row)
            continue
        if separate:
            is_unit = bool(cell)
        elif coded_units is not None:
            is_unit = bool(cell) and row.index in coded_units
        else:
            # A project shares the column with units but prints a description (绩效目标…).
            is_unit = (
                bool(cell)
                and row.code is None
                and row.kind not in {"group", "derived"}
                and not _named_on_second_side(row, columns)  # 支出 side: 精神病医院 is a function
                and not any(row.cells[i] for i in text_columns)
                and (
                    (
                        not classified
                        and catalog.unit_name.search(_TRAILING_NOTE.sub("", cell)) is not None
                    )
                    or cell == department
                    or row.index in heads
                )
            )
        if is_unit:
            current_name = cell
            row.unit_name = cell
            row.name = cell
            candidates.append(row)
        else:
            row.unit_name = current_name
    names = list(dict.fromkeys(r.unit_name for r in candidates if r.unit_name))
    if not names:
        return
    top = names[0]
    if len(names) == 1 and not _code_prefixes_rest(candidates, top):
        for row in candidates:
            row.kind = "unit"
        return
    has_total = any(r.kind == "total" for r in rows)
    is_department = not _OWN_UNIT.search(top) and (
        _sums_to_rest(candidates, columns, top)
        or _code_prefixes_rest(candidates, top)
        or _indented_above_rest(candidates)
        or (top == department and not has_total)
    )
    department_years: set[int | None] = set()
    for n, row in enumerate(candidates):
        # The department's own unit may share its name: a second same-name row in the
        # same year is that unit, not the department total again.
        again = (
            row.unit_name == top and n > 0 and (row.year is None or row.year in department_years)
        )
        if is_department and row.unit_name == top and not again:
            row.kind = "department"
            department_years.add(row.year)
        else:
            row.kind = "unit"


def _block_heads(rows: list[Row], columns: list[Column]) -> set[int]:
    """Rows heading a block of lines: a name alone in the first label column, where the lines
    below it leave that column empty and print theirs in the others (公开13表: '无锡市辅仁高级
    中学' above '' | 专项名称 | 经济科目 | 采购品目名称 lines). Whatever the name says, such a row
    is the unit of the lines below it."""
    labels = [c.index for c in columns if c.role != "amount"]
    if len(labels) < 2:  # a first column and the others
        return set()
    first, others = labels[0], labels[1:]

    def alone(row: Row) -> bool:
        return bool(row.cells[first]) and not any(row.cells[i] for i in others)

    def line(row: Row) -> bool:
        return not row.cells[first] and any(row.cells[i] for i in others)

    return {
        row.index
        for row, below in pairwise(rows)
        if row.kind == "item" and row.code is None and alone(row) and line(below)
    }


def _coded_unit_rows(rows: list[Row], catalog: Catalog) -> set[int] | None:
    """Unit rows that print a 6-digit unit code (单位编码) in the code column: an
    organisation's name under a code that extends no 类 printed in the table and that no
    longer code extends ('125001 西安市安全生产监督管理局' among 208 → 20805 → 2080505).
    None when the table prints no such code. Where units print one, a row without one is not
    a unit; they are units only among classification codes (a 类 extended by a 款 or 项) —
    a project table lists them above uncoded category and project rows instead."""
    codes = {r.code for r in rows if r.code and r.code.isdigit()}
    classes = {c for c in codes if len(c) == 3}
    coded = {
        r.index
        for r in rows
        if r.code
        and r.code.isdigit()
        and len(r.code) == SETTINGS.unit_code_length
        and r.code[:3] not in classes
        and not any(c != r.code and c.startswith(r.code) for c in codes)
        and catalog.unit_name.search(_TRAILING_NOTE.sub("", r.name)) is not None
    }
    if not coded:
        return None
    classified = any(len(c) > 3 and c[:3] in classes for c in codes)
    return coded if classified else set()


def _code_prefixes_rest(candidates: list[Row], top: str) -> bool:
    """Unit codes under the department's code (242 → 242001, 242002 …); the department's
    only unit may print the department's name (121 西安市信访局 → 121001 西安市信访局)."""
    head = next(r for r in candidates if r.unit_name == top)
    rest = [r for r in candidates if r is not head]
    return (
        bool(head.code)
        and bool(rest)
        and all(r.code and r.code != head.code and r.code.startswith(head.code) for r in rest)
    )


def _indented_above_rest(candidates: list[Row]) -> bool:
    """The department row printed left of its units, which are indented one step."""
    head, rest = candidates[0], candidates[1:]
    return (
        head.indent is not None
        and bool(rest)
        and all(
            r.indent is not None and r.indent - head.indent >= SETTINGS.min_indent_step
            for r in rest
        )
    )


def _sums_to_rest(candidates: list[Row], columns: list[Column], top: str) -> bool:
    head = [r for r in candidates if r.unit_name == top]
    rest = [r for r in candidates if r is not head[0] and r.year == head[0].year]
    first = _first_amount(head[0], columns)
    values = [_first_amount(r, columns) for r in rest]
    if first is None or not values:
        return False
    total = sum((v for v in values if v is not None), Decimal(0))
    return abs(total - first) <= SETTINGS.sum_slack_per_amount * max(len(values), 1)


@dataclass
class _Scope:
    """What the rows read so far offer as parents: the department, unit and group rows in
    force and the coded, numbered and indented rows since the last unit."""

    indent_levels: dict[float, int]
    department: Row | None = None
    unit: Row | None = None
    group: Row | None = None
    coded: list[Row] = field(default_factory=list)
    numbered: list[Row] = field(default_factory=list)
    indented: list[Row] = field(default_factory=list)
    flat_levels: set[int] = field(default_factory=set)  # indents that hung from the anchor
    units_inside_groups: bool = False  # 货物 → unit → items
    units_first: bool = False  # unit → 类 → 款
    unit_group: Row | None = None  # the group the units listed inside groups hang from

    @property
    def anchor(self) -> Row | None:
        """The row a line hangs from when nothing closer is found."""
        return self.unit or self.department

    def open_department(self, row: Row) -> None:
        self.department, self.unit, self.group, self.unit_group = row, None, None, None
        self.coded, self.numbered, self.indented, self.flat_levels = [], [], [], set()

    def open_unit(self, row: Row, previous: Row | None) -> None:
        """Some tables list units inside groups (货物 → unit → items): the first unit then
        follows a group, and the units after it (货物 → unit → items → unit → items) hang from
        that group too. Where units come first (unit → 类 → 款), a unit after a 类 printed
        without 款 rows is the next unit, not a child of that 类."""
        inside = previous is not None and previous is self.group and not self.units_first
        self.units_inside_groups = self.units_inside_groups or inside
        self.units_first = self.units_first or (self.group is None and not self.units_inside_groups)
        if inside:
            self.unit_group = self.group
        _hang(row, self.unit_group if self.units_inside_groups else self.department)
        self.unit, self.group = row, None
        self.coded, self.numbered, self.indented, self.flat_levels = [], [], [], set()

    def open_group(self, row: Row) -> None:
        if self.units_inside_groups:
            self.unit, self.unit_group = None, None
        _hang(row, self.anchor, level=1)
        self.group = row

    def is_indented(self, row: Row) -> bool:
        return bool(self.indent_levels) and row.indent in self.indent_levels


def assign_parents(rows: list[Row]) -> None:
    """Parent and level of each row: by code prefix, indentation, group labels, numbering,
    then the unit or department row."""
    scope = _Scope(indent_levels=_indent_levels(rows))
    previous: Row | None = None
    for row in rows:
        _place(row, previous, scope)
        previous = row
    _assign_groups(rows)


def _place(row: Row, previous: Row | None, scope: _Scope) -> None:
    """Give one row its parent and level and record it in the scope."""
    if row.kind == "department":
        scope.open_department(row)
    elif row.kind == "unit":
        scope.open_unit(row, previous)
    elif row.kind == "total":
        # Rows printed below a total (上年结转 under 本年收入合计) are not inside the
        # indented lines above it.
        scope.indented.clear()
    elif row.kind == "derived":
        return
    elif row.code:
        parent = _code_parent(row, scope.coded, previous)
        _hang(row, parent or scope.anchor, level=parent.level + 1 if parent else 1)
        scope.coded.append(row)
    elif scope.is_indented(row) and row.kind in {"group", "item"}:
        level = scope.indent_levels[row.indent]
        parent = _indent_parent(level, scope.indented, scope.indent_levels)
        if parent is None:
            scope.flat_levels.add(level)
        elif level in scope.flat_levels:
            # Lines at this indent hung from the unit before any shallower row: one printed
            # later (广州 表12: 'CC(市本级)', a project kept confidential) is their sibling.
            parent = None
        _hang(row, parent or scope.anchor, level=level)
        scope.indented.append(row)
    elif row.kind == "group":
        scope.open_group(row)
    elif row.level:
        above = [r for r in scope.numbered if r.level < row.level]
        _hang(row, above[-1] if above else scope.anchor)
        scope.numbered.append(row)
    elif row.project_name and not row.name and scope.coded:
        # A project listed under the most detailed code printed above it (类 | 款 | 项
        # rows, then 序号 | 项目名称 rows without a code).
        _hang(row, scope.coded[-1], level=scope.coded[-1].level + 1)
    else:
        group = scope.group
        _hang(row, group or scope.anchor, level=group.level + 1 if group else 1)


def _hang(row: Row, parent: Row | None, level: int | None = None) -> None:
    """Set a row's parent (None: a top-level row) and, when given, its level."""
    row.parent_index = parent.index if parent else None
    if level is not None:
        row.level = level


def _code_parent(row: Row, coded: list[Row], previous: Row | None) -> Row | None:
    """The coded row above whose code is the longest prefix of this row's code. A line
    printed twice (款 '21999 其他支出' repeated as its own 项) is one line: the repeat hangs
    from the first."""
    code = row.code or ""
    parents = [
        r
        for r in coded
        if code.startswith(r.code or "")
        and (
            r.code != code
            or _sub_rank(r) < _sub_rank(row)
            or (r is previous and r.cells == row.cells)
        )
    ]
    if not parents:
        # A unit code under its department's (245 → 245002) nests the unit there even
        # where their function codes differ (210 15 05 | 210 15 06).
        parents = [r for r in coded if _unit_code_of(r, row)]
    if not parents:
        return None
    return max(parents, key=lambda r: (len(r.code or ""), _sub_rank(r), r.index))


def _indent_parent(level: int, indented: list[Row], indent_levels: dict[float, int]) -> Row | None:
    """Hierarchy printed as indentation: the nearest row above indented less. Pops the rows
    that can no longer be a parent off ``indented``."""
    while indented and indent_levels[indented[-1].indent] >= level:
        indented.pop()
    return indented[-1] if indented else None


def _unit_code_of(department: Row, row: Row) -> bool:
    """``row`` prints a unit code (单位编码 245002) under ``department``'s code (245)."""
    parent, child = department.sub_code or "", row.sub_code or ""
    return (
        len(parent) == 3
        and len(child) == SETTINGS.unit_code_length
        and child.isdigit()
        and child.startswith(parent)
    )


def _sub_rank(row: Row) -> float:
    """Rows sharing one code nest by the code printed beside it: 全额 (1) over the unit
    (154001) over the lines that print none."""
    return len(row.sub_code) if row.sub_code else float("inf")


def _indent_levels(rows: list[Row]) -> dict[float, int]:
    """Indent → level (1, 2, …) when uncoded names are indented in a few steps; empty when
    the indents look like centred or ragged text rather than a hierarchy. Indents within
    alignment noise of each other (5.8, 6.4 | 15.7, 16.2 | 25.7) are one level."""
    candidates = [
        r for r in rows if r.kind in {"group", "item"} and not r.code and r.indent is not None
    ]
    indents = sorted({r.indent for r in candidates})
    if not indents:
        return {}
    steps: list[list[float]] = [[indents[0]]]
    for previous, indent in pairwise(indents):
        if indent - previous < SETTINGS.min_indent_step:
            steps[-1].append(indent)
        else:
            steps.append([indent])
    levels = {indent: level for level, step in enumerate(steps, start=1) for indent in step}
    if (
        not 2 <= len(steps) <= SETTINGS.max_indent_levels  # one level is no hierarchy
        or any(step[-1] - step[0] >= SETTINGS.min_indent_step for step in steps)
        or (
            len(steps) * SETTINGS.min_rows_per_indent_level > len(candidates)
            and not _amounts_nest(candidates, levels)
        )
    ):
        return {}
    return levels


def _amounts_nest(candidates: list[Row], levels: dict[float, int]) -> bool:
    """Few indented names are still a hierarchy when their amounts prove it: each name one
    step below the nearest shallower name above, and every parent's first amount the sum of
    its children's (城乡社区支出 > 城市基础设施配套费安排的支出 > 城市公共设施, 7,600.00 each)."""
    amounts = [
        next((a for a in map(parse_amount, r.cells) if a is not None), None) for r in candidates
    ]
    if None in amounts:
        return False
    stack: list[int] = []  # indexes into candidates of the open parents
    children: dict[int, Decimal] = {}
    for n, r in enumerate(candidates):
        level = levels[r.indent]
        while stack and levels[candidates[stack[-1]].indent] >= level:
            stack.pop()
        if len(stack) != level - 1:
            return False  # a step skipped: ragged text
        if stack:
            children[stack[-1]] = children.get(stack[-1], Decimal(0)) + amounts[n]
        stack.append(n)
    return bool(children) and all(amounts[p] == total for p, total in children.items())


def _assign_groups(rows: list[Row]) -> None:
    """Name of the nearest group row among each row's ancestors."""
    by_index = {row.index: row for row in rows}
    for row in rows:
        parent = by_index.get(row.parent_index) if row.parent_index is not None else None
        while parent is not None and parent.kind != "group":
            parent = by_index.get(parent.parent_index) if parent.parent_index is not None else None
        row.group_name = parent.name if parent is not None else None

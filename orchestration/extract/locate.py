"""Page → ruled grids with the text printed above each (title, 单位名称, 单位：万元)."""

from __future__ import annotations

from bisect import bisect_left

from pdfplumber.page import Page

from .baselines import rebanded
from .labels import (
    INTERLEAVED_NAME,
    LABEL_IN_TITLE_ROW,
    LABEL_LINE,
    NAME_CHAR,
    OVERFLOW_BEFORE_CODE,
)
from .models import BBox, PageTable
from .numbers import find_unit, parse_amount
from .settings import SETTINGS
from .text import normalize


def page_lines(page: Page) -> list[tuple[float, float, str]]:
    """Text lines of a page as (top, bottom, normalised text), top to bottom."""
    lines = page.extract_text_lines(layout=False, strip=True, return_chars=False)
    return [(ln["top"], ln["bottom"], normalize(ln["text"])) for ln in lines if ln["text"].strip()]


def _column_boxes(table) -> list[BBox]:
    boxes: list[BBox] = []
    for column in table.columns:
        cells = [c for c in column.cells if c is not None]
        if cells:
            # The narrowest cell gives the column's own edges (merged cells are wider).
            boxes.append((max(c[0] for c in cells), 0.0, min(c[2] for c in cells), 0.0))
        else:
            boxes.append((0.0, 0.0, 0.0, 0.0))
    return boxes


def without_fake_bold(page: Page) -> Page:
    """The page with each glyph once: fake bold prints a glyph (or a word) several times at one
    place, which reads 表表表111 for 表1. Deduplicating costs time, so only a page that has it is."""
    seen: set[tuple[str, int, int]] = set()
    for char in page.chars:
        if not char["text"].strip():
            continue
        key = (char["text"], round(char["x0"]), round(char["top"]))
        if key in seen:
            return page.dedupe_chars()
        seen.add(key)
    return page


def locate_tables(page: Page, page_number: int) -> tuple[list[PageTable], list[str]]:
    """Ruled tables of a page (top to bottom) and the page's text lines.

    Each table carries the lines printed between the previous table (or the top of the
    page) and its own top edge: that is where titles and unit lines are.
    """
    lines = page_lines(page)
    settings = dict(SETTINGS.table_finder)
    found = page.find_tables(settings)
    rules = open_top_rules(page, [t.bbox for t in found])
    if rules:
        found = page.find_tables({**settings, "explicit_horizontal_lines": rules})
    found = sorted(found, key=lambda t: t.bbox[1])
    tables: list[PageTable] = []
    previous_bottom = 0.0
    for table in found:
        grid = table.extract()
        if max((len(r) for r in grid), default=0) < SETTINGS.min_table_columns or (
            len(grid) < SETTINGS.min_table_rows and (tables or not _is_amount_row(grid))
        ):
            continue
        top, slack = table.bbox[1], SETTINGS.edge_slack
        above = [text for t, b, text in lines if b <= top + slack and t >= previous_bottom - slack]
        bbox, grid, boxes = rebanded(page, table.bbox, grid, [list(r.cells) for r in table.rows])
        _separate_overprinted(page, grid, boxes)
        _separate_overflow(page, grid, boxes)
        indents = _first_cell_indents(page, bbox, boxes)
        skip = _title_rows(grid)
        above += [normalize(c) for row in grid[:skip] for c in row if c]
        tables.append(
            PageTable(
                page=page_number,
                bbox=bbox,
                grid=grid[skip:],
                cell_boxes=boxes[skip:],
                indents=indents[skip:],
                column_boxes=_column_boxes(table),
                lines_above=above,
            )
        )
        previous_bottom = bbox[3]
    for i, table in enumerate(tables):
        table.is_first_on_page = i == 0
        table.is_last_on_page = i == len(tables) - 1
        if table.is_last_on_page:
            below = [text for t, _b, text in lines if t >= table.bbox[3] - SETTINGS.edge_slack]
            # Text below the last table that is only a footnote or page number still
            # lets the table continue on the next page.
            table.is_last_on_page = all(_is_trailer(text) for text in below)
    return tables, [text for _t, _b, text in lines]


def open_top_rules(page: Page, tables: list[BBox]) -> list[dict]:
    """Rules missing at the top of a table: where its vertical rulings rise above its first
    horizontal rule, across its whole width, and enclose printed text there (a continuation
    page whose first row lost its top border at the page break), a horizontal edge at the
    height every rising ruling reaches."""
    slack = SETTINGS.edge_slack
    verticals = [e for e in page.edges if e["orientation"] == "v"]
    rules = []
    for x0, top, x1, _ in tables:
        rising = [
            e
            for e in verticals
            if x0 - slack <= e["x0"] <= x1 + slack
            and e["top"] < top - slack
            and e["bottom"] >= top - slack
        ]
        if len(rising) <= SETTINGS.min_table_columns:
            continue
        xs = [e["x0"] for e in rising]
        if min(xs) > x0 + slack or max(xs) < x1 - slack:
            continue  # a box above part of the table, not its rulings
        rise = max(e["top"] for e in rising)
        band = (x0, rise, x1, top)
        if not any(_inside(char, band) for char in page.chars if char["text"].strip()):
            continue
        rules.append(
            {
                "object_type": "open_top_edge",
                "orientation": "h",
                "x0": x0,
                "x1": x1,
                "top": rise,
                "bottom": rise,
                "width": x1 - x0,
                "height": 0,
            }
        )
    return rules


def _separate_overprinted(page: Page, grid: list[list[str | None]], boxes: list[list]) -> None:
    """A long name printed over the amount beside it ('…保障中心' across '1839311.66'):
    pdfplumber reads the cell as the two texts interleaved ('中18心39311.66'). Where the
    name's characters overlap the amount's, they go back to the name cell on the left."""
    for r, row in enumerate(grid):
        for c in range(1, len(row)):
            text, box = row[c], boxes[r][c] if c < len(boxes[r]) else None
            if not text or box is None or row[c - 1] is None or not INTERLEAVED_NAME.search(text):
                continue
            chars = sorted(
                (ch for ch in page.chars if _inside(ch, box) and ch["text"].strip()),
                key=lambda ch: ch["x0"],
            )
            name = [ch for ch in chars if NAME_CHAR.match(ch["text"])]
            rest = [ch for ch in chars if not NAME_CHAR.match(ch["text"])]
            amount = "".join(ch["text"] for ch in rest)
            if (
                name
                and parse_amount(amount) is not None
                and any(_overlap(a, b) for a in name for b in rest)
            ):
                row[c - 1] += "".join(ch["text"] for ch in name)
                row[c] = amount


def _separate_overflow(page: Page, grid: list[list[str | None]], boxes: list[list]) -> None:
    """A long name running over the catalogue code beside it ('…开发运营及' over 'C0206运行维护
    服务'): the cell reads '硬C0206…' or '目B0（8基…'. The characters printed over others that
    sit on the name's own text line go back to the name cell on the left."""
    for r, row in enumerate(grid):
        for c in range(1, len(row)):
            text, box = row[c], boxes[r][c] if c < len(boxes[r]) else None
            left = boxes[r][c - 1] if c - 1 < len(boxes[r]) else None
            if not text or box is None or left is None or not row[c - 1]:
                continue
            if not OVERFLOW_BEFORE_CODE.match(normalize(text)):
                continue
            chars = [ch for ch in page.chars if _inside(ch, box) and ch["text"].strip()]
            name_tops = {round(ch["top"], 1) for ch in page.chars if _inside(ch, left)}
            over = [
                ch
                for ch in chars
                if round(ch["top"], 1) in name_tops
                and any(_overlap(ch, other) for other in chars if other is not ch)
            ]
            tops = {round(ch["top"], 1) for ch in over}
            moved = [ch for ch in chars if round(ch["top"], 1) in tops]
            kept = [ch for ch in chars if round(ch["top"], 1) not in tops]
            if not over or not kept:
                continue
            row[c - 1] += "".join(ch["text"] for ch in sorted(moved, key=lambda ch: ch["x0"]))
            row[c] = "".join(ch["text"] for ch in sorted(kept, key=lambda ch: ch["x0"]))


def _is_amount_row(grid: list[list[str | None]]) -> bool:
    """A lone ruled row printing amounts: at the top of a page, the last line of a table
    the page before ('2210203 购房补贴 | 167.18 | 167.18'); stitching keeps it only there."""
    return len(grid) == 1 and any(parse_amount(normalize(c)) is not None for c in grid[0] if c)


def _inside(char: dict, box: BBox) -> bool:
    x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _overlap(a: dict, b: dict) -> bool:
    """Two characters printed over each other (not merely touching)."""
    return (
        min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > SETTINGS.overprint
        and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > SETTINGS.overprint
    )


def _first_cell_indents(
    page: Page, bbox: BBox, boxes: list[list[BBox | None]]
) -> list[float | None]:
    """Left offset of the text inside each row's first cell: hierarchy printed as indentation
    (names without codes) shows up here."""
    x0, top, x1, bottom = bbox
    chars = sorted(
        (c["top"], c["x0"])
        for c in page.chars
        if c["text"].strip() and x0 <= c["x0"] <= x1 and top <= c["top"] <= bottom
    )
    tops = [c[0] for c in chars]
    indents: list[float | None] = []
    for row in boxes:
        cell = row[0] if row else None
        if cell is None:
            indents.append(None)
            continue
        start, end = bisect_left(tops, cell[1]), bisect_left(tops, cell[3])
        inside = [(t, x) for t, x in chars[start:end] if cell[0] <= x <= cell[2]]
        if not inside:
            indents.append(None)
            continue
        first_line = inside[0][0]  # a wrapped name: its first line carries the indent
        left = min(x for t, x in inside if t - first_line < SETTINGS.same_line)
        indents.append(round(left - cell[0], SETTINGS.indent_decimals))
    return indents


def _title_rows(grid: list[list[str | None]]) -> int:
    """Leading grid rows that hold the title or unit line (spreadsheet exports rule them)."""
    count = 0
    for row in grid[: len(grid) - SETTINGS.min_table_rows]:
        texts = [normalize(c) for c in row if c and normalize(c)]
        if len(texts) > 1 and not all(LABEL_LINE.match(t) or find_unit(t) for t in texts):
            break
        if len(texts) == 1 and not (LABEL_IN_TITLE_ROW.search(texts[0]) or find_unit(texts[0])):
            break
        count += 1
    return count


def _is_trailer(text: str) -> bool:
    return (
        len(text) <= SETTINGS.trailer_chars
        or text.startswith(("注", "备注", "说明", "本套报表", "本表", "-", "—"))
        or text.strip("-—–0123456789 ") == ""
    )

"""Row bands from baselines: grids whose amounts are printed on the ruling lines.

Some publishers (重庆 表二) draw each horizontal rule through the middle of a row's code and
amounts, the row's name printed just above it. Read by the rules, every ruled row pairs one
line's amounts with the next line's name, and the last line, printed across the table's bottom
edge, falls out of the table. Where most amount lines are cut by a rule, each cut rule moves
down to the bottom (baseline) of the line it cuts: the band then holds a name and the amounts
printed below it, as the publisher meant.
"""

from __future__ import annotations

from collections.abc import Sequence

from pdfplumber.page import Page
from pdfplumber.utils import extract_text

from .models import BBox
from .numbers import parse_amount
from .settings import SETTINGS
from .text import normalize

Grid = list[list[str | None]]
Boxes = list[list[BBox | None]]


def amount_lines(words: Sequence[dict]) -> list[tuple[float, float]]:
    """(top, bottom) of each printed line that holds an amount."""
    lines: list[tuple[float, float]] = []
    for word in sorted(words, key=lambda w: w["top"]):
        if parse_amount(normalize(word["text"])) is None:
            continue
        if lines and abs(word["top"] - lines[-1][0]) < SETTINGS.same_line:
            lines[-1] = (lines[-1][0], max(lines[-1][1], word["bottom"]))
        else:
            lines.append((word["top"], word["bottom"]))
    return lines


def moved_rules(rules: Sequence[float], lines: Sequence[tuple[float, float]]) -> dict[float, float]:
    """Rule → the baseline it moves to, when most amount lines are cut by a rule (a rule
    crossing a line's text, not touching its edge); empty otherwise."""
    margin = SETTINGS.rule_cut_margin
    moved: dict[float, float] = {}
    for top, bottom in lines:
        cut = [y for y in rules if top + margin < y < bottom - margin]
        if cut:
            moved[cut[0]] = bottom + SETTINGS.edge_slack
    cut_lines = len(moved)
    if cut_lines < SETTINGS.min_table_rows or cut_lines * 2 <= len(lines):
        return {}
    return moved


def rebanded(page: Page, bbox: BBox, grid: Grid, boxes: Boxes) -> tuple[BBox, Grid, Boxes]:
    """The table read in bands that end at its amounts' baselines (unchanged where no rule
    cuts its amount lines): cells keep their columns, their text is read again."""
    x0, top, x1, bottom = bbox
    reach = SETTINGS.baseline_reach
    area = _clip(page, (x0 - reach, top, x1 + reach, bottom + reach))
    if area[0] >= area[2] or area[1] >= area[3]:  # a table found outside the page's box
        return bbox, grid, boxes
    words = page.within_bbox(area)
    lines = [(t, b) for t, b in amount_lines(words.extract_words()) if t < bottom]
    rules = sorted({box[1] for row in boxes for box in row if box} | {bottom})
    moved = moved_rules(rules, lines)
    if not moved:
        return bbox, grid, boxes
    chars = [c for c in words.chars if c["text"].strip()]
    new_grid: Grid = []
    new_boxes: Boxes = []
    for row_text, row_boxes in zip(grid, boxes, strict=True):
        texts: list[str | None] = []
        cells: list[BBox | None] = []
        for text, box in zip(row_text, row_boxes, strict=True):
            if box is None:
                texts.append(text)
                cells.append(None)
                continue
            cell = (box[0], moved.get(box[1], box[1]), box[2], moved.get(box[3], box[3]))
            cells.append(cell)
            texts.append(extract_text([c for c in chars if _centre_in(c, cell)]))
        new_grid.append(texts)
        new_boxes.append(cells)
    return (x0, top, x1, moved.get(bottom, bottom)), new_grid, new_boxes


def _centre_in(char: dict, box: BBox) -> bool:
    x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return box[0] <= x < box[2] and box[1] <= y < box[3]


def _clip(page: Page, box: BBox) -> BBox:
    px0, ptop, px1, pbottom = page.bbox
    return (max(px0, box[0]), max(ptop, box[1]), min(px1, box[2]), min(pbottom, box[3]))

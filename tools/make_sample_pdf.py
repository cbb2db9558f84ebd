"""Render the embedded sample budget PDF (and two tampered fixtures) from a seed text.

The seed is the text rendering of 深圳市福田区政务服务数据管理局's 2020 department budget:
cover line, 目录, narrative chapters, the 附表 list and tables 表1–表16 as tab-separated rows.
Wherever the published file broke a table across pages the seed repeats the
单位名称 / 单位 / header block; each such chunk becomes exactly one PDF page here.

Outputs (relative to the repository root):
  raw/shenzhen-futian_zhengshuju_2020_budget.pdf       the sample
  tests/fixtures/tampered_procurement_leaf.pdf         表11 扫描仪 0.80 printed as 8.80
  tests/fixtures/tampered_negative_three_public.pdf    表12 政务服务中心 2020 公务接待费 -2.00
  tests/fixtures/sample_layout.json                    table → pages map of the sample

Generation is deterministic (reportlab ``invariant=1``): re-running gives identical bytes.

Usage: ``python -m tools.make_sample_pdf [--seed PATH] [--root DIR]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEED = "../shared/seeds/000_80ceb594ba0555a2.txt"
SAMPLE_PDF = "raw/shenzhen-futian_zhengshuju_2020_budget.pdf"
FIXTURE_DIR = "tests/fixtures"
TAMPERED_PROCUREMENT = "tampered_procurement_leaf.pdf"
TAMPERED_THREE_PUBLIC = "tampered_negative_three_public.pdf"
LAYOUT_JSON = "sample_layout.json"

FONT = "STSong-Light"
PORTRAIT = A4
LANDSCAPE = landscape(A4)
PORTRAIT_MARGINS = (70.0, 72.0, 70.0, 72.0)  # left, top, right, bottom
LANDSCAPE_MARGINS = (40.0, 40.0, 40.0, 50.0)
PAGE_LAYOUTS = {
    "portrait": (PORTRAIT, PORTRAIT_MARGINS),
    "landscape": (LANDSCAPE, LANDSCAPE_MARGINS),
}
CELL_PAD = 2.5
FONT_SIZES = (9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0, 5.5, 5.0)
FIRST_FORM_TABLE = 14  # 表14–表16 are text-heavy performance forms

TABLE_LABEL_RE = re.compile(r"^表\s*(\d+)$")
SUBTITLE_RE = re.compile(r"^[（(]?\d{4}\s*年度[）)]?$")
NUMERIC_RE = re.compile(r"^-?[\d,]+(?:\.\d+)?$")
AMOUNT_RE = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+$|^0$")
YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")
ARTEFACT_RE = re.compile(r"^-{2,}$")
CHAPTER_RE = re.compile(r"^第[一二三四五六七八九十]+部分")
SECTION_RE = re.compile(r"^[一二三四五六七八九十]+、")
SUBSECTION_RE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")

# Glyphs STSong-Light lacks, and the seed's inline HTML/LaTeX residue.
CHAR_SUBSTITUTES = {"m ²": "㎡", "²": "2", "·": "・"}
LATEX_SUBSTITUTES = (
    (re.compile(r"\\text\{\s*([^}]*)\}"), r"\1"),
    (re.compile(r"\\times"), "×"),
    (re.compile(r"\\cdot"), "・"),
    (re.compile(r"\$"), ""),
)

# 表2's header in the seed lost its column alignment (18 cells, 其他收入 pushed to the end).
# The reconstructed 17-column header: 本年收入 = 财政预算拨款(8) + 事业 + 经营 + 其他收入.
# fmt: off
TABLE2_HEADER = [
    ["预算单位", "收入总计", "本年收入", *[""] * 10,
     "上级补助收入", "附属单位上缴收入", "用事业基金弥补收支差额", "上年结余、结转"],
    ["", "", "财政预算拨款", *[""] * 7, "事业收入", "事业单位经营收入", "其他收入", *[""] * 4],
    ["", "", "小计", "一般公共预算拨款", "", "", "", "政府性基金预算拨款", "国有资本经营预算拨款",
     "财政专户拨款", *[""] * 7],
    ["", "", "", "小计", "一般性经费拨款", "财政专项资金拨款", "政府投资项目拨款", *[""] * 10],
]
# fmt: on
HEADER_OVERRIDES: dict[int, list[list[str]]] = {2: TABLE2_HEADER}


# ----------------------------------------------------------------------------- model


@dataclass
class Chunk:
    """One page-sized piece of a table: optional heading lines plus one ruled grid."""

    rows: list[list[str]]
    kind: str  # "grid" (表1–13) or "form" (表14–16)
    number_label: str | None = None
    title: str | None = None
    subtitle: str | None = None
    unit_line: tuple[str, str] | None = None
    notes: list[str] = field(default_factory=list)
    new_page: bool = True
    header_rows: int = 0


@dataclass
class BudgetTable:
    """A numbered table (表 N) and its page chunks."""

    number: int
    title: str
    chunks: list[Chunk] = field(default_factory=list)


@dataclass
class Seed:
    """The parsed seed document."""

    department: str
    year: str
    cover_suffix: str
    toc: list[str]
    narrative: list[str]
    appendix: list[str]
    tables: list[BudgetTable]


# ----------------------------------------------------------------------------- parsing


def read_blocks(text: str) -> list[list[str]]:
    """Group consecutive non-blank lines (tabs kept) into blocks."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.replace("\t", "").strip():
            current.append(line.rstrip("\n"))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def find_block(blocks: list[list[str]], predicate: Callable[[str], bool]) -> int:
    """Index of the first block whose first line satisfies ``predicate``."""
    return next(i for i, block in enumerate(blocks) if predicate(block[0].strip()))


def flatten(blocks: list[list[str]]) -> list[str]:
    """All lines of ``blocks``, stripped."""
    return [line.strip() for block in blocks for line in block]


def parse_seed(text: str) -> Seed:
    """Split the seed into cover, 目录, narrative, 附表 list and tables."""
    blocks = read_blocks(text)
    toc_at = find_block(blocks, lambda s: s == "目录")
    narrative_at = find_block(blocks, lambda s: bool(CHAPTER_RE.match(s)))
    appendix_at = find_block(blocks, lambda s: s.startswith("附表"))
    tables_at = find_block(blocks, lambda s: bool(TABLE_LABEL_RE.match(s)))
    cover = re.match(r"^(\S+)\s*(\d{4})\s*年部门预算(.*)$", blocks[0][0].strip())
    if cover is None:
        raise ValueError(f"unexpected cover line: {blocks[0][0]!r}")
    return Seed(
        department=cover[1],
        year=cover[2],
        cover_suffix=cover[3].strip(),
        toc=flatten(blocks[toc_at + 1 : narrative_at]),
        narrative=merge_broken_paragraphs(flatten(blocks[narrative_at:appendix_at])),
        appendix=flatten(blocks[appendix_at:tables_at]),
        tables=[normalise_table(t) for t in parse_tables(blocks[tables_at:])],
    )


def is_heading(line: str) -> bool:
    """Short chapter/section lines without closing punctuation are headings."""
    if len(line) > 30 or line[-1] in "。；;：:，,":
        return False
    return bool(CHAPTER_RE.match(line) or SECTION_RE.match(line) or SUBSECTION_RE.match(line))


def merge_broken_paragraphs(lines: list[str]) -> list[str]:
    """Rejoin body paragraphs the seed cut at a page break (long line ending mid-sentence)."""
    merged: list[str] = []
    for line in lines:
        prev = merged[-1] if merged else ""
        if prev and not is_heading(prev) and len(prev) >= 40 and CJK_RE.match(prev[-1]):
            merged[-1] = prev + line
        else:
            merged.append(line)
    return merged


def split_rows(block: list[str]) -> list[list[str]]:
    """Tab-separated lines to stripped cell lists."""
    return [[cell.strip() for cell in line.split("\t")] for line in block]


def single_text(row: list[str]) -> str | None:
    """The only non-empty cell of ``row``, if it has exactly one."""
    filled = [cell for cell in row if cell]
    return filled[0] if len(filled) == 1 and row[0] else None


class _TableParser:
    """State machine over the table blocks of the seed."""

    def __init__(self) -> None:
        self.tables: list[BudgetTable] = []
        self.heading = Chunk(rows=[], kind="grid")
        self.unit_name = ""

    def kind(self) -> str:
        """Grid for 表1–13, form for the performance tables."""
        return "grid" if self.tables[-1].number < FIRST_FORM_TABLE else "form"

    def feed(self, block: list[str]) -> None:
        first = block[0].strip()
        if match := TABLE_LABEL_RE.match(first):
            self.tables.append(BudgetTable(int(match[1]), ""))
            self.heading = Chunk(rows=[], kind=self.kind(), number_label=first)
        elif "\t" in block[0]:
            self.feed_rows(split_rows(block))
        else:
            for line in block:
                self.feed_text(line.strip())

    def feed_text(self, text: str) -> None:
        table = self.tables[-1]
        if text.startswith("单位名称"):
            self.unit_name = text
        elif text.startswith("单位："):
            self.heading.unit_line = (self.unit_name, text)
        elif SUBTITLE_RE.match(text):
            self.heading.subtitle = text
        elif text.startswith("注"):
            table.chunks[-1].notes.append(text)
        else:
            table.title = table.title or text
            self.heading.title = text

    def feed_rows(self, rows: list[list[str]]) -> None:
        if any(ARTEFACT_RE.match(cell) for row in rows for cell in row):
            return  # markdown residue (目标 / ---- --) in the seed, not part of the document
        while (
            rows
            and (text := single_text(rows[0]))
            and (SUBTITLE_RE.match(text) or not self.tables[-1].title)
        ):
            self.feed_text(text)  # 表14 prints its title/subtitle inside the first row block
            rows = rows[1:]
        self.add_chunk(rows)

    def add_chunk(self, rows: list[list[str]]) -> None:
        table, chunk = self.tables[-1], self.heading
        chunk.rows = rows
        # Grid chunks each fill a page; forms flow, but a form's continuation block and
        # the first form of a table start a new page.
        chunk.new_page = chunk.kind == "grid" or not table.chunks or chunk.title is None
        table.chunks.append(chunk)
        self.heading = Chunk(rows=[], kind=self.kind())


def parse_tables(blocks: list[list[str]]) -> list[BudgetTable]:
    """Parse the 表 N sections into tables of page chunks."""
    parser = _TableParser()
    for block in blocks:
        parser.feed(block)
    return parser.tables


def count_header_rows(rows: list[list[str]]) -> int:
    """Leading rows without any numeric cell form the column header."""
    for index, row in enumerate(rows):
        if any(NUMERIC_RE.match(cell) for cell in row):
            return index
    return 0


def pad_rows(rows: list[list[str]]) -> list[list[str]]:
    """Give every row the same number of cells."""
    width = max(len(row) for row in rows)
    return [row + [""] * (width - len(row)) for row in rows]


def apply_header_override(rows: list[list[str]], header: list[list[str]]) -> list[list[str]]:
    """Swap in a reconstructed header and drop the (empty) surplus data columns."""
    width = len(header[0])
    data = rows[count_header_rows(rows) :]
    surplus = [cell for row in data for cell in row[width:] if cell]
    if surplus:
        raise ValueError(f"cannot drop non-empty cells {surplus}")
    return [list(r) for r in header] + [row[:width] for row in data]


def normalise_table(table: BudgetTable) -> BudgetTable:
    """Pad rows, fix known header damage and record header depth per grid chunk."""
    for chunk in table.chunks:
        rows = pad_rows(chunk.rows)
        if chunk.kind == "grid" and table.number in HEADER_OVERRIDES:
            rows = apply_header_override(rows, HEADER_OVERRIDES[table.number])
        chunk.rows = rows
        chunk.header_rows = count_header_rows(rows) if chunk.kind == "grid" else 0
    return table


# ----------------------------------------------------------------------------- tampering


def set_cell(
    seed: Seed, number: int, match: Callable[[list[str]], bool], column: int, old: str, new: str
) -> Seed:
    """Copy of ``seed`` with one table cell changed (the old value is checked)."""
    tables = []
    hits = 0
    for table in seed.tables:
        chunks = []
        for chunk in table.chunks:
            rows = [list(row) for row in chunk.rows]
            for row in rows[chunk.header_rows :]:
                if table.number == number and match(row):
                    if row[column] != old:
                        raise ValueError(f"表{number}: expected {old!r}, found {row[column]!r}")
                    row[column] = new
                    hits += 1
            chunks.append(replace(chunk, rows=rows))
        tables.append(replace(table, chunks=chunks))
    if hits != 1:
        raise ValueError(f"表{number}: {hits} cells matched, expected 1")
    return replace(seed, tables=tables)


def tamper_procurement(seed: Seed) -> Seed:
    """表11: the 扫描仪 leaf 0.80 printed as 8.80."""
    return set_cell(seed, 11, lambda row: row[2] == "A030207 扫描仪", 3, "0.80", "8.80")


def tamper_three_public(seed: Seed) -> Seed:
    """表12: 政务服务中心 2020 公务接待费 2.00 printed as -2.00."""

    def is_row(row: list[str]) -> bool:
        return row[0] == "深圳市福田区政务服务中心" and row[1] == "2020"

    return set_cell(seed, 12, is_row, 4, "2.00", "-2.00")


# ----------------------------------------------------------------------------- spans


Span = tuple[int, int, int, int]  # first col, first row, last col, last row
Owners = dict[tuple[int, int], int]  # cell (row, col) -> index of the span covering it


def _across(rows: list[list[str]], span_rows: int, owner: Owners) -> list[list[int]]:
    """Labels extend right over empty cells, staying under a multi-column parent."""
    spans: list[list[int]] = []
    width = len(rows[0])
    for r in range(span_rows):
        for c in range(width):
            if not rows[r][c] or (r, c) in owner:
                continue
            hi = width - 1
            parent = owner.get((r - 1, c))
            if parent is not None and spans[parent][2] > spans[parent][0]:
                hi = spans[parent][2]
            end = c
            while end < hi and not rows[r][end + 1] and (r, end + 1) not in owner:
                end += 1
            for col in range(c, end + 1):
                owner[(r, col)] = len(spans)
            spans.append([c, r, end, r])
    return spans


def _down(
    rows: list[list[str]], span_rows: int, spans: list[list[int]], owner: Owners, down_cols: int
) -> None:
    """Labels extend down over rows whose cells under them are empty."""
    for index, span in enumerate(spans):
        c0, _, c1, _ = span
        if c0 >= down_cols:
            continue
        while span[3] + 1 < span_rows and all(
            not rows[span[3] + 1][c] and (span[3] + 1, c) not in owner for c in range(c0, c1 + 1)
        ):
            span[3] += 1
            for c in range(c0, c1 + 1):
                owner[(span[3], c)] = index


def compute_spans(chunk: Chunk) -> list[Span]:
    """Merged cells: the header of a grid, every row of a form."""
    rows = chunk.rows
    if chunk.kind == "grid":
        span_rows, down_cols = chunk.header_rows, len(rows[0])
    else:
        span_rows, down_cols = len(rows), 3
    owner: Owners = {}
    spans = _across(rows, span_rows, owner)
    _down(rows, span_rows, spans, owner, down_cols)
    return [(s[0], s[1], s[2], s[3]) for s in spans if s[0] != s[2] or s[1] != s[3]]


# ----------------------------------------------------------------------------- text helpers


def clean_text(text: str) -> list[str]:
    """Display lines of a cell: drop <p> wrappers, inline LaTeX and unsupported glyphs."""
    for old, new in CHAR_SUBSTITUTES.items():
        text = text.replace(old, new)
    for pattern, repl in LATEX_SUBSTITUTES:
        text = pattern.sub(repl, text)
    return [part.strip() for part in re.split(r"</?p>", text) if part.strip()]


def markup(text: str) -> str:
    """Paragraph markup for ``text``."""
    return "<br/>".join(escape(line) for line in clean_text(text))


def text_width(text: str, size: float) -> float:
    """Width of ``text`` in the CJK font."""
    return pdfmetrics.stringWidth(" ".join(clean_text(text)), FONT, size)


def style(
    name: str, size: float, align: int = TA_LEFT, leading: float = 1.25, **kw: float
) -> ParagraphStyle:
    """A CJK paragraph style."""
    return ParagraphStyle(
        f"{name}-{size}",
        fontName=FONT,
        fontSize=size,
        leading=size * leading,
        alignment=align,
        wordWrap="CJK",
        **kw,
    )


# ----------------------------------------------------------------------------- flowables


class PageMarker(Flowable):
    """Zero-size flowable recording the page it lands on."""

    def __init__(self, key: str, registry: dict[str, list[int]]) -> None:
        super().__init__()
        self.key, self.registry = key, registry

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        pages = self.registry.setdefault(self.key, [])
        page = self.canv.getPageNumber()
        if page not in pages:
            pages.append(page)


class BoldLine(Flowable):
    """One line of heavy (fill+stroke) text, centred or indented."""

    def __init__(
        self,
        text: str,
        size: float,
        centred: bool = True,
        indent: float = 0,
        space_before: float = 0,
        space_after: float = 0,
        keep_with_next: bool = False,
    ) -> None:
        super().__init__()
        self.text, self.size, self.centred, self.indent = text, size, centred, indent
        self.spaceBefore, self.spaceAfter = space_before, space_after
        self.keepWithNext = keep_with_next

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.avail = aw
        return aw, self.size * 1.5

    def draw(self) -> None:
        width = pdfmetrics.stringWidth(self.text, FONT, self.size)
        x = (self.avail - width) / 2 if self.centred else self.indent
        canvas = self.canv
        canvas.saveState()
        canvas.setLineWidth(self.size * 0.035)
        text = canvas.beginText(x, self.size * 0.4)
        text.setFont(FONT, self.size)
        text.setTextRenderMode(2)
        text.textOut(self.text)
        canvas.drawText(text)
        canvas.restoreState()


class LeftRightLine(Flowable):
    """Two strings on one line: one flush left, one flush right."""

    def __init__(self, left: str, right: str, size: float = 10) -> None:
        super().__init__()
        self.left, self.right, self.size = left, right, size

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.avail = aw
        return aw, self.size * 1.6

    def draw(self) -> None:
        self.canv.setFont(FONT, self.size)
        self.canv.drawString(0, self.size * 0.4, self.left)
        self.canv.drawRightString(self.avail, self.size * 0.4, self.right)


# ----------------------------------------------------------------------------- tables


def cell_style(chunk: Chunk, row: int, text: str, size: float) -> ParagraphStyle:
    """Centre headers and form labels, right-align amounts, left-align other text."""
    if AMOUNT_RE.match(text) and row >= chunk.header_rows:
        return style("num", size, TA_RIGHT)
    centred = row < chunk.header_rows or YEAR_RE.match(text)
    if centred or (chunk.kind == "form" and len(text) <= 12):
        return style("head", size, TA_CENTER)
    # One character of right indent keeps hanging CJK punctuation inside the cell.
    return style("text", size, TA_LEFT, rightIndent=size)


def span_lookup(spans: list[Span]) -> dict[tuple[int, int], Span]:
    """Span by its origin cell (row, col)."""
    return {(s[1], s[0]): s for s in spans}


def covered_cells(spans: list[Span]) -> set[tuple[int, int]]:
    """Cells (row, col) hidden inside a span (not its origin)."""
    hidden = set()
    for c0, r0, c1, r1 in spans:
        hidden |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
    return hidden


def width_levels(chunk: Chunk, spans: list[Span], size: float) -> list[list[float]]:
    """Column widths by priority: unbreakable minimum, then body text, then header text."""
    pad = 2 * CELL_PAD + 1
    minimum = [2 * size + pad] * len(chunk.rows[0])
    body, head = list(minimum), list(minimum)
    origins, hidden = span_lookup(spans), covered_cells(spans)
    for r, row in enumerate(chunk.rows):
        for c, text in enumerate(row):
            if not text or (r, c) in hidden:
                continue
            c0, _, c1, _ = origins.get((r, c), (c, r, c, r))
            header = r < chunk.header_rows
            amount = not header and AMOUNT_RE.match(text)
            # Slack: half a character beside amounts, one (hanging punctuation) beside text.
            width = text_width(text, size) + pad + (0 if header else size / 2 if amount else size)
            if amount and c0 == c1:
                minimum[c] = max(minimum[c], width)
            level, cap = (head, 4) if header else (body, 36)
            share = min(width, cap * size + pad) / (c1 - c0 + 1)
            for col in range(c0, c1 + 1):
                level[col] = max(level[col], share)
    body = [max(b, m) for b, m in zip(body, minimum, strict=True)]
    head = [max(h, b) for h, b in zip(head, body, strict=True)]
    return [minimum, body, head]


def column_widths(chunk: Chunk, spans: list[Span], size: float, avail: float) -> list[float] | None:
    """Fill ``avail``: amounts never wrap, body text before header text gets its natural width."""
    levels = width_levels(chunk, spans, size)
    if sum(levels[0]) > avail:
        return None
    for low, high in itertools.pairwise(levels):
        if sum(high) > avail:
            squeeze = (avail - sum(low)) / (sum(high) - sum(low))
            return [lo + (hi - lo) * squeeze for lo, hi in zip(low, high, strict=True)]
    return [w * avail / sum(levels[-1]) for w in levels[-1]]


def build_grid(chunk: Chunk, size: float, widths: list[float], spans: list[Span]) -> Table:
    """A fully ruled reportlab Table for ``chunk``."""
    hidden = covered_cells(spans)
    data = [
        [
            ""
            if not text or (r, c) in hidden
            else Paragraph(markup(text), cell_style(chunk, r, text, size))
            for c, text in enumerate(row)
        ]
        for r, row in enumerate(chunk.rows)
    ]
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("FONT", (0, 0), (-1, -1), FONT, size, size * 1.25),
    ]
    commands += [("SPAN", (c0, r0), (c1, r1)) for c0, r0, c1, r1 in spans]
    return Table(data, colWidths=widths, style=TableStyle(commands))


def fit_grid(chunk: Chunk, avail_w: float, avail_h: float) -> Table:
    """The largest font size whose table fits the space left on the page."""
    spans = compute_spans(chunk)
    for size in FONT_SIZES:
        widths = column_widths(chunk, spans, size, avail_w)
        if widths is None:
            continue
        table = build_grid(chunk, size, widths, spans)
        if table.wrap(avail_w, avail_h)[1] <= avail_h:
            return table
    raise ValueError(f"chunk does not fit one page: {chunk.rows[0]}")


def chunk_heading(chunk: Chunk) -> list[Flowable]:
    """表 N label, title, subtitle and the 单位名称/单位 line, as present."""
    parts: list[Flowable] = []
    if chunk.number_label:
        parts.append(Paragraph(escape(chunk.number_label), style("label", 10.5)))
    if chunk.title:
        parts.append(BoldLine(chunk.title, 16, space_before=2, space_after=4))
    if chunk.subtitle:
        parts.append(Paragraph(escape(chunk.subtitle), style("sub", 10.5, TA_CENTER)))
    if chunk.unit_line:
        parts.append(LeftRightLine(*chunk.unit_line))
    parts.append(Spacer(1, 3))
    return parts


def flowables_height(parts: list[Flowable], width: float) -> float:
    """Total height of ``parts`` stacked in a frame ``width`` wide."""
    total = 0.0
    for part in parts:
        total += part.wrap(width, 10_000)[1] + part.getSpaceBefore() + part.getSpaceAfter()
    return total


def chunk_flowables(
    chunk: Chunk, key: str, registry: dict[str, list[int]], frame: tuple[float, float]
) -> list[Flowable]:
    """One chunk kept on one page, with its page recorded under ``key``."""
    width, height = frame
    head = chunk_heading(chunk)
    notes = [Paragraph(escape(note), style("note", 9, spaceBefore=4)) for note in chunk.notes]
    room = height - flowables_height(head + notes, width) - 6
    body = [PageMarker(key, registry), *head, fit_grid(chunk, width, room), *notes]
    parts: list[Flowable] = [KeepTogether(body)]
    if chunk.kind == "form" and not chunk.new_page:
        parts.insert(0, Spacer(1, 14))
    return parts


# ----------------------------------------------------------------------------- text pages


def frame_size(pagesize: tuple[float, float], margins: tuple[float, ...]) -> tuple[float, float]:
    """Width and height of the body frame."""
    left, top, right, bottom = margins
    return pagesize[0] - left - right, pagesize[1] - top - bottom


def cover_flowables(seed: Seed) -> list[Flowable]:
    """Cover page: department and budget title."""
    return [
        Spacer(1, 200),
        BoldLine(seed.department, 24, space_after=18),
        BoldLine(f"{seed.year}年部门预算{seed.cover_suffix}", 24),
        Spacer(1, 330),
        Paragraph(escape(seed.department), style("cover", 14, TA_CENTER)),
        PageBreak(),
    ]


def toc_flowables(seed: Seed) -> list[Flowable]:
    """目录 page."""
    parts: list[Flowable] = [BoldLine("目  录", 18, space_after=16)]
    for line in seed.toc:
        indent = 24 if SUBSECTION_RE.match(line) else 0
        parts.append(Paragraph(escape(line), style("toc", 13, leading=1.9, leftIndent=indent)))
    parts.append(PageBreak())
    return parts


def body_style() -> ParagraphStyle:
    """Narrative body: justified, first line indented two characters."""
    return style("body", 12, TA_JUSTIFY, leading=1.75, firstLineIndent=24, spaceAfter=3)


def narrative_flowables(
    seed: Seed, registry: dict[str, list[int]], sentence: str
) -> list[Flowable]:
    """Chapters 第一部分 … 第八部分 with headings and body paragraphs."""
    parts: list[Flowable] = []
    for line in seed.narrative:
        if is_heading(line) and CHAPTER_RE.match(line):
            parts.append(BoldLine(line, 16, space_before=10, space_after=8, keep_with_next=True))
        elif is_heading(line) and SECTION_RE.match(line):
            parts.append(
                BoldLine(
                    line,
                    12.5,
                    centred=False,
                    indent=24,
                    space_before=4,
                    space_after=2,
                    keep_with_next=True,
                )
            )
        elif is_heading(line):
            parts.append(
                Paragraph(
                    escape(line), style("sub", 12, leading=1.75, firstLineIndent=24, keepWithNext=1)
                )
            )
        elif line == sentence:
            parts.append(
                KeepTogether(
                    [PageMarker("sentence", registry), Paragraph(escape(line), body_style())]
                )
            )
        else:
            parts.append(Paragraph(escape(line), body_style()))
    return parts


def appendix_flowables(seed: Seed) -> list[Flowable]:
    """The 附表 list."""
    parts: list[Flowable] = [PageBreak()]
    heading, *items = seed.appendix
    parts.append(BoldLine(heading, 14, centred=False, space_after=10))
    parts += [
        Paragraph(escape(item), style("toc", 12, leading=1.9, leftIndent=24)) for item in items
    ]
    return parts


def income_sentence(seed: Seed) -> str:
    """The narrative paragraph stating 部门预算收入."""
    return next(line for line in seed.narrative if "部门预算收入" in line)


# ----------------------------------------------------------------------------- document


def footer(page_width: float) -> Callable[[Canvas, BaseDocTemplate], None]:
    """onPage hook drawing '- N -' centred at the bottom of every page after the cover."""

    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        page = canvas.getPageNumber()
        if page > 1:
            canvas.setFont(FONT, 10.5)
            canvas.drawCentredString(page_width / 2, 26, f"- {page} -")

    return draw


def page_template(
    name: str, pagesize: tuple[float, float], margins: tuple[float, ...]
) -> PageTemplate:
    """A single-frame page template with the footer."""
    left, _, _, bottom = margins
    width, height = frame_size(pagesize, margins)
    frame = Frame(
        left,
        bottom,
        width,
        height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id=name,
    )
    return PageTemplate(id=name, frames=[frame], pagesize=pagesize, onPage=footer(pagesize[0]))


def table_story(seed: Seed, registry: dict[str, list[int]]) -> list[Flowable]:
    """Every table chunk on landscape pages, one chunk per page (表14–16 forms may share)."""
    frame = frame_size(LANDSCAPE, LANDSCAPE_MARGINS)
    story: list[Flowable] = [NextPageTemplate("landscape")]
    for table in seed.tables:
        for chunk in table.chunks:
            if chunk.new_page:
                story.append(PageBreak())
            story += chunk_flowables(chunk, f"table:{table.number}", registry, frame)
    return story


def build_pdf(seed: Seed, path: Path) -> tuple[dict[str, list[int]], int]:
    """Write the PDF; return the pages each marker landed on and the page count."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    registry: dict[str, list[int]] = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = BaseDocTemplate(
        str(path),
        pagesize=PORTRAIT,
        invariant=1,
        title=f"{seed.department}{seed.year}年部门预算",
        author=seed.department,
        subject=f"{seed.year}年部门预算",
        creator="budget-warehouse tools/make_sample_pdf.py",
        pageTemplates=[page_template(name, *layout) for name, layout in PAGE_LAYOUTS.items()],
    )
    story: list[Flowable] = [PageMarker("cover", registry), *cover_flowables(seed)]
    story += [PageMarker("toc", registry), *toc_flowables(seed)]
    story += narrative_flowables(seed, registry, income_sentence(seed))
    story += [*appendix_flowables(seed), PageMarker("appendix", registry)]
    story += table_story(seed, registry)
    doc.build(story)
    return registry, doc.page


def layout_json(
    seed: Seed, registry: dict[str, list[int]], page_count: int, pdf: str
) -> dict[str, object]:
    """The page map tests check the sample against."""
    return {
        "pdf": pdf,
        "page_count": page_count,
        "department": seed.department,
        "fiscal_year": int(seed.year),
        "cover_page": registry["cover"][0],
        "toc_page": registry["toc"][0],
        "appendix_list_page": registry["appendix"][0],
        "income_sentence": income_sentence(seed),
        "income_sentence_page": registry["sentence"][0],
        "tables": {
            str(t.number): {"title": t.title, "pages": registry[f"table:{t.number}"]}
            for t in seed.tables
        },
    }


def generate(seed_path: Path, root: Path) -> dict[str, object]:
    """Build the sample, the tampered fixtures and the layout JSON; return the layout."""
    seed = parse_seed(seed_path.read_text(encoding="utf-8"))
    registry, page_count = build_pdf(seed, root / SAMPLE_PDF)
    fixtures = root / FIXTURE_DIR
    build_pdf(tamper_procurement(seed), fixtures / TAMPERED_PROCUREMENT)
    build_pdf(tamper_three_public(seed), fixtures / TAMPERED_THREE_PUBLIC)
    layout = layout_json(seed, registry, page_count, SAMPLE_PDF)
    (fixtures / LAYOUT_JSON).write_text(
        json.dumps(layout, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return layout


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root")
    parser.add_argument(
        "--seed", type=Path, default=None, help=f"seed text (default: ROOT/{DEFAULT_SEED})"
    )
    args = parser.parse_args(argv)
    seed_path = args.seed or (args.root / DEFAULT_SEED).resolve()
    layout = generate(seed_path, args.root)
    tables: dict[str, dict[str, object]] = layout["tables"]  # type: ignore[assignment]
    for number, entry in tables.items():
        print(f"表{number:>2} {entry['title']}: pages {entry['pages']}")
    print(f"{layout['page_count']} pages; income sentence on page {layout['income_sentence_page']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

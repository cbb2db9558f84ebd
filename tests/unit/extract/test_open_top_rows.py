"""A continuation page whose first row lost its top rule at the page break: the vertical rulings
rise above the first horizontal rule and enclose that row (issue 22: 西安 工业和信息化局's 政府采购
line printed above the first ruling of its p.43 was not read)."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
from reportlab.pdfgen import canvas

from orchestration.extract.locate import locate_tables, open_top_rules

COLUMNS = (40.0, 140.0, 240.0, 340.0)
ROWS = ("22", "211", "17000.00"), ("23", "211", "32000.00"), ("24", "211", "15000.00")
TOP, ROW = 700.0, 16.0  # PDF coordinates: y grows upwards


def _page(path: Path, *, first_row_text: bool) -> Path:
    """Three rows ruled by four verticals from TOP down; horizontal rules under each row only."""
    pdf = canvas.Canvas(str(path), pagesize=(400, 800))
    bottom = TOP - ROW * len(ROWS)
    for x in COLUMNS:
        pdf.line(x, TOP, x, bottom)
    for r in range(1, len(ROWS) + 1):
        pdf.line(COLUMNS[0], TOP - ROW * r, COLUMNS[-1], TOP - ROW * r)
    for r, cells in enumerate(ROWS):
        if r == 0 and not first_row_text:
            continue
        for x, text in zip(COLUMNS, cells, strict=False):
            pdf.drawString(x + 4, TOP - ROW * r - 12, text)
    pdf.save()
    return path


def test_a_row_above_the_first_rule_is_read_as_the_tables_first_row(tmp_path: Path) -> None:
    with pdfplumber.open(_page(tmp_path / "open_top.pdf", first_row_text=True)) as pdf:
        page = pdf.pages[0]
        plain = page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})
        assert [t.extract()[0][0] for t in plain] == ["23"]  # pdfplumber alone starts at row 23
        [rule] = open_top_rules(page, [t.bbox for t in plain])
        assert round(rule["top"]) == round(800 - TOP)
        [table], _ = locate_tables(page, 1)
    assert [row[0] for row in table.grid] == ["22", "23", "24"]
    assert table.grid[0][2] == "17000.00"


def test_rulings_rising_over_blank_paper_add_no_row(tmp_path: Path) -> None:
    with pdfplumber.open(_page(tmp_path / "blank_top.pdf", first_row_text=False)) as pdf:
        page = pdf.pages[0]
        plain = page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})
        assert open_top_rules(page, [t.bbox for t in plain]) == []
        [table], _ = locate_tables(page, 1)
    assert [row[0] for row in table.grid] == ["23", "24"]

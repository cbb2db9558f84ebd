"""Row bands from baselines on a minimal table: amounts printed on the ruling lines."""

from __future__ import annotations

import pdfplumber

from orchestration.extract.baselines import amount_lines, moved_rules, rebanded
from tests.paths import SAMPLE_PDF


def word(text: str, top: float) -> dict:
    return {"text": text, "top": top, "bottom": top + 10.0}


# 重庆 表二: each name printed in its band, the code and amounts of its row on the rule below.
RULES = [226.0, 245.8, 265.6, 285.4]
CUT = [
    word("一般公共服务支出", 231.8),
    word("201", 241.0),
    word("5,183.00", 241.0),
    word("发展与改革事务", 251.6),
    word("20104", 260.8),
    word("183.00", 260.8),
    word("社会事业发展规划", 271.4),
    word("2010406", 280.6),
    word("183.00", 280.6),
]


def test_amount_lines_are_the_printed_lines_holding_amounts() -> None:
    assert amount_lines(CUT) == [(241.0, 251.0), (260.8, 270.8), (280.6, 290.6)]


def test_rules_cutting_the_amounts_move_to_their_baselines() -> None:
    # The bottom edge (285.4) cuts the last line too: the table reaches below it.
    assert moved_rules(RULES, amount_lines(CUT)) == {245.8: 252.0, 265.6: 271.8, 285.4: 291.6}


def test_amounts_inside_their_bands_keep_the_rules() -> None:
    centred = [word("5,183.00", 231.0), word("183.00", 250.8), word("183.00", 270.6)]
    assert moved_rules(RULES, amount_lines(centred)) == {}


def test_a_few_cut_lines_among_many_keep_the_rules() -> None:
    lines = amount_lines(CUT[:3] + [word("1.00", 300.0 + 20 * n) for n in range(4)])
    assert moved_rules([*RULES, 320.0, 340.0, 360.0, 380.0], lines) == {}


def test_a_table_found_below_the_page_box_is_left_as_found() -> None:
    # pdfplumber may find ruling beyond a page's box (西安 民政局: a table at top 708 on a
    # page 595 high); cropping there raised "negative width or height" and lost the file.
    with pdfplumber.open(SAMPLE_PDF) as pdf:
        page = pdf.pages[0]
        below = page.bbox[3] + 100.0
        bbox = (page.bbox[0] + 10.0, below, page.bbox[2] - 10.0, below + 50.0)
        grid, boxes = [["合计", "1.00"]], [[None, None]]
        assert rebanded(page, bbox, grid, boxes) == (bbox, grid, boxes)

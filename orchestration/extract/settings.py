"""Tolerances and limits of the extraction heuristics, in one place (as pdfplumber's
``TableSettings`` holds its table finder's).

Distances are PDF points (1/72 inch); counts are text lines, characters or rows as named.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ExtractSettings:
    """Every tolerance the extraction steps use; ``SETTINGS`` holds the defaults in use."""

    # --- locating tables on a page (locate) -----------------------------------------------
    table_finder: tuple[tuple[str, Any], ...] = (
        ("vertical_strategy", "lines"),
        ("horizontal_strategy", "lines"),
    )
    """pdfplumber ``find_tables`` settings: ruled grids only."""
    min_table_rows: int = 2
    min_table_columns: int = 2
    """A smaller ruled grid is a box around text, not a table."""
    edge_slack: float = 1.0
    """A text line still lies above (below) a table when it overlaps the table's edge by
    less than this."""
    same_line: float = 1.0
    """Characters whose tops differ by less than this are on one printed line."""
    rule_cut_margin: float = 2.0
    """A rule this far inside a line's text (not at its edge) cuts the line: amounts printed
    on the rules (baselines)."""
    baseline_reach: float = 14.0
    """How far below a table's bottom edge a line cut by that edge may reach."""
    overprint: float = 1.0
    """Two characters overlapping by more than this across and down are printed over each
    other (a long name running over the amount beside it)."""
    indent_decimals: int = 1
    """Text indents are rounded to 0.1 pt."""
    trailer_chars: int = 12
    """A short line below a page's last table (page number, 单位 footer) lets the table
    continue on the next page."""

    # --- header rows (headers) ------------------------------------------------------------
    max_header_rows: int = 6
    header_strip_height: float = 9.0
    """A ruled row less tall than this holds no text line of its own (a strip between boxed
    header labels); it does not count against ``max_header_rows``."""
    header_probe_depth: float = 1.0
    """A header row's merged cells are looked up this far below the row's top edge."""
    cell_slack: float = 0.5
    """A point on a merged cell's ruling still lies inside it."""
    amount_share: float = 0.8
    """A column whose filled cells are at least this share of amounts holds amounts."""

    # --- stitching and titles (stitch) ----------------------------------------------------
    max_title_lines: int = 3
    max_title_line_chars: int = 48
    unit_header_rows: int = 4
    """Leading grid rows searched for a unit printed in a header cell ('金额（万元）')."""

    # --- body rows (rows) -----------------------------------------------------------------
    header_match_share: float = 0.5
    """A continuation page's leading row repeats the header when at least this share of
    its texts are header texts."""
    max_name_tail: int = 8
    """Characters of a name's end carried onto the next page ('江苏省无锡技' | '师学院')."""
    min_indent_step: float = 3.0
    """Indents closer than this are alignment noise, not a level of hierarchy."""
    max_indent_levels: int = 4
    min_rows_per_indent_level: int = 3
    """Fewer indented names per level look like centred or ragged text, not a hierarchy."""
    unit_code_length: int = 6
    """A unit code (单位编码 245002): the department's 3-digit code and a 3-digit number."""
    max_side_by_side_groups: int = 4
    """At most this many copies of one column layout printed side by side (公开06表)."""
    sum_slack_per_amount: Decimal = Decimal("0.01")
    """Rounding allowed per summed amount when a department row is the sum of its units."""

    # --- the document (document, kinds) ---------------------------------------------------
    min_chars_per_page: int = 20
    """Fewer characters per page on average: a scanned, image-only PDF."""
    cover_lines: int = 4
    """The first page's leading lines that hold the cover title."""
    min_cover_name_chars: int = 3
    min_suffixed_name_chars: int = 5
    """A name this long may lose a trailing 部门 ('北京市医疗保障局部门')."""
    head_pages: int = 3
    head_lines: int = 8
    """The leading lines of the first pages that hold the document's title."""
    max_heading_chars: int = 30
    """A narrative chapter heading is a short line."""
    narrative_figures: int = 2
    narrative_headings: int = 3
    """A narrative: this many budget figures stated in sentences, or this many headings."""
    min_budget_figures: int = 3
    """A file without standard tables still loads when its narrative states this many."""
    first_words_chars: int = 40
    """Characters of a rejected file's first text quoted in its rejection reason."""
    figure_context_chars: int = 40
    """Characters kept either side of a narrative figure as its context."""


SETTINGS = ExtractSettings()

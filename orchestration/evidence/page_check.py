"""Is an error confirmed on its page? An independent reading of the printed figures.

A ``document_inconsistent`` error says the document contradicts itself: both figures compared
were read as printed. This module reads them again, from the page itself and not from the table
extraction's values: the checked cell and every cell it summed (their boxes come from
:func:`..evidence.regions.check_evidence`) are cropped from the page and their text parsed as
numbers; a check without cells (across tables, against the narrative) looks for the printed
figure in the cited page's text and for the other figure anywhere in the document.

An error is ``confirmed`` when the page prints the checked figure where it was read, and: for a
row total, no sum of the numbers printed in its line gives that figure (which columns are parts
is our reading, so it is not trusted) — or another row of the table adds up over the same
columns, non-zero wherever this row carries money, and this row's part cells read as extracted;
for a parent or total row, the cells it summed, each read from the page, add up to the sum
compared (which rows are children is our reading: a row hung under the wrong parent is not
caught); for facts against their own table's total, the page
prints the total and an error inside that table is confirmed. An error that is not confirmed is
a suspect of ours.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import duckdb
import pdfplumber

from .regions import ROW_TOTAL_RULE, SUMMED, TARGET, BBox, Evidence, check_evidence

NUMBER = re.compile(r"(?<![\d.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])")
CENT = Decimal("0.01")
CITED_PAGE = re.compile(r"\bp\.(\d+)")
YUAN_AFTER = re.compile(r"\s*万?元")
STATED_ZERO = re.compile(r"(?<![\d.,])0(?:\.0+)?\s*万?元")
PAD = 1.0  # points around a cell box, for glyphs drawn a hair outside it
MAX_PARTS = 30  # numbers beyond which no subset is tried (2 × 2¹⁵ sums)


def numbers_in(text: str) -> list[Decimal]:
    """The numbers printed in ``text`` (NFKC, thousands separators dropped), in order."""
    found = []
    for match in NUMBER.finditer(unicodedata.normalize("NFKC", text or "")):
        try:
            found.append(Decimal(match.group().replace(",", "")))
        except InvalidOperation:
            continue
    return found


def printed_in(
    numbers: Iterable[Decimal], amount_yuan: Decimal, multipliers: Iterable[Decimal]
) -> bool:
    """Whether ``amount_yuan`` is one of ``numbers`` printed in one of the units ``multipliers``
    (a zero is never "found": a blank prints nothing)."""
    if amount_yuan == 0:
        return False
    wanted = {(amount_yuan / m).quantize(CENT) for m in multipliers} | {
        (-amount_yuan / m).quantize(CENT) for m in multipliers
    }
    return any(n.quantize(CENT) in wanted for n in numbers if abs(n) < Decimal(10) ** 15)


@dataclass(frozen=True)
class PageCheck:
    """The outcome of reading a check's figures from the page."""

    confirmed: bool
    printed_yuan: Decimal | None  # the checked figure as read from the page
    parts_yuan: Decimal | None  # the sum of the summed cells as read from the page
    note: str


def cell_amount(page: pdfplumber.page.Page, bbox: BBox, multiplier: Decimal) -> Decimal | None:
    """The amount printed in ``bbox`` (yuan), read from the page's characters; None when the
    box prints no number, or more than one."""
    found = numbers_in(_inside(page, bbox).extract_text() or "")
    if len(found) != 1:
        return None
    return (found[0] * multiplier).quantize(CENT)


def _inside(page: pdfplumber.page.Page, bbox: BBox) -> pdfplumber.page.Page:
    """The page's characters whose centre lies in ``bbox`` (padded by PAD): a glyph of the row
    above that reaches a hair into the box is not the cell's."""
    x0, top, x1, bottom = bbox

    def centred(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return False
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return x0 - PAD <= x <= x1 + PAD and top - PAD <= y <= bottom + PAD

    return page.filter(centred)


def check_on_page(con: duckdb.DuckDBPyConnection, result: dict, pdf: pdfplumber.PDF) -> PageCheck:
    """Read the figures of one ``marts.reconciliation_results`` row from ``pdf`` (the verified
    source file) and say whether the page prints what the check compared."""
    expected, observed = result.get("expected_yuan"), result.get("observed_yuan")
    if result.get("table_id") is not None and result.get("row_index") is not None:
        return _cells_on_page(con, result, pdf, check_evidence(con, result))
    if result.get("rule_family") == "facts" and result.get("table_id") is not None:
        return _facts_on_page(con, result, pdf)
    return _figures_in_text(con, result, pdf, expected, observed)


def _facts_on_page(con: duckdb.DuckDBPyConnection, result: dict, pdf: pdfplumber.PDF) -> PageCheck:
    """Facts against the total of their own table: their sum is printed nowhere (the facts are
    the table's lines), so the error is confirmed when the page prints the total and an error
    inside the same table is confirmed on its page (the lines do not add up to what is printed
    over them)."""
    page_number, expected = result.get("source_page"), result.get("expected_yuan")
    if page_number is None or expected is None:
        return PageCheck(False, None, None, "the check names no page or figure to look for")
    if not in_text(pdf.pages[int(page_number) - 1].extract_text() or "", Decimal(expected)):
        return PageCheck(False, None, None, f"p.{page_number} does not print {expected}")
    cursor = con.execute(
        "select * from marts.reconciliation_results where document_id = ? and table_id = ? "
        "and status = 'error' and rule_family <> 'facts' and row_index is not null "
        "order by evaluation_id",
        [result["document_id"], result["table_id"]],
    )
    names = [c[0] for c in cursor.description]
    for row in cursor.fetchall():
        inside = dict(zip(names, row, strict=True))
        check = _cells_on_page(con, inside, pdf, check_evidence(con, inside))
        if check.confirmed:
            return PageCheck(
                True,
                Decimal(expected),
                None,
                f"p.{page_number} prints {expected}; inside the table, "
                f"{inside.get('row_label')} / {inside.get('column_label')}: {check.note}",
            )
    return PageCheck(
        False, Decimal(expected), None, "no error inside the table is confirmed on its page"
    )


def _multiplier(con: duckdb.DuckDBPyConnection, result: dict) -> Decimal:
    row = con.execute(
        "select unit_multiplier from raw.tables where document_id = ? and table_id = ?",
        [result["document_id"], result["table_id"]],
    ).fetchone()
    return Decimal(row[0]) if row and row[0] is not None else Decimal(1)


def _band_numbers(
    page: pdfplumber.page.Page, band: BBox, exclude: BBox, multiplier: Decimal
) -> list[Decimal]:
    """Amounts (yuan) of the words inside ``band``, the word overlapping ``exclude`` left out."""
    amounts = []
    for word in _inside(page, band).extract_words():
        centre_x, centre_y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
        if exclude[0] <= centre_x <= exclude[2] and exclude[1] <= centre_y <= exclude[3]:
            continue
        amounts += [(n * multiplier).quantize(CENT) for n in numbers_in(word["text"])]
    return amounts


def sums_to(parts: list[Decimal], total: Decimal, tolerance: Decimal) -> list[Decimal] | None:
    """A subset of ``parts`` whose sum is within ``tolerance`` of ``total`` (meet in the middle;
    None when there is none or ``parts`` are too many to try)."""
    if len(parts) > MAX_PARTS:
        return None
    half = len(parts) // 2

    def subsets(items: list[Decimal]) -> list[tuple[Decimal, tuple[Decimal, ...]]]:
        sums: list[tuple[Decimal, tuple[Decimal, ...]]] = [(Decimal(0), ())]
        for item in items:
            sums += [(total_ + item, (*chosen, item)) for total_, chosen in sums]
        return sums

    right = sorted(subsets(parts[half:]), key=lambda pair: pair[0])
    keys = [pair[0] for pair in right]
    for left_sum, left in subsets(parts[:half]):
        index = bisect.bisect_left(keys, total - left_sum - tolerance)
        if index < len(keys) and keys[index] <= total - left_sum + tolerance:
            chosen = left + right[index][1]
            if chosen:
                return list(chosen)
    return None


def _clip(page: pdfplumber.page.Page, box: BBox) -> BBox:
    px0, ptop, px1, pbottom = page.bbox
    return (max(px0, box[0]), max(ptop, box[1]), min(px1, box[2]), min(pbottom, box[3]))


def _cells_on_page(
    con: duckdb.DuckDBPyConnection, result: dict, pdf: pdfplumber.PDF, evidence: Evidence
) -> PageCheck:
    """A check within one table: the checked cell must print the figure compared, then its row
    (:func:`_row_on_page`) or its parts (:func:`_parts_on_page`) are read from the page."""
    multiplier = _multiplier(con, result)
    expected = Decimal(result.get("expected_yuan") or 0).quantize(CENT)
    tolerance = Decimal(result.get("tolerance_yuan") or 0)
    target = next(
        (
            (region, mark)
            for region in evidence.regions
            for mark in region.marks
            if mark.role == TARGET
        ),
        None,
    )
    if target is None:
        return PageCheck(False, None, None, "the checked cell has no box on the page")
    region, mark = target
    page = pdf.pages[region.page - 1]
    printed = cell_amount(page, mark.bbox, multiplier)
    if printed != expected and not (printed is None and expected == 0):
        note = (
            f"the checked cell prints {printed}, not {expected}"
            if printed is not None
            else "the checked cell prints no single number"
        )
        return PageCheck(False, printed, None, note)
    if result.get("rule") == ROW_TOTAL_RULE:
        sibling = _sibling_group_adding_up(con, result)
        if sibling is not None:
            return _group_as_read(con, result, page, multiplier, printed or Decimal(0), sibling)
    if printed is None:
        return PageCheck(False, None, None, "the checked cell is blank: no printed figure")
    if result.get("rule") == ROW_TOTAL_RULE:
        span = _group_span(con, result, region.page)
        check = _row_on_page(page, span, mark.bbox, multiplier, expected, tolerance)
        parts = row_total_parts(result)
        sibling_row = None if check.confirmed else sibling_row_adding_up(con, result, parts)
        if sibling_row is None:
            return check
        return _row_as_read(con, result, page, multiplier, printed, parts, sibling_row)
    return _parts_on_page(pdf, evidence, multiplier, printed, result)


def _sibling_group_adding_up(con: duckdb.DuckDBPyConnection, result: dict) -> str | None:
    """Another column group of the same row whose same total adds up (``2019年/合计`` beside a
    failing ``2018年/合计``, a non-zero total): which columns are the total's parts — our reading —
    is borne out there, so it is not what fails here."""
    label = result.get("column_label") or ""
    if "/" not in label:
        return None
    tail = label.split("/", 1)[1]
    row = con.execute(
        "select column_label from marts.reconciliation_results where document_id = ? "
        "and table_id = ? and row_index = ? and rule = ? and status = 'pass' "
        "and expected_yuan <> 0 and column_label <> ? and ends_with(column_label, ?) "
        "order by column_label limit 1",
        [
            result["document_id"],
            result["table_id"],
            result["row_index"],
            ROW_TOTAL_RULE,
            label,
            "/" + tail,
        ],
    ).fetchone()
    return row[0] if row else None


def row_total_parts(result: dict) -> list[str]:
    """The columns a row total was compared with, as its detail names them
    ("printed 合计 vs 当年预算/小计 + 上年结转结余/小计")."""
    _, _, parts = (result.get("detail") or "").partition(" vs ")
    return [p for p in parts.split(" + ") if p]


def _row_amounts(
    con: duckdb.DuckDBPyConnection, result: dict, row_index: int, paths: list[str]
) -> dict[str, tuple[tuple[float, float, float, float] | None, Decimal]]:
    """Per column path of ``paths``: the cell's box on the page and the amount read (0 blank)."""
    rows = con.execute(
        "select columns.column_path, cells.x0, cells.top, cells.x1, cells.bottom, cells.value, "
        "cells.page from raw.cells as cells join raw.columns as columns "
        "using (document_id, table_id, column_index) where cells.document_id = ? "
        "and cells.table_id = ? and cells.row_index = ? and list_contains(?, columns.column_path)",
        [result["document_id"], result["table_id"], row_index, paths],
    ).fetchall()
    return {
        path: (
            (x0, top, x1, bottom) if x0 is not None else None,
            Decimal(value) if value is not None else Decimal(0),
        )
        for path, x0, top, x1, bottom, value, _page in rows
    }


def sibling_row_adding_up(
    con: duckdb.DuckDBPyConnection, result: dict, parts: list[str]
) -> int | None:
    """Another row of the same table whose same total adds up over non-zero amounts in every
    part column that carries money in this row: which columns are the total's parts — our
    reading — is borne out there, down to the columns that matter here (a column carrying
    money only in failing rows, an "of which" beside its parents, is never borne out)."""
    if not parts or result.get("row_index") is None:
        return None
    here = _row_amounts(con, result, int(result["row_index"]), parts)
    carrying = [path for path, (_, amount) in here.items() if amount != 0]
    candidates = con.execute(
        "select row_index from marts.reconciliation_results where document_id = ? "
        "and table_id = ? and rule = ? and column_label = ? and status = 'pass' "
        "and expected_yuan <> 0 and row_index <> ? order by row_index",
        [
            result["document_id"],
            result["table_id"],
            ROW_TOTAL_RULE,
            result.get("column_label"),
            result["row_index"],
        ],
    ).fetchall()
    for (row_index,) in candidates:
        there = _row_amounts(con, result, row_index, carrying)
        if all(there.get(path, (None, Decimal(0)))[1] != 0 for path in carrying):
            return int(row_index)
    return None


def _row_as_read(
    con: duckdb.DuckDBPyConnection,
    result: dict,
    page: pdfplumber.page.Page,
    multiplier: Decimal,
    printed: Decimal,
    parts: list[str],
    sibling_row: int,
) -> PageCheck:
    """A row total whose parts add up in ``sibling_row``: confirmed when every part cell of the
    row, read from the page, is what the extraction read (a blank is 0)."""
    cells = _row_amounts(con, result, int(result["row_index"]), parts)
    misread = _misread(
        page, [(path, box, value) for path, (box, value) in cells.items()], multiplier
    )
    if misread:
        return PageCheck(False, printed, None, f"the cell of {misread}")
    label = result.get("column_label")
    return PageCheck(
        True,
        printed,
        Decimal(result.get("observed_yuan") or 0).quantize(CENT),
        f"the page prints {printed} over its {len(cells)} part cells as read; {label} adds up "
        f"over the same columns in row {sibling_row}",
    )


def _misread(
    page: pdfplumber.page.Page,
    cells: list[tuple[str, BBox | None, Decimal | None]],
    multiplier: Decimal,
) -> str | None:
    """The first of ``cells`` (label, box, value read by the extraction) whose amount read from
    the page is another ("X prints a, not b"; a blank and a missing value count 0)."""
    for label, box, value in cells:
        read = (cell_amount(page, box, multiplier) or Decimal(0)) if box else Decimal(0)
        ours = (Decimal(value) * multiplier).quantize(CENT) if value is not None else Decimal(0)
        if read != ours:
            return f"{label} prints {read}, not {ours}"
    return None


def _group_as_read(
    con: duckdb.DuckDBPyConnection,
    result: dict,
    page: pdfplumber.page.Page,
    multiplier: Decimal,
    printed: Decimal,
    sibling: str,
) -> PageCheck:
    """A row total whose column layout adds up in ``sibling``: confirmed when every amount cell
    of its group, read from the page, is what the extraction read (a blank is 0)."""
    label = result.get("column_label") or ""
    group = label.rsplit("/", 1)[0] + "/"
    cells = con.execute(
        "select cells.x0, cells.top, cells.x1, cells.bottom, cells.value from raw.cells as cells "
        "join raw.columns as columns using (document_id, table_id, column_index) "
        "where cells.document_id = ? and cells.table_id = ? and cells.row_index = ? "
        "and cells.page = ? and columns.role = 'amount' and starts_with(columns.column_path, ?) "
        "and cells.x0 is not null",
        [result["document_id"], result["table_id"], result["row_index"], page.page_number, group],
    ).fetchall()
    boxes = [(group, (x0, top, x1, bottom), value) for x0, top, x1, bottom, value in cells]
    misread = _misread(page, boxes, multiplier)
    if misread:
        return PageCheck(False, printed, None, f"a cell of {misread}")
    return PageCheck(
        True,
        printed,
        Decimal(result.get("observed_yuan") or 0).quantize(CENT),
        f"the page prints {printed} over its {len(cells)} cells of {group} as read; the same "
        f"columns add up in {sibling}",
    )


def _group_span(
    con: duckdb.DuckDBPyConnection, result: dict, page: int
) -> tuple[float, float] | None:
    """The horizontal extent of the row's amount cells under the total's header group (the
    ``2021年`` of ``2021年/合计``; every amount column when the total heads no group): a prior
    year and its 增减 columns beside it are not parts."""
    label = result.get("column_label") or ""
    group = label.rsplit("/", 1)[0] + "/" if "/" in label else ""
    row = con.execute(
        "select min(cells.x0), max(cells.x1) from raw.cells as cells join raw.columns as columns "
        "using (document_id, table_id, column_index) where cells.document_id = ? "
        "and cells.table_id = ? and cells.row_index = ? and cells.page = ? "
        "and columns.role = 'amount' and starts_with(columns.column_path, ?)",
        [result["document_id"], result["table_id"], result["row_index"], page, group],
    ).fetchone()
    return None if row is None or row[0] is None else (float(row[0]), float(row[1]))


def _row_on_page(
    page: pdfplumber.page.Page,
    span: tuple[float, float] | None,
    target: BBox,
    multiplier: Decimal,
    expected: Decimal,
    tolerance: Decimal,
) -> PageCheck:
    """A row total: the numbers printed in its line within ``span`` (its column group), tried
    for a sum that gives the total (which columns are its parts is the extraction's reading)."""
    _, top, _, bottom = target
    left, right = span if span else (page.bbox[0], page.bbox[2])
    band = (left - PAD, top + 1, right + PAD, bottom - 1)
    parts = [n for n in _band_numbers(page, band, target, multiplier) if n]  # zeros add nothing
    chosen = sums_to(parts, expected, tolerance)
    if chosen is not None:
        shown = " + ".join(str(c) for c in chosen[:8]) + (" + …" if len(chosen) > 8 else "")
        return PageCheck(
            False, expected, sum(chosen, Decimal(0)), f"the page adds up: {expected} = {shown}"
        )
    if len(parts) > MAX_PARTS:
        return PageCheck(False, expected, None, f"{len(parts)} numbers in the line: too many")
    return PageCheck(
        True,
        expected,
        None,
        f"no sum of the {len(parts)} numbers printed in its line gives {expected}",
    )


def _parts_on_page(
    pdf: pdfplumber.PDF, evidence: Evidence, multiplier: Decimal, printed: Decimal, result: dict
) -> PageCheck:
    """A parent or total row: the cells it summed, each read from the page, must add up to the
    sum the check compared (the printed children are what the page prints)."""
    parts, unread = Decimal(0), 0
    for region in evidence.regions:
        page = pdf.pages[region.page - 1]
        for mark in region.marks:
            if mark.role == SUMMED:
                amount = cell_amount(page, mark.bbox, multiplier)
                unread += amount is None
                parts += amount or 0
    observed = Decimal(result.get("observed_yuan") or 0).quantize(CENT)
    if parts != observed:
        return PageCheck(
            False,
            printed,
            parts,
            f"the summed cells read from the page add up to {parts}, not {observed}"
            + (f" ({unread} print no single number)" if unread else ""),
        )
    return PageCheck(
        True, printed, parts, f"the page prints {printed} over parts that add up to {parts}"
    )


def _figures_in_text(
    con: duckdb.DuckDBPyConnection,
    result: dict,
    pdf: pdfplumber.PDF,
    expected: Decimal | None,
    observed: Decimal | None,
) -> PageCheck:
    """A check across tables or against the narrative: each figure printed (in 元 or 万元) on
    a page the check cites — its own page and the pages its detail names (``表13 p.44``); when
    it names no other page, the other figure anywhere in the document. A zero counts where a
    sentence states it (预算0万元), never as a blank."""
    page_number = result.get("source_page")
    if page_number is None or expected is None or observed is None:
        return PageCheck(False, None, None, "the check names no page or figure to look for")
    texts = [page.extract_text() or "" for page in pdf.pages]
    named = {int(n) for n in CITED_PAGE.findall(result.get("detail") or "")} - {int(page_number)}
    own = texts[int(page_number) - 1]
    if not named and not (in_text(own, expected) or in_text(own, observed)):
        return PageCheck(
            False, None, None, f"p.{page_number} prints neither {expected} nor {observed}"
        )
    pages = sorted({int(page_number)} | {n for n in named if 0 < n <= len(texts)})
    where = [texts[n - 1] for n in pages] if named else texts
    missing = [a for a in (expected, observed) if not any(in_text(t, a) for t in where)]
    if missing == [observed] and (parts := stated_parts(con, result, own, observed)):
        return PageCheck(
            True,
            expected,
            observed,
            f"printed: {expected}, and the parts the narrative states beside it "
            f"({' + '.join(str(p) for p in parts)}) add up to {observed}",
        )
    if missing:
        scope = "the pages it cites" if named else "the document"
        return PageCheck(False, None, None, f"{scope} nowhere print {missing[0]}")
    return PageCheck(True, expected, observed, f"printed: {expected} and {observed}")


#: The parts a narrative states beside a total (raw.narrative_figures keys).
STATED_PARTS = {
    "procurement_total": ("procurement_goods", "procurement_works", "procurement_services"),
    "three_public_total": (
        "three_public_outbound_travel",
        "three_public_official_reception",
        "three_public_vehicle_purchase",
        "three_public_vehicle_operation",
    ),
}


def stated_parts(
    con: duckdb.DuckDBPyConnection, result: dict, text: str, observed: Decimal
) -> list[Decimal] | None:
    """The parts the narrative states beside the total a check compared (goods + works +
    services; the four 三公 items), when each is printed on the check's page and together they
    give ``observed``: the sum the check compared is the page's own (a total of 0 万元 stated over
    parts adding up to 8,140.2 万元)."""
    keys = STATED_PARTS.get(result.get("row_label") or "")
    if not keys:
        return None
    rows = con.execute(
        "select amount from raw.narrative_figures where document_id = ? and list_contains(?, key)",
        [result["document_id"], list(keys)],
    ).fetchall()
    parts = [Decimal(amount) * 10000 for (amount,) in rows if amount is not None]
    if not parts or (sum(parts, Decimal(0)) - observed).copy_abs() > Decimal(
        result.get("tolerance_yuan") or 0
    ):
        return None
    if not all(in_text(text, part) for part in parts):
        return None
    return [part.quantize(CENT) for part in parts]


def in_text(text: str, amount_yuan: Decimal) -> bool:
    """``amount_yuan`` printed in ``text`` in 元 or 万元, as an amount (with decimals or
    separators, or followed by 元/万元: not a line number or a code); a zero only as a stated
    0 (万)元."""
    text = unicodedata.normalize("NFKC", text)
    if amount_yuan == 0:
        return bool(STATED_ZERO.search(text))
    amounts = [
        Decimal(match.group().replace(",", ""))
        for match in NUMBER.finditer(text)
        if "." in match.group() or "," in match.group() or YUAN_AFTER.match(text, match.end())
    ]
    return printed_in(amounts, amount_yuan, (Decimal(1), Decimal(10000)))

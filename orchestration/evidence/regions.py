"""What to show for a number: the page regions and the boxes to highlight on them.

Every amount keeps its page and bounding box (``raw.cells``, ``raw.rows``), so a fact row or a
reconciliation result leads to its printed cell, and a check to the cells it summed:

- a parent, unit, department or total row → its cell (target) and the cells of its child rows in
  the same column (summed);
- a row total (``row_total_equals_sum_of_columns``) → the total column's cell (target) and the
  other cells of the row (summed);
- a check across tables or against the narrative → the row printed under its label on the page,
  or the amount found in the page's text, or else the table (or page) itself.

Each page shows the table around the marks: the union of the table's rows and cells on that page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb

from .source import SourceDocument

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points (top-left origin)

TARGET = "target"  # the number itself (the parent, the printed total, the fact)
SUMMED = "summed"  # the numbers added up to check it
FOUND = "found"  # a figure found in the page text (narrative)

HIERARCHY_RULES = (
    "parent_equals_sum_of_children",
    "unit_equals_sum_of_lines",
    "department_equals_sum_of_units",
)
TOTAL_ROW_RULE = "total_row_equals_sum_of_rows"
ROW_TOTAL_RULE = "row_total_equals_sum_of_columns"
MAX_PAGES = 3  # a check whose summed rows run over more pages shows its first pages


class EvidenceNotFound(LookupError):
    """Nothing in the warehouse matches what was asked for."""


@dataclass(frozen=True)
class Mark:
    bbox: BBox
    role: str


@dataclass(frozen=True)
class PageRegion:
    page: int  # 1-based
    crop: BBox | None  # None: the whole page
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """A number's source: the document and the page regions to render."""

    document: SourceDocument
    caption: str
    regions: tuple[PageRegion, ...]
    search_amounts: tuple[Decimal, ...] = field(default=())  # amounts to find in the page text

    @property
    def pages(self) -> list[int]:
        return [r.page for r in self.regions]


def normalise(text: str | None) -> str:
    """NFKC without whitespace, as the warehouse stores names."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any]) -> list[dict]:
    cursor = con.execute(sql, list(params))
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _bbox(row: dict) -> BBox | None:
    values = (row.get("x0"), row.get("top"), row.get("x1"), row.get("bottom"))
    if any(v is None for v in values):
        return None
    return tuple(float(v) for v in values)  # type: ignore[return-value]


def _union(boxes: Sequence[BBox]) -> BBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _cells(
    con: duckdb.DuckDBPyConnection,
    document_id: str,
    table_id: int,
    rows: Sequence[int],
    column: int | None = None,
) -> list[dict]:
    if not rows:
        return []
    return _records(
        con,
        "select row_index, column_index, page, x0, top, x1, bottom, value, unit_multiplier "
        "from raw.cells where document_id = ? and table_id = ? and list_contains(?, row_index) "
        "and (? is null or column_index = ?) order by page, row_index, column_index",
        [document_id, table_id, list(rows), column, column],
    )


def _table_regions(
    con: duckdb.DuckDBPyConnection,
    document_id: str,
    table_id: int | None,
    marks: dict[int, list[Mark]],
) -> tuple[PageRegion, ...]:
    """One region per page holding marks: the table's extent on that page around them."""
    regions = []
    for page in sorted(marks)[:MAX_PAGES]:
        boxes = [m.bbox for m in marks[page]]
        if table_id is not None:
            extent = con.execute(
                "select min(x0), min(top), max(x1), max(bottom) from ("
                " select x0, top, x1, bottom from raw.rows"
                "  where document_id = ? and table_id = ? and page = ?"
                " union all select x0, top, x1, bottom from raw.cells"
                "  where document_id = ? and table_id = ? and page = ?)",
                [document_id, table_id, page] * 2,
            ).fetchone()
            if extent and extent[0] is not None:
                boxes.append(tuple(float(v) for v in extent))
        crop = _union(boxes) if boxes else None
        regions.append(PageRegion(page, crop, tuple(marks[page])))
    return tuple(regions)


def _mark_cells(marks: dict[int, list[Mark]], cells: Sequence[dict], role: str) -> None:
    for cell in cells:
        box = _bbox(cell)
        if box is not None and cell["page"] is not None:
            marks.setdefault(int(cell["page"]), []).append(Mark(box, role))


def _rows_labelled(
    con: duckdb.DuckDBPyConnection, document_id: str, page: int, label: str, table_id: int | None
) -> list[dict]:
    """Rows on ``page`` whose printed label contains ``label`` (normalised)."""
    wanted = normalise(label)
    if not wanted:
        return []
    rows = _records(
        con,
        "select table_id, row_index, page, label_text, name, x0, top, x1, bottom from raw.rows "
        "where document_id = ? and page = ? and (? is null or table_id = ?) order by table_id, row_index",
        [document_id, page, table_id, table_id],
    )
    return [
        row
        for row in rows
        if wanted in normalise(row["label_text"])
        or (row["name"] and wanted == normalise(row["name"]))
    ]


def for_check(con: duckdb.DuckDBPyConnection, evaluation_id: str) -> Evidence:
    """Evidence for one row of ``marts.reconciliation_results`` (an id or a unique prefix)."""
    found = _records(
        con,
        "select * from marts.reconciliation_results where starts_with(evaluation_id, ?) limit 2",
        [evaluation_id],
    )
    if not found:
        raise EvidenceNotFound(f"no reconciliation result with id {evaluation_id}")
    if len(found) > 1:
        raise EvidenceNotFound(f"{evaluation_id} is the prefix of more than one result id")
    return check_evidence(con, found[0])


def check_evidence(con: duckdb.DuckDBPyConnection, result: dict) -> Evidence:
    """Evidence for a reconciliation result row (as a dict of its columns)."""
    document = SourceDocument.load(con, result["document_id"])
    doc, table, row = result["document_id"], result.get("table_id"), result.get("row_index")
    column, rule = result.get("column_index"), result.get("rule")
    marks: dict[int, list[Mark]] = {}
    if table is not None and row is not None:
        if rule == ROW_TOTAL_RULE:
            cells = _cells(con, doc, table, [row])
            total = _total_columns(con, doc, table, result.get("column_label"))
            _mark_cells(marks, [c for c in cells if c["column_index"] not in total], SUMMED)
            _mark_cells(marks, [c for c in cells if c["column_index"] in total], TARGET)
        else:
            children = _summed_rows(con, doc, table, row, rule)
            _mark_cells(marks, _cells(con, doc, table, children, column), SUMMED)
            _mark_cells(marks, _cells(con, doc, table, [row], column), TARGET)
    elif result.get("source_page") is not None:
        page = int(result["source_page"])
        rows = _rows_labelled(con, doc, page, result.get("row_label") or "", table)
        for match in rows:
            box = _bbox(match)
            if box is not None:
                marks.setdefault(page, []).append(Mark(box, TARGET))
        marks.setdefault(page, [])
    caption = _caption(result)
    amounts = ()
    if result.get("rule_family") == "narrative":
        amounts = tuple(
            a for a in (result.get("expected_yuan"), result.get("observed_yuan")) if a is not None
        )
        return Evidence(document, caption, _narrative_regions(marks), amounts)
    return Evidence(document, caption, _table_regions(con, doc, table, marks), amounts)


def _narrative_regions(marks: dict[int, list[Mark]]) -> tuple[PageRegion, ...]:
    """Narrative figures: the whole page; the renderer marks the amounts it finds in the text."""
    return tuple(PageRegion(page, None, tuple(m)) for page, m in sorted(marks.items())[:MAX_PAGES])


def _summed_rows(
    con: duckdb.DuckDBPyConnection,
    document_id: str,
    table_id: int,
    row_index: int,
    rule: str | None,
) -> list[int]:
    if rule == TOTAL_ROW_RULE:
        sql = (
            "select row_index from raw.rows where document_id = ? and table_id = ? "
            "and parent_row_index is null and row_kind <> 'total' and row_index <> ?"
        )
    elif rule in HIERARCHY_RULES:
        sql = (
            "select row_index from raw.rows where document_id = ? and table_id = ? "
            "and parent_row_index = ?"
        )
    else:
        return []
    return [r[0] for r in con.execute(sql, [document_id, table_id, row_index]).fetchall()]


def _total_columns(
    con: duckdb.DuckDBPyConnection, document_id: str, table_id: int, label: str | None
) -> set[int]:
    """Columns under the total node ``label`` (a header path such as ``部门预算/合计``)."""
    if not label:
        return set()
    rows = con.execute(
        "select column_index, column_path from raw.columns where document_id = ? and table_id = ?",
        [document_id, table_id],
    ).fetchall()
    wanted = normalise(label)
    return {
        index
        for index, path in rows
        if normalise(path) == wanted or normalise(path).startswith(wanted + "/")
    }


def for_page(
    con: duckdb.DuckDBPyConnection,
    document: str,
    page: int,
    row: str | None = None,
) -> Evidence:
    """Evidence for a page of a document (id, or file name), optionally the rows labelled ``row``."""
    source = _document(con, document)
    if source.page_count is not None and not 1 <= page <= source.page_count:
        raise EvidenceNotFound(f"{source.source_file} has {source.page_count} pages, not {page}")
    marks: dict[int, list[Mark]] = {page: []}
    table = None
    if row:
        rows = _rows_labelled(con, source.document_id, page, row, None)
        if not rows:
            raise EvidenceNotFound(f"no row labelled {row!r} on p.{page} of {source.source_file}")
        table = rows[0]["table_id"]
        for match in rows:
            if match["table_id"] == table:
                cells = _cells(con, source.document_id, table, [match["row_index"]])
                _mark_cells(marks, [c for c in cells if c["page"] == page], TARGET)
    caption = f"{source.source_file} p.{page}" + (f" — {row}" if row else "")
    if table is None:
        return Evidence(source, caption, (PageRegion(page, None, ()),))
    return Evidence(source, caption, _table_regions(con, source.document_id, table, marks))


def for_fact(con: duckdb.DuckDBPyConnection, fact_table: str, fact_id: str) -> Evidence:
    """Evidence for one fact row, e.g. ``fct_procurement`` and its ``procurement_id``."""
    table = fact_table.removeprefix("marts.")
    columns = [
        c[0]
        for c in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    ]
    if not table.startswith("fct_") or not columns:
        raise EvidenceNotFound(f"no fact table marts.{table}")
    id_column = next(c for c in columns if c.endswith("_id") and c != "document_id")
    facts = _records(
        con, f'select * from marts."{table}" where cast("{id_column}" as varchar) = ?', [fact_id]
    )
    if not facts:
        raise EvidenceNotFound(f"no row of marts.{table} with {id_column} = {fact_id}")
    fact = facts[0]
    source = SourceDocument.load(con, fact["document_id"])
    caption = (
        f"{source.source_file} p.{fact.get('source_page')} — marts.{table} {fact_id}: "
        f"{fact.get('amount_yuan')} 元"
    )
    source_table, row = fact.get("source_table_id"), fact.get("source_row_index")
    if source_table is None or row is None:
        page = fact.get("source_page")
        if page is None:
            raise EvidenceNotFound(f"marts.{table} {fact_id} records no page")
        amount = fact.get("amount_yuan")
        return Evidence(
            source, caption, (PageRegion(int(page), None, ()),), (amount,) if amount else ()
        )
    cells = _cells(con, fact["document_id"], source_table, [row])
    amount = fact.get("amount_yuan")
    target = [c for c in cells if _yuan(c) == amount] or cells
    marks: dict[int, list[Mark]] = {}
    _mark_cells(marks, [c for c in cells if c not in target], SUMMED)
    _mark_cells(marks, target, TARGET)
    return Evidence(source, caption, _table_regions(con, fact["document_id"], source_table, marks))


def _yuan(cell: dict) -> Decimal | None:
    if cell.get("value") is None:
        return None
    return (Decimal(cell["value"]) * Decimal(cell.get("unit_multiplier") or 1)).quantize(
        Decimal("0.01")
    )


def _document(con: duckdb.DuckDBPyConnection, document: str) -> SourceDocument:
    found = con.execute(
        "select document_id from marts.dim_document where document_id = ? or source_file = ? "
        "or coalesce(source_path, '') = ?",
        [document, document, document],
    ).fetchall()
    if len(found) != 1:
        raise EvidenceNotFound(
            f"{document!r} names {len(found)} documents (give a document_id or a file name)"
        )
    return SourceDocument.load(con, found[0][0])


def _caption(result: dict) -> str:
    where = [
        result.get("source_file"),
        f"p.{result['source_page']}" if result.get("source_page") is not None else None,
        result.get("table_label"),
        " / ".join(str(result[k]) for k in ("unit_name", "row_label") if result.get(k)),
        result.get("column_label"),
    ]
    text = " · ".join(str(w) for w in where if w)
    return f"{text} — {result.get('rule')}"

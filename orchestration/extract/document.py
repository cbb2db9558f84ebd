"""One PDF → one extract: document facts, located tables, typed rows and cells, figures."""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..file_hash import hash_files
from .catalog import Catalog, load_catalog
from .execution_notes import execution_note_records, find_execution_notes
from .kinds import check_contents, has_narrative, head_text, kind_of_loaded
from .labels import NAME_ANYWHERE, NAME_LINE, YEAR, YEAR_IN_TEXT
from .locate import locate_tables, without_fake_bold
from .models import PageTable
from .names import clean_name, titled_name
from .narrative import find_figures
from .numbers import UNIT_MULTIPLIER, is_percent, parse_amount
from .page_titles import page_title_records, page_titles
from .pdf_source import RejectedDocument, SourceFile, fingerprint, open_pdf
from .rows import ParsedTable, parse_table
from .settings import SETTINGS
from .stitch import stitch
from .units import settle_units


def _code_version() -> str:
    """Hash of the extraction code and its reference data: cached extracts of an older
    extractor are never reused."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    hash_files(
        digest, [*package.glob("*.py"), *(package.parent / "data").glob("*.yaml")], package.parent
    )
    return digest.hexdigest()[:12]


EXTRACTOR_VERSION = _code_version()
_COVER_YEAR = re.compile(rf"^{YEAR}年(?:度)?")
_COVER_END = re.compile(
    rf"(?:{YEAR})?年?度?(?:区级|市级|省级|县级)?(?:部门|单位)(?:综合)?(?:预算|决算)|预算|决算"
)
_TITLE_YEAR = re.compile(rf"({YEAR})年度")
_DEPARTMENT_SUFFIX = re.compile(r"部门$")
_FINAL = re.compile(r"(?<!预)决算")  # 预决算 (budgets and final accounts) names no phase
_YEAR_TITLE = re.compile(rf"({YEAR})年(?:度)?[^0-9]{{0,30}}?(?:预算|决算)")


@dataclass
class Extract:
    """Everything extracted from one document, as plain records ready for loading."""

    document: dict[str, Any]
    tables: list[dict[str, Any]] = field(default_factory=list)
    columns: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)
    page_titles: list[dict[str, Any]] = field(default_factory=list)
    execution_notes: list[dict[str, Any]] = field(default_factory=list)


def document_id(sha256: str) -> str:
    """Stable document identifier: the first 16 hex digits of the content hash."""
    return sha256[:16]


def document_record(source: SourceFile) -> dict[str, Any]:
    """The ``raw.documents`` row of a file before anything is read from it."""
    return {
        "document_id": document_id(source.sha256),
        "source_file": source.path.name,
        "source_path": str(source.path),
        "sha256": source.sha256,
        "file_size": source.size,
        "page_count": None,
        "department_name": None,
        "fiscal_year": None,
        "phase": None,
        "scope": None,
        "document_kind": None,
        "status": "loaded",
        "status_reason": None,
        "extractor_version": EXTRACTOR_VERSION,
    }


def extract_document(path: Path, catalog: Catalog | None = None) -> Extract:
    """Extract one PDF; a rejected document yields an extract with status 'rejected'."""
    catalog = catalog or load_catalog()
    started = time.perf_counter()
    doc = document_record(fingerprint(path))
    try:
        extract = _extract(path, doc, catalog)
    except RejectedDocument as exc:
        doc["status"], doc["status_reason"] = "rejected", exc.reason
        doc["document_kind"] = exc.kind
        extract = Extract(document=doc)
    doc["elapsed_seconds"] = round(time.perf_counter() - started, 3)
    return extract


def _extract(path: Path, doc: dict[str, Any], catalog: Catalog) -> Extract:
    with open_pdf(path) as pdf:
        doc["page_count"] = len(pdf.pages)
        parts: list[PageTable] = []
        page_texts: list[str] = []
        page_lines: list[list[str]] = []
        for number, page in enumerate(pdf.pages, start=1):
            tables, lines = locate_tables(without_fake_bold(page), number)
            parts.extend(tables)
            page_lines.append(lines)
            page_texts.append("".join(lines))
            page.close()
    total_chars = sum(len(t) for t in page_texts)
    if total_chars < SETTINGS.min_chars_per_page * len(page_texts):
        raise RejectedDocument(
            f"no text layer: {total_chars} characters on {len(page_texts)} pages "
            "(a scanned, image-only PDF; OCR is not supported)",
            kind="scanned",
        )
    tables = stitch(parts, catalog)
    figures = find_figures(page_lines, catalog)
    settle_units(tables, figures)
    check_contents(tables, figures, page_lines)
    _describe_document(doc, page_lines, tables)
    doc["document_kind"] = kind_of_loaded(doc, tables, has_narrative(figures, page_lines))
    extract = Extract(document=doc)
    for table_id, table in enumerate(tables, start=1):
        parsed = parse_table(table, catalog, doc["department_name"])
        _records(extract, table_id, parsed)
    for figure in figures:
        extract.figures.append({"document_id": doc["document_id"], **asdict(figure)})
    extract.page_titles = page_title_records(doc["document_id"], page_titles(page_lines, catalog))
    if doc["phase"] == "final":
        notes = find_execution_notes(page_lines)
        extract.execution_notes = execution_note_records(doc["document_id"], notes)
    return extract


def _describe_document(doc: dict[str, Any], page_lines: list[list[str]], tables) -> None:
    """Department, fiscal year, phase (budget/final) and scope (department/unit)."""
    names = Counter()
    for table in tables:
        for part in table.parts:
            for line in part.lines_above:
                match = NAME_LINE.match(line)
                if match and (name := clean_name(match.group(1))):
                    names[name] += 1
    cover_lines = page_lines[0][: SETTINGS.cover_lines] if page_lines else []
    cover_name = next((m.group(1) for m in map(NAME_LINE.match, cover_lines) if m), None)
    cover_name = clean_name(cover_name)
    cover = "".join(cover_lines)
    if cover_name is None:
        end = _COVER_END.search(cover)
        candidate = _COVER_YEAR.sub("", cover[: end.start()]) if end else ""
        cover_name = clean_name(candidate, SETTINGS.min_cover_name_chars)
    year = YEAR_IN_TEXT.search(cover) if _COVER_END.search(cover) else None
    if not cover_name and not names:
        cover_name = titled_name([line for lines in page_lines for line in lines])
    if not cover_name and not names:
        found = NAME_ANYWHERE.search("".join("".join(lines) for lines in page_lines))
        cover_name = clean_name(found.group(1)) if found else None
    if cover_name and len(cover_name) >= SETTINGS.min_suffixed_name_chars:  # …局部门 → …局
        cover_name = _DEPARTMENT_SUFFIX.sub("", cover_name)
    doc["department_name"] = cover_name or (names.most_common(1)[0][0] if names else None)
    years = Counter(
        int(m)
        for lines in page_lines
        for line in lines[: SETTINGS.head_lines]
        for m in _YEAR_TITLE.findall(line)
    )
    if not years:
        years = Counter(int(y) for t in tables for y in _TITLE_YEAR.findall(t.title))
        years.update(
            int(y) for lines in page_lines for line in lines for y in _TITLE_YEAR.findall(line)
        )
    doc["fiscal_year"] = (
        int(year.group(1)) if year else (years.most_common(1)[0][0] if years else None)
    )
    head = head_text(page_lines)
    titles = "".join(t.title for t in tables)
    if _FINAL.search(cover) or "预算" in cover:  # the cover title decides
        doc["phase"] = "final" if _FINAL.search(cover) and "预算" not in cover else "budget"
    else:
        doc["phase"] = "final" if _FINAL.search(head) or _FINAL.search(titles) else "budget"
    doc["scope"] = "unit" if re.search(r"单位(?:预算|决算)", head) else "department"


def _records(extract: Extract, table_id: int, parsed: ParsedTable) -> None:
    doc_id = extract.document["document_id"]
    table = parsed.table
    extract.tables.append(
        {
            "document_id": doc_id,
            "table_id": table_id,
            "table_type": table.table_type,
            "printed_number": table.printed_number,
            "title": table.title,
            "amount_unit": table.unit,
            "unit_source": table.unit_source,
            "unit_multiplier": str(UNIT_MULTIPLIER[table.unit]),
            "pages": table.pages,
            "first_page": table.pages[0],
            "last_page": table.pages[-1],
            "header_rows": parsed.header_rows,
            "column_count": len(parsed.columns),
            "row_count": len(parsed.rows),
        }
    )
    for column in parsed.columns:
        extract.columns.append(
            {
                "document_id": doc_id,
                "table_id": table_id,
                "column_index": column.index,
                "column_path": "/".join(column.path),
                "header_labels": column.path,
                "role": column.role,
            }
        )
    amount_columns = [c for c in parsed.columns if c.role == "amount"]
    for row in parsed.rows:
        extract.rows.append(
            {
                "document_id": doc_id,
                "table_id": table_id,
                "row_index": row.index,
                "page": row.page,
                "row_kind": row.kind,
                "level": row.level,
                "parent_row_index": row.parent_index,
                "code": row.code,
                "name": row.name,
                "unit_name": row.unit_name,
                "project_name": row.project_name,
                "catalogue_code": row.catalogue_code,
                "group_name": row.group_name,
                "year": row.year,
                "label_text": " | ".join(
                    row.cells[c.index]
                    for c in parsed.columns
                    if c.role != "amount" and row.cells[c.index]
                ),
                "x0": row.bbox[0],
                "top": row.bbox[1],
                "x1": row.bbox[2],
                "bottom": row.bbox[3],
            }
        )
        for column in amount_columns:
            raw = row.raw_cells[column.index] if column.index < len(row.raw_cells) else ""
            value = parse_amount(raw)
            box = row.cell_boxes[column.index] if column.index < len(row.cell_boxes) else None
            extract.cells.append(
                {
                    "document_id": doc_id,
                    "table_id": table_id,
                    "row_index": row.index,
                    "column_index": column.index,
                    "page": row.page,
                    "row_label": _label_left_of(row, parsed, column.index),
                    "raw_text": raw,
                    "value": None if value is None else str(value),
                    "is_percent": is_percent(raw),
                    "unit_multiplier": str(UNIT_MULTIPLIER[table.unit]),
                    "x0": box[0] if box else None,
                    "top": box[1] if box else None,
                    "x1": box[2] if box else None,
                    "bottom": box[3] if box else None,
                }
            )


def _label_left_of(row, parsed: ParsedTable, index: int) -> str:
    """The nearest label to the left of a cell (two-sided summary tables have two)."""
    for column in reversed(parsed.columns[:index]):
        if column.role != "amount" and row.cells[column.index]:
            return row.cells[column.index]
    return row.name or ""

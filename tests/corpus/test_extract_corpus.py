"""Extraction over the real disclosures in ../shared/corpus/real (bad input:
tests/unit/extract/test_document_kinds.py)."""

from __future__ import annotations

import pytest

from orchestration.extract.document import Extract
from orchestration.extract.text import normalize
from tests.key_figures import load_entries
from tools.extraction_coverage import OUTPUT, render

ENTRIES = load_entries()  # hand-read key figures of every text PDF of the corpus
REQUIRED = (
    "income_expenditure_summary",
    "general_budget_function",
    "basic_expenditure",
    "three_public",
)


@pytest.fixture(scope="module")
def corpus(corpus_extracts: dict[str, Extract]) -> dict[str, Extract]:
    return corpus_extracts


def test_every_text_pdf_loads_with_its_core_tables(corpus: dict[str, Extract]) -> None:
    text_pdfs = {name: e for name, e in corpus.items() if not name.startswith("scanned_")}
    printed = {e["file"]: (normalize(e["department_name"]), e["fiscal_year"]) for e in ENTRIES}
    assert set(text_pdfs) == set(printed) and len(printed) == 19
    for name, extract in text_pdfs.items():
        assert extract.document["status"] == "loaded", name
        document = (extract.document["department_name"], extract.document["fiscal_year"])
        assert document == printed[name], name
        types = {t["table_type"]: t["pages"] for t in extract.tables}
        for table_type in REQUIRED:
            assert types.get(table_type), f"{name}: no {table_type}"


def test_documents_facts_of_known_files(corpus: dict[str, Extract]) -> None:
    doc = corpus["shenzhen_xinfangju_2026_budget.pdf"].document
    assert (doc["department_name"], doc["fiscal_year"], doc["phase"]) == (
        "深圳市信访局",
        2026,
        "budget",
    )
    final = corpus["central_guojiaxinfangju_2024_final.pdf"].document
    assert (final["department_name"], final["fiscal_year"], final["phase"]) == (
        "国家信访局",
        2024,
        "final",
    )
    unit = corpus["shanghai_shenjiju_2026_unit_budget.pdf"].document
    assert unit["scope"] == "unit"
    units = {
        t["table_type"]: t["amount_unit"]
        for t in corpus["shanghai_shenjiju_2026_unit_budget.pdf"].tables
    }
    assert units["general_budget_function"] == "元"  # tables 1–8 print 元 …
    assert units["three_public"] == "万元"  # … table 9 prints 万元


# Where the hand-read key figures were printed: (figure in the key-figure files, table type).
FIGURE_TABLES = (
    ("general_budget_expenditure", "general_budget_function"),
    ("basic_expenditure_total", "basic_expenditure"),
    ("three_public", "three_public"),
)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"].removesuffix(".pdf") for e in ENTRIES])
def test_tables_are_found_on_the_pages_they_are_printed_on(
    corpus: dict[str, Extract], entry: dict
) -> None:
    pages: dict[str, set[int]] = {}
    for table in corpus[entry["file"]].tables:
        pages.setdefault(table["table_type"], set()).update(table["pages"])
    for figure, table_type in FIGURE_TABLES:
        page = (entry.get(figure) or {}).get("page")
        if isinstance(page, int):
            assert page in pages.get(table_type, set()), (figure, page, table_type)


def test_continued_tables_are_stitched(corpus: dict[str, Extract]) -> None:
    pages = {
        t["table_type"]: t["pages"] for t in corpus["shenzhen_minzhengju_2026_budget.pdf"].tables
    }
    assert pages["income_expenditure_summary"] == [16, 17, 18]


def test_scanned_pdf_is_rejected_for_no_text_layer(corpus: dict[str, Extract]) -> None:
    doc = corpus["scanned_changsha_caizhengju_2025_fund_allocation.pdf"].document
    assert doc["status"] == "rejected"
    assert doc["status_reason"].startswith("no text layer")


def test_coverage_doc_is_current(corpus: dict[str, Extract]) -> None:
    rendered = render([corpus[name] for name in sorted(corpus)])
    assert OUTPUT.read_text(encoding="utf-8") == rendered, (
        "docs/extraction_coverage.md is stale: run `python -m tools.extraction_coverage`"
    )

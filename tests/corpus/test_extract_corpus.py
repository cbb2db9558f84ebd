"""Extraction over the real disclosures in ../shared/corpus/real, and over bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from orchestration.extract.document import Extract, extract_document
from orchestration.extract.text import normalize
from tests.key_figures import load_entries
from tests.paths import SAMPLE_PDF
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


def _text_pdf(path: Path, text: str, encrypt: str | None = None) -> Path:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    encryption = StandardEncryption(encrypt, ownerPassword=encrypt) if encrypt else None
    pdf = canvas.Canvas(str(path), encrypt=encryption, invariant=1)
    pdf.setFont("STSong-Light", 12)
    pdf.drawString(72, 720, text)
    pdf.save()
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (
            lambda d: _write(d / "page.pdf", b"<!DOCTYPE html><html><body>404</body></html>"),
            "not a PDF: an HTML page",
        ),
        (lambda d: _write(d / "empty.pdf", b""), "empty file"),
        (lambda d: _write(d / "cut.pdf", SAMPLE_PDF.read_bytes()[:50_000]), "truncated PDF"),
        (
            lambda d: _write(d / "junk.pdf", b"%PDF-1.4\n1 0 obj <<>> garbage\n%%EOF\n"),
            "corrupt PDF",
        ),
        (lambda d: _text_pdf(d / "locked.pdf", "部门预算", encrypt="secret"), "encrypted PDF"),
        (
            lambda d: _text_pdf(
                d / "notice.pdf", "关于召开2025年度工作会议的通知，请各单位准时参加会议。" * 2
            ),
            "not a budget disclosure",
        ),
    ],
)
def test_bad_input_is_rejected_with_a_reason(tmp_path: Path, make, reason: str) -> None:
    pdf = make(tmp_path)
    doc = extract_document(pdf).document
    assert doc["status"] == "rejected"
    assert doc["status_reason"].startswith(reason), doc["status_reason"]
    assert doc["source_file"] == pdf.name


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path

"""The wide-crawl report's counts from a minimal reading of a warehouse: verification per
publisher and fact table, errors by class, nothing-checked documents, material warnings."""

from __future__ import annotations

from decimal import Decimal

from tools.wide_corpus_report import Reading, count_confirmed, render, summarise

FILES = {"025_烟台/a.pdf": "sha-a", "025_烟台/b.pdf": "sha-b", "008_杭州/c.pdf": "sha-c"}


def _document(document_id: str, sha: str, errors: int, status: str, evaluations: int) -> dict:
    return {
        "document_id": document_id,
        "sha256": sha,
        "source_file": f"{document_id}.pdf",
        "status": "loaded",
        "status_reason": None,
        "extractor_version": "v1",
        "kind": "full_disclosure",
        "disclosure_id": document_id,
        "evaluations": evaluations,
        "errors": errors,
        "warnings": 0,
        "reconciliation_status": status,
    }


def _error(document_id: str, error_class: str) -> dict:
    return {
        "document_id": document_id,
        "rule": "facts_equal_printed_figure",
        "table_type": "expenditure_summary",
        "table": "表3 支出总表",
        "page": 9,
        "unit_name": None,
        "row_label": "合计",
        "column_label": "基本支出",
        "expected_yuan": Decimal("11928500.00"),
        "observed_yuan": Decimal("23857400.00"),
        "difference_yuan": Decimal("11928900.00"),
        "detail": "",
        "error_class": error_class,
        "path": "",
    }


def _verified(document_id: str, fact_table: str, status: str) -> dict:
    return {"document_id": document_id, "fact_table": fact_table, "verification_status": status}


READING = Reading(
    documents=[
        _document("a", "sha-a", 1, "errors", 400),
        _document("b", "sha-b", 0, "reconciled", 300),
        _document("c", "sha-c", 0, "unverified", 0),
    ],
    errors=[_error("a", "extraction_suspect")],
    verification=[
        _verified("a", "fct_basic_expenditure", "contradicted"),
        _verified("a", "fct_three_public_expenditure", "verified"),
        _verified("b", "fct_basic_expenditure", "verified"),
        _verified("c", "fct_procurement", "unverified"),
    ],
    big_warnings=0,
)


def test_summary_counts_verification_classes_and_unchecked_documents() -> None:
    s = summarise(FILES, READING)["summary"]
    assert (s["loaded"], s["clean_loaded"]) == (3, 2)
    assert s["fact_table_pairs"] == 4
    assert s["fact_table_pairs_by_status"] == {"verified": 2, "contradicted": 1, "unverified": 1}
    assert s["verified_share"] == 0.5
    assert s["errors_by_class"] == {"extraction_suspect": 1}
    assert s["reconciliation_status"] == {"errors": 1, "reconciled": 1, "unverified": 1}
    assert s["reconciled_with_nothing_checked"] == 0
    assert s["material_warnings"] == 0


def test_per_publisher_and_fact_table() -> None:
    rows = {(r["publisher"], r["fact_table"]): r for r in summarise(FILES, READING)["by_publisher"]}
    basic = rows[("025_烟台", "fct_basic_expenditure")]
    assert (basic["loaded"], basic["clean"], basic["verified"], basic["contradicted"]) == (
        2,
        1,
        1,
        1,
    )
    assert rows[("008_杭州", "fct_procurement")]["unverified"] == 1
    assert rows[("008_杭州", "fct_basic_expenditure")]["loaded"] == 0


def test_markdown_lists_each_error_with_its_class() -> None:
    report = summarise(FILES, READING)
    report["summary"].update(publishing_only=0, with_extraction_limits=0, with_unreviewed=1)
    error = _error("a", "extraction_suspect") | {"path": "025_烟台/a.pdf"}
    markdown = render(report, [error], [])
    assert "| 025_烟台 | fct_basic_expenditure | 2 | 1 | 1 | 1 | 0 |" in markdown
    assert "| 025_烟台 | 2 | 1 | 0 | 1 |" in markdown  # loaded, clean, errors by class
    assert "`extraction_suspect`" in markdown.split("## Every remaining error")[1]
    assert "2 of 4 (document, fact table) pairs (50%) verified" in markdown


def test_document_inconsistent_errors_are_listed_with_the_pages_reading() -> None:
    report = summarise(FILES, READING)
    report["summary"].update(publishing_only=0, with_extraction_limits=0, with_unreviewed=1)
    confirmed = _error("a", "document_inconsistent") | {
        "path": "025_烟台/a.pdf",
        "confirmed_on_page": True,
        "page_check": "the page prints 1192.85 over parts that add up to 2385.74",
        "image": "../warehouse/wide/report/evidence/abc.png",
    }
    suspect = confirmed | {
        "confirmed_on_page": False,
        "page_check": "the page adds up: 11928500.00 = 11928500.00",
        "image": "",
    }
    count_confirmed(report, [confirmed, suspect])
    s = report["summary"]
    assert (
        s["document_inconsistent_confirmed_on_page"],
        s["document_inconsistent_not_confirmed"],
    ) == (1, 1)
    assert [e["confirmed_on_page"] for e in report["document_inconsistent_errors"]] == [True, False]
    markdown = render(report, [confirmed, suspect], [])
    section = markdown.split("## Errors where the document contradicts itself")[1]
    assert "1 of 2 confirmed on the page; 1 not confirmed (suspects of ours)." in section
    assert "| 025_烟台/a.pdf | 9 | `facts_equal_printed_figure` |" in section
    assert "**confirmed** (the page prints 1192.85 over parts" in section
    assert "[image](../warehouse/wide/report/evidence/abc.png)" in section
    assert "not confirmed: suspect of ours (the page adds up" in section

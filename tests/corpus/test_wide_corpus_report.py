"""docs/wide_corpus_report.{md,json} describe the current extractor on the current wide crawl.

Cheap by design: the 100-file crawl is never rebuilt here; the report's extractor version and
corpus hashes are compared with the current ones (`make corpus` regenerates the report).
"""

from __future__ import annotations

import json

import pytest

from orchestration.extract.document import EXTRACTOR_VERSION
from tests.paths import WIDE
from tools.wide_corpus_report import JSON_REPORT, MARKDOWN, corpus_files, load_diagnoses

STALE = "docs/wide_corpus_report is stale: run `make corpus`"


@pytest.fixture(scope="module")
def report() -> dict:
    return json.loads(JSON_REPORT.read_text(encoding="utf-8"))


def test_report_is_of_the_current_extractor_and_corpus(report: dict) -> None:
    if not WIDE.is_dir():
        pytest.fail(f"wide corpus not found at {WIDE} (../shared beside the checkout)")
    assert report["extractor_version"] == EXTRACTOR_VERSION, STALE
    assert report["corpus_sha256"] == corpus_files(WIDE), STALE
    assert EXTRACTOR_VERSION in MARKDOWN.read_text(encoding="utf-8"), STALE


def test_every_file_has_a_fate_and_loaded_ones_their_checks(report: dict) -> None:
    files = report["files"]
    assert [f["path"] for f in files] == list(report["corpus_sha256"])
    assert {f["status"] for f in files} <= {"loaded", "rejected"}
    assert all(f["reason"] for f in files if f["status"] == "rejected")
    loaded = [f for f in files if f["status"] == "loaded"]
    assert all(isinstance(f["errors"], int) and isinstance(f["warnings"], int) for f in loaded)
    summary = report["summary"]
    assert summary["loaded"] == len(loaded)
    assert summary["clean_loaded"] == sum(f["errors"] == 0 for f in loaded)
    assert summary["errors"] == sum(summary["errors_by_rule"].values())


def test_diagnoses_are_well_formed() -> None:
    assert all(d.explanation and d.path for d in load_diagnoses())


def test_every_error_is_classified_and_every_pair_has_a_verification(report: dict) -> None:
    summary = report["summary"]
    assert set(summary["errors_by_class"]) <= {"document_inconsistent", "extraction_suspect"}
    assert sum(summary["errors_by_class"].values()) == summary["errors"]
    statuses = summary["fact_table_pairs_by_status"]
    assert sum(statuses.values()) == summary["fact_table_pairs"] > 0
    assert summary["reconciled_with_nothing_checked"] == 0
    assert summary["material_warnings"] == 0
    publishers = {row["publisher"] for row in report["by_publisher"]}
    assert publishers == {
        f["path"].split("/")[0] for f in report["files"] if f["status"] == "loaded"
    }
    assert sum(row["verified"] for row in report["by_publisher"]) == statuses["verified"]


def test_every_document_inconsistent_error_is_read_again_from_its_page(report: dict) -> None:
    summary, listed = report["summary"], report["document_inconsistent_errors"]
    assert len(listed) == summary["errors_by_class"].get("document_inconsistent", 0)
    assert (
        sum(e["confirmed_on_page"] for e in listed)
        == summary["document_inconsistent_confirmed_on_page"]
    )
    assert all(e["page_check"] and e["page"] for e in listed)
    markdown = MARKDOWN.read_text(encoding="utf-8")
    assert "## Errors where the document contradicts itself, read again from the page" in markdown

"""The report's page manifest: a page is written again only when what it shows changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from orchestration.report.collect import Check, DocumentReport
from orchestration.report.pages import PageRecord, page_key, read_manifest, write_manifest


def _document(name: str, validated_at: dt.datetime) -> DocumentReport:
    row = {"evaluation_id": "e1", "rule": "parent_equals_sum_of_children", "status": "error"}
    return DocumentReport(
        document={"document_id": "d1", "department_name": name, "loaded_at": validated_at},
        figures={"total": (Decimal("12.30"), "fct_budget_expenditure")},
        errors=[Check({**row, "validated_at": validated_at}, {("a", 1): Decimal("1.00")})],
    )


def test_page_key_follows_content_not_build_time() -> None:
    earlier, later = dt.datetime(2026, 12, 7, 9), dt.datetime(2026, 12, 7, 10)
    key = page_key(_document("审计局", earlier), "code")
    assert page_key(_document("审计局", later), "code") == key  # revalidated, same findings
    assert page_key(_document("审计局(本级)", earlier), "code") != key
    assert page_key(_document("审计局", earlier), "other code") != key


def test_manifest_round_trip_and_damage(tmp_path: Path) -> None:
    records = {"d1.html": PageRecord("k1", ["a.png", "a.png"], ["x.pdf moved or was deleted"])}
    write_manifest(tmp_path, records)
    assert read_manifest(tmp_path) == records
    (tmp_path / ".pages.json").write_text("{not json", encoding="utf-8")
    assert read_manifest(tmp_path) == {}  # every page is written again

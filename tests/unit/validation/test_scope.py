"""What lets validation read only the pending documents' rows (``validation.scope``): every
table a per-document suite validates is a dbt model incremental by document, and validation
names dbt's cursor as the change log does."""

from __future__ import annotations

from orchestration.validation.scope import MARTS_CONSUMER
from orchestration.validation.suites import load_suites
from orchestration.warehouse.changes import DBT_CONSUMER
from tests.paths import ROOT

MARTS = ROOT / "dbt_project" / "models" / "marts"


def test_every_table_a_document_suite_validates_is_incremental_by_document() -> None:
    models = {path.stem: path for path in MARTS.rglob("*.sql")}
    validated = {
        table
        for suite in load_suites()
        if suite.target.scope == "document" and suite.target.schema == "marts"
        for table in suite.target.tables(sorted(models))
    }
    assert {"fct_procurement", "reconciliation_results", "completeness_results"} <= validated
    assert "dim_document" in models  # its source_file is part of every fingerprint
    for table in sorted(validated | {"dim_document"}):
        first = models[table].read_text(encoding="utf-8").lstrip().splitlines()[0]
        assert first == "{{ incremental_by_document() }}", table


def test_validation_follows_dbt_cursor() -> None:
    assert MARTS_CONSUMER == DBT_CONSUMER

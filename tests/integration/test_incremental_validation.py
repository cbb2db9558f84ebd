"""Validation proportional to the change: only documents whose validated rows changed are run
through the per-document suites, the audit rows of the others are kept, those of removed
documents dropped — and the audit equals a full validation's.

Real PDFs (the sample, its two tampered fixtures with an error each, a real tables file), real
dbt builds and real Great Expectations.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.validation_assets import check_result, record_validation
from orchestration.extract.document import Extract
from orchestration.validation.audit import run_results
from orchestration.validation.results import ValidationRun
from orchestration.validation.runner import collect_validation
from orchestration.validation.scope import CHANGE_CONSUMER, plan_scope
from orchestration.validation.suites import EXPECTATIONS_DIR, load_suites
from orchestration.warehouse import changes
from orchestration.warehouse.digest import BUILD_TIME_COLUMNS, table_digests
from orchestration.warehouse.extract_cache import read_extract
from orchestration.warehouse.extract_pool import extract_all
from orchestration.warehouse.raw_store import replace_documents
from tests.paths import CORPUS, FIXTURES, SAMPLE_PDF
from tests.warehouse_build import cli_build, dbt_build, writable_copy

NEGATIVE = FIXTURES / "tampered_negative_three_public.pdf"  # facts_non_negative error
PROCUREMENT = FIXTURES / "tampered_procurement_leaf.pdf"  # reconciliation error
TABLES = CORPUS / "beijing_shenjiju_2026_budget_tables.pdf"

pytestmark = pytest.mark.slow  # builds of its own (two dbt builds, a real PDF): not test-fast


def _load(database: Path, extracts: list[Extract]) -> None:
    """Raw tables hold exactly ``extracts``; then ``dbt build``."""
    with duckdb.connect(str(database)) as con:
        replace_documents(con, extracts, {e.document["document_id"] for e in extracts})
    dbt_build(database)


def _validate(
    database: Path, suites_dir: Path = EXPECTATIONS_DIR, full: bool = False
) -> ValidationRun:
    """Validate and write the audit as the validation asset does (its change-log cursor too)."""
    run = collect_validation(database, suites_dir=suites_dir, full=full)
    with duckdb.connect(str(database)) as con:
        record_validation(con, run)
    return run


def _audit(database: Path) -> dict[str, str]:
    return table_digests(database, "audit", BUILD_TIME_COLUMNS)


@pytest.fixture(scope="module")
def extracts(extract_cache: Path) -> dict[str, Extract]:
    pdfs = [SAMPLE_PDF, NEGATIVE, PROCUREMENT, TABLES]
    done = extract_all(pdfs, extract_cache, workers=2)
    return {pdf.name: read_extract(done[pdf][0]) for pdf in pdfs}


@pytest.fixture(scope="module")
def changed_warehouse(
    extracts: dict[str, Extract], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, ValidationRun, ValidationRun, ValidationRun]:
    """Validated once with sample, NEGATIVE and TABLES; once unchanged; then the sample renamed
    (same document, other rows), TABLES removed, PROCUREMENT added, and validated again."""
    database = tmp_path_factory.mktemp("incremental-validation") / "working.duckdb"
    first = [extracts[p.name] for p in (SAMPLE_PDF, NEGATIVE, TABLES)]
    _load(database, first)
    cold = _validate(database)
    unchanged = _validate(database)
    sample = extracts[SAMPLE_PDF.name]
    renamed = dataclasses.replace(
        sample, document={**sample.document, "source_file": "renamed_" + SAMPLE_PDF.name}
    )
    _load(database, [renamed, extracts[NEGATIVE.name], extracts[PROCUREMENT.name]])
    incremental = _validate(database)
    return database, cold, unchanged, incremental


def _id(extract: Extract) -> str:
    return extract.document["document_id"]


def test_only_changed_documents_are_validated(
    changed_warehouse: tuple[Path, ValidationRun, ValidationRun, ValidationRun],
    extracts: dict[str, Extract],
) -> None:
    _, cold, unchanged, incremental = changed_warehouse
    sample, negative, procurement, tables = (
        _id(extracts[p.name]) for p in (SAMPLE_PDF, NEGATIVE, PROCUREMENT, TABLES)
    )
    assert cold.scope is not None and cold.scope.changed is None  # nothing stored: everything
    assert cold.documents_validated == 3
    assert {r.document_id for r in cold.results} == {sample, negative, tables}

    assert unchanged.scope is not None and unchanged.scope.changed == frozenset()
    assert unchanged.documents_validated == 0
    assert unchanged.results == [] and unchanged.outcomes == []
    assert unchanged.evaluations == cold.evaluations  # the audit keeps every row
    assert len(unchanged.errors) == len(cold.errors) >= 1  # NEGATIVE's, kept
    assert unchanged.passed is cold.passed is False

    scope = incremental.scope
    assert scope is not None
    assert scope.changed == {sample, procurement}  # renamed (same id, new rows) and added
    assert scope.removed == {tables}
    assert incremental.documents_validated == 2
    assert {r.document_id for r in incremental.results} == {sample, procurement}
    # NEGATIVE is not validated again, but its error is still the run's
    assert {r.document_id for r in incremental.errors} == {negative, procurement}
    assert all(
        o.element_count > 0 for o in incremental.outcomes if o.asset.endswith("fct_procurement")
    )


def test_incremental_audit_equals_a_full_validation(
    changed_warehouse: tuple[Path, ValidationRun, ValidationRun, ValidationRun],
    tmp_path: Path,
) -> None:
    database, _, _, incremental = changed_warehouse
    copy = writable_copy(database, tmp_path / "full")
    full = _validate(copy, full=True)
    assert full.scope is not None and full.scope.changed is None
    assert full.documents_validated == 3
    digests = _audit(database)
    assert set(digests) == {"validation_results", "validation_fingerprints"}
    assert digests == _audit(copy)
    assert incremental.evaluations == full.validated
    assert sorted(map(repr, incremental.errors)) == sorted(map(repr, full.errors))
    assert sorted(map(repr, incremental.warnings)) == sorted(map(repr, full.warnings))
    assert incremental.passed is full.passed is False
    # the Dagster checks on the marts say the same as after a full validation
    checked = {(o.suite, o.asset.split(".")[1]) for o in full.outcomes}
    for suite, asset in sorted(checked):
        a, b = check_result(incremental, suite, asset), check_result(full, suite, asset)
        assert (a.passed, a.severity, a.description) == (b.passed, b.severity, b.description)


def test_a_changed_suite_validates_everything(
    changed_warehouse: tuple[Path, ValidationRun, ValidationRun, ValidationRun],
    tmp_path: Path,
) -> None:
    database = changed_warehouse[0]
    suites_dir = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, suites_dir)
    with duckdb.connect(str(database), read_only=True) as con:
        assert plan_scope(con, load_suites(suites_dir, validate=False)).changed == frozenset()
        path = suites_dir / "completeness.json"
        suite = json.loads(path.read_text(encoding="utf-8"))
        suite["notes"] = "changed"
        path.write_text(json.dumps(suite), encoding="utf-8")
        assert plan_scope(con, load_suites(suites_dir, validate=False)).changed is None


def test_a_corpus_level_suite_runs_on_every_document(
    changed_warehouse: tuple[Path, ValidationRun, ValidationRun, ValidationRun],
    extracts: dict[str, Extract],
    tmp_path: Path,
) -> None:
    suites_dir = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, suites_dir)
    path = suites_dir / "facts_non_negative.json"
    suite = json.loads(path.read_text(encoding="utf-8"))
    suite["meta"]["target"]["scope"] = "corpus"
    path.write_text(json.dumps(suite), encoding="utf-8")
    incremental = writable_copy(changed_warehouse[0], tmp_path / "incremental")
    _validate(incremental, suites_dir)  # the suites changed: everything, fingerprints stored
    negative = _id(extracts[NEGATIVE.name])
    with duckdb.connect(str(incremental)) as con:  # one of NEGATIVE's evaluations changes
        con.execute(
            "update marts.reconciliation_results set detail = 'changed' where evaluation_id = "
            "(select min(evaluation_id) from marts.reconciliation_results where document_id = ?)",
            [negative],
        )
    run = _validate(incremental, suites_dir)
    assert run.scope is not None and run.scope.changed == {negative}
    with duckdb.connect(str(incremental), read_only=True) as con:
        rows = run_results(con, run)
    documents = {
        name: {r.document_id for r in rows if r.suite == name}
        for name in ("reconciliation", "completeness", "facts_non_negative")
    }
    assert documents["reconciliation"] == documents["completeness"] == {negative}
    assert len(documents["facts_non_negative"]) == 3  # every document, not only the changed one
    full = writable_copy(incremental, tmp_path / "full")
    _validate(full, suites_dir, full=True)
    assert _audit(incremental) == _audit(full)


def test_full_build_validates_everything(
    changed_warehouse: tuple[Path, ValidationRun, ValidationRun, ValidationRun],
    tmp_path: Path,
) -> None:
    """``--full`` and a full dbt rebuild drop every cursor of the build's change log."""
    database = writable_copy(changed_warehouse[0], tmp_path / "copy")
    suites = load_suites(validate=False)
    with duckdb.connect(str(database)) as con:
        changes.advance(con, CHANGE_CONSUMER, changes.latest(con), "fingerprints")
        assert plan_scope(con, suites).changed == frozenset()
        changes.forget(con)
        assert plan_scope(con, suites).changed is None


@pytest.mark.slow
def test_cli_builds_validate_the_added_document_only(tmp_path: Path) -> None:
    """Two ``budget-warehouse build`` runs (the second with a PDF added) publish the audit a
    cold build of the same folder publishes."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for pdf in (SAMPLE_PDF, NEGATIVE):
        shutil.copy(pdf, raw)
    incremental, cold = tmp_path / "inc" / "budget.duckdb", tmp_path / "cold" / "budget.duckdb"
    first = cli_build(raw, incremental).stdout
    assert "changed document(s) validated now" not in first  # nothing stored: everything
    shutil.copy(PROCUREMENT, raw)
    second = cli_build(raw, incremental).stdout
    assert "(1 changed document(s) validated now" in second
    assert "2 unchanged kept)" in second
    cli_build(raw, cold)
    assert _audit(incremental) == _audit(cold)
    with duckdb.connect(str(incremental), read_only=True) as con:
        documents = con.execute(
            "select count(distinct document_id) from audit.validation_results"
        ).fetchone()
    assert documents == (3,)

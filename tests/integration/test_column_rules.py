"""The `column_rules` dbt test (dbt_project/tests/generic/column_rules.sql) and the key-breaker
check that reads its failing rows (orchestration/warehouse/quarantine.py), on the sample."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse.quarantine import offending_documents
from tests.warehouse_build import writable_copy

ORPHAN = "0123456789abcdef"


@pytest.fixture(scope="module")
def run(sample_warehouse: Path) -> tuple[dict, dict]:
    """The sample build's run results and manifest (dbt's target folder beside the database)."""
    target = sample_warehouse.parent / "dbt_target"
    return (
        json.loads((target / "run_results.json").read_text()),
        json.loads((target / "manifest.json").read_text()),
    )


def result_of(run_results: dict, name: str) -> dict:
    return next(r for r in run_results["results"] if r["unique_id"].split(".")[2] == name)


def test_every_model_rule_passes_on_the_sample(run: tuple[dict, dict]) -> None:
    run_results, manifest = run
    rules = {
        node["unique_id"]: node
        for node in manifest["nodes"].values()
        if (node.get("test_metadata") or {}).get("name") == "column_rules"
    }
    outcomes = {r["unique_id"]: r["status"] for r in run_results["results"]}
    # 42 + fact sums, fact comparisons, fact_verification (issue 22) + revenue facts and the
    # completeness and final-accounts models (issue 23)
    assert len(rules) == 60
    assert {outcomes[unique_id] for unique_id in rules} == {"pass"}
    # one test per model, named for it (the Dagster asset check's name)
    assert "column_rules_fct_budget_expenditure" in {node["name"] for node in rules.values()}


def test_failing_rows_name_the_rules_and_their_documents(
    sample_warehouse: Path, run: tuple[dict, dict], tmp_path: Path
) -> None:
    """Each kind of rule breaks on one row; the test's rows say which, and the key-breaker check
    rejects the documents they belong to with those rules named."""
    run_results, manifest = run
    result = result_of(run_results, "column_rules_fct_budget_expenditure")
    database = writable_copy(sample_warehouse, tmp_path)
    with duckdb.connect(str(database)) as con:
        (document,) = con.execute("select distinct document_id from marts.dim_document").fetchone()
        ids = [
            row[0]
            for row in con.execute(
                "select budget_expenditure_id from marts.fct_budget_expenditure order by all limit 4"
            ).fetchall()
        ]
        con.execute(
            "insert into marts.fct_budget_expenditure "
            "select * from marts.fct_budget_expenditure where budget_expenditure_id = ?",
            [ids[0]],
        )
        con.execute(
            "update marts.fct_budget_expenditure set expenditure_type = 'other' "
            "where budget_expenditure_id = ?",
            [ids[1]],
        )
        con.execute(
            "update marts.fct_budget_expenditure set unit_name = null "
            "where budget_expenditure_id = ?",
            [ids[2]],
        )
        con.execute(
            "update marts.fct_budget_expenditure set document_id = ? "
            "where budget_expenditure_id = ?",
            [ORPHAN, ids[3]],
        )
        failing = con.execute(result["compiled_code"]).fetchall()
        names = [c[0] for c in con.description]
        rules = sorted(row[names.index("failing_rules")] for row in failing)
        reasons = offending_documents(
            con, {"results": [{**result, "status": "fail", "failures": len(failing)}]}, manifest
        )

    assert rules == [
        "budget_expenditure_id duplicated",
        "budget_expenditure_id duplicated",
        "document_id not in dim_document",
        "expenditure_type not accepted",
        "unit_name is null",
    ]
    assert reasons == {
        document: "breaks a warehouse key: dbt test column_rules(fct_budget_expenditure: "
        "budget_expenditure_id duplicated, expenditure_type not accepted, unit_name is null) "
        "fails on its rows (5 failing); retried on the next build",
        ORPHAN: "breaks a warehouse key: dbt test column_rules(fct_budget_expenditure: "
        "document_id not in dim_document) fails on its rows (5 failing); retried on the next build",
    }


def test_a_filtered_rule_checks_only_its_rows(
    sample_warehouse: Path, run: tuple[dict, dict], tmp_path: Path
) -> None:
    """dim_document's department is required of loaded documents only (config `where`)."""
    run_results, _ = run
    result = result_of(run_results, "column_rules_dim_document_loaded")
    database = writable_copy(sample_warehouse, tmp_path)
    with duckdb.connect(str(database)) as con:
        con.execute("update marts.dim_document set department_id = null")
        assert len(con.execute(result["compiled_code"]).fetchall()) == 1
        con.execute("update marts.dim_document set status = 'rejected'")
        assert con.execute(result["compiled_code"]).fetchall() == []

"""Descriptions of the dbt tests' asset checks, from the project's own manifest."""

from __future__ import annotations

import json

from orchestration.defs.dbt_check_descriptions import check_description
from tests.paths import ROOT


def tests_by_name() -> dict[str, dict]:
    manifest = json.loads((ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "test"}


def test_a_test_described_in_its_yaml_keeps_its_words() -> None:
    test = tests_by_name()["column_rules_dim_document_loaded"]
    assert check_description(test) == "A loaded document belongs to a department — 已载入文档有部门"


def test_column_rules_are_described_from_their_arguments() -> None:
    test = tests_by_name()["column_rules_int_disclosures"]
    assert check_description(test) == (
        "Column rules of int_disclosures — unique: document_id; not null: document_id, "
        "disclosure_id; disclosure_part one of narrative, tables, whole"
    )


def test_relationships_name_the_referenced_column() -> None:
    name = "relationships_dim_department_department_category__department_category__ref_department_categories_"
    assert check_description(tests_by_name()[name]) == (
        "Every department_category of dim_department (where not null) is a department_category "
        "of department_categories"
    )


def test_every_dbt_test_gets_a_description() -> None:
    assert all(check_description(test) for test in tests_by_name().values())

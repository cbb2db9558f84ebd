"""A fact-table suite holds critical lower bounds only: the runner reports a failing fact as
"below its bound" and a clean document by its smallest value, so any other expectation on a fact
table is refused by name instead of being reported as a broken lower bound."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestration.validation.runner import _check_fact_suite
from orchestration.validation.suites import EXPECTATIONS_DIR, load_suites

FACTS = "facts_non_negative.json"


def fact_suite(tmp_path: Path, expectation: dict) -> Path:
    """The committed fact-table suite with ``expectation`` added, in a folder of its own."""
    document = json.loads((EXPECTATIONS_DIR / FACTS).read_text(encoding="utf-8"))
    document["expectations"].append(expectation)
    (tmp_path / FACTS).write_text(json.dumps(document), encoding="utf-8")
    return tmp_path


def test_the_committed_fact_suite_is_a_lower_bound() -> None:
    [suite] = [s for s in load_suites(validate=False) if s.path.name == FACTS]
    assert suite.target.split_column is None  # a fact-table suite
    _check_fact_suite(suite)  # accepted
    [expectation] = suite.document["expectations"]
    assert expectation["kwargs"] == {"column": "amount_yuan", "min_value": 0}


@pytest.mark.parametrize(
    "expectation",
    [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "amount_yuan"}},
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "amount_yuan", "min_value": 0, "max_value": 10**12},
        },
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "amount_yuan", "max_value": 10**12},
        },
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "amount_yuan", "min_value": 1},
            "severity": "warning",
        },
    ],
    ids=["not-null", "upper-bound-too", "upper-bound-only", "warning"],
)
def test_a_fact_suite_with_another_expectation_is_refused(
    tmp_path: Path, expectation: dict
) -> None:
    [suite] = load_suites(fact_suite(tmp_path, expectation), validate=False)
    with pytest.raises(ValueError, match=r"facts_non_negative \(facts_non_negative.json\)"):
        _check_fact_suite(suite)

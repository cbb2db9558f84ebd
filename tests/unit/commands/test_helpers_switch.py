"""``$BUDGET_HELPERS``: which helper processes ``budget-warehouse build`` starts."""

from __future__ import annotations

import pytest

from orchestration.commands.build import (
    HEAD_START,
    HELPERS,
    PREPARED_DBT,
    VALIDATION_WORKER,
    helpers_from_env,
)
from orchestration.settings import ENV_HELPERS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, {HEAD_START, VALIDATION_WORKER, PREPARED_DBT}),
        ("", {HEAD_START, VALIDATION_WORKER, PREPARED_DBT}),
        ("none", set()),
        ("head_start", {HEAD_START}),
        (" validation_worker ,", {VALIDATION_WORKER}),
        ("validation_worker,head_start", {HEAD_START, VALIDATION_WORKER}),
        ("prepared_dbt", {PREPARED_DBT}),
    ],
)
def test_the_variable_names_the_helpers_to_start(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: set[str]
) -> None:
    if value is None:
        monkeypatch.delenv(ENV_HELPERS, raising=False)
    else:
        monkeypatch.setenv(ENV_HELPERS, value)

    assert helpers_from_env() == expected
    assert set(HELPERS) == {HEAD_START, VALIDATION_WORKER, PREPARED_DBT}


def test_an_unknown_helper_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_HELPERS, "head_start,warm_dbt")

    with pytest.raises(ValueError, match="unknown helper warm_dbt"):
        helpers_from_env()

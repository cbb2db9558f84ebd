"""The documents an incremental dbt build rebuilds, handed to the models in the environment
(``IncrementalPlan.env``): read from the change log once instead of ~100 times a build."""

from __future__ import annotations

import json

from orchestration.children import DBT_REBUILD_ENV
from orchestration.defs.dbt_assets import MAX_REBUILD_ENV, IncrementalPlan
from orchestration.prepared_dbt import OUTPUT_ONLY


def plan(documents: frozenset[str] | None, everything: bool = False) -> IncrementalPlan:
    return IncrementalPlan(everything, 7, "code", "reason", documents)


def test_the_documents_to_rebuild_are_a_sorted_json_list() -> None:
    env = plan(frozenset({"b2", "a1"})).env()
    assert json.loads(env[DBT_REBUILD_ENV]) == ["a1", "b2"]
    assert plan(frozenset()).env() == {DBT_REBUILD_ENV: "[]"}  # nothing to rebuild: no rows


def test_a_whole_rebuild_or_too_many_documents_leave_the_models_to_query_the_log() -> None:
    assert plan(None, everything=True).env() == {DBT_REBUILD_ENV: ""}
    assert plan(frozenset({"a1"}), everything=True).env() == {DBT_REBUILD_ENV: ""}
    many = frozenset(f"{i:016x}" for i in range(MAX_REBUILD_ENV // 16))
    assert plan(many).env() == {DBT_REBUILD_ENV: ""}


def test_the_list_does_not_spoil_a_parse_ahead() -> None:
    assert DBT_REBUILD_ENV in OUTPUT_ONLY

"""Which requests the prepared dbt process runs on the manifest it parsed ahead (``parsed_for``)."""

from __future__ import annotations

from typing import Any

import pytest

from orchestration.children import PREPARED_DBT_ENV
from orchestration.prepared_dbt import parsed_for

AHEAD = {"args": ["--log-level-file", "warn"], "cwd": "/w/.build"}
#: The parse's environment: what the build passed, over what the process inherited.
PARSED = {
    "BUDGET_DBT_DATABASE": "budget.duckdb",
    "DBT_TARGET_PATH": "/w/.build/budget.duckdb.dbt_target",
    "DBT_PROJECT_DIR": "/code/dbt_project",
    "HOME": "/root",
    "PYTHONPATH": "/code",
}
#: The dbt step's request: dagster-dbt's command line and environment.
ASKED = {
    "argv": [
        "budget-warehouse-dbt",
        "--log-level-file",
        "warn",
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--full-refresh",
        "--select",
        "fqn:*",
    ],
    "env": {
        **{name: value for name, value in PARSED.items() if name != "PYTHONPATH"},
        "DBT_LOG_FORMAT": "json",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DAGSTER_DBT_CLI": "true",
        PREPARED_DBT_ENV: "/w/.build/budget.duckdb.helpers.prepared_dbt",
    },
    "cwd": "/w/.build",
}


def asked(**changes: Any) -> dict[str, Any]:
    return {**ASKED, **changes}


def test_the_dbt_step_s_build_runs_on_the_parse() -> None:
    assert parsed_for(AHEAD, PARSED, ASKED)


@pytest.mark.parametrize(
    "request_",
    [
        asked(argv=["dbt", "--log-level-file", "warn", "run", "--select", "fqn:*"]),
        asked(argv=["dbt", "build", "--select", "fqn:*"]),  # other global flags
        asked(argv=[*ASKED["argv"], "--vars", "{rounding_yuan_per_item: 1}"]),
        asked(argv=[*ASKED["argv"], "--target", "lake"]),
        asked(argv=[*ASKED["argv"], "--select=fqn:*"]),  # not told from an option that parses
        asked(cwd="/elsewhere"),
        asked(env={**ASKED["env"], "BUDGET_DBT_DATABASE": "other.duckdb"}),
        asked(env={**ASKED["env"], "BUDGET_DBT_MEMORY_LIMIT": "1GB"}),  # the profile reads it
        asked(env={**ASKED["env"], "DBT_PROJECT_DIR": "/tmp/dagster-dbt-selector-copy"}),
        asked(env={k: v for k, v in ASKED["env"].items() if k != "DBT_TARGET_PATH"}),
    ],
    ids=[
        "run",
        "global flags",
        "vars",
        "target",
        "option=value",
        "folder",
        "database",
        "profile variable",
        "project",
        "target path",
    ],
)
def test_any_other_request_runs_dbt_s_command_line(request_: dict[str, Any]) -> None:
    assert not parsed_for(AHEAD, PARSED, request_)

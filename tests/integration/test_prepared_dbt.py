"""The prepared dbt process runs the command line of the ``budget-warehouse-dbt`` that hands
it over — real dbt, its output on the wrapper's stdout, its exit status the wrapper's — once; the
dbt step's ``dbt build`` on the manifest it parsed ahead."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.children import PREPARED_DBT_ENV, hand_over
from orchestration.defs.dbt_assets import dbt_build_ahead
from orchestration.prepared_dbt import prepared_dbt
from orchestration.settings import Settings

WRAPPER = Path(sys.executable).with_name("budget-warehouse-dbt")
SEED = "department_category_labels"


def wrapper(
    folder: Path | None, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != PREPARED_DBT_ENV} | (env or {})
    if folder is not None:
        environment[PREPARED_DBT_ENV] = str(folder)
    return subprocess.run(
        [str(WRAPPER), *args], env=environment, capture_output=True, text=True, timeout=300
    )


def test_the_prepared_process_runs_one_command_for_the_wrapper(tmp_path: Path) -> None:
    with prepared_dbt(tmp_path / "helpers.lock") as folder:
        assert folder is not None
        shown = wrapper(folder, "--version")
        assert shown.returncode == 0, shown.stdout + shown.stderr
        assert f"installed: {version('dbt-core')}" in shown.stdout
        assert hand_over(str(folder)) is None  # used: nobody reads the request pipe any more

        failed = wrapper(folder, "debug", "--project-dir", str(tmp_path / "no_project"))
        assert failed.returncode != 0  # dbt run by the wrapper itself, its status kept
    assert folder == tmp_path / "helpers.prepared_dbt"
    assert not folder.exists()


def test_the_prepared_process_s_exit_status_and_output_are_the_wrapper_s(tmp_path: Path) -> None:
    args = ("debug", "--project-dir", str(tmp_path / "no_project"))
    with prepared_dbt(tmp_path / "helpers.lock") as folder:
        assert folder is not None
        failed = wrapper(folder, *args)
        assert hand_over(str(folder)) is None  # it was the prepared process that ran it
    itself = wrapper(None, *args)
    assert failed.returncode == itself.returncode == 2  # dbt's usage error
    assert failed.stdout == itself.stdout
    assert failed.stderr == itself.stderr
    assert "Usage: budget-warehouse-dbt debug" in failed.stderr


@pytest.fixture
def ahead(tmp_path: Path) -> tuple[Settings, dict[str, Any]]:
    """A warehouse's settings and what its build's dbt step will run dbt with."""
    settings = Settings.from_env(tmp_path / "raw", tmp_path / "budget.duckdb")
    settings.build_database.parent.mkdir()
    return settings, dbt_build_ahead(settings)


def step(
    folder: Path | None, ahead: dict[str, Any], *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """``budget-warehouse-dbt`` as the dbt step starts it: dagster-dbt's environment."""
    return wrapper(
        folder, *ahead["args"], *args, env={**ahead["env"], "DBT_LOG_FORMAT": "json", **env}
    )


def on_the_parse(target: Path, run: subprocess.CompletedProcess[str]) -> bool:
    """Whether dbt's ``run`` used a manifest parsed by another invocation (the prepared
    process's parse): the manifest in ``target`` was not made by the run that logged its events
    (dbt's JSON events and artifacts carry their invocation's id)."""
    events = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    ran = {event["info"]["invocation_id"] for event in events}
    manifest = json.loads((target / "manifest.json").read_text())
    assert len(ran) == 1, ran
    return manifest["metadata"]["invocation_id"] not in ran


def test_the_dbt_step_s_build_runs_on_the_manifest_parsed_ahead(
    tmp_path: Path, ahead: tuple[Settings, dict[str, Any]]
) -> None:
    settings, parse = ahead
    with prepared_dbt(tmp_path / "helpers.lock", parse) as folder:
        built = step(folder, parse, "build", "--select", SEED)
        assert hand_over(str(folder)) is None  # it was the prepared process that ran it
    assert built.returncode == 0, built.stdout + built.stderr
    assert on_the_parse(settings.dbt_target, built)
    with duckdb.connect(str(settings.build_database), read_only=True) as con:
        assert con.execute(f"select count(*) > 0 from reference.{SEED}").fetchone() == (True,)


def test_a_request_unlike_the_parse_runs_dbt_s_command_line(
    tmp_path: Path, ahead: tuple[Settings, dict[str, Any]]
) -> None:
    settings, parse = ahead
    with prepared_dbt(tmp_path / "helpers.lock", parse) as folder:
        built = step(folder, parse, "build", "--select", SEED, BUDGET_DBT_DATABASE="other.duckdb")
        assert hand_over(str(folder)) is None
    assert built.returncode == 0, built.stdout + built.stderr
    assert not on_the_parse(settings.dbt_target, built)  # dbt parsed for itself
    assert (settings.build_database.parent / "other.duckdb").exists()
    assert not settings.build_database.exists()


@pytest.mark.parametrize(
    ("select", "status"),
    [(SEED, 0), ("stg_raw__documents", 1), ("nosuch:x", 2)],  # a model fails; an error
    ids=["success", "failed model", "error"],
)
def test_a_build_on_the_parse_exits_as_dbt_s_command_line(
    tmp_path: Path, ahead: tuple[Settings, dict[str, Any]], select: str, status: int
) -> None:
    settings, parse = ahead
    itself = step(None, parse, "build", "--select", select)
    assert not on_the_parse(settings.dbt_target, itself)
    with prepared_dbt(tmp_path / "helpers.lock", parse) as folder:
        parsed = step(folder, parse, "build", "--select", select)
    assert on_the_parse(settings.dbt_target, parsed)
    assert itself.returncode == parsed.returncode == status

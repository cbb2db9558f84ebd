"""The prepared dbt process runs the command line of the ``budget-warehouse-dbt`` that hands
it over — real dbt, its output on the wrapper's stdout, its exit status the wrapper's — once."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from orchestration.children import PREPARED_DBT_ENV, hand_over
from orchestration.prepared_dbt import prepared_dbt

WRAPPER = Path(sys.executable).with_name("budget-warehouse-dbt")


def wrapper(folder: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != PREPARED_DBT_ENV}
    if folder is not None:
        env[PREPARED_DBT_ENV] = str(folder)
    return subprocess.run(
        [str(WRAPPER), *args], env=env, capture_output=True, text=True, timeout=300
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

"""Helpers for the build's child processes (orchestration/children.py)."""

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import orchestration
from orchestration.children import REQUEST, STATUS, at_low_priority, hand_over


def _own_priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_warm_up_work_runs_at_low_priority_and_the_caller_keeps_its_own() -> None:
    before = _own_priority()
    assert at_low_priority(_own_priority) == min(before + 10, 19)
    assert _own_priority() == before


def test_warm_up_failure_reaches_the_caller() -> None:
    def fails() -> None:
        raise ValueError("no dbt here")

    with pytest.raises(ValueError, match="no dbt here"):
        at_low_priority(fails)


def test_a_helper_runs_the_build_s_own_code(tmp_path: Path) -> None:
    """A helper imports the ``orchestration`` package of the build that starts it, not the one
    the virtualenv installed: ``bench_build --project ../before`` runs another checkout with
    this checkout's virtualenv, whose validation worker ran this checkout's code."""
    copy = tmp_path / "checkout"
    shutil.copytree(Path(orchestration.__file__).parent, copy / "orchestration")
    script = (
        f"import sys; sys.path.insert(0, {str(copy)!r})\n"
        "from orchestration.children import start_helper\n"
        "process, stderr = start_helper('code')\n"  # an interpreter reading its stdin
        "out, _ = process.communicate(b'import orchestration; print(\"imports\", orchestration.__file__)')\n"
        "print(out.decode().split('imports ', 1)[1].splitlines()[0])\n"
    )
    found = subprocess.run(
        [sys.executable, "-P", "-c", script], capture_output=True, text=True, check=True
    )
    assert Path(found.stdout.strip()) == copy / "orchestration" / "__init__.py"


def test_without_a_prepared_dbt_process_the_wrapper_runs_dbt_itself(tmp_path: Path) -> None:
    assert hand_over(str(tmp_path / "absent")) is None
    for name in (REQUEST, STATUS):
        os.mkfifo(tmp_path / name)
    assert hand_over(str(tmp_path)) is None  # the pipes, but no process holding them

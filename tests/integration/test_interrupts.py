"""Ctrl-C and SIGTERM stop a test run, fixtures torn down (tests/conftest.py, tests/signals.py):
an inner pytest session with this project's conftest receives the signal during its first test,
once while Dagster runs a job in process (which turns the signal into a failed run) and once
outside; its second test must not run."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

INNER = """
import os
import signal

import dagster as dg
import pytest


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    yield
    (tmp_path_factory.getbasetemp().parent / "torn-down").write_text("yes")


@dg.op
def interrupted() -> None:
    os.kill(os.getpid(), {signo})


@dg.job
def job() -> None:
    interrupted()


def test_signalled(server) -> None:
    if {in_dagster}:
        assert not job.execute_in_process(raise_on_error=False).success
    else:
        os.kill(os.getpid(), {signo})


def test_never_reached() -> None:
    pass
"""


@pytest.mark.parametrize(
    ("signo", "in_dagster", "says"),
    [
        (signal.SIGINT, True, "KeyboardInterrupt: SIGINT during"),
        (signal.SIGTERM, True, "KeyboardInterrupt: SIGTERM during"),
        (signal.SIGTERM, False, "KeyboardInterrupt: signal SIGTERM"),
    ],
    ids=["ctrl-c-in-dagster", "sigterm-in-dagster", "sigterm"],
)
def test_a_signal_stops_the_run_and_tears_fixtures_down(
    tmp_path: Path, signo: signal.Signals, in_dagster: bool, says: str
) -> None:
    inner = tmp_path / "inner" / "test_inner.py"
    inner.parent.mkdir()
    inner.write_text(INNER.format(signo=int(signo), in_dagster=in_dagster))
    base = tmp_path / "base"
    base.mkdir()
    plugins = ["-p", "tests.conftest", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *plugins, f"--basetemp={base / 'run'}", str(inner)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == pytest.ExitCode.INTERRUPTED, done.stdout[-3000:]
    assert "test_never_reached" not in done.stdout
    assert says in done.stdout
    # in Dagster the first test passes: the run failed, nothing raised in the test
    assert ("1 passed" in done.stdout) == in_dagster
    assert (base / "torn-down").read_text() == "yes"

"""How the suite is set up (issue 24): `make test` and `.ci/run` install the browser and font by
the same script, every test has a time limit, and a test's markers follow from its folder and
from what it reads, so `make test-fast` leaves out the real corpus and whole builds."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from tests.paths import ROOT

TEST_DEPS = "tools/install_test_deps.sh"
COLLECT = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]


def without_pytest_variables() -> dict[str, str]:
    """This environment without what an outer pytest (or xdist worker) set."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}


def make_dry_run(target: str) -> list[str]:
    """The commands ``make <target>`` would run (nothing is run)."""
    done = subprocess.run(
        ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.splitlines()


def test_make_test_and_ci_install_the_browser_and_font_by_one_script() -> None:
    commands = make_dry_run("test")
    pytest_line = next(i for i, line in enumerate(commands) if "/bin/pytest" in line)
    assert TEST_DEPS in commands[:pytest_line]
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    ci = [line for line in ci if line and not line.startswith("#")]
    installs = next(i for i, line in enumerate(ci) if line.startswith(TEST_DEPS))
    assert installs < ci.index("make test")
    assert "apt_install.sh" in (ROOT / TEST_DEPS).read_text()  # the one install step


def test_make_test_fast_leaves_out_the_corpus_and_whole_builds() -> None:
    [command] = [line for line in make_dry_run("test-fast") if "/bin/pytest" in line]
    assert '-m "not corpus and not slow"' in command


def test_every_test_and_its_fixture_setup_have_a_time_limit() -> None:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    ini = options["ini_options"]
    assert ini["timeout"] > 0 and ini["timeout_func_only"] is True
    assert int(ini["setup_timeout"]) > 0  # tests/conftest.py times fixture setup with it


HANGS = """
import time

import pytest

from tests.conftest import pytest_addoption, pytest_runtest_setup, pytest_runtest_teardown


@pytest.fixture
def hangs_in_setup():
    time.sleep(120)


@pytest.fixture
def hangs_in_teardown():
    yield
    time.sleep(120)


def test_setup(hangs_in_setup):
    pass


def test_teardown(hangs_in_teardown):
    pass
"""


def test_a_hang_in_fixture_setup_or_teardown_fails_its_test(tmp_path: Path) -> None:
    """The project's hooks give fixture setup and teardown `setup_timeout` each (1 s here)."""
    (tmp_path / "conftest.py").write_text("from tests.conftest import *  # noqa: F403\n")
    (tmp_path / "test_hangs.py").write_text(HANGS)
    limits = ["-o", "timeout=60", "-o", "timeout_func_only=true", "-o", "setup_timeout=1"]
    started = time.monotonic()
    done = subprocess.run(
        [*COLLECT[:3], "-q", "-p", "no:cacheprovider", *limits, str(tmp_path)],
        cwd=tmp_path,
        env={**without_pytest_variables(), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert time.monotonic() - started < 60  # neither sleep ran out
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ERROR at setup of test_setup" in done.stdout
    assert "ERROR at teardown of test_teardown" in done.stdout
    assert "ERROR test_hangs.py::test_setup - Failed: Timeout (>1.0s)" in done.stdout
    assert "1 passed, 2 errors" in done.stdout  # test_teardown's call passed, then timed out


def test_a_module_reading_the_corpus_by_path_is_marked_corpus() -> None:
    """``test_incremental`` reads ``tests.paths.CORPUS`` and ``WIDE`` directly (no corpus
    fixture): every one of its tests is marked ``corpus``, so ``-m "not corpus"`` leaves it out."""
    done = subprocess.run(
        [*COLLECT, "-m", "not corpus", "tests/integration/test_incremental.py"],
        cwd=ROOT,
        env=without_pytest_variables(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert not [line for line in done.stdout.splitlines() if "::" in line], done.stdout
    assert re.search(r"no tests collected \([1-9][0-9]* deselected\)", done.stdout), done.stdout

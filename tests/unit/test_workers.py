"""``tests/workers.py``: the modules sharing a grouping fixture run on one xdist worker, a session
build shared by the workers is made once (and made again in a clean folder after a failure), and
``--record-durations`` updates only the tests it ran. The scheduler is checked on a real inner
``pytest -n 2`` over a few generated test modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import defaultdict
from pathlib import Path

import pytest

from tests import workers
from tests.paths import ROOT

GROUPED = [f"test_grouped_{i}" for i in range(4)]
ALONE = [f"test_alone_{i}" for i in range(4)]

CONFTEST = """
import os
from pathlib import Path

import pytest

from tests import workers

LOG = Path(os.environ["WORKERS_TEST_LOG"])


def pytest_addoption(parser):
    parser.addoption("--record-durations", action="store_true")


def pytest_configure(config):
    workers.configure(config)


def _log(line):
    with LOG.open("a") as handle:
        handle.write(line + "\\n")


@pytest.fixture(scope="session")
def shared(tmp_path_factory):
    return workers.made_once(tmp_path_factory, "shared", lambda _: _log("made"))


@pytest.fixture(scope="session")
def corpus_warehouse(shared):
    return shared


@pytest.fixture(autouse=True)
def _ran_on(request, shared):
    _log(f"{request.node.nodeid} {os.environ['PYTEST_XDIST_WORKER']}")
"""

MODULE = """
def test_one({fixture}):
    pass


def test_two({fixture}):
    pass
"""


@pytest.fixture(scope="module")
def inner_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """A real ``pytest -n 2`` with this scheduler: {log line kind: lines} of what ran where."""
    folder = tmp_path_factory.mktemp("inner")
    (folder / "conftest.py").write_text(CONFTEST)
    for name in GROUPED:
        (folder / f"{name}.py").write_text(MODULE.format(fixture="corpus_warehouse"))
    for name in ALONE:
        (folder / f"{name}.py").write_text(MODULE.format(fixture="shared"))
    log = folder / "log.txt"
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PYTEST_") and name != workers.UNITS_ENV
    }
    environment.update(PYTHONPATH=str(ROOT), WORKERS_TEST_LOG=str(log))
    command = [sys.executable, "-m", "pytest", "-n", "2", "-p", "no:cacheprovider", "-q"]
    done = subprocess.run(
        [*command, f"--basetemp={folder / 'base'}", str(folder)],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = log.read_text().splitlines()
    ran: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        if line == "made":
            ran["made"].append(line)
        else:
            nodeid, worker = line.split()
            ran[nodeid.split("::")[0].removesuffix(".py")].append(worker)
    return ran


def test_modules_sharing_a_grouping_fixture_run_on_one_worker(
    inner_run: dict[str, list[str]],
) -> None:
    grouped = {worker for name in GROUPED for worker in inner_run[name]}
    assert len(grouped) == 1
    assert sum(len(inner_run[name]) for name in GROUPED) == 2 * len(GROUPED)
    for name in ALONE:  # a module is one unit: its tests run together
        assert len(inner_run[name]) == 2 and len(set(inner_run[name])) == 1


def test_a_shared_session_build_is_made_once_for_both_workers(
    inner_run: dict[str, list[str]],
) -> None:
    workers_used = {worker for name in GROUPED + ALONE for worker in inner_run[name]}
    assert workers_used == {"gw0", "gw1"}
    assert inner_run["made"] == ["made"]


def test_a_failed_build_is_made_again_in_an_empty_folder(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    name = f"made-once-{uuid.uuid4().hex}"  # the run's folder is shared by every worker
    attempts: list[list[str]] = []

    def failing(folder: Path) -> None:
        attempts.append(sorted(p.name for p in folder.iterdir()))
        (folder / "half-written").write_text("")
        raise RuntimeError("the build failed")

    def working(folder: Path) -> None:
        attempts.append(sorted(p.name for p in folder.iterdir()))
        (folder / "built").write_text("")

    with pytest.raises(RuntimeError, match="the build failed"):
        workers.made_once(tmp_path_factory, name, failing)
    folder = workers.made_once(tmp_path_factory, name, working)
    assert workers.made_once(tmp_path_factory, name, failing) == folder  # made: not asked again
    assert attempts == [[], []]  # the second attempt did not see the first one's file
    assert sorted(p.name for p in folder.iterdir()) == ["built"]


def test_recorded_durations_keep_the_tests_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = tmp_path / "durations.json"
    recorded.write_text(json.dumps({"a.py::kept": 3.0, "b.py::rerun": 9.0, "c.py::now": 2.0}))
    monkeypatch.setattr(workers, "DURATIONS", recorded)
    recorder = workers.DurationRecorder()
    for nodeid, seconds in [("b.py::rerun", 1.0), ("b.py::rerun", 0.25), ("c.py::now", 0.1)]:
        location = (nodeid.split("::")[0], 0, nodeid)
        report = pytest.TestReport(nodeid, location, {}, "passed", None, "call", duration=seconds)
        recorder.pytest_runtest_logreport(report)
    recorder.pytest_sessionfinish()
    # run now: its setup, call and teardown summed; below MIN_RECORDED: dropped; others kept
    assert json.loads(recorded.read_text()) == {"a.py::kept": 3.0, "b.py::rerun": 1.2}

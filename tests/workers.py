"""Two pytest-xdist workers without building anything twice (`make test`, `make test-fast`).

- **Units**: `-n N` (xdist's `--dist load`) hands out units of work, not single tests: a test
  module is a unit (its module fixtures are built once), and the modules sharing an expensive
  session build (`GROUPING_FIXTURES`) form one unit, so one worker makes that build while the
  other runs something else. Each worker writes the units it collected to a file the controller's
  scheduler reads (xdist's own `loadgroup` renames test ids, which pytest ≥ 9.2 ignores:
  pytest-xdist issue 1386).
- **Order**: units go out longest first (`tests/durations.json`), so the last to finish are
  short and the workers end together.
- **Shared session builds**: the session builds of `tests/conftest.py` (the sample, the corpus
  build, the CLI evidence build, the corpus extracts) and the extract cache live in a folder all
  workers of the run share; the first worker to need a build makes it under a file lock, the
  others reuse it (`made_once`).
- **Durations**: `--record-durations` writes each test's seconds to `tests/durations.json`
  (`DurationRecorder`), merged into what is there, so a partial run updates only its tests.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import NodeManager

from tests.paths import TESTS

#: Session fixtures worth one worker: the modules using one are one unit.
GROUPING_FIXTURES = frozenset({"corpus_warehouse", "wide_warehouse", "postgres"})
#: Seconds each test took (setup + call + teardown; those of at least `MIN_RECORDED`) in a whole
#: run on 2 cores; `make test PYTEST_ARGS=--record-durations` updates it.
DURATIONS = TESTS / "durations.json"
MIN_RECORDED = 0.5
#: The file the workers write {test id: unit} to, for the controller.
UNITS_ENV = "BUDGET_TEST_UNITS"
#: How long an interrupted worker may take to tear its fixtures down before xdist kills it.
WORKER_TEARDOWN_SECONDS = 120


def run_folder(factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of the whole run: under xdist each worker's base folder is below it;
    without, the base folder itself."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive `flock` on ``path`` (created if missing) for the block."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


def made_once(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], object]) -> Path:
    """The run's folder ``name``, filled by ``make(folder)`` once for all workers: the first to
    ask makes it while the others wait for the lock; a failed ``make`` is tried again, in an
    emptied folder, by the next to ask (and fails its tests too)."""
    root = run_folder(factory)
    folder, done = root / name, root / f"{name}.done"
    with _locked(root / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed attempt left
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


def configure(config: pytest.Config) -> bool:
    """Register the controller's scheduler or a worker's unit writer (neither without xdist);
    True in the controller of xdist workers."""
    if hasattr(config, "workerinput"):
        if os.environ.get(UNITS_ENV):
            config.pluginmanager.register(WorkUnits(Path(os.environ[UNITS_ENV])), "work-units")
        return False
    if config.getoption("record_durations"):
        config.pluginmanager.register(DurationRecorder(), "record-durations")
    if config.pluginmanager.hasplugin("xdist") and config.getoption("numprocesses"):
        config.pluginmanager.register(UnitScheduler(), "unit-scheduler")
        # After Ctrl-C xdist kills a worker still tearing down after 10 s: the servers its
        # fixtures started (PostgreSQL, Redis, Celery: ~20 s to stop) would outlive the run.
        NodeManager.EXIT_TIMEOUT = max(NodeManager.EXIT_TIMEOUT, WORKER_TEARDOWN_SECONDS)
        return True
    return False


class UnitScheduler:
    """The controller's side: a file for the workers' units, and the scheduler reading it."""

    def __init__(self) -> None:
        handle, name = tempfile.mkstemp(prefix="budget-test-units-", suffix=".json")
        os.close(handle)
        self.units = Path(name)
        os.environ[UNITS_ENV] = name  # the workers start after this and inherit it

    def pytest_xdist_make_scheduler(
        self, config: pytest.Config, log: Producer
    ) -> LoadScopeScheduling | None:
        """Our scheduler for xdist's default ``--dist load``."""
        if config.getoption("dist") != "load":
            return None  # an explicit --dist keeps xdist's own
        config.option.loadscopereorder = False  # keep the workers' order: longest first
        return _UnitScheduling(config, log, self.units)

    def pytest_unconfigure(self) -> None:
        self.units.unlink(missing_ok=True)


class _UnitScheduling(LoadScopeScheduling):
    """xdist's scope scheduling with the workers' units as scopes."""

    def __init__(self, config: pytest.Config, log: Producer, units: Path) -> None:
        super().__init__(config, log)
        self._file = units
        self._units: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        """The unit of test ``nodeid`` (the test itself when the workers named none)."""
        if self._units is None:  # first asked once every worker has collected (and written)
            self._units = json.loads(self._file.read_text())
        return self._units.get(nodeid, nodeid)


class WorkUnits:
    """A worker's side: order the collected tests unit by unit, longest first, and write
    {test id: unit} for the controller (every worker writes the same)."""

    def __init__(self, units: Path) -> None:
        self.units = units

    @pytest.hookimpl(tryfirst=True)  # after `-m` has deselected, before xdist sends the ids
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        items = session.items
        unit_of = _units(items)
        units = [unit_of[_module(item)] for item in items]
        known = durations()
        cost: dict[str, float] = {}
        for item, unit in zip(items, units, strict=True):
            cost[unit] = cost.get(unit, 0.0) + known.get(item.nodeid, 0.0)
        first = {unit: index for index, unit in enumerate(cost)}
        ranked = sorted(range(len(items)), key=lambda i: (-cost[units[i]], first[units[i]], i))
        items[:] = [items[i] for i in ranked]
        written = self.units.with_name(f"{self.units.name}.{os.getpid()}")
        written.write_text(json.dumps({item.nodeid: unit_of[_module(item)] for item in items}))
        written.replace(self.units)


def _module(item: pytest.Item) -> str:
    """The id of the test's module (its file's path)."""
    return item.nodeid.split("::", 1)[0]


def _units(items: list[pytest.Item]) -> dict[str, str]:
    """{module: unit}: a module is its own unit unless a grouping fixture joins it to others.

    Union-find over modules and grouping fixtures (keyed ``<fixture>``): a test using a grouping
    fixture joins its module's set to the fixture's; a unit is named by its set's root."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    for item in items:
        module = find(_module(item))
        for fixture in sorted(GROUPING_FIXTURES & set(getattr(item, "fixturenames", ()))):
            root = find(f"<{fixture}>")
            parent[module] = root  # the module's set joins the fixture's
            module = root
    return {key: find(key) for key in parent if not key.startswith("<")}


def durations() -> dict[str, float]:
    """{test id: seconds} of `DURATIONS` (empty when there is none)."""
    return json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}


class DurationRecorder:
    """`--record-durations`: update `DURATIONS` from this run's reports (the controller sees
    every worker's); the tests this run did not run keep their seconds."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[report.nodeid] = self.seconds.get(report.nodeid, 0.0) + report.duration

    def pytest_sessionfinish(self) -> None:
        seconds = {**durations(), **self.seconds}
        kept = {k: round(v, 1) for k, v in sorted(seconds.items()) if v >= MIN_RECORDED}
        DURATIONS.write_text(json.dumps(kept, indent=0, ensure_ascii=False) + "\n")

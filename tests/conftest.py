"""Shared fixtures: the sample PDF, the real corpus, and the warehouses built from them once
per session (extract cache, sample warehouse, corpus warehouse, corpus extracts).

Markers are given here, so `make test-fast` (`-m "not corpus and not slow"`) needs no list of
files. The folder gives the kind: `tests/unit/` → `unit` (no builds: a unit test asking for a
build fixture is a collection error), `tests/integration/` → `integration`, `tests/corpus/` →
`corpus`. Fixtures add to that: a test using the real corpus (through a fixture, or a module
that imports `CORPUS`, `WIDE` or `corpus_pdfs` from `tests.paths`) is marked `corpus`, one using
a whole CLI build `slow`.

`make test` runs on two pytest-xdist workers (`-n 2`): how the work is split and the session
builds shared between them is `tests/workers.py`.

Timeouts (`[tool.pytest.ini_options]`): pytest-timeout's `timeout` limits each test function;
fixture setup, where the session's builds happen, and fixture teardown each get `setup_timeout`
of their own (given here).

Ctrl-C and SIGTERM stop the run: SIGTERM (and SIGHUP) raise `KeyboardInterrupt` as Ctrl-C does,
so fixtures tear down and stop the servers and helper processes they started; the xdist
controller passes the signal on to its workers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from orchestration.extract.document import Extract
from orchestration.warehouse.extract_cache import read_extract
from orchestration.warehouse.extract_pool import extract_all
from tests import signals, workers
from tests.paths import CORPUS, SAMPLE_PDF, TESTS, WIDE, corpus_pdfs
from tests.warehouse_build import build_shared
from tests.workers import made_once, run_folder

FOLDER_MARKERS = {"unit": "unit", "integration": "integration", "corpus": "corpus"}
CORPUS_FIXTURES = {"corpus_dir", "corpus_warehouse", "corpus_extracts"}
SLOW_FIXTURES = {"evidence_build", "wide_warehouse"}  # whole builds (CLI, wide crawl)
BUILD_FIXTURES = {"extract_cache", "sample_warehouse", *CORPUS_FIXTURES, *SLOW_FIXTURES}
#: What a test module imports from `tests.paths` to read the real corpus without a fixture.
CORPUS_PATHS = (CORPUS, WIDE, corpus_pdfs)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "setup_timeout", "seconds one test's fixture setup (or teardown) may take", default="1200"
    )
    parser.addoption(
        "--record-durations",
        action="store_true",
        help="update tests/durations.json (the order of xdist's units) with this run's tests",
    )


def pytest_configure(config: pytest.Config) -> None:
    controller = workers.configure(config)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _pass_on_and_interrupt if controller else _interrupt)
    signals.watch()


def _interrupt(signo: int, _frame: FrameType | None) -> None:
    """SIGTERM and SIGHUP end the run as Ctrl-C does."""
    raise KeyboardInterrupt(f"signal {signal.Signals(signo).name}")


def _pass_on_and_interrupt(signo: int, frame: FrameType | None) -> None:
    """The xdist controller passes the signal on to its workers (its only children), which tear
    down their fixtures, then ends as Ctrl-C does."""
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(child), signo)
    _interrupt(signo, frame)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[object]:
    """Stop after a test during which Ctrl-C or SIGTERM came but raised nothing: Dagster takes
    both over while it runs a job in process and turns them into a failed run."""
    result = yield
    caught = signals.received() & signals.STOPPING
    if caught:
        names = ", ".join(signal.Signals(sig).name for sig in sorted(caught))
        raise KeyboardInterrupt(f"{names} during {item.nodeid}")
    return result


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        folder = item.path.relative_to(TESTS).parts[0] if item.path.is_relative_to(TESTS) else ""
        kind = FOLDER_MARKERS.get(folder)
        if kind:
            item.add_marker(kind)
        if kind == "unit" and BUILD_FIXTURES & fixtures:
            raise pytest.UsageError(
                f"{item.nodeid} uses {sorted(BUILD_FIXTURES & fixtures)}: a build, not a unit "
                "test — move it to tests/integration/ or tests/corpus/"
            )
        if CORPUS_FIXTURES & fixtures or _reads_corpus(item):
            item.add_marker(pytest.mark.corpus)
        if SLOW_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)


def _reads_corpus(item: pytest.Item) -> bool:
    """Whether the test's module holds the corpus's paths (`CORPUS_PATHS`) of `tests.paths`."""
    module = getattr(item, "module", None)
    held = vars(module).values() if module is not None else ()
    return any(value is path for value in held for path in CORPUS_PATHS)


@contextlib.contextmanager
def _fixture_time_limit(item: pytest.Item) -> Iterator[None]:
    """The block (fixture setup or teardown) under `setup_timeout`: pytest-timeout's `timeout`
    counts the test function only. No limit without pytest-timeout or with `--timeout=0`."""
    limit = None
    if item.config.pluginmanager.hasplugin("timeout"):
        from pytest_timeout import get_env_settings

        settings = get_env_settings(item.config)  # ini, command line, $PYTEST_TIMEOUT
        if settings.timeout:
            seconds = float(item.config.getini("setup_timeout"))
            limit = settings._replace(timeout=seconds, func_only=False)
    if limit is None:
        yield
        return
    hooks = item.config.hook
    hooks.pytest_timeout_set_timer(item=item, settings=limit)
    try:
        yield
    finally:
        hooks.pytest_timeout_cancel_timer(item=item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Fixture setup (where the session's builds happen) under its own limit."""
    with _fixture_time_limit(item):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """Fixture teardown (stopping servers and helper processes) under the same limit."""
    with _fixture_time_limit(item):
        yield


@pytest.fixture(scope="session")
def sample_pdf() -> Path:
    """The committed sample; its absence is a broken checkout, not a reason to skip."""
    assert SAMPLE_PDF.exists(), f"sample PDF missing: {SAMPLE_PDF}"
    return SAMPLE_PDF


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The real corpus CI keeps beside the checkout (fails loudly when it is not there)."""
    corpus_pdfs()
    return CORPUS


@pytest.fixture(scope="session")
def extract_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One extract cache for the run (all workers): every PDF is extracted once. Entries are
    written atomically, so two workers extracting the same PDF only repeat work."""
    return run_folder(tmp_path_factory) / "extract-cache"


@pytest.fixture(scope="session")
def sample_warehouse(
    tmp_path_factory: pytest.TempPathFactory, sample_pdf: Path, extract_cache: Path
) -> Path:
    """The sample built once (extract → raw → dbt build); read-only — open it with
    `read_only=True`, or take `writable_copy` of it to write."""
    made = made_once(
        tmp_path_factory,
        "shared-sample",
        lambda folder: build_shared([sample_pdf], folder / "budget.duckdb", extract_cache),
    )
    return made / "budget.duckdb"


@pytest.fixture(scope="session")
def corpus_warehouse(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, extract_cache: Path
) -> Path:
    """The 20 real PDFs built once; read-only like `sample_warehouse`."""
    made = made_once(
        tmp_path_factory,
        "shared-corpus",
        lambda folder: build_shared(corpus_pdfs(), folder / "budget.duckdb", extract_cache),
    )
    return made / "budget.duckdb"


@pytest.fixture(scope="session")
def corpus_extracts(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, extract_cache: Path
) -> dict[str, Extract]:
    """{file name: extract} of every real PDF (from the shared cache, extracted once)."""
    pdfs = corpus_pdfs()
    made_once(
        tmp_path_factory,
        "corpus-extracts",
        lambda _: extract_all(pdfs, extract_cache, workers=2),
    )
    done = extract_all(pdfs, extract_cache)  # all cached now
    return {pdf.name: read_extract(done[pdf][0]) for pdf in pdfs}


@pytest.fixture
def tmp_warehouse(tmp_path: Path) -> Path:
    """A published-warehouse path in a fresh folder (its working files go beside it)."""
    return tmp_path / "warehouse" / "budget.duckdb"


@pytest.fixture(scope="session")
def evidence_build(
    tmp_path_factory: pytest.TempPathFactory, sample_pdf: Path, extract_cache: Path
) -> dict:
    """``budget-warehouse build`` (a real process) of the sample and the two tampered fixtures
    (their extracts from the session's cache): the warehouse, its raw folder, the HTML report and
    the command's output."""
    import shutil

    from tests.paths import FIXTURES
    from tests.warehouse_build import cli_build, seed_extracts

    def build(root: Path) -> None:
        raw = root / "raw"
        raw.mkdir()
        pdfs = [sample_pdf, *sorted(FIXTURES.glob("tampered_*.pdf"))]
        for pdf in pdfs:
            shutil.copy(pdf, raw)
        warehouse = root / "warehouse" / "budget.duckdb"
        seed_extracts(pdfs, warehouse, extract_cache)
        done = cli_build(raw, warehouse)
        outcome = {"output": done.stdout, "exit": done.returncode}
        (root / "outcome.json").write_text(json.dumps(outcome))

    root = made_once(tmp_path_factory, "evidence", build)
    outcome = json.loads((root / "outcome.json").read_text())
    return {"raw": root / "raw", "warehouse": root / "warehouse" / "budget.duckdb", **outcome}

"""Shared fixtures: the sample PDF, the real corpus, and the warehouses built from them once
per session (extract cache, sample warehouse, corpus warehouse, corpus extracts).

Markers are given here, so `make test-fast` (`-m "not corpus and not slow"`) needs no list of
files. The folder gives the kind: `tests/unit/` → `unit` (no builds: a unit test asking for a
build fixture is a collection error), `tests/integration/` → `integration`, `tests/corpus/` →
`corpus`. Fixtures add to that: a test using the real corpus (directly or through a fixture) is
marked `corpus`, one using a whole CLI build `slow`.

Timeouts (`[tool.pytest.ini_options]`): pytest-timeout's `timeout` limits each test function;
fixture setup, where the session's builds happen, gets `setup_timeout` of its own (given here).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.extract.document import Extract
from orchestration.warehouse.extract_cache import read_extract
from orchestration.warehouse.extract_pool import extract_all
from tests.paths import CORPUS, SAMPLE_PDF, TESTS, corpus_pdfs
from tests.warehouse_build import build_shared

FOLDER_MARKERS = {"unit": "unit", "integration": "integration", "corpus": "corpus"}
CORPUS_FIXTURES = {"corpus_dir", "corpus_warehouse", "corpus_extracts"}
SLOW_FIXTURES = {"evidence_build"}  # whole builds through the CLI
BUILD_FIXTURES = {"extract_cache", "sample_warehouse", *CORPUS_FIXTURES, *SLOW_FIXTURES}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("setup_timeout", "seconds one test's fixture setup may take", default="1200")


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
        if CORPUS_FIXTURES & fixtures:
            item.add_marker(pytest.mark.corpus)
        if SLOW_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Fixture setup under its own limit (`timeout` counts the test function only)."""
    hooks = item.config.hook
    timed = item.config.pluginmanager.hasplugin("timeout")
    if timed:
        from pytest_timeout import get_env_settings

        limit = get_env_settings(item.config)  # ini, command line, $PYTEST_TIMEOUT
        timed = bool(limit.timeout)  # --timeout=0 turns both limits off
    if timed:
        seconds = float(item.config.getini("setup_timeout"))
        setup = limit._replace(timeout=seconds, func_only=False)
        hooks.pytest_timeout_set_timer(item=item, settings=setup)
    try:
        yield
    finally:
        if timed:
            hooks.pytest_timeout_cancel_timer(item=item)


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
    """One extract cache for the session: every PDF is extracted once."""
    return tmp_path_factory.getbasetemp() / "extract-cache"


@pytest.fixture(scope="session")
def sample_warehouse(
    tmp_path_factory: pytest.TempPathFactory, sample_pdf: Path, extract_cache: Path
) -> Path:
    """The sample built once (extract → raw → dbt build); read-only — open it with
    `read_only=True`, or take `writable_copy` of it to write."""
    database = tmp_path_factory.mktemp("shared-sample") / "budget.duckdb"
    return build_shared([sample_pdf], database, extract_cache)


@pytest.fixture(scope="session")
def corpus_warehouse(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, extract_cache: Path
) -> Path:
    """The 20 real PDFs built once; read-only like `sample_warehouse`."""
    database = tmp_path_factory.mktemp("shared-corpus") / "budget.duckdb"
    return build_shared(corpus_pdfs(), database, extract_cache)


@pytest.fixture(scope="session")
def corpus_extracts(corpus_dir: Path, extract_cache: Path) -> dict[str, Extract]:
    """{file name: extract} of every real PDF (from the shared cache)."""
    pdfs = corpus_pdfs()
    done = extract_all(pdfs, extract_cache, workers=2)
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

    root = tmp_path_factory.mktemp("evidence")
    raw = root / "raw"
    raw.mkdir()
    pdfs = [sample_pdf, *sorted(FIXTURES.glob("tampered_*.pdf"))]
    for pdf in pdfs:
        shutil.copy(pdf, raw)
    warehouse = root / "warehouse" / "budget.duckdb"
    seed_extracts(pdfs, warehouse, extract_cache)
    done = cli_build(raw, warehouse)
    return {"raw": raw, "warehouse": warehouse, "output": done.stdout, "exit": done.returncode}

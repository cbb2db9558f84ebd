"""Shared fixtures: the sample PDF, the real corpus, and the warehouses built from them once
per session (extract cache, sample warehouse, corpus warehouse, corpus extracts).

Markers are given here, so `make test-fast` (`-m "not corpus and not slow"`) needs no list of
files: a test that uses the real corpus (directly or through a fixture) is marked `corpus`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.extract.document import Extract
from orchestration.extract.runner import extract_all, read_extract
from tests.paths import CORPUS, SAMPLE_PDF, corpus_pdfs
from tests.warehouse_build import build_shared

CORPUS_FIXTURES = {"corpus_dir", "corpus_warehouse", "corpus_extracts"}
SLOW_FIXTURES = {"evidence_build"}  # whole builds through the CLI


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if CORPUS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.corpus)
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


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
def evidence_build(tmp_path_factory: pytest.TempPathFactory, sample_pdf: Path) -> dict:
    """``budget-warehouse build`` (a real process) of the sample and the two tampered fixtures:
    the warehouse, its raw folder, the HTML report and the command's output."""
    import shutil
    import subprocess
    import sys

    from tests.paths import FIXTURES

    root = tmp_path_factory.mktemp("evidence")
    raw = root / "raw"
    raw.mkdir()
    for pdf in [sample_pdf, *sorted(FIXTURES.glob("tampered_*.pdf"))]:
        shutil.copy(pdf, raw)
    warehouse = root / "warehouse" / "budget.duckdb"
    script = Path(sys.executable).with_name("budget-warehouse")
    done = subprocess.run(
        [str(script), "build", "--raw-dir", str(raw), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert warehouse.exists(), done.stdout + done.stderr
    return {"raw": raw, "warehouse": warehouse, "output": done.stdout, "exit": done.returncode}

"""Shared fixtures: the sample PDF, the real corpus, and a temporary warehouse location."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PDF = ROOT / "raw" / "shenzhen-futian_zhengshuju_2020_budget.pdf"
CORPUS_DIR = (ROOT / ".." / "shared" / "corpus" / "real").resolve()


@pytest.fixture(scope="session")
def sample_pdf() -> Path:
    if not SAMPLE_PDF.exists():
        pytest.skip(f"sample PDF missing: {SAMPLE_PDF}")
    return SAMPLE_PDF


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS_DIR.is_dir():
        pytest.skip(f"real corpus not available at {CORPUS_DIR}")
    return CORPUS_DIR


@pytest.fixture
def tmp_warehouse(tmp_path: Path) -> Path:
    """A published-warehouse path in a fresh folder (its working files go beside it)."""
    return tmp_path / "warehouse" / "budget.duckdb"

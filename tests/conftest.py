"""Shared fixtures: the sample PDF, the real corpus, and a temporary warehouse location."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import CORPUS, SAMPLE_PDF, corpus_pdfs


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


@pytest.fixture
def tmp_warehouse(tmp_path: Path) -> Path:
    """A published-warehouse path in a fresh folder (its working files go beside it)."""
    return tmp_path / "warehouse" / "budget.duckdb"

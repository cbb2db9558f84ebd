"""Three small real PDFs (20–22 pages each) for the distributed builds: enough for two batches."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import CORPUS

SMALL_PDFS = (
    "beijing_shenjiju_2026_budget_tables.pdf",
    "shanghai-putuo_zhengfubangongshi_2025_budget.pdf",
    "shanghai_xingkeyuan_2026_unit_budget.pdf",
)


@pytest.fixture
def small_raw(tmp_path: Path) -> Path:
    """A raw folder of links to three small PDFs of the real corpus."""
    folder = tmp_path / "raw"
    folder.mkdir()
    for name in SMALL_PDFS:
        (folder / name).symlink_to(CORPUS / name)
    return folder

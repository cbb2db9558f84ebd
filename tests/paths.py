"""Where the test inputs live: the sample PDF, fixtures, the real corpus and the seed."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SAMPLE_PDF = ROOT / "raw" / "shenzhen-futian_zhengshuju_2020_budget.pdf"
FIXTURES = TESTS / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "real"
WIDE = SHARED / "corpus" / "wide"  # 100 files as a public crawl stored them
SEED = SHARED / "seeds" / "000_80ceb594ba0555a2.txt"


def corpus_pdfs() -> list[Path]:
    """The real disclosure PDFs CI keeps beside the checkout."""
    if not CORPUS.is_dir():
        pytest.fail(f"real corpus not found at {CORPUS} (CI places ../shared beside the checkout)")
    return sorted(CORPUS.glob("*.pdf"))

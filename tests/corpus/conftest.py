"""The wide-crawl build the misreading modules share: one warehouse of every PDF their ``PDFS``
name (each test reads its own documents), instead of a build of each module's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.warehouse_build import build_shared


@pytest.fixture(scope="session")
def wide_warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, extract_cache: Path
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to one build of the ``PDFS`` of every collected module whose tests
    use this fixture."""
    modules = {item.module for item in request.session.items if _uses_it(item)}
    pdfs = sorted({pdf for module in modules for pdf in module.PDFS})
    database = tmp_path_factory.mktemp("wide") / "budget.duckdb"
    build_shared(pdfs, database, extract_cache)
    with duckdb.connect(str(database), read_only=True) as con:
        yield con


def _uses_it(item: pytest.Item) -> bool:
    return "wide_warehouse" in getattr(item, "fixturenames", ())

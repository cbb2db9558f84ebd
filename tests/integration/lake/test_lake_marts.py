"""dbt on the lake builds the same marts as dbt on the embedded raw store."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.extract.document import Extract
from orchestration.lake.connection import LakeConfig, connect
from orchestration.lake.raw_loads import DBT_ARGS, append
from orchestration.lake.snapshot_publish import publish_snapshot
from orchestration.warehouse.digest import BUILD_TIME_COLUMNS, table_digests
from tests.warehouse_build import build, dbt_build


@pytest.mark.slow
def test_marts_built_on_the_lake_equal_marts_built_embedded(
    lake: LakeConfig,
    small_pdfs: list[Path],
    small_extracts: list[Extract],
    sample_extract: Extract,
    extract_cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    embedded = tmp_path / "embedded" / "budget.duckdb"
    embedded.parent.mkdir()
    build(small_pdfs, embedded, extract_cache)

    first, *rest = small_extracts
    with connect(lake) as con:  # history the current view must see through
        append(con, [first, sample_extract])  # a document that leaves again
        append(con, [first, *rest])  # a reload of `first`
        append(con, [], removed=[sample_extract.document["document_id"]])
    for name, value in lake.env().items():
        monkeypatch.setenv(name, value)
    dbt_build(tmp_path / "lake" / "dbt", *DBT_ARGS)
    published = publish_snapshot(lake, tmp_path / "bi" / "budget.duckdb")

    for schema in ("marts", "raw"):
        lake_digests = table_digests(published.path, schema, BUILD_TIME_COLUMNS)
        embedded_digests = table_digests(embedded, schema, BUILD_TIME_COLUMNS)
        assert lake_digests == embedded_digests, schema
    assert len(table_digests(published.path, "marts")) >= 20  # every mart was compared

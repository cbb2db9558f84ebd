"""The loader writes many documents per transaction, and a failing one still leaves nothing."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import duckdb
import pytest

from orchestration.extract.document import Extract
from orchestration.file_hash import sha256_of
from orchestration.warehouse import raw_store
from orchestration.warehouse.extract_cache import cache_path, read_entry
from orchestration.warehouse.extract_pool import extract_all
from tests.paths import SAMPLE_PDF


@pytest.fixture(scope="module")
def sample_extract(tmp_path_factory: pytest.TempPathFactory) -> Extract:
    """The sample's real extract (extracted once for the module)."""
    cache = tmp_path_factory.mktemp("raw_store") / "cache"
    extract_all([SAMPLE_PDF], cache, workers=1)
    return read_entry(cache_path(cache, sha256_of(SAMPLE_PDF))).extract


def clone(extract: Extract, doc_id: str) -> Extract:
    """``extract`` under another document id (every record of it)."""
    records = {
        f.name: [{**r, "document_id": doc_id} for r in getattr(extract, f.name)]
        for f in fields(Extract)
        if f.name != "document"
    }
    return Extract(document={**extract.document, "document_id": doc_id}, **records)


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(con.execute("select document_id, count(*) from raw.cells group by all").fetchall())


def test_a_batch_with_a_key_breaking_document_loads_the_others(
    sample_extract: Extract, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = len(sample_extract.cells)
    good = [clone(sample_extract, f"doc{i}") for i in range(5)]
    bad = clone(sample_extract, "bad")
    bad.cells.append(dict(bad.cells[0]))  # a second cell at the same key
    # two batches: the first of three documents, the second of the bad one and two good ones
    monkeypatch.setattr(
        raw_store, "BATCH_ROWS", 3 * sum(map(len, raw_store._records(bad).values()))
    )
    with duckdb.connect() as con:
        raw_store.ensure_schema(con)
        failed = list(raw_store.load_documents(con, [*good[:3], bad, *good[3:]]))
        assert [(e.document["document_id"], f.table) for e, f in failed] == [("bad", "cells")]
        assert counts(con) == {f"doc{i}": cells for i in range(5)}
        documents = con.execute("select document_id from raw.documents order by 1").fetchall()
        assert documents == [(f"doc{i}",) for i in range(5)]
        # replacing loaded documents deletes their rows first: nothing doubles
        loaded = {f"doc{i}" for i in range(5)}
        assert list(raw_store.load_documents(con, good, replace=loaded)) == []
        assert counts(con) == {f"doc{i}": cells for i in range(5)}


def test_one_transaction_per_batch_writes_every_row(
    sample_extract: Extract, tmp_path: Path
) -> None:
    extracts = [clone(sample_extract, f"doc{i:03d}") for i in range(40)]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        raw_store.ensure_schema(con)
        assert list(raw_store.load_documents(con, extracts)) == []
        total = con.execute("select count(*), count(distinct document_id) from raw.rows").fetchone()
    assert total == (40 * len(sample_extract.rows), 40)

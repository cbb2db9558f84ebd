"""The synthetic documents of ``bench_scale``: distinct documents whose extracts load as is."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from bench.synthetic import SyntheticDocument, Template, generate, templates
from orchestration.extract.document import document_id
from orchestration.file_hash import sha256_of
from orchestration.warehouse.extract_cache import cache_path, read_entry
from orchestration.warehouse.extract_pool import extract_all
from orchestration.warehouse.raw_store import replace_documents
from tests.paths import SAMPLE_PDF

SIZE = 7  # variants 0–6 of the one template: every fiscal-year shift, names suffixed


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Template]]:
    """The sample's real extract in a cache of its own (extracted once for the module)."""
    folder = tmp_path_factory.mktemp("synthetic")
    corpus, cache = folder / "corpus", folder / "cache"
    corpus.mkdir()
    (corpus / SAMPLE_PDF.name).symlink_to(SAMPLE_PDF)
    extract_all([corpus / SAMPLE_PDF.name], cache, workers=1)
    return cache, templates(corpus, cache)


@pytest.fixture(scope="module")
def documents(
    template: tuple[Path, list[Template]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, list[SyntheticDocument]]:
    _, found = template
    folder = tmp_path_factory.mktemp("generated")
    raw, cache = folder / "raw", folder / "cache"
    return raw, cache, generate(found, raw, cache, range(SIZE))


def test_templates_are_the_cached_decisions(template: tuple[Path, list[Template]]) -> None:
    _, found = template
    assert [t.pdf.name for t in found] == [SAMPLE_PDF.name]
    assert found[0].document["department_name"] == "深圳市福田区政务服务数据管理局"
    assert found[0].document["fiscal_year"] == 2020


def test_documents_are_distinct_files_departments_and_years(
    documents: tuple[Path, Path, list[SyntheticDocument]],
) -> None:
    raw, _, made = documents
    assert len({d.sha256 for d in made}) == SIZE
    assert len({(d.department_name, d.fiscal_year) for d in made}) == SIZE
    assert sorted(p.relative_to(raw).as_posix() for p in raw.rglob("*.pdf")) == sorted(
        d.key for d in made
    )
    assert made[0].department_name == "深圳市福田区政务服务数据管理局"  # variant 0: the original
    assert made[4].department_name == "深圳市福田区政务服务数据管理局(合成4)"
    assert [d.fiscal_year for d in made] == [2020, 2019, 2018, 2020, 2019, 2018, 2020]
    for doc in made:  # the PDF's content hash is the one its extract is cached under
        assert sha256_of(raw / doc.key) == doc.sha256


def test_extracts_are_valid_clones(
    template: tuple[Path, list[Template]], documents: tuple[Path, Path, list[SyntheticDocument]]
) -> None:
    source_cache, found = template
    _, cache, made = documents
    original = read_entry(cache_path(source_cache, found[0].document["sha256"])).extract
    for doc in made:
        entry = read_entry(cache_path(cache, doc.sha256))  # verifies the checksum
        extract = entry.extract
        assert entry.outcome == "decision"
        assert extract.document["document_id"] == document_id(doc.sha256)
        for name in ("tables", "rows", "cells", "figures"):
            records = getattr(extract, name)
            assert len(records) == len(getattr(original, name)) > 0
            assert {r["document_id"] for r in records} == {document_id(doc.sha256)}
        # amounts are cloned exactly; years move with the document's fiscal year
        assert [c["value"] for c in extract.cells] == [c["value"] for c in original.cells]
        shift = 2020 - doc.fiscal_year
        years = [r["year"] for r in extract.rows if r.get("year")]
        assert years
        assert years == [r["year"] - shift for r in original.rows if r.get("year")]


def test_extracts_load_into_the_raw_tables(
    documents: tuple[Path, Path, list[SyntheticDocument]],
) -> None:
    _, cache, made = documents
    extracts = [read_entry(cache_path(cache, d.sha256)).extract for d in made]
    with duckdb.connect() as con:
        counts = replace_documents(con, extracts)
        loaded = con.execute(
            "select count(distinct document_id), count(distinct department_name) from raw.documents"
        ).fetchone()
        units = con.execute(
            "select count(distinct unit_name) from raw.rows where unit_name like '%(合成3)%'"
        ).fetchone()[0]
    assert loaded == (SIZE, SIZE)
    assert counts["cells"] == SIZE * len(extracts[0].cells)
    assert units > 0  # unit names carry the variant's department name too

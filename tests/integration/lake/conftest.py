"""A private PostgreSQL for the lake tests (one per session, a fresh lake database per test)
and the extracts they load: the sample and the three smallest real PDFs."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.extract.document import Extract
from orchestration.lake.connection import LakeConfig, connect
from orchestration.lake.raw_loads import ensure_lake_schema
from orchestration.services.postgres import PostgresServer, private_postgres
from orchestration.warehouse.extract_cache import read_extract
from orchestration.warehouse.extract_pool import extract_all
from tests.paths import corpus_pdfs

_lakes = itertools.count()


def _processes_using(folder: Path) -> list[str]:
    """Command lines of running processes that name ``folder`` (a server left behind)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process ended meanwhile
            continue
        if str(folder) in command:
            found.append(command)
    return found


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One private server for the session; afterwards no process of it may be left."""
    with private_postgres() as server:
        assert _processes_using(server.root)
        yield server
    assert _processes_using(server.root) == []


@pytest.fixture
def lake(postgres: PostgresServer, tmp_path: Path) -> LakeConfig:
    """An empty lake with its raw tables and views: a new catalog database, a new data folder."""
    config = LakeConfig(
        catalog=postgres.create_database(f"lake_{next(_lakes)}"), data_path=str(tmp_path / "data")
    )
    with connect(config) as con:
        ensure_lake_schema(con)
    return config


@pytest.fixture(scope="session")
def small_pdfs(corpus_dir: Path) -> list[Path]:
    """The three smallest real PDFs (a few seconds each to extract and build)."""
    return sorted(corpus_pdfs(), key=lambda pdf: pdf.stat().st_size)[:3]


@pytest.fixture(scope="session")
def small_extracts(small_pdfs: list[Path], extract_cache: Path) -> list[Extract]:
    done = extract_all(small_pdfs, extract_cache, workers=2)
    return [read_extract(done[pdf][0]) for pdf in small_pdfs]


@pytest.fixture(scope="session")
def sample_extract(sample_pdf: Path, extract_cache: Path) -> Extract:
    done = extract_all([sample_pdf], extract_cache, workers=1)
    return read_extract(done[sample_pdf][0])

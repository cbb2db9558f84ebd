"""Build a warehouse the way the pipeline does (extract → raw tables → dbt build) for tests
that exercise the dbt models on their own.

The sample and the real corpus are built once per test session (fixtures `sample_warehouse`
and `corpus_warehouse` in tests/conftest.py); tests that write to a warehouse take a copy.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.children import DBT_CWD_ENV
from orchestration.warehouse.extract_cache import read_extract
from orchestration.warehouse.extract_pool import extract_all
from orchestration.warehouse.raw_store import replace_documents

ROOT = Path(__file__).resolve().parent.parent
DBT_DIR = ROOT / "dbt_project"
PARTIAL_PARSE = "partial_parse.msgpack"


def build(pdfs: list[Path], database: Path, cache: Path) -> None:
    """Extract (cached by content hash), load raw tables, run `dbt build`."""
    done = extract_all(pdfs, cache, workers=2)
    with duckdb.connect(str(database)) as con:
        replace_documents(con, [read_extract(done[pdf][0]) for pdf in pdfs])
    dbt_build(database)


def dbt_build(database: Path, *args: str) -> None:
    """`dbt build [args]` on ``database`` (its own target folder); fails with dbt's output.

    Run as the pipeline runs dbt (``budget-warehouse-dbt`` in the database's folder, the profile's
    path its file name) from a copy of the project's partial parse: for a database named
    ``budget.duckdb`` dbt re-parses only what changed since the project's parse (`make test`
    refreshes it), not the whole project (~3 CPU-s of each build). Any other name: a full parse.
    """
    # Dagster's wiring, imported here: `make test-fast` collects without importing Dagster.
    from orchestration.defs.dbt_assets import DBT_DATABASE_ENV
    from orchestration.defs.resources import WRAPPER

    target = database.parent / "dbt_target"
    database.parent.mkdir(parents=True, exist_ok=True)  # dbt runs in it
    parsed = DBT_DIR / "target" / PARTIAL_PARSE
    if parsed.exists() and not (target / PARTIAL_PARSE).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(parsed, target / PARTIAL_PARSE)
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name(WRAPPER)),
            "build",
            *args,
            *("--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)),
            # Not the project's target/: its partial parse is the one every CLI build starts from.
            *("--target-path", str(target)),
        ],
        env={
            **os.environ,
            DBT_DATABASE_ENV: database.name,
            DBT_CWD_ENV: str(database.parent),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"dbt build failed:\n{result.stdout[-4000:]}{result.stderr[-4000:]}")


def build_shared(pdfs: list[Path], database: Path, cache: Path) -> Path:
    """`build`, then make the file read-only: a shared build must not be changed by a test."""
    database.parent.mkdir(parents=True, exist_ok=True)
    build(pdfs, database, cache)
    database.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return database


def seed_extracts(pdfs: list[Path], warehouse: Path, cache: Path) -> None:
    """Put the session cache's extracts of ``pdfs`` into ``warehouse``'s own extract cache, so a
    build of them pays for extraction only where extraction is what its test checks."""
    from orchestration.settings import Settings

    extracts = Settings.from_env(".", warehouse).cache_dir
    extracts.mkdir(parents=True, exist_ok=True)
    for entry, _ in extract_all(pdfs, cache, workers=2).values():
        shutil.copy(entry, extracts / entry.name)


def writable_copy(database: Path, folder: Path) -> Path:
    """A private, writable copy of a shared warehouse (for tests that write to it)."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / database.name
    shutil.copyfile(database, copy)
    return copy


def connect_read_only(database: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(database), read_only=True)


def cli_build(raw: Path, warehouse: Path) -> subprocess.CompletedProcess[str]:
    """``budget-warehouse build`` of ``raw`` into ``warehouse`` (a real process); fails when
    it published no warehouse."""
    script = Path(sys.executable).with_name("budget-warehouse")
    done = subprocess.run(
        [str(script), "build", "--raw-dir", str(raw), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert warehouse.exists(), done.stdout + done.stderr
    return done

"""Atomic publishing of the working database and the writer lock (orchestration.warehouse.publish)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from orchestration.warehouse.publish import (
    clone_file,
    publish,
    read_summary,
    remove_stale_temps,
    temp_path,
    wal_path,
    writer_lock,
)


def make_database(path: Path, values: list[int]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create or replace table t (v integer)")
        con.executemany("insert into t values (?)", [[v] for v in values])
    return path


def values(path: Path) -> list[int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [row[0] for row in con.execute("select v from t order by v").fetchall()]


def values_in_new_process(path: Path) -> list[int]:
    code = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(','.join(str(r[0]) for r in con.execute('select v from t order by v').fetchall()))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return [int(v) for v in out.stdout.strip().split(",")]


def test_publish_copies_the_working_database(tmp_path: Path) -> None:
    working = make_database(tmp_path / ".build" / "budget.duckdb", [1, 2])
    published = tmp_path / "out" / "budget.duckdb"

    result = publish(working, published)

    assert values(published) == [1, 2]
    assert result.bytes == published.stat().st_size
    assert list(published.parent.iterdir()) == [published]  # no temporary copy left
    assert result.method in {"reflink", "copy_file_range", "copy"}


def test_clone_file_copies_every_byte(tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(os.urandom(3 << 20) + b"end")
    method = clone_file(source, tmp_path / "copy.bin")
    assert (tmp_path / "copy.bin").read_bytes() == source.read_bytes()
    assert method in {"reflink", "copy_file_range", "copy"}


def test_open_reader_keeps_its_snapshot_and_new_readers_see_the_new_build(tmp_path: Path) -> None:
    working = make_database(tmp_path / "work.duckdb", [1])
    published = tmp_path / "budget.duckdb"
    publish(working, published)
    reader = duckdb.connect(str(published), read_only=True)
    try:
        make_database(working, [1, 2, 3])
        publish(working, published)

        assert reader.execute("select count(*) from t").fetchone()[0] == 1
        assert values_in_new_process(published) == [1, 2, 3]
    finally:
        reader.close()
    assert values(published) == [1, 2, 3]


def test_a_sqlalchemy_engine_sees_new_builds_only_without_a_pool(tmp_path: Path) -> None:
    """README's BI section: duckdb-engine pools connections (QueuePool), and a pooled connection
    keeps reading the file it opened; with NullPool every connection opens the newest build."""
    working = make_database(tmp_path / "work.duckdb", [1])
    published = tmp_path / "budget.duckdb"
    seen = {}
    for poolclass in (None, NullPool):  # None: the dialect's default
        make_database(working, [1])
        publish(working, published)
        options = {"poolclass": poolclass} if poolclass else {}
        engine = create_engine(
            f"duckdb:///{published}", connect_args={"read_only": True}, **options
        )
        try:
            with engine.connect() as con:
                before = con.execute(text("select count(*) from t")).scalar()
            make_database(working, [1, 2])
            publish(working, published)
            with engine.connect() as con:
                seen[engine.pool.__class__.__name__] = (
                    before,
                    con.execute(text("select count(*) from t")).scalar(),
                )
        finally:
            engine.dispose()
    assert seen == {"QueuePool": (1, 1), "NullPool": (1, 2)}


def test_a_failed_publish_leaves_the_published_file_untouched(tmp_path: Path) -> None:
    published = make_database(tmp_path / "budget.duckdb", [7])
    before = published.read_bytes()
    not_a_database = tmp_path / "work.duckdb"
    not_a_database.write_bytes(b"this is not a DuckDB file" * 100)

    with pytest.raises(duckdb.Error):
        publish(not_a_database, published)
    with pytest.raises(FileNotFoundError):
        publish(tmp_path / "missing.duckdb", published)

    assert published.read_bytes() == before
    assert not temp_path(published).exists()
    assert values(published) == [7]


def test_stale_temporary_copies_and_wal_are_cleared(tmp_path: Path) -> None:
    published = tmp_path / "budget.duckdb"
    stale = published.with_name(f".{published.name}.12345.tmp")
    stale.write_bytes(b"left by a killed build")
    wal_path(published).write_bytes(b"stale wal")

    assert remove_stale_temps(published) == [stale]
    publish(make_database(tmp_path / "work.duckdb", [5]), published)

    assert not stale.exists()
    assert not wal_path(published).exists()
    assert values(published) == [5]


def test_writer_lock_is_exclusive(tmp_path: Path) -> None:
    lock = tmp_path / "budget.duckdb.lock"
    with writer_lock(lock), pytest.raises(TimeoutError), writer_lock(lock, timeout=0.3):
        pass  # pragma: no cover - the inner lock is never acquired
    with writer_lock(lock, timeout=0.3):  # released again
        pass


def test_read_summary_of_an_empty_or_missing_warehouse(tmp_path: Path) -> None:
    assert read_summary(tmp_path / "missing.duckdb").documents == []
    summary = read_summary(make_database(tmp_path / "budget.duckdb", [1]))
    assert (summary.documents, summary.fact_rows, summary.validation) == ([], {}, None)

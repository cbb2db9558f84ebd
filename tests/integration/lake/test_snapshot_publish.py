"""Publishing a pinned lake snapshot to the BI file: readers are never blocked, pins hold."""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.extract.document import Extract
from orchestration.lake.connection import LakeConfig, connect
from orchestration.lake.raw_loads import append
from orchestration.lake.snapshot_publish import latest_snapshot, publish_snapshot

#: Longest a reader query or connect may take while a publish runs (a blocked reader would wait
#: for the whole copy; this machine is shared, so not milliseconds).
MAX_READER_SECONDS = 5.0
#: Deadline for a spawned reader's first read, or its first read of the new file (a hang guard).
READER_DEADLINE = 120


def _documents(published: Path) -> int:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute("select count(*) from raw.documents").fetchone()[0]


def _reader(published: str, hold: bool, stop, read, changed, results) -> None:
    """A BI client in its own process (DuckDB shares one open file per process): counts the
    documents until ``stop``, over one held connection or a new connection per query; sets
    ``read`` after its first count and ``changed`` when a count differs from the first; puts
    (counts, slowest seconds, errors) on ``results``."""
    counts, slowest, errors = [], 0.0, []
    held = duckdb.connect(published, read_only=True) if hold else None
    while not stop.is_set():
        started = time.perf_counter()
        try:
            if held is not None:
                counts.append(held.execute("select count(*) from raw.documents").fetchone()[0])
            else:
                counts.append(_documents(Path(published)))
        except Exception as exc:  # the test names it
            errors.append(repr(exc))
        slowest = max(slowest, time.perf_counter() - started)
        if counts:
            read.set()
            if counts[-1] != counts[0]:
                changed.set()
    results.put((hold, counts, slowest, errors))


def test_a_bi_reader_is_never_blocked_while_a_snapshot_is_published(
    lake: LakeConfig, small_extracts: list[Extract], sample_extract: Extract, tmp_path: Path
) -> None:
    published = tmp_path / "bi" / "budget.duckdb"
    with connect(lake) as con:
        append(con, [sample_extract])
    first = publish_snapshot(lake, published)
    with connect(lake) as con:
        append(con, small_extracts)

    context = mp.get_context("spawn")
    stop, results = context.Event(), context.Queue()
    read = {hold: context.Event() for hold in (True, False)}
    changed = {hold: context.Event() for hold in (True, False)}
    readers = [
        context.Process(
            target=_reader, args=(str(published), hold, stop, read[hold], changed[hold], results)
        )
        for hold in (True, False)
    ]
    for reader in readers:
        reader.start()
    try:
        assert all(event.wait(READER_DEADLINE) for event in read.values())  # both read the old
        second = publish_snapshot(lake, published)
        assert changed[False].wait(READER_DEADLINE)  # a new connection has read the new file
    finally:
        stop.set()
        seen = {hold: rest for hold, *rest in (results.get(timeout=60) for _ in readers)}
        for reader in readers:
            reader.join(60)

    for counts, slowest, errors in seen.values():
        assert errors == []
        assert counts and slowest < MAX_READER_SECONDS
    assert second.snapshot > first.snapshot
    assert set(seen[True][0]) == {1}  # the held connection kept reading the file it opened
    assert seen[False][0][0] == 1 and seen[False][0][-1] == 4  # new ones: old, then new file
    assert sorted(path.name for path in published.parent.iterdir()) == ["budget.duckdb"]


def _audit(temp: Path) -> None:
    """A stand-in for validation writing its audit tables to the copy before the rename."""
    with duckdb.connect(str(temp)) as con:
        con.execute("create schema audit; create table audit.notes as select 'validated' as note")


def test_a_publish_copies_the_snapshot_it_is_pinned_to(
    lake: LakeConfig, small_extracts: list[Extract], sample_extract: Extract, tmp_path: Path
) -> None:
    with connect(lake) as con:
        append(con, [sample_extract])
    pinned = latest_snapshot(lake)
    with connect(lake) as con:
        append(con, small_extracts)
    old = publish_snapshot(lake, tmp_path / "old.duckdb", snapshot=pinned)
    new = publish_snapshot(lake, tmp_path / "new.duckdb", prepare=_audit)
    assert old.snapshot == pinned < new.snapshot
    with duckdb.connect(str(new.path), read_only=True) as con:  # prepare ran on the copy
        assert con.execute("select note from audit.notes").fetchall() == [("validated",)]

    def failing(temp: Path) -> None:
        raise RuntimeError("validation failed")

    with pytest.raises(RuntimeError, match="validation failed"):
        publish_snapshot(lake, old.path, prepare=failing)  # the latest snapshot, not published
    assert sorted(path.name for path in tmp_path.iterdir() if "duckdb" in path.name) == [
        "new.duckdb",
        "old.duckdb",
    ]
    assert _documents(old.path) == 1
    assert _documents(new.path) == 4
    with duckdb.connect(str(old.path), read_only=True) as con:
        [(document_id,)] = con.execute("select document_id from raw.documents").fetchall()
    assert document_id == sample_extract.document["document_id"]

"""Publish a pinned lake snapshot to the BI file: ``COPY FROM DATABASE``, then an atomic rename.

The lake is attached read-only at one snapshot, so rows appended while the copy runs are not in
it (the next publish takes them). The copy goes to a temporary file beside the published one and
replaces it with ``os.replace`` — as ``warehouse/publish.py`` does for the embedded build: a BI
reader's open connection keeps the old file, new connections see the new one, and nobody ever
waits for a lock (the published file is never opened for writing).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..warehouse.publish import remove_stale_temps, temp_path, wal_path
from .connection import ALIAS, LakeConfig, connect, current_snapshot, sql_string


@dataclass(frozen=True)
class PublishedSnapshot:
    path: Path
    snapshot: int
    bytes: int
    seconds: float


def latest_snapshot(config: LakeConfig) -> int:
    with connect(config, read_only=True) as con:
        return current_snapshot(con)


def copy_snapshot(config: LakeConfig, snapshot: int, target: Path) -> None:
    """Copy every schema, table and view of the lake at ``snapshot`` into a new DuckDB file."""
    with connect(config, snapshot_version=snapshot) as con:
        con.execute(f"attach {sql_string(str(target))} as published_copy")
        con.execute(f"copy from database {ALIAS} to published_copy")
        con.execute("detach published_copy")


def publish_snapshot(
    config: LakeConfig,
    published: Path,
    snapshot: int | None = None,
    prepare: Callable[[Path], None] | None = None,
) -> PublishedSnapshot:
    """Copy lake ``snapshot`` (default: the latest) to ``published`` atomically.

    ``prepare`` runs on the finished temporary copy before the rename (e.g. validation writing
    its ``audit`` tables); if it or anything else fails, the published file stays as it was.
    """
    started = time.perf_counter()
    snapshot = latest_snapshot(config) if snapshot is None else snapshot
    published.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(published)
    temp = temp_path(published)
    try:
        copy_snapshot(config, snapshot, temp)
        if prepare is not None:
            prepare(temp)
        with duckdb.connect(str(temp)) as con:
            con.execute("checkpoint")
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        wal_path(published).unlink(missing_ok=True)
        os.replace(temp, published)
    except BaseException:
        temp.unlink(missing_ok=True)
        wal_path(temp).unlink(missing_ok=True)
        raise
    folder = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return PublishedSnapshot(
        path=published,
        snapshot=snapshot,
        bytes=published.stat().st_size,
        seconds=time.perf_counter() - started,
    )

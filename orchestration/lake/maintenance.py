"""Lake maintenance: flush inlined rows, merge adjacent small files, expire old snapshots and
delete the files no snapshot needs any more. Run by one process at a time (the Dagster job in
``maintenance_job`` has a concurrency limit of 1); readers of the lake and appends may go on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import duckdb

from .connection import ALIAS, LakeConfig, connect

#: Snapshots younger than this stay (time travel, and a publish still copying an older one).
DEFAULT_KEEP = timedelta(days=7)


@dataclass(frozen=True)
class LakeFiles:
    """The lake's size: snapshots, live data files, files waiting to be deleted."""

    snapshots: int
    data_files: int
    scheduled_for_deletion: int


@dataclass(frozen=True)
class MaintenanceReport:
    before: LakeFiles
    after: LakeFiles
    seconds: float


def lake_files(con: duckdb.DuckDBPyConnection) -> LakeFiles:
    metadata = f"__ducklake_metadata_{ALIAS}"
    return LakeFiles(
        snapshots=con.execute(f"select count(*) from {ALIAS}.snapshots()").fetchone()[0],
        data_files=con.execute(
            f"select count(*) from {metadata}.ducklake_data_file where end_snapshot is null"
        ).fetchone()[0],
        scheduled_for_deletion=con.execute(
            f"select count(*) from {metadata}.ducklake_files_scheduled_for_deletion"
        ).fetchone()[0],
    )


def maintain(config: LakeConfig, keep: timedelta = DEFAULT_KEEP) -> MaintenanceReport:
    """Compact the lake and drop what snapshots older than ``keep`` alone needed."""
    started = time.perf_counter()
    older_than = f"now() - interval '{int(keep.total_seconds())} seconds'"
    with connect(config) as con:
        before = lake_files(con)
        con.execute(f"call ducklake_flush_inlined_data('{ALIAS}')")
        con.execute(f"call ducklake_merge_adjacent_files('{ALIAS}')")
        con.execute(f"call ducklake_expire_snapshots('{ALIAS}', older_than => {older_than})")
        con.execute(f"call ducklake_cleanup_old_files('{ALIAS}', older_than => {older_than})")
        after = lake_files(con)
    return MaintenanceReport(before=before, after=after, seconds=time.perf_counter() - started)

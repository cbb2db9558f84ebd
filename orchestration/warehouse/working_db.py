"""The working database is derived state: open it, or rebuild it when it cannot be opened.

Everything in ``.build/<warehouse>`` can be recomputed from the extract cache and the dbt project,
so a working file that DuckDB cannot open (truncated, overwritten, from an incompatible DuckDB)
is moved aside and started afresh, with a warning — never a build that fails until someone
deletes ``.build`` by hand. A file locked by another process (a build's ``dbt`` still exiting)
is waited for a little, then the error names the process.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

LOCK_WAIT_SECONDS = 30.0


class WorkingDatabaseBusy(RuntimeError):
    """Another process holds DuckDB's lock on the working database."""


def _is_lock_conflict(error: duckdb.Error) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def _holder(error: duckdb.Error) -> str:
    found = re.search(r"\(PID (\d+)\)", str(error))
    return f"process {found.group(1)}" if found else "another process"


def open_working(
    path: Path,
    read_only: bool = False,
    warn: Callable[[str], None] | None = None,
    lock_wait: float = LOCK_WAIT_SECONDS,
) -> duckdb.DuckDBPyConnection:
    """Connect to the working database, rebuilding it (read-write only) when it is unreadable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_wait
    discarded = False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if _is_lock_conflict(exc):
                if time.monotonic() < deadline:
                    time.sleep(0.5)
                    continue
                raise WorkingDatabaseBusy(
                    f"working database {path} is locked by {_holder(exc)} outside this build "
                    f"(a tool with the file open?); waited {lock_wait:g} s"
                ) from exc
            if read_only or discarded or not path.exists():
                raise
            discard(path, f"{type(exc).__name__}: {str(exc).splitlines()[0]}", warn)
            discarded = True
            continue
        try:
            con.execute("select count(*) from duckdb_tables()").fetchone()
        except duckdb.Error as exc:
            con.close()
            if read_only or discarded:
                raise
            discard(path, f"{type(exc).__name__}: {str(exc).splitlines()[0]}", warn)
            discarded = True
            continue
        return con


def discard(path: Path, why: str, warn: Callable[[str], None] | None = None) -> Path:
    """Move an unusable working database aside (kept once, for inspection) with its WAL and the
    dbt stamp that described it."""
    aside = path.with_name(path.name + ".damaged")
    path.replace(aside)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    path.with_name(path.name + ".dbt_build_stamp.json").unlink(
        missing_ok=True
    )  # Settings.dbt_stamp
    if warn:
        warn(
            f"working database {path} could not be opened ({why}); rebuilding it from the "
            f"extract cache (damaged file kept as {aside.name})"
        )
    return aside

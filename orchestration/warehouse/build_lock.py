"""One build at a time per warehouse, for the whole run (not per step).

The lock is an ``flock`` on ``.build/<warehouse>.run.lock``; the holder writes who it is (pid, host,
start time, raw folder) into the file so a waiting build can say whom it waits for. The kernel
releases an ``flock`` when the last descriptor of the holder closes: a build killed with ``kill -9``
frees the warehouse at once, and forked extraction workers (which inherit the descriptor) keep it
held until they are gone too.

Helper processes that a build starts with ``exec`` (its ``dbt``, its validation worker) do not
inherit that descriptor. Each holds the build's *helpers lock* shared instead, from before it
opens the working database until its last thread is gone
(:func:`orchestration.children.hold_while_alive`), and a build that takes the build lock then
waits until it can take the helpers lock exclusively (:func:`wait_for_helpers`). A helper of a
killed build dies a moment after its build; it releases DuckDB's ``fcntl`` lock on the working
database as its files are closed, before the kernel releases its ``flock`` (when the last
reference to the open file goes), so a build holding both locks never meets a dying helper's
DuckDB lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

#: Locks this process holds, by lock file: a Dagster run started by the CLI (which took the lock
#: before loading the definitions) does not wait for itself.
_HELD: dict[Path, IO[str]] = {}


class WarehouseBusy(RuntimeError):
    """Another build holds the warehouse and the caller chose not to wait."""


@dataclass(frozen=True)
class Holder:
    pid: int | None
    host: str
    since: str
    raw_dir: str

    def describe(self) -> str:
        who = f"pid {self.pid}" if self.pid else "another process"
        if self.host and self.host != socket.gethostname():
            who += f" on {self.host}"
        text = f"{who}, since {self.since}" if self.since else who
        return f"{text} (raw folder {self.raw_dir})" if self.raw_dir else text


def read_holder(lock_file: Path) -> Holder:
    """Who holds (or last held) the lock, as written by the holder; unknown fields empty."""
    try:
        data = json.loads(lock_file.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        data = {}
    return Holder(
        pid=data.get("pid"),
        host=data.get("host", ""),
        since=data.get("since", ""),
        raw_dir=data.get("raw_dir", ""),
    )


def wait_for_helpers(helpers_lock: Path) -> None:
    """Return once no helper process of an earlier build holds ``helpers_lock``: each has
    exited, every thread gone and every file (the working database) closed."""
    helpers_lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(helpers_lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # helpers die with their build: a moment at most
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def build_lock(
    lock_file: Path,
    raw_dir: Path | str = "",
    wait: bool = True,
    on_wait: Callable[[Holder, float], None] | None = None,
    report_every: float = 30.0,
    helpers_lock: Path | None = None,
) -> Iterator[None]:
    """Hold the warehouse's build lock for the block; re-entrant within one process.

    With ``wait=False`` a busy warehouse raises :class:`WarehouseBusy` naming the holder;
    otherwise ``on_wait(holder, waited_seconds)`` is called at once and every ``report_every``
    seconds until the lock is free. With ``helpers_lock``, the block starts once the helper
    processes of earlier builds have exited (:func:`wait_for_helpers`).
    """
    key = lock_file.resolve()
    if key in _HELD:
        yield
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_file.open("a+", encoding="utf-8")
    try:
        started = time.monotonic()
        next_report = started
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = read_holder(lock_file)
                if not wait:
                    raise WarehouseBusy(
                        f"another build is writing this warehouse: {holder.describe()}"
                    ) from None
                now = time.monotonic()
                if on_wait and now >= next_report:
                    on_wait(holder, now - started)
                    next_report = now + report_every
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        handle.write(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "since": since,
                    "raw_dir": str(raw_dir),
                }
            )
        )
        handle.flush()
        if helpers_lock is not None:
            wait_for_helpers(helpers_lock)
        _HELD[key] = handle
        try:
            yield
        finally:
            del _HELD[key]
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()

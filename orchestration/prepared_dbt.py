"""A dbt process started ahead: it imports dbt while the build extracts, then runs the build's
first ``dbt build`` in place of the ``budget-warehouse-dbt`` that dagster-dbt starts.

dbt's import (~1.2–1.9 CPU-s) was on the dbt step's path: the step waited for it after
extraction. The build starts this process with the validation worker (before Dagster's import);
it holds the build's helpers lock, opens two named pipes in its own folder and imports dbt at
low priority. When the dbt step runs, ``budget-warehouse-dbt`` finds the folder in
``$BUDGET_DBT_PREPARED`` and hands over: one JSON line on ``request`` (its pid, command line,
environment and folder), then it waits for the exit status on ``status``. The prepared process
writes dbt's output to the wrapper's own standard output (``/proc/<pid>/fd/1``, the pipe
dagster-dbt reads), runs dbt's command line once and exits. No socket, no descriptor passing;
a wrapper that finds no prepared process (not started, still starting, used, gone) runs dbt
itself, as before.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .children import (
    REQUEST,
    STATUS,
    at_low_priority,
    die_with_parent,
    end_child,
    exit_now,
    hold_while_alive,
    run_dbt_cli,
    start_helper,
)


@contextlib.contextmanager
def prepared_dbt(helpers_lock: Path) -> Iterator[Path | None]:
    """A prepared dbt process for the block (the build): its folder, or None when it cannot
    start. Ended with the block, used or not (a process still waiting is killed: it holds no
    database then; one interrupted in its dbt run is killed as a dbt process would be)."""
    folder = Path(tempfile.mkdtemp(prefix="budget-prepared-dbt-"))
    try:
        os.mkfifo(folder / REQUEST)
        os.mkfifo(folder / STATUS)
        process, stderr = start_helper(__name__, str(os.getpid()), str(folder), str(helpers_lock))
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        yield None
        return
    try:
        yield folder
    finally:
        if process.poll() is None:
            process.kill()
        end_child(process, stderr)
        shutil.rmtree(folder, ignore_errors=True)


def _serve(folder: Path) -> None:
    """The prepared process: import dbt, wait for one request, run it, report its status."""
    # Read-write: each pipe has a reader (request) and a writer (status) from now on, so a
    # wrapper can open both without waiting, and a read here waits for data, not for a writer.
    request = os.open(folder / REQUEST, os.O_RDWR)
    status = os.open(folder / STATUS, os.O_RDWR)
    at_low_priority(_import_dbt)
    received = b""
    while not received.endswith(b"\n"):
        received += os.read(request, 1 << 16)
    os.close(request)  # a second wrapper runs dbt itself
    asked = json.loads(received)
    out = os.open(f"/proc/{asked['pid']}/fd/1", os.O_WRONLY)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    sys.stdout.reconfigure(line_buffering=True)  # dagster-dbt reads dbt's events as they come
    os.environ.clear()
    os.environ.update(asked["env"])
    os.chdir(asked["cwd"])
    sys.argv = asked["argv"]
    code = run_dbt_cli()
    exit_now(code, lambda: os.write(status, f"{code}\n".encode()))


def _import_dbt() -> None:
    """What dbt's command line imports before it reads the project, and the adapter."""
    import dbt.adapters.duckdb
    import dbt.cli.main  # noqa: F401


def main(argv: list[str]) -> None:
    """``python -m orchestration.prepared_dbt PARENT_PID FOLDER HELPERS_LOCK``."""
    parent, folder, helpers_lock = int(argv[0]), Path(argv[1]), argv[2]
    die_with_parent(parent)
    hold_while_alive(helpers_lock)
    _serve(folder)


if __name__ == "__main__":
    main(sys.argv[1:])

"""A dbt process started ahead: it imports dbt while the build extracts, then runs the build's
first ``dbt build`` in place of the ``budget-warehouse-dbt`` that dagster-dbt starts.

dbt's import (~1.2–1.9 CPU-s) was on the dbt step's path: the step waited for it after
extraction. The build starts this process once Dagster is imported (so that the two imports do
not compete), while its head start still extracts. The process holds the build's helpers lock
and two named pipes of its folder (opened by the build and inherited, so a wrapper can hand
over from the start), and imports dbt at low priority. When the dbt step runs,
``budget-warehouse-dbt`` finds the folder in ``$BUDGET_DBT_PREPARED`` and hands over: one JSON
line on ``request`` (its pid, command line, environment and folder), then it waits for the exit
status on ``status``. The prepared process writes dbt's output to the wrapper's own stdout and
stderr (``/proc/<pid>/fd/1``: the pipe dagster-dbt reads), runs dbt's command line once and
exits. No socket, no descriptor passing; a wrapper that finds no prepared process (not started,
used, gone) runs dbt itself, as before.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import sys
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
    database then; one interrupted in its dbt run is killed as a dbt process would be).

    The folder sits beside ``helpers_lock`` (``.build/<warehouse>.helpers.prepared_dbt``) and
    is made anew by each build, which holds the build lock: a build killed with ``-9`` leaves
    one folder of two empty pipes, which the next build replaces."""
    folder = helpers_lock.with_suffix(".prepared_dbt")
    try:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(mode=0o700)
        os.mkfifo(folder / REQUEST)
        os.mkfifo(folder / STATUS)
        # Opened here, read-write, and inherited: the request pipe has a reader and the status
        # pipe a writer from now on, for as long as the process lives — a wrapper can hand over
        # at once, and waits for the import to end.
        pipes = (os.open(folder / REQUEST, os.O_RDWR), os.open(folder / STATUS, os.O_RDWR))
        try:
            process, stderr = start_helper(
                __name__, str(os.getpid()), *map(str, pipes), str(helpers_lock), pass_fds=pipes
            )
        finally:
            for pipe in pipes:
                os.close(pipe)
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


def _serve(request: int, status: int) -> None:
    """The prepared process: import dbt, wait for one request, run it, report its status."""
    at_low_priority(_import_dbt)
    received = b""
    while not received.endswith(b"\n"):
        received += os.read(request, 1 << 16)
    os.close(request)  # a second wrapper runs dbt itself
    asked = json.loads(received)
    for fd in (1, 2):  # the wrapper's stdout and stderr
        stream = os.open(f"/proc/{asked['pid']}/fd/{fd}", os.O_WRONLY)
        os.dup2(stream, fd)
        os.close(stream)
    sys.stdout.reconfigure(line_buffering=True)  # dagster-dbt reads dbt's events as they come
    os.environ.clear()
    os.environ.update(asked["env"])
    os.chdir(asked["cwd"])
    sys.argv = asked["argv"]
    code = run_dbt_cli()
    exit_now(code, lambda: os.write(status, f"{code}\n".encode()))


#: What dbt's command line imports before it reads the project, the adapter, and what a
#: ``dbt build`` imports once it runs (~0.1 s more).
DBT_MODULES = (
    "dbt.cli.main",
    "dbt.adapters.duckdb",
    "dbt.task.build",
    "dbt_common.clients.agate_helper",
    "sqlparse",
    "multiprocessing.resource_tracker",
)


def _import_dbt() -> None:
    for module in DBT_MODULES:
        importlib.import_module(module)


def main(argv: list[str]) -> None:
    """``python -m orchestration.prepared_dbt PARENT_PID REQUEST_FD STATUS_FD HELPERS_LOCK``."""
    parent, request, status, helpers_lock = int(argv[0]), int(argv[1]), int(argv[2]), argv[3]
    die_with_parent(parent)
    hold_while_alive(helpers_lock)
    _serve(request, status)


if __name__ == "__main__":
    main(sys.argv[1:])

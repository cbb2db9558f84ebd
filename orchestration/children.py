"""Child processes die with their build: a ``kill -9`` of the build leaves nothing writing.

Linux delivers a chosen signal to a process when its parent dies if the child asked for it with
``prctl(PR_SET_PDEATHSIG)``; the request survives ``exec``. Extraction workers call
:func:`die_with_parent` first thing; ``dbt`` is started through ``budget-warehouse-dbt``, which
does the same and then runs dbt's command line. The processes that open the working database
(dbt, the validation worker) also hold the build's helpers lock while they live
(:func:`hold_while_alive`), so the next build waits until they are gone, files closed
(``warehouse.build_lock``).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import errno
import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, NoReturn, TypeVar

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1
#: The folder ``budget-warehouse-dbt`` runs dbt in (the working database's, see ``dbt_assets``).
DBT_CWD_ENV = "BUDGET_DBT_CWD"
#: The build's helpers lock (``Settings.helpers_lock_file``), for ``budget-warehouse-dbt``.
HELPERS_LOCK_ENV = "BUDGET_HELPERS_LOCK"
#: The folder of a prepared dbt process (:mod:`orchestration.prepared_dbt`) and its two pipes;
#: set by the dbt step for its first ``dbt build`` only.
PREPARED_DBT_ENV = "BUDGET_DBT_PREPARED"
#: The documents an incremental ``dbt build`` rebuilds, as the orchestrator read them from the
#: change log (JSON list): the models' ``documents_to_rebuild()`` reads it instead of querying
#: the log ~100 times a build. Read at execution only (no parse depends on it).
DBT_REBUILD_ENV = "BUDGET_DBT_REBUILD"
REQUEST, STATUS = "request", "status"


def die_with_parent(parent_pid: int | None = None) -> None:
    """Ask the kernel to SIGKILL this process when its parent exits (Linux; no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the request was in place


def hold_while_alive(helpers_lock: str | Path | None) -> None:
    """Hold the build's ``helpers_lock`` shared until this process has exited: every thread
    gone, every file closed (the descriptor is never closed, nor inherited by programs this
    process runs). Call it after :func:`die_with_parent`, before opening the working database.
    None: no lock to hold."""
    if not helpers_lock:
        return
    fd = os.open(helpers_lock, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_SH)  # free but while a new build checks: a moment


def end_child(process: subprocess.Popen[bytes], *streams: IO[bytes]) -> None:
    """End a helper process that serves requests on its stdin until it is closed: close its
    input, wait a few seconds, kill it if it is still there; close its pipes and ``streams``."""
    if process.poll() is None:
        with contextlib.suppress(OSError):
            assert process.stdin is not None
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdin, process.stdout, *streams):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


#: The folder holding this ``orchestration`` package.
_CODE_ROOT = str(Path(__file__).resolve().parents[1])


def start_helper(
    module: str, *args: str, pass_fds: tuple[int, ...] = ()
) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    """Start ``python -m module args`` on the build's own code, with pipes on its stdin and
    stdout and its stderr in a temporary file (:func:`stderr_tail`); close both with
    :func:`end_child`.

    ``python -m`` puts the current folder first on ``sys.path``, so a user's folder holding a
    ``dbt_*.py`` (dbt imports every such module as a plugin) or a ``pandas.py`` would break a
    helper process started from it. ``-P`` leaves the folder out, and ``PYTHONPATH`` leads with
    the folder of this package, so the helper imports the same code as the build.
    """
    paths = [_CODE_ROOT, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    stderr = tempfile.TemporaryFile()  # noqa: SIM115  (closed by end_child)
    try:
        process = subprocess.Popen(
            [sys.executable, "-P", "-m", module, *args],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            pass_fds=pass_fds,
        )
    except BaseException:
        stderr.close()
        raise
    return process, stderr


def stderr_tail(stderr: IO[bytes], limit: int = 2000) -> str:
    """The end of a helper's stderr file, read without moving the offset the helper writes at."""
    fd = stderr.fileno()
    size = os.fstat(fd).st_size
    start = max(0, size - 4 * limit)  # up to 4 bytes a character
    return os.pread(fd, size - start, start).decode("utf-8", "replace")[-limit:].strip()


def at_low_priority(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of lower CPU priority (nice +10) and return what it returns.

    A helper process warming up (its imports) while the build extracts must not take CPU
    from the extraction workers: with 1 worker, the Dagster import and Great Expectations'
    import both want the second core, and at equal priority the scheduler took seconds from
    extraction (docs/performance.md). Linux sets priorities per thread, so the process's later
    work (validating), in the calling thread, keeps its normal priority; where that is not
    possible the work runs at the priority it has.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        with contextlib.suppress(OSError, AttributeError):  # not Linux: as it is
            thread = threading.get_native_id()
            niceness = os.getpriority(os.PRIO_PROCESS, thread)  # a build run under nice: +10 more
            os.setpriority(os.PRIO_PROCESS, thread, min(niceness + 10, 19))
        try:
            outcome.append(work())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, name="warm-up")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def dbt_main() -> None:
    """``budget-warehouse-dbt``: ``dbt`` that dies with its parent and holds the build's helpers
    lock while it lives, run in ``$BUDGET_DBT_CWD`` when set (the working database's folder, see
    ``dbt_project/profiles.yml``). When the build prepared a dbt process
    (:mod:`orchestration.prepared_dbt`), that process runs the command and this one waits for it.

    dbt's command line runs in this interpreter (no second one), and the process ends without
    tearing it down once dbt's exit handlers ran (dbt-duckdb closes the database there): freeing
    dbt's objects one by one took 0.2–1 s after dbt had finished (docs/performance.md).
    """
    die_with_parent()
    prepared = os.environ.get(PREPARED_DBT_ENV)
    if prepared:
        status = hand_over(prepared)
        if status is not None:
            exit_now(status)
    hold_while_alive(os.environ.get(HELPERS_LOCK_ENV))
    if os.environ.get(DBT_CWD_ENV):
        os.chdir(os.environ[DBT_CWD_ENV])
    exit_now(run_dbt_cli())


def hand_over(folder: str) -> int | None:
    """In ``budget-warehouse-dbt``: have the prepared process in ``folder`` run this command
    line and return its exit status; None when no prepared process is waiting there."""
    try:
        # Opened first, without waiting: a prepared process that dies from now on ends the read
        # below (end of file) instead of leaving this wrapper blocked.
        status = os.open(os.path.join(folder, STATUS), os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        # ENXIO: nobody holds the request pipe (never started, or gone).
        request = os.open(os.path.join(folder, REQUEST), os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        os.close(status)
        if exc.errno in (errno.ENXIO, errno.ENOENT):
            return None
        raise
    line = json.dumps(
        {
            "pid": os.getpid(),
            "argv": sys.argv,
            "env": dict(os.environ),
            "cwd": os.environ.get(DBT_CWD_ENV) or os.getcwd(),
        }
    )
    os.set_blocking(request, True)
    with open(request, "w", encoding="utf-8") as pipe:
        pipe.write(line + "\n")
    os.set_blocking(status, True)
    with open(status, encoding="ascii") as pipe:
        answer = pipe.readline().strip()
    return int(answer) if answer.lstrip("-").isdigit() else 1


def run_dbt_cli() -> int:
    """dbt's command line on ``sys.argv``; its exit status."""
    from dbt.cli.main import cli

    status: object = 0
    try:
        cli(prog_name=os.path.basename(sys.argv[0]))  # in a prepared process too
    except SystemExit as exit:
        status = exit.code
    if not isinstance(status, int):
        if status is not None:
            print(status, file=sys.stderr)
        status = 0 if status is None else 1
    return status


def exit_now(status: int, last: Callable[[], object] | None = None) -> NoReturn:
    """End the process without tearing down the interpreter (``last`` runs just before).

    A process holding Dagster, dbt, Great Expectations or pandas took seconds at exit freeing
    their objects one by one (docs/performance.md), which does nothing useful once its locks are
    released and its files closed. The exit handlers still run (multiprocessing's cleanup,
    dbt-duckdb closing its database, logging), and output is flushed.
    """
    atexit._run_exitfuncs()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    if last is not None:
        last()
    os._exit(status)

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

It also parses the project ahead, after the import and at the same low priority: the build
passes what its dbt step will run dbt with (``dbt_assets.dbt_build_ahead``: dbt's global flags,
its folder, its environment), the process copies the project's partial-parse file into the
target folder as dagster-dbt would, and gets the manifest from dbt's programmatic API
(``dbtRunner().invoke([..., "parse"])``, which also writes ``manifest.json`` and the
partial-parse file there). A request that is that ``dbt build`` (:func:`parsed_for`) runs on it,
``dbtRunner(manifest=…)``, without dbt's start-up parse; any other runs dbt's command line as
before. dbt writes ``manifest.json`` and ``run_results.json`` at the end of the build either way.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .children import (
    DBT_REBUILD_ENV,
    PREPARED_DBT_ENV,
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
def prepared_dbt(
    helpers_lock: Path, ahead: Mapping[str, Any] | None = None
) -> Iterator[Path | None]:
    """A prepared dbt process for the block (the build): its folder, or None when it cannot
    start. Ended with the block, used or not (a process still waiting is killed: it holds no
    database then; one interrupted in its dbt run is killed as a dbt process would be).
    ``ahead``: the ``dbt build`` to parse ahead for (``dbt_assets.dbt_build_ahead``); None:
    import dbt only.

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
                __name__,
                str(os.getpid()),
                *map(str, pipes),
                str(helpers_lock),
                json.dumps(ahead),
                pass_fds=pipes,
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


def _serve(request: int, status: int, ahead: Mapping[str, Any] | None) -> None:
    """The prepared process: import dbt and parse ahead, wait for one request, run it, report
    its status."""
    parsed = at_low_priority(lambda: _prepare(ahead))
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
    if ahead is not None and parsed is not None and parsed_for(ahead, parsed[0], asked):
        code = _run_parsed(parsed[1], asked["argv"][1:])
    else:
        code = run_dbt_cli()
    exit_now(code, lambda: os.write(status, f"{code}\n".encode()))


def _prepare(ahead: Mapping[str, Any] | None) -> tuple[dict[str, str], Any] | None:
    """Import dbt; with ``ahead``, parse the project in its environment and folder: that
    environment and the manifest, or None when the parse failed (the request then runs dbt's
    command line, which reports why)."""
    _import_dbt()
    if ahead is None:
        return None
    from dbt.cli.main import dbtRunner
    from dbt.constants import PARTIAL_PARSE_FILE_NAME

    try:
        os.chdir(ahead["cwd"])
    except OSError:
        return None
    os.environ.update(ahead["env"])
    saved = Path(ahead["env"]["DBT_TARGET_PATH"], PARTIAL_PARSE_FILE_NAME)
    if not saved.exists() and Path(ahead["partial_parse"]).exists():
        with contextlib.suppress(OSError):  # what dagster-dbt does as dbt starts, done earlier
            saved.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ahead["partial_parse"], saved)
    # Silent: this process's stdout is a pipe nobody reads until the hand-over.
    parsed = dbtRunner().invoke([*ahead["args"], "parse", "--log-level", "none"])
    return (dict(os.environ), parsed.result) if parsed.success else None


#: The options of a ``dbt build`` that choose what runs, not what dbt parses: the dbt step's and
#: dagster-dbt's selection. Any other (``--vars``, ``--target``, ``--project-dir`` …) may change
#: the manifest.
SELECTING = frozenset(
    [
        "--select",
        "-s",
        "--exclude",
        "--selector",
        "--resource-type",
        "--exclude-resource-type",
        "--full-refresh",
    ]
)
#: Variables that differ between the parse and the dbt step's request and change no manifest:
#: the hand-over's own, dagster-dbt's for dbt's output, the documents to rebuild (read when
#: models run).
OUTPUT_ONLY = frozenset(
    (PREPARED_DBT_ENV, DBT_REBUILD_ENV, "DBT_LOG_FORMAT", "DBT_SEND_ANONYMOUS_USAGE_STATS")
)


def parsed_for(ahead: Mapping[str, Any], env: Mapping[str, str], asked: Mapping[str, Any]) -> bool:
    """True when the request ``asked`` is the ``dbt build`` parsed ahead in environment ``env``:
    the parse's global flags, ``build`` and only :data:`SELECTING` options, the parse's folder,
    and the same value of every variable dbt (``DBT_*``: its project, profiles and target
    folders, its flags) or the project's profile (``BUDGET_*``) reads."""
    flags = len(ahead["args"])
    argv = asked["argv"][1:]
    if argv[:flags] != ahead["args"] or argv[flags : flags + 1] != ["build"]:
        return False
    if any(arg.startswith("-") and arg not in SELECTING for arg in argv[flags + 1 :]):
        return False
    names = {name for name in (*env, *asked["env"]) if name.startswith(("DBT_", "BUDGET_"))}
    same = all(env.get(name) == asked["env"].get(name) for name in names - OUTPUT_ONLY)
    return same and asked["cwd"] == ahead["cwd"]


def _run_parsed(manifest: Any, args: list[str]) -> int:
    """``dbt args`` on the parsed ``manifest``; dbt's command-line exit status: 0 success, 1 a
    failed node (a result, no exception), 2 an error. A usage error (nothing ran) goes to dbt's
    command line, which prints it as it does."""
    from dbt.cli.exceptions import DbtUsageException
    from dbt.cli.main import dbtRunner

    result = dbtRunner(manifest=manifest).invoke(args)
    if isinstance(result.exception, DbtUsageException):
        return run_dbt_cli()
    return 0 if result.success else 1 if result.exception is None else 2


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
    """``python -m orchestration.prepared_dbt PARENT_PID REQUEST_FD STATUS_FD HELPERS_LOCK AHEAD``
    (``AHEAD``: JSON, ``null`` for none)."""
    parent, request, status, helpers_lock = int(argv[0]), int(argv[1]), int(argv[2]), argv[3]
    die_with_parent(parent)
    hold_while_alive(helpers_lock)
    _serve(request, status, json.loads(argv[4]))


if __name__ == "__main__":
    main(sys.argv[1:])

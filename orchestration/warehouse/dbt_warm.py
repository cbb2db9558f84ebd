"""A dbt process started ahead: ``dbt build`` without dbt's start-up on the build's path.

A ``dbt build`` process spends ~2.5 s before its first node: the interpreter, dbt-core and
dbt-duckdb imports, loading the partial parse and writing the parsed manifest. None of it needs
the warehouse's data, so ``budget-warehouse build`` starts a :class:`WarmDbt` beside the build
console, before it imports Dagster (as it starts the validation worker): a fresh interpreter
(``python -m orchestration.warehouse.dbt_warm``) that imports dbt and parses the project for this
build's working database (the profile's relative path and working folder, as
:func:`~orchestration.defs.dbt_assets.dbt_database_env` sets them, and the warehouse's target
folder) while the build extracts, then waits — without opening the DuckDB file, which the loader
writes meanwhile.

When dagster-dbt runs ``budget-warehouse-dbt build …`` (:func:`~.children.dbt_main`), the wrapper
finds the warm process's socket in :data:`SOCKET_ENV` and hands it its command line, environment,
working folder and its stdout and stderr (the descriptors themselves, ``SCM_RIGHTS``): the warm
process runs ``dbtRunner(manifest=<its parse>).invoke(args)`` with dbt's JSON log lines going
straight to dagster-dbt's pipe, and answers the exit status, which the wrapper exits with. So
dagster-dbt's event handling, the artifacts in the target folder and the key-breaker re-run are
as before. When the project's files, the profile's environment or the flags that shape the parse
differ from the parse's, the warm process lets dbt parse (partially) itself.

Fallbacks: a wrapper that cannot reach the warm process, or loses it before dbt started, runs dbt
itself (its stderr says why). The build side reports a warm process that died (a warning naming its
exit status and the end of its stderr); one that died while running dbt has its run discarded and
dbt run again in its own process
(:func:`~orchestration.defs.dbt_assets.run_dbt_build`). The warm process dies with the build
(:func:`~.children.die_with_parent`), and so does a run it serves when its wrapper is killed.
Without a CLI build (``dagster dev``, sensors, schedules) there is no warm process: nothing changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..file_hash import hash_files
from .children import at_low_priority, die_with_parent, end_child, start_helper, stderr_tail

#: The warm process's socket, in the environment of the ``budget-warehouse-dbt`` it may serve.
SOCKET_ENV = "BUDGET_DBT_WARM"
#: Environment that shapes dbt's parse (the profile's path, the project, the target folder).
_PARSE_ENV = ("BUDGET_DBT_DATABASE", "DBT_PROJECT_DIR", "DBT_PROFILES_DIR", "DBT_TARGET_PATH")
#: Flags after which a pre-parsed manifest would not be this command's.
_PARSE_FLAGS = ("--vars", "--target", "--profile", "--project-dir", "--profiles-dir", "-t")
_PARTIAL_PARSE = "partial_parse.msgpack"
_DYING_SECONDS = 2.0

log = logging.getLogger("budget_warehouse.progress")


# -- the build's side ------------------------------------------------------------------------


class WarmDbt:
    """The build's side of one warm dbt process."""

    def __init__(self, database: Path, target: Path, project_dir: Path) -> None:
        self._folder = tempfile.mkdtemp(prefix="budget-dbt-")
        self.socket_path = os.path.join(self._folder, "dbt.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(self.socket_path)
            listener.listen(4)  # a wrapper may connect before the warm process accepts: it waits
            args = (os.getpid(), listener.fileno(), database, target, project_dir)
            self._process, self._stderr = start_helper(
                __name__, *map(str, args), pass_fds=(listener.fileno(),)
            )
        except BaseException:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise
        finally:
            listener.close()  # the warm process holds it: when it dies, connecting fails at once
        self.reported: list[dict[str, Any]] = []

    @property
    def pid(self) -> int:
        return self._process.pid

    def alive(self, grace: float = 0.0) -> bool:
        """Whether the process lives (waiting up to ``grace`` seconds for it to end)."""
        try:
            self._process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            return True
        return False

    def take_report(self) -> dict[str, Any] | None:
        """What the warm process reported about the run it served last, if it served one.

        It writes the report before it tells the wrapper the exit status, so once the wrapper
        has exited the report is there to read.
        """
        stdout = self._process.stdout
        assert stdout is not None
        if not select.select([stdout], [], [], 0)[0]:
            return None
        line = stdout.readline()
        if not line.endswith(b"\n"):
            return None  # it died: no (complete) report
        report = json.loads(line)
        self.reported.append(report)
        return report

    def lost(self, when: str) -> str:
        """A warning: the process ended ``when``; the end of its stderr if it failed (an exit
        status, not a signal)."""
        status = self._process.poll()
        state = "running" if status is None else f"exit status {status}"
        message = f"warm dbt process (pid {self.pid}, {state}) {when}: dbt runs in its own process"
        if status is None or status <= 0:
            return message
        tail = stderr_tail(self._stderr)
        return message + (f"\n  its stderr ends: {tail}" if tail else "")

    def close(self) -> None:
        """Let the process exit (end of its input); kill it if it does not within seconds."""
        end_child(self._process, self._stderr)
        shutil.rmtree(self._folder, ignore_errors=True)


_current: WarmDbt | None = None


@contextlib.contextmanager
def warm_dbt(database: Path, target: Path, project_dir: Path) -> Iterator[WarmDbt | None]:
    """Start a warm dbt process for the block (one CLI build) and let :func:`run_env` offer it.

    One that cannot start is reported, and dbt runs in its own process as without it.
    """
    global _current
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        warm = WarmDbt(database, target, project_dir)
    except OSError as exc:
        log.warning(f"warm dbt process not started ({exc}): dbt starts when the build needs it")
        yield None
        return
    _current = warm
    try:
        yield warm
    finally:
        _current = None
        warm.close()


def run_env() -> dict[str, str]:
    """The environment that lets the next ``budget-warehouse-dbt`` use the warm process: its
    socket while it lives; empty without one (a warning when it died)."""
    warm = _current
    if warm is None:
        return {}
    if not warm.alive():
        _lost(warm, "died before the dbt step")
        return {}
    return {SOCKET_ENV: warm.socket_path}


def outcome() -> str:
    """After a ``budget-warehouse-dbt`` run offered the warm process: ``"served"``, ``"lost"``
    (the process died without finishing the run: a warning; rerun dbt without it) or ``"none"``
    (no warm process, or the wrapper ran dbt itself)."""
    warm = _current
    if warm is None:
        return "none"
    if warm.take_report() is not None:
        return "served"
    # No report: the wrapper's run ended without the warm process's answer. A process killed
    # mid-run closes its socket (the wrapper sees it) a moment before it can be reaped.
    if not warm.alive(grace=_DYING_SECONDS):
        _lost(warm, "died while the dbt step ran")
        return "lost"
    return "none"


def _lost(warm: WarmDbt, when: str) -> None:
    global _current
    _current = None
    log.warning(warm.lost(when))


# -- the wrapper's side (budget-warehouse-dbt) ------------------------------------------------


def _send(conn: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    frame = struct.pack("!I", len(data)) + data
    if fds:
        sent = socket.send_fds(conn, [frame], fds)
        conn.sendall(frame[sent:])
    else:
        conn.sendall(frame)


def _receive(conn: socket.socket, with_fds: bool = False) -> tuple[dict[str, Any], list[int]]:
    """One message (and the descriptors sent with it); EOFError when the peer is gone. Reads
    exactly the message's bytes: the next one stays in the socket."""
    fds: list[int] = []
    if with_fds:
        header, fds, _, _ = socket.recv_fds(conn, 4, 2)
    else:
        header = conn.recv(4)
    header += _exactly(conn, 4 - len(header)) if header else b""
    if not header:
        raise EOFError
    return json.loads(_exactly(conn, struct.unpack("!I", header)[0])), fds


def _exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        more = conn.recv(size - len(data))
        if not more:
            raise EOFError
        data += more
    return data


def run_in_warm_process(socket_path: str, args: list[str]) -> int | None:
    """Run ``dbt args`` in the warm process: its exit status, or None when it could not start
    it there (the caller runs dbt itself; stderr says why)."""
    environment = {k: v for k, v in os.environ.items() if k != SOCKET_ENV}
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(socket_path)
        request = {"args": args, "env": environment, "cwd": os.getcwd()}
        _send(conn, request, [sys.stdout.fileno(), sys.stderr.fileno()])
        started, _ = _receive(conn)
    except (OSError, EOFError) as exc:
        print(f"budget-warehouse-dbt: warm dbt process not reached ({exc!r})", file=sys.stderr)
        return None
    pid = started["started"]

    def forward(signum: int, _frame: object) -> None:  # dagster-dbt's cancel: to the run
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    try:
        answer, _ = _receive(conn)
    except (OSError, EOFError) as exc:
        print(f"budget-warehouse-dbt: warm dbt process {pid} lost ({exc!r})", file=sys.stderr)
        return 1
    return int(answer["exit"])


# -- the warm process -------------------------------------------------------------------------


def project_fingerprint(project_dir: Path) -> str:
    from ..defs.dbt_state import project_files

    digest = hashlib.sha256()
    hash_files(digest, project_files(project_dir), project_dir)
    return digest.hexdigest()


class _Parse:
    """The manifest parsed ahead, and what it was parsed for."""

    def __init__(self, database: Path, target: Path, project_dir: Path) -> None:
        self.cwd = str(database.parent)
        self.env = {
            "BUDGET_DBT_DATABASE": database.name,
            "DBT_PROJECT_DIR": str(project_dir),
            "DBT_PROFILES_DIR": str(project_dir),
            "DBT_TARGET_PATH": str(target),
        }
        self.project_dir = project_dir
        self.fingerprint = project_fingerprint(project_dir)
        self.manifest: Any = None
        self.seconds = 0.0

    def run(self) -> None:
        """Parse as ``dbt build`` would (partial parse from the project's state), writing the
        target folder's partial parse, not ``manifest.json`` (the build writes it)."""
        from dbt.cli.main import dbtRunner

        started = time.perf_counter()
        target = Path(self.env["DBT_TARGET_PATH"])
        target.mkdir(parents=True, exist_ok=True)
        project_state = self.project_dir / "target" / _PARTIAL_PARSE
        if project_state.exists() and not (target / _PARTIAL_PARSE).exists():
            shutil.copy(project_state, target / _PARTIAL_PARSE)  # as dagster-dbt does
        os.environ.update(
            self.env, DBT_LOG_PATH=str(target), DBT_SEND_ANONYMOUS_USAGE_STATS="false"
        )
        os.chdir(self.cwd)
        args = ["--log-level-file", "warn", "--no-use-colors", "parse", "--no-write-json"]
        result = dbtRunner().invoke(args)
        if not result.success:
            raise RuntimeError(f"dbt parse failed: {result.exception}")
        self.manifest = result.result
        self.seconds = time.perf_counter() - started

    def stale(self, args: list[str], env: dict[str, str], cwd: str) -> str | None:
        """Why the parse is not this command's, or None when it is."""
        if self.manifest is None:
            return "no parse"
        if cwd != self.cwd or any(env.get(k) != v for k, v in self.env.items()):
            return "another database, project or target folder"
        if any(arg.split("=")[0] in _PARSE_FLAGS for arg in args):
            return "flags that change the parse"
        if project_fingerprint(self.project_dir) != self.fingerprint:
            return "the dbt project changed since the parse"
        return None


def _close_duckdb() -> None:
    """Release the database dbt-duckdb keeps open in this process (the build opens it next)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    DuckDBConnectionManager._ENV = None
    if environment is not None:
        environment.close()


def _serve_one(conn: socket.socket, parse: _Parse, report: IO[str]) -> None:
    from dbt.cli.main import dbtRunner

    request, fds = _receive(conn, with_fds=True)
    if len(fds) != 2:
        raise RuntimeError(f"expected the wrapper's stdout and stderr, got {len(fds)} descriptors")
    args, env, cwd = request["args"], request["env"], request["cwd"]
    stale = parse.stale(args, env, cwd)
    running = threading.Event()

    def watch() -> None:  # the wrapper was killed: so is its dbt, as a dbt child would be
        with contextlib.suppress(OSError):
            conn.recv(1)
        if running.is_set():
            os._exit(1)

    try:
        _send(conn, {"started": os.getpid()})
    except OSError:
        for fd in fds:
            os.close(fd)
        raise
    started = time.perf_counter()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_fds = os.dup(1), os.dup(2)
    running.set()
    threading.Thread(target=watch, daemon=True).start()
    try:
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        result = dbtRunner(manifest=None if stale else parse.manifest).invoke(args)
        if result.exception is not None:
            print(f"dbt: {result.exception}", file=sys.stderr)
        status = 0 if result.success else 1 if result.exception is None else 2
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        _close_duckdb()
        running.clear()
        os.dup2(saved_fds[0], 1)
        os.dup2(saved_fds[1], 2)
        for fd in (*saved_fds, *fds):
            os.close(fd)
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
    outcome = {
        "status": status,
        "parsed_ahead": stale is None,
        "why_not": stale,
        "parse_seconds": round(parse.seconds, 3),
        "seconds": round(time.perf_counter() - started, 3),
    }
    report.write(json.dumps(outcome) + "\n")
    report.flush()
    _send(conn, {"exit": status})


def main(argv: list[str]) -> None:
    """``python -m orchestration.warehouse.dbt_warm PARENT LISTENER DATABASE TARGET PROJECT``."""
    parent_pid, listener_fd = int(argv[0]), int(argv[1])
    die_with_parent(parent_pid)
    database, target, project_dir = Path(argv[2]), Path(argv[3]), Path(argv[4])
    report = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # dbt's output between runs (the parse) goes to stderr, not the report
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  (dbt's log lines)
    listener = socket.socket(fileno=listener_fd)
    parse = _Parse(database, target, project_dir)
    try:
        at_low_priority(parse.run)  # while the build extracts: yield the CPU to extraction
    except Exception as exc:  # dbt parses itself on request, and says what is wrong
        print(f"parse ahead failed: {exc!r}", file=sys.stderr)
    while True:
        ready = select.select([listener, sys.stdin], [], [])[0]
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1):
            break  # the build closed our input: it is done with us
        if listener in ready:
            conn, _ = listener.accept()
            with conn:
                try:
                    _serve_one(conn, parse, report)
                except (EOFError, ConnectionError) as exc:  # a wrapper gone before its run
                    print(f"request dropped: {exc!r}", file=sys.stderr)
    sys.stdout.flush()
    os._exit(0)  # no interpreter teardown (dbt's objects: time the build would wait for)


if __name__ == "__main__":
    main(sys.argv[1:])

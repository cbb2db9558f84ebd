"""Validation in a process of its own, started at the beginning of a CLI build.

Importing Great Expectations (scipy.stats included) is the largest import of a build, and the
build needs it only at its end. ``budget-warehouse build`` therefore starts a
:class:`ValidationWorker` before it imports Dagster: a fresh interpreter
(``python -m orchestration.validation.worker``) that imports GE, pandas and the runner while
extraction and ``dbt build`` run, then waits. The run's validation step asks it, through the
``helpers`` resource (:class:`~orchestration.defs.helpers.BuildHelpers`), to validate the working
database and receives the :class:`~.results.ValidationRun` — the same
:func:`~.runner.collect_validation`, the same GE suites, only in another process.

A process, not a thread: importing GE in a thread of the build raced Dagster's own use of
SQLAlchemy (docs/performance.md). The worker opens the working database read-only, which DuckDB
allows only when no process holds it read-write: the build asks under its writer lock with every
connection of its own closed. The worker dies with the build
(:func:`~orchestration.children.die_with_parent`), holds the build's helpers lock while it lives
(so the next build waits until it is gone) and never writes the warehouse;
``audit.validation_results`` is still written by the build.

Protocol: the build writes pickled requests to the worker's stdin; the worker answers on its
stdout (anything else it prints goes to stderr, a temporary file quoted when it fails).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..children import (
    at_low_priority,
    die_with_parent,
    end_child,
    hold_while_alive,
    start_helper,
    stderr_tail,
)
from .results import ValidationRun

#: The worker's first message once its imports are done, and its answers.
_READY, _RESULT, _FAILED = "ready", "result", "failed"
#: How a run validated before it was asked for says so (``ValidationRun.validated_in``).
AHEAD = "validated ahead, as dbt finished"

log = logging.getLogger("budget_warehouse.progress")


class WorkerFailed(RuntimeError):
    """The validation worker could not answer; the message says why."""


class ValidationWorker:
    """The build's side of one validation worker process."""

    def __init__(self, helpers_lock: Path | None = None) -> None:
        args = [str(os.getpid())] + ([str(helpers_lock)] if helpers_lock else [])
        self._process, self._stderr = start_helper(__name__, *args)
        self._ready = False
        self._ahead = False  # a validation ahead that no request has taken yet
        self.started = time.perf_counter()

    @property
    def pid(self) -> int:
        return self._process.pid

    def validate(self, database: Path, data_docs_dir: Path | None) -> ValidationRun:
        """The worker's validation of ``database``; :class:`WorkerFailed` if it cannot answer."""
        try:
            if not self._ready:
                self._receive(_READY)
                self._ready = True
            self._send(
                ("validate", str(database), None if data_docs_dir is None else str(data_docs_dir))
            )
            self._ahead = False
            run = self._receive(_RESULT)
        except WorkerFailed:
            self.close()
            raise
        if not isinstance(run, ValidationRun):
            raise WorkerFailed(f"validation worker answered {type(run).__name__}")
        return run

    def validate_ahead(self, database: Path, data_docs_dir: Path | None) -> None:
        """Let the worker validate ``database`` now, unasked: :meth:`validate` of the same file in
        the same state then answers with that run. No answer; a failure shows in :meth:`validate`."""
        with contextlib.suppress(WorkerFailed):
            self._send(
                ("ahead", str(database), None if data_docs_dir is None else str(data_docs_dir))
            )
            self._ahead = True

    def report_images(self, *args: Any) -> Callable[[], Any]:
        """Ask the worker to draw report images (``report.build.render_claimed(*args)``); the call
        returned waits for its :class:`~orchestration.report.build.Share`. :class:`WorkerFailed`
        (from either) if it cannot.

        The report is a build's last step: the worker's input is closed with this request, so it
        exits once it has answered, while the build writes the report and its summary.
        """
        try:
            if not self._ready:
                self._receive(_READY)
                self._ready = True
            self._send(("images", *args))
            assert self._process.stdin is not None
            self._process.stdin.close()
        except WorkerFailed:
            self.close()
            raise

        def share() -> Any:
            try:
                return self._receive(_RESULT)
            except WorkerFailed:
                self.close()
                raise

        return share

    def close(self) -> None:
        """Let the worker exit (end of its input); kill it if it does not within seconds."""
        if self._ahead:  # validating a database no step asked about (a failed build): stop it
            self._process.kill()
        end_child(self._process, self._stderr)

    def _send(self, message: tuple[Any, ...]) -> None:
        assert self._process.stdin is not None
        if self._process.stdin.closed:
            raise WorkerFailed(self._why("it has had its last request (the report's images)"))
        try:
            pickle.dump(message, self._process.stdin)
            self._process.stdin.flush()
        except (OSError, pickle.PicklingError) as exc:
            raise WorkerFailed(self._why(f"cannot send it the request ({exc})")) from exc

    def _receive(self, expected: str) -> Any:
        assert self._process.stdout is not None
        try:
            kind, payload = pickle.load(self._process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError, ValueError) as exc:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=2)  # its end of the pipe closed: it is exiting
            raise WorkerFailed(self._why(f"no answer ({type(exc).__name__})")) from exc
        if kind == _FAILED:
            raise WorkerFailed(self._why(f"it failed:\n{payload}"))
        if kind != expected:
            raise WorkerFailed(self._why(f"unexpected answer {kind!r}"))
        return payload

    def _why(self, reason: str) -> str:
        status = self._process.returncode
        state = "running" if status is None else f"exit status {status}"
        tail = stderr_tail(self._stderr)
        return f"validation worker (pid {self.pid}, {state}): {reason}" + (
            f"\n  its stderr ends: {tail}" if tail else ""
        )


@contextlib.contextmanager
def validation_worker(helpers_lock: Path | None = None) -> Iterator[ValidationWorker | None]:
    """A worker for the block (the build), holding ``helpers_lock`` while it lives; None (with a
    warning) when it cannot start: the build then validates in-process."""
    try:
        worker = ValidationWorker(helpers_lock)
    except OSError as exc:
        log.warning(f"validation worker not started ({exc}): validating in the build process")
        yield None
        return
    try:
        yield worker
    finally:
        worker.close()


def _imports() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """What this process exists to have imported: Great Expectations and the runner, and the
    report's renderer (used after validation)."""
    import great_expectations  # noqa: F401

    from ..report.build import render_claimed
    from .runner import collect_validation

    return collect_validation, render_claimed


def _serve(parent_pid: int, requests: IO[bytes], answers: IO[bytes]) -> None:
    def answer(kind: str, payload: Any) -> None:
        pickle.dump((kind, payload), answers)
        answers.flush()

    try:
        collect_validation, render_claimed = at_low_priority(_imports)
    except BaseException:
        answer(_FAILED, traceback.format_exc())
        return
    answer(_READY, parent_pid)
    ahead: _Ahead | None = None
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return  # the build closed its end: done
        kind, *args = request
        if kind == "ahead":  # no answer: the validation request that follows gets it
            ahead = _Ahead.validate(*args)
            continue
        try:
            if kind == "images":
                answer(_RESULT, render_claimed(*args))
                continue
            database, docs = args
            if ahead is not None and ahead.holds(database, docs):
                run, ahead = ahead.run, None
                run.validated_in = f"validation worker (pid {os.getpid()}, {AHEAD})"
            else:
                run = collect_validation(Path(database), None if docs is None else Path(docs))
                run.validated_in = f"validation worker (pid {os.getpid()})"
        except BaseException:
            answer(_FAILED, traceback.format_exc())
            continue
        answer(_RESULT, run)


@dataclass(frozen=True)
class _Ahead:
    """A validation the worker ran before it was asked, and the state of the file it read."""

    database: str
    docs: str | None
    state: tuple[int, ...]
    run: ValidationRun

    @classmethod
    def validate(cls, database: str, docs: str | None) -> _Ahead | None:
        """Validate ``database`` as it is now; None if it cannot or the file changed meanwhile
        (the validation request then validates as usual)."""
        from .runner import collect_validation

        try:
            state = _file_state(database)
            run = collect_validation(Path(database), None if docs is None else Path(docs))
        except Exception:  # e.g. the file is being written: validated when asked
            traceback.print_exc()
            return None
        return cls(database, docs, state, run) if _file_state(database) == state else None

    def holds(self, database: str, docs: str | None) -> bool:
        """True when ``database`` and ``docs`` are those validated and the file is unchanged."""
        try:
            same = _paths(database, docs) == _paths(self.database, self.docs)
            return same and _file_state(database) == self.state
        except OSError:
            return False


def _paths(*paths: str | None) -> tuple[str | None, ...]:
    return tuple(None if p is None else os.path.realpath(p) for p in paths)


def _file_state(path: str) -> tuple[int, ...]:
    """The database file's and its write-ahead log's identity, size and mtime."""
    state: list[int] = []
    for name in (path, f"{path}.wal"):
        try:
            stat = os.stat(name)
        except FileNotFoundError:
            state += [-1, -1, -1]
            continue
        state += [stat.st_ino, stat.st_size, stat.st_mtime_ns]
    return tuple(state)


def main(argv: list[str]) -> None:
    """``python -m orchestration.validation.worker PARENT_PID [HELPERS_LOCK]``: serve one build's
    requests."""
    parent_pid = int(argv[0])
    die_with_parent(parent_pid)
    hold_while_alive(argv[1] if len(argv) > 1 else None)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print of GE or pandas must not corrupt the answers
    sys.stdout = sys.stderr
    _serve(parent_pid, sys.stdin.buffer, answers)
    answers.close()
    os._exit(0)  # no interpreter teardown (GE, scipy, pandas: seconds the build would wait for)


if __name__ == "__main__":
    main(sys.argv[1:])

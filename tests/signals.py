"""Which signals reached this process, whoever handled them.

A library may take a signal over for a while: Dagster, running a job in process, turns Ctrl-C
and SIGTERM into a failed run, so the test fails and pytest goes on to the next one. Python
writes the number of every signal it receives to the file descriptor given to
``signal.set_wakeup_fd``, before any handler runs, so reading it tells the run to stop.
"""

from __future__ import annotations

import contextlib
import os
import signal

#: Signals that end a test run.
STOPPING = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})

_pipe: tuple[int, int] | None = None


def watch() -> None:
    """Start recording the signals this process receives (main thread, once)."""
    global _pipe
    if _pipe is None:
        _pipe = os.pipe()
        for fd in _pipe:
            os.set_blocking(fd, False)
        os.register_at_fork(after_in_child=_forget)
    signal.set_wakeup_fd(_pipe[1], warn_on_full_buffer=False)


def _forget() -> None:
    """A forked child (an extraction worker) records nothing: a signal sent to it is not the
    run's."""
    global _pipe
    if _pipe is not None:
        with contextlib.suppress(ValueError):  # forked from a thread: not the main one
            signal.set_wakeup_fd(-1)
        for fd in _pipe:
            os.close(fd)
        _pipe = None


def received() -> set[int]:
    """The signals received since the last call (and recording kept on, should an event loop
    have replaced the descriptor meanwhile)."""
    if _pipe is None:
        return set()
    found = set()
    while True:
        try:
            chunk = os.read(_pipe[0], 512)
        except BlockingIOError:
            break
        if not chunk:
            break
        found.update(chunk)
    watch()
    return found

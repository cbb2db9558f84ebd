"""A head start: ``budget-warehouse build`` starts extracting before it imports Dagster.

Extraction is a pure function of (PDF bytes, extractor version), so it need not wait for the
Dagster run. Once the CLI holds the build lock and knows the build is not up to date, it forks
a child that runs :func:`~orchestration.warehouse.extract_pool.extract_all` over the raw
folder's PDFs (the build's ``--workers`` and ``--doc-timeout``, the same extract cache) and
streams each result back through a pipe; meanwhile the CLI imports Dagster (7–9 s) and starts
the run. The ``document_extracts`` asset of that run — handed the head start by the ``helpers``
resource (``defs.helpers``) — consumes its results instead of extracting again: the same
progress lines, the same "extracted now", the same accidents (a timed-out or killed document is
rejected for this build and retried by the next). Whatever the head start did not deliver (it
died; a file changed since the scan) the asset extracts itself, as without a head start.

The fork happens in the light CLI process, before any thread-starting import (no Python thread
and no Dagster: :func:`fork_is_safe`); otherwise there is no head start. The child dies with the
build (``PR_SET_PDEATHSIG``, as its workers die with it), and the CLI stops it before it releases
the build lock. Runs started from the Dagster UI, a sensor or a schedule have no head start: they
extract as before.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO

from ..children import die_with_parent
from ..settings import Settings
from .extract_cache import cache_path
from .extract_pool import describe_death, extract_all, largest_first


class HeadStart:
    """The child extracting ahead of the run, seen from the build process."""

    def __init__(self, process: mp.process.BaseProcess, results: IO[bytes]) -> None:
        self.process = process
        self.finished = False  # True once the child reported every document
        self._results = results

    def results(
        self,
        wanted: Mapping[str, Path],
        cache_dir: Path,
        on_done: Callable[[Path, bool], None],
        on_warning: Callable[[str], None],
    ) -> dict[Path, tuple[Path, bool]]:
        """Wait for the child; return {pdf: (entry, extracted now)} of the contents ``wanted``
        ({sha256: pdf}) it delivered, calling ``on_done``/``on_warning`` as results arrive."""
        found: dict[Path, tuple[Path, bool]] = {}
        for line in self._results:  # ends early when the child dies: the caller does the rest
            if not line.endswith(b"\n"):
                break  # the child was killed while writing this line
            event = json.loads(line)
            if event[0] == "warning":
                on_warning(event[1])
            elif event[0] == "done":
                pdf = wanted.get(event[1])
                if pdf is not None and pdf not in found:
                    found[pdf] = (cache_path(cache_dir, event[1]), event[2])
                    on_done(pdf, event[2])
            else:
                self.finished = True
                break
        self.stop()
        return found

    def ending(self) -> str:
        """How the child ended, for a warning when it did not finish."""
        return describe_death(self.process).replace("extraction worker", "the head start")

    def stop(self) -> None:
        """Kill the child if it still runs (its workers die with it) and reap it."""
        if self.process.is_alive() and not self.finished:
            self.process.kill()
        self.process.join()
        self._results.close()


def fork_is_safe() -> bool:
    """True in a process without Python threads and without Dagster (the light CLI)."""
    return (
        sys.platform.startswith("linux")
        and threading.active_count() == 1
        and "dagster" not in sys.modules
    )


@contextlib.contextmanager
def started(settings: Settings, contents: Mapping[Path, str]) -> Iterator[HeadStart | None]:
    """Extract the PDFs ``contents`` ({pdf: sha256}, as the up-to-date check hashed them) in a
    forked child for the block (None when forking is not safe here, or there is nothing to
    extract); the child is stopped and reaped when the block ends."""
    if not contents or not fork_is_safe():
        yield None
        return
    receive, send = os.pipe()
    sys.stdout.flush()  # the child must not write the parent's buffered output again
    sys.stderr.flush()
    process = mp.get_context("fork").Process(
        target=_head_start,
        args=(dict(contents), settings, receive, send, os.getpid()),
        name="budget-warehouse head start",  # not a daemon: daemons may not start workers
    )
    process.start()
    os.close(send)  # the child holds the only writing end: its death is the reader's EOF
    head = HeadStart(process, os.fdopen(receive, "rb"))
    try:
        yield head
    finally:
        head.stop()


class _Outbox:
    """Events written to the pipe without blocking: a child whose reader is still importing
    Dagster keeps extracting (thousands of cached documents fill a pipe); the rest is written
    when the child ends."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pending = bytearray()
        os.set_blocking(fd, False)

    def send(self, *event: object) -> None:
        self.pending += json.dumps(event).encode() + b"\n"
        self.flush()

    def flush(self) -> None:
        while self.pending:
            try:
                written = os.write(self.fd, self.pending)
            except BlockingIOError:
                return
            del self.pending[:written]

    def close(self) -> None:
        os.set_blocking(self.fd, True)
        self.flush()
        os.close(self.fd)


def _head_start(
    contents: dict[Path, str], settings: Settings, receive: int, send: int, parent: int
) -> None:
    """The child: extract every distinct content, largest first; report each through ``send``
    under the hash the CLI gave (a file changed since is not the run's wanted content: the run
    extracts it itself)."""
    try:
        die_with_parent(parent)
        os.close(receive)
        out = _Outbox(send)
        first_of: dict[str, Path] = {}
        for pdf, sha in contents.items():
            if pdf.is_file():  # removed since the scan: the run says why
                first_of.setdefault(sha, pdf)
        sha_of = {pdf: sha for sha, pdf in first_of.items()}
        extract_all(
            largest_first(first_of.values()),
            settings.cache_dir,
            workers=settings.workers,
            timeout=settings.doc_timeout,
            on_done=lambda pdf, fresh: out.send("done", sha_of[pdf], fresh),
            on_warning=lambda message: out.send("warning", message),
            hashes=contents,
        )
        out.send("finished")
        out.close()
    except BaseException:  # Ctrl-C, a closed pipe: end quietly, the run extracts the rest
        os._exit(1)

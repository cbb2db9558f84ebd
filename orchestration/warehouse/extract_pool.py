"""Extract many documents: worker processes, a per-document time limit, the verified cache.

Each document runs in its own forked worker (at most ``workers`` at a time) that dies with the
build. What can go wrong with one document stays with that document:

- the extractor raises → the worker records the exception type, message, page (where the
  failing frame holds a row, table or page) and traceback;
- the worker is killed (OOM killer, ``kill -9``) or exits without a result → "worker killed by
  signal 9" / "exited with code N";
- the document takes longer than ``timeout`` → the worker is killed, "timed out after N s".

These are *accidents*: recorded for this build (the document is rejected with that reason) and
retried by the next one. A cache entry that is missing, truncated, edited or of another extractor
version is re-extracted, reported through ``on_warning``.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from types import TracebackType
from typing import Any

from ..children import die_with_parent
from ..extract.document import Extract, document_record, extract_document
from ..extract.pdf_source import SourceFile, fingerprint
from ..settings import utf8_text
from .extract_cache import CorruptEntry, VerifiedEntries, cache_path, is_decision, write_entry

DEFAULT_TIMEOUT_SECONDS = 300.0
_PACKAGE = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class Attempt:
    """Why a document is (re-)extracted rather than read from the cache."""

    pdf: Path
    source: SourceFile
    out: Path
    note: str | None = None  # "retrying: …" after an accident


def _work(pdf: str, out: str, parent: int) -> None:
    """Extract one PDF into its cache entry. Nothing escapes: an exception becomes the entry
    of a crash (its traceback kept for the log), never a traceback on the build's console."""
    die_with_parent(parent)
    try:
        source = fingerprint(Path(pdf))
        try:
            extract = extract_document(Path(pdf))
        except Exception as exc:  # any bug in extraction becomes this document's rejection
            reason = utf8_text(f"extraction crashed: {describe_exception(exc)}")
            details = {"traceback": utf8_text("".join(traceback.format_exception(exc)))}
            write_entry(Path(out), failed_extract(source, reason), "accident", details)
            return
        write_entry(Path(out), extract)
    except BaseException:  # even writing failed: the parent reports the exit code
        os._exit(3)


def describe_exception(exc: BaseException) -> str:
    """``IndexError: list index out of range (page 12; rows.py:162 in _merge_overflow)``."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    where = [w for w in (_page_of(exc.__traceback__), _frame_of(exc.__traceback__)) if w]
    return f"{text} ({'; '.join(where)})" if where else text


def _frame_of(tb: TracebackType | None) -> str | None:
    """The innermost frame in this project's code: ``file.py:line in function``."""
    found = None
    for frame, line in traceback.walk_tb(tb):
        if frame.f_code.co_filename.startswith(_PACKAGE):
            found = f"{Path(frame.f_code.co_filename).name}:{line} in {frame.f_code.co_name}"
    return found


def _page_of(tb: TracebackType | None) -> str | None:
    """The page the failing code was working on, from the innermost frame that holds one."""
    frames = [frame for frame, _ in traceback.walk_tb(tb)]
    for frame in reversed(frames):
        for value in frame.f_locals.values():
            page = _page_attribute(value)
            if page:
                return page
    return None


def _page_attribute(value: Any) -> str | None:
    page = getattr(value, "page_number", None)  # a pdfplumber page
    if not isinstance(page, int):
        page = getattr(value, "page", None)  # a row or a page part of a table
    if isinstance(page, int) and not isinstance(page, bool) and page > 0:
        return f"page {page}"
    pages = getattr(value, "pages", None)  # a table printed over several pages
    if isinstance(pages, list) and pages and all(isinstance(p, int) for p in pages):
        return f"page {pages[0]}" if len(pages) == 1 else f"pages {pages[0]}–{pages[-1]}"
    return None


def failed_extract(source: SourceFile, reason: str, seconds: float | None = None) -> Extract:
    """The extract of a document that could not be extracted this time."""
    document = document_record(source)
    document.update(status="rejected", status_reason=reason, elapsed_seconds=seconds)
    return Extract(document=document)


def describe_death(process: mp.process.BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        hint = " — out of memory?" if -code == signal.SIGKILL else ""
        return f"extraction worker was killed by signal {-code} ({name}{hint})"
    return f"extraction worker exited with code {code} without a result"


def largest_first(pdfs: Iterable[Path]) -> list[Path]:
    """The order documents are extracted in: the long ones start early instead of trailing."""
    return sorted(pdfs, key=lambda path: path.stat().st_size, reverse=True)


def _plan(
    pdfs: Iterable[Path],
    cache_dir: Path,
    on_warning: Callable[[str], None],
    hashes: Mapping[Path, str],
) -> tuple[dict[Path, Path], list[Attempt]]:
    """Split into cached decisions and documents to extract (new, accidents, corrupt entries).

    A PDF whose hash the caller knows (``hashes``) and whose entry is a decision is not read;
    one to extract is hashed here (it may have changed since). An entry verified before is not
    parsed again (:class:`~.extract_cache.VerifiedEntries`)."""
    cached: dict[Path, Path] = {}
    todo: list[Attempt] = []
    verified = VerifiedEntries(cache_dir)
    for pdf in pdfs:
        if pdf in hashes and is_decision(verified, cache_path(cache_dir, hashes[pdf])):
            cached[pdf] = cache_path(cache_dir, hashes[pdf])
            continue
        source = fingerprint(pdf)
        out = cache_path(cache_dir, source.sha256)
        note = None
        try:
            header = verified.header(out)
        except FileNotFoundError:
            pass
        except CorruptEntry as exc:
            on_warning(f"cache entry {out.name} ({pdf.name}) {exc.reason}; re-extracting")
        else:
            if header["outcome"] == "decision":
                cached[pdf] = out
                continue
            note = f"retrying (last time: {header['summary']['status_reason']})"
        out.unlink(missing_ok=True)  # an attempt's result is the entry its worker writes
        todo.append(Attempt(pdf, source, out, note))
    verified.save()
    return cached, todo


def extract_all(
    pdfs: Iterable[Path],
    cache_dir: Path,
    workers: int = 1,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    on_done: Callable[[Path, bool], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
    hashes: Mapping[Path, str] | None = None,
) -> dict[Path, tuple[Path, bool]]:
    """Extract every PDF without a trusted cached decision; return {pdf: (entry, extracted now)}.

    Every PDF gets an entry, whatever happens to its worker. ``hashes`` ({pdf: sha256}) spares
    hashing PDFs whose content the caller knows.
    """
    warn = on_warning or (lambda message: None)
    cached, pending = _plan(pdfs, cache_dir, warn, hashes or {})
    results: dict[Path, tuple[Path, bool]] = {}
    for pdf, out in cached.items():
        results[pdf] = (out, False)
        if on_done:
            on_done(pdf, False)
    context = mp.get_context("fork")
    running: dict[Path, tuple[mp.process.BaseProcess, float, Attempt]] = {}
    while pending or running:
        while pending and len(running) < max(workers, 1):
            attempt = pending.pop(0)
            if attempt.note:
                warn(f"{attempt.pdf.name}: {attempt.note}")
            args = (str(attempt.pdf), str(attempt.out), os.getpid())
            process = context.Process(target=_work, args=args, daemon=True)
            process.start()
            running[attempt.pdf] = (process, time.monotonic(), attempt)
        # Sleep until a worker ends or the first time limit is reached, not in fixed steps.
        first_limit = min(started + timeout for _, started, _ in running.values())
        left = first_limit - time.monotonic()
        wait(
            [process.sentinel for process, _, _ in running.values()],
            max(left, 0.0) if math.isfinite(left) else None,
        )
        for pdf, (process, started, attempt) in list(running.items()):
            elapsed = time.monotonic() - started
            if process.is_alive() and elapsed < timeout:
                continue
            if process.is_alive():
                process.kill()
                process.join()
                reason = (
                    f"extraction timed out after {timeout:g} s (per-document limit "
                    "--doc-timeout); retried on the next build"
                )
                write_entry(
                    attempt.out, failed_extract(attempt.source, reason, timeout), "accident"
                )
            else:
                process.join()
                if not attempt.out.exists():
                    reason = f"{describe_death(process)}; retried on the next build"
                    entry = failed_extract(attempt.source, reason, round(elapsed, 3))
                    write_entry(attempt.out, entry, "accident")
            del running[pdf]
            results[pdf] = (attempt.out, True)
            if on_done:
                on_done(pdf, True)
    return results

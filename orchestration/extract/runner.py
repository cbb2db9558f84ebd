"""Extract many documents: content-hash cache, worker processes, per-document time limit."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

from .document import EXTRACTOR_VERSION, Extract, document_record, extract_document
from .pdf_source import SourceFile, fingerprint

DEFAULT_TIMEOUT_SECONDS = 300.0
_POLL_SECONDS = 0.05


def cache_path(cache_dir: Path, sha256: str) -> Path:
    """Where the extract of a given content hash is kept (versioned by extractor)."""
    return cache_dir / f"{sha256}.v{EXTRACTOR_VERSION}.json"


def write_extract(extract: Extract, path: Path) -> None:
    """Write atomically: a crash never leaves a half-written extract behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(extract), ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def read_extract(path: Path) -> Extract:
    return Extract(**json.loads(path.read_text(encoding="utf-8")))


def _work(pdf: str, out: str) -> None:
    write_extract(extract_document(Path(pdf)), Path(out))


def _failed(source: SourceFile, reason: str, seconds: float) -> Extract:
    """The extract of a document whose worker was stopped or died."""
    document = document_record(source)
    document.update(status="rejected", status_reason=reason, elapsed_seconds=seconds)
    return Extract(document=document)


def extract_all(
    pdfs: Iterable[Path],
    cache_dir: Path,
    workers: int = 1,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    on_done: Callable[[Path, bool], None] | None = None,
) -> dict[Path, tuple[Path, bool]]:
    """Extract every PDF not already cached; return {pdf: (extract file, freshly extracted)}.

    Each document runs in its own worker process (at most ``workers`` at a time) and is
    stopped after ``timeout`` seconds, so one pathological file cannot stall a run.
    """
    results: dict[Path, tuple[Path, bool]] = {}
    pending: list[tuple[Path, SourceFile, Path]] = []
    for pdf in pdfs:
        source = fingerprint(pdf)
        out = cache_path(cache_dir, source.sha256)
        if out.exists():
            results[pdf] = (out, False)
            if on_done:
                on_done(pdf, False)
        else:
            pending.append((pdf, source, out))
    context = mp.get_context("fork")
    running: dict[Path, tuple[mp.process.BaseProcess, float, SourceFile, Path]] = {}
    while pending or running:
        while pending and len(running) < max(workers, 1):
            pdf, source, out = pending.pop(0)
            process = context.Process(target=_work, args=(str(pdf), str(out)), daemon=True)
            process.start()
            running[pdf] = (process, time.monotonic(), source, out)
        for pdf, (process, started, source, out) in list(running.items()):
            elapsed = time.monotonic() - started
            if process.is_alive() and elapsed < timeout:
                continue
            if process.is_alive():
                process.kill()
                process.join()
                reason = f"extraction timed out after {timeout:g} s (per-document limit)"
                write_extract(_failed(source, reason, timeout), out)
            else:
                process.join()
                if not out.exists():  # the worker died without writing
                    reason = f"extraction crashed (exit code {process.exitcode})"
                    write_extract(_failed(source, reason, elapsed), out)
            del running[pdf]
            results[pdf] = (out, True)
            if on_done:
                on_done(pdf, True)
        time.sleep(_POLL_SECONDS)
    return results

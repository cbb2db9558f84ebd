"""Extract many documents: content-hash cache, worker processes, per-document time limit."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

from .document import EXTRACTOR_VERSION, Extract, document_id, extract_document
from .pdf_source import fingerprint

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


def _timed_out(pdf: Path, sha256: str, seconds: float) -> Extract:
    return Extract(
        document={
            "document_id": document_id(sha256),
            "source_file": pdf.name,
            "source_path": str(pdf),
            "sha256": sha256,
            "file_size": pdf.stat().st_size,
            "page_count": None,
            "department_name": None,
            "fiscal_year": None,
            "phase": None,
            "scope": None,
            "status": "rejected",
            "status_reason": f"extraction timed out after {seconds:g} s (per-document limit)",
            "extractor_version": EXTRACTOR_VERSION,
            "elapsed_seconds": seconds,
        }
    )


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
    pending: list[tuple[Path, str, Path]] = []
    for pdf in pdfs:
        sha = fingerprint(pdf).sha256
        out = cache_path(cache_dir, sha)
        if out.exists():
            results[pdf] = (out, False)
            if on_done:
                on_done(pdf, False)
        else:
            pending.append((pdf, sha, out))
    context = mp.get_context("fork")
    running: dict[Path, tuple[mp.process.BaseProcess, float, str, Path]] = {}
    while pending or running:
        while pending and len(running) < max(workers, 1):
            pdf, sha, out = pending.pop(0)
            process = context.Process(target=_work, args=(str(pdf), str(out)), daemon=True)
            process.start()
            running[pdf] = (process, time.monotonic(), sha, out)
        for pdf, (process, started, sha, out) in list(running.items()):
            elapsed = time.monotonic() - started
            if process.is_alive() and elapsed < timeout:
                continue
            if process.is_alive():
                process.kill()
                process.join()
                write_extract(_timed_out(pdf, sha, timeout), out)
            else:
                process.join()
                if not out.exists():  # the worker died without writing
                    extract = _timed_out(pdf, sha, elapsed)
                    extract.document["status_reason"] = (
                        f"extraction crashed (exit code {process.exitcode})"
                    )
                    write_extract(extract, out)
            del running[pdf]
            results[pdf] = (out, True)
            if on_done:
                on_done(pdf, True)
        time.sleep(_POLL_SECONDS)
    return results

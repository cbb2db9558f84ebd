"""The extract cache: one file per PDF content hash and extractor version, checked on every read.

Only *decisions* are cached: an extract, or a rejection that follows from the file's content
(scanned, not a disclosure, encrypted…). *Accidents* — a crash, a timeout, a killed worker — are
written too, so the loader can record this build's outcome, but a later build retries them.

An entry is a header line and the extract as JSON::

    {"format": 2, "pdf_sha256": …, "extractor_version": …, "outcome": "decision", "payload_sha256": …, …}
    {"document": {…}, "tables": […], …}

The header carries the payload's SHA-256 and length: a truncated, garbled or edited entry (say,
every amount multiplied by 10) no longer matches and is re-extracted, with a warning naming it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..extract.document import EXTRACTOR_VERSION, Extract

FORMAT = 2
Outcome = Literal["decision", "accident"]


class CorruptEntry(Exception):
    """A cache entry that cannot be trusted; ``reason`` says why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class CacheEntry:
    extract: Extract
    outcome: Outcome = "decision"
    details: dict[str, Any] = field(default_factory=dict)  # e.g. the traceback of a crash
    checksum: str = ""


def cache_path(cache_dir: Path, sha256: str) -> Path:
    """Where the extract of a given content hash is kept (versioned by extractor)."""
    return cache_dir / f"{sha256}.v{EXTRACTOR_VERSION}.json"


def write_entry(
    path: Path,
    extract: Extract,
    outcome: Outcome = "decision",
    details: dict[str, Any] | None = None,
) -> None:
    """Write atomically (temporary file, fsync, rename): a crash never leaves half an entry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A path from a non-UTF-8 file name holds lone surrogates: written as JSON \\udcXX escapes.
    payload = json.dumps(asdict(extract), ensure_ascii=False).encode("utf-8", "backslashreplace")
    header = {
        "format": FORMAT,
        "pdf_sha256": extract.document.get("sha256"),
        "extractor_version": EXTRACTOR_VERSION,
        "outcome": outcome,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "payload_bytes": len(payload),
        **({"details": details} if details else {}),
    }
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        handle.write(json.dumps(header).encode("utf-8") + b"\n" + payload)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def read_entry(path: Path) -> CacheEntry:
    """Read and verify an entry; :class:`CorruptEntry` says what is wrong with it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise CorruptEntry(path, f"unreadable ({type(exc).__name__}: {exc})") from exc
    first, newline, payload = data.partition(b"\n")
    try:
        header = json.loads(first) if newline else None
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CorruptEntry(path, "not a cache entry of this version (no valid header line)")
    if header.get("extractor_version") != EXTRACTOR_VERSION:
        raise CorruptEntry(path, f"written by extractor {header.get('extractor_version')}")
    checksum = hashlib.sha256(payload).hexdigest()
    if checksum != header.get("payload_sha256"):
        expected = header.get("payload_bytes")
        how = (
            f"truncated: {len(payload)} of {expected} bytes"
            if isinstance(expected, int) and len(payload) < expected
            else "edited or damaged"
        )
        raise CorruptEntry(path, f"content does not match its checksum ({how})")
    try:
        extract = Extract(**json.loads(payload))
    except (ValueError, TypeError) as exc:
        raise CorruptEntry(path, f"unreadable extract ({type(exc).__name__})") from exc
    outcome = header.get("outcome")
    if outcome not in ("decision", "accident"):
        raise CorruptEntry(path, f"unknown outcome {outcome!r}")
    return CacheEntry(extract, outcome, header.get("details") or {}, checksum)


def read_header(path: Path) -> dict[str, Any]:
    """An entry's header line (cheap: the extract is not parsed); empty when unreadable."""
    try:
        with path.open("rb") as handle:
            header = json.loads(handle.readline())
    except (OSError, ValueError):
        return {}
    return header if isinstance(header, dict) else {}


def read_checksum(path: Path) -> str | None:
    """The payload checksum in an entry's header line."""
    return read_header(path).get("payload_sha256")


def read_extract(path: Path) -> Extract:
    """The verified extract of an entry (raises :class:`CorruptEntry`)."""
    return read_entry(path).extract


def write_extract(extract: Extract, path: Path) -> None:
    write_entry(path, extract)

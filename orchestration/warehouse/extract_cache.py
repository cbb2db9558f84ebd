"""The extract cache: one file per PDF content hash and extractor version, checked on every read.

Only *decisions* are cached: an extract, or a rejection that follows from the file's content
(scanned, not a disclosure, encrypted…). *Accidents* — a crash, a timeout, a killed worker — are
written too, so the loader can record this build's outcome, but a later build retries them.

An entry is a header line and the extract as JSON::

    {"format": 2, "pdf_sha256": …, "extractor_version": …, "outcome": "decision", "payload_sha256": …, …}
    {"document": {…}, "tables": […], …}

The header carries the payload's SHA-256 and length: a truncated, garbled or edited entry (say,
every amount multiplied by 10) no longer matches and is re-extracted, with a warning naming it.
It also carries a summary of the extract (document id, status, counts; checked against the
payload whenever the entry is verified), so a build of 10⁴ cached documents reads headers, not
gigabytes of extracts: :class:`VerifiedEntries` remembers which entries were verified, by file
identity (size, mtime, ctime, inode — any rewrite, edit or truncation changes it).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..extract.document import EXTRACTOR_VERSION, Extract

FORMAT = 2
Outcome = Literal["decision", "accident"]
#: Where :class:`VerifiedEntries` keeps its memo, inside the cache folder.
VERIFIED_FILE = "verified.json"


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


def summary(extract: Extract) -> dict[str, Any]:
    """What a build reports of a document without reading its extract (the header's copy)."""
    doc = extract.document
    return {
        "document_id": doc.get("document_id"),
        "status": doc.get("status"),
        "status_reason": doc.get("status_reason"),
        "page_count": doc.get("page_count"),
        "tables": len(extract.tables),
        "rows": len(extract.rows),
        "cells": len(extract.cells),
    }


def write_entry(
    path: Path,
    extract: Extract,
    outcome: Outcome = "decision",
    details: dict[str, Any] | None = None,
) -> None:
    """Write atomically (temporary file, fsync, link): a crash never leaves half an entry, and a
    sound decision already there stays (see :func:`_publish`)."""
    # A path from a non-UTF-8 file name holds lone surrogates: written as JSON \\udcXX escapes.
    payload = json.dumps(asdict(extract), ensure_ascii=False).encode("utf-8", "backslashreplace")
    write_payload(path, payload, extract.document.get("sha256"), summary(extract), outcome, details)


def write_payload(
    path: Path,
    payload: bytes,
    pdf_sha256: str | None,
    extract_summary: dict[str, Any],
    outcome: Outcome = "decision",
    details: dict[str, Any] | None = None,
) -> None:
    """:func:`write_entry` of an extract already serialised (``payload``, as it writes it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {
        "format": FORMAT,
        "pdf_sha256": pdf_sha256,
        "extractor_version": EXTRACTOR_VERSION,
        "outcome": outcome,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "payload_bytes": len(payload),
        "summary": extract_summary,
        **({"details": details} if details else {}),
    }
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        handle.write(json.dumps(header).encode("utf-8") + b"\n" + payload)
        handle.flush()
        os.fsync(handle.fileno())
    _publish(tmp, path)


def _publish(tmp: Path, path: Path) -> None:
    """Move ``tmp`` to ``path`` unless ``path`` already holds a sound decision: the first of two
    writers extracting the same PDF wins, so an entry once read never changes under its readers
    (the second writer's copy differs in its timings alone)."""
    try:
        os.link(tmp, path)  # atomic, and fails if the entry exists
    except FileExistsError:
        if not _is_sound_decision(path):
            tmp.replace(path)  # a crash's entry, a corrupt one: replaced
            return
    except OSError:  # a file system without hard links
        tmp.replace(path)
        return
    tmp.unlink()


def _is_sound_decision(path: Path) -> bool:
    try:
        return read_entry(path).outcome == "decision"
    except (CorruptEntry, OSError):
        return False


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
    if "summary" in header and _jsonable(header["summary"]) != _jsonable(summary(extract)):
        raise CorruptEntry(path, "header does not summarise its extract (edited)")
    return CacheEntry(extract, outcome, header.get("details") or {}, checksum)


def _jsonable(value: Any) -> Any:
    """``value`` as it reads back from JSON (surrogates escaped as the payload has them)."""
    return json.loads(json.dumps(value, ensure_ascii=False).encode("utf-8", "backslashreplace"))


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


_Identity = tuple[int, int, int, int]


def _identity(path: Path) -> _Identity:
    stat = path.stat()
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


class VerifiedEntries:
    """The cache entries verified before, kept in the cache folder (:data:`VERIFIED_FILE`).

    :meth:`header` verifies an entry (:func:`read_entry`) the first time it sees it and
    whenever its file identity changed since; otherwise it reads only its header line. The
    memo is advisory: a lost or damaged memo costs a re-verification, never a wrong answer.
    """

    def __init__(self, cache_dir: Path) -> None:
        self.path = cache_dir / VERIFIED_FILE
        self.changed = False
        try:
            memo = json.loads(self.path.read_bytes())
            self.memo: dict[str, list[int]] = memo if isinstance(memo, dict) else {}
        except (OSError, ValueError):
            self.memo = {}

    def header(self, path: Path) -> dict[str, Any]:
        """The header of a verified entry that summarises its extract; raises
        :class:`CorruptEntry` (or ``FileNotFoundError``) as :func:`read_entry` does."""
        identity = _identity(path)
        if tuple(self.memo.get(path.name, ())) == identity:
            header = read_header(path)
            if "summary" in header:
                return header
        entry = read_entry(path)
        header = read_header(path)
        if "summary" not in header:  # written before headers had one
            header = {**header, "summary": _jsonable(summary(entry.extract))}
        else:
            self.memo[path.name] = list(identity)
            self.changed = True
        return header

    def save(self) -> None:
        """Write the memo atomically (only when it changed)."""
        if not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.memo), encoding="utf-8")
        tmp.replace(self.path)
        self.changed = False


def is_decision(verified: VerifiedEntries, entry: Path) -> bool:
    """Whether ``entry`` holds a decision (an extract or a rejection), not an accident to retry;
    False for a missing or corrupt entry (re-extracted)."""
    try:
        return verified.header(entry)["outcome"] == "decision"
    except (CorruptEntry, FileNotFoundError):
        return False


def uncached(contents: Mapping[Path, str], cache_dir: Path) -> list[Path]:
    """The PDFs of ``contents`` ({pdf: sha256}) whose cache entry is no decision: what a build
    extracts (new, changed, retried after an accident, entry corrupt or gone)."""
    verified = VerifiedEntries(cache_dir)
    found = [
        pdf
        for pdf, sha in contents.items()
        if not is_decision(verified, cache_path(cache_dir, sha))
    ]
    verified.save()
    return found

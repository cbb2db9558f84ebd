"""Which document pages a report must write again: those whose content changed.

A document's page (and its evidence images) is a function of what :func:`.collect.collect` read
for it and of the report and evidence code. ``documents/.pages.json`` keeps, per page, a digest
of both and the images the page shows (and why a source was unavailable), so a report over a
warehouse where one document changed draws and writes that document's page only — no evidence
lookup, PDF hash or image for the others — and keeps the others' images when it prunes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .collect import DocumentReport

MANIFEST = ".pages.json"
_BUILD_TIME_COLUMNS = {"loaded_at", "validated_at", "extract_seconds"}
_CODE = [Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "evidence"]


@dataclass
class PageRecord:
    """A written page: the digest it was written from, its images, unavailable sources."""

    key: str
    images: list[str] = field(default_factory=list)  # image file names, one per check shown
    unavailable: list[str] = field(default_factory=list)


def code_digest() -> str:
    """The report and evidence packages' sources."""
    digest = hashlib.sha256()
    for folder in _CODE:
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def page_key(document: DocumentReport, code: str) -> str:
    """A digest of everything the document's page and images are made from."""
    content = json.dumps(_canonical(dataclasses.asdict(document)), default=str)
    return hashlib.sha256(f"{code}\0{content}".encode()).hexdigest()[:24]


def _canonical(value: Any) -> Any:
    """``value`` with every mapping as its items sorted by key (keys of any type, as text),
    without the columns that say when a build ran (no page shows them): a page of a document
    validated by an earlier build has the key it would have after a full rebuild."""
    if isinstance(value, dict):
        return sorted(
            (str(k), _canonical(v)) for k, v in value.items() if k not in _BUILD_TIME_COLUMNS
        )
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def read_manifest(folder: Path) -> dict[str, PageRecord]:
    """``{page file name: record}`` of the pages written before (empty if unreadable)."""
    try:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return {name: PageRecord(**record) for name, record in raw.items()}
    except (OSError, ValueError, TypeError):
        return {}


def write_manifest(folder: Path, records: dict[str, PageRecord]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f"{MANIFEST}.tmp"
    text = {name: dataclasses.asdict(record) for name, record in sorted(records.items())}
    temp.write_text(json.dumps(text, ensure_ascii=False, indent=0), encoding="utf-8")
    temp.replace(folder / MANIFEST)

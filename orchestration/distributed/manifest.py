"""Batch partitions: the raw folder's PDFs in content-hashed batches of at most N documents.

Identical files are one document (first path kept). Documents are ordered by content hash and
cut into equal contiguous batches; a batch's key is the hash of its documents' hashes, so the
same PDFs always make the same partition, whatever their paths. With 500 PDFs a batch, a
national year (~3×10⁵ PDFs) is ~600 partitions — far below Dagster's advice of < 10⁵.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from ..extract.pdf_source import fingerprint
from ..settings import discover_pdfs


@dataclass(frozen=True)
class BatchItem:
    key: str  # POSIX path relative to the raw folder
    sha256: str
    size: int


@dataclass(frozen=True)
class Batch:
    key: str
    raw_dir: str
    items: tuple[BatchItem, ...]

    def paths(self) -> dict[Path, BatchItem]:
        """Each document's file below the raw folder (shared by the workers)."""
        return {Path(self.raw_dir) / item.key: item for item in self.items}

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Batch:
        data = json.loads(text)
        items = tuple(BatchItem(**item) for item in data["items"])
        return cls(data["key"], data["raw_dir"], items)


def batch_key(shas: list[str]) -> str:
    """``batch-`` and 16 hex digits of the hash of the sorted content hashes."""
    return "batch-" + hashlib.sha256("\n".join(sorted(shas)).encode()).hexdigest()[:16]


def plan_batches(raw_dir: Path, batch_size: int) -> list[Batch]:
    """The raw folder's documents in ``ceil(n / batch_size)`` batches of near-equal size."""
    unique: dict[str, BatchItem] = {}
    for key, path in discover_pdfs(raw_dir).items():
        source = fingerprint(path)
        unique.setdefault(source.sha256, BatchItem(key, source.sha256, source.size))
    items = [unique[sha] for sha in sorted(unique)]
    if not items:
        return []
    count = math.ceil(len(items) / batch_size)
    size = math.ceil(len(items) / count)
    chunks = [tuple(items[start : start + size]) for start in range(0, len(items), size)]
    return [Batch(batch_key([i.sha256 for i in chunk]), str(raw_dir), chunk) for chunk in chunks]

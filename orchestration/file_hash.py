"""Content hashes of files (no heavy imports: the up-to-date check uses them)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

_BLOCK = 1 << 20


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def hash_files(digest: hashlib._Hash, paths: Iterable[Path], root: Path) -> None:
    """Feed ``digest`` each file's path below ``root`` and its bytes, in sorted order."""
    for path in sorted(paths):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())

"""Content hashes of files (no heavy imports: the up-to-date check uses them)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_BLOCK = 1 << 20


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileState:
    """A file's identity on disk and its content hash (re-hashed only when the identity changes)."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    sha256: str

    def same_file(self, stat: os.stat_result) -> bool:
        return (self.size, self.mtime_ns, self.ctime_ns, self.inode) == (
            stat.st_size,
            stat.st_mtime_ns,
            stat.st_ctime_ns,
            stat.st_ino,
        )


def file_state(path: Path, previous: FileState | None = None) -> FileState:
    """``path``'s state now; its content is hashed again only when its identity differs from
    ``previous`` (size, mtime, ctime, inode). Raises ``OSError`` when it cannot be read."""
    stat = path.stat()
    if previous is not None and previous.same_file(stat):
        return previous
    return FileState(stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, sha256_of(path))


def hash_files(digest: hashlib._Hash, paths: Iterable[Path], root: Path) -> None:
    """Feed ``digest`` each file's path below ``root`` and its bytes, in sorted order."""
    for path in sorted(paths):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())

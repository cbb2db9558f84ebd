"""The extract store shared by the workers: entries of ``warehouse.extract_cache`` (one per PDF
content hash and extractor version, with the PDF's status in its header) and batch manifests,
behind fsspec (``universal-pathlib``): a local or shared folder, or ``s3://bucket/prefix``.

A local store is used in place (workers write entries straight into it, exactly as the
embedded cache). A remote one is mirrored through a temporary folder around each batch.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from upath import UPath

from ..warehouse.extract_cache import cache_path, read_checksum
from .manifest import Batch

LOCAL_PROTOCOLS = ("", "file", "local")


class ExtractStore:
    """Extract entries and batch manifests below ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.root = UPath(url)

    @property
    def local_folder(self) -> Path | None:
        """The store as a local folder, or None when it is remote."""
        if self.root.protocol in LOCAL_PROTOCOLS:
            return Path(self.root.path)
        return None

    def entry(self, sha256: str) -> UPath:
        return self.root / cache_path(Path(), sha256).name

    def manifest(self, key: str) -> UPath:
        return self.root / "manifests" / f"{key}.json"

    def write_manifest(self, batch: Batch) -> None:
        path = self.manifest(batch.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(batch.to_json(), encoding="utf-8")

    def read_manifest(self, key: str) -> Batch:
        return Batch.from_json(self.manifest(key).read_text(encoding="utf-8"))

    @contextlib.contextmanager
    def extracting(self, shas: Iterable[str]) -> Iterator[Path]:
        """A local folder to extract into: the store itself when local; otherwise a temporary
        folder holding the store's entries of ``shas``, whose new entries are uploaded on exit."""
        local = self.local_folder
        if local is not None:
            local.mkdir(parents=True, exist_ok=True)
            yield local
            return
        with tempfile.TemporaryDirectory(prefix="extracts-") as folder:
            work = Path(folder)
            self.fetch(shas, work)
            before = {path.name: read_checksum(path) for path in work.glob("*.json")}
            yield work
            for path in work.glob("*.json"):
                if before.get(path.name) != read_checksum(path):
                    (self.root / path.name).write_bytes(path.read_bytes())

    def fetch(self, shas: Iterable[str], cache_dir: Path) -> int:
        """Copy the store's entries of ``shas`` into a local extract cache; return how many
        were copied (entries already there with the same checksum are skipped)."""
        cache_dir.mkdir(parents=True, exist_ok=True)
        copied = 0
        for sha in shas:
            source, target = self.entry(sha), cache_path(cache_dir, sha)
            if not source.exists():
                continue
            local = self.local_folder
            if local is not None and (local / target.name).resolve() == target.resolve():
                continue
            if target.exists() and read_checksum(target) == _remote_checksum(source):
                continue
            tmp = target.with_name(f"{target.name}.fetch.tmp")
            with source.open("rb") as reader, tmp.open("wb") as writer:
                shutil.copyfileobj(reader, writer)
            tmp.replace(target)
            copied += 1
        return copied


def _remote_checksum(path: UPath) -> str | None:
    """The payload checksum in a store entry's header line."""
    with path.open("rb") as handle:
        try:
            header = json.loads(handle.readline())
        except ValueError:
            return None
    return header.get("payload_sha256") if isinstance(header, dict) else None

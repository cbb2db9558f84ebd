"""Content hashes of the raw folder's PDFs, remembered between builds by file identity.

A build needs every PDF's SHA-256 (its document id, its cache entry) in several steps: the
up-to-date check, the extraction and the loader. Reading 10⁴ PDFs (~6 GB) for each costs more
than adding a document; a PDF whose size, mtime, ctime and inode are those it had when hashed
is not read again (as the up-to-date check trusts them). The memo lives beside the working
database (``Settings.pdf_hashes``); losing it costs one re-hash.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import astuple
from pathlib import Path

from ..file_hash import FileState, file_state


class PdfHashes:
    """{partition key: FileState} loaded from and saved to ``path`` (JSON)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.changed = False
        try:
            memo = json.loads(path.read_bytes())
            self.states = {key: FileState(*state) for key, state in memo.items()}
        except (OSError, ValueError, TypeError, AttributeError):
            self.states = {}

    def sha256(self, key: str, pdf: Path) -> str:
        """The content hash of ``pdf`` (raises ``OSError`` when it cannot be read)."""
        state = file_state(pdf, self.states.get(key))
        if state is not self.states.get(key):
            self.states[key] = state
            self.changed = True
        return state.sha256

    def remember(self, states: Mapping[str, FileState]) -> None:
        """Take states hashed elsewhere (the up-to-date check's)."""
        for key, state in states.items():
            if len(state.sha256) == 64 and self.states.get(key) != state:
                self.states[key] = state
                self.changed = True

    def save(self) -> None:
        """Write atomically (only when something was hashed)."""
        if not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        states = {key: astuple(state) for key, state in sorted(self.states.items())}
        tmp.write_text(json.dumps(states), encoding="utf-8")
        tmp.replace(self.path)
        self.changed = False


def remember(path: Path, states: Mapping[str, FileState]) -> None:
    """Add ``states`` (hashed by the up-to-date check) to the memo at ``path``."""
    hashes = PdfHashes(path)
    hashes.remember(states)
    hashes.save()

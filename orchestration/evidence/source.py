"""Find the PDF a document came from, by the path and sha256 recorded in ``marts.dim_document``.

Bounding boxes are only meaningful on the exact bytes they were extracted from: a file that moved
is looked for by name in the raw folder, and a file whose content changed is refused, both with a
message saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..file_hash import sha256_of


class SourceUnavailable(RuntimeError):
    """The recorded PDF cannot be used: missing, moved out of reach, or changed since the build."""


@dataclass(frozen=True)
class SourceDocument:
    """One document as the warehouse recorded it."""

    document_id: str
    source_file: str
    source_path: str  # relative to the raw folder of the build
    sha256: str
    page_count: int | None

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, document_id: str) -> SourceDocument:
        try:
            row = con.execute(
                "select document_id, source_file, coalesce(source_path, source_file), sha256, "
                "page_count from marts.dim_document where document_id = ?",
                [document_id],
            ).fetchone()
        except duckdb.BinderException:  # a warehouse built before dim_document.source_path
            row = con.execute(
                "select document_id, source_file, source_path, sha256, page_count "
                "from raw.documents where document_id = ?",
                [document_id],
            ).fetchone()
        if row is None:
            raise SourceUnavailable(f"document {document_id} is not in marts.dim_document")
        return cls(*row)


def locate_pdf(
    document: SourceDocument, raw_dir: Path, verified: dict[Path, str] | None = None
) -> Path:
    """The PDF of ``document`` below ``raw_dir``, checked against the recorded sha256.

    Looks at the recorded path first, then (the file moved) for a file of the same name anywhere
    below ``raw_dir`` with the recorded content. ``verified`` memoises hashes across calls.
    """
    verified = {} if verified is None else verified

    def digest(path: Path) -> str:
        if path not in verified:
            verified[path] = sha256_of(path)
        return verified[path]

    recorded = raw_dir / document.source_path
    if recorded.is_file():
        actual = digest(recorded)
        if actual == document.sha256:
            return recorded
        raise SourceUnavailable(
            f"{recorded} changed since the build (sha256 {actual[:12]}…, recorded "
            f"{document.sha256[:12]}…): rebuild the warehouse to see its evidence"
        )
    for candidate in sorted(raw_dir.rglob(document.source_file)) if raw_dir.is_dir() else []:
        if candidate.is_file() and digest(candidate) == document.sha256:
            return candidate
    raise SourceUnavailable(
        f"{document.source_file} moved or was deleted: not at {recorded}, and no file with its "
        f"recorded sha256 ({document.sha256[:12]}…) below {raw_dir}"
    )

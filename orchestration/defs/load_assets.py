"""Loading: the one process that writes extracts into the raw tables of the working database."""

import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from ..extract.document import EXTRACTOR_VERSION, Extract, document_id
from ..extract.pdf_source import fingerprint
from ..settings import scan_raw_dir, utf8_text
from ..warehouse import changes
from ..warehouse.extract_cache import CorruptEntry, cache_path, read_checksum, read_entry
from ..warehouse.pdf_hashes import PdfHashes
from ..warehouse.raw_store import (
    RAW_TABLES,
    delete_documents,
    ensure_schema,
    load_document,
    load_documents,
    raw_columns,
)
from .extract_assets import document_extracts
from .resources import BuildLockResource, WarehouseResource

RAW_DESCRIPTIONS = {
    "documents": "One row per distinct PDF seen: identity, department, year, status and reason.",
    "tables": "Each table located in a document: type, title, printed unit, pages.",
    "columns": "Each table's columns with their header labels and roles.",
    "rows": "Each table row: kind (total/unit/item…), code, name, level, page.",
    "cells": "Each amount cell as printed and as a number, with its page and position.",
    "narrative_figures": "Figures stated in the narrative chapters (万元 as printed).",
    "page_titles": "Table titles printed on each page; table-of-contents pages flagged.",
    "execution_notes": "Final accounts' budget and outturn per function line, as the narrative states them.",
}
#: The change log's view for the incremental stages (``warehouse.changes``), kept by the loader.
PENDING_DOCUMENTS = "pending_documents"
PENDING_DESCRIPTION = (
    "Documents each incremental stage (dbt's per-document models, validation, report) has to "
    "redo: changed, removed and rejected since its last build, and their departments' others."
)


@dataclass(frozen=True)
class SourceDocument:
    """A PDF currently in the raw folder and where its extract would be."""

    key: str
    sha256: str
    extract_path: Path

    @property
    def document_id(self) -> str:
        return document_id(self.sha256)


@dataclass(frozen=True)
class UnreadableEntry:
    """A ``*.pdf`` entry of the raw folder that cannot be read: it still gets a status."""

    key: str
    reason: str

    @property
    def document_id(self) -> str:
        """Stable per path (there is no content to hash)."""
        return hashlib.sha256(f"path:{self.key}".encode()).hexdigest()[:16]

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.reason.encode()).hexdigest()

    def extract(self) -> Extract:
        return Extract(
            document={
                "document_id": self.document_id,
                "source_file": Path(self.key).name,
                "source_path": self.key,
                "status": "rejected",
                "status_reason": self.reason,
                "document_kind": "unreadable",
                "extract_checksum": self.checksum,
            }
        )


@dataclass(frozen=True)
class RawSources:
    documents: list[SourceDocument]
    unreadable: list[UnreadableEntry]


@dataclass
class LoadReport:
    """What one load changed in the raw tables."""

    loaded: list[str] = field(default_factory=list)  # keys (re)written
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # document ids deleted
    duplicates: dict[str, str] = field(default_factory=dict)  # key -> key of identical file
    pending: list[str] = field(default_factory=list)  # keys without an extract yet
    failed: dict[str, str] = field(default_factory=dict)  # key -> why it was not loaded


def source_documents(raw_dir: Path, cache_dir: Path, hashes: PdfHashes | None = None) -> RawSources:
    """The PDFs below ``raw_dir`` with their content hash and cache location, and the entries
    that cannot be read (with the reason). ``hashes`` spares re-reading unchanged PDFs."""
    folder = scan_raw_dir(raw_dir)
    documents, unreadable = [], [UnreadableEntry(k, r) for k, r in folder.unreadable.items()]
    for key, path in folder.pdfs.items():
        try:
            sha = hashes.sha256(key, path) if hashes else fingerprint(path).sha256
        except OSError as exc:  # removed or made unreadable since the scan
            unreadable.append(UnreadableEntry(key, f"unreadable: {exc.strerror or exc}"))
            continue
        documents.append(SourceDocument(key, sha, cache_path(cache_dir, sha)))
    return RawSources(documents, unreadable)


def sync_raw(
    con: duckdb.DuckDBPyConnection,
    documents: Iterable[SourceDocument],
    unreadable: Iterable[UnreadableEntry] = (),
) -> LoadReport:
    """Make the raw tables hold exactly the given documents' extracts.

    A document already loaded from the same path, extractor version and extract checksum is
    left as is; changed and new ones are (re)written, many per transaction; documents
    whose PDF is gone are deleted. Every document written or deleted is first recorded in the
    change log (:mod:`~orchestration.warehouse.changes`) for the incremental stages. A document whose extract cannot be read or written (a row
    breaking a key of the raw tables, say) is recorded as rejected with the reason, and the
    others load. Files with identical content are one document (the first path wins).
    """
    ensure_schema(con)
    loaded = {
        row[0]: tuple(row[1:])
        for row in con.execute(
            "select document_id, source_path, extractor_version, extract_checksum "
            "from raw.documents"
        ).fetchall()
    }
    report = LoadReport()
    first: dict[str, SourceDocument] = {}
    for doc in documents:
        if doc.document_id in first:
            report.duplicates[doc.key] = first[doc.document_id].key
        elif not doc.extract_path.exists():
            report.pending.append(doc.key)
        else:
            first[doc.document_id] = doc
    entries = {
        entry.document_id: entry
        for entry in unreadable
        if loaded.get(entry.document_id) != (entry.key, None, entry.checksum)
    }
    unchanged = {
        doc_id
        for doc_id, doc in first.items()
        if loaded.get(doc_id) == (doc.key, EXTRACTOR_VERSION, read_checksum(doc.extract_path))
    }
    report.unchanged = [first[doc_id].key for doc_id in first if doc_id in unchanged]
    report.removed = sorted(set(loaded) - set(first) - {e.document_id for e in unreadable})
    # Recorded before any raw row changes: a build killed half-way still rebuilds them.
    changes.record(
        con,
        {doc_id: changes.REMOVED for doc_id in report.removed}
        | {doc_id: changes.LOADED for doc_id in [*entries, *(set(first) - unchanged)]},
    )
    delete_documents(con, report.removed)
    keys: dict[str, str] = {}  # document id -> key, of the source documents written now

    def extracts() -> Iterator[Extract]:
        for entry in entries.values():
            yield entry.extract()
        for doc_id, doc in first.items():
            if doc_id not in unchanged:
                extract, reason = _read(doc)
                if reason:
                    report.failed[doc.key] = reason
                keys[doc_id] = doc.key
                report.loaded.append(doc.key)
                yield extract

    columns = raw_columns(con)
    for extract, exc in load_documents(con, extracts(), columns, replace=set(loaded)):
        key = keys.get(extract.document["document_id"])
        if key is None:
            raise exc  # an unreadable entry's one row
        reason = f"could not be loaded: {exc}; retried on the next build"
        report.failed[key] = reason
        load_document(con, Extract(document=_rejected(extract.document, key, reason)), columns)
    return report


def _read(doc: SourceDocument) -> tuple[Extract, str | None]:
    """The document's extract as the loader writes it, or (entry unusable) its rejection and
    the reason."""
    try:
        entry = read_entry(doc.extract_path)
    except (CorruptEntry, FileNotFoundError) as exc:
        reason = f"extract unusable ({getattr(exc, 'reason', exc)}); re-extracted on the next build"
        record = {"document_id": doc.document_id, "sha256": doc.sha256}
        return Extract(document=_rejected(record, doc.key, reason)), reason
    record = entry.extract.document
    if record.get("status_reason"):
        record["status_reason"] = utf8_text(record["status_reason"])
    # The cache is keyed by content: the file may have been copied or renamed since.
    record.update(source_file=Path(doc.key).name, source_path=doc.key)
    record["extract_checksum"] = entry.checksum
    return entry.extract, None


def _rejected(record: dict, key: str, reason: str) -> dict:
    """A document's row recording that it was not loaded, and why."""
    return {
        **record,
        "source_file": Path(key).name,
        "source_path": key,
        "status": "rejected",
        "status_reason": reason,
        "extract_checksum": None,  # not a decision: the next build tries again
    }


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        table: con.execute(f"select count(*) from raw.{table}").fetchone()[0]
        for table in RAW_TABLES
    }


def documents_preview(con: duckdb.DuckDBPyConnection, limit: int = 50) -> str:
    rows = con.execute(
        "select source_path, status, page_count, department_name, fiscal_year, status_reason "
        "from raw.documents order by source_path limit ?",
        [limit],
    ).fetchall()
    lines = [
        "| file | status | pages | department | year | reason |",
        "|---|---|---:|---|---:|---|",
    ]
    for row in rows:
        cells = ["" if v is None else str(v).replace("|", "/") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


@multi_asset(
    specs=[
        AssetSpec(
            AssetKey(["raw", table]),
            description=RAW_DESCRIPTIONS[table],
            deps=[AssetDep(document_extracts, partition_mapping=AllPartitionMapping())],
            group_name="warehouse",
            kinds={"duckdb"},
        )
        for table in RAW_TABLES
    ]
    + [
        AssetSpec(
            AssetKey(["raw", PENDING_DOCUMENTS]),
            description=PENDING_DESCRIPTION,
            deps=[AssetDep(document_extracts, partition_mapping=AllPartitionMapping())],
            group_name="warehouse",
            kinds={"duckdb"},
        )
    ],
    name="raw_tables",
)
def raw_tables(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    build_lock: BuildLockResource,  # held from the run's first step to its last
) -> Iterator[MaterializeResult]:
    """Load every current document extract into the raw tables of the working database.

    The only writer of DuckDB in the extraction stage. Unchanged documents (same content hash)
    are left untouched, changed ones replaced, documents whose PDF is gone deleted.
    """
    settings = warehouse.settings
    started = time.perf_counter()
    sources = source_documents(settings.raw_dir, settings.cache_dir, PdfHashes(settings.pdf_hashes))
    with warehouse.writing(), warehouse.connect_working() as con:
        report = sync_raw(con, sources.documents, sources.unreadable)
        counts = row_counts(con)
        preview = documents_preview(con)
        statuses = dict(
            con.execute("select status, count(*) from raw.documents group by status").fetchall()
        )
    for key in report.pending:
        context.log.warning(
            f"{key}: not extracted yet; materialise its document_extracts partition"
        )
    for key, reason in report.failed.items():
        context.log.warning(f"{key}: rejected — {reason}")
    for key, first in report.duplicates.items():
        context.log.warning(f"{key}: identical content to {first}; loaded once")
    context.log.info(
        f"raw tables: {len(report.loaded)} loaded, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed, {len(report.pending)} pending"
    )
    summary = {
        "documents_loaded_now": len(report.loaded),
        "documents_unchanged": len(report.unchanged),
        "documents_removed": len(report.removed),
        "documents_pending": len(report.pending),
        "documents_failed_to_load": MetadataValue.json(report.failed),
        "duplicates": MetadataValue.json(report.duplicates),
        "working_database": MetadataValue.path(str(settings.build_database)),
        "seconds": round(time.perf_counter() - started, 2),
    }
    for table in RAW_TABLES:
        metadata: dict[str, object] = {"dagster/row_count": counts[table]}
        if table == "documents":
            metadata.update(summary)
            metadata["loaded"] = statuses.get("loaded", 0)
            metadata["rejected"] = statuses.get("rejected", 0)
            metadata["preview"] = MetadataValue.md(preview)
        yield MaterializeResult(asset_key=AssetKey(["raw", table]), metadata=metadata)
    yield MaterializeResult(
        asset_key=AssetKey(["raw", PENDING_DOCUMENTS]),
        metadata={"changes_recorded": len(report.loaded) + len(report.removed)},
    )

"""Loading: the one process that writes extracts into the raw tables of the working database."""

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

from ..extract.document import EXTRACTOR_VERSION
from ..extract.pdf_source import fingerprint
from ..extract.runner import cache_path, read_extract
from ..settings import discover_pdfs
from ..warehouse.raw_store import ensure_schema, replace_documents
from .extract_assets import document_extracts
from .resources import WarehouseResource

RAW_TABLES = ("documents", "tables", "columns", "rows", "cells", "narrative_figures")
RAW_DESCRIPTIONS = {
    "documents": "One row per distinct PDF seen: identity, department, year, status and reason.",
    "tables": "Each table located in a document: type, title, printed unit, pages.",
    "columns": "Each table's columns with their header labels and roles.",
    "rows": "Each table row: kind (total/unit/item…), code, name, level, page.",
    "cells": "Each amount cell as printed and as a number, with its page and position.",
    "narrative_figures": "Figures stated in the narrative chapters (万元 as printed).",
}


@dataclass(frozen=True)
class SourceDocument:
    """A PDF currently in the raw folder and where its extract would be."""

    key: str
    sha256: str
    extract_path: Path

    @property
    def document_id(self) -> str:
        return self.sha256[:16]


@dataclass
class LoadReport:
    """What one load changed in the raw tables."""

    loaded: list[str] = field(default_factory=list)  # keys (re)written
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # document ids deleted
    duplicates: dict[str, str] = field(default_factory=dict)  # key -> key of identical file
    pending: list[str] = field(default_factory=list)  # keys without an extract yet


def source_documents(raw_dir: Path, cache_dir: Path) -> list[SourceDocument]:
    """The PDFs below ``raw_dir`` with their content hash and cache location."""
    documents = []
    for key, path in discover_pdfs(raw_dir).items():
        sha = fingerprint(path).sha256
        documents.append(SourceDocument(key, sha, cache_path(cache_dir, sha)))
    return documents


def sync_raw(con: duckdb.DuckDBPyConnection, documents: Iterable[SourceDocument]) -> LoadReport:
    """Make the raw tables hold exactly the given documents' extracts.

    A document already loaded from the same content, path and extractor version is left as is;
    changed and new ones are (re)written; documents whose PDF is gone are deleted. Files with
    identical content are one document (the first path wins). All in one transaction.
    """
    ensure_schema(con)
    loaded = {
        row[0]: (row[1], row[2])
        for row in con.execute(
            "select document_id, source_path, extractor_version from raw.documents"
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
    changed = []
    for doc_id, doc in first.items():
        if loaded.get(doc_id) == (doc.key, EXTRACTOR_VERSION):
            report.unchanged.append(doc.key)
            continue
        extract = read_extract(doc.extract_path)
        # The cache is keyed by content: the file may have been copied or renamed since.
        extract.document["source_file"] = Path(doc.key).name
        extract.document["source_path"] = doc.key
        changed.append(extract)
        report.loaded.append(doc.key)
    report.removed = sorted(set(loaded) - set(first))
    if changed or report.removed:
        replace_documents(con, changed, keep_ids=set(first))
    return report


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
    ],
    name="raw_tables",
)
def raw_tables(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[MaterializeResult]:
    """Load every current document extract into the raw tables of the working database.

    The only writer of DuckDB in the extraction stage. Unchanged documents (same content hash)
    are left untouched, changed ones replaced, documents whose PDF is gone deleted.
    """
    settings = warehouse.settings
    started = time.perf_counter()
    documents = source_documents(settings.raw_dir, settings.cache_dir)
    with warehouse.writing(), warehouse.connect_working() as con:
        report = sync_raw(con, documents)
        counts = row_counts(con)
        preview = documents_preview(con)
        statuses = dict(
            con.execute("select status, count(*) from raw.documents group by status").fetchall()
        )
    for key in report.pending:
        context.log.warning(
            f"{key}: not extracted yet; materialise its document_extracts partition"
        )
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

"""Extraction: one dynamic partition per PDF, extracted in parallel worker processes.

Workers never touch DuckDB: each writes its document's extract as a JSON file in a
content-addressed cache, and the loader (``load_assets``) is the only writer of the database.
"""

import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from dagster import (
    AssetExecutionContext,
    AssetObservation,
    BackfillPolicy,
    BetaWarning,
    DynamicPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    ResourceParam,
    asset,
)

from ..settings import discover_pdfs, utf8_text
from ..warehouse.extract_cache import VerifiedEntries
from ..warehouse.extract_pool import extract_all, largest_first
from ..warehouse.pdf_hashes import PdfHashes
from .helpers import BuildHelpers
from .resources import BuildLockResource, WarehouseResource, progress_log

#: One partition per PDF; the key is its POSIX path relative to the raw folder.
documents_partitions = DynamicPartitionsDefinition(name="documents")
#: What became of a document: its rows are in the raw tables, or it has a reason instead.
DocumentStatus = Literal["loaded", "rejected"]


@dataclass(frozen=True)
class DocumentSummary:
    """What one extract holds, for run metadata and the CLI summary."""

    key: str
    document_id: str
    sha256: str
    status: DocumentStatus
    reason: str | None
    pages: int
    tables: int
    rows: int
    cells: int
    fresh: bool
    traceback: str | None = None  # of a crash, for the log

    @classmethod
    def read(
        cls, key: str, extract_path: Path, fresh: bool, verified: VerifiedEntries
    ) -> "DocumentSummary":
        """From the entry's header (the extract is parsed only if not verified before)."""
        header = verified.header(extract_path)
        doc = header["summary"]
        return cls(
            key=key,
            document_id=doc["document_id"],
            sha256=header["pdf_sha256"],
            status=cast(DocumentStatus, doc["status"]),
            reason=utf8_text(doc["status_reason"]) if doc.get("status_reason") else None,
            pages=doc.get("page_count") or 0,
            tables=doc["tables"],
            rows=doc["rows"],
            cells=doc["cells"],
            fresh=fresh,
            traceback=(header.get("details") or {}).get("traceback"),
        )


def markdown_table(summaries: list[DocumentSummary], limit: int = 50) -> str:
    """A small preview table for the Dagster UI."""
    lines = [
        "| document | status | pages | tables | rows | extracted | reason |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for s in summaries[:limit]:
        how = "now" if s.fresh else "cache"
        reason = (s.reason or "").replace("|", "/")
        lines.append(
            f"| {s.key} | {s.status} | {s.pages} | {s.tables} | {s.rows} | {how} | {reason} |"
        )
    if len(summaries) > limit:
        lines.append(f"| … {len(summaries) - limit} more | | | | | | |")
    return "\n".join(lines)


# backfill_policy is "beta" in Dagster 1.13 and warns on every import; we rely on it knowingly.
warnings.filterwarnings("ignore", message=".*backfill_policy.*", category=BetaWarning)


@asset(
    partitions_def=documents_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    group_name="extract",
    kinds={"python", "pdf"},
)
def document_extracts(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    build_lock: BuildLockResource,  # held from the run's first step to its last
    helpers: ResourceParam[BuildHelpers],
) -> MaterializeResult:
    """Tables, rows, cells and narrative figures extracted from each budget PDF (pdfplumber).

    One partition per PDF below the raw folder. A run may cover any range of partitions; their
    PDFs are extracted in parallel worker processes (``BUDGET_WORKERS``) with a per-document
    time limit, and cached by content hash, so an unchanged PDF is never extracted twice.
    A rejected document (scanned, corrupt, not a budget) is recorded with its reason — it is
    not a failure of this asset.
    """
    settings = warehouse.settings
    keys = list(context.partition_keys)
    started = time.perf_counter()
    readable = discover_pdfs(settings.raw_dir)
    present = {key: readable[key] for key in keys if key in readable}
    for key in sorted(set(keys) - set(present)):
        context.log.warning(f"{key}: no readable file in {settings.raw_dir} (the loader says why)")

    # Identical files share one extract: extract each content once, keep the first path.
    shas, hashes = {}, PdfHashes(settings.pdf_hashes)
    for key, path in list(present.items()):
        try:
            shas[key] = hashes.sha256(key, path)
        except OSError as exc:  # removed or made unreadable since the scan
            context.log.warning(f"{key}: cannot be read ({exc}); the loader records it")
            del present[key]
    hashes.save()
    first_of: dict[str, str] = {}
    for key in present:
        first_of.setdefault(shas[key], key)
    unique = {key: present[key] for key in first_of.values()}
    path_to_key = {path: key for key, path in unique.items()}

    done = 0

    def report(pdf: Path, fresh: bool) -> None:
        nonlocal done
        done += 1
        line = (
            f"[{done:>{len(str(len(unique)))}}/{len(unique)}] "
            f"{'extracted' if fresh else 'cached   '} {path_to_key[pdf]}"
        )
        progress_log.info(line)
        context.log.info(line)

    def warn(message: str) -> None:
        message = utf8_text(message)
        progress_log.warning(message)
        context.log.warning(message)

    # A run the CLI started may find its documents already extracted (or being extracted) by the
    # CLI's head start: take its results, extract what it did not deliver.
    results: dict[Path, tuple[Path, bool]] = {}
    early = helpers.take_head_start()
    if early is not None:
        wanted = {shas[key]: path for key, path in unique.items()}
        results = early.results(wanted, settings.cache_dir, on_done=report, on_warning=warn)
        if not early.finished:
            warn(f"extraction head start ended early ({early.ending()}); extracting the rest")
    results |= extract_all(
        largest_first(path for path in unique.values() if path not in results),
        settings.cache_dir,
        workers=settings.workers,
        timeout=settings.doc_timeout,
        on_done=report,
        on_warning=warn,
        hashes={path: shas[key] for key, path in unique.items()},
    )
    verified = VerifiedEntries(settings.cache_dir)
    summaries = sorted(
        (
            DocumentSummary.read(path_to_key[pdf], out, fresh, verified)
            for pdf, (out, fresh) in results.items()
        ),
        key=lambda s: s.key,
    )
    verified.save()
    by_key = {s.key: s for s in summaries}
    for key in present:
        first = first_of[shas[key]]
        s = by_key[first]
        if first != key:
            context.log.warning(f"{key}: identical content to {first}; loaded once")
        metadata = {
            "document_id": s.document_id,
            "sha256": s.sha256,
            "status": s.status,
            "status_reason": s.reason or "",
            "pages": s.pages,
            "tables_found": s.tables,
            "rows": s.rows,
            "cells": s.cells,
            "extracted_now": s.fresh and first == key,
            "duplicate_of": "" if first == key else first,
        }
        context.log_event(
            AssetObservation(asset_key=context.asset_key, partition=key, metadata=metadata)
        )
    for s in summaries:
        if s.status != "loaded":
            context.log.warning(f"{s.key}: rejected — {s.reason}")
        if s.traceback:
            context.log.error(f"{s.key}: extraction crashed\n{s.traceback}")
    fresh = [s for s in summaries if s.fresh]
    return MaterializeResult(
        metadata={
            "documents": len(present),
            "extracted_now": len(fresh),
            "from_cache": len(summaries) - len(fresh),
            "extracted_keys": MetadataValue.json([s.key for s in fresh]),
            "duplicates": len(present) - len(unique),
            "missing_files": len(keys) - len(present),
            "rejected": sum(s.status != "loaded" for s in summaries),
            "pages": sum(s.pages for s in summaries),
            "tables_found": sum(s.tables for s in summaries),
            "rows": sum(s.rows for s in summaries),
            "cells": sum(s.cells for s in summaries),
            "workers": settings.workers,
            "seconds": round(time.perf_counter() - started, 2),
            "preview": MetadataValue.md(markdown_table(summaries)),
        }
    )

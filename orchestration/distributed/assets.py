"""The batch extraction asset: one partition per batch manifest, run on a Celery worker."""

import logging
import os
import resource
import socket
import time
from collections import Counter

from dagster import (
    AssetExecutionContext,
    ConfigurableResource,
    DynamicPartitionsDefinition,
    MaterializeResult,
    asset,
)
from pydantic import Field

from ..settings import DEFAULT_DOC_TIMEOUT
from ..warehouse.extract_cache import read_header
from ..warehouse.extract_pool import extract_all, largest_first
from .store import ExtractStore

#: One partition per batch manifest (``manifest.batch_key``).
extract_batch_partitions = DynamicPartitionsDefinition(name="extract_batches")
#: The worker's log (celery's log file) names every batch it runs.
worker_log = logging.getLogger("budget_warehouse.distributed")


class BatchExtractResource(ConfigurableResource):
    """Where batches and extracts are, and how each batch is extracted (set per run)."""

    store: str = Field(description="extract store: a folder or fsspec URL")
    processes: int = Field(default=1, description="extraction processes per batch")
    doc_timeout: float = Field(default=DEFAULT_DOC_TIMEOUT, description="per-document limit (s)")


@asset(partitions_def=extract_batch_partitions, group_name="extract", kinds={"python", "pdf"})
def extract_batch(
    context: AssetExecutionContext, batch_extract: BatchExtractResource
) -> MaterializeResult:
    """The extracts of one batch of PDFs (its manifest in the extract store), written to the
    store one entry per PDF content hash; documents with a cached decision are not extracted
    again, accidents (crash, timeout, killed process) are retried."""
    key = context.partition_key
    store = ExtractStore(batch_extract.store)
    batch = store.read_manifest(key)
    where = f"{socket.gethostname()} pid {os.getpid()}"
    worker_log.info(f"batch {key}: {len(batch.items)} PDF(s) starting on {where}")
    started, cpu_before = time.perf_counter(), _children_cpu()
    paths = batch.paths()

    def done(pdf: os.PathLike[str], fresh: bool) -> None:
        line = f"batch {key}: {'extracted' if fresh else 'cached'} {paths[pdf].key}"
        worker_log.info(line)
        context.log.info(line)

    with store.extracting(item.sha256 for item in batch.items) as folder:
        results = extract_all(
            largest_first(paths),
            folder,
            workers=batch_extract.processes,
            timeout=batch_extract.doc_timeout,
            on_done=done,
            on_warning=context.log.warning,
        )
        outcomes = Counter(
            read_header(entry).get("outcome", "missing") for entry, _ in results.values()
        )
    fresh = sum(fresh for _, fresh in results.values())
    seconds = round(time.perf_counter() - started, 2)
    cpu = round(_children_cpu() - cpu_before, 2)
    worker_log.info(
        f"batch {key}: done in {seconds} s ({fresh} extracted, {len(results) - fresh} cached; "
        f"{cpu} CPU-s in extraction processes)"
    )
    return MaterializeResult(
        metadata={
            "documents": len(batch.items),
            "extracted_now": fresh,
            "from_store": len(results) - fresh,
            "decisions": outcomes.get("decision", 0),
            "accidents": outcomes.get("accident", 0),
            "worker": where,
            "seconds": seconds,
            "extraction_cpu_seconds": cpu,
        }
    )


def _children_cpu() -> float:
    """User + system CPU seconds of this process's ended children (the extraction processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime

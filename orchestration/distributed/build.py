"""A build on the distributed profile: batch runs on the Celery workers, then the rest of the
build from their extracts.

1. plan the batches (``manifest``) and write their manifests to the extract store;
2. register them as partitions of ``extract_batch`` on the (PostgreSQL) instance of
   ``DAGSTER_HOME`` and run one ``extract_batches`` run per batch, at most
   ``BUDGET_MAX_CONCURRENT_RUNS`` at a time, each executing its step on a Celery worker; a
   failed run is run again (``batch_retries``);
3. copy the batches' entries from the store into the warehouse's extract cache; the build
   command (``commands.build``) then runs the rest of the build, which finds every document
   extracted.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from dagster import DagsterInstance, execute_job, reconstructable

from ..children import die_with_parent
from ..settings import Settings
from .assets import extract_batch_partitions
from .definitions import extract_batches_job_def
from .manifest import Batch, plan_batches
from .profile import DistributedSettings
from .store import ExtractStore

PARTITION_TAG = "dagster/partition"
ATTEMPT_TAG = "budget/attempt"


@dataclass(frozen=True)
class BatchRun:
    batch: Batch
    run_ids: tuple[str, ...]  # one per attempt
    success: bool


def run_config(profile: DistributedSettings) -> dict[str, Any]:
    """What every batch run carries: the Celery executor and the extract store."""
    return {
        "execution": {"config": profile.executor_config()},
        # Dagster's step events go to the instance; its console logger would repeat them all
        # in the driver's output and the workers' logs (which name batches themselves).
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
        "resources": {
            "batch_extract": {
                "config": {"store": profile.extract_store, "doc_timeout": profile.doc_timeout}
            }
        },
    }


def register_batches(batches: list[Batch], profile: DistributedSettings) -> None:
    """Write the manifests to the store and add the batches as partitions on the instance."""
    store = ExtractStore(profile.extract_store)
    for batch in batches:
        store.write_manifest(batch)
    with DagsterInstance.get() as instance:
        known = set(instance.get_dynamic_partitions(extract_batch_partitions.name))
        new = [batch.key for batch in batches if batch.key not in known]
        instance.add_dynamic_partitions(extract_batch_partitions.name, new)


def _run_batch(
    key: str, config: dict[str, Any], number: int, writer: Connection, parent: int
) -> None:
    """In a child process that dies with the build: one run of the batch ``key`` (its step on
    a Celery worker)."""
    die_with_parent(parent)
    job = reconstructable(extract_batches_job_def)
    tags = {PARTITION_TAG: key, ATTEMPT_TAG: str(number)}
    with (
        DagsterInstance.get() as instance,
        execute_job(job, instance, run_config=config, tags=tags) as result,
    ):
        writer.send((result.run_id, result.success))


def run_batches(
    batches: list[Batch], profile: DistributedSettings, say: Callable[[str], None] = print
) -> list[BatchRun]:
    """One run per batch, at most ``max_concurrent_runs`` at a time, each in its own process
    (Dagster's ``execute_job`` is not thread-safe); a failed run is run again up to
    ``batch_retries`` times. Interrupted, it stops its runs (their Celery tasks are revoked)."""
    register_batches(batches, profile)
    config = run_config(profile)
    context = mp.get_context("fork")
    pending = [(batch, 1) for batch in batches]
    running: dict[int, tuple[BaseProcess, Connection, Batch, int]] = {}
    run_ids: dict[str, list[str]] = {batch.key: [] for batch in batches}
    finished: dict[str, bool] = {}
    try:
        while pending or running:
            while pending and len(running) < profile.max_concurrent_runs:
                batch, number = pending.pop(0)
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(
                    target=_run_batch, args=(batch.key, config, number, writer, os.getpid())
                )
                process.start()
                writer.close()
                running[process.sentinel] = (process, reader, batch, number)
            for sentinel in wait(list(running)):
                process, reader, batch, number = running.pop(sentinel)
                run_id, success = reader.recv() if reader.poll() else ("", False)
                process.join()
                run_ids[batch.key].append(run_id)
                what = f"run {run_id[:8]}" if run_id else f"run process exit {process.exitcode}"
                if success:
                    say(f"  batch {batch.key}: {len(batch.items)} PDF(s), {what}")
                    finished[batch.key] = True
                elif number <= profile.batch_retries:
                    say(f"  batch {batch.key}: {what} failed; running it again")
                    pending.append((batch, number + 1))
                else:
                    say(f"  batch {batch.key}: {what} failed (attempt {number})")
                    finished[batch.key] = False
    finally:
        for process, _, _, _ in running.values():
            process.terminate()
        for process, _, _, _ in running.values():
            process.join(10)  # an interrupted run revokes its Celery task, or waits for it
            if process.is_alive():
                process.kill()
    return [BatchRun(b, tuple(run_ids[b.key]), finished.get(b.key, False)) for b in batches]


def extract_on_workers(
    settings: Settings, profile: DistributedSettings, say: Callable[[str], None] = print
) -> bool:
    """Extract the raw folder on the workers and copy the extracts into the warehouse's extract
    cache; False (with the failed batches named) when a batch failed every attempt."""
    started = time.perf_counter()
    batches = plan_batches(settings.raw_dir, profile.batch_size)
    documents = sum(len(batch.items) for batch in batches)
    say(
        f"distributed: {documents} document(s) in {len(batches)} batch(es) → Celery workers "
        f"(store {profile.extract_store})"
    )
    runs = run_batches(batches, profile, say=say)
    failed = [run.batch.key for run in runs if not run.success]
    if failed:
        say(f"NOT PUBLISHED: extraction batch(es) failed: {', '.join(failed)}")
        return False
    shas = (item.sha256 for batch in batches for item in batch.items)
    copied = ExtractStore(profile.extract_store).fetch(shas, settings.cache_dir)
    say(
        f"distributed: extraction done in {time.perf_counter() - started:.1f} s; "
        f"{copied} extract(s) fetched from the store"
    )
    return True

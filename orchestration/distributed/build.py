"""A build on the distributed profile: batch runs on the Celery workers, queued on the instance.

1. plan the batches (``manifest``) and write their manifests to the extract store;
2. register them as partitions of ``extract_batch`` on the (PostgreSQL) instance of
   ``DAGSTER_HOME`` and submit one ``extract_batches`` run per batch to the instance's run
   queue; a ``dagster-daemon`` launches them (at most ``concurrency.runs.max_concurrent_runs``
   at a time), each executing its step on a Celery worker; a failed run is queued again
   (``batch_retries``);
3. the extracts, in the store (fetched into the warehouse's extract cache when the store is
   remote), feed the rest of the build (``lake_build``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagster import DagsterInstance, DagsterRunStatus
from dagster import __version__ as dagster_version

# Private Dagster API (dagster is pinned in pyproject.toml): what ``dagster job launch`` does to
# submit a run to the instance's run coordinator, with the workspace loaded once for all batches
# instead of once per ``dagster job launch`` process. Dagster has no public Python call that
# queues a run of a code location (``DagsterInstance.submit_run`` needs the run's remote origin).
from dagster._cli.job import _create_run
from dagster._cli.workspace.cli_target import (
    WorkspaceOpts,
    get_code_location_from_workspace,
    get_remote_job_from_remote_repo,
    get_remote_repository_from_code_location,
    get_workspace_from_cli_opts,
)

from ..settings import PROJECT_ROOT, Settings
from .assets import extract_batch_partitions
from .definitions import EXTRACT_JOB_NAME
from .manifest import Batch, plan_batches
from .profile import DistributedSettings
from .store import ExtractStore

#: The code location the runs belong to; the daemon serves the same module.
LOCATION = "orchestration.distributed.definitions"
FINISHED = (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)
POLL_SECONDS = 1.0
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


@contextlib.contextmanager
def run_queue(
    instance: DagsterInstance,
) -> Iterator[Callable[[dict[str, str], dict[str, Any]], str]]:
    """A function that submits one run of ``extract_batches`` with the given tags to the
    instance's run coordinator — the queue, which a ``dagster-daemon`` serving the code location
    :data:`LOCATION` dequeues under ``concurrency.runs.max_concurrent_runs`` — and returns its
    run id. What ``dagster job launch -m LOCATION`` does per run, with the workspace loaded once.
    """
    options = WorkspaceOpts(module_name=[LOCATION], working_directory=str(PROJECT_ROOT))
    with get_workspace_from_cli_opts(
        instance, dagster_version, options, allow_in_process=True
    ) as workspace:
        location = get_code_location_from_workspace(workspace, LOCATION)
        repository = get_remote_repository_from_code_location(location, None)
        job = get_remote_job_from_remote_repo(repository, EXTRACT_JOB_NAME)

        def submit(tags: dict[str, str], config: dict[str, Any]) -> str:
            run = _create_run(
                instance=instance,
                code_location=location,
                remote_repo=repository,
                remote_job=job,
                run_config=config,
                tags=tags,
                op_selection=None,
                run_id=None,
            )
            return instance.submit_run(run.run_id, workspace).run_id

        yield submit


def run_batches(
    batches: list[Batch], profile: DistributedSettings, say: Callable[[str], None] = print
) -> list[BatchRun]:
    """Submit one run per batch to the instance's run queue (the daemon launches at most
    ``concurrency.runs.max_concurrent_runs`` at a time) and wait for them; a failed run is
    submitted again up to ``batch_retries`` times. Interrupted, it cancels the runs it submitted
    that have not finished (queued ones leave the queue, started ones are terminated)."""
    register_batches(batches, profile)
    config = run_config(profile)
    run_ids: dict[str, list[str]] = {batch.key: [] for batch in batches}
    finished: dict[str, bool] = {}
    waiting: dict[str, tuple[Batch, int]] = {}
    with DagsterInstance.get() as instance, run_queue(instance) as submit:
        try:

            def queue(batch: Batch, number: int) -> None:
                tags = {PARTITION_TAG: batch.key, ATTEMPT_TAG: str(number)}
                run_id = submit(tags, config)
                run_ids[batch.key].append(run_id)
                waiting[run_id] = (batch, number)

            for batch in batches:
                queue(batch, 1)
            say(f"  {len(batches)} batch run(s) queued on the instance")
            while waiting:
                time.sleep(POLL_SECONDS)
                for run_id in list(waiting):
                    run = instance.get_run_by_id(run_id)
                    if run is None or run.status not in FINISHED:
                        continue
                    batch, number = waiting.pop(run_id)
                    what = f"run {run_id[:8]}"
                    if run.status == DagsterRunStatus.SUCCESS:
                        say(f"  batch {batch.key}: {len(batch.items)} PDF(s), {what}")
                        finished[batch.key] = True
                    elif number <= profile.batch_retries:
                        say(f"  batch {batch.key}: {what} {run.status.value}; queued again")
                        queue(batch, number + 1)
                    else:
                        say(f"  batch {batch.key}: {what} {run.status.value} (attempt {number})")
                        finished[batch.key] = False
        finally:
            for run_id in waiting:
                instance.run_coordinator.cancel_run(run_id)
    return [BatchRun(b, tuple(run_ids[b.key]), finished.get(b.key, False)) for b in batches]


def extract_on_workers(
    settings: Settings, profile: DistributedSettings, say: Callable[[str], None] = print
) -> Path | None:
    """Extract the raw folder on the workers; the local folder holding the extracts (the store
    itself when local, else the warehouse's extract cache), or None (with the failed batches
    named) when a batch failed every attempt."""
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
        return None
    store = ExtractStore(profile.extract_store)
    folder = store.local_folder
    if folder is None:
        shas = (item.sha256 for batch in batches for item in batch.items)
        store.fetch(shas, settings.cache_dir)
        folder = settings.cache_dir
    say(f"distributed: extraction done in {time.perf_counter() - started:.1f} s")
    return folder

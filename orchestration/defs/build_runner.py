"""One in-process run of the job ``build_warehouse``: the build ``budget-warehouse build`` starts.

The run uses the code location's definitions with resources made from the command's
:class:`~orchestration.settings.Settings` (not from the environment), on an ephemeral instance:
the CLI never touches the partitions or runs of ``dagster dev``'s instance.
"""

from __future__ import annotations

from collections.abc import Sequence

from dagster import DagsterInstance, Definitions, ExecuteInProcessResult

from ..settings import Settings
from ..warehouse.head_start import TAG as HEAD_START_TAG
from .extract_assets import documents_partitions
from .jobs import BUILD_JOB_NAME, keys_after_extraction, partition_range_tags
from .resources import BuildLockResource, WarehouseResource, default_resources

#: Only our progress lines reach the console; Dagster's own log goes to the build log.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def resources_for(settings: Settings) -> dict[str, object]:
    """The code location's resources, located and limited by ``settings``."""
    warehouse = WarehouseResource(
        raw_dir=str(settings.raw_dir),
        warehouse=str(settings.warehouse),
        workers=settings.workers,
        doc_timeout=settings.doc_timeout,
    )
    return {
        **default_resources(),
        "warehouse": warehouse,
        "build_lock": BuildLockResource(warehouse=warehouse),
    }


def sync_partitions(instance: DagsterInstance, keys: Sequence[str]) -> list[str]:
    """Make the ``documents`` partitions exactly ``keys``; return them in partition order."""
    name = documents_partitions.name
    existing = set(instance.get_dynamic_partitions(name))
    for stale in sorted(existing - set(keys)):
        instance.delete_dynamic_partition(name, stale)
    new = [key for key in keys if key not in existing]
    if new:
        instance.add_dynamic_partitions(name, new)
    return list(instance.get_dynamic_partitions(name))


def run_build(
    defs: Definitions,
    instance: DagsterInstance,
    keys: Sequence[str],
    settings: Settings | None = None,
    head_start: str | None = None,
) -> ExecuteInProcessResult:
    """One run of ``build_warehouse`` over every partition (or, with no PDFs, the rest).

    With ``settings`` the run's resources are made from them; without, the definitions' own
    (which read the environment, as under ``dagster dev``). ``head_start`` names the CLI's
    extraction head start (``warehouse.head_start``) that the run's extraction takes over.
    """
    job = defs.resolve_job_def(BUILD_JOB_NAME)
    early = {HEAD_START_TAG: head_start} if head_start else {}
    selection = (
        {"tags": partition_range_tags(keys) | early}
        if keys
        else {"asset_selection": keys_after_extraction(defs.get_repository_def())}
    )
    return job.execute_in_process(
        instance=instance,
        run_config=QUIET,
        raise_on_error=False,
        resources=resources_for(settings) if settings is not None else None,
        **selection,
    )


def build(
    defs: Definitions, settings: Settings, keys: Sequence[str], head_start: str | None = None
) -> ExecuteInProcessResult:
    """Run the build over the PDFs ``keys`` on an ephemeral instance."""
    with DagsterInstance.ephemeral() as instance:  # its temporary folder is removed on exit
        keys = sync_partitions(instance, keys)
        return run_build(defs, instance, keys, settings, head_start)

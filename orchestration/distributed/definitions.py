"""The distributed code location: batch extraction on Celery workers.

Workers and runs load this module (``dagster-celery`` reconstructs the job from it), so it
imports only what extraction needs — no dbt project. ``dagster dev -m
orchestration.distributed.definitions`` with ``DAGSTER_HOME`` on the PostgreSQL instance shows
its runs; the executor and resource config come with each run (``build.run_config``).
"""

from __future__ import annotations

from dagster import AssetSelection, Definitions, JobDefinition, define_asset_job
from dagster_celery import celery_executor

from ..lake.maintenance_job import lake_definitions
from .assets import BatchExtractResource, extract_batch

EXTRACT_JOB_NAME = "extract_batches"

extract_batches_job = define_asset_job(
    EXTRACT_JOB_NAME,
    selection=AssetSelection.assets(extract_batch),
    executor_def=celery_executor,
    description="Extract one batch of PDFs on a Celery worker into the extract store.",
)

#: Batch extraction, and the lake's maintenance job (one run at a time: the instance's
#: ``budget/lake`` tag limit, ``profile.instance_config``) with its nightly schedule.
defs = Definitions.merge(
    Definitions(
        assets=[extract_batch],
        jobs=[extract_batches_job],
        resources={"batch_extract": BatchExtractResource.configure_at_launch()},
    ),
    lake_definitions(),
)


def extract_batches_job_def() -> JobDefinition:
    """The resolved job, for ``dagster.reconstructable`` (runs and workers rebuild it by name)."""
    return defs.resolve_job_def(EXTRACT_JOB_NAME)

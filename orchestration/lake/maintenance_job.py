"""Lake maintenance as its own Dagster job, one run at a time.

Its op is in the concurrency pool ``lake_maintenance`` and its runs carry the tag
``budget/lake=maintenance``; the distributed instance limits both to 1 (:data:`RUN_TAG_LIMIT` in
``concurrency.runs.tag_concurrency_limits``, ``dagster instance concurrency set lake_maintenance
1`` for the pool). Merged into the distributed profile's definitions with
:func:`lake_definitions`; the embedded definitions never load it.
"""

# no `from __future__ import annotations`: Dagster reads the op's annotations as types
from dataclasses import asdict
from datetime import timedelta

import dagster as dg

from .connection import CATALOG_ENV, DATA_ENV, LakeConfig
from .maintenance import DEFAULT_KEEP, maintain

POOL = "lake_maintenance"
RUN_TAGS = {"budget/lake": "maintenance"}
#: The instance's run-queue limit for these runs (dagster.yaml ``concurrency.runs``).
RUN_TAG_LIMIT = {"key": "budget/lake", "value": "maintenance", "limit": 1}


class LakeResource(dg.ConfigurableResource):
    """The lake: its PostgreSQL catalog (libpq key=value) and its data folder or URL."""

    catalog: str
    data_path: str

    def lake_config(self) -> LakeConfig:
        return LakeConfig(catalog=self.catalog, data_path=self.data_path)


class MaintenanceConfig(dg.Config):
    keep_days: float = DEFAULT_KEEP.total_seconds() / 86400  # snapshots younger than this stay


@dg.op(pool=POOL)
def maintain_lake(
    context: dg.OpExecutionContext, config: MaintenanceConfig, lake: LakeResource
) -> dg.Output[None]:
    """Flush inlined rows, merge adjacent files, expire old snapshots, delete unneeded files."""
    report = maintain(lake.lake_config(), keep=timedelta(days=config.keep_days))
    context.log.info(f"lake maintenance: {report.before} → {report.after} ({report.seconds:.1f} s)")
    metadata = {f"before_{k}": v for k, v in asdict(report.before).items()}
    metadata |= {f"after_{k}": v for k, v in asdict(report.after).items()}
    return dg.Output(None, metadata={**metadata, "seconds": round(report.seconds, 2)})


@dg.job(tags=RUN_TAGS)
def lake_maintenance() -> None:
    """Compact and expire the raw store on DuckLake (runs one at a time)."""
    maintain_lake()


def lake_definitions() -> dg.Definitions:
    """The maintenance job, a nightly schedule, and the lake from ``$BUDGET_LAKE_CATALOG`` /
    ``$BUDGET_LAKE_DATA``."""
    return dg.Definitions(
        jobs=[lake_maintenance],
        schedules=[
            dg.ScheduleDefinition(
                name="lake_maintenance_nightly", job=lake_maintenance, cron_schedule="0 3 * * *"
            )
        ],
        resources={
            "lake": LakeResource(catalog=dg.EnvVar(CATALOG_ENV), data_path=dg.EnvVar(DATA_ENV))
        },
    )

"""Daily schedule: rebuild over every document (cached extracts make unchanged ones free)."""

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from .extract_assets import documents_partitions
from .jobs import build_warehouse_job, partition_range_tags


@schedule(
    job=build_warehouse_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=DefaultScheduleStatus.RUNNING,
)
def daily_build(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    """Every night at 02:00 (Beijing time): build over all document partitions.

    Picks up anything the sensor did not trigger (dbt or extractor changes); unchanged PDFs are
    not re-extracted, so this costs little when nothing changed.
    """
    keys = context.instance.get_dynamic_partitions(documents_partitions.name)
    if not keys:
        return SkipReason("no document partitions yet (the raw-folder sensor adds them)")
    return RunRequest(
        run_key=context.scheduled_execution_time.isoformat(),
        tags=partition_range_tags(keys),
    )

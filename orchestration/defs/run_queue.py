"""The run queue of ``make dev``'s instance: runs that write the warehouse go one at a time, and
a backfill's next run follows the previous one within seconds.

Every asset but the extraction writes the DuckDB working file (the loader, dbt, validation,
publishing and the report), so every run is a writer unless it runs ``document_extracts`` alone:
extraction writes only its content-addressed extract cache, and a run of it alone (the first run
of a backfill) may run beside a writer. Runs of ``build_warehouse`` carry :data:`WRITER_TAG` from
the job; runs the UI makes from the asset graph (Materialize, backfills of ``__ASSET_JOB``) carry
no job tags, so this coordinator adds the tag to every writer it queues. The instance's
``concurrency.runs.tag_concurrency_limits`` (``dagster_instance.yaml``) then starts one at a time.

*Materialize all* is an asset backfill of two runs — the partitioned extraction, then every
other asset once all partitions are extracted — and Dagster's backfill daemon submits each at
its next look at the backfill, every 30 s. ``backfill_interval_seconds`` (this coordinator's
setting in ``dagster_instance.yaml``) shortens that interval (:func:`set_backfill_interval`).

Configured as the instance's ``run_coordinator``; imports only Dagster, since the webserver and
the daemon load it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster import (
    AssetKey,
    DagsterRun,
    Field,
    IntSource,
    QueuedRunCoordinator,
    SubmitRunContext,
)

WRITER_TAG = "budget_warehouse/writes"
WRITER_VALUE = "warehouse"
#: The one asset that never writes the DuckDB file (``extract_assets.document_extracts``).
EXTRACTION = AssetKey("document_extracts")
BACKFILL_INTERVAL = "backfill_interval_seconds"


def writes_warehouse(run: DagsterRun) -> bool:
    """Whether ``run`` writes the warehouse: all but runs of the extraction alone."""
    return run.asset_selection != {EXTRACTION} or bool(run.asset_check_selection)


def set_backfill_interval(seconds: int) -> None:
    """Let the backfill daemon of this process look at running backfills every ``seconds``.

    Private Dagster API (dagster is pinned to one version in pyproject.toml): Dagster has no
    setting for it. The daemon's loop (``dagster._daemon.backfill.execute_backfill_iteration_loop``)
    reads ``dagster._daemon.controller.DEFAULT_DAEMON_INTERVAL_SECONDS`` when it starts, and the
    daemon process builds its instance's run coordinator — this class — before it starts its
    daemons (to learn whether it needs the queue's). The constant is otherwise only the
    declarative-automation daemon's default, which this project does not enable.
    ``tests/unit/defs/test_private_apis.py`` pins both facts.
    """
    from dagster._daemon import controller

    controller.DEFAULT_DAEMON_INTERVAL_SECONDS = seconds


class WarehouseRunCoordinator(QueuedRunCoordinator):
    """Dagster's queued run coordinator, tagging every writer it queues with :data:`WRITER_TAG`;
    with ``backfill_interval_seconds``, the backfill daemon's interval."""

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {
            **QueuedRunCoordinator.config_type(),
            BACKFILL_INTERVAL: Field(
                IntSource,
                is_required=False,
                description=(
                    "Seconds between two looks of the backfill daemon at a running backfill "
                    "(Dagster's: 30): how long a backfill's next run waits for the previous one."
                ),
            ),
        }

    @classmethod
    def from_config_value(
        cls, inst_data: Any, config_value: Mapping[str, Any]
    ) -> WarehouseRunCoordinator:
        if config_value.get(BACKFILL_INTERVAL) is not None:
            set_backfill_interval(config_value[BACKFILL_INTERVAL])
        return super().from_config_value(inst_data, config_value)

    def submit_run(self, context: SubmitRunContext) -> DagsterRun:
        run = context.dagster_run
        if WRITER_TAG not in run.tags and writes_warehouse(run):
            self._instance.add_run_tags(run.run_id, {WRITER_TAG: WRITER_VALUE})
            tagged = self._instance.get_run_by_id(run.run_id)
            if tagged is not None:
                context = SubmitRunContext(tagged, context.workspace)
        return super().submit_run(context)

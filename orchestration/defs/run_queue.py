"""The run queue of ``make dev``'s instance: every run is a warehouse writer, queued one at a time.

Every asset of the code location writes the warehouse or holds its build lock (extraction,
loading and publishing require ``build_lock``; dbt and validation write the working database),
so every run of it is a writer. Runs of ``build_warehouse`` carry :data:`WRITER_TAG` from the job;
runs the UI starts from the asset graph (Materialize, backfills of ``__ASSET_JOB``) carry no job
tags, so this coordinator adds the tag to every run it queues. The instance's
``concurrency.runs.tag_concurrency_limits`` (``dagster.yaml``) then starts one such run at a time.

Configured in ``dagster.yaml`` as the instance's ``run_coordinator``; imports only Dagster, since
the webserver and the daemon load it.
"""

from __future__ import annotations

from dagster import DagsterRun, QueuedRunCoordinator, SubmitRunContext

WRITER_TAG = "budget_warehouse/writes"
WRITER_VALUE = "warehouse"


class WarehouseRunCoordinator(QueuedRunCoordinator):
    """Dagster's queued run coordinator, tagging every run it queues with :data:`WRITER_TAG`."""

    def submit_run(self, context: SubmitRunContext) -> DagsterRun:
        run = context.dagster_run
        if WRITER_TAG not in run.tags:
            self._instance.add_run_tags(run.run_id, {WRITER_TAG: WRITER_VALUE})
            tagged = self._instance.get_run_by_id(run.run_id)
            if tagged is not None:
                context = SubmitRunContext(tagged, context.workspace)
        return super().submit_run(context)

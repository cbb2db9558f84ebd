"""The run queue of ``make dev``'s instance: runs that write the warehouse go one at a time.

Every asset but the extraction writes the DuckDB working file (the loader, dbt, validation,
publishing and the report), so every run is a writer unless it runs ``document_extracts`` alone:
extraction writes only its content-addressed extract cache, and a run of it alone (the first run
of a backfill) may run beside a writer. Runs of ``build_warehouse`` carry :data:`WRITER_TAG` from
the job; runs the UI makes from the asset graph (Materialize, backfills of ``__ASSET_JOB``) carry
no job tags, so this coordinator adds the tag to every writer it queues. The instance's
``concurrency.runs.tag_concurrency_limits`` (``dagster_instance.yaml``) then starts one at a time.

Configured as the instance's ``run_coordinator``; imports only Dagster, since the webserver and
the daemon load it.
"""

from __future__ import annotations

from dagster import AssetKey, DagsterRun, QueuedRunCoordinator, SubmitRunContext

WRITER_TAG = "budget_warehouse/writes"
WRITER_VALUE = "warehouse"
#: The one asset that never writes the DuckDB file (``extract_assets.document_extracts``).
EXTRACTION = AssetKey("document_extracts")


def writes_warehouse(run: DagsterRun) -> bool:
    """Whether ``run`` writes the warehouse: all but runs of the extraction alone."""
    return run.asset_selection != {EXTRACTION} or bool(run.asset_check_selection)


class WarehouseRunCoordinator(QueuedRunCoordinator):
    """Dagster's queued run coordinator, tagging every writer it queues with :data:`WRITER_TAG`."""

    def submit_run(self, context: SubmitRunContext) -> DagsterRun:
        run = context.dagster_run
        if WRITER_TAG not in run.tags and writes_warehouse(run):
            self._instance.add_run_tags(run.run_id, {WRITER_TAG: WRITER_VALUE})
            tagged = self._instance.get_run_by_id(run.run_id)
            if tagged is not None:
                context = SubmitRunContext(tagged, context.workspace)
        return super().submit_run(context)

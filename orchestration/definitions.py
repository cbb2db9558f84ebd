"""The Dagster code location ``budget_warehouse``: assets, checks, job, sensor and schedule.

``dagster dev`` (``make dev``) and ``budget-warehouse build`` both load these definitions; loading
them prepares the dbt project (``dbt parse`` when its manifest is stale, see ``dbt_project``).

Every job runs its steps in one process, the jobs the UI makes from the asset graph too
(Materialize, backfills): after extraction, which forks its own workers, every step writes the
one DuckDB working file, so steps run one after another anyway, and each step process of the
multiprocess executor would re-import this code location (~10 s). Runs log to the console at INFO.
"""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from .defs.dbt_assets import build_dbt_models, dbt_project
from .defs.extract_assets import document_extracts
from .defs.jobs import build_warehouse_job, build_without_extraction_job
from .defs.load_assets import raw_tables
from .defs.loggers import console_logger
from .defs.publish_assets import build_published_warehouse
from .defs.report_assets import build_report_asset
from .defs.resources import default_resources
from .defs.schedules import daily_build
from .defs.sensors import raw_folder_sensor
from .defs.validation_assets import build_validation_checks, build_validation_results

dbt_models = build_dbt_models(dbt_project())
validation_results = build_validation_results(dbt_models)
# Non-blocking: a failed expectation is reported (check, audit table, CLI exit status) but the
# build is still published — CONTRACT §2: the warehouse always holds every document that loaded.
validation_checks = build_validation_checks(dbt_models)
published_warehouse = build_published_warehouse([dbt_models, validation_results])
build_report = build_report_asset(published_warehouse)

defs = Definitions(
    assets=[
        document_extracts,
        raw_tables,
        dbt_models,
        validation_results,
        published_warehouse,
        build_report,
    ],
    asset_checks=validation_checks,
    jobs=[build_warehouse_job, build_without_extraction_job],
    sensors=[raw_folder_sensor],
    schedules=[daily_build],
    resources=default_resources(),
    executor=in_process_executor,
    loggers={"console": console_logger},
)

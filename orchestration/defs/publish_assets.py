"""Publishing: atomically replace the published warehouse with the validated working database."""

from collections.abc import Sequence

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from ..warehouse.publish import PublishedDocument, publish, read_summary, remove_stale_temps
from .resources import BuildLockResource, WarehouseResource, progress_log


def summary_markdown(documents: list[PublishedDocument], fact_rows: dict[str, int]) -> str:
    lines = ["| fact table | rows |", "|---|---:|"]
    lines += [f"| marts.{table} | {rows} |" for table, rows in fact_rows.items()]
    lines += ["", "| document | status | department | year | reason |", "|---|---|---|---:|---|"]
    for doc in documents[:50]:
        cells = [
            doc.source_path,
            doc.status,
            doc.department_name or "",
            "" if doc.fiscal_year is None else str(doc.fiscal_year),
            (doc.status_reason or "").replace("|", "/"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def build_published_warehouse(
    upstream: Sequence[AssetsDefinition | AssetKey],
) -> AssetsDefinition:
    """The publish asset, downstream of everything that must finish before publishing."""
    deps = [
        key
        for item in upstream
        for key in (item.keys if isinstance(item, AssetsDefinition) else [item])
    ]

    @asset(
        deps=deps,
        group_name="publish",
        kinds={"duckdb"},
    )
    def published_warehouse(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        build_lock: BuildLockResource,  # held from the run's first step to its last
    ) -> MaterializeResult:
        """The warehouse analysts and BI tools read (``warehouse/budget.duckdb``).

        A copy of the validated working database renamed over the published file in one atomic
        step: open read-only connections keep their snapshot, new ones see this build, and a
        build that fails earlier never reaches this step.
        """
        settings = warehouse.settings
        progress_log.info(f"publishing {settings.warehouse} …")
        with warehouse.writing():
            for stale in remove_stale_temps(settings.warehouse):
                context.log.warning(f"removed {stale.name} left by an interrupted publish")
            result = publish(settings.build_database, settings.warehouse)
        summary = read_summary(settings.warehouse, validation=False)  # the metadata's part
        return MaterializeResult(
            metadata={
                "path": MetadataValue.path(str(result.path)),
                "bytes": result.bytes,
                "seconds": round(result.seconds, 2),
                "copied_by": result.method,
                "documents_loaded": len(summary.documents) - len(summary.rejected),
                "documents_rejected": len(summary.rejected),
                **{f"rows_{table}": rows for table, rows in summary.fact_rows.items()},
                "preview": MetadataValue.md(summary_markdown(summary.documents, summary.fact_rows)),
            }
        )

    return published_warehouse

"""The build report asset: ``report/index.html`` beside the published warehouse."""

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    ResourceParam,
    asset,
)

from ..report import ReportResult, write_report
from .helpers import BuildHelpers
from .resources import WarehouseResource, progress_log


def _pages_note(report: ReportResult) -> str:
    """How many document pages were written, when not all of them (the rest were current)."""
    if report.pages_written == report.documents:
        return ""
    return f"; {report.pages_written} of {report.documents} document pages written"


def build_report_asset(published_warehouse: AssetsDefinition) -> AssetsDefinition:
    """The report asset, downstream of the published warehouse it describes."""

    @asset(deps=[published_warehouse.key], group_name="publish", kinds={"html"})
    def build_report(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        helpers: ResourceParam[BuildHelpers],
    ) -> MaterializeResult:
        """Static HTML report of the published warehouse (opens from disk, no server): documents
        with status and reason, tables, key figures, every error-level check with an image of its
        printed source, warnings grouped by rule. Images are cached by content."""
        settings = warehouse.settings
        # In a CLI build the validation worker renders about half of the new images meanwhile.
        report = write_report(settings.warehouse, settings.raw_dir, helper=helpers.image_helper())
        for problem in report.unavailable:
            context.log.warning(problem)
        progress_log.info(
            f"report: {report.index} ({report.images} images, {report.rendered} rendered now, "
            f"{report.seconds:.1f} s{_pages_note(report)})"
        )
        return MaterializeResult(
            metadata={
                "path": MetadataValue.path(str(report.index)),
                "url": MetadataValue.url(report.index.as_uri()),
                "documents": report.documents,
                "errors": report.errors,
                "warnings": report.warnings,
                "images": report.images,
                "images_rendered": report.rendered,
                "pages_written": report.pages_written,
                "sources_unavailable": len(report.unavailable),
                "seconds": round(report.seconds, 2),
            }
        )

    return build_report

"""The build report: ``report/index.html`` beside the published warehouse, with evidence images."""

from .build import ReportResult, report_folder, write_report

__all__ = ["ReportResult", "report_folder", "write_report"]

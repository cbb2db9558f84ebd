"""Validation: reconciliation rules (dbt) and fact checks enforced by Great Expectations suites.

Pure functions live in :mod:`.runner` (``collect_validation``, ``write_validation_results``) and
:mod:`.report`; the Dagster checks and asset in :mod:`.checks` (imported separately: it loads the
dbt manifest).
"""

from .report import counts_lines, failure_lines, format_report
from .runner import (
    ValidationResult,
    ValidationRun,
    collect_validation,
    validate_and_write,
    write_validation_results,
)

__all__ = [
    "ValidationResult",
    "ValidationRun",
    "collect_validation",
    "counts_lines",
    "failure_lines",
    "format_report",
    "validate_and_write",
    "write_validation_results",
]

"""What a build did, as the command prints it, ending with one line that says whether the
warehouse was published and how clean it is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..formatting import plural
from ..validation.report import describe_finding
from .console import printable, printable_lines

if TYPE_CHECKING:
    from dagster import ExecuteInProcessResult

    # Private path, for a type hint only (nothing imported at run time): the type of a failed
    # step's ``failure_data.error``, which Dagster exports under no public name.
    from dagster._utils.error import SerializableErrorInfo

    from ..validation.results import ValidationResult
    from ..warehouse.publish import WarehouseSummary

EXIT_OK = 0
EXIT_FAILED = 1
WARNINGS_SHOWN = 10  # every error is listed; warnings (within-rounding gaps…) only the first few
PUBLISH_ASSET = ["published_warehouse"]


def describe_error(error: SerializableErrorInfo | None) -> str:
    """The innermost cause of a step failure (the DuckDB or OS error, not Dagster's wrapper)."""
    if error is None:
        return "failed"
    root = error
    while root.cause is not None or root.context is not None:
        root = root.cause or root.context
    return root.message.strip() or error.message.strip()


def _reports_error_rows(metadata: Mapping[str, Any]) -> bool:
    """Whether a check's metadata counts error rows of the audit table (a validation suite's
    check), so that its failure is not a finding of its own."""
    errors = metadata.get("errors")
    return isinstance(getattr(errors, "value", None), int) and errors.value > 0


@dataclass
class BuildReport:
    """The outcome of one build, as the summary prints it."""

    success: bool
    summary: WarehouseSummary
    published: bool = True
    errors: list[str] = field(default_factory=list)  # failed steps, with their cause
    skipped: list[str] = field(default_factory=list)  # steps not run (upstream failed)
    failed_checks: list[str] = field(default_factory=list)  # error-severity asset checks
    # failed checks that only summarise error rows of audit.validation_results (counted there)
    summary_checks: list[str] = field(default_factory=list)
    warned_checks: list[str] = field(default_factory=list)
    checks_passed: int = 0
    extracted_now: int | None = None
    duplicates: dict[str, str] = field(default_factory=dict)
    report_path: str | None = None  # the HTML report, when the build wrote one

    @classmethod
    def from_run(cls, result: ExecuteInProcessResult, summary: WarehouseSummary) -> BuildReport:
        from dagster import AssetCheckSeverity

        report = cls(success=result.success, summary=summary, published=False)
        for event in result.all_events:
            if event.event_type_value == "STEP_FAILURE":
                message = describe_error(event.step_failure_data.error)
                user = event.step_failure_data.user_failure_data
                if user and user.metadata.get("errors"):
                    message += "\n" + str(user.metadata["errors"].value)
                report.errors.append(f"{event.step_key}: {message}")
            elif event.event_type_value == "STEP_SKIPPED":
                report.skipped.append(event.step_key or "")
        for evaluation in result.get_asset_check_evaluations():
            name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            if evaluation.passed:
                report.checks_passed += 1
            elif evaluation.severity == AssetCheckSeverity.WARN:
                report.warned_checks.append(name)
            else:
                report.failed_checks.append(name)
                if _reports_error_rows(evaluation.metadata):
                    report.summary_checks.append(name)
        for event in result.get_asset_materialization_events():
            materialization = event.materialization
            metadata = materialization.metadata
            path = materialization.asset_key.path
            if path == ["document_extracts"]:
                report.extracted_now = metadata["extracted_now"].value
            elif path == ["raw", "documents"]:
                report.duplicates = metadata["duplicates"].value
            elif path == PUBLISH_ASSET:
                report.published = True
            elif path == ["build_report"]:
                report.report_path = metadata["path"].value
        return report

    @property
    def failed_expectations(self) -> list[ValidationResult]:
        return [r for r in self.summary.validation or [] if r.status != "pass"]

    @property
    def error_expectations(self) -> list[ValidationResult]:
        return [r for r in self.failed_expectations if r.status == "error"]

    @property
    def exit_code(self) -> int:
        ok = (
            self.success
            and self.published
            and not self.summary.rejected
            and not self.failed_checks
            and not self.error_expectations
        )
        return EXIT_OK if ok else EXIT_FAILED

    def verdict(self, warehouse: Path, timing: str) -> str:
        """The last line: published and clean / published with problems / not published.
        ``timing`` is how long the build took, e.g. ``12.3 s``."""
        where = printable(warehouse)
        if not self.published:
            cause = self.errors[0].splitlines()[0] if self.errors else self._not_run()
            return f"NOT PUBLISHED: {where} was left as it was — {printable(cause)} ({timing})"
        if self.exit_code == EXIT_OK:
            return f"OK: {where} ({timing})"
        problems = []
        if self.summary.rejected:
            problems.append(plural(len(self.summary.rejected), "rejected document"))
        errors = self.error_expectations
        findings = len(errors) + len(set(self.failed_checks) - set(self.summary_checks))
        if findings:
            documents = {row.source_file for row in errors if row.source_file}
            text = plural(findings, "error-level finding")
            if documents:
                text += f" in {plural(len(documents), 'document')}"
            problems.append(text)
        if self.errors:
            problems.append(plural(len(self.errors), "failed step"))
        return (
            f"PUBLISHED WITH PROBLEMS: {where} holds every document that loaded; "
            f"{', '.join(problems)} (exit status 1, {timing})"
        )

    def _not_run(self) -> str:
        if self.skipped:
            return f"steps not run: {', '.join(self.skipped)}"
        return "the publish step did not run"

    def lines(self, log_file: Path | None = None) -> list[str]:
        """The summary printed after the progress lines, up to (not including) the verdict.
        Paths are absolute here; the command prints those below its folder relative."""
        summary = self.summary
        lines = []
        if self.errors:
            lines.append("Failed steps:")
            for error in self.errors:
                first, *rest = printable_lines(error)
                lines += [f"  ✗ {first}", *(f"    {line}" for line in rest)]
        loaded = len(summary.documents) - len(summary.rejected)
        label = "Documents" if self.published else "Documents (previously published warehouse)"
        line = f"{label}: {loaded} loaded, {len(summary.rejected)} rejected"
        if self.extracted_now is not None:
            line += f" ({self.extracted_now} extracted now, the rest unchanged)"
        lines.append(line)
        for doc in summary.rejected:
            lines.append(f"  ✗ {printable(doc.source_path)}: {printable(doc.status_reason)}")
        for key, first in self.duplicates.items():
            lines.append(f"  = {printable(key)}: identical to {printable(first)}, loaded once")
        if summary.fact_rows:
            lines.append("Rows per fact table:")
            width = max(len(t) for t in summary.fact_rows)
            lines += [f"  marts.{t:<{width}} {n:>8,}" for t, n in summary.fact_rows.items()]
        lines += self._expectation_lines()
        if self.report_path:
            lines.append(f"Report: {printable(self.report_path)}")
        if log_file:
            lines.append(f"Full log (dbt output, tracebacks): {printable(log_file)}")
        return lines

    def _expectation_lines(self) -> list[str]:
        lines = [
            f"dbt tests and asset checks: {self.checks_passed} passed, "
            f"{len(self.failed_checks)} failed, {plural(len(self.warned_checks), 'warning')}"
        ]
        lines += [f"  ✗ {name}" for name in self.failed_checks]
        lines += [f"  ! {name} (warning)" for name in self.warned_checks]
        if self.summary.validation is None:
            lines.append(
                "Expectations: no validation results in the warehouse (audit.validation_results)"
            )
            return lines
        failed = sorted(self.failed_expectations, key=_failure_order)
        errors = [row for row in failed if row.status == "error"]
        warnings = [row for row in failed if row.status != "error"]
        warned = self.summary.validation_warnings  # counted: only the first are read
        lines.append(
            f"Expectations: {self.summary.validation_passed} passed, {len(errors)} failed, "
            f"{plural(warned, 'warning')} (audit.validation_results)"
        )
        lines += [
            f"  ✗ {printable(describe_finding(row))}"
            + (f" [{row.error_class}]" if row.error_class else "")
            for row in errors
        ]
        lines += [f"  ! {printable(describe_finding(row))}" for row in warnings[:WARNINGS_SHOWN]]
        if warned > WARNINGS_SHOWN:
            lines.append(
                f"  … {warned - WARNINGS_SHOWN} more warnings: "
                "select * from audit.validation_results where status = 'warn'"
            )
        return lines


def _failure_order(row: ValidationResult) -> tuple[str, str, int]:
    return (row.source_file or "", row.table_label or "", row.source_page or 0)

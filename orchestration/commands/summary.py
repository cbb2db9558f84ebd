"""What a build did, as the command prints it, ending with one line that says whether the
warehouse was published and how clean it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .console import printable, printable_lines

if TYPE_CHECKING:
    from dagster import ExecuteInProcessResult
    from dagster._utils.error import SerializableErrorInfo

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


@dataclass
class BuildReport:
    """The outcome of one build, as the summary prints it."""

    success: bool
    summary: WarehouseSummary
    published: bool = True
    errors: list[str] = field(default_factory=list)  # failed steps, with their cause
    skipped: list[str] = field(default_factory=list)  # steps not run (upstream failed)
    failed_checks: list[str] = field(default_factory=list)  # error-severity asset checks
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
    def failed_expectations(self) -> list[dict[str, Any]]:
        return [r for r in self.summary.validation or [] if not _passed(r)]

    @property
    def error_expectations(self) -> list[dict[str, Any]]:
        return [r for r in self.failed_expectations if _severity(r) == "error"]

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

    def verdict(self, warehouse: Path, seconds: float) -> str:
        """The last line: published and clean / published with problems / not published."""
        where = printable(warehouse)
        if not self.published:
            cause = self.errors[0].splitlines()[0] if self.errors else self._not_run()
            return (
                f"NOT PUBLISHED: {where} was left as it was — {printable(cause)} ({seconds:.1f} s)"
            )
        if self.exit_code == EXIT_OK:
            return f"OK: {where} ({seconds:.1f} s)"
        problems = []
        if self.summary.rejected:
            problems.append(_plural(len(self.summary.rejected), "rejected document"))
        errors = self.error_expectations
        findings = len(errors) + len(self.failed_checks)
        if findings:
            documents = {row.get("source_file") for row in errors if row.get("source_file")}
            text = f"{_plural(findings, 'error-level finding')}"
            if documents:
                text += f" in {_plural(len(documents), 'document')}"
            problems.append(text)
        if self.errors:
            problems.append(_plural(len(self.errors), "failed step"))
        return (
            f"PUBLISHED WITH PROBLEMS: {where} holds every document that loaded; "
            f"{', '.join(problems)} (exit status 1, {seconds:.1f} s)"
        )

    def _not_run(self) -> str:
        if self.skipped:
            return f"steps not run: {', '.join(self.skipped)}"
        return "the publish step did not run"

    def print(
        self, out: TextIO, warehouse: Path, seconds: float, log_file: Path | None = None
    ) -> None:
        summary = self.summary
        w = out.write
        w("\n")
        if self.errors:
            w("Failed steps:\n")
            for error in self.errors:
                lines = printable_lines(error)
                w(f"  ✗ {lines[0]}\n")
                for line in lines[1:]:
                    w(f"    {line}\n")
        loaded = len(summary.documents) - len(summary.rejected)
        label = "Documents" if self.published else "Documents (previously published warehouse)"
        w(f"{label}: {loaded} loaded, {len(summary.rejected)} rejected")
        if self.extracted_now is not None:
            w(f" ({self.extracted_now} extracted now, the rest unchanged)")
        w("\n")
        for doc in summary.rejected:
            w(f"  ✗ {printable(doc['source_path'])}: {printable(doc['status_reason'])}\n")
        for key, first in self.duplicates.items():
            w(f"  = {printable(key)}: identical to {printable(first)}, loaded once\n")
        if summary.fact_rows:
            w("Rows per fact table:\n")
            width = max(len(t) for t in summary.fact_rows)
            for table, rows in summary.fact_rows.items():
                w(f"  marts.{table:<{width}} {rows:>8,}\n")
        self._print_expectations(w)
        if self.report_path:
            w(f"Report: {printable(self.report_path)}\n")
        if log_file:
            w(f"Full log (dbt output, tracebacks): {printable(log_file)}\n")
        w(self.verdict(warehouse, seconds) + "\n")

    def _print_expectations(self, w: Any) -> None:
        w(
            f"dbt tests and asset checks: {self.checks_passed} passed, "
            f"{len(self.failed_checks)} failed, {_plural(len(self.warned_checks), 'warning')}\n"
        )
        for name in self.failed_checks:
            w(f"  ✗ {name}\n")
        for name in self.warned_checks:
            w(f"  ! {name} (warning)\n")
        rows = self.summary.validation
        if rows is None:
            w("Expectations: no validation results in the warehouse (audit.validation_results)\n")
            return
        failed = sorted(self.failed_expectations, key=_failure_order)
        errors = [row for row in failed if _severity(row) == "error"]
        warnings_ = [row for row in failed if _severity(row) != "error"]
        w(
            f"Expectations: {len(rows) - len(failed)} passed, {len(errors)} failed, "
            f"{_plural(len(warnings_), 'warning')} (audit.validation_results)\n"
        )
        for row in errors:
            w(f"  ✗ {printable(_describe_failure(row))}\n")
        for row in warnings_[:WARNINGS_SHOWN]:
            w(f"  ! {printable(_describe_failure(row))}\n")
        if len(warnings_) > WARNINGS_SHOWN:
            w(
                f"  … {len(warnings_) - WARNINGS_SHOWN} more warnings: "
                "select * from audit.validation_results where status = 'warn'\n"
            )


def _failure_order(row: dict[str, Any]) -> tuple[str, str, int]:
    return (row.get("source_file") or "", row.get("table_label") or "", row.get("source_page") or 0)


def _passed(row: dict[str, Any]) -> bool:
    """A row of ``audit.validation_results`` (status pass / warn / error)."""
    return row.get("status") == "pass"


def _severity(row: dict[str, Any]) -> str:
    return "error" if row.get("status") == "error" else "warning"


def _describe_failure(row: dict[str, Any]) -> str:
    """file, table, unit or row, rule: expected vs observed."""
    unit_or_row = " / ".join(str(row[k]) for k in ("unit_name", "row_label") if row.get(k))
    page = f"p.{row['source_page']}" if row.get("source_page") is not None else None
    place = [row.get("source_file"), row.get("table_label") or row.get("asset"), unit_or_row, page]
    text = ", ".join(str(p) for p in place if p)
    text += f" — {row.get('rule') or row.get('expectation')}"
    if row.get("expected_yuan") is not None or row.get("observed_yuan") is not None:
        text += f": expected {_yuan(row.get('expected_yuan'))}, observed {_yuan(row.get('observed_yuan'))}"
    elif row.get("detail"):
        text += f": {row['detail']}"
    return text


def _yuan(value: Any) -> str:
    return "—" if value is None else f"{value:,.2f} 元"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"

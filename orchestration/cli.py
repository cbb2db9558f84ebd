"""``budget-warehouse``: build the warehouse from a folder of PDFs by running the Dagster job in-process.

The command runs the same definitions as ``dagster dev``: it syncs the ``documents`` partitions with
the PDFs in the raw folder, runs ``build_warehouse`` over all of them (one partition-range run:
extraction, raw tables, dbt build, validation, publish) and prints a summary.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .settings import (
    DEFAULT_DOC_TIMEOUT,
    DEFAULT_RAW_DIR,
    DEFAULT_WAREHOUSE,
    DEFAULT_WORKERS,
    ENV_DOC_TIMEOUT,
    ENV_RAW_DIR,
    ENV_WAREHOUSE,
    ENV_WORKERS,
    ENVIRONMENT,
    Settings,
    discover_pdfs,
)

if TYPE_CHECKING:
    from dagster import DagsterInstance, Definitions, ExecuteInProcessResult

    from .warehouse.publish import WarehouseSummary

EXIT_OK = 0
EXIT_FAILED = 1
WARNINGS_SHOWN = 10  # every error is listed; warnings (within-rounding gaps…) only the first few


def parser() -> argparse.ArgumentParser:
    environment = "\n".join(f"  {name:<20} {text}" for name, text in ENVIRONMENT.items())
    top = argparse.ArgumentParser(
        prog="budget-warehouse",
        description="Chinese government budget disclosures (PDF) → validated DuckDB warehouse.",
        epilog=f"environment variables:\n{environment}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    build = commands.add_parser(
        "build",
        help="extract every PDF, load, dbt build, validate and publish the warehouse",
        description=(
            "Build the warehouse from every *.pdf below DIR (recursively): extraction → raw DuckDB "
            "tables → dbt build → validation → atomic publish of FILE. Unchanged PDFs are not "
            "re-extracted; removed PDFs' rows disappear. Exit status 0 when every document loaded "
            "and no error-severity expectation failed, else 1."
        ),
        epilog=f"environment variables:\n{environment}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument(
        "--raw-dir",
        metavar="DIR",
        help=f"folder of PDFs (default: ${ENV_RAW_DIR} or {DEFAULT_RAW_DIR}/)",
    )
    build.add_argument(
        "--warehouse",
        metavar="FILE",
        help=f"published DuckDB file (default: ${ENV_WAREHOUSE} or {DEFAULT_WAREHOUSE})",
    )
    build.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help=f"parallel extraction processes (default: ${ENV_WORKERS} or {DEFAULT_WORKERS})",
    )
    build.add_argument(
        "--doc-timeout",
        type=float,
        metavar="SECONDS",
        help=(
            f"per-document extraction limit (default: ${ENV_DOC_TIMEOUT} or "
            f"{DEFAULT_DOC_TIMEOUT:g})"
        ),
    )
    from .evidence.show import add_parser as add_show_parser

    add_show_parser(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "build":
        return build(args.raw_dir, args.warehouse, args.workers, args.doc_timeout)
    if args.command == "show":
        from .evidence.show import show

        return show(args, sys.stdout)
    return EXIT_FAILED  # pragma: no cover - argparse enforces a command


def build(
    raw_dir: str | None = None,
    warehouse: str | None = None,
    workers: int | None = None,
    doc_timeout: float | None = None,
    out: TextIO | None = None,
) -> int:
    """Run ``build_warehouse`` in-process and print the summary; return the exit status."""
    out = out or sys.stdout
    settings = Settings.from_env(raw_dir, warehouse, workers, doc_timeout)
    if not settings.raw_dir.is_dir():
        print(f"error: raw folder {settings.raw_dir} does not exist", file=out)
        return EXIT_FAILED
    # The definitions read the same variables (resources resolve them at run time).
    os.environ[ENV_RAW_DIR] = str(settings.raw_dir)
    os.environ[ENV_WAREHOUSE] = str(settings.warehouse)
    os.environ[ENV_WORKERS] = str(settings.workers)
    os.environ[ENV_DOC_TIMEOUT] = str(settings.doc_timeout)
    started = time.perf_counter()
    log_file = settings.build_database.parent / "build.log"
    with _console(out, log_file):
        try:
            from .definitions import defs
        except Exception as exc:  # e.g. the dbt project does not parse
            print(f"error: cannot load the Dagster definitions: {exc}", file=out)
            return EXIT_FAILED

        pdfs = discover_pdfs(settings.raw_dir)
        print(
            f"budget-warehouse: {len(pdfs)} PDF(s) in {settings.raw_dir} → {settings.warehouse}",
            file=out,
        )
        if not pdfs:
            print(f"  warning: no *.pdf below {settings.raw_dir}", file=out)
        instance = _instance()
        keys = sync_partitions(instance, list(pdfs))
        result = run_build(defs, instance, keys)
    from .warehouse.publish import read_summary

    report = BuildReport.from_run(result, read_summary(settings.warehouse))
    report.print(out, settings, time.perf_counter() - started)
    print(f"Full log (dbt output): {log_file}", file=out)
    return report.exit_code


def _instance() -> DagsterInstance:
    """An ephemeral instance: the CLI never touches the partitions or runs of ``dagster dev``'s
    instance (a different ``--raw-dir`` would otherwise rewrite its partitions)."""
    from dagster import DagsterInstance

    return DagsterInstance.ephemeral()


def sync_partitions(instance: DagsterInstance, keys: list[str]) -> list[str]:
    """Make the ``documents`` partitions exactly ``keys``; return them in partition order."""
    from .defs.extract_assets import documents_partitions

    name = documents_partitions.name
    existing = list(instance.get_dynamic_partitions(name))
    for stale in sorted(set(existing) - set(keys)):
        instance.delete_dynamic_partition(name, stale)
    new = [key for key in keys if key not in set(existing)]
    if new:
        instance.add_dynamic_partitions(name, new)
    return list(instance.get_dynamic_partitions(name))


def run_build(
    defs: Definitions, instance: DagsterInstance, keys: list[str]
) -> ExecuteInProcessResult:
    """One run of ``build_warehouse`` over every partition (or, with no PDFs, the rest)."""
    from .defs.jobs import BUILD_JOB_NAME, keys_after_extraction, partition_range_tags

    job = defs.resolve_job_def(BUILD_JOB_NAME)
    quiet = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    if keys:
        return job.execute_in_process(
            instance=instance,
            tags=partition_range_tags(keys),
            run_config=quiet,
            raise_on_error=False,
        )
    return job.execute_in_process(
        instance=instance,
        asset_selection=keys_after_extraction(defs.get_repository_def()),
        run_config=quiet,
        raise_on_error=False,
    )


class _ProgressHandler(logging.Handler):
    def __init__(self, out: TextIO) -> None:
        super().__init__(logging.INFO)
        self.out = out

    def emit(self, record: logging.LogRecord) -> None:
        print(f"  {record.getMessage()}", file=self.out, flush=True)


class _console:
    """Print our progress lines to ``out``; send library output (dbt's log, pdfminer and Dagster
    chatter) to ``log_file`` instead."""

    def __init__(self, out: TextIO, log_file: Path) -> None:
        self.out = out
        self.log_file = log_file
        self.progress = logging.getLogger("budget_warehouse.progress")
        self.quiet = [logging.getLogger(name) for name in ("pdfminer", "dagster_dbt", "dagster")]
        self.stack = contextlib.ExitStack()

    def __enter__(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = self.stack.enter_context(self.log_file.open("w", encoding="utf-8"))
        self.stack.enter_context(contextlib.redirect_stdout(log))
        self.stack.enter_context(warnings.catch_warnings())
        warnings.simplefilter("ignore")
        handler = _ProgressHandler(self.out)
        file_handler = logging.StreamHandler(log)
        saved = [
            (logger, logger.level, logger.propagate) for logger in [self.progress, *self.quiet]
        ]
        self.progress.addHandler(handler)
        self.progress.setLevel(logging.INFO)
        self.progress.propagate = False
        for logger in self.quiet:
            logger.addHandler(file_handler)
            logger.setLevel(logging.WARNING)
            logger.propagate = False

        def restore() -> None:
            self.progress.removeHandler(handler)
            for logger in self.quiet:
                logger.removeHandler(file_handler)
            for logger, level, propagate in saved:
                logger.setLevel(level)
                logger.propagate = propagate

        self.stack.callback(restore)

    def __exit__(self, *exc: object) -> None:
        self.stack.close()


@dataclass
class BuildReport:
    """The outcome of one build, as the summary prints it."""

    success: bool
    summary: WarehouseSummary
    errors: list[str] = field(default_factory=list)  # failed steps
    failed_checks: list[str] = field(default_factory=list)  # error-severity asset checks
    warned_checks: list[str] = field(default_factory=list)
    checks_passed: int = 0
    extracted_now: int | None = None
    duplicates: dict[str, str] = field(default_factory=dict)
    report_path: str | None = None  # the HTML report, when the build wrote one

    @classmethod
    def from_run(cls, result: ExecuteInProcessResult, summary: WarehouseSummary) -> BuildReport:
        from dagster import AssetCheckSeverity

        report = cls(success=result.success, summary=summary)
        for event in result.all_events:
            if event.event_type_value == "STEP_FAILURE":
                error = event.step_failure_data.error
                message = error.message.strip() if error else "failed"
                user = event.step_failure_data.user_failure_data
                if user and user.metadata.get("errors"):
                    message += "\n" + str(user.metadata["errors"].value)
                report.errors.append(f"{event.step_key}: {message}")
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
            if materialization.asset_key.path == ["document_extracts"]:
                report.extracted_now = metadata["extracted_now"].value
            if materialization.asset_key.path == ["raw", "documents"]:
                report.duplicates = metadata["duplicates"].value
            if materialization.asset_key.path == ["build_report"]:
                report.report_path = metadata["path"].value
        return report

    @property
    def failed_expectations(self) -> list[dict[str, Any]]:
        return [r for r in self.summary.validation or [] if not _passed(r)]

    @property
    def exit_code(self) -> int:
        error_expectations = [r for r in self.failed_expectations if _severity(r) == "error"]
        ok = (
            self.success
            and not self.summary.rejected
            and not self.failed_checks
            and not error_expectations
        )
        return EXIT_OK if ok else EXIT_FAILED

    def print(self, out: TextIO, settings: Settings, seconds: float) -> None:
        summary = self.summary
        w = out.write
        w("\n")
        if self.errors:
            w("BUILD FAILED — the published warehouse was not replaced:\n")
            for error in self.errors:
                w(f"  ✗ {_indent(error)}\n")
        loaded = len(summary.documents) - len(summary.rejected)
        w(f"Documents: {loaded} loaded, {len(summary.rejected)} rejected")
        if self.extracted_now is not None:
            w(f" ({self.extracted_now} extracted now, the rest unchanged)")
        w("\n")
        for doc in summary.rejected:
            w(f"  ✗ {doc['source_path']}: {doc['status_reason']}\n")
        for key, first in self.duplicates.items():
            w(f"  = {key}: identical to {first}, loaded once\n")
        if summary.fact_rows:
            w("Rows per fact table:\n")
            width = max(len(t) for t in summary.fact_rows)
            for table, rows in summary.fact_rows.items():
                w(f"  marts.{table:<{width}} {rows:>8,}\n")
        self._print_expectations(w)
        if self.report_path:
            w(f"Report: {self.report_path}\n")
        verdict = "OK" if self.exit_code == EXIT_OK else "FAILED"
        w(f"{verdict}: {settings.warehouse} ({seconds:.1f} s)\n")

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
            w(f"  ✗ {_describe_failure(row)}\n")
        for row in warnings_[:WARNINGS_SHOWN]:
            w(f"  ! {_describe_failure(row)}\n")
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


def _indent(text: str) -> str:
    return text.replace("\n", "\n    ")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"

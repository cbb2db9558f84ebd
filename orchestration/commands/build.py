"""``budget-warehouse build``: run the Dagster job ``build_warehouse`` in-process.

The command runs the same definitions as ``dagster dev``: it checks the locations, takes the
warehouse's build lock (waiting, or failing fast with ``--no-wait``), syncs the ``documents``
partitions with the PDFs in the raw folder, runs ``build_warehouse`` over all of them (one
partition-range run: extraction, raw tables, dbt build, validation, publish) and prints a summary.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..settings import (
    DEFAULT_DOC_TIMEOUT,
    DEFAULT_RAW_DIR,
    DEFAULT_WAREHOUSE,
    DEFAULT_WORKERS,
    ENV_DOC_TIMEOUT,
    ENV_RAW_DIR,
    ENV_WAREHOUSE,
    ENV_WORKERS,
    Settings,
    scan_raw_dir,
)
from ..warehouse.build_lock import Holder, WarehouseBusy, build_lock
from .console import printable
from .summary import EXIT_FAILED, BuildReport

if TYPE_CHECKING:
    from dagster import DagsterInstance, Definitions, ExecuteInProcessResult

NAME = "build"
HELP = "extract every PDF, load, dbt build, validate and publish the warehouse"
DESCRIPTION = (
    "Build the warehouse from every *.pdf below DIR (recursively): extraction → raw DuckDB "
    "tables → dbt build → validation → atomic publish of FILE. Unchanged PDFs are not "
    "re-extracted; removed PDFs' rows disappear. One build at a time per warehouse: a second "
    "one waits (or, with --no-wait, stops). Exit status 0 when every document loaded and no "
    "error-severity expectation failed, else 1."
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(NAME, help=HELP, description=DESCRIPTION)
    parser.add_argument(
        "--raw-dir",
        metavar="DIR",
        help=f"folder of PDFs (default: ${ENV_RAW_DIR} or {DEFAULT_RAW_DIR}/)",
    )
    parser.add_argument(
        "--warehouse",
        metavar="FILE",
        help=f"published DuckDB file (default: ${ENV_WAREHOUSE} or {DEFAULT_WAREHOUSE})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help=f"parallel extraction processes (default: ${ENV_WORKERS} or {DEFAULT_WORKERS})",
    )
    parser.add_argument(
        "--doc-timeout",
        type=float,
        metavar="SECONDS",
        help=(
            f"per-document extraction limit (default: ${ENV_DOC_TIMEOUT} or "
            f"{DEFAULT_DOC_TIMEOUT:g}); a document over it is rejected for this build and "
            "retried by the next"
        ),
    )
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="stop at once (exit 1) if another build is writing the same warehouse",
    )


def run(args: argparse.Namespace) -> int:
    return build(
        args.raw_dir, args.warehouse, args.workers, args.doc_timeout, wait=not args.no_wait
    )


def build(
    raw_dir: str | None = None,
    warehouse: str | None = None,
    workers: int | None = None,
    doc_timeout: float | None = None,
    out: TextIO | None = None,
    wait: bool = True,
) -> int:
    """Run ``build_warehouse`` in-process and print the summary; return the exit status."""
    import sys

    out = out or sys.stdout
    started = time.perf_counter()
    settings = Settings.from_env(raw_dir, warehouse, workers, doc_timeout)
    problems = settings.location_problems()
    if problems:
        for problem in problems:
            print(f"error: {printable(problem)}", file=out)
        print(f"NOT PUBLISHED: nothing was built — {printable(problems[0])}", file=out)
        return EXIT_FAILED

    def waiting(holder: Holder, seconds: float) -> None:
        print(
            f"  waiting: another build is writing {printable(settings.warehouse)} — "
            f"{printable(holder.describe())} (waited {seconds:.0f} s; --no-wait to stop instead)",
            file=out,
            flush=True,
        )

    try:
        with build_lock(settings.run_lock_file, settings.raw_dir, wait=wait, on_wait=waiting):
            return _locked_build(settings, out, started)
    except WarehouseBusy as busy:
        print(
            f"NOT PUBLISHED: {printable(settings.warehouse)} was left as it was — {busy}", file=out
        )
        return EXIT_FAILED


def _locked_build(settings: Settings, out: TextIO, started: float) -> int:
    # The definitions read the same variables (resources resolve them at run time).
    os.environ[ENV_RAW_DIR] = str(settings.raw_dir)
    os.environ[ENV_WAREHOUSE] = str(settings.warehouse)
    os.environ[ENV_WORKERS] = str(settings.workers)
    os.environ[ENV_DOC_TIMEOUT] = str(settings.doc_timeout)
    log_file = settings.build_log
    with _console(out, log_file):
        try:
            from ..definitions import defs
        except Exception as exc:  # e.g. the dbt project does not parse
            print(f"error: cannot load the Dagster definitions: {printable(exc)}", file=out)
            print(f"NOT PUBLISHED: {printable(settings.warehouse)} was left as it was", file=out)
            return EXIT_FAILED

        folder = scan_raw_dir(settings.raw_dir)
        print(
            f"budget-warehouse: {len(folder.pdfs)} PDF(s) in {printable(settings.raw_dir)} → "
            f"{printable(settings.warehouse)}",
            file=out,
        )
        if folder.unreadable:
            print(
                f"  {len(folder.unreadable)} *.pdf entries cannot be read (listed below)", file=out
            )
        if not folder.pdfs and not folder.unreadable:
            print(f"  warning: no *.pdf below {printable(settings.raw_dir)}", file=out)
        instance = _instance()
        keys = sync_partitions(instance, list(folder.pdfs))
        result = run_build(defs, instance, keys)
    from ..warehouse.publish import read_summary

    report = BuildReport.from_run(result, read_summary(settings.warehouse))
    report.print(out, settings.warehouse, time.perf_counter() - started, log_file)
    return report.exit_code


def _instance() -> DagsterInstance:
    """An ephemeral instance: the CLI never touches the partitions or runs of ``dagster dev``'s
    instance (a different ``--raw-dir`` would otherwise rewrite its partitions)."""
    from dagster import DagsterInstance

    return DagsterInstance.ephemeral()


def sync_partitions(instance: DagsterInstance, keys: list[str]) -> list[str]:
    """Make the ``documents`` partitions exactly ``keys``; return them in partition order."""
    from ..defs.extract_assets import documents_partitions

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
    from ..defs.jobs import BUILD_JOB_NAME, keys_after_extraction, partition_range_tags

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
        mark = "warning: " if record.levelno >= logging.WARNING else ""
        print(f"  {mark}{printable(record.getMessage())}", file=self.out, flush=True)


class _console:
    """Print our progress lines to ``out``; send library output (dbt's log, pdfminer and Dagster
    chatter, tracebacks) to ``log_file`` instead."""

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

"""``budget-warehouse build``: build and publish the warehouse, or say it is already up to date.

The command checks the locations, takes the warehouse's build lock (waiting, or failing fast with
``--no-wait``) and compares the raw folder and the code with what the published warehouse was
built from (:mod:`orchestration.warehouse.up_to_date`). When nothing changed it says so and stops
— without importing Dagster. Otherwise it forks a head start that begins extracting
(:mod:`orchestration.warehouse.head_start`) and starts the validation worker
(:mod:`orchestration.validation.worker`), then runs the Dagster job ``build_warehouse``
in-process with both as its ``helpers`` resource (:mod:`orchestration.defs.build_runner`,
:mod:`orchestration.defs.helpers`: extraction — taking over the head start's results —, raw
tables, dbt build, validation, publish, report) and prints a summary. ``$BUDGET_HELPERS`` turns
either helper off (the run then does that work itself, as a run from the UI does), so that
``bench/bench_helpers.py`` can measure what each one saves.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TextIO

from ..prepared_dbt import prepared_dbt
from ..settings import (
    DEFAULT_DOC_TIMEOUT,
    DEFAULT_RAW_DIR,
    DEFAULT_WAREHOUSE,
    DEFAULT_WORKERS,
    ENV_DOC_TIMEOUT,
    ENV_HELPERS,
    ENV_RAW_DIR,
    ENV_WAREHOUSE,
    ENV_WORKERS,
    RawFolder,
    Settings,
    scan_raw_dir,
)
from ..validation.worker import validation_worker
from ..warehouse import pdf_hashes, up_to_date
from ..warehouse.build_lock import Holder, WarehouseBusy, build_lock
from .console import build_console, printable, relative_paths, shown
from .summary import EXIT_FAILED, BuildReport

if TYPE_CHECKING:
    from pathlib import Path

    from ..warehouse.head_start import HeadStart

NAME = "build"
HELP = "extract every PDF, load, dbt build, validate and publish the warehouse"
DESCRIPTION = (
    "Build the warehouse from every *.pdf below DIR (recursively): extraction → raw DuckDB "
    "tables → dbt build → validation → atomic publish of FILE. Unchanged PDFs are not "
    "re-extracted; removed PDFs' rows disappear; when no PDF and no code changed since the "
    "published build, the command says so and stops at once. One build at a time per "
    "warehouse: a second one waits (or, with --no-wait, stops). Exit status 0 when every "
    "document loaded and no error-severity expectation failed, else 1."
)
#: The helpers ``$BUDGET_HELPERS`` may name (turning one off measures what it saves:
#: ``bench/bench_helpers.py``).
HEAD_START, VALIDATION_WORKER, PREPARED_DBT = "head_start", "validation_worker", "prepared_dbt"
HELPERS = (HEAD_START, VALIDATION_WORKER, PREPARED_DBT)


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
        "--full",
        action="store_true",
        help=(
            "rebuild every mart, the audit and the report from all documents instead of only "
            "what changed (extracts stay cached)"
        ),
    )
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="stop at once (exit 1) if another build is writing the same warehouse",
    )


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env(args.raw_dir, args.warehouse, args.workers, args.doc_timeout)
    try:
        helpers = helpers_from_env()
    except ValueError as exc:
        print(f"NOT PUBLISHED: nothing was built — {exc}", flush=True)
        return EXIT_FAILED
    if os.environ.get("BUDGET_PROFILE") == "distributed":  # Celery, DuckLake: docs/scale.md
        import sys

        from .distributed_build import build_distributed

        return build_distributed(settings, sys.stdout, wait=not args.no_wait)
    return build(settings, wait=not args.no_wait, helpers=helpers, full=args.full)


def helpers_from_env() -> frozenset[str]:
    """The helpers ``$BUDGET_HELPERS`` names (all when unset); ValueError naming an unknown one."""
    value = os.environ.get(ENV_HELPERS)
    if value is None or not value.strip():
        return frozenset(HELPERS)
    names = {name.strip() for name in value.split(",") if name.strip()} - {"none"}
    unknown = sorted(names - set(HELPERS))
    if unknown:
        raise ValueError(
            f"{ENV_HELPERS}={value!r}: unknown helper {', '.join(unknown)} "
            f"(known: {', '.join(HELPERS)}, or none)"
        )
    return frozenset(names)


def build(
    settings: Settings,
    out: TextIO | None = None,
    wait: bool = True,
    helpers: frozenset[str] = frozenset(HELPERS),
    full: bool = False,
) -> int:
    """Build (or find up to date) the warehouse ``settings`` name; print; return the exit status.

    ``helpers`` names the helper processes to start (:data:`HELPERS`): without
    ``head_start`` the Dagster run does all the extraction, without ``validation_worker`` its
    validation step validates in-process (as a run from the UI does both). ``full``: rebuild
    every stage after loading from all documents, not only what changed.
    """
    import sys

    run = _Run(settings, out or sys.stdout, helpers, full)
    problems = settings.location_problems()
    if problems:
        for problem in problems:
            run.print(f"error: {printable(problem)}")
        run.print(f"NOT PUBLISHED: nothing was built — {printable(problems[0])}")
        return EXIT_FAILED

    def waiting(holder: Holder, seconds: float) -> None:
        run.print(
            f"  waiting: another build is writing {shown(settings.warehouse)} — "
            f"{printable(holder.describe())} (waited {seconds:.0f} s; --no-wait to stop instead)"
        )

    try:
        with build_lock(
            settings.run_lock_file,
            settings.raw_dir,
            wait=wait,
            on_wait=waiting,
            helpers_lock=settings.helpers_lock_file,
        ):
            return run.locked()
    except WarehouseBusy as busy:
        run.print(f"NOT PUBLISHED: {shown(settings.warehouse)} was left as it was — {busy}")
        return EXIT_FAILED


@dataclass
class _Run:
    """One invocation of the command, holding the build lock once :meth:`locked` runs."""

    settings: Settings
    out: TextIO
    helpers: frozenset[str] = frozenset(HELPERS)
    full: bool = False
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = time.perf_counter()

    def print(self, line: str) -> None:
        print(relative_paths(line), file=self.out, flush=True)

    def timing(self) -> str:
        return f"{time.perf_counter() - self.started:.1f} s"

    def locked(self) -> int:
        settings = self.settings
        folder = scan_raw_dir(settings.raw_dir)
        self.print(
            f"budget-warehouse: {len(folder.pdfs)} PDF(s) in {shown(settings.raw_dir)} → "
            f"{shown(settings.warehouse)}"
        )
        record = up_to_date.read_record(settings.published_record)
        inputs = up_to_date.current_inputs(settings, folder, record.inputs if record else None)
        if record is not None and record.holds(inputs, settings) and not self.full:
            return self.up_to_date(record)
        up_to_date.forget(settings.published_record)  # the published file is about to change
        if self.full:  # every stage after loading starts from scratch
            from ..warehouse import changes

            changes.forget_all(settings.build_database)
        pdf_hashes.remember(settings.pdf_hashes, inputs.pdfs)  # the run's steps need not re-read
        from ..warehouse import head_start

        keys, todo = self.to_extract(folder, inputs)
        # Extraction starts now, in a forked child, while this process imports Dagster. The
        # contents were just hashed (or known unchanged) by the up-to-date check.
        contents = todo if HEAD_START in self.helpers else {}
        with head_start.started(settings, contents) as early:
            report = self.full_build(folder, keys, early)
        if report is None:
            return EXIT_FAILED
        lines = report.lines(settings.build_log)
        verdict = report.verdict(settings.warehouse, "{timing}")
        self.print("")
        for line in lines:
            self.print(line)
        self.print(verdict.replace("{timing}", self.timing()))
        identity = up_to_date.file_identity(settings.warehouse)
        if identity is not None and _decided(report, settings, inputs):
            # What a rebuild would print: the same summary, nothing extracted.
            again = replace(report, extracted_now=0).lines(settings.build_log)
            derived = up_to_date.derived_files(settings, inputs)
            record = up_to_date.PublishedBuild(
                inputs, identity, report.exit_code, again, verdict, derived
            )
            up_to_date.write_record(settings.published_record, record)
        return report.exit_code

    def up_to_date(self, record: up_to_date.PublishedBuild) -> int:
        self.print(
            "  up to date: no PDF, extractor, dbt or expectation file changed since the "
            "published build (summary of that build below)"
        )
        self.print("")
        for line in record.summary:
            self.print(line)
        self.print(record.verdict.replace("{timing}", f"{self.timing()}, up to date"))
        return record.exit_code

    def to_extract(
        self, folder: RawFolder, inputs: up_to_date.BuildInputs
    ) -> tuple[list[str], dict[Path, str]]:
        """The partitions the run extracts — PDFs without a decision in the extract cache, and
        those that could not be hashed (the run says why) — and their {pdf: sha256}.

        The run covers only these: the loader reads every PDF of the folder from the cache, and
        a partition costs Dagster events (planned, observed, materialised, logged) whether it
        is extracted or not — ~40 s a build at 10⁴ documents for nothing."""
        from ..warehouse.extract_cache import uncached

        contents = inputs.contents(folder.pdfs)
        todo = set(uncached(contents, self.settings.cache_dir))
        keys = [key for key, pdf in folder.pdfs.items() if pdf in todo or pdf not in contents]
        cached = len(folder.pdfs) - len(keys)
        if cached:
            rest = f"extracting {len(keys)}" if keys else "nothing to extract"
            self.print(f"  {cached} of {len(folder.pdfs)} PDF(s) extracted before (cached); {rest}")
        return keys, {pdf: contents[pdf] for pdf in todo}

    def full_build(
        self, folder: RawFolder, keys: list[str], early: HeadStart | None
    ) -> BuildReport | None:
        """Run the Dagster job over the partitions ``keys`` with the helpers (its extraction
        taking over the ``early`` head start, if any); None when the definitions cannot be
        loaded."""
        settings = self.settings
        if folder.unreadable:
            self.print(f"  {len(folder.unreadable)} *.pdf entries cannot be read (listed below)")
        if not folder.pdfs and not folder.unreadable:
            self.print(f"  warning: no *.pdf below {shown(settings.raw_dir)}")
        worker = (
            validation_worker(settings.helpers_lock_file)
            if VALIDATION_WORKER in self.helpers
            else contextlib.nullcontext()
        )
        with build_console(self.out, settings.build_log), worker as validating:
            try:
                from ..definitions import defs
            except Exception as exc:  # e.g. the dbt project does not parse
                self.print(f"error: cannot load the Dagster definitions: {printable(exc)}")
                self.print(f"NOT PUBLISHED: {shown(settings.warehouse)} was left as it was")
                return None
            from ..defs.build_runner import build as run_build
            from ..defs.dbt_assets import dbt_build_ahead
            from ..defs.helpers import BuildHelpers

            # The prepared dbt process starts once Dagster is imported: its import then overlaps
            # the rest of the extraction and the load instead of competing with Dagster's.
            dbt = (
                prepared_dbt(settings.helpers_lock_file, dbt_build_ahead(settings))
                if PREPARED_DBT in self.helpers
                else contextlib.nullcontext()
            )
            with dbt as prepared:
                helpers = BuildHelpers(early, validating, prepared)
                result = run_build(defs, settings, keys, helpers)
        from ..warehouse.publish import read_summary

        report = BuildReport.from_run(result, read_summary(settings.warehouse))
        if not keys:  # the run had no extraction step
            report.extracted_now = 0
        return report


def _decided(report: BuildReport, settings: Settings, inputs: up_to_date.BuildInputs) -> bool:
    """True when the next build with the same inputs would publish the same warehouse: it
    published, no step failed, and no document awaits a retry (crash, timeout, failed load)."""
    if not (report.success and report.published) or report.errors:
        return False
    if not all(doc.extract_checksum for doc in report.summary.documents):
        return False  # a failed load: retried by the next build
    return not up_to_date.retries_pending(settings, inputs)

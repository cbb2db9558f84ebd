"""``budget-warehouse build`` on the distributed profile: batches queued on the instance and
extracted on Celery workers (``distributed.build``), then load, dbt, validation and publish
through the lake (``distributed.lake_build``), under the warehouse's build lock; the summary as
the embedded build prints it.
"""

from __future__ import annotations

import time
from typing import TextIO

from ..distributed.build import extract_on_workers
from ..distributed.lake_build import LakeBuild, build_on_lake
from ..distributed.profile import DistributedSettings
from ..lake.connection import LakeConfig
from ..settings import Settings
from ..warehouse import up_to_date
from ..warehouse.build_lock import WarehouseBusy, build_lock
from ..warehouse.publish import read_summary
from .console import printable, relative_paths, shown
from .summary import EXIT_FAILED, BuildReport


def build_distributed(settings: Settings, out: TextIO, wait: bool = True) -> int:
    """Build and publish ``settings.warehouse`` through the cluster and the lake the
    environment names; print progress and summary to ``out``; return the exit status."""
    started = time.perf_counter()

    def say(line: str) -> None:
        print(relative_paths(line), file=out, flush=True)

    try:
        profile = DistributedSettings.from_env(settings)
        lake = LakeConfig.from_env()
    except (KeyError, ValueError) as exc:
        say(f"NOT PUBLISHED: nothing was built — {printable(exc)}")
        return EXIT_FAILED
    problems = settings.location_problems()
    if problems:
        say(f"NOT PUBLISHED: nothing was built — {printable(problems[0])}")
        return EXIT_FAILED
    try:
        with build_lock(settings.run_lock_file, settings.raw_dir, wait=wait):
            say(f"budget-warehouse: {shown(settings.raw_dir)} → {shown(settings.warehouse)}")
            extracts = extract_on_workers(settings, profile, say=say)
            if extracts is None:
                return EXIT_FAILED
            up_to_date.forget(settings.published_record)  # the published file will change
            built = build_on_lake(settings, lake, extracts, say=say)
    except WarehouseBusy as busy:
        say(f"NOT PUBLISHED: {shown(settings.warehouse)} was left as it was — {busy}")
        return EXIT_FAILED
    if built.published is None:
        say(f"NOT PUBLISHED: {shown(settings.warehouse)} was left as it was — {built.dbt.message}")
        return EXIT_FAILED
    report = lake_report(built, settings)
    say("")
    for line in report.lines(settings.build_log):
        say(line)
    say(report.verdict(settings.warehouse, f"{time.perf_counter() - started:.1f} s"))
    return report.exit_code


def lake_report(built: LakeBuild, settings: Settings) -> BuildReport:
    """The summary of a published lake build: the published file's documents, facts and
    audit, dbt's tests as the checks."""
    tests = built.dbt.tests
    return BuildReport(
        success=True,
        summary=read_summary(settings.warehouse),
        published=True,
        failed_checks=tests.get("fail", []) + tests.get("error", []),
        warned_checks=tests.get("warn", []),
        checks_passed=len(tests.get("pass", [])),
        duplicates=built.load.report.duplicates,
    )

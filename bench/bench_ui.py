"""The data team's path under ``make dev``: Materialize all against a ``build_warehouse`` run.

    python -m bench.bench_ui [--corpus DIR] [--limit N]

Starts ``dagster dev`` on a temporary instance with the project's ``dagster.yaml`` (the raw-folder
sensor stopped, the documents added as partitions), then, through GraphQL as the UI does:

1. *Materialize all*: an asset backfill of every asset and partition, into a fresh warehouse;
2. a ``build_warehouse`` run over the same partitions, into another fresh warehouse (cold extract
   cache both times);
3. a ``build_warehouse`` run and an ``__ASSET_JOB`` run of the downstream assets submitted
   together, on the first warehouse.

Prints each time from the click to the end of the last run, the ratio, and for every run its
queue wait (enqueued → launched), launch (launched → run started: the run's process loads the
code location) and whether its steps ran in its own process.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from dagster import DagsterEventType, DagsterRun

from bench.dagster_dev import ASSET_JOB, DagsterDev, dagster_dev
from orchestration.defs.jobs import BUILD_JOB_NAME, partition_range_tags
from orchestration.defs.run_queue import WRITER_TAG

CORPUS = (Path(__file__).resolve().parent.parent / ".." / "shared" / "corpus" / "real").resolve()
SENSOR = "raw_folder_sensor"
PARTITIONS = "documents"
TIMEOUT = 3600.0


@dataclass(frozen=True)
class RunFacts:
    """One run as the instance recorded it."""

    run_id: str
    job: str
    status: str
    writer_tag: str | None
    queue_wait: float  # enqueued → dequeued and launched (RUN_STARTING)
    launch: float  # launched → the run's process started it (loading the code location)
    started: float
    ended: float
    in_process: bool  # every step started in the run's own process

    @property
    def enqueued(self) -> float:
        """When the run was submitted (by the UI, or by the backfill daemon)."""
        return self.started - self.launch - self.queue_wait


@dataclass(frozen=True)
class CheckOutcome:
    """One asset check evaluated in a run: its key, outcome, severity and error count."""

    check: str
    passed: bool
    severity: str
    errors: int | None  # the Great Expectations checks' count of error-level findings


@dataclass(frozen=True)
class UiPath:
    documents: int
    community_popup: bool  # the UI's shouldShowNux: the "join the community" pop-up
    materialize_all: float  # click → end of the backfill's last run
    materialize_runs: list[RunFacts]
    build_job: float  # click → end of the run
    build_run: RunFacts
    build_checks: list[CheckOutcome]
    together: list[RunFacts]  # in the order they started

    @property
    def ratio(self) -> float:
        return self.materialize_all / self.build_job

    @property
    def backfill_gaps(self) -> list[float]:
        """Seconds from each backfill run's end to the submission of the next (the daemon's
        look at the backfill)."""
        runs = sorted(self.materialize_runs, key=lambda run: run.enqueued)
        return [after.enqueued - before.ended for before, after in pairwise(runs)]


def _event_time(dev: DagsterDev, run_id: str, kind: DagsterEventType) -> float:
    entries = dev.instance.all_logs(run_id, of_type=kind)
    if not entries:
        raise RuntimeError(f"run {run_id} has no {kind.value} event")
    return entries[0].timestamp


def run_facts(dev: DagsterDev, run: DagsterRun) -> RunFacts:
    times = dev.times(run.run_id)
    enqueued = _event_time(dev, run.run_id, DagsterEventType.RUN_ENQUEUED)
    dequeued = _event_time(dev, run.run_id, DagsterEventType.RUN_STARTING)
    run_pid, step_pids = dev.step_processes(run.run_id)
    return RunFacts(
        run_id=run.run_id,
        job=run.job_name,
        status=run.status.value,
        writer_tag=run.tags.get(WRITER_TAG),
        queue_wait=dequeued - enqueued,
        launch=times.started - dequeued,
        started=times.started,
        ended=times.ended,
        in_process=bool(step_pids) and step_pids == {run_pid},
    )


def check_outcomes(dev: DagsterDev, run_id: str) -> list[CheckOutcome]:
    outcomes = []
    for entry in dev.instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data if entry.dagster_event else None
        if evaluation is None:
            continue
        errors = evaluation.metadata.get("errors")
        outcomes.append(
            CheckOutcome(
                check=f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}",
                passed=evaluation.passed,
                severity=evaluation.severity.value,
                errors=None if errors is None else int(errors.value),
            )
        )
    return outcomes


def measure(pdfs: list[Path], workdir: Path) -> UiPath:
    """The three steps above on ``pdfs`` (linked into a raw folder in ``workdir``)."""
    raw = workdir / "raw"
    raw.mkdir()
    with dagster_dev(workdir, raw, workdir / "materialize_all" / "budget.duckdb") as dev:
        dev.stop_sensor(SENSOR)
        community_popup = dev.graphql("{ shouldShowNux }")["shouldShowNux"]
        for pdf in pdfs:
            (raw / pdf.name).symlink_to(pdf.resolve())
        keys = sorted(pdf.name for pdf in pdfs)
        dev.instance.add_dynamic_partitions(PARTITIONS, keys)
        keys = list(dev.instance.get_dynamic_partitions(PARTITIONS))

        clicked = time.time()
        backfill = dev.materialize_all()
        backfill_runs = dev.wait_for_backfill(backfill, TIMEOUT)
        materialize_runs = [run_facts(dev, run) for run in backfill_runs]
        materialize_all = max(run.ended for run in materialize_runs) - clicked

        other = workdir / "build_warehouse" / "budget.duckdb"
        config = {"resources": {"warehouse": {"config": {"warehouse": str(other)}}}}
        clicked = time.time()
        run_id = dev.launch(BUILD_JOB_NAME, tags=partition_range_tags(keys), run_config=config)
        (build,) = dev.wait_for_runs([run_id], TIMEOUT)
        build_run = run_facts(dev, build)
        build_job = build_run.ended - clicked
        build_checks = check_outcomes(dev, run_id)

        downstream = [path for path in dev.asset_keys() if path != ["document_extracts"]]
        ids = [
            dev.launch(BUILD_JOB_NAME, tags=partition_range_tags(keys)),
            dev.launch(ASSET_JOB, asset_selection=downstream),
        ]
        together = sorted(
            (run_facts(dev, run) for run in dev.wait_for_runs(ids, TIMEOUT)),
            key=lambda run: run.started,
        )
    return UiPath(
        len(pdfs),
        community_popup,
        materialize_all,
        materialize_runs,
        build_job,
        build_run,
        build_checks,
        together,
    )


def describe(result: UiPath) -> str:
    def line(run: RunFacts) -> str:
        return (
            f"    {run.job:<16} {run.status:<8} queued {run.queue_wait:5.1f} s, "
            f"launch {run.launch:5.1f} s, ran {run.ended - run.started:6.1f} s, "
            f"{'in-process' if run.in_process else 'steps in other processes'}, "
            f"{WRITER_TAG}={run.writer_tag}"
        )

    return "\n".join(
        [
            f"{result.documents} PDF(s)",
            f"  Materialize all (backfill, {len(result.materialize_runs)} runs): "
            f"{result.materialize_all:.1f} s",
            *map(line, result.materialize_runs),
            "    each run submitted after the one before ended: "
            + ", ".join(f"{gap:.1f} s" for gap in result.backfill_gaps),
            f"  build_warehouse run: {result.build_job:.1f} s",
            line(result.build_run),
            f"  ratio: {result.ratio:.2f}",
            "  checks of the build_warehouse run (passed, severity): "
            + ", ".join(
                f"{n} {key}"
                for key, n in sorted(
                    Counter((c.passed, c.severity) for c in result.build_checks).items()
                )
            ),
            "  two runs submitted together:",
            *map(line, result.together),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N PDFs")
    parser.add_argument("--keep", type=Path, help="work in this new folder and keep it")
    args = parser.parse_args()
    pdfs = sorted(args.corpus.glob("*.pdf"))[: args.limit]
    if args.keep:
        args.keep.mkdir(parents=True)
        print(describe(measure(pdfs, args.keep)))
        return
    with tempfile.TemporaryDirectory(prefix="bench_ui_") as workdir:
        print(describe(measure(pdfs, Path(workdir))))


if __name__ == "__main__":
    main()

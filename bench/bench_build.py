"""What a build costs beyond its pages: builds against plain pdfplumber measured in the same run.

    python -m bench.bench_build [--corpus DIR] [--repeat N] [--project DIR [--project DIR …]]

Each repetition measures, one after the other so that every figure sees the same machine state:

- plain pdfplumber: one process opening every page and extracting its tables (``bench_extract``);
- extraction alone (our extractor through the worker pool, cold cache) with 1 and 2 workers;
- ``budget-warehouse build`` with 1 and 2 workers into a fresh folder (cold extract cache),
  with the time at which each stage's progress line appeared;
- no-op rebuilds of the last warehouse (nothing changed).

Prints medians: each build as a ratio to plain pdfplumber, the fixed cost (build minus extraction
alone with the same workers), the no-op rebuild, the stages of a build, and the HTML report's
share of the build. Wall-clock seconds of the real command (interpreter start and imports
included); asserts nothing about time. ``--project`` runs the command of another checkout; given
several times (``--project ../before --project .``), each repetition builds with every checkout in
turn, so a before/after comparison sees the same machine state (two benchmarks side by side would
take each other's second core). Extraction alone always runs this checkout's extractor.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from bench.bench_extract import plain
from bench.process_tree import TreeSampler
from orchestration.warehouse.extract_pool import extract_all

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT / ".." / "shared" / "corpus" / "real").resolve()
REPORT_LINE = re.compile(r"report: .*\((\d+) images, (\d+) rendered now, ([\d.]+) s[;)]")
#: dbt's own count of its run (nodes only: not its start, parse or the events Dagster reads), in
#: seconds: "… in 0 hours 1 minutes and 2.56 seconds (62.56s)."
DBT_RUN_LINE = re.compile(
    r"Finished running .* in [\d ]*hours [\d ]*minutes and [\d.]+ seconds \(([\d.]+)s\)"
)
#: Progress lines that end a stage of the build, in order (see ``Build.stages``).
STAGES = {
    # the last progress line "[n/n] extracted|cached …": extraction (overlapping the start and
    # Dagster's import when the CLI's head start extracts) is over
    "start, Dagster, extraction": re.compile(r"^  \[(\d+)/\1\] "),
    "load": re.compile(r"^  dbt build"),
    "dbt build": re.compile(r"^  (dbt build done|dbt build: up to date)"),
    "validation": re.compile(r"^  validation:"),
    "publish": re.compile(r"^  report:"),
    "summary and exit": None,  # until the process has exited
}
NOOP_RUNS = 3


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of every child it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Build:
    """One run of the command: wall seconds, exit status, stage ends, report seconds."""

    seconds: float
    status: int
    output: str
    cpu: float = 0.0  # CPU seconds of the command and its workers and dbt
    marks: dict[str, float] = field(default_factory=dict)  # stage -> seconds at its end
    cpu_marks: dict[str, float] = field(default_factory=dict)  # stage -> tree CPU-s at its end
    tree_cpu: float = 0.0  # CPU seconds of every process seen in the command's tree
    dbt_run: float | None = None  # dbt's own "Finished running … in N seconds"

    def figures(self) -> tuple[float, float]:
        return self.seconds, self.cpu

    @property
    def report_seconds(self) -> float | None:
        found = REPORT_LINE.search(self.output)
        return float(found.group(3)) if found else None

    def stages(self) -> dict[str, float]:
        """Seconds spent in each stage (stages whose line did not appear are left out)."""
        return _spans(self.marks, self.seconds)

    def stages_cpu(self) -> dict[str, float]:
        """CPU seconds of the command's process tree in each stage (sampled at each progress
        line: the other users of a loaded machine inflate them far less than wall seconds)."""
        return _spans(self.cpu_marks, self.tree_cpu)


def _spans(ends: Mapping[str, float], total: float) -> dict[str, float]:
    """Per stage, its end minus the previous stage's end (``total`` ends the last stage)."""
    durations, previous = {}, 0.0
    for stage in STAGES:
        end = ends.get(stage, total if STAGES[stage] is None else None)
        if end is not None:
            durations[stage] = end - previous
            previous = end
    return durations


def run_build(
    project: Path, raw: Path, warehouse: Path, workers: int, env: Mapping[str, str] | None = None
) -> Build:
    """``python -m orchestration.cli build`` in ``project``, timing each progress line; ``env``
    adds to the environment (none of the caller's ``BUDGET_*`` variables is passed on).

    ``project`` leads ``PYTHONPATH``: its helper processes and ``budget-warehouse-dbt`` import
    its code too, not the checkout this virtualenv installed (a checkout from before
    ``children.start_helper`` found its own package ran this one's validation worker)."""
    command = [sys.executable, "-m", "orchestration.cli", "build", "--raw-dir", str(raw)]
    command += ["--warehouse", str(warehouse), "--workers", str(workers)]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BUDGET_", "DAGSTER_HOME"))},
        "PYTHONPATH": os.pathsep.join(filter(None, [str(project), os.environ.get("PYTHONPATH")])),
        **(env or {}),
    }
    started, cpu = time.perf_counter(), cpu_seconds()
    process = subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines, marks, cpu_marks = [], {}, {}
    with TreeSampler(process.pid) as sampler:
        for line in process.stdout or []:
            lines.append(line)
            for stage, pattern in STAGES.items():
                if pattern is not None and stage not in marks and pattern.search(line):
                    marks[stage] = time.perf_counter() - started
                    sampler.sample()
                    cpu_marks[stage] = sampler.cpu_seconds
        status = process.wait()
    build = Build(
        time.perf_counter() - started, status, "".join(lines), marks=marks, cpu_marks=cpu_marks
    )
    build.tree_cpu = sampler.cpu_seconds
    build.cpu = cpu_seconds() - cpu
    log = warehouse.parent / ".build" / f"{warehouse.name}.build.log"
    found = DBT_RUN_LINE.findall(log.read_text(encoding="utf-8")) if log.exists() else []
    build.dbt_run = sum(float(seconds) for seconds in found) if found else None
    if status not in (0, 1) or not warehouse.exists():
        sys.exit(f"build failed:\n{build.output}")
    return build


def extraction_seconds(pdfs: list[Path], workers: int, scratch: Path) -> tuple[float, float]:
    """Wall and CPU seconds of extracting ``pdfs`` into a fresh cache."""
    cache = scratch / f"cache-{workers}-{time.monotonic_ns()}"
    started, cpu = time.perf_counter(), cpu_seconds()
    extract_all(pdfs, cache, workers=workers)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    shutil.rmtree(cache, ignore_errors=True)
    return seconds, cpu


def pages(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select coalesce(sum(page_count), 0) from raw.documents").fetchone()[0]


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--corpus", type=Path, default=CORPUS)
    args.add_argument("--repeat", type=int, default=3)
    args.add_argument(
        "--project",
        type=Path,
        action="append",
        help="checkout whose CLI is timed (repeat to compare checkouts; default: this one)",
    )
    options = args.parse_args()
    projects = [path.resolve() for path in options.project or [ROOT]]
    # largest first, as the document_extracts asset schedules them
    pdfs = sorted(options.corpus.glob("*.pdf"), key=lambda p: p.stat().st_size, reverse=True)
    if not pdfs:
        sys.exit(f"no PDFs in {options.corpus}")
    figures: dict[str, list[float]] = {}
    builds: dict[tuple[Path, int], list[Build]] = {}
    noops: dict[Path, list[Build]] = {project: [] for project in projects}
    names = {project: (f" [{project.name}]" if len(projects) > 1 else "") for project in projects}

    def note(name: str, seconds: float, cpu: float) -> None:
        figures.setdefault(name, []).append(seconds)
        figures.setdefault(f"{name} cpu", []).append(cpu)
        print(f"  {name:<26} {seconds:7.1f} s  (CPU {cpu:7.1f} s)  load {load()}", flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        scratch = Path(tmp)
        raw = scratch / "raw"
        raw.mkdir()
        for pdf in pdfs:
            shutil.copy(pdf, raw)
        shown = ", ".join(str(project) for project in projects)
        print(
            f"corpus: {len(pdfs)} PDFs in {options.corpus}; {os.cpu_count()} CPUs; command of {shown}"
        )
        warehouse = scratch / "none"
        for run in range(options.repeat):
            print(f"run {run + 1} of {options.repeat}", flush=True)
            started, cpu = time.perf_counter(), cpu_seconds()
            plain(pdfs)
            note("plain pdfplumber", time.perf_counter() - started, cpu_seconds() - cpu)
            for workers in (1, 2):
                note(
                    f"extraction, {workers} worker(s)", *extraction_seconds(pdfs, workers, scratch)
                )
                for n, project in enumerate(projects):
                    warehouse = scratch / f"warehouse-{run}-{workers}-{n}" / "budget.duckdb"
                    build = run_build(project, raw, warehouse, workers)
                    builds.setdefault((project, workers), []).append(build)
                    note(f"build, {workers} worker(s){names[project]}", build.seconds, build.cpu)
                    if workers == 2:
                        for _ in range(NOOP_RUNS if run == options.repeat - 1 else 1):
                            noops[project].append(run_build(project, raw, warehouse, 2))
                            note(f"no-op rebuild{names[project]}", *noops[project][-1].figures())
        total_pages = pages(warehouse)

    plain_s = median(figures["plain pdfplumber"])
    plain_cpu = median(figures["plain pdfplumber cpu"])
    print(f"\n{total_pages} pages; medians of {options.repeat} runs")
    print("wall seconds (CPU seconds: the same work measured in CPU time, which another user's")
    print("load on the machine inflates far less than wall time)")
    print(f"plain pdfplumber, 1 process   {plain_s:7.1f} s  (CPU {plain_cpu:6.1f} s)")
    for project in projects:
        if len(projects) > 1:
            print(f"command of {project}:")
        summary(project, builds, noops[project], figures, names[project])


def load() -> str:
    """The 1-minute load average (the machine may be shared: say it beside every figure)."""
    return f"{os.getloadavg()[0]:.1f}"


def summary(
    project: Path,
    builds: dict[tuple[Path, int], list[Build]],
    noops: list[Build],
    figures: dict[str, list[float]],
    name: str,
) -> None:
    """Medians of one checkout's builds against plain pdfplumber and extraction alone."""
    plain_s = median(figures["plain pdfplumber"])
    plain_cpu = median(figures["plain pdfplumber cpu"])
    for workers in (1, 2):
        label = f"{workers} worker(s)"
        extraction = median(figures[f"extraction, {label}"])
        extraction_cpu = median(figures[f"extraction, {label} cpu"])
        build_s = median(figures[f"build, {label}{name}"])
        build_cpu = median(figures[f"build, {label}{name} cpu"])
        ratios = [
            b.seconds / p
            for b, p in zip(builds[(project, workers)], figures["plain pdfplumber"], strict=True)
        ]
        print(
            f"build, {label}           {build_s:7.1f} s  (CPU {build_cpu:6.1f} s)  "
            f"{median(ratios):.2f}× plain (CPU {build_cpu / plain_cpu:.2f}×)"
        )
        print(
            f"  extraction alone            {extraction:7.1f} s  (CPU {extraction_cpu:6.1f} s)  "
            f"{extraction / plain_s:.2f}× plain (CPU {extraction_cpu / plain_cpu:.2f}×)"
        )
        print(
            f"  fixed cost (build − extraction alone) {build_s - extraction:6.1f} s  "
            f"(CPU {build_cpu - extraction_cpu:6.1f} s)"
        )
    noop_s = median([b.seconds for b in noops])
    print(
        f"no-op rebuild                 {noop_s:7.2f} s  (CPU {median([b.cpu for b in noops]):.2f} s, "
        f"{len(noops)} runs)"
    )
    print("stages of a build, 1 worker (median wall s, CPU s of the process tree):")
    stages = [b.stages() for b in builds[(project, 1)]]
    stages_cpu = [b.stages_cpu() for b in builds[(project, 1)]]
    for stage in STAGES:
        values = [s[stage] for s in stages if stage in s]
        cpu = [s[stage] for s in stages_cpu if stage in s]
        if values:
            print(f"  {stage:<34} {median(values):6.1f}  (CPU {median(cpu):5.1f})")
    dbt_runs = [b.dbt_run for b in builds[(project, 1)] if b.dbt_run is not None]
    if dbt_runs:
        print(f"  (of the dbt build: dbt's own run of its nodes {median(dbt_runs):.1f})")
    reports = [b.report_seconds for b in builds[(project, 2)] if b.report_seconds is not None]
    if reports:
        report_s = median(reports)
        build_s = median(figures[f"build, 2 worker(s){name}"])
        print(
            f"report inside the 2-worker build {report_s:6.1f} s = "
            f"{report_s / (build_s - report_s):.1%} added to the build without it"
        )


if __name__ == "__main__":
    main()

"""Stage times and memory of builds of 10²–10⁴ documents, made from cached extracts.

    python -m bench.bench_scale [--sizes 100,1000,10000] [--json FILE]
        [--corpus DIR] [--source-cache DIR] [--work DIR] [--keep] [--project DIR]

For each size N a raw folder of N synthetic documents is written (``bench.synthetic``: real
PDFs' bytes under new content hashes, their extracts cloned into the new warehouse's extract
cache, department names and years varied), then the real ``budget-warehouse build`` runs three
times — the whole Dagster job, dbt, Great Expectations, publish and report; only extraction is
skipped, because every extract is in the cache:

- ``build``: the warehouse built from the cached extracts (a new warehouse);
- ``add_one``: one more document added to the folder, built again;
- ``no_op``: built again with nothing changed.

Each run reports wall and CPU seconds (the command and every process below it, sampled from
``/proc``), the peak resident memory of the whole process tree, the load average before and
after, and the seconds of each stage from the command's progress lines. The templates are the
PDFs of ``--corpus`` whose extracts are in ``--source-cache``; by default the real corpus, built
once into ``<work>/source`` to fill its cache. ``--project`` times the command of another
checkout (before/after comparisons; the synthetic folder is this checkout's).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.bench_build import CORPUS, REPORT_LINE
from bench.process_tree import TreeSampler
from bench.synthetic import generate, templates
from orchestration.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("build", "add_one", "no_op")
#: Progress lines and the mark each sets (the first line matching; see ``Run.stages``).
MARKS = {
    # the last extraction line, or the one that says there is nothing to extract
    "extracted": re.compile(r"^  (\[(\d+)/\2\] |\d+ of \d+ PDF\(s\) extracted before .*; nothing)"),
    "dbt started": re.compile(r"^  dbt build"),
    "dbt done": re.compile(r"^  (dbt build done|dbt build: up to date)"),
    "validated": re.compile(r"^  validation:"),
    "reported": REPORT_LINE,
}
#: Stages, each from the mark before it (or the start) to its own mark.
STAGES = ("start and extraction", "load", "dbt", "validation", "publish", "report", "exit")
UP_TO_DATE = re.compile(r"^  up to date")


@dataclass
class Run:
    """One ``budget-warehouse build``: what it cost and when each progress line appeared."""

    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float  # sum over the process tree at one sample (shared pages in each)
    peak_pss_mb: float  # the same, shared pages split among the processes sharing them
    peak_processes: int
    exit_status: int
    up_to_date: bool
    load_average: tuple[float, float]  # 1-minute load average before and after
    marks: dict[str, float] = field(default_factory=dict)
    cpu_marks: dict[str, float] = field(default_factory=dict)  # tree CPU seconds at each mark
    rss_marks: dict[str, float] = field(default_factory=dict)  # peak RSS (MB) so far, each mark
    report_seconds: float | None = None
    output: str = ""

    def _spans(self, marks: dict[str, float], total: float) -> dict[str, float | None]:
        reported = marks.get("reported")
        ends = {
            "start and extraction": marks.get("extracted"),
            "load": marks.get("dbt started"),
            "dbt": marks.get("dbt done"),
            "validation": marks.get("validated"),
            "publish": marks.get("report started"),
            "report": reported,
            "exit": total if reported else None,
        }
        spans: dict[str, float | None] = {}
        previous = 0.0
        for stage in STAGES:
            end = ends[stage]
            spans[stage] = None if end is None else round(end - previous, 2)
            previous = end if end is not None else previous
        return spans

    @property
    def stages(self) -> dict[str, float | None]:
        """Wall seconds per stage; None for a stage whose progress line did not appear (a
        no-op). ``publish`` runs from the validation line until the report started (the
        report line says how long it took)."""
        marks = dict(self.marks)
        if "reported" in marks and self.report_seconds is not None:
            marks["report started"] = marks["reported"] - self.report_seconds
        return self._spans(marks, self.wall_seconds)

    @property
    def stages_cpu(self) -> dict[str, float | None]:
        """CPU seconds of the process tree per stage, from samples at each progress line (the
        report's start is not printed: publish and report are one span, under ``report``)."""
        spans = self._spans(self.cpu_marks, self.cpu_seconds)
        spans["publish"] = None
        return spans

    def summary(self) -> dict:
        data = asdict(self)
        del data["marks"], data["cpu_marks"], data["rss_marks"], data["output"]
        return {
            **data,
            "stages": self.stages,
            "stages_cpu": self.stages_cpu,
            "peak_rss_stage": self.peak_rss_stage,
        }

    @property
    def peak_rss_stage(self) -> str | None:
        """The stage in which the tree's RSS peaked: the one ending at the first mark by which
        the peak was reached (``exit`` after the last), None for a run without marks."""
        if not self.rss_marks:
            return None
        ending = {"extracted": "start and extraction", "dbt started": "load", "dbt done": "dbt"}
        ending |= {"validated": "validation", "reported": "publish and report"}
        for mark, peak in self.rss_marks.items():
            if peak >= self.peak_rss_mb:
                return ending[mark]
        return "exit"


def children_cpu_seconds() -> float:
    """CPU seconds of the children this process has waited for (the builds) — not its own: its
    sampler thread reads ``/proc`` every 0.1 s, ~150 CPU-s over a 40-minute build."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def run_build(raw: Path, warehouse: Path, log: Path, project: Path = ROOT) -> Run:
    """``python -m orchestration.cli build`` of ``project`` on ``raw`` → ``warehouse``, sampled
    and timed (``PYTHONPATH``: its helpers started with ``python -P`` run its code too)."""
    command = [sys.executable, "-m", "orchestration.cli", "build", "--raw-dir", str(raw)]
    command += ["--warehouse", str(warehouse)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUDGET_", "DAGSTER_HOME"))}
    env["PYTHONPATH"] = str(project)
    before, started = os.getloadavg()[0], time.perf_counter()
    rusage = children_cpu_seconds()
    process = subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines, marks, cpu_marks, rss_marks = [], {}, {}, {}
    with TreeSampler(process.pid) as sampler:
        for line in process.stdout or []:
            lines.append(line)
            for mark, pattern in MARKS.items():
                if mark not in marks and pattern.search(line):
                    marks[mark] = time.perf_counter() - started
                    sampler.sample()
                    cpu_marks[mark] = round(sampler.cpu_seconds, 2)
                    rss_marks[mark] = round(sampler.peak_rss / 2**20, 1)
        status = process.wait()
    seconds = time.perf_counter() - started
    output = "".join(lines)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(command)}\n{output}\n")
    found = REPORT_LINE.search(output)
    if status not in (0, 1) or not warehouse.exists():
        raise RuntimeError(f"build failed (exit {status}):\n{output}")
    return Run(
        wall_seconds=round(seconds, 2),
        # the command's own count (children it waited for) or the sampled tree, the larger
        cpu_seconds=round(max(children_cpu_seconds() - rusage, sampler.cpu_seconds), 2),
        peak_rss_mb=round(sampler.peak_rss / 2**20, 1),
        peak_pss_mb=round(sampler.peak_pss / 2**20, 1),
        peak_processes=sampler.peak_processes,
        exit_status=status,
        up_to_date=any(UP_TO_DATE.search(line) for line in lines),
        load_average=(round(before, 2), round(os.getloadavg()[0], 2)),
        marks={mark: round(value, 2) for mark, value in marks.items()},
        cpu_marks=cpu_marks,
        rss_marks=rss_marks,
        report_seconds=float(found.group(3)) if found else None,
        output=output,
    )


def source_templates(corpus: Path, cache: Path | None, work: Path, log: Path) -> list:
    """The templates: ``corpus``'s PDFs with extracts in ``cache`` (default: build ``corpus``
    into ``work/source`` once, which fills its cache)."""
    if cache is None:
        warehouse = work / "source" / "budget.duckdb"
        cache = Settings(raw_dir=corpus, warehouse=warehouse).cache_dir
        found = templates(corpus, cache)
        if len(found) < sum(1 for _ in corpus.rglob("*.pdf")):
            print(f"filling the extract cache: building {corpus} (real extraction) …", flush=True)
            run_build(corpus, warehouse, log)
    return templates(corpus, cache)


def measure(size: int, found: list, work: Path, log: Path, project: Path) -> dict:
    """Generate ``size`` documents, then time build, add-one and no-op."""
    base = work / f"n{size}"
    shutil.rmtree(base, ignore_errors=True)
    raw, warehouse = base / "raw", base / "warehouse" / "budget.duckdb"
    cache = Settings(raw_dir=raw, warehouse=warehouse).cache_dir
    started = time.perf_counter()
    generate(found, raw, cache, range(size))
    result: dict = {"documents": size, "generate_seconds": round(time.perf_counter() - started, 1)}
    for scenario in SCENARIOS:
        if scenario == "add_one":
            generate(found, raw, cache, [size])
        run = run_build(raw, warehouse, log, project)
        result[scenario] = run.summary()
        print(f"  {size:>6} {scenario:<8} {describe(run)}", flush=True)
    result["warehouse_mb"] = round(warehouse.stat().st_size / 2**20, 1)
    return result


def describe(run: Run) -> str:
    stages = ", ".join(f"{k} {v:.1f}" for k, v in run.stages.items() if v is not None)
    return (
        f"{run.wall_seconds:8.1f} s wall, {run.cpu_seconds:8.1f} s CPU, "
        f"peak RSS {run.peak_rss_mb:5.0f} MB ({run.peak_rss_stage or '-'}), "
        f"PSS {run.peak_pss_mb:5.0f} MB "
        f"({run.peak_processes} processes), "
        f"load {run.load_average[0]:.1f}→{run.load_average[1]:.1f}"
        + (" — up to date" if run.up_to_date else f" — {stages}")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated sizes")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="template PDFs")
    parser.add_argument("--source-cache", type=Path, help="extract cache holding the templates")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep each size's folder")
    parser.add_argument("--project", type=Path, default=ROOT, help="checkout whose CLI is timed")
    options = parser.parse_args(argv)
    sizes = [int(size) for size in options.sizes.split(",")]
    work = options.work or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "bench_scale.log"
    found = source_templates(options.corpus.resolve(), options.source_cache, work, log)
    print(
        f"{len(found)} templates from {options.corpus}; {os.cpu_count()} CPUs; "
        f"load {os.getloadavg()[0]:.1f}; builds logged in {log}",
        flush=True,
    )
    figures: dict = {"templates": len(found), "cpus": os.cpu_count(), "sizes": {}}
    try:
        for size in sizes:
            figures["sizes"][str(size)] = measure(size, found, work, log, options.project.resolve())
            if options.json:
                options.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
            if not options.keep:
                shutil.rmtree(work / f"n{size}", ignore_errors=True)
    finally:
        if options.work is None and not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

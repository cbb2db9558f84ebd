"""How much extraction the head start hides: seconds until a cold build has extracted everything.

    python -m bench.bench_head_start [--raw DIR] [--workers N] [--repeat N] --project A --project B

Runs ``python -m orchestration.cli build`` of each checkout in turn (so every checkout sees the
same machine state), each time into a fresh folder with a cold extract cache, and times the last
progress line ``[n/n] extracted|cached …`` — the moment the run's extraction is over — then kills
the build (its head start, workers and dbt die with it). Without a head start that moment comes
after the interpreter, Dagster's import and the run's start *plus* extraction; with one, extraction
overlaps them. Default raw folder: the committed sample (one 68-page PDF). Prints medians and the
load average; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAST_PROGRESS = re.compile(r"^  \[(\d+)/\1\] ")


def seconds_to_extracted(project: Path, raw: Path, warehouse: Path, workers: int) -> float:
    """Seconds from the command's start to its last extraction progress line; the build is
    killed there."""
    command = [sys.executable, "-m", "orchestration.cli", "build", "--raw-dir", str(raw)]
    command += ["--warehouse", str(warehouse), "--workers", str(workers)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUDGET_", "DAGSTER_HOME"))}
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    for line in process.stdout or []:
        lines.append(line)
        if LAST_PROGRESS.search(line):
            seconds = time.perf_counter() - started
            process.send_signal(signal.SIGKILL)
            process.wait()
            return seconds
    process.wait()
    sys.exit(f"{project}: the build ended before extraction was over:\n{''.join(lines)}")


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--raw", type=Path, default=ROOT / "raw", help="folder of PDFs")
    args.add_argument("--workers", type=int, default=1)
    args.add_argument("--repeat", type=int, default=3)
    args.add_argument("--project", type=Path, action="append", help="checkout (repeat)")
    options = args.parse_args()
    projects = [path.resolve() for path in options.project or [ROOT]]
    found: dict[Path, list[float]] = {project: [] for project in projects}
    print(f"raw folder {options.raw}, {options.workers} worker(s), {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-head-start-") as tmp:
        for run in range(options.repeat):
            for n, project in enumerate(projects):
                warehouse = Path(tmp) / f"{run}-{n}" / "budget.duckdb"
                seconds = seconds_to_extracted(project, options.raw, warehouse, options.workers)
                found[project].append(seconds)
                load = os.getloadavg()[0]
                print(f"  {project.name:<24} {seconds:6.1f} s  load {load:.1f}", flush=True)
    print("seconds until extraction is over (median):")
    for project, values in found.items():
        print(f"  {project}  {statistics.median(values):6.1f} s  ({len(values)} runs)")


if __name__ == "__main__":
    main()

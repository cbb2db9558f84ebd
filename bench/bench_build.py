"""Build benchmarks over the real corpus: full build, no-op rebuild, extraction speed-up.

    python -m bench.bench_build [--corpus DIR] [--repeat N]

- full build: ``budget-warehouse build`` into a fresh warehouse (cold extract cache), median of N;
- no-op rebuild: the same command again on unchanged PDFs, median of N;
- extraction alone with 1 and 2 worker processes (cold cache each time), and the speed-up;
- the HTML build report: its seconds inside each build (the ``report:`` progress line) as a share
  of the build, and ``write_report`` alone with a cold and a warm image cache.

Wall-clock seconds of the real command (interpreter start and imports included). Prints figures;
asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration.extract.runner import extract_all
from orchestration.report import write_report

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT / ".." / "shared" / "corpus" / "real").resolve()
SCRIPT = Path(sys.executable).with_name("budget-warehouse")
REPORT_LINE = re.compile(r"report: .*\((\d+) images, (\d+) rendered now, ([\d.]+) s\)")


def build(raw: Path, warehouse: Path, workers: int) -> tuple[float, int, float]:
    """Seconds of one ``budget-warehouse build``, its exit status and its report's seconds."""
    command = [str(SCRIPT), "build", "--raw-dir", str(raw), "--warehouse", str(warehouse)]
    env = {**os.environ, "BUDGET_WORKERS": str(workers)}
    env.pop("DAGSTER_HOME", None)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1) or not warehouse.exists():
        sys.exit(f"build failed:\n{done.stdout}\n{done.stderr}")
    report = REPORT_LINE.search(done.stdout)
    if report is None:
        sys.exit(f"the build wrote no report:\n{done.stdout}")
    return seconds, done.returncode, float(report.group(3))


def pages(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select coalesce(sum(page_count), 0) from raw.documents").fetchone()[0]


def extraction_seconds(pdfs: list[Path], workers: int, scratch: Path) -> float:
    cache = scratch / f"cache-{workers}-{time.monotonic_ns()}"
    started = time.perf_counter()
    extract_all(pdfs, cache, workers=workers)
    seconds = time.perf_counter() - started
    shutil.rmtree(cache, ignore_errors=True)
    return seconds


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--corpus", type=Path, default=CORPUS)
    args.add_argument("--repeat", type=int, default=3)
    args.add_argument("--workers", type=int, default=2)
    options = args.parse_args()
    # largest first, as the document_extracts asset schedules them
    pdfs = sorted(options.corpus.glob("*.pdf"), key=lambda p: p.stat().st_size, reverse=True)
    if not pdfs:
        sys.exit(f"no PDFs in {options.corpus}")
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        scratch = Path(tmp)
        raw = scratch / "raw"
        raw.mkdir()
        for pdf in pdfs:
            shutil.copy(pdf, raw)
        print(f"corpus: {len(pdfs)} PDFs in {options.corpus}; {os.cpu_count()} CPUs")

        full, noop, report_full, report_noop = [], [], [], []
        for run in range(options.repeat):
            warehouse = scratch / f"warehouse-{run}" / "budget.duckdb"
            seconds, status, report = build(raw, warehouse, options.workers)
            full.append(seconds)
            report_full.append(report)
            print(
                f"  full build {run + 1}: {seconds:6.1f} s (exit {status}; report {report:.1f} s)",
                flush=True,
            )
        total_pages = pages(warehouse)
        for run in range(options.repeat):
            seconds, _, report = build(raw, warehouse, options.workers)
            noop.append(seconds)
            report_noop.append(report)
            print(
                f"  no-op rebuild {run + 1}: {seconds:6.1f} s (report {report:.1f} s)", flush=True
            )
        cold = write_report(warehouse, raw, scratch / "report-bench")
        warm = write_report(warehouse, raw, scratch / "report-bench")

        one = extraction_seconds(pdfs, 1, scratch)
        print(f"  extraction, 1 worker:  {one:6.1f} s", flush=True)
        two = extraction_seconds(pdfs, 2, scratch)
        print(f"  extraction, 2 workers: {two:6.1f} s", flush=True)

    full_median, noop_median = statistics.median(full), statistics.median(noop)
    print()
    print(
        f"full build     (median of {options.repeat}): {full_median:6.1f} s  "
        f"{total_pages / full_median:6.1f} pages/s  ({total_pages} pages)"
    )
    print(
        f"no-op rebuild  (median of {options.repeat}): {noop_median:6.1f} s  "
        f"{total_pages / noop_median:6.1f} pages/s  "
        f"({noop_median / full_median:.0%} of a full build)"
    )
    print(f"extraction: 1 worker {one:.1f} s, 2 workers {two:.1f} s → speed-up ×{one / two:.2f}")
    report_median = statistics.median(report_full)
    print(
        f"report in the full build (median): {report_median:6.1f} s  "
        f"= {report_median / (full_median - report_median):.1%} added to the build without it "
        f"({cold.images} images, {cold.errors} errors, {cold.warnings} warnings)"
    )
    print(
        f"report in a no-op rebuild (median): {statistics.median(report_noop):6.1f} s; "
        f"write_report alone: cold {cold.seconds:.1f} s ({cold.rendered} rendered), "
        f"warm {warm.seconds:.1f} s ({warm.rendered} rendered)"
    )


if __name__ == "__main__":
    main()

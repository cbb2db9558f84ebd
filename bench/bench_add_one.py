"""What adding one PDF to a crawl's warehouse costs, against building that PDF alone.

    python -m bench.bench_add_one [--crawl DIR] [--pdf FILE] [--base DIR] [--rounds N]
        [--work DIR] [--project DIR]

Issue 25's measure of "a change costs what it changes". Each round times two real
``budget-warehouse build`` commands, in alternating order so both see the same machine state:

- ``alone``: the PDF alone into a new warehouse (cold: extraction included);
- ``add one``: the PDF added to a copy of the crawl's warehouse (every other extract cached,
  the warehouse up to date with this code), built again.

The crawl's warehouse is made once, not timed: ``--base`` (a warehouse folder such as
``make corpus``'s ``warehouse/wide``: its file, ``.build``, ``.cache`` and report) is copied and
built once over the crawl so that it is current with this checkout's code; without ``--base``
the crawl is built from scratch (extraction of every PDF). Prints wall and CPU seconds (the
whole process tree) per round, their medians, the stages of the add-one build and the ratio
add-one / alone; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench.bench_build import CORPUS
from bench.bench_scale import Run, describe, run_build

ROOT = Path(__file__).resolve().parent.parent
CRAWL = (ROOT / ".." / "shared" / "corpus" / "wide").resolve()
PDF = CORPUS / "guangzhou_xinfangju_2026_budget.pdf"  # not in the crawl
BASE = ROOT / "warehouse" / "wide"  # make corpus's warehouse folder
ADDED = "zz_added"  # the folder of the raw tree the added PDF goes into


def link_tree(source: Path, target: Path) -> int:
    """``target``: ``source``'s folders, its PDFs as symbolic links (the same relative paths, so
    the same documents). Returns the number of PDFs."""
    count = 0
    for pdf in sorted(p for p in source.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file()):
        link = target / pdf.relative_to(source)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(pdf.resolve())
        count += 1
    return count


def prepare_base(raw: Path, base: Path | None, folder: Path, log: Path, project: Path) -> Run:
    """The crawl's warehouse in ``folder``, current with ``project``'s code: ``base`` copied
    and rebuilt, or built from scratch."""
    if base is not None:
        shutil.copytree(base, folder, symlinks=True)
    return run_build(raw, folder / "budget.duckdb", log, project)


def add_one(raw: Path, pdf: Path, folder: Path, work: Path, log: Path, project: Path) -> Run:
    """``pdf`` added to a fresh copy of the crawl's warehouse folder, built; the raw tree left
    as it was."""
    copy = work / "add_one"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(folder, copy, symlinks=True)
    link = raw / ADDED / pdf.name
    link.parent.mkdir(exist_ok=True)
    link.symlink_to(pdf.resolve())
    try:
        return run_build(raw, copy / "budget.duckdb", log, project)
    finally:
        link.unlink()
        link.parent.rmdir()


def alone(pdf: Path, work: Path, log: Path, project: Path) -> Run:
    """``pdf`` alone into a new warehouse, cold."""
    folder = work / "alone"
    shutil.rmtree(folder, ignore_errors=True)
    raw = folder / "raw"
    raw.mkdir(parents=True)
    (raw / pdf.name).symlink_to(pdf.resolve())
    return run_build(raw, folder / "warehouse" / "budget.duckdb", log, project)


def median(runs: list[Run], field: str) -> float:
    return statistics.median(getattr(run, field) for run in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crawl", type=Path, default=CRAWL, help="the crawl's PDFs")
    parser.add_argument("--pdf", type=Path, default=PDF, help="the PDF added (not in the crawl)")
    parser.add_argument("--base", type=Path, help=f"a built crawl warehouse folder ({BASE})")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--project", type=Path, default=ROOT, help="checkout whose CLI is timed")
    options = parser.parse_args(argv)
    project = options.project.resolve()
    work = options.work or Path(tempfile.mkdtemp(prefix="bench-add-one-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "bench_add_one.log"
    raw = work / "crawl"
    shutil.rmtree(raw, ignore_errors=True)
    documents = link_tree(options.crawl.resolve(), raw)
    print(
        f"{documents} PDFs in {options.crawl}; adding {options.pdf.name}; {os.cpu_count()} CPUs; "
        f"builds logged in {log}",
        flush=True,
    )
    folder = work / "crawl_warehouse"
    shutil.rmtree(folder, ignore_errors=True)
    prepared = prepare_base(raw, options.base, folder, log, project)
    print(f"  crawl warehouse (not timed): {describe(prepared)}", flush=True)
    runs: dict[str, list[Run]] = {"alone": [], "add one": []}
    try:
        for number in range(options.rounds):
            order = ["alone", "add one"] if number % 2 == 0 else ["add one", "alone"]
            for name in order:
                if name == "alone":
                    run = alone(options.pdf, work, log, project)
                else:
                    run = add_one(raw, options.pdf, folder, work, log, project)
                runs[name].append(run)
                print(f"  round {number + 1} {name:<8}{describe(run)}", flush=True)
    finally:
        if options.work is None:
            shutil.rmtree(work, ignore_errors=True)
    figures = {
        name: {
            "wall_seconds": median(found, "wall_seconds"),
            "cpu_seconds": median(found, "cpu_seconds"),
        }
        for name, found in runs.items()
    }
    ratio_wall = figures["add one"]["wall_seconds"] / figures["alone"]["wall_seconds"]
    ratio_cpu = figures["add one"]["cpu_seconds"] / figures["alone"]["cpu_seconds"]
    print(f"medians of {options.rounds} rounds:")
    for name, figure in figures.items():
        print(
            f"  {name:<8} {figure['wall_seconds']:6.1f} s wall  {figure['cpu_seconds']:6.1f} s CPU"
        )
    print(f"  add one / alone: {ratio_wall:.2f}× wall, {ratio_cpu:.2f}× CPU")
    if options.json:
        figures["ratio"] = {"wall": round(ratio_wall, 3), "cpu": round(ratio_cpu, 3)}
        figures["rounds"] = {name: [r.summary() for r in found] for name, found in runs.items()}
        options.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What each helper of ``budget-warehouse build`` saves: paired builds with one helper off at a time.

    python -m bench.bench_helpers [--corpus DIR] [--limit N] [--repeat N] [--workers N …]

The command starts three helpers (``docs/performance.md``): the extraction *head start*, the
*validation worker* and the *prepared dbt* process. ``$BUDGET_HELPERS`` turns any off, and the run
then does that work itself. Each round builds the corpus (copied to a scratch folder), with 1 and
with 2 workers, once per variant — every helper, then without each one — each into a fresh
folder with a cold extract cache. The variants' order rotates from round to round (a Latin square:
each variant takes each place once in four rounds), so a drift of the machine's load falls on
every variant alike. A helper's saving in a round is the build without it minus the build with
every helper of the same round (paired); printed: the median over the rounds in wall and CPU
seconds (user + system of the command and its children), each round's wall saving with the load
average, and the stages that moved. A helper that saves less than :data:`EARNS` seconds of wall
time does not earn its place. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.bench_build import CORPUS, ROOT, STAGES, Build, load, run_build
from orchestration.commands.build import HEAD_START, HELPERS, PREPARED_DBT, VALIDATION_WORKER
from orchestration.settings import ENV_HELPERS

#: Variant name → the helpers it starts (``$BUDGET_HELPERS``).
VARIANTS = {
    "every helper": HELPERS,
    "without the head start": (VALIDATION_WORKER, PREPARED_DBT),
    "without the validation worker": (HEAD_START, PREPARED_DBT),
    "without the prepared dbt": (HEAD_START, VALIDATION_WORKER),
}
#: The helper each variant leaves out, by name.
LEFT_OUT = {
    "without the head start": "head start",
    "without the validation worker": "validation worker",
    "without the prepared dbt": "prepared dbt process",
}
#: Seconds of wall time a helper must save to keep its place (issue 24).
EARNS = 1.0


@dataclass
class Rounds:
    """Builds of one worker count: ``builds[variant][round]``, and the load before each round."""

    workers: int
    builds: dict[str, list[Build]] = field(default_factory=dict)
    loads: list[str] = field(default_factory=list)

    def savings(self, variant: str, figure: str) -> list[float]:
        """Per round: ``figure`` ("seconds" or "cpu") of ``variant`` minus every helper's."""
        return [
            getattr(without, figure) - getattr(with_all, figure)
            for without, with_all in zip(
                self.builds[variant], self.builds["every helper"], strict=True
            )
        ]


def order(round_number: int) -> list[str]:
    """The variants in the order round ``round_number`` builds them (rotated each round)."""
    names = list(VARIANTS)
    shift = round_number % len(names)
    return names[shift:] + names[:shift]


def smallest(corpus: Path, limit: int | None) -> list[Path]:
    """The corpus's PDFs, or its ``limit`` smallest (a quick run that proves the bench works)."""
    pdfs = sorted(corpus.glob("*.pdf"), key=lambda pdf: pdf.stat().st_size)
    return pdfs[:limit] if limit else pdfs


def measure(pdfs: list[Path], repeat: int, worker_counts: list[int], scratch: Path) -> list[Rounds]:
    raw = scratch / "raw"
    raw.mkdir()
    for pdf in pdfs:
        shutil.copy(pdf, raw)
    found = [Rounds(workers) for workers in worker_counts]
    for round_number in range(repeat):
        for rounds in found:
            rounds.loads.append(load())
            for variant in order(round_number):
                folder = scratch / f"{round_number}-{rounds.workers}-{variant.replace(' ', '-')}"
                env = {ENV_HELPERS: ",".join(VARIANTS[variant]) or "none"}
                build = run_build(ROOT, raw, folder / "budget.duckdb", rounds.workers, env)
                rounds.builds.setdefault(variant, []).append(build)
                print(
                    f"  round {round_number + 1}, {rounds.workers} worker(s), {variant:<30} "
                    f"{build.seconds:6.1f} s  (CPU {build.cpu:6.1f} s)  load {load()}",
                    flush=True,
                )
                shutil.rmtree(folder, ignore_errors=True)
    return found


def report(found: list[Rounds]) -> list[str]:
    """The medians, per worker count and helper, as printed lines."""
    lines = []
    for rounds in found:
        every = rounds.builds["every helper"]
        lines.append(
            f"{rounds.workers} worker(s): every helper {median([b.seconds for b in every]):.1f} s "
            f"(CPU {median([b.cpu for b in every]):.1f} s), median of {len(every)} rounds, "
            f"loads {', '.join(rounds.loads)}"
        )
        for variant, helper in LEFT_OUT.items():
            wall = rounds.savings(variant, "seconds")
            cpu = rounds.savings(variant, "cpu")
            verdict = "earns its place" if median(wall) >= EARNS else f"saves < {EARNS:g} s"
            lines.append(
                f"  {helper:<18} saves {median(wall):+6.1f} s wall, {median(cpu):+6.1f} s CPU  "
                f"({verdict}; rounds: {', '.join(f'{w:+.1f}' for w in wall)})"
            )
            lines.extend(_stages(every, rounds.builds[variant]))
    return lines


def _stages(every: list[Build], without: list[Build]) -> list[str]:
    """Stages whose median moved by 0.5 s or more without the helper."""
    moved = []
    for stage in STAGES:
        with_all = [b.stages()[stage] for b in every if stage in b.stages()]
        left_out = [b.stages()[stage] for b in without if stage in b.stages()]
        if with_all and left_out and abs(median(left_out) - median(with_all)) >= 0.5:
            moved.append(
                f"      {stage:<30} {median(with_all):6.1f} → {median(left_out):6.1f} s without it"
            )
    return moved


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, help="only the N smallest PDFs (a quick check)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()
    pdfs = smallest(options.corpus, options.limit)
    if not pdfs:
        raise SystemExit(f"no PDFs in {options.corpus}")
    print(
        f"corpus: {len(pdfs)} PDFs of {options.corpus}; {os.cpu_count()} CPUs; "
        f"{options.repeat} rounds × {len(VARIANTS)} variants × workers {options.workers}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-helpers-") as scratch:
        found = measure(pdfs, options.repeat, options.workers, Path(scratch))
    print("\nsaving = build without the helper − build with every helper, same round (paired)")
    for line in report(found):
        print(line)


if __name__ == "__main__":
    main()

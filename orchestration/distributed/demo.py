"""``make demo-distributed``: a private PostgreSQL (instance and lake catalog), Redis, a
``dagster-daemon`` and two Celery workers on this machine; the raw folder built through them
(batch runs queued on the instance, raw loads appended to the lake, dbt on the lake, a snapshot
published), then built again on the embedded default, and the two published warehouses
compared table by table (``warehouse.digest``).

The last line says whether the marts are identical. Every process the demo started is stopped
on the way out, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

from ..services.celery_workers import venv_bin
from ..services.processes import stop_on_signals
from ..settings import discover_pdfs
from ..warehouse.digest import BUILD_TIME_COLUMNS, table_digests
from .services import Cluster, local_cluster

BATCH_LINE = re.compile(r"batch (batch-[0-9a-f]+): \d+ PDF\(s\) starting")


def batches_by_worker(cluster: Cluster) -> dict[str, list[str]]:
    """Which batches each worker's log says it started (in order)."""
    return {name: BATCH_LINE.findall(log) for name, log in cluster.worker_logs().items()}


def cli_build(
    raw_dir: Path, warehouse: Path, environment: dict[str, str], log: TextIO | None = None
) -> int:
    """``budget-warehouse build`` in a child process, on the profile ``environment`` gives;
    its output to ``log`` (default: this process's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUDGET_", "DAGSTER_HOME"))}
    command = [str(venv_bin() / "budget-warehouse"), "build", "--raw-dir", str(raw_dir)]
    process = subprocess.Popen(
        [*command, "--warehouse", str(warehouse)],
        env={**env, **environment},
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
    )
    try:
        return process.wait()
    finally:
        if process.poll() is None:  # interrupted: the build's own children die with it
            process.terminate()
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def compare(distributed: Path, embedded: Path) -> tuple[bool, str]:
    """Whether the two warehouses' marts are identical, and the verdict line."""
    left = table_digests(distributed, ignore=BUILD_TIME_COLUMNS)
    right = table_digests(embedded, ignore=BUILD_TIME_COLUMNS)
    if left == right:
        return True, f"IDENTICAL: all {len(left)} marts tables of the two builds are equal"
    differing = sorted(
        name for name in left.keys() | right.keys() if left.get(name) != right.get(name)
    )
    return False, f"DIFFERENT: {len(differing)} marts table(s) differ: {', '.join(differing)}"


def run(raw_dir: Path, out: Path, workers: int, batch_size: int | None) -> int:
    started = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    documents = len(discover_pdfs(raw_dir))
    size = batch_size or max(1, math.ceil(documents / (2 * workers)))
    distributed = out / "distributed" / "budget.duckdb"
    embedded = out / "embedded" / "budget.duckdb"
    with stop_on_signals():
        with local_cluster(out / "cluster", str(out / "store"), workers, size) as cluster:
            print(
                f"demo: PostgreSQL on port {cluster.postgres.port}, Redis on port "
                f"{cluster.redis.port}, a dagster-daemon, {len(cluster.workers)} Celery workers "
                f"(logs in {out / 'cluster' / 'logs'})",
                flush=True,
            )
            status = cli_build(raw_dir, distributed, cluster.environment())
            ran = batches_by_worker(cluster)
        print("demo: servers and workers stopped", flush=True)
        for name, keys in ran.items():
            print(f"demo: {name} ran {len(keys)} batch(es): {', '.join(keys) or '-'}", flush=True)
        print(f"demo: embedded build of the same folder → {embedded}", flush=True)
        embedded_status = cli_build(raw_dir, embedded, {})
    if not (distributed.exists() and embedded.exists()):
        print(f"NOT COMPARED: a build did not publish (exit {status} / {embedded_status})")
        return 1
    identical, verdict = compare(distributed, embedded)
    print(
        f"demo: distributed build exit {status}, embedded build exit {embedded_status}, "
        f"{time.perf_counter() - started:.0f} s in all",
        flush=True,
    )
    print(verdict, flush=True)
    return 0 if identical else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="demo-distributed", description=__doc__)
    parser.add_argument("--raw-dir", type=Path, default=Path("../shared/corpus/real"))
    parser.add_argument("--out", type=Path, default=Path("warehouse/demo-distributed"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, help="default: two batches per worker")
    args = parser.parse_args(argv)
    try:
        return run(args.raw_dir.resolve(), args.out.resolve(), args.workers, args.batch_size)
    except KeyboardInterrupt as exc:
        print(f"demo: interrupted ({exc or 'Ctrl-C'}); everything it started is stopped")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The distributed profile on this machine: a private PostgreSQL (Dagster's instance and the
lake's catalog), Redis, a ``dagster-daemon`` and two Celery workers (started by
``local_cluster``) extract three small real PDFs in batch partitions queued on the instance;
the build loads them into the lake, runs dbt there and publishes a snapshot with the same marts
as the embedded default, survives a worker killed mid-batch, and leaves no process behind."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from orchestration.distributed.definitions import EXTRACT_JOB_NAME
from orchestration.distributed.demo import BATCH_LINE, batches_by_worker, cli_build
from orchestration.distributed.manifest import plan_batches
from orchestration.distributed.services import Cluster, local_cluster
from orchestration.services.processes import group_alive
from orchestration.warehouse.digest import BUILD_TIME_COLUMNS, table_digests

pytestmark = [pytest.mark.slow, pytest.mark.corpus]


def _server_pids(cluster: Cluster) -> list[int]:
    """Process group leaders of the workers, the daemon and Redis, and the PostgreSQL
    postmaster."""
    postmaster = (cluster.postgres.root / "data" / "postmaster.pid").read_text().split()[0]
    servers = [cluster.daemon.process.pid, cluster.redis.process.pid, int(postmaster)]
    return [w.process.pid for w in cluster.workers] + servers


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _batch_runs(cluster: Cluster) -> dict[str, list[DagsterRunStatus]]:
    """The batch runs on the cluster's PostgreSQL instance: partition → statuses. Each went
    through the instance's run queue (it was enqueued; the daemon launched it)."""
    with DagsterInstance.from_config(str(cluster.dagster_home)) as instance:
        assert "postgres" in type(instance.run_storage).__module__
        runs = instance.get_runs(filters=RunsFilter(job_name=EXTRACT_JOB_NAME))
        for run in runs:
            enqueued = instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_ENQUEUED)
            assert len(enqueued) == 1, run.run_id
    assert "QueuedRunCoordinatorDaemon - INFO - Launched" in _plain(cluster.daemon.log_text())
    found: dict[str, list[DagsterRunStatus]] = {}
    for run in runs:
        found.setdefault(run.tags["dagster/partition"], []).append(run.status)
    return found


def _plain(log: str) -> str:
    """``log`` without terminal colour codes."""
    return re.sub(r"\x1b\[[0-9;]*m", "", log)


def _documents(warehouse: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select source_file, status from marts.dim_document order by 1"
        ).fetchall()


def test_distributed_build_publishes_the_embedded_marts(tmp_path: Path, small_raw: Path) -> None:
    distributed, embedded = tmp_path / "dist" / "budget.duckdb", tmp_path / "emb" / "budget.duckdb"
    log = tmp_path / "distributed.log"
    planned = sorted(batch.key for batch in plan_batches(small_raw, 2))
    assert len(planned) == 2
    with local_cluster(tmp_path / "cluster", str(tmp_path / "store"), 2, 2) as cluster:
        with log.open("w") as out:
            status = cli_build(small_raw, distributed, cluster.environment(), out)
        ran = batches_by_worker(cluster)
        runs = _batch_runs(cluster)
        pids = _server_pids(cluster)
    output = log.read_text()
    assert status == 0, output[-3000:]
    # every batch ran in a Celery worker, as one successful run on the PostgreSQL instance
    assert sorted(key for keys in ran.values() for key in keys) == planned
    assert runs == {key: [DagsterRunStatus.SUCCESS] for key in planned}
    assert "3 document(s) in 2 batch(es)" in output
    assert "appended 3 document(s), 0 removal(s)" in output  # one load on the lake
    assert "Documents: 3 loaded, 0 rejected" in output
    assert not [pid for pid in pids if _alive(pid) or group_alive(pid)]

    assert cli_build(small_raw, embedded, {}) == 0
    ignore = BUILD_TIME_COLUMNS
    assert table_digests(distributed, ignore=ignore) == table_digests(embedded, ignore=ignore)
    assert [status for _, status in _documents(distributed)] == ["loaded"] * 3
    with duckdb.connect(str(distributed), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_budget_expenditure").fetchone() == (48,)
        # a snapshot of the lake: its load history, and the audit validation wrote into it
        assert con.execute("select count(distinct load_id) from raw_loads.loads").fetchone() == (1,)
        assert con.execute("select count(*) from audit.validation_results").fetchone()[0] > 500


def test_worker_killed_mid_batch_is_retried_and_the_build_publishes(
    tmp_path: Path, small_raw: Path
) -> None:
    warehouse, log = tmp_path / "dist" / "budget.duckdb", tmp_path / "distributed.log"
    (batch,) = plan_batches(small_raw, 3)
    killed: list[str] = []

    def kill_the_worker_that_starts_the_batch(cluster: Cluster) -> None:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            for worker in cluster.workers:
                if BATCH_LINE.search(worker.log_text()):
                    os.killpg(worker.process.pid, signal.SIGKILL)  # the worker and its children
                    killed.append(worker.name)
                    return
            time.sleep(0.1)

    # Redis hands the batch of the dead worker to the other one after 20 s.
    with local_cluster(tmp_path / "cluster", str(tmp_path / "store"), 2, 3, 20) as cluster:
        killer = threading.Thread(target=kill_the_worker_that_starts_the_batch, args=(cluster,))
        killer.start()
        with log.open("w") as out:
            status = cli_build(small_raw, warehouse, cluster.environment(), out)
        killer.join()
        ran = batches_by_worker(cluster)
        runs = _batch_runs(cluster)
        pids = _server_pids(cluster)
    output = log.read_text()
    assert status == 0, output[-3000:]
    assert len(killed) == 1
    (survivor,) = set(ran) - set(killed)
    assert ran[killed[0]] == [batch.key]  # started there, killed mid-batch
    assert ran[survivor] == [batch.key]  # and run again on the other worker
    assert runs == {batch.key: [DagsterRunStatus.SUCCESS]}
    assert "Documents: 3 loaded, 0 rejected" in output
    assert [status for _, status in _documents(warehouse)] == ["loaded"] * 3
    assert not [pid for pid in pids if _alive(pid) or group_alive(pid)]

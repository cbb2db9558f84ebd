"""Drive ``dagster dev`` the way the UI does: its GraphQL API, on a temporary instance.

:class:`DagsterDev` starts ``dagster dev`` on the code location with ``$DAGSTER_HOME`` holding the
project's ``dagster_instance.yaml`` (what ``make dev`` uses) and stops it; its methods are the UI's
actions (Materialize all, launch a job, stop a sensor), and :func:`run_times` reads a run's
start and end from the instance.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagster import DagsterEventType, DagsterInstance, DagsterRun, RunsFilter

ROOT = Path(__file__).resolve().parent.parent
LOCATION = "orchestration.definitions"
REPOSITORY = "__repository__"
ASSET_JOB = "__ASSET_JOB"
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


@dataclass(frozen=True)
class RunTimes:
    """When a run was submitted, started (left the queue and its process began) and ended."""

    run_id: str
    submitted: float
    started: float
    ended: float

    @property
    def queued(self) -> float:
        return self.started - self.submitted


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DagsterDev:
    """``dagster dev`` on the code location, reachable through GraphQL."""

    def __init__(
        self, instance: DagsterInstance, port: int, process: subprocess.Popen[bytes], log: Path
    ):
        self.instance, self.port, self.process, self.log = instance, port, process, log

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.loads(response.read())
        if answer.get("errors"):
            raise RuntimeError(f"GraphQL errors: {answer['errors']}")
        return answer["data"]

    def wait_until_loaded(self, timeout: float) -> None:
        """Wait until the webserver answers and the code location has loaded."""
        query = """{ workspaceOrError { ... on Workspace { locationEntries {
            name loadStatus locationOrLoadError { __typename } } } } }"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dagster dev exited; see {self.log}")
            try:
                entries = self.graphql(query)["workspaceOrError"]["locationEntries"]
            except OSError:
                entries = []
            if entries and entries[0]["loadStatus"] == "LOADED":
                kind = entries[0]["locationOrLoadError"]["__typename"]
                if kind != "RepositoryLocation":
                    raise RuntimeError(f"code location failed to load ({kind}); see {self.log}")
                return
            time.sleep(1)
        raise TimeoutError(f"dagster dev not ready in {timeout} s; see {self.log}")

    def stop_sensor(self, name: str) -> None:
        selector = {
            "repositoryLocationName": LOCATION,
            "repositoryName": REPOSITORY,
            "sensorName": name,
        }
        found = self.graphql(
            """query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) {
                ... on Sensor { sensorState { id } } } }""",
            s=selector,
        )
        stopped = self.graphql(
            """mutation($id: String!) { stopSensor(id: $id) {
                ... on StopSensorMutationResult { instigationState { status } } } }""",
            id=found["sensorOrError"]["sensorState"]["id"],
        )
        status = stopped["stopSensor"]["instigationState"]["status"]
        if status != "STOPPED":
            raise RuntimeError(f"sensor {name} is {status}")

    def asset_keys(self) -> list[list[str]]:
        nodes = self.graphql("{ assetNodes { assetKey { path } isExecutable } }")["assetNodes"]
        return [node["assetKey"]["path"] for node in nodes if node["isExecutable"]]

    def materialize_all(self, run_config: Mapping[str, Any] | None = None) -> str:
        """The UI's *Materialize all* with every partition: an asset backfill; its id."""
        params: dict[str, Any] = {
            "assetSelection": [{"path": path} for path in self.asset_keys()],
            "allPartitions": True,
        }
        if run_config is not None:
            params["runConfigData"] = run_config
        answer = self.graphql(
            """mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {
                __typename ... on LaunchBackfillSuccess { backfillId }
                ... on PythonError { message } } }""",
            p=params,
        )["launchPartitionBackfill"]
        if answer["__typename"] != "LaunchBackfillSuccess":
            raise RuntimeError(f"backfill not launched: {answer}")
        return answer["backfillId"]

    def launch(
        self,
        job: str,
        tags: Mapping[str, str] | None = None,
        run_config: Mapping[str, Any] | None = None,
        asset_selection: Sequence[Sequence[str]] | None = None,
    ) -> str:
        """The launchpad's *Launch run* (or an asset's *Materialize*); the run id."""
        selector: dict[str, Any] = {
            "repositoryLocationName": LOCATION,
            "repositoryName": REPOSITORY,
            "jobName": job,
        }
        if asset_selection is not None:
            selector["assetSelection"] = [{"path": list(path)} for path in asset_selection]
        params = {
            "selector": selector,
            "runConfigData": dict(run_config or {}),
            "executionMetadata": {
                "tags": [{"key": key, "value": value} for key, value in (tags or {}).items()]
            },
        }
        answer = self.graphql(
            """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {
                __typename ... on LaunchRunSuccess { run { runId } }
                ... on PythonError { message } ... on RunConfigValidationInvalid {
                errors { message } } } }""",
            p=params,
        )["launchRun"]
        if answer["__typename"] != "LaunchRunSuccess":
            raise RuntimeError(f"run not launched: {answer}")
        return answer["run"]["runId"]

    def backfill_runs(self, backfill_id: str) -> list[DagsterRun]:
        runs = self.instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))
        return sorted(runs, key=lambda run: self.times(run.run_id).submitted)

    def wait_for_backfill(self, backfill_id: str, timeout: float) -> list[DagsterRun]:
        """Wait until the backfill has finished; its runs in the order they were submitted."""
        query = """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
            ... on PartitionBackfill { status } } }"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.graphql(query, id=backfill_id)["partitionBackfillOrError"]["status"]
            if status != "REQUESTED":
                runs = self.backfill_runs(backfill_id)
                if all(run.status.value in FINISHED for run in runs):
                    return runs
            time.sleep(1)
        raise TimeoutError(f"backfill {backfill_id} not finished in {timeout} s")

    def wait_for_runs(self, run_ids: Sequence[str], timeout: float) -> list[DagsterRun]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = [self.instance.get_run_by_id(run_id) for run_id in run_ids]
            if all(run is not None and run.status.value in FINISHED for run in runs):
                return [run for run in runs if run is not None]
            time.sleep(1)
        raise TimeoutError(f"runs {run_ids} not finished in {timeout} s")

    def times(self, run_id: str) -> RunTimes:
        record = self.instance.get_run_record_by_id(run_id)
        if record is None or record.start_time is None or record.end_time is None:
            raise RuntimeError(f"run {run_id} has not started and ended")
        return RunTimes(
            run_id, record.create_timestamp.timestamp(), record.start_time, record.end_time
        )

    def step_processes(self, run_id: str) -> tuple[int | None, set[int | None]]:
        """The run's process and the processes its steps started in."""
        started = self.instance.all_logs(run_id, of_type=DagsterEventType.RUN_START)
        steps = self.instance.all_logs(run_id, of_type=DagsterEventType.STEP_START)
        pid = started[0].dagster_event.pid if started and started[0].dagster_event else None
        return pid, {entry.dagster_event.pid for entry in steps if entry.dagster_event}


@contextmanager
def dagster_dev(
    workdir: Path, raw_dir: Path, warehouse: Path, timeout: float = 600
) -> Iterator[DagsterDev]:
    """``dagster dev`` on a fresh instance in ``workdir/dagster_home`` with the project's
    ``dagster_instance.yaml``, building ``warehouse`` from ``raw_dir``; stopped on exit."""
    home = workdir / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(ROOT / "dagster_instance.yaml", home / "dagster.yaml")
    # Create the instance's SQLite storages before dagster dev's three processes start: each
    # would create them at once, and their schema migrations can collide ("more than one head").
    instance = DagsterInstance.from_config(str(home))
    instance.get_runs(limit=1)
    instance.get_dynamic_partitions("documents")
    instance.all_instigator_state()
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "BUDGET_RAW_DIR": str(raw_dir),
        "BUDGET_WAREHOUSE": str(warehouse),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    port = _free_port()
    log = workdir / "dagster_dev.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(bin_dir / "dagster"), "dev", "-h", "127.0.0.1", "-p", str(port), "-m", LOCATION],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its webserver, daemon and code server form one group
        )
    try:
        dev = DagsterDev(instance, port, process, log)
        dev.wait_until_loaded(timeout)
        yield dev
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

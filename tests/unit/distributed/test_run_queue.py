"""The private Dagster API the distributed build queues its runs with (``dagster._cli``'s
``_create_run`` and workspace loaders, ``orchestration/distributed/build.py``) still queues a run
of ``extract_batches`` with its tags: an upgrade that renamed or reshaped them fails here, not in
the slow distributed build that needs PostgreSQL, Redis and Celery."""

from __future__ import annotations

from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus

from orchestration.distributed.build import ATTEMPT_TAG, LOCATION, run_config, run_queue
from orchestration.distributed.definitions import EXTRACT_JOB_NAME
from orchestration.distributed.profile import DistributedSettings

#: A queue no daemon serves: a submitted run stays queued (nothing is launched).
QUEUED = {
    "run_coordinator": {"module": "dagster._core.run_coordinator", "class": "QueuedRunCoordinator"}
}


def test_a_submitted_batch_run_is_queued_with_its_tags_and_config(tmp_path: Path) -> None:
    broker = "redis://127.0.0.1:1/0"  # never contacted: the run is only queued
    profile = DistributedSettings(
        extract_store=str(tmp_path / "store"), broker=broker, backend=broker
    )
    config = run_config(profile)
    home = tmp_path / "home"
    home.mkdir()
    with DagsterInstance.local_temp(str(home), overrides=QUEUED) as instance:
        with run_queue(instance) as submit:
            run_id = submit({ATTEMPT_TAG: "1"}, config)
        run = instance.get_run_by_id(run_id)
    assert run is not None
    assert (run.job_name, run.status) == (EXTRACT_JOB_NAME, DagsterRunStatus.QUEUED)
    assert run.tags[ATTEMPT_TAG] == "1"
    assert run.tags["dagster/code_location"] == LOCATION
    assert run.run_config["resources"] == config["resources"]

"""The instance of ``make dev`` (``dagster_instance.yaml``) and its run queue, on a real
``DagsterInstance`` in a temporary ``$DAGSTER_HOME``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance, DagsterRun
from dagster._daemon import controller  # private: the backfill daemon's interval (run_queue)

from orchestration.defs.extract_assets import document_extracts
from orchestration.defs.run_queue import (
    BACKFILL_INTERVAL,
    EXTRACTION,
    WRITER_TAG,
    WarehouseRunCoordinator,
    writes_warehouse,
)
from tests.paths import ROOT


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DagsterInstance:
    shutil.copy(ROOT / "dagster_instance.yaml", tmp_path / "dagster.yaml")
    # the coordinator sets the daemon's interval process-wide: restored after the test
    monkeypatch.setattr(controller, "DEFAULT_DAEMON_INTERVAL_SECONDS", 30)
    return DagsterInstance.from_config(str(tmp_path))


def test_the_instance_queues_writers_one_at_a_time_and_dequeues_every_second(
    instance: DagsterInstance,
) -> None:
    coordinator = instance.run_coordinator
    assert isinstance(coordinator, WarehouseRunCoordinator)
    assert coordinator.dequeue_interval_seconds == 1
    queue = instance.get_concurrency_config().run_queue_config
    assert queue is not None
    assert queue.tag_concurrency_limits == [{"key": WRITER_TAG, "limit": 1}]
    assert instance.get_settings("nux") == {"enabled": False}
    assert instance.get_settings("telemetry") == {"enabled": False}
    assert instance.get_settings("python_logs") == {"python_log_level": "INFO"}


def test_the_instance_looks_at_running_backfills_every_5_seconds(
    instance: DagsterInstance,
) -> None:
    assert controller.DEFAULT_DAEMON_INTERVAL_SECONDS == 30  # until the coordinator is built
    assert instance.run_coordinator.inst_data.config_dict[BACKFILL_INTERVAL] == 5
    assert controller.DEFAULT_DAEMON_INTERVAL_SECONDS == 5


def test_every_run_but_the_extraction_alone_writes_the_warehouse() -> None:
    assert document_extracts.key == EXTRACTION
    extraction = DagsterRun(job_name="__ASSET_JOB", asset_selection=frozenset({EXTRACTION}))
    assert not writes_warehouse(extraction)
    assert writes_warehouse(DagsterRun(job_name="__ASSET_JOB"))  # Materialize all, no selection
    assert writes_warehouse(DagsterRun(job_name="build_warehouse"))
    seeds = frozenset({AssetKey(["reference", "department_categories"])})
    assert writes_warehouse(DagsterRun(job_name="__ASSET_JOB", asset_selection=seeds))
    with_check = DagsterRun(
        job_name="__ASSET_JOB",
        asset_selection=frozenset({EXTRACTION}),
        asset_check_selection=frozenset({AssetCheckKey(EXTRACTION, "some_check")}),
    )
    assert writes_warehouse(with_check)


def test_a_backfill_of_everything_starts_from_the_extraction_alone() -> None:
    """Materialize all runs the roots first: the extraction alone (the dbt seeds wait for the raw
    tables), then every other asset together (docs/orchestration.md, "Backfills")."""
    from orchestration.definitions import defs

    graph = defs.get_repository_def().asset_graph
    materialisable = graph.materializable_asset_keys
    # a root is an asset none of whose parents the backfill materialises (dbt sources are not)
    roots = [key for key in materialisable if not graph.get(key).parent_keys & materialisable]
    assert roots == [EXTRACTION]
    seeds = [key for key in graph.materializable_asset_keys if key.path[0] == "reference"]
    assert len(seeds) == 5
    assert all(graph.get(seed).parent_keys == {AssetKey(["raw", "documents"])} for seed in seeds)

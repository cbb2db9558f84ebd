"""Lake maintenance compacts and expires without changing what a query returns."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from orchestration.extract.document import Extract
from orchestration.lake.connection import LakeConfig, connect
from orchestration.lake.maintenance import maintain
from orchestration.lake.maintenance_job import (
    POOL,
    RUN_TAG_LIMIT,
    RUN_TAGS,
    LakeResource,
    lake_definitions,
)
from orchestration.lake.raw_loads import append
from orchestration.lake.snapshot_publish import publish_snapshot
from orchestration.warehouse.digest import table_digests


def _digests(published: Path) -> dict[str, dict[str, str]]:
    return {schema: table_digests(published, schema) for schema in ("raw", "raw_loads")}


def test_maintenance_keeps_query_results_and_removes_files(
    lake: LakeConfig, small_extracts: list[Extract], sample_extract: Extract, tmp_path: Path
) -> None:
    with connect(lake) as con:
        for extract in [*small_extracts, sample_extract, *small_extracts]:  # 7 small loads
            append(con, [extract])
        append(con, [], removed=[small_extracts[0].document["document_id"]])
    before = publish_snapshot(lake, tmp_path / "before.duckdb")

    report = maintain(lake, keep=timedelta(0))

    after = publish_snapshot(lake, tmp_path / "after.duckdb")
    assert _digests(after.path) == _digests(before.path)
    # every raw view was compared: the 8 raw tables and the change log's 3 stand-ins
    assert len(_digests(after.path)["raw"]) == 11
    assert report.after.data_files < report.before.data_files  # merged
    assert report.after.snapshots < report.before.snapshots  # expired
    assert report.after.scheduled_for_deletion == 0  # and their files deleted
    data_files = sorted(Path(lake.data_path).rglob("*.parquet"))
    assert len(data_files) == report.after.data_files


def test_the_maintenance_job_runs_in_dagster_one_at_a_time(
    lake: LakeConfig, small_extracts: list[Extract]
) -> None:
    with connect(lake) as con:
        for extract in small_extracts:
            append(con, [extract])
    job = lake_definitions().resolve_job_def("lake_maintenance")
    assert job.tags == RUN_TAGS and RUN_TAG_LIMIT["limit"] == 1
    assert {node.pool for node in job.graph.node_defs} == {POOL}

    result = job.execute_in_process(
        resources={"lake": LakeResource(catalog=lake.catalog, data_path=lake.data_path)},
        run_config={"ops": {"maintain_lake": {"config": {"keep_days": 0}}}},
    )
    assert result.success
    [materialized] = [
        event.event_specific_data.metadata
        for event in result.all_events
        if event.event_type_value == "STEP_OUTPUT"
    ]
    files = {key: entry.value for key, entry in materialized.items()}
    assert files["after_data_files"] < files["before_data_files"]
    assert files["after_scheduled_for_deletion"] == 0
    assert len(list(Path(lake.data_path).rglob("*.parquet"))) == files["after_data_files"]

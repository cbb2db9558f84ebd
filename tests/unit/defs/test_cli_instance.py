"""The CLI's Dagster instance (``build_runner.cli_instance``): Dagster's ephemeral instance with
one SQLite connection per storage. A real job run on it must read back what the same run stores
on ``DagsterInstance.ephemeral()``: partitions, runs, materialisations, check evaluations."""

import dagster as dg

from orchestration.defs.build_runner import cli_instance

parts = dg.DynamicPartitionsDefinition(name="docs")


@dg.asset(partitions_def=parts)
def pages(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"pages": len(context.partition_key)})


@dg.asset(deps=[pages], check_specs=[dg.AssetCheckSpec("positive", asset="total")])
def total() -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={"dagster/row_count": 3},
        check_results=[dg.AssetCheckResult(check_name="positive", passed=True)],
    )


@dg.asset_check(asset=total, blocking=False)
def not_empty() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)


defs = dg.Definitions(assets=[pages, total], asset_checks=[not_empty])


def _runs(instance: dg.DagsterInstance) -> dict[str, object]:
    """Run the toy job twice (two partitions, then one removed) and read the instance back."""
    instance.add_dynamic_partitions("docs", ["a.pdf", "bb.pdf"])
    job = defs.resolve_implicit_global_asset_job_def()
    first = job.execute_in_process(
        instance=instance, partition_key="bb.pdf", asset_selection=[pages.key]
    )
    instance.delete_dynamic_partition("docs", "a.pdf")
    second = job.execute_in_process(instance=instance, asset_selection=[total.key])
    assert first.success and second.success
    materialised = instance.get_latest_materialization_event(total.key)
    assert materialised is not None and materialised.asset_materialization is not None
    checks = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(total.key, "positive"), dg.AssetCheckKey(total.key, "not_empty")]
    )
    records = instance.fetch_materializations(pages.key, limit=10).records
    return {
        "partitions": instance.get_dynamic_partitions("docs"),
        "runs": sorted(str(r.status) for r in instance.get_runs()),
        "total": dict(materialised.asset_materialization.metadata),
        "pages": [(r.partition_key, r.asset_materialization.metadata["pages"]) for r in records],
        "checks": sorted((str(k), str(v.status)) for k, v in checks.items()),
        "events": len(instance.all_logs(second.run_id)),
    }


def test_cli_instance_stores_what_the_ephemeral_instance_stores() -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        expected = _runs(instance)
    with cli_instance() as instance:
        assert instance.is_ephemeral
        got = _runs(instance)
    assert got == expected
    assert got["partitions"] == ["bb.pdf"]
    assert got["pages"] == [("bb.pdf", dg.IntMetadataValue(6))]
    assert got["total"]["dagster/row_count"] == dg.IntMetadataValue(3)
    assert [status for _, status in got["checks"]] == [
        "AssetCheckExecutionRecordStatus.FAILED",
        "AssetCheckExecutionRecordStatus.SUCCEEDED",
    ]

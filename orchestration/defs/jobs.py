"""Jobs: the one job that builds everything, and the run tags that select partitions."""

from __future__ import annotations

from collections.abc import Sequence

from dagster import (
    AssetKey,
    AssetSelection,
    RepositoryDefinition,
    define_asset_job,
)

from .extract_assets import document_extracts
from .run_queue import WRITER_TAG, WRITER_VALUE

BUILD_JOB_NAME = "build_warehouse"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

#: Every asset and check, in one process (the code location's executor, ``definitions.py``).
build_warehouse_job = define_asset_job(
    BUILD_JOB_NAME,
    selection=AssetSelection.all(),
    # Lets an instance queue builds one at a time (docs/orchestration.md, "Concurrent runs");
    # the instance's run coordinator tags the UI's asset runs the same way (``run_queue``).
    tags={WRITER_TAG: WRITER_VALUE},
    description=(
        "Extract the selected document partitions, load the raw tables, dbt build, validate "
        "and publish warehouse/budget.duckdb."
    ),
)

#: The same steps without extraction: a build whose raw folder holds no PDF (every document
#: removed). Its own job, because a subset of ``build_warehouse`` cannot take run resources.
WITHOUT_EXTRACTION_JOB_NAME = "build_warehouse_without_extraction"
build_without_extraction_job = define_asset_job(
    WITHOUT_EXTRACTION_JOB_NAME,
    selection=AssetSelection.all() - AssetSelection.assets(document_extracts),
    tags={WRITER_TAG: WRITER_VALUE},
    description="Load the raw tables (removing every document), dbt build, validate and publish.",
)


def partition_range_tags(keys: Sequence[str]) -> dict[str, str]:
    """Run tags selecting the partitions from ``keys[0]`` to ``keys[-1]`` (in partition order)."""
    return {RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1]}


def keys_after_extraction(repository: RepositoryDefinition) -> list[AssetKey]:
    """Every materialisable asset but the extracts (for runs that only remove documents)."""
    keys = repository.asset_graph.materializable_asset_keys
    return sorted(key for key in keys if key != document_extracts.key)

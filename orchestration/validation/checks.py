"""Dagster interface of the validation: asset checks on the marts and the audit-table asset.

Wiring (``orchestration/definitions.py``)::

    from .validation.checks import validation_assets, validation_checks
    Definitions(assets=[..., dbt_models, *validation_assets, ...],
                asset_checks=[*validation_checks], ...)

- ``validation_checks``: one blocking ``@asset_check`` per (suite, marts asset), named after the
  suite — ``reconciliation`` on ``marts/reconciliation_results`` and on each fact table whose
  source tables the rules cover, ``facts_non_negative`` on every ``marts/fct_*`` fact table.
  A failed error-severity expectation fails the check with ``AssetCheckSeverity.ERROR``
  (blocking: downstream assets do not materialise); warnings only (rounding, withheld-line
  gaps) fail it with ``WARN``. Metadata: counts, the first failure (rule, document, table,
  unit / row, expected, observed, difference) and a markdown table of failures.
  Use ``make_validation_checks(blocking=False)`` where downstream steps must run regardless
  (CONTRACT §2 publishes the warehouse even when an expectation fails).
- ``validation_assets``: ``audit/validation_results`` — writes ``audit.validation_results`` into
  the working database (the one DuckDB write of validation, under the writer lock) and builds
  GE Data Docs in ``<warehouse folder>/data_docs/``.

Asset keys are dagster-dbt's defaults, ``[schema, model]`` (``AssetKey(['marts',
'fct_procurement'])``), taken from the dbt manifest. The suites run once per state of the working
database (cached on its size and mtime) however many checks ask.
"""

import functools
from collections.abc import Sequence
from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from ..defs.dbt_assets import dbt_models
from ..defs.resources import WarehouseResource, progress_log
from .report import counts_lines, format_amount, markdown_table
from .runner import ValidationResult, ValidationRun, collect_validation, write_validation_results
from .suites import SuiteDefinition, load_suites

VALIDATION_RESULTS_KEY = AssetKey(["audit", "validation_results"])
DATA_DOCS_FOLDER = "data_docs"


def data_docs_dir(warehouse: WarehouseResource) -> Path:
    """Where GE Data Docs are built: ``data_docs/`` beside the published warehouse."""
    return warehouse.settings.warehouse.parent / DATA_DOCS_FOLDER


@functools.lru_cache(maxsize=2)
def _cached_run(database: str, size: int, mtime_ns: int, docs: str) -> ValidationRun:
    return collect_validation(Path(database), Path(docs))


def validation_run(warehouse: WarehouseResource) -> ValidationRun:
    """The validation of the working database as it is now (computed once per state).

    Reads under the writer lock so no build writes the file meanwhile; the read-only DuckDB
    connection is closed before Great Expectations runs.
    """
    database = warehouse.settings.build_database
    with warehouse.writing():
        stat = database.stat()
        return _cached_run(
            str(database), stat.st_size, stat.st_mtime_ns, str(data_docs_dir(warehouse))
        )


def _first_failure(results: Sequence[ValidationResult]) -> dict[str, str]:
    if not results:
        return {}
    r = results[0]
    return {
        "rule": r.rule,
        "document": r.source_file or "",
        "table": r.table_label or "",
        "unit_or_row": " / ".join(x for x in (r.unit_name, r.row_label) if x),
        "page": "" if r.source_page is None else str(r.source_page),
        "expected": format_amount(r.expected_yuan),
        "observed": format_amount(r.observed_yuan),
        "difference": format_amount(r.difference_yuan),
    }


def check_result(run: ValidationRun, suite: str, asset_name: str) -> AssetCheckResult:
    """The outcome of one suite on one marts asset, as a Dagster check result."""
    outcomes, results = run.for_asset(suite, f"marts.{asset_name}")
    critical = [o for o in outcomes if not o.success and o.severity == "critical"]
    other = [o for o in outcomes if not o.success and o.severity != "critical"]
    errors = [r for r in results if r.status == "error"]
    warnings = [r for r in results if r.status == "warn"]
    metadata: dict[str, object] = {
        "evaluations": len(results),
        "errors": len(errors),
        "warnings": len(warnings),
        **_first_failure(errors or warnings),
        "expectations": MetadataValue.json(
            [
                {
                    "expectation": o.expectation,
                    "rule": o.rule,
                    "severity": o.severity,
                    "success": o.success,
                    "unexpected": o.unexpected_count,
                    "rows": o.element_count,
                }
                for o in outcomes
            ]
        ),
    }
    if errors or warnings:
        metadata["failures"] = MetadataValue.md(markdown_table([*errors, *warnings]))
    if run.data_docs_index is not None:
        metadata["data_docs"] = MetadataValue.path(str(run.data_docs_index))
    return AssetCheckResult(
        passed=not critical and not other,
        severity=AssetCheckSeverity.ERROR if critical else AssetCheckSeverity.WARN,
        metadata=metadata,
        description=(
            f"{len(errors)} errors, {len(warnings)} warnings in {len(results)} evaluations"
            if results
            else "nothing to evaluate"
        ),
    )


def _make_check(suite: SuiteDefinition, key: AssetKey, blocking: bool) -> AssetChecksDefinition:
    @asset_check(
        asset=key,
        name=suite.name,
        blocking=blocking,
        description=str(suite.document.get("notes") or suite.name),
    )
    def _check(
        context: AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> AssetCheckResult:
        return check_result(validation_run(warehouse), suite.name, key.path[-1])

    return _check


def marts_keys(assets: AssetsDefinition = dbt_models) -> list[AssetKey]:
    """The dbt models' asset keys in schema ``marts``, as dagster-dbt names them."""
    return sorted((k for k in assets.keys if k.path[0] == "marts"), key=lambda k: k.path)


def make_validation_checks(blocking: bool = True) -> list[AssetChecksDefinition]:
    """One check per (suite, marts asset) the suite reports on."""
    keys = {k.path[-1]: k for k in marts_keys()}
    checks = []
    for suite in load_suites(validate=False):
        for name in suite.target.asset_names(sorted(keys)):
            if name in keys:
                checks.append(_make_check(suite, keys[name], blocking))
    return checks


@asset(
    key=VALIDATION_RESULTS_KEY,
    deps=marts_keys(),
    group_name="validation",
    kinds={"duckdb", "great_expectations"},
)
def validation_results(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> MaterializeResult:
    """Every reconciliation rule evaluation and non-negative check of this build, with its
    outcome (``audit.validation_results``), and Great Expectations Data Docs beside the warehouse.

    Does not fail on failed expectations: the checks on the marts do (blocking on errors).
    """
    run = validation_run(warehouse)
    with warehouse.writing(), warehouse.connect_working() as con:
        rows = write_validation_results(con, run)
    for line in counts_lines(run.results):
        context.log.info(line)
    progress_log.info(
        f"validation: {len(run.results)} rule evaluations, {len(run.errors)} errors, "
        f"{len(run.warnings)} warnings"
    )
    return MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "errors": len(run.errors),
            "warnings": len(run.warnings),
            "passed": run.passed,
            "per_document": MetadataValue.md(
                "\n".join(f"- {line}" for line in counts_lines(run.results))
            ),
            **(
                {"data_docs": MetadataValue.path(str(run.data_docs_index))}
                if run.data_docs_index is not None
                else {}
            ),
        }
    )


validation_checks: list[AssetChecksDefinition] = make_validation_checks(blocking=True)
validation_assets: list[AssetsDefinition] = [validation_results]

__all__ = [
    "check_result",
    "data_docs_dir",
    "make_validation_checks",
    "validation_assets",
    "validation_checks",
    "validation_run",
]

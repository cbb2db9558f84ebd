"""Validation in Dagster: asset checks on the marts and the audit-table asset.

- :func:`build_validation_checks`: one asset check per (suite, marts asset), named after the
  suite, all evaluated by one step (the multi-asset check ``great_expectations_suites``) — ``reconciliation`` on ``marts/reconciliation_results`` and on each fact table whose
  source tables the rules cover, ``facts_non_negative`` on every ``marts/fct_*`` fact table.
  A failed error-severity expectation fails the check with ``AssetCheckSeverity.ERROR``; warnings
  only (rounding, withheld-line gaps) fail it with ``WARN``. The checks never block: CONTRACT §2
  publishes the warehouse even when an expectation fails (the CLI's exit status and the audit
  table report it). Metadata: counts, the first failure (rule, document, table, unit / row,
  expected, observed, difference) and a markdown table of failures.
- :func:`build_validation_results`: ``audit/validation_results`` — writes
  ``audit.validation_results`` into the working database (the one DuckDB write of validation,
  under the writer lock) and builds GE Data Docs in ``<warehouse folder>/data_docs/``.

Validation runs the per-document suites on the documents whose rows changed only
(:mod:`orchestration.validation.scope`). It keeps a cursor in the build's change log
(:mod:`orchestration.warehouse.changes`): ``budget-warehouse build --full`` and a full dbt rebuild
drop every cursor, and validation then validates everything.

Asset keys are dagster-dbt's defaults, ``[schema, model]`` (``AssetKey(['marts',
'fct_procurement'])``), taken from the dbt assets. The suites run once per state of the working
database (cached on its size and mtime) however many checks ask; in a CLI build they run in the
build's validation worker process, handed to the steps by the ``helpers`` resource
(:mod:`.helpers`).
"""

from collections.abc import Iterator, Sequence
from pathlib import Path

import dagster as dg
import duckdb

from ..formatting import format_amount
from ..validation.audit import write_validation_results
from ..validation.report import counts_lines, markdown_table
from ..validation.results import ValidationResult, ValidationRun
from ..validation.scope import CHANGE_CONSUMER
from ..validation.suites import load_suites
from ..warehouse import changes
from .helpers import BuildHelpers, State
from .resources import WarehouseResource, progress_log

VALIDATION_RESULTS_KEY = dg.AssetKey(["audit", "validation_results"])


def record_validation(con: duckdb.DuckDBPyConnection, run: ValidationRun) -> int:
    """Write ``run``'s audit rows and, when it followed the change log, advance validation's
    cursor to the changes the marts reflect (dbt's cursor: a change dbt has not processed yet
    stays pending for validation too); the number of rows written."""
    rows = write_validation_results(con, run)
    if run.scope is not None:  # validation is current with the marts
        through = changes.processed(con, changes.DBT_CONSUMER)
        changes.advance(con, CHANGE_CONSUMER, through, CURSOR_CODE)
    return rows


DATA_DOCS_FOLDER = "data_docs"
#: The code hash of validation's cursor in the change log: constant, as the fingerprints hold
#: the suites' and validation code's digest and decide what a code change revalidates.
CURSOR_CODE = "fingerprints"


def data_docs_dir(warehouse: WarehouseResource) -> Path:
    """Where GE Data Docs are built: ``data_docs/`` beside the published warehouse."""
    return warehouse.settings.warehouse.parent / DATA_DOCS_FOLDER


def _state(warehouse: WarehouseResource) -> State:
    database = warehouse.settings.build_database
    stat = database.stat()
    return str(database), stat.st_size, stat.st_mtime_ns, str(data_docs_dir(warehouse))


def validation_run(warehouse: WarehouseResource, helpers: BuildHelpers) -> ValidationRun:
    """The validation of the working database as it is now (computed once per state).

    Reads under the writer lock so no build writes the file meanwhile; the read-only DuckDB
    connection is closed before Great Expectations runs. In a CLI build the validation runs in the
    build's validation worker, which imported Great Expectations while the build extracted
    (:mod:`orchestration.validation.worker`); elsewhere, or if the worker fails, in this process.
    """
    with warehouse.writing():
        return helpers.validated(_state(warehouse))


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


def check_result(run: ValidationRun, suite: str, asset_name: str) -> dg.AssetCheckResult:
    """The outcome of one suite on one marts asset, as a Dagster check result."""
    asset = f"marts.{asset_name}"
    outcomes, results, evaluations = run.for_asset(suite, asset)
    errors = [r for r in results if r.status == "error"]  # those listed: the run's, some kept
    warnings = [r for r in results if r.status == "warn"]
    error_count, warning_count = run.count("error", suite, asset), run.count("warn", suite, asset)
    # a kept row failed its expectation when its document was validated
    kept_errors, kept_warnings = (
        run.kept.count("error", suite, asset),
        run.kept.count("warn", suite, asset),
    )
    critical = [o for o in outcomes if not o.success and o.severity == "critical"]
    other = [o for o in outcomes if not o.success and o.severity != "critical"]
    metadata: dict[str, object] = {
        "evaluations": evaluations,
        "errors": error_count,
        "warnings": warning_count,
        **_first_failure(errors or warnings),
        "expectations": dg.MetadataValue.json(
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
        metadata["failures"] = dg.MetadataValue.md(
            markdown_table([*errors, *warnings], total=error_count + warning_count)
        )
    if run.data_docs_index is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(run.data_docs_index))
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(["marts", asset_name]),
        check_name=suite,
        passed=not critical and not other and not kept_errors and not kept_warnings,
        severity=(
            dg.AssetCheckSeverity.ERROR if critical or kept_errors else dg.AssetCheckSeverity.WARN
        ),
        metadata=metadata,
        description=(
            f"{error_count} errors, {warning_count} warnings in {evaluations} evaluations"
            if evaluations
            else "nothing to evaluate"
        ),
    )


def marts_keys(dbt_models: dg.AssetsDefinition) -> list[dg.AssetKey]:
    """The dbt models' asset keys in schema ``marts``, as dagster-dbt names them."""
    return sorted((k for k in dbt_models.keys if k.path[0] == "marts"), key=lambda k: k.path)


def build_validation_checks(dbt_models: dg.AssetsDefinition) -> list[dg.AssetChecksDefinition]:
    """One non-blocking check per (suite, marts asset) the suite reports on.

    All of them are evaluated by one step (a multi-asset check, subsettable): they share one
    validation, and eleven Dagster steps cost more than the checks themselves.
    """
    keys = {k.path[-1]: k for k in marts_keys(dbt_models)}
    specs = [
        dg.AssetCheckSpec(
            name=suite.name,
            asset=keys[name],
            blocking=False,
            description=str(suite.document.get("notes") or suite.name),
        )
        for suite in load_suites(validate=False)
        for name in suite.target.asset_names(sorted(keys))
        if name in keys
    ]

    @dg.multi_asset_check(specs=specs, can_subset=True, name="great_expectations_suites")
    def great_expectations_suites(
        context: dg.AssetCheckExecutionContext,
        warehouse: WarehouseResource,
        helpers: dg.ResourceParam[BuildHelpers],
    ) -> Iterator[dg.AssetCheckResult]:
        """The committed GE suites on the marts: one result per (suite, asset) selected."""
        run = validation_run(warehouse, helpers)
        for key in sorted(context.selected_asset_check_keys, key=str):
            yield check_result(run, key.name, key.asset_key.path[-1])

    return [great_expectations_suites]


def _scope_note(run: ValidationRun) -> str:
    """What a run over the changed documents validated, for the progress line."""
    if run.scope is None or run.scope.changed is None:
        return ""
    kept = len(run.scope.fingerprints) - len(run.scope.changed)
    return (
        f" ({run.documents_validated} changed document(s) validated now, "
        f"{run.validated} evaluations; {kept} unchanged kept)"
    )


def build_validation_results(dbt_models: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The ``audit/validation_results`` asset, downstream of the marts of ``dbt_models``."""

    @dg.asset(
        key=VALIDATION_RESULTS_KEY,
        deps=marts_keys(dbt_models),
        group_name="validation",
        kinds={"duckdb", "great_expectations"},
    )
    def validation_results(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        helpers: dg.ResourceParam[BuildHelpers],
    ) -> dg.MaterializeResult:
        """Every reconciliation rule evaluation and non-negative check of this build, with its
        outcome (``audit.validation_results``), and Great Expectations Data Docs beside the
        warehouse.

        Does not fail on failed expectations: the checks on the marts report them.
        """
        with warehouse.writing():
            run = helpers.validated(_state(warehouse))
            with warehouse.connect_working() as con:
                rows = record_validation(con, run)
            # The suites do not read the audit table: the run holds for the file's new state too,
            # so the checks evaluated after this step do not validate again.
            helpers.remember(_state(warehouse), run)
        context.log.info(f"validated in the {run.validated_in}")
        per_file = counts_lines(run.document_counts())
        for line in per_file:
            context.log.info(line)
        progress_log.info(
            f"validation: {run.evaluations} rule evaluations, {run.count('error')} errors, "
            f"{run.count('warn')} warnings{_scope_note(run)}"
        )
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "errors": run.count("error"),
                "warnings": run.count("warn"),
                "passed": run.passed,
                "validated_in": run.validated_in,
                "documents_validated": run.documents_validated,
                "evaluations_validated": run.validated,
                "per_document": dg.MetadataValue.md("\n".join(f"- {line}" for line in per_file)),
                **(
                    {"data_docs": dg.MetadataValue.path(str(run.data_docs_index))}
                    if run.data_docs_index is not None
                    else {}
                ),
            }
        )

    return validation_results

"""Run the committed Great Expectations suites over a built warehouse and land the results.

Route (see docs/validation.md): the rule arithmetic happens in SQL (dbt models
``int_reconciliation__*`` → ``marts.reconciliation_results``); GE validates pandas frames read
from DuckDB over one read-only connection that is closed before GE starts. GE therefore never
holds the warehouse file, never sees a DECIMAL (amounts it checks are cast to DOUBLE in SQL; the
exact amounts reported come from DuckDB as text), and needs no patched SQL datasource.

- :func:`collect_validation` — pure with respect to the warehouse: reads, validates, returns rows.
- :func:`write_validation_results` — the one write, given the orchestrator's connection.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .suites import EXPECTATIONS_DIR, SuiteDefinition, load_suites

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

AUDIT_SCHEMA = "audit"
AUDIT_TABLE = "validation_results"
RECONCILIATION_TABLE = "reconciliation_results"
#: Columns that name the row of a fact table in a failure, first present wins per group.
_FACT_LABEL_COLUMNS = (
    ("function_code", "economic_code", "procurement_category_code"),
    ("function_name", "economic_item", "procurement_category_name", "category", "revenue_item"),
    ("project_name", "expenditure_type", "year"),
)
_GE_SEVERITY = {"critical": "error", "warning": "warning", "info": "info"}


@dataclass(frozen=True)
class ValidationResult:
    """One rule evaluation: one row of ``audit.validation_results``."""

    suite: str
    asset: str  # warehouse table the evaluation reports on, e.g. marts.fct_procurement
    expectation: str  # the GE expectation that enforces it
    rule: str
    severity: str  # error / warning / info (passed)
    status: str  # pass / warn / error
    document_id: str | None
    source_file: str | None
    table_type: str | None
    table_label: str | None
    source_page: int | None
    unit_name: str | None
    row_label: str | None
    column_label: str | None
    expected_yuan: Decimal | None
    observed_yuan: Decimal | None
    difference_yuan: Decimal | None
    tolerance_yuan: Decimal | None
    items_summed: int | None
    detail: str | None
    evaluation_id: str | None


@dataclass(frozen=True)
class ExpectationOutcome:
    """What GE concluded for one expectation of one suite on one batch (asset)."""

    suite: str
    asset: str
    expectation: str
    rule: str
    severity: str  # GE severity: critical / warning / info
    success: bool
    element_count: int
    unexpected_count: int


@dataclass
class ValidationRun:
    """Everything one validation produced."""

    results: list[ValidationResult]
    outcomes: list[ExpectationOutcome]
    validated_at: dt.datetime
    data_docs_index: Path | None = None
    documents: dict[str, str] = field(default_factory=dict)  # document_id -> source_file

    @property
    def passed(self) -> bool:
        """True when no critical (error-severity) expectation failed."""
        return all(o.success for o in self.outcomes if o.severity == "critical")

    @property
    def errors(self) -> list[ValidationResult]:
        return [r for r in self.results if r.status == "error"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.status == "warn"]

    def for_asset(
        self, suite: str, asset: str
    ) -> tuple[list[ExpectationOutcome], list[ValidationResult]]:
        """Outcomes and result rows of one suite on one asset (``schema.table``)."""
        outcomes = [o for o in self.outcomes if o.suite == suite and o.asset == asset]
        results = [r for r in self.results if r.suite == suite and r.asset == asset]
        return outcomes, results

    def counts_by_document(self) -> dict[str, Counter[str]]:
        """Evaluations per source file by status (pass / warn / error)."""
        counts: dict[str, Counter[str]] = {}
        for result in self.results:
            key = result.source_file or "(no document)"
            counts.setdefault(key, Counter())[result.status] += 1
        return counts


@dataclass(frozen=True)
class _Batch:
    suite: SuiteDefinition
    asset: str  # table name in the suite's schema
    table: str
    frame: pd.DataFrame  # what GE validates
    records: pd.DataFrame  # the same rows with exact amounts (text) and context, for reporting
    id_column: str


def collect_validation(
    database: Path,
    data_docs_dir: Path | None = None,
    suites_dir: Path = EXPECTATIONS_DIR,
) -> ValidationRun:
    """Validate the warehouse at ``database`` with every committed suite; return the result rows.

    Reads the warehouse read-only over one connection, closed before GE runs; writes nothing to
    it. With ``data_docs_dir``, GE Data Docs HTML is (re)built there.
    """
    suites = load_suites(suites_dir)
    batches, documents = _read_batches(Path(database), suites)
    outcomes, failing = _run_great_expectations(batches, data_docs_dir)
    results: list[ValidationResult] = []
    for batch in batches:
        if batch.suite.target.split_column:
            results += _evaluation_rows(batch, failing)
        else:
            results += _fact_rows(batch, failing, documents)
    index = data_docs_dir / "index.html" if data_docs_dir is not None else None
    return ValidationRun(
        results=results,
        outcomes=outcomes,
        validated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        data_docs_index=index if index is not None and index.exists() else None,
        documents=documents,
    )


def _read_batches(
    database: Path, suites: Sequence[SuiteDefinition]
) -> tuple[list[_Batch], dict[str, str]]:
    if not database.exists():
        raise FileNotFoundError(f"no warehouse at {database}")
    batches: list[_Batch] = []
    with duckdb.connect(str(database), read_only=True) as con:
        documents = dict(
            con.execute("select document_id, source_file from marts.dim_document").fetchall()
        )
        for suite in suites:
            target = suite.target
            available = [
                row[0]
                for row in con.execute(
                    "select table_name from information_schema.tables where table_schema = ?",
                    [target.schema],
                ).fetchall()
            ]
            for table in target.tables(available):
                records = _read_table(con, target.schema, table)
                id_column = target.id_column or str(records.columns[0])
                if target.split_column:
                    split = records[target.split_column].map(
                        lambda value, t=target: t.assets.get(value, t.default_asset or t.table)
                    )
                    for asset in target.asset_names(available):
                        part = records[split == asset].reset_index(drop=True)
                        batches.append(_batch(suite, asset, table, part, id_column))
                else:
                    batches.append(_batch(suite, table, table, records, id_column))
    return batches, documents


def _read_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> pd.DataFrame:
    """All rows; DECIMAL columns twice: as DOUBLE (for GE) and exact text (``<name>__text``)."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    select = []
    for name, data_type in columns:
        quoted = f'"{name}"'
        if data_type.upper().startswith("DECIMAL"):
            select.append(f"cast({quoted} as double) as {quoted}")
            select.append(f'cast({quoted} as varchar) as "{name}__text"')
        else:
            select.append(quoted)
    return con.execute(f'select {", ".join(select)} from "{schema}"."{table}"').df()


def _batch(
    suite: SuiteDefinition, asset: str, table: str, records: pd.DataFrame, id_column: str
) -> _Batch:
    wanted = {id_column}
    for expectation in suite.document["expectations"]:
        column = expectation.get("kwargs", {}).get("column")
        if column:
            wanted.add(column)
    frame = records[[c for c in records.columns if c in wanted]].copy()
    return _Batch(suite, asset, table, frame, records, id_column)


def _ge_context(data_docs_dir: Path | None) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if data_docs_dir is not None:
        if (data_docs_dir / "index.html").exists():  # a previous build's site: start afresh
            shutil.rmtree(data_docs_dir)
        data_docs_dir.mkdir(parents=True, exist_ok=True)
        sites["warehouse"] = {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(data_docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites=sites,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _run_great_expectations(
    batches: Sequence[_Batch], data_docs_dir: Path | None
) -> tuple[list[ExpectationOutcome], dict[tuple[str, str, str], set[str]]]:
    """GE over every batch; outcomes and, per (suite, asset, expectation), the failing row ids."""
    import great_expectations as gx

    context = _ge_context(data_docs_dir)
    source = context.data_sources.add_pandas("warehouse")
    data_assets: dict[str, Any] = {}
    suites: dict[str, Any] = {}
    outcomes: list[ExpectationOutcome] = []
    failing: dict[tuple[str, str, str], set[str]] = {}
    for batch in batches:
        suite_name = batch.suite.name
        if suite_name not in suites:
            suites[suite_name] = context.suites.add(batch.suite.build())
        if batch.asset not in data_assets:
            data_asset = source.add_dataframe_asset(batch.asset)
            data_assets[batch.asset] = data_asset.add_batch_definition_whole_dataframe("all rows")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(
                name=f"{suite_name} on {batch.asset}",
                data=data_assets[batch.asset],
                suite=suites[suite_name],
            )
        )
        validation = definition.run(
            batch_parameters={"dataframe": batch.frame},
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [batch.id_column],
            },
        )
        rules = batch.suite.expectation_rules()
        for rule, result in zip(rules, validation.results, strict=True):
            config = result.expectation_config
            expectation = config.type
            severity = str(getattr(config.severity, "value", config.severity or "critical"))
            ids = {
                str(item[batch.id_column])
                for item in (result.result.get("unexpected_index_list") or [])
                if isinstance(item, dict)
            }
            failing.setdefault((suite_name, batch.asset, expectation + ":" + rule), set()).update(
                ids
            )
            outcomes.append(
                ExpectationOutcome(
                    suite=suite_name,
                    asset=f"{batch.suite.target.schema}.{batch.asset}",
                    expectation=expectation,
                    rule=rule,
                    severity=severity,
                    success=bool(result.success),
                    element_count=int(result.result.get("element_count") or len(batch.frame)),
                    unexpected_count=int(result.result.get("unexpected_count") or 0),
                )
            )
    if data_docs_dir is not None:
        context.build_data_docs()
    return outcomes, failing


def _decimal(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    return Decimal(str(value))


def _value(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _evaluation_rows(
    batch: _Batch, failing: dict[tuple[str, str, str], set[str]]
) -> list[ValidationResult]:
    """Reconciliation evaluations, one result each; status comes from SQL, GE enforces it."""
    by_status = {
        "error": "expect_column_values_to_not_be_in_set",
        "warn": "expect_column_values_to_not_be_in_set",
        "pass": "expect_column_values_to_be_in_set",
    }
    asset = f"{batch.suite.target.schema}.{batch.asset}"
    rows = []
    for record in batch.records.to_dict("records"):
        status = str(record["status"])
        rows.append(
            ValidationResult(
                suite=batch.suite.name,
                asset=asset,
                expectation=by_status.get(status, "expect_column_values_to_be_in_set"),
                rule=str(record["rule"]),
                severity=str(record.get("severity") or _GE_SEVERITY.get(status, "info")),
                status=status,
                document_id=_value(record.get("document_id")),
                source_file=_value(record.get("source_file")),
                table_type=_value(record.get("table_type")),
                table_label=_value(record.get("table_label")),
                source_page=_value(record.get("source_page")),
                unit_name=_value(record.get("unit_name")),
                row_label=_value(record.get("row_label")),
                column_label=_value(record.get("column_label")),
                expected_yuan=_decimal(_value(record.get("expected_yuan__text"))),
                observed_yuan=_decimal(_value(record.get("observed_yuan__text"))),
                difference_yuan=_decimal(_value(record.get("difference_yuan__text"))),
                tolerance_yuan=_decimal(_value(record.get("tolerance_yuan__text"))),
                items_summed=_value(record.get("items_summed")),
                detail=_value(record.get("detail")),
                evaluation_id=_value(record.get(batch.id_column)),
            )
        )
    return rows


def _fact_label(record: dict[str, Any]) -> str | None:
    parts = []
    for group in _FACT_LABEL_COLUMNS:
        for column in group:
            value = _value(record.get(column))
            if value not in (None, ""):
                parts.append(str(value))
                break
    return " ".join(parts) or None


def _fact_rows(
    batch: _Batch,
    failing: dict[tuple[str, str, str], set[str]],
    documents: dict[str, str],
) -> list[ValidationResult]:
    """Per fact table: a failing row per GE-flagged fact, a passing row per clean document."""
    asset = f"{batch.suite.target.schema}.{batch.asset}"
    rows: list[ValidationResult] = []
    records = batch.records
    ids = records[batch.id_column].astype(str)
    for expectation, rule in zip(
        batch.suite.document["expectations"], batch.suite.expectation_rules(), strict=True
    ):
        kind, column = expectation["type"], expectation["kwargs"]["column"]
        bad_ids = failing.get((batch.suite.name, batch.asset, kind + ":" + rule), set())
        bad = records[ids.isin(bad_ids)]
        for record in bad.to_dict("records"):
            amount = _decimal(_value(record.get(f"{column}__text", record.get(column))))
            rows.append(
                ValidationResult(
                    suite=batch.suite.name,
                    asset=asset,
                    expectation=kind,
                    rule=rule,
                    severity="error",
                    status="error",
                    document_id=_value(record.get("document_id")),
                    source_file=documents.get(str(record.get("document_id"))),
                    table_type=None,
                    table_label=_value(record.get("source_table")),
                    source_page=_value(record.get("source_page")),
                    unit_name=_value(record.get("unit_name")),
                    row_label=_fact_label(record),
                    column_label=column,
                    expected_yuan=Decimal("0.00"),
                    observed_yuan=amount,
                    difference_yuan=amount,
                    tolerance_yuan=Decimal("0.00"),
                    items_summed=1,
                    detail=f"{batch.table}.{column} = {amount} < 0 (bound: ≥ 0)",
                    evaluation_id=str(record[batch.id_column]),
                )
            )
        failed_documents = set(bad["document_id"].astype(str))
        text_column = f"{column}__text"
        for document_id, group in records.groupby("document_id", dropna=False):
            if str(document_id) in failed_documents or not len(group):
                continue  # the failing rows speak for this document
            smallest = group.loc[group[column].idxmin()] if group[column].notna().any() else None
            rows.append(
                ValidationResult(
                    suite=batch.suite.name,
                    asset=asset,
                    expectation=kind,
                    rule=rule,
                    severity="info",
                    status="pass",
                    document_id=_value(document_id),
                    source_file=documents.get(str(document_id)),
                    table_type=None,
                    table_label=batch.table,
                    source_page=None,
                    unit_name=None,
                    row_label=f"{len(group)} rows",
                    column_label=column,
                    expected_yuan=Decimal("0.00"),
                    observed_yuan=(
                        None
                        if smallest is None
                        else _decimal(_value(smallest.get(text_column, smallest[column])))
                    ),
                    difference_yuan=None,
                    tolerance_yuan=Decimal("0.00"),
                    items_summed=len(group),
                    detail=f"smallest {batch.table}.{column} of the document (bound: ≥ 0)",
                    evaluation_id=None,
                )
            )
    return rows


_AUDIT_COLUMNS = [f.name for f in fields(ValidationResult)]
_AUDIT_DDL = f"""
create schema if not exists {AUDIT_SCHEMA};
create or replace table {AUDIT_SCHEMA}.{AUDIT_TABLE} (
    validated_at timestamp,
    suite varchar,
    asset varchar,
    expectation varchar,
    rule varchar,
    severity varchar,
    status varchar,
    document_id varchar,
    source_file varchar,
    table_type varchar,
    table_label varchar,
    source_page integer,
    unit_name varchar,
    row_label varchar,
    column_label varchar,
    expected_yuan decimal(20, 2),
    observed_yuan decimal(20, 2),
    difference_yuan decimal(20, 2),
    tolerance_yuan decimal(20, 2),
    items_summed integer,
    detail varchar,
    evaluation_id varchar
);
"""


def write_validation_results(con: duckdb.DuckDBPyConnection, run: ValidationRun) -> int:
    """Replace ``audit.validation_results`` with ``run``'s rows (one transaction); row count."""
    frame = pd.DataFrame(
        [{k: (None if v is None else str(v)) for k, v in asdict(r).items()} for r in run.results],
        columns=_AUDIT_COLUMNS,
        dtype=object,
    )
    casts = {
        "source_page": "integer",
        "expected_yuan": "decimal(20, 2)",
        "observed_yuan": "decimal(20, 2)",
        "difference_yuan": "decimal(20, 2)",
        "tolerance_yuan": "decimal(20, 2)",
        "items_summed": "integer",
    }
    select = ", ".join(
        f'cast("{c}" as {casts[c]})' if c in casts else f'cast("{c}" as varchar)'
        for c in _AUDIT_COLUMNS
    )
    con.execute("begin transaction")
    try:
        con.execute(_AUDIT_DDL)
        if len(frame):
            con.register("validation_rows", frame)
            con.execute(
                f"insert into {AUDIT_SCHEMA}.{AUDIT_TABLE} "
                f"select ?::timestamp, {select} from validation_rows",
                [run.validated_at],
            )
            con.unregister("validation_rows")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(frame)


def validate_and_write(database: Path, data_docs_dir: Path | None = None) -> ValidationRun:
    """Convenience for scripts and tests: validate, then write the results into ``database``.

    Opens the write connection only after the read-only one is closed, and closes it again.
    """
    run = collect_validation(database, data_docs_dir)
    with duckdb.connect(str(database)) as con:
        write_validation_results(con, run)
    return run


def results_to_frame(results: Iterable[ValidationResult]) -> pd.DataFrame:
    """The result rows as a DataFrame (exact Decimals kept as objects)."""
    return pd.DataFrame([asdict(r) for r in results], columns=_AUDIT_COLUMNS)

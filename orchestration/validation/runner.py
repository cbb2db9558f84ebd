"""Run the committed Great Expectations suites over a built warehouse and return the results.

Route (see docs/validation.md): the rule arithmetic happens in SQL (dbt models
``int_reconciliation__*`` → ``marts.reconciliation_results``); GE validates pandas frames read
from DuckDB over one read-only connection that is closed before GE starts (a second one, after
GE, reads the fact rows it flagged). GE therefore never holds the warehouse file, never sees a
DECIMAL (amounts it checks are cast to DOUBLE in SQL; the exact amounts reported come from
DuckDB as text), and needs no patched SQL datasource.

A fact-table suite (no ``split_column``) may hold only lower bounds
(``expect_column_values_to_be_between`` with ``min_value``, severity critical): its audit rows
are a failing row per fact below the bound and, per clean document, a passing row with the
document's smallest value (:func:`_fact_rows`). Any other expectation there is refused.

:func:`collect_validation` is pure with respect to the warehouse: it reads, validates and returns
rows; :func:`.audit.write_validation_results` is the one write, on the orchestrator's connection.
"""

from __future__ import annotations

import datetime as dt
import shutil
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .audit import VALIDATED, asset_of, list_evaluations, read_kept
from .results import (
    EvaluationTable,
    ExpectationOutcome,
    GeSeverity,
    KeptAudit,
    ValidationResult,
    ValidationRun,
)
from .scope import ValidationScope, document_key, plan_scope, register_documents
from .suites import EXPECTATIONS_DIR, SuiteDefinition, load_suites

#: Columns that name the row of a fact table in a failure, first present wins per group.
_FACT_LABEL_COLUMNS = (
    ("function_code", "economic_code", "procurement_category_code"),
    ("function_name", "economic_item", "procurement_category_name", "category", "revenue_item"),
    ("project_name", "expenditure_type", "year"),
)
_RESULT_FIELDS = [f.name for f in fields(ValidationResult)]
_AMOUNT_FIELDS = [
    name
    for name, annotation in typing.get_type_hints(ValidationResult).items()
    if Decimal in typing.get_args(annotation)
]


#: The one expectation a fact-table suite may hold (see the module's docstring).
FACT_EXPECTATION = "expect_column_values_to_be_between"


@dataclass(frozen=True)
class _Batch:
    """One suite's rows of one asset, as GE validates them."""

    suite: SuiteDefinition
    asset: str  # table name in the suite's schema
    table: str  # the table read (an evaluation table's rows are split among assets)
    frame: pd.DataFrame  # what GE validates
    id_column: str | None  # the column naming a failing row (None: an evaluation table's)
    # a fact table's: per document, its rows and each checked column's smallest value (exact)
    per_document: pd.DataFrame | None = None
    columns: tuple[tuple[str, str], ...] = ()  # a fact table's columns, to read failing rows

    @property
    def qualified_asset(self) -> str:
        """``schema.table`` of the asset, as results and outcomes name it."""
        return f"{self.suite.target.schema}.{self.asset}"


def collect_validation(
    database: Path,
    data_docs_dir: Path | None = None,
    suites_dir: Path = EXPECTATIONS_DIR,
    full: bool = False,
) -> ValidationRun:
    """Validate the warehouse at ``database`` with every committed suite; return the result rows.

    Per-document suites validate only the documents whose rows changed since the audit rows in
    the warehouse were computed (:mod:`.scope`; ``full``: every document); corpus-level suites
    validate every row. Reads the warehouse read-only (one connection closed before GE runs,
    one after it for the fact rows GE flagged); writes nothing to it. With ``data_docs_dir``,
    GE Data Docs HTML of the batches validated is (re)built there.
    """
    return _validate_read(_read_warehouse(database, suites_dir, full), data_docs_dir)


@dataclass(frozen=True)
class _Evaluations:
    """What a run holds of its evaluation tables (:func:`.audit.list_evaluations`)."""

    tables: list[EvaluationTable]
    listed: list[ValidationResult]
    counted: dict[tuple[str, str, str], int]
    per_file: dict[tuple[str, str], int]


@dataclass(frozen=True)
class _WarehouseRead:
    """What the suites validate, read from a warehouse (no connection kept)."""

    batches: list[_Batch]
    documents: dict[str, str]  # document_id → source_file, of every document
    scope: ValidationScope
    kept: KeptAudit
    evaluations: _Evaluations
    database: Path  # read again after GE for the fact rows it flagged


def _read_warehouse(
    database: Path, suites_dir: Path = EXPECTATIONS_DIR, full: bool = False
) -> _WarehouseRead:
    """:func:`collect_validation`'s read over one read-only connection: which documents to
    validate, their batches, and the audit rows kept for the others."""
    database = Path(database)
    if not database.exists():
        raise FileNotFoundError(f"no warehouse at {database}")
    suites = load_suites(suites_dir)
    with duckdb.connect(str(database), read_only=True) as con:
        scope = plan_scope(con, suites, full)
        if scope.changed is not None:
            register_documents(con, VALIDATED, scope.changed)
        documents = dict(
            con.execute("select document_id, source_file from marts.dim_document").fetchall()
        )
        batches, evaluations = _read_batches(con, suites, scope)
        kept = read_kept(con, scope)
    return _WarehouseRead(batches, documents, scope, kept, evaluations, database)


def _validate_read(read: _WarehouseRead, data_docs_dir: Path | None = None) -> ValidationRun:
    """:func:`collect_validation` after its read: GE over the batches, the result rows."""
    batches, documents = read.batches, read.documents
    outcomes, failing = _run_great_expectations(batches, data_docs_dir)
    flagged = _flagged_records(read.database, batches, failing)
    results: list[ValidationResult] = []
    for batch in batches:
        if batch.per_document is not None:
            results += _fact_rows(batch, failing, documents, flagged.get(batch.asset))
    index = data_docs_dir / "index.html" if data_docs_dir is not None else None
    evaluations = read.evaluations
    return ValidationRun(
        results=results,
        outcomes=outcomes,
        validated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        data_docs_index=index if index is not None and index.exists() else None,
        documents=documents,
        scope=read.scope,
        kept=read.kept,
        evaluated=evaluations.tables,
        listed=evaluations.listed,
        counted=evaluations.counted,
        counted_per_file=evaluations.per_file,
    )


def _read_batches(
    con: duckdb.DuckDBPyConnection,
    suites: Sequence[SuiteDefinition],
    scope: ValidationScope,
) -> tuple[list[_Batch], _Evaluations]:
    """The batches GE validates (of the changed documents where a suite is per document), and
    what the run holds of the evaluation tables."""
    batches: list[_Batch] = []
    evaluations = _Evaluations([], [], {}, {})
    incremental = scope.changed is not None
    for suite in suites:
        target = suite.target
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [target.schema],
            ).fetchall()
        ]
        validated = incremental and target.scope == "document"
        for table in target.tables(tables):
            columns = _columns(con, target.schema, table)
            if target.split_column:
                evaluated = _evaluation_table(suite, table, columns)
                listed, counted, per_file = list_evaluations(con, evaluated, incremental)
                evaluations.tables.append(evaluated)
                evaluations.listed.extend(listed)
                evaluations.counted.update(counted)
                evaluations.per_file.update(
                    {k: evaluations.per_file.get(k, 0) + n for k, n in per_file.items()}
                )
                for asset in target.asset_names(tables):
                    where = f"{asset_of(evaluated)} = '{asset}'"
                    source = (target.schema, table)
                    frame = _read_frame(con, source, columns, _wanted(suite), validated, where)
                    batches.append(_Batch(suite, asset, table, frame, None))
            else:
                _check_fact_suite(suite)
                id_column = target.id_column or columns[0][0]
                source = (target.schema, table)
                frame = _read_frame(con, source, columns, _wanted(suite, id_column), validated)
                per_document = _smallest_per_document(con, source, columns, suite, validated)
                batch = _Batch(suite, table, table, frame, id_column, per_document, tuple(columns))
                batches.append(batch)
    # the changed documents' empty batches: nothing to validate (a full run reports them)
    return [
        b for b in batches if len(b.frame) or not incremental or b.suite.target.scope == "corpus"
    ], evaluations


def _check_fact_suite(suite: SuiteDefinition) -> None:
    """Refuse a fact-table suite whose expectations :func:`_fact_rows` cannot report: each must
    be a critical lower bound on a column (the module's docstring)."""
    for expectation in suite.document["expectations"]:
        kwargs = expectation.get("kwargs", {})
        if (
            expectation["type"] != FACT_EXPECTATION
            or "column" not in kwargs
            or kwargs.get("min_value") is None
            or kwargs.get("max_value") is not None
            or expectation.get("severity", "critical") != "critical"
        ):
            raise ValueError(
                f"suite {suite.name} ({suite.path.name}) validates fact tables: each expectation "
                f"must be a critical {FACT_EXPECTATION} with a min_value only, not {expectation}"
            )


def _smallest_per_document(
    con: duckdb.DuckDBPyConnection,
    source: tuple[str, str],
    columns: list[tuple[str, str]],
    suite: SuiteDefinition,
    validated: bool,
) -> pd.DataFrame:
    """Per document of a fact table: its rows (``rows``) and the smallest value of each column
    the suite checks (a DECIMAL's as exact text)."""
    types = dict(columns)
    select = ['"document_id"', "count(*) as rows"]
    for name in sorted(_wanted(suite) & set(types)):
        smallest = f'min("{name}")'
        if types[name].upper().startswith("DECIMAL"):
            smallest = f"cast({smallest} as varchar)"
        select.append(f'{smallest} as "{name}"')
    where = f"where {document_key()} in (select document_key from {VALIDATED})" if validated else ""
    schema, name = source
    return con.execute(
        f'select {", ".join(select)} from "{schema}"."{name}" {where} '
        "group by document_id order by document_id"
    ).df()


def _flagged_records(
    database: Path, batches: Sequence[_Batch], failing: dict[tuple[str, str, str], set[str]]
) -> dict[str, pd.DataFrame]:
    """The rows GE flagged in each fact table (by asset), every column, DECIMALs also as exact
    text; read over a new read-only connection (GE has run)."""
    wanted: dict[str, tuple[_Batch, set[str]]] = {}
    for batch in batches:
        if batch.per_document is None:
            continue
        for (suite, asset, _), ids in failing.items():
            if ids and suite == batch.suite.name and asset == batch.asset:
                wanted.setdefault(asset, (batch, set()))[1].update(ids)
    if not wanted:
        return {}
    flagged = {}
    with duckdb.connect(str(database), read_only=True) as con:
        for asset, (batch, ids) in wanted.items():
            listed = ", ".join("'" + i.replace("'", "''") + "'" for i in sorted(ids))
            where = f'cast("{batch.id_column}" as varchar) in ({listed})'
            source = (batch.suite.target.schema, batch.table)
            flagged[asset] = _read_frame(con, source, list(batch.columns), None, False, where)
    return flagged


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    """``(name, type)`` of a table's columns, in order."""
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()


def _evaluation_table(
    suite: SuiteDefinition, table: str, columns: list[tuple[str, str]]
) -> EvaluationTable:
    """A suite's table of rule evaluations (``split_column`` set), as the audit write reads it."""
    target = suite.target
    assert target.split_column is not None
    return EvaluationTable(
        suite=suite.name,
        schema=target.schema,
        table=table,
        id_column=target.id_column or columns[0][0],
        split_column=target.split_column,
        assets=tuple(sorted(target.assets.items())),
        default_asset=target.default_asset or table,
        columns=frozenset(name for name, _ in columns),
        per_document=target.scope == "document",
    )


def _wanted(suite: SuiteDefinition, *also: str) -> set[str]:
    """The columns GE needs of a suite's batch (and ``also``)."""
    wanted = set(also)
    for expectation in suite.document["expectations"]:
        column = expectation.get("kwargs", {}).get("column")
        if column:
            wanted.add(column)
    return wanted


def _read_frame(
    con: duckdb.DuckDBPyConnection,
    source: tuple[str, str],
    columns: list[tuple[str, str]],
    wanted: set[str] | None,
    validated: bool,
    where: str = "true",
) -> pd.DataFrame:
    """The rows of a table (of the documents in :data:`VALIDATED` when ``validated``; only the
    ``wanted`` columns, if given). DECIMAL columns as DOUBLE (for GE) and, when every column is
    read, also as exact text (``<name>__text``). ``source``: ``(schema, table)``."""
    select = []
    for name, data_type in columns:
        if wanted is not None and name not in wanted:
            continue
        quoted = f'"{name}"'
        if data_type.upper().startswith("DECIMAL"):
            select.append(f"cast({quoted} as double) as {quoted}")
            if wanted is None:
                select.append(f'cast({quoted} as varchar) as "{name}__text"')
        else:
            select.append(quoted)
    if validated:
        where += f" and {document_key()} in (select document_key from {VALIDATED})"
    schema, name = source
    return con.execute(f'select {", ".join(select)} from "{schema}"."{name}" where {where}').df()


def _ge_context(data_docs_dir: Path | None) -> Any:
    """An ephemeral GE context (no files, no analytics, no progress bars), with a Data Docs
    site in ``data_docs_dir`` (emptied first) when given."""
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
    if not batches:
        return [], {}
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
            # the failing rows of a fact table are named; an evaluation table's are counted
            # (its audit rows come from SQL)
            result_format=(
                {"result_format": "SUMMARY"}
                if batch.id_column is None
                else {
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": [batch.id_column],
                }
            ),
        )
        rules = batch.suite.expectation_rules()
        for rule, result in zip(rules, validation.results, strict=True):
            config = result.expectation_config
            expectation = config.type
            severity = typing.cast(
                GeSeverity, str(getattr(config.severity, "value", config.severity or "critical"))
            )
            ids = {
                str(item[batch.id_column])
                for item in (result.result.get("unexpected_index_list") or [])
                if isinstance(item, dict) and batch.id_column is not None
            }
            failing.setdefault((suite_name, batch.asset, expectation + ":" + rule), set()).update(
                ids
            )
            outcomes.append(
                ExpectationOutcome(
                    suite=suite_name,
                    asset=batch.qualified_asset,
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


def _value(value: Any) -> Any:
    """A plain Python value (None for missing, numpy scalars unwrapped)."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _result(batch: _Batch, expectation: str, values: Mapping[str, Any]) -> ValidationResult:
    """The one way a result is made: fields missing from ``values`` are None, amounts exact."""
    row = {name: _value(values.get(name)) for name in _RESULT_FIELDS}
    row.update(suite=batch.suite.name, asset=batch.qualified_asset, expectation=expectation)
    for name in _AMOUNT_FIELDS:
        row[name] = None if row[name] is None else Decimal(str(row[name]))
    return ValidationResult(**row)


def _fact_label(record: dict[str, Any]) -> str | None:
    """A fact row's label: the first present column of each group of
    :data:`_FACT_LABEL_COLUMNS` (code, name, detail), joined by spaces."""
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
    flagged: pd.DataFrame | None,
) -> list[ValidationResult]:
    """Per fact table and lower bound (:func:`_check_fact_suite`): a failing row per fact GE
    flagged (``flagged``: those rows), a passing row per clean document."""
    rows: list[ValidationResult] = []
    per_document = batch.per_document
    assert per_document is not None and batch.id_column is not None
    ids = flagged[batch.id_column].astype(str) if flagged is not None else None
    zero = Decimal("0.00")
    for expectation, rule in zip(
        batch.suite.document["expectations"], batch.suite.expectation_rules(), strict=True
    ):
        kind, kwargs = expectation["type"], expectation["kwargs"]
        column, minimum = kwargs["column"], kwargs["min_value"]
        bound = Decimal(str(minimum)).quantize(zero)  # in cents, as amounts are
        text_column = f"{column}__text"
        bad_ids = failing.get((batch.suite.name, batch.asset, kind + ":" + rule), set())
        bad = flagged[ids.isin(bad_ids)] if ids is not None else None
        for record in [] if bad is None else bad.to_dict("records"):
            amount = _value(record.get(text_column, record.get(column)))
            values = {
                "rule": rule,
                "severity": "error",
                "status": "error",
                "document_id": record.get("document_id"),
                "source_file": documents.get(str(record.get("document_id"))),
                "table_label": record.get("source_table"),
                "source_page": record.get("source_page"),
                "unit_name": record.get("unit_name"),
                "row_label": _fact_label(record),
                "column_label": column,
                "expected_yuan": bound,
                "observed_yuan": amount,
                "difference_yuan": None if amount is None else Decimal(str(amount)) - bound,
                "tolerance_yuan": zero,
                "items_summed": 1,
                "detail": f"{batch.table}.{column} = {amount} < {minimum} (bound: ≥ {minimum})",
                "evaluation_id": str(record[batch.id_column]),
                # an amount below its bound (a negative budget amount): a change column read
                # as an amount, so our reading, not the document
                "error_class": "extraction_suspect",
            }
            rows.append(_result(batch, kind, values))
        failed_documents = set() if bad is None else set(bad["document_id"].astype(str))
        for record in per_document.to_dict("records"):
            document_id = record["document_id"]
            if str(document_id) in failed_documents:
                continue  # the failing rows speak for this document
            values = {
                "rule": rule,
                "severity": "info",
                "status": "pass",
                "document_id": document_id,
                "source_file": documents.get(str(document_id)),
                "table_label": batch.table,
                "row_label": f"{record['rows']} rows",
                "column_label": column,
                "expected_yuan": bound,
                "observed_yuan": record.get(column),
                "tolerance_yuan": zero,
                "items_summed": record["rows"],
                "detail": f"smallest {batch.table}.{column} of the document (bound: ≥ {minimum})",
            }
            rows.append(_result(batch, kind, values))
    return rows

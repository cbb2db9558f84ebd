"""``datapackage.json`` for the exported marts: a Frictionless Tabular Data Package (fields with
types and descriptions from the warehouse's COMMENTs, primary and foreign keys the data holds)
with the Fiscal Data Package conventions — amounts as measures in CNY, the phase, the
classification hierarchies as dimensions, and every source PDF with its sha256."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .tables import FORMATS, SCHEMA, Table, marts_relations, write_table

#: DuckDB type (its name up to "(") → Frictionless field type.
FIELD_TYPES = {
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "TINYINT": "integer",
    "SMALLINT": "integer",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "HUGEINT": "integer",
    "DECIMAL": "number",
    "DOUBLE": "number",
    "FLOAT": "number",
    "DATE": "date",
    "TIMESTAMP": "datetime",
}
KEY_SUFFIXES = ("_id", "_code", "_key")
#: Keys the data of a small build cannot tell (a bridge's pair; one execution row per final row).
DECLARED_KEYS = {
    "bridge_department_year_document": ["department_year_id", "document_id"],
    "fct_budget_execution": ["final_department_year_id"],
}
#: Tables a foreign key may reference.
REFERENCED = ("dim_", "fct_")
#: Formats whose size frictionless measures: it reads Parquet through pyarrow, not its byte
#: loader, so a declared `bytes` always fails there ("actual is None"); the sha256 stays declared.
MEASURED_FORMATS = ("csv",)
#: Fiscal Data Package phase of each `phase` value (部门预算 is the approved budget).
PHASES = {"budget": "approved", "final": "executed"}

#: Fiscal Data Package dimensions: name → (type, resource, {attribute: column}, extra).
#: An attribute whose column the warehouse does not hold is left out.
DIMENSIONS: dict[str, tuple[str, str, dict[str, str], dict]] = {
    "functional_classification": (
        "classification",
        "dim_function_classification",
        {
            "code": "function_code",
            "label": "function_name",
            "level": "function_level",
            "parent": "parent_function_code",
            "class_code": "function_class_code",
            "class_label_en": "function_class_name_en",
        },
        {"classificationType": "functional", "hierarchy": ["类", "款", "项"]},
    ),
    "economic_classification": (
        "classification",
        "dim_economic_classification",
        {
            "code": "economic_key",
            "item_code": "economic_code",
            "category_code": "economic_category_code",
            "category": "economic_category",
            "item": "economic_item",
        },
        {"classificationType": "economic", "hierarchy": ["类", "款"]},
    ),
    "administrative_classification": (
        "classification",
        "dim_department",
        {
            "code": "department_id",
            "label": "department_name",
            "parent": "parent_department_id",
            "category": "department_category",
            "category_label_en": "category_name_en",
            "region": "region_code",
        },
        {"classificationType": "administrative", "hierarchy": ["部门", "单位"]},
    ),
    "location": (
        "location",
        "dim_region",
        {
            "code": "region_code",
            "label": "region_name",
            "parent": "parent_code",
            "level": "level",
            "province": "province_name",
            "city": "city",
        },
        {"hierarchy": ["central", "province", "prefecture", "county"]},
    ),
    "procurement_category": (
        "classification",
        "dim_procurement_category",
        {
            "code": "procurement_category_code",
            "label": "procurement_category_name",
            "type": "procurement_type",
        },
        {"classificationType": "procurement"},
    ),
    "fiscal_year": ("datetime", "dim_document", {"year": "fiscal_year"}, {}),
    "phase": ("other", "dim_document", {"phase": "phase"}, {"fiscalPhases": PHASES}),
}


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    descriptor: Path
    tables: list[Table]


def export_warehouse(warehouse: Path, folder: Path, fmt: str = "parquet") -> ExportResult:
    """Write every marts table of ``warehouse`` (opened read-only) and its datapackage.json."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    if not warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse}")
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            write_table(con, name, comment, folder, fmt) for name, comment in marts_relations(con)
        ]
        keys = {table.name: primary_key(con, table) for table in tables}
        resources = [resource(con, table, fmt, keys) for table in tables]
        descriptor = {
            "profile": "tabular-data-package",
            "name": "budget-warehouse-marts",
            "title": "Chinese government department budgets and final accounts (部门预算/决算公开)",
            "description": (
                "The marts of a budget-warehouse build: facts read from budget-disclosure PDFs, "
                "checked against the totals the documents print, with their dimensions. Amounts "
                "are yuan (元, CNY) as exact decimals; every fact row names its document and page."
            ),
            "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "countryCode": "CN",
            "keywords": ["budget", "fiscal", "China", "部门预算", "决算"],
            "sources": sources(con),
            "resources": resources,
            "model": {
                "measures": measures(tables),
                "dimensions": dimensions(tables),
            },
        }
    path = folder / "datapackage.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return ExportResult(folder, path, tables)


def field_type(data_type: str) -> str:
    return FIELD_TYPES.get(re.split(r"[( ]", data_type, maxsplit=1)[0], "string")


def primary_key(con: duckdb.DuckDBPyConnection, table: Table) -> list[str]:
    """The declared key, else the first key-named column (…_id, …_code, …_key), else the first
    two together — where the data holds it (unique, never null); none otherwise."""
    candidates = [c.name for c in table.columns if c.name.endswith(KEY_SUFFIXES)]
    tries = [candidates[:n] for n in (1, 2) if len(candidates) >= n]
    if table.name in DECLARED_KEYS:
        tries = [DECLARED_KEYS[table.name]]
    for key in tries:
        columns = ", ".join(f'"{c}"' for c in key)
        not_null = " and ".join(f'"{c}" is not null' for c in key)
        [(rows, distinct, complete)] = con.execute(
            f"select count(*), count(distinct ({columns})), count(*) filter (where {not_null}) "
            f'from {SCHEMA}."{table.name}"'
        ).fetchall()
        if rows == distinct == complete:
            return key
    return []


def foreign_keys(
    con: duckdb.DuckDBPyConnection, table: Table, keys: dict[str, list[str]]
) -> list[dict]:
    """A column named like another table's one-column primary key references it (dimensions
    first) wherever every value of the column is found there; a dimension's own key refers to
    nothing."""
    own = keys[table.name] if table.name.startswith("dim_") else []
    references = sorted(
        (name, key[0])
        for name, key in keys.items()
        if len(key) == 1 and name != table.name and name.startswith(REFERENCED)
    )
    references.sort(key=lambda ref: not ref[0].startswith("dim_"))
    found = []
    for column in (c.name for c in table.columns if c.name not in own):
        target = next((name for name, key in references if key == column), None)
        if target is None:
            continue
        [(orphans,)] = con.execute(
            f'select count(*) from {SCHEMA}."{table.name}" as t where t."{column}" is not null '
            f'and t."{column}" not in (select "{column}" from {SCHEMA}."{target}")'
        ).fetchall()
        if orphans == 0:
            found.append({"fields": column, "reference": {"resource": target, "fields": column}})
    return found


def resource(
    con: duckdb.DuckDBPyConnection, table: Table, fmt: str, keys: dict[str, list[str]]
) -> dict:
    fields = []
    for column in table.columns:
        field = {"name": column.name, "type": field_type(column.data_type)}
        if column.comment:
            field["description"] = column.comment
        field["duckdbType"] = column.data_type
        if column.data_type.startswith("DECIMAL") and column.name.endswith("_yuan"):
            field["currency"] = "CNY"
        fields.append(field)
    schema: dict = {"fields": fields}
    if keys[table.name]:
        schema["primaryKey"] = keys[table.name]
    if references := foreign_keys(con, table, keys):
        schema["foreignKeys"] = references
    described = {
        "name": table.name,
        "path": table.path,
        "profile": "tabular-data-resource",
        "format": fmt,
        "mediatype": "application/vnd.apache.parquet" if fmt == "parquet" else "text/csv",
        "encoding": "utf-8",
        "hash": f"sha256:{table.sha256}",
        "rows": table.rows,
        "schema": schema,
    }
    if fmt in MEASURED_FORMATS:
        described["bytes"] = table.bytes
    if table.comment:
        described["description"] = table.comment
    return described


def sources(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every PDF the facts come from, by its path below the raw folder, with its sha256."""
    rows = con.execute(
        f"select source_file, coalesce(source_path, source_file), sha256, fiscal_year, phase "
        f"from {SCHEMA}.dim_document where status = 'loaded' order by 2"
    ).fetchall()
    return [
        {"title": title, "path": path, "sha256": sha256, "fiscalYear": year, "phase": phase}
        for title, path, sha256, year, phase in rows
    ]


def measures(tables: Sequence[Table]) -> dict[str, dict]:
    """Every amount column of the fact tables and the summary view, in CNY."""
    found = {}
    for table in tables:
        if not table.name.startswith(("fct_", "v_")):
            continue
        for column in table.columns:
            if column.data_type.startswith("DECIMAL") and column.name.endswith("_yuan"):
                found[f"{table.name}.{column.name}"] = {
                    "resource": table.name,
                    "source": column.name,
                    "currency": "CNY",
                    "factor": 1,
                    "title": column.comment or column.name,
                }
    return found


def dimensions(tables: Sequence[Table]) -> dict[str, dict]:
    columns = {table.name: {c.name for c in table.columns} for table in tables}
    found = {}
    for name, (kind, table, attributes, extra) in DIMENSIONS.items():
        present = {a: c for a, c in attributes.items() if c in columns.get(table, set())}
        if not present:
            continue
        first = next(iter(present))
        found[name] = {
            "dimensionType": kind,
            "resource": table,
            "attributes": {a: {"source": c} for a, c in present.items()},
            "primaryKey": [first],
            **extra,
        }
    return found

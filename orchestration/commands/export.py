"""``budget-warehouse export``: the marts as Parquet or CSV files and a datapackage.json
(:mod:`orchestration.export`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..settings import DEFAULT_WAREHOUSE, ENV_WAREHOUSE, Settings

NAME = "export"


def add_parser(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        NAME,
        help="write the marts as Parquet/CSV files with a datapackage.json",
        description=(
            "Write every table and view of schema marts to one file each (DIR/data/<table>.parquet "
            "or .csv) and DIR/datapackage.json: a Frictionless Tabular Data Package with Fiscal "
            "Data Package conventions — field types and descriptions (the warehouse's COMMENTs), "
            "primary and foreign keys, amounts as measures in CNY, phase and classification "
            "hierarchies as dimensions, and every source PDF with its sha256. The warehouse is "
            "opened read-only."
        ),
    )
    export.add_argument(
        "--warehouse",
        metavar="FILE",
        help=f"DuckDB warehouse to export (default: ${ENV_WAREHOUSE} or {DEFAULT_WAREHOUSE})",
    )
    export.add_argument("--out", metavar="DIR", required=True, help="folder to write to")
    export.add_argument(
        "--format",
        choices=["parquet", "csv"],
        default="parquet",
        help="file format of the tables (default: parquet)",
    )


def run(args: argparse.Namespace) -> int:
    from ..export import export_warehouse

    warehouse = Settings.from_env(warehouse=args.warehouse).warehouse
    try:
        result = export_warehouse(warehouse, Path(args.out), args.format)
    except FileNotFoundError as exc:
        print(f"budget-warehouse export: {exc}", file=sys.stderr)
        return 1
    rows = sum(table.rows for table in result.tables)
    print(f"{len(result.tables)} tables, {rows:,} rows → {result.folder}/data/*.{args.format}")
    for table in result.tables:
        print(f"  {table.name:<36} {table.rows:>9,}")
    print(f"Data package: {result.descriptor}")
    return 0

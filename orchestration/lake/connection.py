"""Attach a DuckLake: PostgreSQL catalog (libpq key=value string), Parquet files in a folder.

The extensions come from the package index (``duckdb-extension-ducklake`` / ``-postgres`` wheels,
extra ``distributed``), installed from their wheel files into an extension folder of this
environment — DuckDB never downloads anything.
"""

from __future__ import annotations

import importlib.resources
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

ALIAS = "lake"
CATALOG_ENV = "BUDGET_LAKE_CATALOG"
DATA_ENV = "BUDGET_LAKE_DATA"
EXTENSIONS = ("postgres", "ducklake")


@dataclass(frozen=True)
class LakeConfig:
    """Where a lake lives: its catalog database and its data folder (local path or fsspec URL)."""

    catalog: str  # libpq key=value, e.g. "host=127.0.0.1 port=5432 user=postgres dbname=lake"
    data_path: str

    @classmethod
    def from_env(cls) -> LakeConfig:
        """``$BUDGET_LAKE_CATALOG`` and ``$BUDGET_LAKE_DATA``."""
        missing = [name for name in (CATALOG_ENV, DATA_ENV) if not os.environ.get(name)]
        if missing:
            raise KeyError(f"the lake needs {' and '.join(missing)}")
        return cls(catalog=os.environ[CATALOG_ENV], data_path=os.environ[DATA_ENV])

    def env(self) -> dict[str, str]:
        """The variables that describe this lake to another process (dbt's ``lake`` target)."""
        return {
            CATALOG_ENV: self.catalog,
            DATA_ENV: self.data_path,
            EXTENSION_DIR_ENV: str(extension_directory()),
        }


EXTENSION_DIR_ENV = "BUDGET_DUCKDB_EXTENSIONS"


def sql_string(text: str) -> str:
    """``text`` as an SQL string literal (for statements that take no parameters: ATTACH)."""
    return "'" + text.replace("'", "''") + "'"


def extension_directory() -> Path:
    """DuckDB's extension folder for this environment (inside the virtualenv)."""
    return Path(sys.prefix) / "duckdb_extensions"


def _wheel_file(name: str) -> Path:
    package = importlib.resources.files(f"duckdb_extension_{name}")
    return Path(str(package / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"))


def install_extensions(con: duckdb.DuckDBPyConnection) -> None:
    """Install (once per environment) and load the postgres and ducklake extensions."""
    for name in EXTENSIONS:
        try:
            con.execute(f"load {name}")
        except duckdb.IOException:  # not yet in extension_directory: copy it there from the wheel
            con.execute(f"install {sql_string(str(_wheel_file(name)))}")
            con.execute(f"load {name}")


def connect(
    config: LakeConfig, snapshot_version: int | None = None, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached as ``lake`` (pinned to a snapshot if given)."""
    con = duckdb.connect(
        config={
            "extension_directory": str(extension_directory()),
            "autoinstall_known_extensions": False,
        }
    )
    install_extensions(con)
    options = [f"data_path {sql_string(config.data_path)}"]
    if snapshot_version is not None:
        options.append(f"snapshot_version {int(snapshot_version)}")
    if read_only or snapshot_version is not None:
        options.append("read_only")
    catalog = sql_string(f"ducklake:postgres:{config.catalog}")
    con.execute(f"attach {catalog} as {ALIAS} ({', '.join(options)})")
    return con


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    """The lake's latest snapshot id."""
    return con.execute(f"select max(snapshot_id) from {ALIAS}.snapshots()").fetchone()[0]

"""Dagster resources: where the build reads and writes, configured from the environment."""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource
from pydantic import Field

from ..settings import (
    DBT_PROJECT_DIR,
    ENV_DOC_TIMEOUT,
    ENV_RAW_DIR,
    ENV_WAREHOUSE,
    ENV_WORKERS,
    ENVIRONMENT,
    Settings,
)
from ..warehouse.publish import writer_lock

#: Human-readable progress lines (the CLI prints them; assets also send them to context.log).
progress_log = logging.getLogger("budget_warehouse.progress")


class WarehouseResource(ConfigurableResource):
    """Raw folder, published warehouse and the working files derived from it.

    Unset fields fall back to the environment (see ``orchestration.settings``) when used, so the
    same definitions serve ``dagster dev`` and ``budget-warehouse build``.
    """

    raw_dir: str | None = Field(default=None, description=ENVIRONMENT[ENV_RAW_DIR])
    warehouse: str | None = Field(default=None, description=ENVIRONMENT[ENV_WAREHOUSE])
    workers: int | None = Field(default=None, description=ENVIRONMENT[ENV_WORKERS])
    doc_timeout: float | None = Field(default=None, description=ENVIRONMENT[ENV_DOC_TIMEOUT])

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.raw_dir, self.warehouse, self.workers, self.doc_timeout)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Exclusive right to write the working database (one writer process at a time)."""
        with writer_lock(self.settings.lock_file):
            yield

    @contextlib.contextmanager
    def connect_working(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the working database; closed on exit (never held across steps)."""
        path = self.settings.build_database
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
        try:
            yield con
        finally:
            con.close()


def dbt_executable() -> str:
    """The ``dbt`` next to this interpreter (works without an activated virtualenv)."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_resource() -> DbtCliResource:
    """dbt CLI over ``dbt_project/`` with the profile kept inside it."""
    return DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=dbt_executable(),
    )


def default_resources() -> dict[str, object]:
    return {"warehouse": WarehouseResource(), "dbt": dbt_resource()}


__all__ = ["WarehouseResource", "dbt_resource", "default_resources", "progress_log"]

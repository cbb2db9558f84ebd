"""Dagster resources: where the build reads and writes, configured from the environment."""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
from collections.abc import Iterator, Sequence
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, InitResourceContext
from dagster_dbt import DbtCliResource
from packaging.version import Version
from pydantic import Field, PrivateAttr

from ..settings import (
    DBT_PROJECT_DIR,
    ENV_DOC_TIMEOUT,
    ENV_RAW_DIR,
    ENV_WAREHOUSE,
    ENV_WORKERS,
    ENVIRONMENT,
    Settings,
)
from ..warehouse.build_lock import Holder, build_lock
from ..warehouse.publish import writer_lock
from ..warehouse.working_db import open_working
from .helpers import BuildHelpers

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
        """A connection to the working database; closed on exit (never held across steps).

        A working database that cannot be opened is rebuilt from the extract cache (with a
        warning); one locked by another process is waited for, then named in the error.
        """
        path = self.settings.build_database
        con = open_working(path, read_only=read_only, warn=progress_log.warning)
        try:
            yield con
        finally:
            con.close()


class BuildLockResource(ConfigurableResource):
    """Holds the warehouse's build lock from a run's first step to its last: one build at a time
    per warehouse, whoever starts it (UI, sensor, schedule, CLI). Steps that write require it;
    the CLI takes the same lock before the run, so its run does not wait for itself."""

    warehouse: WarehouseResource
    _stack: contextlib.ExitStack | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        settings = self.warehouse.settings

        def waiting(holder: Holder, seconds: float) -> None:
            progress_log.info(
                f"waiting for the build holding {settings.warehouse.name}: {holder.describe()} "
                f"(waited {seconds:.0f} s)"
            )

        stack = contextlib.ExitStack()
        stack.enter_context(
            build_lock(
                settings.run_lock_file,
                settings.raw_dir,
                on_wait=waiting,
                helpers_lock=settings.helpers_lock_file,
            )
        )
        self._stack = stack

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None


#: ``dbt`` that dies with the build and runs in ``$BUDGET_DBT_CWD`` (``orchestration.children``).
WRAPPER = "budget-warehouse-dbt"


def dbt_executable() -> str:
    """``budget-warehouse-dbt`` (dbt that dies with the build, see ``orchestration.children``) or the
    ``dbt`` next to this interpreter (works without an activated virtualenv)."""
    for name in (WRAPPER, "dbt"):
        beside = Path(sys.executable).with_name(name)
        if beside.exists():
            return str(beside)
    return shutil.which("dbt") or "dbt"


class BudgetDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without two steps it takes before every command that this
    project never uses (docs/performance.md: together 3–5 s of each build's dbt step):

    - ``dbt --version`` in a child process to learn the dbt version: the ``dbt`` it runs is the
      one installed beside this interpreter, so the installed dbt-core's version is the answer;
    - loading the dbt profile, adapter and macros in this process, which dagster-dbt needs only
      for ``fetch_column_metadata`` / ``fetch_row_counts`` (the dbt asset counts rows itself).

    Both are private methods of dagster-dbt, pinned to one version in ``pyproject.toml``;
    tests/unit/defs/test_private_apis.py fails if an upgrade renames them (the overrides would then
    silently do nothing).
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_resource() -> DbtCliResource:
    """dbt CLI over ``dbt_project/`` with the profile kept inside it."""
    return BudgetDbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=dbt_executable(),
        # dbt.log in the target folder at debug level (every SQL statement): ~0.8 CPU-s per
        # build. The build log keeps dbt's info lines; the file keeps warnings and errors.
        global_config_flags=["--log-level-file", "warn"],
    )


def default_resources() -> dict[str, object]:
    """The code location's resources: located by the environment, no helper processes."""
    warehouse = WarehouseResource()
    return {
        "warehouse": warehouse,
        "build_lock": BuildLockResource(warehouse=warehouse),
        "dbt": dbt_resource(),
        "helpers": BuildHelpers(),
    }


__all__ = [
    "BuildHelpers",
    "BuildLockResource",
    "WarehouseResource",
    "dbt_resource",
    "default_resources",
    "progress_log",
]

"""One in-process run of the job ``build_warehouse``: the build ``budget-warehouse build`` starts.

The run uses the code location's definitions with resources made from the command's
:class:`~orchestration.settings.Settings` (not from the environment), on an ephemeral instance:
the CLI never touches the partitions or runs of ``dagster dev``'s instance.

The instance is Dagster's ephemeral one (in-memory SQLite run and event-log storage, a temporary
artifact folder) but for how the storages reach SQLite: Dagster's open a new SQLite connection
and set two pragmas for every query and check the event-log schema before storing each check
event — about 2,600 connections for the ~520 asset and check events of a build, most of them
after ``dbt build`` has finished. Here each storage keeps one connection (queries are serialised
by the storage's lock, as before) and learns its tables once. ``dagster dev``, the sensor and the
schedule keep their own instance.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import sqlalchemy as sa
from dagster import DagsterInstance, Definitions, EventLogEntry, ExecuteInProcessResult

# Private Dagster API (dagster is pinned to one version in pyproject.toml): Dagster has no public
# way to build an ephemeral instance from storages of one's own, and the storages' SQLite engine
# (``_engine``) and lock (``_db_lock``) are theirs. tests/unit/defs/test_cli_instance.py pins that this
# instance stores and reads back what ``DagsterInstance.ephemeral()`` does.
from dagster._core.instance import InstanceType
from dagster._core.launcher.sync_in_memory_run_launcher import SyncInMemoryRunLauncher
from dagster._core.run_coordinator import DefaultRunCoordinator
from dagster._core.storage.event_log import InMemoryEventLogStorage
from dagster._core.storage.noop_compute_log_manager import NoOpComputeLogManager
from dagster._core.storage.root import TemporaryLocalArtifactStorage
from dagster._core.storage.runs import InMemoryRunStorage
from dagster._core.utils import make_new_run_id

from ..settings import Settings
from .extract_assets import documents_partitions
from .helpers import BuildHelpers
from .jobs import BUILD_JOB_NAME, WITHOUT_EXTRACTION_JOB_NAME, partition_range_tags
from .resources import BuildLockResource, WarehouseResource, default_resources
from .validation_assets import DATA_DOCS_FOLDER

#: Only our progress lines reach the console; Dagster's own log goes to the build log.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class _OneConnection:
    """One SQLite connection for every query of an in-memory storage (instead of one each)."""

    _engine: sa.Engine

    @contextlib.contextmanager
    def _one_connection(self) -> Iterator[sa.Connection]:
        with self._query_lock:
            conn = self.__dict__.get("_conn")
            if conn is None:
                conn = self._conn = self._engine.connect()
                conn.execute(sa.text("PRAGMA foreign_keys=ON;")).close()
                conn.commit()
            if conn.in_transaction():  # a query inside another's block joins its transaction
                yield conn
                return
            with conn.begin():
                yield conn

    def _close_connection(self) -> None:
        conn = self.__dict__.pop("_conn", None)
        if conn is not None:
            conn.close()


class _EventLogStorage(_OneConnection, InMemoryEventLogStorage):
    """Dagster's in-memory event log over one connection, its tables looked up once."""

    def __init__(self) -> None:
        super().__init__()
        self._query_lock = self._db_lock
        self._tables: dict[str, bool] = {}

    def _connect(self) -> contextlib.AbstractContextManager[sa.Connection]:
        return self._one_connection()

    def has_table(self, table_name: str) -> bool:
        if table_name not in self._tables:
            self._tables[table_name] = super().has_table(table_name)
        return self._tables[table_name]

    def dispose(self) -> None:
        self._close_connection()
        super().dispose()


class _RunStorage(_OneConnection, InMemoryRunStorage):
    """Dagster's in-memory run storage over one connection."""

    def __init__(self) -> None:
        super().__init__()
        self._query_lock = threading.RLock()

    def connect(self) -> contextlib.AbstractContextManager[sa.Connection]:
        return self._one_connection()

    def dispose(self) -> None:
        self._close_connection()
        super().dispose()


def cli_instance() -> DagsterInstance:
    """An ephemeral instance as ``DagsterInstance.ephemeral()`` makes, with the storages above."""
    return DagsterInstance(
        instance_type=InstanceType.EPHEMERAL,
        local_artifact_storage=TemporaryLocalArtifactStorage(),
        run_storage=_RunStorage(),
        event_storage=_EventLogStorage(),
        compute_log_manager=NoOpComputeLogManager(),
        run_coordinator=DefaultRunCoordinator(),
        run_launcher=SyncInMemoryRunLauncher(),
    )


def resources_for(settings: Settings, helpers: BuildHelpers | None = None) -> dict[str, object]:
    """The code location's resources, located and limited by ``settings``, with ``helpers``."""
    warehouse = WarehouseResource(
        raw_dir=str(settings.raw_dir),
        warehouse=str(settings.warehouse),
        workers=settings.workers,
        doc_timeout=settings.doc_timeout,
    )
    return {
        **default_resources(),
        "warehouse": warehouse,
        "build_lock": BuildLockResource(warehouse=warehouse),
        "helpers": helpers or BuildHelpers(),
    }


def sync_partitions(instance: DagsterInstance, keys: Sequence[str]) -> list[str]:
    """Make the ``documents`` partitions exactly ``keys``; return them in partition order."""
    name = documents_partitions.name
    existing = set(instance.get_dynamic_partitions(name))
    for stale in sorted(existing - set(keys)):
        instance.delete_dynamic_partition(name, stale)
    new = [key for key in keys if key not in existing]
    if new:
        instance.add_dynamic_partitions(name, new)
    return list(instance.get_dynamic_partitions(name))


def run_build(
    defs: Definitions,
    instance: DagsterInstance,
    keys: Sequence[str],
    settings: Settings | None = None,
    helpers: BuildHelpers | None = None,
    run_id: str | None = None,
) -> ExecuteInProcessResult:
    """One run of ``build_warehouse`` over every partition (or, with no PDFs, the rest).

    With ``settings`` the run's resources are made from them and ``helpers`` (the CLI's helper
    processes); without, the definitions' own (which read the environment, as under
    ``dagster dev``).
    """
    job = defs.resolve_job_def(BUILD_JOB_NAME if keys else WITHOUT_EXTRACTION_JOB_NAME)
    selection = {"tags": partition_range_tags(keys)} if keys else {}
    return job.execute_in_process(
        instance=instance,
        run_config=QUIET,
        raise_on_error=False,
        resources=resources_for(settings, helpers) if settings is not None else None,
        run_id=run_id,
        **selection,
    )


def build(
    defs: Definitions, settings: Settings, keys: Sequence[str], helpers: BuildHelpers
) -> ExecuteInProcessResult:
    """Run the build over the PDFs ``keys`` on an ephemeral instance, with ``helpers``."""
    with cli_instance() as instance:  # its temporary folder is removed on exit
        keys = sync_partitions(instance, keys)
        run_id = make_new_run_id()
        ahead = helpers.validate_ahead()
        if ahead is not None:
            docs = settings.warehouse.parent / DATA_DOCS_FOLDER
            instance.event_log_storage.watch(run_id, None, _once_dbt_is_done(ahead, settings, docs))
        return run_build(defs, instance, keys, settings, helpers, run_id)


def _once_dbt_is_done(
    ahead: Callable[[Path, Path | None], None], settings: Settings, docs: Path
) -> Callable[[EventLogEntry, str], None]:
    """An event-log listener that starts the validation worker on the working database when the
    first marts asset is materialised: dbt has finished with the file (the dbt step yields its
    events after dbt exits and its writer lock is released), and Dagster is about to spend most
    of a second storing those events before the validation step asks."""
    started = False

    def listen(entry: EventLogEntry, cursor: str) -> None:
        nonlocal started
        event = entry.dagster_event
        if started or event is None or not event.is_step_materialization:
            return
        if event.asset_key is not None and event.asset_key.path[0] == "marts":
            started = True
            ahead(settings.build_database, docs)

    return listen

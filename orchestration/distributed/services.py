"""The distributed profile's servers on one machine, for the demo and the tests: a private
PostgreSQL (Dagster's instance and the lake's catalog), Redis (Celery's broker), a
``dagster-daemon`` (the run queue) and N Celery workers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..lake.connection import LakeConfig
from ..services.celery_workers import CeleryWorker, celery_workers
from ..services.dagster_daemon import DagsterDaemon, dagster_daemon
from ..services.postgres import PostgresServer, private_postgres
from ..services.redis import RedisServer, private_redis
from ..settings import PROJECT_ROOT
from .build import LOCATION
from .profile import (
    DEFAULT_VISIBILITY_TIMEOUT,
    DistributedSettings,
    instance_config,
    write_instance,
)

DAGSTER_DATABASE = "dagster"
LAKE_DATABASE = "lake"


@dataclass(frozen=True)
class Cluster:
    postgres: PostgresServer
    redis: RedisServer
    workers: list[CeleryWorker]
    daemon: DagsterDaemon
    dagster_home: Path
    profile: DistributedSettings
    lake: LakeConfig

    def environment(self) -> dict[str, str]:
        """What a ``budget-warehouse build`` needs to build through this cluster."""
        return {
            **self.profile.environment(),
            **self.lake.env(),
            "DAGSTER_HOME": str(self.dagster_home),
        }

    def worker_logs(self) -> dict[str, str]:
        return {worker.name: worker.log_text() for worker in self.workers}


@contextlib.contextmanager
def local_cluster(
    folder: Path,
    extract_store: str,
    workers: int = 2,
    batch_size: int = 500,
    visibility_timeout: int = DEFAULT_VISIBILITY_TIMEOUT,
) -> Iterator[Cluster]:
    """Start everything below ``folder`` (the instance's ``DAGSTER_HOME`` is ``folder /
    "dagster_home"``, the lake's data ``folder / "lake"``, see ``Cluster.environment``). Every
    process is stopped on exit."""
    with contextlib.ExitStack() as stack:
        postgres = stack.enter_context(private_postgres())
        postgres.create_database(DAGSTER_DATABASE)
        lake = LakeConfig(postgres.create_database(LAKE_DATABASE), str(folder / "lake"))
        redis = stack.enter_context(private_redis(folder / "redis"))
        profile = DistributedSettings(
            extract_store=extract_store,
            broker=redis.url,
            backend=redis.url,
            batch_size=batch_size,
            visibility_timeout=visibility_timeout,
        )
        home = folder / "dagster_home"
        config = instance_config(
            postgres.host, postgres.port, postgres.user, DAGSTER_DATABASE, workers
        )
        write_instance(home, config)
        create_instance_storage(home)
        celery_yaml = profile.write_worker_config(folder / "celery.yaml")
        env = {"DAGSTER_HOME": str(home)}
        started = stack.enter_context(celery_workers(workers, celery_yaml, folder / "logs", env))
        daemon = stack.enter_context(
            dagster_daemon(LOCATION, PROJECT_ROOT, folder / "logs" / "daemon.log", env)
        )
        yield Cluster(postgres, redis, started, daemon, home, profile, lake)


def create_instance_storage(home: Path) -> None:
    """Create the instance's tables in PostgreSQL once, before the workers start: workers
    starting together each create them and one fails ("type secondary_indexes already exists")."""
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        storages = (instance.run_storage, instance.event_log_storage, instance.schedule_storage)
        assert all(storage is not None for storage in storages)  # each created its tables

"""The distributed profile's settings (environment variables) and the files it configures:
the Dagster instance on PostgreSQL and the Celery executor."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..settings import Settings

ENV_PROFILE = "BUDGET_PROFILE"
ENV_EXTRACT_STORE = "BUDGET_EXTRACT_STORE"
ENV_CELERY_BROKER = "BUDGET_CELERY_BROKER"
ENV_CELERY_BACKEND = "BUDGET_CELERY_BACKEND"
ENV_BATCH_SIZE = "BUDGET_BATCH_SIZE"
ENV_VISIBILITY_TIMEOUT = "BUDGET_CELERY_VISIBILITY_TIMEOUT"

PROFILES = ("embedded", "distributed")
DEFAULT_BATCH_SIZE = 500
#: Seconds after which Redis hands an unacknowledged batch to another worker (its worker died).
DEFAULT_VISIBILITY_TIMEOUT = 3600

ENVIRONMENT = {
    ENV_PROFILE: "embedded (default: one machine, no server) or distributed (docs/scale.md)",
    ENV_EXTRACT_STORE: "distributed: extract store, a folder or fsspec URL such as s3://bucket/extracts",
    ENV_CELERY_BROKER: "distributed: Celery broker URL, e.g. redis://host:6379/0",
    ENV_CELERY_BACKEND: "distributed: Celery result backend URL (default: the broker)",
    ENV_BATCH_SIZE: f"distributed: PDFs per extraction batch partition (default {DEFAULT_BATCH_SIZE})",
    "BUDGET_LAKE_CATALOG": "distributed: the lake's PostgreSQL catalog, libpq key=value",
    "BUDGET_LAKE_DATA": "distributed: the lake's data folder (Parquet files)",
    ENV_VISIBILITY_TIMEOUT: (
        "distributed: seconds before a batch whose worker died goes to another worker "
        f"(default {DEFAULT_VISIBILITY_TIMEOUT}; longer than a batch takes)"
    ),
}


def profile_name() -> str:
    """``$BUDGET_PROFILE``: ``embedded`` unless set; an unknown name is an error."""
    name = os.environ.get(ENV_PROFILE) or "embedded"
    if name not in PROFILES:
        raise ValueError(f"{ENV_PROFILE}={name!r}: expected one of {', '.join(PROFILES)}")
    return name


@dataclass(frozen=True)
class DistributedSettings:
    """Where the distributed build's shared pieces are."""

    extract_store: str
    broker: str
    backend: str
    batch_size: int = DEFAULT_BATCH_SIZE
    batch_retries: int = 1
    doc_timeout: float = 300.0
    visibility_timeout: int = DEFAULT_VISIBILITY_TIMEOUT

    @classmethod
    def from_env(cls, settings: Settings) -> DistributedSettings:
        """From the environment; the store defaults to the warehouse's own extract cache."""
        env = os.environ
        broker = env.get(ENV_CELERY_BROKER)
        if not broker:
            raise ValueError(f"the distributed profile needs {ENV_CELERY_BROKER}")
        return cls(
            extract_store=env.get(ENV_EXTRACT_STORE) or str(settings.cache_dir),
            broker=broker,
            backend=env.get(ENV_CELERY_BACKEND) or broker,
            batch_size=max(1, int(env.get(ENV_BATCH_SIZE) or DEFAULT_BATCH_SIZE)),
            doc_timeout=settings.doc_timeout,
            visibility_timeout=int(env.get(ENV_VISIBILITY_TIMEOUT) or DEFAULT_VISIBILITY_TIMEOUT),
        )

    def environment(self) -> dict[str, str]:
        """The variables that give a build command this profile (``from_env`` reads them)."""
        return {
            ENV_PROFILE: "distributed",
            ENV_EXTRACT_STORE: self.extract_store,
            ENV_CELERY_BROKER: self.broker,
            ENV_CELERY_BACKEND: self.backend,
            ENV_BATCH_SIZE: str(self.batch_size),
            ENV_VISIBILITY_TIMEOUT: str(self.visibility_timeout),
        }

    def executor_config(self) -> dict[str, Any]:
        """The ``celery_executor`` config: runs and workers must agree on it (``celery.yaml``).

        A batch is acknowledged when it has finished: when its worker dies mid-batch, Redis
        hands it to another worker ``visibility_timeout`` seconds after it was taken (which
        must exceed a batch's duration, or a slow batch is run twice).
        """
        return {
            "broker": self.broker,
            "backend": self.backend,
            "config_source": {
                "task_acks_late": True,
                "task_reject_on_worker_lost": True,
                "worker_prefetch_multiplier": 1,
                "broker_transport_options": {
                    "visibility_timeout": self.visibility_timeout,
                    "max_retries": 3,
                    "interval_start": 0,
                    "interval_step": 0.2,
                    "interval_max": 0.5,
                },
            },
        }

    def write_worker_config(self, path: Path) -> Path:
        """``celery.yaml`` for ``dagster-celery worker start -y``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump({"execution": {"config": self.executor_config()}}))
        return path


def instance_config(
    host: str, port: int, user: str, database: str, max_concurrent_runs: int, password: str = ""
) -> dict[str, Any]:
    """``dagster.yaml`` of an instance on PostgreSQL with queued, concurrency-limited runs.

    ``postgresql+psycopg2``: with SQLAlchemy 2.1 the default driver is psycopg 3, under which
    Dagster's ``NOTIFY run_events, $1`` fails. ``run_queue.max_concurrent_runs`` is rejected
    beside a ``concurrency`` block, so the limit is ``concurrency.runs.max_concurrent_runs``.
    """
    postgres_db = {
        "username": user,
        "password": password,
        "hostname": host,
        "port": port,
        "db_name": database,
        "scheme": "postgresql+psycopg2",
    }
    return {
        "storage": {"postgres": {"postgres_db": postgres_db}},
        "run_coordinator": {
            "module": "dagster._core.run_coordinator",
            "class": "QueuedRunCoordinator",
        },
        "concurrency": {
            "runs": {
                "max_concurrent_runs": max_concurrent_runs,
                # lake maintenance (compaction, snapshot expiry): one run at a time
                "tag_concurrency_limits": [
                    {"key": "budget/lake", "value": "maintenance", "limit": 1}
                ],
            }
        },
        "telemetry": {"enabled": False},
    }


def write_instance(home: Path, config: dict[str, Any]) -> Path:
    """Write ``home/dagster.yaml`` (``DAGSTER_HOME=home`` selects it)."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path

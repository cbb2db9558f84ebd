"""``dagster-celery`` workers: N worker processes sharing the code, the instance and the store.

Each worker is started in its own session with the virtualenv's ``bin`` first on ``PATH`` (the
``dagster-celery`` CLI starts ``celery`` by name) and the ``solo`` pool: one batch at a time,
run in the worker process itself, which forks the batch's extraction processes (a prefork pool
process is daemonic and may not have children). Stopping kills
every process of each worker's group: the CLI, celery, its pool and their extraction children.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .processes import stop_group, wait_until

APP = "dagster_celery.app"


@dataclass(frozen=True)
class CeleryWorker:
    name: str
    log: Path
    process: subprocess.Popen

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def ready(self) -> bool:
        return f"{self.name} ready." in self.log_text()


def venv_bin() -> Path:
    """The folder of this interpreter (the virtualenv's ``bin``)."""
    return Path(sys.executable).parent


def venv_environment(env: Mapping[str, str]) -> dict[str, str]:
    """This environment with ``env`` and the virtualenv's ``bin`` first on ``PATH`` (Dagster's
    and Celery's CLIs start others by name)."""
    return {**os.environ, **env, "PATH": f"{venv_bin()}{os.pathsep}{os.environ['PATH']}"}


def start_in_venv(
    args: list[str], env: Mapping[str, str], out: Path, cwd: Path | None = None
) -> subprocess.Popen:
    """Start ``args`` in its own session (a group to stop) with ``venv_environment(env)``,
    stdout and stderr appended to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("ab") as stream:
        return subprocess.Popen(
            args,
            env=venv_environment(env),
            cwd=cwd,
            start_new_session=True,
            stdout=stream,
            stderr=subprocess.STDOUT,
        )


def start_worker(name: str, config_yaml: Path, log: Path, env: Mapping[str, str]) -> CeleryWorker:
    """Start one worker named ``name@host`` logging to ``log`` (not waiting for it)."""
    args = [str(venv_bin() / "dagster-celery"), "worker", "start", "-A", APP]
    args += ["-y", str(config_yaml), "-n", name, "-l", "INFO", "--"]
    args += ["--pool=solo", f"--logfile={log}", "--without-mingle", "--without-gossip"]
    process = start_in_venv(args, env, log.with_suffix(".out"))
    # dagster-celery appends "@host" to the name
    return CeleryWorker(f"{name}@{socket.gethostname()}", log, process)


@contextlib.contextmanager
def celery_workers(
    count: int,
    config_yaml: Path,
    log_dir: Path,
    env: Mapping[str, str],
    timeout: float = 120.0,
) -> Iterator[list[CeleryWorker]]:
    """Start ``count`` workers, wait until each says it is ready, stop them all on exit."""
    with contextlib.ExitStack() as stack:
        workers = []
        for index in range(1, count + 1):
            worker = start_worker(
                f"worker{index}", config_yaml, log_dir / f"worker{index}.log", env
            )
            stack.callback(stop_group, worker.process)
            workers.append(worker)
        for worker in workers:
            wait_until(
                lambda w=worker: w.ready() or w.process.poll() is not None,
                timeout,
                f"celery worker {worker.name}",
            )
            if worker.process.poll() is not None:
                output = worker.log.with_suffix(".out").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"celery worker {worker.name} exited: {output}")
        yield workers

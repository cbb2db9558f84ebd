"""``dagster-daemon``: dequeues the runs submitted to a queued instance and launches them.

Started in its own session with the virtualenv's ``bin`` first on ``PATH``, serving one code
location (a module); stopping kills every process of its group: the daemon, its code server and
the run processes it launched.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .celery_workers import start_in_venv, venv_bin
from .processes import stop_group, wait_until

READY = "Instance is configured with the following daemons"


@dataclass(frozen=True)
class DagsterDaemon:
    log: Path
    process: subprocess.Popen

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def dagster_daemon(
    module: str,
    working_directory: Path,
    log: Path,
    env: Mapping[str, str],
    timeout: float = 300.0,
) -> Iterator[DagsterDaemon]:
    """Start ``dagster-daemon run -m module`` (``env`` names its ``DAGSTER_HOME``), wait until
    it runs its daemons, stop it and its children on exit."""
    args = [str(venv_bin() / "dagster-daemon"), "run", "-m", module]
    args += ["-d", str(working_directory)]
    process = start_in_venv(args, env, log, cwd=working_directory)
    daemon = DagsterDaemon(log, process)
    try:
        wait_until(
            lambda: READY in daemon.log_text() or process.poll() is not None,
            timeout,
            "dagster-daemon",
        )
        if process.poll() is not None:
            raise RuntimeError(f"dagster-daemon exited: {daemon.log_text()[-3000:]}")
        yield daemon
    finally:
        stop_group(process)

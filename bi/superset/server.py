"""Run Apache Superset from its own virtualenv: a private home, port and admin, stopped on exit.

Superset (SQLAlchemy 1.4) lives in ``.venv-superset``, never in the project's ``.venv`` (Dagster
needs SQLAlchemy 2); ``make superset-install`` creates it from the hash-pinned
``bi/superset/requirements.txt``. The home folder holds the SQLite metadata database, the generated
secret key and admin password, and the server's log.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("SUPERSET_VENV", ROOT / ".venv-superset"))
CONFIG = Path(__file__).with_name("superset_config.py")
ADMIN = "admin"
PR_SET_PDEATHSIG = 1
VERSION = "6.1.0"  # bi/superset/requirements.in; a new version re-runs the metadata set-up


@dataclass(frozen=True)
class Server:
    url: str
    username: str
    password: str
    log: Path
    process: subprocess.Popen[bytes]  # gunicorn, leader of the server's process group


def _secret(file: Path) -> str:
    """A random secret kept in ``file`` (created once, readable by its owner only)."""
    if not file.exists():
        file.write_text(secrets.token_urlsafe(32) + "\n")
        file.chmod(0o600)
    return file.read_text().strip()


def _environment(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SUPERSET_HOME": str(home),
        "SUPERSET_CONFIG_PATH": str(CONFIG),
        "FLASK_APP": "superset.app:create_app()",
        "PYTHONUNBUFFERED": "1",
    }


def _superset(home: Path, *args: str) -> None:
    with (home / "superset.log").open("a") as log:
        done = subprocess.run(
            [str(VENV / "bin" / "superset"), *args],
            env=_environment(home),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(
            f"superset {args[0]} failed ({done.returncode}): see {home}/superset.log"
        )


def prepare(home: Path) -> str:
    """Create the home folder, metadata database, roles and admin user once; the password."""
    if not (VENV / "bin" / "superset").exists():
        raise FileNotFoundError(f"no Superset at {VENV}: run `make superset-install`")
    home.mkdir(parents=True, exist_ok=True)
    _secret(home / "secret_key")
    password = _secret(home / "admin_password")
    stamp = home / f".prepared-{VERSION}"
    if not stamp.exists():
        _superset(home, "db", "upgrade")
        _superset(
            home,
            *("fab", "create-admin", "--username", ADMIN, "--password", password),
            *("--firstname", "Budget", "--lastname", "Analyst", "--email", "admin@localhost"),
        )
        _superset(home, "init")
        stamp.touch()
    return password


def free_port() -> int:
    """A port on 127.0.0.1 no one listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            return response.read().strip() == b"OK"
    except (urllib.error.URLError, OSError):
        return False


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the launcher dies, even by SIGKILL (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (gunicorn and its worker), SIGKILL after 20 s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def running(home: Path, port: int, start_timeout: float = 300.0) -> Iterator[Server]:
    """Superset's web server on 127.0.0.1:``port`` for as long as the block runs."""
    password = prepare(home)
    url = f"http://127.0.0.1:{port}"
    if _healthy(url):
        raise RuntimeError(f"port {port} is taken by another server: pick another with --port")
    log = home / "superset.log"
    with log.open("a") as output:
        process = subprocess.Popen(
            [
                *(str(VENV / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}"),
                *("--workers", "1", "--threads", "4", "--timeout", "120"),
                "superset.app:create_app()",
            ],
            env=_environment(home),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one
            preexec_fn=_die_with_parent,
        )
    try:
        deadline = time.monotonic() + start_timeout
        while not _healthy(url):
            if process.poll() is not None:
                raise RuntimeError(f"Superset exited ({process.returncode}): see {log}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"Superset not answering on {url} after {start_timeout} s")
            time.sleep(1)
        yield Server(url=url, username=ADMIN, password=password, log=log, process=process)
    finally:
        _stop(process)

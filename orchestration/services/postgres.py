"""A private PostgreSQL server: initdb in a temp folder, a free port, stopped on exit.

For the distributed profile (Dagster's instance, the DuckLake catalog) and its tests. The server
listens on 127.0.0.1 only, on a port nobody else uses, with its socket in its own folder, and
trusts local connections (a throwaway cluster: no password to keep). Run as root, the server runs
as the ``postgres`` system user (PostgreSQL refuses root) through ``runuser``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's binaries are missing or the server did not start (the message says which)."""


@dataclass(frozen=True)
class PostgresServer:
    """A running private server: where it listens and how to reach a database on it."""

    port: int
    root: Path  # data/, socket/ and postgres.log live here
    bin_dir: Path
    host: str = "127.0.0.1"
    user: str = SUPERUSER

    def dsn(self, database: str = "postgres") -> str:
        """A libpq key=value connection string (what DuckDB's postgres/ducklake ATTACH takes)."""
        return f"host={self.host} port={self.port} user={self.user} dbname={database}"

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg2") -> str:
        """An SQLAlchemy URL (Dagster's ``postgres_url``)."""
        return f"{driver}://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create database ``name`` (if missing) and return its connection string."""
        exists = self.psql(f"select 1 from pg_database where datname = '{name}'")
        if exists.strip() != "1":
            self.psql(f'create database "{name}"')
        return self.dsn(name)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run one SQL statement with ``psql`` and return its unaligned output."""
        command = [str(self.bin_dir / "psql"), "-X", "-qAt", "-v", "ON_ERROR_STOP=1"]
        done = subprocess.run(
            [*command, "-d", self.dsn(database), "-c", sql],
            capture_output=True,
            text=True,
            timeout=STOP_TIMEOUT,
        )
        if done.returncode:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")
        return done.stdout


def bin_dir() -> Path:
    """PostgreSQL's server binaries: ``$BUDGET_PG_BIN``, Debian's newest, or the PATH's."""
    if configured := os.environ.get("BUDGET_PG_BIN"):
        return Path(configured)
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    if debian:
        return Path(debian[-1]).parent
    if found := shutil.which("initdb"):
        return Path(found).parent
    raise PostgresUnavailable(
        "PostgreSQL is not installed (no initdb): run tools/install_services.sh"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user() -> list[str]:
    """The command prefix that drops root to the ``postgres`` user (nothing when not root)."""
    return ["runuser", "-u", SUPERUSER, "--"] if os.geteuid() == 0 else []


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT)
    if done.returncode:
        raise PostgresUnavailable(
            f"{Path(command[len(_as_server_user())]).name} failed: "
            f"{(done.stderr or done.stdout).strip()[-2000:]}"
        )


def _init_cluster(binaries: Path, root: Path) -> None:
    if os.geteuid() == 0:
        account = pwd.getpwnam(SUPERUSER)
        os.chown(root, account.pw_uid, account.pw_gid)
    _run(
        [
            *_as_server_user(),
            str(binaries / "initdb"),
            *("-D", str(root / "data"), "--username", SUPERUSER, "--auth", "trust"),
            *("--encoding", "UTF8", "--no-locale", "--no-sync"),
        ]
    )
    (root / "socket").mkdir()
    if os.geteuid() == 0:
        os.chown(root / "socket", account.pw_uid, account.pw_gid)


def _start(binaries: Path, root: Path, port: int) -> subprocess.Popen:
    log = (root / "postgres.log").open("ab")
    options = {
        "port": str(port),
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(root / "socket"),
        "fsync": "off",  # a throwaway cluster: speed over durability
        "max_connections": "200",  # Dagster's daemon, runs and workers each hold a few
    }
    settings = [arg for name, value in options.items() for arg in ("-c", f"{name}={value}")]
    return subprocess.Popen(
        [*_as_server_user(), str(binaries / "postgres"), "-D", str(root / "data"), *settings],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a Ctrl-C in the terminal reaches us, not the server directly
    )


def _wait_ready(binaries: Path, server: subprocess.Popen, port: int, root: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = (root / "postgres.log").read_text(errors="replace")[-2000:]
            raise PostgresUnavailable(f"postgres exited ({server.returncode}): {tail}")
        ready = subprocess.run(
            [str(binaries / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)],
            check=False,
        )
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    raise PostgresUnavailable(f"postgres on port {port} not ready after {START_TIMEOUT:g} s")


def _stop(server: subprocess.Popen) -> None:
    """Fast shutdown (SIGINT to the postmaster), then SIGKILL to its group if it lingers."""
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGINT)
    try:
        server.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(STOP_TIMEOUT)


@contextlib.contextmanager
def _terminate_raises() -> Iterator[None]:
    """Let SIGTERM unwind the stack like Ctrl-C does, so ``finally`` blocks stop the server."""

    def raise_exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, raise_exit)
    except ValueError:  # not the main thread: signals are the main thread's business
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def private_postgres(folder: Path | None = None) -> Iterator[PostgresServer]:
    """Run a fresh PostgreSQL cluster for the duration of the block, then stop it.

    ``folder``: an empty or new folder for the cluster, kept afterwards (its ``postgres.log``);
    run as root, the ``postgres`` user must be able to reach it (pytest's and home folders'
    parents are closed to it). Default: a new folder in the system temp folder, deleted
    afterwards. Stops the server on normal exit, on an exception, on Ctrl-C and on SIGTERM.
    """
    binaries = bin_dir()
    root = Path(tempfile.mkdtemp(prefix="budget-pg-")) if folder is None else folder
    root.mkdir(parents=True, exist_ok=True)
    server: subprocess.Popen | None = None
    try:
        with _terminate_raises():
            _init_cluster(binaries, root)
            for attempt in range(3):  # a free port can be taken between probe and bind
                port = free_port()
                server = _start(binaries, root, port)
                try:
                    _wait_ready(binaries, server, port, root)
                    break
                except PostgresUnavailable:
                    _stop(server)
                    if attempt == 2:
                        raise
            yield PostgresServer(port=port, root=root, bin_dir=binaries)
    finally:
        if server is not None:
            _stop(server)
        if folder is None:
            shutil.rmtree(root, ignore_errors=True)

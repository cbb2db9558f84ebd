"""A private ``redis-server`` (the Celery broker and result backend) on a free port."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .processes import free_port, stop_group, wait_until


@dataclass(frozen=True)
class RedisServer:
    port: int
    folder: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def private_redis(folder: Path | None = None, timeout: float = 20.0) -> Iterator[RedisServer]:
    """Start ``redis-server`` on 127.0.0.1 and a free port, without persistence, its files in
    ``folder`` (a temporary folder by default); stop it on exit."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server not found: run tools/install_services.sh")
    with contextlib.ExitStack() as stack:
        if folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="redis-")))
        folder.mkdir(parents=True, exist_ok=True)
        port = free_port()
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
        args += ["--save", "", "--appendonly", "no", "--logfile", str(folder / "redis.log")]
        process = subprocess.Popen(args, start_new_session=True, stdout=subprocess.DEVNULL)
        stack.callback(stop_group, process)
        wait_until(lambda: _answers_ping(port) or process.poll() is not None, timeout, "redis")
        if process.poll() is not None:
            log = (folder / "redis.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"redis-server exited with {process.returncode}: {log}")
        yield RedisServer(port, folder, process)

"""The helpers lock (``warehouse.build_lock.wait_for_helpers``, ``children.hold_while_alive``).

A process whose main thread has ended reads as a zombie in ``/proc/<pid>/stat`` while its other
threads still run and its files stay open: waiting for that state let a test open the working
database while a dying helper still held DuckDB's lock on it ("Conflicting lock is held"). The
helpers lock is released only when the helper's last thread is gone and its files are closed.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse.build_lock import wait_for_helpers
from tests.paths import ROOT

#: A helper holding the lock and the database, whose main thread ends first; its last thread
#: ends when its input closes.
HELPER = """
import ctypes, os, sys, threading
import duckdb
from orchestration.children import hold_while_alive
hold_while_alive(sys.argv[1])
con = duckdb.connect(sys.argv[2])
def last_thread():
    sys.stdin.read()
    os._exit(0)
threading.Thread(target=last_thread).start()
print("ready", flush=True)
ctypes.CDLL(None).syscall({exit}, 0)  # exit(2): this thread only, as a leader that ends first
"""
SYS_EXIT = {"x86_64": 60, "aarch64": 93}


def leader_state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


@pytest.mark.skipif(platform.machine() not in SYS_EXIT, reason="exit(2) number of this CPU")
def test_a_dying_helper_holds_the_database_until_the_helpers_lock_is_free(tmp_path: Path) -> None:
    lock, database = tmp_path / "helpers.lock", tmp_path / "working.duckdb"
    duckdb.connect(str(database)).close()
    code = HELPER.format(exit=SYS_EXIT[platform.machine()])
    helper = subprocess.Popen(
        [sys.executable, "-c", code, str(lock), str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert helper.stdout is not None and helper.stdin is not None
    assert helper.stdout.readline() == "ready\n"
    deadline = time.monotonic() + 30
    while leader_state(helper.pid) != "Z":  # what the old test took for "gone"
        assert time.monotonic() < deadline
        time.sleep(0.01)

    with pytest.raises(duckdb.IOException, match="Conflicting lock"):
        duckdb.connect(str(database))  # its last thread still holds the file
    helper.stdin.close()  # the last thread ends now, or a little later
    wait_for_helpers(lock)
    with duckdb.connect(str(database)) as con:  # at once, no retry
        assert con.execute("select 42").fetchone() == (42,)
    assert helper.wait(timeout=30) == 0

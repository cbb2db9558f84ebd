"""Processes below a test's build, read from /proc."""

from __future__ import annotations

import time
from pathlib import Path


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether any thread of process ``pid`` still runs. A process whose main thread has ended
    reads as a zombie in ``/proc/<pid>/stat`` while its other threads run with its files open."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return False
    for task in tasks:
        try:
            state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            return True
    return False


def still_alive(pids: set[int], seconds: float = 30.0) -> list[int]:
    """Those of ``pids`` still alive after up to ``seconds`` (a deadline against a hang, not a
    wait: returns as soon as none is left)."""
    deadline = time.monotonic() + seconds
    while (running := sorted(pid for pid in pids if alive(pid))) and time.monotonic() < deadline:
        time.sleep(0.05)
    return running


def command_line(pid: int) -> str:
    """The command line of process ``pid`` (empty once it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_for_descendant(pid: int, text: str, seconds: float = 120.0) -> int:
    """The first process below ``pid`` whose command line holds ``text``, waited for up to
    ``seconds`` (a deadline against a hang); AssertionError when none came."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for child in sorted(descendants(pid)):
            if text in command_line(child):
                return child
        time.sleep(0.05)
    raise AssertionError(f"no process running {text!r} below {pid} after {seconds} s")

"""Resident memory and CPU time of a process and all its descendants, sampled from ``/proc``.

``getrusage(RUSAGE_CHILDREN)`` gives the largest single descendant and only for children that
were waited for; a build runs several processes at once (its dbt, the validation worker,
extraction workers), so the peak of their *sum* is sampled here (Linux only).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, own CPU seconds) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read().decode(errors="replace")
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()  # the name may hold spaces and parentheses
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    """Proportional set size: a page shared by n processes (a fork's) counts 1/n in each."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def tree(root: int) -> dict[int, float]:
    """{pid: own CPU seconds} of ``root`` and every process below it."""
    parents, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(entry)) is not None:
            parents[int(entry)], cpu[int(entry)] = stat
    members, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in members:
                members.add(pid)
                frontier.append(pid)
    return {pid: cpu[pid] for pid in members if pid in cpu}


@dataclass
class TreeSampler:
    """Samples the tree below ``root`` every ``interval`` seconds while running (a thread)."""

    root: int
    interval: float = 0.1
    peak_rss: int = 0  # bytes: the largest sum over the tree at one sample (shared pages
    # counted in every process that maps them: an upper bound)
    peak_pss: int = 0  # bytes: the same with shared pages split (the memory the tree uses)
    peak_processes: int = 0
    cpu: dict[int, float] = field(default_factory=dict)  # pid -> last seen own CPU seconds
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        members = tree(self.root)
        self.cpu.update(members)
        self.peak_rss = max(self.peak_rss, sum(_rss(pid) for pid in members))
        self.peak_pss = max(self.peak_pss, sum(_pss(pid) for pid in members))
        self.peak_processes = max(self.peak_processes, len(members))

    def __enter__(self) -> TreeSampler:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                self.sample()

        self.sample()
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    @property
    def cpu_seconds(self) -> float:
        """CPU seconds of every process seen in the tree (processes shorter than a sample
        interval are missed)."""
        return sum(self.cpu.values())

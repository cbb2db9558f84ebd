"""Child processes die with their build: a ``kill -9`` of the build leaves nothing writing.

Linux delivers a chosen signal to a process when its parent dies if the child asked for it with
``prctl(PR_SET_PDEATHSIG)``; the request survives ``exec``. Extraction workers call
:func:`die_with_parent` first thing; ``dbt`` is started through ``budget-warehouse-dbt``, which
does the same and then executes the real ``dbt``.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None = None) -> None:
    """Ask the kernel to SIGKILL this process when its parent exits (Linux; no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the request was in place


def dbt_main() -> None:
    """``budget-warehouse-dbt``: ``dbt`` (beside this interpreter) that dies with its parent,
    run in ``$BUDGET_DBT_CWD`` when set (the working database's folder, see profiles.yml)."""
    die_with_parent()
    if os.environ.get("BUDGET_DBT_CWD"):
        os.chdir(os.environ["BUDGET_DBT_CWD"])
    dbt = Path(sys.executable).with_name("dbt")
    os.execv(dbt, [str(dbt), *sys.argv[1:]])

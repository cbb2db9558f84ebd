"""Helpers for the build's child processes (orchestration/children.py)."""

import os
import threading

import pytest

from orchestration.children import at_low_priority


def _own_priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_warm_up_work_runs_at_low_priority_and_the_caller_keeps_its_own() -> None:
    before = _own_priority()
    assert at_low_priority(_own_priority) == min(before + 10, 19)
    assert _own_priority() == before


def test_warm_up_failure_reaches_the_caller() -> None:
    def fails() -> None:
        raise ValueError("no dbt here")

    with pytest.raises(ValueError, match="no dbt here"):
        at_low_priority(fails)

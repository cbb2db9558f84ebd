"""The validation worker: the GE suites run in a process the CLI build starts first.

Real PDFs (the shared corpus build), real Great Expectations in a real second process: its
validation must write the same ``audit.validation_results`` as the in-process one; a worker
that fails or dies is reported and the validation runs in the build process; the worker dies
with its build.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.helpers import BuildHelpers
from orchestration.validation import worker as worker_module
from orchestration.validation.audit import write_validation_results
from orchestration.validation.results import ValidationRun
from orchestration.validation.runner import collect_validation
from orchestration.validation.worker import ValidationWorker, validation_worker
from orchestration.warehouse.digest import BUILD_TIME_COLUMNS, table_digests
from tests.paths import ROOT
from tests.processes import alive
from tests.warehouse_build import writable_copy


@pytest.fixture(scope="module")
def corpus_in_process(
    corpus_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> ValidationRun:
    return collect_validation(corpus_warehouse, tmp_path_factory.mktemp("in-process") / "docs")


def held(run: ValidationRun) -> tuple:
    """What a run holds of its rows: the fact rows, the evaluation tables' first failures and
    their counts."""
    return run.results, run.listed, run.counted, run.counted_per_file


def audit_digest(run: ValidationRun, warehouse: Path, folder: Path) -> str:
    """``audit.validation_results`` written from ``run`` into a copy of ``warehouse``."""
    database = writable_copy(warehouse, folder)
    with duckdb.connect(str(database)) as con:
        write_validation_results(con, run)
    return table_digests(database, "audit", BUILD_TIME_COLUMNS)["validation_results"]


def test_worker_validates_the_corpus_as_the_build_process_does(
    corpus_warehouse: Path, corpus_in_process: ValidationRun, tmp_path: Path
) -> None:
    with validation_worker() as worker:
        assert worker is not None
        run = BuildHelpers(worker=worker).validate(corpus_warehouse, tmp_path / "docs")
    assert run.validated_in == f"validation worker (pid {worker.pid})"
    assert corpus_in_process.validated_in == "build process"
    assert held(run) == held(corpus_in_process)
    assert run.outcomes == corpus_in_process.outcomes
    assert run.documents == corpus_in_process.documents
    assert len(run.documents) == 20  # the 20 real PDFs
    assert run.errors and run.warnings and not run.passed
    assert run.data_docs_index == tmp_path / "docs" / "index.html"
    assert run.data_docs_index.exists()
    assert audit_digest(run, corpus_warehouse, tmp_path / "worker") == audit_digest(
        corpus_in_process, corpus_warehouse, tmp_path / "in-process"
    )


def test_a_dead_worker_is_reported_and_the_build_validates_itself(
    sample_warehouse: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    warnings = caplog.at_level(logging.WARNING, logger=worker_module.log.name)
    with warnings, validation_worker() as worker:
        assert worker is not None
        os.kill(worker.pid, signal.SIGKILL)
        helpers = BuildHelpers(worker=worker)
        run = helpers.validate(sample_warehouse, None)
        assert helpers.validate_ahead() is None  # not asked again during this build
    assert run.validated_in == "build process"
    assert held(run) == held(collect_validation(sample_warehouse))
    assert run.validated == 588  # the sample's rule evaluations (README)
    message = caplog.text
    assert f"validation worker (pid {worker.pid}, exit status -9): no answer" in message
    assert "validating in the build process instead" in message


def test_a_failure_in_the_worker_is_reported_with_its_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "nowhere.duckdb"
    warnings = caplog.at_level(logging.WARNING, logger=worker_module.log.name)
    failing = pytest.raises(FileNotFoundError, match="no warehouse")
    with warnings, validation_worker() as worker, failing:
        BuildHelpers(worker=worker).validate(missing, None)
    assert "it failed:" in caplog.text
    assert f"FileNotFoundError: no warehouse at {missing}" in caplog.text


def test_the_worker_dies_with_its_build(tmp_path: Path) -> None:
    """A ``kill -9`` of the build takes the worker (importing GE or waiting) with it."""
    script = (
        "import time\n"
        "from orchestration.validation.worker import ValidationWorker\n"
        "print(ValidationWorker().pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    build = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert build.stdout is not None
    pid = int(build.stdout.readline())
    assert Path(f"/proc/{pid}").exists()
    build.kill()
    build.wait()
    deadline = time.monotonic() + 30
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)


def test_without_a_worker_validation_runs_in_process(sample_warehouse: Path) -> None:
    helpers = BuildHelpers()  # as under dagster dev
    assert helpers.validate_ahead() is None and helpers.image_helper() is None
    run = helpers.validate(sample_warehouse, None)
    assert run.validated_in == "build process"
    assert run.validated == 588


def test_worker_answers_several_requests(sample_warehouse: Path) -> None:
    worker = ValidationWorker()
    try:
        first = worker.validate(sample_warehouse, None)
        second = worker.validate(sample_warehouse, None)
    finally:
        worker.close()
    assert held(first) == held(second) and first.validated == 588


def test_a_validation_ahead_answers_the_request_for_the_unchanged_file(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    database = writable_copy(sample_warehouse, tmp_path / "w")
    expected = collect_validation(sample_warehouse)
    with validation_worker() as worker:
        assert worker is not None
        worker.validate_ahead(database, tmp_path / "docs")
        run = BuildHelpers(worker=worker).validate(database, tmp_path / "docs")
    assert run.validated_in == f"validation worker (pid {worker.pid}, {worker_module.AHEAD})"
    assert held(run) == held(expected) and run.validated == 588
    assert run.data_docs_index == tmp_path / "docs" / "index.html"


def test_a_file_changed_after_the_validation_ahead_is_validated_again(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    database = writable_copy(sample_warehouse, tmp_path / "w")
    with validation_worker() as worker:
        assert worker is not None
        worker.validate_ahead(database, tmp_path / "ahead")
        finished(tmp_path / "ahead" / "index.html")
        stat = database.stat()  # a write after the worker read it
        os.utime(database, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        helpers = BuildHelpers(worker=worker)
        changed = helpers.validate(database, tmp_path / "ahead")
        worker.validate_ahead(database, tmp_path / "again")
        finished(tmp_path / "again" / "index.html")
        elsewhere = helpers.validate(database, tmp_path / "docs")  # other Data Docs
    assert changed.validated_in == elsewhere.validated_in == f"validation worker (pid {worker.pid})"
    assert held(changed) == held(elsewhere) == held(collect_validation(sample_warehouse))


def finished(index: Path) -> None:
    """Wait for the worker's Data Docs: its validation ahead has read the file by then."""
    deadline = time.monotonic() + 120
    while not index.exists():
        assert time.monotonic() < deadline, index
        time.sleep(0.05)


def test_a_validation_ahead_nobody_asked_for_is_stopped_with_the_build(
    sample_warehouse: Path, corpus_warehouse: Path, tmp_path: Path
) -> None:
    """A build that fails after dbt (no validation step) does not wait for the worker."""
    with validation_worker() as worker:
        assert worker is not None
        worker.validate(sample_warehouse, None)  # the worker is ready: GE imported
        worker.validate_ahead(corpus_warehouse, tmp_path / "docs")
        closing = time.monotonic()
    assert time.monotonic() - closing < 5
    assert worker._process.returncode == -signal.SIGKILL  # stopped, not waited for
    assert not alive(worker.pid)

"""The processes a CLI build starts beside it (dbt, the validation worker) on real builds.

A ``kill -9`` of the build while a helper has the working database open: the next build, once it
holds the build lock, opens the database at once — no helper of the killed build is left
holding it. Helpers run the build's own code, not Python files of the folder it runs from.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.build_runner import build
from orchestration.defs.helpers import BuildHelpers
from orchestration.defs.validation_assets import VALIDATION_RESULTS_KEY
from orchestration.settings import ENV_HELPERS, Settings
from orchestration.validation.worker import AHEAD, validation_worker
from orchestration.warehouse.build_lock import build_lock
from tests.processes import descendants
from tests.warehouse_build import seed_extracts

# Whole builds (killed with -9, or run through the CLI from another folder): `make test` only.
pytestmark = pytest.mark.slow

SCRIPT = Path(sys.executable).with_name("budget-warehouse")


def sample_build(tmp_path: Path, sample_pdf: Path, extract_cache: Path) -> tuple[Path, list[str]]:
    """A raw folder holding the sample, its extract already cached, and the warehouse and command
    of its build."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(sample_pdf, raw)
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    seed_extracts([sample_pdf], warehouse, extract_cache)
    return warehouse, [str(SCRIPT), "build", "--raw-dir", str(raw), "--warehouse", str(warehouse)]


def holding(pid: int, database: Path) -> bool:
    """Whether process ``pid`` has ``database`` open."""
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(fd) == str(database):
                return True
        except OSError:
            continue
    return False


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def helper_holding(build: subprocess.Popen[str], helper: bytes, database: Path) -> int:
    """The pid of the build's ``helper`` process once it has ``database`` open, stopped there
    (``SIGSTOP``) so that it still holds the file when the build is killed."""
    deadline = time.monotonic() + 300
    pids: list[int] = []
    while not pids:
        assert build.poll() is None and time.monotonic() < deadline, "no helper started"
        pids = [pid for pid in descendants(build.pid) if helper in command_line(pid)]
    while not holding(pids[0], database):  # polling its descriptors only: it may be brief
        assert build.poll() is None and time.monotonic() < deadline, "never opened the database"
    os.kill(pids[0], signal.SIGSTOP)
    return pids[0]


@pytest.mark.parametrize(
    ("helper", "helpers"),
    [
        # dbt writing the working database: the prepared dbt process, or (without it) dbt itself
        (b"orchestration.prepared_dbt", None),
        (b"budget-warehouse-dbt", "head_start,validation_worker"),
        (b"orchestration.validation.worker", None),  # validating it ahead, as dbt finishes
    ],
    ids=["orchestration.prepared_dbt", "budget-warehouse-dbt", "orchestration.validation.worker"],
)
def test_after_a_kill_9_of_the_build_no_helper_holds_the_database(
    helper: bytes, helpers: str | None, tmp_path: Path, sample_pdf: Path, extract_cache: Path
) -> None:
    warehouse, command = sample_build(tmp_path, sample_pdf, extract_cache)
    settings = Settings.from_env(tmp_path / "raw", warehouse)
    env = {k: v for k, v in os.environ.items() if k != ENV_HELPERS}
    if helpers is not None:
        env[ENV_HELPERS] = helpers
    build = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert build.stdout is not None
    for line in build.stdout:
        if "dbt build …" in line:
            break
    pid = helper_holding(build, helper, settings.build_database)
    os.kill(build.pid, signal.SIGKILL)  # the stopped helper gets its SIGKILL with the build
    build.wait()

    with build_lock(settings.run_lock_file, helpers_lock=settings.helpers_lock_file):
        assert not holding(pid, settings.build_database)
        with duckdb.connect(str(settings.build_database)) as con:  # at once: no lock error
            assert con.execute("select count(*) from raw.documents").fetchone() == (1,)
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert rerun.stdout.splitlines()[-1].startswith(f"OK: {warehouse} (")


def test_the_run_validates_in_the_worker_the_helpers_resource_hands_it(
    tmp_path: Path, sample_pdf: Path, extract_cache: Path
) -> None:
    """The CLI's order: the build lock, then the helpers, then the run with them as resources."""
    from orchestration.definitions import defs

    warehouse, _ = sample_build(tmp_path, sample_pdf, extract_cache)
    settings = Settings.from_env(tmp_path / "raw", warehouse)
    with (
        build_lock(settings.run_lock_file, helpers_lock=settings.helpers_lock_file),
        validation_worker(settings.helpers_lock_file) as worker,
    ):
        assert worker is not None
        result = build(defs, settings, [sample_pdf.name], BuildHelpers(worker=worker))
    assert result.success
    [validated] = [
        event.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.asset_key == VALIDATION_RESULTS_KEY
    ]
    # validated ahead as dbt finished, unless the file was still being written then
    assert validated["validated_in"].value in (
        f"validation worker (pid {worker.pid}, {AHEAD})",
        f"validation worker (pid {worker.pid})",
    )
    assert validated["errors"].value == 0 and validated["warnings"].value == 2


def test_helpers_ignore_python_files_in_the_folder_the_build_runs_from(
    tmp_path: Path, sample_pdf: Path, extract_cache: Path
) -> None:
    """``python -m`` would put the current folder on the helpers' ``sys.path``: dbt imports every
    ``dbt_*`` module there as a plugin, and a ``great_expectations.py`` would shadow GE."""
    here = tmp_path / "analyst"
    here.mkdir()
    (here / "dbt_scratch.py").write_text("from . import nothing  # an analyst's unfinished file\n")
    (here / "great_expectations.py").write_text("raise ImportError('not the real one')\n")
    warehouse, command = sample_build(tmp_path, sample_pdf, extract_cache)
    build = subprocess.run(command, cwd=here, capture_output=True, text=True, timeout=900)

    assert build.returncode == 0, build.stdout + build.stderr
    assert "  dbt build done\n" in build.stdout
    assert "validation: 588 rule evaluations, 0 errors, 2 warnings" in build.stdout  # real GE
    assert "validation worker" not in build.stdout  # no warning: the worker validated
    assert build.stdout.splitlines()[-1].startswith(f"OK: {warehouse} (")


def test_the_build_s_dbt_runs_on_the_prepared_dbt_process_s_parse(
    tmp_path: Path, sample_pdf: Path, extract_cache: Path
) -> None:
    """What the build passes the prepared dbt process (``dbt_assets.dbt_build_ahead``) is what
    dagster-dbt runs dbt with: the manifest dbt writes at the end of the build is the one the
    process parsed ahead (another dbt invocation than the build's run results)."""
    warehouse, command = sample_build(tmp_path, sample_pdf, extract_cache)
    env = {k: v for k, v in os.environ.items() if k != ENV_HELPERS}
    build = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)

    assert build.returncode == 0, build.stdout + build.stderr
    target = Settings.from_env(tmp_path / "raw", warehouse).dbt_target
    manifest, results = (
        json.loads((target / name).read_text())["metadata"]["invocation_id"]
        for name in ("manifest.json", "run_results.json")
    )
    assert manifest != results

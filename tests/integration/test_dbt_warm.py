"""The warm dbt process: ``dbt build`` run by a dbt process the CLI build started ahead.

Real PDFs, real CLI builds, real dbt in real processes: the warm process must run the corpus's
``dbt build`` and publish the same marts as a build whose warm process was killed (which must
fall back to dbt in its own process, say so, and still publish); it must notice a model changed
after its parse, serve a second ``dbt build``, parse without opening the database the loader
writes, and die with its build or its wrapper.
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

from orchestration.extract.runner import extract_all
from orchestration.settings import DBT_PROJECT_DIR, Settings
from orchestration.warehouse.dbt_warm import SOCKET_ENV, WarmDbt
from orchestration.warehouse.digest import BUILD_TIME_COLUMNS, table_digests
from tests.integration.test_faults import (
    SAMPLE_三公_2020_YUAN,
    alive,
    descendants,
    three_public_2020,
)
from tests.paths import ROOT, corpus_pdfs
from tests.warehouse_build import writable_copy

pytestmark = pytest.mark.slow  # every test runs whole CLI builds

SCRIPT = Path(sys.executable).with_name("budget-warehouse")
WRAPPER = Path(sys.executable).with_name("budget-warehouse-dbt")
SERVED = "dbt build done (dbt started ahead)"


def warm_pids(build_pid: int) -> list[int]:
    """The warm dbt processes below ``build_pid``."""
    found = []
    for pid in descendants(build_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"orchestration.warehouse.dbt_warm" in command:
            found.append(pid)
    return found


def seeded_build(raw: Path, warehouse: Path, cache: dict[Path, tuple[Path, bool]]) -> list[str]:
    """The command that builds ``raw`` into ``warehouse``, whose extract cache is given the
    session's extracts (``extract_all``'s result) first."""
    extracts = Settings.from_env(raw, warehouse).cache_dir
    extracts.mkdir(parents=True)
    for entry, _ in cache.values():
        shutil.copy(entry, extracts / entry.name)
    return [str(SCRIPT), "build", "--raw-dir", str(raw), "--warehouse", str(warehouse)]


def sample_build(tmp_path: Path, sample_pdf: Path, extract_cache: Path) -> tuple[Path, list[str]]:
    """A raw folder holding the sample, and the warehouse and command of its build."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(sample_pdf, raw)
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    cache = extract_all([sample_pdf], extract_cache, workers=1)
    return warehouse, seeded_build(raw, warehouse, cache)


def cli_build(
    raw: Path, warehouse: Path, cache: dict[Path, Path], kill_warm: bool = False
) -> subprocess.CompletedProcess[str]:
    """``budget-warehouse build`` with the session's extracts; ``kill_warm``: SIGKILL its warm
    dbt process as soon as it exists (the build is still importing Dagster)."""
    command = seeded_build(raw, warehouse, cache)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if kill_warm:
        deadline = time.monotonic() + 60
        while not (pids := warm_pids(process.pid)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pids, "no warm dbt process started"
        os.kill(pids[0], signal.SIGKILL)
    out, err = process.communicate(timeout=900)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


@pytest.fixture(scope="module")
def corpus_builds(tmp_path_factory: pytest.TempPathFactory, extract_cache: Path) -> dict:
    """The 20 real PDFs built by the CLI twice: with its warm dbt process, and with the warm
    process killed at once (dbt then runs in its own process)."""
    pdfs = corpus_pdfs()
    cache = extract_all(pdfs, extract_cache, workers=2)
    builds = {}
    for name, kill in (("warm", False), ("killed", True)):
        warehouse = tmp_path_factory.mktemp(name) / "budget.duckdb"
        run = cli_build(pdfs[0].parent, warehouse, cache, kill_warm=kill)
        builds[name] = (run, warehouse)
    return builds


def test_the_warm_process_runs_the_corpus_build_and_its_marts_equal_dbt_in_its_own_process(
    corpus_builds: dict,
) -> None:
    (warm, warm_db), (killed, killed_db) = corpus_builds["warm"], corpus_builds["killed"]

    assert SERVED in warm.stdout, warm.stdout
    assert "warm dbt process" not in warm.stdout  # no warning
    assert SERVED not in killed.stdout and "  dbt build done\n" in killed.stdout
    # both published the corpus, with the same verdict (the corpus has findings: exit 1)
    for run, warehouse in ((warm, warm_db), (killed, killed_db)):
        assert run.stdout.splitlines()[-1].startswith(f"PUBLISHED WITH PROBLEMS: {warehouse} ")
        assert "Documents: 19 loaded, 1 rejected" in run.stdout
    assert warm.returncode == killed.returncode == 1
    marts = table_digests(warm_db, "marts", BUILD_TIME_COLUMNS)
    assert len(marts) == 19
    assert marts == table_digests(killed_db, "marts", BUILD_TIME_COLUMNS)
    assert table_digests(warm_db, "audit", BUILD_TIME_COLUMNS) == table_digests(
        killed_db, "audit", BUILD_TIME_COLUMNS
    )


def test_a_killed_warm_process_is_reported_and_dbt_runs_in_its_own_process(
    corpus_builds: dict,
) -> None:
    killed, _ = corpus_builds["killed"]
    assert "warning: warm dbt process (pid " in killed.stdout
    assert (
        ", exit status -9) died before the dbt step: dbt runs in its own process\n" in killed.stdout
    )


def test_a_warm_process_killed_while_it_runs_dbt_is_reported_and_dbt_runs_again(
    tmp_path: Path, sample_pdf: Path, extract_cache: Path
) -> None:
    """``kill -9`` of the warm process in the middle of its ``dbt build``: the build says so,
    discards that run, runs dbt in its own process and publishes the sample."""
    warehouse, command = sample_build(tmp_path, sample_pdf, extract_cache)
    build = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert build.stdout is not None
    lines = []
    for line in build.stdout:
        lines.append(line)
        if "dbt build …" in line:
            break
    warm = warm_pids(build.pid)
    wait_for(lambda: any(b"budget-warehouse-dbt" in cmdline(pid) for pid in descendants(build.pid)))
    time.sleep(0.5)  # the wrapper has handed dbt build to the warm process, whose nodes run
    os.kill(warm[0], signal.SIGKILL)
    out = "".join(lines) + build.communicate(timeout=900)[0]

    assert build.returncode == 0, out
    assert (
        f"warning: warm dbt process (pid {warm[0]}, exit status -9) died while the dbt step ran: "
        "dbt runs in its own process\n" in out
    )
    assert "  dbt build done\n" in out and SERVED not in out
    assert "Documents: 1 loaded, 0 rejected" in out
    assert out.splitlines()[-1].startswith(f"OK: {warehouse} (")
    assert three_public_2020(warehouse) == {sample_pdf.name: SAMPLE_三公_2020_YUAN}


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# -- the warm process on its own -----------------------------------------------------------


def dbt_through_wrapper(warm: WarmDbt | None, database: Path, target: Path, project: Path, *args):
    """``budget-warehouse-dbt`` as dagster-dbt runs it for the dbt asset (environment, JSON
    log), offered ``warm``; its stdout lines parsed as JSON and its exit status."""
    env = {
        **os.environ,
        "BUDGET_DBT_DATABASE": database.name,
        "BUDGET_DBT_CWD": str(database.parent),
        "DBT_PROJECT_DIR": str(project),
        "DBT_PROFILES_DIR": str(project),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target),
        "DBT_LOG_FORMAT": "json",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    if warm is not None:
        env[SOCKET_ENV] = warm.socket_path
    done = subprocess.run(
        [str(WRAPPER), "--log-level-file", "warn", *args],
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return lines, done.returncode, done.stdout + done.stderr


def wait_for(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the dbt project with its partial parse (a model of it is edited below)."""
    copy = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("logs", "dbt_packages"))
    return copy


def test_parse_ahead_without_the_database_two_builds_and_a_changed_model(
    sample_warehouse: Path, project: Path, tmp_path: Path
) -> None:
    """The warm process parses while another process holds the database read-write (as the
    loader does), serves a ``dbt build`` from that parse, a second one (the key-breaker re-run),
    and a third after a model changed: dbt parses that one itself and builds the new model."""
    database = writable_copy(sample_warehouse, tmp_path / "db")
    target = tmp_path / "db" / "budget.duckdb.dbt_target"
    loader = duckdb.connect(str(database))  # the writer during the parse
    warm = WarmDbt(database, target, project)
    try:
        wait_for(lambda: (target / "perf_info.json").exists())  # dbt parse's last artifact
        loader.close()
        reports = []
        for step in range(3):
            if step == 2:
                view = project / "models" / "marts" / "v_department_year_summary.sql"
                text = view.read_text(encoding="utf-8")
                head, tail = text.rsplit("select", 1)  # the model's final select
                view.write_text(f"{head}select 'edited' as warm_check,{tail}", encoding="utf-8")
            select = ["--select", "v_department_year_summary"] if step == 2 else []
            lines, status, output = dbt_through_wrapper(
                warm, database, target, project, "build", *select
            )
            assert status == 0, output
            assert any(line["info"]["name"] == "StatsLine" for line in lines)
            wait_for(lambda: warm.take_report() is not None, 10)
            reports.append(warm.reported[-1])
        assert warm.alive()
    finally:
        warm.close()
    assert [r["parsed_ahead"] for r in reports] == [True, True, False]
    assert reports[2]["why_not"] == "the dbt project changed since the parse"
    assert [r["status"] for r in reports] == [0, 0, 0]
    with duckdb.connect(str(database), read_only=True) as con:  # dbt closed it after each run
        edited = con.execute("select distinct warm_check from marts.v_department_year_summary")
        assert edited.fetchall() == [("edited",)]
    run_results = json.loads((target / "run_results.json").read_text())
    built = {result["unique_id"] for result in run_results["results"]}  # the last run's
    assert "model.budget_warehouse.v_department_year_summary" in built and len(built) < 10


def test_a_wrapper_that_cannot_reach_the_warm_process_runs_dbt_itself(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    database = writable_copy(sample_warehouse, tmp_path / "db")
    target = tmp_path / "db" / "budget.duckdb.dbt_target"
    warm = WarmDbt(database, target, DBT_PROJECT_DIR)
    os.kill(warm.pid, signal.SIGKILL)
    wait_for(lambda: not warm.alive())
    lines, status, output = dbt_through_wrapper(
        warm, database, target, DBT_PROJECT_DIR, "build", "--select", "dim_department"
    )
    warm.close()
    assert status == 0, output
    assert "budget-warehouse-dbt: warm dbt process not reached (ConnectionRefusedError" in output
    assert any(line["info"]["name"] == "StatsLine" for line in lines)


def test_the_warm_process_dies_with_its_build_and_with_the_wrapper_it_serves(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    """A ``kill -9`` of the build takes the warm process with it; a ``kill -9`` of the wrapper
    whose dbt it runs ends that dbt (the warm process), as it would end a dbt child."""
    database = writable_copy(sample_warehouse, tmp_path / "db")
    target = tmp_path / "db" / "budget.duckdb.dbt_target"
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from orchestration.warehouse.dbt_warm import WarmDbt\n"
        "warm = WarmDbt(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))\n"
        "print(warm.pid, warm.socket_path, flush=True)\n"
        "time.sleep(600)\n"
    )

    def start_build() -> tuple[subprocess.Popen[str], int, str]:
        """A process standing for the build, its warm dbt process's pid and socket."""
        build = subprocess.Popen(
            [sys.executable, "-c", script, str(database), str(target), str(DBT_PROJECT_DIR)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert build.stdout is not None
        pid, socket_path = build.stdout.readline().split()
        return build, int(pid), socket_path

    build, pid, socket_path = start_build()
    env = {
        **os.environ,
        SOCKET_ENV: socket_path,
        "BUDGET_DBT_DATABASE": database.name,
        "BUDGET_DBT_CWD": str(database.parent),
        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_TARGET_PATH": str(target),
    }
    wrapper = subprocess.Popen([str(WRAPPER), "build"], env=env, stdout=subprocess.PIPE, text=True)
    assert wrapper.stdout is not None
    lines = []
    for line in wrapper.stdout:  # dbt, in the warm process, has started its nodes
        lines.append(line)
        if "START" in line:
            break
    assert "START" in lines[-1], "".join(lines)
    wrapper.kill()
    wrapper.wait()
    wait_for(lambda: not alive(pid), 30)
    with duckdb.connect(str(database)):  # nothing holds the database any more
        pass

    # a new build's warm process, then kill -9 of the build
    build.kill()
    build.wait()
    build, pid, _ = start_build()
    assert alive(pid)
    build.kill()
    build.wait()
    wait_for(lambda: not alive(pid), 30)


def test_helpers_ignore_python_files_in_the_folder_the_build_runs_from(
    tmp_path: Path, sample_pdf: Path, extract_cache: Path
) -> None:
    """``python -m`` would put the current folder on the helpers' ``sys.path``: dbt imports every
    ``dbt_*`` module there as a plugin, and a broken one failed the warm process's ``dbt build``."""
    here = tmp_path / "analyst"
    here.mkdir()
    (here / "dbt_scratch.py").write_text("from . import nothing  # an analyst's unfinished file\n")
    (here / "great_expectations.py").write_text("raise ImportError('not the real one')\n")
    warehouse, command = sample_build(tmp_path, sample_pdf, extract_cache)
    build = subprocess.run(command, cwd=here, capture_output=True, text=True, timeout=900)

    assert build.returncode == 0, build.stdout + build.stderr
    assert SERVED in build.stdout
    assert "validation worker" not in build.stdout  # no warning: it validated, with the real GE
    assert three_public_2020(warehouse) == {sample_pdf.name: SAMPLE_三公_2020_YUAN}

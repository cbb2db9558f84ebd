"""The CLI's extraction head start (``orchestration/warehouse/head_start.py``) on real PDFs.

``budget-warehouse build`` runs as a real process with the extractor and the cache writer wrapped
to log each call (the process that extracted, the entry written) — the same technique as
test_faults.py's faulty extractor. A worker forked by the head start has the head start, not the
build, as its parent: the log shows who extracted. Faults are real: a worker killed by
SIGKILL, a document over its ``--doc-timeout``.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.commands.build import build as build_in_process
from orchestration.extract.pdf_source import fingerprint
from orchestration.settings import Settings
from orchestration.warehouse.digest import BUILD_TIME_COLUMNS, table_digests
from orchestration.warehouse.extract_cache import cache_path, read_entry
from tests.paths import CORPUS

pytestmark = pytest.mark.slow

SCRIPT = Path(sys.executable).with_name("budget-warehouse")
#: Two small real disclosures (each extracted in a few seconds).
PDFS = ["hangzhou_qixiangju_2026_budget.pdf", "shanghai-putuo_zhengfubangongshi_2025_budget.pdf"]
LOGGED_BUILD = r"""
import os, signal, sys, time
from pathlib import Path
import orchestration.warehouse.extract_pool as pool

LOG = Path(os.environ["HEAD_START_TEST_LOG"])
real_extract, real_write = pool.extract_document, pool.write_entry

def note(*fields):
    with LOG.open("a", encoding="utf-8") as log:
        log.write("\t".join(map(str, fields)) + "\n")

def extract(path, catalog=None):
    note("extract", path.name, os.getppid())
    if path.name.startswith("killed"):  # as the OOM killer would
        os.kill(os.getpid(), signal.SIGKILL)
    if path.name.startswith("slow"):
        time.sleep(120)
    return real_extract(path, catalog)

def write(path, *args, **kwargs):
    note("write", path.name, os.getpid())
    return real_write(path, *args, **kwargs)

pool.extract_document, pool.write_entry = extract, write
note("build", os.getpid())
from orchestration.cli import main
sys.exit(main(sys.argv[1:]))
"""


def cli_build(raw: Path, warehouse: Path, log: Path | None = None, *options: str) -> tuple:
    """The command as a process (``log``: with the logging wrapper); (status, output, log)."""
    command = [sys.executable, "-c", LOGGED_BUILD] if log else [str(SCRIPT)]
    args = ["build", "--raw-dir", str(raw), "--warehouse", str(warehouse), "--workers", "1"]
    env = {**os.environ, "HEAD_START_TEST_LOG": str(log)} if log else None
    done = subprocess.run(
        [*command, *args, *options], capture_output=True, text=True, env=env, timeout=900
    )
    lines = [line.split("\t") for line in log.read_text().splitlines()] if log else []
    return done.returncode, done.stdout + done.stderr, lines


def statuses(warehouse: Path) -> dict[str, tuple[str, str | None]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select source_path, status, status_reason from marts.dim_document"
        ).fetchall()
    return {path: (status, reason) for path, status, reason in rows}


def calls(log: list[list[str]], kind: str) -> list[list[str]]:
    return [fields[1:] for fields in log if fields[0] == kind]


@pytest.fixture(scope="module")
def head_started(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> dict:
    """A cold CLI build of two real PDFs (head start), the same folder built in-process without
    either helper (as ``BUDGET_HELPERS=none``: no head start, no validation worker), a CLI build
    whose head start meets a killed worker and a timeout, and the plain build after it."""
    root = tmp_path_factory.mktemp("head-start")
    raw = root / "raw"
    raw.mkdir()
    for name in PDFS:
        shutil.copy(CORPUS / name, raw)
    found: dict = {"raw": raw, "warehouse": root / "with" / "budget.duckdb"}
    found["cold"] = cli_build(raw, found["warehouse"], root / "cold.log")
    found["without"] = root / "without" / "budget.duckdb"
    out = io.StringIO()
    found["without status"] = build_in_process(
        Settings.from_env(raw, found["without"], 1), out, helpers=frozenset()
    )
    found["without output"] = out.getvalue()

    faults = root / "faults"
    faults.mkdir()
    shutil.copy(CORPUS / PDFS[0], faults)  # cached: its entry is copied from the cold build
    for name in ("killed.pdf", "slow.pdf"):  # same pages, another content hash
        (faults / name).write_bytes((CORPUS / PDFS[1]).read_bytes() + f"\n% {name}\n".encode())
    warehouse = root / "faulty" / "budget.duckdb"
    cache = Settings.from_env(faults, warehouse).cache_dir
    cache.mkdir(parents=True)
    entry = cache_path(Settings.from_env(raw, found["warehouse"]).cache_dir, sha(raw / PDFS[0]))
    shutil.copy(entry, cache)
    found["faulty"] = cli_build(faults, warehouse, root / "faulty.log", "--doc-timeout", "5")
    found["faulty statuses"] = statuses(warehouse)
    found["faulty entries"] = {
        name: read_entry(cache_path(cache, sha(faults / name))).outcome
        for name in ("killed.pdf", "slow.pdf")
    }
    found["rerun"] = cli_build(faults, warehouse)
    found["rerun statuses"] = statuses(warehouse)
    return found


def sha(pdf: Path) -> str:
    return fingerprint(pdf).sha256


def test_a_cold_build_extracts_each_pdf_once_in_the_head_start(head_started: dict) -> None:
    status, out, log = head_started["cold"]
    (build_pid,) = [int(fields[0]) for fields in calls(log, "build")]
    extracted = calls(log, "extract")

    assert status == 0, out
    for name in PDFS:
        assert sum(line.endswith(f"] extracted {name}") for line in out.splitlines()) == 1, out
    assert sorted(pdf for pdf, _ in extracted) == sorted(PDFS)  # once each
    # ...by workers of the head start (a worker of the Dagster run has the build as parent)
    assert all(int(parent) != build_pid for _, parent in extracted)
    entries = sorted(name for name, _ in calls(log, "write"))
    assert entries == sorted(
        cache_path(Path("."), sha(head_started["raw"] / name)).name for name in PDFS
    )  # each cache entry written once
    assert "Documents: 2 loaded, 0 rejected (2 extracted now" in out


def test_the_warehouse_equals_that_of_a_build_without_helpers(head_started: dict) -> None:
    assert head_started["without status"] == 0, head_started["without output"]
    for name in PDFS:
        assert f"] extracted {name}" in head_started["without output"]
    for schema in ("marts", "audit"):
        with_helpers = table_digests(head_started["warehouse"], schema, BUILD_TIME_COLUMNS)
        without = table_digests(head_started["without"], schema, BUILD_TIME_COLUMNS)
        assert with_helpers == without, schema
    assert len(table_digests(head_started["warehouse"])) >= 19


def test_accidents_in_the_head_start_are_rejected_now_and_retried_next_build(
    head_started: dict,
) -> None:
    status, out, log = head_started["faulty"]
    (build_pid,) = [int(fields[0]) for fields in calls(log, "build")]
    found = head_started["faulty statuses"]

    assert status == 1, out
    assert found[PDFS[0]] == ("loaded", None)
    assert found["killed.pdf"][1] == (
        "extraction worker was killed by signal 9 (SIGKILL — out of memory?); "
        "retried on the next build"
    )
    assert found["slow.pdf"][1].startswith("extraction timed out after 5 s")
    assert head_started["faulty entries"] == {"killed.pdf": "accident", "slow.pdf": "accident"}
    # each attempted once, by the head start's workers, and not retried within this build
    extracted = calls(log, "extract")
    assert sorted(pdf for pdf, _ in extracted) == ["killed.pdf", "slow.pdf"]
    assert all(int(parent) != build_pid for _, parent in extracted)
    assert "retrying" not in out
    # the cached PDF is loaded from the cache, not a partition of the run
    assert "1 of 3 PDF(s) extracted before (cached); extracting 2" in out
    assert "] cached" not in out and f"extracted {PDFS[0]}" not in out
    assert "Documents: 1 loaded, 2 rejected (2 extracted now" in out

    status, out, _ = head_started["rerun"]
    assert status == 0, out
    assert "killed.pdf: retrying (last time: extraction worker was killed by signal 9" in out
    assert "slow.pdf: retrying (last time: extraction timed out after 5 s" in out
    assert {status for status, _ in head_started["rerun statuses"].values()} == {"loaded"}

"""Fault injection: one bad document, one crash, one killed run never costs the warehouse.

Every test runs ``budget-warehouse build`` as a real process on real files (the sample PDF and
byte-different copies of it, so extraction is shared through one cache) and asserts what the
published warehouse holds afterwards. Faults are real: ``kill -9`` of the build and of its workers,
truncated and edited files, hostile names, concurrent builds. One fault cannot be produced from a
file on demand — an extractor bug — so one build runs the CLI with the extractor replaced by one
that raises the crawl's real ``IndexError`` from the real ``rows._merge_overflow`` (for
``crash*.pdf``) or kills its own worker with SIGKILL (``killed*.pdf``), as the OOM killer would.
See docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.resources import WRAPPER
from orchestration.extract.pdf_source import fingerprint
from orchestration.settings import Settings
from orchestration.warehouse.extract_cache import cache_path, read_entry, write_entry
from orchestration.warehouse.extract_pool import extract_all
from tests.processes import descendants, still_alive, wait_for_descendant

pytestmark = pytest.mark.slow

SCRIPT = Path(sys.executable).with_name("budget-warehouse")
SAMPLE_三公_2020_YUAN = 93_400  # 9.34 万元, printed on p.32 of the sample
FAULTY_EXTRACTOR = r"""
import os, signal, sys
import orchestration.warehouse.extract_pool as pool
from orchestration.extract.models import Column, Row
from orchestration.extract.rows import _merge_overflow

real = pool.extract_document

def faulty(path, catalog=None):
    if path.name.startswith("crash"):  # the crawl's crash: an overflow row wider than its row
        previous = Row(index=0, page=12, bbox=(0, 0, 0, 0), cells=[], raw_cells=[])
        overflow = Row(index=1, page=12, bbox=(0, 0, 0, 0), cells=["续"], raw_cells=["续"])
        _merge_overflow(previous, overflow, [Column(0, ["项目"], "text")])
    if path.name.startswith("killed"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(path, catalog)

pool.extract_document = faulty
from orchestration.cli import main
sys.exit(main(sys.argv[1:]))
"""


@dataclass
class Run:
    status: int
    out: str

    @property
    def last_line(self) -> str:
        return self.out.strip().splitlines()[-1]


def build(raw: Path, warehouse: Path, *options: str, faulty: bool = False) -> Run:
    args = ["build", "--raw-dir", str(raw), "--warehouse", str(warehouse), "--workers", "1"]
    command = [sys.executable, "-c", FAULTY_EXTRACTOR] if faulty else [str(SCRIPT)]
    done = subprocess.run(
        [*command, *args, *options], capture_output=True, text=True, timeout=900, check=False
    )
    return Run(done.returncode, done.stdout + done.stderr)


def children_cpu_seconds() -> float:
    """CPU time (user + system) of this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start(raw: Path, warehouse: Path, *options: str) -> subprocess.Popen[str]:
    args = ["build", "--raw-dir", str(raw), "--warehouse", str(warehouse), "--workers", "1"]
    return subprocess.Popen(
        [str(SCRIPT), *args, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def copy_of(sample: Path, target: Path, n: int) -> Path:
    """The sample with a comment appended after ``%%EOF``: same pages, another content hash."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(sample.read_bytes() + f"\n% copy {n}\n%%EOF\n".encode())
    return target


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def statuses(warehouse: Path) -> dict[str, tuple[str, str | None]]:
    rows = query(warehouse, "select source_path, status, status_reason from marts.dim_document")
    return {path: (status, reason) for path, status, reason in rows}


def three_public_2020(warehouse: Path) -> dict[str, int]:
    rows = query(
        warehouse,
        "select source_file, sum(amount_yuan) from marts.fct_three_public_expenditure "
        "join marts.dim_document using (document_id) where year = 2020 group by all",
    )
    return {name: int(total) for name, total in rows}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory, sample_pdf: Path) -> dict[str, Path]:
    """The sample and byte-different copies of it (each its own document)."""
    folder = tmp_path_factory.mktemp("pdfs")
    found = {"sample": folder / sample_pdf.name}
    shutil.copy(sample_pdf, found["sample"])
    for n, name in enumerate(["a", "b", "c"], start=1):
        found[name] = copy_of(sample_pdf, folder / f"{name}.pdf", n)
    return found


@pytest.fixture(scope="module")
def seed(pdfs: dict[str, Path], extract_cache: Path) -> Iterator:
    """Copy cached extracts of the given PDFs into a warehouse folder (extracted once per
    session), so a test pays for extraction only where extraction is what it tests."""
    done = extract_all(list(pdfs.values()), extract_cache, workers=1)

    def into(warehouse: Path, *names: str) -> None:
        cache = Settings.from_env(".", warehouse).cache_dir
        cache.mkdir(parents=True, exist_ok=True)
        for name in names:
            entry = done[pdfs[name]][0]
            shutil.copy(entry, cache / entry.name)

    return into


def test_unusable_locations_fail_fast_in_one_line(tmp_path: Path, pdfs: dict[str, Path]) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(pdfs["sample"], raw)
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    a_folder = tmp_path / "a-folder.duckdb"
    a_folder.mkdir()
    docs_blocked = tmp_path / "blocked" / "budget.duckdb"
    (tmp_path / "blocked").mkdir()
    (tmp_path / "blocked" / "data_docs").write_text("a file where the data docs folder goes")
    cases = {
        a_file / "budget.duckdb": f"{a_file} is a file, not a folder",
        a_folder: f"warehouse {a_folder} is a folder",
        Path("/sys/budget.duckdb"): "cannot write in /sys",  # read-only, even for root
        docs_blocked: "is a file, not a folder",
    }
    for warehouse, message in cases.items():
        started = children_cpu_seconds()
        run = build(raw, warehouse)
        assert run.status == 1, run.out
        assert message in run.out, run.out
        assert run.last_line.startswith("NOT PUBLISHED: nothing was built"), run.out
        assert "Traceback" not in run.out
        # checked before any work starts: less CPU than importing Dagster (~3 s) and extracting
        # (not wall time, which a busy machine stretches)
        assert children_cpu_seconds() - started < 5
    missing = build(tmp_path / "nowhere", tmp_path / "w" / "budget.duckdb")
    assert missing.status == 1 and "does not exist" in missing.out
    assert not (tmp_path / "w").exists()


def test_hostile_names_and_a_key_breaking_document_each_get_a_status(
    tmp_path: Path, pdfs: dict[str, Path], seed
) -> None:
    """Every *.pdf entry gets a status; control characters never reach the terminal; a document
    whose rows break a warehouse key is rejected and the rest publishes."""
    raw = tmp_path / "raw"
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    raw.mkdir()
    shutil.copy(pdfs["sample"], raw)
    seed(warehouse, "sample", "a")
    (raw / "bad\x1b[31mred\x07.pdf").write_text("<html><body>not found</body></html>")
    (raw / "$(touch pwned); drop table x;.pdf").write_text("%PDF-1.4 cut short (1)")
    non_utf8 = os.fsencode(raw) + b"/\xd6\xd0\xce\xc4.pdf"  # 中文 in GBK
    with open(non_utf8, "wb") as handle:
        handle.write(b"%PDF-1.4 cut short (2)")
    (raw / "folder.pdf").mkdir()
    (raw / "loop.pdf").symlink_to("loop.pdf")
    (raw / "broken.pdf").symlink_to("gone.pdf")
    (raw / "linked.pdf").symlink_to(pdfs["sample"])  # followed: same content, loaded once
    os.mkfifo(raw / "pipe.pdf")
    # A document whose extract breaks a warehouse constraint (as an extractor bug would).
    odd = copy_of(pdfs["sample"], raw / "odd.pdf", 99)
    extract = read_entry(extract_cache_entry(warehouse, pdfs["a"])).extract
    odd_sha = fingerprint(odd).sha256
    for records in ([extract.document], extract.tables, extract.columns, extract.rows):
        for record in records:
            record["document_id"] = odd_sha[:16]
    for record in [*extract.cells, *extract.figures]:
        record["document_id"] = odd_sha[:16]
    extract.document.update(sha256=odd_sha, status="half-loaded")
    write_entry(extract_cache_entry(warehouse, odd), extract)

    run = build(raw, warehouse)
    (tmp_path / "out.txt").write_text(run.out)

    assert run.status == 1, run.out
    assert "\x1b" not in run.out and "\x07" not in run.out
    assert "bad\\x1b[31mred\\x07.pdf: not a PDF" in run.out
    assert "\\xd6\\xd0\\xce\\xc4.pdf" in run.out
    assert not (Path.cwd() / "pwned").exists()
    found = statuses(warehouse)
    reasons = {path: reason for path, (status, reason) in found.items() if status == "rejected"}
    # the link is followed: identical content, one document (the first path wins)
    assert found["linked.pdf"][0] == "loaded"
    assert "shenzhen-futian_zhengshuju_2020_budget.pdf" not in found
    assert "shenzhen-futian_zhengshuju_2020_budget.pdf: identical to linked.pdf" in run.out
    assert reasons["folder.pdf"].startswith("a folder named like a PDF")
    assert reasons["loop.pdf"] == "symbolic link loop"
    assert reasons["broken.pdf"].startswith("broken symbolic link")
    assert reasons["pipe.pdf"] == "not a regular file (named pipe)"
    assert reasons["\\xd6\\xd0\\xce\\xc4.pdf"]  # loaded under an escaped name, with a status
    assert "$(touch pwned); drop table x;.pdf" in reasons
    assert reasons["odd.pdf"].startswith(
        "breaks a warehouse key: dbt test column_rules(stg_raw__documents: status not accepted)"
    )
    assert three_public_2020(warehouse) == {"linked.pdf": SAMPLE_三公_2020_YUAN}
    assert run.last_line.startswith(f"PUBLISHED WITH PROBLEMS: {warehouse} holds every document")
    assert f"{len(reasons)} rejected documents" in run.last_line


def extract_cache_entry(warehouse: Path, pdf: Path) -> Path:
    return cache_path(Settings.from_env(".", warehouse).cache_dir, fingerprint(pdf).sha256)


@pytest.fixture(scope="module")
def recovery(tmp_path_factory: pytest.TempPathFactory, pdfs: dict[str, Path], seed) -> dict:
    """Build 1 meets a crash, a killed worker and a timeout; build 2 (plain) retries them; then
    cache entries and the working database are damaged and build 3 recovers."""
    root = tmp_path_factory.mktemp("recovery")
    raw, warehouse = root / "raw", root / "warehouse" / "budget.duckdb"
    raw.mkdir()
    shutil.copy(pdfs["sample"], raw)
    seed(warehouse, "sample")
    shutil.copy(pdfs["a"], raw / "crash.pdf")
    shutil.copy(pdfs["b"], raw / "killed.pdf")
    shutil.copy(pdfs["c"], raw / "slow.pdf")
    runs = {"faulty": build(raw, warehouse, "--doc-timeout", "0.5", faulty=True)}
    runs["faulty statuses"] = statuses(warehouse)
    runs["rerun"] = build(raw, warehouse)
    runs["rerun statuses"] = statuses(warehouse)
    runs["rerun totals"] = three_public_2020(warehouse)
    # Damage: a truncated entry, an entry whose amounts were multiplied by 10, a torn working DB.
    settings = Settings.from_env(raw, warehouse)
    truncated = extract_cache_entry(warehouse, raw / "crash.pdf")
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    edited = extract_cache_entry(warehouse, raw / "slow.pdf")
    header, payload = edited.read_text(encoding="utf-8").split("\n", 1)
    extract = json.loads(payload)
    for cell in extract["cells"]:
        if cell["value"] is not None:
            cell["value"] = str(float(cell["value"]) * 10)
    edited.write_text(header + "\n" + json.dumps(extract, ensure_ascii=False), encoding="utf-8")
    working = settings.build_database
    working.write_bytes(working.read_bytes()[: working.stat().st_size // 3])
    runs["damaged"] = build(raw, warehouse)
    runs["damaged totals"] = three_public_2020(warehouse)
    runs["paths"] = {"truncated": truncated, "edited": edited, "working": working}
    return runs


def test_crash_killed_worker_and_timeout_are_rejected_with_the_reason(recovery: dict) -> None:
    run, found = recovery["faulty"], recovery["faulty statuses"]

    assert run.status == 1, run.out
    assert found["shenzhen-futian_zhengshuju_2020_budget.pdf"] == ("loaded", None)
    crash = found["crash.pdf"][1]
    assert crash.startswith("extraction crashed: IndexError: list index out of range (page 12; ")
    assert "rows.py:" in crash and "in _merge_overflow" in crash
    assert found["killed.pdf"][1] == (
        "extraction worker was killed by signal 9 (SIGKILL — out of memory?); "
        "retried on the next build"
    )
    assert found["slow.pdf"][1].startswith("extraction timed out after 0.5 s")
    assert "Traceback" not in run.out  # the traceback goes to the log
    assert run.last_line.startswith("PUBLISHED WITH PROBLEMS:")
    assert "3 rejected documents" in run.last_line


def test_accidents_are_retried_by_the_next_build(recovery: dict) -> None:
    run = recovery["rerun"]

    assert run.status == 0, run.out
    assert "crash.pdf: retrying (last time: extraction crashed: IndexError" in run.out
    assert "killed.pdf: retrying (last time: extraction worker was killed" in run.out
    assert "slow.pdf: retrying (last time: extraction timed out after 0.5 s" in run.out
    assert {status for status, _ in recovery["rerun statuses"].values()} == {"loaded"}
    assert set(recovery["rerun totals"].values()) == {SAMPLE_三公_2020_YUAN}
    assert len(recovery["rerun totals"]) == 4
    assert run.last_line.startswith("OK: ")


def test_damaged_cache_entries_and_working_database_are_rebuilt(recovery: dict) -> None:
    run, paths = recovery["damaged"], recovery["paths"]

    assert run.status == 0, run.out
    mismatch = "content does not match its checksum"
    assert f"cache entry {paths['truncated'].name} (crash.pdf) {mismatch} (truncated" in run.out
    assert f"cache entry {paths['edited'].name} (slow.pdf) {mismatch}" in run.out
    assert f"working database {paths['working']} could not be opened" in run.out
    assert "rebuilding it from the extract cache" in run.out
    # the edited amounts never reached the warehouse; nothing was lost
    assert recovery["damaged totals"] == recovery["rerun totals"]
    assert read_entry(paths["edited"]).outcome == "decision"  # re-extracted and verified


def wait_for(process: subprocess.Popen[str], text: str, lines: list[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if text in line:
            return
    raise AssertionError(f"build ended before {text!r}:\n{''.join(lines)}")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, pdfs: dict[str, Path], seed) -> Path:
    """A published warehouse of the sample (copied by each kill test with its extract cache)."""
    root = tmp_path_factory.mktemp("published")
    raw, warehouse = root / "raw", root / "warehouse" / "budget.duckdb"
    raw.mkdir()
    shutil.copy(pdfs["sample"], raw)
    seed(warehouse, "sample", "a")
    run = build(raw, warehouse)
    assert run.status == 0, run.out
    return warehouse


@pytest.mark.parametrize("stage", ["PDF(s) in", "dbt build …", "publishing"])
def test_kill_9_at_each_stage_leaves_the_published_warehouse_and_no_process(
    stage: str, tmp_path: Path, pdfs: dict[str, Path], published: Path
) -> None:
    """kill -9 while workers extract (the head start's, forked right after the first line,
    while the build imports Dagster), while dbt runs, and while the warehouse is published: the
    published file stays whole (the old build or the new one), no child of the killed build —
    head start, worker, dbt — is left, and the next build succeeds."""
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse" / "budget.duckdb"
    raw.mkdir()
    shutil.copy(pdfs["sample"], raw)
    shutil.copytree(published.parent / ".cache", warehouse.parent / ".cache")
    shutil.copy(published, warehouse)
    before = statuses(warehouse)
    if stage == "PDF(s) in":  # not cached: a worker is extracting it when the build is killed
        copy_of(pdfs["sample"], raw / "new.pdf", 7)
    else:
        shutil.copy(pdfs["a"], raw / "new.pdf")
    lines: list[str] = []
    process = start(raw, warehouse)
    wait_for(process, stage, lines)
    if stage == "dbt build …":  # killed while dbt runs, not before it started
        wait_for_descendant(process.pid, WRAPPER)
    else:  # a worker extracting the uncached PDF; inside the publish copy
        time.sleep(0.2 if stage == "publishing" else 2.0)
    children = descendants(process.pid)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    if stage != "publishing":
        assert children, "".join(lines)  # a worker, or dbt, was running
    assert still_alive(children) == []  # nothing keeps writing (each dies with the build)
    after = statuses(warehouse)  # the published file opens: the old build or the whole new one
    assert after == before or set(after) == {*before, "new.pdf"}
    rerun = build(raw, warehouse)
    assert rerun.status == 0, rerun.out
    assert set(statuses(warehouse)) == {*before, "new.pdf"}


def test_concurrent_builds_with_different_folders_run_one_after_the_other(
    tmp_path: Path, pdfs: dict[str, Path], seed
) -> None:
    """A second build waits for the first (whole run, not per step) and says whom it waits for;
    ``--no-wait`` stops at once; killing the first with ``kill -9`` in its dbt step lets the
    second run at once, without a DuckDB lock error."""
    first, second = tmp_path / "first", tmp_path / "second"
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    first.mkdir()
    second.mkdir()
    shutil.copy(pdfs["sample"], first)
    shutil.copy(pdfs["a"], second / "other.pdf")
    seed(warehouse, "sample", "a")
    lock = Settings.from_env(first, warehouse).run_lock_file

    lines: list[str] = []
    one = start(first, warehouse)
    wait_for(one, "1 of 1 PDF(s) extracted before (cached)", lines)  # seeded: holds the lock
    busy = build(second, warehouse, "--no-wait")
    two = start(second, warehouse)
    waiting: list[str] = []
    wait_for(two, "waiting: another build is writing", waiting)
    one_out = "".join(lines) + (one.communicate(timeout=900)[0] or "")
    two_out = "".join(waiting) + (two.communicate(timeout=900)[0] or "")

    assert busy.status == 1
    assert busy.last_line.startswith(f"NOT PUBLISHED: {warehouse} was left as it was — another")
    assert f"pid {one.pid}" in busy.out and str(first) in busy.out
    assert f"pid {one.pid}" in waiting[-1] and str(first) in waiting[-1]
    assert one.returncode == 0 and two.returncode == 0, one_out + two_out
    assert set(statuses(warehouse)) == {"other.pdf"}  # the second folder, published last
    assert json.loads(lock.read_text())["pid"] == two.pid

    # kill -9 the holder while dbt runs: the waiting build proceeds and publishes its folder
    shutil.copy(pdfs["b"], first / "b.pdf")
    seed(warehouse, "b")
    lines = []
    three = start(first, warehouse)
    wait_for(three, "dbt build …", lines)
    four = start(second, warehouse)
    wait_for(four, "waiting: another build is writing", [])
    time.sleep(1.0)
    os.kill(three.pid, signal.SIGKILL)
    three.wait()
    four_out = four.communicate(timeout=900)[0]

    assert four.returncode == 0, four_out
    assert "Error occurred while executing" not in four_out
    assert set(statuses(warehouse)) == {"other.pdf"}

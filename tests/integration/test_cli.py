"""``budget-warehouse``: help text, exit status and summary (CONTRACT §2)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration import cli
from orchestration.commands.build import build
from orchestration.settings import ENVIRONMENT, Settings
from orchestration.warehouse.digest import table_digests
from tests.paths import ROOT
from tests.warehouse_build import seed_extracts

SCRIPT = Path(sys.executable).with_name("budget-warehouse")
OPTIONS = ["--raw-dir", "--warehouse", "--workers", "--doc-timeout"]


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "orchestration.cli"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=600)


def test_help_lists_every_option_and_environment_variable() -> None:
    top = run_script("--help")
    build = run_script("build", "--help")

    assert top.returncode == 0 and build.returncode == 0
    assert "build" in top.stdout
    for option in OPTIONS:
        assert option in build.stdout
    for variable in ENVIRONMENT:
        assert variable in top.stdout
        assert variable in build.stdout


def test_every_option_and_variable_is_documented() -> None:
    docs = (ROOT / "docs" / "orchestration.md").read_text(encoding="utf-8")
    for name in [*OPTIONS, *ENVIRONMENT]:
        assert name in docs, f"{name} is not documented in docs/orchestration.md"


@pytest.mark.slow
def test_a_bad_file_fails_the_build_but_good_documents_are_published(
    tmp_path: Path,
    sample_pdf: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extract_cache: Path,
) -> None:
    for variable in ENVIRONMENT:  # the command sets them; restore afterwards
        monkeypatch.setenv(variable, "")
    raw = tmp_path / "raw"
    (raw / "2021").mkdir(parents=True)
    shutil.copy(sample_pdf, raw)
    (raw / "2021" / "download.pdf").write_text("<html><body>404 Not Found</body></html>")
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    seed_extracts([sample_pdf], warehouse, extract_cache)  # extraction is not what is tested

    status = cli.main(["build", "--raw-dir", str(raw), "--warehouse", str(warehouse)])
    out = capsys.readouterr().out

    assert status == 1
    assert "Documents: 1 loaded, 1 rejected" in out
    assert "✗ 2021/download.pdf: not a PDF: an HTML page saved with a .pdf extension" in out
    with duckdb.connect(str(warehouse), read_only=True) as con:
        documents = con.execute(
            "select source_file, status from marts.dim_document order by source_file"
        ).fetchall()
        facts = con.execute("select count(*) from marts.fct_budget_expenditure").fetchone()[0]
    assert documents == [("download.pdf", "rejected"), (sample_pdf.name, "loaded")]
    assert facts == 27  # the sample's budget-expenditure lines (README summary)


@pytest.mark.slow
def test_every_pdf_removed_publishes_an_empty_warehouse(
    tmp_path: Path,
    sample_pdf: Path,
    extract_cache: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(sample_pdf, raw)
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    seed_extracts([sample_pdf], warehouse, extract_cache)  # extraction is not what is tested
    assert build(Settings.from_env(raw, warehouse)) == 0
    (raw / sample_pdf.name).unlink()

    status = build(Settings.from_env(raw, warehouse))

    out = capsys.readouterr().out
    assert status == 0, out
    assert "warning: no *.pdf below" in out
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_document").fetchone() == (0,)
        assert con.execute("select count(*) from marts.fct_budget_expenditure").fetchone() == (0,)


def test_a_missing_raw_folder_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = build(Settings.from_env(tmp_path / "nowhere", tmp_path / "w.duckdb"))
    assert status == 1
    assert "does not exist" in capsys.readouterr().out


@pytest.mark.slow
def test_python_m_build_then_an_up_to_date_rebuild_without_dagster(
    tmp_path: Path, sample_pdf: Path
) -> None:
    """``python -m orchestration.cli build`` builds the sample (exit 0, a summary, dbt's parse of
    the project reused in a new folder); run again with nothing changed it
    says the warehouse is up to date, never imports Dagster and leaves the published file as it
    was, byte for byte; a rebuild through Dagster publishes the same marts, row for row."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(sample_pdf, raw)
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    command = [sys.executable, "-X", "importtime", "-m", "orchestration.cli", "build"]
    command += ["--raw-dir", str(raw), "--warehouse", str(warehouse)]

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT)

    first = run()
    assert first.returncode == 0, first.stdout + first.stderr
    built_imports = {line.split("|")[-1].strip() for line in first.stderr.splitlines()}
    assert "dagster" in built_imports  # validated in the worker process, which imported GE:
    assert "great_expectations" not in built_imports and "validation worker" not in first.stdout
    assert f"[1/1] extracted {sample_pdf.name}" in first.stdout
    assert "Documents: 1 loaded, 0 rejected (1 extracted now" in first.stdout
    assert "marts.fct_budget_expenditure" in first.stdout
    assert "Expectations:" in first.stdout
    assert first.stdout.splitlines()[-1].startswith(f"OK: {warehouse} (")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select source_file, status from marts.dim_document").fetchall() == [
            (sample_pdf.name, "loaded")
        ]
    # A new folder reuses the project's dbt parse (profile path relative to dbt's working folder)
    dbt_output = (warehouse.parent / ".build" / "budget.duckdb.build.log").read_text()
    assert "Finished running" in dbt_output
    assert "Unable to do partial parsing" not in dbt_output
    built = table_digests(warehouse)
    published = hashlib.sha256(warehouse.read_bytes()).hexdigest()

    (raw / sample_pdf.name).touch()  # a new mtime, the same content
    again = run()
    imported = {line.split("|")[-1].strip() for line in again.stderr.splitlines()}
    assert again.returncode == 0, again.stdout + again.stderr
    assert "  up to date: no PDF, extractor, dbt or expectation file changed" in again.stdout
    assert "Documents: 1 loaded, 0 rejected (0 extracted now" in again.stdout
    assert again.stdout.splitlines()[-1].startswith(f"OK: {warehouse} (")
    assert "up to date)" in again.stdout.splitlines()[-1]
    assert "orchestration.commands.build" in imported
    assert not {name for name in imported if name.split(".")[0] in {"dagster", "dbt", "pandas"}}
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == published

    Settings.from_env(raw, warehouse).published_record.unlink()  # forces a run through Dagster
    rebuilt = run()
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "dbt build" in rebuilt.stdout and "up to date: no PDF" not in rebuilt.stdout
    assert table_digests(warehouse) == built

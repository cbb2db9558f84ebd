"""Build a warehouse the way the pipeline does (extract → raw tables → dbt build) for tests
that exercise the dbt models on their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.extract.runner import extract_all, read_extract
from orchestration.warehouse.raw_store import replace_documents

ROOT = Path(__file__).resolve().parent.parent
DBT_DIR = ROOT / "dbt_project"


def build(pdfs: list[Path], database: Path, cache: Path) -> None:
    """Extract (cached by content hash), load raw tables, run `dbt build`."""
    done = extract_all(pdfs, cache, workers=2)
    with duckdb.connect(str(database)) as con:
        replace_documents(con, [read_extract(done[pdf][0]) for pdf in pdfs])
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [str(dbt), "build", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)],
        env={**os.environ, "BUDGET_DBT_DATABASE": str(database)},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"dbt build failed:\n{result.stdout[-4000:]}")

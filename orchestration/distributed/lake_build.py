"""The distributed build after its batches: raw loads appended to the lake, dbt on the lake,
validation of the snapshot being published, the pinned snapshot copied to the BI file.

1. **Load** (:func:`append_folder`): the embedded loader (``load_assets.sync_raw``: the same
   paths, duplicates, unreadable entries and failed loads as an embedded build) writes the
   folder's documents into a private in-memory database seeded with the lake's current
   documents, so it rewrites only what changed; those documents, and the removed ones as
   removal rows, are appended to the lake as one load (insert-only, one load id per build).
2. **dbt** (:func:`dbt_build_on_lake`): ``dbt build --target lake --full-refresh``.
3. **Publish** (``lake.snapshot_publish.publish_snapshot``): the latest snapshot copied to a
   temporary file beside the BI file, the Great Expectations suites run over it and their audit
   written into it (``prepare``), then the atomic rename.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ..defs.load_assets import LoadReport, RawSources, source_documents, sync_raw
from ..lake.connection import ALIAS, LakeConfig, connect
from ..lake.raw_loads import DBT_ARGS, LoadReceipt, append_loaded, ensure_lake_schema
from ..lake.snapshot_publish import PublishedSnapshot, publish_snapshot
from ..settings import DBT_PROJECT_DIR, Settings
from ..validation.audit import write_validation_results
from ..validation.results import ValidationRun
from ..validation.runner import collect_validation
from ..warehouse.raw_store import ensure_schema

if TYPE_CHECKING:
    import pyarrow as pa

#: Where the lake build keeps dbt's target folder, beside the embedded one.
DBT_TARGET = "dbt_lake_target"


@dataclass(frozen=True)
class FolderLoad:
    """One build's load: what the lake received, and the embedded loader's report."""

    receipt: LoadReceipt
    report: LoadReport


@dataclass(frozen=True)
class DbtOutcome:
    """``dbt build`` on the lake: success, and its tests by status."""

    success: bool
    tests: dict[str, list[str]]  # status (pass, warn, fail, error) → test names
    message: str


def append_folder(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, extracts: Path, load_id: str | None = None
) -> FolderLoad:
    """Append the documents of ``raw_dir`` (extracts in the folder ``extracts``) that differ
    from the lake's current ones, and removals of the documents no longer there, as one load."""
    ensure_lake_schema(con)
    sources = source_documents(raw_dir, extracts)
    with duckdb.connect() as staging:
        seed = con.execute(f"select * from {ALIAS}.raw.documents").to_arrow_table()
        report = _sync_seeded(staging, seed, sources)
        changed = [
            row[0]
            for row in staging.execute(
                "select document_id from (select * exclude (loaded_at) from raw.documents "
                "except select * exclude (loaded_at) from lake_documents)"
            ).fetchall()
        ]
        receipt = append_loaded(con, staging, changed, report.removed, load_id)
    return FolderLoad(receipt, report)


def _sync_seeded(
    staging: duckdb.DuckDBPyConnection, seed: pa.Table, sources: RawSources
) -> LoadReport:
    """``sync_raw`` into ``staging`` whose ``raw.documents`` starts as the lake's (``seed``):
    unchanged documents stay, changed and new ones are written, missing ones removed."""
    ensure_schema(staging)
    staging.register("lake_documents", seed)
    staging.execute("insert into raw.documents by name select * from lake_documents")
    return sync_raw(staging, sources.documents, sources.unreadable)


def dbt_build_on_lake(lake: LakeConfig, target_path: Path, log: Path) -> DbtOutcome:
    """``dbt build`` of the project on the lake (always in full); its output appended to
    ``log``; the tests' outcomes from ``run_results.json``."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "build", *DBT_ARGS, "--project-dir", str(DBT_PROJECT_DIR)]
    command += ["--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target_path)]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        done = subprocess.run(
            command,
            env={**os.environ, **lake.env()},
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    tests: dict[str, list[str]] = {}
    results = target_path / "run_results.json"
    if results.exists():
        for result in json.loads(results.read_text())["results"]:
            if result["unique_id"].startswith("test."):
                tests.setdefault(result["status"], []).append(result["unique_id"].split(".")[2])
    failed = done.returncode != 0
    message = f"dbt build on the lake failed (exit {done.returncode}; see {log})" if failed else ""
    return DbtOutcome(not failed, tests, message)


def validate_into(database: Path, data_docs: Path | None) -> ValidationRun:
    """The Great Expectations suites over ``database`` (every document), their audit rows
    written into it."""
    run = collect_validation(database, data_docs, full=True)
    with duckdb.connect(str(database)) as con:
        write_validation_results(con, run)
    return run


@dataclass(frozen=True)
class LakeBuild:
    """What the lake part of a build did; ``published`` is None when dbt failed (then
    nothing was published)."""

    load: FolderLoad
    dbt: DbtOutcome
    published: PublishedSnapshot | None


def build_on_lake(
    settings: Settings, lake: LakeConfig, extracts: Path, say: Callable[[str], None] = print
) -> LakeBuild:
    """Load, dbt, validate and publish through the lake."""
    with connect(lake) as con:
        load = append_folder(con, settings.raw_dir, extracts)
    receipt = load.receipt
    say(
        f"lake: load {receipt.load_id[:12]} appended {len(receipt.documents)} document(s), "
        f"{len(receipt.removed)} removal(s), {sum(receipt.rows.values())} row(s)"
    )
    say("  dbt build on the lake …")
    outcome = dbt_build_on_lake(lake, settings.dbt_target.parent / DBT_TARGET, settings.build_log)
    if not outcome.success:
        return LakeBuild(load, outcome, None)
    say("  dbt build done")
    say(f"  publishing {settings.warehouse} from the lake's latest snapshot …")
    docs = settings.warehouse.parent / "data_docs"
    published = publish_snapshot(
        lake, settings.warehouse, prepare=lambda temp: validate_into(temp, docs)
    )
    say(f"  published snapshot {published.snapshot} ({published.seconds:.1f} s)")
    return LakeBuild(load, outcome, published)

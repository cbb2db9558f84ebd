"""What a ``dbt build`` depends on and what it left, without Dagster: the project's files, a
fingerprint of the build's inputs, which tables exist, and the verdict of ``run_results.json``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from ..file_hash import hash_files

if TYPE_CHECKING:
    from dagster_dbt import DbtProject

_NOT_SOURCES = {"target", "logs", "dbt_packages", ".user.yml"}


def project_files(project_dir: Path) -> list[Path]:
    """The files that define the dbt project (not its build outputs)."""
    return sorted(
        path
        for path in project_dir.rglob("*")
        if path.is_file() and path.relative_to(project_dir).parts[0] not in _NOT_SOURCES
    )


def manifest_is_stale(project: DbtProject) -> bool:
    """True when ``target/manifest.json`` is missing or older than any project file."""
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(path.stat().st_mtime > built for path in project_files(project.project_dir))


def failed_nodes(run_results: dict[str, Any]) -> list[str]:
    """Models, seeds and snapshots that errored. Failed data tests are reported as checks
    instead; dbt's unit tests do not run in a warehouse build (``dbt_assets.DBT_BUILD``)."""
    return [
        f"{result['unique_id']}: {(result.get('message') or '').strip()}"
        for result in run_results.get("results", [])
        if result.get("status") == "error" and not result["unique_id"].startswith("test.")
    ]


def models_built(run_results: dict[str, Any]) -> bool:
    """Every model and seed of the run was built (none errored or was skipped)."""
    return all(
        result.get("status") == "success"
        for result in run_results.get("results", [])
        if result["unique_id"].startswith(("model.", "seed."))
    )


def all_passed(run_results: dict[str, Any]) -> bool:
    return all(r.get("status") in {"success", "pass", "warn"} for r in run_results["results"])


def inputs_fingerprint(database: Path, project_dir: Path, selection: list[str]) -> str | None:
    """Hash of everything a ``dbt build`` depends on: loaded documents, project files, selection.

    ``loaded_at`` changes whenever a document is (re)loaded, so a recreated working database
    never matches an old fingerprint. None when there is no raw data to build from.
    """
    if not database.exists():
        return None
    with duckdb.connect(str(database), read_only=True) as con:
        if not has_schema(con, "raw"):
            return None
        documents = con.execute(
            "select document_id, source_path, extractor_version, cast(loaded_at as varchar) "
            "from raw.documents order by document_id"
        ).fetchall()
    digest = hashlib.sha256(json.dumps([documents, selection]).encode())
    hash_files(digest, project_files(project_dir), project_dir)
    return digest.hexdigest()


def has_schema(con: duckdb.DuckDBPyConnection, schema: str) -> bool:
    found = con.execute("select count(*) from duckdb_schemas() where schema_name = ?", [schema])
    return found.fetchone()[0] > 0


def marts_built(database: Path) -> bool:
    if not database.exists():
        return False
    with duckdb.connect(str(database), read_only=True) as con:
        return has_schema(con, "marts")


def table_row_counts(database: Path, relations: dict[str, tuple[str, str]]) -> dict[str, int]:
    """Row counts of built tables, read after dbt has exited (never while it writes)."""
    counts: dict[str, int] = {}
    with duckdb.connect(str(database), read_only=True) as con:
        for unique_id, (schema, name) in relations.items():
            with contextlib.suppress(duckdb.Error):
                counts[unique_id] = con.execute(
                    f'select count(*) from "{schema}"."{name}"'
                ).fetchone()[0]
    return counts

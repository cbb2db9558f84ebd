"""Transformation: ``dbt build`` over ``dbt_project/`` against the working database.

dbt models become assets below the raw tables (dagster-dbt maps the ``raw`` source tables to the
keys ``raw/<table>`` that the loader produces); dbt tests become asset checks.

Incremental: when neither the loaded documents nor the dbt project changed since the last
successful ``dbt build`` of this working database, dbt is not run again (its outputs are current).

Nothing runs at import: :func:`dbt_project` prepares the project (``dbt parse`` when needed) the
first time the definitions ask for it, and :func:`build_dbt_models` reads its manifest then.
"""

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Iterator
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    Output,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from ..settings import DBT_PROJECT_DIR
from ..warehouse.quarantine import reject_key_breakers
from .resources import WarehouseResource, dbt_resource, progress_log

DBT_DATABASE_ENV = "BUDGET_DBT_DATABASE"
_NOT_SOURCES = {"target", "logs", "dbt_packages", ".user.yml"}


@functools.cache
def dbt_project() -> DbtProject:
    """``dbt_project/``, prepared once per process with a current ``target/manifest.json``.

    Under ``dagster dev``, ``prepare_if_dev()`` parses it on every load, so model edits show on
    reload; elsewhere ``dbt parse`` runs only when the manifest is missing or stale.
    """
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    project.prepare_if_dev()
    ensure_manifest(project)
    return project


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


def ensure_manifest(project: DbtProject) -> Path:
    """Run ``dbt parse`` when the manifest is missing or stale; fail with a clear message."""
    if manifest_is_stale(project):
        try:
            dbt_resource().cli(["parse", "--quiet"], target_path=project.target_path).wait()
        except Exception as exc:
            raise RuntimeError(
                f"could not parse the dbt project in {project.project_dir} "
                f"(run `dbt parse --project-dir {project.project_dir}` to see why): {exc}"
            ) from exc
    if not project.manifest_path.exists():
        raise RuntimeError(f"dbt manifest missing at {project.manifest_path} after `dbt parse`")
    return project.manifest_path


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the duration of the block (the dbt subprocess inherits)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class BudgetDbtTranslator(DagsterDbtTranslator):
    """All dbt models and seeds belong to the ``warehouse`` group."""

    def get_group_name(self, dbt_resource_props: dict[str, Any]) -> str | None:
        return "warehouse"


def failed_nodes(run_results: dict[str, Any]) -> list[str]:
    """Models, seeds and snapshots that errored (failed tests are reported as checks instead)."""
    return [
        f"{result['unique_id']}: {(result.get('message') or '').strip()}"
        for result in run_results.get("results", [])
        if result.get("status") == "error" and not result["unique_id"].startswith("test.")
    ]


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
    for path in project_files(project_dir):
        digest.update(path.relative_to(project_dir).as_posix().encode())
        digest.update(path.read_bytes())
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


def up_to_date_events(context: AssetExecutionContext, stamp: dict[str, Any]) -> Iterator[Any]:
    """Results for a skipped ``dbt build``: the outputs and test results of the stamped build."""
    note = f"dbt not re-run: inputs unchanged since the build at {stamp['built_at']}"
    selected = context.selected_asset_keys
    deps = context.assets_def.asset_deps
    order = TopologicalSorter({key: deps.get(key, set()) & selected for key in selected})
    for key in order.static_order():
        yield MaterializeResult(asset_key=key, metadata={"up_to_date": True, "note": note})
    for check in sorted(context.selected_asset_check_keys):
        yield AssetCheckResult(
            asset_key=check.asset_key,
            check_name=check.name,
            passed=True,
            metadata={"up_to_date": True, "note": note},
        )


def build_dbt_models(project: DbtProject) -> AssetsDefinition:
    """The ``dbt_models`` multi-asset: every model and seed of ``project``'s manifest."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name="dbt_models",
        dagster_dbt_translator=BudgetDbtTranslator(),
    )
    def dbt_models(
        context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
    ) -> Iterator[Any]:
        """``dbt build`` (models, seeds and tests) against the working database.

        Holds the writer lock for the whole dbt process; no DuckDB connection is open in this
        process meanwhile. A model error fails the step (nothing is published); failed tests are
        reported as failed asset checks. Skipped when nothing changed since the last clean build.
        """
        yield from dbt_build(context, dbt, warehouse, project.project_dir)

    return dbt_models


def dbt_build(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    project_dir: Path,
) -> Iterator[Any]:
    """The events of ``dbt build`` over the selected models, or of the build it is current with."""
    settings = warehouse.settings
    database = settings.build_database
    # One target folder per working database: dbt's partial parsing (keyed on the profile, which
    # names the database) is reused from the previous build, and no run leaves a folder behind.
    target_path = settings.dbt_target
    stamp_file = settings.dbt_stamp
    selection = sorted(k.to_user_string() for k in context.selected_asset_keys)
    selection += sorted(
        f"{k.asset_key.to_user_string()}:{k.name}" for k in context.selected_asset_check_keys
    )
    with warehouse.writing():
        fingerprint = inputs_fingerprint(database, project_dir, selection)
        stamp = json.loads(stamp_file.read_text()) if stamp_file.exists() else {}
        if fingerprint and stamp.get("fingerprint") == fingerprint and marts_built(database):
            progress_log.info("dbt build: up to date (no document or model changed)")
            yield from up_to_date_events(context, stamp)
            return
        progress_log.info("dbt build …")
        stamp_file.unlink(missing_ok=True)
        with environment(**{DBT_DATABASE_ENV: str(database)}):
            invocation = dbt.cli(
                ["build"], context=context, raise_on_error=False, target_path=target_path
            )
            events = list(invocation.stream())
            # A document whose rows break a key test is rejected and dbt runs again without it.
            rejected = reject_key_breakers(
                database,
                invocation.get_artifact("run_results.json"),
                invocation.get_artifact("manifest.json"),  # this run's: relation names resolved
            )
            if rejected:
                for line in rejected:
                    progress_log.warning(f"rejected {line}")
                progress_log.info("dbt build again without them …")
                fingerprint = inputs_fingerprint(database, project_dir, selection)
                invocation = dbt.cli(
                    ["build"], context=context, raise_on_error=False, target_path=target_path
                )
                events = list(invocation.stream())
        relations = {
            unique_id: (node["schema"], node.get("alias") or node["name"])
            for unique_id, node in invocation.manifest["nodes"].items()
            if node.get("resource_type") == "seed"
            or node.get("config", {}).get("materialized") in {"table", "incremental"}
        }
        counts = table_row_counts(database, relations) if database.exists() else {}
        run_results = invocation.get_artifact("run_results.json")
        if all_passed(run_results):
            stamp_file.write_text(
                json.dumps(
                    {
                        "fingerprint": fingerprint,
                        "built_at": run_results["metadata"]["generated_at"],
                    }
                )
            )
    for event in events:
        if isinstance(event, Output):
            unique_id = (event.metadata or {}).get("unique_id")
            key = getattr(unique_id, "value", unique_id)
            if key in counts:
                event = event.with_metadata({**event.metadata, "dagster/row_count": counts[key]})
        yield event
    errors = failed_nodes(run_results)
    if errors:
        raise Failure(
            description=f"dbt build failed on {len(errors)} node(s)",
            metadata={"errors": "\n".join(errors)},
        )
    progress_log.info("dbt build done")

"""Transformation: ``dbt build`` over ``dbt_project/`` against the working database.

dbt models become assets below the raw tables (dagster-dbt maps the ``raw`` source tables to the
keys ``raw/<table>`` that the loader produces); dbt tests become asset checks.

Incremental: when neither the loaded documents nor the dbt project changed since the last
successful ``dbt build`` of this working database, dbt is not run again (its outputs are current).
Otherwise the per-document models replace only the rows of the documents the change log names
(``warehouse.changes``; ``macros/incremental_by_document.sql``), and dbt's cursor in the log
advances once every model and seed was built. Without a cursor, with other dbt code than the
cursor's (``up_to_date.dbt_fingerprint``) or after ``build --full`` (which drops the cursors),
``dbt build --full-refresh`` rebuilds everything and drops the later stages' cursors too.

Nothing runs at import: :func:`dbt_project` prepares the project (``dbt parse`` when needed) the
first time the definitions ask for it, and :func:`build_dbt_models` reads its manifest then.
"""

import contextlib
import functools
import json
import os
import resource
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Failure,
    MaterializeResult,
    Output,
    ResourceParam,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from dbt.constants import PARTIAL_PARSE_FILE_NAME

from ..children import DBT_CWD_ENV, DBT_REBUILD_ENV, HELPERS_LOCK_ENV
from ..settings import DBT_PROJECT_DIR, Settings
from ..warehouse import changes
from ..warehouse.changes import DBT_CONSUMER
from ..warehouse.dbt_state import (
    all_passed,
    failed_nodes,
    has_schema,
    inputs_fingerprint,
    manifest_is_stale,
    marts_built,
    models_built,
    table_row_counts,
)
from ..warehouse.quarantine import reject_key_breakers
from ..warehouse.up_to_date import dbt_fingerprint
from .dbt_check_descriptions import check_description
from .helpers import BuildHelpers
from .resources import WRAPPER, WarehouseResource, dbt_resource, progress_log

DBT_DATABASE_ENV = "BUDGET_DBT_DATABASE"
#: The build's dbt command. dbt's unit tests check the models' SQL on fixed fixture rows, not the
#: data: they run in ``make test`` (``tests/warehouse_build.py`` runs a plain ``dbt build``), not in
#: every warehouse build (~0.4 CPU-s and ~0.5 s of each build, docs/performance.md).
DBT_BUILD = ["build", "--exclude-resource-type", "unit_test"]


@functools.cache
def dbt_project() -> DbtProject:
    """``dbt_project/``, prepared once per process with a current ``target/manifest.json``.

    ``dbt parse`` runs only when the manifest is missing or older than a project file, so model
    edits show on a reload of ``dagster dev`` too. Not ``prepare_if_dev()``: under ``dagster dev``
    it parses on every load, and every run's process loads the code location (~15 s a run).
    """
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    ensure_manifest(project)
    return project


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


def dbt_database_env(dbt: DbtCliResource, database: Path) -> dict[str, str]:
    """The environment that points dbt's profile at ``database``.

    Through ``budget-warehouse-dbt``, dbt runs in the database's folder with its file name as the
    profile's path: the same connection for every warehouse of that name, so dbt's partial parse
    (the project's, copied into this warehouse's target folder by dagster-dbt) stays valid and a
    new warehouse is not parsed from scratch. Any other ``dbt`` gets the absolute path.
    """
    if Path(dbt.dbt_executable).name == WRAPPER:
        return {DBT_DATABASE_ENV: database.name, DBT_CWD_ENV: str(database.parent)}
    return {DBT_DATABASE_ENV: str(database)}


def dbt_step_env(dbt: DbtCliResource, settings: Settings) -> dict[str, str]:
    """What the dbt step adds to the environment of its ``dbt build`` (dagster-dbt adds its own):
    the working database (:func:`dbt_database_env`), the helpers lock dbt holds while it lives,
    and "cautious" indirect selection — a test runs only when every model it reads is selected. A
    run of some models (the UI's Materialize, a backfill's run of the seeds) would otherwise run
    the tests of models it does not build, which fail on a warehouse where those do not exist."""
    return {
        **dbt_database_env(dbt, settings.build_database),
        HELPERS_LOCK_ENV: str(settings.helpers_lock_file),
        "DBT_INDIRECT_SELECTION": "cautious",
    }


def dbt_build_ahead(settings: Settings) -> dict[str, Any]:
    """What the CLI build's dbt step will run its ``dbt build`` with, for the prepared dbt process
    to parse the project ahead (:mod:`orchestration.prepared_dbt`): dbt's global flags; its
    environment — :func:`dbt_step_env` and the folders that dagster-dbt's ``dbt.cli(…,
    target_path=…)`` passes in dbt's own variables —; its folder; and the project's partial-parse
    file, which dagster-dbt copies into a target folder that has none."""
    dbt, target = dbt_resource(), str(settings.dbt_target)
    env = {
        **dbt_step_env(dbt, settings),
        "DBT_PROJECT_DIR": dbt.project_dir,
        "DBT_PROFILES_DIR": str(dbt.profiles_dir),
        "DBT_TARGET_PATH": target,
        "DBT_LOG_PATH": target,
    }
    return {
        "args": list(dbt.global_config_flags),
        "env": env,
        "cwd": env.get(DBT_CWD_ENV, dbt.project_dir),
        "partial_parse": str(dbt_project().manifest_path.with_name(PARTIAL_PARSE_FILE_NAME)),
    }


#: The staging model of the change log's cursors: its source has no asset that writes it.
CHANGE_CURSORS_MODEL = "model.budget_warehouse.stg_raw__change_cursors"


class BudgetDbtTranslator(DagsterDbtTranslator):
    """All dbt models and seeds belong to the ``warehouse`` group; every dbt test's check says
    what it checks (:func:`~.dbt_check_descriptions.check_description`); seeds come after the
    raw tables."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if unique_id.startswith("seed."):
            # Seeds load into the working database after the raw tables, as every model does:
            # a backfill (Materialize all) runs them with the rest instead of in a run of their
            # own beside the extraction (docs/orchestration.md, "Backfills").
            return spec.merge_attributes(deps=[AssetKey(["raw", "documents"])])
        if unique_id == CHANGE_CURSORS_MODEL:
            # The loader writes the cursors with the raw tables: without this the cursors' model
            # is a root of its own and a backfill runs it before anything is loaded.
            return spec.merge_attributes(deps=[AssetKey(["raw", "pending_documents"])])
        return spec

    def get_asset_check_spec(
        self,
        asset_spec: AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        return spec._replace(description=check_description(manifest["nodes"][unique_id]))


@dataclass(frozen=True)
class IncrementalPlan:
    """How this ``dbt build`` treats the incremental models: rebuilt whole (``everything``) or
    only for the documents of the change log up to change ``through``."""

    everything: bool
    through: int
    code_hash: str
    reason: str
    documents: frozenset[str] | None = None  # to rebuild, when not everything

    def env(self) -> dict[str, str]:
        """For the models' ``documents_to_rebuild()``: the documents to rebuild, unless there are
        too many for one environment variable (then the models query the change log)."""
        if self.everything or self.documents is None:
            return {DBT_REBUILD_ENV: ""}
        given = json.dumps(sorted(self.documents))
        return {DBT_REBUILD_ENV: given if len(given) <= MAX_REBUILD_ENV else ""}


#: Linux limits one environment string to 128 KiB: ~5,000 document ids.
MAX_REBUILD_ENV = 100_000


def incremental_plan(database: Path, full: bool = False) -> IncrementalPlan:
    """Read dbt's cursor of the change log in the working database (``full``: whole anyway)."""
    code_hash = dbt_fingerprint()
    if not database.exists():
        return IncrementalPlan(True, 0, code_hash, "a new working database")
    with duckdb.connect(str(database), read_only=True) as con:
        if not has_schema(con, "raw"):
            return IncrementalPlan(True, 0, code_hash, "a new working database")
        pending = changes.pending(con, DBT_CONSUMER, code_hash)
    return IncrementalPlan(
        full or pending.everything, pending.through, code_hash, pending.reason, pending.documents
    )


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
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
        helpers: ResourceParam[BuildHelpers],
    ) -> Iterator[Any]:
        """``dbt build`` (models, seeds and tests) against the working database.

        Holds the writer lock for the whole dbt process; no DuckDB connection is open in this
        process meanwhile. A model error fails the step (nothing is published); failed tests are
        reported as failed asset checks. Skipped when nothing changed since the last clean build.
        """
        yield from dbt_build(context, dbt, warehouse, project.project_dir, helpers)

    return dbt_models


def dbt_build(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    project_dir: Path,
    helpers: BuildHelpers,
) -> Iterator[Any]:
    """The events of ``dbt build`` over the selected models, or of the build it is current with
    (the first ``dbt build`` run by the CLI's prepared dbt process when there is one)."""
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
    complete = context.selected_asset_keys == context.assets_def.keys  # every model selected
    with warehouse.writing():
        plan = incremental_plan(database)
        fingerprint = inputs_fingerprint(database, project_dir, selection)
        stamp = json.loads(stamp_file.read_text()) if stamp_file.exists() else {}
        if (
            not plan.everything
            and fingerprint
            and stamp.get("fingerprint") == fingerprint
            and marts_built(database)
        ):
            progress_log.info("dbt build: up to date (no document or model changed)")
            yield from up_to_date_events(context, stamp)
            return
        progress_log.info("dbt build …")
        started = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        stamp_file.unlink(missing_ok=True)
        if plan.everything:
            # Every mart is rebuilt whole: what validation and the report made of the old marts
            # is redone too (their cursors are dropped before the marts change).
            with warehouse.connect_working() as con:
                changes.forget(con)
        command = [*DBT_BUILD, "--full-refresh"] if plan.everything else DBT_BUILD
        with environment(**dbt_step_env(dbt, settings)):
            with environment(**plan.env(), **helpers.take_prepared_dbt()):
                invocation, events = run_dbt_build(context, dbt, target_path, command)
            # A document whose rows break a key test is rejected and dbt runs again without it
            # (the rejection is a change: the incremental models rebuild its rows).
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
                plan = incremental_plan(database, full=plan.everything)
                with environment(**plan.env()):
                    invocation, events = run_dbt_build(context, dbt, target_path, command)
        relations = {
            unique_id: (node["schema"], node.get("alias") or node["name"])
            for unique_id, node in invocation.manifest["nodes"].items()
            if node.get("resource_type") == "seed"
            or node.get("config", {}).get("materialized") in {"table", "incremental"}
        }
        counts = table_row_counts(database, relations) if database.exists() else {}
        run_results = invocation.get_artifact("run_results.json")
        # To stdout, beside dbt's own output (the CLI's build log; the run's compute log in the UI).
        scope = "every document" if plan.everything else plan.reason
        print(f"dbt step ({scope}): {step_seconds(*started)}", flush=True)
        if complete and models_built(run_results):
            with warehouse.connect_working() as con:
                changes.advance(con, DBT_CONSUMER, plan.through, plan.code_hash)
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


def step_seconds(wall_start: float, children_start: resource.struct_rusage) -> str:
    """Wall and child-process CPU seconds since the start (dbt's process is a child)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (children.ru_utime - children_start.ru_utime) + (
        children.ru_stime - children_start.ru_stime
    )
    return f"{time.perf_counter() - wall_start:.2f} s wall, {cpu:.2f} CPU-s in dbt"


def run_dbt_build(
    context: AssetExecutionContext, dbt: DbtCliResource, target_path: Path, command: list[str]
) -> tuple[DbtCliInvocation, list[Any]]:
    """``dbt build`` and its events."""
    invocation = dbt.cli(command, context=context, raise_on_error=False, target_path=target_path)
    return invocation, list(invocation.stream())

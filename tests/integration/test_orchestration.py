"""The Dagster code location end to end: definitions, partitions, incremental builds, publishing.

Real components throughout: the extractor on real PDFs, DuckDB, dbt, Dagster's in-process
executor. One module-scoped scenario builds the sample plus three real PDFs once; each test then
changes the raw folder, rebuilds and checks the published warehouse.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
import sqlalchemy as sa

from orchestration.definitions import defs, validation_checks
from orchestration.defs.build_runner import run_build, sync_partitions
from orchestration.defs.extract_assets import documents_partitions
from orchestration.defs.jobs import BUILD_JOB_NAME, RANGE_END_TAG, RANGE_START_TAG
from orchestration.defs.load_assets import RAW_TABLES
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.schedules import daily_build
from orchestration.defs.sensors import raw_folder_sensor
from orchestration.extract.pdf_source import fingerprint
from tests.paths import ROOT

# Small real documents (fast to extract) besides the sample; page counts as printed in the PDFs.
REAL = {
    "guangzhou_xinfangju_2026_budget.pdf": 25,
    "hangzhou_qixiangju_2026_budget.pdf": 25,
    "shanghai_xingkeyuan_2026_unit_budget.pdf": 20,
}
SAMPLE_PAGES = 68
REPLACEMENT = "shanghai_shenjiju_2026_unit_budget.pdf"  # 20 pages, copied over hangzhou's file
NEW_PDF = "shenzhen_xinfangju_2026_budget.pdf"  # 33 pages, added while a reader is connected


@dataclass
class Build:
    result: dg.ExecuteInProcessResult

    def metadata(self, *path: str) -> dict[str, Any]:
        """Metadata of the first materialisation of an asset in this run (values unwrapped)."""
        for event in self.result.get_asset_materialization_events():
            if event.materialization.asset_key.path == list(path):
                return {
                    k: getattr(v, "value", v) for k, v in event.materialization.metadata.items()
                }
        raise AssertionError(f"{'/'.join(path)} was not materialised")

    def extracted_partitions(self) -> dict[str, bool]:
        """{partition: extracted in this run} from the per-document observations."""
        found = {}
        for event in self.result.all_events:
            if event.event_type_value == "ASSET_OBSERVATION":
                observation = event.asset_observation_data.asset_observation
                found[observation.partition] = observation.metadata["extracted_now"].value
        return found


@dataclass
class Scenario:
    raw: Path
    warehouse: Path
    instance: dg.DagsterInstance
    corpus: Path
    first: Build | None = None  # the scenario's initial build

    def build(self) -> Build:
        keys = sync_partitions(self.instance, sorted(p.name for p in self.raw.glob("*.pdf")))
        result = run_build(defs, self.instance, keys)
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        return Build(result)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def documents(self) -> dict[str, tuple]:
        rows = self.query("select source_path, document_id, status, page_count from raw.documents")
        return {row[0]: row[1:] for row in rows}

    def marts(self) -> dict[str, list[tuple]]:
        tables = self.query(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and table_type = 'BASE TABLE' order by 1"
        )
        return {t: self.query(f'select * from marts."{t}" order by all') for (t,) in tables}


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, sample_pdf: Path, corpus_dir: Path
) -> Iterator[Scenario]:
    root = tmp_path_factory.mktemp("scenario")
    raw = root / "raw"
    raw.mkdir()
    shutil.copy(sample_pdf, raw)
    for name in REAL:
        shutil.copy(corpus_dir / name, raw)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BUDGET_RAW_DIR", str(raw))
        env.setenv("BUDGET_WAREHOUSE", str(root / "warehouse" / "budget.duckdb"))
        env.setenv("BUDGET_WORKERS", "2")
        scenario = Scenario(
            raw, root / "warehouse" / "budget.duckdb", dg.DagsterInstance.ephemeral(), corpus_dir
        )
        scenario.first = scenario.build()
        yield scenario


def test_definitions_load() -> None:
    dg.Definitions.validate_loadable(defs)
    repository = defs.get_repository_def()
    job = defs.resolve_job_def(BUILD_JOB_NAME)
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}

    assert {f"raw/{table}" for table in RAW_TABLES} <= keys
    assert {"document_extracts", "published_warehouse", "marts/fct_budget_expenditure"} <= keys
    assert repository.get_sensor_def("raw_folder_sensor").job_name == BUILD_JOB_NAME
    assert repository.get_schedule_def("daily_build").cron_schedule == "0 2 * * *"
    assert job.partitions_def == documents_partitions
    extracts = defs.resolve_assets_def("document_extracts")
    assert extracts.backfill_policy == dg.BackfillPolicy.single_run()
    # every dbt test became an asset check, beside the Great Expectations checks
    manifest = json.loads((ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    dbt_tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    checks = defs.resolve_asset_graph().asset_check_keys
    expectations = {key for check in validation_checks for key in check.check_keys}
    assert expectations <= checks
    assert len(checks - expectations) == len(dbt_tests) > 0
    # every check says what it checks, a dbt test's in the words of its YAML or of its arguments
    graph = defs.resolve_asset_graph()
    assert all(graph.get_check_spec(key).description for key in checks)
    dim_document = dg.AssetKey(["marts", "dim_document"])
    loaded = graph.get_check_spec(
        dg.AssetCheckKey(dim_document, "column_rules_dim_document_loaded")
    )
    assert loaded.description == "A loaded document belongs to a department — 已载入文档有部门"
    # every job runs its steps in one process, the UI's asset job (Materialize, backfills) too
    assert job.executor_def.name == "in_process"
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == "in_process"


IMPORT_ONLY = """
import os, sys
before = dict(os.environ)
import orchestration.defs.dbt_assets as dbt_assets
import orchestration.defs.validation_assets
import orchestration.validation.runner
assert dict(os.environ) == before, "an import changed the environment"
assert dbt_assets.dbt_project.cache_info().currsize == 0, "an import prepared the dbt project"
print("ok")
"""


def test_importing_the_building_blocks_runs_no_dbt_and_changes_no_environment() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ONLY], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr


def test_first_build_loads_every_document(scenario: Scenario) -> None:
    docs = scenario.documents()
    extracts = scenario.first.metadata("document_extracts")
    raw = scenario.first.metadata("raw", "documents")

    assert set(docs) == {"shenzhen-futian_zhengshuju_2020_budget.pdf", *REAL}
    assert {name: pages for name, (_, status, pages) in docs.items() if status == "loaded"} == {
        "shenzhen-futian_zhengshuju_2020_budget.pdf": SAMPLE_PAGES,
        **REAL,
    }
    assert (extracts["documents"], extracts["extracted_now"], extracts["rejected"]) == (4, 4, 0)
    assert extracts["pages"] == SAMPLE_PAGES + sum(REAL.values())
    assert raw["documents_loaded_now"] == 4
    # the raw tables hold exactly what the extracts held
    (tables, rows, cells) = scenario.query(
        "select (select count(*) from raw.tables), (select count(*) from raw.rows), "
        "(select count(*) from raw.cells)"
    )[0]
    assert (tables, rows, cells) == (extracts["tables_found"], extracts["rows"], extracts["cells"])
    # marts were built from them: every document has expenditure facts
    assert scenario.query("select count(*) from marts.dim_document") == [(4,)]
    assert scenario.query(
        "select count(distinct document_id) from marts.fct_budget_expenditure"
    ) == [(4,)]
    published = scenario.first.metadata("published_warehouse")
    assert published["documents_loaded"] == 4


def test_rebuild_with_nothing_changed_extracts_nothing(scenario: Scenario) -> None:
    scenario.build()  # settle: whatever the previous test left is now built
    marts_before = scenario.marts()

    build = scenario.build()

    assert set(build.extracted_partitions().values()) == {False}
    assert len(build.extracted_partitions()) == len(list(scenario.raw.glob("*.pdf")))
    assert build.metadata("document_extracts")["extracted_now"] == 0
    assert build.metadata("raw", "documents")["documents_loaded_now"] == 0
    assert build.metadata("marts", "fct_budget_expenditure")["up_to_date"] is True
    assert scenario.marts() == marts_before


def test_changed_pdf_is_the_only_one_re_extracted(scenario: Scenario) -> None:
    scenario.build()
    target = scenario.raw / "hangzhou_qixiangju_2026_budget.pdf"
    old_id = scenario.documents()[target.name][0]
    shutil.copyfile(scenario.corpus / REPLACEMENT, target)

    build = scenario.build()

    assert build.metadata("document_extracts")["extracted_keys"] == [target.name]
    assert build.metadata("raw", "documents")["documents_loaded_now"] == 1
    new_id, status, pages = scenario.documents()[target.name]
    assert (new_id, status, pages) == (fingerprint(target).sha256[:16], "loaded", 20)
    assert new_id != old_id
    for table in ("documents", "tables", "rows", "cells"):
        assert scenario.query(
            f"select count(*) from raw.{table} where document_id = '{old_id}'"
        ) == [(0,)]
    assert scenario.query(
        f"select count(*) from marts.dim_document where document_id = '{old_id}'"
    ) == [(0,)]


def test_removed_pdf_rows_disappear(scenario: Scenario) -> None:
    scenario.build()
    target = scenario.raw / "guangzhou_xinfangju_2026_budget.pdf"
    doc_id = scenario.documents()[target.name][0]
    assert scenario.query(
        f"select count(*) > 0 from marts.fct_budget_expenditure where document_id = '{doc_id}'"
    ) == [(True,)]
    target.unlink()

    build = scenario.build()

    assert build.metadata("raw", "documents")["documents_removed"] == 1
    assert target.name not in scenario.documents()
    assert target.name not in scenario.instance.get_dynamic_partitions("documents")
    for sql in (
        f"select count(*) from raw.cells where document_id = '{doc_id}'",
        f"select count(*) from marts.dim_document where document_id = '{doc_id}'",
        f"select count(*) from marts.fct_budget_expenditure where document_id = '{doc_id}'",
    ):
        assert scenario.query(sql) == [(0,)]


READER = r"""
import sys, time, duckdb, pathlib
path, stop, mode = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
held = duckdb.connect(path, read_only=True) if mode == "hold" else None
while not stop.exists():
    con = held or duckdb.connect(path, read_only=True)
    print(con.execute("select count(*) from raw.documents").fetchone()[0], flush=True)
    if held is None:
        con.close()
    time.sleep(0.02)
"""


def read_count(reader: subprocess.Popen[str]) -> int:
    """The next count a READER printed (fails with its error output when it ended)."""
    assert reader.stdout is not None
    line = reader.stdout.readline()
    assert line, reader.communicate(timeout=120)[1]
    return int(line)


def test_readers_keep_working_while_a_build_publishes(scenario: Scenario, tmp_path: Path) -> None:
    scenario.build()
    before = len(scenario.documents())
    stop = tmp_path / "stop"
    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-c", READER, str(scenario.warehouse), str(stop), mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("hold", "reconnect")
    }
    # Both readers are querying before the build starts (however long their start takes).
    seen = {mode: [read_count(reader)] for mode, reader in readers.items()}
    shutil.copy(scenario.corpus / NEW_PDF, scenario.raw)

    build = scenario.build()
    while seen["reconnect"][-1] != before + 1:  # the build is published: a new connection sees it
        seen["reconnect"].append(read_count(readers["reconnect"]))
    stop.touch()
    outputs = {mode: reader.communicate(timeout=120) for mode, reader in readers.items()}

    assert build.metadata("document_extracts")["extracted_keys"] == [NEW_PDF]
    for mode, (_out, err) in outputs.items():
        assert readers[mode].returncode == 0, err
        assert err == "", err
    held = seen["hold"] + [int(line) for line in outputs["hold"][0].split()]
    reconnected = seen["reconnect"] + [int(line) for line in outputs["reconnect"][0].split()]
    assert len(held) > 20 and set(held) == {before}  # its snapshot, throughout the build
    assert len(reconnected) > 20 and set(reconnected) == {before, before + 1}
    assert reconnected == sorted(reconnected)  # once the new build is seen, it stays
    assert reconnected[-1] == before + 1  # a reconnecting reader sees the new build
    assert NEW_PDF in scenario.documents()  # a new connection sees the new document
    assert len(scenario.documents()) == before + 1


def test_sqlalchemy_read_only_connection(scenario: Scenario) -> None:
    expected = len(scenario.documents())
    engine = sa.create_engine(f"duckdb:///{scenario.warehouse}?access_mode=read_only")
    try:
        with engine.connect() as con:
            documents = con.execute(sa.text("select count(*) from marts.dim_document")).scalar()
            assert documents == expected
            assert "fct_budget_expenditure" in sa.inspect(con).get_table_names(schema="marts")
            with pytest.raises(sa.exc.DBAPIError, match="read-only"):
                con.execute(sa.text("create table marts.scratch (x integer)"))
    finally:
        engine.dispose()


def test_sensor_tracks_the_raw_folder(tmp_path: Path, sample_pdf: Path, corpus_dir: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    shutil.copy(sample_pdf, raw / "a.pdf")
    shutil.copy(corpus_dir / "guangzhou_xinfangju_2026_budget.pdf", raw / "sub" / "b.pdf")
    instance = dg.DagsterInstance.ephemeral()
    resources = {
        "warehouse": WarehouseResource(raw_dir=str(raw), warehouse=str(tmp_path / "w.duckdb"))
    }

    def tick(cursor: str | None) -> dg.SensorResult:
        context = dg.build_sensor_context(
            instance=instance, cursor=cursor, resources=resources, definitions=defs
        )
        result = raw_folder_sensor(context)
        for request in result.dynamic_partitions_requests or []:
            if isinstance(request, dg.AddDynamicPartitionsRequest):
                instance.add_dynamic_partitions("documents", list(request.partition_keys))
            else:
                for key in request.partition_keys:
                    instance.delete_dynamic_partition("documents", key)
        return result

    first = tick(None)
    assert instance.get_dynamic_partitions("documents") == ["a.pdf", "sub/b.pdf"]
    [run] = first.run_requests
    assert (run.tags[RANGE_START_TAG], run.tags[RANGE_END_TAG]) == ("a.pdf", "sub/b.pdf")

    quiet = tick(first.cursor)
    assert not quiet.run_requests and quiet.skip_reason is not None

    shutil.copyfile(corpus_dir / REPLACEMENT, raw / "sub" / "b.pdf")  # content changed
    (raw / "a.pdf").unlink()
    changed = tick(quiet.cursor)
    assert instance.get_dynamic_partitions("documents") == ["sub/b.pdf"]
    [run] = changed.run_requests
    assert (run.tags[RANGE_START_TAG], run.tags[RANGE_END_TAG]) == ("sub/b.pdf", "sub/b.pdf")


def test_daily_schedule_covers_every_partition() -> None:
    with dg.instance_for_test() as instance:
        when = datetime(2026, 1, 1, 2)
        context = dg.build_schedule_context(instance=instance, scheduled_execution_time=when)
        assert isinstance(daily_build(context), dg.SkipReason)

        instance.add_dynamic_partitions("documents", ["a.pdf", "b.pdf", "c/d.pdf"])
        request = daily_build(context)
        assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == ("a.pdf", "c/d.pdf")

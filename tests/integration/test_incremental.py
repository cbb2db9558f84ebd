"""Incremental builds publish what a full build publishes.

One module-scoped scenario keeps two warehouses of the same raw folder: one built incrementally
(``budget-warehouse build``), one rebuilt with ``--full`` after every change. After a changed PDF
(another PDF's bytes under the same name), an added PDF (the narrative file that pairs with a
tables-only file: the other file's rows change too), a removed PDF and a changed dbt project, the
two have identical marts, audit and report; the build log says how many documents dbt rebuilt.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from orchestration.commands.build import build
from orchestration.settings import Settings
from orchestration.warehouse.changes import DBT_CONSUMER
from orchestration.warehouse.digest import BUILD_TIME_COLUMNS, folder_digests, table_digests
from tests.paths import CORPUS, WIDE

pytestmark = pytest.mark.slow

TABLES = CORPUS / "beijing_shenjiju_2026_budget_tables.pdf"  # tables-only, 北京市审计局 2026
NARRATIVE = WIDE / "002_北京" / "2026年北京市审计局部门预算.pdf"  # its narrative-only file
UNIT = CORPUS / "shanghai_xingkeyuan_2026_unit_budget.pdf"  # 20 pages
REPLACEMENT = (
    CORPUS / "shanghai-putuo_zhengfubangongshi_2025_budget.pdf"
)  # bytes put under UNIT's name


@dataclass
class Step:
    """One change, built both ways: digests of each warehouse and the incremental dbt step."""

    incremental: dict[str, dict[str, str]]
    full: dict[str, dict[str, str]]
    dbt_scope: str
    statuses: tuple[int, int]


@dataclass
class Scenario:
    raw: Path
    incremental: Settings
    full: Settings
    steps: dict[str, Step] = field(default_factory=dict)

    def run(self, name: str) -> None:
        status = build(self.incremental, out=io.StringIO())
        scope = dbt_scope(self.incremental)
        full_status = build(self.full, out=io.StringIO(), full=True)
        assert dbt_scope(self.full) == "every document"
        self.steps[name] = Step(
            digests(self.incremental), digests(self.full), scope, (status, full_status)
        )


def digests(settings: Settings) -> dict[str, dict[str, str]]:
    """Marts, audit and report of a published warehouse, build times left out."""
    warehouse = settings.warehouse
    return {
        "marts": table_digests(warehouse, "marts", BUILD_TIME_COLUMNS),
        "audit": table_digests(warehouse, "audit", BUILD_TIME_COLUMNS),
        "report": folder_digests(settings.report_index.parent),
    }


def dbt_scope(settings: Settings) -> str:
    """What the last build's dbt step rebuilt, as its build log says."""
    found = re.findall(r"^dbt step \((.+?)\): ", settings.build_log.read_text(), re.MULTILINE)
    assert found, f"no dbt step in {settings.build_log}"
    return found[-1]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    root = tmp_path_factory.mktemp("incremental")
    raw = root / "raw"
    raw.mkdir()
    for pdf in (TABLES, UNIT):
        shutil.copy(pdf, raw / pdf.name)
    # Two folders (each has its report beside the warehouse), one extract cache.
    (root / "incremental").mkdir()
    (root / "full" / ".cache").mkdir(parents=True)
    (root / "full" / ".cache" / "extracts").symlink_to(root / "incremental" / ".cache" / "extracts")
    scenario = Scenario(
        raw,
        Settings.from_env(raw, root / "incremental" / "budget.duckdb"),
        Settings.from_env(raw, root / "full" / "budget.duckdb"),
    )
    build(scenario.incremental, out=io.StringIO())  # the first build is a whole one
    assert dbt_scope(scenario.incremental) == "every document"

    shutil.copyfile(REPLACEMENT, raw / UNIT.name)
    scenario.run("changed")

    shutil.copy(NARRATIVE, raw / NARRATIVE.name)
    scenario.run("added")

    (raw / NARRATIVE.name).unlink()
    scenario.run("removed")

    # A changed dbt project: the marts were built by other code. One row of an unchanged
    # document is altered as old code might have made it; only a whole rebuild restores it.
    working = scenario.incremental.build_database
    with duckdb.connect(str(working)) as con:
        con.execute(
            "update raw.change_cursors set code_hash = 'other' where consumer = ?", [DBT_CONSUMER]
        )
        con.execute(
            "update marts.fct_budget_expenditure set amount_yuan = amount_yuan + 1 "
            "where document_id = (select min(document_id) from marts.fct_budget_expenditure)"
        )
    scenario.incremental.published_record.unlink()  # else "up to date": no PDF changed
    status = build(scenario.incremental, out=io.StringIO())
    removed = scenario.steps["removed"]
    scenario.steps["dbt project changed"] = Step(
        digests(scenario.incremental),
        removed.full,  # same raw folder as the step before
        dbt_scope(scenario.incremental),
        (status, removed.statuses[1]),
    )
    yield scenario


@pytest.mark.parametrize("step", ["changed", "added", "removed", "dbt project changed"])
def test_incremental_and_full_builds_publish_the_same(scenario: Scenario, step: str) -> None:
    built = scenario.steps[step]
    assert built.statuses[0] == built.statuses[1]
    for part in ("marts", "audit", "report"):
        incremental, full = built.incremental[part], built.full[part]
        assert sorted(incremental) == sorted(full), part
        differing = sorted(name for name in full if incremental[name] != full[name])
        assert differing == [], f"{part} differs after the {step} step"
    assert "fct_budget_expenditure" in built.full["marts"]
    assert any(name.startswith("documents/") for name in built.full["report"])


def test_dbt_rebuilds_only_the_changed_documents_and_their_departments(
    scenario: Scenario,
) -> None:
    steps = scenario.steps
    # The file's old document is deleted, its new one built; the tables file is left alone.
    assert steps["changed"].dbt_scope == "2 document(s) changed or related"
    # The narrative file pairs with the tables file: both are rebuilt, not the unit's.
    assert steps["added"].dbt_scope == "2 document(s) changed or related"
    assert steps["removed"].dbt_scope == "2 document(s) changed or related"
    assert steps["dbt project changed"].dbt_scope == "every document"


def test_the_pair_changes_the_tables_files_rows(scenario: Scenario) -> None:
    """The added narrative file changes the tables file's marts rows (why related documents are
    rebuilt): the disclosure and its reconciliation differ between the steps."""
    added, removed = scenario.steps["added"].full["marts"], scenario.steps["removed"].full["marts"]
    assert added["dim_document"] != removed["dim_document"]
    assert scenario.steps["changed"].full["marts"] == removed

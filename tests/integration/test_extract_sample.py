"""The sample PDF, cell by cell against the seed text it was made from."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.paths import SEED
from tests.seed_tables import seed_cells
from tests.warehouse_build import connect_read_only

TABLE_TYPES = {
    1: "income_expenditure_summary",
    2: "income_summary",
    3: "expenditure_summary",
    4: "basic_expenditure",
    5: "project_expenditure",
    6: "fiscal_appropriation_summary",
    7: "general_budget_function",
    8: "government_fund",
    9: "state_capital",
    10: "transfer_payment",
    11: "procurement",
    12: "three_public",
    13: "performance",
}


@pytest.fixture(scope="module")
def raw_db(sample_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The raw tables of the shared sample build (exactly what the extractor wrote)."""
    with connect_read_only(sample_warehouse) as con:
        yield con


def test_document_facts(raw_db: duckdb.DuckDBPyConnection) -> None:
    row = raw_db.execute(
        "select department_name, fiscal_year, page_count, phase, scope, status from raw.documents"
    ).fetchone()
    assert row == ("深圳市福田区政务服务数据管理局", 2020, 68, "budget", "department", "loaded")


def test_tables_are_classified_on_their_pages(raw_db: duckdb.DuckDBPyConnection) -> None:
    found = {
        number: (table_type, pages, unit)
        for number, table_type, pages, unit in raw_db.execute(
            "select printed_number, table_type, pages, amount_unit from raw.tables "
            "where printed_number is not null"
        ).fetchall()
    }
    assert found["表4"] == ("basic_expenditure", [16, 17, 18, 19, 20], "万元")
    assert found["表7"] == ("general_budget_function", [24, 25, 26], "万元")
    assert found["表12"] == ("three_public", [32, 33], "万元")
    for number, table_type in TABLE_TYPES.items():
        assert found[f"表{number}"][0] == table_type


def test_every_seed_cell_is_in_the_raw_tables(raw_db: duckdb.DuckDBPyConnection) -> None:
    expected = seed_cells(Path(SEED), range(1, 14))
    extracted = Counter(
        raw_db.execute(
            """
            select t.table_type, c.row_label, col.header_labels[-1], c.raw_text
            from raw.cells c
            join raw.tables t using (document_id, table_id)
            join raw.columns col using (document_id, table_id, column_index)
            where c.raw_text <> ''
            """
        ).fetchall()
    )
    missing = []
    for cell in expected:
        key = (TABLE_TYPES[cell.table], cell.row_label, cell.column_label, cell.raw)
        if extracted[key] > 0:
            extracted[key] -= 1
        else:
            missing.append(key)
    found = len(expected) - len(missing)
    print(f"seed numeric cells found in raw tables: {found}/{len(expected)}")
    assert len(expected) == 657  # every amount printed in 表1–表13 of the seed
    assert missing == []


def test_hierarchy_of_the_procurement_table(raw_db: duckdb.DuckDBPyConnection) -> None:
    rows = raw_db.execute(
        """
        select child.code, parent.code, child.unit_name
        from raw.rows child
        join raw.tables t using (document_id, table_id)
        left join raw.rows parent
            on parent.document_id = child.document_id and parent.table_id = child.table_id
            and parent.row_index = child.parent_row_index
        where t.table_type = 'procurement' and child.code in ('A03020201', 'A0306', 'C1300')
        order by child.row_index
        """
    ).fetchall()
    assert rows[:3] == [
        ("A03020201", "A030202", "深圳市福田区政务服务数据管理局(本级)"),
        ("A0306", "A03", "深圳市福田区政务服务数据管理局(本级)"),
        ("C1300", "C", "深圳市福田区政务服务数据管理局(本级)"),
    ]


def test_narrative_figures(raw_db: duckdb.DuckDBPyConnection) -> None:
    figures = {
        k: (str(v), p)
        for k, v, p in raw_db.execute(
            "select key, amount, page from raw.narrative_figures"
        ).fetchall()
    }
    assert figures["total_income"] == ("10251.690000", 6)
    assert figures["procurement_total"] == ("3320.230000", 9)
    assert figures["procurement_goods"] == ("287.240000", 9)
    assert figures["procurement_services"] == ("3032.990000", 9)
    assert figures["three_public_total"] == ("9.340000", 9)
    assert figures["three_public_official_reception"] == ("2.000000", 9)
    assert figures["three_public_vehicle_operation"] == ("7.340000", 9)

"""The marts as a BI tool and an analyst meet them, on the real corpus (CONTRACT §3.4): a copy
under another name answers every object, types a BI tool knows, COMMENTs on every table and
column, measures named for their base, and the bridge that replaced the list column."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

USER_SCHEMAS = "schema_name not in ('information_schema', 'pg_catalog') and not internal"


@pytest.fixture(scope="module")
def corpus(corpus_warehouse: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(corpus_warehouse), read_only=True)


def objects(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    """Every table and view of every schema a user sees in ``catalog``."""
    return con.execute(
        f"select schema_name, table_name from duckdb_tables() "
        f"where database_name = ? and {USER_SCHEMAS} "
        f"union all select schema_name, view_name from duckdb_views() "
        f"where database_name = ? and {USER_SCHEMAS} order by all",
        [catalog, catalog],
    ).fetchall()


def test_a_renamed_copy_answers_every_table_and_view(
    corpus_warehouse: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "budget copy 2026.duckdb"
    shutil.copyfile(corpus_warehouse, copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        [(catalog,)] = con.execute("select current_database()").fetchall()
        assert catalog == "budget copy 2026"
        found = objects(con, catalog)
        counts = {
            (schema, name): con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            for schema, name in found
        }
        views = con.execute(
            "select count(*), count(*) filter (where regexp_matches(sql, ?)) "
            "from duckdb_views() where not internal",
            [r'(^|[^\w.])"?[\w ]+"?\.(raw|staging|intermediate|marts|reference|audit)\.'],
        ).fetchone()
    schemas = {schema for schema, _ in found}
    assert {"raw", "staging", "intermediate", "marts", "reference"} <= schemas
    # the staging views, the cross-document intermediate views and the analyst views (the
    # per-document intermediate models are incremental tables): none names its build's catalog
    assert views[0] > 10 and views[1] == 0
    assert counts[("marts", "v_department_year_summary")] == 19
    assert counts[("marts", "dim_document")] == 20
    # attached beside another database under yet another name
    with duckdb.connect() as con:
        con.execute(f"attach '{copy}' as \"w 2\" (read_only)")
        assert (
            con.execute('select count(*) from "w 2".marts.v_department_year_summary').fetchone()[0]
            == 19
        )
        assert (
            con.execute('select count(*) from "w 2".staging.stg_raw__documents').fetchone()[0] == 20
        )


def test_marts_hold_types_a_bi_tool_knows(corpus: duckdb.DuckDBPyConnection) -> None:
    columns = corpus.execute(
        "select table_name, column_name, data_type from duckdb_columns() where schema_name = 'marts'"
    ).fetchall()
    nested = [
        c for c in columns if c[2].endswith("]") or c[2].startswith(("STRUCT", "MAP", "UNION"))
    ]
    assert nested == []
    amounts = [c for c in columns if c[1].endswith("_yuan")]
    assert len(amounts) > 40
    assert [c for c in amounts if not c[2].startswith("DECIMAL")] == []


def test_every_marts_table_and_column_carries_a_comment(corpus: duckdb.DuckDBPyConnection) -> None:
    relations = corpus.execute(
        "select table_name, comment from duckdb_tables() where schema_name = 'marts' "
        "union all select view_name, comment from duckdb_views() where schema_name = 'marts'"
    ).fetchall()
    assert len(relations) >= 20 and [name for name, comment in relations if not comment] == []
    missing = corpus.execute(
        "select table_name, column_name from duckdb_columns() "
        "where schema_name = 'marts' and coalesce(comment, '') = ''"
    ).fetchall()
    assert missing == []
    [(comment,)] = corpus.execute(
        "select comment from duckdb_columns() where schema_name = 'marts' "
        "and table_name = 'fct_department_year' and column_name = 'general_budget_expenditure_yuan'"
    ).fetchall()
    assert "General-public-budget" in comment and "一般公共预算支出" in comment


def test_dimensions_join_without_ambiguous_names(corpus: duckdb.DuckDBPyConnection) -> None:
    shared = corpus.execute(
        "select column_name from duckdb_columns() where schema_name = 'marts' "
        "and table_name in ('dim_department', 'dim_region') group by all having count(*) > 1"
    ).fetchall()
    assert sorted(shared) == [("level",), ("region_code",)]  # the join key; level (contract)
    rows = corpus.execute(
        "select department_name, region_name, city, city_code from marts.dim_department "
        "join marts.dim_region using (region_code) order by department_name"
    ).fetchall()
    city = {name: (region, c, code) for name, region, c, code in rows}
    assert city["上海市普陀区财政局"] == ("普陀区", "上海市", "310000")  # a district of a 直辖市
    assert city["深圳市信访局"] == ("深圳市", "深圳市", "440300")  # a 地级市
    assert city["国家信访局"] == ("中央", None, None)


def wan(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else (amount / 10000).quantize(Decimal("0.01"))


def test_measures_say_their_base(corpus: duckdb.DuckDBPyConnection) -> None:
    cursor = corpus.execute(
        "select f.*, d.department_name from marts.fct_department_year f "
        "join marts.dim_department d using (department_id) where d.department_name = '国家信访局' "
        "order by fiscal_year"
    )
    names = [c[0] for c in cursor.description]
    final, budget = (dict(zip(names, row, strict=True)) for row in cursor.fetchall())
    # 2026 budget: all funds 50,616.94 万元 = basic 11,056.07 + project 39,560.87 (支出总表);
    # the general public budget is 16,474.82 (basic 9,880.88 on that base)
    assert wan(budget["all_funds_expenditure_yuan"]) == Decimal("50616.94")
    assert wan(budget["all_funds_basic_expenditure_yuan"]) == Decimal("11056.07")
    assert wan(budget["all_funds_project_expenditure_yuan"]) == Decimal("39560.87")
    assert wan(budget["general_budget_expenditure_yuan"]) == Decimal("16474.82")
    assert wan(budget["general_budget_basic_expenditure_yuan"]) == Decimal("9880.88")
    assert budget["basic_expenditure_yuan"] == budget["general_budget_basic_expenditure_yuan"]
    assert budget["basic_project_base"] == "general_budget"
    # 2024 final accounts: the 三公 total printed (46.21 万元) beside the sum of its lines (46.20)
    assert wan(final["three_public_printed_total_yuan"]) == Decimal("46.21")
    assert wan(final["three_public_lines_yuan"]) == Decimal("46.20")
    # no 2025 row, so nothing from the row before
    assert budget["previous_year_all_funds_expenditure_yuan"] is None
    summary = corpus.execute(
        "select all_funds_expenditure_yuan, general_budget_expenditure_yuan, total_expenditure_yuan, "
        "city, level, category_name_en from marts.v_department_year_summary "
        "where department_name = '深圳市民政局'"
    ).fetchall()
    assert [(wan(a), wan(g), wan(t), c, lv, en) for a, g, t, c, lv, en in summary] == [
        (
            Decimal("28283.46"),
            Decimal("8947.33"),
            Decimal("8947.33"),
            "深圳市",
            "prefecture",
            "Civil affairs",
        )
    ]


def test_the_bridge_names_the_documents_behind_every_figure(
    corpus: duckdb.DuckDBPyConnection,
) -> None:
    figure_documents = corpus.execute(
        "select count(*) from marts.fct_department_year f "
        "join marts.bridge_department_year_document b using (department_year_id) "
        "where b.is_figure_source and not contains(b.figures, 'three_public')"
        "  and f.three_public_document_id = b.document_id"
    ).fetchone()[0]
    assert figure_documents == 0
    rows = corpus.execute(
        "select count(*), count(distinct department_year_id), count(*) filter (where is_figure_source) "
        "from marts.bridge_department_year_document"
    ).fetchone()
    assert rows == (20 - 1, 19, 19)  # 20 PDFs, one rejected (scanned); one document per row

"""Reading an error's figures from the page: numbers in text, and whether some add up."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from orchestration.evidence.page_check import (
    MAX_PARTS,
    in_text,
    numbers_in,
    printed_in,
    row_total_parts,
    sibling_row_adding_up,
    stated_parts,
    sums_to,
)

D = Decimal


def test_numbers_in_page_text_drop_separators_and_keep_codes_apart() -> None:
    text = "合 计 5,609.33 5,274.99 329.34 5.00\n205 教育支出 16.00 —7— １，２３４．５０"
    assert numbers_in(text) == [
        D("5609.33"),
        D("5274.99"),
        D("329.34"),
        D("5.00"),
        D("205"),
        D("16.00"),
        D("7"),
        D("1234.50"),
    ]


def test_a_figure_is_printed_in_yuan_or_wan_yuan_but_a_zero_never_is() -> None:
    page = numbers_in("合计 171462.41 24815.52 本年支出合计 0.00")
    units = (D(1), D(10000))
    assert printed_in(page, D("1714624100.00"), units)
    assert not printed_in(page, D("1712624100.00"), units)
    assert not printed_in(page, D("0"), units)


def test_a_row_that_adds_up_on_the_page_is_found() -> None:
    # 烟台 收入总体情况表 合计 row: 5,609.33 = 5,274.99 (小计) + 329.34 + 5.00, beside the
    # 小计's own parts 3,773.71 and 1,501.28.
    line = [D("5274.99"), D("3773.71"), D("1501.28"), D("329.34"), D("5.00")]
    found = sums_to(line, D("5609.33"), D("0.03"))
    assert found is not None and sum(found) == D("5609.33")


def test_a_parent_its_printed_children_do_not_give_is_not_found() -> None:
    # 信访事务 1,378.84 over 行政运行 507.97 and 事业运行 346.87: the page is inconsistent.
    assert sums_to([D("507.97"), D("346.87")], D("1378.84"), D("0.02")) is None


def test_too_many_numbers_are_not_tried() -> None:
    assert sums_to([D(1)] * (MAX_PARTS + 1), D(2), D(0)) is None


def test_a_printed_zero_is_not_the_sum_of_nonzero_parts() -> None:
    # 长春 支出总表: 2014002 prints 小计 0.00 beside 项目支出 458.00.
    assert sums_to([D("458.00")], D("0"), D("0.02")) is None


def test_a_stated_zero_is_printed_a_blank_is_not() -> None:
    assert in_text("2026年政府采购预算0万元，其中：政府采购货物预算0万元", D(0))
    assert not in_text("合计 29,837.96 10.00", D(0))
    assert in_text("合计 29,837.96 10.00", D("298379600"))


def test_a_line_number_or_a_code_is_not_an_amount_in_text() -> None:
    assert not in_text("1 合计 2 301 工资福利支出", D(1))
    assert in_text("三公经费预算支出16.84万元，会议费 5万元", D(168400))
    assert in_text("会议费 5万元", D(50000))


def _table(rows: dict[int, dict[str, int]], passing: list[int]) -> duckdb.DuckDBPyConnection:
    """A minimal warehouse: one table's cells per row and column, the passing row-total checks."""
    con = duckdb.connect()
    con.execute("create schema raw; create schema marts")
    con.execute(
        "create table raw.columns (document_id varchar, table_id integer, column_index integer, "
        "column_path varchar)"
    )
    con.execute(
        "create table raw.cells (document_id varchar, table_id integer, row_index integer, "
        "column_index integer, page integer, value decimal(20, 2), x0 double, top double, "
        "x1 double, bottom double)"
    )
    con.execute(
        "create table marts.reconciliation_results (document_id varchar, table_id integer, "
        "row_index integer, rule varchar, column_label varchar, status varchar, "
        "expected_yuan decimal(20, 2))"
    )
    paths = sorted({path for cells in rows.values() for path in cells})
    for index, path in enumerate(paths):
        con.execute("insert into raw.columns values ('d', 1, ?, ?)", [index, path])
    for row, cells in rows.items():
        for path, value in cells.items():
            con.execute(
                "insert into raw.cells values ('d', 1, ?, ?, 1, ?, 0, 0, 1, 1)",
                [row, paths.index(path), value],
            )
    for row in passing:
        con.execute(
            "insert into marts.reconciliation_results values "
            "('d', 1, ?, 'row_total_equals_sum_of_columns', '合计', 'pass', ?)",
            [row, sum(rows[row].values())],
        )
    return con


def test_a_row_totals_parts_are_named_by_its_detail() -> None:
    result = {"detail": "printed 合计 vs 当年预算/小计 + 上年结转结余/小计"}
    assert row_total_parts(result) == ["当年预算/小计", "上年结转结余/小计"]


def test_the_columns_are_borne_out_by_a_row_adding_up_over_the_columns_carrying_money() -> None:
    # 长春 支出总表: 2014002 prints 合计 458.00 over 当年预算/小计 0.00 + 上年结转/小计 0.00;
    # 2014001 adds up over the same columns (903.85 = 903.85 + 0.00).
    parts = ["当年预算/小计", "上年结转/小计"]
    con = _table(
        {
            1: {"当年预算/小计": 903, "上年结转/小计": 0},
            2: {"当年预算/小计": 0, "上年结转/小计": 0},
        },
        passing=[1],
    )
    failing = {"document_id": "d", "table_id": 1, "row_index": 2, "column_label": "合计"}
    assert sibling_row_adding_up(con, failing, parts) == 1


def test_a_column_carrying_money_only_in_failing_rows_is_never_borne_out() -> None:
    # 深圳 支出总表: 支出总计 = 基本 + 项目 where 事业单位经营支出 is 0; the row printing 经营支出
    # (an "of which" of 项目支出) fails — no row adding up carries money there.
    parts = ["基本支出", "项目支出", "事业单位经营支出"]
    con = _table(
        {
            1: {"基本支出": 50, "项目支出": 0, "事业单位经营支出": 0},
            2: {"基本支出": 0, "项目支出": 2100, "事业单位经营支出": 2100},
        },
        passing=[1],
    )
    failing = {"document_id": "d", "table_id": 1, "row_index": 2, "column_label": "合计"}
    assert sibling_row_adding_up(con, failing, parts) is None


def test_a_narrative_total_is_borne_out_by_the_parts_it_states_beside_it() -> None:
    # 福州 公安局交通警察局 p.37: "政府采购预算总额0万元,其中:货物3456.6万元、工程0万元、服务
    # 4683.6万元" — the facts (8,140.2 万元) are printed nowhere as one figure, but as its parts.
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(
        "create table raw.narrative_figures (document_id varchar, key varchar, amount decimal(20, 6))"
    )
    con.execute(
        "insert into raw.narrative_figures values ('d', 'procurement_total', 0), "
        "('d', 'procurement_goods', 3456.6), ('d', 'procurement_works', 0), "
        "('d', 'procurement_services', 4683.6)"
    )
    text = "政府采购预算总额0万元,其中:政府采购货物预算3456.6万元、政府采购工程预算0万元、政府采购服务预算4683.6万元。"
    result = {"document_id": "d", "row_label": "procurement_total", "tolerance_yuan": 400}
    assert stated_parts(con, result, text, D("81402000")) == [
        D("34566000.00"),
        D("0.00"),
        D("46836000.00"),
    ]
    assert stated_parts(con, result, text, D("81000000")) is None  # not what the parts give
    assert stated_parts(con, result, text.replace("4683.6", "4680.0"), D("81402000")) is None

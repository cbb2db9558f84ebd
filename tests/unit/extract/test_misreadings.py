"""Classes of misreading fixed as mechanisms (issue 22), each on a minimal hand-made table or
text: a second classification's code columns, a total row with trailing punctuation, a table
printing no unit, department names around headings and punctuation, the prior year's 三公 from
the narrative."""

from __future__ import annotations

from decimal import Decimal

from orchestration.extract.catalog import load_catalog
from orchestration.extract.models import Figure, PageTable
from orchestration.extract.names import clean_name, titled_name
from orchestration.extract.narrative import find_figures
from orchestration.extract.rows import parse_table
from orchestration.extract.stitch import stitch
from orchestration.extract.units import settle_units

CATALOG = load_catalog()
WIDTH, HEIGHT = 60.0, 12.0


def grid(rows: list[list[str | None]], above: tuple[str, ...]) -> PageTable:
    """One ruled grid: a cell box per cell, the lines printed above it."""
    columns = max(len(r) for r in rows)
    boxes = [
        [(c * WIDTH, r * HEIGHT, (c + 1) * WIDTH, (r + 1) * HEIGHT) for c in range(columns)]
        for r in range(len(rows))
    ]
    return PageTable(
        page=1,
        bbox=(0.0, 0.0, columns * WIDTH, len(rows) * HEIGHT),
        grid=rows,
        cell_boxes=boxes,
        column_boxes=[(c * WIDTH, 0.0, (c + 1) * WIDTH, 0.0) for c in range(columns)],
        lines_above=list(above),
    )


def test_a_second_classifications_code_columns_do_not_extend_the_rows_code() -> None:
    # 基本支出预算情况表: 部门经济科目 类 | 款 | 名称, then 政府经济科目 类 | 款 | 名称, then amounts.
    # One 部门 类 (301) appears twice, once per 政府 类 (501, 505); its items nest under each.
    header = [
        "类",
        "款",
        "部门预算支出经济分类科目",
        "类",
        "款",
        "政府预算支出经济分类科目",
        "合计",
    ]
    body = [
        ["", "", "合计", "", "", "", "100.00"],
        ["301", "", "工资福利支出", "501", "", "机关工资福利支出", "60.00"],
        ["301", "01", "基本工资", "501", "01", "工资奖金津补贴", "60.00"],
        ["301", "", "工资福利支出", "505", "", "对事业单位经常性补助", "40.00"],
        ["301", "01", "基本工资", "505", "01", "工资福利支出", "40.00"],
    ]
    [table] = stitch([grid([header, *body], above=("公开表10", "基本支出预算情况表"))], CATALOG)
    rows = parse_table(table, CATALOG, None).rows
    assert [(r.code, r.kind, r.parent_index) for r in rows] == [
        (None, "total", None),
        ("301", "item", None),
        ("30101", "item", 1),
        ("301", "item", None),
        ("30101", "item", 3),
    ]
    leaves = {r.index for r in rows} - {r.parent_index for r in rows} - {0}
    assert sum(Decimal(rows[i].cells[-1]) for i in leaves) == Decimal("100.00")


def test_a_total_label_with_a_trailing_colon_is_the_total() -> None:
    header = ["科目编码", "功能分类科目名称", "合计", "基本支出", "项目支出"]
    body = [
        ["", "总计:", "150.00", "100.00", "50.00"],
        ["201", "一般公共服务支出", "150.00", "100.00", "50.00"],
        ["2010101", "行政运行", "150.00", "100.00", "50.00"],
    ]
    [table] = stitch([grid([header, *body], above=("本年一般公共预算支出表",))], CATALOG)
    rows = parse_table(table, CATALOG, None).rows
    assert [(r.name, r.kind) for r in rows] == [
        ("总计", "total"),
        ("一般公共服务支出", "item"),
        ("行政运行", "item"),
    ]


def _tables(unit_line: str | None, total: str):
    printed = grid(
        [["项目", "预算数"], ["收入总计", "471,452,100"]], above=("收支预算总表", "单位:元")
    )
    bare = grid(
        [["项目", "合计"], ["合计", total]],
        above=("收入预算总表", *([unit_line] if unit_line else [])),
    )
    return stitch([printed, bare], CATALOG)


def test_a_table_printing_no_unit_reads_in_the_unit_another_table_proves() -> None:
    tables = _tables(None, "471,452,100")  # its total printed in the 元 table
    settle_units(tables, [])
    assert [(t.unit, t.unit_source) for t in tables] == [("元", "printed"), ("元", "proven")]


def test_the_narrative_proves_a_table_is_in_yuan() -> None:
    [table] = stitch(
        [grid([["项目", "合计"], ["合计", "2,390,138"]], above=("收入预算总表",))], CATALOG
    )
    settle_units([table], [Figure("total_income", "239.01", 3, "")])
    assert (table.unit, table.unit_source) == ("元", "proven")


def test_amounts_below_one_wan_in_yuan_prove_nothing() -> None:
    # 三公 合计 13.85 (万元): read in 元 it would round to a narrative "0万元"
    [table] = stitch(
        [grid([["合计", "公务接待费"], ["13.85", "0.30"]], above=("表八三公经费",))], CATALOG
    )
    settle_units([table], [Figure("three_public_vehicle_purchase", "0", 2, "")])
    assert (table.unit, table.unit_source) == ("万元", "default")


def test_a_printed_unit_is_kept_and_an_unproven_table_keeps_the_default() -> None:
    tables = _tables("单位:万元", "1,717.85")
    settle_units(tables, [])
    assert [(t.unit, t.unit_source) for t in tables] == [("元", "printed"), ("万元", "printed")]
    [alone] = stitch(
        [grid([["项目", "合计"], ["合计", "1,717.85"]], above=("收入预算总表",))], CATALOG
    )
    settle_units([alone], [Figure("total_income", "1717.85", 3, "")])
    assert (alone.unit, alone.unit_source) == ("万元", "default")


def test_department_names_lose_headings_and_stray_punctuation() -> None:
    assert clean_name(".长春市信访局(本级)") == "长春市信访局(本级)"
    assert clean_name("第一部分") is None
    assert clean_name("附件:北京市审计局") == "北京市审计局"
    assert clean_name("深圳市福田区园岭街道办事处、") == "深圳市福田区园岭街道办事处"
    lines = ["第一部分2026年度部门预算情况说明", "附件:北京市人民政府办公厅2026年度部门预算报表"]
    assert titled_name(lines) == "北京市人民政府办公厅"


def test_prior_year_three_public_from_the_total_and_its_stated_change() -> None:
    def prior(text: str) -> str | None:
        figures = {f.key: f.amount for f in find_figures([[text]], CATALOG)}
        return figures.get("three_public_prior_total")

    assert (
        prior('2026年本部门财政拨款安排"三公"经费238.4万元,比上年减少33.28万元,下降12.2%')
        == "271.68"
    )
    assert prior('2026年"三公"经费预算数为81.60万元,比2025年预算增加61.00万元。') == "20.60"
    assert prior('"三公"经费预算102.11万元,比2025年财政拨款"三公"经费预算增加3.21万元') == "98.90"
    assert prior('2026年"三公"经费预算数为27.00万元,与2025年预算持平。') == "27.00"
    assert prior('"三公"经费预算18.6万元,按照财政预算定额标准编报,较上年减少24.5万元') == "43.1"
    assert prior('2026年"三公"经费预算数为27.00万元。其中因公出国(境)费20.00万元') is None


def test_final_accounts_state_the_outcome_after_the_budget() -> None:
    # 决算 narrative: "…支出预算593.46万元,支出决算587.55万元" — the figure is the 决算.
    text = (
        '2022年度财政拨款安排"三公"经费支出预算593.46万元,支出决算587.55万元,完成预算的99%。'
        "2022年度财政拨款安排公务接待费预算1.86万元,支出决算0.11万元,完成预算的5.91%。"
        "2022年度财政拨款安排公务用车运行维护费预算455.12万元,支出决算450.96万元。"
    )
    figures = {f.key: f.amount for f in find_figures([[text]], CATALOG)}
    assert figures["three_public_total"] == "587.55"
    assert figures["three_public_official_reception"] == "0.11"
    assert figures["three_public_vehicle_operation"] == "450.96"
    # A budget's sentence states no 决算: its figure is the budget's, as before.
    budget = {
        f.key: f.amount for f in find_figures([['2026年"三公"经费预算数为27.00万元。']], CATALOG)
    }
    assert budget["three_public_total"] == "27.00"

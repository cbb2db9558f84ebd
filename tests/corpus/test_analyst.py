"""The analyst layer on the real corpus: regions, departments across years and phases,
department-year figures and the reconciliation status BI tools filter on (CONTRACT §3.2)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.paths import CORPUS, ROOT
from tests.warehouse_build import dbt_build, writable_copy

FACT_TABLES = [
    "fct_budget_expenditure",
    "fct_basic_expenditure",
    "fct_procurement",
    "fct_three_public_expenditure",
    "fct_budget_revenue",
    "fct_printed_totals",
]


@pytest.fixture(scope="module")
def corpus(corpus_warehouse: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(corpus_warehouse), read_only=True)


def key_figures() -> dict[str, dict]:
    with (CORPUS / "KEY_FIGURES.json").open(encoding="utf-8") as handle:
        return {entry["file"]: entry for entry in json.load(handle)}


def department_of(con: duckdb.DuckDBPyConnection, source_file: str) -> tuple:
    row = con.execute(
        "select dep.department_id, dep.department_name, dep.region_code, dep.level, "
        "dep.department_short_name, dep.department_category "
        "from marts.dim_document doc join marts.dim_department dep using (department_id) "
        "where doc.source_file = ?",
        [source_file],
    ).fetchone()
    assert row is not None, f"{source_file}: no department"
    return row


def department_year(con: duckdb.DuckDBPyConnection, source_file: str) -> dict:
    """The fct_department_year row of a document's department, year and phase."""
    cursor = con.execute(
        "select f.* from marts.fct_department_year f join marts.dim_document d "
        "on f.department_id = d.department_id and f.fiscal_year = d.fiscal_year and f.phase = d.phase "
        "where d.source_file = ?",
        [source_file],
    )
    rows = cursor.fetchall()
    assert len(rows) == 1, f"{source_file}: {len(rows)} department-year rows"
    return dict(zip([c[0] for c in cursor.description], rows[0], strict=True))


def test_every_loaded_document_has_a_department_with_region_and_level(
    corpus: duckdb.DuckDBPyConnection,
) -> None:
    rows = corpus.execute(
        "select doc.source_file, dep.region_code, reg.region_name, dep.level "
        "from marts.dim_document doc "
        "left join marts.dim_department dep using (department_id) "
        "left join marts.dim_region reg using (region_code) "
        "where doc.status = 'loaded'"
    ).fetchall()
    assert len(rows) == 19
    missing = [r[0] for r in rows if r[1] is None or r[2] is None or r[3] is None]
    assert missing == []
    where = {r[0]: (r[1], r[2], r[3]) for r in rows}
    assert where["central_guojiaxinfangju_2026_budget.pdf"] == ("000000", "中央", "central")
    assert where["beijing_shenjiju_2026_budget_tables.pdf"] == ("110000", "北京市", "province")
    assert where["shenzhen_xinfangju_2026_budget.pdf"] == ("440300", "深圳市", "prefecture")
    assert where["shanghai-putuo_caizhengju_2024_final.pdf"] == ("310107", "普陀区", "county")
    assert where["hangzhou_qixiangju_2026_budget.pdf"] == ("330100", "杭州市", "prefecture")
    # 深圳市交通运输局(本级): the (本级) unit suffix is not part of the department
    assert department_of(corpus, "shenzhen_jiaotongyunshuju_2026_budget.pdf")[1:5] == (
        "深圳市交通运输局",
        "440300",
        "prefecture",
        "交通运输局",
    )


def test_a_name_without_region_takes_the_region_its_document_names(
    corpus_warehouse: Path, tmp_path: Path
) -> None:
    """A bureau printed as plain 信访局 is placed by its units, table titles and narrative."""
    database = writable_copy(corpus_warehouse, tmp_path)
    with duckdb.connect(str(database)) as con:
        con.execute(
            "update raw.documents set department_name = '信访局' "
            "where source_file = 'shenzhen_xinfangju_2026_budget.pdf'"
        )
    dbt_build(database, "--select", "int_document_departments+")
    with duckdb.connect(str(database), read_only=True) as con:
        assert department_of(con, "shenzhen_xinfangju_2026_budget.pdf")[1:] == (
            "信访局",
            "440300",
            "prefecture",
            "信访局",
            "petitions",
        )


def test_region_dimension_is_the_gbt2260_code_list(corpus: duckdb.DuckDBPyConnection) -> None:
    assert corpus.execute(
        "select region_name, province_name, prefecture_name, county_name, level "
        "from marts.dim_region where region_code = '440304'"
    ).fetchone() == ("福田区", "广东省", "深圳市", "福田区", "county")
    levels = dict(
        corpus.execute("select level, count(*) from marts.dim_region group by all").fetchall()
    )
    assert levels["central"] == 1 and levels["province"] == 34
    assert levels["prefecture"] > 300 and levels["county"] > 2800


def test_audit_bureaus_of_three_cities_share_one_category(
    corpus: duckdb.DuckDBPyConnection,
) -> None:
    audit = corpus.execute(
        "select department_name, region_code, department_short_name from marts.dim_department "
        "where department_category = 'audit' order by region_code"
    ).fetchall()
    assert audit == [
        ("北京市审计局", "110000", "审计局"),
        ("上海市审计局", "310000", "审计局"),
        ("苏州市审计局", "320500", "审计局"),
    ]
    petitions = corpus.execute(
        "select count(*) from marts.dim_department where department_category = 'petitions'"
    ).fetchone()[0]
    assert petitions == 4  # 国家, 长沙, 广州, 深圳 信访局


def test_final_accounts_and_budget_of_one_department_link_to_one_department(
    corpus: duckdb.DuckDBPyConnection,
) -> None:
    final = department_of(corpus, "central_guojiaxinfangju_2024_final.pdf")
    budget = department_of(corpus, "central_guojiaxinfangju_2026_budget.pdf")
    assert final == budget
    assert final[1:4] == ("国家信访局", "000000", "central")
    years = corpus.execute(
        "select fiscal_year, phase from marts.fct_department_year where department_id = ? order by 1",
        [final[0]],
    ).fetchall()
    assert years == [(2024, "final"), (2026, "budget")]


def test_budget_and_final_of_one_department_year_are_never_summed(
    corpus: duckdb.DuckDBPyConnection,
) -> None:
    # every figure of a department-year row comes from documents of its own phase and year
    mixed = corpus.execute(
        "select f.department_id, f.fiscal_year, f.phase, d.source_file, d.phase, d.fiscal_year "
        "from marts.fct_department_year f "
        "join marts.bridge_department_year_document b using (department_year_id) "
        "join marts.dim_document d on d.document_id = b.document_id "
        "where d.phase <> f.phase or d.fiscal_year <> f.fiscal_year or d.department_id <> f.department_id"
    ).fetchall()
    assert mixed == []
    summary = corpus.execute(
        "select department_name, fiscal_year, phase, count(*) over (partition by department_name, fiscal_year, phase) "
        "from marts.v_department_year_summary"
    ).fetchall()
    assert len(summary) == 19 and {r[3] for r in summary} == {1}
    # 国家信访局's 2024 final accounts: 三公 actually spent (决算数 46.21 万元), not the budget
    # column printed beside it (预算数 76.43 万元); total expenditure from the narrative.
    final = department_year(corpus, "central_guojiaxinfangju_2024_final.pdf")
    assert final["three_public_yuan"] == Decimal("462000.00")
    assert final["total_expenditure_yuan"] == Decimal("145725300.00")  # 支出合计 14,572.53 万元
    budget = department_year(corpus, "central_guojiaxinfangju_2026_budget.pdf")
    assert budget["three_public_yuan"] == Decimal("1126100.00")
    assert budget["total_expenditure_source"] == "table"


def test_department_year_figures_match_the_printed_document(
    corpus: duckdb.DuckDBPyConnection,
) -> None:
    figures = key_figures()["shenzhen_xinfangju_2026_budget.pdf"]
    row = department_year(corpus, "shenzhen_xinfangju_2026_budget.pdf")
    general = figures["general_budget_expenditure"]
    assert row["total_expenditure_yuan"] == Decimal(str(figures["total_expenditure"]["yuan"]))
    assert row["general_budget_expenditure_yuan"] == Decimal(str(general["total"]["yuan"]))
    assert row["basic_expenditure_yuan"] == Decimal(str(general["basic"]["yuan"]))
    assert row["project_expenditure_yuan"] == Decimal(str(general["project"]["yuan"]))
    assert row["procurement_yuan"] == Decimal(str(figures["procurement"]["total"]["yuan"]))
    assert row["three_public_yuan"] == Decimal(str(figures["three_public"]["total"]["yuan"]))
    assert (row["procurement_source"], row["three_public_source"]) == ("table", "table")
    assert (row["disclosures"], row["files"], row["scope"]) == (1, 1, "department")


@pytest.mark.parametrize(
    ("source_file", "fiscal_year"),
    [
        ("shenzhen_minzhengju_2026_budget.pdf", 2026),
        ("shenzhen_xinfangju_2026_budget.pdf", 2026),
        ("xian_renshe_2020_budget.pdf", 2020),
    ],
)
def test_prior_year_three_public_printed_in_a_document_is_the_departments_previous_year(
    corpus: duckdb.DuckDBPyConnection, source_file: str, fiscal_year: int
) -> None:
    printed = key_figures()[source_file]["three_public"]
    assert printed["prior_year"]["year"] == fiscal_year - 1
    row = department_year(corpus, source_file)
    assert row["fiscal_year"] == fiscal_year
    assert row["prior_year_three_public_yuan"] == Decimal(
        str(printed["prior_year"]["total"]["yuan"])
    )
    assert row["three_public_yuan"] == Decimal(str(printed["total"]["yuan"]))
    assert (
        row["three_public_change_yuan"]
        == row["three_public_yuan"] - row["prior_year_three_public_yuan"]
    )


def test_every_fact_row_carries_its_documents_reconciliation_status(
    corpus: duckdb.DuckDBPyConnection,
) -> None:
    # errors > unverified (a fact table with no printed figure to compare, or nothing checked)
    # > warnings > reconciled (every fact table verified, every rule passed)
    expected = dict(
        corpus.execute(
            "with r as (select document_id, count(*) as n, "
            "count(*) filter (where status = 'error') as errors, "
            "count(*) filter (where status = 'warn') as warnings "
            "from marts.reconciliation_results group by all), "
            "v as (select document_id, "
            "count(*) filter (where verification_status = 'contradicted') as contradicted, "
            "count(*) filter (where verification_status = 'unverified') as unverified "
            "from marts.fact_verification group by all) "
            "select d.document_id, case "
            "when r.errors > 0 or v.contradicted > 0 then 'errors' "
            "when v.unverified > 0 or coalesce(r.n, 0) = 0 then 'unverified' "
            "when r.warnings > 0 then 'warnings' "
            "else 'reconciled' end "
            "from marts.dim_document d left join r using (document_id) left join v using (document_id) "
            "where d.status = 'loaded'"
        ).fetchall()
    )
    assert set(expected.values()) <= {"reconciled", "warnings", "unverified", "errors"}
    for table in FACT_TABLES:
        rows = corpus.execute(
            f"select document_id, reconciliation_status, count(*) from marts.{table} group by all"
        ).fetchall()
        assert rows, table
        wrong = [(doc, status) for doc, status, _ in rows if status != expected[doc]]
        assert wrong == [], table
    # a department-year is only `reconciled` when every document it used is
    years = corpus.execute(
        "select reconciliation_status, list(b.document_id) filter (where b.is_figure_source), "
        "any_value(reconciliation_evaluations) "
        "from marts.fct_department_year f "
        "join marts.bridge_department_year_document b using (department_year_id) group by all"
    ).fetchall()
    assert all(evaluations > 0 for _, _, evaluations in years)  # every real document is checked
    for status, ids, _ in years:
        statuses = {expected[i] for i in ids}
        worst = next(
            s
            for s in ("errors", "unverified", "warnings", "reconciled")
            if s in statuses | {"reconciled"}
        )
        assert status == worst


def readme_examples() -> list[tuple[str, list[list[str]]]]:
    """The SQL blocks of the README's cross-document section with the rows printed below them."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Compare departments across cities and years", 1)[1]
    section = section.split("\n## ", 1)[0]
    examples = re.findall(r"```sql\n(.*?)```\s*```text\n(.*?)```", section, re.S)
    out = []
    for sql, table in examples:
        rows = table.split("├", 1)[1].splitlines()[1:]
        cells = [
            [c.strip() for c in row.strip("│ ").split("│")] for row in rows if row.startswith("│")
        ]
        out.append((sql, cells))
    return out


def test_readme_cross_document_queries_print_what_the_readme_shows(
    corpus: duckdb.DuckDBPyConnection,
) -> None:
    examples = readme_examples()
    assert len(examples) == 2
    for sql, printed in examples:
        rows = [[str(v) for v in row] for row in corpus.execute(sql).fetchall()]
        assert rows == printed


def test_final_accounts_execution_against_the_budget_they_print(
    corpus: duckdb.DuckDBPyConnection,
) -> None:
    """国家信访局 2024: 三公 budget 76.43 万元 printed beside 46.20 万元 spent (4.69 + 0.90 + 40.61)."""
    department_id = department_of(corpus, "central_guojiaxinfangju_2024_final.pdf")[0]
    row = corpus.execute(
        "select budget_three_public_yuan, final_three_public_yuan, three_public_execution_rate, "
        "budget_source, budget_department_year_id from marts.fct_budget_execution "
        "where department_id = ? and fiscal_year = 2024",
        [department_id],
    ).fetchone()
    assert row == (
        Decimal("764300.00"),
        Decimal("462000.00"),
        Decimal("0.6045"),
        "final_accounts",
        None,
    )

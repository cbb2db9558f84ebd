"""Which required tables each disclosure printed (fct_disclosure_tables), and final accounts read
fully (fct_budget_execution_lines, the 收入支出决算总表 balance), on the real corpus.

Figures of 国家信访局's 2024 final accounts (central_guojiaxinfangju_2024_final.pdf) were read
from the pages by hand (pdfplumber's text of p.7, p.11, p.15 and p.21–23), in 万元.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader, PdfWriter

from tests.warehouse_build import DBT_DIR, seed_extracts

FINAL_2024 = "central_guojiaxinfangju_2024_final.pdf"
SEED = DBT_DIR / "seeds" / "required_disclosure_tables.csv"


@pytest.fixture(scope="module")
def corpus(corpus_warehouse: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(corpus_warehouse), read_only=True)


def required_roles(phase: str, year: int, central: bool) -> set[str]:
    """The seed's roles for a document, read independently of the dbt models."""
    with SEED.open(encoding="utf-8", newline="") as handle:
        return {
            row["table_role"]
            for row in csv.DictReader(handle)
            if row["phase"] == phase
            and int(row["first_year"]) <= year <= int(row["last_year"] or year)
            and (row["levels"] == "all" or central)
        }


def statuses(con: duckdb.DuckDBPyConnection, source_file: str) -> dict[str, tuple]:
    rows = con.execute(
        "select required_table_name, tables.status, source_page from marts.fct_disclosure_tables as tables "
        "join marts.dim_document using (document_id) where source_file = ?",
        [source_file],
    ).fetchall()
    return {name: (status, page) for name, status, page in rows}


def test_every_loaded_disclosure_has_one_row_per_required_table(
    corpus: duckdb.DuckDBPyConnection,
) -> None:
    documents = corpus.execute(
        "select doc.document_id, doc.source_file, doc.phase, doc.fiscal_year, "
        "dep.region_code = '000000', doc.disclosure_part "
        "from marts.dim_document doc join marts.dim_department dep using (department_id) "
        "where doc.status = 'loaded'"
    ).fetchall()
    rows = corpus.execute(
        "select document_id, list(table_role), count(*) from marts.fct_disclosure_tables group by 1"
    ).fetchall()
    judged = {document_id: (set(roles), count) for document_id, roles, count in rows}
    assert len(documents) == 19
    for document_id, source_file, phase, year, central, part in documents:
        expected = set() if part == "narrative" else required_roles(phase, year, central)
        roles, count = judged.get(document_id, (set(), 0))
        assert (roles, count) == (expected, len(expected)), source_file
    counts = dict(
        corpus.execute(
            "select status, count(*) from marts.fct_disclosure_tables group by 1"
        ).fetchall()
    )
    # 17 documents × the 8 tables of the national template, 2 central ones × 9: nothing missing
    # in the real corpus, nothing we failed to recognise
    assert counts == {"printed": 142, "printed_empty": 12}


def test_printed_empty_tables_and_the_central_template(corpus: duckdb.DuckDBPyConnection) -> None:
    """国家信访局 2024 prints all nine central tables, two empty with a note (p.13, p.14);
    杭州's budget prints its 政府性基金 table empty (p.22) and, being local, owes no 国资 table."""
    final = statuses(corpus, FINAL_2024)
    assert final == {
        "收入支出决算总表": ("printed", 7),
        "收入决算表": ("printed", 8),
        "支出决算表": ("printed", 9),
        "财政拨款收入支出决算总表": ("printed", 10),
        "一般公共预算财政拨款支出决算表": ("printed", 11),
        "一般公共预算财政拨款基本支出决算表": ("printed", 12),
        "政府性基金预算财政拨款收入支出决算表": ("printed_empty", 13),
        "国有资本经营预算财政拨款支出决算表": ("printed_empty", 14),
        "一般公共预算财政拨款“三公”经费支出决算表": ("printed", 15),
    }
    budget = statuses(corpus, "hangzhou_qixiangju_2026_budget.pdf")
    assert budget["政府性基金预算支出表"] == ("printed_empty", 22)
    assert "国有资本经营预算支出表" not in budget
    assert {status for status, _page in budget.values()} == {"printed", "printed_empty"}


def test_final_accounts_balance_rule_passes(corpus: duckdb.DuckDBPyConnection) -> None:
    """p.7: 支出总计 22,066.59 = 本年支出合计 14,572.53 + 年末结转和结余 7,494.06 (结余分配 blank)."""
    row = corpus.execute(
        "select status, expected_yuan, observed_yuan, source_page "
        "from marts.reconciliation_results where rule = 'final_accounts_expenditure_balance' "
        "and source_file = ?",
        [FINAL_2024],
    ).fetchone()
    assert row == ("pass", Decimal("220665900.00"), Decimal("220665900.00"), 7)


def test_budget_execution_per_function_class_and_three_public(
    corpus: duckdb.DuckDBPyConnection,
) -> None:
    """Outturn per class from 公开05表 (p.11); budget per class from the narrative's 年初预算为 … per
    项 (p.21–23: 201 = 5717.32 + 590.53 + 222.6 + 2325.72 + 2457.85); 三公 from 公开09表 (p.15)."""
    rows = corpus.execute(
        "select line_code, line_name, budget_yuan, final_yuan, execution_rate, budget_source "
        "from marts.fct_budget_execution_lines join marts.dim_document using (document_id) "
        "where source_file = ? order by line_kind, line_code",
        [FINAL_2024],
    ).fetchall()
    wan = Decimal(10000)
    assert rows == [
        ("201", "一般公共服务支出", Decimal("11314.02") * wan, Decimal("9846.82") * wan,
         Decimal("0.8703"), "final_accounts_narrative"),
        ("205", "教育支出", Decimal("180.61") * wan, Decimal("180.03") * wan,
         Decimal("0.9968"), "final_accounts_narrative"),
        ("208", "社会保障和就业支出", Decimal("2495.72") * wan, Decimal("2228.57") * wan,
         Decimal("0.8930"), "final_accounts_narrative"),
        ("210", "卫生健康支出", Decimal("0.00"), Decimal("497.53") * wan, None,
         "final_accounts_narrative"),
        ("221", "住房保障支出", Decimal("1078.20") * wan, Decimal("980.85") * wan,
         Decimal("0.9097"), "final_accounts_narrative"),
        ("official_reception", "公务接待费", Decimal("5.80") * wan, Decimal("0.90") * wan,
         Decimal("0.1552"), "final_accounts_table"),
        ("outbound_travel", "因公出国(境)费", Decimal("30.00") * wan, Decimal("4.69") * wan,
         Decimal("0.1563"), "final_accounts_table"),
        ("vehicle_operation", "公务用车运行维护费", Decimal("40.63") * wan,
         Decimal("40.61") * wan, Decimal("0.9995"), "final_accounts_table"),
    ]  # fmt: skip


def test_final_accounts_figures_say_which_measure(corpus: duckdb.DuckDBPyConnection) -> None:
    """公开09表 prints 预算数 76.43 beside 决算数 46.21 (合计, p.15)."""
    rows = corpus.execute(
        "select measure, amount_yuan from marts.fct_final_accounts_figures "
        "join marts.dim_document using (document_id) where source_file = ? "
        "and table_type = 'three_public' and column_path like '%合计' order by measure",
        [FINAL_2024],
    ).fetchall()
    assert rows == [("budget", Decimal("764300.00")), ("final", Decimal("462100.00"))]


@pytest.mark.slow
def test_removed_table_pages_are_named_missing(
    tmp_path: Path, corpus_dir: Path, extract_cache: Path
) -> None:
    """A copy of the 2024 final accounts without pages 8 (收入决算表), 13 (政府性基金…, printed
    empty) and 15 (三公), its table of contents (p.2) untouched: the build's audit names each
    removed table as missing, in Chinese; the original has no missing table."""
    raw = tmp_path / "raw"
    raw.mkdir()
    original = corpus_dir / FINAL_2024
    shutil.copy(original, raw)
    reader, writer = PdfReader(original), PdfWriter()
    for number, page in enumerate(reader.pages, start=1):
        if number not in (8, 13, 15):
            writer.add_page(page)
    with (raw / "pages_removed.pdf").open("wb") as out:
        writer.write(out)
    warehouse = tmp_path / "warehouse" / "budget.duckdb"
    seed_extracts([original], warehouse, extract_cache)  # the session's; the copy is extracted
    done = subprocess.run(
        [str(Path(sys.executable).with_name("budget-warehouse")), "build", "--raw-dir", str(raw),
         "--warehouse", str(warehouse), "--workers", "1"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert warehouse.exists(), done.stdout + done.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        findings = con.execute(
            "select source_file, table_label, detail from audit.validation_results "
            "where rule = 'required_table_printed' and status = 'warn' order by all"
        ).fetchall()
        listed = con.execute(
            "select bool_and(is_listed_in_contents) from marts.fct_disclosure_tables "
            "where status = 'missing'"
        ).fetchone()[0]
    assert findings == [
        (
            "pages_removed.pdf",
            name,
            f"缺少{name}: no page prints it (the table of contents lists it)",
        )
        for name in sorted(
            [
                "收入决算表",
                "政府性基金预算财政拨款收入支出决算表",
                "一般公共预算财政拨款“三公”经费支出决算表",
            ]
        )
    ]
    assert listed

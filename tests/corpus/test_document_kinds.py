"""Every file of a crawl gets the right fate: what it is (document kind), narrative-only
disclosures loaded with their narrative figures as facts, a disclosure split over two files
counted once, and rejected files named for what they are (the judgements a file makes on its own,
on small generated inputs: tests/unit/extract/test_document_kinds.py)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.paths import CORPUS, ROOT, WIDE
from tests.warehouse_build import build_shared

BEIJING = WIDE / "002_北京"
AUDIT_NARRATIVE = BEIJING / "2026年北京市审计局部门预算.pdf"
AUDIT_TABLES = CORPUS / "beijing_shenjiju_2026_budget_tables.pdf"
TRANSPORT = BEIJING / "2026年北京市交通委员会部门预算.pdf"
EMERGENCY = BEIJING / "2026年北京市应急管理局部门预算.pdf"
XIAN_2019 = WIDE / "020_西安" / "发展和改革局_2026年部门预算.pdf"  # a 2019 budget under a 2026 name
REPORT = ROOT / "docs" / "wide_corpus_report.json"
EXPECTED = ROOT / "tests" / "data" / "wide_corpus_expected.csv"


def wan(value: Decimal) -> Decimal:
    return (Decimal(value) / 10000).quantize(Decimal("0.01"))


# --- Beijing: narrative-only disclosures and one disclosure in two files -----------------


@pytest.fixture(scope="module")
def narratives(tmp_path_factory: pytest.TempPathFactory, extract_cache: Path):
    pdfs = [TRANSPORT, EMERGENCY, XIAN_2019, AUDIT_NARRATIVE, AUDIT_TABLES]
    for pdf in pdfs:
        assert pdf.exists(), f"missing input {pdf}"
    database = tmp_path_factory.mktemp("narratives") / "budget.duckdb"
    build_shared(pdfs, database, extract_cache)
    with duckdb.connect(str(database), read_only=True) as con:
        yield con


def _by_file(con: duckdb.DuckDBPyConnection, sql: str, name: str) -> dict:
    rows = con.execute(
        f"select facts.* exclude (document_id), documents.source_file from ({sql}) as facts "
        "join marts.dim_document as documents using (document_id) where source_file = ?",
        [name],
    ).fetchall()
    return {tuple(r[:-2]): r[-2] for r in rows}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("pdf", "year", "three_public", "procurement"),
    [
        # Read from the printed pages (p.8 三公, p.9 政府采购) of each PDF.
        (
            TRANSPORT,
            2026,
            {
                "outbound_travel": "166.98",
                "official_reception": "3.55",
                "vehicle_purchase": "666.41",
                "vehicle_operation": "491.28",
            },
            {"goods": "4400.24", "works": "1240.46", "services": "25883.24"},
        ),
        (
            EMERGENCY,  # "…公务用 | - 8 - | 车运行维护费预算90.53万元" breaks over the page
            2026,
            {
                "outbound_travel": "46.16",
                "official_reception": "0.35",
                "vehicle_purchase": "74.82",
                "vehicle_operation": "90.53",
            },
            {"goods": "565.21", "works": "0.00", "services": "15878.12"},
        ),
        (
            XIAN_2019,  # pp.26–27; the year is the document's (2019), not the file name's
            2019,
            {"outbound_travel": "0.00", "official_reception": "8.60", "vehicle_operation": "10.00"},
            {"goods": "0.00", "works": "0.00", "services": "890.65"},
        ),
    ],
)
def test_narrative_only_disclosures_load_with_their_narrative_facts(
    narratives: duckdb.DuckDBPyConnection,
    pdf: Path,
    year: int,
    three_public: dict,
    procurement: dict,
) -> None:
    kind, status, fiscal_year = narratives.execute(
        "select document_kind, status, fiscal_year from marts.dim_document where source_file = ?",
        [pdf.name],
    ).fetchone()
    assert (kind, status, fiscal_year) == ("narrative_only", "loaded", year)
    facts = _by_file(
        narratives,
        "select document_id, category, year, source, amount_yuan "
        "from marts.fct_three_public_expenditure",
        pdf.name,
    )
    assert {k[0]: str(wan(v)) for k, v in facts.items()} == three_public
    assert {k[1:] for k in facts} == {(year, "narrative")}
    lines = _by_file(
        narratives,
        "select document_id, procurement_type, source, amount_yuan from marts.fct_procurement",
        pdf.name,
    )
    assert {k[0]: str(wan(v)) for k, v in lines.items()} == procurement
    assert {k[1] for k in lines} == {"narrative"}


@pytest.mark.slow
def test_a_disclosure_in_two_files_is_counted_once(narratives: duckdb.DuckDBPyConnection) -> None:
    files = narratives.execute(
        "select source_file, document_kind, disclosure_id, disclosure_part, paired_document_id "
        "from marts.dim_document where department_name = '北京市审计局' order by source_file"
    ).fetchall()
    (narrative, tables) = sorted(files, key=lambda f: f[3])
    assert (narrative[0], narrative[1], narrative[3]) == (
        AUDIT_NARRATIVE.name,
        "narrative_only",
        "narrative",
    )
    assert (tables[0], tables[1], tables[3]) == (AUDIT_TABLES.name, "tables_only", "tables")
    assert narrative[2] == tables[2]  # one disclosure_id
    # 三公 comes from the tables file only: the narrative's figures are not added again.
    sources = narratives.execute(
        "select source, count(*), sum(amount_yuan) from marts.fct_three_public_expenditure "
        "where department_name = '北京市审计局' and year = 2026 group by source"
    ).fetchall()
    assert [(s, n, wan(v)) for s, n, v in sources] == [("table", 4, Decimal("244.85"))]
    summary = narratives.execute(
        "select documents, files, three_public_yuan, procurement_yuan "
        "from marts.v_department_year_summary where department_name = '北京市审计局'"
    ).fetchall()
    assert [(d, f, wan(t), wan(p)) for d, f, t, p in summary] == [
        (1, 2, Decimal("244.85"), Decimal("4988.73"))
    ]


@pytest.mark.slow
def test_the_narrative_is_checked_against_the_tables_of_its_pair(
    narratives: duckdb.DuckDBPyConnection,
) -> None:
    checks = dict(
        narratives.execute(
            "select rule, status from marts.reconciliation_results "
            "where source_file = ? and rule like 'narrative_three_public%'",
            [AUDIT_NARRATIVE.name],
        ).fetchall()
    )
    # 173.52 / 6 / 37.38 万元 printed in both files; 244.85 and 27.95 within rounding of the
    # tables' six-decimal amounts.
    assert checks == {
        "narrative_three_public_total_matches_table": "warn",
        "narrative_three_public_outbound_travel_matches_table": "pass",
        "narrative_three_public_official_reception_matches_table": "pass",
        "narrative_three_public_vehicle_purchase_matches_table": "pass",
        "narrative_three_public_vehicle_operation_matches_table": "warn",
    }


# --- the wide corpus: kind and status of every file ----------------------------------------


def test_every_file_of_the_wide_corpus_has_its_expected_kind_and_status() -> None:
    """docs/wide_corpus_report.json (`make corpus`) against the committed expectation; a file
    whose kind or status changes fails here until tests/data/wide_corpus_expected.csv is
    updated on purpose."""
    assert REPORT.exists(), f"{REPORT} missing: run `make corpus`"
    report = json.loads(REPORT.read_text(encoding="utf-8"))
    observed = {f["path"]: (f["kind"], f["status"]) for f in report["files"]}
    with EXPECTED.open(encoding="utf-8") as handle:
        expected = {r["path"]: (r["kind"], r["status"]) for r in csv.DictReader(handle)}
    assert sorted(observed) == sorted(p.relative_to(WIDE).as_posix() for p in WIDE.rglob("*.pdf"))
    changed = {
        p: (expected.get(p), observed[p]) for p in observed if expected.get(p) != observed[p]
    }
    assert not changed, f"kind/status changed (expected, observed): {changed}"

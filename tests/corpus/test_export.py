"""`budget-warehouse export` on the real corpus, as CSV and as Parquet: one file per marts table
and a datapackage.json that `frictionless validate` passes (types, nulls, keys, foreign keys, row
counts; bytes and hashes where frictionless measures them), with the warehouse's row counts, CNY
measures, classification dimensions and every source PDF's sha256."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import frictionless
import pandas as pd
import pytest

from orchestration.cli import main


def warehouse_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' "
                "union all select view_name from duckdb_views() where schema_name = 'marts'"
            ).fetchall()
        ]
        return {n: con.execute(f'select count(*) from marts."{n}"').fetchone()[0] for n in names}


def validate_with_the_cli(folder: Path) -> dict:
    """`frictionless validate datapackage.json` in the package folder, as a user runs it; its
    report (``--json``: the package is read and validated once, by the command)."""
    frictionless_cli = Path(sys.executable).with_name("frictionless")
    result = subprocess.run(
        [str(frictionless_cli), "validate", "--json", "datapackage.json"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def csv_export(corpus_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "budget csv"
    assert (
        main(["export", "--warehouse", str(corpus_warehouse), "--out", str(out), "--format", "csv"])
        == 0
    )
    return out


def test_frictionless_validates_the_csv_package(csv_export: Path) -> None:
    report = validate_with_the_cli(csv_export)
    descriptor = json.loads((csv_export / "datapackage.json").read_text(encoding="utf-8"))
    assert report["valid"] and len(report["tasks"]) == len(descriptor["resources"]) >= 20


def test_one_file_per_marts_table_with_the_warehouse_rows(
    csv_export: Path, corpus_warehouse: Path
) -> None:
    descriptor = json.loads((csv_export / "datapackage.json").read_text(encoding="utf-8"))
    counts = warehouse_counts(corpus_warehouse)
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert set(resources) == set(counts)
    assert {n: r["rows"] for n, r in resources.items()} == counts
    with duckdb.connect() as con:
        read = {
            n: con.execute(
                "select count(*) from read_csv(?)", [str(csv_export / r["path"])]
            ).fetchone()[0]
            for n, r in resources.items()
        }
    assert read == counts and counts["dim_document"] == 20
    year = {f["name"]: f for f in resources["fct_department_year"]["schema"]["fields"]}
    assert year["three_public_yuan"]["type"] == "number"
    assert year["three_public_yuan"]["currency"] == "CNY"
    assert "三公" in year["three_public_yuan"]["description"]
    assert resources["fct_budget_expenditure"]["schema"]["primaryKey"] == ["budget_expenditure_id"]
    assert {
        "fields": "document_id",
        "reference": {"resource": "dim_document", "fields": "document_id"},
    } in (resources["fct_budget_expenditure"]["schema"]["foreignKeys"])


def test_fiscal_data_package_model_and_sources(csv_export: Path, corpus_warehouse: Path) -> None:
    descriptor = json.loads((csv_export / "datapackage.json").read_text(encoding="utf-8"))
    measures = descriptor["model"]["measures"]
    assert measures["fct_budget_expenditure.amount_yuan"]["currency"] == "CNY"
    assert all(m["currency"] == "CNY" for m in measures.values()) and len(measures) > 30
    dimensions = descriptor["model"]["dimensions"]
    functional = dimensions["functional_classification"]
    assert functional["hierarchy"] == ["类", "款", "项"]
    assert functional["attributes"]["parent"] == {"source": "parent_function_code"}
    assert dimensions["phase"]["fiscalPhases"] == {"budget": "approved", "final": "executed"}
    with duckdb.connect(str(corpus_warehouse), read_only=True) as con:
        loaded = dict(
            con.execute(
                "select source_file, sha256 from marts.dim_document where status = 'loaded'"
            ).fetchall()
        )
    assert {s["title"]: s["sha256"] for s in descriptor["sources"]} == loaded
    assert len(loaded) == 19


@pytest.fixture(scope="module")
def parquet_export(corpus_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "budget parquet"
    assert main(["export", "--warehouse", str(corpus_warehouse), "--out", str(out)]) == 0
    return out


def test_frictionless_validates_the_parquet_package(
    parquet_export: Path, corpus_warehouse: Path
) -> None:
    report = validate_with_the_cli(parquet_export)
    counts = warehouse_counts(corpus_warehouse)
    assert report["valid"] and {t["name"]: t["stats"]["rows"] for t in report["tasks"]} == counts
    # frictionless reads Parquet through pyarrow, not its byte loader: it measures neither size
    # nor hash, so no `bytes` is declared and the declared sha256 is checked here.
    descriptor = json.loads((parquet_export / "datapackage.json").read_text(encoding="utf-8"))
    for declared in descriptor["resources"]:
        content = (parquet_export / declared["path"]).read_bytes()
        assert declared["hash"] == f"sha256:{hashlib.sha256(content).hexdigest()}"
        assert "bytes" not in declared
    # A null in an integer column (a narrative figure has no printed table) reaches frictionless
    # as a null, the others as integers.
    with duckdb.connect(str(corpus_warehouse), read_only=True) as con:
        [(rows, nulls)] = con.execute(
            "select count(*), count(*) filter (where printed_table_id is null) "
            "from marts.fact_verification"
        ).fetchall()
    pages = [
        row["printed_table_id"]
        for row in frictionless.Package(parquet_export / "datapackage.json")
        .get_resource("fact_verification")
        .read_rows()
    ]
    assert len(pages) == rows and sum(page is None for page in pages) == nulls > 0
    assert all(isinstance(page, int) for page in pages if page is not None)


def test_parquet_export_keeps_the_types(parquet_export: Path, corpus_warehouse: Path) -> None:
    counts = warehouse_counts(corpus_warehouse)
    data = parquet_export / "data"
    with duckdb.connect() as con:
        read = {
            path.stem: con.execute("select count(*) from read_parquet(?)", [str(path)]).fetchone()[
                0
            ]
            for path in data.glob("*.parquet")
        }
        [(kind,)] = con.execute(
            "select typeof(amount_yuan) from read_parquet(?) limit 1",
            [str(data / "fct_budget_expenditure.parquet")],
        ).fetchall()
    assert read == counts
    assert kind == "DECIMAL(20,2)"
    page = pd.read_parquet(data / "fact_verification.parquet")["printed_table_id"]
    assert str(page.dtype) == "Int32" and page.isna().sum() > 0


def test_export_names_a_missing_warehouse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["export", "--warehouse", str(tmp_path / "none.duckdb"), "--out", str(tmp_path)]) == 1
    )
    assert "no warehouse at" in capsys.readouterr().err

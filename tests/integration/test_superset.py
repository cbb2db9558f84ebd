"""`make superset`: Apache Superset (its own virtualenv) on a real-corpus warehouse, read-only.

The dashboard's charts are rendered through Superset's REST API (``/api/v1/chart/<id>/data/``)
and compared with the same query run in DuckDB, and with figures the documents print. Superset
keeps answering while builds publish (``publish`` renames a new file over the one it reads).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bi.superset.api import SupersetClient
from bi.superset.charts import CHARTS, Chart, dataset_sql, find_chart
from bi.superset.dashboard import Dashboard, bootstrap
from bi.superset.server import VENV, Server, free_port, running
from orchestration.warehouse.publish import publish
from tests.paths import ROOT

pytestmark = pytest.mark.slow

Rows = set[tuple[Any, ...]]


@dataclass(frozen=True)
class Running:
    server: Server
    client: SupersetClient
    dashboard: Dashboard
    warehouse: Path


@pytest.fixture(scope="module")
def superset(corpus_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """Superset on a published copy of the real-corpus warehouse, bootstrapped like `make superset`."""
    if not (VENV / ".installed").exists():
        subprocess.run(["make", "-s", "superset-install"], cwd=ROOT, check=True)
    root = tmp_path_factory.mktemp("superset")
    warehouse = root / "warehouse" / "budget.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(corpus_warehouse, warehouse)
    with running(root / "home", free_port()) as server:
        client = SupersetClient(server.url)
        client.login(server.username, server.password)
        yield Running(server, client, bootstrap(client, warehouse), warehouse)


def _number(value: Any) -> Any:
    """JSON numbers as exact decimals (Superset serialises DECIMAL as its shortest float)."""
    return Decimal(repr(value)) if isinstance(value, float) else value


def superset_rows(running: Running, chart: Chart, client: SupersetClient | None = None) -> Rows:
    data = (client or running.client).chart_data(running.dashboard.charts[chart.name])
    columns = [*chart.dimensions, *(metric.label for metric in chart.metrics)]
    return {tuple(_number(row[column]) for column in columns) for row in data}


def duckdb_rows(warehouse: Path, chart: Chart) -> Rows:
    """The chart's query run by DuckDB itself on the file."""
    dimensions = ", ".join(chart.dimensions)
    metrics = ", ".join(metric.sql for metric in chart.metrics)
    where = " and ".join(f"({condition})" for condition in chart.filters) or "true"
    sql = (
        f"select {dimensions}, {metrics} from ({dataset_sql(chart.dataset)}) as dataset "
        f"where {where} group by all"
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {tuple(_number(value) for value in row) for row in con.execute(sql).fetchall()}


@pytest.mark.parametrize("chart", CHARTS, ids=lambda chart: chart.key)
def test_chart_data_equals_the_same_query_in_duckdb(superset: Running, chart: Chart) -> None:
    rows = superset_rows(superset, chart)
    assert rows == duckdb_rows(superset.warehouse, chart)
    assert len(rows) >= 3


def test_three_public_by_category_adds_the_printed_figures(superset: Running) -> None:
    """2026 三公 budgets as the disclosures print them (万元): the audit bureaus of 北京 244.848,
    上海 237.92 and 苏州 10; 信访 of 国家 112.61, 长沙 8, 广州 4.8 and 深圳 5.58."""
    by_category = dict(superset_rows(superset, find_chart("three_public_by_category")))
    assert by_category["audit 审计"] == Decimal("492.768")
    assert by_category["petitions 信访"] == Decimal("130.99")


def test_trust_counts_every_department_year(superset: Running) -> None:
    counts = dict(superset_rows(superset, find_chart("trust")))
    with duckdb.connect(str(superset.warehouse), read_only=True) as con:
        total, errors = con.execute(
            "select count(*), count(*) filter (reconciliation_status = 'errors') "
            "from marts.fct_department_year"
        ).fetchone()
    assert sum(counts.values()) == total == 19
    assert counts.get("errors", 0) == errors


def test_every_marts_table_is_a_dataset(superset: Running) -> None:
    with duckdb.connect(str(superset.warehouse), read_only=True) as con:
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    assert tables <= set(superset.dashboard.datasets)
    dashboard = superset.client.get(f"/api/v1/dashboard/{superset.dashboard.id}/charts")
    assert {chart["slice_name"] for chart in dashboard["result"]} == {c.name for c in CHARTS}


def _open_files(server: Server) -> list[str]:
    """What the server's processes (gunicorn and its workers: one process group) hold open."""
    held = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if os.getpgid(int(proc.name)) != server.process.pid:
                continue
            held += [os.readlink(fd) for fd in (proc / "fd").iterdir()]
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
    return held


def test_answers_while_builds_publish(superset: Running, tmp_path: Path) -> None:
    """Charts are read while two builds are renamed over the file in turn: every answer is one
    build's (never an error), and new queries see the newest file (no connection is pooled)."""
    chart = find_chart("three_public_by_category")
    before = shutil.copyfile(superset.warehouse, tmp_path / "before.duckdb")
    doubled = shutil.copyfile(superset.warehouse, tmp_path / "doubled.duckdb")
    with duckdb.connect(str(doubled)) as con:
        con.execute(
            "update marts.fct_department_year set three_public_yuan = three_public_yuan * 2"
        )
    expected = {path: duckdb_rows(path, chart) for path in (before, doubled)}
    assert expected[before] != expected[doubled]

    reader = SupersetClient(superset.server.url)
    reader.login(superset.server.username, superset.server.password)
    answers: list[Rows] = []
    failures: list[Exception] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                answers.append(superset_rows(superset, chart, reader))
            except Exception as error:  # every failure is reported below
                failures.append(error)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        for build in (doubled, before, doubled, before, doubled):
            seen = len(answers) + len(failures)
            publish(build, superset.warehouse)
            while len(answers) + len(failures) < seen + 2 and poller.is_alive():
                time.sleep(0.05)
    finally:
        stop.set()
        poller.join()

    assert not failures, failures[:3]
    assert len(answers) >= 10
    assert all(answer in (expected[before], expected[doubled]) for answer in answers)
    assert expected[before] in answers and expected[doubled] in answers
    assert superset_rows(superset, chart) == expected[doubled]
    assert not [path for path in _open_files(superset.server) if "budget.duckdb" in path]
    publish(before, superset.warehouse)
    assert superset_rows(superset, chart) == expected[before]

"""Create (or bring up to date) the warehouse's database connection, datasets, charts and example
dashboard in a running Superset, through its REST API only.

Idempotent: objects are found by name and updated, so a second start against a rebuilt or moved
warehouse changes the connection and refreshes the datasets' columns instead of adding copies.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .api import SupersetClient, SupersetError
from .charts import CHARTS, Chart, dataset_sql

DATABASE_NAME = "budget warehouse"
SCHEMA = "marts"
DASHBOARD_TITLE = "budget-warehouse: 三公, budgets by function class, trust"
DASHBOARD_SLUG = "budget-warehouse"
# reconciliation_status in the colours of a traffic light, on every chart of the dashboard
STATUS_COLOURS = {
    "reconciled": "#5AC189",
    "warnings": "#FCC700",
    "unverified": "#A38F79",
    "errors": "#E04355",
}


@dataclass(frozen=True)
class Dashboard:
    id: int
    url: str
    charts: dict[str, int]  # chart name → id
    datasets: dict[str, int]  # table or SQL dataset name → id


def database_uri(warehouse: Path) -> str:
    """Read-only: builds keep replacing the published file while Superset reads it."""
    return f"duckdb:///{warehouse.resolve()}?access_mode=read_only"


def _upsert(
    client: SupersetClient,
    resource: str,
    matches: Callable[[dict[str, Any]], bool],
    create: dict[str, Any],
    update: dict[str, Any] | None = None,
) -> int:
    """The id of the first object of ``resource`` that ``matches``, updated; else a new one."""
    for found in client.list_all(resource):
        if matches(found):
            if update:
                client.put(f"/api/v1/{resource}/{found['id']}", update)
            return int(found["id"])
    return int(client.post(f"/api/v1/{resource}/", create)["id"])


def _database(client: SupersetClient, warehouse: Path) -> int:
    settings = {
        "sqlalchemy_uri": database_uri(warehouse),
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_dml": False,
    }
    return _upsert(
        client,
        "database",
        lambda found: found["database_name"] == DATABASE_NAME,
        {"database_name": DATABASE_NAME, **settings},
        settings,
    )


def _marts_tables(client: SupersetClient, database_id: int) -> list[str]:
    query = urllib.parse.quote(f"(force:!t,schema_name:{SCHEMA})")
    answer = client.get(f"/api/v1/database/{database_id}/tables/?q={query}")
    return sorted(table["value"] for table in answer["result"])


def _datasets(
    client: SupersetClient, database_id: int, wanted: dict[str, str | None]
) -> dict[str, int]:
    """Datasets by name: of ``marts.<name>`` (SQL ``None``) or of a SELECT; created, or updated
    with their columns re-read (a build may have changed them)."""
    existing = {
        found["table_name"]: int(found["id"])
        for found in client.list_all("dataset")
        if found["schema"] == SCHEMA and found["database"]["id"] == database_id
    }
    ids = {}
    for name, sql in wanted.items():
        try:
            if name not in existing:
                body = {"database": database_id, "schema": SCHEMA, "table_name": name}
                ids[name] = int(client.post("/api/v1/dataset/", body | {"sql": sql})["id"])
            else:
                ids[name] = existing[name]
                if sql is not None:
                    client.put(f"/api/v1/dataset/{ids[name]}", {"sql": sql})
            if name in existing or sql is not None:  # a new table's columns are read on creation
                client.put(f"/api/v1/dataset/{ids[name]}/refresh", {})
        except SupersetError as error:
            hint = f" (does datasets/{name}.sql run on this warehouse? an older build: rebuild it)"
            raise SupersetError(f"dataset {name}: {error}{hint if sql else ''}") from None
    return ids


def _chart(client: SupersetClient, chart: Chart, dataset_id: int, dashboard_id: int) -> int:
    body = {
        "slice_name": chart.name,
        "description": chart.description,
        "viz_type": chart.viz_type,
        "datasource_id": dataset_id,
        "datasource_type": "table",
        "params": json.dumps(chart.form_data(dataset_id), ensure_ascii=False),
        "query_context": json.dumps(chart.query_context(dataset_id), ensure_ascii=False),
        "dashboards": [dashboard_id],
    }
    return _upsert(client, "chart", lambda found: found["slice_name"] == chart.name, body, body)


def _position(charts: dict[str, int]) -> dict[str, Any]:
    """The dashboard layout: charts in rows of 12 columns, in the order of ``CHARTS``."""
    rows: list[list[Chart]] = [[]]
    for chart in CHARTS:
        if sum(placed.width for placed in rows[-1]) + chart.width > 12:
            rows.append([])
        rows[-1].append(chart)
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": DASHBOARD_TITLE}},
    }
    for row_number, row in enumerate(rows):
        row_id = f"ROW-{row_number}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for chart in row:
            chart_id = charts[chart.name]
            key = f"CHART-{chart_id}"
            position[row_id]["children"].append(key)
            position[key] = {
                "type": "CHART",
                "id": key,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "chartId": chart_id,
                    "sliceName": chart.name,
                    "width": chart.width,
                    "height": chart.height,
                },
            }
    return position


def bootstrap(client: SupersetClient, warehouse: Path) -> Dashboard:
    """Connection, a dataset per marts table, the SQL datasets, charts and the dashboard."""
    database_id = _database(client, warehouse)
    wanted: dict[str, str | None] = dict.fromkeys(_marts_tables(client, database_id))
    wanted |= {chart.dataset: dataset_sql(chart.dataset) for chart in CHARTS}
    datasets = _datasets(client, database_id, wanted)
    dashboard_id = _upsert(
        client,
        "dashboard",
        lambda found: found.get("slug") == DASHBOARD_SLUG,
        {"dashboard_title": DASHBOARD_TITLE, "slug": DASHBOARD_SLUG, "published": True},
    )
    charts = {
        chart.name: _chart(client, chart, datasets[chart.dataset], dashboard_id) for chart in CHARTS
    }
    client.put(
        f"/api/v1/dashboard/{dashboard_id}",
        {
            "dashboard_title": DASHBOARD_TITLE,
            "position_json": json.dumps(_position(charts), ensure_ascii=False),
            "json_metadata": json.dumps({"refresh_frequency": 0, "label_colors": STATUS_COLOURS}),
        },
    )
    return Dashboard(
        id=dashboard_id,
        url=f"{client.base_url}/superset/dashboard/{DASHBOARD_SLUG}/",
        charts=charts,
        datasets=datasets,
    )

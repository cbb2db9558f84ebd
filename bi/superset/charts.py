"""The example dashboard's charts: which dataset, dimensions, metrics and filters each shows.

Charts name only the columns of the SQL datasets in ``datasets/`` (those files are the one place
that names marts columns). From a ``Chart`` come both what Superset saves with it: the form data
its front end renders, and the query context ``/api/v1/chart/<id>/data/`` answers from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATASETS = Path(__file__).with_name("datasets")

# What a dashboard should show as facts: the latest budget year, never figures that contradict
# their document (README, "Which figures a BI user should use").
LATEST_BUDGET = ("is_latest_budget_year", "reconciliation_status <> 'errors'")


@dataclass(frozen=True)
class Metric:
    label: str
    sql: str

    def adhoc(self) -> dict[str, Any]:
        return {
            "expressionType": "SQL",
            "sqlExpression": self.sql,
            "label": self.label,
            "hasCustomLabel": True,
            "optionName": "metric_" + hashlib.sha1(self.label.encode()).hexdigest()[:10],
        }


@dataclass(frozen=True)
class Chart:
    key: str  # short, stable: tests and code find a chart by it
    name: str
    dataset: str  # a file stem in datasets/
    viz_type: str  # echarts_timeseries_bar (first dimension on the x axis), pie, table
    dimensions: tuple[str, ...]
    metrics: tuple[Metric, ...]
    filters: tuple[str, ...] = ()  # SQL conditions on the dataset's columns
    description: str = ""
    width: int = 6  # of the dashboard's 12 columns
    height: int = 60  # grid units of 8 px
    options: dict[str, Any] = field(default_factory=dict)

    def form_data(self, dataset_id: int) -> dict[str, Any]:
        """The chart's saved ``params``: what Superset's front end renders."""
        metrics = [metric.adhoc() for metric in self.metrics]
        data: dict[str, Any] = {
            "viz_type": self.viz_type,
            "datasource": f"{dataset_id}__table",
            "adhoc_filters": [
                {
                    "expressionType": "SQL",
                    "sqlExpression": condition,
                    "clause": "WHERE",
                    "filterOptionName": f"filter_{number}",
                }
                for number, condition in enumerate(self.filters)
            ],
            "row_limit": 10000,
            **self.options,
        }
        if self.viz_type == "echarts_timeseries_bar":
            data |= {
                "x_axis": self.dimensions[0],
                "groupby": list(self.dimensions[1:]),
                "metrics": metrics,
            }
        elif self.viz_type == "pie":
            data |= {"groupby": list(self.dimensions), "metric": metrics[0]}
        else:
            data |= {"query_mode": "aggregate", "groupby": list(self.dimensions)}
            data |= {"metrics": metrics}
        return data

    def query_context(self, dataset_id: int) -> dict[str, Any]:
        """The saved query context: the chart's rows (dimensions and metrics, not pivoted)."""
        metrics = [metric.adhoc() for metric in self.metrics]
        return {
            "datasource": {"id": dataset_id, "type": "table"},
            "force": False,
            "queries": [
                {
                    "columns": list(self.dimensions),
                    "metrics": metrics,
                    "filters": [],
                    "extras": {
                        "where": " and ".join(f"({condition})" for condition in self.filters),
                        "having": "",
                    },
                    "orderby": [[metrics[0], False]],
                    "row_limit": 10000,
                }
            ],
            "form_data": self.form_data(dataset_id),
            "result_format": "json",
            "result_type": "full",
        }


def find_chart(key: str) -> Chart:
    return next(chart for chart in CHARTS if chart.key == key)


def dataset_sql(name: str) -> str:
    return (DATASETS / f"{name}.sql").read_text()


# 万元 as `* 0.0001`: DECIMAL stays exact (`/ 10000` would make it DOUBLE).
THREE_PUBLIC_WAN = Metric("三公经费 (万元)", "sum(three_public_yuan) * 0.0001")
GENERAL_BUDGET_WAN = Metric(
    "一般公共预算支出 (万元)", "sum(general_budget_expenditure_yuan) * 0.0001"
)

CHARTS = (
    Chart(
        key="three_public_by_category",
        name="三公经费 by department category (latest budget year, 万元)",
        dataset="department_year",
        viz_type="echarts_timeseries_bar",
        dimensions=("department_category",),
        metrics=(THREE_PUBLIC_WAN,),
        filters=LATEST_BUDGET,
        description="Sum of fct_department_year.three_public_yuan, budgets of the latest year.",
        height=90,  # room for the ~30 categories of a large crawl
        options={
            "orientation": "horizontal",
            "x_axis_sort": THREE_PUBLIC_WAN.label,
            "x_axis_sort_asc": True,
            "show_value": True,
            "show_legend": False,
            "y_axis_format": ",.2f",
        },
    ),
    Chart(
        key="trust",
        name="Trust: department-years by reconciliation_status",
        dataset="department_year",
        viz_type="pie",
        dimensions=("reconciliation_status",),
        metrics=(Metric("department-years", "count(*)"),),
        description="reconciliation_status of every department × year × phase.",
        height=90,
        options={
            "show_labels": True,
            "label_type": "key_value",
            "show_legend": True,
            "outer_radius": 60,
        },
    ),
    Chart(
        key="function_class_by_city",
        name="General-budget expenditure by function class (类) per city (latest budget year, 万元)",
        dataset="budget_by_function_class",
        viz_type="echarts_timeseries_bar",
        dimensions=("city", "function_class"),
        metrics=(Metric("一般公共预算支出 (万元)", "sum(amount_yuan) * 0.0001"),),
        filters=(*LATEST_BUDGET, "scope = 'department'"),
        description="fct_budget_expenditure of department disclosures, by 类 and city.",
        width=12,
        options={"stack": "Stack", "show_legend": True, "y_axis_format": ",.0f"},
    ),
    Chart(
        key="department_years",
        name="Department-years",
        dataset="department_year",
        viz_type="table",
        dimensions=(
            "city",
            "department_name",
            "fiscal_year",
            "phase",
            "scope",
            "reconciliation_status",
        ),
        metrics=(THREE_PUBLIC_WAN, GENERAL_BUDGET_WAN),
        description="fct_department_year with city; amounts in 万元.",
        width=12,
        options={
            "column_config": {
                metric.label: {"d3NumberFormat": ",.2f"}
                for metric in (THREE_PUBLIC_WAN, GENERAL_BUDGET_WAN)
            }
        },
    ),
)

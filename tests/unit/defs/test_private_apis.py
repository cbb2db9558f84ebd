"""The private APIs of Dagster and dagster-dbt the project overrides still exist, as overridden.

``BudgetDbtCliResource`` replaces two private methods of ``DbtCliResource``; an upgrade that
renamed them would leave the overrides unused and the dbt step seconds slower, silently.
"""

from __future__ import annotations

import inspect
from functools import cached_property
from importlib.metadata import version

from dagster_dbt import DbtCliResource
from packaging.version import Version

from orchestration.defs.resources import BudgetDbtCliResource, dbt_resource


def test_the_overridden_dagster_dbt_methods_exist_with_the_same_signature() -> None:
    for name in ("_cli_version", "_initialize_dbt_core_adapter"):
        assert name in vars(DbtCliResource), name
        assert name in vars(BudgetDbtCliResource), name
    ours = inspect.signature(BudgetDbtCliResource._initialize_dbt_core_adapter).parameters
    assert list(ours) == list(
        inspect.signature(DbtCliResource._initialize_dbt_core_adapter).parameters
    )
    assert isinstance(vars(DbtCliResource)["_cli_version"], cached_property)


def test_the_resource_knows_the_dbt_version_without_running_dbt() -> None:
    resource = dbt_resource()
    assert isinstance(resource, BudgetDbtCliResource)
    assert resource._cli_version == Version(version("dbt-core"))
    assert resource._initialize_dbt_core_adapter(["build"]) is None

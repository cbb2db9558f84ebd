"""The private APIs of Dagster and dagster-dbt the project overrides still exist, as overridden.

``BudgetDbtCliResource`` replaces two private methods of ``DbtCliResource``; an upgrade that
renamed them would leave the overrides unused and the dbt step seconds slower, silently. The run
coordinator of ``make dev`` sets the backfill daemon's interval (``run_queue``); an upgrade that
read it elsewhere would bring back 30 s waits between a backfill's runs, silently.
"""

from __future__ import annotations

import inspect
from functools import cached_property
from importlib.metadata import version

from dagster._core.instance.methods.daemon_methods import DaemonMethods
from dagster._daemon import backfill, controller
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


def test_the_backfill_daemon_reads_its_interval_from_the_controller_when_its_loop_starts() -> None:
    assert isinstance(controller.DEFAULT_DAEMON_INTERVAL_SECONDS, int)
    loop = inspect.getsource(backfill.execute_backfill_iteration_loop)
    assert "from dagster._daemon.controller import DEFAULT_DAEMON_INTERVAL_SECONDS" in loop
    assert "sleep_time = max(0, DEFAULT_DAEMON_INTERVAL_SECONDS - loop_duration)" in loop
    # the daemon process builds the run coordinator while it chooses its daemons, before any runs
    assert "self.run_coordinator" in inspect.getsource(DaemonMethods.get_required_daemon_types)
    created = inspect.getsource(controller.daemon_controller_from_instance)
    assert created.index("gen_daemons(instance)") < created.index("DagsterDaemonController(")

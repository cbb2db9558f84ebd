"""The package's import graph has no cycle, between modules or between its subpackages.

Every ``import`` of ``orchestration/`` counts (read with ``ast``): at module level, inside
functions and under ``TYPE_CHECKING`` alike — a cycle through a deferred import is still one.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from tests.paths import ROOT

PACKAGE = "orchestration"


def modules() -> dict[str, Path]:
    """``{dotted name: file}`` of every module of the package (a package by its ``__init__``)."""
    found = {}
    for path in (ROOT / PACKAGE).rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that module ``name`` imports."""
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".")
                if path.name != "__init__.py":
                    package = package[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    found = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name and not name.startswith(f"{target}."):
            found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    files = modules()
    return {name: imported(name, path, set(files)) for name, path in files.items()}


def packages(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same graph between the package's top-level modules and subpackages."""

    def top(name: str) -> str:
        return ".".join(name.split(".")[:2])

    joined: dict[str, set[str]] = {}
    for name, targets in edges.items():
        joined.setdefault(top(name), set()).update(top(t) for t in targets if top(t) != top(name))
    return joined


def cycle(edges: dict[str, set[str]]) -> list[str]:
    """One cycle of ``edges`` (empty when there is none)."""
    try:
        TopologicalSorter(edges).prepare()
    except CycleError as error:
        return list(error.args[1])
    return []


def test_the_graph_is_read() -> None:
    edges = graph()
    assert "orchestration.defs.helpers" in edges["orchestration.defs.resources"]
    assert "orchestration.children" in edges["orchestration.validation.worker"]
    assert "orchestration.warehouse" in packages(edges)["orchestration.defs"]


def test_no_module_imports_itself_through_others() -> None:
    assert cycle(graph()) == []


def test_no_package_imports_itself_through_others() -> None:
    assert cycle(packages(graph())) == []


def test_a_cycle_is_found() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) in (
        ["a", "c", "b", "a"],
        ["a", "b", "c", "a"],
        ["b", "a", "c", "b"],
        ["b", "c", "a", "b"],
        ["c", "b", "a", "c"],
        ["c", "a", "b", "c"],
    )

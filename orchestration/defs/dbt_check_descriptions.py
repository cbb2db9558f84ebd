"""What a dbt data test checks, in words: the description of its Dagster asset check.

A test's own ``description`` (or ``meta.description``) in the model's YAML wins; otherwise the
sentence is made from the test's arguments (``column_rules``, ``relationships`` and any other
generic test), so no check shows without a description. No Dagster import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_REF = re.compile(r"""ref\(\s*['"]([^'"]+)['"]\s*\)""")


def _relation(value: object) -> str:
    """``ref('dim_document')`` → ``dim_document``."""
    match = _REF.search(str(value))
    return match.group(1) if match else str(value)


def _column_rules(kwargs: Mapping[str, Any]) -> list[str]:
    parts = []
    if kwargs.get("unique"):
        parts.append("unique: " + ", ".join(kwargs["unique"]))
    if kwargs.get("not_null"):
        parts.append("not null: " + ", ".join(kwargs["not_null"]))
    for column, values in (kwargs.get("accepted_values") or {}).items():
        parts.append(f"{column} one of " + ", ".join(str(value) for value in values))
    for column, target in (kwargs.get("relationships") or {}).items():
        parts.append(f"{column} in {_relation(target['to'])}.{target['field']}")
    return parts


def check_description(test: Mapping[str, Any]) -> str:
    """The description of the dbt test node ``test`` (a manifest entry)."""
    own = test.get("description") or (test.get("meta") or {}).get("description")
    if own:
        return str(own)
    metadata = test.get("test_metadata") or {}
    name = metadata.get("name") or test.get("name", "test")
    kwargs = metadata.get("kwargs") or {}
    model = _relation(kwargs.get("model", "")) if kwargs.get("model") else None
    subject = f" of {model}" if model else ""
    if name == "column_rules":
        rules = _column_rules(kwargs)
        return f"Column rules{subject} — " + "; ".join(rules) if rules else f"Column rules{subject}"
    if name == "relationships":
        return (
            f"Every {kwargs['column_name']}{subject} (where not null) is a "
            f"{kwargs['field']} of {_relation(kwargs['to'])}"
        )
    column = kwargs.get("column_name")
    return f"dbt test {name}{subject}" + (f" on {column}" if column else "")

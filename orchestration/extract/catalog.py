"""Versioned reference data: title patterns, header synonyms, narrative figure patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import cast, get_args

import yaml

from .models import ColumnRole

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Catalog:
    """Compiled patterns loaded from ``orchestration/data/*.yaml``."""

    table_types: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    title_hint: re.Pattern[str]
    number_pattern: re.Pattern[str]
    not_title: re.Pattern[str]
    column_roles: tuple[tuple[ColumnRole, tuple[re.Pattern[str], ...]], ...]
    total_labels: re.Pattern[str]
    unit_name: re.Pattern[str]
    group_labels: frozenset[str]
    figures: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]

    def classify_title(self, title: str) -> str | None:
        """Canonical table type of a normalised title, or None."""
        for table_type, patterns in self.table_types:
            if any(p.search(title) for p in patterns):
                return table_type
        return None

    def column_role(self, labels: list[str]) -> ColumnRole | None:
        """Role of a label column from its header path (deepest label first)."""
        texts = [*reversed(labels), "/".join(labels)]
        if len(labels) > 1 and len(labels[-1]) <= 2 and self._role_of(labels[-1]) is None:
            texts.insert(0, labels[-2] + labels[-1])  # wrapped: '部门经济科目编' over '码'
        for text in texts:
            role = self._role_of(text)
            if role is not None:
                return role
        return None

    def _role_of(self, text: str) -> ColumnRole | None:
        for role, patterns in self.column_roles:
            if any(p.search(text) for p in patterns):
                return role
        return None


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def _role(name: str) -> ColumnRole:
    if name not in get_args(ColumnRole):
        raise ValueError(f"vocabulary.yaml: unknown column role {name!r}")
    return cast(ColumnRole, name)


@cache
def load_catalog(data_dir: Path = DATA_DIR) -> Catalog:
    """Load and compile the reference data once per process."""
    types = yaml.safe_load((data_dir / "table_types.yaml").read_text(encoding="utf-8"))
    vocab = yaml.safe_load((data_dir / "vocabulary.yaml").read_text(encoding="utf-8"))
    narrative = yaml.safe_load((data_dir / "narrative.yaml").read_text(encoding="utf-8"))
    return Catalog(
        table_types=tuple((t["type"], _compile(t["patterns"])) for t in types["table_types"]),
        title_hint=re.compile(types["title_hint"]),
        number_pattern=re.compile(types["number_pattern"]),
        not_title=re.compile(types["not_title"]),
        column_roles=tuple(
            (_role(r["role"]), _compile(r["patterns"])) for r in vocab["column_roles"]
        ),
        total_labels=re.compile(vocab["total_labels"]),
        unit_name=re.compile(vocab["unit_name_pattern"]),
        group_labels=frozenset(vocab["group_labels"]),
        figures=tuple((k, _compile(v)) for k, v in narrative["figures"].items()),
    )

"""The committed Great Expectations suites (``expectations/*.json``) and what each validates.

A suite file is a plain GE 1.x ``ExpectationSuite`` document. Its ``meta.target`` names the
warehouse table(s) it runs on — data, not code, so a new suite needs no Python change:

- ``schema`` + ``table``: one table; ``split_column`` + ``assets`` split its rows into one batch
  per Dagster asset (rows whose ``split_column`` value is not listed go to ``default_asset``);
- ``schema`` + ``table_pattern`` (+ ``exclude``): every matching table is its own batch;
- ``id_column``: the column naming a failing row (default: the table's first column);
- ``scope``: ``document`` (default: its findings on a document depend on that document's rows
  only, so a build validates only the documents that changed, see :mod:`.scope`) or ``corpus``
  (validated on every row by every build).
"""

from __future__ import annotations

import copy
import fnmatch
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..settings import PROJECT_ROOT

if TYPE_CHECKING:
    import great_expectations as gx

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


@dataclass(frozen=True)
class SuiteTarget:
    """Where a suite's batches come from (``meta.target`` of the suite file)."""

    schema: str
    table: str | None = None
    table_pattern: str | None = None
    exclude: tuple[str, ...] = ()
    id_column: str | None = None
    split_column: str | None = None
    assets: Mapping[str, str] = field(default_factory=dict)
    default_asset: str | None = None
    scope: Literal["document", "corpus"] = "document"

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> SuiteTarget:
        target = dict(meta.get("target") or {})
        if "schema" not in target or not (target.get("table") or target.get("table_pattern")):
            raise ValueError("a suite's meta.target needs a schema and a table or table_pattern")
        scope = target.get("scope", "document")
        if scope not in ("document", "corpus"):
            raise ValueError(f"a suite's meta.target.scope is document or corpus, not {scope!r}")
        return cls(
            schema=target["schema"],
            table=target.get("table"),
            table_pattern=target.get("table_pattern"),
            exclude=tuple(target.get("exclude") or ()),
            id_column=target.get("id_column"),
            split_column=target.get("split_column"),
            assets=dict(target.get("assets") or {}),
            default_asset=target.get("default_asset"),
            scope=scope,
        )

    def tables(self, available: Sequence[str]) -> list[str]:
        """The tables of ``self.schema`` this suite validates, among those that exist."""
        if self.table:
            return [self.table] if self.table in available else []
        pattern = self.table_pattern or ""
        return sorted(t for t in available if fnmatch.fnmatch(t, pattern) and t not in self.exclude)

    def asset_names(self, available: Sequence[str]) -> list[str]:
        """Every Dagster asset (table name in ``self.schema``) this suite reports on."""
        if self.table and self.split_column:
            names = [*self.assets.values(), self.default_asset or self.table]
            return list(dict.fromkeys(names))
        return self.tables(available)


@dataclass(frozen=True)
class SuiteDefinition:
    """One committed suite file."""

    name: str
    path: Path
    document: Mapping[str, Any]
    target: SuiteTarget

    def build(self) -> gx.ExpectationSuite:
        """A fresh GE suite object (GE mutates suites it stores, so never share one)."""
        import great_expectations as gx  # heavy: imported only when validating

        return gx.ExpectationSuite(**copy.deepcopy(dict(self.document)))

    def expectation_rules(self) -> list[str]:
        """The ``meta.rule`` of each expectation, in order."""
        return [(e.get("meta") or {}).get("rule", e["type"]) for e in self.document["expectations"]]


def load_suites(directory: Path = EXPECTATIONS_DIR, validate: bool = True) -> list[SuiteDefinition]:
    """Every ``*.json`` suite in ``directory``, sorted by name; a malformed file fails loudly.

    ``validate=False`` reads the files without importing Great Expectations (for the Dagster
    definitions, which only need the suites' names and targets at import time).
    """
    suites = []
    for path in sorted(directory.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if validate:
            import great_expectations as gx

            suite = gx.ExpectationSuite(**copy.deepcopy(document))  # validates the file
            if len(suite.expectations) != len(document.get("expectations", [])):
                raise ValueError(f"{path}: some expectations are not valid GE 1.x configurations")
        suites.append(
            SuiteDefinition(
                name=document["name"],
                path=path,
                document=document,
                target=SuiteTarget.from_meta(document.get("meta") or {}),
            )
        )
    if not suites:
        raise FileNotFoundError(f"no expectation suites (*.json) in {directory}")
    return suites

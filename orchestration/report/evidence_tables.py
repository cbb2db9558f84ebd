"""The warehouse as the evidence of a few documents reads it: their raw cells, rows and columns
copied out once, every other table seen through a view.

Evidence look-ups (:mod:`orchestration.evidence.regions`) filter ``raw.cells``, ``raw.rows`` and
``raw.columns`` by document, several times per illustrated check. In the warehouse those rows
lie in load order, so every look-up reads the whole table's document column: checks grow with
the documents and each look-up with the warehouse (10⁴ documents: ~10⁷ cells per look-up). Here
an in-memory database attaches the warehouse read-only, sees each of its tables through a view of
the same name, and holds those three tables for the documents being drawn only, filled with one
scan of the warehouse per :data:`BATCH` documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

#: The raw tables evidence reads by document, held for the documents being drawn.
HELD = ("cells", "rows", "columns")
#: Documents whose rows one scan copies.
BATCH = 64
_CATALOG = "source_warehouse"


class EvidenceTables:
    """An in-memory connection (``con``) that reads like the warehouse for the documents
    :meth:`hold` was given."""

    def __init__(self, warehouse: Path) -> None:
        self.con = duckdb.connect()
        self.con.execute(f"attach '{_quote(str(warehouse))}' as {_CATALOG} (read_only)")
        relations = self.con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ? "
            "union all select schema_name, view_name from duckdb_views() "
            "where database_name = ? and not internal",
            [_CATALOG, _CATALOG],
        ).fetchall()
        self._held = set()
        for schema, name in relations:
            self.con.execute(f'create schema if not exists "{schema}"')
            source = f'{_CATALOG}."{schema}"."{name}"'
            if schema == "raw" and name in HELD:
                self.con.execute(f'create table raw."{name}" as select * from {source} limit 0')
                self._held.add(name)
            else:
                self.con.execute(f'create view "{schema}"."{name}" as select * from {source}')
        self.documents: frozenset[str] = frozenset()

    def hold(self, documents: Sequence[str]) -> None:
        """Hold the raw rows of ``documents`` (replacing those held before)."""
        self.documents = frozenset(documents)
        for name in sorted(self._held):
            self.con.execute(f'delete from raw."{name}"')
            self.con.execute(
                f'insert into raw."{name}" select * from {_CATALOG}.raw."{name}" '
                "where document_id in (select unnest(?))",
                [sorted(self.documents)],
            )

    def ensure(self, document_id: str, following: Sequence[str]) -> None:
        """Hold ``document_id``'s rows: if they are not held, those of it and the next
        :data:`BATCH` − 1 documents of ``following`` (the order they will be drawn in)."""
        if document_id not in self.documents:
            self.hold([document_id, *[d for d in following if d != document_id][: BATCH - 1]])

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> EvidenceTables:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _quote(text: str) -> str:
    return text.replace("'", "''")

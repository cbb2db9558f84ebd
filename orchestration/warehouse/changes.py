"""Which documents changed in the raw tables, for the stages that work per document.

The loader records every document it (re)writes, removes or rejects in ``raw.document_changes``
— a log with increasing ``change_id`` — *before* it touches the document's raw rows, so a build
killed half-way leaves a change recorded for every row it may have changed (a change recorded
for nothing costs a rebuild of that document, never a stale row). Each stage after loading (dbt's
incremental marts, validation, the report) keeps its own cursor in ``raw.change_cursors``: the
last change it has completely processed and the hash of its own code then. What it has to redo
is :func:`pending`:

- no cursor (a new working database, a ``--full`` build, an upstream full rebuild), or a cursor
  left by other code: everything (``Pending.documents is None``);
- otherwise the documents changed after the cursor, and every loaded document *related* to one
  of them — of the same department (its printed name without unit suffixes such as (本级), by
  the name before and after the change) — because one disclosure printed in two files, and a
  department's region read from all its documents, make such documents' rows depend on each
  other.

A stage calls :func:`advance` once everything it produces is current, in the same database.
The raw view ``raw.pending_documents`` (consumer × document_id) is :func:`pending` in SQL, for
dbt to read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

#: Change kinds the loader records.
LOADED, REMOVED, REJECTED = "loaded", "removed", "rejected"
#: dbt's cursor (``stg_raw__pending_documents`` reads it): the changes the marts reflect.
DBT_CONSUMER = "dbt"

#: Unit suffixes a department's documents differ by: every suffix either department key of the
#: dbt project strips (``strip_unit_suffix``, ``int_disclosures``; a test keeps this a superset).
UNIT_SUFFIXES = ("本级", "汇总", "部门汇总", "单位汇总", "部门", "机关", "本部", "合并")

#: A department's name without whitespace and trailing unit suffixes and with 中国共产党X委员会
#: shortened to 中共X委: coarser than both keys the dbt project groups documents by
#: (``int_document_departments.department_key`` and ``int_disclosures``'s pairing key), so two
#: documents the project relates always share it — and no coarser, so a change rebuilds its
#: department's documents, not every department whose name ends in other brackets.
RELATION_KEY = (
    "nullif(regexp_replace(regexp_replace(regexp_replace({name}, '\\s+', '', 'g'), "
    "'^中国共产党(.+?)委员会', '中共\\1委'), "
    f"'([(（]({'|'.join(UNIT_SUFFIXES)})[)）])+$', ''), '')"
)

#: The last change id handed out: log entries every consumer is past are dropped, so cursors count.
LATEST = (
    "greatest((select coalesce(max(change_id), 0) from raw.document_changes), "
    "(select coalesce(max(change_id), 0) from raw.change_cursors))"
)

SCHEMA_DDL = f"""
create schema if not exists raw;
create table if not exists raw.document_changes (
    change_id bigint primary key, document_id varchar not null, change varchar not null,
    previous_department_name varchar, recorded_at timestamp default current_timestamp
);
create table if not exists raw.change_cursors (
    consumer varchar primary key, change_id bigint not null, code_hash varchar not null,
    updated_at timestamp default current_timestamp
);
create or replace view raw.pending_documents as
with
changed as (
    select
        cursors.consumer,
        changes.document_id,
        {RELATION_KEY.format(name="changes.previous_department_name")} as previous_key,
    from raw.change_cursors as cursors
    inner join raw.document_changes as changes on changes.change_id > cursors.change_id
),
keys as (
    select changed.consumer, changed.previous_key as relation_key from changed
    union
    select changed.consumer, {RELATION_KEY.format(name="documents.department_name")}
    from changed
    inner join raw.documents as documents on changed.document_id = documents.document_id
),
related as (
    select keys.consumer, documents.document_id
    from keys
    inner join raw.documents as documents
        on keys.relation_key = {RELATION_KEY.format(name="documents.department_name")}
)
select consumer, document_id from changed
union
select consumer, document_id from related
"""


@dataclass(frozen=True)
class Pending:
    """What one consumer has to redo: ``documents`` (None: everything) up to change ``through``."""

    through: int
    documents: frozenset[str] | None
    reason: str

    @property
    def everything(self) -> bool:
        return self.documents is None


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The change log, the cursors and the view of pending documents (idempotent)."""
    con.execute(SCHEMA_DDL)


def record(con: duckdb.DuckDBPyConnection, changes: Mapping[str, str]) -> None:
    """Append ``{document_id: kind}`` to the log, with each document's department name as the
    raw tables hold it now (before the change). Commits before the caller changes raw rows."""
    if not changes:
        return
    ensure_schema(con)
    con.execute(
        f"""
        insert into raw.document_changes
            (change_id, document_id, change, previous_department_name)
        select
            {LATEST} + row_number() over (order by changed.document_id),
            changed.document_id,
            changed.change,
            documents.department_name,
        from (select unnest(?::varchar[]) as document_id, unnest(?::varchar[]) as change)
            as changed
        left join raw.documents as documents on changed.document_id = documents.document_id
        """,
        [list(changes), list(changes.values())],
    )


def latest(con: duckdb.DuckDBPyConnection) -> int:
    """The last change recorded (0: none)."""
    return con.execute(f"select {LATEST}").fetchone()[0]


def processed(con: duckdb.DuckDBPyConnection, consumer: str) -> int:
    """The last change ``consumer`` has processed: its cursor, or :func:`latest` if it has none
    (it then redoes everything, and drops every cursor before it does)."""
    cursor = con.execute(
        "select change_id from raw.change_cursors where consumer = ?", [consumer]
    ).fetchone()
    return latest(con) if cursor is None else cursor[0]


def pending(con: duckdb.DuckDBPyConnection, consumer: str, code_hash: str) -> Pending:
    """What ``consumer`` (running code of hash ``code_hash``) must redo, up to :func:`latest`.

    Reads only (a read-only connection will do); a database without the log: everything."""
    found = con.execute(
        "select count(*) from duckdb_views() where schema_name = 'raw' "
        "and view_name = 'pending_documents'"
    ).fetchone()[0]
    if not found:
        return Pending(0, None, "no change log yet")
    through = latest(con)
    cursor = con.execute(
        "select change_id, code_hash from raw.change_cursors where consumer = ?", [consumer]
    ).fetchone()
    if cursor is None:
        return Pending(through, None, "no earlier build to continue")
    if cursor[1] != code_hash:
        return Pending(through, None, "its code changed since the last build")
    rows = con.execute(
        "select document_id from raw.pending_documents where consumer = ?", [consumer]
    ).fetchall()
    documents = frozenset(row[0] for row in rows)
    return Pending(through, documents, f"{len(documents)} document(s) changed or related")


def advance(con: duckdb.DuckDBPyConnection, consumer: str, through: int, code_hash: str) -> None:
    """Record that ``consumer`` has processed every change up to ``through`` with this code,
    and drop the log entries every consumer is past."""
    ensure_schema(con)
    con.execute(
        "insert or replace into raw.change_cursors (consumer, change_id, code_hash) "
        "values (?, ?, ?)",
        [consumer, through, code_hash],
    )
    con.execute(
        "delete from raw.document_changes "
        "where change_id <= (select min(change_id) from raw.change_cursors)"
    )


def forget(con: duckdb.DuckDBPyConnection, consumers: Iterable[str] | None = None) -> None:
    """Drop cursors (None: all): those consumers redo everything next time."""
    ensure_schema(con)
    if consumers is None:
        con.execute("delete from raw.change_cursors")
    else:
        con.execute(
            "delete from raw.change_cursors where list_contains(?, consumer)", [list(consumers)]
        )


def forget_all(database: Path) -> None:
    """``--full``: every consumer of the working database ``database`` redoes everything."""
    if not database.exists():
        return
    try:
        con = duckdb.connect(str(database))
    except duckdb.Error:
        return  # unreadable: the build starts it afresh, which rebuilds everything anyway
    with con:
        forget(con)

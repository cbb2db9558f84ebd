"""Which document pages a report must write again: those whose content changed.

A document's page (and its evidence images) is a function of what :func:`.collect.collect` read
for it and of the report and evidence code. ``documents/.pages.json`` keeps, per page, a digest
of both and the images the page shows (and why a source was unavailable), so a report over a
warehouse where one document changed draws and writes that document's page only — no evidence
lookup, PDF hash or image for the others — and keeps the others' images when it prunes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..settings import PROJECT_ROOT
from .collect import FIGURES, SOURCE_COLUMNS, columns

MANIFEST = ".pages.json"
#: The committed Great Expectations suites (``validation.suites.EXPECTATIONS_DIR``).
SUITES_DIR = PROJECT_ROOT / "expectations"
_BUILD_TIME_COLUMNS = {"loaded_at", "validated_at", "extract_seconds"}
_CODE = [Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "evidence"]


@dataclass
class PageRecord:
    """A written page: the digest it was written from, its images, unavailable sources."""

    key: str
    images: list[str] = field(default_factory=list)  # image file names, one per check shown
    unavailable: list[str] = field(default_factory=list)


def code_digest() -> str:
    """The report and evidence packages' sources."""
    digest = hashlib.sha256()
    for folder in _CODE:
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def page_keys(con: duckdb.DuckDBPyConnection, code: str) -> dict[str, str]:
    """``{document_id: digest}`` of everything each document's page and images are made from,
    computed in SQL over the whole warehouse (no Python object per row): the document's row
    (with its place and reconciliation status), its tables, key figures, evaluation counts and
    failed checks with their reconciliation rows — build-time columns left out, so a page of a
    document validated by an earlier build has the key it would have after a full rebuild."""
    sources = _sources(con)
    sql = "select document_id, " + ", ".join(f"{name}.part" for name in sources)
    sql += " from marts.dim_document as doc " + " ".join(
        f"left join ({_part(query)}) as {name} using (document_id)"
        for name, query in sources.items()
    )
    version = duckdb.__version__
    keys = {}
    for document_id, *values in con.execute(sql).fetchall():
        text = "\0".join([code, version, *(str(v) for v in values)])
        keys[document_id] = hashlib.sha256(text.encode()).hexdigest()[:24]
    return keys


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """The columns of a table, build-time columns left out (empty if there is no such table)."""
    return [c for c in columns(con, schema, table) if c not in _BUILD_TIME_COLUMNS]


def _hashed(alias: str, columns: list[str]) -> str:
    return "hash(" + ", ".join(f'{alias}."{c}"' for c in columns) + ")"


def _sources(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Per source a query ``(document_id, row_hash)`` of the rows a page is made from."""
    document = _columns(con, "marts", "dim_document")
    sources = {
        "document": f"select document_id, {_hashed('doc', document)} as row_hash "
        "from marts.dim_document as doc",
        "tables": f"select document_id, {_hashed('t', _columns(con, 'raw', 'tables'))} "
        "as row_hash from raw.tables as t",
    }
    for key, (_, table, where) in FIGURES.items():
        columns = _columns(con, "marts", table)
        if columns:
            source = next((c for c in SOURCE_COLUMNS if c in columns), None)
            origin = f"string_agg(distinct {source}, '+')" if source else "null"
            sources[f"figure_{key}"] = (
                f"select document_id, hash('{key}', sum(amount_yuan), {origin}) as row_hash "
                f"from marts.{table} where {where} group by document_id"
            )
    if "city" in _columns(con, "marts", "dim_region"):
        sources["place"] = (
            "select doc.document_id, hash(reg.city, reg.region_name) as row_hash "
            "from marts.dim_document as doc "
            "join marts.dim_department as dep on doc.department_id = dep.department_id "
            "join marts.dim_region as reg on dep.region_code = reg.region_code"
        )
    if "reconciliation_status" in _columns(con, "marts", "document_reconciliation"):
        sources["reconciliation"] = (
            "select document_id, hash(reconciliation_status) as row_hash "
            "from marts.document_reconciliation"
        )
    audit = _columns(con, "audit", "validation_results")
    if audit:
        recon = _columns(con, "marts", "reconciliation_results")
        sources["evaluations"] = (
            "select document_id, hash(status, count(*)) as row_hash "
            "from audit.validation_results group by document_id, status"
        )
        failed = "a.status <> 'pass'"
        if _columns(con, "audit", "validation_fingerprints"):
            # A document's audit rows of per-document suites are a function of the rows its
            # validation fingerprint sums (validation.scope): the fingerprint stands for them,
            # and only the rows of corpus-level suites, which any build may change, are read.
            sources["validated"] = (
                "select document_key as document_id, hash(fingerprint) as row_hash "
                "from audit.validation_fingerprints"
            )
            failed += f" and list_contains({_literal_list(corpus_suites())}, a.suite)"
        sources["failed"] = (
            f"select a.document_id, hash({_hashed('a', audit)}, {_hashed('r', recon)}) "
            "as row_hash from audit.validation_results as a "
            "left join marts.reconciliation_results as r "
            "on r.evaluation_id = a.evaluation_id and r.status <> 'pass' "
            f"where {failed}"
        )
    return sources


def corpus_suites(folder: Path = SUITES_DIR) -> list[str]:
    """The suites validated on every row by every build (``meta.target.scope`` ``corpus``, as
    :mod:`orchestration.validation.suites` reads it; this package does not import validation)."""
    found = []
    for path in sorted(folder.glob("*.json")):
        suite = json.loads(path.read_text(encoding="utf-8"))
        if suite.get("meta", {}).get("target", {}).get("scope", "document") == "corpus":
            found.append(suite["name"])
    return found


def _literal_list(values: list[str]) -> str:
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"[{quoted}]::varchar[]"


def _part(sql: str) -> str:
    """``(document_id, part)``: the rows' count and order-free sum of hashes per document."""
    return (
        "select document_id, count(*) || ':' || sum(row_hash::hugeint) as part "
        f"from ({sql}) group by document_id"
    )


def read_manifest(folder: Path) -> dict[str, PageRecord]:
    """``{page file name: record}`` of the pages written before (empty if unreadable)."""
    try:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return {name: PageRecord(**record) for name, record in raw.items()}
    except (OSError, ValueError, TypeError):
        return {}


def write_manifest(folder: Path, records: dict[str, PageRecord]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f"{MANIFEST}.tmp"
    text = {name: dataclasses.asdict(record) for name, record in sorted(records.items())}
    temp.write_text(json.dumps(text, ensure_ascii=False, indent=0), encoding="utf-8")
    temp.replace(folder / MANIFEST)

"""The completeness section of the wide-crawl report (``make corpus``): how many required tables
the loaded disclosures printed, printed empty, left out — and how many we failed to recognise
(a title printed on a page where extraction found no such table), each of those listed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import duckdb


def read_completeness(warehouse: Path, path_of: dict[str, str]) -> dict[str, Any]:
    """Status counts of ``marts.fct_disclosure_tables``, the not_recognised rows and the
    missing tables by name (empty when the warehouse has no such table)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'fct_disclosure_tables'"
        ).fetchone()[0]
        if not exists:
            return {}
        rows = con.execute(
            "select document_id, required_table_name, status, source_page, printed_title "
            "from marts.fct_disclosure_tables order by document_id, template_number"
        ).fetchall()
    statuses = Counter(status for _doc, _name, status, _page, _title in rows)
    return {
        "rows": len(rows),
        "documents": len({doc for doc, *_rest in rows}),
        "by_status": dict(statuses.most_common()),
        "not_recognised_share": round(statuses["not_recognised"] / len(rows), 4) if rows else None,
        "missing_by_table": dict(
            Counter(
                name for _doc, name, status, _page, _title in rows if status == "missing"
            ).most_common()
        ),
        "not_recognised": [
            {"path": path_of.get(doc, doc), "table": name, "page": page, "title": title}
            for doc, name, status, page, title in rows
            if status == "not_recognised"
        ],
    }


def render_completeness(completeness: dict[str, Any]) -> list[str]:
    """Markdown lines of the section."""
    if not completeness:
        return []
    share = completeness["not_recognised_share"]
    lines = [
        "## Required tables (completeness)",
        "",
        f"{completeness['rows']} required tables of {completeness['documents']} loaded documents "
        "(`marts.fct_disclosure_tables`); `not_recognised` — a title printed where extraction "
        f"found no table, our failure — is {share:.1%} of them.",
        "",
        "| status | tables |",
        "|---|---:|",
        *(f"| {status} | {count} |" for status, count in completeness["by_status"].items()),
        "",
        "| missing table | disclosures |",
        "|---|---:|",
        *(f"| {name} | {count} |" for name, count in completeness["missing_by_table"].items()),
        "",
        "Not recognised (counted against us):",
        "",
    ]
    rows = completeness["not_recognised"]
    lines += [f"- {r['path']} · p.{r['page']} · {r['table']} ({r['title']})" for r in rows]
    return lines + (["None."] if not rows else []) + [""]

"""The report's completeness matrix: per publisher, how many of its disclosures printed each
required table (``marts.fct_disclosure_tables``), one column per table of the template."""

from __future__ import annotations

from collections import Counter, defaultdict
from html import escape

import duckdb

#: How each status shows in a matrix cell, and what it means.
MARKS = {
    "printed": ("✓", "printed"),
    "printed_empty": ("∅", "printed empty (or a note says there is nothing to print)"),
    "missing": ("✗", "missing: no page prints it"),
    "not_recognised": ("?", "title printed, table not recognised (our failure)"),
    "not_in_this_file": ("…", "narrative only: its tables file is not loaded"),
}
#: Documents per publisher, phase, required table and status, in the order the matrix lists
#: them (a status first printed by an earlier file first); a table's name as its last file
#: prints it.
_SQL = """
with rows as (
    select
        coalesce(nullif(regexp_extract(doc.source_path, '^([^/]+)/', 1), ''), doc.department_name)
            as publisher,
        doc.source_file, tables.phase, tables.template_number, tables.status,
        tables.required_table_name
    from marts.fct_disclosure_tables as tables
    join marts.dim_document as doc using (document_id)
)
select
    publisher, phase, template_number, status,
    count(*) as documents,
    min(source_file) as first_file,
    any_value(last_name) as required_table_name
from (
    select
        *,
        arg_max(required_table_name, publisher || chr(0) || source_file)
            over (partition by phase, template_number) as last_name
    from rows
)
group by publisher, phase, template_number, status
order by publisher, phase, first_file, template_number
"""


def collect_completeness(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Documents of ``fct_disclosure_tables`` counted per publisher (the crawl's folder, else the
    department), phase, required table and status; empty when the warehouse has no such table."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'fct_disclosure_tables'"
    ).fetchone()[0]
    if not exists:
        return []
    cursor = con.execute(_SQL)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def completeness_html(rows: list[dict]) -> str:
    """One matrix per phase: a row per publisher, a column per required table, each cell counting
    the publisher's documents by status (✓ 12 ✗ 1 …)."""
    if not rows:
        return ""
    cells: dict[str, dict[str, dict[int, Counter[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(Counter))
    )
    names: dict[str, dict[int, str]] = defaultdict(dict)
    for row in rows:
        cells[row["phase"]][row["publisher"]][row["template_number"]][row["status"]] += row[
            "documents"
        ]
        names[row["phase"]][row["template_number"]] = row["required_table_name"]
    legend = " · ".join(f"{mark} {escape(text)}" for mark, text in MARKS.values())
    out = ["<h2>Required tables (completeness)</h2>", f'<p class="note">{legend}</p>']
    for phase, publishers in cells.items():
        numbers = sorted(names[phase])
        head = "".join(f'<th title="{escape(names[phase][n])}">{n}</th>' for n in numbers)
        out.append(f"<h3>{escape(phase)}</h3><table><tr><th>publisher</th>{head}</tr>")
        for publisher, by_number in publishers.items():
            tds = []
            for number in numbers:
                counts = by_number.get(number, Counter())
                text = " ".join(f"{MARKS[s][0]}{n}" for s, n in counts.items())
                warn = ' class="warn"' if counts["missing"] or counts["not_recognised"] else ""
                title = escape(names[phase][number])
                tds.append(f'<td title="{title}"{warn}>{escape(text)}</td>')
            out.append(f"<tr><td>{escape(publisher)}</td>{''.join(tds)}</tr>")
        out.append("</table>")
    return "".join(out)

"""The report's front page (``index.html``): the corpus at a glance, every document in one
sortable, filterable table (static script, no server) linking to its own page, checks by rule."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from html import escape
from pathlib import Path

from .collect import DocumentReport, ReportData
from .html import LEGEND, check_html, document_href, page, status_badge, table_html, wan

#: Sorting (click a header) and filtering (text and status) of the document table.
SCRIPT = """
(() => {
  const table = document.getElementById('documents'), body = table.tBodies[0];
  const rows = [...body.rows], text = document.getElementById('filter');
  const status = document.getElementById('status'), shown = document.getElementById('shown');
  function apply() {
    const q = text.value.trim().toLowerCase(), s = status.value;
    let n = 0;
    for (const row of rows) {
      const ok = (!q || row.dataset.text.includes(q)) && (!s || row.dataset.status.split(' ').includes(s));
      row.hidden = !ok; n += ok;
    }
    shown.textContent = n;
  }
  text.addEventListener('input', apply);
  status.addEventListener('change', apply);
  table.tHead.addEventListener('click', (event) => {
    const th = event.target.closest('th');
    if (!th) return;
    const i = th.cellIndex, numeric = th.classList.contains('num');
    const dir = th.dataset.dir === 'asc' ? 'desc' : 'asc';
    for (const h of table.tHead.rows[0].cells) delete h.dataset.dir;
    th.dataset.dir = dir;
    const key = (row) => {
      const cell = row.cells[i], v = cell.dataset.sort ?? cell.textContent;
      return numeric ? (v === '' ? -Infinity : Number(v)) : v;
    };
    rows.sort((a, b) => {
      const x = key(a), y = key(b);
      const c = numeric ? x - y : String(x).localeCompare(String(y), 'zh');
      return dir === 'asc' ? c : -c;
    });
    body.append(...rows);
  });
})();
"""
SORT_CSS = (
    "#documents th{cursor:pointer;user-select:none}#documents th[data-dir=asc]::after{content:' ▲'}"
    "#documents th[data-dir=desc]::after{content:' ▼'}.filters{margin:8px 0}"
    ".filters input{width:22em;padding:3px 6px}.filters select{padding:3px}"
    "#documents td:nth-child(3){white-space:nowrap}"
)
HEAD = [
    ("file", False),
    ("department", False),
    ("city", False),
    ("year", True),
    ("kind", False),
    ("status", False),
    ("reconciliation", False),
    ("general budget 一般公共预算 (万元)", True),
    ("三公 budget year (万元)", True),
    ("errors", True),
    ("warnings", True),
    ("reason", False),
]


def relative(path: Path, folder: Path) -> str:
    """``path`` as seen from the report folder (no absolute path of the build machine)."""
    try:
        return Path(os.path.relpath(path, folder)).as_posix()
    except ValueError:  # another drive
        return path.name


def index_page(data: ReportData, folder: Path, warehouse: Path, raw_dir: Path) -> str:
    built = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    where = (
        f"{escape(relative(warehouse, folder))} · built {escape(built)} · PDFs from "
        f"{escape(relative(raw_dir, folder))}"
    )
    body = [
        "<header><h1>budget-warehouse build report</h1>",
        f"<p>{where}</p></header><main>",
        f"<style>{SORT_CSS}</style>",
        "<h2>Corpus overview</h2>",
        _overview(data),
        LEGEND,
    ]
    if data.unattached:
        body.append("<h2>Checks without a document</h2>")
        body += [check_html(c, None, c.row["status"]) for c in data.unattached]
    body.append(f"<script>{SCRIPT}</script>")
    return page("budget-warehouse build report", body)


def _counts(data: ReportData) -> list[tuple[str, str]]:
    documents = [d.document for d in data.documents]
    by_status = Counter(d["status"] for d in documents)
    errors = [len(d.errors) for d in data.documents]
    warnings = [sum(d.warning_counts.values()) for d in data.documents]
    return [
        ("documents", f"{len(documents):,}"),
        ("loaded", f"{by_status.get('loaded', 0):,}"),
        ("rejected", f"{by_status.get('rejected', 0):,}"),
        ("documents with errors", f"{sum(1 for n in errors if n):,}"),
        ("error checks", f"{sum(errors):,}"),
        ("documents with warnings", f"{sum(1 for n in warnings if n):,}"),
        ("warning checks", f"{sum(warnings):,}"),
    ]


def _overview(data: ReportData) -> str:
    documents = [d.document for d in data.documents]
    out = ['<div class="cards">']
    out += [
        f'<div class="card" data-card="{escape(k)}"><b>{v}</b>{escape(k)}</div>'
        for k, v in _counts(data)
    ]
    out.append("</div>")
    if any(d.get("document_kind") for d in documents):
        kinds = Counter((d.get("document_kind") or "—", d["status"]) for d in documents)
        rows = [[escape(k), status_badge(s), n] for (k, s), n in sorted(kinds.items())]
        out.append(
            "<h3>Documents by kind</h3>" + table_html(["kind", "status", "documents"], rows, {2})
        )
    out.append("<h3>Documents</h3>")
    statuses = sorted(
        {d["status"] for d in documents}
        | {d["reconciliation_status"] for d in documents if d.get("reconciliation_status")}
    )
    options = "".join(f'<option value="{escape(s)}">{escape(s)}</option>' for s in statuses)
    out.append(
        '<p class="filters"><input id="filter" type="search" placeholder="filter: file, '
        'department, city, year …"> <select id="status"><option value="">every status</option>'
        f'{options}</select> <span id="shown">{len(documents)}</span> of {len(documents)} '
        "documents · click a column to sort · amounts in 万元</p>"
    )
    out.append(_document_table(data.documents))
    if data.rules:
        rows = [[escape(rule), c["pass"], c["warn"], c["error"]] for rule, c in data.rules.items()]
        out.append("<h3>Checks by rule</h3>")
        out.append(table_html(["rule", "passed", "warnings", "errors"], rows, {1, 2, 3}))
    return "".join(out)


def _document_table(reports: list[DocumentReport]) -> str:
    head = "".join(
        f'<th class="num">{escape(h)}</th>' if n else f"<th>{escape(h)}</th>" for h, n in HEAD
    )
    out = [f'<table id="documents"><thead><tr>{head}</tr></thead><tbody>']
    out += [_document_row(report) for report in reports]
    out.append("</tbody></table>")
    return "".join(out)


def _number(value: object, shown: str) -> str:
    sort = "" if value is None else f' data-sort="{value}"'
    return f'<td class="num"{sort}>{shown}</td>'


def _document_row(report: DocumentReport) -> str:
    d = report.document
    total = report.figures.get("total", (None, None))[0]
    three_public = report.figures.get("three_public", (None, None))[0]
    errors, warnings = len(report.errors), sum(report.warning_counts.values())
    name = d.get("source_path") or d["source_file"]
    texts = [
        name,
        d.get("department_name"),
        d.get("city"),
        d.get("fiscal_year"),
        d.get("status_reason"),
    ]
    text = " ".join(str(t) for t in texts if t).lower()
    status = " ".join(s for s in (d["status"], d.get("reconciliation_status")) if s)
    cells = [
        f'<td><a href="{document_href(report)}">{escape(name)}</a></td>',
        f"<td>{escape(d.get('department_name') or '')}</td>",
        f"<td>{escape(d.get('city') or '')}</td>",
        _number(d.get("fiscal_year"), str(d.get("fiscal_year") or "")),
        f"<td>{escape(str(d.get('document_kind') or d.get('phase') or ''))}</td>",
        f"<td>{status_badge(d['status'])}</td>",
        f"<td>{status_badge(d['reconciliation_status']) if d.get('reconciliation_status') else ''}</td>",
        _number(total, wan(total) if total is not None else ""),
        _number(three_public, wan(three_public) if three_public is not None else ""),
        _number(errors, str(errors)),
        _number(warnings, str(warnings)),
        f"<td>{escape(d.get('status_reason') or '')}</td>",
    ]
    return (
        f'<tr data-document="{escape(d["source_file"])}" data-status="{escape(status)}" '
        f'data-text="{escape(text)}">{"".join(cells)}</tr>'
    )

"""The report's front page (``index.html``): the corpus at a glance, every document in one
sortable, filterable table (static script, no server) linking to its own page, checks by rule."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from html import escape
from pathlib import Path

from .collect import DocumentReport, ReportData
from .completeness import completeness_html
from .html import LEGEND, check_html, document_href, page, status_badge, table_html, wan

#: The document table: rows from the JSON beside it, sorted (click a header) and filtered (text,
#: status) in the browser, shown a page at a time — fast at 10⁴ documents; no server.
SCRIPT = """
(() => {
  const data = JSON.parse(document.getElementById('document-data').textContent);
  const table = document.getElementById('documents'), body = table.tBodies[0];
  const text = document.getElementById('filter'), status = document.getElementById('status');
  const shown = document.getElementById('shown'), pager = document.getElementById('pager');
  const numeric = [...table.tHead.rows[0].cells].map((th) => th.classList.contains('num'));
  const esc = (v) => String(v ?? '').replace(/[&<>"]/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'})[c]);
  const badge = (v) => v ? `<span class="status ${esc(v)}">${esc(v)}</span>` : '';
  const cells = (d) => [
    `<td><a href="${esc(d.href)}">${esc(d.file)}</a></td>`, `<td>${esc(d.department)}</td>`,
    `<td>${esc(d.city)}</td>`, `<td class="num">${esc(d.year)}</td>`, `<td>${esc(d.kind)}</td>`,
    `<td>${badge(d.status)}</td>`, `<td>${badge(d.reconciliation)}</td>`,
    `<td class="num">${esc(d.total_wan)}</td>`, `<td class="num">${esc(d.three_public_wan)}</td>`,
    `<td class="num">${d.errors}</td>`, `<td class="num">${d.warnings}</td>`, `<td>${esc(d.reason)}</td>`,
  ].join('');
  const keys = ['file', 'department', 'city', 'year', 'kind', 'status', 'reconciliation', 'total',
                'three_public', 'errors', 'warnings', 'reason'];
  for (const d of data) d.text = [d.file, d.department, d.city, d.year, d.kind, d.reason].join(' ').toLowerCase();
  let rows = data, page = 0;
  const size = 200;
  function render() {
    const pages = Math.max(1, Math.ceil(rows.length / size));
    page = Math.min(page, pages - 1);
    body.innerHTML = rows.slice(page * size, (page + 1) * size).map((d) =>
      `<tr data-document="${esc(d.source_file)}" data-status="${esc(d.status)} ${esc(d.reconciliation)}">${cells(d)}</tr>`).join('');
    shown.textContent = rows.length;
    pager.hidden = pages === 1;
    pager.querySelector('span').textContent = `page ${page + 1} of ${pages}`;
  }
  function apply() {
    const q = text.value.trim().toLowerCase(), s = status.value;
    rows = data.filter((d) => (!q || d.text.includes(q)) && (!s || d.status === s || d.reconciliation === s));
    if (table.dataset.key) sort();
    page = 0; render();
  }
  function sort() {
    const key = table.dataset.key, dir = table.dataset.dir === 'asc' ? 1 : -1, num = numeric[keys.indexOf(key)];
    rows.sort((a, b) => {
      const x = a[key], y = b[key];
      if (x === y) return 0;
      if (x === null || x === '') return 1;
      if (y === null || y === '') return -1;
      return dir * (num ? Number(x) - Number(y) : String(x).localeCompare(String(y), 'zh'));
    });
  }
  text.addEventListener('input', apply);
  status.addEventListener('change', apply);
  pager.addEventListener('click', (event) => {
    if (!event.target.dataset.step) return;
    page = Math.max(0, page + Number(event.target.dataset.step)); render();
  });
  table.tHead.addEventListener('click', (event) => {
    const th = event.target.closest('th');
    if (!th) return;
    const dir = th.dataset.dir === 'asc' ? 'desc' : 'asc';
    for (const h of table.tHead.rows[0].cells) delete h.dataset.dir;
    th.dataset.dir = dir;
    table.dataset.key = keys[th.cellIndex]; table.dataset.dir = dir;
    if (rows === data) rows = [...data];
    sort(); page = 0; render();
  });
  render();
})();
"""
SORT_CSS = (
    "#documents th{cursor:pointer;user-select:none}#documents th[data-dir=asc]::after{content:' ▲'}"
    "#documents th[data-dir=desc]::after{content:' ▼'}.filters{margin:8px 0}"
    ".filters input{width:22em;padding:3px 6px}.filters select{padding:3px}"
    "#documents td:nth-child(3){white-space:nowrap}#pager button{margin:0 6px}"
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
        completeness_html(data.completeness),
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
    errors = [d.error_count for d in data.documents]
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
    rows = json.dumps([_document_row(r) for r in reports], ensure_ascii=False, default=str)
    rows = rows.replace("</", "<\\/")  # no "</script>" inside the script
    return (
        f'<table id="documents"><thead><tr>{head}</tr></thead><tbody></tbody></table>'
        '<p id="pager" hidden><button data-step="-1">‹ previous</button><span></span>'
        '<button data-step="1">next ›</button></p>'
        f'<script type="application/json" id="document-data">{rows}</script>'
    )


def _document_row(report: DocumentReport) -> dict:
    """One row of the document table: amounts as exact yuan to sort by and in 万元 to show."""
    d = report.document
    total = report.figures.get("total", (None, None))[0]
    three_public = report.figures.get("three_public", (None, None))[0]
    return {
        "source_file": d["source_file"],
        "file": d.get("source_path") or d["source_file"],
        "href": document_href(report),
        "department": d.get("department_name") or "",
        "city": d.get("city") or "",
        "year": d.get("fiscal_year"),
        "kind": str(d.get("document_kind") or d.get("phase") or ""),
        "status": d["status"],
        "reconciliation": d.get("reconciliation_status") or "",
        "total": total,  # exact yuan (a JSON string), sorted as a number
        "total_wan": "" if total is None else wan(total),
        "three_public": three_public,
        "three_public_wan": "" if three_public is None else wan(three_public),
        "errors": report.error_count,
        "warnings": sum(report.warning_counts.values()),
        "reason": d.get("status_reason") or "",
    }

"""The report's pages, static HTML with inline CSS and relative links (opens from disk): the
pieces every page shares and one page per document (``documents/<document_id>.html``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from ..formatting import finding_text
from .collect import FIGURES, Check, DocumentReport

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;
margin:0;color:#1f2937;background:#f8fafc}
header{background:#0f172a;color:#f8fafc;padding:18px 32px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:#cbd5e1}main{padding:16px 32px 48px;max-width:1280px}
h2{margin:28px 0 10px;font-size:18px}h3{margin:18px 0 8px;font-size:15px}
table{border-collapse:collapse;background:#fff;margin:6px 0 12px}
th,td{border:1px solid #e2e8f0;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f1f5f9;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border:1px solid #e2e8f0;
border-radius:8px;padding:10px 16px;min-width:130px}.card b{display:block;font-size:22px}
.status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.status.loaded,.status.pass,.status.reconciled{background:#dcfce7;color:#166534}
.status.rejected,.status.error,.status.errors{background:#fee2e2;color:#991b1b}
.status.warn,.status.warning,.status.warnings{background:#fef3c7;color:#92400e}
.status.unverified{background:#e0e7ff;color:#3730a3}
section.document{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:4px 20px 12px;
margin:18px 0}.check{border-left:4px solid #dc2626;padding:4px 12px;margin:10px 0}
.check.warn{border-color:#d97706}.check p{margin:2px 0}
.check img{display:block;max-width:100%;border:1px solid #cbd5e1;margin:6px 0}
.note{color:#64748b;font-size:13px}details{margin:6px 0}summary{cursor:pointer;font-weight:600}
ul.lines{margin:4px 0;padding-left:20px;font-size:13px}.legend i{display:inline-block;width:12px;
height:12px;vertical-align:-1px;margin:0 4px 0 10px}a{color:#1d4ed8}
"""


@dataclass(frozen=True)
class Image:
    """An evidence image (relative to the report folder), or why there is none."""

    src: str | None
    note: str | None = None


def wan(amount: Decimal | None) -> str:
    """An amount in 万元 to two decimals (the warehouse keeps the exact yuan)."""
    return "—" if amount is None else f"{amount / 10000:,.2f}"


def page(title: str, body: list[str]) -> str:
    """A whole page: head with the inline CSS, then ``body`` (which opens ``<main>``)."""
    return "\n".join(
        [
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">',
            f"<title>{escape(title)}</title>",
            f"<style>{CSS}</style></head><body>",
            *body,
            "</main></body></html>",
        ]
    )


def document_page(document: DocumentReport, images: dict[str, Image]) -> str:
    """A document's own page: its figures, tables, and every failed check with its image."""
    d = document.document
    title = d.get("department_name") or d["source_file"]
    return page(
        f"{title} — budget-warehouse build report",
        [
            '<header><h1><a href="../index.html" style="color:#f8fafc">budget-warehouse build '
            "report</a></h1>",
            f"<p>{escape(d.get('source_path') or d['source_file'])}</p></header><main>",
            LEGEND,
            _document(document, images, "../"),
        ],
    )


def page_file(document_id: str) -> str:
    """The file name of a document's page (in ``documents/``)."""
    return f"{document_id}.html"


def document_href(document: DocumentReport) -> str:
    """The document's page, relative to the report folder."""
    return f"documents/{page_file(document.document_id)}"


LEGEND = (
    '<p class="legend note">Images: <i style="background:#fca5a5"></i>the number checked '
    '(or the fact) <i style="background:#bfdbfe"></i>the numbers it was compared with '
    "(summed)</p>"
)


def status_badge(text: str | None) -> str:
    text = text or "—"
    return f'<span class="status {escape(text)}">{escape(text)}</span>'


def _cells(values: list[Any], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    return "".join(
        f'<td class="num">{v}</td>' if i in numeric else f"<td>{v}</td>"
        for i, v in enumerate(values)
    )


def table_html(head: list[str], rows: list[list[Any]], numeric: set[int] | None = None) -> str:
    out = ["<table><thead><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    out += [f"<tr>{_cells(row, numeric)}</tr>" for row in rows]
    out.append("</tbody></table>")
    return "".join(out)


def anchor(document: DocumentReport) -> str:
    return f"doc-{document.document_id}"


def describe(row: dict[str, Any]) -> str:
    """page · table · unit · row [column]: expected vs observed, difference (the CLI's wording)."""
    return finding_text(
        page=row.get("source_page"),
        table=row.get("table_label") or row.get("asset"),
        unit=row.get("unit_name"),
        row=row.get("row_label"),
        column=row.get("column_label"),
        expected=row.get("expected_yuan"),
        observed=row.get("observed_yuan"),
        difference=row.get("difference_yuan"),
        detail=row.get("detail"),
    )


_ERROR_CLASSES = {
    "document_inconsistent": "document_inconsistent — the document contradicts itself (our reading agrees with the page)",
    "extraction_suspect": "extraction_suspect — our facts contradict the page (extraction or modelling suspect)",
}


def check_html(check: Check, image: Image | None, level: str, root: str = "") -> str:
    row = check.row
    detail = row.get("detail") if row.get("expected_yuan") is not None else None
    parts = [
        f'<div class="check {level}" data-check="{escape(check.key)}" data-rule="{escape(row["rule"])}">',
        f"<p><b>{escape(row['rule'])}</b> — {escape(describe(row))}</p>",
    ]
    if row.get("error_class"):
        parts.append(
            f'<p class="note">error class: {escape(_ERROR_CLASSES.get(row["error_class"], row["error_class"]))}</p>'
        )
    if detail:
        parts.append(f'<p class="note">{escape(str(detail))}</p>')
    if row.get("evaluation_id"):
        parts.append(
            f'<p class="note">evaluation_id {escape(row["evaluation_id"])} · '
            f"<code>budget-warehouse show {escape(row['evaluation_id'][:12])}</code></p>"
        )
    if image and image.src:
        alt = f"{row.get('source_file')} {describe(row)}"
        src = escape(root + image.src)
        parts.append(f'<a href="{src}"><img src="{src}" loading="lazy" alt="{escape(alt)}"></a>')
    elif image:
        parts.append(f'<p class="note">{escape(image.note or "no image")}</p>')
    parts.append("</div>")
    return "".join(parts)


def _document(document: DocumentReport, images: dict[str, Image], root: str) -> str:
    d = document.document
    title = d.get("department_name") or d["source_file"]
    facts = [
        escape(d.get("source_path") or d["source_file"]),
        escape(str(d["city"])) if d.get("city") else None,
        f"year {d['fiscal_year']}" if d.get("fiscal_year") else None,
        escape(str(d["phase"])) if d.get("phase") else None,
        escape(str(d["document_kind"])) if d.get("document_kind") else None,
        f"{d['page_count']} pages" if d.get("page_count") else None,
    ]
    out = [
        f'<section class="document" id="{anchor(document)}" data-document="{escape(d["source_file"])}">',
        f"<h2>{escape(str(title))} {status_badge(d['status'])}"
        + (f" {status_badge(d['reconciliation_status'])}" if d.get("reconciliation_status") else "")
        + "</h2>",
        f'<p class="note">{" · ".join(f for f in facts if f)}</p>',
    ]
    if d.get("status_reason"):
        out.append(f"<p><b>Reason:</b> {escape(str(d['status_reason']))}</p>")
    if document.figures:
        rows = []
        for key, (label, _, _) in FIGURES.items():
            amount, origin = document.figures.get(key, (None, None))
            rows.append([escape(label), wan(amount), escape(origin or "")])
        out.append("<h3>Key figures (万元)</h3>")
        out.append(table_html(["figure", "amount (万元)", "source"], rows, {1}))
    if document.tables:
        rows = [
            [
                escape(t.get("printed_number") or ""),
                escape(t.get("title") or ""),
                escape(t.get("table_type") or ""),
                escape(", ".join(str(p) for p in t.get("pages") or [])),
                escape(t.get("amount_unit") or ""),
                t.get("row_count") or 0,
            ]
            for t in document.tables
        ]
        out.append(f"<details><summary>Tables ({len(rows)})</summary>")
        out.append(table_html(["no.", "title", "type", "pages", "unit", "rows"], rows, {5}))
        out.append("</details>")
    counts = document.evaluations
    if counts:
        out.append(
            f'<p class="note">{sum(counts.values())} rule evaluations: {counts["pass"]} passed, '
            f"{counts['warn']} warnings, {counts['error']} errors</p>"
        )
    if document.errors:
        out.append(f"<h3>Errors ({len(document.errors)})</h3>")
        out += [check_html(c, images.get(c.key), "error", root) for c in document.errors]
    if document.warnings:
        out.append(f"<h3>Warnings ({sum(document.warning_counts.values())}), by rule</h3>")
        for rule, checks in document.warnings.items():
            total = document.warning_counts[rule]
            out.append(f"<details><summary>{escape(rule)} — {total}</summary>")
            out.append(check_html(checks[0], images.get(checks[0].key), "warn", root))
            if len(checks) > 1:
                out.append('<ul class="lines">')
                out += [f"<li>{escape(describe(c.row))}</li>" for c in checks[1:]]
                out.append("</ul>")
            if total > len(checks):
                out.append(
                    f'<p class="note">… {total - len(checks)} more: select * from '
                    f"audit.validation_results where status = 'warn' and rule = '{escape(rule)}'</p>"
                )
            out.append("</details>")
    out.append("</section>")
    return "".join(out)

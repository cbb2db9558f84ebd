"""Readable validation findings: one line per failure, counts per document, markdown tables.

Amounts and findings read as everywhere else (:mod:`orchestration.formatting`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from ..formatting import finding_text, format_amount
from .results import Status, ValidationResult

_STATUS_ORDER: dict[Status, int] = {"error": 0, "warn": 1, "pass": 2}


def describe_finding(finding: ValidationResult) -> str:
    """One line: file · page · table · unit · row [column]: expected vs observed (difference),
    or the rule's detail when it compares no amounts; the rule last."""
    text = finding_text(
        page=finding.source_page,
        table=finding.table_label,
        unit=finding.unit_name,
        row=finding.row_label,
        column=finding.column_label,
        expected=finding.expected_yuan,
        observed=finding.observed_yuan,
        difference=finding.difference_yuan,
        detail=finding.detail,
    )
    file = finding.source_file or "(no document)"
    return f"{file} · {text} ({finding.rule})" if text else f"{file} ({finding.rule})"


def counts_lines(per_file: Mapping[str, Counter[str]]) -> list[str]:
    """``file: N evaluations — P passed, W warnings, E errors`` per document (``per_file``:
    :meth:`~.results.ValidationRun.document_counts`)."""
    lines = []
    for source_file, counts in per_file.items():
        total = sum(counts.values())
        lines.append(
            f"{source_file}: {total} rule evaluations — {counts['pass']} passed, "
            f"{counts['warn']} warnings, {counts['error']} errors"
        )
    return lines


def failure_lines(
    results: Iterable[ValidationResult], include_warnings: bool = False, limit: int | None = None
) -> list[str]:
    """The failures (errors, and warnings if asked), worst first, one readable line each."""
    wanted = {"error", "warn"} if include_warnings else {"error"}
    chosen = sorted(
        (r for r in results if r.status in wanted),
        key=lambda r: (
            _STATUS_ORDER[r.status],
            r.source_file or "",
            r.source_page or 0,
            r.rule,
            r.row_label or "",
        ),
    )
    lines = [
        f"{'ERROR' if r.status == 'error' else 'WARN '} {describe_finding(r)}"
        + (f" [{r.error_class}]" if r.error_class else "")
        for r in chosen
    ]
    if limit is not None and len(lines) > limit:
        lines = [*lines[:limit], f"… and {len(lines) - limit} more"]
    return lines


def markdown_table(
    results: Iterable[ValidationResult], limit: int = 50, total: int | None = None
) -> str:
    """Failures as a markdown table for Dagster metadata and the corpus report (``total``: how
    many there are, when ``results`` lists only some)."""
    rows = list(results)
    total = len(rows) if total is None else total
    lines = [
        "| rule | document | page | table | unit / row | column | expected | observed | difference |",
        "|---|---|---:|---|---|---|---:|---:|---:|",
    ]
    for r in rows[:limit]:
        cells = [
            r.rule,
            r.source_file or "",
            "" if r.source_page is None else str(r.source_page),
            r.table_label or "",
            " / ".join(x for x in (r.unit_name, r.row_label) if x),
            r.column_label or "",
            format_amount(r.expected_yuan),
            format_amount(r.observed_yuan),
            format_amount(r.difference_yuan),
        ]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    if total > min(limit, len(rows)):
        lines.append(f"| … {total - min(limit, len(rows))} more | | | | | | | | |")
    return "\n".join(lines)

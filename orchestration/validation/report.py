"""Readable validation findings: one line per failure, counts per document, markdown tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal

from .results import Status, ValidationResult

_STATUS_ORDER: dict[Status, int] = {"error": 0, "warn": 1, "pass": 2}


def format_amount(yuan: Decimal | None) -> str:
    """An amount as printed: 万元 with two decimals where exact, else 元."""
    if yuan is None:
        return "—"
    if yuan % 100 == 0:
        return f"{yuan / 10000:,.2f} 万元"
    return f"{yuan:,.2f} 元"


def describe(result: ValidationResult) -> str:
    """One line: file · page · table · unit · row [column]: expected vs observed (difference)."""
    where = [result.source_file or "(no document)"]
    if result.source_page:
        where.append(f"p.{result.source_page}")
    if result.table_label:
        where.append(result.table_label)
    if result.unit_name:
        where.append(result.unit_name)
    if result.row_label:
        where.append(result.row_label)
    column = f" [{result.column_label}]" if result.column_label else ""
    difference = (
        f", difference {format_amount(result.difference_yuan)}"
        if result.difference_yuan is not None
        else ""
    )
    return (
        f"{' · '.join(where)}{column}: expected {format_amount(result.expected_yuan)} vs "
        f"observed {format_amount(result.observed_yuan)}{difference} ({result.rule})"
    )


def evaluation_counts(results: Iterable[ValidationResult]) -> dict[str, Counter[str]]:
    """Rule evaluations per source file, by status."""
    counts: dict[str, Counter[str]] = {}
    for result in results:
        counts.setdefault(result.source_file or "(no document)", Counter())[result.status] += 1
    return dict(sorted(counts.items()))


def counts_lines(results: Sequence[ValidationResult]) -> list[str]:
    """``file: N evaluations — P passed, W warnings, E errors`` per document."""
    lines = []
    for source_file, counts in evaluation_counts(results).items():
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
    lines = [f"{'ERROR' if r.status == 'error' else 'WARN '} {describe(r)}" for r in chosen]
    if limit is not None and len(lines) > limit:
        lines = [*lines[:limit], f"… and {len(lines) - limit} more"]
    return lines


def markdown_table(results: Iterable[ValidationResult], limit: int = 50) -> str:
    """Failures as a markdown table for Dagster metadata and the corpus report."""
    rows = list(results)
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
    if len(rows) > limit:
        lines.append(f"| … {len(rows) - limit} more | | | | | | | | |")
    return "\n".join(lines)

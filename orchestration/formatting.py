"""How amounts and findings read, wherever they are printed (CLI summary, validation reports)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .validation.results import ValidationResult


def format_amount(yuan: Decimal | None) -> str:
    """An amount as printed: 万元 with two decimals where exact, else 元; ``—`` when absent."""
    if yuan is None:
        return "—"
    if yuan % 100 == 0:
        return f"{yuan / 10000:,.2f} 万元"
    return f"{yuan:,.2f} 元"


def plural(count: int, noun: str) -> str:
    """``1 warning``, ``2 warnings``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def describe_finding(finding: ValidationResult) -> str:
    """One line: file · page · table · unit · row [column]: expected vs observed (difference),
    or the rule's detail when it compares no amounts."""
    where = [finding.source_file or "(no document)"]
    if finding.source_page:
        where.append(f"p.{finding.source_page}")
    where += [p for p in (finding.table_label, finding.unit_name, finding.row_label) if p]
    column = f" [{finding.column_label}]" if finding.column_label else ""
    if finding.expected_yuan is None and finding.observed_yuan is None:
        detail = f": {finding.detail}" if finding.detail else ""
        return f"{' · '.join(where)}{column}{detail} ({finding.rule})"
    difference = (
        f", difference {format_amount(finding.difference_yuan)}"
        if finding.difference_yuan is not None
        else ""
    )
    return (
        f"{' · '.join(where)}{column}: expected {format_amount(finding.expected_yuan)} vs "
        f"observed {format_amount(finding.observed_yuan)}{difference} ({finding.rule})"
    )

"""How amounts and findings read, wherever they are printed (CLI summary, validation reports)."""

from __future__ import annotations

from decimal import Decimal


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


def finding_text(
    *,
    page: int | None = None,
    table: str | None = None,
    unit: str | None = None,
    row: str | None = None,
    column: str | None = None,
    expected: Decimal | None = None,
    observed: Decimal | None = None,
    difference: Decimal | None = None,
    detail: str | None = None,
) -> str:
    """``p.N · table · unit · row [column]: expected … vs observed …, difference …``, or the
    detail when the finding compares no amounts."""
    where = [f"p.{page}" if page else None, table, unit, row]
    text = " · ".join(str(w) for w in where if w)
    if column:
        text += f" [{column}]"
    if expected is None and observed is None:
        return f"{text}: {detail}" if detail else text
    text += f": expected {format_amount(expected)} vs observed {format_amount(observed)}"
    return text if difference is None else f"{text}, difference {format_amount(difference)}"

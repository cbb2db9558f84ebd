"""Figures the narrative chapters state: totals, procurement split, 三公 items."""

from __future__ import annotations

from .catalog import Catalog
from .models import Figure
from .numbers import parse_amount

CONTEXT_CHARS = 40


def find_figures(page_texts: list[str], catalog: Catalog) -> list[Figure]:
    """First match of each figure pattern, in page order, with its page and context."""
    figures: list[Figure] = []
    for key, patterns in catalog.figures:
        found = _first_match(page_texts, patterns)
        if found is None:
            continue
        page, amount, context = found
        figures.append(Figure(key=key, amount=amount, page=page, context=context))
    return figures


def _first_match(page_texts: list[str], patterns) -> tuple[int, str, str] | None:
    for page, text in enumerate(page_texts, start=1):
        for pattern in patterns:
            match = pattern.search(text)
            if match and parse_amount(match.group("amount")) is not None:
                start = max(match.start() - CONTEXT_CHARS, 0)
                context = text[start : match.end() + CONTEXT_CHARS]
                return page, str(parse_amount(match.group("amount"))), context
    return None

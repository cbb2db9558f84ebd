"""Figures the narrative chapters state: totals, procurement split, 三公 items.

The narrative is read as one text across pages: a sentence that breaks over a page break
(with the page number printed in between, "2026年预算数-7-9726.26万元") still reads as one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal

from .catalog import Catalog
from .models import Figure
from .numbers import parse_amount
from .settings import SETTINGS

# A printed page number on a line of its own: "-7-", "- 7 -", "— 23 —", "7", "第7页", "第7页共9页".
_PAGE_NUMBER_LINE = re.compile(r"^-*[0-9]{1,3}-*$|^第[0-9]{1,3}页(?:共[0-9]{1,3}页)?$")
# A page number printed inside a wrapped sentence line: "…预算数-7-" at a line's end.
_PAGE_NUMBER_TAIL = re.compile(r"-[0-9]{1,3}-$")


@dataclass(frozen=True)
class NarrativeText:
    """The document's text as one string, page numbers removed, with each page's offset."""

    text: str
    page_starts: list[int]

    def page_at(self, offset: int) -> int:
        """1-based page of a character offset."""
        return bisect_right(self.page_starts, offset)


def narrative_text(page_lines: list[list[str]]) -> NarrativeText:
    """Join every page's lines, dropping printed page numbers (footers and headers)."""
    parts: list[str] = []
    starts: list[int] = []
    length = 0
    for lines in page_lines:
        starts.append(length)
        for line in lines:
            if _PAGE_NUMBER_LINE.match(line):
                continue
            line = _PAGE_NUMBER_TAIL.sub("", line)
            parts.append(line)
            length += len(line)
    return NarrativeText(text="".join(parts), page_starts=starts)


def find_figures(page_lines: list[list[str]], catalog: Catalog) -> list[Figure]:
    """First statement of each figure in reading order, with its page and context.

    Of a key's patterns, the one matching earliest in the document wins (ties: the first
    pattern listed).
    """
    narrative = narrative_text(page_lines)
    figures: list[Figure] = []
    for key, patterns in catalog.figures:
        found = _first_match(narrative, patterns)
        if found is not None:
            page, amount, context = found
            figures.append(Figure(key=key, amount=amount, page=page, context=context))
    return figures


def _first_match(narrative: NarrativeText, patterns) -> tuple[int, str, str] | None:
    best: tuple[int, int, str, str] | None = None  # (page, pattern order, amount, context)
    text = narrative.text
    for order, pattern in enumerate(patterns):
        for match in pattern.finditer(text):
            amount = stated_amount(match)
            if amount is None:
                continue
            page = narrative.page_at(match.start("amount"))
            if best is None or (page, order) < best[:2]:
                context = SETTINGS.figure_context_chars
                start = max(match.start() - context, 0)
                best = (page, order, str(amount), text[start : match.end() + context])
            break
    return None if best is None else (best[0], best[2], best[3])


_RISE = ("增加", "增长")


def stated_amount(match: re.Match[str]) -> Decimal | None:
    """The figure a match states: its "amount", less a "change" stated as a rise (增加/增长) or
    plus one stated as a fall (减少/下降) where the pattern reads one (the prior year's figure
    from this year's and the change)."""
    amount = parse_amount(match.group("amount"))
    groups = match.re.groupindex
    if amount is None or "change" not in groups or match.group("flat"):
        return amount
    change = parse_amount(match.group("change"))
    if change is None:
        return None
    return amount - change if match.group("direction") in _RISE else amount + change

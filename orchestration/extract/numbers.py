"""Exact parsing of printed amounts."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .labels import UNIT_LABEL
from .text import normalize

_BLANK = {"", "-", "--", "—", "——", "/", "*", "**", "…", "0-"}
# The first group may run longer than three digits: '19349,057' is 19,349,057 (Shanghai 元
# tables with a separator left out).
_AMOUNT = re.compile(
    r"^\(?(-)?[0-9]+(?:,[0-9]{3})+(?:\.[0-9]+)?\)?$|^\(?(-)?[0-9]+(?:\.[0-9]+)?\)?$"
)
_PERCENT = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?%$")
_UNIT = re.compile(rf"{UNIT_LABEL}\s*(万元|千元|亿元|元)")

UNIT_MULTIPLIER: dict[str, Decimal] = {
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10000),
    "亿元": Decimal(100000000),
}


def parse_amount(raw: str | None) -> Decimal | None:
    """Parse a printed amount exactly; None for blank cells, dashes and non-numbers.

    Handles thousands separators, missing separators, negatives ('-2.00', '(2.00)'),
    and amounts wrapped inside a narrow cell ('24995.9\\n4').
    """
    text = normalize(raw)
    if text in _BLANK:
        return None
    negative = text.startswith("(") and text.endswith(")")
    if text.startswith("(") != text.endswith(")") or not _AMOUNT.match(text):
        return None
    try:
        value = Decimal(text.strip("()").replace(",", ""))
    except InvalidOperation:
        return None
    return -value if negative else value


def is_percent(raw: str | None) -> bool:
    """True for a printed percentage such as '-5.0%'."""
    return bool(_PERCENT.match(normalize(raw)))


def find_unit(text: str) -> str | None:
    """The amount unit named by a line like '单位：万元' or '金额单位：元'."""
    match = _UNIT.search(normalize(text))
    return match.group(1) if match else None

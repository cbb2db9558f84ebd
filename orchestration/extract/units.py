"""The amount unit of a table that prints none, proven from the rest of the document.

A table without a 单位 line reads in the unit another table proves: the table's largest
amount (its total) printed in a table whose unit is printed (收入预算总表 471,452,100 = 收支总表
收入总计 in 元), else the same amount stated by the narrative in 万元 at 10⁴ times less (元),
else the unit every table of the document prints. Only where nothing proves a unit does the
default (万元) remain.
"""

from __future__ import annotations

from decimal import Decimal

from .models import Figure, LogicalTable
from .numbers import UNIT_MULTIPLIER, parse_amount
from .text import normalize

_CENT = Decimal("0.01")


def table_amounts(table: LogicalTable) -> set[Decimal]:
    """Every positive amount printed in the table's cells (header rows included)."""
    values = (
        parse_amount(normalize(cell)) for part in table.parts for row in part.grid for cell in row
    )
    return {value for value in values if value is not None and value > 0}


def settle_units(tables: list[LogicalTable], figures: list[Figure]) -> None:
    """Give each table whose unit is not printed the unit the document proves for it."""
    printed = [(t.unit, table_amounts(t)) for t in tables if t.unit_source == "printed"]
    narrative = {value for f in figures if (value := parse_amount(f.amount)) is not None}
    shared = {unit for unit, _ in printed}
    for table in tables:
        if table.unit_source != "default":
            continue
        amounts = table_amounts(table)
        if not amounts:
            continue
        top = max(amounts)
        proven = {unit for unit, values in printed if top in values}
        if len(proven) == 1:
            table.unit, table.unit_source = proven.pop(), "proven"
        elif _stated_in_wan(top, "元", narrative) and not _stated_in_wan(top, "万元", narrative):
            table.unit, table.unit_source = "元", "proven"
        elif len(shared) == 1:
            table.unit, table.unit_source = next(iter(shared)), "document"


def _stated_in_wan(amount: Decimal, unit: str, narrative: set[Decimal]) -> bool:
    """The narrative states ``amount`` read in ``unit`` (its figures are in 万元); an amount
    below 1 万元 so read proves nothing (13.85 元 rounds to the narrative's 0 万元)."""
    wan = amount * UNIT_MULTIPLIER[unit] / UNIT_MULTIPLIER["万元"]
    return wan >= 1 and wan.quantize(_CENT) in narrative

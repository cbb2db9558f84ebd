"""Hand-read key figures of the real PDFs (../shared/corpus/real/KEY_FIGURES.json and
tests/data/key_figures.json) as checks against the warehouse.

Each figure becomes one `Check`: what the printed page says, and how to read the same figure
from the warehouse — a fact table summed (within the rounding of the lines summed), a figure
printed on its page (a cell of that page holding the amount), a narrative figure, or a
document attribute. The figures were read from the page images; nothing here is computed
from the extractor's output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from orchestration.extract.numbers import UNIT_MULTIPLIER
from orchestration.extract.text import normalize
from tests.paths import CORPUS, ROOT

SOURCES = (CORPUS / "KEY_FIGURES.json", ROOT / "tests" / "data" / "key_figures.json")
THREE_PUBLIC = ("outbound_travel", "official_reception", "vehicle_purchase", "vehicle_operation")
PROCUREMENT_TYPES = ("goods", "works", "services")
# Figures printed on a page that have no fact table of their own: (path in the JSON, page key).
PRINTED = {
    "general_budget_expenditure": ("basic_personnel", "basic_public"),
    "department_expenditure_split": ("total", "basic", "project"),
    "three_public": ("admin_expenses", "admin_running_cost", "meeting", "training"),
    "procurement": ("table_column", "sme_reserved", "small_micro_reserved"),
}


@dataclass(frozen=True)
class Check:
    file: str
    figure: str  # e.g. 'three_public.2026.official_reception'
    kind: str  # document / fact_sum / printed / narrative / units / lines
    expected: Any  # Decimal yuan, str, int or a sorted tuple
    page: int | None = None
    sql: str = ""  # fact_sum: the facts of the document to sum (amount_yuan), or a column
    half_unit: Decimal = Decimal("50")  # half the last printed digit, in yuan (0.005 万元)

    @property
    def id(self) -> str:
        return f"{self.file.removesuffix('.pdf')}:{self.figure}"


def load_entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for source in SOURCES:
        entries += json.loads(source.read_text(encoding="utf-8"))
    return entries


def yuan(figure: dict[str, Any] | None, unit: str) -> Decimal | None:
    """The figure in yuan: its exact 'yuan' string, else 'amount' × the printed unit."""
    if not figure:
        return None
    if isinstance(figure.get("yuan"), str):
        return Decimal(figure["yuan"])
    if figure.get("yuan") is not None:  # KEY_FIGURES.json stores yuan as JSON numbers
        return Decimal(repr(figure["yuan"])).quantize(Decimal("0.01"))
    return Decimal(figure["amount"].replace(",", "")) * UNIT_MULTIPLIER[unit]


def _page(value: Any) -> int | None:
    return value if isinstance(value, int) else None


def checks() -> Iterator[Check]:
    for entry in load_entries():
        yield from _checks(entry)


def _checks(e: dict[str, Any]) -> Iterator[Check]:
    file, unit = e["file"], e.get("amount_unit", "万元")
    half = UNIT_MULTIPLIER[unit] / 2 / 10 ** e.get("printed_decimals", 2)
    yield Check(file, "department_name", "document", normalize(e["department_name"]))
    yield Check(file, "fiscal_year", "document", e["fiscal_year"])
    if e.get("units"):
        yield Check(file, "units", "units", tuple(sorted(normalize(u) for u in e["units"])))
    for key in ("total_expenditure", "total_expenditure_alt"):
        if e.get(key):
            yield Check(file, key, "printed", yuan(e[key], unit), _page(e[key].get("page")))

    general = e.get("general_budget_expenditure")
    if general:
        for part, where in (("total", ""), ("basic", "basic"), ("project", "project")):
            sql = "fct_budget_expenditure" + (f" and expenditure_type = '{where}'" if where else "")
            yield Check(
                file,
                f"general_budget.{part}",
                "fact_sum",
                yuan(general[part], unit),
                None,
                sql,
                half,
            )
    if e.get("basic_expenditure_total"):
        figure = e["basic_expenditure_total"]
        yield Check(
            file, "basic_expenditure.total", "fact_sum", yuan(figure, unit), None,
            "fct_basic_expenditure", half,
        )  # fmt: skip
    if e.get("government_fund_expenditure"):
        figure = e["government_fund_expenditure"]
        yield Check(file, "government_fund.total", "printed", yuan(figure, unit), figure["page"])
    for group, keys in PRINTED.items():
        block = e.get(group) or {}
        for key in keys:
            figure = block.get(key)
            page = _page((figure or {}).get("page")) or _page(block.get("page"))
            if figure and page:
                value = yuan(figure, block.get("unit", unit))
                yield Check(file, f"{group}.{key}", "printed", value, page)
    yield from _procurement(file, e.get("procurement"), half)
    yield from _three_public(file, e.get("three_public"), unit, e.get("printed_decimals", 2))


def _procurement(file: str, p: dict[str, Any] | None, half: Decimal) -> Iterator[Check]:
    if not p:
        return
    unit = "万元"  # procurement figures are read from the narrative or a 万元 column
    total = yuan(p["total"], unit)
    yield Check(file, "procurement.total", "fact_sum", total, None, "fct_procurement", half)
    for kind in PROCUREMENT_TYPES:
        if p.get(f"{kind}_table"):  # printed in a procurement table: facts by type
            yield Check(
                file, f"procurement.{kind}", "fact_sum", yuan(p[f"{kind}_table"], unit), None,
                f"fct_procurement and procurement_type = '{kind}'", half,
            )  # fmt: skip
        elif p.get(kind):
            yield Check(
                file, f"procurement.{kind}", "narrative", yuan(p[kind], unit),
                _page(p["total"].get("page")), f"procurement_{kind}",
            )  # fmt: skip
    if p.get("items"):
        lines = tuple(sorted(Decimal(i["amount"]) * UNIT_MULTIPLIER[unit] for i in p["items"]))
        yield Check(file, "procurement.lines", "lines", lines, None, "fct_procurement")


def _three_public(file: str, t: dict[str, Any] | None, unit: str, decimals: int) -> Iterator[Check]:
    if not t:
        return
    unit = t.get("unit", unit)
    half = UNIT_MULTIPLIER[unit] / 2 / 10**decimals
    years = [(t["year"], t)]
    if t.get("prior_year"):
        years.append((t["prior_year"]["year"], t["prior_year"]))
    for year, figures in years:
        base = f"fct_three_public_expenditure and year = {year}"
        yield Check(
            file, f"three_public.{year}.total", "fact_sum", yuan(figures["total"], unit), None,
            base, half,
        )  # fmt: skip
        for category in THREE_PUBLIC:
            if figures.get(category):
                yield Check(
                    file, f"three_public.{year}.{category}", "fact_sum",
                    yuan(figures[category], unit), None,
                    f"{base} and category = '{category}'", half,
                )  # fmt: skip
    for name, figures in (t.get("by_unit") or {}).items():
        for key in ("total", *THREE_PUBLIC):
            if key in figures:
                where = f"fct_three_public_expenditure and year = {t['year']}"
                where += f" and unit_name = '{normalize(name)}'"
                if key != "total":
                    where += f" and category = '{key}'"
                value = Decimal(figures[key].replace(",", "")) * UNIT_MULTIPLIER[unit]
                yield Check(
                    file, f"three_public.{normalize(name)}.{key}", "fact_sum", value, None,
                    where, half,
                )  # fmt: skip
    narrative = t.get("narrative") or {}
    for key in ("total", *THREE_PUBLIC):
        amount = narrative.get(key)
        if amount and _is_number(amount):
            value = Decimal(amount.replace(",", "")) * UNIT_MULTIPLIER["万元"]
            page = narrative.get("page")
            page = int(str(page).split("-")[0]) if page else None
            yield Check(
                file, f"three_public.narrative.{key}", "narrative", value, page,
                f"three_public_{key}",
            )  # fmt: skip


def _is_number(text: str) -> bool:
    try:
        Decimal(text.replace(",", ""))
    except ArithmeticError:
        return False
    return True


def observe(con: duckdb.DuckDBPyConnection, check: Check) -> tuple[Any, Decimal]:
    """(what the warehouse says, the tolerance in yuan) for one check."""
    [(document_id,)] = con.execute(
        "select document_id from marts.dim_document where source_file = ?", [check.file]
    ).fetchall()
    if check.kind == "document":
        column = check.figure
        value = con.execute(
            f"select {column} from marts.dim_document where document_id = ?", [document_id]
        ).fetchone()[0]
        return value, Decimal(0)
    if check.kind == "units":
        names = con.execute(
            "select unit_name from marts.dim_budget_unit where document_id = ?", [document_id]
        ).fetchall()
        return tuple(sorted(n for (n,) in names)), Decimal(0)
    if check.kind == "fact_sum":
        table, _, where = check.sql.partition(" and ")
        where = f" and {where}" if where else ""
        total, rows = con.execute(
            f"select coalesce(sum(amount_yuan), 0), count(*) from marts.{table} "
            f"where document_id = ?{where}",
            [document_id],
        ).fetchone()
        return total, check.half_unit * max(rows, 1)
    if check.kind == "lines":
        amounts = con.execute(
            f"select amount_yuan from marts.{check.sql} where document_id = ? "
            "and not is_residual order by 1",
            [document_id],
        ).fetchall()
        return tuple(a for (a,) in amounts), Decimal(0)
    if check.kind == "printed":
        pages = con.execute(
            "select distinct c.page from raw.cells c where c.document_id = ? "
            "and c.value * c.unit_multiplier = ?",
            [document_id, check.expected],
        ).fetchall()
        return (check.expected if (check.page,) in pages else sorted(p for (p,) in pages)), Decimal(
            0
        )
    if check.kind == "narrative":
        found = con.execute(
            "select amount, page from raw.narrative_figures where document_id = ? and key = ?",
            [document_id, check.sql],
        ).fetchone()
        if found is None:
            return None, Decimal(0)
        return Decimal(found[0]) * UNIT_MULTIPLIER["万元"], Decimal(0)
    raise ValueError(check.kind)

"""Budget against outturn as final accounts state it in words, per function line:
"一般公共服务（类）信访事务（款）行政运行（项）。年初预算为5717.32万元，支出决算为5757.63万元".

Central final accounts print no budget column in their 一般公共预算财政拨款支出决算表; the
narrative (财政拨款支出决算具体情况) gives each line's budget beside its outturn instead.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from .narrative import narrative_text
from .numbers import parse_amount

_AMOUNT = r"([0-9][0-9,]*(?:\.[0-9]+)?)"
_BUDGET_THEN_FINAL = rf"(?:年初|全年|调整后?)?预算(?:数)?(?:为|是){_AMOUNT}万元[,;]?(?:支出)?决算(?:数)?(?:为|是){_AMOUNT}万元"
_LINE = re.compile(
    r"(?:[0-9]{1,2}[.、]|[(][0-9一二三四五六七八九十]{1,3}[)])?"
    r"([^0-9()。;,:]{1,20}?)\(类\)([^0-9()。;,:]{1,30}?)\(款\)([^0-9()。;,:]{1,40}?)\(项\)[。.:,]?"
    + _BUDGET_THEN_FINAL
)
_TOTAL = re.compile(r"财政拨款支出" + _BUDGET_THEN_FINAL)


@dataclass(frozen=True)
class ExecutionNote:
    """One line's budget and outturn as stated (万元); class/款/项 names as printed."""

    note_index: int
    class_name: str | None  # None for the statement of the total
    item_name: str | None
    subitem_name: str | None
    budget_wan: str
    final_wan: str
    page: int


def find_execution_notes(page_lines: list[list[str]]) -> list[ExecutionNote]:
    """Every (类)(款)(项) line and the total the narrative states budget and outturn for."""
    narrative = narrative_text(page_lines)
    text = narrative.text.replace("（", "(").replace("）", ")").replace("，", ",")
    notes: list[ExecutionNote] = []
    matches = [(m, True) for m in _LINE.finditer(text)]
    matches += [(m, False) for m in _TOTAL.finditer(text)]
    for match, is_line in sorted(matches, key=lambda pair: pair[0].start()):
        names = match.groups()[:3] if is_line else (None, None, None)
        budget, final = (parse_amount(value) for value in match.groups()[-2:])
        if budget is None or final is None:
            continue
        notes.append(
            ExecutionNote(
                note_index=len(notes),
                class_name=names[0],
                item_name=names[1],
                subitem_name=names[2],
                budget_wan=str(budget),
                final_wan=str(final),
                page=narrative.page_at(match.start()),
            )
        )
    return notes


def execution_note_records(document_id: str, notes: list[ExecutionNote]) -> list[dict[str, Any]]:
    """``raw.execution_notes`` rows of one document."""
    return [{"document_id": document_id, **asdict(note)} for note in notes]

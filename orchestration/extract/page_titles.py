"""Table titles printed on each page, whether the page is a table of contents, and notes that
say a table is empty ("本部门无政府性基金收支，故本表为空").

Completeness (which required tables a disclosure prints) compares these titles with the tables
extraction recognised: a title on a page where no table of its type was found is our failure,
a title listed only in a table of contents prints nothing.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from .catalog import Catalog
from .labels import UNIT_LABEL

_LEADERS = re.compile(r"[.…·．。\-—_ ]{4,}\s*[0-9]*$|[.…·．]{2,}\s*[0-9]+$")
"""Dot leaders and a page number ending a table-of-contents line."""
_CONTENTS_HEADING = re.compile(r"^目录$|^目录[:：]")
_ENUMERATION = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十0-9]{1,3}[)）]|[0-9]{1,2}[、.．])"
)
_TRAILING_NOTE = re.compile(r"(?:[(（][^()（）]{0,20}[)）])+$")
_NOT_A_TITLE = re.compile(r"说明|[,，;；。]|[0-9]万元|[0-9]元")
_TABLE_END = re.compile(r"表$")
_NEAR_TABLE = re.compile(
    rf"{UNIT_LABEL}|万元|^(?:部门|单位|编制单位|单位名称)[:：]|公开[0-9]+表|^表\s*[0-9一二三四五六七八九十]"
)
_EMPTY_NOTE = re.compile(
    r"为空|空表|无数据|不涉及|未(?:安排|发生|使用)[^，。；]{0,12}(?:收入|支出|收支|经费|资金|预算)"
    r"|(?:没有|无)[^，。；]{0,16}(?:收入|支出|收支|经费|资金|预算|安排)[^，。；]{0,6}(?:故|因此|所以|本表|此表)"
)

HEAD_LINES = 5
"""A title within a page's first lines heads the page."""
NEAR_LINES = 3
"""A title further down is a table's when a unit or name label follows within this many lines."""
MAX_TITLE_CHARS = 48
MIN_CONTENTS_LINES = 3
"""A page with this many lines ending in dot leaders is a table of contents."""


@dataclass(frozen=True)
class PageTitle:
    """A table title printed on one page (1-based), with its canonical table type."""

    page: int
    line_index: int
    title: str
    table_type: str
    is_contents_page: bool
    empty_note: str | None


def is_contents_page(lines: list[str]) -> bool:
    """A table of contents: headed 目录, or many lines ending in dot leaders and a page number."""
    if any(_CONTENTS_HEADING.search(line) for line in lines[:HEAD_LINES]):
        return True
    return sum(bool(_LEADERS.search(line)) for line in lines) >= MIN_CONTENTS_LINES


def empty_note(lines: list[str]) -> str | None:
    """The first line of a page saying its table is empty or the funds do not exist."""
    return next((line for line in lines if _EMPTY_NOTE.search(line)), None)


def undoubled(line: str) -> str:
    """A line printed in fake bold (each character drawn k times: '表表表111' → '表1')."""
    run = len(line) - len(line.lstrip(line[:1])) if line else 0
    if run < 2 or len(line) % run:
        return line
    chunks = [line[i : i + run] for i in range(0, len(line), run)]
    return line[::run] if all(len(set(chunk)) == 1 for chunk in chunks) else line


def title_text(line: str, catalog: Catalog) -> str | None:
    """The table title a line prints (number label, enumeration and leaders removed), or None."""
    text = _LEADERS.sub("", line)
    text = _ENUMERATION.sub("", catalog.number_pattern.sub("", text)).strip(":：、 ")
    text = _TRAILING_NOTE.sub("", text)
    if not text or len(text) > MAX_TITLE_CHARS or _NOT_A_TITLE.search(text):
        return None
    return text if _TABLE_END.search(text) else None


def page_titles(page_lines: list[list[str]], catalog: Catalog) -> list[PageTitle]:
    """Every table title of every page, contents pages flagged."""
    found: list[PageTitle] = []
    for number, printed in enumerate(page_lines, start=1):
        lines = [undoubled(line) for line in printed]
        contents = is_contents_page(lines)
        note = None if contents else empty_note(lines)
        for index, line in enumerate(lines):
            title = title_text(line, catalog)
            table_type = catalog.classify_title(title) if title else None
            if title is None or table_type is None:
                continue
            following = lines[index + 1 : index + 1 + NEAR_LINES]
            if contents or index < HEAD_LINES or any(_NEAR_TABLE.search(t) for t in following):
                found.append(PageTitle(number, index, title, table_type, contents, note))
    return found


def page_title_records(document_id: str, titles: list[PageTitle]) -> list[dict[str, Any]]:
    """``raw.page_titles`` rows of one document."""
    return [{"document_id": document_id, **asdict(title)} for title in titles]

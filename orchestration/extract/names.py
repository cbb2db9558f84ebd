"""The department's name as printed, without headings and stray punctuation around it."""

from __future__ import annotations

import re

from .labels import YEAR

_HEADING = re.compile(
    r"^(?:第[一二三四五六七八九十0-9]+(?:部分|章|篇)|目录|附件[0-9]*[:：]?|[一二三四五六七八九十]+[、.])"
)
_STRAY = " .,，。·・:：;；、-_*•|/\\"
_ORGANISATION = r"(?:局|委员会|委|院|办公室|办|中心|厅|署|所|站|馆|部|会|处|室|队|街道办事处|街道)"
TITLED_NAME = re.compile(
    rf"^(?:附件[0-9]*[:：])?([\u4e00-\u9fff()（）]{{2,40}}?{_ORGANISATION}(?:[(（]本级[)）])?)"
    rf"{YEAR}年度?(?:部门|单位)(?:综合)?(?:预算|决算)"
)
"""A line naming the department before its disclosure's title ('附件：北京市人民政府办公厅2026年度
部门预算报表')."""


def clean_name(name: str | None, min_chars: int = 2) -> str | None:
    """'.长春市信访局(本级)' → '长春市信访局(本级)'; a heading ('第一部分') is no name (None)."""
    if not name:
        return None
    previous = None
    while previous != name:
        previous, name = name, _HEADING.sub("", name.strip(_STRAY))
    return name if len(name) >= min_chars else None


def titled_name(lines: list[str]) -> str | None:
    """The first name printed before a disclosure title on a line of its own."""
    for line in lines:
        match = TITLED_NAME.match(line)
        if match and (name := clean_name(match.group(1))):
            return name
    return None

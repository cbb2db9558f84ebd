"""Parse the tables of the seed text (the ground truth of the sample PDF)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from orchestration.extract.numbers import parse_amount
from orchestration.extract.text import normalize

_TABLE_MARK = re.compile(r"^表 ?(\d+)$")
_LABEL_COLUMN = re.compile(r"(编码|代码|年度)")
_YEAR = re.compile(r"^(19|20)[0-9]{2}$")


@dataclass(frozen=True)
class SeedCell:
    table: int
    row_label: str
    column_label: str
    raw: str


def _is_amount(text: str) -> bool:
    return parse_amount(text) is not None and not _YEAR.match(text)


def _column_label(header: list[list[str]], index: int) -> str:
    return normalize(next((h[index] for h in reversed(header) if index < len(h) and h[index]), ""))


def seed_cells(path: Path, tables: range) -> list[SeedCell]:
    """Every numeric cell of the given seed tables with its row label and column label."""
    cells: list[SeedCell] = []
    current: int | None = None
    header: list[list[str]] = []
    in_body = False
    for line in path.read_text(encoding="utf-8").splitlines():
        mark = _TABLE_MARK.match(line.strip())
        if mark:
            current, header, in_body = int(mark.group(1)), [], False
            continue
        if current not in tables or "\t" not in line:
            if line.startswith("单位名称"):
                header, in_body = [], False
            continue
        row = [c.strip() for c in line.split("\t")]
        if not any(_is_amount(c) for c in row) and not in_body:
            header.append(row)
            continue
        in_body = True
        labels = [_column_label(header, i) for i in range(len(row))]
        for index, text in enumerate(row):
            if not _is_amount(text) or _LABEL_COLUMN.search(labels[index]):
                continue
            left = [
                c
                for i, c in enumerate(row[:index])
                if c and (not _is_amount(c) or _LABEL_COLUMN.search(labels[i]))
            ]
            column = labels[index]
            cells.append(
                SeedCell(
                    table=current,
                    row_label=normalize(left[-1]) if left else "",
                    column_label=column,
                    raw=text,
                )
            )
    return cells

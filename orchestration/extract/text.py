"""Text normalisation for names and labels printed in disclosures."""

from __future__ import annotations

import re
import unicodedata

# Kangxi radicals and CJK radical supplements that some producers emit instead of the
# ordinary ideograph (they look identical). NFKC maps the Kangxi block; the supplement
# block (U+2E80–U+2EFF) needs an explicit table.
_RADICALS = str.maketrans(
    {
        "⻔": "门",
        "⻋": "车",
        "⻓": "长",
        "⻅": "见",
        "⻆": "角",
        "⻉": "贝",
        "⻚": "页",
        "⻛": "风",
        "⻜": "飞",
        "⻝": "食",
        "⻢": "马",
        "⻥": "鱼",
        "⻦": "鸟",
        "⻩": "黄",
        "⻬": "齐",
        "⻮": "齿",
        "⺠": "民",
        "⻘": "青",
        "⻄": "西",
        "⺟": "母",
        "⻈": "讠",
    }
)
# One form for punctuation that NFKC leaves alone.
_PUNCT = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "〔": "[",
        "〕": "]",
        "【": "[",
        "】": "]",
        "—": "-",
        "–": "-",
        "－": "-",
        "、": "、",
        "。": "。",
        "〇": "〇",
    }
)
_SPACE = re.compile(r"\s+")


def normalize(text: str | None) -> str:
    """NFKC, radicals → ideographs, one punctuation form, all whitespace removed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_RADICALS).translate(_PUNCT)
    return _SPACE.sub("", text)


def dedupe_doubled(text: str) -> str:
    """Collapse fake-bold doubling ('部部门门预预算算' → '部门预算') when every char is doubled."""
    if (
        len(text) >= 4
        and len(text) % 2 == 0
        and all(text[i] == text[i + 1] for i in range(0, len(text), 2))
    ):
        return text[::2]
    return text

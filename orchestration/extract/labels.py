"""Labels printed beside a table or on a cover: whose it is (单位名称：…), its unit (单位：万元)
and its year (2026年).

One vocabulary, read by ``locate`` (title rows of a ruled grid), ``stitch`` (a title sharing
its line with a label), ``document`` (the department's name and year), ``numbers`` (the unit),
``headers`` and ``rows`` (year columns and labels) and ``html_page`` (links to a year's
disclosure).
"""

from __future__ import annotations

import re

YEAR = r"(?:19|20)[0-9]{2}"
"""A printed year (1900–2099)."""
YEAR_IN_TEXT = re.compile(rf"({YEAR})")
NAME_LABELS = ("单位名称", "部门名称", "编制单位", "预算单位")
"""Labels that introduce the name of the department or unit a table belongs to."""
_NAME = "|".join(NAME_LABELS)
UNIT_LABEL = r"(?:金额)?单位[:：]"
"""'单位：' / '金额单位：' before an amount unit."""

LABEL_LINE = re.compile(rf"^(?:部门|单位|{_NAME})[:：]")
"""A line that is a label, e.g. '单位：万元' or '编制单位：深圳市信访局'."""
LABEL_IN_TITLE_ROW = re.compile(r"(?:表|单位名称|部门名称|编制单位)")
"""A one-cell grid row holding a title or name label (spreadsheet exports rule them)."""
LABEL_AFTER_TITLE = re.compile(r"(?:单位名称|部门名称|编制单位|金额单位|单位)[:：].*$")
"""A label and what follows it on a title's line. 预算单位 is not listed: such a line splits
at its 单位：, as it always has."""
NAME_LINE = re.compile(
    rf"^(?:{_NAME}|填报单位|(?:预算)?主管部门|部门(?:[(（]单位[)）])?|单位(?![:：](?:万元|千元|亿元|元)))"
    rf"[:：](.+?)(?:{UNIT_LABEL}.*)?$"
)
"""'单位名称：深圳市信访局 单位：万元' / '部门：广东省财政厅' / '部门（单位）：烟台市信访局' → the name."""
NAME_ANYWHERE = re.compile(
    rf"(?:{_NAME})[:：]?(.{{2,30}}?(?:局|委员会|委|院|办公室|中心|厅|署|所|站|馆))"
)
"""A labelled name of an institution anywhere in a document's text."""
INTERLEAVED_NAME = re.compile(r"[\u4e00-\u9fff][0-9.,]+[\u4e00-\u9fff)）]")
"""Name characters with digits between them: a name printed over an amount, read as one text
('中18心39311.66')."""
NAME_CHAR = re.compile(r"[\u4e00-\u9fff()（）]")
"""A character of a name (CJK or a bracket), never of an amount."""
OVERFLOW_BEFORE_CODE = re.compile(r"^[^A-Za-z0-9]{1,4}[A-C][0-9]")
"""A catalogue code after a few name characters: the name beside it printed over the code
('硬C0206运行维护服务')."""

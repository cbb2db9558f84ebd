"""What a file is: the document kinds of a crawl and how a file's contents decide its kind.

Loaded kinds (文档类型, loaded):
    full_disclosure     部门预算/决算公开: narrative chapters and the standard tables
    unit_disclosure     单位预算/决算公开: a budget unit's own disclosure
    final_accounts      部门决算: final accounts (narrative and tables)
    narrative_only      仅情况说明: the narrative, its tables published as a separate attachment
    tables_only         仅报表: the standard tables without narrative (an attachment)
Rejected kinds (rejected):
    performance_annex   绩效目标表附件: project performance-target tables only
    html_page           网页: an HTML page saved with a .pdf name
    scanned             扫描件: no text layer
    unrelated           非预算文件: neither budget tables nor a budget narrative
    unreadable          无法读取: empty, truncated, corrupt, encrypted or not a PDF
    extraction_failed   提取失败: the extraction crashed or timed out (set downstream)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .models import Figure, LogicalTable
from .pdf_source import RejectedDocument
from .settings import SETTINGS

LOADED_KINDS = (
    "full_disclosure",
    "unit_disclosure",
    "final_accounts",
    "narrative_only",
    "tables_only",
)
REJECTED_KINDS = (
    "performance_annex",
    "html_page",
    "scanned",
    "unrelated",
    "unreadable",
    "extraction_failed",
)
CORE_TYPES = frozenset(
    {
        "income_expenditure_summary",
        "expenditure_summary",
        "general_budget_function",
        "fiscal_appropriation_summary",
        "three_public",
    }
)
# Narrative figures that only a budget (or final-accounts) narrative states.
BUDGET_FIGURES = frozenset(
    {
        "total_income",
        "total_expenditure",
        "basic_expenditure",
        "project_expenditure",
        "procurement_total",
        "three_public_total",
        "three_public_outbound_travel",
        "three_public_official_reception",
        "three_public_vehicle_operation",
    }
)
# Headings of the narrative part: a disclosure's 情况说明 chapters.
_NARRATIVE_HEADING = re.compile(
    r"(?:预算|决算|收支|收入|支出)(?:情况)?说明|名词解释|部门(?:主要)?职责|机构设置|部门基本情况"
)
_BUDGET_TITLE = re.compile(r"(?:预算|决算)")
_PERFORMANCE = re.compile(r"绩效目标(?:表|申报表|自评表)")


def budget_figure_count(figures: Sequence[Figure]) -> int:
    return len({f.key for f in figures} & BUDGET_FIGURES)


def head_text(page_lines: list[list[str]]) -> str:
    """The leading lines of the first pages, where a document prints its title."""
    return "".join(
        "".join(lines[: SETTINGS.head_lines]) for lines in page_lines[: SETTINGS.head_pages]
    )


def has_narrative(figures: Sequence[Figure], page_lines: list[list[str]]) -> bool:
    """The document prints narrative chapters: budget figures stated in sentences, or the
    headings of the 情况说明 chapters on pages that are not table pages."""
    if budget_figure_count(figures) >= SETTINGS.narrative_figures:
        return True
    headings = sum(
        1
        for lines in page_lines
        for line in lines
        if len(line) <= SETTINGS.max_heading_chars and _NARRATIVE_HEADING.search(line)
    )
    return headings >= SETTINGS.narrative_headings


def kind_of_loaded(doc: dict, tables: Sequence[LogicalTable], narrative: bool) -> str:
    """Kind of a document that loads: composition first (split disclosures pair by it)."""
    if not any(t.table_type in CORE_TYPES for t in tables):
        return "narrative_only"
    if not narrative:
        return "tables_only"
    if doc.get("phase") == "final":
        return "final_accounts"
    if doc.get("scope") == "unit":
        return "unit_disclosure"
    return "full_disclosure"


def check_contents(
    tables: Sequence[LogicalTable], figures: Sequence[Figure], page_lines: list[list[str]]
) -> None:
    """Reject a file without standard tables unless its narrative is a budget narrative."""
    if any(t.table_type in CORE_TYPES for t in tables):
        return
    head = head_text(page_lines)
    if budget_figure_count(figures) >= SETTINGS.min_budget_figures and _BUDGET_TITLE.search(head):
        return
    types = {t.table_type for t in tables}
    performance_tables = bool(types) and types <= {"performance", "project_expenditure"}
    if (performance_tables and "performance" in types) or (
        not types - {"performance", "project_expenditure", "other"} and _PERFORMANCE.search(head)
    ):
        pages = sorted({p for t in tables if t.table_type == "performance" for p in t.pages})
        title = next(
            (t.title for t in tables if t.table_type == "performance"),
            head[: SETTINGS.first_words_chars],
        )
        raise RejectedDocument(
            kind="performance_annex",
            reason=f"performance-target annex: only 绩效目标表 tables ({title}, "
            f"{len(pages) or len(page_lines)} pages); it holds no budget tables or budget "
            "narrative — the disclosure itself is a separate file",
        )
    raise RejectedDocument(
        kind="unrelated",
        reason="not a budget disclosure: holds neither budget tables (收支总表, 支出总表, "
        "一般公共预算支出表, 财政拨款收支总表, 三公经费表) nor a budget narrative; it begins "
        f"“{_first_words(page_lines)}”",
    )


def _first_words(page_lines: list[list[str]]) -> str:
    """The first meaningful text of a document (its title or letterhead)."""
    limit = SETTINGS.first_words_chars
    text = ""
    for lines in page_lines:
        for line in lines:
            if len(line) < 4 or re.fullmatch(r"[-0-9A-Za-z〔〕\[\]号第页]+", line):
                continue
            text += line
            if len(text) >= limit:
                return text[:limit] + "…"
    return text

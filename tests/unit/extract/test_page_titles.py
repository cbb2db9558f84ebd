"""Page titles, contents pages, empty-table notes and the final accounts' execution notes, on
text lines as pdfplumber reads them from real disclosures (国家信访局 2024 决算, 杭州市气象局 2026
预算)."""

from __future__ import annotations

from orchestration.extract.catalog import load_catalog
from orchestration.extract.execution_notes import find_execution_notes
from orchestration.extract.page_titles import empty_note, is_contents_page, page_titles

CONTENTS = [  # 国家信访局 2024 决算 p.2
    "目录",
    "第一部分国家信访局概况....................................1",
    "一、收入支出决算总表.....................................5",
    "二、收入决算表...........................................6",
    '七、一般公共预算财政拨款"三公"经费支出决算表..........11',
    "第三部分国家信访局2024年度部门决算情况说明..............14",
]
EMPTY_TABLE = [  # 国家信访局 2024 决算 p.13
    "政府性基金预算财政拨款收入支出决算表",
    "公开07表",
    "部门:国家信访局金额单位:万元",
    "项目本年支出",
    "说明:国家信访局没有政府性基金收入,也没有使用政府性基金安排的支出,故本表无数据。",
]
NARRATIVE = [  # a chapter heading names a table but is not one
    "五、一般公共预算财政拨款支出决算情况说明",
    "国家信访局2024年度财政拨款支出13733.8万元,占总支出94.24%。",
]


def test_a_table_of_contents_lists_titles_but_prints_none() -> None:
    titles = page_titles([CONTENTS], load_catalog())
    assert is_contents_page(CONTENTS)
    assert [(t.title, t.table_type, t.is_contents_page) for t in titles] == [
        ("收入支出决算总表", "income_expenditure_summary", True),
        ("收入决算表", "income_summary", True),
        ('一般公共预算财政拨款"三公"经费支出决算表', "three_public", True),
    ]


def test_a_table_page_prints_its_title_and_says_it_is_empty() -> None:
    titles = page_titles([NARRATIVE, EMPTY_TABLE], load_catalog())
    assert [(t.page, t.title, t.table_type, t.is_contents_page) for t in titles] == [
        (2, "政府性基金预算财政拨款收入支出决算表", "government_fund", False)
    ]
    assert titles[0].empty_note == EMPTY_TABLE[-1]
    assert empty_note(["备注:本部门没有政府性基金预算拨款安排的支出,故本表无数据。"])
    assert empty_note(NARRATIVE) is None


def test_execution_notes_read_budget_and_outturn_per_line_across_a_page_break() -> None:
    pages = [
        [
            "国家信访局2024年度财政拨款支出年初预算为15068.55万",
            "元,支出决算为13733.8万元,完成年初预算的91.14%。其中:",
            "3.一般公共服务(类)信访事务(款)机关服务(项)。年",
            "19",
        ],
        ["初预算为222.6万元,支出决算为229.19万元,完成年初预算的"],
    ]
    notes = find_execution_notes(pages)
    assert [
        (n.class_name, n.item_name, n.subitem_name, n.budget_wan, n.final_wan, n.page)
        for n in notes
    ] == [
        (None, None, None, "15068.55", "13733.8", 1),
        ("一般公共服务", "信访事务", "机关服务", "222.6", "229.19", 1),
    ]


def test_a_title_printed_in_fake_bold_is_read_once() -> None:
    """西安市商务局 2022 p.36: each character drawn six times (pdfplumber reads them all)."""
    page = [
        "表表表表表表111111",
        "222222000000222222222222年年年年年年部部部部部部门门门门门门综综综综综综合合合合合合"
        "预预预预预预算算算算算算收收收收收收支支支支支支总总总总总总表表表表表表",
        "金金金金金金额额额额额额单单单单单单位位位位位位::::::元元元元元元",
    ]
    titles = page_titles([page], load_catalog())
    assert [(t.title, t.table_type) for t in titles] == [
        ("2022年部门综合预算收支总表", "income_expenditure_summary")
    ]

"""What a file is, from itself alone: narrative figures, HTML pages saved as .pdf, annexes and
bad input, each rejected with the reason (small generated inputs; the crawl's files are in
tests/corpus/test_document_kinds.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from orchestration.extract.catalog import load_catalog
from orchestration.extract.document import extract_document
from orchestration.extract.html_page import html_page_reason
from orchestration.extract.narrative import find_figures
from tests.paths import SAMPLE_PDF


def test_a_page_number_inside_a_sentence_does_not_break_the_figure() -> None:
    """ "2026年预算数-7-9726.26万元": the page footer sits inside the number's sentence."""
    pages = [
        ["(二)公务接待费。2026年预算数", "-7-"],
        ["9726.26万元,主要用于接待。", "-8-"],
    ]
    figures = {f.key: f for f in find_figures(pages, load_catalog())}
    assert figures["three_public_official_reception"].amount == "9726.26"
    assert figures["three_public_official_reception"].page == 2


def test_an_html_landing_page_names_the_attachment_to_download() -> None:
    page = (
        "<!DOCTYPE html><html><head><title>门户网站</title>"
        '<meta name="ArticleTitle" content="某市审计局2026年部门预算公开"></head><body>'
        "<p>详情见附件</p><a onclick=\"downloadFj('某市审计局2026年部门预算.pdf',"
        "'./W0202603.pdf')\">某市审计局2026年部门预算.pdf</a>"
        '<a href="./P0202603.xlsx">· 附件2：部门预算报表</a></body></html>'
    ).encode()
    reason = html_page_reason(page)
    assert reason.startswith("not a PDF: an HTML page saved with a .pdf extension")
    assert "某市审计局2026年部门预算公开" in reason
    assert (
        "2 attachments: 某市审计局2026年部门预算.pdf; 附件2：部门预算报表 (P0202603.xlsx)" in reason
    )


def test_an_html_page_without_attachments_names_the_disclosures_it_links() -> None:
    page = (
        "<html><head><title>局属单位2026年预算公开</title></head><body>"
        '<a href="/a.html">首页</a>'
        '<a href="/b.html">某市民政局2026年部门预算情况说明</a>'
        '<a href="/c.html">某市儿童福利院2026年单位预算情况说明</a></body></html>'
    ).encode()
    reason = html_page_reason(page)
    assert (
        "it links to 2 disclosure pages: 某市民政局2026年部门预算情况说明; "
        "某市儿童福利院2026年单位预算情况说明" in reason
    )


def test_a_page_opening_with_long_comments_is_still_named_an_html_page(tmp_path: Path) -> None:
    page = tmp_path / "budget.pdf"
    page.write_bytes(b"<!-- " + b"x" * 3000 + b" -->\n<html><head><title>t</title></head></html>")
    doc = extract_document(page).document
    assert (doc["status"], doc["document_kind"]) == ("rejected", "html_page")
    assert doc["status_reason"].startswith("not a PDF: an HTML page saved with a .pdf extension")


def test_a_performance_target_annex_is_rejected_as_exactly_that(tmp_path: Path) -> None:
    lines = ["某市生态环境局2026年项目支出绩效目标表", "项目名称 绩效目标 绩效指标"]
    doc = extract_document(_text_pdf(tmp_path / "annex.pdf", *lines)).document
    assert (doc["status"], doc["document_kind"]) == ("rejected", "performance_annex")
    assert doc["status_reason"].startswith("performance-target annex")


def _text_pdf(path: Path, *lines: str, encrypt: str | None = None) -> Path:
    """A one-page PDF printing ``lines`` in a CJK font (optionally encrypted)."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    encryption = StandardEncryption(encrypt, ownerPassword=encrypt) if encrypt else None
    pdf = canvas.Canvas(str(path), encrypt=encryption, invariant=1)
    pdf.setFont("STSong-Light", 12)
    for number, line in enumerate(lines):
        pdf.drawString(72, 720 - 20 * number, line)
    pdf.save()
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (
            lambda d: _write(d / "page.pdf", b"<!DOCTYPE html><html><body>404</body></html>"),
            "not a PDF: an HTML page",
        ),
        (lambda d: _write(d / "empty.pdf", b""), "empty file"),
        (lambda d: _write(d / "cut.pdf", SAMPLE_PDF.read_bytes()[:50_000]), "truncated PDF"),
        (
            lambda d: _write(d / "junk.pdf", b"%PDF-1.4\n1 0 obj <<>> garbage\n%%EOF\n"),
            "corrupt PDF",
        ),
        (lambda d: _text_pdf(d / "locked.pdf", "部门预算", encrypt="secret"), "encrypted PDF"),
        (
            lambda d: _text_pdf(
                d / "notice.pdf", "关于召开2025年度工作会议的通知，请各单位准时参加会议。" * 2
            ),
            "not a budget disclosure",
        ),
    ],
)
def test_bad_input_is_rejected_with_a_reason(tmp_path: Path, make, reason: str) -> None:
    pdf = make(tmp_path)
    doc = extract_document(pdf).document
    assert doc["status"] == "rejected"
    assert doc["status_reason"].startswith(reason), doc["status_reason"]
    assert doc["source_file"] == pdf.name


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path

"""Fake bold: a title printed twice a hair apart reads once (orchestration.extract.locate)."""

from __future__ import annotations

from pathlib import Path

import pdfplumber

from orchestration.extract.locate import without_fake_bold


def one_page_pdf(path: Path, content: str) -> Path:
    """A one-page PDF (Helvetica) whose page draws ``content`` (a content stream)."""
    stream = content.encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def test_a_title_printed_twice_reads_once(tmp_path: Path) -> None:
    twice = "BT /F1 12 Tf 20 150 Td (Table 1) Tj ET BT /F1 12 Tf 20.2 150 Td (Table 1) Tj ET"
    with pdfplumber.open(one_page_pdf(tmp_path / "bold.pdf", twice)) as pdf:
        page = pdf.pages[0]
        assert page.extract_text() != "Table 1"
        assert without_fake_bold(page).extract_text() == "Table 1"


def test_a_page_without_fake_bold_is_left_as_it_is(tmp_path: Path) -> None:
    once = "BT /F1 12 Tf 20 150 Td (Table 11) Tj ET"
    with pdfplumber.open(one_page_pdf(tmp_path / "plain.pdf", once)) as pdf:
        page = pdf.pages[0]
        assert without_fake_bold(page) is page
        assert page.extract_text() == "Table 11"

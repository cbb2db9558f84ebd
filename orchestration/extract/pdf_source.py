"""Open a PDF and decide whether it can be extracted, with a specific reason if not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError

from ..file_hash import sha256_of
from .html_page import html_page_reason

# Leading bytes of files a crawl saves under a .pdf name.
_OTHER_FORMATS = (
    (b"PK\x03\x04", "a ZIP archive or Office document (.docx / .xlsx)"),
    (b"\xd0\xcf\x11\xe0", "a Word or Excel 97–2003 document (.doc / .xls)"),
    (b"{\\rtf", "an RTF document"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG", "a PNG image"),
    (b"Rar!", "a RAR archive"),
)


class RejectedDocument(Exception):
    """The document cannot be loaded; ``reason`` says why in words a user can act on and
    ``kind`` what the file is (see ``kinds``)."""

    def __init__(self, reason: str, kind: str = "unreadable") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


@dataclass(frozen=True)
class SourceFile:
    path: Path
    sha256: str
    size: int


def fingerprint(path: Path) -> SourceFile:
    """Content hash of a file (the document identity for incremental builds)."""
    return SourceFile(path=path, sha256=sha256_of(path), size=path.stat().st_size)


def check_header(path: Path) -> None:
    """Reject files that are not PDFs before handing them to the parser."""
    head = path.read_bytes()[:1024]
    if not head:
        raise RejectedDocument("empty file (0 bytes)")
    if b"%PDF-" not in head:
        lowered = path.read_bytes()[:8192].lower()  # a page may open with long comments
        if b"<html" in lowered or b"<!doctype" in lowered:
            raise RejectedDocument(html_page_reason(path.read_bytes()), kind="html_page")
        what = next((name for magic, name in _OTHER_FORMATS if head.startswith(magic)), None)
        if what:
            raise RejectedDocument(f"not a PDF: {what} saved with a .pdf extension")
        raise RejectedDocument("not a PDF: the file has no %PDF header")
    tail = path.read_bytes()[-2048:]
    if b"%%EOF" not in tail:
        raise RejectedDocument("truncated PDF: no %%EOF marker at the end of the file")


def _root_cause(exc: BaseException) -> BaseException:
    """pdfplumber wraps pdfminer's errors; the wrapped one names the problem."""
    while True:
        inner = (
            exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc.__cause__
        )
        if inner is None or inner is exc:
            return exc
        exc = inner


def open_pdf(path: Path) -> pdfplumber.PDF:
    """Open with pdfplumber, translating parser failures into rejection reasons."""
    check_header(path)
    try:
        pdf = pdfplumber.open(path)
        _ = len(pdf.pages)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise RejectedDocument(
            f"encrypted PDF: cannot be opened without a password ({exc})"
        ) from exc
    except PDFSyntaxError as exc:
        raise RejectedDocument(f"corrupt PDF: {exc}") from exc
    except Exception as exc:  # pdfminer raises many types on damaged files
        cause = _root_cause(exc)
        name = type(cause).__name__
        if "Password" in name or "Encrypt" in name:
            raise RejectedDocument(
                f"encrypted PDF: cannot be opened without a password ({name})"
            ) from exc
        raise RejectedDocument(f"corrupt PDF: {name}: {cause}".rstrip(": ")) from exc
    if not pdf.pages:
        pdf.close()
        raise RejectedDocument("corrupt PDF: no pages")
    return pdf

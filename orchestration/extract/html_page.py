"""An HTML landing page saved with a .pdf name: its title and the attachments it links to,
so the rejection reason tells the user which file to download instead."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import unquote

from .labels import YEAR

MAX_LISTED = 5
_DOCUMENT_FILE = re.compile(
    r"([^'\"\s/?=&]+\.(?:pdf|docx?|xlsx?|wps|ofd|zip|rar))(?![A-Za-z])", re.IGNORECASE
)
_FILE_NAME_PARAM = re.compile(r"(?:fileName|filename|name)=([^&'\"]+)")
_DISCLOSURE_LINK = re.compile(rf"{YEAR}.*(?:预算|决算)|(?:预算|决算).*{YEAR}")
_SPACE = re.compile(r"\s+")


class _Links(HTMLParser):
    """Collects the page title, the article title (meta ArticleTitle) and every anchor."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.article_title = ""
        self.anchors: list[dict[str, str]] = []
        self._in_title = False
        self._anchor: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "title":
            self._in_title = True
        elif tag == "meta" and values.get("name", "").lower() == "articletitle":
            self.article_title = values.get("content", "")
        elif tag == "a":
            self._anchor = {
                "target": " ".join(values.get(k, "") for k in ("href", "onclick")),
                "label": values.get("textvalue", ""),
                "text": "",
            }
            self.anchors.append(self._anchor)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "a":
            self._anchor = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._anchor is not None:
            self._anchor["text"] += data


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip(" ·•\u3000")


def _decode(data: bytes) -> str:
    head = data[:2048].decode("ascii", "ignore").lower()
    charset = re.search(r"charset=[\"']?([a-z0-9_-]+)", head)
    for encoding in (charset.group(1) if charset else "utf-8", "utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", "replace")


def attachments(data: bytes) -> tuple[str, list[str], bool]:
    """The page's title, the names of what it links to and whether those are files:
    attached documents (.pdf, .doc, .xls …) first; else links whose text names a budget or
    final-accounts disclosure of a year (pages of their own)."""
    parser = _Links()
    parser.feed(_decode(data))
    title = _clean(parser.article_title or parser.title)
    found: list[str] = []
    for anchor in parser.anchors:
        target, text = anchor["target"], _clean(anchor["label"] or anchor["text"])
        file = _DOCUMENT_FILE.search(target)
        if not file:
            continue
        named = _FILE_NAME_PARAM.search(target)
        file_name = unquote(named.group(1) if named else file.group(1))
        if text and text != file_name:
            found.append(f"{text} ({file_name})" if not text.lower().endswith(".pdf") else text)
        else:
            found.append(file_name)
    if not found:
        texts = (_clean(a["label"] or a["text"]) for a in parser.anchors)
        found = [t for t in texts if len(t) >= 8 and _DISCLOSURE_LINK.search(t)]
        return title, list(dict.fromkeys(found)), False
    return title, list(dict.fromkeys(found)), True


def html_page_reason(data: bytes) -> str:
    """Rejection reason for an HTML page: what it is and what to download instead."""
    reason = "not a PDF: an HTML page saved with a .pdf extension"
    try:
        title, links, are_files = attachments(data)
    except Exception:  # a malformed page still gets the plain reason
        return reason
    if title:
        reason += f" (“{title}”)"
    if not links:
        return reason + "; it links to no attachment"
    listed = "; ".join(links[:MAX_LISTED])
    more = f"; and {len(links) - MAX_LISTED} more" if len(links) > MAX_LISTED else ""
    noun = ("attachment" if are_files else "disclosure page") + ("s" if len(links) > 1 else "")
    return f"{reason}; it links to {len(links)} {noun}: {listed}{more} — download the PDF(s) there"

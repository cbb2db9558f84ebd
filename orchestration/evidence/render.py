"""Render evidence to PNG with pdfplumber's page rendering (pypdfium2 underneath).

Images are content-addressed: the file name is a hash of the PDF's sha256, the regions, the
marks and the drawing style, so a rebuild finds every unchanged image on disk and renders only
what changed. A page is rendered once per renderer however many images crop it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pdfplumber
from pdfplumber.display import PageImage
from PIL import Image

from .regions import FOUND, SUMMED, TARGET, BBox, Evidence, Mark, PageRegion

STYLE_VERSION = "1"  # bump when the drawing changes: every cached image is then re-rendered
RESOLUTION = 100  # pixels per inch (72 points)
PADDING = 14.0  # points around the table
HEADER_ROOM = 48.0  # points above the table: its column headers and title
GAP = 12  # pixels between the pages of one image
PAGES_KEPT = 8  # full-page renders kept per document (checks come sorted by page)
STYLES = {  # fill (RGBA), stroke (RGB), stroke width in pixels
    TARGET: ((220, 38, 38, 50), (220, 38, 38), 3),
    SUMMED: ((37, 99, 235, 40), (37, 99, 235), 2),
    FOUND: ((220, 38, 38, 40), (220, 38, 38), 2),
}


@dataclass(frozen=True)
class PlacedMark:
    """A mark's rectangle in the image's pixels."""

    role: str
    page: int
    box: tuple[int, int, int, int]  # left, top, right, bottom


@dataclass(frozen=True)
class Rendered:
    path: Path
    width: int
    height: int
    marks: tuple[PlacedMark, ...]
    rendered_now: bool  # False: found in the cache (then ``marks`` and ``crops`` are empty)
    crops: tuple[tuple[int, BBox, int], ...] = ()  # page, crop in points, top offset in pixels


def image_key(evidence: Evidence, resolution: int = RESOLUTION) -> str:
    """Content address of an evidence image."""
    payload = {
        "style": STYLE_VERSION,
        "resolution": resolution,
        "sha256": evidence.document.sha256,
        "regions": [
            [r.page, r.crop, [[m.bbox, m.role] for m in r.marks]] for r in evidence.regions
        ],
        "search": [str(a) for a in evidence.search_amounts],
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def amount_patterns(amount: Decimal) -> list[str]:
    """How an amount in yuan may be printed: 万元 or 元, with or without thousands separators."""
    forms = set()
    for value in (amount / 10000, amount):
        for places in (2, 4) if value is not amount else (2, 0):
            if value != round(value, places):
                continue
            text = f"{value:,.{places}f}"
            forms.update({text, text.replace(",", "")})
    return sorted(forms, key=len, reverse=True)


class Renderer:
    """Renders evidence images of one or more documents into ``folder`` (with its cache)."""

    def __init__(self, folder: Path, resolution: int = RESOLUTION) -> None:
        self.folder = folder
        self.resolution = resolution
        self._pdf: pdfplumber.PDF | None = None
        self._pdf_path: Path | None = None
        self._pages: dict[int, Image.Image] = {}

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
        self._pdf, self._pdf_path, self._pages = None, None, {}

    def path_for(self, evidence: Evidence) -> Path:
        return self.folder / f"{image_key(evidence, self.resolution)}.png"

    def render(self, evidence: Evidence, pdf_path: Path) -> Rendered:
        """The image of ``evidence``: from the cache when it is there (then without ``marks``),
        else rendered from ``pdf_path`` (which must be the recorded, verified file)."""
        target = self.path_for(evidence)
        if target.exists():
            with Image.open(target) as image:
                width, height = image.size
            return Rendered(target, width, height, (), False)
        pdf = self._open(pdf_path)
        scale = self.resolution / 72
        parts, placed, crops = [], [], []
        offset = 0
        for region in evidence.regions:
            page = pdf.pages[region.page - 1]
            marks = list(region.marks) + [
                Mark((m["x0"] - 2, m["top"] - 2, m["x1"] + 2, m["bottom"] + 2), FOUND)
                for amount in evidence.search_amounts
                for m in _search(page, amount)
            ]
            crop = _crop_box(region, page.bbox, marks)
            crops.append((region.page, crop, offset))
            for mark in marks:
                x0, top, x1, bottom = mark.bbox
                box = (
                    int((x0 - crop[0]) * scale),
                    int((top - crop[1]) * scale) + offset,
                    int((x1 - crop[0]) * scale),
                    int((bottom - crop[1]) * scale) + offset,
                )
                placed.append(PlacedMark(mark.role, region.page, box))
            image = self._page_image(pdf, region.page, crop)
            for mark in sorted(marks, key=lambda m: m.role == TARGET):  # targets drawn last
                fill, stroke, stroke_width = STYLES[mark.role]
                image.draw_rect(mark.bbox, fill=fill, stroke=stroke, stroke_width=stroke_width)
            parts.append((image.annotated, offset))
            offset += image.annotated.height + GAP
        canvas = Image.new("RGB", (max(p[0].width for p in parts), offset - GAP), "white")
        for picture, top in parts:
            canvas.paste(picture, (0, top))
        self.folder.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")  # two processes may draw it
        canvas.quantize(256, method=Image.Quantize.FASTOCTREE).save(temp, format="PNG")
        temp.replace(target)
        return Rendered(target, canvas.width, canvas.height, tuple(placed), True, tuple(crops))

    def _open(self, pdf_path: Path) -> pdfplumber.PDF:
        if self._pdf_path != pdf_path:
            self.close()
            self._pdf, self._pdf_path = pdfplumber.open(pdf_path), pdf_path
        assert self._pdf is not None
        return self._pdf

    def _page_image(self, pdf: pdfplumber.PDF, page_number: int, crop: BBox) -> PageImage:
        """The page cropped to ``crop``, from one full render of the page per document."""
        page = pdf.pages[page_number - 1]
        if page_number not in self._pages:
            if len(self._pages) >= PAGES_KEPT:
                self._pages.pop(next(iter(self._pages)))
            self._pages[page_number] = page.to_image(resolution=self.resolution).original
        return PageImage(
            page.crop(crop, strict=False),
            original=self._pages[page_number],
            resolution=self.resolution,
        )


def _search(page: pdfplumber.page.Page, amount: Decimal) -> list[dict]:
    """Where ``amount`` is printed in the page's text (not inside a longer number)."""
    pattern = "|".join(re.escape(p) for p in amount_patterns(amount))
    return page.search(rf"(?<![\d.,])(?:{pattern})(?![\d])", regex=True) if pattern else []


def _crop_box(region: PageRegion, page_box: BBox, marks: list) -> BBox:
    """The region's crop with room for headers, clipped to the page."""
    if region.crop is None:
        return page_box
    boxes = [region.crop, *(m.bbox for m in marks)]
    x0 = min(b[0] for b in boxes) - PADDING
    top = min(b[1] for b in boxes) - PADDING - HEADER_ROOM
    x1 = max(b[2] for b in boxes) + PADDING
    bottom = max(b[3] for b in boxes) + PADDING
    return (
        max(x0, page_box[0]),
        max(top, page_box[1]),
        min(x1, page_box[2]),
        min(bottom, page_box[3]),
    )

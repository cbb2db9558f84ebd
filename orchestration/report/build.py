"""Write the build report: ``report/index.html`` beside the published warehouse, with images.

Every error-level check gets an image of its printed source; warnings get one image per rule and
document (the first). Images are content-addressed in ``report/evidence/`` so a rebuild renders
only what changed; images no report refers to any more are deleted.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..evidence.regions import Evidence, EvidenceNotFound, check_evidence, for_fact, for_page
from ..evidence.render import Renderer
from ..evidence.show import IMAGES_DIR, REPORT_DIR
from ..evidence.source import SourceDocument, SourceUnavailable, locate_pdf
from .collect import Check, DocumentReport, ReportData, collect
from .html import render_html

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Image:
    """An evidence image (relative to the report folder), or why there is none."""

    src: str | None
    note: str | None = None


@dataclass
class ReportResult:
    index: Path
    documents: int
    errors: int
    warnings: int
    images: int = 0
    rendered: int = 0
    unavailable: list[str] = field(default_factory=list)
    seconds: float = 0.0


def report_folder(warehouse: Path) -> Path:
    return warehouse.parent / REPORT_DIR


def write_report(warehouse: Path, raw_dir: Path, folder: Path | None = None) -> ReportResult:
    """Read ``warehouse`` (read-only), render the evidence images and write ``index.html``."""
    started = time.perf_counter()
    folder = folder or report_folder(warehouse)
    images_dir = folder / IMAGES_DIR
    with duckdb.connect(str(warehouse), read_only=True) as con:
        data = collect(con)
        images, rendered, unavailable = _images(con, data, raw_dir, images_dir)
    index = folder / "index.html"
    folder.mkdir(parents=True, exist_ok=True)
    temp = index.with_name(f".index.html.{os.getpid()}.tmp")
    temp.write_text(render_html(data, images, warehouse, raw_dir), encoding="utf-8")
    temp.replace(index)
    _prune(images_dir, {Path(i.src).name for i in images.values() if i.src})
    return ReportResult(
        index=index,
        documents=len(data.documents),
        errors=sum(len(d.errors) for d in data.documents),
        warnings=sum(sum(d.warning_counts.values()) for d in data.documents),
        images=sum(1 for i in images.values() if i.src),
        rendered=rendered,
        unavailable=unavailable,
        seconds=time.perf_counter() - started,
    )


def illustrated(document: DocumentReport) -> list[Check]:
    """The checks of a document that get an image: every error, the first warning per rule."""
    return [*document.errors, *(checks[0] for checks in document.warnings.values() if checks)]


def _images(
    con: duckdb.DuckDBPyConnection, data: ReportData, raw_dir: Path, images_dir: Path
) -> tuple[dict[str, Image], int, list[str]]:
    images: dict[str, Image] = {}
    rendered = 0
    unavailable: list[str] = []
    hashes: dict[Path, str] = {}
    with Renderer(images_dir) as renderer:
        for document in data.documents:
            checks = illustrated(document)
            if not checks:
                continue
            try:
                source = SourceDocument.load(con, document.document_id)
                pdf = locate_pdf(source, raw_dir, hashes)
            except SourceUnavailable as exc:
                unavailable.append(str(exc))
                for check in checks:
                    images[check.key] = Image(None, f"no image: {exc}")
                continue
            for check in checks:
                try:
                    evidence = _evidence(con, check)
                    if evidence is None:
                        images[check.key] = Image(None, "no page recorded for this check")
                        continue
                    result = renderer.render(evidence, pdf)
                except Exception as exc:  # one bad image never costs the report
                    log.warning("evidence for %s failed: %r", check.key, exc)
                    images[check.key] = Image(None, f"no image: {type(exc).__name__}: {exc}")
                    continue
                rendered += result.rendered_now
                src = f"{IMAGES_DIR}/{result.path.name}"
                images[check.key] = Image(src, evidence.caption)
    return images, rendered, unavailable


def _evidence(con: duckdb.DuckDBPyConnection, check: Check) -> Evidence | None:
    """A reconciliation result's cells; otherwise the page (and row) the result names."""
    if check.reconciliation is not None:
        return check_evidence(con, check.reconciliation)
    row = check.row
    asset = row.get("asset") or ""
    if asset.startswith("marts.fct_") and row.get("evaluation_id"):
        try:  # a fact-level expectation: its evaluation id is the fact's id
            return for_fact(con, asset, row["evaluation_id"])
        except EvidenceNotFound:
            pass
    if row.get("document_id") is None or row.get("source_page") is None:
        return None
    page = int(row["source_page"])
    try:
        return for_page(con, row["document_id"], page, row.get("row_label"))
    except EvidenceNotFound:
        return for_page(con, row["document_id"], page)


def _prune(images_dir: Path, keep: set[str]) -> None:
    if not images_dir.is_dir():
        return
    for path in images_dir.glob("*.png"):
        if path.name not in keep:
            path.unlink(missing_ok=True)

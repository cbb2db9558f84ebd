"""Write the build report: ``report/index.html`` beside the published warehouse, with images.

Every error-level check gets an image of its printed source; warnings get one image per rule and
document (the first). Images are content-addressed in ``report/evidence/`` so a rebuild renders
only what changed; images no report refers to any more are deleted.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
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


def write_report(
    warehouse: Path, raw_dir: Path, folder: Path | None = None, helper: Helper | None = None
) -> ReportResult:
    """Read ``warehouse`` (read-only), render the evidence images and write ``index.html``.

    With a ``helper`` (another process), about half of the images not in the cache are rendered
    there while this process renders the rest; any it does not deliver are rendered here.
    """
    started = time.perf_counter()
    folder = folder or report_folder(warehouse)
    images_dir = folder / IMAGES_DIR
    with duckdb.connect(str(warehouse), read_only=True) as con:
        data = collect(con)
        images, rendered, unavailable = _images(con, data, raw_dir, images_dir, helper)
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


#: Renders the evidence images of ``jobs`` into a folder in another process; returns a call
#: that waits for it and gives the number it rendered (see :func:`write_report`).
Helper = Callable[[Path, list["Job"]], Callable[[], int]]


@dataclass(frozen=True)
class Job:
    """An image to render: the evidence of a check and the verified PDF it is drawn from."""

    key: str  # the check's key in the report
    evidence: Evidence
    pdf: Path


def _images(
    con: duckdb.DuckDBPyConnection,
    data: ReportData,
    raw_dir: Path,
    images_dir: Path,
    helper: Helper | None,
) -> tuple[dict[str, Image], int, list[str]]:
    images: dict[str, Image] = {}
    jobs, unavailable = _jobs(con, data, raw_dir, images)
    rendered = 0
    with Renderer(images_dir) as renderer:
        missing = {renderer.path_for(job.evidence): job for job in jobs}  # one per image
        missing = {path: job for path, job in missing.items() if not path.exists()}
        theirs, mine = _split(list(missing.values())) if helper else ([], list(missing.values()))
        waiting = _ask(helper, images_dir, theirs) if helper is not None and theirs else None
        for job in mine:  # meanwhile, this process renders its share
            rendered += _render(renderer, job, images)
        if waiting is not None:
            rendered += _wait(waiting)
        for job in jobs:  # each image from the cache, or rendered here if the helper failed
            if job.key not in images:
                rendered += _render(renderer, job, images)
    return images, rendered, unavailable


def _jobs(
    con: duckdb.DuckDBPyConnection, data: ReportData, raw_dir: Path, images: dict[str, Image]
) -> tuple[list[Job], list[str]]:
    """The images the report shows, each check's evidence read from the warehouse; checks with
    no image get their note in ``images``."""
    jobs: list[Job] = []
    unavailable: list[str] = []
    hashes: dict[Path, str] = {}
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
            except Exception as exc:  # one bad image never costs the report
                _failed(images, check.key, exc)
                continue
            if evidence is None:
                images[check.key] = Image(None, "no page recorded for this check")
            else:
                jobs.append(Job(check.key, evidence, pdf))
    return jobs, unavailable


def _render(renderer: Renderer, job: Job, images: dict[str, Image]) -> int:
    """Render (or find in the cache) ``job``'s image; 1 when rendered now."""
    try:
        result = renderer.render(job.evidence, job.pdf)
    except Exception as exc:  # one bad image never costs the report
        _failed(images, job.key, exc)
        return 0
    images[job.key] = Image(f"{IMAGES_DIR}/{result.path.name}", job.evidence.caption)
    return int(result.rendered_now)


def _failed(images: dict[str, Image], key: str, exc: Exception) -> None:
    log.warning("evidence for %s failed: %r", key, exc)
    images[key] = Image(None, f"no image: {type(exc).__name__}: {exc}")


def _split(jobs: list[Job]) -> tuple[list[Job], list[Job]]:
    """Two shares of about equal size, whole documents each: a page is rendered once per
    document and process."""
    by_pdf: dict[Path, list[Job]] = {}
    for job in jobs:
        by_pdf.setdefault(job.pdf, []).append(job)
    theirs: list[Job] = []
    mine: list[Job] = []
    for group in sorted(by_pdf.values(), key=len, reverse=True):
        (theirs if len(theirs) < len(mine) else mine).extend(group)
    return theirs, mine


def _ask(helper: Helper, images_dir: Path, jobs: list[Job]) -> Callable[[], int] | None:
    try:
        return helper(images_dir, jobs)
    except Exception as exc:  # the images are rendered here instead
        log.warning("evidence images not handed over (%s): rendering them here", exc)
        return None


def _wait(waiting: Callable[[], int]) -> int:
    try:
        return waiting()
    except Exception as exc:  # what it did not render is rendered here
        log.warning("evidence images of the other process failed (%s): rendering them here", exc)
        return 0


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

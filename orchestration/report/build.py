"""Write the build report beside the published warehouse: ``report/index.html`` (every document
in one table) and one page per document in ``report/documents/``, with images.

Every error-level check gets an image of its printed source; warnings get one image per rule and
document (the first). Images are content-addressed in ``report/evidence/`` so a rebuild renders
only what changed, and a document page (with its images) is written again only when what it
shows changed (:mod:`.pages`); the index is written every time. Images and document pages no
report refers to any more are deleted.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..evidence.regions import Evidence, EvidenceNotFound, check_evidence, for_fact, for_page
from ..evidence.render import Renderer
from ..evidence.show import IMAGES_DIR, REPORT_DIR
from ..evidence.source import SourceDocument, SourceUnavailable, locate_pdf
from .collect import Check, DocumentReport, collect
from .evidence_tables import EvidenceTables
from .html import Image, document_href, document_page, page_file
from .index_page import index_page
from .pages import PageRecord, code_digest, page_keys, read_manifest, write_manifest

log = logging.getLogger(__name__)


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
    pages_written: int = 0  # document pages (re)written: those whose content changed


def report_folder(warehouse: Path) -> Path:
    return warehouse.parent / REPORT_DIR


def write_report(
    warehouse: Path, raw_dir: Path, folder: Path | None = None, helper: Helper | None = None
) -> ReportResult:
    """Read ``warehouse`` (read-only), render the evidence images and write ``index.html``.

    With a ``helper`` (another process), both draw the documents' images, each document once:
    the same report in about half the time when a core is free.
    """
    started = time.perf_counter()
    folder = folder or report_folder(warehouse)
    images_dir = folder / IMAGES_DIR
    pages_dir = folder / "documents"
    written = read_manifest(pages_dir)
    code = code_digest()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        by_document = page_keys(con, code)
        keys = {page_file(d): key for d, key in by_document.items()}
        stale_ids = {
            document_id
            for document_id in by_document
            if (name := page_file(document_id)) not in written
            or written[name].key != keys[name]
            or written[name].unavailable  # its PDF may be back
            or not (pages_dir / name).exists()
        }
        data = collect(con, details=stale_ids)
        stale = [d for d in data.documents if d.document_id in stale_ids]
        images, rendered, unavailable = _images(stale, (warehouse, raw_dir, images_dir), helper)
    records = {name: written[name] for name in keys if name in written}
    for document in stale:
        path = folder / document_href(document)
        _write(path, document_page(document, images))
        shown = [images[c.key].src for c in illustrated(document) if c.key in images]
        records[path.name] = PageRecord(
            keys[path.name],
            [Path(src).name for src in shown if src],
            unavailable.get(document.document_id, []),
        )
    write_manifest(pages_dir, records)
    index = folder / "index.html"
    _write(index, index_page(data, folder, warehouse, raw_dir))
    _prune(images_dir, {name for r in records.values() for name in r.images}, "*.png")
    _prune(pages_dir, set(records), "*.html")
    return ReportResult(
        index=index,
        documents=len(data.documents),
        errors=sum(d.error_count for d in data.documents),
        warnings=sum(sum(d.warning_counts.values()) for d in data.documents),
        images=sum(len(r.images) for r in records.values()),
        rendered=rendered,
        unavailable=[message for r in records.values() for message in r.unavailable],
        seconds=time.perf_counter() - started,
        pages_written=len(stale),
    )


def illustrated(document: DocumentReport) -> list[Check]:
    """The checks of a document that get an image: every error, the first warning per rule."""
    return [*document.errors, *(checks[0] for checks in document.warnings.values() if checks)]


#: Another process that renders report images: called with the arguments of
#: :func:`render_claimed` but the claim order, it returns a call that waits for its share.
Helper = Callable[[Path, Path, Path, Path, "Sequence[Group]"], Callable[[], "Share"]]
#: A document with illustrated checks: its id and those checks.
Group = tuple[str, list[Check]]


@dataclass
class Share:
    """What one process did: the images of the documents it claimed (check key → image), the
    documents done (group index → their unavailable-source messages), images rendered now."""

    images: dict[str, Image] = field(default_factory=dict)
    done: dict[int, list[str]] = field(default_factory=dict)
    rendered: int = 0


def _images(
    documents: Sequence[DocumentReport],
    paths: tuple[Path, Path, Path],
    helper: Helper | None,
) -> tuple[dict[str, Image], int, dict[str, list[str]]]:
    """Every illustrated check's image of ``documents``, how many were rendered now, and why a
    document's source was unavailable. With a ``helper``, it takes documents from the first,
    this process from the last, each claiming a document before drawing it; what the helper
    claimed but did not deliver is drawn here."""
    warehouse, raw_dir, images_dir = paths
    groups = [(d.document_id, checks) for d in documents if (checks := illustrated(d))]
    with tempfile.TemporaryDirectory(prefix="budget-warehouse-report-") as folder:
        claims = Path(folder)
        waiting = None
        if helper is not None and len(groups) > 1:
            try:
                waiting = helper(warehouse, raw_dir, images_dir, claims, groups)
            except Exception as exc:  # drawn here instead
                log.warning("report images not handed over (%s): drawing them here", exc)
        order = reversed(range(len(groups)))
        mine = _render(warehouse, raw_dir, images_dir, groups, order, claims if waiting else None)
        theirs = Share()
        if waiting is not None:
            try:
                theirs = waiting()
            except Exception as exc:  # what it claimed is drawn below
                log.warning(
                    "report images of the other process failed (%s): drawing them here", exc
                )
    left = [i for i in range(len(groups)) if i not in mine.done and i not in theirs.done]
    rest = _render(warehouse, raw_dir, images_dir, groups, left, None)
    done = {**rest.done, **theirs.done, **mine.done}
    unavailable = {groups[i][0]: done[i] for i in range(len(groups)) if done[i]}
    images = {**rest.images, **theirs.images, **mine.images}
    return images, mine.rendered + theirs.rendered + rest.rendered, unavailable


def render_claimed(
    warehouse: Path, raw_dir: Path, images_dir: Path, claims: Path, groups: Sequence[Group]
) -> Share:
    """The helper's side of :func:`_images`: documents in order, each once claimed."""
    return _render(warehouse, raw_dir, images_dir, groups, range(len(groups)), claims)


def _render(
    warehouse: Path,
    raw_dir: Path,
    images_dir: Path,
    groups: Sequence[Group],
    order: Iterable[int],
    claims: Path | None,
) -> Share:
    """The images of ``groups`` in ``order``; with ``claims``, only of those it claims first.
    Evidence is read from the raw rows of a batch of documents at a time
    (:class:`.evidence_tables.EvidenceTables`)."""
    share = Share()
    hashes: dict[Path, str] = {}
    order = list(order)
    if not order:
        return share
    with Renderer(images_dir) as renderer, EvidenceTables(warehouse) as tables:
        for position, index in enumerate(order):
            if claims is not None and not _claim(claims / str(index)):
                continue
            document_id, checks = groups[index]
            tables.ensure(document_id, [groups[i][0] for i in order[position:]])
            share.done[index] = _document_images(
                tables.con, document_id, checks, raw_dir, renderer, hashes, share
            )
    return share


def _claim(path: Path) -> bool:
    """True for the one process that creates ``path``."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _document_images(
    con: duckdb.DuckDBPyConnection,
    document_id: str,
    checks: list[Check],
    raw_dir: Path,
    renderer: Renderer,
    hashes: dict[Path, str],
    share: Share,
) -> list[str]:
    """Draw a document's checks into ``share``; why its source is unavailable, if it is."""
    try:
        source = SourceDocument.load(con, document_id)
        pdf = locate_pdf(source, raw_dir, hashes)
    except SourceUnavailable as exc:
        for check in checks:
            share.images[check.key] = Image(None, f"no image: {exc}")
        return [str(exc)]
    for check in checks:
        try:
            evidence = _evidence(con, check)
            if evidence is None:
                share.images[check.key] = Image(None, "no page recorded for this check")
                continue
            result = renderer.render(evidence, pdf)
        except Exception as exc:  # one bad image never costs the report
            log.warning("evidence for %s failed: %r", check.key, exc)
            share.images[check.key] = Image(None, f"no image: {type(exc).__name__}: {exc}")
            continue
        share.rendered += result.rendered_now
        share.images[check.key] = Image(f"{IMAGES_DIR}/{result.path.name}", evidence.caption)
    return []


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


def _write(path: Path, text: str) -> None:
    """Replace ``path`` atomically (a reader never sees half a page)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(path)


def _prune(folder: Path, keep: set[str], pattern: str) -> None:
    if not folder.is_dir():
        return
    for path in folder.glob(pattern):
        if path.name not in keep:
            path.unlink(missing_ok=True)

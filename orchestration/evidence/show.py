"""``budget-warehouse show``: render where a number is printed, as a PNG.

    budget-warehouse show EVALUATION_ID              # a check: audit.validation_results.evaluation_id
    budget-warehouse show DOCUMENT --page 31 [--row 服务类]   # a page, the rows labelled …
    budget-warehouse show --fact fct_procurement FACT_ID     # a fact row by its id column

The image goes to the report's image folder beside the warehouse (content-addressed, shared with
the build report) or to ``--out``.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import TextIO

import duckdb

from ..settings import Settings
from .regions import Evidence, EvidenceNotFound, for_check, for_fact, for_page
from .render import Renderer
from .source import SourceUnavailable, locate_pdf

REPORT_DIR = "report"
IMAGES_DIR = "evidence"


def images_folder(warehouse: Path) -> Path:
    """Where evidence images live: ``report/evidence/`` beside the published warehouse."""
    return warehouse.parent / REPORT_DIR / IMAGES_DIR


def show(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``show``; return the exit status (0 rendered, 1 not found or source unavailable)."""
    settings = Settings.from_env(args.raw_dir, args.warehouse)
    if not settings.warehouse.exists():
        print(f"error: no warehouse at {settings.warehouse}", file=out)
        return 1
    try:
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            evidence = _evidence(con, args)
        path = render_evidence(evidence, settings.raw_dir, images_folder(settings.warehouse), out)
    except (EvidenceNotFound, SourceUnavailable) as exc:
        print(f"error: {exc}", file=out)
        return 1
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, args.out)
        path = Path(args.out)
    print(path, file=out)
    return 0


def _evidence(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> Evidence:
    if args.fact:
        return for_fact(con, args.fact, args.target)
    if args.page is not None:
        return for_page(con, args.target, args.page, args.row)
    if args.row:
        raise EvidenceNotFound("--row needs --page")
    return for_check(con, args.target)


def render_evidence(evidence: Evidence, raw_dir: Path, folder: Path, out: TextIO) -> Path:
    """Locate and verify the PDF, render, and say what is shown and from which file."""
    pdf = locate_pdf(evidence.document, raw_dir)
    recorded = raw_dir / evidence.document.source_path
    print(evidence.caption, file=out)
    if pdf != recorded:
        print(f"  note: {evidence.document.source_file} moved: read from {pdf}", file=out)
    with Renderer(folder) as renderer:
        rendered = renderer.render(evidence, pdf)
    pages = ", ".join(f"p.{p}" for p in evidence.pages)
    print(f"  {pdf} ({pages}; sha256 verified)", file=out)
    return rendered.path

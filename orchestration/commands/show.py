"""``budget-warehouse show``: render where a number is printed (:mod:`orchestration.evidence.show`)."""

from __future__ import annotations

import argparse
import sys

NAME = "show"


def add_parser(commands: argparse._SubParsersAction) -> None:
    show = commands.add_parser(
        NAME,
        help="render the printed source of a check or a fact (PNG)",
        description=(
            "Render the PDF region a number comes from, highlighted: the cell (red) and, for a "
            "check, the cells it summed (blue). ID is an evaluation_id of audit.validation_results "
            "(or a unique prefix); with --page, a document (document_id or file name); with "
            "--fact TABLE, the id of a fact row. The PDF is read from the raw folder by the path "
            "and sha256 recorded in marts.dim_document."
        ),
    )
    show.add_argument("target", metavar="ID", help="evaluation id, document, or fact id")
    show.add_argument("--page", type=int, help="page of DOCUMENT to show (1-based)")
    show.add_argument("--row", help="with --page: highlight the rows whose label contains TEXT")
    show.add_argument("--fact", metavar="TABLE", help="ID is a row of this fact table")
    show.add_argument("--warehouse", metavar="FILE", help="published DuckDB file")
    show.add_argument("--raw-dir", metavar="DIR", help="folder the warehouse was built from")
    show.add_argument("--out", metavar="PNG", help="also copy the image to this file")


def run(args: argparse.Namespace) -> int:
    from ..evidence.show import show

    return show(args, sys.stdout)

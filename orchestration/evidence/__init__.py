"""Evidence: images of the printed source of a fact or a check (``budget-warehouse show``)."""

from .regions import Evidence, EvidenceNotFound, check_evidence, for_check, for_fact, for_page
from .render import Rendered, Renderer
from .source import SourceDocument, SourceUnavailable, locate_pdf

__all__ = [
    "Evidence",
    "EvidenceNotFound",
    "Rendered",
    "Renderer",
    "SourceDocument",
    "SourceUnavailable",
    "check_evidence",
    "for_check",
    "for_fact",
    "for_page",
    "locate_pdf",
]

"""Compatibility imports: the worker pool and the extract cache live in ``orchestration.warehouse``
(changing how documents are scheduled must not invalidate every cached extract)."""

from ..warehouse.extract_cache import cache_path, read_extract, write_extract
from ..warehouse.extract_pool import DEFAULT_TIMEOUT_SECONDS, extract_all

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "cache_path", "extract_all", "read_extract", "write_extract"]

"""Where things live: raw PDFs, the published warehouse and the working files derived from it.

Every setting comes from an environment variable with a default, so the CLI and the Dagster
definitions (``dagster dev``) build the same warehouse. Paths are resolved to absolute paths
when read: dbt runs in its own working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

ENV_RAW_DIR = "BUDGET_RAW_DIR"
ENV_WAREHOUSE = "BUDGET_WAREHOUSE"
ENV_WORKERS = "BUDGET_WORKERS"
ENV_DOC_TIMEOUT = "BUDGET_DOC_TIMEOUT"

DEFAULT_RAW_DIR = "raw"
DEFAULT_WAREHOUSE = "warehouse/budget.duckdb"
DEFAULT_WORKERS = 2
DEFAULT_DOC_TIMEOUT = 300.0

#: Every environment variable the project reads, with its meaning (used by ``--help`` and docs).
ENVIRONMENT = {
    ENV_RAW_DIR: f"folder searched recursively for *.pdf (default {DEFAULT_RAW_DIR}/)",
    ENV_WAREHOUSE: f"published DuckDB warehouse file (default {DEFAULT_WAREHOUSE})",
    ENV_WORKERS: f"parallel PDF extraction processes (default {DEFAULT_WORKERS})",
    ENV_DOC_TIMEOUT: f"per-document extraction time limit in seconds (default {DEFAULT_DOC_TIMEOUT:g})",
}


@dataclass(frozen=True)
class Settings:
    """Resolved locations and limits for one build."""

    raw_dir: Path
    warehouse: Path
    workers: int = DEFAULT_WORKERS
    doc_timeout: float = DEFAULT_DOC_TIMEOUT

    @classmethod
    def from_env(
        cls,
        raw_dir: str | os.PathLike[str] | None = None,
        warehouse: str | os.PathLike[str] | None = None,
        workers: int | None = None,
        doc_timeout: float | None = None,
    ) -> Settings:
        """Explicit values win; otherwise the environment; otherwise the defaults."""
        env = os.environ
        return cls(
            raw_dir=Path(raw_dir or env.get(ENV_RAW_DIR) or DEFAULT_RAW_DIR).resolve(),
            warehouse=Path(warehouse or env.get(ENV_WAREHOUSE) or DEFAULT_WAREHOUSE).resolve(),
            workers=max(1, int(workers or env.get(ENV_WORKERS) or DEFAULT_WORKERS)),
            doc_timeout=float(doc_timeout or env.get(ENV_DOC_TIMEOUT) or DEFAULT_DOC_TIMEOUT),
        )

    @property
    def cache_dir(self) -> Path:
        """Content-addressed extract cache (one JSON per PDF content hash)."""
        return self.warehouse.parent / ".cache" / "extracts"

    @property
    def build_database(self) -> Path:
        """Persistent working database: loaded, transformed and validated before publishing."""
        return self.warehouse.parent / ".build" / self.warehouse.name

    @property
    def lock_file(self) -> Path:
        """Advisory lock serialising the steps that write the working database."""
        return self.warehouse.parent / ".build" / f"{self.warehouse.name}.lock"


def discover_pdfs(raw_dir: Path) -> dict[str, Path]:
    """Every ``*.pdf`` below ``raw_dir`` (recursively), keyed by its POSIX path relative to it.

    Keys are the dynamic partition keys; hidden folders and files are skipped.
    """
    if not raw_dir.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in sorted(raw_dir.rglob("*")):
        relative = path.relative_to(raw_dir)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.suffix.lower() == ".pdf" and path.is_file():
            found[relative.as_posix()] = path
    return found

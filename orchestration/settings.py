"""Where things live: raw PDFs, the published warehouse and the working files derived from it.

Every setting comes from an environment variable with a default, so the CLI and the Dagster
definitions (``dagster dev``) build the same warehouse. Paths are resolved to absolute paths
when read: dbt runs in its own working directory.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

ENV_RAW_DIR = "BUDGET_RAW_DIR"
ENV_WAREHOUSE = "BUDGET_WAREHOUSE"
ENV_WORKERS = "BUDGET_WORKERS"
ENV_DOC_TIMEOUT = "BUDGET_DOC_TIMEOUT"
ENV_HELPERS = "BUDGET_HELPERS"

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
    ENV_HELPERS: "the build command's helpers, comma-separated: head_start, validation_worker, "
    "prepared_dbt (default all; 'none' for none; for benchmarks)",
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
    def build_log(self) -> Path:
        """dbt's output, library logs and tracebacks of the last CLI build of this warehouse."""
        return self.build_database.with_name(f"{self.warehouse.name}.build.log")

    @property
    def dbt_target(self) -> Path:
        """dbt artifacts of the last build (per warehouse: builds of two warehouses in one
        folder may run at the same time and must not share them)."""
        return self.build_database.with_name(f"{self.warehouse.name}.dbt_target")

    @property
    def dbt_stamp(self) -> Path:
        """Inputs of the last clean ``dbt build`` of this warehouse (incremental builds)."""
        return self.build_database.with_name(f"{self.warehouse.name}.dbt_build_stamp.json")

    @property
    def pdf_hashes(self) -> Path:
        """The raw folder's PDF content hashes by file identity (``warehouse.pdf_hashes``)."""
        return self.build_database.with_name(f"{self.warehouse.name}.pdf_hashes.json")

    @property
    def published_record(self) -> Path:
        """What the published warehouse was built from (``warehouse.up_to_date``)."""
        return self.build_database.with_name(f"{self.warehouse.name}.published.json")

    @property
    def report_index(self) -> Path:
        """The HTML build report beside the published warehouse."""
        return self.warehouse.parent / "report" / "index.html"

    @property
    def lock_file(self) -> Path:
        """Advisory lock serialising the steps that write the working database."""
        return self.warehouse.parent / ".build" / f"{self.warehouse.name}.lock"

    @property
    def run_lock_file(self) -> Path:
        """Held for a whole build: one build at a time per warehouse (holder written inside)."""
        return self.warehouse.parent / ".build" / f"{self.warehouse.name}.run.lock"

    @property
    def helpers_lock_file(self) -> Path:
        """Held shared by each helper process of a build (its dbt, its validation worker) for
        as long as it lives; the next build waits for it (``warehouse.build_lock``)."""
        return self.warehouse.parent / ".build" / f"{self.warehouse.name}.helpers.lock"

    def location_problems(self) -> list[str]:
        """Why this build could not write its files, checked before any work starts."""
        problems = []
        if not self.raw_dir.is_dir():
            what = "is not a folder" if self.raw_dir.exists() else "does not exist"
            problems.append(f"raw folder {self.raw_dir} {what}")
        elif not os.access(self.raw_dir, os.R_OK | os.X_OK):
            problems.append(f"raw folder {self.raw_dir} is not readable")
        if self.warehouse.is_dir():
            problems.append(f"warehouse {self.warehouse} is a folder; give a file name")
        elif self.warehouse.exists() and not self.warehouse.is_file():
            problems.append(f"warehouse {self.warehouse} is not a regular file")
        folders = [self.warehouse.parent, self.build_database.parent, self.cache_dir]
        folders += [self.warehouse.parent / name for name in ("data_docs", "report")]
        for folder in folders:
            problem = _unwritable(folder)
            if problem:
                problems.append(problem)
                break
        return problems


@dataclass(frozen=True)
class RawFolder:
    """What a raw folder holds: readable PDFs, and every other ``*.pdf`` entry with its reason."""

    pdfs: dict[str, Path]  # partition key → file
    unreadable: dict[str, str]  # partition key → why it cannot be read


def utf8_text(text: str) -> str:
    """``text`` as valid UTF-8: the bytes of a non-UTF-8 file name become ``\\xNN``."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def partition_key(relative: str) -> str:
    """The POSIX relative path as valid UTF-8 (see :func:`utf8_text`)."""
    return utf8_text(relative)


def scan_raw_dir(raw_dir: Path) -> RawFolder:
    """Every ``*.pdf`` entry below ``raw_dir`` (recursively; hidden entries skipped).

    Symbolic links to files are followed (the link's path is the key); links to folders are not
    (no loops, no reading outside the folder by accident). Every entry named ``*.pdf`` that is
    not a readable regular file — a folder, a broken link, a link loop, a named pipe, a file
    without read permission — is listed in ``unreadable`` with the reason.
    """
    pdfs: dict[str, Path] = {}
    unreadable: dict[str, str] = {}
    if not raw_dir.is_dir():
        return RawFolder(pdfs, unreadable)
    for folder, dirnames, filenames in os.walk(raw_dir, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        base = Path(folder)
        for name in dirnames:
            path = base / name
            key = partition_key(path.relative_to(raw_dir).as_posix())
            if path.is_symlink():
                unreadable[key] = "symbolic link to a folder: not followed (PDFs in it not read)"
            elif name.lower().endswith(".pdf"):
                unreadable[key] = "a folder named like a PDF, not a file (PDFs inside it are read)"
        for name in sorted(filenames):
            if name.startswith(".") or not name.lower().endswith(".pdf"):
                continue
            path = base / name
            key = partition_key(path.relative_to(raw_dir).as_posix())
            problem = unreadable_reason(path)
            if problem:
                unreadable[key] = problem
            else:
                pdfs[key] = path
    return RawFolder(dict(sorted(pdfs.items())), dict(sorted(unreadable.items())))


def unreadable_reason(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, or None when it can."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        if path.is_symlink():
            return f"broken symbolic link (target {os.readlink(path)!r} does not exist)"
        return f"unreadable: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        return "symbolic link to a folder: not followed (PDFs in it not read)"
    if not stat.S_ISREG(mode):
        kind = "named pipe" if stat.S_ISFIFO(mode) else "socket or device"
        return f"not a regular file ({kind})"
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    return None


def discover_pdfs(raw_dir: Path) -> dict[str, Path]:
    """Every readable ``*.pdf`` below ``raw_dir``, keyed by its partition key (see scan_raw_dir)."""
    return scan_raw_dir(raw_dir).pdfs


def _unwritable(folder: Path) -> str | None:
    """Why files cannot be created in ``folder`` (or in the folder it would be created in)."""
    existing = folder
    while not existing.exists():
        if existing.is_symlink():
            return f"{existing} is a broken symbolic link"
        existing = existing.parent
    if not existing.is_dir():
        needed = "" if existing == folder else f" (needed for {folder})"
        return f"{existing} is a file, not a folder{needed}"
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        return f"cannot write in {existing}: {exc.strerror or exc}"
    return None

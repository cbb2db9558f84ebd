"""Is the published warehouse already what a build would publish? Answered without Dagster.

After a CLI build publishes, it records what the warehouse was built from — every PDF's content
hash, the unreadable entries with their reasons, and a hash of the code and project files that
turn PDFs into marts (extraction code and data, the dbt project, the expectation suites, the rest
of ``orchestration/`` and the versions of the libraries doing the work) — together with the
published file's identity, the identity of the working database and extract cache entries, and
the summary the build printed. The next build compares the current inputs with that record under
the build lock: if nothing differs, the warehouse is current and the build says so in well under
a second instead of starting Dagster.

A build only records itself when its outcome is a decision: it published, no step failed and no
document awaits a retry (a crash, a timeout or a failed load is retried by the next build).
Anything unexpected — a missing or unreadable record, a published file replaced by someone else,
a deleted report, a damaged cache entry or working database — means "not up to date", never an
error.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from ..file_hash import FileState, file_state, hash_files
from ..settings import PROJECT_ROOT, RawFolder, Settings
from .dbt_state import project_files

FORMAT = 1
#: Libraries whose version can change what a build publishes.
LIBRARIES = ("pdfplumber", "pdfminer.six", "duckdb", "dbt-core", "dbt-duckdb", "great-expectations")
#: Libraries whose version can change what ``dbt build`` makes of the same raw tables.
DBT_LIBRARIES = ("duckdb", "dbt-core", "dbt-duckdb")
#: What stands for the hash of a PDF that could not be read.
_UNREADABLE = "unreadable: "


@dataclass(frozen=True)
class BuildInputs:
    """Everything a build's result depends on."""

    raw_dir: str
    pdfs: dict[str, FileState]
    unreadable: dict[str, str]
    code: str

    def contents(self, paths: Mapping[str, Path]) -> dict[Path, str]:
        """{pdf: sha256} of the PDFs ``paths`` ({key: path}) that could be hashed."""
        return {
            path: self.pdfs[key].sha256
            for key, path in paths.items()
            if key in self.pdfs and not self.pdfs[key].sha256.startswith(_UNREADABLE)
        }

    def same_as(self, other: BuildInputs) -> bool:
        """Equal content (file identities aside: a touched but unchanged PDF is the same input)."""
        hashes = {key: state.sha256 for key, state in self.pdfs.items()}
        return (self.raw_dir, hashes, self.unreadable, self.code) == (
            other.raw_dir,
            {key: state.sha256 for key, state in other.pdfs.items()},
            other.unreadable,
            other.code,
        )


@dataclass(frozen=True)
class PublishedBuild:
    """The record a build leaves beside the warehouse it published."""

    inputs: BuildInputs
    warehouse: tuple[int, int, int]  # size, mtime_ns, inode of the published file
    exit_code: int
    summary: list[str] = field(default_factory=list)  # what the build printed after its progress
    verdict: str = ""  # its last line, with ``{timing}`` where the seconds go
    #: The working database and the extract cache entries, as the build left them: a damaged or
    #: edited one is not "up to date" (the next build repairs it and says so).
    derived: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    def holds(self, inputs: BuildInputs, settings: Settings) -> bool:
        """True when the published warehouse is still this record's and ``inputs`` are its."""
        return (
            file_identity(settings.warehouse) == self.warehouse
            and settings.report_index.is_file()
            and all(file_identity(Path(p)) == tuple(i) for p, i in self.derived.items())
            and self.inputs.same_as(inputs)
        )


def file_identity(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def code_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """Hash of the code and project files between PDFs and marts, and of the libraries' versions."""
    files = [*(root / "orchestration").rglob("*.py"), *(root / "orchestration" / "data").glob("*")]
    files += (root / "expectations").glob("*.json")
    files += project_files(root / "dbt_project")
    return _fingerprint(files, root, LIBRARIES)


def dbt_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """Hash of what turns raw tables into marts — the dbt project (models, macros, seeds,
    configuration), the change log's definition of related documents, and the versions of dbt
    and DuckDB: when it differs from the one the incremental marts were built with, they are
    rebuilt whole."""
    files = [*project_files(root / "dbt_project"), root / "orchestration/warehouse/changes.py"]
    return _fingerprint(files, root, DBT_LIBRARIES)


def _fingerprint(files: list[Path], root: Path, libraries: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    hash_files(digest, files, root)
    for library in libraries:
        try:
            digest.update(f"{library}=={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library} missing".encode())
    return digest.hexdigest()


def current_inputs(
    settings: Settings, folder: RawFolder, previous: BuildInputs | None = None
) -> BuildInputs:
    """The inputs as they are now; PDFs whose identity matches ``previous`` are not re-hashed."""
    known = previous.pdfs if previous else {}
    pdfs: dict[str, FileState] = {}
    for key, path in folder.pdfs.items():
        try:
            pdfs[key] = file_state(path, known.get(key))
        except OSError as exc:  # removed or unreadable since the scan: let the build say so
            pdfs[key] = FileState(0, 0, 0, 0, f"{_UNREADABLE}{exc}")
    return BuildInputs(str(settings.raw_dir), pdfs, dict(folder.unreadable), code_fingerprint())


def retries_pending(settings: Settings, inputs: BuildInputs) -> bool:
    """Whether an extract of ``inputs`` is missing or an accident the next build retries."""
    from .extract_cache import read_header

    return any(
        read_header(path).get("outcome") != "decision" for path in _entries(settings, inputs)
    )


def derived_files(settings: Settings, inputs: BuildInputs) -> dict[str, tuple[int, int, int]]:
    """Identity of the working database and of every extract cache entry of ``inputs``."""
    files = {}
    for path in [settings.build_database, *_entries(settings, inputs)]:
        identity = file_identity(path)
        if identity is not None:
            files[str(path)] = identity
    return files


def _entries(settings: Settings, inputs: BuildInputs) -> list[Path]:
    from .extract_cache import cache_path  # imports the extractor: only after a full build

    return [cache_path(settings.cache_dir, state.sha256) for state in inputs.pdfs.values()]


def read_record(path: Path) -> PublishedBuild | None:
    """The record at ``path``, or None when there is none or it cannot be trusted."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.pop("format") != FORMAT:
            return None
        inputs = data.pop("inputs")
        inputs["pdfs"] = {key: FileState(**state) for key, state in inputs["pdfs"].items()}
        data["warehouse"] = tuple(data["warehouse"])
        data["derived"] = {path: tuple(identity) for path, identity in data["derived"].items()}
        return PublishedBuild(inputs=BuildInputs(**inputs), **data)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def write_record(path: Path, record: PublishedBuild) -> None:
    """Write atomically (a reader sees the old record, the new one, or none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    text = json.dumps({"format": FORMAT, **asdict(record)}, ensure_ascii=False)
    temp.write_text(text, encoding="utf-8", errors="surrogateescape")
    temp.replace(path)


def forget(path: Path) -> None:
    """Remove the record: the published warehouse is about to change."""
    path.unlink(missing_ok=True)

"""A build's load on the lake (``distributed.lake_build.append_folder``): one load id per build
holding only what changed, removed documents as removal rows, concurrent builds losing nothing."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from orchestration.distributed.lake_build import append_folder
from orchestration.extract.document import Extract
from orchestration.lake.connection import LakeConfig, connect
from orchestration.lake.raw_loads import current_documents
from orchestration.warehouse.raw_store import RAW_TABLES


def _folder(folder: Path, pdfs: list[Path]) -> Path:
    folder.mkdir(parents=True)
    for pdf in pdfs:
        (folder / pdf.name).symlink_to(pdf)
    return folder


def _count(con, relation: str) -> int:
    return con.execute(f"select count(*) from lake.{relation}").fetchone()[0]


def test_a_build_appends_what_changed_and_removals_as_rows(
    lake: LakeConfig,
    small_pdfs: list[Path],
    small_extracts: list[Extract],
    extract_cache: Path,
    tmp_path: Path,
) -> None:
    first, second, third = (e.document["document_id"] for e in small_extracts)
    all_three = _folder(tmp_path / "all", small_pdfs)
    two = _folder(tmp_path / "two", small_pdfs[1:])
    with connect(lake) as con:
        initial = append_folder(con, all_three, extract_cache).receipt
        assert sorted(initial.documents) == sorted([first, second, third])
        assert initial.removed == ()
        assert initial.rows["cells"] == sum(len(e.cells) for e in small_extracts)
        # the same folder again: an empty load; a folder without the first PDF: its removal
        assert append_folder(con, all_three, extract_cache).receipt.documents == ()
        removal = append_folder(con, two, extract_cache, load_id="build-3").receipt
        assert (removal.load_id, removal.documents, removal.removed) == ("build-3", (), (first,))
        assert sum(removal.rows.values()) == 0  # insert-only: a removal is one row of `loads`
        assert current_documents(con) == {second: initial.load_id, third: initial.load_id}
        assert con.execute(
            "select removed from lake.raw_loads.loads where load_id = 'build-3'"
        ).fetchall() == [(True,)]
        assert _count(con, "raw.cells") == sum(len(e.cells) for e in small_extracts[1:])
        assert _count(con, "raw_loads.cells") == initial.rows["cells"]  # nothing deleted
        # the embedded loader's path: the file name and path as found in this folder
        assert con.execute(
            "select source_path from lake.raw.documents order by 1"
        ).fetchall() == sorted((pdf.name,) for pdf in small_pdfs[1:])


def _append(config: LakeConfig, folder: Path, extracts: Path, results) -> None:
    with connect(config) as con:
        receipt = append_folder(con, folder, extracts).receipt
        results.put((receipt.rows, len(receipt.documents) + len(receipt.removed)))


def test_two_builds_appending_at_once_lose_no_rows(
    lake: LakeConfig,
    small_pdfs: list[Path],
    small_extracts: list[Extract],
    extract_cache: Path,
    tmp_path: Path,
) -> None:
    # two hosts building the same folder: each appends what it finds missing from the lake
    folder = _folder(tmp_path / "raw", small_pdfs)
    folders = [folder, folder]
    context = mp.get_context("spawn")  # fresh interpreters, as two builds on two hosts
    results = context.Queue()
    builds = [
        context.Process(target=_append, args=(lake, folder, extract_cache, results))
        for folder in folders
    ]
    for build in builds:
        build.start()
    try:
        loaded = [results.get(timeout=600) for _ in builds]
        for build in builds:
            build.join(60)
        assert [build.exitcode for build in builds] == [0, 0]
    finally:
        for build in builds:
            if build.is_alive():
                build.kill()
    with connect(lake, read_only=True) as con:
        for table in RAW_TABLES:
            assert _count(con, f"raw_loads.{table}") == sum(rows[table] for rows, _ in loaded)
        assert _count(con, "raw.cells") == sum(len(e.cells) for e in small_extracts)
        assert sorted(current_documents(con)) == sorted(
            e.document["document_id"] for e in small_extracts
        )
        assert _count(con, "raw_loads.loads") == sum(entries for _, entries in loaded) >= 3

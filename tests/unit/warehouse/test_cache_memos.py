"""Memos that keep a build of many cached documents from re-reading them: PDF hashes by file
identity (``warehouse.pdf_hashes``) and cache entries verified once (``extract_cache``)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestration.extract.document import Extract
from orchestration.file_hash import file_state, sha256_of
from orchestration.warehouse.extract_cache import (
    VERIFIED_FILE,
    CorruptEntry,
    VerifiedEntries,
    cache_path,
    read_entry,
    write_entry,
)
from orchestration.warehouse.extract_pool import _plan
from orchestration.warehouse.pdf_hashes import PdfHashes, remember

EXTRACT = Extract(
    document={"document_id": "abc", "sha256": "a" * 64, "status": "loaded", "page_count": 3},
    tables=[{"document_id": "abc", "table_id": 1}],
    cells=[{"document_id": "abc", "value": "12.50"}, {"document_id": "abc", "value": "7.00"}],
)


def entry(tmp_path: Path, extract: Extract = EXTRACT) -> Path:
    path = tmp_path / "cache" / "a.json"
    write_entry(path, extract)
    return path


def edit_header(path: Path, edit: Callable[[dict], object]) -> None:
    """Rewrite an entry's header line with ``edit`` applied, its payload as it was."""
    header, payload = path.read_text().split("\n", 1)
    fields = json.loads(header)
    edit(fields)
    path.write_text(json.dumps(fields) + "\n" + payload)


def test_a_verified_entry_is_remembered_by_identity(tmp_path: Path) -> None:
    path = entry(tmp_path)
    verified = VerifiedEntries(path.parent)

    header = verified.header(path)
    verified.save()

    assert header["summary"] == {
        "document_id": "abc",
        "status": "loaded",
        "status_reason": None,
        "page_count": 3,
        "tables": 1,
        "rows": 0,
        "cells": 2,
    }
    stat = path.stat()
    memo = json.loads((path.parent / VERIFIED_FILE).read_text())
    assert memo == {path.name: [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]}
    assert VerifiedEntries(path.parent).header(path) == header  # from the header line alone


def test_an_entry_edited_after_verification_is_verified_again(tmp_path: Path) -> None:
    path = entry(tmp_path)
    verified = VerifiedEntries(path.parent)
    verified.header(path)
    verified.save()
    header, payload = path.read_text().split("\n", 1)
    before = path.stat()
    path.write_text(header + "\n" + payload.replace('"12.50"', '"92.50"'))  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # same mtime: ctime tells

    with pytest.raises(CorruptEntry, match="does not match its checksum"):
        VerifiedEntries(path.parent).header(path)


def test_a_header_whose_summary_lies_is_corrupt(tmp_path: Path) -> None:
    path = entry(tmp_path)
    edit_header(path, lambda fields: fields["summary"].update(cells=200))

    with pytest.raises(CorruptEntry, match="header does not summarise its extract"):
        read_entry(path)
    with pytest.raises(CorruptEntry, match="header does not summarise its extract"):
        VerifiedEntries(path.parent).header(path)


def test_an_entry_without_a_summary_is_summarised_from_its_extract(tmp_path: Path) -> None:
    path = entry(tmp_path)
    edit_header(path, lambda fields: fields.pop("summary"))  # written before headers had one
    verified = VerifiedEntries(path.parent)

    assert verified.header(path)["summary"]["cells"] == 2
    assert verified.memo == {}  # verified again next time: its header cannot answer alone


def test_pdf_hashes_read_a_file_only_when_its_identity_changed(tmp_path: Path) -> None:
    pdf, memo = tmp_path / "a.pdf", tmp_path / "hashes.json"
    pdf.write_bytes(b"%PDF-1.4 one")
    hashes = PdfHashes(memo)
    first = hashes.sha256("a.pdf", pdf)
    hashes.save()

    assert first == sha256_of(pdf)
    assert PdfHashes(memo).states["a.pdf"] == file_state(pdf)
    pdf.write_bytes(b"%PDF-1.4 two")  # same size, new content
    again = PdfHashes(memo)
    assert again.sha256("a.pdf", pdf) == sha256_of(pdf) != first
    assert again.changed


def test_pdf_hashes_take_the_up_to_date_checks_states(tmp_path: Path) -> None:
    pdf, memo = tmp_path / "a.pdf", tmp_path / "hashes.json"
    pdf.write_bytes(b"%PDF-1.4")
    unreadable = file_state(pdf).__class__(0, 0, 0, 0, "unreadable: gone")

    remember(memo, {"a.pdf": file_state(pdf), "b.pdf": unreadable})

    assert PdfHashes(memo).states == {"a.pdf": file_state(pdf)}
    (tmp_path / "garbage.json").write_text("[1, 2")
    assert PdfHashes(tmp_path / "garbage.json").states == {}  # a damaged memo costs a re-hash


def test_the_plan_trusts_known_hashes_only_for_verified_decisions(tmp_path: Path) -> None:
    """extract_all's plan: a known hash with a good entry is cached; a damaged entry or an
    accident is extracted again, with the warning or the note a build prints."""
    cache = tmp_path / "cache"
    pdfs = {name: tmp_path / f"{name}.pdf" for name in ("good", "damaged", "accident")}
    for name, pdf in pdfs.items():
        pdf.write_bytes(f"%PDF-1.4 {name}".encode())
    hashes = {pdf: sha256_of(pdf) for pdf in pdfs.values()}
    for name, pdf in pdfs.items():
        document = {**EXTRACT.document, "sha256": hashes[pdf], "status_reason": "timed out"}
        outcome = "accident" if name == "accident" else "decision"
        write_entry(cache_path(cache, hashes[pdf]), Extract(document=document), outcome)
    damaged = cache_path(cache, hashes[pdfs["damaged"]])
    damaged.write_bytes(damaged.read_bytes()[:-5])
    size = json.loads(damaged.read_text().split("\n", 1)[0])["payload_bytes"]
    warnings: list[str] = []

    cached, todo = _plan(pdfs.values(), cache, warnings.append, hashes)

    assert list(cached) == [pdfs["good"]]
    assert [(a.pdf, a.source.sha256, a.note) for a in todo] == [
        (pdfs["damaged"], hashes[pdfs["damaged"]], None),
        (pdfs["accident"], hashes[pdfs["accident"]], "retrying (last time: timed out)"),
    ]
    assert warnings == [
        f"cache entry {damaged.name} (damaged.pdf) content does not match its checksum "
        f"(truncated: {size - 5} of {size} bytes); re-extracting"
    ]
    assert not damaged.exists()  # the worker writes a new one
    memo = json.loads((cache / VERIFIED_FILE).read_text())
    kept = (pdfs["good"], pdfs["accident"])
    assert sorted(memo) == sorted(cache_path(cache, hashes[p]).name for p in kept)


def test_the_first_sound_decision_written_stays(tmp_path: Path) -> None:
    """Two workers extracting one PDF: the second's copy (other timings) never replaces the
    entry the first wrote, which readers may already have loaded."""
    path = entry(tmp_path)
    second = Extract(document={**EXTRACT.document, "elapsed_seconds": 9.9}, tables=EXTRACT.tables)
    write_entry(path, second)
    write_entry(path, second, "accident")

    assert read_entry(path).extract == EXTRACT
    assert read_entry(path).outcome == "decision"
    assert [p.name for p in path.parent.iterdir()] == ["a.json"]  # no temporary file left


@pytest.mark.parametrize("previous", ["accident", "corrupt"])
def test_a_crash_or_a_corrupt_entry_is_replaced(tmp_path: Path, previous: str) -> None:
    path = tmp_path / "cache" / "a.json"
    write_entry(path, Extract(document={"document_id": "abc", "status": "rejected"}), "accident")
    if previous == "corrupt":
        path.write_text(path.read_text().replace("rejected", "loaded"))

    write_entry(path, EXTRACT)

    assert read_entry(path).extract == EXTRACT
    assert read_entry(path).outcome == "decision"

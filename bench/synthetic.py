"""Synthetic raw folders of many documents, cloned from real cached extracts (no PDF parsing).

A *template* is a real PDF whose extract is in a content-addressed extract cache. Document ``i``
of a synthetic folder is template ``i % T`` in variant ``v = i // T``:

- its PDF is the template's bytes with a comment line ``%synthetic-document i`` appended after
  ``%%EOF`` (a new content hash, the same pages: a build hashes as many bytes and the report
  draws its evidence from it as from the original);
- its extract is written to the cache under that hash, so a real build takes it from the cache
  instead of extracting: the template's extract with the new document id and hash, the
  department name suffixed ``(合成v)`` wherever it is printed (department, units) and every
  ``fiscal_year`` / ``year`` moved back ``v % YEARS`` years — variant 0 is the template itself.

Cross-document models (departments, regions, department-years) thus see one department-year per
synthetic document, as a folder of that many real disclosures would.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from orchestration.extract.document import document_id
from orchestration.file_hash import sha256_of
from orchestration.warehouse.extract_cache import (
    CorruptEntry,
    cache_path,
    read_entry,
    summary,
    write_payload,
)

#: Variants cycle through this many fiscal years (the template's and the ones before it).
YEARS = 3
SEED = 25
_CHILDREN = ("tables", "columns", "rows", "cells", "figures", "page_titles", "execution_notes")
_YEAR = re.compile(r'"(fiscal_year|year)": (\d{4})\b')


@dataclass(frozen=True)
class Template:
    """A real PDF and its cached extract, the children kept as JSON text for fast cloning."""

    pdf: Path
    document: dict
    children: str  # the extract without its document, as ``write_entry`` serialises it
    summary: dict

    @classmethod
    def read(cls, pdf: Path, entry: Path) -> Template:
        extract = read_entry(entry).extract
        children = {name: getattr(extract, name) for name in _CHILDREN}
        text = json.dumps(children, ensure_ascii=False)
        return cls(pdf, extract.document, text, summary(extract))


@dataclass(frozen=True)
class SyntheticDocument:
    key: str  # path relative to the raw folder
    sha256: str
    department_name: str | None
    fiscal_year: int | None


def templates(corpus: Path, cache_dir: Path) -> list[Template]:
    """Every PDF below ``corpus`` whose extract is a decision in ``cache_dir``, in a fixed
    shuffled order (a small size draws from every city of a crawl, not the first folder).

    Accidents (crashes, timeouts) are left out: a build would extract them again.
    """
    found = []
    for pdf in sorted(corpus.rglob("*.pdf")):
        entry = cache_path(cache_dir, sha256_of(pdf))
        try:
            if entry.exists() and read_entry(entry).outcome == "decision":
                found.append(Template.read(pdf, entry))
        except CorruptEntry:
            continue
    random.Random(SEED).shuffle(found)
    return found


def _renamed(name: str | None, variant: int) -> str | None:
    return f"{name}(合成{variant})" if name and variant else name


def clone(template: Template, index: int, variant: int, key: str) -> tuple[bytes, dict, bytes]:
    """Document ``index``'s PDF bytes, document record and serialised extract: ``template``
    in ``variant`` (see the module). Text replacements on the template's serialised extract,
    never parsing it: 10⁴ clones in minutes."""
    data = template.pdf.read_bytes() + f"\n%synthetic-document {index}\n".encode()
    sha = hashlib.sha256(data).hexdigest()
    old_id, new_id = template.document["document_id"], document_id(sha)
    name = template.document.get("department_name")
    shift = variant % YEARS
    text = template.children.replace(f'"document_id": "{old_id}"', f'"document_id": "{new_id}"')
    if name and variant:
        text = text.replace(name, _renamed(name, variant) or name)
    if shift:
        text = _YEAR.sub(lambda m: f'"{m.group(1)}": {int(m.group(2)) - shift}', text)
    year = template.document.get("fiscal_year")
    document = {
        **template.document,
        "document_id": new_id,
        "sha256": sha,
        "source_file": Path(key).name,
        "source_path": key,
        "file_size": len(data),
        "department_name": _renamed(name, variant),
        "fiscal_year": year - shift if year else year,
    }
    # as write_entry serialises Extract(document, **children): the document first
    payload = '{"document": ' + json.dumps(document, ensure_ascii=False) + ", " + text[1:]
    return data, document, payload.encode("utf-8", "backslashreplace")


def generate(
    templates: list[Template], raw_dir: Path, cache_dir: Path, indices: Iterable[int]
) -> list[SyntheticDocument]:
    """Write documents ``indices`` (PDF below ``raw_dir``, extract in ``cache_dir``)."""
    if not templates:
        raise ValueError("no templates: build the corpus first to fill its extract cache")
    made = []
    for index in indices:
        variant, template = divmod(index, len(templates))
        source = templates[template]
        key = f"v{variant:04d}/{index:06d}_{source.pdf.name}"
        data, doc, payload = clone(source, index, variant, key)
        pdf = raw_dir / key
        pdf.parent.mkdir(parents=True, exist_ok=True)
        pdf.write_bytes(data)
        entry = cache_path(cache_dir, doc["sha256"])
        summary = {**source.summary, "document_id": doc["document_id"]}
        write_payload(entry, payload, doc["sha256"], summary)
        made.append(
            SyntheticDocument(key, doc["sha256"], doc["department_name"], doc["fiscal_year"])
        )
    return made

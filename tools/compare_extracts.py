"""Prove a refactor of ``orchestration/extract/`` changes no extract.

``snapshot`` extracts every PDF under the given folders (default: ../shared/corpus/real and
../shared/corpus/wide) and writes one canonical JSON per file: the ``Extract`` minus the extractor
version and the elapsed time, which change with every edit and every run. It uses this checkout's
extractor, or that of ``--checkout DIR`` (e.g. a ``git worktree`` of the base commit). ``diff``
compares two snapshots and prints each differing file's first differences. Typical use::

    git worktree add /tmp/base <base commit>
    python -m tools.compare_extracts snapshot /tmp/before --checkout /tmp/base
    python -m tools.compare_extracts snapshot /tmp/after
    python -m tools.compare_extracts diff /tmp/before /tmp/after

The wide corpus takes minutes: ``--processes 2`` on a machine with cores to spare.

A document whose extraction raises is recorded with its exception, so crashes compare too.
"""

from __future__ import annotations

import argparse
import difflib
import json
import multiprocessing as mp
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPORA = (ROOT.parent / "shared" / "corpus" / "real", ROOT.parent / "shared" / "corpus" / "wide")
VOLATILE = ("extractor_version", "elapsed_seconds")  # differ between extractors and runs


def canonical(pdf: Path, corpus: Path) -> str:
    """The extract of one PDF as sorted, indented JSON, without its volatile fields and with
    its path relative to the corpus (clones see the corpus through different folders)."""
    from orchestration.extract.document import extract_document

    try:
        record: dict[str, Any] = asdict(extract_document(pdf))
        for key in VOLATILE:
            record["document"].pop(key, None)
        record["document"]["source_path"] = pdf.relative_to(corpus).as_posix()
    except Exception as exc:  # a crash is part of the behaviour being compared
        record = {"crash": f"{type(exc).__name__}: {exc}"}
    return json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1, default=str) + "\n"


def snapshot_name(pdf: Path, corpus: Path) -> str:
    """One flat file name per PDF: the corpus folder, then its path inside it."""
    return "__".join((corpus.name, *pdf.relative_to(corpus).parts)) + ".json"


def _snapshot_one(job: tuple[str, str, str]) -> str:
    pdf, corpus, out = job
    Path(out).write_text(canonical(Path(pdf), Path(corpus)), encoding="utf-8")
    return out


def use_checkout(checkout: Path) -> Path:
    """Import ``orchestration`` from another checkout; the folder of the package in use."""
    if not (checkout / "orchestration" / "extract").is_dir():
        sys.exit(f"{checkout}: not a budget-warehouse checkout (no orchestration/extract)")
    if "orchestration" in sys.modules:
        sys.exit("orchestration is already imported: give --checkout before anything uses it")
    sys.path.insert(0, str(checkout.resolve()))
    import orchestration

    return Path(orchestration.__file__).parent


def snapshot(corpora: list[Path], out: Path, processes: int) -> int:
    out.mkdir(parents=True, exist_ok=True)
    jobs = [
        (str(pdf), str(corpus), str(out / snapshot_name(pdf, corpus)))
        for corpus in corpora
        for pdf in sorted(corpus.rglob("*.pdf"))
    ]
    if not jobs:
        sys.exit(f"no PDFs under {', '.join(map(str, corpora))}")
    import orchestration.extract.document  # noqa: F401  (imported once: every worker forks it)

    with mp.get_context("fork").Pool(processes, maxtasksperchild=1) as pool:
        for n, done in enumerate(pool.imap_unordered(_snapshot_one, jobs), start=1):
            print(f"[{n}/{len(jobs)}] {Path(done).name}", flush=True)
    return len(jobs)


def diff(before: Path, after: Path, context: int = 3) -> int:
    """Print every difference; the number of files that differ (missing files count)."""
    names = sorted({p.name for p in before.glob("*.json")} | {p.name for p in after.glob("*.json")})
    differing = 0
    for name in names:
        old, new = before / name, after / name
        if not old.exists() or not new.exists():
            print(f"ONLY IN {'after' if not old.exists() else 'before'}: {name}")
            differing += 1
            continue
        a, b = old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8")
        if a != b:
            differing += 1
            lines = difflib.unified_diff(
                a.splitlines(), b.splitlines(), str(old), str(new), n=context, lineterm=""
            )
            print("\n".join(list(lines)[:60]))
    print(f"{len(names)} extracts compared, {differing} differ")
    return differing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    snap = commands.add_parser("snapshot", help="extract every PDF into canonical JSON files")
    snap.add_argument("out", type=Path)
    snap.add_argument("corpora", nargs="*", type=Path, default=list(CORPORA))
    snap.add_argument("--processes", type=int, default=1)
    snap.add_argument("--checkout", type=Path, help="extract with this checkout's extractor")
    compare = commands.add_parser("diff", help="compare two snapshots; exit 1 if any differ")
    compare.add_argument("before", type=Path)
    compare.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "snapshot":
        if args.checkout:
            print(f"extractor: {use_checkout(args.checkout)}")
        print(f"{snapshot(args.corpora, args.out, args.processes)} extracts in {args.out}")
        return 0
    return 1 if diff(args.before, args.after) else 0


if __name__ == "__main__":
    sys.exit(main())

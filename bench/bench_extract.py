"""Extraction speed over the real corpus against plain pdfplumber on the same pages.

Prints pages/s for both (median of N runs, one core each), seconds per document, peak
memory, and as the last line ``extract_vs_plain_pdfplumber_ratio <x>`` (our time / plain).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

import pdfplumber

from orchestration.extract.document import extract_document

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real"


def plain(pdfs: list[Path]) -> int:
    """What pdfplumber alone does: open every page and extract its tables."""
    pages = 0
    for pdf_path in pdfs:
        with pdfplumber.open(pdf_path) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.close()
                pages += 1
    return pages


def ours(pdfs: list[Path]) -> tuple[int, list[float]]:
    pages, per_doc = 0, []
    for pdf_path in pdfs:
        started = time.perf_counter()
        extract = extract_document(pdf_path)
        per_doc.append(time.perf_counter() - started)
        pages += extract.document["page_count"] or 0
    return pages, per_doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pdfs = sorted(args.corpus.glob("*.pdf"))
    plain_times, our_times, doc_times = [], [], []
    pages = 0
    for _ in range(args.runs):  # interleaved so both see the same machine state
        started = time.perf_counter()
        pages = plain(pdfs)
        plain_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        _, per_doc = ours(pdfs)
        our_times.append(time.perf_counter() - started)
        doc_times.extend(per_doc)
    plain_s, our_s = statistics.median(plain_times), statistics.median(our_times)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"documents {len(pdfs)}  pages {pages}  runs {args.runs}")
    print(f"plain_pdfplumber_extract_tables  median {plain_s:.2f} s  {pages / plain_s:.1f} pages/s")
    print(f"budget_warehouse_extract         median {our_s:.2f} s  {pages / our_s:.1f} pages/s")
    print(
        f"seconds_per_document             median {statistics.median(doc_times):.2f} s  "
        f"max {max(doc_times):.2f} s"
    )
    print(f"peak_memory_mb                   {peak_mb:.0f}")
    print(f"extract_vs_plain_pdfplumber_ratio {our_s / plain_s:.2f}")


if __name__ == "__main__":
    main()

"""``bench_add_one``'s raw tree: the crawl's PDFs under the same relative paths (so the same
documents as the warehouse built from the crawl itself), and nothing else."""

from __future__ import annotations

from pathlib import Path

from bench.bench_add_one import link_tree
from orchestration.settings import discover_pdfs


def test_the_linked_tree_holds_the_crawls_documents_under_their_own_keys(tmp_path: Path) -> None:
    crawl = tmp_path / "crawl"
    (crawl / "002_北京").mkdir(parents=True)
    (crawl / "a.pdf").write_bytes(b"%PDF-1.4 a")
    (crawl / "002_北京" / "B.PDF").write_bytes(b"%PDF-1.4 b")
    (crawl / "002_北京" / "notes.txt").write_text("not a PDF")

    assert link_tree(crawl, tmp_path / "raw") == 2
    linked = discover_pdfs(tmp_path / "raw")
    assert sorted(linked) == sorted(discover_pdfs(crawl)) == ["002_北京/B.PDF", "a.pdf"]
    assert linked["002_北京/B.PDF"].read_bytes() == b"%PDF-1.4 b"
    assert linked["a.pdf"].is_symlink()

"""The report's page manifest: a page is written again only when what it shows changed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.report import pages
from orchestration.report.pages import PageRecord, page_keys, read_manifest, write_manifest


def _warehouse() -> duckdb.DuckDBPyConnection:
    """Two documents, a table each, a failed check of the first with its reconciliation row."""
    con = duckdb.connect()
    con.execute("create schema marts; create schema raw; create schema audit")
    con.execute(
        "create table marts.dim_document as select * from (values "
        "('d1', 'a.pdf', '审计局', timestamp '2026-12-07 09:00'), "
        "('d2', 'b.pdf', '统计局', timestamp '2026-12-07 09:00')) "
        "as t(document_id, source_file, department_name, loaded_at)"
    )
    con.execute(
        "create table raw.tables as select * from (values ('d1', 1, [3, 4]), ('d2', 1, [5])) "
        "as t(document_id, table_id, pages)"
    )
    con.execute(
        "create table marts.reconciliation_results as select * from (values "
        "('e1', 'd1', 'error', 7), ('e2', 'd2', 'pass', 2)) "
        "as t(evaluation_id, document_id, status, row_index)"
    )
    con.execute(
        "create table audit.validation_results as select * from (values "
        "(timestamp '2026-12-07 09:00', 'e1', 'd1', 'error', 12.30::decimal(20, 2)), "
        "(timestamp '2026-12-07 09:00', 'e2', 'd2', 'pass', 1.00::decimal(20, 2))) "
        "as t(validated_at, evaluation_id, document_id, status, observed_yuan)"
    )
    return con


def test_page_key_follows_content_not_build_time() -> None:
    con = _warehouse()
    keys = page_keys(con, "code")
    assert sorted(keys) == ["d1", "d2"] and keys["d1"] != keys["d2"]
    # revalidated and reloaded by a later build, the same findings: the same keys
    con.execute("update audit.validation_results set validated_at = validated_at + interval 1 hour")
    con.execute("update marts.dim_document set loaded_at = loaded_at + interval 1 hour")
    assert page_keys(con, "code") == keys
    assert page_keys(con, "other code") != keys
    # what a page shows changed: that page's key only
    con.execute("update marts.reconciliation_results set row_index = 8 where evaluation_id = 'e1'")
    changed = page_keys(con, "code")
    assert changed["d1"] != keys["d1"] and changed["d2"] == keys["d2"]
    con.execute("update raw.tables set pages = [6] where document_id = 'd2'")
    assert page_keys(con, "code")["d2"] != keys["d2"]
    con.execute(
        "update marts.dim_document set department_name = '统计局(本级)' where document_id = 'd2'"
    )
    assert page_keys(con, "code")["d1"] == changed["d1"]


def test_manifest_round_trip_and_damage(tmp_path: Path) -> None:
    records = {"d1.html": PageRecord("k1", ["a.png", "a.png"], ["x.pdf moved or was deleted"])}
    write_manifest(tmp_path, records)
    assert read_manifest(tmp_path) == records
    (tmp_path / ".pages.json").write_text("{not json", encoding="utf-8")
    assert read_manifest(tmp_path) == {}  # every page is written again


def test_validation_fingerprints_stand_for_the_audit_rows_of_per_document_suites(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With ``audit.validation_fingerprints``, a page key reads a document's fingerprint, not
    its failed rows — except those of corpus-level suites, which any build may rewrite."""
    con = _warehouse()
    con.execute("alter table audit.validation_results add column suite varchar default 'rec'")
    con.execute(
        "create table audit.validation_fingerprints as select * from (values "
        "('d1', 'v:3:1'), ('d2', 'v:1:2')) as t(document_key, fingerprint)"
    )
    keys = page_keys(con, "code")
    con.execute(
        "update audit.validation_fingerprints set fingerprint = 'v:3:9' where document_key = 'd1'"
    )
    refingerprinted = page_keys(con, "code")
    assert refingerprinted["d1"] != keys["d1"] and refingerprinted["d2"] == keys["d2"]

    con.execute("update audit.validation_results set observed_yuan = 1 where evaluation_id = 'e1'")
    assert page_keys(con, "code") == refingerprinted  # its fingerprint stands for it
    monkeypatch.setattr(pages, "corpus_suites", lambda: ["rec"])
    assert page_keys(con, "code")["d1"] != refingerprinted["d1"]  # a corpus suite's row: read


def test_corpus_suites_as_validation_reads_them() -> None:
    from orchestration.validation.suites import load_suites

    corpus = [suite.name for suite in load_suites() if suite.target.scope == "corpus"]
    assert pages.corpus_suites() == corpus

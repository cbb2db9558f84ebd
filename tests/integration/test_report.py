"""The HTML build report, opened from disk in a real headless Chromium (system browser)."""

from __future__ import annotations

import logging
import os
import re
import signal
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.helpers import BuildHelpers
from orchestration.report import write_report
from orchestration.report.build import ReportResult, illustrated
from orchestration.report.collect import collect
from orchestration.validation.worker import validation_worker
from tests.warehouse_build import writable_copy
from tools.browser import chromium


@pytest.fixture(scope="module")
def report(evidence_build) -> Path:
    index = evidence_build["warehouse"].parent / "report" / "index.html"
    assert index.exists(), evidence_build["output"]
    return index


#: A report drawn by the build process alone: its result and its files (``report_files``).
Alone = tuple[ReportResult, dict[str, bytes]]


@pytest.fixture(scope="module")
def alone(evidence_build, tmp_path_factory: pytest.TempPathFactory) -> Alone:
    """The evidence build's report drawn by the build process alone (drawn once: what the
    reports drawn with a worker's help are compared with)."""
    # as deep below the session's folder as a test's tmp_path/<name>: the page names the
    # warehouse and the PDFs by relative paths
    folder = tmp_path_factory.mktemp("alone") / "report"
    result = write_report(evidence_build["warehouse"], evidence_build["raw"], folder)
    return result, report_files(folder)


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_build_links_the_report(evidence_build, report: Path) -> None:
    assert evidence_build["exit"] == 1  # the tampered fixtures fail error-level checks
    assert f"Report: {report}" in evidence_build["output"]


def test_last_line_counts_each_error_once(evidence_build) -> None:
    """The failed suite checks summarise the audit table's error rows; they are not counted again."""
    [(errors, documents)] = rows(
        evidence_build["warehouse"],
        "select count(*), count(distinct source_file) from audit.validation_results "
        "where status = 'error'",
    )
    last = evidence_build["output"].strip().splitlines()[-1]
    assert errors > 0 and f"{errors} error-level findings in {documents} documents" in last, last


def test_browser_finds_every_document_failed_check_and_image(evidence_build, report: Path) -> None:
    warehouse = evidence_build["warehouse"]
    documents = rows(warehouse, "select source_file, status from marts.dim_document")
    errors = rows(
        warehouse,
        "select source_file, evaluation_id, rule from audit.validation_results "
        "where status = 'error' and evaluation_id is not null",
    )
    assert len(documents) == 3 and errors
    assert any(rule == "parent_equals_sum_of_children" for _, _, rule in errors)

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(report.as_uri())
        assert page.title() == "budget-warehouse build report"
        assert page.locator("h3", has_text="Checks by rule").count() == 1
        for source_file, status in documents:
            row = page.locator(f'#documents tr[data-document="{source_file}"]')
            assert row.count() == 1 and status in row.inner_text(), source_file
        for source_file, status in documents:  # each document on its own page
            page.goto(report.as_uri())
            page.locator(f'#documents tr[data-document="{source_file}"] a').click()
            section = page.locator(f'section[data-document="{source_file}"]')
            assert section.count() == 1, source_file
            assert status in section.locator("h2").inner_text()
            for _, evaluation_id, rule in (e for e in errors if e[0] == source_file):
                check = section.locator(f'.check.error[data-check="{evaluation_id}"]')
                assert check.count() == 1, (source_file, rule)
                image = check.locator("img")
                image.scroll_into_view_if_needed()
                image.evaluate("img => img.decode()")  # loaded from disk (file://), not broken
                width = image.evaluate("img => img.naturalWidth")
                assert width > 300, (source_file, rule, width)
        # the sample's one-cent warning: grouped by rule, with the first one's image
        page.goto(report.as_uri())
        page.locator(
            '#documents tr[data-document="shenzhen-futian_zhengshuju_2020_budget.pdf"] a'
        ).click()
        sample = page.locator('section[data-document="shenzhen-futian_zhengshuju_2020_budget.pdf"]')
        summary = sample.locator("summary", has_text="parent_equals_sum_of_children")
        summary.click()
        # the sample has two warning rules now (the cent also shows in facts_equal_printed_total)
        group = sample.locator(
            "details", has=page.locator("summary", has_text="parent_equals_sum_of_children")
        )
        warning = group.locator(".check.warn img")
        warning.evaluate("img => img.decode()")
        assert warning.evaluate("img => img.naturalWidth") > 300


def test_document_table_for_people(evidence_build, report: Path) -> None:
    """Relative paths only, amounts in 万元, a city column, errors counted in documents and in
    checks, and a table that sorts and filters in the browser (static script)."""
    warehouse = evidence_build["warehouse"]
    html = report.read_text(encoding="utf-8")
    assert str(warehouse.parent) not in html and str(evidence_build["raw"]) not in html
    [(error_checks, error_documents)] = rows(
        warehouse,
        "select count(*), count(distinct document_id) from audit.validation_results "
        "where status = 'error' and document_id is not null",
    )
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(report.as_uri())
        card = page.locator(".card[data-card='documents with errors'] b").inner_text()
        checks = page.locator(".card[data-card='error checks'] b").inner_text()
        assert (int(card), int(checks)) == (error_documents, error_checks)
        head = page.locator("#documents thead th").all_inner_texts()
        assert "city" in head and any("万元" in h for h in head)
        sample = page.locator(
            '#documents tr[data-document="shenzhen-futian_zhengshuju_2020_budget.pdf"]'
        )
        cells = sample.locator("td").all_inner_texts()
        assert cells[2] == "深圳市"  # 福田区 lies in the 地级市 深圳市
        assert "10,251.69" in cells  # 一般公共预算支出 102,516,900 元 in 万元 (key figure)
        page.fill("#filter", "futian")
        assert page.locator("#shown").inner_text() == "1"
        assert page.locator("#documents tbody tr:not([hidden])").count() == 1
        page.fill("#filter", "")
        [(with_errors,)] = rows(
            warehouse,
            "select count(*) from marts.document_reconciliation where reconciliation_status = 'errors'",
        )
        page.select_option("#status", "errors")
        assert with_errors > 0 and page.locator("#shown").inner_text() == str(with_errors)
        assert page.locator("#documents tbody tr").count() == with_errors
        page.select_option("#status", "")
        errors = page.locator("#documents th", has_text="errors")
        errors.click()
        errors.click()  # descending
        first = page.locator("#documents tbody tr").first
        assert int(first.locator("td").nth(9).inner_text()) == max(
            int(t) for t in page.locator("#documents tbody tr td:nth-child(10)").all_inner_texts()
        )


def test_rebuilding_the_report_renders_only_what_changed(evidence_build, tmp_path: Path) -> None:
    warehouse, raw = evidence_build["warehouse"], evidence_build["raw"]
    first = write_report(warehouse, raw, tmp_path / "report")
    assert first.rendered == first.images > 0 and not first.unavailable
    second = write_report(warehouse, raw, tmp_path / "report")
    assert second.rendered == 0 and second.images == first.images
    assert first.pages_written == first.documents == 3 and second.pages_written == 0
    changed = writable_copy(warehouse, tmp_path / "changed")  # one document's name changes
    with duckdb.connect(str(changed)) as con:
        con.execute(
            "update marts.dim_document set department_name = department_name || '(改)' "
            "where document_id = (select min(document_id) from marts.dim_document)"
        )
    third = write_report(changed, raw, tmp_path / "report")
    assert third.pages_written == 1 and third.rendered == 0 and third.images == first.images
    html = pages(tmp_path / "report")
    for name in (p.name for p in (tmp_path / "report" / "evidence").glob("*.png")):
        assert f"evidence/{name}" in html
    assert "表11政府采购项目支出预算表" in html


def test_report_says_when_a_pdf_is_gone(evidence_build, tmp_path: Path) -> None:
    result = write_report(evidence_build["warehouse"], tmp_path / "empty", tmp_path / "report")
    assert result.images == 0 and len(result.unavailable) == 3
    html = pages(tmp_path / "report")
    assert "no image: tampered_procurement_leaf.pdf moved or was deleted" in html


def test_the_validation_worker_draws_the_documents_it_claims(
    evidence_build, alone: Alone, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The worker's side alone: every document not claimed yet, each image as the build draws it."""
    warehouse, raw = evidence_build["warehouse"], evidence_build["raw"]
    alone_result, drawn = alone
    with duckdb.connect(str(warehouse), read_only=True) as con:
        groups = [(d.document_id, c) for d in collect(con).documents if (c := illustrated(d))]
    assert len(groups) == 3
    claims = tmp_path / "claims"
    claims.mkdir()
    (claims / "1").touch()  # the build took the second document
    folder = tmp_path / "worker" / "evidence"
    with validation_worker() as worker:
        assert worker is not None
        share = worker.report_images(warehouse, raw, folder, claims, groups)()
        # the report's images are a build's last request: the worker exits once it has answered
        assert worker._process.wait(timeout=60) == 0
        with caplog.at_level(logging.WARNING):
            run = BuildHelpers(worker=worker).validate(warehouse, None)
        assert run.validated_in == "build process"
        assert "it has had its last request" in caplog.text
    assert sorted(share.done) == [0, 2] and sorted(p.name for p in claims.iterdir()) == [
        "0",
        "1",
        "2",
    ]
    assert share.rendered == len(list(folder.glob("*.png"))) > 0
    for path in folder.glob("*.png"):
        assert path.read_bytes() == drawn[f"evidence/{path.name}"]
    assert {i.src for i in share.images.values()} <= {
        f"evidence/{p.name}" for p in folder.glob("*")
    }
    assert alone_result.images > share.rendered


def test_a_cli_build_report_drawn_by_two_processes_is_the_same(
    evidence_build, alone: Alone, tmp_path: Path
) -> None:
    warehouse, raw = evidence_build["warehouse"], evidence_build["raw"]
    with validation_worker() as worker:
        assert worker is not None
        shared = write_report(warehouse, raw, tmp_path / "shared", helper=worker.report_images)
    assert shared.rendered == shared.images and not shared.unavailable
    assert report_files(tmp_path / "shared") == alone[1]


def test_images_a_dead_worker_did_not_render_are_rendered_by_the_build(
    evidence_build, alone: Alone, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    warehouse, raw = evidence_build["warehouse"], evidence_build["raw"]
    with caplog.at_level(logging.WARNING), validation_worker() as worker:
        assert worker is not None
        os.kill(worker.pid, signal.SIGKILL)
        shared = write_report(warehouse, raw, tmp_path / "shared", helper=worker.report_images)
    assert f"validation worker (pid {worker.pid}, exit status -9)" in caplog.text
    assert "drawing them here" in caplog.text
    assert shared.images == shared.rendered == alone[0].images and not shared.unavailable
    assert report_files(tmp_path / "shared") == alone[1]


def pages(folder: Path) -> str:
    """The text of every page of a report: the index and the documents' pages."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.html")))


def report_files(folder: Path) -> dict[str, bytes]:
    """Every file of a report folder, the page without the folder's name and the time it was
    written (to the minute: two reports written seconds apart may be a minute apart)."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.*")}
    page = files["index.html"].replace(str(folder).encode(), b"FOLDER")
    files["index.html"] = re.sub(rb" built \d{4}-\d\d-\d\d \d\d:\d\d ", b" built TIME ", page)
    return files

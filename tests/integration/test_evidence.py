"""Evidence images: the printed cell of a check, found by its recorded bbox and rendered from the
real PDF (built by a real ``budget-warehouse build`` of the sample and the tampered fixtures)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pdfplumber
import pytest
from PIL import Image

from orchestration.evidence import Renderer, for_check, for_fact, for_page, locate_pdf
from orchestration.evidence.regions import SUMMED, TARGET
from orchestration.evidence.render import RESOLUTION

SCRIPT = Path(sys.executable).with_name("budget-warehouse")
SAMPLE_FILE = "shenzhen-futian_zhengshuju_2020_budget.pdf"
LEAF_FILE = "tampered_procurement_leaf.pdf"


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def failed_check(warehouse: Path, source_file: str, status: str, row_label: str) -> str:
    [(evaluation_id,)] = query(
        warehouse,
        "select evaluation_id from audit.validation_results where source_file = ? and status = ? "
        "and rule = 'parent_equals_sum_of_children' and row_label = ?",
        [source_file, status, row_label],
    )
    return evaluation_id


def cell_bboxes(warehouse: Path, evaluation_id: str) -> tuple[tuple, list[tuple]]:
    """The checked cell's recorded bbox and its child rows' cells (same column), from raw.cells."""
    rows = query(
        warehouse,
        """
        select c.row_index = r.row_index, c.page, c.x0, c.top, c.x1, c.bottom
        from marts.reconciliation_results as r
        inner join raw.rows as child
            on child.document_id = r.document_id and child.table_id = r.table_id
            and (child.row_index = r.row_index or child.parent_row_index = r.row_index)
        inner join raw.cells as c
            on c.document_id = r.document_id and c.table_id = r.table_id
            and c.row_index = child.row_index and c.column_index = r.column_index
        where r.evaluation_id = ?
        order by c.row_index
        """,
        [evaluation_id],
    )
    [target] = [row[1:] for row in rows if row[0]]
    return target, [row[1:] for row in rows if not row[0]]


def ink(image: Image.Image) -> list[bool]:
    """Dark pixels (printed text and rules), whatever the light highlight under them."""
    return [value < 110 for value in image.convert("L").tobytes()]


def _shifted(box: tuple[int, int, int, int], dx: int, dy: int) -> tuple[int, int, int, int]:
    left, upper, right, lower = box
    return (left + 5 + dx, upper + 5 + dy, right - 5 + dx, lower - 5 + dy)


def assert_shows_cell(rendered, pdf: Path, bbox: tuple, role: str) -> None:
    """The image marks the cell at the pixel box its recorded bbox maps to, and that box shows
    the same print as the PDF page rendered on its own at that bbox (not a blank page)."""
    page, x0, top, x1, bottom = bbox
    scale = RESOLUTION / 72
    [(crop, offset)] = [(crop, offset) for p, crop, offset in rendered.crops if p == page]
    assert crop[0] <= x0 and crop[1] <= top and x1 <= crop[2] and bottom <= crop[3]
    expected_box = (
        int((x0 - crop[0]) * scale),
        int((top - crop[1]) * scale) + offset,
        int((x1 - crop[0]) * scale),
        int((bottom - crop[1]) * scale) + offset,
    )
    assert (role, page, expected_box) in [(m.role, m.page, m.box) for m in rendered.marks]
    left, upper, right, lower = expected_box
    assert 0 <= left < right <= rendered.width and 0 <= upper < lower <= rendered.height
    image = Image.open(rendered.path).convert("RGB")
    assert image.size == (rendered.width, rendered.height)
    assert image.size[0] == pytest.approx((crop[2] - crop[0]) * scale, abs=2)
    with pdfplumber.open(pdf) as document:
        alone = document.pages[page - 1].to_image(resolution=RESOLUTION).original
    x, y = int(x0 * scale), int(top * scale)
    printed = ink(alone.crop((x + 5, y + 5, x + (right - left) - 5, y + (lower - upper) - 5)))
    assert sum(printed) > 20, "the cell prints nothing: wrong page or bbox"
    # The same print at the mark's box, give or take the one pixel of integer rounding.
    same = max(
        sum(
            a == b
            for a, b in zip(ink(image.crop(_shifted(expected_box, dx, dy))), printed, strict=True)
        )
        / len(printed)
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
    )
    assert same > 0.97, f"the image at the cell's box differs from the PDF ({same:.1%} alike)"
    colour = (220, 38, 38) if role == TARGET else (37, 99, 235)
    edge = [image.getpixel((left + dx, (upper + lower) // 2)) for dx in range(6)]
    assert any(max(abs(a - b) for a, b in zip(p, colour, strict=True)) < 40 for p in edge), edge


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    return Renderer(tmp_path_factory.mktemp("evidence-images"))


def test_sample_one_cent_warning_shows_the_services_subtotal(evidence_build, renderer) -> None:
    warehouse, raw = evidence_build["warehouse"], evidence_build["raw"]
    evaluation_id = failed_check(warehouse, SAMPLE_FILE, "warn", "C 服务类")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        evidence = for_check(con, evaluation_id[:10])
    assert evidence.pages == [31]
    assert "深圳市福田区数据管理中心 / C 服务类" in evidence.caption
    pdf = locate_pdf(evidence.document, raw)
    rendered = renderer.render(evidence, pdf)

    target, children = cell_bboxes(warehouse, evaluation_id)
    # 1,629.94 printed vs 30.87 + 1,404.71 + 63.00 + 131.37 = 1,629.95 (one cent)
    assert target == pytest.approx((31, 722.0986, 185.0, 801.8898, 200.75))
    assert len(children) == 4
    assert_shows_cell(rendered, pdf, target, TARGET)
    for child in children:
        assert_shows_cell(rendered, pdf, child, SUMMED)
    assert [m.role for m in rendered.marks].count(SUMMED) == 4


def test_tampered_a0302_error_shows_the_parent_and_its_lines(evidence_build, renderer) -> None:
    warehouse, raw = evidence_build["warehouse"], evidence_build["raw"]
    evaluation_id = failed_check(warehouse, LEAF_FILE, "error", "A0302 办公自动化设备")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        evidence = for_check(con, evaluation_id)
    pdf = locate_pdf(evidence.document, raw)
    assert pdf.name == LEAF_FILE
    rendered = renderer.render(evidence, pdf)

    target, children = cell_bboxes(warehouse, evaluation_id)
    assert target[0] == 30 and len(children) == 3  # 4.10 vs 2.40 + 0.90 + 8.80 (tampered)
    assert_shows_cell(rendered, pdf, target, TARGET)
    for child in children:
        assert_shows_cell(rendered, pdf, child, SUMMED)
    again = renderer.render(evidence, pdf)
    assert (again.path, again.rendered_now) == (rendered.path, False)  # cached by content


def test_fact_and_page_evidence(evidence_build, renderer) -> None:
    warehouse, raw = evidence_build["warehouse"], evidence_build["raw"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [(fact_id, page)] = con.execute(
            "select f.procurement_id, f.source_page from marts.fct_procurement as f "
            "join marts.dim_document as d using (document_id) where d.source_file = ? "
            "and f.procurement_category_code = 'A030204'",
            [SAMPLE_FILE],
        ).fetchall()
        fact = for_fact(con, "fct_procurement", fact_id)
        page_view = for_page(con, SAMPLE_FILE, 31, "服务类")
    pdf = locate_pdf(fact.document, raw)
    rendered = renderer.render(fact, pdf)
    assert fact.pages == [page] == [31]
    # the one cell whose amount is the fact's: 0.14 万元 = 1,400 元 (传真机)
    [target] = [m for m in rendered.marks if m.role == TARGET]
    assert "1400" in fact.caption
    assert target.box[2] - target.box[0] > 20
    # two rows labelled 服务类 on p.31 (one per unit)
    assert sum(m.role == TARGET for r in page_view.regions for m in r.marks) == 2


def run_show(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "show", *args], capture_output=True, text=True, timeout=300)


def test_show_command_renders_and_refuses_a_changed_or_missing_pdf(
    evidence_build, tmp_path: Path
) -> None:
    warehouse, raw = evidence_build["warehouse"], evidence_build["raw"]
    evaluation_id = failed_check(warehouse, LEAF_FILE, "error", "A0302 办公自动化设备")
    out = tmp_path / "a0302.png"

    done = run_show(
        evaluation_id, "--warehouse", str(warehouse), "--raw-dir", str(raw), "--out", str(out)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "A0302 办公自动化设备" in done.stdout and "sha256 verified" in done.stdout
    assert Image.open(out).size[0] > 500

    moved = tmp_path / "moved" / "elsewhere"
    moved.mkdir(parents=True)
    shutil.copy(raw / LEAF_FILE, moved / LEAF_FILE)
    done = run_show(evaluation_id, "--warehouse", str(warehouse), "--raw-dir", str(moved.parent))
    assert done.returncode == 0, done.stdout
    assert f"{LEAF_FILE} moved: read from {moved / LEAF_FILE}" in done.stdout

    changed = tmp_path / "changed"
    changed.mkdir()
    (changed / LEAF_FILE).write_bytes((raw / LEAF_FILE).read_bytes() + b"\n% edited\n")
    done = run_show(evaluation_id, "--warehouse", str(warehouse), "--raw-dir", str(changed))
    assert done.returncode == 1
    assert f"{changed / LEAF_FILE} changed since the build" in done.stdout

    done = run_show(
        evaluation_id, "--warehouse", str(warehouse), "--raw-dir", str(tmp_path / "none")
    )
    assert done.returncode == 1
    assert f"{LEAF_FILE} moved or was deleted" in done.stdout

    done = run_show(
        SAMPLE_FILE,
        "--page",
        "31",
        "--row",
        "服务类",
        "--warehouse",
        str(warehouse),
        "--raw-dir",
        str(raw),
    )
    assert done.returncode == 0 and done.stdout.strip().endswith(".png"), done.stdout


def test_negative_three_public_fact_shows_its_cell(evidence_build, renderer) -> None:
    """The fact-level error (公务接待费 printed -2.00) leads to the printed cell of the fact."""
    warehouse, raw = evidence_build["warehouse"], evidence_build["raw"]
    [(asset, fact_id)] = query(
        warehouse,
        "select asset, evaluation_id from audit.validation_results "
        "where rule = 'non_negative_amount' and status = 'error'",
    )
    [bbox] = query(
        warehouse,
        "select c.page, c.x0, c.top, c.x1, c.bottom from marts.fct_three_public_expenditure f "
        "join raw.cells c on c.document_id = f.document_id and c.table_id = f.source_table_id "
        "and c.row_index = f.source_row_index and c.value = -2 where f.three_public_id = ?",
        [fact_id],
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        evidence = for_fact(con, asset, fact_id)
    assert evidence.pages == [32] and "-20000" in evidence.caption
    pdf = locate_pdf(evidence.document, raw)
    rendered = renderer.render(evidence, pdf)
    assert [m.role for m in rendered.marks].count(TARGET) == 1
    assert_shows_cell(rendered, pdf, bbox, TARGET)

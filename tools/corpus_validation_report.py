"""Validate the real corpus and write ``docs/corpus_validation_report.md``.

Builds a throw-away warehouse from every PDF of the corpus (extraction cached by content hash →
raw tables → ``dbt build``), runs the committed Great Expectations suites on it and writes, per
document, how many rule evaluations passed, warned and failed, then every error with its evidence
(file, page, table, unit / row, expected vs observed). Errors are sorted into true publishing
errors and our own extraction mistakes by the curated ``DIAGNOSES`` below (reviewed against the
PDFs); an error no diagnosis matches is listed as "not yet reviewed". Tolerances are never
widened to make an error go away.

Usage: ``python -m tools.corpus_validation_report [--corpus DIR] [--out FILE] [--cache DIR]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.extract.document import EXTRACTOR_VERSION
from orchestration.formatting import format_amount
from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.validation.results import ValidationResult, ValidationRun
from orchestration.validation.runner import collect_validation
from orchestration.warehouse.extract_cache import read_extract
from orchestration.warehouse.extract_pool import extract_all
from orchestration.warehouse.raw_store import replace_documents

DEFAULT_CORPUS = PROJECT_ROOT.parent / "shared" / "corpus" / "real"
DEFAULT_OUT = PROJECT_ROOT / "docs" / "corpus_validation_report.md"
DEFAULT_CACHE = PROJECT_ROOT / "warehouse" / ".cache" / "extracts"
PUBLISHING = "publishing error"
EXTRACTION = "extraction mistake"


@dataclass(frozen=True)
class Diagnosis:
    """Why errors of one file (and table, and rule) happen — checked against the PDF."""

    source_file: str
    kind: str  # PUBLISHING or EXTRACTION
    explanation: str
    table: str = ""  # substring of the table label ("" = any)
    rule: str = ""  # rule name prefix ("" = any)

    def matches(self, result: ValidationResult) -> bool:
        return (
            result.source_file == self.source_file
            and self.table in (result.table_label or "")
            and (result.rule or "").startswith(self.rule)
        )


DIAGNOSES: tuple[Diagnosis, ...] = (
    Diagnosis(
        "xian_renshe_2020_budget.pdf",
        PUBLISHING,
        "表1/表4: the income side adds 上年结转 90.57 万元 to 本年收入合计 to reach 收入总计, but the "
        "expenditure side prints 本年支出合计 equal to 本年收入合计 and no 结转下年 line, while its "
        "支出总计 still includes the 90.57 — the expenditure column does not add up (QUIRKS: "
        "本年支出合计 182,066.56 vs 支出总计 182,157.13).",
        rule="income_equals_expenditure",
    ),
    Diagnosis(
        "xian_renshe_2020_budget.pdf",
        PUBLISHING,
        "表2/表3: units carrying 上年结转 (242001 60.37, 242005 3.82, 242010 26.38 万元) print a "
        "部门预算/合计 that leaves it out, while the table's 合计 row (182,157.13) includes it; the "
        "unit rows therefore sum 90.57 below the 合计 row (reported as a gap warning).",
        rule="row_total_equals_sum_of_columns",
    ),
    Diagnosis(
        "xian_renshe_2020_budget.pdf",
        PUBLISHING,
        "表2/表3: the same 上年结转 90.57 万元 is in the 合计 row but in none of the units' 合计 "
        "(see the row-total errors above).",
        table="表2",
        rule="total_row_equals_sum_of_rows",
    ),
    Diagnosis(
        "xian_renshe_2020_budget.pdf",
        PUBLISHING,
        "表2/表3: the same 上年结转 90.57 万元 is in the 合计 row but in none of the units' 合计 "
        "(see the row-total errors above).",
        table="表3",
        rule="total_row_equals_sum_of_rows",
    ),
    Diagnosis(
        "xian_renshe_2020_budget.pdf",
        EXTRACTION,
        "表5/表7 (p.33, p.38): 款 codes are printed as 2-digit fragments ('10 人力资源事务', "
        "'03 职业教育'); the extractor keeps them unprefixed, so 款 rows become top-level rows beside "
        "their 类 and the 合计 row is compared with 类 + 款 (double). Prefix a fragment with the "
        "enclosing 类 code.",
        rule="total_row_equals_sum_of_rows",
    ),
    Diagnosis(
        "xian_renshe_2020_budget.pdf",
        EXTRACTION,
        "表12 procurement (p.46): the 数量 (quantity) column is typed as an amount, and item rows "
        "merging several cells in one text span ('208 01 08 242001 …') are parented under the wrong "
        "row — the quantity total 1,865,015 and 预算金额 are compared across unrelated rows.",
        table="表12",
    ),
    Diagnosis(
        "xian_renshe_2020_budget.pdf",
        EXTRACTION,
        "Narrative p.25: the vehicle-operation pattern matches the economic breakdown sentence "
        "('…公务接待费2万元,委托业务费…,公务用车运行维护费12万元') instead of the 三公 chapter.",
        rule="narrative_three_public_vehicle_operation",
    ),
    Diagnosis(
        "central_guojiaxinfangju_2024_final.pdf",
        EXTRACTION,
        "Narrative p.24 (final accounts): '“三公”经费财政拨款支出预算为76.43万元，2024年度支出决算为"
        "46.21万元' — the total pattern takes the budget figure stated first; 公开09表 (p.15) prints "
        "决算数/合计 46.21, as the sentence's 决算 figure says.",
        rule="narrative_three_public_total",
    ),
    Diagnosis(
        "changsha_xinfangju_2026_budget.pdf",
        EXTRACTION,
        "类 | 款 | 项 code columns (p.13, 14, 17): a 款 row prints only its own part ('40 信访事务'); "
        "the extractor does not prefix the 类 ('201' → '20140'), so 款 rows sit at the top level and "
        "the 合计 row is compared with 类 + 款 (exactly double).",
        rule="total_row_equals_sum_of_rows",
    ),
    Diagnosis(
        "hangzhou_qixiangju_2026_budget.pdf",
        EXTRACTION,
        "表2 (p.16): the department row and its first unit row share the name 杭州市气象局 (QUIRKS); "
        "both are typed 'unit', so the 合计 row is compared with department + units (double).",
        table="表2",
        rule="total_row_equals_sum_of_rows",
    ),
    Diagnosis(
        "hangzhou_qixiangju_2026_budget.pdf",
        EXTRACTION,
        "表3 / 表5 (p.17, p.19) print no codes, only names indented by level; the extractor does not "
        "derive the hierarchy from the indentation, so 类, 款 and 项 rows are all top-level and the 合计 "
        "row is compared with their sum (triple).",
        table="表",
        rule="total_row_equals_sum_of_rows",
    ),
    Diagnosis(
        "hangzhou_qixiangju_2026_budget.pdf",
        EXTRACTION,
        "表10 project table (p.24): its 合计 row carries the label in the 项目名称 column and is not "
        "recognised as a total; the first project row is typed 'department' and the second 'unit', so "
        "the department/units rule and the project-table figure read single projects.",
        table="表10",
    ),
    Diagnosis(
        "hangzhou_qixiangju_2026_budget.pdf",
        EXTRACTION,
        "Narrative p.5: the total-income pattern matches '财政拨款收支总预算5,753.07万元' (the "
        "appropriation summary) rather than the department's 收入总计 5,876.67.",
        rule="narrative_total_income",
    ),
    Diagnosis(
        "suzhou_shenjiju_2026_budget.pdf",
        EXTRACTION,
        "公开13表 procurement (p.22): inside each 货物/服务 group the unit subtotal row "
        "('苏州市审计局') is typed as an item, so the group is compared with unit subtotal + its own "
        "items (double).",
        table="公开13表",
    ),
    Diagnosis(
        "fuzhou_shangwuju_2026_budget.pdf",
        EXTRACTION,
        "Narrative p.27: the total-expenditure pattern matches '政府性基金预算支出1800.00万元' (one fund) "
        "instead of the department's 支出总计 24,995.94.",
        rule="narrative_total_expenditure",
    ),
    Diagnosis(
        "foshan_guidaojiaotongju_2019_final.pdf",
        EXTRACTION,
        "Narrative p.26 (final accounts): the reception pattern skips '公务接待费支出决算为0.16万元' "
        "and captures '完成预算0万元' further on.",
        rule="narrative_three_public_official_reception",
    ),
)


def diagnose(result: ValidationResult) -> Diagnosis | None:
    return next((d for d in DIAGNOSES if d.matches(result)), None)


def build_warehouse(pdfs: Sequence[Path], database: Path, cache: Path, workdir: Path) -> None:
    """Extract (cached), load the raw tables, ``dbt build`` — as the pipeline does."""
    done = extract_all(pdfs, cache, workers=2)
    with duckdb.connect(str(database)) as con:
        replace_documents(con, [read_extract(done[pdf][0]) for pdf in pdfs])
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt), "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
        str(DBT_PROJECT_DIR), "--target-path", str(workdir / "target"), "--log-path",
        str(workdir / "logs"), "--quiet",
    ]  # fmt: skip
    env = {**os.environ, "BUDGET_DBT_DATABASE": str(database)}
    # Failing dbt tests must not stop the report; a model that did not build must.
    done_dbt = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    with duckdb.connect(str(database), read_only=True) as con:
        built = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'reconciliation_results'"
        ).fetchone()[0]
    if not built:
        raise RuntimeError(f"dbt build did not build the marts:\n{done_dbt.stdout[-4000:]}")


def documents(database: Path) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "select source_file, status, coalesce(department_name, ''), fiscal_year, "
            "coalesce(status_reason, '') from marts.dim_document order by source_file"
        ).fetchall()


def _cell(text: object) -> str:
    return "" if text is None else str(text).replace("|", "/").replace("\n", " ")


def _evidence(results: Iterable[ValidationResult], with_diagnosis: bool = False) -> list[str]:
    head = "| page | table | unit / row | column | expected | observed | difference | rule |"
    rule = "|---:|---|---|---|---:|---:|---:|---|"
    if with_diagnosis:
        head, rule = "| document " + head + " diagnosis |", "|---" + rule + "---|"
    lines = [head, rule]
    for r in sorted(
        results,
        key=lambda r: (r.source_file or "", r.source_page or 0, r.table_label or "", r.rule),
    ):
        diagnosis = diagnose(r)
        extra_before = (r.source_file,) if with_diagnosis else ()
        extra_after = (diagnosis.kind if diagnosis else "",) if with_diagnosis else ()
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    *extra_before,
                    r.source_page,
                    r.table_label,
                    " / ".join(x for x in (r.unit_name, r.row_label) if x),
                    r.column_label,
                    format_amount(r.expected_yuan),
                    format_amount(r.observed_yuan),
                    format_amount(r.difference_yuan),
                    r.rule,
                    *extra_after,
                )
            )
            + " |"
        )
    return lines


def render(run: ValidationRun, docs: Sequence[tuple], corpus_label: str) -> str:
    """The markdown report."""
    by_file: dict[str, list[ValidationResult]] = {}
    for result in run.results:
        by_file.setdefault(result.source_file or "(no document)", []).append(result)
    errors = run.errors
    diagnosed = {id(r): diagnose(r) for r in errors}
    kinds = Counter(d.kind if d else "not yet reviewed" for d in diagnosed.values())
    out = [
        "# Corpus validation report",
        "",
        f"Generated by `python -m tools.corpus_validation_report` on {dt.date.today()} over "
        f"{len(docs)} PDFs in `{corpus_label}` (extractor {EXTRACTOR_VERSION}). Every rule and "
        "tolerance is described in [validation.md](validation.md): a difference up to 0.01 万元 × "
        "the number of amounts summed is a rounding warning, a printed parent above its children "
        "is a gap warning (withheld lines), anything else is an error.",
        "",
        f"**{len(run.results)} rule evaluations: {len(run.results) - len(errors) - len(run.warnings)}"
        f" passed, {len(run.warnings)} warnings, {len(errors)} errors** — "
        f"{kinds[PUBLISHING]} publishing errors in the PDFs, {kinds[EXTRACTION]} caused by our "
        f"extraction, {kinds['not yet reviewed']} not yet reviewed.",
        "",
        "## Per document",
        "",
        "| document | department | year | status | evaluations | passed | warnings | errors "
        "| of which publishing | of which extraction |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for source_file, status, department, year, reason in docs:
        results = by_file.get(source_file, [])
        counts = Counter(r.status for r in results)
        mine = [diagnosed[id(r)] for r in results if r.status == "error"]
        out.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    source_file,
                    department,
                    year,
                    status if status == "loaded" else f"{status}: {reason}",
                    len(results),
                    counts["pass"],
                    counts["warn"],
                    counts["error"],
                    sum(1 for d in mine if d and d.kind == PUBLISHING),
                    sum(1 for d in mine if d and d.kind == EXTRACTION),
                )
            )
            + " |"
        )
    for kind, heading in (
        (PUBLISHING, "Publishing errors (the PDF does not add up)"),
        (EXTRACTION, "Errors caused by our extraction (to fix in the extractor)"),
        ("not yet reviewed", "Errors not yet reviewed"),
    ):
        chosen = [
            r
            for r in errors
            if (diagnosed[id(r)].kind if diagnosed[id(r)] else "not yet reviewed") == kind
        ]
        if not chosen:
            continue
        out += ["", f"## {heading}", ""]
        groups: dict[tuple[str, str], list[ValidationResult]] = {}
        for r in chosen:
            d = diagnosed[id(r)]
            groups.setdefault((r.source_file or "", d.explanation if d else ""), []).append(r)
        for (source_file, explanation), results in sorted(groups.items()):
            out += [f"### {source_file}", ""]
            if explanation:
                out += [explanation, ""]
            out += _evidence(results)
            out.append("")
    gaps = [
        r
        for r in run.warnings
        if r.difference_yuan is not None and abs(r.difference_yuan) > (r.tolerance_yuan or 0)
    ]
    out += [
        "",
        "## Gaps (printed parent above its printed children)",
        "",
        "Warnings, not errors: disclosures may withhold lines (部分具体项目信息公开时予以剔除); the fact "
        "tables carry the difference as a residual row.",
        "",
        *(_evidence(gaps, with_diagnosis=True) if gaps else ["None."]),
        "",
        "## Rounding warnings per document",
        "",
    ]
    rounding_lines = [
        f"- {name}: {count}"
        for name, count in sorted(
            Counter(r.source_file for r in run.warnings if r not in gaps).items()
        )
    ]
    out += rounding_lines or ["None."]
    out += [
        "",
        "## Extraction problems worked around by the validation",
        "",
        "- Row-number columns (行次, 栏次) of the 决算 templates (central_guojiaxinfangju_2024_final, "
        "foshan_guidaojiaotongju_2019_final: 公开01表/公开04表, 表1/表4) are typed as amount columns "
        "by the extractor; the rules skip columns labelled 行次/栏次/序号/编号.",
        "- Column-number rows ('栏次 1 2 3', '** 1 2 3') reach the row tables (changsha 表8, "
        "hangzhou 表8/表9, suzhou 公开11表, central 2024 公开07/08表); the rules skip them.",
        "- Title lines leak into header paths ('部门:苏州市审计局/合计', '单位:万元/上年结转结余/…', "
        "'编制单位:上海市审计局/…'), which splits one header tree into several; column totals are "
        "then checked within each part only.",
    ]
    return "\n".join(out).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of PDFs")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="markdown report to write")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="extract cache folder")
    args = parser.parse_args(argv)
    pdfs = sorted(args.corpus.glob("*.pdf"))
    if not pdfs:
        parser.error(f"no PDFs in {args.corpus}")
    with tempfile.TemporaryDirectory(prefix="corpus-validation-") as folder:
        workdir = Path(folder)
        database = workdir / "corpus.duckdb"
        build_warehouse(pdfs, database, args.cache, workdir)
        run = collect_validation(database)
        docs = documents(database)
    try:
        label = os.path.relpath(args.corpus.resolve(), PROJECT_ROOT)
    except ValueError:
        label = args.corpus.name
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(run, docs, label), encoding="utf-8")
    print(f"{args.out}: {len(run.results)} evaluations, {len(run.errors)} errors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

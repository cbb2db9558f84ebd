"""Build the wide crawl and write ``docs/wide_corpus_report.md`` and ``docs/wide_corpus_report.json``.

Runs ``budget-warehouse build`` on a folder of downloads exactly as a new user would (``make
corpus``), then reads the published warehouse: per file its kind, status and reason, the
error-level and warning checks of every loaded document, the verification of every (document,
fact table) pair (``marts.fact_verification``), per publisher (the crawl's city folder) and fact
table: loaded, clean, verified / contradicted / unverified; the errors by rule, by class
(``document_inconsistent`` / ``extraction_suspect``), by table type and by publisher, and every
remaining error with its evidence (page, printed total, what it should equal), its class and
diagnosis — a publishing error, or an extraction limit — from ``tools/wide_corpus_diagnoses.yaml`` (reviewed against the PDFs; an error no diagnosis
matches is listed as "not yet reviewed"). Every ``document_inconsistent`` error is read again
from its page (:mod:`orchestration.evidence.page_check`) and listed as confirmed on the page or
not (a suspect of ours), with a link to the report's image of it. Tolerances are never widened
to make an error go away.

The JSON holds the extractor version and the sha256 of every corpus file, so a test can tell
cheaply whether the report is current without rebuilding the corpus.

Usage: ``python -m tools.wide_corpus_report [--corpus DIR] [--warehouse FILE] [--no-build]
[--baseline FILE]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pdfplumber
import yaml

from orchestration.evidence.page_check import PageCheck, check_on_page
from orchestration.evidence.regions import EvidenceNotFound, check_evidence
from orchestration.evidence.render import Renderer
from orchestration.evidence.show import images_folder
from orchestration.evidence.source import SourceDocument, SourceUnavailable, locate_pdf
from orchestration.formatting import format_amount
from orchestration.settings import PROJECT_ROOT
from tools.wide_corpus_completeness import read_completeness, render_completeness

DEFAULT_CORPUS = PROJECT_ROOT.parent / "shared" / "corpus" / "wide"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "warehouse" / "wide" / "budget.duckdb"
MARKDOWN = PROJECT_ROOT / "docs" / "wide_corpus_report.md"
JSON_REPORT = PROJECT_ROOT / "docs" / "wide_corpus_report.json"
DIAGNOSES = Path(__file__).with_name("wide_corpus_diagnoses.yaml")
PUBLISHING, EXTRACTION, UNREVIEWED = "publishing error", "extraction limit", "not yet reviewed"


@dataclass(frozen=True)
class Diagnosis:
    """Why the errors of one file (and table, and rule) happen — checked against the PDF."""

    path: str  # path inside the corpus, or a suffix of it
    kind: str  # PUBLISHING or EXTRACTION
    explanation: str
    table: str = ""  # substring of the table label ("" = any)
    rule: str = ""  # rule name prefix ("" = any)

    def matches(self, error: dict[str, Any]) -> bool:
        return (
            error["path"].endswith(self.path)
            and self.table in (error["table"] or "")
            and error["rule"].startswith(self.rule)
        )


def load_diagnoses(path: Path = DIAGNOSES) -> list[Diagnosis]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for entry in entries:
        if entry["kind"] not in {PUBLISHING, EXTRACTION}:
            raise ValueError(f"{path}: kind must be {PUBLISHING!r} or {EXTRACTION!r}: {entry}")
    return [Diagnosis(**entry) for entry in entries]


def corpus_files(corpus: Path) -> dict[str, str]:
    """Path inside the corpus → sha256, for every ``*.pdf`` below it (as the CLI finds them)."""
    return {
        pdf.relative_to(corpus).as_posix(): hashlib.sha256(pdf.read_bytes()).hexdigest()
        for pdf in sorted(corpus.rglob("*.pdf"))
        if pdf.is_file()
    }


def build(corpus: Path, warehouse: Path, workers: int | None) -> str:
    """``budget-warehouse build`` as a user runs it; exit status 1 (errors found) is expected."""
    cli = Path(sys.executable).with_name("budget-warehouse")
    command = [str(cli), "build", "--raw-dir", str(corpus), "--warehouse", str(warehouse)]
    if workers:
        command += ["--workers", str(workers)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if not warehouse.exists():
        raise RuntimeError(f"the build published no warehouse:\n{done.stdout[-4000:]}")
    return done.stdout


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """Column names of ``marts.<table>`` (empty when the warehouse predates it)."""
    return {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = ?",
            [table],
        ).fetchall()
    }


@dataclass
class Reading:
    """What the report reads from a published warehouse."""

    documents: list[dict[str, Any]]  # with check counts, status and extractor version
    errors: list[dict[str, Any]]  # error-level checks, with their class
    verification: list[dict[str, Any]]  # per document and fact table
    big_warnings: int  # warnings with a difference above 1 % and above 1 万元


def read_warehouse(warehouse: Path) -> Reading:
    """Documents, error-level checks and verification of a published warehouse; an older
    warehouse without verification or error classes reads them as empty."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = _columns(con, "dim_document")
        kind = "d.document_kind" if "document_kind" in columns else "null"
        disclosure = "d.disclosure_id" if "disclosure_id" in columns else "d.document_id"
        documents = _rows(
            con,
            f"""
            select d.document_id, d.sha256, d.source_file, d.status, d.status_reason,
                d.extractor_version,
                {kind} as kind,
                {disclosure} as disclosure_id,
                count(r.evaluation_id) as evaluations,
                count(r.evaluation_id) filter (where r.status = 'error') as errors,
                count(r.evaluation_id) filter (where r.status = 'warn') as warnings,
                any_value(s.reconciliation_status) as reconciliation_status
            from marts.dim_document as d
            left join marts.reconciliation_results as r using (document_id)
            left join marts.document_reconciliation as s using (document_id)
            group by all
            """,
        )
        results = _columns(con, "reconciliation_results")
        error_class = "error_class" if "error_class" in results else "null"
        errors = _rows(
            con,
            f"""
            select document_id, evaluation_id, rule, table_type, table_label as "table",
                source_page as page, unit_name, row_label, column_label, expected_yuan,
                observed_yuan, difference_yuan, detail, {error_class} as error_class
            from marts.reconciliation_results
            where status = 'error'
            order by source_file, source_page, table_id, row_index, column_index, rule, evaluation_id
            """,
        )
        verification = (
            _rows(
                con,
                "select document_id, fact_table, verification_status, unverified_reason, "
                "error_class from marts.fact_verification order by all",
            )
            if _columns(con, "fact_verification")
            else []
        )
        big_warnings = con.execute(
            "select count(*) from marts.reconciliation_results where status = 'warn' "
            "and abs(difference_yuan) > 10000 and abs(difference_yuan) > 0.01 * abs(expected_yuan)"
        ).fetchone()[0]
    return Reading(documents, errors, verification, big_warnings)


FACT_TABLES = (
    "fct_budget_revenue",
    "fct_budget_expenditure",
    "fct_basic_expenditure",
    "fct_procurement",
    "fct_three_public_expenditure",
)
VERIFICATION_STATUSES = ("verified", "contradicted", "unverified")
ERROR_CLASSES = ("document_inconsistent", "extraction_suspect")


def _publisher(path: str) -> str:
    """The crawl's city folder of a corpus path."""
    return path.split("/")[0] if "/" in path else "—"


def summarise(files: dict[str, str], reading: Reading) -> dict[str, Any]:
    """The JSON report: extractor version, corpus hashes, per-file fate, checks and
    verification, totals, and per publisher and fact table."""
    by_sha = {d["sha256"]: d for d in reading.documents}
    verification: dict[str, dict[str, str]] = {}
    for row in reading.verification:
        verification.setdefault(row["document_id"], {})[row["fact_table"]] = row[
            "verification_status"
        ]
    classes: dict[str, Counter] = {}
    for error in reading.errors:
        classes.setdefault(error["document_id"], Counter())[error["error_class"] or "—"] += 1
    per_file = []
    for path, sha in files.items():
        doc = by_sha.get(sha, {})
        loaded = doc.get("status") == "loaded"
        per_file.append(
            {
                "path": path,
                "sha256": sha,
                "status": doc.get("status"),
                "kind": doc.get("kind"),
                "reason": doc.get("status_reason"),
                "errors": doc.get("errors", 0) if loaded else None,
                "warnings": doc.get("warnings", 0) if loaded else None,
                "evaluations": doc.get("evaluations", 0) if loaded else None,
                "reconciliation_status": doc.get("reconciliation_status") if loaded else None,
                "errors_by_class": dict(classes.get(doc.get("document_id"), {})),
                "verification": verification.get(doc.get("document_id"), {}) if loaded else {},
                "disclosure": doc.get("disclosure_id") or path,
            }
        )
    loaded = [f for f in per_file if f["status"] == "loaded"]
    clean = [f for f in loaded if f["errors"] == 0]
    # A split disclosure (情况说明 + 报表附件 as two files) is one disclosure: clean when
    # both of its files are.
    disclosures: dict[str, bool] = {}
    for f in loaded:
        disclosures[f["disclosure"]] = disclosures.get(f["disclosure"], True) and f["errors"] == 0
    pairs = Counter(status for f in loaded for status in f["verification"].values())
    versions = sorted({d["extractor_version"] for d in reading.documents if d["extractor_version"]})
    return {
        # the extractor that built the warehouse read (not necessarily the checkout's)
        "extractor_version": ",".join(versions),
        "corpus_sha256": files,
        "files": per_file,
        "summary": {
            "files": len(per_file),
            "loaded": len(loaded),
            "rejected": sum(f["status"] == "rejected" for f in per_file),
            "clean_loaded": len(clean),
            "clean_share": round(len(clean) / len(loaded), 4) if loaded else None,
            "disclosures": len(disclosures),
            "clean_disclosures": sum(disclosures.values()),
            "clean_disclosure_share": (
                round(sum(disclosures.values()) / len(disclosures), 4) if disclosures else None
            ),
            "errors": len(reading.errors),
            "errors_by_rule": dict(Counter(e["rule"] for e in reading.errors).most_common()),
            "errors_by_class": dict(
                Counter(e["error_class"] or "—" for e in reading.errors).most_common()
            ),
            "fact_table_pairs": sum(pairs.values()),
            "fact_table_pairs_by_status": {k: pairs[k] for k in VERIFICATION_STATUSES},
            "verified_share": (
                round(pairs["verified"] / sum(pairs.values()), 4) if pairs else None
            ),
            "reconciliation_status": dict(
                Counter(f["reconciliation_status"] for f in loaded).most_common()
            ),
            "reconciled_with_nothing_checked": sum(
                f["reconciliation_status"] == "reconciled" and not f["evaluations"] for f in loaded
            ),
            "material_warnings": reading.big_warnings,
        },
        "by_publisher": _by_publisher(loaded),
    }


def _by_publisher(loaded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per publisher (crawl folder) and fact table: documents with facts in it, how many are
    clean, verified / contradicted / unverified, and the errors of those documents by class."""
    rows = []
    for publisher in sorted({_publisher(f["path"]) for f in loaded}):
        files = [f for f in loaded if _publisher(f["path"]) == publisher]
        for fact_table in FACT_TABLES:
            having = [f for f in files if fact_table in f["verification"]]
            statuses = Counter(f["verification"][fact_table] for f in having)
            rows.append(
                {
                    "publisher": publisher,
                    "fact_table": fact_table,
                    "loaded": len(having),
                    "clean": sum(f["errors"] == 0 for f in having),
                    **{status: statuses[status] for status in VERIFICATION_STATUSES},
                }
            )
    return rows


def _cell(value: object) -> str:
    return "" if value is None else str(value).replace("|", "/").replace("\n", " ")


def _count_table(title: str, counts: Counter, baseline: Counter | None = None) -> list[str]:
    if baseline is None:
        lines = [f"| {title} | errors |", "|---|---:|"]
        return lines + [f"| {_cell(k)} | {v} |" for k, v in counts.most_common()]
    lines = [f"| {title} | before | now |", "|---|---:|---:|"]
    keys = sorted(set(counts) | set(baseline), key=lambda k: (-counts[k], -baseline[k], str(k)))
    return lines + [f"| {_cell(k)} | {baseline[k]} | {counts[k]} |" for k in keys]


def render(
    report: dict[str, Any],
    errors: list[dict[str, Any]],
    diagnoses: list[Diagnosis],
    baseline: dict[str, Any] | None = None,
) -> str:
    """The Markdown report."""
    s = report["summary"]
    share = f"{s['clean_share']:.0%}" if s["clean_share"] is not None else "—"
    lines = [
        "# Wide crawl: what becomes of every file, and do the facts agree with their document",
        "",
        "Generated by `make corpus` (`python -m tools.wide_corpus_report`) from a build of "
        f"`../shared/corpus/wide/` with extractor {report['extractor_version']}; the JSON beside "
        "this file holds the same per-file results. A test fails when the extractor or the corpus "
        "changes without this report being regenerated.",
        "",
        f"- {s['files']} files: {s['loaded']} loaded, {s['rejected']} rejected.",
        f"- {s['clean_loaded']} of {s['loaded']} loaded documents ({share}) have no error-level "
        f"check; {s['errors']} error-level checks in all.",
        f"- {s['clean_disclosures']} of {s['disclosures']} loaded disclosures "
        f"({s['clean_disclosure_share']:.0%}) have no error-level check (a split disclosure's "
        "two files count once).",
        f"- Documents with errors: {s['publishing_only']} whose every error is a diagnosed "
        f"publishing error, {s['with_extraction_limits']} with an extraction limit, "
        f"{s['with_unreviewed']} with an error not yet reviewed.",
        *_verification_lines(s),
        f"- `document_inconsistent` errors read again from their page: "
        f"{s.get('document_inconsistent_confirmed_on_page', 0)} confirmed, "
        f"{s.get('document_inconsistent_not_confirmed', 0)} not confirmed (suspects of ours).",
        "",
    ]
    by_rule = Counter({k: v for k, v in s["errors_by_rule"].items()})
    before = None
    if baseline is not None:
        b = baseline["summary"]
        before = Counter(b["errors_by_rule"])
        lines += [
            f"Before (baseline build): {b['loaded']} loaded, {b['clean_loaded']} clean "
            f"({b['clean_share']:.0%}), {b['errors']} errors, "
            f"{b['reconciled_with_nothing_checked']} reconciled with nothing checked, "
            f"{b['material_warnings']} warnings above 1 % and 1 万元.",
            "",
        ]
    lines += ["## Errors by rule", "", *_count_table("rule", by_rule, before), ""]
    lines += [
        "## Errors by class",
        "",
        "`document_inconsistent`: the document contradicts itself (the figures compared are both "
        "read as printed; the publisher's arithmetic is off). `extraction_suspect`: our facts "
        "contradict the page (a figure printed consistently elsewhere, a factor of 10⁴ or 2) — "
        "see docs/validation.md.",
        "",
        *_count_table("error class", Counter(s["errors_by_class"])),
        "",
        *_publisher_lines(report),
        "## Errors by table type",
        "",
        *_count_table("table type", Counter(e["table_type"] for e in errors)),
        "",
        "## Errors by publisher (crawl folder)",
        "",
        *_count_table("publisher", Counter(e["path"].split("/")[0] for e in errors)),
        "",
        "## Files by kind and status",
        "",
        "| kind | loaded | clean | rejected |",
        "|---|---:|---:|---:|",
    ]
    kinds = sorted({f["kind"] or "—" for f in report["files"]})
    for kind in kinds:
        group = [f for f in report["files"] if (f["kind"] or "—") == kind]
        loaded = [f for f in group if f["status"] == "loaded"]
        lines.append(
            f"| {kind} | {len(loaded)} | {sum(f['errors'] == 0 for f in loaded)} | "
            f"{sum(f['status'] == 'rejected' for f in group)} |"
        )
    lines += [
        "",
        "## Every file",
        "",
        "| file | kind | status | errors | warnings | reason |",
        "|---|---|---|---:|---:|---|",
    ]
    for f in report["files"]:
        lines.append(
            f"| {_cell(f['path'])} | {_cell(f['kind'])} | {_cell(f['status'])} | "
            f"{_cell(f['errors'])} | {_cell(f['warnings'])} | {_cell(f['reason'])} |"
        )
    lines += ["", *_confirmed_lines(errors)]
    lines += [
        "",
        "## Every remaining error, with its diagnosis",
        "",
        "Evidence: the page, the printed total and what it should equal (sum of its parts or the "
        "other table). Diagnoses are reviewed against the PDFs (`tools/wide_corpus_diagnoses.yaml`).",
        "",
    ]
    if not errors:
        lines.append("None.")
    current = None
    for error in errors:
        diagnosis = next((d for d in diagnoses if d.matches(error)), None)
        if error["path"] != current:
            current = error["path"]
            lines += ["", f"### {current}", ""]
        verdict = f"**{diagnosis.kind}**: {diagnosis.explanation}" if diagnosis else UNREVIEWED
        where = " · ".join(
            _cell(x)
            for x in (
                f"p.{error['page']}" if error["page"] else None,
                error["table"],
                error["unit_name"],
                error["row_label"],
                error["column_label"],
            )
            if x
        )
        lines.append(
            f"- `{error['rule']}` {where}: printed {format_amount(error['expected_yuan'])}, "
            f"sum {format_amount(error['observed_yuan'])} — `{error['error_class']}`; {verdict}"
        )
    return "\n".join(lines) + "\n"


def _verification_lines(s: dict[str, Any]) -> list[str]:
    """The summary's verification bullets."""
    if not s["fact_table_pairs"]:
        return ["- No verification in this warehouse (built before `fact_verification`)."]
    by = s["fact_table_pairs_by_status"]
    return [
        f"- {by['verified']} of {s['fact_table_pairs']} (document, fact table) pairs "
        f"({s['verified_share']:.0%}) verified against an independent printed figure, "
        f"{by['contradicted']} contradicted, {by['unverified']} unverified "
        "(`marts.fact_verification`).",
        "- Documents by reconciliation status: "
        + ", ".join(f"{k} {v}" for k, v in s["reconciliation_status"].items())
        + f"; {s['reconciled_with_nothing_checked']} reconciled with nothing checked.",
        f"- Warnings with a difference above 1 % and above 1 万元: {s['material_warnings']}.",
    ]


def _publisher_lines(report: dict[str, Any]) -> list[str]:
    """Per publisher and fact table: documents with facts, clean, verification outcomes."""
    lines = [
        "## Verification by publisher and fact table",
        "",
        "Documents with facts in the table; clean: without an error-level check.",
        "",
        "| publisher | fact table | documents | clean | verified | contradicted | unverified |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["by_publisher"]:
        if row["loaded"]:
            lines.append(
                f"| {row['publisher']} | {row['fact_table']} | {row['loaded']} | {row['clean']} | "
                f"{row['verified']} | {row['contradicted']} | {row['unverified']} |"
            )
    classes: dict[str, Counter] = {}
    for f in report["files"]:
        if f["status"] == "loaded":
            counts = classes.setdefault(_publisher(f["path"]), Counter(loaded=0, clean=0))
            counts.update(loaded=1, clean=int(f["errors"] == 0), **f["errors_by_class"])
    lines += [
        "",
        "| publisher | loaded | clean | document_inconsistent errors | extraction_suspect errors |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {publisher} | {c['loaded']} | {c['clean']} | {c['document_inconsistent']} | "
            f"{c['extraction_suspect']} |"
            for publisher, c in sorted(classes.items())
        ),
        "",
    ]
    unverified = [
        (f["path"], table)
        for f in report["files"]
        for table, status in f["verification"].items()
        if status == "unverified"
    ]
    if unverified:
        lines += ["Unverified (no independent printed figure; reason in `fact_verification`):", ""]
        lines += [f"- {path} · {table}" for path, table in unverified]
        lines.append("")
    return lines


def _count_verdicts(
    report: dict[str, Any], errors: list[dict[str, Any]], diagnoses: list[Diagnosis]
) -> None:
    """Per document with errors, its worst verdict: not yet reviewed, an extraction limit, or
    only publishing errors (the document contradicts itself; no extraction fixes that)."""
    verdicts: dict[str, set[str]] = {}
    for error in errors:
        diagnosis = next((d for d in diagnoses if d.matches(error)), None)
        verdicts.setdefault(error["path"], set()).add(diagnosis.kind if diagnosis else UNREVIEWED)
    s = report["summary"]
    s["publishing_only"] = sum(v == {PUBLISHING} for v in verdicts.values())
    s["with_extraction_limits"] = sum(EXTRACTION in v for v in verdicts.values())
    s["with_unreviewed"] = sum(UNREVIEWED in v for v in verdicts.values())


def confirm_on_page(
    warehouse: Path, corpus: Path, errors: list[dict[str, Any]], links_from: Path
) -> None:
    """Read every ``document_inconsistent`` error's figures again from its page
    (:mod:`orchestration.evidence.page_check`): set ``confirmed_on_page``, ``page_check`` (what
    the page prints) and ``image`` (the report's evidence image, relative to ``links_from``)."""
    wanted = {e["evaluation_id"] for e in errors if e["error_class"] == "document_inconsistent"}
    renderer = Renderer(images_folder(warehouse))
    checks: dict[str, tuple[PageCheck, str]] = {}
    hashes: dict[Path, str] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        results = _rows(
            con,
            "select * from marts.reconciliation_results where status = 'error' "
            "order by document_id, evaluation_id",
        )
        pdf, opened = None, None
        for result in (r for r in results if r["evaluation_id"] in wanted):
            try:
                if opened != result["document_id"]:
                    if pdf is not None:
                        pdf.close()
                    source = SourceDocument.load(con, result["document_id"])
                    pdf = pdfplumber.open(locate_pdf(source, corpus, hashes))
                    opened = result["document_id"]
                image = renderer.path_for(check_evidence(con, result))
                link = Path(os.path.relpath(image, links_from)).as_posix()
                checks[result["evaluation_id"]] = (check_on_page(con, result, pdf), link)
            except (SourceUnavailable, EvidenceNotFound, OSError) as exc:
                checks[result["evaluation_id"]] = (PageCheck(False, None, None, str(exc)), "")
        if pdf is not None:
            pdf.close()
    for error in errors:
        if error["evaluation_id"] in checks:
            check, link = checks[error["evaluation_id"]]
            error.update(confirmed_on_page=check.confirmed, page_check=check.note, image=link)


def count_confirmed(report: dict[str, Any], errors: list[dict[str, Any]]) -> None:
    """The summary's page confirmation counts and, per file, its confirmed errors."""
    checked = [e for e in errors if "confirmed_on_page" in e]
    s = report["summary"]
    s["document_inconsistent_confirmed_on_page"] = sum(e["confirmed_on_page"] for e in checked)
    s["document_inconsistent_not_confirmed"] = sum(not e["confirmed_on_page"] for e in checked)
    report["document_inconsistent_errors"] = [
        {
            "path": e["path"],
            "page": e["page"],
            "rule": e["rule"],
            "table": e["table"],
            "row": e["row_label"],
            "column": e["column_label"],
            "printed_yuan": e["expected_yuan"],
            "compared_yuan": e["observed_yuan"],
            "confirmed_on_page": e["confirmed_on_page"],
            "page_check": e["page_check"],
            "image": e["image"],
        }
        for e in checked
    ]


def _confirmed_lines(errors: list[dict[str, Any]]) -> list[str]:
    """Every ``document_inconsistent`` error with the page's own reading of its figures."""
    checked = [e for e in errors if "confirmed_on_page" in e]
    confirmed = sum(e["confirmed_on_page"] for e in checked)
    lines = [
        "## Errors where the document contradicts itself, read again from the page",
        "",
        "Each `document_inconsistent` error is read again from its page, independently of the "
        "table extraction's values (`orchestration/evidence/page_check.py`): the checked cell "
        "must print the figure; for a row total no sum of the numbers printed in its line may "
        "give it; for a parent or total row the cells summed, read from the page, must add up to "
        "the sum compared; a check across tables looks for each figure on the pages it cites. "
        "**Confirmed**: the page "
        "itself is inconsistent (a publisher's error). **Not confirmed**: the page does not bear "
        "the error out — a suspect of ours.",
        "",
        f"{confirmed} of {len(checked)} confirmed on the page; "
        f"{len(checked) - confirmed} not confirmed (suspects of ours).",
        "",
        "| file | page | rule | where | printed | compared with | on the page | image |",
        "|---|---:|---|---|---:|---:|---|---|",
    ]
    for e in checked:
        where = " · ".join(_cell(x) for x in (e["table"], e["row_label"], e["column_label"]) if x)
        verdict = "**confirmed**" if e["confirmed_on_page"] else "not confirmed: suspect of ours"
        image = f"[image]({e['image']})" if e["image"] else "—"
        lines.append(
            f"| {_cell(e['path'])} | {_cell(e['page'])} | `{e['rule']}` | {where} | "
            f"{format_amount(e['expected_yuan'])} | {format_amount(e['observed_yuan'])} | "
            f"{verdict} ({_cell(e['page_check'])}) | {image} |"
        )
    return lines


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    parser.add_argument("--no-build", action="store_true", help="report on the existing warehouse")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--baseline", type=Path, help="an earlier build's warehouse to compare")
    parser.add_argument("--markdown", type=Path, default=MARKDOWN)
    parser.add_argument("--json", type=Path, default=JSON_REPORT)
    args = parser.parse_args(argv)
    corpus = args.corpus.resolve()
    if not corpus.is_dir():
        parser.error(f"corpus folder not found: {corpus}")
    if not args.no_build:
        print(build(corpus, args.warehouse, args.workers)[-3000:])
    files = corpus_files(corpus)
    reading = read_warehouse(args.warehouse)
    report = summarise(files, reading)
    errors = reading.errors
    path_of = {
        d["document_id"]: next((p for p, sha in files.items() if sha == d["sha256"]), "")
        for d in reading.documents
    }
    for error in errors:
        error["path"] = path_of.get(error["document_id"], "")
    _count_verdicts(report, errors, load_diagnoses())
    confirm_on_page(args.warehouse, corpus, errors, args.markdown.parent)
    count_confirmed(report, errors)
    baseline = None
    if args.baseline:
        baseline = summarise(files, read_warehouse(args.baseline))
    report["completeness"] = read_completeness(args.warehouse, path_of)
    args.json.write_text(
        json.dumps(report, ensure_ascii=False, indent=1, default=_json_default) + "\n",
        encoding="utf-8",
    )
    markdown = render(report, errors, load_diagnoses(), baseline)
    markdown += "\n" + "\n".join(render_completeness(report["completeness"]))
    args.markdown.write_text(markdown, encoding="utf-8")
    s = report["summary"]
    print(
        f"{s['loaded']} loaded, {s['rejected']} rejected; {s['clean_loaded']} clean "
        f"({s['clean_share']}); {s['errors']} errors ({s['errors_by_class']}); "
        f"verified {s['verified_share']} of {s['fact_table_pairs']} pairs "
        f"→ {args.markdown}, {args.json}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

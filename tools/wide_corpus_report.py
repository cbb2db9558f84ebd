"""Build the wide crawl and write ``docs/wide_corpus_report.md`` and ``docs/wide_corpus_report.json``.

Runs ``budget-warehouse build`` on a folder of downloads exactly as a new user would (``make
corpus``), then reads the published warehouse: per file its kind, status and reason, the
error-level and warning checks of every loaded document, the errors by rule, by table type and
by publisher (the crawl's city folder), and every remaining error with its evidence (page,
printed total, what it should equal) and diagnosis — a publishing error, or an extraction limit
— from ``tools/wide_corpus_diagnoses.yaml`` (reviewed against the PDFs; an error no diagnosis
matches is listed as "not yet reviewed"). Tolerances are never widened to make an error go away.

The JSON holds the extractor version and the sha256 of every corpus file, so a test can tell
cheaply whether the report is current without rebuilding the corpus.

Usage: ``python -m tools.wide_corpus_report [--corpus DIR] [--warehouse FILE] [--no-build]
[--baseline FILE]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import yaml

from orchestration.formatting import format_amount
from orchestration.settings import PROJECT_ROOT

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


def read_warehouse(warehouse: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(documents with their check counts and extractor version, error-level checks) of a
    published warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = {
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'marts' and table_name = 'dim_document'"
            ).fetchall()
        }
        kind = "d.document_kind" if "document_kind" in columns else "null"
        disclosure = "d.disclosure_id" if "disclosure_id" in columns else "d.document_id"
        documents = _rows(
            con,
            f"""
            select d.document_id, d.sha256, d.source_file, d.status, d.status_reason,
                d.extractor_version,
                {kind} as kind,
                {disclosure} as disclosure_id,
                count(r.evaluation_id) filter (where r.status = 'error') as errors,
                count(r.evaluation_id) filter (where r.status = 'warn') as warnings
            from marts.dim_document as d
            left join marts.reconciliation_results as r using (document_id)
            group by all
            """,
        )
        errors = _rows(
            con,
            """
            select document_id, rule, table_type, table_label as "table", source_page as page,
                unit_name, row_label, column_label, expected_yuan, observed_yuan,
                difference_yuan, detail
            from marts.reconciliation_results
            where status = 'error'
            order by source_file, source_page, table_id, row_index, column_index, rule
            """,
        )
    return documents, errors


def summarise(
    files: dict[str, str], documents: list[dict[str, Any]], errors: list[dict[str, Any]]
) -> dict[str, Any]:
    """The JSON report: extractor version, corpus hashes, per-file fate and checks, totals."""
    by_sha = {d["sha256"]: d for d in documents}
    per_file = []
    for path, sha in files.items():
        doc = by_sha.get(sha, {})
        per_file.append(
            {
                "path": path,
                "sha256": sha,
                "status": doc.get("status"),
                "kind": doc.get("kind"),
                "reason": doc.get("status_reason"),
                "errors": doc.get("errors", 0) if doc.get("status") == "loaded" else None,
                "warnings": doc.get("warnings", 0) if doc.get("status") == "loaded" else None,
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
    versions = sorted({d["extractor_version"] for d in documents if d["extractor_version"]})
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
            "errors": len(errors),
            "errors_by_rule": dict(Counter(e["rule"] for e in errors).most_common()),
        },
    }


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
        "",
    ]
    by_rule = Counter({k: v for k, v in s["errors_by_rule"].items()})
    before = None
    if baseline is not None:
        b = baseline["summary"]
        before = Counter(b["errors_by_rule"])
        lines += [
            f"Before (baseline build): {b['loaded']} loaded, {b['clean_loaded']} clean "
            f"({b['clean_share']:.0%}), {b['errors']} errors.",
            "",
        ]
    lines += ["## Errors by rule", "", *_count_table("rule", by_rule, before), ""]
    lines += [
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
            f"sum {format_amount(error['observed_yuan'])} — {verdict}"
        )
    return "\n".join(lines) + "\n"


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
    documents, errors = read_warehouse(args.warehouse)
    report = summarise(files, documents, errors)
    path_of = {
        d["document_id"]: next((p for p, sha in files.items() if sha == d["sha256"]), "")
        for d in documents
    }
    for error in errors:
        error["path"] = path_of.get(error["document_id"], "")
    _count_verdicts(report, errors, load_diagnoses())
    baseline = None
    if args.baseline:
        baseline = summarise(files, *read_warehouse(args.baseline))
    args.json.write_text(
        json.dumps(report, ensure_ascii=False, indent=1, default=_json_default) + "\n",
        encoding="utf-8",
    )
    args.markdown.write_text(render(report, errors, load_diagnoses(), baseline), encoding="utf-8")
    s = report["summary"]
    print(
        f"{s['loaded']} loaded, {s['rejected']} rejected; {s['clean_loaded']} clean "
        f"({s['clean_share']}); {s['errors']} errors → {args.markdown}, {args.json}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

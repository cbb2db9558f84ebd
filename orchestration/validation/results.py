"""What a validation produces: one :class:`ValidationResult` per rule evaluation, the GE outcome
of each expectation, and the :class:`ValidationRun` holding both.

:class:`ValidationResult` is the schema of ``audit.validation_results``: the table's columns, their
order and SQL types are derived from its fields (see :mod:`.audit`). The evaluations of a table
whose rows are rule evaluations (``marts.reconciliation_results``: ~400 per document) are not
held in Python: the audit write selects them in SQL (:class:`EvaluationTable`), and the run
holds their counts and first failures.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # scope imports pandas: the up-to-date path must not
    from .scope import ValidationScope

#: Outcome of one evaluation, as the reconciliation models write it.
Status = Literal["pass", "warn", "error"]
#: Severity of a finding in the audit table (``info`` for a pass).
Severity = Literal["error", "warning", "info"]
#: Severity of a Great Expectations expectation.
GeSeverity = Literal["critical", "warning", "info"]
#: Whose error an error-level finding is: the document contradicts itself (our reading agrees
#: with the page; the publisher's arithmetic is off) or our facts contradict the page.
ErrorClass = Literal["document_inconsistent", "extraction_suspect"]
#: The source file of a finding that names no document, in per-document counts.
NO_FILE = "(no document)"


@dataclass(frozen=True)
class ValidationResult:
    """One rule evaluation: one row of ``audit.validation_results``."""

    suite: str
    asset: str  # warehouse table the evaluation reports on, e.g. marts.fct_procurement
    expectation: str  # the GE expectation that enforces it
    rule: str
    severity: Severity
    status: Status
    document_id: str | None
    source_file: str | None
    table_type: str | None
    table_label: str | None
    source_page: int | None
    unit_name: str | None
    row_label: str | None
    column_label: str | None
    expected_yuan: Decimal | None
    observed_yuan: Decimal | None
    difference_yuan: Decimal | None
    tolerance_yuan: Decimal | None
    items_summed: int | None
    detail: str | None
    evaluation_id: str | None
    error_class: ErrorClass | None = None  # errors only


@dataclass(frozen=True)
class EvaluationTable:
    """A suite's table whose rows are rule evaluations (``split_column`` set): its audit rows are
    a projection of its rows (:func:`.audit.evaluation_rows`), written by SQL."""

    suite: str
    schema: str
    table: str
    id_column: str
    split_column: str
    assets: tuple[tuple[str, str], ...]  # split value → asset (table name in ``schema``)
    default_asset: str
    columns: frozenset[str]  # the table's columns
    per_document: bool  # rows of the validated documents only (else every row)


@dataclass(frozen=True)
class ExpectationOutcome:
    """What GE concluded for one expectation of one suite on one batch (asset)."""

    suite: str
    asset: str
    expectation: str
    rule: str
    severity: GeSeverity
    success: bool
    element_count: int
    unexpected_count: int


#: Failures a run holds as objects, per suite, asset and status (the first, in file, page and
#: rule order) — of the documents not validated again and of the evaluation tables validated
#: now: what the checks' metadata lists. The rest are counted, never read into Python — at 10⁴
#: documents they are ~10⁵ rows.
KEPT_LISTED = 50


@dataclass(frozen=True)
class KeptAudit:
    """The audit rows of the documents not validated again: the number of rows per ``(suite,
    asset, status)`` and the first :data:`KEPT_LISTED` failures (status other than ``pass``) of
    each."""

    failures: list[ValidationResult] = field(default_factory=list)
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def count(self, status: str, suite: str | None = None, asset: str | None = None) -> int:
        """Kept rows of ``status`` (of one suite and asset, if given)."""
        return sum(
            n
            for (s, a, st), n in self.counts.items()
            if st == status and suite in (None, s) and asset in (None, a)
        )


#: Fields of :func:`document_order`, as the audit SQL orders a check's first failures.
LISTED_ORDER = (
    "source_file",
    "source_page",
    "table_label",
    "row_label",
    "column_label",
    "rule",
    "evaluation_id",
)


def document_order(result: ValidationResult) -> tuple[tuple[bool, object], ...]:
    """Sort key: a result's place in its document (empty fields last, as in SQL), the same in
    full and incremental builds — unlike write order."""
    return tuple(((v := getattr(result, name)) is None, v) for name in LISTED_ORDER)


@dataclass
class ValidationRun:
    """Everything one validation produced.

    ``results``, ``evaluated`` and ``outcomes`` are those of the documents validated now
    (``scope``): ``results`` the rows held in Python (the fact checks), ``evaluated`` the
    evaluation tables whose rows the audit write selects in SQL — ``listed`` holds their first
    failures and ``counted`` their rows per ``(suite, asset, status)``. The audit rows of the
    other documents stay in the warehouse, and ``kept`` holds their failures so that ``errors``,
    ``warnings``, ``passed`` and :meth:`for_asset` describe the whole warehouse.
    """

    results: list[ValidationResult]
    outcomes: list[ExpectationOutcome]
    validated_at: dt.datetime
    data_docs_index: Path | None = None
    documents: dict[str, str] = field(default_factory=dict)  # document_id -> source_file
    validated_in: str = "build process"  # or "validation worker (pid N)"
    scope: ValidationScope | None = None  # None: every document, the audit table replaced
    kept: KeptAudit = field(default_factory=KeptAudit)
    evaluated: list[EvaluationTable] = field(default_factory=list)
    listed: list[ValidationResult] = field(default_factory=list)
    counted: dict[tuple[str, str, str], int] = field(default_factory=dict)
    #: evaluations of ``evaluated`` per ``(source file, status)``
    counted_per_file: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def failures(self) -> list[ValidationResult]:
        """The failures held: this run's (of evaluation tables the first listed) and the kept
        ones listed."""
        return [r for r in (*self.results, *self.listed, *self.kept.failures) if r.status != "pass"]

    @property
    def validated(self) -> int:
        """Rule evaluations of this run (the documents validated now)."""
        return len(self.results) + sum(self.counted.values())

    def document_counts(self) -> dict[str, Counter[str]]:
        """This run's rule evaluations per source file, by status."""
        counts: dict[str, Counter[str]] = {}
        for result in self.results:
            counts.setdefault(result.source_file or NO_FILE, Counter())[result.status] += 1
        for (source_file, status), rows in self.counted_per_file.items():
            counts.setdefault(source_file, Counter())[status] += rows
        return dict(sorted(counts.items()))

    @property
    def passed(self) -> bool:
        """True when no critical (error-severity) expectation failed and no kept row is an
        error."""
        return all(o.success for o in self.outcomes if o.severity == "critical") and not (
            self.kept.count("error")
        )

    @property
    def errors(self) -> list[ValidationResult]:
        """Error rows: this run's and the kept ones listed (``kept.failures``)."""
        return [r for r in self.failures if r.status == "error"]

    @property
    def warnings(self) -> list[ValidationResult]:
        """Warning rows: this run's and the kept ones listed (``kept.failures``)."""
        return [r for r in self.failures if r.status == "warn"]

    def count(self, status: str, suite: str | None = None, asset: str | None = None) -> int:
        """Rows of ``status`` in the audit table once this run is written (of one suite and
        asset, if given)."""
        new = sum(
            1
            for r in self.results
            if r.status == status and suite in (None, r.suite) and asset in (None, r.asset)
        )
        counted = sum(
            n
            for (s, a, st), n in self.counted.items()
            if st == status and suite in (None, s) and asset in (None, a)
        )
        return new + counted + self.kept.count(status, suite, asset)

    @property
    def evaluations(self) -> int:
        """Rule evaluations in the audit table once this run is written."""
        return self.validated + sum(self.kept.counts.values())

    @property
    def documents_validated(self) -> int:
        """Documents (with rows or without) the per-document suites validated now."""
        if self.scope is None:
            return len(self.documents)
        changed = self.scope.changed
        return len(self.scope.fingerprints if changed is None else changed)

    def for_asset(
        self, suite: str, asset: str
    ) -> tuple[list[ExpectationOutcome], list[ValidationResult], int]:
        """Outcomes, failures and results of one suite on one asset (``schema.table``), in
        document order, and its number of evaluations (kept rows included)."""
        outcomes = [o for o in self.outcomes if o.suite == suite and o.asset == asset]
        results = sorted(
            (
                r
                for r in (*self.results, *self.listed, *self.kept.failures)
                if r.suite == suite and r.asset == asset
            ),
            key=document_order,
        )
        counts = (*self.kept.counts.items(), *self.counted.items())
        held = sum(n for (s, a, _), n in counts if s == suite and a == asset)
        new = sum(1 for r in self.results if r.suite == suite and r.asset == asset)
        return outcomes, results, new + held

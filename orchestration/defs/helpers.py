"""The ``helpers`` resource: what a CLI build started ahead, handed to the assets that use it.

``budget-warehouse build`` starts three helpers: before it imports Dagster the extraction head
start (:mod:`~orchestration.warehouse.head_start`) and the validation worker
(:mod:`~orchestration.validation.worker`), after it a prepared dbt process
(:mod:`~orchestration.prepared_dbt`). It passes them to its run as this resource, which
``document_extracts``, the dbt step, the validation step and the report receive as a parameter. The
definitions' own resource is empty — under ``dagster dev``, sensors, schedules and tests each
asset does the work itself, as it does when a helper fails.

A bare Python object as a Dagster resource (``ResourceParam[BuildHelpers]``): it holds running
processes, not configuration.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..children import PREPARED_DBT_ENV
from ..validation.results import ValidationRun
from ..validation.worker import ValidationWorker, WorkerFailed
from ..warehouse.head_start import HeadStart

log = logging.getLogger("budget_warehouse.progress")

#: A validation's key: the working database's path, size and mtime, and the Data Docs folder.
State = tuple[str, int, int, str]


class BuildHelpers:
    """The head start, the validation worker and the prepared dbt process's folder of one CLI
    build (each None when absent), and the validations of the working database this process
    ran, by state of the file."""

    def __init__(
        self,
        head_start: HeadStart | None = None,
        worker: ValidationWorker | None = None,
        prepared_dbt: Path | None = None,
    ) -> None:
        self._head_start = head_start
        self._worker = worker
        self._prepared_dbt = prepared_dbt
        self._validations: dict[State, ValidationRun] = {}

    def take_head_start(self) -> HeadStart | None:
        """The extraction head start, to the first who asks (the run's extraction)."""
        head, self._head_start = self._head_start, None
        return head

    def take_prepared_dbt(self) -> dict[str, str]:
        """The environment that hands the next ``budget-warehouse-dbt`` to the prepared dbt
        process, to the first who asks (the dbt step's first ``dbt build``); empty without."""
        folder, self._prepared_dbt = self._prepared_dbt, None
        return {} if folder is None else {PREPARED_DBT_ENV: str(folder)}

    def validate(self, database: Path, data_docs_dir: Path | None) -> ValidationRun:
        """Validate ``database``: in the worker when there is one, else in this process. A
        failed worker is reported (a warning naming the reason) and not asked again."""
        worker = self._worker
        if worker is not None:
            try:
                return worker.validate(database, data_docs_dir)
            except WorkerFailed as failed:
                self._worker = None
                log.warning(f"{failed}\n  validating in the build process instead")
        from ..validation.runner import collect_validation

        return collect_validation(database, data_docs_dir)

    def validate_ahead(self) -> Callable[[Path, Path | None], None] | None:
        """The worker's :meth:`~ValidationWorker.validate_ahead`; None without a worker."""
        return None if self._worker is None else self._worker.validate_ahead

    def image_helper(self) -> Callable[..., Callable[[], Any]] | None:
        """The worker as the report's second renderer of evidence images (its validation is
        done by then, and it imported the renderer while it waited); None without a worker."""
        return None if self._worker is None else self._worker.report_images

    def validated(self, state: State) -> ValidationRun:
        """The validation of the working database in ``state`` (validated once per state)."""
        if state not in self._validations:
            self.remember(state, self.validate(Path(state[0]), Path(state[3])))
        return self._validations[state]

    def remember(self, state: State, run: ValidationRun) -> None:
        """``run`` holds for the working database in ``state`` too (the last two are kept)."""
        self._validations[state] = run
        while len(self._validations) > 2:
            del self._validations[next(iter(self._validations))]

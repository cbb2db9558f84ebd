"""Validation: reconciliation rules (dbt) and fact checks enforced by Great Expectations suites.

- :mod:`.suites`: the committed suites (``expectations/*.json``) and what each validates;
- :mod:`.scope`: which documents changed since the audit rows were computed (fingerprints);
- :mod:`.runner`: ``collect_validation`` runs them over a warehouse, read-only;
- :mod:`.results`: what a run produces (``ValidationRun``, ``ValidationResult``);
- :mod:`.audit`: ``audit.validation_results``, its schema and ``write_validation_results``;
- :mod:`.report`: readable findings;
- :mod:`.worker`: the validation worker process a CLI build starts first, which imports Great
  Expectations while the build extracts and validates when asked.

The Dagster checks and the audit-table asset are in :mod:`orchestration.defs.validation_assets`.
"""

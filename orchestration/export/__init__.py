"""The warehouse's marts as files that travel: one Parquet or CSV file per table and a
Frictionless ``datapackage.json`` describing them (``budget-warehouse export``)."""

from .package import ExportResult, export_warehouse

__all__ = ["ExportResult", "export_warehouse"]

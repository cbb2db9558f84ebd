"""The raw store on DuckLake (the distributed profile): a PostgreSQL catalog, Parquet data files.

``connection`` attaches the lake, ``raw_loads`` appends extracts insert-only with a load id and
models each document's latest load as the ``raw`` schema dbt reads, ``snapshot_publish`` copies a
pinned snapshot to the BI file, ``maintenance`` compacts and expires. Nothing here is imported by
the embedded build.
"""

"""The distributed profile: extraction as batch partitions on Celery workers, Dagster's instance
on PostgreSQL, extracts in a shared store (fsspec). ``docs/scale.md`` describes it; the embedded
default never imports this package."""

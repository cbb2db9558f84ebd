"""The Dagster code location's building blocks, one concern per module."""

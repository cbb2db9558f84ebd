"""Loading extracts into DuckDB, running dbt and publishing the warehouse file."""

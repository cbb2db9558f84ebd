"""The subcommands of ``budget-warehouse`` (one module each; ``orchestration.cli`` lists them)."""

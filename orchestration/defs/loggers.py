"""The console logger of every run: Dagster's colored console logger, at INFO by default.

Dagster's own default is DEBUG: a line for every step, output, materialization and check event
(hundreds per build). A run's config may still set ``loggers.console.config.log_level``.
"""

from __future__ import annotations

import logging

from dagster import Field, InitLoggerContext, colored_console_logger, logger


@logger(
    config_schema={
        "log_level": Field(str, is_required=False, default_value="INFO"),
        "name": Field(str, is_required=False, default_value="dagster"),
    },
    description="Dagster's colored console logger at INFO.",
)
def console_logger(init_context: InitLoggerContext) -> logging.Logger:
    return colored_console_logger.logger_fn(init_context)

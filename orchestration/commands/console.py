"""Console output: control characters shown escaped, paths below the current folder relative, and
library chatter sent to the build log instead of the terminal."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import warnings
from pathlib import Path
from typing import TextIO

# C0/C1 controls (escape sequences, carriage returns, bells…) and the surrogates Python uses for
# the bytes of a file name that is not valid UTF-8.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
#: Progress lines come from the assets, which know absolute paths only.
PROGRESS_LOGGER = "budget_warehouse.progress"
_LIBRARY_LOGGERS = ("pdfminer", "dagster_dbt", "dagster")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: one undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` on one line, every control character and undecodable byte escaped (``\\x1b``)."""
    return _UNPRINTABLE.sub(_escape, str(text))


def printable_lines(text: object) -> list[str]:
    """Each line of ``text`` made printable."""
    return [printable(line) for line in str(text).splitlines() or [""]]


def shown(path: os.PathLike[str] | str) -> str:
    """A path as printed: relative when it is below the current folder, else absolute."""
    path, here = Path(path), Path.cwd()
    if here == Path(here.anchor) or not path.is_relative_to(here):
        return printable(path)
    return printable(path.relative_to(here))


def relative_paths(text: str) -> str:
    """``text`` with every absolute path below the current folder made relative."""
    here = Path.cwd()
    if here == Path(here.anchor):
        return text
    return re.sub(rf"(?<![\w./-]){re.escape(str(here))}/", "", text)


class _ProgressHandler(logging.Handler):
    def __init__(self, out: TextIO) -> None:
        super().__init__(logging.INFO)
        self.out = out

    def emit(self, record: logging.LogRecord) -> None:
        mark = "warning: " if record.levelno >= logging.WARNING else ""
        message = relative_paths(printable(record.getMessage()))
        print(f"  {mark}{message}", file=self.out, flush=True)


class build_console:
    """Print the build's progress lines to ``out``; send library output (dbt's log, pdfminer and
    Dagster chatter, tracebacks) to ``log_file`` instead."""

    def __init__(self, out: TextIO, log_file: Path) -> None:
        self.out = out
        self.log_file = log_file
        self.progress = logging.getLogger(PROGRESS_LOGGER)
        self.quiet = [logging.getLogger(name) for name in _LIBRARY_LOGGERS]
        self.stack = contextlib.ExitStack()

    def __enter__(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = self.stack.enter_context(self.log_file.open("w", encoding="utf-8"))
        self.stack.enter_context(contextlib.redirect_stdout(log))
        self.stack.enter_context(warnings.catch_warnings())
        warnings.simplefilter("ignore")
        handler = _ProgressHandler(self.out)
        file_handler = logging.StreamHandler(log)
        saved = [
            (logger, logger.level, logger.propagate) for logger in [self.progress, *self.quiet]
        ]
        self.progress.addHandler(handler)
        self.progress.setLevel(logging.INFO)
        self.progress.propagate = False
        for logger in self.quiet:
            logger.addHandler(file_handler)
            logger.setLevel(logging.WARNING)
            logger.propagate = False

        def restore() -> None:
            self.progress.removeHandler(handler)
            for logger in self.quiet:
                logger.removeHandler(file_handler)
            for logger, level, propagate in saved:
                logger.setLevel(level)
                logger.propagate = propagate

        self.stack.callback(restore)

    def __exit__(self, *exc: object) -> None:
        self.stack.close()

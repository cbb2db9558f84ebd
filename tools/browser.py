"""Headless Chromium for looking at the HTML report: the system browser driven by Playwright.

Playwright's own browser download is not used; the Debian/Ubuntu ``chromium`` package is
(``tools/install_test_deps.sh`` installs it; ``make test`` and ``.ci/run`` call that).
``$BUDGET_CHROMIUM`` overrides the executable.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_executable() -> Path:
    found = os.environ.get("BUDGET_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    path = Path(found)
    if not path.exists():
        raise FileNotFoundError(
            f"no Chromium at {path}: run tools/install_test_deps.sh (make test does) "
            "or set BUDGET_CHROMIUM"
        )
    return path


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_executable()), headless=True, args=FLAGS
        )
        try:
            yield browser
        finally:
            browser.close()

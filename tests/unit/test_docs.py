"""Every command-line option and environment variable of the CLI is documented in the README."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT


def test_every_cli_option_and_setting_is_in_the_readme() -> None:
    cli = Path(sys.executable).with_name("budget-warehouse")
    help_text = subprocess.run(
        [str(cli), "build", "--help"], capture_output=True, text=True, check=True
    ).stdout
    options = set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--help"}
    settings = set(re.findall(r"\b(BUDGET_[A-Z_]+)\b", help_text))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert options >= {"--raw-dir", "--warehouse"}
    assert {"BUDGET_RAW_DIR", "BUDGET_WAREHOUSE"} <= settings
    undocumented = sorted(name for name in options | settings if f"`{name}" not in readme)
    assert undocumented == []

"""The embedded build never imports the distributed profile or the lake (no server, no
extension wheels needed): the modules a ``make run`` build loads leave both out."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import ROOT

#: What an embedded ``budget-warehouse build`` imports: the command, the Dagster definitions it
#: runs, the in-process runner and the validation worker's side.
EMBEDDED = (
    "orchestration.cli",
    "orchestration.commands.build",
    "orchestration.definitions",
    "orchestration.defs.build_runner",
    "orchestration.validation.runner",
)


def test_the_embedded_build_imports_neither_lake_nor_distributed() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {EMBEDDED!r}: importlib.import_module(name)\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith(("
        "'orchestration.lake', 'orchestration.distributed', 'orchestration.services', "
        "'dagster_celery', 'celery')))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == []

"""``budget-warehouse``: argument parsing and ``main()``; each subcommand lives in its own module.

A subcommand is an ``add_parser(subparsers)`` function that adds its parser and a ``run(args)``
function that returns the exit status; adding one is a line in :data:`COMMANDS`. Nothing heavy is
imported here: a subcommand imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .children import exit_now
from .commands import build as build_command
from .commands import export as export_command
from .commands import show as show_command
from .settings import ENVIRONMENT


@dataclass(frozen=True)
class Subcommand:
    name: str
    add_parser: Callable[[argparse._SubParsersAction], None]
    run: Callable[[argparse.Namespace], int]


#: The subcommands, in the order ``--help`` lists them.
COMMANDS = [
    Subcommand(build_command.NAME, build_command.add_parser, build_command.run),
    Subcommand(show_command.NAME, show_command.add_parser, show_command.run),
    Subcommand(export_command.NAME, export_command.add_parser, export_command.run),
]


def parser() -> argparse.ArgumentParser:
    environment = "\n".join(f"  {name:<20} {text}" for name, text in ENVIRONMENT.items())
    epilog = f"environment variables:\n{environment}"
    top = argparse.ArgumentParser(
        prog="budget-warehouse",
        description="Chinese government budget disclosures (PDF) → validated DuckDB warehouse.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(commands)
        sub = commands.choices[command.name]
        sub.epilog = sub.epilog or epilog
        sub.formatter_class = argparse.RawDescriptionHelpFormatter
        sub.set_defaults(run=command.run)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (``argv`` given: in-process, e.g. from a test — return normally)."""
    args = parser().parse_args(argv)
    status = args.run(args)
    if argv is None and "dagster" in sys.modules:
        exit_now(status)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

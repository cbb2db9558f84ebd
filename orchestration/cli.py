"""``budget-warehouse``: the subcommands, each defined in its own module.

A subcommand is an ``add_parser(subparsers)`` function that adds its parser and a ``run(args)``
function that returns the exit status; adding one is a line in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .commands import build as build_command
from .commands.build import build, run_build, sync_partitions
from .commands.summary import EXIT_FAILED, EXIT_OK, BuildReport
from .settings import ENVIRONMENT


@dataclass(frozen=True)
class Subcommand:
    name: str
    add_parser: Callable[[argparse._SubParsersAction], None]
    run: Callable[[argparse.Namespace], int]


def _add_show_parser(commands: argparse._SubParsersAction) -> None:
    from .evidence.show import add_parser

    add_parser(commands)


def _show(args: argparse.Namespace) -> int:
    from .evidence.show import show

    return show(args, sys.stdout)


#: The subcommands, in the order ``--help`` lists them.
COMMANDS = [
    Subcommand(build_command.NAME, build_command.add_parser, build_command.run),
    Subcommand("show", _add_show_parser, _show),
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
    args = parser().parse_args(argv)
    return args.run(args)


__all__ = [
    "COMMANDS",
    "EXIT_FAILED",
    "EXIT_OK",
    "BuildReport",
    "Subcommand",
    "build",
    "main",
    "parser",
    "run_build",
    "sync_partitions",
]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The ``meetbot`` command line: one module per subcommand, each registered the same way.

A subcommand module has ``add_parser(commands)``, which declares its arguments (the shared
ones from :mod:`zulip_meetbot.cli.options`) and names its ``main(args) -> exit status``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from zulip_meetbot import __version__
from zulip_meetbot.cli import (
    attendance,
    check,
    db,
    ics,
    init,
    meetings,
    publish,
    render,
    run,
    shell,
    upcoming,
)
from zulip_meetbot.cli.options import EXIT_FAILED, EXIT_OK

__all__ = ["__version__", "build_parser", "main"]

# In the order `meetbot --help` lists them. First contact first: try it, write a botrc, check
# it; then run; then the commands that read the record.
SUBCOMMANDS = (
    shell,
    init,
    check,
    run,
    upcoming,
    ics,
    meetings,
    attendance,
    render,
    publish,
    db,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``meetbot`` parser, with every subcommand's."""
    parser = argparse.ArgumentParser(
        prog="meetbot",
        description="Run the recurring community meetings of an open-source project on Zulip.",
        epilog="New here? `meetbot shell` runs a meeting in the terminal; `meetbot init` writes "
        "a botrc, `meetbot check` tests it, `meetbot run` starts the bot. "
        "`meetbot COMMAND --help` explains each command.",
    )
    parser.add_argument("--version", action="version", version=f"meetbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for subcommand in SUBCOMMANDS:
        subcommand.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``meetbot`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # A first `meetbot` asks what there is: the overview, not a usage error.
        parser.print_help()
        return EXIT_OK
    # Here, not at the top: SQLAlchemy would slow `meetbot --help`.
    from zulip_meetbot.store import DatabaseProblem

    try:
        status: int = args.command_main(args)
    except DatabaseProblem as problem:
        print(f"meetbot: {problem}", file=sys.stderr)
        return EXIT_FAILED
    return status

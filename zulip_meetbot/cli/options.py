"""What every ``meetbot`` subcommand shares: its options, declared once, and the exit codes."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from zulip_meetbot.config import absolute_path

if TYPE_CHECKING:
    Subcommands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

# Done as asked.
EXIT_OK = 0
# Done, and something failed: a check, the database, connecting to Zulip, the meeting asked for.
EXIT_FAILED = 1
# Nothing done: the botrc, an argument or an answer cannot be used (argparse exits 2 as well).
EXIT_CONFIG = 2

DEFAULT_BOTRC = "botrc"
CONFIG_HELP = f"the botrc (default ./{DEFAULT_BOTRC})"
DATABASE_HELP = (
    "read this database instead of the botrc's, e.g. one kept by `meetbot shell "
    "--database FILE`; with no botrc, the series are the shell's demo series"
)
LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]


def add_subcommand(
    commands: Subcommands, name: str, main: Callable[[argparse.Namespace], int], **kwargs: Any
) -> argparse.ArgumentParser:
    """The parser of subcommand ``name``, whose parsed arguments ``main`` carries out."""
    parser = commands.add_parser(name, **kwargs)
    parser.set_defaults(command_main=main)
    return parser


def add_config(parser: argparse.ArgumentParser, help: str = CONFIG_HELP) -> None:
    """``--config PATH``: None when not given (``run``, ``check`` and the readers read ./botrc,
    the shell its demo series)."""
    parser.add_argument("--config", metavar="PATH", help=help)


def add_database(parser: argparse.ArgumentParser, help: str = DATABASE_HELP) -> None:
    """``--database FILE``, in place of the botrc's database."""
    parser.add_argument("--database", metavar="FILE", help=help)


def add_reading(parser: argparse.ArgumentParser) -> None:
    """``--config`` and ``--database``, which every command that reads the record takes."""
    add_config(parser)
    add_database(parser)


def add_series(parser: argparse.ArgumentParser) -> None:
    """The ``SLUG`` argument of a command about one series."""
    parser.add_argument("slug", metavar="SLUG", help="the series, as in [series:SLUG]")


def add_output(parser: argparse.ArgumentParser) -> None:
    """``--output FILE`` of a command that prints a file."""
    parser.add_argument("--output", metavar="FILE", help="write to FILE instead of printing")


def output_problem(output: Path, file_name: str) -> str | None:
    """Why ``--output`` cannot be written to (a folder, or in no folder there is), naming a
    file ``file_name`` it could be instead; None when it can be tried."""
    shown = absolute_path(output)
    if shown.is_dir():
        return f"{shown} is a folder: name the file to write, such as --output {shown / file_name}"
    if not shown.parent.is_dir():
        return f"cannot write {shown}: there is no folder {shown.parent}"
    return None


def add_log_level(parser: argparse.ArgumentParser, default: str, help: str) -> None:
    """``--log-level``: how much a command that runs the bot logs to stderr."""
    parser.add_argument("--log-level", default=default, choices=LOG_LEVELS, help=help)

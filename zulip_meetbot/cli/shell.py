"""``meetbot shell``: try meetbot in the terminal, with no Zulip server and no account."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from zulip_meetbot.cli.options import (
    EXIT_CONFIG,
    EXIT_OK,
    add_config,
    add_database,
    add_log_level,
    add_subcommand,
)
from zulip_meetbot.terminal.session import SHELL_HELP, ShellOptions, input_lines, open_session

if TYPE_CHECKING:
    from zulip_meetbot.cli.options import Subcommands


def add_parser(commands: Subcommands) -> None:
    """``meetbot shell``'s arguments, on the ``meetbot`` subcommand parsers."""
    parser = add_subcommand(
        commands,
        "shell",
        main,
        help="try meetbot in the terminal: no Zulip server or account needed",
        # Raw formatting keeps the epilog's examples; the description is wrapped here.
        description=textwrap.fill(
            "Run a meeting in the terminal with the same handler, database, scheduler "
            "and templates as `meetbot run`. Without --config it uses a built-in demo series. "
            "Type messages as in Zulip (`@meetbot agenda add TEXT`); the bot's posts print with "
            "their message ids and times in your zone. The first person you are is a chair. "
            "Piped, it runs a script: `meetbot shell < meeting.txt`.",
            79,
        ),
        epilog=SHELL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config(
        parser,
        help="use this botrc's series (its database and notes are left alone; nothing is "
        "sent to its Zulip server)",
    )
    add_database(
        parser,
        help="keep the database in FILE and the notes beside it in notes/ (default: a "
        "temporary folder, deleted at the end)",
    )
    parser.add_argument(
        "--as",
        dest="person",
        default="hamlet",
        metavar="NAME",
        help="who you are at first (default hamlet)",
    )
    parser.add_argument(
        "--now",
        metavar="'YYYY-MM-DD HH:MM'",
        help="start the clock here, in your zone (default: the real time)",
    )
    parser.add_argument(
        "--timezone",
        metavar="ZONE",
        help="show times in this IANA zone (default: this machine's)",
    )
    parser.add_argument(
        "--flood-limit",
        action="store_true",
        help="refuse commands over commands_per_minute as `meetbot run` does (off by default: "
        "the clock stands still between lines, and a script is not a flood; /clock +1m lifts it)",
    )
    add_log_level(parser, "WARNING", "how much the bot logs to stderr (default WARNING)")


def main(args: argparse.Namespace) -> int:
    """Run ``meetbot shell`` with its parsed arguments."""
    logging.basicConfig(
        level=args.log_level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    options = ShellOptions(
        args.config, args.database, args.person, args.now, args.timezone, args.flood_limit
    )
    return shell(options, interactive=sys.stdin.isatty(), out=sys.stdout)


def shell(options: ShellOptions, interactive: bool, out: TextIO) -> int:
    """``meetbot shell``: run the session; the temporary folder goes when it ends."""
    with tempfile.TemporaryDirectory(prefix="meetbot-shell-") as temporary:
        opened = open_session(options, Path(temporary), out)
        if isinstance(opened, list):
            for problem in opened:
                print(f"meetbot shell: {problem}", file=sys.stderr)
            return EXIT_CONFIG
        session, store = opened
        try:
            session.run(
                input_lines(interactive, session.prompt),
                echo=not interactive,
            )
        finally:
            session.app.close()
            store.close()
    return EXIT_OK

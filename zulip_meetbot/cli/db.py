"""``meetbot db upgrade`` and ``meetbot db current``: the database's schema revision."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from zulip_meetbot.cli.options import (
    EXIT_CONFIG,
    EXIT_OK,
    add_config,
    add_database,
    add_reading,
    add_subcommand,
)
from zulip_meetbot.cli.reading import SHELL_DATABASE, read_settings

if TYPE_CHECKING:
    from zulip_meetbot.cli.options import Subcommands


def add_parser(commands: Subcommands) -> None:
    """``meetbot db``'s actions and their arguments, on the ``meetbot`` subcommand parsers."""
    parser = add_subcommand(
        commands,
        "db",
        main,
        help="the database's schema: which revision it is at, and upgrading it",
        description="meetbot upgrades an older database itself when `meetbot run` starts; "
        "these do it, or look, without starting the bot.",
    )
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = actions.add_parser(
        "upgrade",
        help="bring the database's schema up to this meetbot's",
        description="Run the schema revisions the database has not had yet (back it up "
        "first); a database made before meetbot kept revisions is recognised and marked.",
    )
    add_config(upgrade)
    add_database(
        upgrade,
        help="upgrade this database instead of the botrc's, e.g. one kept by `meetbot shell "
        "--database FILE`",
    )
    current = actions.add_parser(
        "current",
        help="the database's schema revision, and whether it is up to date",
        description="Print the database's schema revision; the file is never changed.",
    )
    add_reading(current)


def main(args: argparse.Namespace) -> int:
    """Run ``meetbot db ACTION`` with its parsed arguments."""
    settings, source = read_settings(args.config, args.database)
    if settings is None:
        return EXIT_CONFIG
    return manage_database(settings.database, args.db_command, botrc=source != SHELL_DATABASE)


def manage_database(database: Path, action: str, botrc: bool = True) -> int:
    """``meetbot db upgrade`` and ``meetbot db current`` (``botrc``: whether one was read)."""
    from zulip_meetbot.store import missing_database, open_store, schema_revision, upgrade_text

    if action == "current":
        print(schema_revision(database, botrc))
        return EXIT_OK
    if not database.exists():
        # A mistyped path would otherwise become a new, empty database.
        raise missing_database(database, botrc)
    store = open_store(database)
    store.close()
    done = store.upgrade
    if done is None:
        print(schema_revision(database))
    else:
        print(upgrade_text(database, done))
    return EXIT_OK

"""``meetbot meetings SLUG``: a series' past meetings with attendance counts."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from zulip_meetbot.cli.options import EXIT_CONFIG, EXIT_OK, add_reading, add_series, add_subcommand
from zulip_meetbot.cli.reading import read_series, reading
from zulip_meetbot.config import SeriesConfig, Settings

if TYPE_CHECKING:
    from zulip_meetbot.cli.options import Subcommands


def add_parser(commands: Subcommands) -> None:
    """``meetbot meetings``'s arguments, on the ``meetbot`` subcommand parsers."""
    parser = add_subcommand(
        commands,
        "meetings",
        main,
        help="list a series' past meetings with attendance counts",
        description="List the meetings of the series SLUG held so far, with how many attended.",
    )
    add_reading(parser)
    add_series(parser)


def main(args: argparse.Namespace) -> int:
    """Run ``meetbot meetings`` with its parsed arguments."""
    chosen = read_series(args.config, args.database, args.slug)
    if chosen is None:
        return EXIT_CONFIG
    return list_meetings(*chosen)


def list_meetings(settings: Settings, series: SeriesConfig) -> int:
    """``meetbot meetings SLUG``: past meetings with attendance counts."""
    from zulip_meetbot.archive import meetings_table, past_meetings

    with reading(settings) as session:
        past = past_meetings(session, series)
    sys.stdout.write(meetings_table(series, past))
    return EXIT_OK

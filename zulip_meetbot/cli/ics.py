"""``meetbot ics SLUG``: a series as an iCalendar file people can subscribe to."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from zulip_meetbot.cli.options import (
    EXIT_CONFIG,
    add_output,
    add_reading,
    add_series,
    add_subcommand,
)
from zulip_meetbot.cli.reading import read_series, reading, write_out
from zulip_meetbot.config import SeriesConfig, Settings

if TYPE_CHECKING:
    from zulip_meetbot.cli.options import Subcommands


def add_parser(commands: Subcommands) -> None:
    """``meetbot ics``'s arguments, on the ``meetbot`` subcommand parsers."""
    parser = add_subcommand(
        commands,
        "ics",
        main,
        help="print a series as an iCalendar file people can subscribe to",
        description="Print the series SLUG as an RFC 5545 calendar: its rule, with skipped "
        "meetings left out and moved ones at their new time.",
    )
    add_reading(parser)
    add_series(parser)
    add_output(parser)


def main(args: argparse.Namespace) -> int:
    """Run ``meetbot ics`` with its parsed arguments."""
    chosen = read_series(args.config, args.database, args.slug)
    if chosen is None:
        return EXIT_CONFIG
    settings, series = chosen
    return export_ics(settings, series, args.output, args.database is not None)


def export_ics(
    settings: Settings, series: SeriesConfig, output: str | None, required: bool = False
) -> int:
    """``meetbot ics SLUG``: the calendar on stdout (or in a file)."""
    from zulip_meetbot.domain.meetings import calendar_changes
    from zulip_meetbot.ics import series_calendar
    from zulip_meetbot.timeutil import SystemClock

    with reading(settings, required) as session:
        changes = calendar_changes(session, series)
    calendar = series_calendar(series, changes, SystemClock().now(), settings.api.site)
    return write_out(calendar, output, f"{series.slug}.ics")

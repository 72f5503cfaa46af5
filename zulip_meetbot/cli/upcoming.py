"""``meetbot upcoming [SLUG]``: what the bot will post next, and when."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from zulip_meetbot.cli.options import EXIT_CONFIG, EXIT_OK, add_reading, add_subcommand
from zulip_meetbot.cli.reading import read_settings, reading, series_named
from zulip_meetbot.config import Settings

if TYPE_CHECKING:
    from zulip_meetbot.cli.options import Subcommands

# Without --days: a week, which shows every series that meets at least weekly.
DEFAULT_DAYS = 7


def add_parser(commands: Subcommands) -> None:
    """``meetbot upcoming``'s arguments, on the ``meetbot`` subcommand parsers."""
    parser = add_subcommand(
        commands,
        "upcoming",
        main,
        help="what the bot will post next (meetings and votes), and when",
        description="The reminders, starts and ends the bot will post for the meetings that "
        f"start in the next N days (--days N, default {DEFAULT_DAYS}; at least the next meeting of "
        "each series), as the running "
        "bot plans them: skipped and moved meetings, reminders already posted and running "
        "meetings are read from the database; each meeting's planned end is shown for "
        "information. Each open governance vote's reminders still to come and its close are "
        "listed too, however far off. Times in UTC and in the series' zone.",
    )
    add_reading(parser)
    parser.add_argument(
        "slug", metavar="SLUG", nargs="?", help="only this series (default: every series)"
    )
    parser.add_argument(
        "--days",
        type=_positive_int,
        default=DEFAULT_DAYS,
        metavar="N",
        help=f"the meetings that start in the next N days (default {DEFAULT_DAYS})",
    )


def _positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, 1 or more: {text!r}")
    return number


def main(args: argparse.Namespace) -> int:
    """Run ``meetbot upcoming`` with its parsed arguments."""
    settings, source = read_settings(args.config, args.database)
    if settings is None:
        return EXIT_CONFIG
    # A --database named on purpose must exist: planning without it would hide its skips.
    return show_upcoming(settings, source, args.slug, args.days, args.database is not None)


def show_upcoming(
    settings: Settings, source: str, slug: str | None, days: int, required: bool = False
) -> int:
    """``meetbot upcoming [SLUG]``: the posts the bot will make, from the scheduler's plan."""
    from datetime import timedelta

    from zulip_meetbot.timeutil import SystemClock
    from zulip_meetbot.upcoming import plan_text, series_plans

    chosen = list(settings.series)
    if slug is not None:
        one = series_named(settings, source, slug)
        if one is None:
            return EXIT_CONFIG
        chosen = [one]
    now = SystemClock().now()
    until = now + timedelta(days=days)
    with reading(settings, required) as session:
        plans = series_plans(session, chosen, now, settings.reminder_grace, until)
    sys.stdout.write(plan_text(plans, days))
    return EXIT_OK

"""``meetbot attendance SLUG``: who attended which meeting of a series, as a table or CSV."""

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
    """``meetbot attendance``'s arguments, on the ``meetbot`` subcommand parsers."""
    parser = add_subcommand(
        commands,
        "attendance",
        main,
        help="who attended which meeting of a series, as a table or CSV",
        description="A table of the people who attended the meetings of the series SLUG: one "
        "row per person, one column per meeting, and how many each attended.",
    )
    add_reading(parser)
    add_series(parser)
    parser.add_argument(
        "--csv",
        action="store_true",
        help="CSV instead: name, one column per meeting date (1 or empty), total",
    )
    add_output(parser)


def main(args: argparse.Namespace) -> int:
    """Run ``meetbot attendance`` with its parsed arguments."""
    chosen = read_series(args.config, args.database, args.slug)
    if chosen is None:
        return EXIT_CONFIG
    settings, series = chosen
    return show_attendance(settings, series, args.csv, args.output)


def show_attendance(
    settings: Settings, series: SeriesConfig, as_csv: bool, output: str | None
) -> int:
    """``meetbot attendance SLUG``: people by meetings attended."""
    from zulip_meetbot.archive import attendance_csv, attendance_matrix, attendance_table

    with reading(settings) as session:
        matrix = attendance_matrix(session, series)
    if as_csv:
        return write_out(attendance_csv(matrix), output, f"{series.slug}-attendance.csv")
    return write_out(attendance_table(series, matrix), output, f"{series.slug}-attendance.txt")

"""``meetbot render SLUG DATE``: a past meeting's notes rendered again from the database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from zulip_meetbot.cli.options import (
    EXIT_CONFIG,
    EXIT_FAILED,
    add_output,
    add_reading,
    add_series,
    add_subcommand,
)
from zulip_meetbot.cli.reading import read_series, reading, write_out
from zulip_meetbot.config import SeriesConfig, Settings, parse_date, resolve_template
from zulip_meetbot.notes import TemplateProblem, check_template, notes_filename

if TYPE_CHECKING:
    from zulip_meetbot.cli.options import Subcommands


def add_parser(commands: Subcommands) -> None:
    """``meetbot render``'s arguments, on the ``meetbot`` subcommand parsers."""
    parser = add_subcommand(
        commands,
        "render",
        main,
        help="render a past meeting's notes again from the database",
        description="Render the notes of the series SLUG's meeting held on DATE from the "
        "database (the record is the source of truth; the notes file is a view of it).",
    )
    add_reading(parser)
    add_series(parser)
    parser.add_argument("date", metavar="DATE", help="the meeting's date, YYYY-MM-DD")
    parser.add_argument(
        "--template",
        metavar="NAME|FILE",
        help="a shipped template (community, ecosystem) or a template file, instead of the "
        "series' own",
    )
    add_output(parser)


def main(args: argparse.Namespace) -> int:
    """Run ``meetbot render`` with its parsed arguments."""
    chosen = read_series(args.config, args.database, args.slug)
    if chosen is None:
        return EXIT_CONFIG
    settings, series = chosen
    return render_past(settings, series, args.date, args.template, args.output)


def render_past(
    settings: Settings, series: SeriesConfig, day: str, template: str | None, output: str | None
) -> int:
    """``meetbot render SLUG DATE``: a past meeting's notes, from the database."""
    from zulip_meetbot.archive import render_meeting
    from zulip_meetbot.errors import UserError
    from zulip_meetbot.views import refusal_plain

    try:
        wanted = parse_date(day)
    except ValueError as problem:
        print(f"meetbot: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    chosen = series.template
    if template:
        try:
            # Named as in the botrc's `template =`, a file relative to here.
            chosen = resolve_template(
                template, Path.cwd(), botrc=settings.path, key=settings.api.key
            )
        except ValueError as problem:
            print(f"meetbot: --template: {problem}", file=sys.stderr)
            return EXIT_CONFIG
    try:
        check_template(chosen)
        with reading(settings) as session:
            text = render_meeting(session, series, wanted, chosen)
    except UserError as refusal:
        print(f"meetbot: {refusal_plain(refusal)}", file=sys.stderr)
        return EXIT_FAILED
    except TemplateProblem as problem:
        print(f"meetbot: {problem}", file=sys.stderr)
        return EXIT_FAILED
    return write_out(text, output, notes_filename(series.notes_path, wanted))

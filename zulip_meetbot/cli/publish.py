"""``meetbot publish SLUG DATE``: publish (or republish) one meeting's notes by hand, now."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from zulip_meetbot.cli.options import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    add_reading,
    add_series,
    add_subcommand,
)
from zulip_meetbot.cli.reading import read_series
from zulip_meetbot.config import SeriesConfig, Settings, parse_date

if TYPE_CHECKING:
    from zulip_meetbot.cli.options import Subcommands
    from zulip_meetbot.publish.publisher import Outcome


def add_parser(commands: Subcommands) -> None:
    """``meetbot publish``'s arguments, on the ``meetbot`` subcommand parsers."""
    parser = add_subcommand(
        commands,
        "publish",
        main,
        help="publish (or republish) a meeting's notes to the series' repository",
        description="Commit the notes of the series SLUG's meeting held on DATE, as its record "
        "makes them now, to the series' publish_repo (and open or update its pull request), "
        "now, and print what was done. A running bot publishes by itself; this is for a "
        "problem fixed, or notes to publish again.",
    )
    add_reading(parser)
    add_series(parser)
    parser.add_argument("date", metavar="DATE", help="the meeting's date, YYYY-MM-DD")


def main(args: argparse.Namespace) -> int:
    """Run ``meetbot publish`` with its parsed arguments."""
    chosen = read_series(args.config, args.database, args.slug)
    if chosen is None:
        return EXIT_CONFIG
    return publish(*chosen, args.date)


def publish(settings: Settings, series: SeriesConfig, day_text: str) -> int:
    """``meetbot publish SLUG DATE``: the meeting's notes published, what was done printed."""
    if series.publishing is None:
        print(
            f"meetbot: [series:{series.slug}] does not publish its notes: set `publish = git` "
            "and `publish_repo` in its section",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        day = parse_date(day_text)
    except ValueError as problem:
        print(f"meetbot: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    # What went wrong is printed below, once; the log shows only the unforeseen.
    logging.basicConfig(level=logging.ERROR, format="meetbot: %(message)s", stream=sys.stderr)
    # Imported here: SQLAlchemy and the publisher would slow `meetbot --help`.
    from zulip_meetbot.app import make_app
    from zulip_meetbot.publish.publisher import Publisher, ended_meeting_on
    from zulip_meetbot.store import missing_database, open_store

    if not settings.database.exists():
        raise missing_database(settings.database)
    store = open_store(settings.database)
    try:
        app = make_app(settings, store)
        meeting_id, why = ended_meeting_on(app, series, day)
        if meeting_id is None:
            print(f"meetbot: {why}", file=sys.stderr)
            print(
                f"meetbot: `meetbot meetings {series.slug}` (with the same --config or "
                "--database) lists its meetings",
                file=sys.stderr,
            )
            return EXIT_FAILED
        outcome = Publisher(app, None).publish_now(series, meeting_id)
    finally:
        store.close()
    return report(series, outcome)


def report(series: SeriesConfig, outcome: Outcome) -> int:
    """Print what ``outcome`` says was done (or the problem); the exit status."""
    from zulip_meetbot.publish.publisher import FAILED

    what = f"the notes of {series.slug} {outcome.day}"
    if outcome.status == FAILED:
        if outcome.commit_sha:  # pushed: only the pull request failed
            print(
                f"meetbot: pushed {what} as commit {outcome.commit_sha} on branch "
                f"{outcome.branch}; the pull request could not be opened: {outcome.problem}",
                file=sys.stderr,
            )
        else:
            print(f"meetbot: could not publish {what}: {outcome.problem}", file=sys.stderr)
        if outcome.hint:
            print(f"meetbot: {outcome.hint}", file=sys.stderr)
        if outcome.next_attempt_at is not None:
            print(
                f"meetbot: a running bot tries again from "
                f"{outcome.next_attempt_at:%Y-%m-%d %H:%M} UTC",
                file=sys.stderr,
            )
        return EXIT_FAILED
    if outcome.commit_sha:
        print(f"published {what}: commit {outcome.commit_sha} on branch {outcome.branch}")
    else:
        print(f"published {what}: branch {outcome.branch} already had them (nothing to commit)")
    print(f"file: {outcome.path}")
    if outcome.pull_request is not None:
        number, url = outcome.pull_request
        print(f"pull request #{number}: {url}")
    if outcome.replaced_theirs:
        print("someone else had changed the file: the record's version replaced it")
    return EXIT_OK

"""``meetbot publish SLUG DATE`` (or ``--vote N``): publish (or republish) one meeting's notes,
or one governance vote's results file, by hand, now."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
    from zulip_meetbot.app import App
    from zulip_meetbot.cli.options import Subcommands
    from zulip_meetbot.publish.publisher import Outcome


def add_parser(commands: Subcommands) -> None:
    """``meetbot publish``'s arguments, on the ``meetbot`` subcommand parsers."""
    parser = add_subcommand(
        commands,
        "publish",
        main,
        help="publish (or republish) a meeting's notes, or a vote's results, to the series' "
        "repository",
        description="Commit the notes of the series SLUG's meeting held on DATE, as its record "
        "makes them now (or with --vote N, the results file of its closed governance vote N), "
        "to the series' publish_repo (and open or update its pull request), now, and print "
        "what was done. A running bot publishes by itself; this is for a problem fixed, or a "
        "file to publish again.",
    )
    add_reading(parser)
    add_series(parser)
    parser.add_argument("date", metavar="DATE", nargs="?", help="the meeting's date, YYYY-MM-DD")
    parser.add_argument(
        "--vote",
        metavar="N",
        type=int,
        help="publish the results file of the series' closed governance vote N instead",
    )


def main(args: argparse.Namespace) -> int:
    """Run ``meetbot publish`` with its parsed arguments."""
    if (args.date is None) == (args.vote is None):
        print("meetbot: publish takes a meeting's DATE or --vote N (one of them)", file=sys.stderr)
        return EXIT_CONFIG
    chosen = read_series(args.config, args.database, args.slug)
    if chosen is None:
        return EXIT_CONFIG
    if args.vote is not None:
        return publish_vote(*chosen, args.vote)
    return publish(*chosen, args.date)


def _publishes(series: SeriesConfig) -> bool:
    if series.publishing is None:
        print(
            f"meetbot: [series:{series.slug}] does not publish its notes: set `publish = git` "
            "and `publish_repo` in its section",
            file=sys.stderr,
        )
    return series.publishing is not None


def publish(settings: Settings, series: SeriesConfig, day_text: str) -> int:
    """``meetbot publish SLUG DATE``: the meeting's notes published, what was done printed."""
    if not _publishes(series):
        return EXIT_CONFIG
    try:
        day = parse_date(day_text)
    except ValueError as problem:
        print(f"meetbot: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    from zulip_meetbot.publish.publisher import Publisher, ended_meeting_on

    with _opened(settings) as app:
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
    return report(series, outcome)


def publish_vote(settings: Settings, series: SeriesConfig, number: int) -> int:
    """``meetbot publish SLUG --vote N``: the closed vote's results file published."""
    if not _publishes(series):
        return EXIT_CONFIG
    from zulip_meetbot import vote_lifecycle
    from zulip_meetbot.domain.publications import VoteResults
    from zulip_meetbot.publish.publisher import Publisher

    with _opened(settings) as app:
        # As the bot wrote it (names as Zulip gave them), or rendered now if it is missing.
        if vote_lifecycle.results(app, series, number) is None:
            print(
                f"meetbot: vote {number} of {series.slug} has no results file: it is open, "
                "was cancelled, or is not a vote of this series",
                file=sys.stderr,
            )
            return EXIT_FAILED
        outcome = Publisher(app, None).publish_now(series, VoteResults(number))
    return report(series, outcome, f"the results of vote {number} of {series.slug}")


@contextmanager
def _opened(settings: Settings) -> Iterator[App]:
    """The app over the botrc's existing database, closed after; only errors reach the log
    (what went wrong is printed once, by the command)."""
    logging.basicConfig(level=logging.ERROR, format="meetbot: %(message)s", stream=sys.stderr)
    # Imported here: SQLAlchemy and the publisher would slow `meetbot --help`.
    from zulip_meetbot.app import make_app
    from zulip_meetbot.store import missing_database, open_store

    if not settings.database.exists():
        raise missing_database(settings.database)
    store = open_store(settings.database)
    try:
        yield make_app(settings, store)
    finally:
        store.close()


def report(series: SeriesConfig, outcome: Outcome, what: str | None = None) -> int:
    """Print what ``outcome`` says was done (or the problem); the exit status."""
    from zulip_meetbot.publish.publisher import FAILED

    what = what or f"the notes of {series.slug} {outcome.day}"
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

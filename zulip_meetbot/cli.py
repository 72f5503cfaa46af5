"""The ``meetbot`` command line."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from zulip_meetbot import __version__, botrc_writer, checks, shell
from zulip_meetbot.config import ConfigError, SeriesConfig, Settings, load_settings
from zulip_meetbot.notes import TemplateProblem, check_template

if TYPE_CHECKING:
    from zulip_meetbot.store import Store

log = logging.getLogger("zulip_meetbot")

EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meetbot",
        description="Run the recurring community meetings of an open-source project on Zulip.",
        epilog="New here? `meetbot shell` runs a meeting in the terminal; `meetbot init` writes "
        "a botrc, `meetbot check` tests it, `meetbot run` starts the bot. "
        "`meetbot COMMAND --help` explains each command.",
    )
    parser.add_argument("--version", action="version", version=f"meetbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # First contact first: try it, write a botrc, check it; then run.
    shell.add_parser(commands)
    botrc_writer.add_parser(commands)
    checks.add_parser(commands)
    run = commands.add_parser(
        "run",
        help="connect to Zulip and run the meetings of the botrc",
        description="Connect to Zulip as the bot in [api] and run every [series:SLUG] of the "
        "botrc until stopped (Ctrl-C or SIGTERM).",
    )
    run.add_argument(
        "--config", default="botrc", metavar="PATH", help="the botrc (default ./botrc)"
    )
    run.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log (default INFO)",
    )
    ics = commands.add_parser(
        "ics",
        help="print a series as an iCalendar file people can subscribe to",
        description="Print the series SLUG as an RFC 5545 calendar: its rule, with skipped "
        "meetings left out and moved ones at their new time.",
    )
    ics.add_argument("slug", metavar="SLUG", help="the series, as in [series:SLUG]")
    ics.add_argument(
        "--config", default="botrc", metavar="PATH", help="the botrc (default ./botrc)"
    )
    ics.add_argument("--output", metavar="FILE", help="write to FILE instead of printing")
    render = commands.add_parser(
        "render",
        help="render a past meeting's notes again from the database",
        description="Render the notes of the series SLUG's meeting held on DATE from the "
        "database (the record is the source of truth; the notes file is a view of it).",
    )
    render.add_argument("slug", metavar="SLUG", help="the series, as in [series:SLUG]")
    render.add_argument("date", metavar="DATE", help="the meeting's date, YYYY-MM-DD")
    render.add_argument(
        "--config", default="botrc", metavar="PATH", help="the botrc (default ./botrc)"
    )
    render.add_argument(
        "--template", metavar="FILE", help="a template file instead of the series' own"
    )
    render.add_argument("--output", metavar="FILE", help="write to FILE instead of printing")
    listing = commands.add_parser(
        "meetings",
        help="list a series' past meetings with attendance counts",
        description="List the meetings of the series SLUG held so far, with how many attended.",
    )
    listing.add_argument("slug", metavar="SLUG", help="the series, as in [series:SLUG]")
    listing.add_argument(
        "--config", default="botrc", metavar="PATH", help="the botrc (default ./botrc)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``meetbot`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "shell":
        return shell.main(args)
    if args.command == "init":
        return botrc_writer.main(args)
    if args.command == "check":
        return checks.main(args)
    if args.command == "run":
        return run(args.config, args.log_level)
    if args.command == "ics":
        return export_ics(args.config, args.slug, args.output)
    if args.command == "render":
        return render_past(args.config, args.slug, args.date, args.template, args.output)
    if args.command == "meetings":
        return list_meetings(args.config, args.slug)
    return 1  # pragma: no cover - argparse refuses unknown commands


def load_checked_settings(path: str) -> Settings | None:
    """The botrc and its templates, or None after printing one line per problem."""
    try:
        settings = load_settings(path)
    except ConfigError as error:
        for problem in error.problems:
            print(f"meetbot: {path}: {problem}", file=sys.stderr)
        return None
    problems = []
    for series in settings.series:
        try:
            check_template(series.template)
        except TemplateProblem as problem:
            problems.append(f"[series:{series.slug}] template: {problem}")
    for problem in problems:
        print(f"meetbot: {path}: {problem}", file=sys.stderr)
    return None if problems else settings


def settle_heap() -> None:
    """Move the objects made at start-up (imports, settings) out of the garbage collector's
    sight: otherwise each full collection walks them all and stalls a reply by ~50 ms."""
    gc.collect()
    gc.freeze()


def run(config_path: str, log_level: str) -> int:
    """``meetbot run``: exit 2 on a broken botrc, before connecting to anything."""
    logging.basicConfig(
        level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    settings = load_checked_settings(config_path)
    if settings is None:
        return EXIT_CONFIG
    if warning := checks.permission_warning(settings.path):
        log.warning("%s", warning)
    for warning in checks.value_warnings(settings):
        log.warning("%s", warning)

    # Imported here so `meetbot --help` and botrc errors stay fast.
    from zulip_meetbot.directory import ZulipDirectory
    from zulip_meetbot.handler import MeetbotHandler
    from zulip_meetbot.runtime import Runtime, make_client
    from zulip_meetbot.scheduler import MeetingScheduler
    from zulip_meetbot.store import Store
    from zulip_meetbot.timeutil import SystemClock

    try:
        # The zulip client asks the server for its settings as soon as it is made.
        client = make_client(settings)
        directory = ZulipDirectory(client, settings.affiliation_fields, settings.github_fields)
        handler = MeetbotHandler(settings, None, SystemClock(), directory)
        runtime = Runtime(settings, client, handler)
        runtime.connect()
    except Exception as error:  # the zulip client raises several kinds; all mean "cannot start"
        # Some failures (a site that is not a Zulip server) come with an empty message.
        why = str(error) or f"{type(error).__name__} (is this a Zulip server?)"
        log.error("cannot connect to Zulip at %s: %s", settings.api.site, why)
        return 1
    assert runtime.bot is not None
    handler.store = store = Store(settings.database)
    scheduler = MeetingScheduler(handler, runtime.bot)

    # Finish the command in hand, then return from runtime.run(): a long-poll is cut short,
    # a command never is.
    signal.signal(signal.SIGTERM, runtime.stop_from_signal)
    signal.signal(signal.SIGINT, runtime.stop_from_signal)
    try:
        scheduler.start()
        settle_heap()
        runtime.run()
    except KeyboardInterrupt:
        log.info("stopped")
    finally:
        scheduler.shutdown()
        store.close()
    return 0


def export_ics(config_path: str, slug: str, output: str | None) -> int:
    """``meetbot ics SLUG``: the calendar on stdout (or in a file)."""
    found = _settings_and_series(config_path, slug)
    if found is None:
        return EXIT_CONFIG
    settings, series = found

    from zulip_meetbot.ics import series_calendar
    from zulip_meetbot.meetings import calendar_changes
    from zulip_meetbot.store import Store
    from zulip_meetbot.timeutil import SystemClock

    changes = []
    if settings.database.exists():  # a bot that never ran has changed nothing
        store = Store(settings.database)
        with store.transaction() as session:
            changes = calendar_changes(session, series)
        store.close()
    data = series_calendar(series, changes, SystemClock().now())
    if output:
        Path(output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def _settings_and_series(config_path: str, slug: str) -> tuple[Settings, SeriesConfig] | None:
    """The checked botrc and its series ``slug``, or None after saying what is wrong."""
    settings = load_checked_settings(config_path)
    if settings is None:
        return None
    series = settings.series_by_slug(slug)
    if series is None:
        known = ", ".join(s.slug for s in settings.series)
        print(f"meetbot: no series {slug!r} in {config_path} (series: {known})", file=sys.stderr)
        return None
    return settings, series


def _series_and_store(config_path: str, slug: str) -> tuple[SeriesConfig, Store] | None:
    """The series and its database, or None after saying what is wrong."""
    from zulip_meetbot.store import Store

    found = _settings_and_series(config_path, slug)
    if found is None:
        return None
    settings, series = found
    if not settings.database.exists():
        print(f"meetbot: no database yet at {settings.database}: has the bot run?", file=sys.stderr)
        return None
    return series, Store(settings.database)


def render_past(
    config_path: str, slug: str, day: str, template: str | None, output: str | None
) -> int:
    """``meetbot render SLUG DATE``: a past meeting's notes, from the database."""
    from datetime import date

    from zulip_meetbot.archive import render_meeting
    from zulip_meetbot.errors import UserError

    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        print(f"meetbot: expected a date like 2025-02-12, got {day!r}", file=sys.stderr)
        return EXIT_CONFIG
    found = _series_and_store(config_path, slug)
    if found is None:
        return EXIT_CONFIG
    series, store = found
    try:
        if template:
            check_template(str(Path(template).absolute()))
        with store.transaction() as session:
            text = render_meeting(
                session,
                series,
                wanted,
                str(Path(template).absolute()) if template else series.template,
            )
    except (UserError, TemplateProblem) as problem:
        print(f"meetbot: {str(problem).replace('**', '')}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def list_meetings(config_path: str, slug: str) -> int:
    """``meetbot meetings SLUG``: past meetings with attendance counts."""
    from zulip_meetbot.archive import meetings_table, past_meetings

    found = _series_and_store(config_path, slug)
    if found is None:
        return EXIT_CONFIG
    series, store = found
    with store.transaction() as session:
        past = past_meetings(session, series)
    store.close()
    sys.stdout.write(meetings_table(series, past))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

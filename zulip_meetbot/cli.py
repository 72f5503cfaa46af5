"""The ``meetbot`` command line."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from zulip_meetbot import __version__, botrc_writer, checks, shell
from zulip_meetbot.config import (
    ConfigError,
    SeriesConfig,
    Settings,
    absolute_path,
    botrc_not_found,
    load_settings,
    parse_date,
    resolve_template,
)
from zulip_meetbot.notes import TemplateProblem, check_template

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger("zulip_meetbot")

EXIT_CONFIG = 2


DEFAULT_BOTRC = "botrc"
# Where the series come from with --database and no botrc: the shell keeps no botrc.
SHELL_DATABASE = "`meetbot shell` database"
# A command done that found the database unusable (the botrc's problems are EXIT_CONFIG).
EXIT_DATABASE = 1
# `upcoming` without --days: a week, which shows every series that meets at least weekly.
DEFAULT_DAYS = 7


def _config_option() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--config", metavar="PATH", help=f"the botrc (default ./{DEFAULT_BOTRC})")
    return options


def _read_options() -> argparse.ArgumentParser:
    """--config and --database, which every command that reads the record takes."""
    options = argparse.ArgumentParser(add_help=False, parents=[_config_option()])
    options.add_argument(
        "--database",
        metavar="FILE",
        help="read this database instead of the botrc's, e.g. one kept by `meetbot shell "
        "--database FILE`; with no botrc, the series are the shell's demo series",
    )
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meetbot",
        description="Run the recurring community meetings of an open-source project on Zulip.",
        epilog="New here? `meetbot shell` runs a meeting in the terminal; `meetbot init` writes "
        "a botrc, `meetbot check` tests it, `meetbot run` starts the bot. "
        "`meetbot COMMAND --help` explains each command.",
    )
    parser.add_argument("--version", action="version", version=f"meetbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    reading = _read_options()
    # First contact first: try it, write a botrc, check it; then run.
    shell.add_parser(commands)
    botrc_writer.add_parser(commands)
    checks.add_parser(commands)
    run = commands.add_parser(
        "run",
        parents=[_config_option()],
        help="connect to Zulip and run the meetings of the botrc",
        description="Connect to Zulip as the bot in [api] and run every [series:SLUG] of the "
        "botrc until stopped (Ctrl-C or SIGTERM).",
    )
    run.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log (default INFO)",
    )
    upcoming = commands.add_parser(
        "upcoming",
        parents=[reading],
        help="what the bot will post next, and when",
        description="The reminders, starts and ends the bot will post for the meetings that "
        f"start in the next N days (--days N, default {DEFAULT_DAYS}; at least the next meeting of "
        "each series), as the running "
        "bot plans them: skipped and moved meetings, reminders already posted and running "
        "meetings are read from the database; each meeting's planned end is shown for "
        "information. Times in UTC and in the series' zone.",
    )
    upcoming.add_argument(
        "slug", metavar="SLUG", nargs="?", help="only this series (default: every series)"
    )
    upcoming.add_argument(
        "--days",
        type=_positive_int,
        default=DEFAULT_DAYS,
        metavar="N",
        help=f"the meetings that start in the next N days (default {DEFAULT_DAYS})",
    )
    ics = commands.add_parser(
        "ics",
        parents=[reading],
        help="print a series as an iCalendar file people can subscribe to",
        description="Print the series SLUG as an RFC 5545 calendar: its rule, with skipped "
        "meetings left out and moved ones at their new time.",
    )
    ics.add_argument("slug", metavar="SLUG", help="the series, as in [series:SLUG]")
    ics.add_argument("--output", metavar="FILE", help="write to FILE instead of printing")
    listing = commands.add_parser(
        "meetings",
        parents=[reading],
        help="list a series' past meetings with attendance counts",
        description="List the meetings of the series SLUG held so far, with how many attended.",
    )
    listing.add_argument("slug", metavar="SLUG", help="the series, as in [series:SLUG]")
    attendance = commands.add_parser(
        "attendance",
        parents=[reading],
        help="who attended which meeting of a series, as a table or CSV",
        description="A table of the people who attended the meetings of the series SLUG: one "
        "row per person, one column per meeting, and how many each attended.",
    )
    attendance.add_argument("slug", metavar="SLUG", help="the series, as in [series:SLUG]")
    attendance.add_argument(
        "--csv",
        action="store_true",
        help="CSV instead: name, one column per meeting date (1 or empty), total",
    )
    attendance.add_argument("--output", metavar="FILE", help="write to FILE instead of printing")
    render = commands.add_parser(
        "render",
        parents=[reading],
        help="render a past meeting's notes again from the database",
        description="Render the notes of the series SLUG's meeting held on DATE from the "
        "database (the record is the source of truth; the notes file is a view of it).",
    )
    render.add_argument("slug", metavar="SLUG", help="the series, as in [series:SLUG]")
    render.add_argument("date", metavar="DATE", help="the meeting's date, YYYY-MM-DD")
    render.add_argument(
        "--template",
        metavar="NAME|FILE",
        help="a shipped template (community, ecosystem) or a template file, instead of the "
        "series' own",
    )
    render.add_argument("--output", metavar="FILE", help="write to FILE instead of printing")
    database = commands.add_parser(
        "db",
        help="the database's schema: which revision it is at, and upgrading it",
        description="meetbot upgrades an older database itself when `meetbot run` starts; "
        "these do it, or look, without starting the bot.",
    )
    actions = database.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    actions.add_parser(
        "upgrade",
        parents=[reading],
        help="bring the database's schema up to this meetbot's",
        description="Run the schema revisions the database has not had yet (back it up "
        "first); a database made before meetbot kept revisions is recognised and marked.",
    )
    actions.add_parser(
        "current",
        parents=[reading],
        help="the database's schema revision, and whether it is up to date",
        description="Print the database's schema revision; the file is never changed.",
    )
    return parser


def _positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, 1 or more: {text!r}")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``meetbot`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # A first `meetbot` asks what there is: the overview, not a usage error.
        parser.print_help()
        return 0
    # Here, not at the top: SQLAlchemy would slow `meetbot --help`.
    from zulip_meetbot.store import DatabaseProblem

    try:
        return _dispatch(args)
    except DatabaseProblem as problem:
        print(f"meetbot: {problem}", file=sys.stderr)
        return EXIT_DATABASE


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "shell":
        return shell.main(args)
    if args.command == "init":
        return botrc_writer.main(args)
    if args.command == "check":
        return checks.main(args)
    if args.command == "run":
        return run(args.config or DEFAULT_BOTRC, args.log_level)
    settings, source = read_settings(args.config, args.database)
    if settings is None:
        return EXIT_CONFIG
    if args.command == "upcoming":
        # A --database named on purpose must exist: planning without it would hide its skips.
        return show_upcoming(settings, source, args.slug, args.days, args.database is not None)
    if args.command == "db":
        return manage_database(settings.database, args.db_command)
    series = series_named(settings, source, args.slug)
    if series is None:
        return EXIT_CONFIG
    if args.command == "ics":
        return export_ics(settings, series, args.output, args.database is not None)
    if args.command == "render":
        return render_past(settings, series, args.date, args.template, args.output)
    if args.command == "meetings":
        return list_meetings(settings, series)
    if args.command == "attendance":
        return show_attendance(settings, series, args.csv, args.output)
    return 1  # pragma: no cover - argparse refuses unknown commands


def load_checked_settings(path: str, database_hint: bool = False) -> Settings | None:
    """The botrc and its templates, or None after printing one line per problem."""
    if not Path(path).expanduser().exists():
        # What a first try most often meets: say what to do (--database: for read commands).
        hint = " (or a shell database with --database)" if database_hint else ""
        print(f"meetbot: {botrc_not_found(path, hint)}", file=sys.stderr)
        return None
    try:
        settings = load_settings(path)
    except ConfigError as error:
        for problem in error.problems:
            # A problem with the file itself names it already.
            named = str(absolute_path(path)) in problem
            print(
                f"meetbot: {problem}" if named else f"meetbot: {path}: {problem}", file=sys.stderr
            )
        return None
    problems = []
    for series in settings.series:
        try:
            check_template(series.template)
        except TemplateProblem as error:
            problems.append(f"[series:{series.slug}] template: {error}")
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
    from zulip_meetbot.app import make_app
    from zulip_meetbot.handler import MeetbotHandler
    from zulip_meetbot.scheduler import MeetingScheduler
    from zulip_meetbot.store import open_store
    from zulip_meetbot.zulip.directory import ZulipDirectory
    from zulip_meetbot.zulip.runtime import Runtime, make_client

    # Before connecting: a database the bot cannot write stops it at once, with one line.
    store = open_store(settings.database)
    try:
        # The zulip client asks the server for its settings as soon as it is made.
        client = make_client(settings)
        directory = ZulipDirectory(client, settings.affiliation_fields, settings.github_fields)
        app = make_app(settings, store, directory=directory)
        handler = MeetbotHandler(app)
        runtime = Runtime(app, client, handler)
        runtime.connect()
    except Exception as error:  # the zulip client raises several kinds; all mean "cannot start"
        store.close()
        # Some failures (a site that is not a Zulip server) come with an empty message.
        why = str(error) or f"{type(error).__name__} (is this a Zulip server?)"
        log.error("%s", connect_failure(settings.api.site, why))
        return 1
    assert runtime.bot is not None
    scheduler = MeetingScheduler(app, runtime.bot)

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


def connect_failure(site: str, why: str) -> str:
    """Why ``run`` could not connect to ``site``, naming the site once."""
    # The zulip client's own messages ("cannot connect to server SITE/api/") name it already.
    if site.rstrip("/") in why:
        return f"cannot start: {why}"
    return f"cannot connect to Zulip at {site}: {why}"


def read_settings(config: str | None, database: str | None) -> tuple[Settings | None, str]:
    """The settings a read command uses, and where its series come from; None after saying
    what is wrong. ``database`` replaces the botrc's; with it and no botrc named or found,
    the series are ``meetbot shell``'s demo series (the shell keeps no botrc)."""
    from zulip_meetbot import demo

    path = config or DEFAULT_BOTRC
    source = path
    if config is None and database and not Path(path).exists():
        file = absolute_path(database)
        settings: Settings | None = demo.demo_settings(file.parent)
        source = SHELL_DATABASE
    else:
        settings = load_checked_settings(path, database_hint=True)
    if settings is not None and database:
        settings = replace(settings, database=absolute_path(database))
    return settings, source


def series_named(settings: Settings, source: str, slug: str) -> SeriesConfig | None:
    """The series ``slug``, or None after naming the ones there are."""
    series = settings.series_by_slug(slug)
    if series is None:
        known = ", ".join(s.slug for s in settings.series)
        if source == SHELL_DATABASE:
            where = f": with no botrc, --database reads a {source}, whose series is {known!r}"
        else:
            where = f" in {source} (series: {known})"
        print(f"meetbot: no series {slug!r}{where}", file=sys.stderr)
    return series


@contextmanager
def reading(settings: Settings, required: bool = True) -> Iterator[Session]:
    """One read-only transaction on the database, which is never created or changed.

    A database that does not exist yet reads as an empty record unless ``required``;
    raises :class:`DatabaseProblem` for one that cannot be read.
    """
    from zulip_meetbot.store import Store, explained, missing_database, open_store

    if settings.database.exists():
        store = open_store(settings.database, read_only=True)
        if store.new:
            # An empty file is a database nothing was written to: read as one, left as it is.
            store.close()
            store = Store(None)
    elif required or not settings.database.parent.is_dir():
        raise missing_database(settings.database)
    else:
        store = Store(None)  # a bot that never ran has done nothing yet
    try:
        with explained(settings.database, opened=True), store.transaction() as session:
            yield session
    finally:
        store.close()


def _write_out(data: str | bytes, output: str | None) -> None:
    if output:
        if isinstance(data, str):
            data = data.encode("utf-8")
        Path(output).write_bytes(data)
    elif isinstance(data, bytes):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        sys.stdout.write(data)


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
    _write_out(calendar, output)
    return 0


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
        return 1
    except TemplateProblem as problem:
        print(f"meetbot: {problem}", file=sys.stderr)
        return 1
    _write_out(text, output)
    return 0


def list_meetings(settings: Settings, series: SeriesConfig) -> int:
    """``meetbot meetings SLUG``: past meetings with attendance counts."""
    from zulip_meetbot.archive import meetings_table, past_meetings

    with reading(settings) as session:
        past = past_meetings(session, series)
    sys.stdout.write(meetings_table(series, past))
    return 0


def show_attendance(
    settings: Settings, series: SeriesConfig, as_csv: bool, output: str | None
) -> int:
    """``meetbot attendance SLUG``: people by meetings attended."""
    from zulip_meetbot.archive import attendance_csv, attendance_matrix, attendance_table

    with reading(settings) as session:
        matrix = attendance_matrix(session, series)
    _write_out(attendance_csv(matrix) if as_csv else attendance_table(series, matrix), output)
    return 0


def manage_database(database: Path, action: str) -> int:
    """``meetbot db upgrade`` and ``meetbot db current``."""
    from zulip_meetbot.store import missing_database, open_store, schema_revision

    if action == "current":
        print(schema_revision(database))
        return 0
    if not database.exists():
        # A mistyped path would otherwise become a new, empty database.
        raise missing_database(database)
    store = open_store(database)
    store.close()
    done = store.upgrade
    if done is None:
        print(schema_revision(database))
    elif done.created:
        print(f"database {database}: new, made at revision {done.after}")
    else:
        before = f"revision {done.before}" if done.before else "before schema revisions"
        print(f"database {database}: upgraded from {before} to revision {done.after}")
    return 0


def show_upcoming(
    settings: Settings, source: str, slug: str | None, days: int, required: bool = False
) -> int:
    """``meetbot upcoming [SLUG]``: the posts the bot will make, from the scheduler's plan."""
    from datetime import timedelta

    from zulip_meetbot.timeutil import SystemClock
    from zulip_meetbot.upcoming import plan_text, series_plan

    chosen = list(settings.series)
    if slug is not None:
        one = series_named(settings, source, slug)
        if one is None:
            return EXIT_CONFIG
        chosen = [one]
    now = SystemClock().now()
    until = now + timedelta(days=days)
    with reading(settings, required) as session:
        plans = [series_plan(session, s, now, settings.reminder_grace, until) for s in chosen]
    sys.stdout.write(plan_text(plans, days))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

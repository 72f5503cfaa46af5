"""Scheduling at scale: how long the scheduler takes to plan the jobs of 1,000 series.

In process, on a SQLite file in a temporary folder: 1,000 weekly series (each with the default
reminders a day and an hour before; every third with skip_if_empty's look at the agenda, every
second with a personal reminder, every twentieth with an open governance vote, every fiftieth
with a running meeting whose item under discussion has a timebox: its overrun nudge), as one bot
serving a whole foundation would have. Measured: the reconcile at start-up with no stored job
(the first run), again at a restart (every job stored already), after one series' calendar
change (a chair's `skip`, as a command's reply waits for it), and `meetbot upcoming` for every
series; with the SQL statements each ran. ``--since 2015-01-05`` makes the series begin that
day instead (the same weekdays and hours), so that each has years of meetings behind it.

    python bench/scale_reconcile.py [--series 1000] [--since YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import benchkit
from benchkit import Figure
from sqlalchemy import event

TARGET_RECONCILE_SECONDS = 1.0  # issue 17: 1,000 series reconciled within a second
# A calendar change is reconciled before the command's reply goes: it must not be felt.
TARGET_CHANGE_SECONDS = 0.1
TARGET_UPCOMING_SECONDS = 1.0  # `meetbot upcoming` stays instant
# bench/run.py's second set: series with years of meetings behind them (a Monday).
BEGUN_LONG_AGO = date(2015, 1, 5)
ROSTER_SIZE = 5
API = """\
[api]
email = meetbot-bot@zulip.example
key = bench-key
site = http://127.0.0.1:9

[meetbot]
database = meetbot.sqlite3
notes_dir = notes
chairs = 1
# The commands that build the data come from few people in no time: not a flood.
commands_per_minute = 100000
"""


def botrc(series_count: int, first_day: datetime, since: date | None = None) -> str:
    """Weekly series spread over the week's days and hours, two days ahead at least, so no
    job falls due while it is measured; from ``since`` on (years of meetings behind them) at
    the same weekdays and hours, if given."""
    sections = []
    for n in range(series_count):
        start = first_day + timedelta(days=n % 7, hours=n % 24, minutes=(n * 7) % 60)
        if since is not None:
            start = _begun_in(start, since)
        extra = ""
        if n % 3 == 0:
            extra += "skip_if_empty = 2h\n"
        if n % 20 == 0:
            extra += "votes = steering\n"
        sections.append(
            f"\n[series:s{n}]\ntitle = Series {n} Call\nstream = s{n}\n"
            f"topic = s{n} call {{date}}\nstart = {start:%Y-%m-%d %H:%M}\ntimezone = UTC\n"
            f"schedule = FREQ=WEEKLY\nduration = 60m\n{extra}"
        )
    members = ", ".join(str(user_id) for user_id in range(1, ROSTER_SIZE + 1))
    return API + "".join(sections) + f"\n[roster:steering]\nmembers = {members}\n"


def _begun_in(start: datetime, since: date) -> datetime:
    """``start`` moved back whole weeks to the first day on or after ``since``: the same
    weekday and wall time, years earlier."""
    weeks = (start.date() - since).days // 7
    return start - timedelta(weeks=weeks)


class QueryCounter:
    """Counts the SQL statements the store's engine runs in this thread (the job store's
    included; APScheduler's own thread looks at its next instant when it wakes up)."""

    def __init__(self, engine: Any) -> None:
        self.count = 0
        self._thread = threading.get_ident()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        if threading.get_ident() == self._thread:
            self.count += 1


@dataclass
class Timed:
    seconds: float
    statements: int


def _timed(queries: QueryCounter, work: Any) -> Timed:
    before = queries.count
    started = time.perf_counter()
    work()
    return Timed(time.perf_counter() - started, queries.count - before)


def populate(h: Any, series_count: int) -> None:
    """Through the handler, as people would: `remind me`, `vote open`, and running meetings
    with a timeboxed item under discussion."""
    chair = h.person(1, "Jaime Chair")
    for user_id in range(2, ROSTER_SIZE + 1):
        h.person(user_id, f"Person {user_id}")
    for n in range(series_count):
        where = {"stream": f"s{n}", "topic": f"s{n} call"}
        if n % 2 == 0:
            h.say(h.person(100 + n, f"Member {n}"), "remind me 30m", **where)
        if n % 20 == 0:
            h.send(chair, f"vote open standard: Adopt proposal {n}", stream=f"s{n}", topic="votes")
        if n % 50 == 0:
            h.say(chair, "agenda add Release plan", **where)
            h.say(chair, "agenda time 1 10m", **where)
            h.send(chair, "start now", **where)
            h.say(chair, "item 1", **where)


def measure(series_count: int = 1000, since: date | None = None) -> list[Figure]:
    from harness import Harness

    from zulip_meetbot.cli.upcoming import show_upcoming
    from zulip_meetbot.scheduler import MeetingScheduler

    # The bot's clock is the real one (APScheduler runs on it), to the second.
    now = datetime.now(timezone.utc).replace(microsecond=0)
    first_day = (now + timedelta(days=2)).replace(hour=0, minute=0, second=0)
    with benchkit.temp_folder("scale-reconcile") as folder:
        h = Harness(folder, botrc(series_count, first_day, since), now)
        build_started = time.perf_counter()
        populate(h, series_count)
        build_seconds = time.perf_counter() - build_started
        queries = QueryCounter(h.store.engine)
        first = MeetingScheduler(h.app, h.bot)
        cold = _timed(queries, first.start)
        assert first._aps is not None
        jobs = len(first._aps.get_jobs())
        again = _timed(queries, first.reconcile)
        first.shutdown()
        second = MeetingScheduler(h.app, h.bot)
        warm = _timed(queries, second.start)
        # A chair skips one series' next meeting; the command's reconcile (its jobs go, the
        # next meeting's come) is timed on its own.
        series = h.settings.series[series_count // 2]
        hook, h.app.on_calendar_change = h.app.on_calendar_change, None
        chair = h.person(1, "Jaime Chair")
        h.say(chair, "skip", stream=series.stream, topic=f"{series.slug} call")
        h.app.on_calendar_change = hook
        changed = _timed(queries, lambda: h.app.calendar_changed(series))
        second.shutdown()
        upcoming = _timed(queries, lambda: _upcoming(show_upcoming, h.settings, folder))
        h.store.close()
    n = f"{series_count:,} series"
    if since is not None:
        n += f" begun in {since.year}"
    return [
        Figure(
            f"reconcile at start-up, {n}",
            cold.seconds,
            "s",
            TARGET_RECONCILE_SECONDS,
            detail=f"no job stored yet: {jobs:,} jobs planned, {cold.statements:,} SQL "
            f"statements (catch-up of what is due included; data built in "
            f"{build_seconds:.1f} s)",
        ),
        Figure(
            f"reconcile at restart, {n}",
            warm.seconds,
            "s",
            TARGET_RECONCILE_SECONDS,
            detail=f"{jobs:,} jobs stored already: {warm.statements:,} SQL statements",
        ),
        Figure(
            f"reconcile, nothing changed, {n}",
            again.seconds,
            "s",
            TARGET_RECONCILE_SECONDS,
            detail=f"as every 5 minutes and after each job: {again.statements:,} SQL statements",
        ),
        Figure(
            f"reconcile after one series' skip, {n}",
            changed.seconds,
            "s",
            TARGET_CHANGE_SECONDS,
            detail=f"before the command's reply: {changed.statements:,} SQL statements",
        ),
        Figure(
            f"meetbot upcoming, {n}",
            upcoming.seconds,
            "s",
            TARGET_UPCOMING_SECONDS,
            detail="every series' next week, in process (the command's start-up not included)",
        ),
    ]


def measure_begun_long_ago(series_count: int = 1000) -> list[Figure]:
    """:func:`measure` with series begun in 2015: a first expansion must not walk the years."""
    return measure(series_count, BEGUN_LONG_AGO)


def _upcoming(show_upcoming: Any, settings: Any, folder: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        show_upcoming(settings, str(folder / "botrc"), None, 7)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument(
        "--since",
        type=date.fromisoformat,
        default=None,
        help="the series begin on the first of their weekdays from this date (YYYY-MM-DD)",
    )
    args = parser.parse_args(argv)
    benchkit.print_table(measure(args.series, args.since))
    return 0


if __name__ == "__main__":
    sys.exit(main())

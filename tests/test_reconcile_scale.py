"""Scheduling at scale (issue 17): a reconcile reads and writes the database a few times
whatever the number of series and jobs, counted with SQLAlchemy's statement event."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from harness import Harness
from sqlalchemy import event

from zulip_meetbot.scheduler import MeetingScheduler

API = """\
[api]
email = meetbot-bot@zulip.example
key = test-key
site = http://127.0.0.1:9

[meetbot]
database = meetbot.sqlite3
notes_dir = notes
chairs = 1
commands_per_minute = 100000
"""


def botrc(series_count: int, first_day: datetime) -> str:
    """Weekly series two days ahead at least (no job falls due while counted), every other
    one with skip_if_empty's look at the agenda, every fifth voting."""
    sections = ""
    for n in range(series_count):
        start = first_day + timedelta(days=n % 7, hours=n % 24)
        extra = ("skip_if_empty = 2h\n" if n % 2 == 0 else "") + (
            "votes = steering\n" if n % 5 == 0 else ""
        )
        sections += (
            f"\n[series:s{n}]\ntitle = Series {n}\nstream = s{n}\ntopic = s{n} {{date}}\n"
            f"start = {start:%Y-%m-%d %H:%M}\ntimezone = UTC\nschedule = FREQ=WEEKLY\n{extra}"
        )
    return API + sections + "\n[roster:steering]\nmembers = 1, 2, 3\n"


class Counted:
    """A bot of ``series_count`` series, as people left it (personal reminders, votes open,
    meetings running with an item's timebox ticking), its scheduler started, and the SQL
    statements its engine runs counted."""

    def __init__(self, folder: Path, series_count: int) -> None:
        # APScheduler runs on the real clock: the bot's is set to it.
        now = datetime.now(timezone.utc).replace(microsecond=0)
        first_day = (now + timedelta(days=2)).replace(hour=0, minute=0, second=0)
        self.folder = folder
        self.h = h = Harness(folder, botrc(series_count, first_day), now)
        chair = h.person(1, "Jaime Chair")
        h.person(2, "Wolf Vollprecht")
        h.person(3, "Dasha Ivanova")
        for n in range(series_count):
            where: dict[str, Any] = {"stream": f"s{n}", "topic": f"s{n} call"}
            assert "direct message" in h.say(
                h.person(100 + n, f"Member {n}"), "remind me 30m", **where
            )
            if n % 5 == 0:
                h.send(chair, f"vote open standard: Proposal {n}", stream=f"s{n}", topic="votes")
            if n % 10 == 0:
                h.say(chair, "agenda add Release plan", **where)
                h.say(chair, "agenda time 1 10m", **where)
                h.send(chair, "start now", **where)
                assert "Now discussing item **1**" in h.say(chair, "item 1", **where)
        self.statements = 0
        self.thread = threading.get_ident()
        event.listen(h.store.engine, "before_cursor_execute", self._seen)
        self.scheduler = MeetingScheduler(h.app, h.bot)

    def _seen(self, *args: Any) -> None:
        # The reconciling thread's, not APScheduler's (its wake-ups come when they come).
        if threading.get_ident() == self.thread:
            self.statements += 1

    def count(self, work: Any) -> int:
        before = self.statements
        work()
        return self.statements - before

    def jobs(self) -> int:
        assert self.scheduler._aps is not None
        return len(self.scheduler._aps.get_jobs())


@pytest.fixture
def small(tmp_path: Path) -> Counted:
    (tmp_path / "small").mkdir()
    return Counted(tmp_path / "small", 10)


@pytest.fixture
def large(tmp_path: Path) -> Counted:
    (tmp_path / "large").mkdir()
    return Counted(tmp_path / "large", 200)


def test_a_reconcile_runs_as_many_sql_statements_for_200_series_as_for_10(
    small: Counted, large: Counted
) -> None:
    counts = {}
    for bot in (small, large):
        try:
            # At start-up: what was due is caught up on, then every job is written.
            started = bot.count(bot.scheduler.start)
            jobs = bot.jobs()
            unchanged = bot.count(bot.scheduler.reconcile)
            series = bot.h.settings.series[3]
            chair = bot.h.person(1, "Jaime Chair")
            bot.h.say(chair, "skip", stream=series.stream, topic="s3 call")  # reconciles s3
            changed = bot.count(partial(bot.scheduler.reconcile, series))
        finally:
            bot.scheduler.shutdown()
        counts[len(bot.h.settings.series)] = (jobs, started, unchanged, changed)
    (small_jobs, *small_counts), (large_jobs, *large_counts) = counts[10], counts[200]
    # Reminders, starts, ends, empty-agenda looks, personal reminders, votes' reminders and
    # closes, nudges: about six jobs a series.
    assert small_jobs >= 50 and large_jobs >= 20 * small_jobs - 20
    assert large_counts == small_counts
    assert small_counts[1] <= 20  # a reconcile with nothing to change: a few reads


def test_the_jobs_are_those_planned_one_by_one_and_one_series_change_moves_only_its_own(
    small: Counted,
) -> None:
    bot = small
    bot.scheduler.start()
    try:
        aps = bot.scheduler._aps
        assert aps is not None
        planned = {action.key: action.at for action in bot.scheduler.pending_actions()}
        planned |= {vote.key: vote.at for vote in bot.scheduler.vote_actions()}
        planned |= {nudge.key: nudge.at for nudge in bot.scheduler.nudges_ahead()}
        stored = {job.id: job.next_run_time for job in aps.get_jobs()}
        assert stored.pop("meetbot-reconcile") is not None
        assert stored == planned
        kinds = {key.split("|")[3] for key in planned if key.startswith("s")}
        assert kinds == {"empty-check", "reminder", "start", "end", "personal"}
        assert any(key.startswith("vote-") for key in planned)
        assert any(key.startswith("nudge|") for key in planned)

        series = bot.h.settings.series[3]
        before = {job.id for job in aps.get_jobs()}
        chair = bot.h.person(1, "Jaime Chair")
        bot.h.say(chair, "skip", stream=series.stream, topic="s3 call")
        after = {job.id for job in aps.get_jobs()}
        # The skipped meeting's jobs went, the next meeting's came; no other series' moved.
        assert {key.split("|")[0] for key in before ^ after} == {"s3"}
        gone = min(key.split("|")[1] for key in before - after)
        assert all(key.split("|")[1] > gone for key in after - before)
        bot.scheduler.reconcile()  # a full reconcile finds nothing more to do
        assert {job.id for job in aps.get_jobs()} == after
    finally:
        bot.scheduler.shutdown()

"""Catch-up at scale (issue 17): what a restart reads back (the attendance messages whose
reactions still count, the posted reminders whose 👎 send regrets) comes from a few SQL
statements however many series, and is the same as asking series by series."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from harness import Harness
from sqlalchemy import event
from test_reconcile_scale import API

from zulip_meetbot import store
from zulip_meetbot.actions.regrets import MEETINGS_READ_BACK
from zulip_meetbot.scheduler import MeetingScheduler

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def botrc(series_count: int) -> str:
    """Weekly series all meeting at 17:00 UTC on 2025-02-12, reminded a day and an hour before."""
    return API + "".join(
        f"\n[series:s{n}]\ntitle = Series {n}\nstream = s{n}\ntopic = s{n} {{date}}\n"
        "start = 2025-02-12 17:00\ntimezone = UTC\nschedule = FREQ=WEEKLY\nduration = 60m\n"
        "reminders = 1d, 1h\n"
        for n in range(series_count)
    )


class Foundation(Harness):
    """``series_count`` series after their reminders went out and their meetings began: every
    third running, every third ended a minute ago, every third not started (a late start)."""

    def __init__(self, folder: Path, series_count: int) -> None:
        folder.mkdir()
        super().__init__(folder, botrc(series_count), at("2025-02-10 12:00"))
        self.count = series_count
        scheduler = MeetingScheduler(self.app, self.bot)
        chair = self.person(1, "Jaime Chair")
        for instant in ("2025-02-11 17:00", "2025-02-12 16:00"):
            self.clock.set(at(instant))
            scheduler.run_due()
        self.clock.set(at("2025-02-12 17:00"))
        for n in range(series_count):
            if n % 3 != 2:
                self.send(chair, "start now", stream=f"s{n}", topic=f"s{n} 2025-02-12")
            if n % 3 == 1:
                self.send(chair, "end", stream=f"s{n}", topic=f"s{n} 2025-02-12")
        self.clock.advance(timedelta(minutes=1))
        self.statements = 0
        event.listen(self.store.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        self.statements += 1

    def counted(self, read: Any) -> tuple[Any, int]:
        """What ``read()`` gives and the SQL statements it ran."""
        before = self.statements
        found = read()
        return found, self.statements - before

    def attendance_one_by_one(self) -> list[int]:
        """The attendance messages read series by series, as before issue 17."""
        found = []
        with self.store.transaction() as session:
            for series in self.settings.series:
                running = store.running_meeting(session, series.slug)
                last = store.last_ended_meeting(session, series.slug)
                recent = last is not None and last.ended_at is not None
                recent = recent and self.clock.now() - last.ended_at <= series.attendance_grace
                for row in (running, last if recent else None):
                    if row is not None and row.attendance_message_id:
                        found.append(row.attendance_message_id)
        return found


def test_attendance_messages_read_back_in_a_few_statements_whatever_the_series(
    tmp_path: Path,
) -> None:
    counts = []
    for series_count in (3, 30):
        bot = Foundation(tmp_path / str(series_count), series_count)
        found, statements = bot.counted(bot.handler.open_attendance_message_ids)
        assert found == bot.attendance_one_by_one()
        # Two thirds of the series started (one of those two ended a minute ago): each one's
        # attendance message still counts reactions; the late ones have none yet.
        assert len(found) == len([n for n in range(series_count) if n % 3 != 2])
        counts.append(statements)
    # The ended meetings' series are each asked which meeting is their last: one statement a
    # meeting ended within the grace, none a series.
    assert counts[1] - counts[0] == 9
    assert counts[0] <= 5


def test_posted_reminders_read_back_in_two_statements_whatever_the_series(
    tmp_path: Path,
) -> None:
    counts = []
    for series_count in (3, 30):
        bot = Foundation(tmp_path / str(series_count), series_count)
        groups, statements = bot.counted(bot.handler.open_reminder_groups)
        with bot.store.transaction() as session:
            expected = []
            for series in bot.settings.series:
                for row in store.meetings_to_come(
                    session, series.slug, bot.clock.now(), MEETINGS_READ_BACK
                ):
                    prefix = f"{series.slug}|{row.occurrence_start:%Y%m%dT%H%M%SZ}|"
                    ids = sorted(
                        action.message_id
                        for action in store.posted_actions(session, prefix)
                        if action.message_id is not None and "|reminder|" in action.key
                    )
                    if ids:
                        expected.append(tuple(ids))
        assert groups == expected
        # The running meetings each had two reminders posted; an ended meeting's and a late
        # one's (past its start, not begun) 👎 no longer count.
        assert len(groups) == len([n for n in range(series_count) if n % 3 == 0])
        assert all(len(group) == 2 for group in groups)
        counts.append(statements)
    assert counts == [2, 2]


def test_posted_actions_under_takes_each_prefix_exactly(tmp_path: Path) -> None:
    bot = Foundation(tmp_path / "bot", 12)
    with bot.store.transaction() as session:
        prefixes = ["s1|", "s10|", "s2|20250212T170000Z|", "s99|"]
        found = [row.key for row in store.posted_actions_under(session, prefixes)]
        one_by_one = sorted(
            row.key for prefix in prefixes for row in store.posted_actions(session, prefix)
        )
    assert found == one_by_one
    assert found  # s1's, s10's and s2's reminders and starts were posted
    assert not any(key.startswith(("s11|", "s3|")) for key in found)

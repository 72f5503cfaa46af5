"""Personal reminders (`remind me`): set, changed, stopped; each direct message sent once, at
its instant, across restarts, never for a skipped meeting, following a moved one. In process,
with a clock the tests move."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from harness import BOTRC, Harness
from test_compound_schedules import CONDA_SCHEDULE, botrc_with

from zulip_meetbot import upcoming
from zulip_meetbot.commands import USAGE
from zulip_meetbot.domain.personal_reminders import DEFAULT_OFFSET, MOST_OFFSET
from zulip_meetbot.scheduler import MeetingScheduler
from zulip_meetbot.terminal.session import ShellOptions, open_session
from zulip_meetbot.timeutil import parse_duration

UTC = timezone.utc
# The harness' series meets every other Wednesday at 17:00 UTC from 2025-02-12.
START = "<time:2025-02-12T17:00:00+00:00>"
TOPIC_LINK = "#**conda>community call 2025-02-12**"
GRACE = timedelta(minutes=15)
VIDEO = "https://zoom.us/j/9138593505?pwd=SWh3dE1IK05LV01Qa0FJZ1ZpMzJLZz09"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Scheduled:
    """A harness and its scheduler; `to(...)` moves the clock, runs what is due and returns
    the direct messages the bot sent."""

    def __init__(self, folder: Path, text: str = BOTRC, now: str = "2025-02-10 12:00") -> None:
        folder.mkdir(exist_ok=True)
        self.h = Harness(folder, text, at(now))
        self.scheduler = MeetingScheduler(self.h.app, self.h.bot)
        self.wolf = self.h.person(2, "Wolf Vollprecht")
        self.chair = self.h.person(1, "Jaime Chair")

    def to(self, when: str) -> list[dict[str, Any]]:
        self.h.bot.reset_transcript()
        self.h.clock.set(at(when))
        self.scheduler.run_due()
        return [m for m in self.h.posted() if m["type"] == "direct"]

    def restart(self) -> None:
        """A new scheduler over the same database, as after the process restarted."""
        self.scheduler = MeetingScheduler(self.h.app, self.h.bot)


@pytest.fixture
def sched(tmp_path: Path) -> Scheduled:
    return Scheduled(tmp_path)


def test_remind_me_sets_the_default_then_says_what_is_set_changes_and_stops(
    sched: Scheduled,
) -> None:
    wolf = sched.wolf
    assert sched.h.say(wolf, "remind me") == (
        "Done: I will send you a direct message 15 minutes before each meeting of "
        "**Conda Community Meeting**. `remind me off` stops it."
    )
    # Said again: nothing changes, the reply says what is set.
    said = sched.h.say(wolf, "remind me")
    assert said.startswith("I send you a direct message 15 minutes before each meeting")
    assert "(was" not in sched.h.say(wolf, "remind me 15m")
    assert "1 hour before each meeting of **Conda Community Meeting** (was 15 minutes)" in (
        sched.h.say(wolf, "remind me 1h")
    )
    # `remind me` alone keeps the hour (it does not go back to the default).
    assert "1 hour before" in sched.h.say(wolf, "remind me")
    assert sched.h.say(wolf, "remind me off").startswith("Done: no more direct messages")
    assert sched.h.say(wolf, "remind me off").startswith("You had no reminder")
    # By direct message to the bot, as in the stream.
    assert "2 hours before" in sched.h.say(wolf, "remind me 2 hours", stream=None)


def test_bad_input_gets_a_clear_reply_and_changes_nothing(sched: Scheduled) -> None:
    wolf = sched.wolf
    sched.h.say(wolf, "remind me 1h")
    assert sched.h.say(wolf, "remind me 40d") == (
        "Sorry: 5 weeks 5 days ahead is too early: a personal reminder comes at most 1 week "
        "before the meeting. Nothing changed."
    )
    soon = sched.h.say(wolf, "remind me soon")
    assert "`soon` is not a time before the meeting like 15m, 1h or 1d." in soon
    assert "`remind me OFFSET`" in soon  # the usage follows
    assert "reminds only you" in sched.h.say(wolf, "remind Othello 1h")
    assert "Sorry" in sched.h.say(wolf, "remind me 0m")
    assert "1 hour before" in sched.h.say(wolf, "remind me")  # still the hour
    assert "1 week before" in sched.h.say(wolf, "remind me 7d")  # the most is allowed
    # A week before the meeting has passed: the message goes at once, and only one.
    [dm] = sched.to("2025-02-10 12:01")
    assert f"starts {START} (in 2 days 4 hours 59 minutes)" in dm["content"]
    assert sched.to("2025-02-12 16:59") == []


def test_the_help_says_the_default_and_the_most(sched: Scheduled) -> None:
    [usage] = [u for u in USAGE if u.verb == "remind"]
    # The help writes them as people type them.
    assert "default 15m" in usage.does and parse_duration("15m") == DEFAULT_OFFSET
    assert "at most 7d" in usage.does and parse_duration("7d") == MOST_OFFSET
    assert "`remind me off`" in sched.h.say(sched.wolf, "help remind")


def test_the_direct_message_goes_once_at_its_instant(sched: Scheduled) -> None:
    sched.h.say(sched.wolf, "remind me")
    sched.h.say(sched.h.person(3, "Othello"), "remind me 1h")
    assert sched.to("2025-02-12 15:59:59") == []
    [othello] = sched.to("2025-02-12 16:00")
    assert othello["to"] == [3]
    assert "(in 1 hour)" in othello["content"]
    assert sched.to("2025-02-12 16:44:59") == []
    [dm] = sched.to("2025-02-12 16:45")
    assert (dm["type"], dm["to"]) == ("direct", [2]) and "topic" not in dm
    text = dm["content"]
    assert f"**Conda Community Meeting** starts {START} (in 15 minutes)." in text
    assert f"Call: {VIDEO}" in text
    assert f"Topic: {TOPIC_LINK}" in text
    assert "`community: remind me off` stops it" in text
    assert sched.to("2025-02-12 16:46") == []
    # The next meeting gets its own.
    assert [dm["to"] for dm in sched.to("2025-02-26 16:00")] == [[3]]
    [following] = sched.to("2025-02-26 16:45")
    assert "<time:2025-02-26T17:00:00+00:00>" in following["content"]


def test_each_direct_message_is_sent_once_across_restarts(sched: Scheduled) -> None:
    sched.h.say(sched.wolf, "remind me")
    sched.restart()  # planned by a scheduler that did not see the command
    assert len(sched.to("2025-02-12 16:45")) == 1
    sched.restart()
    assert sched.to("2025-02-12 16:45:30") == []
    assert sched.to("2025-02-12 16:50") == []


def test_one_missed_while_down_is_sent_late_only_before_the_start(tmp_path: Path) -> None:
    late = Scheduled(tmp_path / "late")
    late.h.say(late.wolf, "remind me")
    [dm] = late.to("2025-02-12 16:55")  # down from before 16:45 until 16:55
    assert "(in 5 minutes)" in dm["content"]

    missed = Scheduled(tmp_path / "missed")
    missed.h.say(missed.wolf, "remind me")
    assert missed.to("2025-02-12 17:00") == []  # down until the start: none, ever
    assert missed.to("2025-02-12 17:01") == []


def test_a_skipped_meeting_sends_none(sched: Scheduled) -> None:
    sched.h.say(sched.wolf, "remind me")
    sched.h.say(sched.chair, "skip", topic="planning")
    assert sched.to("2025-02-12 16:45") == []
    assert sched.to("2025-02-12 16:59") == []
    [next_one] = sched.to("2025-02-26 16:45")
    assert "<time:2025-02-26T17:00:00+00:00>" in next_one["content"]


def test_a_rescheduled_meetings_message_follows_the_new_time(sched: Scheduled) -> None:
    sched.h.say(sched.wolf, "remind me")
    sched.h.say(sched.chair, "reschedule 2025-02-13 18:30", topic="planning")
    assert sched.to("2025-02-12 16:45") == []
    assert sched.to("2025-02-13 18:14") == []
    [dm] = sched.to("2025-02-13 18:15")
    assert "starts <time:2025-02-13T18:30:00+00:00> (in 15 minutes)" in dm["content"]


def test_a_meeting_moved_after_its_message_went_gets_one_for_the_new_time(
    sched: Scheduled,
) -> None:
    sched.h.say(sched.wolf, "remind me 1h")
    assert len(sched.to("2025-02-12 16:00")) == 1
    sched.h.say(sched.chair, "reschedule +1d", topic="planning")
    assert sched.to("2025-02-12 16:01") == []
    [again] = sched.to("2025-02-13 16:00")
    assert "starts <time:2025-02-13T17:00:00+00:00>" in again["content"]


def test_the_direct_messages_follow_a_compound_schedules_alternating_times_across_dst(
    tmp_path: Path,
) -> None:
    # conda's call held at 17:00 and 14:00 Berlin time in turn: 16:00 and 13:00 UTC in March,
    # 15:00 and 12:00 UTC once the clocks move on 29 March.
    sched = Scheduled(
        tmp_path, botrc_with(CONDA_SCHEDULE, zone="Europe/Berlin"), "2026-03-16 12:00"
    )
    sched.h.say(sched.wolf, "remind me")
    for start in ("2026-03-18 16:00", "2026-03-25 13:00", "2026-04-01 15:00", "2026-04-08 12:00"):
        due = at(start) - DEFAULT_OFFSET
        assert sched.to(f"{due - timedelta(seconds=1):%Y-%m-%d %H:%M:%S}") == []
        [dm] = sched.to(f"{due:%Y-%m-%d %H:%M}")
        assert f"starts <time:{at(start).isoformat()}> (in 15 minutes)" in dm["content"]


def test_the_second_rules_meeting_moved_or_skipped_moves_or_stops_its_message(
    tmp_path: Path,
) -> None:
    sched = Scheduled(tmp_path, botrc_with(CONDA_SCHEDULE), "2026-01-08 12:00")
    sched.h.say(sched.wolf, "remind me")
    sched.h.say(sched.chair, "reschedule +1h", topic="planning")  # 14 January, 14:00 → 15:00
    assert sched.to("2026-01-14 13:45") == []
    [moved] = sched.to("2026-01-14 14:45")
    assert "starts <time:2026-01-14T15:00:00+00:00>" in moved["content"]
    sched.h.say(sched.chair, "skip 2026-01-21", topic="planning")  # the first rule's, 17:00
    assert sched.to("2026-01-21 16:45") == []
    [after] = sched.to("2026-01-28 13:45")
    assert "starts <time:2026-01-28T14:00:00+00:00>" in after["content"]


def test_stopped_or_changed_before_the_instant(sched: Scheduled) -> None:
    sched.h.say(sched.wolf, "remind me 1h")
    sched.h.say(sched.wolf, "remind me off")
    assert sched.to("2025-02-12 16:00") == []
    sched.h.say(sched.wolf, "remind me 30m")
    assert sched.to("2025-02-12 16:29") == []
    [dm] = sched.to("2025-02-12 16:30")
    assert "(in 30 minutes)" in dm["content"]
    # Changing the offset once it went sends no second one for that meeting.
    sched.h.say(sched.wolf, "remind me 10m")
    assert sched.to("2025-02-12 16:50") == []


def test_the_plan_shows_each_direct_message(sched: Scheduled) -> None:
    sched.h.say(sched.wolf, "remind me 1h")
    keys = [action.key for action in sched.scheduler.pending_actions()]
    assert "community|20250212T170000Z|20250212T170000Z|personal|2" in keys


def test_stored_jobs_move_when_the_offset_changes(tmp_path: Path) -> None:
    # APScheduler runs on the real clock, so this meeting lies in its future.
    text = BOTRC.replace("start = 2025-02-12 17:00", "start = 2030-02-12 17:00")
    later = Scheduled(tmp_path, text, "2030-02-10 12:00")
    key = "community|20300212T170000Z|20300212T170000Z|personal|2"
    later.scheduler.start()
    try:
        later.h.say(later.wolf, "remind me 1h")
        aps = later.scheduler._aps
        assert aps is not None
        job = aps.get_job(key)
        assert job is not None and job.next_run_time == at("2030-02-12 16:00")
        later.h.say(later.wolf, "remind me 10m")
        job = aps.get_job(key)
        assert job is not None and job.next_run_time == at("2030-02-12 16:50")
        later.h.say(later.wolf, "remind me off")
        assert aps.get_job(key) is None
    finally:
        later.scheduler.shutdown()


def test_remind_me_in_the_shell_prints_the_direct_message_at_its_instant(tmp_path: Path) -> None:
    out = io.StringIO()
    opened = open_session(
        ShellOptions(now="2025-02-10 13:00", timezone="Europe/Berlin"), tmp_path, out
    )
    assert not isinstance(opened, list), opened
    session, store = opened
    try:
        for line in ("@meetbot remind me 30m", "/clock 2025-02-12 17:31"):
            session.handle_line(line)
    finally:
        store.close()
    printed = out.getvalue()
    assert "I will send you a direct message 30 minutes before each meeting" in printed
    # The demo series meets at 17:00 UTC (18:00 in Berlin): the message came at 17:30 Berlin.
    _, _, after = printed.partition("-- Wed 12 Feb 2025, 17:30 CET:")
    assert "(message 5, direct message to hamlet):" in after.split("--")[0]
    assert "starts Wed 12 Feb 2025, 18:00 CET (in 30 minutes)" in after


def test_meetbot_upcoming_lists_each_direct_message(sched: Scheduled) -> None:
    sched.h.say(sched.wolf, "remind me 30m")
    now, until = at("2025-02-10 12:00"), at("2025-02-13 00:00")
    with sched.h.store.transaction() as session:
        plan = upcoming.series_plan(session, sched.h.settings.series[0], now, GRACE, until)
    text = upcoming.plan_text([plan], 3)
    assert "Wed 12 Feb 2025, 16:30 UTC" in text
    assert "direct message to user 2, 30 minutes before the meeting" in text

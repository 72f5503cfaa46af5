"""A compound schedule through `meetbot run`, on the real clock, over HTTP: conda's alternating
call (two fortnightly rules, a week apart, three hours apart on the wall clock) shifted so that
its second rule's first meeting is seconds after the bot starts, plus an RDATE seconds before it
and an EXDATE weeks later. Each meeting's reminder comes at its own time and names it; `next`
alternates the two rules' wall times; restarted, the bot posts nothing again."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from livebot import Person, bot_posts_in, botrc_text, start_bot, stop_bot, wait_until
from zulipfake import FakeZulip

_LEAD = 5  # seconds: `reminders = 5s`


def _wall(instant: datetime) -> str:
    return f"{instant:%Y-%m-%d %H:%M:%S}"


def test_each_meeting_of_a_compound_schedule_is_reminded_at_its_own_time(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    extra = now + timedelta(seconds=9)  # the RDATE: a one-off meeting
    second = now + timedelta(seconds=17)  # the second rule's first meeting (conda's 14:00)
    first = second - timedelta(days=7) + timedelta(hours=3)  # the first rule's (17:00), past
    removed = second + timedelta(days=35, hours=3)  # the first rule's, on the EXDATE's day
    schedule = (
        "FREQ=WEEKLY;INTERVAL=2\n"
        f"    {_wall(second)} FREQ=WEEKLY;INTERVAL=2\n"
        f"    RDATE {_wall(extra)}\n"
        f"    EXDATE {removed:%Y-%m-%d}"
    )
    keys = f"schedule = {schedule}\nreminders = {_LEAD}s\nauto_start = no"
    botrc = (
        botrc_text(server, bot, str(community["hamlet"].user_id))
        .replace("start = 2030-01-02 17:00", f"start = {_wall(first)}\n{keys}")
        # Today's two meetings, eight seconds apart, do not overlap (`check` would warn).
        .replace("duration = 60m", "duration = 5s")
    )
    live = start_bot(server, tmp_path, bot, botrc)

    def reminders() -> list[dict[str, Any]]:
        # Each meeting's own topic (near midnight, the two are on different days).
        topics = sorted({f"community call {start:%Y-%m-%d}" for start in (extra, second)})
        return [m for t in topics for m in bot_posts_in(server, bot, t, "starts <time:")]

    try:
        hamlet = Person(server, community["hamlet"], bot, live)
        answer = hamlet.say("next 7", topic="chat")["content"]
        week = timedelta(days=7)
        expected = [extra, second] + [
            second + n * week + (timedelta(hours=3) if n % 2 else timedelta()) for n in range(1, 7)
        ]
        expected.remove(removed)
        times = re.findall(r"<time:([^>]+)>", answer)
        assert times == [t.isoformat() for t in expected], answer

        wait_until(lambda: len(reminders()) == 2, live, "both reminders", 25)
    finally:
        assert stop_bot(live) == 0
    # Each names its own meeting and was posted its lead before that meeting, not before.
    for reminder, start in zip(reminders(), (extra, second), strict=True):
        content = reminder["content"]
        assert f"starts <time:{start.isoformat()}>" in content, content
        assert re.search(rf"\(in [1-{_LEAD}] seconds?\)", content), content
        # Zulip's timestamps are whole seconds, rounded down; a loaded machine may post a
        # moment late, never before the reminder's instant or after the start.
        assert start.timestamp() - _LEAD <= reminder["timestamp"] < start.timestamp()

    # The scheduler's own account: each at its meeting's instant less the lead, no warning.
    done = re.findall(r"reminder for (\S+ \S+) done", live.log())
    assert done == [str(extra), str(second)], live.log()
    # Today's two meetings share a day, so a topic: `check`'s warning says so, and nothing else.
    warnings = [line for line in live.log().splitlines() if " WARNING " in line]
    assert all("share the topic" in line for line in warnings), live.log()

    again = start_bot(server, tmp_path, bot, botrc)
    try:
        assert "<time:" in Person(server, community["hamlet"], bot, again).say("next")["content"]
    finally:
        assert stop_bot(again) == 0
    assert len(reminders()) == 2

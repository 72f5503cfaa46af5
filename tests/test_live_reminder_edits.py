"""A posted reminder edited after a reschedule and after a skip, through `meetbot run` and the
test Zulip's PATCH /messages, on the real clock: the meeting starts seconds after the bot does,
its reminder a moment before that (no automatic start: the chair moves it first)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from livebot import Person, botrc_text, start_bot, stop_bot, wait_until
from zulipfake import FakeUser, FakeZulip

# The reminder is posted a couple of seconds after the bot starts; the meeting is moved or
# skipped well before its start.
_START_IN = timedelta(seconds=20)
_REMINDER = "18s"


# The series' zone: UTC, or twelve hours behind it when the meeting and its move would fall on
# two days there (a run near midnight UTC), so that the meeting keeps one topic.
_FAR_FROM_MIDNIGHT = ZoneInfo("Etc/GMT+12")


def _zone(start: datetime) -> ZoneInfo:
    if (start + timedelta(minutes=10)).date() != start.date():
        return _FAR_FROM_MIDNIGHT
    return ZoneInfo("UTC")


def _botrc(server: FakeZulip, bot: FakeUser, chair: FakeUser, start: datetime) -> str:
    zone = _zone(start)
    return (
        botrc_text(server, bot, str(chair.user_id))
        .replace("timezone = UTC", f"timezone = {zone.key}")
        .replace("start = 2030-01-02 17:00", f"start = {start.astimezone(zone):%Y-%m-%d %H:%M:%S}")
        .replace("duration = 60m", f"duration = 60m\nreminders = {_REMINDER}\nauto_start = no")
    )


def _topic(start: datetime, first: datetime | None = None) -> str:
    """The topic of the meeting at ``start`` in the zone chosen for the one at ``first``."""
    return f"community call {start.astimezone(_zone(first or start)):%Y-%m-%d}"


def _edits(server: FakeZulip, message_id: int) -> int:
    """How many times the bot asked to edit ``message_id``."""
    path = f"/api/v1/messages/{message_id}"
    return sum(1 for r in server.requests if r.method == "PATCH" and r.path == path)


def _bot_posts(server: FakeZulip, bot: FakeUser, topic: str, text: str) -> list[dict[str, Any]]:
    return [
        m
        for m in server.messages_in("community", topic)
        if m["sender_id"] == bot.user_id and text in m["content"]
    ]


def test_a_reminder_is_edited_after_a_reschedule_and_after_a_skip_each_once(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot, hamlet = zulip_server, community["bot"], community["hamlet"]
    start = (datetime.now(timezone.utc) + _START_IN).replace(microsecond=0)
    live = start_bot(server, tmp_path, bot, _botrc(server, bot, hamlet, start))
    try:
        topic = _topic(start)
        wait_until(lambda: bool(_bot_posts(server, bot, topic, "starts <time:")), live, "reminder")
        [reminder] = _bot_posts(server, bot, topic, "starts <time:")
        chair = Person(server, hamlet, bot, live)

        moved = start + timedelta(minutes=5)
        reply = chair.say("reschedule +5m", topic=topic)
        assert "moves from" in reply["content"]  # in the meeting's topic: the reply is the notice
        wait_until(lambda: _edits(server, reminder["id"]) == 1, live, "the reminder's edit")
        first = server.message(reminder["id"])["content"].split("\n")[0]
        assert f"starts ~~<time:{start.isoformat()}> (in " in first
        assert first.endswith(f"~~ <time:{moved.isoformat()}>.")

        reply = chair.say("skip", topic="chat")
        assert "the notice is in" in reply["content"]
        new_topic = _topic(moved, start)
        wait_until(
            lambda: bool(_bot_posts(server, bot, new_topic, "is cancelled")), live, "the notice"
        )
        wait_until(lambda: _edits(server, reminder["id"]) == 2, live, "the second edit")
        first = server.message(reminder["id"])["content"].split("\n")[0]
        assert f"starts ~~<time:{start.isoformat()}> (in " in first
        assert first.endswith("~~ **cancelled**.")
        time.sleep(0.5)  # nothing more comes
    finally:
        assert stop_bot(live) == 0
    assert _edits(server, reminder["id"]) == 2
    assert len(_bot_posts(server, bot, _topic(moved, start), "is cancelled")) == 1
    assert len(_bot_posts(server, bot, topic, "moves from")) == 1


def test_a_reminder_past_the_edit_limit_is_left_alone_and_the_notice_is_posted(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot, hamlet = zulip_server, community["bot"], community["hamlet"]
    server.set_message_editing(limit_seconds=1)  # read by the bot when it registers its queue
    start = (datetime.now(timezone.utc) + _START_IN).replace(microsecond=0)
    live = start_bot(server, tmp_path, bot, _botrc(server, bot, hamlet, start))
    try:
        topic = _topic(start)
        wait_until(lambda: bool(_bot_posts(server, bot, topic, "starts <time:")), live, "reminder")
        [reminder] = _bot_posts(server, bot, topic, "starts <time:")
        time.sleep(1.5)  # the limit passes
        reply = Person(server, hamlet, bot, live).say("skip", topic=topic)
        assert "is cancelled" in reply["content"]  # the notice, in the meeting's topic
        time.sleep(0.5)
    finally:
        assert stop_bot(live) == 0
    assert _edits(server, reminder["id"]) == 0  # not even asked: Zulip would refuse
    assert server.message(reminder["id"])["content"] == reminder["content"]
    assert len(_bot_posts(server, bot, topic, "is cancelled")) == 1
    assert "posted too long ago to edit" in live.log()

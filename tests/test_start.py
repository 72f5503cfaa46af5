"""A chair's `start`: long before the next meeting it needs that meeting's date or `now`, and
what it says names the meeting it started."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from harness import BOTRC, Harness

from zulip_meetbot import store
from zulip_meetbot.commands import StartMeeting, UsageError, parse_command
from zulip_meetbot.domain.people import Member

# The harness's series meets fortnightly on Wednesdays at 17:00 UTC: 2025-02-12, 2025-02-26.
DAY_AFTER = datetime(2025, 2, 13, 10, 0, tzinfo=timezone.utc)


def running_date(bot: Harness) -> date | None:
    with bot.store.transaction() as session:
        row = store.running_meeting(session, "community")
        return None if row is None else row.scheduled_start.date()


@pytest.fixture
def chair(tmp_path: Path) -> tuple[Harness, Member]:
    bot = Harness(tmp_path, now=DAY_AFTER)
    return bot, bot.person(1, "Jaime Chair")


def test_start_parses_a_date_or_now_as_confirmation() -> None:
    assert parse_command("start") == StartMeeting()
    assert parse_command("start now") == StartMeeting(now=True)
    assert parse_command("START Now") == StartMeeting(now=True)
    assert parse_command("start 2025-02-26") == StartMeeting(day=date(2025, 2, 26))
    with pytest.raises(UsageError, match="a date like") as refused:
        parse_command("start next week")
    assert "`start YYYY-MM-DD`" in str(refused.value) and "`start now`" in str(refused.value)


def test_plain_start_long_before_the_next_meeting_is_refused_saying_which_and_how_to_confirm(
    chair: tuple[Harness, Member],
) -> None:
    bot, jaime = chair
    done = bot.send(jaime, "start", topic="community call 2025-02-12")
    [(kind, reply)] = done  # a reply and nothing posted
    assert kind == "send_reply"
    text = reply["content"]
    assert text.startswith(
        "Sorry: the next **Conda Community Meeting** is the meeting of 2025-02-26"
    )
    assert "<time:2025-02-26T17:00:00+00:00>" in text
    assert "more than 12 hours away" in text
    assert "`start 2025-02-26` or `start now`" in text
    assert running_date(bot) is None


def test_start_with_the_next_meetings_date_starts_it_early_and_says_which(
    chair: tuple[Harness, Member],
) -> None:
    bot, jaime = chair
    done = bot.send(jaime, "start 2025-02-26", topic="chat")
    [attendance] = [message for kind, message in done if kind == "send_message"]
    assert attendance["topic"] == "community call 2025-02-26"
    assert (
        "This is the meeting of 2025-02-26 (<time:2025-02-26T17:00:00+00:00>)"
        in (attendance["content"])
    )
    [reply] = [message for kind, message in done if kind == "send_reply"]
    assert "Started **Conda Community Meeting**, the meeting of 2025-02-26" in reply["content"]
    assert running_date(bot) == date(2025, 2, 26)
    assert "the meeting of 2025-02-26" in bot.say(jaime, "start")  # already running, says which


def test_start_now_confirms_an_early_start(chair: tuple[Harness, Member]) -> None:
    bot, jaime = chair
    bot.send(jaime, "start now")
    assert running_date(bot) == date(2025, 2, 26)


def test_start_with_another_meetings_date_is_refused_naming_the_next_one(
    chair: tuple[Harness, Member],
) -> None:
    bot, jaime = chair
    reply = bot.say(jaime, "start 2025-03-12")
    assert "the next **Conda Community Meeting** is the meeting of 2025-02-26" in reply
    assert "not of 2025-03-12" in reply and "`start 2025-02-26`" in reply
    assert running_date(bot) is None


def test_plain_start_within_12_hours_of_the_meeting_starts_it(tmp_path: Path) -> None:
    bot = Harness(tmp_path, now=datetime(2025, 2, 26, 5, 1, tzinfo=timezone.utc))
    done = bot.send(bot.person(1, "Jaime Chair"), "start", topic="community call 2025-02-26")
    assert [kind for kind, _ in done] == ["send_message"]  # the attendance message answers
    assert running_date(bot) == date(2025, 2, 26)


def test_start_takes_the_meetings_date_in_the_series_zone_across_a_dst_change(
    tmp_path: Path,
) -> None:
    # 00:30 in Berlin on Sunday 2025-03-30, the night clocks go forward: still 2025-03-29 in UTC.
    botrc = (
        BOTRC.replace("start = 2025-02-12 17:00", "start = 2025-03-23 00:30")
        .replace("timezone = UTC", "timezone = Europe/Berlin")
        .replace("FREQ=WEEKLY;INTERVAL=2", "FREQ=WEEKLY")
    )
    bot = Harness(tmp_path, botrc, now=datetime(2025, 3, 24, 12, 0, tzinfo=timezone.utc))
    jaime = bot.person(1, "Jaime Chair")
    refused = bot.say(jaime, "start 2025-03-29")
    assert "is the meeting of 2025-03-30 (<time:2025-03-29T23:30:00+00:00>)" in refused
    assert running_date(bot) is None
    bot.send(jaime, "start 2025-03-30")
    with bot.store.transaction() as session:
        row = store.running_meeting(session, "community")
        assert row is not None
        assert row.scheduled_start == datetime(2025, 3, 29, 23, 30, tzinfo=timezone.utc)


def test_start_commits_its_reply_and_owed_attendance_message_before_posting(
    chair: tuple[Harness, Member], monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, jaime = chair

    def killed(message: dict[str, Any]) -> dict[str, Any]:
        raise SystemExit("killed while posting")  # what a kill leaves: nothing after this

    monkeypatch.setattr(bot.bot, "send_message", killed)
    message = bot.message(jaime, "start now", topic="chat")
    with pytest.raises(SystemExit):
        bot.handler.handle_message(message, bot.bot)
    # What the next start finds: the reply and the attendance message, both owed.
    since = DAY_AFTER - timedelta(days=1)
    [(command_id, reply)] = bot.app.ledger.owed_replies(since).replies
    assert command_id == message["id"] and reply.startswith("Started **Conda Community Meeting**")
    [owed] = bot.app.ledger.owed_posts(since)
    assert owed.topic == "community call 2025-02-26" and "React to this message" in owed.content
    bot.app.ledger.post_delivered(owed.key, 4242)
    assert bot.app.ledger.owed_posts(since) == []
    with bot.store.transaction() as session:
        row = store.running_meeting(session, "community")
        assert row is not None and row.attendance_message_id == 4242

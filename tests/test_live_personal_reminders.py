"""`remind me` through `meetbot run`, on the real clock, over HTTP to the fake Zulip: the
direct message comes its offset before the start, once, and not again after a restart."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from livebot import Person, botrc_text, start_bot, stop_bot, wait_until
from zulipfake import FakeZulip


def test_remind_me_sends_one_direct_message_before_the_start_even_across_a_restart(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot, othello = zulip_server, community["bot"], community["othello"]
    start = (datetime.now(timezone.utc) + timedelta(seconds=12)).replace(microsecond=0)
    botrc = botrc_text(server, bot, str(community["hamlet"].user_id)).replace(
        "start = 2030-01-02 17:00", f"start = {start:%Y-%m-%d %H:%M:%S}"
    )
    topic = f"community call {start:%Y-%m-%d}"
    live = start_bot(server, tmp_path, bot, botrc)

    def reminders() -> list[dict[str, Any]]:
        return [
            m
            for m in server.messages
            if m["sender_id"] == bot.user_id
            and m["type"] == "private"
            and "You asked for this with `remind me`" in m["content"]
        ]

    try:
        answer = Person(server, othello, bot, live).dm("remind me 6s")
        assert "6 seconds before each meeting of **Community Call**" in answer["content"]
        wait_until(lambda: bool(reminders()), live, "the personal reminder", 20)
    finally:
        assert stop_bot(live) == 0
    [dm] = reminders()
    assert {r["id"] for r in dm["display_recipient"]} == {othello.user_id, bot.user_id}
    assert f"starts <time:{start.isoformat()}>" in dm["content"]
    assert "Call: https://meet.example.org/community" in dm["content"]
    assert f"Topic: #**community>{topic}**" in dm["content"]
    # 6 s before the start; a loaded machine may send it a moment late, never after the start.
    assert dm["timestamp"] < start.timestamp()

    # Restarted before the start: the claim in the database keeps it from going again.
    again = start_bot(server, tmp_path, bot, botrc)
    try:
        # Answered once the scheduler has run what was due at start-up.
        assert "6 seconds before" in Person(server, othello, bot, again).dm("remind me")["content"]
    finally:
        assert stop_bot(again) == 0
    assert len(reminders()) == 1

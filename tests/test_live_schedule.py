"""Reminders and the automatic start through `meetbot run`, on the real clock, over HTTP.

The series starts a few seconds after the bot does, with a reminder seconds before that, so the
whole schedule plays out in under ten seconds. Then the bot is restarted: nothing is posted
again.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from livebot import botrc_text, start_bot, stop_bot, wait_until
from zulipfake import FakeZulip


def test_reminder_and_auto_start_fire_on_time_and_never_twice_across_a_restart(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    start = (datetime.now(timezone.utc) + timedelta(seconds=7)).replace(microsecond=0)
    botrc = (
        botrc_text(server, bot, str(community["hamlet"].user_id))
        .replace("start = 2030-01-02 17:00", f"start = {start:%Y-%m-%d %H:%M:%S}")
        .replace("duration = 60m", "duration = 60m\nreminders = 4s")
    )
    topic = f"community call {start:%Y-%m-%d}"
    live = start_bot(server, tmp_path, bot, botrc)

    def bot_posts(text: str) -> list[dict[str, Any]]:
        return [
            m
            for m in server.messages_in("community", topic)
            if m["sender_id"] == bot.user_id and text in m["content"]
        ]

    wait_until(lambda: bool(bot_posts("React to this message")), live, "the automatic start", 20)
    [reminder] = bot_posts("starts <time:")
    assert f"<time:{start.isoformat()}>" in reminder["content"]
    # 4 s before the start; a loaded machine may post it a moment late.
    assert re.search(r"\(in [1-4] seconds?\)", reminder["content"]), reminder["content"]
    assert "Call: https://meet.example.org/community" in reminder["content"]

    def lateness() -> list[float]:
        return [float(s) for s in re.findall(r"done (\d+\.\d+) s after its instant", live.log())]

    # The start logs its lateness once its attendance message is posted: a moment after.
    wait_until(lambda: len(lateness()) == 2, live, "the start's log line", 5)
    late = lateness()
    assert len(late) == 2, live.log()
    print(f"\nreminder and start fired {late[0]:.3f} s and {late[1]:.3f} s after their instants")
    assert stop_bot(live) == 0

    again = start_bot(server, tmp_path, bot, botrc)
    try:
        hamlet = server.client(community["hamlet"])
        hamlet.send_message(
            {
                "type": "stream",
                "to": "community",
                "topic": topic,
                "content": f"@**{bot.full_name}** next",
            }
        )
        server.wait_for_message(
            lambda m: m["sender_id"] == bot.user_id and "running now" in m["content"]
        )
    finally:
        assert stop_bot(again) == 0
    assert len(bot_posts("starts <time:")) == 1
    assert len(bot_posts("React to this message")) == 1

"""skip_if_empty through `meetbot run`, on the real clock, over HTTP.

The meeting starts some twenty seconds after the bot does and its agenda is looked at seconds
after that start-up: it is empty, so the meeting is cancelled with a notice. A chair's `unskip`
brings it back; its reminder and its start follow. Restarted, the bot posts nothing again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from livebot import Person, bot_posts_in, soon_botrc, start_bot, stop_bot, wait_until
from zulipfake import FakeZulip


def test_an_empty_meeting_is_cancelled_live_and_unskip_brings_it_back(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    chairs = str(community["hamlet"].user_id)
    botrc, start = soon_botrc(server, bot, chairs, 25, "reminders = 5s\nskip_if_empty = 18s")
    topic = f"community call {start:%Y-%m-%d}"
    live = start_bot(server, tmp_path, bot, botrc)

    def bot_posts(text: str) -> list[dict[str, Any]]:
        return bot_posts_in(server, bot, topic, text)

    try:
        wait_until(lambda: bool(bot_posts("is cancelled")), live, "the cancellation", 20)
        [notice] = bot_posts("is cancelled")
        assert f"<time:{start.isoformat()}> is cancelled: its agenda is empty" in notice["content"]
        assert "a chair says `unskip` before the start" in notice["content"]
        assert bot_posts("starts <time:") == []

        hamlet = Person(server, community["hamlet"], bot, live)
        reply = hamlet.say("unskip", topic=topic)
        assert "is held after all" in reply["content"], reply["content"]

        wait_until(lambda: bool(bot_posts("React to this message")), live, "the start", 30)
        [reminder] = bot_posts("starts <time:")
        assert f"<time:{start.isoformat()}>" in reminder["content"]
    finally:
        assert stop_bot(live) == 0

    again = start_bot(server, tmp_path, bot, botrc)
    try:
        Person(server, community["hamlet"], bot, again).say("next", topic=topic)
    finally:
        assert stop_bot(again) == 0
    assert len(bot_posts("is cancelled")) == 1
    assert len(bot_posts("starts <time:")) == 1
    assert len(bot_posts("React to this message")) == 1

"""Regrets through `meetbot run`, on the real clock, over HTTP to the test Zulip: one person says
`regrets`, another reacts 👎 on the meeting's first reminder (the test Zulip's reaction API);
the second reminder lists both; the second attends after all, so the notes written at `end`
name only the first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from livebot import Person, bot_posts_in, soon_botrc, start_bot, stop_bot, wait_until
from zulipfake import FakeZulip

OTHELLO = "Othello, the Moor of Venice"
CORDELIA = "Cordelia, Lear's daughter"


def test_regrets_by_command_and_by_reaction_reach_the_next_reminder_and_the_notes(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    chairs = str(community["hamlet"].user_id)
    # The first reminder a few seconds after the bot starts, the second seven seconds later.
    botrc, start = soon_botrc(server, bot, chairs, 14, "reminders = 10s, 3s")
    topic = f"community call {start:%Y-%m-%d}"
    live = start_bot(server, tmp_path, bot, botrc)
    hamlet, othello, cordelia = (
        Person(server, community[name], bot, live) for name in ("hamlet", "othello", "cordelia")
    )

    def bot_posts(text: str) -> list[dict[str, Any]]:
        return bot_posts_in(server, bot, topic, text)

    try:
        wait_until(lambda: bool(bot_posts("starts <time:")), live, "the first reminder", 15)
        [first] = bot_posts("starts <time:")
        assert (
            "Cannot come? React with :-1: to this message, or say `regrets`." in (first["content"])
        )
        assert "Regrets" not in first["content"]

        reply = othello.say("regrets", topic="chat")["content"]
        assert reply.startswith(
            f"Noted: you cannot come to **Community Call** on <time:{start.isoformat()}>."
        ), reply
        cordelia.react(first["id"], "thumbs_down")
        wait_until(lambda: f"{CORDELIA} sent regrets by reaction" in live.log(), live, "the 👎", 5)

        wait_until(lambda: len(bot_posts("starts <time:")) == 2, live, "the second reminder", 15)
        second = bot_posts("starts <time:")[1]
        assert f"\n**Regrets:** {OTHELLO}, {CORDELIA}\n" in second["content"], second["content"]

        # Cordelia can come after all: she is an attendee, not a regret.
        wait_until(lambda: bool(bot_posts("React to this message")), live, "the start", 15)
        [attendance] = bot_posts("React to this message")
        cordelia.react(attendance["id"], "wave")
        summary = hamlet.say("end", topic=topic)["content"]
        assert "has ended" in summary and CORDELIA in summary and OTHELLO not in summary
    finally:
        assert stop_bot(live) == 0
    notes = (tmp_path / "notes" / f"{start:%Y-%m-%d}-community.md").read_text()
    assert f"\n2 people in total\n\nRegrets: {OTHELLO}\n" in notes, notes
    assert f"| {CORDELIA} " in notes.replace("  ", " ")
    assert len(bot_posts("starts <time:")) == 2

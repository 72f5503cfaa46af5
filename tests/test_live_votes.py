"""A quick vote through `meetbot run`, the real zulip client and our Zulip-compatible server:
the bot posts the vote and reacts with each option's emoji; people vote by reacting; a stop
and a start read back the reactions made meanwhile; `vote close` posts the tally."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from livebot import LiveBot, Person, botrc_text, start_bot, stop_bot, wait_until
from zulipfake import FakeZulip


@pytest.fixture
def live_bot(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> Iterator[LiveBot]:
    chairs = str(community["hamlet"].user_id)
    live = start_bot(
        zulip_server, tmp_path, community["bot"], botrc_text(zulip_server, community["bot"], chairs)
    )
    yield live
    stop_bot(live)


def reactions(server: FakeZulip, message_id: int) -> list[tuple[int, str]]:
    return [(r["user_id"], r["emoji_name"]) for r in server.message(message_id)["reactions"]]


def test_a_quick_vote_by_reactions_through_meetbot_run(
    zulip_server: FakeZulip, community: dict[str, Any], live_bot: LiveBot, tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    hamlet, othello, iago, cordelia = (
        Person(server, community[n], bot, live_bot)
        for n in ("hamlet", "othello", "iago", "cordelia")
    )
    assert "React to this message" in hamlet.say("start now")["content"]
    assert "Added item **1**" in hamlet.say("agenda add Release 25.1")["content"]
    hamlet.say("item 1")

    vote = othello.say("vote Ship 25.1 on Monday?")
    assert "**Vote 1**" in vote["content"] and ":+1: **yes**" in vote["content"]
    # The bot reacts with each option's emoji, so people can click.
    wait_until(lambda: len(reactions(server, vote["id"])) == 3, live_bot, "the bot's own reactions")
    assert reactions(server, vote["id"]) == [
        (bot.user_id, "+1"),
        (bot.user_id, "-1"),
        (bot.user_id, "shrug"),
    ]

    othello.react(vote["id"], "+1")
    iago.react(vote["id"], "+1")
    iago.react(vote["id"], "-1")  # the latest counts: no
    cordelia.react(vote["id"], "shrug")
    cordelia.unreact(vote["id"], emoji_name="shrug")  # withdrawn
    wait_until(
        lambda: "withdrew their ballot" in live_bot.log(), live_bot, "the reactions to be counted"
    )

    # Stopped, the bot misses a reaction; started again, it reads it back from Zulip.
    assert stop_bot(live_bot) == 0
    hamlet.react(vote["id"], "+1")
    again = start_bot(
        server, tmp_path, bot, botrc_text(server, bot, str(community["hamlet"].user_id))
    )
    try:
        tally = othello.say("vote close")["content"]
        assert "**Vote 1 closed** (3 ballots)" in tally
        assert "under item 1: Vote: Ship 25.1 on Monday? — yes 2, no 1, abstain 0" in tally

        hamlet.say("end")
        notes = (tmp_path / "notes" / "2030-01-02-community.md").read_text()
        assert "Vote: Ship 25.1 on Monday? — yes 2, no 1, abstain 0" in notes
        bot_posts = [m["content"] for m in server.messages if m["sender_id"] == bot.user_id]
        assert sum("**Vote 1**" in p for p in bot_posts) == 1
        assert sum("**Vote 1 closed**" in p for p in bot_posts) == 1
    finally:
        assert stop_bot(again) == 0

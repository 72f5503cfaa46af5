"""A whole meeting through `meetbot run`, the real zulip client and real HTTP.

The bot runs as a subprocess against our Zulip-compatible server on 127.0.0.1; people act through
real `zulip.Client`s of their own. The server checks every request against Zulip's OpenAPI
description (the `zulip_server` fixture fails the test on any violation).
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from livebot import TOPIC, LiveBot, Person, botrc_text, start_bot, stop_bot
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


def test_whole_meeting_from_agenda_add_to_notes_file(
    zulip_server: FakeZulip, community: dict[str, Any], live_bot: LiveBot
) -> None:
    server, bot = zulip_server, community["bot"]
    hamlet, othello, iago, cordelia = (
        Person(server, community[n], bot, live_bot)
        for n in ("hamlet", "othello", "iago", "cordelia")
    )

    # The bot subscribed itself to its series' stream at start-up.
    assert bot.user_id in server.stream_subscribers("community")

    reply = hamlet.say("agenda add Announce GSOC ideas")
    assert "Added item **1** to **New Agenda Items**" in reply["content"]
    assert "<time:2030-01-02T17:00:00+00:00>" in reply["content"]
    assert (
        "Added item **2** to **Announcements**"
        in othello.say("agenda add announcements: conda 25.1 is out", mention="id")["content"]
    )
    assert "Added item **1.1**" in hamlet.say("agenda sub 1 Submitted for `conda` org")["content"]
    assert "Added item **3**" in cordelia.say("agenda add Something | with a pipe")["content"]
    assert "Removed item **3**" in cordelia.say("agenda remove 3")["content"]
    assert "only the person who proposed item 1" in othello.say("agenda edit 1 hijacked")["content"]

    agenda = othello.dm("agenda")
    assert "- **1** (KH) Announce GSOC ideas" in agenda["content"]
    assert "- **1.1** Submitted for `conda` org" in agenda["content"]
    assert "(OTMOV) conda 25.1 is out" in agenda["content"]

    assert "only a chair" in othello.say("start")["content"]
    started = hamlet.client.send_message(
        {
            "type": "stream",
            "to": "community",
            "topic": TOPIC,
            "content": f"@**{bot.full_name}** start now",
        }
    )
    attendance = server.wait_for_message(
        lambda m: (
            m["sender_id"] == bot.user_id
            and m["id"] > started["id"]
            and "React to this message" in m["content"]
        )
    )
    assert attendance["subject"] == TOPIC and attendance["display_recipient"] == "community"

    othello.react(attendance["id"], "wave")
    othello.react(attendance["id"], "thumbs_up")
    othello.unreact(attendance["id"], emoji_name="wave")  # still has +1: still present
    iago.react(attendance["id"], "zulip")
    iago.unreact(attendance["id"], emoji_name="zulip", reaction_type="zulip_extra_emoji")  # gone
    cordelia.react(attendance["id"], "green_tick")  # a custom realm emoji counts too
    assert "marked present" in hamlet.say("here")["content"]

    assert (
        "Noted under item **1**"
        in othello.say("note 1 Better chance if one idea goes to conda-forge")["content"]
    )
    assert "Ticked item **1**" in hamlet.say("agenda done 1")["content"]
    assert "only a chair" in othello.say("end")["content"]

    ended = hamlet.client.send_message(
        {
            "type": "stream",
            "to": "community",
            "topic": TOPIC,
            "content": f"@**{bot.full_name}** end",
        }
    )
    summary = server.wait_for_message(
        lambda m: (
            m["sender_id"] == bot.user_id and m["id"] > ended["id"] and "has ended" in m["content"]
        )
    )
    assert "3 people attended" in summary["content"]
    for name in ("King Hamlet", "Othello, the Moor of Venice", "Cordelia, Lear's daughter"):
        assert name in summary["content"]
    assert "Iago" not in summary["content"]
    assert "2030-01-02-community.md" in summary["content"]

    notes = (live_bot.folder / "notes" / "2030-01-02-community.md").read_text()
    assert notes.startswith("---\ntags: [meeting-notes]\n---\n# 2030-01-02 Community Call\n")
    assert "[Video call link](https://meet.example.org/community)" in notes
    assert "3 people in total" in notes
    assert (
        "- [x] (KH) Announce GSOC ideas\n    - [ ] Submitted for `conda` org\n    - (OTMOV) Better chance if one idea goes to conda-forge\n"
        in notes
    )
    assert "## Announcements\n\n- [ ] (OTMOV) conda 25.1 is out\n" in notes
    assert "with a pipe" not in notes
    assert "| Othello, the Moor of Venice |" in notes.replace("  ", " ").replace("  ", " ")

    # Nothing the bot posted went out twice.
    bot_posts = [m["content"] for m in server.messages if m["sender_id"] == bot.user_id]
    assert len(bot_posts) == len(set(bot_posts))
    assert sum("React to this message" in p for p in bot_posts) == 1
    assert sum("has ended" in p for p in bot_posts) == 1

    assert stop_bot(live_bot) == 0


def test_private_stream_the_bot_was_not_added_to_is_reported(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    zulip_server.add_stream("secret-council", private=True, subscribers=[community["hamlet"]])
    botrc = botrc_text(zulip_server, community["bot"], "1") + (
        "\n[series:council]\ntitle = Council\nstream = secret-council\nstart = 2030-01-02 18:00\ntimezone = UTC\n"
    )
    live = start_bot(zulip_server, tmp_path, community["bot"], botrc)
    try:
        assert "cannot use stream 'secret-council'" in live.log()
        assert "add the bot to it" in live.log()
        assert community["bot"].user_id not in zulip_server.stream_subscribers("secret-council")
    finally:
        assert stop_bot(live) == 0


def test_live_bots_botrc_is_private_so_run_warns_of_no_permissions(
    zulip_server: FakeZulip, community: dict[str, Any], live_bot: LiveBot
) -> None:
    botrc = live_bot.folder / "botrc"
    assert stat.S_IMODE(botrc.stat().st_mode) == 0o600
    assert stop_bot(live_bot) == 0
    assert "readable by other users" not in live_bot.log()

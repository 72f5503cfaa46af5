"""Who may do what: the permission matrix, each cell exercised through the handler."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from harness import BOTRC, Harness

from zulip_meetbot.domain.people import Member

CHAIR, ADMIN, PROPOSER, OTHER = "chair", "admin", "proposer", "other"


@pytest.fixture
def bot(tmp_path: Path) -> Harness:
    harness = Harness(tmp_path)
    harness.person(1, "Jaime Chair")  # chairs = 1 in the botrc
    harness.person(11, "Iago Admin", admin=True)
    harness.person(2, "Wolf Proposer")
    harness.person(3, "Othello Other")
    harness.say(harness.directory.members[2], "agenda add Wolf's item")
    harness.say(harness.directory.members[2], "agenda add Another of Wolf's")
    return harness


def who(bot: Harness, role: str) -> Member:
    return bot.directory.members[{CHAIR: 1, ADMIN: 11, PROPOSER: 2, OTHER: 3}[role]]


# (command, roles allowed): everything else must be refused, and change nothing.
MATRIX = [
    ("start", {CHAIR, ADMIN}),
    ("skip", {CHAIR, ADMIN}),
    ("reschedule +1h", {CHAIR, ADMIN}),
    ("agenda edit 1 Rewritten", {CHAIR, ADMIN, PROPOSER}),
    ("agenda remove 1", {CHAIR, ADMIN, PROPOSER}),
    ("agenda move 2 1", {CHAIR, ADMIN, PROPOSER}),
    ("agenda done 1", {CHAIR, ADMIN, PROPOSER}),
    ("agenda defer 1", {CHAIR, ADMIN, PROPOSER}),
]


@pytest.mark.parametrize("role", [CHAIR, ADMIN, PROPOSER, OTHER])
@pytest.mark.parametrize(("command", "allowed"), MATRIX)
def test_permission_matrix(bot: Harness, command: str, allowed: set[str], role: str) -> None:
    before = bot.say(who(bot, CHAIR), "agenda")
    reply = "\n".join(m["content"] for _, m in bot.send(who(bot, role), command))
    refused = "only a chair" in reply or "only the person who proposed" in reply
    assert refused == (role not in allowed), reply
    if refused:
        assert bot.say(who(bot, CHAIR), "agenda") == before  # nothing changed


@pytest.mark.parametrize("role", [CHAIR, ADMIN, PROPOSER, OTHER])
def test_only_chairs_end_a_meeting_or_move_it_along(bot: Harness, role: str) -> None:
    bot.send(who(bot, CHAIR), "start now")
    allowed = role in (CHAIR, ADMIN)
    assert ("only a chair" in bot.say(who(bot, role), "item 1")) != allowed
    assert ("only a chair" in bot.say(who(bot, role), "here Sam Guest")) != allowed
    reply = "\n".join(m["content"] for _, m in bot.send(who(bot, role), "end"))
    assert ("only a chair" in reply) != allowed


def test_another_bots_messages_are_ignored(bot: Harness) -> None:
    robot = bot.person(50, "Some Other Bot", bot=True)
    assert bot.send(robot, "agenda add spam") == []
    assert "spam" not in bot.say(who(bot, CHAIR), "agenda")


def test_a_private_series_is_hidden_from_outsiders_in_direct_messages(tmp_path: Path) -> None:
    bot = Harness(tmp_path, BOTRC)
    insider = bot.person(3, "Insider")
    outsider = bot.person(4, "Outsider")
    bot.directory.outsiders.add(4)
    assert "Added item" in bot.say(insider, "agenda add secret plan", stream=None)
    for command in ("agenda", "agenda add sneaky", "next"):
        assert "private stream you are not in" in bot.say(outsider, command, stream=None)
        assert "private stream you are not in" in bot.say(
            outsider, f"community: {command}", stream="random"
        )
    assert "sneaky" not in bot.say(insider, "agenda", stream=None)


def test_wildcard_mentions_in_item_text_are_repeated_silently(bot: Harness) -> None:
    reply = bot.say(who(bot, OTHER), "agenda add ping @**all** and @**everyone** about @*core*")
    assert "@**all**" not in reply and "@**everyone**" not in reply and "@*core*" not in reply
    assert "@_**all**" in reply and "@_**everyone**" in reply and "@_*core*" in reply
    agenda = bot.say(who(bot, CHAIR), "agenda")
    assert "@**all**" not in agenda and "@_**all**" in agenda


def test_a_flood_gets_one_slow_down_but_ten_pasted_items_are_fine(tmp_path: Path) -> None:
    bot = Harness(tmp_path, BOTRC.replace("chairs = 1", "chairs = 1\ncommands_per_minute = 12"))
    person = bot.person(5, "Busy Person")
    for index in range(10):
        assert bot.say(person, f"agenda add pasted item {index}").startswith("Added item")
    replies = [bot.send(person, f"agenda add flood {index}") for index in range(40)]
    texts = [m["content"] for done in replies for _, m in done]
    assert sum("more than 12 commands in a minute" in text for text in texts) == 1
    assert len(texts) == 3  # two more items fit in the minute, then one notice
    bot.clock.advance(timedelta(minutes=1))
    assert bot.say(person, "agenda add after a pause").startswith("Added item")

"""A governance vote's reminders and close through `meetbot run`, the real zulip client and
our Zulip-compatible server, on the real clock, with restarts in between: each posted once.

A vote lasts days; while the bot is stopped the test moves the vote's instants (opening and
deadline) back in its database, as if those days had passed, so its reminder and its close
fall seconds after the next start.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from livebot import LiveBot, Person, botrc_text, start_bot, stop_bot, wait_until
from zulipfake import FakeZulip

from zulip_meetbot import store
from zulip_meetbot.store import Store

TOPIC = "vote 1: Adopt CEP 20"


def move_vote(folder: Path, deadline: datetime) -> None:
    """As if time had passed: vote 1 opened 7 days before ``deadline`` and closes then."""
    db = Store(folder / "meetbot.sqlite3")
    try:
        with db.transaction() as session:
            row = store.governance_vote(session, 1)
            assert row is not None
            row.opened_at, row.deadline = deadline - timedelta(days=7), deadline
    finally:
        db.close()


def test_a_vote_reminds_and_closes_once_each_through_meetbot_run_and_restarts(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    lear = server.add_user("King Lear", delivery_email="lear@zulip.com")
    prospero = server.add_user("Prospero", delivery_email="prospero@zulip.com")
    names = ("hamlet", "othello", "iago", "cordelia")
    roster = [community[n].user_id for n in names] + [lear.user_id, prospero.user_id]
    extra = "votes = steering\n\n[roster:steering]\nmembers = " + ", ".join(map(str, roster))
    botrc = botrc_text(server, bot, str(community["hamlet"].user_id), extra + "\n")

    def bot_posts(text: str) -> list[dict[str, Any]]:
        return [
            m
            for m in server.messages_in("community", TOPIC)
            if m["sender_id"] == bot.user_id and text in m["content"]
        ]

    live = start_bot(server, tmp_path, bot, botrc)
    hamlet, othello, iago, cordelia = (Person(server, community[n], bot, live) for n in names)
    opened = hamlet.say("vote open standard: Adopt CEP 20", topic="votes")
    assert "Vote 1 is open" in opened["content"]
    wait_until(lambda: bool(bot_posts("opened by")), live, "the vote's call")
    assert "is **yes**" in othello.say("vote yes 1", topic=TOPIC)["content"]
    assert "is **no**" in iago.say("vote no 1", topic=TOPIC)["content"]
    assert stop_bot(live) == 0

    # Days pass while the bot is down: the midpoint is behind, the day-before reminder seconds
    # ahead of the next start.
    day_before = datetime.now(timezone.utc) + timedelta(seconds=8)
    move_vote(tmp_path, day_before + timedelta(days=1))
    live = start_bot(server, tmp_path, bot, botrc)
    try:
        # The midpoint's, missed while down, is posted at the start; the other on time.
        wait_until(lambda: bool(bot_posts("halfway through")), live, "the late reminder")
        wait_until(lambda: bool(bot_posts("a day before")), live, "the day-before reminder", 20)
        [reminder] = bot_posts("a day before")
        assert (
            "So far: yes 1, no 1, abstain 0 — 2 of 6 ballots; quorum needs 5"
            in (reminder["content"])
        )
        assert f"@**King Hamlet|{community['hamlet'].user_id}**" in reminder["content"]
        assert f"@**King Lear|{lear.user_id}**" in reminder["content"]
        assert "Othello" not in reminder["content"]  # voted: not reminded
        # Logged once posted, by the scheduler's job.
        wait_until(lambda: "vote-1-remind-2 done" in live.log(), live, "its log line", 5)
    finally:
        assert stop_bot(live) == 0

    live = start_bot(server, tmp_path, bot, botrc)
    try:
        # A command answered: the start (and its catch-up of due actions) is over.
        assert "is **yes**" in hamlet.say("vote yes 1", topic=TOPIC)["content"]
        assert "is **yes**" in cordelia.say("vote yes 1", topic=TOPIC)["content"]
        assert (
            "is **abstain**"
            in Person(server, lear, bot, live).say("vote abstain 1", topic=TOPIC)["content"]
        )
    finally:
        assert stop_bot(live) == 0
    assert len(bot_posts("halfway through")) == 1
    assert len(bot_posts("a day before")) == 1

    # The last day passes too: the deadline is seconds ahead of the next start.
    move_vote(tmp_path, datetime.now(timezone.utc) + timedelta(seconds=8))
    live = start_bot(server, tmp_path, bot, botrc)
    try:
        wait_until(lambda: bool(bot_posts("**Vote 1 closed**")), live, "the close", 20)
        [result] = bot_posts("**Vote 1 closed**")
        assert "its deadline has passed" in result["content"]
        assert (
            "It **passed**: yes 3, no 1, abstain 1 (5 of 6 ballots, quorum 5)"
            in (result["content"])
        )
        wait_until(lambda: "vote-1-close done" in live.log(), live, "its log line", 5)
    finally:
        assert stop_bot(live) == 0

    again: LiveBot = start_bot(server, tmp_path, bot, botrc)
    try:
        assert "It **passed**" in othello.say("vote status 1", topic=TOPIC)["content"]
    finally:
        assert stop_bot(again) == 0
    assert len(bot_posts("opened by")) == 1
    assert len(bot_posts("halfway through")) == 1
    assert len(bot_posts("a day before")) == 1
    assert len(bot_posts("**Vote 1 closed**")) == 1

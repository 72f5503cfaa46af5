"""A timebox through `meetbot run`, on the real clock, over HTTP: item 1 planned to take a
minute (the shortest timebox) is taken up; while the bot is stopped the test moves the start
of its discussion back, as if the minute had passed, so the nudge falls seconds after the next
start; again for the one at twice the time. Each nudge is posted once, in the meeting's topic,
across the restarts; the notes show the planned and the actual minutes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from livebot import TOPIC, Person, bot_posts_in, botrc_text, start_bot, stop_bot, wait_until
from zulipfake import FakeZulip

from zulip_meetbot import store
from zulip_meetbot.models import ItemRow
from zulip_meetbot.store import Store

# Seconds after the bot is started again that a nudge falls due.
_AHEAD = timedelta(seconds=4)


def discussed_since(folder: Path, since: datetime) -> datetime:
    """As if time had passed: the current item has been discussed since ``since`` (its clock
    runs on); returns when the first nudge not yet posted falls due."""
    db = Store(folder / "meetbot.sqlite3")
    try:
        with db.transaction() as session:
            meeting = store.running_meeting(session, "community")
            assert meeting is not None and meeting.current_item_id is not None
            item = session.get(ItemRow, meeting.current_item_id)
            assert item is not None and item.planned_seconds == 60
            assert item.discussed_seconds == 0 and item.discussing_since is not None
            item.discussing_since = since
            return since + timedelta(seconds=60 * (item.nudges + 1))
    finally:
        db.close()


def test_an_overrun_item_is_nudged_once_at_its_time_and_once_at_twice_it_across_restarts(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    botrc = botrc_text(server, bot, str(community["hamlet"].user_id))
    live = start_bot(server, tmp_path, bot, botrc)
    hamlet, othello = (Person(server, community[n], bot, live) for n in ("hamlet", "othello"))

    def nudges() -> list[dict[str, Any]]:
        # The nudges begin with the stopwatch (replies about timeboxes show it later on).
        return [m for m in bot_posts_in(server, bot, TOPIC, "⏱") if m["content"][0] == "⏱"]

    assert "Added item **1**" in hamlet.say("agenda add Announce GSOC ideas")["content"]
    assert "Added item **2**" in othello.say("agenda add PyPI interop")["content"]
    reply = hamlet.say("agenda time 1 1m")["content"]
    assert reply == "Item **1** is planned to take 1 minute. ⏱ planned 1 min of 60 min.", reply
    started = hamlet.client.send_message(
        {"type": "stream", "to": "community", "topic": TOPIC, "content": "@**Meetbot** start now"}
    )
    server.wait_for_message(
        lambda m: m["id"] > started["id"] and "React to this message" in m["content"]
    )
    assert "Now discussing item **1**" in hamlet.say("item 1")["content"]
    assert stop_bot(live) == 0

    # The minute passes while the bot is down: its nudge is due seconds after the next start.
    due = discussed_since(tmp_path, datetime.now(timezone.utc) + _AHEAD - timedelta(minutes=1))
    live = start_bot(server, tmp_path, bot, botrc)
    try:
        wait_until(lambda: bool(nudges()), live, "the nudge", 15)
    finally:
        assert stop_bot(live) == 0
    [first] = nudges()
    assert first["content"] == (
        "⏱ Time's up for item **1** (Announce GSOC ideas): 1 min of 1 min planned. Wrap up, "
        "or a chair can give it more with `agenda time 1 DURATION`."
    )
    assert first["timestamp"] >= int(due.timestamp())  # not early (whole seconds)

    # Another minute passes: the one at twice the time is due seconds after the next start.
    due = discussed_since(tmp_path, datetime.now(timezone.utc) + _AHEAD - timedelta(minutes=2))
    live = start_bot(server, tmp_path, bot, botrc)
    hamlet = Person(server, community["hamlet"], bot, live)
    try:
        wait_until(lambda: len(nudges()) == 2, live, "the second nudge", 15)
        second = nudges()[1]
        assert second["content"] == (
            "⏱ The discussion of item **1** (Announce GSOC ideas) has taken 2 min, twice its "
            "planned 1 min."
        )
        assert second["timestamp"] >= int(due.timestamp())
        assert "has ended" in hamlet.say("end")["content"]
    finally:
        assert stop_bot(live) == 0
    assert len(nudges()) == 2 and all(m["subject"] == TOPIC for m in nudges())
    notes = (tmp_path / "notes" / "2030-01-02-community.md").read_text()
    assert "- [x] (KH) Announce GSOC ideas (1 min planned, 2 min taken)\n" in notes, notes
    assert "- [ ] (OTMOV) PyPI interop\n" in notes  # no timebox: as before

"""Reminders that stay true: a posted reminder is edited when its meeting moves or is skipped,
while the organization's message edit limit allows, and one notice is posted either way.

In process, through the harness, with a clock the tests move; the live test is in
test_live_reminder_edits.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from harness import BOT_ID, BOTRC, Harness
from test_schedule import botrc
from zulip_bots.test_lib import StubBotHandler

from zulip_meetbot import views
from zulip_meetbot.scheduler import MeetingScheduler
from zulip_meetbot.zulip.runtime import message_edit_limit

UTC = timezone.utc
TOPIC = "community call 2025-02-12"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class EditingStub(StubBotHandler):
    """zulip_bots' stub bot handler, answering an edit as Zulip does and keeping it in the
    transcript (the stub's own update_message answers nothing and keeps nothing)."""

    def update_message(self, message: dict[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        self.transcript.append(("update_message", message))
        return {"result": "success", "msg": ""}


class RefusingStub(StubBotHandler):
    """A Zulip that takes no post."""

    def send_message(self, message: dict[str, Any]) -> dict[str, Any]:
        self.transcript.append(("send_message", message))
        return {"result": "error", "msg": "unavailable", "code": "BAD_REQUEST"}


class Edits:
    """A harness whose Zulip keeps edits, its scheduler, and the edit limit the runtime would
    have read from Zulip."""

    def __init__(
        self, folder: Path, limit: timedelta | None = None, text: str = BOTRC, now: str = ""
    ) -> None:
        self.h = Harness(folder, text, at(now or "2025-02-10 12:00"))
        self.h.bot = EditingStub()
        self.h.bot.user_id, self.h.bot.full_name = BOT_ID, "Meetbot"
        self.h.app.message_edit_limit = limit
        self.scheduler = MeetingScheduler(self.h.app, self.h.bot)
        self.chair = self.h.person(1, "Jaime Chair")

    def to(self, when: str) -> list[dict[str, Any]]:
        """Move the clock to ``when``, run what is due; what the bot posted."""
        self.h.bot.reset_transcript()
        self.h.clock.set(at(when))
        self.scheduler.run_due()
        return self.h.posted()

    def edits_made(self) -> list[dict[str, Any]]:
        """The edits made since the clock last moved (by ``to``)."""
        return [m for kind, m in self.h.bot.transcript if kind == "update_message"]

    def chair_says(self, when: str, text: str, topic: str = TOPIC) -> Said:
        self.h.clock.set(at(when))
        return Said(self.h.send(self.chair, text, topic=topic))


class Said:
    """What the bot did in answer to one command."""

    def __init__(self, done: list[tuple[str, dict[str, Any]]]) -> None:
        self.edits = [m for kind, m in done if kind == "update_message"]
        self.posts = [m for kind, m in done if kind == "send_message"]
        self.replies = [m["content"] for kind, m in done if kind == "send_reply"]


def test_a_reschedule_edits_the_posted_reminder_once_and_the_reply_is_the_one_notice(
    tmp_path: Path,
) -> None:
    e = Edits(tmp_path)
    [reminder] = e.to("2025-02-11 17:00")
    said = e.chair_says("2025-02-11 17:05", "reschedule +1h")
    [edit] = said.edits
    assert edit["message_id"] == reminder["id"]
    first, *rest = edit["content"].split("\n")
    assert first == (
        "**Conda Community Meeting** starts ~~<time:2025-02-12T17:00:00+00:00> (in 1 day)~~ "
        "<time:2025-02-12T18:00:00+00:00>."
    )
    # The rest as posted; the time-zone page follows the move.
    posted_rest = reminder["content"].split("\n")[1:]
    assert rest == [line.replace("T170000", "T180000") for line in posted_rest]
    assert any("iso=20250212T180000" in line for line in rest)
    # Said in the meeting's topic: the reply is the notice, and nothing else is posted.
    [reply] = said.replies
    assert "moves from <time:2025-02-12T17:00:00+00:00> to" in reply
    assert said.posts == []
    # The same command read back again (catch-up and the event queue): nothing again.
    message = e.h.message(e.chair, "reschedule +1h", topic=TOPIC, message_id=1001)
    e.h.bot.reset_transcript()
    e.h.handler.handle_message(message, e.h.bot)
    assert e.h.bot.transcript == []


def test_after_a_reschedule_and_a_skip_each_posted_reminder_is_edited_once_per_change(
    tmp_path: Path,
) -> None:
    e = Edits(tmp_path)
    [day_before] = e.to("2025-02-11 17:00")
    [moved] = e.chair_says("2025-02-11 18:00", "reschedule +1h").edits
    assert (
        "~~<time:2025-02-12T17:00:00+00:00> (in 1 day)~~ <time:2025-02-12T18:00"
        in (moved["content"])
    )
    assert e.to("2025-02-12 16:00") == []  # the hour-before reminder moved with the meeting
    [hour_before] = e.to("2025-02-12 17:00")
    assert "starts <time:2025-02-12T18:00:00+00:00> (in 1 hour)." in hour_before["content"]

    said = e.chair_says("2025-02-12 17:10", "skip", topic="planning")
    edits = {edit["message_id"]: edit["content"] for edit in said.edits}
    assert len(said.edits) == 2
    # Each from the text as posted: the time it named struck out, "cancelled" beside it.
    assert edits[day_before["id"]].startswith(
        "**Conda Community Meeting** starts ~~<time:2025-02-12T17:00:00+00:00> (in 1 day)~~ "
        "**cancelled**."
    )
    assert edits[hour_before["id"]].startswith(
        "**Conda Community Meeting** starts ~~<time:2025-02-12T18:00:00+00:00> (in 1 hour)~~ "
        "**cancelled**."
    )
    # Said outside the topic: one notice there, and the reply says where it is.
    [notice] = said.posts
    assert notice["topic"] == TOPIC and "is cancelled" in notice["content"]
    [reply] = said.replies
    assert "the notice is in" in reply
    assert e.to("2025-02-12 18:00") == []  # no start, no more reminders


def test_a_meeting_moved_back_restores_its_reminder_as_posted(tmp_path: Path) -> None:
    e = Edits(tmp_path)
    [reminder] = e.to("2025-02-11 17:00")
    e.chair_says("2025-02-11 17:05", "reschedule +1h")
    [back] = e.chair_says("2025-02-11 17:06", "reschedule 2025-02-12 17:00").edits
    assert back == {"message_id": reminder["id"], "content": reminder["content"]}


@pytest.mark.parametrize(
    ("limit", "when", "edited"),
    [
        (timedelta(minutes=10), "2025-02-11 17:09", True),  # within the limit
        (timedelta(minutes=10), "2025-02-11 17:10", False),  # the limit has passed
        (timedelta(0), "2025-02-11 17:01", False),  # the organization turned editing off
        (None, "2025-02-12 16:30", True),  # no limit
    ],
)
def test_a_skip_edits_the_reminder_only_while_the_edit_limit_allows_and_posts_its_notice(
    tmp_path: Path, limit: timedelta | None, when: str, edited: bool
) -> None:
    e = Edits(tmp_path, limit)
    [reminder] = e.to("2025-02-11 17:00")
    said = e.chair_says(when, "skip", topic="planning")
    assert [edit["message_id"] for edit in said.edits] == ([reminder["id"]] if edited else [])
    [notice] = said.posts
    assert notice["topic"] == TOPIC
    assert "<time:2025-02-12T17:00:00+00:00> is cancelled" in notice["content"]


# skip_if_empty's look an hour before the start, after the day-before reminder was posted.
EMPTY_HOUR_BEFORE = botrc(skip_if_empty="1h")


def test_skip_if_empty_edits_the_posted_reminder_to_cancelled_as_a_chairs_skip_does(
    tmp_path: Path,
) -> None:
    e = Edits(tmp_path, text=EMPTY_HOUR_BEFORE)
    [reminder] = e.to("2025-02-11 17:00")
    [notice] = e.to("2025-02-12 16:00")  # the look: empty, cancelled; the hour's reminder dropped
    assert "is cancelled: its agenda is empty 1 hour before" in notice["content"]
    [edit] = e.edits_made()
    assert edit["message_id"] == reminder["id"]
    assert edit["content"].startswith(
        "**Conda Community Meeting** starts ~~<time:2025-02-12T17:00:00+00:00> (in 1 day)~~ "
        "**cancelled**."
    )
    # Edited once: neither a later run nor a restart edits it again.
    assert e.to("2025-02-12 16:01") == [] and e.edits_made() == []
    e.scheduler = MeetingScheduler(e.h.app, e.h.bot)
    assert e.to("2025-02-12 16:02") == [] and e.edits_made() == []


def test_unskip_restores_a_reminder_skip_if_empty_edited(tmp_path: Path) -> None:
    e = Edits(tmp_path, text=EMPTY_HOUR_BEFORE)
    [reminder] = e.to("2025-02-11 17:00")
    e.to("2025-02-12 16:00")
    said = e.chair_says("2025-02-12 16:10", "unskip")
    # As a reschedule back to its first time: the reminder as it was posted.
    assert said.edits == [{"message_id": reminder["id"], "content": reminder["content"]}]
    [reply] = said.replies
    assert "is held after all" in reply
    [attendance] = e.to("2025-02-12 17:00")
    assert "React to this message" in attendance["content"]


def test_unskip_of_a_moved_meeting_edits_its_reminder_to_the_new_time(tmp_path: Path) -> None:
    e = Edits(tmp_path, text=EMPTY_HOUR_BEFORE)
    [reminder] = e.to("2025-02-11 17:00")
    e.chair_says("2025-02-11 17:05", "reschedule +1h")
    e.to("2025-02-12 17:00")  # the look an hour before 18:00: cancelled
    [cancelled] = e.edits_made()
    assert "(in 1 day)~~ **cancelled**." in cancelled["content"]
    [restored] = e.chair_says("2025-02-12 17:10", "unskip").edits
    assert restored["message_id"] == reminder["id"]
    assert restored["content"].startswith(
        "**Conda Community Meeting** starts ~~<time:2025-02-12T17:00:00+00:00> (in 1 day)~~ "
        "<time:2025-02-12T18:00:00+00:00>."
    )


def test_skip_if_empty_leaves_a_reminder_past_the_edit_limit_and_posts_its_notice(
    tmp_path: Path,
) -> None:
    e = Edits(tmp_path, timedelta(minutes=10), text=EMPTY_HOUR_BEFORE)
    e.to("2025-02-11 17:00")
    [notice] = e.to("2025-02-12 16:00")
    assert "is cancelled: its agenda is empty" in notice["content"]
    assert e.edits_made() == []
    # Never edited to "cancelled": unskip has nothing to restore either.
    assert e.chair_says("2025-02-12 16:05", "unskip").edits == []


def test_a_reminders_text_outlives_the_catch_up_window_while_its_meeting_is_to_come(
    tmp_path: Path,
) -> None:
    e = Edits(tmp_path)
    [reminder] = e.to("2025-02-11 17:00")
    e.chair_says("2025-02-11 17:05", "reschedule 2025-02-13 17:00")
    # More than a day (catch_up) later, as the runtime does hourly: the text is kept.
    e.h.app.ledger.forget_before(at("2025-02-12 18:00"))
    [edit] = e.chair_says("2025-02-12 18:00", "skip 2025-02-13", topic="planning").edits
    assert edit["message_id"] == reminder["id"]
    assert "(in 1 day)~~ **cancelled**." in edit["content"]


def test_a_reminder_zulip_did_not_take_before_its_meeting_moved_is_not_posted_late(
    tmp_path: Path,
) -> None:
    e = Edits(tmp_path)
    refusing = RefusingStub()
    e.h.bot = refusing
    e.scheduler = MeetingScheduler(e.h.app, refusing)
    e.to("2025-02-11 17:00")
    assert [post.key for post in e.h.app.ledger.owed_posts(at("2025-02-11 00:00"))]
    e.h.bot = EditingStub()
    said = e.chair_says("2025-02-11 17:05", "reschedule +1h")
    assert said.edits == []  # never posted: nothing to edit
    assert e.h.app.ledger.owed_posts(at("2025-02-11 00:00")) == []


def test_each_zones_line_is_struck_out_with_the_new_time_in_that_zone_across_dst(
    tmp_path: Path,
) -> None:
    text = BOTRC.replace("chairs = 1\n", "chairs = 1\ntimezones = Europe/Berlin, UTC\n")
    e = Edits(tmp_path, text=text, now="2025-03-24 12:00")
    [reminder] = e.to("2025-03-25 17:00")
    assert "- Wed 26 Mar 2025, 18:00 CET (Europe/Berlin)" in reminder["content"]
    [edit] = e.chair_says(
        "2025-03-25 17:05", "reschedule 2025-04-02 17:00", topic="community call 2025-03-26"
    ).edits
    lines = edit["content"].split("\n")
    assert lines[1:3] == [
        "- ~~Wed 26 Mar 2025, 18:00 CET (Europe/Berlin)~~ Wed 2 Apr 2025, 19:00 CEST "
        "(Europe/Berlin)",
        "- ~~Wed 26 Mar 2025, 17:00 UTC~~ Wed 2 Apr 2025, 17:00 UTC",
    ]


def test_a_zone_line_that_cannot_be_read_back_is_struck_out_alone() -> None:
    shown, start = at("2025-02-12 17:00"), at("2025-02-12 18:00")
    content = "**M** starts <time:2025-02-12T17:00:00+00:00> (in 1 hour).\n- at five, our time"
    assert views.reminder_moved(content, shown, start) == (
        "**M** starts ~~<time:2025-02-12T17:00:00+00:00> (in 1 hour)~~ "
        "<time:2025-02-12T18:00:00+00:00>.\n- ~~at five, our time~~"
    )


@pytest.mark.parametrize(
    ("registered", "limit"),
    [
        (
            {"realm_allow_message_editing": True, "realm_message_content_edit_limit_seconds": 600},
            timedelta(minutes=10),
        ),
        (
            {"realm_allow_message_editing": True, "realm_message_content_edit_limit_seconds": None},
            None,
        ),
        ({"realm_message_content_edit_limit_seconds": 0}, None),  # before Zulip 6.0: no limit
        (
            {"realm_allow_message_editing": False, "realm_message_content_edit_limit_seconds": 600},
            timedelta(0),
        ),
        ({"queue_id": "1"}, None),  # a server that does not say
    ],
)
def test_the_edit_limit_is_read_from_registers_realm_settings(
    registered: dict[str, Any], limit: timedelta | None
) -> None:
    assert message_edit_limit(registered) == limit

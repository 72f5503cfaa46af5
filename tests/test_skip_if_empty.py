"""skip_if_empty: a meeting whose agenda is empty that long before its start is cancelled, once,
with a notice; a chair's `unskip` holds it after all. A clock the tests move (nobody sleeps)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_schedule import Scheduled, at, botrc

from zulip_meetbot.config import ConfigError, parse_settings
from zulip_meetbot.domain.reminders import EMPTY_CHECK, PERSONAL, REMINDER
from zulip_meetbot.upcoming import plan_text, series_plan

TOPIC = "community call 2025-02-12"
CANCELLED = "of <time:2025-02-12T17:00:00+00:00> is cancelled: its agenda is empty 2 days before"


@pytest.fixture
def sched(tmp_path: Path) -> Scheduled:
    """The harness series (every two weeks from Wed 12 Feb 2025 17:00 UTC, reminders 1d and
    1h) with skip_if_empty = 2d: its first look at the agenda is Mon 10 Feb 17:00."""
    return Scheduled(tmp_path, botrc(skip_if_empty="2d"))


def test_an_empty_meeting_is_cancelled_with_a_notice_and_its_reminders_withdrawn(
    sched: Scheduled,
) -> None:
    assert sched.to("2025-02-10 16:59") == []
    [notice] = sched.to("2025-02-10 17:00")
    assert notice["to"] == "conda" and notice["topic"] == TOPIC
    text = notice["content"]
    assert CANCELLED in text
    assert "a chair says `unskip` before the start" in text
    assert "An item added without `unskip` goes to the next meeting" in text
    assert "<time:2025-02-26T17:00:00+00:00> in #**conda>community call 2025-02-26**" in text
    # Withdrawn: neither reminder, nor the automatic start.
    for when in ("2025-02-11 17:00", "2025-02-12 16:00", "2025-02-12 17:00"):
        assert sched.to(when) == []
    wolf = sched.h.person(2, "Wolf Vollprecht")
    assert "<time:2025-02-26T17:00:00+00:00>" in sched.h.say(wolf, "next")


def test_a_meeting_with_an_item_is_kept_and_reminded_of(sched: Scheduled) -> None:
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.say(wolf, "agenda add Announce GSOC ideas")
    assert sched.to("2025-02-10 17:00") == []
    [reminder] = sched.to("2025-02-11 17:00")
    assert "(WV) Announce GSOC ideas" in reminder["content"]
    [attendance] = sched.to("2025-02-12 17:00")
    assert "React to this message" in attendance["content"]


def test_a_removed_item_does_not_count(sched: Scheduled) -> None:
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.say(wolf, "agenda add Never mind")
    sched.h.say(wolf, "agenda remove 1")
    [notice] = sched.to("2025-02-10 17:00")
    assert CANCELLED in notice["content"]


def test_an_item_carried_over_from_the_meeting_before_counts(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.say(wolf, "agenda add Run exports")
    sched.to("2025-02-12 17:00")  # kept (an item), started by itself
    sched.h.say(chair, "agenda defer 1")
    sched.h.send(chair, "end")
    assert sched.to("2025-02-24 17:00") == []  # the 26th's look: the carried item is there
    [reminder] = sched.to("2025-02-25 17:00")
    assert "Run exports" in reminder["content"]


def test_the_cancellation_is_posted_once_even_across_a_restart(sched: Scheduled) -> None:
    assert len(sched.to("2025-02-10 17:00")) == 1
    assert sched.to("2025-02-10 17:01") == []
    sched.restart()
    assert sched.to("2025-02-10 17:02") == []
    assert sched.to("2025-02-11 17:00") == []


def test_a_bot_down_at_the_instant_cancels_at_start_up_before_the_meeting(
    sched: Scheduled,
) -> None:
    [notice] = sched.to("2025-02-11 09:00")  # first run since before Monday 17:00
    assert CANCELLED in notice["content"]
    assert sched.to("2025-02-12 17:00") == []


def test_a_bot_down_past_the_start_leaves_the_meeting_as_it_is(sched: Scheduled) -> None:
    [attendance] = sched.to("2025-02-12 17:10")  # the look is dropped; the late start is made
    assert "React to this message" in attendance["content"]


def test_a_reminder_due_with_the_look_comes_after_it_whichever_fires_first(
    tmp_path: Path,
) -> None:
    sched = Scheduled(tmp_path, botrc(skip_if_empty="1d"))
    sched.h.clock.set(at("2025-02-11 17:00"))
    [check, reminder] = [
        a for a in sched.scheduler.pending_actions() if a.at == sched.h.clock.now()
    ]
    assert (check.kind, reminder.kind) == (EMPTY_CHECK, REMINDER)
    # APScheduler may fire the reminder's job first: the look at the agenda is made before it.
    assert sched.scheduler.perform(reminder) is False
    [notice] = sched.h.posted()
    assert "is cancelled: its agenda is empty 1 day before" in notice["content"]
    assert sched.to("2025-02-11 17:01") == []


def test_a_personal_reminder_due_with_the_look_is_not_sent_for_a_meeting_it_cancels(
    tmp_path: Path,
) -> None:
    sched = Scheduled(tmp_path, botrc(skip_if_empty="1h"))
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.say(wolf, "remind me 1h")
    sched.h.clock.set(at("2025-02-12 16:00"))
    [check, dm] = [
        a
        for a in sched.scheduler.pending_actions()
        if a.at == sched.h.clock.now() and a.kind in (EMPTY_CHECK, PERSONAL)
    ]
    assert (check.kind, dm.kind) == (EMPTY_CHECK, PERSONAL)
    # The direct message's job fires first: the look at the agenda is made before it.
    sched.h.bot.reset_transcript()
    assert sched.scheduler.perform(dm) is False
    [notice] = sched.h.posted()
    assert "is cancelled: its agenda is empty 1 hour before" in notice["content"]
    assert sched.to("2025-02-12 16:01") == []


def test_an_item_added_after_the_cancellation_does_not_bring_the_meeting_back(
    sched: Scheduled,
) -> None:
    sched.to("2025-02-10 17:00")
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.clock.set(at("2025-02-10 18:00"))
    assert "<time:2025-02-26T17:00:00+00:00>" in sched.h.say(wolf, "agenda add Too late")
    assert sched.to("2025-02-11 17:00") == []
    assert sched.to("2025-02-12 17:00") == []
    [reminder] = sched.to("2025-02-25 17:00")
    assert "Too late" in reminder["content"]


def test_unskip_holds_the_meeting_after_all_with_its_reminders_and_start(
    sched: Scheduled,
) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.to("2025-02-10 17:00")
    sched.h.clock.set(at("2025-02-11 09:00"))
    reply = sched.h.say(chair, "unskip")  # in the meeting's topic: the reply is the notice
    assert "of <time:2025-02-12T17:00:00+00:00> is held after all" in reply
    assert "<time:2025-02-12T17:00:00+00:00>" in sched.h.say(wolf, "next")
    assert "Added item **1**" in sched.h.say(wolf, "agenda add Announce GSOC ideas")
    [reminder] = sched.to("2025-02-11 17:00")
    assert reminder["topic"] == TOPIC and "Announce GSOC ideas" in reminder["content"]
    [reminder] = sched.to("2025-02-12 16:00")
    [attendance] = sched.to("2025-02-12 17:00")
    assert attendance["topic"] == TOPIC and "React to this message" in attendance["content"]


def test_unskip_elsewhere_posts_the_notice_in_the_meetings_topic(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    sched.to("2025-02-10 17:00")
    done = sched.h.send(chair, "unskip 2025-02-12", topic="planning")
    [notice] = [m for kind, m in done if kind == "send_message"]
    assert notice["topic"] == TOPIC and "is held after all" in notice["content"]
    [reply] = [m for kind, m in done if kind != "send_message"]
    assert "the notice is in #**conda>community call 2025-02-12**" in reply["content"]


def test_an_unskipped_meeting_is_not_cancelled_again_when_it_moves(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    sched.to("2025-02-10 17:00")
    sched.h.clock.set(at("2025-02-10 18:00"))
    sched.h.say(chair, "unskip")
    sched.h.say(chair, "reschedule +1h")  # a new look is planned, at 18:00: now
    assert sched.to("2025-02-10 18:01") == []
    [reminder] = sched.to("2025-02-11 18:00")
    assert "<time:2025-02-12T18:00:00+00:00>" in reminder["content"]


def test_unskip_with_nothing_to_unskip_changes_nothing(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    reply = sched.h.say(chair, "unskip")
    assert "no meeting of **Conda Community Meeting** is cancelled for an empty agenda" in reply
    assert "the meeting of 2025-02-12 is not cancelled" in sched.h.say(chair, "unskip 2025-02-12")
    assert "does not meet on 2025-02-13" in sched.h.say(chair, "unskip 2025-02-13")
    assert "2025-01-01 has already passed" in sched.h.say(chair, "unskip 2025-01-01")
    assert "I expected a date like 2025-02-26" in sched.h.say(chair, "unskip soon")
    assert sched.h.posted() == []


def test_unskip_does_not_undo_a_chairs_skip(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.say(wolf, "agenda add Run exports")
    sched.h.say(chair, "skip")
    assert "nothing to `unskip`" in sched.h.say(chair, "unskip")
    reply = sched.h.say(chair, "unskip 2025-02-12")
    assert "the meeting of 2025-02-12 was skipped by a chair" in reply
    assert sched.to("2025-02-11 17:00") == []
    assert "<time:2025-02-26T17:00:00+00:00>" in sched.h.say(wolf, "next")


def test_unskip_after_the_start_is_too_late_and_changes_nothing(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    sched.to("2025-02-10 17:00")
    sched.h.clock.set(at("2025-02-12 17:20"))
    for said in ("unskip", "unskip 2025-02-12"):
        reply = sched.h.say(chair, said)
        assert "was due to start <time:2025-02-12T17:00:00+00:00>: it is too late" in reply
    assert sched.to("2025-02-12 17:21") == []


def test_only_chairs_unskip(sched: Scheduled) -> None:
    sched.to("2025-02-10 17:00")
    wolf = sched.h.person(2, "Wolf Vollprecht")
    assert "can `unskip` a meeting" in sched.h.say(wolf, "unskip")
    assert sched.to("2025-02-12 17:00") == []


def test_upcoming_lists_the_look_at_the_agenda(sched: Scheduled) -> None:
    now = at("2025-02-10 12:00")
    with sched.h.store.transaction() as session:
        [series] = sched.h.settings.series
        plan = series_plan(session, series, now, sched.h.settings.reminder_grace, at("2025-02-13"))
    text = plan_text([plan], 3)
    assert "cancellation if the agenda is still empty, 2 days before the meeting" in text


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("forever", "expected off or a time before the start like 2d or 12h, got 'forever'"),
        ("-1d", "must be a time before the start, like 2d or 12h, not '-1d'"),
        (
            "14d",
            "2 weeks is longer than the time between two meetings: from the end of the meeting "
            "of 2025-02-12 17:00 UTC to the start of the next one (2025-02-26 17:00 UTC) is "
            "1 week 6 days 23 hours",
        ),
    ],
)
def test_check_names_a_bad_skip_if_empty_precisely(
    tmp_path: Path, value: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(botrc(skip_if_empty=value), tmp_path / "botrc")
    [found] = caught.value.problems
    assert found.startswith(f"[series:community] skip_if_empty: {problem}")


def test_skip_if_empty_is_off_by_default_and_fits_the_cycle(tmp_path: Path) -> None:
    assert parse_settings(botrc(), tmp_path / "botrc").series[0].skip_if_empty is None
    assert (
        parse_settings(botrc(skip_if_empty="off"), tmp_path / "b").series[0].skip_if_empty is None
    )
    longest = parse_settings(botrc(skip_if_empty="13d23h"), tmp_path / "c").series[0]
    assert longest.skip_if_empty is not None and longest.skip_if_empty.days == 13

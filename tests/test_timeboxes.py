"""Timeboxes (issue 16): `agenda time N DURATION`, the discussion clock of the item under
discussion, the overrun nudges at its time and at twice it, and planned and actual minutes in
the agenda, the reminders and the notes. The clock is moved; nobody sleeps."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from harness import Harness
from test_schedule import Scheduled, at, botrc

from zulip_meetbot.domain import timeboxes
from zulip_meetbot.domain.meetings import running_meeting
from zulip_meetbot.terminal.session import ShellOptions, open_session

TOPIC = "community call 2025-02-12"


@pytest.fixture
def sched(tmp_path: Path) -> Scheduled:
    return Scheduled(tmp_path)


def agenda(h: Harness) -> str:
    return h.say(h.person(5, "Anyone"), "agenda")


def with_items(h: Harness) -> None:
    """Wolf proposes items 1 and 2 (with 2.1), Othello item 3."""
    wolf, othello = h.person(2, "Wolf Vollprecht"), h.person(3, "Othello")
    h.say(wolf, "agenda add Announce GSOC ideas")
    h.say(wolf, "agenda add Cache behaviour for v1 recipes")
    h.say(wolf, "agenda sub 2 Exemplar use cases")
    h.say(othello, "agenda add PyPI interop")


def started_with_item_1(sched: Scheduled, length: str = "10m") -> None:
    """Items, item 1 planned ``length``, the meeting started at 17:00 and item 1 under way."""
    h = sched.h
    with_items(h)
    h.say(h.person(2, "Wolf Vollprecht"), f"agenda time 1 {length}")
    [attendance] = sched.to("2025-02-12 17:00")
    assert "React to this message" in attendance["content"]
    assert "Now discussing item **1**" in h.say(h.person(1, "Jaime Chair"), "item 1")


def nudges(posts: list[dict[str, object]]) -> list[str]:
    return [str(post["content"]) for post in posts if "⏱" in str(post["content"])]


# -- setting and clearing ----------------------------------------------------------------------


def test_the_proposer_and_a_chair_set_and_clear_a_timebox_and_nobody_else_may(
    tmp_path: Path,
) -> None:
    h = Harness(tmp_path)
    with_items(h)
    wolf, othello = h.person(2, "Wolf Vollprecht"), h.person(3, "Othello")
    chair = h.person(1, "Jaime Chair")
    assert h.say(wolf, "agenda time 1 10m") == (
        "Item **1** is planned to take 10 minutes. ⏱ planned 10 min of 60 min."
    )
    before = agenda(h)
    assert "- **1** (WV) Announce GSOC ideas ⏱ 10 min" in before
    refused = h.say(othello, "agenda time 1 5m")
    assert refused == "Sorry: only the person who proposed item 1 or a chair can timebox it."
    assert agenda(h) == before
    assert "planned to take 25 minutes" in h.say(chair, "agenda time 1 25m")
    assert "⏱ 25 min" in agenda(h)
    assert "planned to take 5 minutes" in h.say(othello, "agenda time 3 5m")  # their own
    reply = h.say(chair, "agenda time 1 off")
    assert reply == "Item **1** has no planned time now. ⏱ planned 5 min of 60 min."
    assert h.say(othello, "agenda time 3 off") == (
        "Item **3** has no planned time now. No item has a planned time."
    )
    assert "⏱" not in agenda(h)


@pytest.mark.parametrize(
    ("said", "words"),
    [
        ("agenda time 1 forever", "`forever` is not a length such as 10m or 1h15m (or `off`)."),
        ("agenda time 1 0m", "an item cannot be planned to take `0m`: give it at least 1m."),
        ("agenda time 1 90s", "an item's time is whole minutes up to a day"),
        ("agenda time 1", "`agenda time` needs a length such as 10m, or `off`."),
        ("agenda time 99 5m", "there is no item 99 on this agenda."),
        ("agenda time 1 2h", "item 1 cannot have 2 hours: the whole meeting lasts 1 hour."),
    ],
)
def test_bad_input_gets_a_clear_reply_and_changes_nothing(
    tmp_path: Path, said: str, words: str
) -> None:
    h = Harness(tmp_path)
    with_items(h)
    wolf = h.person(2, "Wolf Vollprecht")
    h.say(wolf, "agenda time 1 10m")
    before = agenda(h)
    assert words in h.say(wolf, said)
    assert agenda(h) == before


def test_help_explains_agenda_time(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    text = h.say(h.person(2, "Wolf Vollprecht"), "help agenda time")
    assert "`agenda time N DURATION`, `agenda time N off`" in text


# -- shown in the agenda and the reminders, with the total -------------------------------------


def test_agenda_and_reminders_show_each_timebox_and_the_total_against_the_meeting(
    sched: Scheduled,
) -> None:
    h = sched.h
    with_items(h)
    wolf = h.person(2, "Wolf Vollprecht")
    h.say(wolf, "agenda time 1 10m")
    h.say(wolf, "agenda time 2 25m")
    h.say(wolf, "agenda time 2.1 5m")  # part of item 2's 25 minutes: not counted twice
    text = agenda(h)
    assert "- **1** (WV) Announce GSOC ideas ⏱ 10 min\n" in text
    assert "- **2** (WV) Cache behaviour for v1 recipes ⏱ 25 min\n" in text
    assert "    - **2.1** Exemplar use cases ⏱ 5 min\n" in text
    assert "- **3** (O) PyPI interop\n" in text  # no timebox, no mark
    assert "\n⏱ planned 35 min of 60 min\n" in text
    [reminder] = sched.to("2025-02-11 17:00")
    assert "- **1** (WV) Announce GSOC ideas ⏱ 10 min" in reminder["content"]
    assert "⏱ planned 35 min of 60 min" in reminder["content"]
    # Over the meeting's length, the plan says by how much.
    h.say(h.person(3, "Othello"), "agenda time 3 30m")
    assert "⏱ planned 65 min of 60 min (5 min over)" in agenda(h)
    [later] = sched.to("2025-02-12 16:00")
    assert "⏱ planned 65 min of 60 min (5 min over)" in later["content"]


def test_without_timeboxes_agenda_and_reminders_are_as_before(sched: Scheduled) -> None:
    with_items(sched.h)
    assert "⏱" not in agenda(sched.h)
    [reminder] = sched.to("2025-02-11 17:00")
    assert "⏱" not in reminder["content"]


# -- the discussion clock ----------------------------------------------------------------------


def test_discussion_time_adds_up_across_item_switches_and_stops_at_the_end(
    sched: Scheduled,
) -> None:
    h = sched.h
    chair = h.person(1, "Jaime Chair")
    started_with_item_1(sched)
    h.say(chair, "agenda time 2 20m")
    h.clock.set(at("2025-02-12 17:07"))
    h.say(chair, "item 2")
    h.clock.set(at("2025-02-12 17:10"))
    assert "⏱ 20 min, 3 min so far" in agenda(h)
    h.say(chair, "item 1")  # back to item 1: its clock goes on from 7 minutes
    h.clock.set(at("2025-02-12 17:12"))
    text = agenda(h)
    assert "Announce GSOC ideas ⏱ 10 min, 9 min so far" in text
    assert "Cache behaviour for v1 recipes ⏱ 20 min, took 3 min" in text
    h.clock.set(at("2025-02-12 17:13"))
    h.say(chair, "item 3")
    h.clock.set(at("2025-02-12 17:30"))
    h.send(chair, "end")  # item 3 was discussed for 17 minutes, without a timebox
    notes = next(h.settings.notes_dir.glob("*.md")).read_text()
    assert "- [x] (WV) Announce GSOC ideas (10 min planned, 10 min taken)\n" in notes
    assert "- [x] (WV) Cache behaviour for v1 recipes (20 min planned, 3 min taken)\n" in notes
    assert "- [x] (O) PyPI interop\n" in notes  # no timebox: the line is as it always was


# -- the nudges --------------------------------------------------------------------------------


def test_a_nudge_at_the_items_time_and_one_at_twice_it_and_no_more(sched: Scheduled) -> None:
    started_with_item_1(sched)
    assert nudges(sched.to("2025-02-12 17:09:59")) == []
    [first] = sched.to("2025-02-12 17:10")
    assert first["to"] == "conda" and first["topic"] == TOPIC
    assert first["content"] == (
        "⏱ Time's up for item **1** (Announce GSOC ideas): 10 min of 10 min planned. Wrap up, "
        "or a chair can give it more with `agenda time 1 DURATION`."
    )
    assert sched.to("2025-02-12 17:15") == []
    assert sched.to("2025-02-12 17:19:59") == []
    [second] = sched.to("2025-02-12 17:20")
    assert second["topic"] == TOPIC
    assert second["content"] == (
        "⏱ The discussion of item **1** (Announce GSOC ideas) has taken 20 min, twice its "
        "planned 10 min."
    )
    assert sched.to("2025-02-12 17:30") == []
    assert sched.to("2025-02-12 17:45") == []


def test_switching_items_moves_the_nudge_to_when_the_time_really_runs_out(
    sched: Scheduled,
) -> None:
    h = sched.h
    chair = h.person(1, "Jaime Chair")
    started_with_item_1(sched)
    h.clock.set(at("2025-02-12 17:05"))
    h.say(chair, "item 2")
    assert sched.to("2025-02-12 17:10") == []  # item 1 is not under discussion
    h.say(chair, "item 1")  # 5 of its 10 minutes are left
    assert sched.to("2025-02-12 17:14:59") == []
    assert len(nudges(sched.to("2025-02-12 17:15"))) == 1


def test_a_ticked_item_or_a_changed_timebox_is_nudged_as_it_stands_now(
    sched: Scheduled,
) -> None:
    h = sched.h
    chair = h.person(1, "Jaime Chair")
    started_with_item_1(sched)
    h.clock.set(at("2025-02-12 17:05"))
    h.say(chair, "agenda time 1 15m")
    assert sched.to("2025-02-12 17:10") == []
    assert len(nudges(sched.to("2025-02-12 17:15"))) == 1
    h.say(chair, "agenda done 1")  # ticked: the clock stops, no nudge at twice the time
    assert sched.to("2025-02-12 17:30") == []
    assert "took 15 min" in agenda(h)


def test_each_nudge_is_posted_exactly_once_across_restarts(sched: Scheduled) -> None:
    started_with_item_1(sched)
    assert len(nudges(sched.to("2025-02-12 17:10"))) == 1
    sched.restart()
    assert sched.to("2025-02-12 17:10:30") == []
    sched.restart()
    assert len(nudges(sched.to("2025-02-12 17:20"))) == 1
    sched.restart()
    assert sched.to("2025-02-12 17:40") == []
    with sched.h.store.transaction() as session:
        meeting = running_meeting(session, sched.h.settings.series[0])
        assert meeting is not None
        assert timeboxes.next_nudge(session, meeting.series_slug) is None


def test_down_past_both_instants_the_bot_posts_one_nudge_saying_what_is_true_now(
    sched: Scheduled,
) -> None:
    started_with_item_1(sched)
    sched.restart()
    [only] = nudges(sched.to("2025-02-12 17:25"))
    assert "has taken 25 min, more than twice its planned 10 min" in only
    assert sched.to("2025-02-12 17:50") == []


def test_more_time_given_after_the_nudges_brings_new_ones_at_the_new_time(
    sched: Scheduled,
) -> None:
    h = sched.h
    started_with_item_1(sched, "2m")
    assert len(nudges(sched.to("2025-02-12 17:02"))) == 1
    assert len(nudges(sched.to("2025-02-12 17:04"))) == 1
    h.say(h.person(1, "Jaime Chair"), "agenda time 1 20m")  # 9 of them spent by 17:09
    h.clock.set(at("2025-02-12 17:09"))
    assert sched.to("2025-02-12 17:19:59") == []
    [first] = nudges(sched.to("2025-02-12 17:20"))
    assert "Time's up for item **1**" in first and "20 min of 20 min planned" in first
    assert len(nudges(sched.to("2025-02-12 17:40"))) == 1


def test_a_timebox_cut_below_the_time_spent_nudges_at_once_then_at_twice_it(
    sched: Scheduled,
) -> None:
    h = sched.h
    started_with_item_1(sched)
    h.clock.set(at("2025-02-12 17:05"))
    h.say(h.person(1, "Jaime Chair"), "agenda time 1 3m")
    [first] = nudges(sched.to("2025-02-12 17:05:01"))
    assert "Time's up for item **1**" in first and "5 min of 3 min planned" in first
    [second] = nudges(sched.to("2025-02-12 17:06"))
    assert "has taken 6 min, twice its planned 3 min" in second


def test_no_nudge_once_the_meeting_ended(sched: Scheduled) -> None:
    started_with_item_1(sched)
    sched.h.clock.set(at("2025-02-12 17:08"))
    sched.h.send(sched.h.person(1, "Jaime Chair"), "end")
    assert nudges(sched.to("2025-02-12 17:30")) == []


def test_the_scheduler_keeps_one_job_at_the_instant_the_item_runs_out(tmp_path: Path) -> None:
    # APScheduler runs on the real clock, so this meeting lies in its future.
    sched = Scheduled(tmp_path, botrc(start="2030-02-12 17:00"), "2030-02-12 17:00")
    h, chair = sched.h, sched.h.person(1, "Jaime Chair")
    with_items(h)
    h.say(h.person(2, "Wolf Vollprecht"), "agenda time 1 10m")
    h.say(chair, "start")
    sched.scheduler.start()
    try:
        h.say(chair, "item 1")
        with h.store.transaction() as session:
            [nudge] = [timeboxes.next_nudge(session, "community")]
        assert nudge is not None and nudge.at == at("2030-02-12 17:10")
        assert sched.scheduler._aps is not None
        job = sched.scheduler._aps.get_job(nudge.key)
        assert job is not None and job.next_run_time == nudge.at
        h.say(chair, "item 2")  # no timebox: the job goes
        assert sched.scheduler._aps.get_job(nudge.key) is None
    finally:
        sched.scheduler.shutdown()


# -- the notes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "discussed", "reached", "plain"),
    [
        (
            "community",
            "- [x] (WV) Announce GSOC ideas (10 min planned, 14 min taken)\n",
            "- [ ] (WV) Cache behaviour for v1 recipes (5 min planned)\n",
            "- [ ] (O) PyPI interop\n",
        ),
        (
            "ecosystem",
            "- [x] WV: Announce GSOC ideas (10 min planned, 14 min taken)\n",
            "- [ ] WV: Cache behaviour for v1 recipes (5 min planned)\n",
            "- [ ] O: PyPI interop\n",
        ),
    ],
)
def test_the_notes_show_planned_and_actual_minutes_only_for_items_with_a_timebox(
    tmp_path: Path, template: str, discussed: str, reached: str, plain: str
) -> None:
    sched = Scheduled(tmp_path, botrc(template=template))
    h = sched.h
    started_with_item_1(sched)
    h.say(h.person(2, "Wolf Vollprecht"), "agenda time 2 5m")  # never reached
    h.clock.set(at("2025-02-12 17:14"))
    h.send(h.person(1, "Jaime Chair"), "end")
    notes = next(h.settings.notes_dir.glob("*.md")).read_text()
    assert discussed in notes
    assert reached in notes
    assert plain in notes


def test_the_shell_clock_stops_at_each_nudge(tmp_path: Path) -> None:
    # The demo series meets on Wednesdays at 17:00 UTC; hamlet, the first person, chairs.
    out = io.StringIO()
    options = ShellOptions(now="2025-02-12 16:55", timezone="UTC")
    opened = open_session(options, tmp_path, out)
    assert not isinstance(opened, list), opened
    session, store = opened
    try:
        script = (
            "@meetbot agenda add Announce GSOC ideas\n@meetbot agenda time 1 10m\n"
            "/clock 2025-02-12 17:00\n@meetbot item 1\n/clock +30m\n"
        )
        for line in script.splitlines():
            assert session.handle_line(line)
        printed = out.getvalue()
    finally:
        store.close()
    assert "-- Wed 12 Feb 2025, 17:10 UTC:" in printed
    assert "Time's up for item **1** (Announce GSOC ideas): 10 min of 10 min planned." in printed
    assert "-- Wed 12 Feb 2025, 17:20 UTC:" in printed
    assert "has taken 20 min, twice its planned 10 min." in printed
    assert printed.count("⏱ Time's up") == 1

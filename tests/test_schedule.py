"""Schedules, reminders, skips and moves, with a clock the tests move (nobody sleeps)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from harness import BOTRC, Harness

from zulip_meetbot import scheduler, store
from zulip_meetbot.domain.reminders import Action
from zulip_meetbot.scheduler import MeetingScheduler

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def botrc(**series: str) -> str:
    """The harness botrc with series keys set (or, with value "", removed)."""
    lines = []
    for line in BOTRC.splitlines():
        key = line.split("=", 1)[0].strip()
        if key in series:
            continue
        lines.append(line)
    lines += [f"{key} = {value}" for key, value in series.items() if value]
    return "\n".join(lines) + "\n"


class Scheduled:
    """A harness plus its scheduler; `to(...)` moves the clock and runs what is due."""

    def __init__(self, folder: Path, text: str = BOTRC, now: str = "2025-02-10 12:00") -> None:
        self.h = Harness(folder, text, at(now))
        self.scheduler = MeetingScheduler(self.h.app, self.h.bot)

    def to(self, when: str) -> list[dict[str, Any]]:
        """Move the clock to `when`, run what is due, return what the bot posted."""
        self.h.bot.reset_transcript()
        self.h.clock.set(at(when))
        self.scheduler.run_due()
        return self.h.posted()

    def restart(self) -> None:
        """A new scheduler over the same database, as after the process restarted."""
        self.scheduler = MeetingScheduler(self.h.app, self.h.bot)


@pytest.fixture
def sched(tmp_path: Path) -> Scheduled:
    return Scheduled(tmp_path)


@pytest.fixture
def by_hand(tmp_path: Path) -> Scheduled:
    """A series whose meetings start only when a chair says `start`."""
    return Scheduled(tmp_path, botrc(auto_start="no"))


def agenda_of_the(sched: Scheduled, start: str) -> str:
    """The `agenda` reply, checked to be that of the meeting starting at ``start`` (UTC)."""
    agenda = sched.h.say(sched.h.person(2, "Wolf Vollprecht"), "agenda")
    assert f"<time:{start.replace(' ', 'T')}:00+00:00>" in agenda
    return agenda


def test_reminders_fire_at_their_offsets_then_the_meeting_starts_by_itself(
    sched: Scheduled,
) -> None:
    assert sched.to("2025-02-11 16:59:59") == []
    [day_before] = sched.to("2025-02-11 17:00")
    assert day_before["to"] == "conda" and day_before["topic"] == "community call 2025-02-12"
    assert "starts <time:2025-02-12T17:00:00+00:00> (in 1 day)" in day_before["content"]
    [hour_before] = sched.to("2025-02-12 16:00")
    assert "(in 1 hour)" in hour_before["content"]
    [attendance] = sched.to("2025-02-12 17:00")
    assert "React to this message" in attendance["content"]


def test_reminder_carries_link_time_zone_page_and_the_agenda(sched: Scheduled) -> None:
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.say(wolf, "agenda add Announce GSOC ideas")
    sched.h.say(wolf, "agenda sub 1 WebAssembly")
    [reminder] = sched.to("2025-02-11 17:00")
    text = reminder["content"]
    assert "Call: https://zoom.us/j/9138593505" in text
    assert (
        "[What time is that in my zone?](https://www.timeanddate.com/worldclock/fixedtime.html?"
        in text
    )
    assert "iso=20250212T170000" in text
    assert "- **1** (WV) Announce GSOC ideas\n    - **1.1** WebAssembly" in text
    assert "`agenda add New Agenda Items: TEXT`" in text


def test_each_reminder_is_posted_once_even_across_a_restart(sched: Scheduled) -> None:
    assert len(sched.to("2025-02-11 17:00")) == 1
    assert sched.to("2025-02-11 17:01") == []
    sched.restart()
    assert sched.to("2025-02-11 17:02") == []


def test_reminder_missed_while_down_is_posted_late_within_the_grace(sched: Scheduled) -> None:
    [late] = sched.to("2025-02-12 16:10")  # the 1 h reminder, 10 minutes late (grace 15m)
    assert "(in 50 minutes)" in late["content"]


def test_reminder_missed_by_more_than_the_grace_is_dropped_and_logged(
    sched: Scheduled, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="zulip_meetbot.scheduler")
    assert sched.to("2025-02-12 16:20") == []
    # Said in words: which reminder, for which meeting (not the action's database key).
    assert (
        "community: reminder due 2025-02-12 16:00 UTC for the meeting of 2025-02-12 17:00 UTC "
        "dropped: missed by 20 min, more than the grace"
    ) in caplog.text
    assert "|" not in caplog.text
    assert sched.to("2025-02-12 16:21") == []  # dropped for good, not retried


def test_several_reminders_due_at_once_post_only_the_latest(tmp_path: Path) -> None:
    sched = Scheduled(tmp_path, botrc(reminders="1d, 1h, 10m"))
    [only] = sched.to("2025-02-12 16:51")
    assert "(in 9 minutes)" in only["content"]


def test_reminder_for_a_meeting_already_started_is_dropped(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    sched.h.clock.set(at("2025-02-12 15:30"))
    sched.h.send(chair, "start now")
    assert sched.to("2025-02-12 16:00") == []
    assert sched.to("2025-02-12 17:00") == []  # no second attendance message either


def test_meeting_left_open_is_ended_by_itself_after_auto_end(tmp_path: Path) -> None:
    sched = Scheduled(tmp_path, botrc(reminders="", auto_end="2h"))
    [attendance] = sched.to("2025-02-12 17:00")
    sched.h.react(sched.h.person(10, "King Hamlet"), attendance["id"])
    assert sched.to("2025-02-12 19:59") == []
    [summary] = sched.to("2025-02-12 20:00")
    assert "has ended: 1 person attended" in summary["content"]
    assert (sched.h.settings.notes_dir / "2025-02-12-community.md").exists()


def test_auto_start_no_leaves_starting_to_a_chair(tmp_path: Path) -> None:
    sched = Scheduled(tmp_path, botrc(reminders="", auto_start="no"))
    assert sched.to("2025-02-12 17:00") == []
    assert sched.to("2025-02-12 21:00") == []


def test_reminders_show_each_configured_zone_and_attendees_own_zones(tmp_path: Path) -> None:
    text = botrc().replace("chairs = 1", "chairs = 1\ntimezones = Asia/Kolkata")
    sched = Scheduled(tmp_path, text)
    chair = sched.h.person(1, "Jaime Chair")
    berliner = sched.h.person(3, "Berlin Person")
    sched.h.directory.members[3] = sched.h.directory.members[3].__class__(
        3, "Berlin Person", timezone="Europe/Berlin"
    )
    [attendance] = sched.to("2025-02-12 17:00")
    sched.h.react(berliner, attendance["id"])
    sched.h.send(chair, "end")
    [reminder] = sched.to("2025-02-25 17:00")
    assert "- Wed 26 Feb 2025, 22:30 IST (Asia/Kolkata)" in reminder["content"]
    assert "- Wed 26 Feb 2025, 18:00 CET (Europe/Berlin)" in reminder["content"]


def test_a_17_utc_meeting_reads_right_in_berlin_and_kolkata_across_berlins_dst_change(
    tmp_path: Path,
) -> None:
    text = botrc(start="2027-03-24 17:00", schedule="FREQ=WEEKLY", reminders="1h").replace(
        "chairs = 1", "chairs = 1\ntimezones = Europe/Berlin, Asia/Kolkata"
    )
    sched = Scheduled(tmp_path, text, now="2027-03-20 00:00")
    [before] = sched.to("2027-03-24 16:00")
    assert "- Wed 24 Mar 2027, 18:00 CET (Europe/Berlin)" in before["content"]
    assert "- Wed 24 Mar 2027, 22:30 IST (Asia/Kolkata)" in before["content"]
    sched.to("2027-03-24 17:00")
    sched.h.send(sched.h.person(1, "Chair"), "end")
    [after] = sched.to("2027-03-31 16:00")
    assert "- Wed 31 Mar 2027, 19:00 CEST (Europe/Berlin)" in after["content"]
    assert "- Wed 31 Mar 2027, 22:30 IST (Asia/Kolkata)" in after["content"]


def test_a_new_york_noon_meeting_keeps_its_local_time_across_the_dst_change(tmp_path: Path) -> None:
    text = botrc(
        start="2027-03-10 12:00",
        timezone="America/New_York",
        schedule="FREQ=WEEKLY",
        reminders="1h",
    )
    sched = Scheduled(tmp_path, text, now="2027-03-09 00:00")
    [before] = sched.to("2027-03-10 16:00")  # 11:00 EST
    assert "<time:2027-03-10T17:00:00+00:00>" in before["content"]
    sched.to("2027-03-10 17:00")
    sched.h.send(sched.h.person(1, "Chair"), "end")
    [after] = sched.to("2027-03-17 15:00")  # 11:00 EDT: the UTC instant moved an hour earlier
    assert "<time:2027-03-17T16:00:00+00:00> (in 1 hour)" in after["content"]
    [attendance] = sched.to("2027-03-17 16:00")
    assert "React to this message" in attendance["content"]


def test_skip_posts_a_notice_withdraws_reminders_and_moves_the_agenda(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.say(wolf, "agenda add Carried over")
    done = sched.h.send(chair, "skip", topic="planning")
    notice = next(m for kind, m in done if kind == "send_message")
    assert notice["topic"] == "community call 2025-02-12"
    assert "of <time:2025-02-12T17:00:00+00:00> is cancelled" in notice["content"]
    assert "next one is <time:2025-02-26T17:00:00+00:00>" in notice["content"]
    assert "1 agenda item moves there" in notice["content"]
    assert sched.to("2025-02-11 17:00") == []
    assert sched.to("2025-02-12 17:00") == []
    [reminder] = sched.to("2025-02-25 17:00")
    assert "(WV) Carried over" in reminder["content"]


def test_a_skip_uses_up_a_deferral_so_the_item_is_plain_in_the_next_meeting(
    sched: Scheduled,
) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.say(wolf, "agenda add Run exports")
    sched.h.say(wolf, "agenda add Release planning")
    sched.h.say(chair, "agenda defer 1")
    assert "2 agenda items move there" in sched.h.say(chair, "skip")
    assert "- **1** (WV) Run exports\n" in sched.h.say(wolf, "agenda")
    for when in ("2025-02-25 17:00", "2025-02-26 16:00"):
        [reminder] = sched.to(when)
        assert "(WV) Run exports" in reminder["content"]
        assert "deferred" not in reminder["content"]
    sched.to("2025-02-26 17:00")  # started by itself
    ended = sched.h.send(chair, "end")
    summary = next(m["content"] for kind, m in ended if kind == "send_message")
    assert "Deferred" not in summary and "- **1** (WV) Run exports" in summary
    assert "Run exports" not in sched.h.say(wolf, "agenda")  # discussed, not deferred again


def test_skip_of_a_wrong_date_during_a_meeting_lists_only_meetings_it_could_cancel(
    sched: Scheduled,
) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    sched.h.clock.set(at("2025-02-12 17:05"))
    sched.h.send(chair, "start")
    reply = sched.h.say(chair, "skip 2025-02-13")
    assert "The next ones are on 2025-02-26, 2025-03-12, 2025-03-26." in reply


def test_skip_of_a_date_that_is_not_an_occurrence_changes_nothing(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    reply = sched.h.say(chair, "skip 2025-02-13")
    assert "does not meet on 2025-02-13" in reply and "2025-02-12" in reply
    assert "already passed" in sched.h.say(chair, "skip 2025-01-01")
    assert "Sorry" in sched.h.say(chair, "skip tomorrow")
    assert len(sched.to("2025-02-11 17:00")) == 1


def test_skip_a_later_date_keeps_the_next_meeting(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    sched.h.say(chair, "skip 2025-02-26")
    assert "already skipped" in sched.h.say(chair, "skip 2025-02-26")
    reply = sched.h.say(chair, "next 2")
    assert "<time:2025-02-12T17:00:00+00:00>" in reply
    assert "<time:2025-03-12T17:00:00+00:00>" in reply
    assert "2025-02-26" not in reply


def test_only_chairs_skip_or_reschedule(sched: Scheduled) -> None:
    wolf = sched.h.person(2, "Wolf Vollprecht")
    assert "only a chair" in sched.h.say(wolf, "skip")
    assert "only a chair" in sched.h.say(wolf, "reschedule +1d")


def test_reschedule_moves_the_meeting_and_its_reminders(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    done = sched.h.send(chair, "reschedule 2025-02-13 18:30", topic="planning")
    notice = next(m for kind, m in done if kind == "send_message")
    assert notice["topic"] == "community call 2025-02-13"
    assert "to <time:2025-02-13T18:30:00+00:00>" in notice["content"]
    assert sched.to("2025-02-11 17:00") == []
    [reminder] = sched.to("2025-02-12 18:30")
    assert "<time:2025-02-13T18:30:00+00:00> (in 1 day)" in reminder["content"]
    assert "rescheduled" in sched.h.say(chair, "next")
    [attendance] = sched.to("2025-02-13 18:30")
    assert attendance["topic"] == "community call 2025-02-13"


def test_reschedule_by_a_shift(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    reply = sched.h.say(chair, "reschedule +1h")
    assert "to <time:2025-02-12T18:00:00+00:00>" in reply


def test_reschedule_to_the_past_or_into_another_meeting_changes_nothing(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    assert "in the past" in sched.h.say(chair, "reschedule 2025-02-01 17:00")
    assert "in the past" in sched.h.say(chair, "reschedule -3d")
    assert "run into the meeting at <time:2025-02-26T17:00:00+00:00>" in sched.h.say(
        chair, "reschedule 2025-02-26 16:30"
    )
    assert "already at" in sched.h.say(chair, "reschedule 2025-02-12 17:00")
    assert (
        "The next **Conda Community Meeting** is <time:2025-02-12T17:00:00+00:00>"
        in sched.h.say(chair, "next")
    )


def test_next_lists_k_meetings_and_refuses_silly_counts(sched: Scheduled) -> None:
    wolf = sched.h.person(2, "Wolf Vollprecht")
    reply = sched.h.say(wolf, "next 3")
    assert "1. <time:2025-02-12T17:00:00+00:00>" in reply
    assert "3. <time:2025-03-12T17:00:00+00:00>" in reply
    assert "from 1 to 50" in sched.h.say(wolf, "next 0")
    assert "from 1 to 50" in sched.h.say(wolf, "next 1000")
    assert len(sched.h.say(wolf, "next 50").splitlines()) == 51


def job_ids(scheduler: MeetingScheduler) -> set[str]:
    assert scheduler._aps is not None
    return {job.id for job in scheduler._aps.get_jobs()}


def test_stored_jobs_follow_the_botrc_across_restarts(tmp_path: Path) -> None:
    # APScheduler runs on the real clock, so these meetings lie in its future.
    first = Scheduled(
        tmp_path, botrc(start="2030-02-12 17:00", reminders="1d, 1h"), "2030-02-10 12:00"
    )
    first.scheduler.start()
    try:
        jobs = job_ids(first.scheduler)
        assert "community|20300212T170000Z|20300212T170000Z|reminder|3600" in jobs
        assert "community|20300212T170000Z|20300212T170000Z|start|0" in jobs
    finally:
        first.scheduler.shutdown()
    first.h.store.close()

    # The maintainer edits the botrc: the 1 h reminder becomes 10 minutes, auto-start goes.
    edited = Scheduled(
        tmp_path,
        botrc(start="2030-02-12 17:00", reminders="1d, 10m", auto_start="no"),
        "2030-02-10 12:00",
    )
    edited.scheduler.start()
    try:
        jobs = job_ids(edited.scheduler)
        assert "community|20300212T170000Z|20300212T170000Z|reminder|600" in jobs
        assert "community|20300212T170000Z|20300212T170000Z|reminder|3600" not in jobs
        assert not any("|start|" in job for job in jobs)
        chair = edited.h.person(1, "Jaime Chair")
        edited.h.say(chair, "reschedule +1h")
        assert "community|20300212T170000Z|20300212T180000Z|reminder|600" in job_ids(
            edited.scheduler
        )
        assert "community|20300212T170000Z|20300212T170000Z|reminder|600" not in job_ids(
            edited.scheduler
        )
    finally:
        edited.scheduler.shutdown()


def test_a_stop_while_a_jobs_reconcile_is_under_way_waits_for_it_and_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A job's reconcile (as each job ends, after its post) under way when SIGTERM comes:
    # APScheduler's shutdown holds its job stores' lock while it waits for that job, which
    # asked for that lock: `meetbot run` hung instead of stopping (seen live).
    sched = Scheduled(tmp_path, botrc(start="2030-02-12 17:00"), "2030-02-10 12:00")
    sched.scheduler.start()
    inside, planning = threading.Event(), sched.scheduler.pending_actions

    def slow_plan() -> list[Action]:
        inside.set()
        time.sleep(0.3)  # the signal comes while the job is planning
        return planning()

    monkeypatch.setattr(sched.scheduler, "pending_actions", slow_plan)
    assert sched.scheduler._aps is not None
    sched.scheduler._aps.add_job(scheduler._reconcile, id="a job's reconcile")
    assert inside.wait(10)
    stopped = threading.Thread(target=sched.scheduler.shutdown, daemon=True)
    stopped.start()
    stopped.join(10)
    assert not stopped.is_alive(), "the scheduler's shutdown hung"


def test_a_start_missed_for_the_whole_meeting_is_dropped_not_run_on_the_next_one(
    sched: Scheduled,
) -> None:
    sched.to("2025-02-11 00:00")
    # The bot was down from before the 12th's meeting until after it: nothing starts.
    assert sched.to("2025-02-12 18:30") == []
    assert "<time:2025-02-26T17:00:00+00:00>" in sched.h.say(sched.h.person(2, "Wolf"), "next")
    [attendance] = sched.to("2025-02-26 17:00")
    assert attendance["topic"] == "community call 2025-02-26"


def test_a_meeting_nobody_started_hands_its_agenda_to_the_next_one_once(by_hand: Scheduled) -> None:
    sched = by_hand
    chair = sched.h.person(1, "Jaime Chair")
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.say(wolf, "agenda add Run exports")
    sched.h.say(wolf, "agenda sub 1 CEP draft")
    sched.h.say(wolf, "agenda add Release planning")
    sched.h.say(chair, "agenda defer 2")
    sched.h.clock.set(at("2025-02-12 17:59"))  # still time to start it late
    agenda_of_the(sched, "2025-02-12 17:00")
    sched.h.clock.set(at("2025-02-12 18:01"))  # its planned end passed: nobody will start it
    agenda = agenda_of_the(sched, "2025-02-26 17:00")
    assert "- **1** (WV) Run exports\n    - **1.1** CEP draft\n- **2** (WV) Release planning" in (
        agenda
    )
    assert "deferred" not in agenda
    assert sched.h.say(wolf, "agenda") == agenda  # moved once: asked again, the same agenda
    assert "Added item **3**" in sched.h.say(wolf, "agenda add Budget")
    [reminder] = sched.to("2025-02-25 17:00")
    assert reminder["content"].count("Run exports") == 1 and "Budget" in reminder["content"]
    sched.h.send(chair, "start now")
    ended = sched.h.send(chair, "end")
    assert any("Run exports" in m["content"] for kind, m in ended if kind == "send_message")
    notes = (sched.h.settings.notes_dir / "2025-02-26-community.md").read_text()
    assert notes.count("Run exports") == 1 and notes.count("CEP draft") == 1


def test_a_meeting_missed_while_the_bot_was_down_hands_its_agenda_to_the_next_reminder(
    sched: Scheduled,
) -> None:
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.say(wolf, "agenda add Run exports")
    sched.to("2025-02-11 00:00")
    assert sched.to("2025-02-12 18:30") == []  # down through the whole meeting
    [reminder] = sched.to("2025-02-25 17:00")  # no command in between
    assert "<time:2025-02-26T17:00:00+00:00>" in reminder["content"]
    assert "- **1** (WV) Run exports" in reminder["content"]
    assert sched.h.say(wolf, "agenda").count("Run exports") == 1


def test_a_meeting_missed_while_the_bot_was_down_hands_its_agenda_to_the_next_start(
    sched: Scheduled,
) -> None:
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.say(wolf, "agenda add Run exports")
    sched.to("2025-02-11 00:00")
    [attendance] = sched.to("2025-02-26 17:00")  # down from before the 12th until the 26th
    assert attendance["topic"] == "community call 2025-02-26"
    sched.h.send(sched.h.person(1, "Jaime Chair"), "end")  # no other command in between
    notes = (sched.h.settings.notes_dir / "2025-02-26-community.md").read_text()
    assert notes.count("Run exports") == 1


def test_a_meeting_nobody_started_after_one_that_was_held_hands_its_agenda_on(
    by_hand: Scheduled,
) -> None:
    sched = by_hand
    chair = sched.h.person(1, "Jaime Chair")
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.clock.set(at("2025-02-12 17:00"))
    sched.h.send(chair, "start now")
    sched.h.send(chair, "end")
    assert "Added item **1**" in sched.h.say(wolf, "agenda add Run exports")  # for the 26th
    sched.h.clock.set(at("2025-03-01 12:00"))  # the 26th passed with nobody starting it
    assert agenda_of_the(sched, "2025-03-12 17:00").count("Run exports") == 1


def test_a_meeting_nobody_started_hands_its_agenda_on_past_a_skipped_one(
    by_hand: Scheduled,
) -> None:
    sched = by_hand
    chair = sched.h.person(1, "Jaime Chair")
    wolf = sched.h.person(2, "Wolf Vollprecht")
    sched.h.say(wolf, "agenda add Run exports")
    sched.h.say(chair, "skip 2025-02-26")  # the meeting after it is cancelled in advance
    sched.h.clock.set(at("2025-02-20 12:00"))
    assert agenda_of_the(sched, "2025-03-12 17:00").count("Run exports") == 1


def test_a_start_late_within_the_meeting_starts_that_meeting(sched: Scheduled) -> None:
    [attendance] = sched.to("2025-02-12 17:40")
    assert attendance["topic"] == "community call 2025-02-12"


def test_skipping_a_later_meeting_moves_its_agenda_to_the_meeting_after_it(
    sched: Scheduled,
) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    sched.h.clock.set(at("2025-02-13 12:00"))  # the 12th is over; the next is the 26th
    reply = sched.h.say(chair, "skip 2025-03-12")
    assert "of <time:2025-03-12T17:00:00+00:00> is cancelled" in reply
    # Said in another topic: the reply points to the notice, which the meeting's topic gets.
    assert "the notice is in #**conda>community call 2025-03-12**" in reply
    [notice] = sched.h.posted()
    assert "next one is <time:2025-03-26T17:00:00+00:00>" in notice["content"]


def test_a_skip_notice_zulip_refuses_stays_owed_until_it_is_posted(sched: Scheduled) -> None:
    chair = sched.h.person(1, "Jaime Chair")
    sched.h.clock.set(at("2025-02-13 12:00"))
    refused = sched.h.bot.send_message
    sched.h.bot.send_message = lambda message: {"result": "error", "msg": "down"}  # type: ignore[method-assign]
    reply = sched.h.say(chair, "skip 2025-02-26")  # said outside that meeting's topic
    assert "the notice is in #**conda>community call 2025-02-26**" in reply
    since = at("2025-02-13 00:00")
    [owed] = sched.h.app.ledger.owed_posts(since)
    assert owed.topic == "community call 2025-02-26" and "is cancelled" in owed.content
    sched.h.bot.send_message = refused  # type: ignore[method-assign]
    # The runtime posts what is owed (at start-up, and with backoff while running), then:
    sched.h.app.ledger.post_delivered(owed.key, sched.h.bot.send_message(owed.message())["id"])
    assert sched.h.app.ledger.owed_posts(since) == []


def test_apschedulers_line_per_job_shows_only_at_debug(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A thousand series add about 5,000 jobs at a first start: one line each drowned the log.
    for level, shown in ((logging.INFO, False), (logging.DEBUG, True)):
        caplog.clear()
        caplog.set_level(level)
        folder = tmp_path / str(level)
        folder.mkdir()
        sched = Scheduled(folder, botrc(start="2030-02-12 17:00"), "2030-02-10 12:00")
        sched.scheduler.start()
        sched.scheduler.shutdown()
        said = [record.getMessage() for record in caplog.records]
        assert any(line.startswith("Added job") for line in said) is shown
        assert "Scheduler has been shut down" in said


def test_a_series_whose_stream_the_bot_cannot_use_gets_no_reminders_starts_or_ends(
    tmp_path: Path,
) -> None:
    # Zulip said at start-up that the bot cannot use #conda (missing, or private without it):
    # a reminder or an attendance message there would be refused, a meeting nobody sees run.
    text = BOTRC + (
        "\n[series:other]\ntitle = Other Call\nstream = other\ntopic = other {date}\n"
        "start = 2025-02-12 17:00\ntimezone = UTC\nschedule = FREQ=WEEKLY\nduration = 60m\n"
    )
    sched = Scheduled(tmp_path, text)
    sched.h.app.unusable_streams = frozenset({"conda"})
    assert {action.series_slug for action in sched.scheduler.pending_actions()} == {"other"}
    [reminder] = sched.to("2025-02-11 17:00")
    assert reminder["to"] == "other"
    [attendance] = sched.to("2025-02-12 17:00")
    assert attendance["to"] == "other" and "React to this message" in attendance["content"]
    with sched.h.store.transaction() as session:
        assert store.running_meeting(session, "community") is None
        assert store.running_meeting(session, "other") is not None
    # A restart that finds #conda usable runs the series again.
    sched.h.app.unusable_streams = frozenset()
    sched.restart()
    assert "community" in {action.series_slug for action in sched.scheduler.pending_actions()}

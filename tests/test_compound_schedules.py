"""Compound schedules (issue 16): several rule lines, RDATE and EXDATE, as conda's current call
keeps its alternating 17:00 and 14:00 UTC slots; checked against dateutil and read back from ics."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import WEEKLY, rrule, rruleset, rrulestr
from harness import BOTRC, Harness
from icalendar import Calendar
from test_ics import ics_of

from zulip_meetbot import timeutil
from zulip_meetbot.checks import value_warnings
from zulip_meetbot.config import ConfigError, SeriesConfig, parse_settings
from zulip_meetbot.ics import series_calendar
from zulip_meetbot.schedules import parse_schedule
from zulip_meetbot.timeutil import is_occurrence, occurrences, occurrences_between

UTC = timezone.utc
NEW_YORK = ZoneInfo("America/New_York")
SITE = "https://conda.zulipchat.com"
CONDA_SCHEDULE = "FREQ=WEEKLY;INTERVAL=2\n    2026-01-14 14:00 FREQ=WEEKLY;INTERVAL=2"
CONDA_BOTRC = BOTRC.replace("start = 2025-02-12 17:00", "start = 2026-01-07 17:00").replace(
    "schedule = FREQ=WEEKLY;INTERVAL=2", f"schedule = {CONDA_SCHEDULE}"
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def botrc_with(schedule: str, start: str = "2026-01-07 17:00", zone: str = "UTC") -> str:
    return (
        BOTRC.replace("start = 2025-02-12 17:00", f"start = {start}")
        .replace("timezone = UTC", f"timezone = {zone}")
        .replace("schedule = FREQ=WEEKLY;INTERVAL=2", f"schedule = {schedule}")
    )


def series_of(text: str, folder: Path) -> SeriesConfig:
    return parse_settings(text, folder / "botrc").series[0]


def problems_of(text: str, folder: Path) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, folder / "botrc")
    return caught.value.problems


# --- occurrences ----------------------------------------------------------------------------


def test_condas_alternating_call_is_dateutils_union_for_two_years_across_dst_in_new_york(
    tmp_path: Path,
) -> None:
    series = series_of(CONDA_BOTRC, tmp_path)
    expected = rruleset()
    expected.rrule(rrule(WEEKLY, interval=2, dtstart=utc(2026, 1, 7, 17)))
    expected.rrule(rrule(WEEKLY, interval=2, dtstart=utc(2026, 1, 14, 14)))
    two_years = list(expected.between(utc(2026, 1, 1), utc(2028, 1, 1)))

    starts = occurrences_between(series, utc(2026, 1, 1), utc(2028, 1, 1))

    assert starts == two_years and len(starts) == 104
    # Week by week, alternating; the UTC slots stay put while a New York reader's clock moves.
    assert [s.hour for s in starts] == [17, 14] * 52
    assert all(
        later - earlier == timedelta(weeks=1) - timedelta(hours=3)
        for earlier, later in zip(starts[::2], starts[1::2], strict=True)
    )
    seen = [
        (s.astimezone(NEW_YORK).date().isoformat(), s.astimezone(NEW_YORK).hour) for s in starts
    ]
    assert ("2026-03-04", 12) in seen and ("2026-03-11", 10) in seen  # EST, then EDT from 8 Mar
    assert ("2026-03-18", 13) in seen  # EDT
    assert ("2026-10-28", 13) in seen and ("2026-11-04", 9) in seen  # EST again from 1 Nov
    assert ("2026-11-11", 12) in seen
    assert is_occurrence(series, utc(2026, 1, 14, 14))
    assert not is_occurrence(series, utc(2026, 1, 14, 17))


def test_each_rule_keeps_its_own_wall_time_across_dst_in_the_series_zone(tmp_path: Path) -> None:
    text = botrc_with(
        "FREQ=WEEKLY;INTERVAL=2\n    2027-03-10 09:00 FREQ=WEEKLY;INTERVAL=2",
        start="2027-03-03 12:00",
        zone="America/New_York",
    )
    starts = occurrences(series_of(text, tmp_path), utc(2027, 3, 1), 4)

    assert starts == [
        utc(2027, 3, 3, 17),
        utc(2027, 3, 10, 14),
        utc(2027, 3, 17, 16),
        utc(2027, 3, 24, 13),
    ]
    assert [s.astimezone(NEW_YORK).hour for s in starts] == [12, 9, 12, 9]


def test_rdate_adds_a_meeting_and_exdate_removes_that_days(tmp_path: Path) -> None:
    text = botrc_with(
        "FREQ=WEEKLY;INTERVAL=4\n    RDATE 2026-01-22 15:30\n    EXDATE 2026-02-04",
    )
    series = series_of(text, tmp_path)

    assert occurrences(series, utc(2026, 1, 1), 4) == [
        utc(2026, 1, 7, 17),
        utc(2026, 1, 22, 15, 30),
        utc(2026, 3, 4, 17),
        utc(2026, 4, 1, 17),
    ]


def test_exdate_removes_an_rdate_on_its_day_too(tmp_path: Path) -> None:
    series = series_of(
        botrc_with("FREQ=MONTHLY\n RDATE 2026-01-20 10:00\n EXDATE 2026-01-20"), tmp_path
    )

    assert occurrences(series, utc(2026, 1, 1), 2) == [utc(2026, 1, 7, 17), utc(2026, 2, 7, 17)]


def test_two_rules_giving_the_same_instant_give_one_meeting(tmp_path: Path) -> None:
    # Every week, and every 4 weeks at the same time: the second adds nothing, never twice.
    series = series_of(
        botrc_with("FREQ=WEEKLY\n FREQ=WEEKLY;INTERVAL=4\n RDATE 2026-01-14 17:00"), tmp_path
    )

    starts = occurrences(series, utc(2026, 1, 1), 6)

    assert starts == [utc(2026, 1, 7, 17) + timedelta(weeks=n) for n in range(6)]


def test_one_line_schedule_reads_as_before() -> None:
    schedule = parse_schedule("RRULE:FREQ=WEEKLY;INTERVAL=2")

    assert schedule is not None and not schedule.compound
    assert str(schedule) == "FREQ=WEEKLY;INTERVAL=2"
    assert parse_schedule("  \n ") is None


# --- the chat: next 6 -----------------------------------------------------------------------


def test_next_6_alternates_17_and_14_utc_week_by_week(tmp_path: Path) -> None:
    bot = Harness(tmp_path, CONDA_BOTRC, utc(2026, 1, 5, 12))
    reply = bot.say(bot.person(1, "Jaime Chair"), "next 6")

    times = re.findall(r"<time:(\d{4}-\d\d-\d\dT\d\d:\d\d)", reply)
    assert times == [
        "2026-01-07T17:00",
        "2026-01-14T14:00",
        "2026-01-21T17:00",
        "2026-01-28T14:00",
        "2026-02-04T17:00",
        "2026-02-11T14:00",
    ], reply


def test_skip_and_reschedule_follow_the_second_rules_meeting(tmp_path: Path) -> None:
    bot = Harness(tmp_path, CONDA_BOTRC, utc(2026, 1, 8, 12))
    chair = bot.person(1, "Jaime Chair")

    assert "cancelled" in bot.say(chair, "skip")  # Wed 14 Jan, the 14:00 one
    reply = bot.say(chair, "next 2")
    assert re.findall(r"<time:(\d{4}-\d\d-\d\dT\d\d:\d\d)", reply) == [
        "2026-01-21T17:00",
        "2026-01-28T14:00",
    ], reply
    assert "now meets" in bot.say(chair, "reschedule +30m")  # 21 Jan 17:00 → 17:30
    assert re.findall(r"<time:(\d{4}-\d\d-\d\dT\d\d:\d\d)", bot.say(chair, "next 2")) == [
        "2026-01-21T17:30",
        "2026-01-28T14:00",
    ]


# --- meetbot check --------------------------------------------------------------------------


def test_check_names_a_line_that_is_no_rule_rdate_or_exdate(tmp_path: Path) -> None:
    assert problems_of(botrc_with("FREQ=WEEKLY\n    every other tuesday"), tmp_path) == (
        "[series:community] schedule: line 2 `every other tuesday`: not a schedule line: write a "
        "rule (FREQ=WEEKLY;INTERVAL=2, optionally after its own first start YYYY-MM-DD HH:MM), "
        "RDATE YYYY-MM-DD HH:MM (one more meeting) or EXDATE YYYY-MM-DD (no meeting that day)",
    )


def test_check_refuses_an_rdate_the_clocks_skip(tmp_path: Path) -> None:
    text = botrc_with("FREQ=WEEKLY\n    RDATE 2026-03-08 02:30", zone="America/New_York")

    assert problems_of(text, tmp_path) == (
        "[series:community] schedule: line 2 `RDATE 2026-03-08 02:30`: 02:30 does not exist in "
        "America/New_York on 2026-03-08 (the clocks go forward then): choose another time",
    )


def test_check_names_each_bad_line_at_once(tmp_path: Path) -> None:
    text = botrc_with(
        "FREQ=WEEKLY\n    2026-01-08 09:00 FREQ=WEEKLY;UNTIL=20250101\n"
        "    RDATE 2026-02-30 10:00\n    EXDATE soon"
    )

    assert problems_of(text, tmp_path) == (
        "[series:community] schedule: line 3 `RDATE 2026-02-30 10:00`: '2026-02-30 10:00': the "
        "date 2026-02-30 does not exist (February 2026 has 28 days)",
        "[series:community] schedule: line 4 `EXDATE soon`: EXDATE takes a date YYYY-MM-DD (it "
        "removes that day's meeting), got 'soon'",
    )
    # Once the lines read, a rule that gives nothing is named too.
    text = botrc_with("FREQ=WEEKLY\n    2026-01-08 09:00 FREQ=WEEKLY;UNTIL=20250101")
    assert problems_of(text, tmp_path) == (
        "[series:community] schedule: line 2 `2026-01-08 09:00 FREQ=WEEKLY;UNTIL=20250101`: the "
        "rule yields no meeting on or after 2026-01-08 09:00",
    )


def test_check_refuses_a_schedule_whose_exdates_remove_everything_or_that_has_no_rule(
    tmp_path: Path,
) -> None:
    assert problems_of(botrc_with("FREQ=DAILY;COUNT=1\n    EXDATE 2026-01-07"), tmp_path) == (
        "[series:community] schedule: its EXDATE lines remove every meeting: the schedule "
        "yields none",
    )
    assert problems_of(botrc_with("RDATE 2026-01-20 10:00"), tmp_path) == (
        "[series:community] schedule: no line is a rule: RDATE and EXDATE lines add to and take "
        "from a rule's meetings (for a one-off meeting, leave schedule out)",
    )


def test_check_warns_of_overlapping_meetings_shared_ones_and_exdates_removing_nothing(
    tmp_path: Path,
) -> None:
    text = botrc_with(
        "FREQ=WEEKLY;INTERVAL=2\n    2026-01-07 17:30 FREQ=MONTHLY;COUNT=2\n"
        "    2026-01-21 17:00 FREQ=WEEKLY;INTERVAL=4\n    EXDATE 2026-01-10"
    ).replace("duration = 60m", "duration = 60m\nnotes_path = %Y-%m-%d-%H%M.md")
    settings = parse_settings(text, tmp_path / "botrc")

    warnings = value_warnings(settings, utc(2026, 1, 1))
    assert [w for w in warnings if "] schedule: " in w] == [
        "[series:community] schedule: the meetings at Wed 7 Jan 2026, 17:00 UTC (line 1) and "
        "Wed 7 Jan 2026, 17:30 UTC (line 2) overlap: each lasts 1 hour",
        "[series:community] schedule: line 3 `2026-01-21 17:00 FREQ=WEEKLY;INTERVAL=4` gives 13 "
        "meetings in the coming year that line 1 gives too (the first Wed 21 Jan 2026, 17:00 "
        "UTC): each is held once",
        "[series:community] schedule: line 4 `EXDATE 2026-01-10`: no rule gives a meeting on Sat "
        "10 Jan 2026, so it removes nothing",
    ]


def test_condas_call_draws_no_warning(tmp_path: Path) -> None:
    assert value_warnings(parse_settings(CONDA_BOTRC, tmp_path / "botrc"), utc(2026, 1, 1)) == []


# --- meetbot ics ----------------------------------------------------------------------------


def expand(calendar: Calendar, until: datetime) -> list[datetime]:
    """The calendar's meetings up to ``until`` as a calendar app would list them, by dateutil."""
    masters = {}
    overrides = []
    for event in calendar.walk("VEVENT"):
        if "RECURRENCE-ID" in event:
            overrides.append(event)
            continue
        assert str(event["uid"]) not in masters  # one recurring component per UID (RFC 5545)
        start = event.decoded("dtstart")
        meetings = rruleset()
        if "RRULE" in event:
            meetings.rrule(rrulestr(event["rrule"].to_ical().decode(), dtstart=start))
        else:
            meetings.rdate(start)
        for prop, add in (("RDATE", meetings.rdate), ("EXDATE", meetings.exdate)):
            values = event.get(prop, [])
            for value in values if isinstance(values, list) else [values]:
                for moment in value.dts:
                    add(moment.dt)
        masters[str(event["uid"])] = meetings
    found = [
        m.astimezone(UTC)
        for meetings in masters.values()
        for m in meetings.between(utc(2000, 1, 1), until.astimezone(UTC), inc=True)
    ]
    for moved in overrides:
        found.remove(moved.decoded("recurrence-id").astimezone(UTC))
        found.append(moved.decoded("dtstart").astimezone(UTC))
    assert len(found) == len(set(found))  # no meeting twice in a subscriber's calendar
    return sorted(found)


def test_ics_round_trip_gives_meetbots_occurrences_for_two_years(tmp_path: Path) -> None:
    series = series_of(CONDA_BOTRC, tmp_path)
    ics = series_calendar(series, [], utc(2026, 1, 1), SITE)

    calendar = Calendar.from_ical(ics)
    recurring = list(calendar.walk("VEVENT"))
    assert [e.decoded("dtstart") for e in recurring] == [utc(2026, 1, 7, 17), utc(2026, 1, 14, 14)]
    assert [str(e["uid"]) for e in recurring] == [
        "community@conda.zulipchat.com.meetbot",
        "community+2@conda.zulipchat.com.meetbot",
    ]
    until = utc(2028, 1, 1)
    assert expand(calendar, until) == occurrences_between(series, utc(2026, 1, 1), until)


def test_ics_round_trip_with_rdate_exdate_shared_meetings_and_dst(tmp_path: Path) -> None:
    text = botrc_with(
        "FREQ=WEEKLY;INTERVAL=2\n    2027-03-10 09:00 FREQ=WEEKLY;INTERVAL=2\n"
        "    2027-03-03 12:00 FREQ=MONTHLY;BYDAY=1WE\n    RDATE 2027-03-05 16:00\n"
        "    RDATE 2027-03-17 12:00\n    EXDATE 2027-03-31",
        start="2027-03-03 12:00",
        zone="America/New_York",
    )
    series = series_of(text, tmp_path)
    calendar = Calendar.from_ical(series_calendar(series, [], utc(2027, 1, 1), SITE))
    until = utc(2029, 3, 1)

    assert expand(calendar, until) == occurrences_between(series, utc(2027, 1, 1), until)
    first, second, third = calendar.walk("VEVENT")
    assert str(first["dtstart"].params["TZID"]) == "America/New_York"
    assert [d.dt for d in first["rdate"].dts] == [datetime(2027, 3, 5, 16, tzinfo=NEW_YORK)]
    assert [d.dt for d in first["exdate"].dts] == [datetime(2027, 3, 31, 12, tzinfo=NEW_YORK)]
    assert "EXDATE" not in second
    # The monthly rule's first-Wednesday meetings the fortnightly rule already gives: left out.
    assert datetime(2027, 3, 3, 12, tzinfo=NEW_YORK) in [d.dt for d in third["exdate"].dts]


def test_ics_round_trip_with_a_skipped_and_a_moved_meeting_of_the_second_rule(
    tmp_path: Path,
) -> None:
    bot = Harness(tmp_path, CONDA_BOTRC, utc(2026, 1, 8, 12))
    chair = bot.person(1, "Jaime Chair")
    assert "cancelled" in bot.say(chair, "skip 2026-01-28")
    assert "now meets" in bot.say(chair, "reschedule 2026-01-14 15:00")
    calendar = ics_of(tmp_path)  # `meetbot ics community`

    moved = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" in e]
    assert [str(e["uid"]) for e in moved] == ["community+2@127.0.0.1.meetbot"]
    second = next(e for e in calendar.walk("VEVENT") if str(e["uid"]).startswith("community+2"))
    assert [d.dt for d in second["exdate"].dts] == [utc(2026, 1, 28, 14)]
    found = expand(calendar, utc(2026, 2, 12))
    assert found == [
        utc(2026, 1, 7, 17),
        utc(2026, 1, 14, 15),
        utc(2026, 1, 21, 17),
        utc(2026, 2, 4, 17),
        utc(2026, 2, 11, 14),
    ]


# --- reminders, in the shell ----------------------------------------------------------------


def test_reminders_in_the_shell_follow_the_alternating_times(tmp_path: Path) -> None:
    botrc = tmp_path / "botrc"
    botrc.write_text(CONDA_BOTRC.replace("database = meetbot.sqlite3\n", ""))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "zulip_meetbot",
            "shell",
            "--config",
            str(botrc),
            "--now",
            "2026-01-06 12:00",
            "--timezone",
            "America/New_York",
        ],
        input="/clock 2026-01-22 00:00\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    stamps = re.findall(
        r"^-- (\w{3} \d+ \w{3} 2026, \d\d:\d\d E[SD]T):$", result.stdout, re.MULTILINE
    )
    assert stamps[:8] == [
        "Tue 6 Jan 2026, 12:00 EST",  # 1 day before Wed 7 Jan 17:00 UTC
        "Wed 7 Jan 2026, 11:00 EST",  # 1 hour before
        "Wed 7 Jan 2026, 12:00 EST",  # the start
        "Wed 7 Jan 2026, 16:00 EST",  # the automatic end
        "Tue 13 Jan 2026, 09:00 EST",  # 1 day before Wed 14 Jan 14:00 UTC
        "Wed 14 Jan 2026, 08:00 EST",
        "Wed 14 Jan 2026, 09:00 EST",
        "Wed 14 Jan 2026, 13:00 EST",
    ], result.stdout
    assert "starts Wed 14 Jan 2026, 09:00 EST (in 1 day)." in result.stdout


# --- the notes ------------------------------------------------------------------------------


def test_notes_time_link_is_the_second_rules_own_time(tmp_path: Path) -> None:
    bot = Harness(tmp_path, CONDA_BOTRC, utc(2026, 1, 14, 13, 58))
    chair = bot.person(1, "Jaime Chair")
    assert "2026-01-14T14:00" in bot.say(chair, "start")
    bot.say(chair, "end")

    (notes,) = (tmp_path / "notes").glob("*.md")
    assert notes.name.startswith("2026-01-14")
    assert "(https://dateful.com/convert/utc?t=2pm)" in notes.read_text()


# --- meetbot upcoming -----------------------------------------------------------------------


def test_upcoming_plans_each_meeting_at_its_own_rules_time(
    meetbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "botrc").write_text(CONDA_BOTRC)
    monkeypatch.setattr(timeutil.SystemClock, "now", lambda _self: utc(2026, 1, 8, 12))
    status, out, err = meetbot("upcoming", "community", "--days", "14")

    assert status == 0, err
    starts = [
        line.split("  ")[1] for line in out.splitlines() if line.endswith("start of the meeting")
    ]
    assert starts == ["Wed 14 Jan 2026, 14:00 UTC", "Wed 21 Jan 2026, 17:00 UTC"], out


def test_two_meetings_on_one_day_are_told_to_put_the_time_in_the_notes_file_name(
    tmp_path: Path,
) -> None:
    text = botrc_with("FREQ=WEEKLY\n    2026-01-07 19:30 FREQ=WEEKLY")

    (problem,) = problems_of(text, tmp_path)
    assert "for consecutive meetings" in problem
    assert problem.endswith("two meetings fall on one day: add the time too (%Y-%m-%d-%H%M)")


def test_check_warns_of_an_rdate_adding_nothing_and_of_two_meetings_sharing_a_topic(
    tmp_path: Path,
) -> None:
    text = botrc_with(
        "FREQ=WEEKLY;INTERVAL=2\n    RDATE 2026-01-21 17:00\n    RDATE 2026-01-07 19:30"
    ).replace("duration = 60m", "duration = 60m\nnotes_path = %Y-%m-%d-%H%M.md")
    settings = parse_settings(text, tmp_path / "botrc")

    warnings = value_warnings(settings, utc(2026, 1, 1))
    assert (
        "[series:community] schedule: line 2 `RDATE 2026-01-21 17:00`: a rule gives that "
        "meeting already, so it adds nothing"
    ) in warnings
    [shared] = [w for w in warnings if "] topic: " in w]
    assert shared.startswith(
        "[series:community] topic: the meetings at Wed 7 Jan 2026, 17:00 UTC (line 1) and "
        "Wed 7 Jan 2026, 19:30 UTC (line 3) share the topic 'community call 2026-01-07'"
    )


def test_check_warns_of_a_reminder_before_the_empty_agenda_look(tmp_path: Path) -> None:
    text = CONDA_BOTRC.replace(
        "duration = 60m", "duration = 60m\nreminders = 3d\nskip_if_empty = 2d"
    )
    settings = parse_settings(text, tmp_path / "botrc")

    assert value_warnings(settings, utc(2026, 1, 1)) == [
        "[series:community] reminders: the 3 days reminder comes before `skip_if_empty` looks "
        "at the agenda (2 days before): an empty meeting is announced, then cancelled (its "
        "reminder edited to say so)"
    ]

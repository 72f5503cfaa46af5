"""`meetbot ics SLUG`: the series as a calendar, parsed back with icalendar."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from dateutil.rrule import rrulestr
from harness import BOTRC, Harness
from icalendar import Calendar

from zulip_meetbot.timeutil import occurrences

UTC = timezone.utc
NEW_YORK_BOTRC = (
    BOTRC.replace("timezone = UTC", "timezone = America/New_York")
    .replace("start = 2025-02-12 17:00", "start = 2027-03-03 12:00")
    .replace("schedule = FREQ=WEEKLY;INTERVAL=2", "schedule = FREQ=WEEKLY")
)


def ics_of(folder: Path) -> Calendar:
    result = subprocess.run(
        [sys.executable, "-m", "zulip_meetbot", "ics", "community"],
        cwd=folder,
        capture_output=True,
        timeout=60,
        check=True,
    )
    return Calendar.from_ical(result.stdout)


def events(calendar: Calendar) -> list:
    return [c for c in calendar.walk() if c.name == "VEVENT"]


def test_ics_rule_reproduces_the_series_occurrences_across_dst(tmp_path: Path) -> None:
    bot = Harness(tmp_path, NEW_YORK_BOTRC, datetime(2027, 3, 1, tzinfo=UTC))
    [event] = events(ics_of(tmp_path))
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and str(event["dtstart"].params["TZID"]) == "America/New_York"
    assert event.decoded("duration") == timedelta(hours=1)
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
    from_ics = [moment.astimezone(UTC) for moment in rule[:4]]
    series = bot.settings.series[0]
    assert from_ics == occurrences(series, datetime(2027, 3, 1, tzinfo=UTC), 4)
    # 12:00 in New York: 17:00 UTC before 2027-03-14, 16:00 UTC after.
    assert [m.hour for m in from_ics] == [17, 17, 16, 16]
    assert any(c.name == "VTIMEZONE" for c in ics_of(tmp_path).walk())


def test_ics_shows_skipped_and_moved_meetings_as_they_are(tmp_path: Path) -> None:
    bot = Harness(tmp_path, now=datetime(2025, 2, 10, 12, tzinfo=UTC))
    chair = bot.person(1, "Jaime Chair")
    assert "cancelled" in bot.say(chair, "skip 2025-02-26")
    assert "now meets" in bot.say(chair, "reschedule 2025-02-13 18:00")
    main, moved = events(ics_of(tmp_path))
    assert [d.dt for d in main["exdate"].dts] == [datetime(2025, 2, 26, 17, tzinfo=UTC)]
    assert moved.decoded("recurrence-id") == datetime(2025, 2, 12, 17, tzinfo=UTC)
    assert moved.decoded("dtstart") == datetime(2025, 2, 13, 18, tzinfo=UTC)
    assert moved["uid"] == main["uid"]
    assert main["summary"] == "Conda Community Meeting"
    assert "zoom.us" in main["location"]


def test_ics_of_an_unknown_series_is_refused(tmp_path: Path) -> None:
    Harness(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "zulip_meetbot", "ics", "nosuch"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no series 'nosuch'" in result.stderr and "community" in result.stderr


def test_ics_uid_names_the_zulip_sites_host_so_same_named_series_stay_apart(
    tmp_path: Path,
) -> None:
    uids = []
    for site in ("https://chat.example.org", "https://zulip.other.example:8443/"):
        folder = tmp_path / site.split("//")[1].split(":")[0].split("/")[0]
        folder.mkdir()
        Harness(folder, BOTRC.replace("site = http://127.0.0.1:9", f"site = {site}"))
        [event] = events(ics_of(folder))
        uids.append(str(event["uid"]))
        assert str(events(ics_of(folder))[0]["uid"]) == uids[-1]  # stable from run to run
    assert uids == ["community@chat.example.org.meetbot", "community@zulip.other.example.meetbot"]


def test_ics_timezone_carries_no_comment_about_icalendars_span(tmp_path: Path) -> None:
    Harness(tmp_path, NEW_YORK_BOTRC, datetime(2027, 3, 1, tzinfo=UTC))
    calendar = ics_of(tmp_path)
    [zone] = [c for c in calendar.walk() if c.name == "VTIMEZONE"]
    assert str(zone["tzid"]) == "America/New_York" and zone.walk("DAYLIGHT")
    assert not [c.name for c in calendar.walk() if "COMMENT" in c]
    assert b"COMMENT" not in calendar.to_ical()

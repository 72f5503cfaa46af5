"""Meeting times: occurrences in the series' own zone, and how instants are shown to readers."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import WEEKLY, rrule

from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.schedules import parse_schedule
from zulip_meetbot.timeutil import (
    ManualClock,
    NoSuchDate,
    SystemClock,
    dateful_time,
    day_text,
    format_duration,
    global_time,
    is_occurrence,
    local_date,
    occurrences,
    occurrences_between,
    parse_reschedule_time,
    parse_wall_time,
    to_utc,
    wall_time,
    zone_time_text,
)

UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


CONDA = SeriesConfig(
    slug="community",
    title="Conda Community Meeting",
    stream="conda",
    topic="community call {date}",
    start=datetime(2023, 3, 15, 17, 0),
    timezone="UTC",
    schedule=parse_schedule("FREQ=WEEKLY;INTERVAL=2"),
    duration=timedelta(hours=1),
    video_link="https://zoom.us/j/9138593505",
    video_label="Zoom link",
    reminders=(timedelta(days=1), timedelta(hours=1)),
    sections=("Introductions", "Announcements", "New Agenda Items"),
    default_section="New Agenda Items",
    template="community",
    notes_path="%Y%m%d_agenda_and_minutes.md",
    description="",
    chairs=(),
    auto_start=True,
    carry_over="deferred",
)


def series(start: datetime, zone: str, schedule: str | None = "FREQ=WEEKLY") -> SeriesConfig:
    rule = parse_schedule(schedule) if schedule is not None else None
    return dataclasses.replace(CONDA, start=start, timezone=zone, schedule=rule)


# --- occurrences ----------------------------------------------------------------------------


def test_conda_biweekly_rule_matches_dateutil() -> None:
    expected = list(rrule(WEEKLY, interval=2, dtstart=utc(2023, 3, 15, 17), count=60))

    assert occurrences(CONDA, utc(2023, 1, 1), 60) == expected


def test_conda_meeting_of_the_reference_notes_is_an_occurrence() -> None:
    assert is_occurrence(CONDA, utc(2025, 2, 12, 17))
    assert not is_occurrence(CONDA, utc(2025, 2, 19, 17))  # the off week
    assert not is_occurrence(CONDA, utc(2025, 2, 12, 17, 1))


def test_occurrences_start_at_or_after_the_given_instant() -> None:
    assert occurrences(CONDA, utc(2025, 2, 1), 2) == [utc(2025, 2, 12, 17), utc(2025, 2, 26, 17)]
    assert occurrences(CONDA, utc(2025, 2, 12, 17), 1) == [utc(2025, 2, 12, 17)]
    assert occurrences(CONDA, utc(2025, 2, 12, 17), 1, inclusive=False) == [utc(2025, 2, 26, 17)]


def test_occurrences_before_the_start_begin_with_the_start() -> None:
    assert occurrences(CONDA, utc(2020, 1, 1), 1) == [utc(2023, 3, 15, 17)]


def test_occurrences_accept_an_instant_in_any_zone() -> None:
    berlin_evening = datetime(2025, 2, 12, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    assert occurrences(CONDA, berlin_evening, 1) == [utc(2025, 2, 12, 17)]


def test_occurrences_reject_a_naive_instant() -> None:
    with pytest.raises(ValueError, match="aware"):
        occurrences(CONDA, datetime(2025, 2, 12, 17), 1)


def test_zero_occurrences_asked_gives_none() -> None:
    assert occurrences(CONDA, utc(2025, 1, 1), 0) == []


def test_occurrences_between_is_half_open() -> None:
    starts = occurrences_between(CONDA, utc(2025, 2, 12, 17), utc(2025, 3, 26, 17))

    assert starts == [utc(2025, 2, 12, 17), utc(2025, 2, 26, 17), utc(2025, 3, 12, 17)]


def test_new_york_weekly_noon_keeps_local_time_across_spring_dst() -> None:
    noon = series(datetime(2027, 3, 3, 12, 0), "America/New_York")

    starts = occurrences(noon, utc(2027, 3, 10), 2)

    assert starts == [utc(2027, 3, 10, 17), utc(2027, 3, 17, 16)]
    assert {s.astimezone(ZoneInfo("America/New_York")).hour for s in starts} == {12}


def test_new_york_weekly_noon_keeps_local_time_across_autumn_dst() -> None:
    noon = series(datetime(2027, 11, 3, 12, 0), "America/New_York")

    assert occurrences(noon, utc(2027, 11, 1), 2) == [utc(2027, 11, 3, 16), utc(2027, 11, 10, 17)]


def test_berlin_weekly_evening_keeps_local_time_across_dst() -> None:
    evening = series(datetime(2027, 3, 3, 18, 0), "Europe/Berlin")

    assert occurrences(evening, utc(2027, 3, 24), 2) == [
        utc(2027, 3, 24, 17),
        utc(2027, 3, 31, 16),
    ]


def test_floating_until_is_a_wall_time_in_the_series_zone() -> None:
    weekly = series(datetime(2027, 3, 3, 12, 0), "America/New_York", "FREQ=WEEKLY;UNTIL=20270317")

    assert occurrences(weekly, utc(2027, 1, 1), 5) == [utc(2027, 3, 3, 17), utc(2027, 3, 10, 17)]


def test_utc_until_is_an_instant() -> None:
    weekly = series(
        datetime(2027, 3, 3, 12, 0), "America/New_York", "FREQ=WEEKLY;UNTIL=20270317T160000Z"
    )

    assert occurrences(weekly, utc(2027, 1, 1), 5) == [
        utc(2027, 3, 3, 17),
        utc(2027, 3, 10, 17),
        utc(2027, 3, 17, 16),
    ]


def test_one_off_series_has_exactly_one_occurrence() -> None:
    once = series(datetime(2025, 6, 1, 9, 30), "Europe/Berlin", schedule=None)

    assert occurrences(once, utc(2025, 1, 1), 5) == [utc(2025, 6, 1, 7, 30)]
    assert occurrences(once, utc(2025, 6, 1, 7, 30), 1) == [utc(2025, 6, 1, 7, 30)]
    assert occurrences(once, utc(2025, 6, 1, 7, 30), 1, inclusive=False) == []
    assert occurrences_between(once, utc(2025, 1, 1), utc(2026, 1, 1)) == [utc(2025, 6, 1, 7, 30)]
    assert is_occurrence(once, utc(2025, 6, 1, 7, 30))


def test_repeated_questions_give_the_same_answer() -> None:
    first = occurrences(CONDA, utc(2030, 1, 1), 3)

    assert occurrences(CONDA, utc(2030, 1, 1), 3) == first
    assert occurrences(CONDA, utc(2024, 1, 1), 1) == [utc(2024, 1, 3, 17)]


# --- wall times and dates -------------------------------------------------------------------


def test_to_utc_converts_a_wall_time() -> None:
    assert to_utc(datetime(2025, 2, 12, 18, 0), ZoneInfo("Europe/Berlin")) == utc(2025, 2, 12, 17)


def test_to_utc_takes_the_first_of_an_ambiguous_wall_time() -> None:
    # 01:30 happens twice in New York on 2027-11-07: first in EDT (UTC-4).
    assert to_utc(datetime(2027, 11, 7, 1, 30), ZoneInfo("America/New_York")) == utc(
        2027, 11, 7, 5, 30
    )


def test_to_utc_moves_a_wall_time_in_a_dst_gap_forward() -> None:
    # 02:30 never happens in New York on 2027-03-14; it is read with the EST offset.
    instant = to_utc(datetime(2027, 3, 14, 2, 30), ZoneInfo("America/New_York"))

    assert instant == utc(2027, 3, 14, 7, 30)
    assert instant.astimezone(ZoneInfo("America/New_York")).hour == 3


def test_to_utc_rejects_an_aware_datetime() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_utc(utc(2025, 1, 1), ZoneInfo("UTC"))


def test_local_date_is_the_date_in_the_given_zone() -> None:
    late = utc(2025, 2, 12, 20, 0)

    assert local_date(late, "UTC") == date(2025, 2, 12)
    assert local_date(late, "Asia/Kolkata") == date(2025, 2, 13)
    assert local_date(late, ZoneInfo("America/Los_Angeles")) == date(2025, 2, 12)


# --- showing instants -----------------------------------------------------------------------


def test_global_time_is_always_utc() -> None:
    berlin = datetime(2025, 2, 12, 18, 0, 0, 123, tzinfo=ZoneInfo("Europe/Berlin"))

    assert global_time(utc(2025, 2, 12, 17)) == "<time:2025-02-12T17:00:00+00:00>"
    assert global_time(berlin) == "<time:2025-02-12T17:00:00+00:00>"


def test_readers_see_a_utc_meeting_in_their_zone_across_european_dst() -> None:
    weekly = series(datetime(2027, 3, 3, 17, 0), "UTC")
    before, after = occurrences(weekly, utc(2027, 3, 24), 2)

    assert zone_time_text(before, "Europe/Berlin") == "Wed 24 Mar 2027, 18:00 CET (Europe/Berlin)"
    assert zone_time_text(after, "Europe/Berlin") == "Wed 31 Mar 2027, 19:00 CEST (Europe/Berlin)"
    assert zone_time_text(before, "Asia/Kolkata") == "Wed 24 Mar 2027, 22:30 IST (Asia/Kolkata)"
    assert zone_time_text(after, "Asia/Kolkata") == "Wed 31 Mar 2027, 22:30 IST (Asia/Kolkata)"


def test_zone_time_text_names_utc_once_and_prefixes_numeric_abbreviations() -> None:
    assert zone_time_text(utc(2025, 2, 12, 17), "UTC") == "Wed 12 Feb 2025, 17:00 UTC"
    assert (
        zone_time_text(utc(2025, 2, 12, 17), "America/Sao_Paulo")
        == "Wed 12 Feb 2025, 14:00 UTC-03 (America/Sao_Paulo)"
    )


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (utc(2025, 2, 12, 17, 0), "5pm"),
        (utc(2025, 2, 12, 17, 30), "5:30pm"),
        (utc(2025, 2, 12, 0, 0), "12am"),
        (utc(2025, 2, 12, 0, 5), "12:05am"),
        (utc(2025, 2, 12, 12, 0), "12pm"),
        (utc(2025, 2, 12, 9, 0), "9am"),
        (datetime(2025, 2, 12, 18, 0, tzinfo=ZoneInfo("Europe/Berlin")), "5pm"),
    ],
)
def test_dateful_time_spells_the_utc_time_of_day(instant: datetime, expected: str) -> None:
    assert dateful_time(instant) == expected


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(days=1), "1 day"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(minutes=10), "10 minutes"),
        (timedelta(hours=1, minutes=30), "1 hour 30 minutes"),
        (timedelta(days=2, hours=1), "2 days 1 hour"),
        (timedelta(weeks=2), "2 weeks"),
        (timedelta(seconds=90), "1 minute 30 seconds"),
        (timedelta(), "0 minutes"),
    ],
)
def test_format_duration_in_words(delta: timedelta, expected: str) -> None:
    assert format_duration(delta) == expected


def test_format_duration_rejects_a_negative_duration() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_duration(timedelta(minutes=-1))


# --- clocks ---------------------------------------------------------------------------------


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(utc(2025, 2, 12, 16))
    assert clock.now() == utc(2025, 2, 12, 16)

    clock.advance(timedelta(minutes=90))
    assert clock.now() == utc(2025, 2, 12, 17, 30)

    clock.set(datetime(2025, 3, 1, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    assert clock.now() == utc(2025, 3, 1, 8)
    assert clock.now().tzinfo is UTC


def test_manual_clock_rejects_naive_times() -> None:
    with pytest.raises(ValueError, match="aware"):
        ManualClock(datetime(2025, 1, 1))
    clock = ManualClock(utc(2025, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        clock.set(datetime(2025, 1, 2))


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()

    assert now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_day_text_uses_english_names_whatever_the_locale() -> None:
    assert day_text(date(2025, 2, 12)) == "Wed 12 Feb 2025"
    assert day_text(date(2030, 1, 6)) == "Sun 6 Jan 2030"


def test_zone_time_text_in_a_tzinfo_shows_the_abbreviation_alone() -> None:
    instant = utc(2025, 2, 12, 17)
    assert zone_time_text(instant, ZoneInfo("Europe/Berlin")) == "Wed 12 Feb 2025, 18:00 CET"
    assert (
        zone_time_text(instant, timezone(timedelta(hours=-3))) == "Wed 12 Feb 2025, 14:00 UTC-03:00"
    )


def test_the_botrc_and_reschedule_read_wall_times_each_as_they_always_have() -> None:
    assert wall_time("2025-02-27T17:00") == datetime(2025, 2, 27, 17, 0)
    assert parse_wall_time(" 2025-02-27   17:00:30 ") == datetime(2025, 2, 27, 17, 0, 30)
    assert parse_reschedule_time("2025-02-27  17:5") == datetime(2025, 2, 27, 17, 5)
    with pytest.raises(ValueError):
        parse_reschedule_time("2025-02-27T17:00")
    with pytest.raises(NoSuchDate, match="February 2025 has 28 days"):
        wall_time("2025-02-29 17:00")
    with pytest.raises(ValueError, match="YYYY-MM-DD HH:MM"):
        wall_time("2025-02-27 17:5")

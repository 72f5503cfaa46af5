"""A series begun years ago: its first expansion begins a little before the first question
(rules moved on by whole periods), and gives exactly the meetings dateutil gives from the real
first start, whatever is asked first; checked against dateutil's own expansion."""

from __future__ import annotations

import bisect
import dataclasses
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from test_timeutil import CONDA

from zulip_meetbot import timeutil
from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.schedules import later_start, parse_schedule, schedule_set
from zulip_meetbot.timeutil import occurrences

UTC = timezone.utc
YEARS = timedelta(days=3653)  # the ten years the questions are asked over
NEXT = 6  # starts compared per question

# The conda call's settings, from 2015 on, weekly, in UTC (the cases below change those).
BASE = dataclasses.replace(
    CONDA, start=datetime(2015, 1, 7, 17, 0), schedule=parse_schedule("FREQ=WEEKLY")
)

# (schedule, first start, zone): one rule per line; own starts, RDATE and EXDATE as botrc has.
CASES = {
    "weekly in New York": ("FREQ=WEEKLY", datetime(2015, 3, 4, 17), "America/New_York"),
    "every 2 weeks in Berlin": (
        "FREQ=WEEKLY;INTERVAL=2",
        datetime(2015, 1, 7, 18),
        "Europe/Berlin",
    ),
    "every 3 weeks on Mon and Thu from a Tuesday in Sydney": (
        "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TH",
        datetime(2015, 2, 3, 9, 30),
        "Australia/Sydney",
    ),
    "every 4 weeks in New York": (
        "FREQ=WEEKLY;INTERVAL=4;BYDAY=TU",
        datetime(2015, 1, 6, 12),
        "America/New_York",
    ),
    "every 2 weeks on Sun and Mon, weeks from Sunday": (
        "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SU,MO",
        datetime(2015, 1, 5, 8),
        "Europe/Berlin",
    ),
    "every 3 days in Berlin": ("FREQ=DAILY;INTERVAL=3", datetime(2015, 1, 1, 7), "Europe/Berlin"),
    "weekdays Mon Wed Fri in Sydney": (
        "FREQ=DAILY;BYDAY=MO,WE,FR",
        datetime(2015, 6, 3, 20),
        "Australia/Sydney",
    ),
    "until a past date": (
        "FREQ=WEEKLY;UNTIL=20190601T000000Z",
        datetime(2015, 4, 1, 10),
        "America/New_York",
    ),
    "until a future date": (
        "FREQ=WEEKLY;INTERVAL=2;UNTIL=20230315T120000Z",
        datetime(2015, 4, 2, 10),
        "Europe/Berlin",
    ),
    "last weekday of each week (BYSETPOS)": (
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        datetime(2015, 1, 5, 16),
        "America/New_York",
    ),
    "monthly, left as it is": (
        "FREQ=MONTHLY;BYDAY=2WE",
        datetime(2015, 1, 14, 17),
        "Europe/Berlin",
    ),
    "a count, left as it is": ("FREQ=WEEKLY;COUNT=300", datetime(2015, 1, 8, 17), "UTC"),
    "at 01:30 on the day New York's clocks fall back": (
        "FREQ=WEEKLY",
        datetime(2015, 11, 1, 1, 30),
        "America/New_York",
    ),
    "at 02:30 on the day Berlin's clocks fall back": (
        "FREQ=DAILY;INTERVAL=2",
        datetime(2015, 10, 25, 2, 30),
        "Europe/Berlin",
    ),
    "at 02:30 on Sundays in Sydney (skipped when its clocks go forward)": (
        "FREQ=WEEKLY",
        datetime(2015, 1, 4, 2, 30),
        "Australia/Sydney",
    ),
    "two rules with own starts, an RDATE and EXDATEs": (
        "FREQ=WEEKLY;INTERVAL=2\n"
        "2015-01-14 14:00 FREQ=WEEKLY;INTERVAL=2\n"
        "2016-03-01 09:00 FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,FR\n"
        "RDATE 2017-05-05 10:00\n"
        "RDATE 2024-06-13 10:00\n"
        "EXDATE 2019-01-09\n"
        "EXDATE 2023-11-22\n"
        "EXDATE 2024-06-13",
        datetime(2015, 1, 7, 17),
        "America/New_York",
    ),
}


@pytest.fixture(autouse=True)
def fresh_expansions() -> Iterator[None]:
    # Each question below must be the first one its series is asked.
    timeutil._expansion.cache_clear()
    yield
    timeutil._expansion.cache_clear()


def series_of(case: str) -> SeriesConfig:
    text, start, zone = CASES[case]
    return dataclasses.replace(BASE, start=start, timezone=zone, schedule=parse_schedule(text))


def dateutil_starts(case: str) -> list[datetime]:
    """Every start (UTC) over the ten years and more, from dateutil alone from the real first
    start: the rules' union, the RDATEs, less the EXDATEs' days in the zone."""
    text, start, zone_name = CASES[case]
    zone = ZoneInfo(zone_name)
    meetings: set[datetime] = set()
    removed: set[date] = set()
    end = (start + YEARS + timedelta(days=400)).replace(tzinfo=zone)
    for line in text.splitlines():
        words = line.split()
        if words[0] == "RDATE":
            meetings.add(datetime.fromisoformat(" ".join(words[1:])).replace(tzinfo=zone))
        elif words[0] == "EXDATE":
            removed.add(date.fromisoformat(words[1]))
        else:
            first = datetime.fromisoformat(" ".join(words[:2])) if len(words) == 3 else start
            rule = rrulestr(words[-1], dtstart=first.replace(tzinfo=zone))
            meetings.update(rule.between(first.replace(tzinfo=zone), end, inc=True))
    kept = {m.astimezone(UTC) for m in meetings if m.date() not in removed}
    return sorted(kept)


def expected_after(starts: list[datetime], after: datetime, inclusive: bool) -> list[datetime]:
    find = bisect.bisect_left if inclusive else bisect.bisect_right
    index = find(starts, after)
    return starts[index : index + NEXT]


def questions(case: str, starts: list[datetime]) -> list[datetime]:
    """Instants over the ten years: random ones, and meetings' own starts (inclusive or not)."""
    first = timeutil.to_utc(CASES[case][1], ZoneInfo(CASES[case][2]))
    chosen = random.Random(case)
    instants = [first - timedelta(days=3), first]
    instants += [first + YEARS * chosen.random() for _ in range(25)]
    instants += chosen.sample(starts[: len(starts) * 9 // 10], 10)
    return [instant.replace(microsecond=0) for instant in instants]


@pytest.mark.parametrize("case", list(CASES))
def test_a_first_question_anywhere_gets_dateutils_next_starts(case: str) -> None:
    series = series_of(case)
    starts = dateutil_starts(case)
    for after in questions(case, starts):
        for inclusive in (True, False):
            timeutil._expansion.cache_clear()
            got = occurrences(series, after, NEXT, inclusive=inclusive)
            assert got == expected_after(starts, after, inclusive), (after, inclusive)


@pytest.mark.parametrize("case", list(CASES))
def test_asking_late_then_early_then_late_again_gives_dateutils_starts(case: str) -> None:
    series = series_of(case)
    starts = dateutil_starts(case)
    first = starts[0]
    order = [first + YEARS * 0.9, first + YEARS * 0.2, first - timedelta(days=1)]
    order += [first + YEARS * 0.5, first + YEARS * 0.95, first + YEARS * 0.05]
    for after in order:
        assert occurrences(series, after, NEXT) == expected_after(starts, after, True), after


def test_an_iterator_begun_before_the_whole_walk_goes_on_with_the_same_starts() -> None:
    case = "every 3 weeks on Mon and Thu from a Tuesday in Sydney"
    series = series_of(case)
    starts = dateutil_starts(case)
    late = starts[0] + YEARS * 0.8
    ongoing = timeutil._starts(series, late, True)
    seen = [next(ongoing), next(ongoing)]
    # An earlier question replaces the walk with the whole one; the iterator keeps its own.
    assert occurrences(series, starts[3], 2) == starts[3:5]
    seen += [next(ongoing) for _ in range(20)]
    index = bisect.bisect_left(starts, late)
    assert seen == starts[index : index + 22]


def test_a_series_begun_ten_years_ago_computes_a_few_starts_not_ten_years_of_them() -> None:
    series = series_of("weekly in New York")
    now = datetime(2025, 3, 4, 12, tzinfo=UTC)
    expected = expected_after(dateutil_starts("weekly in New York"), now, True)
    assert occurrences(series, now, 3) == expected[:3]
    assert series.schedule is not None
    expansion = timeutil._expansion(series.schedule, series.start, series.timezone)
    walk = expansion._walk
    assert walk is not None
    # The margin (about 4½ weeks) and the three asked for: not the 520 weeks since 2015.
    assert len(walk.starts) <= 10
    # A question from the series' first year walks the whole rule, once, up to that question.
    occurrences(series, datetime(2015, 6, 1, tzinfo=UTC), 1)
    assert expansion._walk is not walk and expansion._walk is not None
    assert 10 < len(expansion._walk.starts) < 20
    whole = expansion._walk
    occurrences(series, now, 1)
    assert expansion._walk is whole


def test_a_series_starting_ahead_is_walked_from_its_start() -> None:
    series = dataclasses.replace(BASE, start=datetime(2030, 1, 2, 17))
    assert occurrences(series, datetime(2025, 1, 1, tzinfo=UTC), 1) == [
        datetime(2030, 1, 2, 17, tzinfo=UTC)
    ]
    assert series.schedule is not None
    walk = timeutil._expansion(series.schedule, series.start, series.timezone)._walk
    assert walk is not None and walk.valid_from is None


def test_later_start_moves_daily_and_weekly_rules_by_whole_intervals() -> None:
    start = datetime(2015, 1, 7, 17, 30)  # a Wednesday
    floor = datetime(2025, 3, 1, 9)
    # dateutil's own last meetings before the floor, from the real start.
    for rule in ("FREQ=WEEKLY;INTERVAL=2", "FREQ=DAILY;INTERVAL=3"):
        last = rrulestr(rule, dtstart=start).before(floor)
        assert later_start(rule, start, floor) == last
    assert later_start("freq=weekly", start, datetime(2015, 1, 14, 17, 30)) == datetime(
        2015, 1, 14, 17, 30
    )


@pytest.mark.parametrize("rule", ["FREQ=WEEKLY;COUNT=500", "FREQ=MONTHLY;BYDAY=2WE", "FREQ=YEARLY"])
def test_later_start_keeps_counted_monthly_and_yearly_rules(rule: str) -> None:
    start = datetime(2015, 1, 7, 17)
    assert later_start(rule, start, datetime(2025, 1, 1)) == start


def test_later_start_keeps_a_start_after_the_floor_or_within_one_interval_of_it() -> None:
    start = datetime(2015, 1, 7, 17)
    assert later_start("FREQ=WEEKLY", start, datetime(2014, 1, 1)) == start
    assert later_start("FREQ=WEEKLY;INTERVAL=2", start, datetime(2015, 1, 20)) == start


def test_schedule_set_from_a_wall_time_gives_the_same_meetings_from_there() -> None:
    case = "two rules with own starts, an RDATE and EXDATEs"
    series = series_of(case)
    assert series.schedule is not None
    zone = ZoneInfo(series.timezone)
    floor = datetime(2023, 10, 1)
    later = schedule_set(series.schedule, series.start, zone, floor)
    window = (datetime(2023, 10, 9, tzinfo=zone), datetime(2024, 12, 31, tzinfo=zone))
    got = [m.astimezone(UTC) for m in later.between(*window, inc=True)]
    expected = [s for s in dateutil_starts(case) if window[0] <= s <= window[1]]
    assert got == expected
    # Before the floor: the 2017 RDATE and a few weeks of the rules, not eight years of them.
    before = later.between(series.start.replace(tzinfo=zone), window[0])
    assert datetime(2017, 5, 5, 10, tzinfo=zone) in before
    assert len(before) <= 8

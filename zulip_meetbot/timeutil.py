"""Meeting times, computed purely.

Instants are aware UTC datetimes throughout; zones appear only where wall times are read
(a series' start and schedule) or shown (reminders, notes).
"""

from __future__ import annotations

import bisect
import calendar
import functools
import itertools
import re
import threading
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulebase

# Zulip's global time is markup; the domain's texts name times with it through here.
from zulip_meetbot.markup import global_time

if TYPE_CHECKING:
    # config reads its wall times with this module, so this one reaches config only when used.
    from zulip_meetbot.config import SeriesConfig
    from zulip_meetbot.schedules import Schedule

__all__ = [
    "UTC",
    "Clock",
    "ManualClock",
    "NoSuchDate",
    "SystemClock",
    "dateful_time",
    "day_text",
    "existing_date",
    "format_duration",
    "global_time",
    "is_occurrence",
    "local_date",
    "occurrences",
    "occurrences_between",
    "parse_date",
    "parse_reschedule_time",
    "parse_wall_time",
    "to_utc",
    "wall_time",
    "zone_time_text",
]

UTC = timezone.utc

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# The words a duration may be written with (`90s`, `10m`, `1 hour 30 minutes`, `2w`).
_DURATION_WORDS: Mapping[str, timedelta] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), timedelta(seconds=1)),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), timedelta(minutes=1)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), timedelta(hours=1)),
    **dict.fromkeys(("d", "day", "days"), timedelta(days=1)),
    **dict.fromkeys(("w", "week", "weeks"), timedelta(weeks=1)),
}
_DURATION_PART_RE = re.compile(r"\s*(\d+)\s*([a-z]+)\s*")
_DURATION_HINT = "expected a duration like 90s, 10m, 1h30m, 1d or 2w"

_DURATION_UNITS = (
    ("week", timedelta(weeks=1)),
    ("day", timedelta(days=1)),
    ("hour", timedelta(hours=1)),
    ("minute", timedelta(minutes=1)),
    ("second", timedelta(seconds=1)),
)

# The way a wall time is written (the botrc's `start`, `meetbot shell --now` and /clock):
# YYYY-MM-DD HH:MM[:SS], with a "T" in place of the space if one likes.
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WALL_TIME = re.compile(_DATE.pattern + r"[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")
_WALL_TIME_HINT = "expected YYYY-MM-DD HH:MM[:SS]"
# `reschedule` has always read its wall time with strptime, which takes a one-digit minute
# (`17:5`) but no "T": kept apart, so the chat accepts exactly what it always has.
_RESCHEDULE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


class Clock(Protocol):
    """Where the bot gets the current time from."""

    def now(self) -> datetime:
        """The current instant, aware UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current instant, aware UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to, for tests and the terminal shell."""

    def __init__(self, start: datetime) -> None:
        self._now = _as_utc(start)

    def now(self) -> datetime:
        """The clock's instant, aware UTC."""
        return self._now

    def set(self, instant: datetime) -> None:
        """Move the clock to ``instant`` (aware)."""
        self._now = _as_utc(instant)

    def advance(self, delta: timedelta) -> None:
        """Move the clock on by ``delta``."""
        self._now += delta


def to_utc(local_wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a naive wall time in ``zone``.

    An ambiguous wall time takes its first occurrence (fold=0); one in a DST gap maps forward.
    """
    if local_wall.tzinfo is not None:
        raise ValueError(f"expected a naive wall time, got {local_wall.isoformat()}")
    return local_wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def occurrences(
    series: SeriesConfig, after: datetime, count: int, *, inclusive: bool = True
) -> list[datetime]:
    """The next ``count`` meeting starts (aware UTC) from ``after`` on (``after`` if inclusive)."""
    if count <= 0:
        return []
    return list(itertools.islice(_starts(series, _as_utc(after), inclusive), count))


def occurrences_between(series: SeriesConfig, start: datetime, end: datetime) -> list[datetime]:
    """The meeting starts (aware UTC) in the half-open range [``start``, ``end``)."""
    end = _as_utc(end)
    return list(itertools.takewhile(lambda t: t < end, _starts(series, _as_utc(start), True)))


def is_occurrence(series: SeriesConfig, instant: datetime) -> bool:
    """Whether a meeting of ``series`` starts exactly at ``instant``."""
    instant = _as_utc(instant)
    return occurrences(series, instant, 1) == [instant]


def local_date(instant: datetime, zone: ZoneInfo | str) -> date:
    """The calendar date of ``instant`` in ``zone``."""
    return _as_utc(instant).astimezone(_zone(zone)).date()


def zone_time_text(instant: datetime, zone: str | tzinfo | None) -> str:
    """``instant`` as seen in ``zone``: ``Wed 12 Feb 2025, 18:00 CET (Europe/Berlin)``.

    A zone given by name is named after its abbreviation (unless they are the same); a tzinfo,
    or None for this machine's zone, is shown by its abbreviation alone: ``… 18:00 CET``."""
    named = zone if isinstance(zone, str) else None
    shown_in = zone if not isinstance(zone, str) else ZoneInfo(zone)
    local = _as_utc(instant).astimezone(shown_in)
    abbreviation = local.tzname() or named or ""
    # tzdata names many zones only by their offset ("-03"), which reads better as "UTC-03".
    if abbreviation[:1] in "+-":
        abbreviation = f"UTC{abbreviation}"
    text = f"{day_text(local.date())}, {local:%H:%M} {abbreviation}".rstrip()
    return text if named is None or abbreviation == named else f"{text} ({named})"


def day_text(day: date) -> str:
    """``day`` as ``Wed 12 Feb 2025``."""
    # Fixed English names rather than %a/%b, which follow the process locale.
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def parse_duration(text: str) -> timedelta:
    """Parse ``90s``, ``10m``, ``1h30m``, ``1d``, ``2w`` or ``1 hour 30 minutes`` to a timedelta."""
    cleaned = text.strip().lower()
    parts = list(_DURATION_PART_RE.finditer(cleaned))
    well_formed = bool(cleaned) and "".join(p.group(0) for p in parts) == cleaned
    if not well_formed or any(p.group(2) not in _DURATION_WORDS for p in parts):
        raise ValueError(f"{_DURATION_HINT}, got {text.strip()!r}")
    total = sum((int(p.group(1)) * _DURATION_WORDS[p.group(2)] for p in parts), timedelta())
    if total <= timedelta():
        raise ValueError(f"a duration must be positive, got {text.strip()!r}")
    return total


def format_duration(delta: timedelta) -> str:
    """``delta`` in words: ``1 day``, ``1 hour``, ``10 minutes``, ``1 hour 30 minutes``."""
    if delta < timedelta():
        raise ValueError(f"a duration cannot be negative, got {delta}")
    words = []
    rest = delta
    for unit, size in _DURATION_UNITS:
        amount, rest = divmod(rest, size)
        if amount:
            words.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    return " ".join(words) or "0 minutes"


def dateful_time(instant: datetime) -> str:
    """The UTC time of day as the reference notes' link spells it: ``5pm``, ``5:30pm``, ``12am``."""
    utc = _as_utc(instant)
    hour = utc.hour % 12 or 12
    suffix = "am" if utc.hour < 12 else "pm"
    return f"{hour}{suffix}" if utc.minute == 0 else f"{hour}:{utc.minute:02d}{suffix}"


# --- wall times people write ----------------------------------------------------------------


class NoSuchDate(ValueError):
    """A date or time written in the right shape that the calendar does not have."""


def existing_date(year: int, month: int, day: int, text: str) -> date:
    """The date, or :class:`NoSuchDate` saying why ``text`` (where it was written) names none."""
    if not 1 <= month <= 12:
        raise NoSuchDate(f"{text!r}: there is no month {month}")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        month_name = calendar.month_name[month]
        raise NoSuchDate(
            f"{text!r}: the date {year:04d}-{month:02d}-{day:02d} does not exist "
            f"({month_name} {year} has {days} days)"
        )
    return date(year, month, day)


def wall_time(text: str) -> datetime:
    """A naive wall time written exactly YYYY-MM-DD HH:MM[:SS] (as the botrc's ``start``)."""
    match = _WALL_TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"{_WALL_TIME_HINT}, got {text!r}")
    year, month, day, hour, minute = (int(part) for part in match.groups()[:5])
    second = int(match.group(6) or 0)
    existing_date(year, month, day, text)
    if hour > 23 or minute > 59 or second > 59:
        raise NoSuchDate(f"{text!r}: {hour:02d}:{minute:02d} is not a time of day (00:00-23:59)")
    return datetime(year, month, day, hour, minute, second)


def parse_wall_time(text: str) -> datetime:
    """A wall time written YYYY-MM-DD HH:MM[:SS], checked as the botrc's ``start`` is."""
    return wall_time(" ".join(text.split()))


def parse_date(text: str) -> date:
    """A date written YYYY-MM-DD, checked as the botrc's ``start`` is."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"expected a date like 2025-02-12, got {text!r}")
    year, month, day = (int(part) for part in match.groups())
    return existing_date(year, month, day, text)


def parse_reschedule_time(text: str) -> datetime:
    """The naive wall time of `reschedule YYYY-MM-DD HH:MM[:SS]`; a ValueError if none."""
    for pattern in _RESCHEDULE_FORMATS:
        try:
            return datetime.strptime(" ".join(text.split()), pattern)
        except ValueError:
            continue
    raise ValueError(f"expected YYYY-MM-DD HH:MM[:SS], got {text!r}")


# --- helpers --------------------------------------------------------------------------------


def _as_utc(instant: datetime) -> datetime:
    # A naive instant is a bug upstream: guessing its zone would hide it.
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {instant.isoformat()}")
    return instant.astimezone(UTC)


def _zone(zone: ZoneInfo | str) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


# Room for one entry per series of a bot serving a whole foundation (issue 17: a thousand
# series): one more series than fits would make every reconcile build them all again.
_SERIES_CACHED = 4096


@functools.lru_cache(maxsize=_SERIES_CACHED)
def _rule(schedule: Schedule, start: datetime, zone_name: str) -> rrulebase:
    # Built once per series: occurrences are asked for on every command, and the rules' own
    # caches then keep the starts they have already computed.
    from zulip_meetbot.schedules import schedule_set  # schedules imports this module

    return schedule_set(schedule, start, ZoneInfo(zone_name))


# A first question's expansion begins this far before it, in wall time: 2 days so that no UTC
# offset and no inclusive bound reaches across it, 4 weeks more so that a later question a
# little earlier (a meeting's window looking back) is still answered without the whole walk.
_REBASE_MARGIN = timedelta(days=2, weeks=4)


class _Walk:
    """One walk of a schedule's rule: the starts (UTC, in order) computed so far, exact for
    every question from ``valid_from`` on (None: for every question)."""

    def __init__(self, rule: rrulebase, valid_from: datetime | None) -> None:
        self.valid_from = valid_from
        self.starts: list[datetime] = []
        self._source = iter(rule)
        self._exhausted = False

    def serves(self, after: datetime) -> bool:
        """Whether the starts from ``after`` on are exactly the schedule's."""
        return self.valid_from is None or after >= self.valid_from

    def grow(self) -> bool:
        """Compute one more start; False once the rule has no more."""
        if self._exhausted:
            return False
        following = next(self._source, None)
        if following is None:
            self._exhausted = True
            return False
        self.starts.append(following.astimezone(UTC))
        return True


class _Expansion:
    """A schedule's starts in UTC, computed once and kept in order, so finding the next one is
    a binary search rather than a walk from the series' first meeting (years of them).

    The first question's walk begins a little before it (rules moved on by whole periods,
    :func:`~zulip_meetbot.schedules.later_start`); a later question from before that walk
    reaches gets the whole walk from the first start, kept from then on."""

    def __init__(self, schedule: Schedule, start: datetime, zone_name: str) -> None:
        self._schedule = schedule
        self._start = start
        self._zone_name = zone_name
        self._walk: _Walk | None = None
        self._lock = threading.Lock()

    def starts(self, after: datetime, inclusive: bool) -> Iterator[datetime]:
        with self._lock:
            walk = self._walk_for(after)
            while (not walk.starts or walk.starts[-1] <= after) and walk.grow():
                pass
            find = bisect.bisect_left if inclusive else bisect.bisect_right
            index = find(walk.starts, after)
        # An iterator keeps its walk: a whole walk replacing it later gives the same starts.
        while True:
            with self._lock:
                if index >= len(walk.starts) and not walk.grow():
                    return
                start = walk.starts[index]
            yield start
            index += 1

    def _walk_for(self, after: datetime) -> _Walk:
        """The walk answering from ``after`` on (the lock held)."""
        if self._walk is None:
            self._walk = self._rebased(after)
        elif not self._walk.serves(after):
            self._walk = _Walk(_rule(self._schedule, self._start, self._zone_name), None)
        return self._walk

    def _rebased(self, after: datetime) -> _Walk:
        """A walk from a little before ``after``, or the whole walk when no rule moves on."""
        from zulip_meetbot.schedules import first_starts, schedule_set

        zone = ZoneInfo(self._zone_name)
        try:
            floor = after.astimezone(zone).replace(tzinfo=None) - _REBASE_MARGIN
        except OverflowError:  # asked from the first years of the calendar: nothing to skip
            return _Walk(_rule(self._schedule, self._start, self._zone_name), None)
        firsts = first_starts(self._schedule, self._start)
        laters = first_starts(self._schedule, self._start, floor)
        moved = [later for first, later in zip(firsts, laters, strict=True) if later != first]
        if not moved:
            return _Walk(_rule(self._schedule, self._start, self._zone_name), None)
        # A day past the latest moved start, no offset can put a meeting before it in wall time.
        valid_from = to_utc(max(moved), zone) + timedelta(days=1)
        return _Walk(schedule_set(self._schedule, self._start, zone, floor), valid_from)


@functools.lru_cache(maxsize=_SERIES_CACHED)
def _expansion(schedule: Schedule, start: datetime, zone_name: str) -> _Expansion:
    return _Expansion(schedule, start, zone_name)


def _starts(series: SeriesConfig, after: datetime, inclusive: bool) -> Iterator[datetime]:
    """The series' starts (aware UTC) from ``after`` on, in order."""
    if series.schedule is None:
        only = to_utc(series.start, series.zone)
        if only > after or (inclusive and only == after):
            yield only
        return
    # The rules yield aware wall times in the series' zone, each meeting at its own rule's wall
    # time; against an aware UTC bound dateutil compares instants, so DST cannot shift the cut.
    yield from _expansion(series.schedule, series.start, series.timezone).starts(after, inclusive)

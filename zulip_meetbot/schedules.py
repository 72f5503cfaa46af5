"""A series' ``schedule``: the botrc's lines read into one value, and the meetings they give.

A schedule is one or more RRULE lines (each may begin with its own first start, a wall time in
the series' zone), ``RDATE`` lines adding one meeting each and ``EXDATE`` lines removing the
meetings of a date. Its meetings are the union of the rules (dateutil's ``rruleset``), each at
its own rule's wall time; two rules giving the same instant give one meeting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulebase, rruleset, rrulestr

from zulip_meetbot.timeutil import NoSuchDate, parse_date, parse_wall_time

__all__ = [
    "ALLOWED_FREQS",
    "ExtraMeeting",
    "RemovedDate",
    "RuleLine",
    "Schedule",
    "ScheduleProblems",
    "check_interval",
    "check_schedule",
    "first_starts",
    "gives",
    "later_start",
    "line_of",
    "meetings_on",
    "parse_schedule",
    "rules_of",
    "schedule_rule",
    "schedule_set",
    "wall_time_problem",
]

ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# The rules whose first start may move on by whole periods (later_start): a period's days.
_PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7}
_RDATE = re.compile(r"RDATE\b:?\s*(.*)", re.IGNORECASE | re.DOTALL)
_EXDATE = re.compile(r"EXDATE\b:?\s*(.*)", re.IGNORECASE | re.DOTALL)
# A rule line's own first start: the wall time before its rule.
_OWN_START = re.compile(r"(\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2})?)\s+(\S.*)")
_LINE_SHAPES = (
    "a rule (FREQ=WEEKLY;INTERVAL=2, optionally after its own first start YYYY-MM-DD HH:MM), "
    "RDATE YYYY-MM-DD HH:MM (one more meeting) or EXDATE YYYY-MM-DD (no meeting that day)"
)


@dataclass(frozen=True)
class RuleLine:
    """An RRULE line: the rule's body and its own first start (None: the series' ``start``)."""

    rule: str  # without "RRULE:"
    start: datetime | None = None  # naive wall time in the series' zone
    line: int = field(default=1, compare=False)  # 1-based, for messages

    @property
    def text(self) -> str:
        """The line as meetbot writes it."""
        return self.rule if self.start is None else f"{_wall(self.start)} {self.rule}"


@dataclass(frozen=True)
class ExtraMeeting:
    """An ``RDATE`` line: one meeting more, at a wall time in the series' zone."""

    start: datetime  # naive
    line: int = field(default=1, compare=False)

    @property
    def text(self) -> str:
        """The line as meetbot writes it."""
        return f"RDATE {_wall(self.start)}"


@dataclass(frozen=True)
class RemovedDate:
    """An ``EXDATE`` line: no meeting on that date (in the series' zone)."""

    day: date
    line: int = field(default=1, compare=False)

    @property
    def text(self) -> str:
        """The line as meetbot writes it."""
        return f"EXDATE {self.day.isoformat()}"


@dataclass(frozen=True)
class Schedule:
    """A series' ``schedule``: at least one rule, the meetings added and the dates removed."""

    rules: tuple[RuleLine, ...]
    extras: tuple[ExtraMeeting, ...] = ()
    removed: tuple[RemovedDate, ...] = ()

    @property
    def compound(self) -> bool:
        """Whether it is more than one rule line (messages then name the line)."""
        return len(self.rules) + len(self.extras) + len(self.removed) > 1

    @property
    def lines(self) -> tuple[RuleLine | ExtraMeeting | RemovedDate, ...]:
        """Every line, in the botrc's order."""
        return tuple(sorted((*self.rules, *self.extras, *self.removed), key=lambda x: x.line))

    def __str__(self) -> str:
        return "; ".join(line.text for line in self.lines)

    def earliest(self, start: datetime) -> datetime:
        """The earliest wall time a line names, ``start`` (the series') included."""
        own = [r.start for r in self.rules if r.start is not None]
        return min([start, *own, *(extra.start for extra in self.extras)])


class ScheduleProblems(ValueError):
    """Every bad line of a schedule, so that ``check`` names them all rather than the first."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = tuple(messages)
        super().__init__("; ".join(self.messages))


def parse_schedule(text: str) -> Schedule | None:
    """The lines of botrc's ``schedule`` (None when empty); ScheduleProblems naming each line
    that is not a rule, an RDATE or an EXDATE."""
    written = [line.strip() for line in text.splitlines()]
    numbered = [(number, line) for number, line in enumerate(written, 1) if line]
    if not numbered:
        return None
    rules: list[RuleLine] = []
    extras: list[ExtraMeeting] = []
    removed: list[RemovedDate] = []
    messages: list[str] = []
    several = len(numbered) > 1
    for number, line in numbered:
        try:
            if extra := _RDATE.fullmatch(line):
                extras.append(ExtraMeeting(_read_wall(extra.group(1), "RDATE"), number))
            elif exdate := _EXDATE.fullmatch(line):
                removed.append(RemovedDate(_read_date(exdate.group(1)), number))
            elif own := _OWN_START.fullmatch(line):
                rules.append(
                    RuleLine(_rule_body(own.group(2)), parse_wall_time(own.group(1)), number)
                )
            elif several and "=" not in line:
                raise ValueError(f"not a schedule line: write {_LINE_SHAPES}")
            else:
                rules.append(RuleLine(_rule_body(line), None, number))
        except ValueError as err:
            messages.append(_named(line, number, several, str(err)))
    if not messages and not rules:
        messages.append(
            "no line is a rule: RDATE and EXDATE lines add to and take from a rule's meetings "
            "(for a one-off meeting, leave schedule out)"
        )
    if messages:
        raise ScheduleProblems(messages)
    return Schedule(tuple(rules), tuple(extras), tuple(removed))


def check_schedule(schedule: Schedule, start: datetime, zone: ZoneInfo) -> Schedule:
    """``schedule`` if each of its lines gives meetings from ``start`` (the series' first, a naive
    wall time in ``zone``); otherwise ScheduleProblems naming each line that does not."""
    messages: list[str] = []
    several = schedule.compound
    for rule in schedule.rules:
        try:
            if rule.start is not None and (gap := wall_time_problem(rule.start, zone)):
                raise ValueError(gap)
            _check_rule(rule.rule, rule.start or start, zone)
        except ValueError as err:
            messages.append(_named(rule.text, rule.line, several, str(err)))
    for extra in schedule.extras:
        if gap := wall_time_problem(extra.start, zone):
            messages.append(_named(extra.text, extra.line, several, gap))
    if not messages and next(iter(schedule_set(schedule, start, zone)), None) is None:
        messages.append("its EXDATE lines remove every meeting: the schedule yields none")
    if messages:
        raise ScheduleProblems(messages)
    return schedule


def wall_time_problem(wall: datetime, zone: ZoneInfo) -> str | None:
    """Why the naive ``wall`` is not a time in ``zone`` (the clocks skip it); None if it is."""
    held = wall.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")).astimezone(zone)
    if held.replace(tzinfo=None) == wall:
        return None
    return (
        f"{wall:%H:%M} does not exist in {zone.key} on {wall:%Y-%m-%d} (the clocks go forward "
        "then): choose another time"
    )


def schedule_set(
    schedule: Schedule, start: datetime, zone: ZoneInfo, from_wall: datetime | None = None
) -> rrulebase:
    """The meetings of ``schedule`` from ``start`` (the series' first, a naive wall time in
    ``zone``), as aware datetimes in ``zone``; a one-rule schedule is that rule itself.

    With ``from_wall`` (naive, in ``zone``) each rule begins at its :func:`later_start`: the
    same meetings from the latest of those on, without the years before."""
    rules = rules_of(schedule, start, zone, from_wall)
    if len(rules) == 1 and not schedule.extras and not schedule.removed:
        return rules[0]
    meetings = rruleset(cache=True)
    for rule in rules:
        meetings.rrule(rule)
    removed = {r.day for r in schedule.removed}
    for extra in schedule.extras:
        if extra.start.date() not in removed:
            meetings.rdate(extra.start.replace(tzinfo=zone))
    for day in sorted(removed):
        for rule in rules:
            for instant in meetings_on(rule, day, zone):
                meetings.exdate(instant)
    return meetings


def rules_of(
    schedule: Schedule, start: datetime, zone: ZoneInfo, from_wall: datetime | None = None
) -> list[rrule]:
    """Each rule line's dateutil rule (from its own first start, else ``start``), in order;
    with ``from_wall``, from its :func:`later_start` at or before that wall time."""
    firsts = first_starts(schedule, start, from_wall)
    return [
        schedule_rule(r.rule, first, zone) for r, first in zip(schedule.rules, firsts, strict=True)
    ]


def first_starts(
    schedule: Schedule, start: datetime, from_wall: datetime | None = None
) -> list[datetime]:
    """Each rule line's first start (its own, else ``start``), in order, naive; with
    ``from_wall``, its :func:`later_start` at or before that wall time."""
    firsts = [r.start or start for r in schedule.rules]
    if from_wall is None:
        return firsts
    return [
        later_start(r.rule, first, from_wall)
        for r, first in zip(schedule.rules, firsts, strict=True)
    ]


def later_start(rule: str, start: datetime, floor: datetime) -> datetime:
    """The latest first start at or before ``floor`` from which ``rule`` (begun at ``start``)
    gives the same meetings, from that start on; ``start`` itself when there is none later.

    Only a DAILY or WEEKLY rule without COUNT moves, by whole periods of its interval in wall
    time (naive, as ``start`` and ``floor``): dateutil counts a WEEKLY rule's weeks from its
    first start's week (WKST) and a DAILY one's days from its first day, so the weekday, the
    hour and the interval's phase stay; BYSETPOS picks within a whole period, which moves
    whole too. COUNT counts from the first start, and MONTHLY or YEARLY rules are cheap
    (twelve meetings a year at most): those keep ``start``."""
    parts = _rule_parts(rule)
    days = _PERIOD_DAYS.get(parts.get("FREQ", "").upper())
    interval = parts.get("INTERVAL", "1")
    if days is None or "COUNT" in parts or not interval.isdigit() or int(interval) < 1:
        return start
    period = timedelta(days=days * int(interval))
    if floor <= start:
        return start
    return start + (floor - start) // period * period


def line_of(
    schedule: Schedule, start: datetime, zone: ZoneInfo, instant: datetime
) -> RuleLine | ExtraMeeting | None:
    """The first line giving a meeting at ``instant`` (aware): a rule, else an RDATE; None when
    none does (EXDATE aside: a removed meeting still has the line that gave it)."""
    local = instant.astimezone(zone)
    for line, rule in zip(schedule.rules, rules_of(schedule, start, zone), strict=True):
        if gives(rule, local):
            return line
    wall = local.replace(tzinfo=None)
    return next((extra for extra in schedule.extras if extra.start == wall), None)


def gives(meetings: rrulebase, instant: datetime) -> bool:
    """Whether ``meetings`` has one at exactly ``instant`` (aware, in their zone)."""
    found: datetime | None = meetings.after(instant, inc=True)
    return found == instant


def meetings_on(meetings: rrulebase, day: date, zone: ZoneInfo) -> list[datetime]:
    """The meetings of ``meetings`` on ``day`` (a date in ``zone``), aware in ``zone``."""
    midnight = datetime.combine(day, time(), zone)
    found: list[datetime] = meetings.between(midnight, midnight + timedelta(days=1), inc=True)
    return [meeting for meeting in found if meeting.date() == day]


def schedule_rule(schedule: str, start: datetime, zone: ZoneInfo) -> rrule:
    """The dateutil rule of ``schedule`` from ``start``, a naive wall time in ``zone``.

    It yields aware datetimes in ``zone`` whose wall time follows the rule across DST changes.
    """
    parts = _rule_parts(schedule)
    until = parts.get("UNTIL", "")
    if until and not until.upper().endswith("Z"):
        # RFC 5545 wants a UTC UNTIL beside a zoned DTSTART (dateutil insists), so a floating
        # UNTIL is read as a wall time in the series' zone.
        parts["UNTIL"] = _floating_until_to_utc(until, zone)
        schedule = ";".join(f"{name}={value}" for name, value in parts.items())
    rule = rrulestr(schedule, dtstart=start.replace(tzinfo=zone), cache=True)
    if not isinstance(rule, rrule):
        raise ValueError("expected a single RRULE")
    return rule


def check_interval(number: str, written: str) -> int:
    """A schedule's interval (``INTERVAL=2``, ``every 2 weeks``): a whole number, 1 or more."""
    # dateutil takes INTERVAL=0 as the same meeting over and over, and a negative one crashes it.
    if not number.isdigit() or int(number) < 1:
        raise ValueError(
            f"the interval must be 1 or more (1 is every week, 2 every other week), got {written}"
        )
    return int(number)


# --- helpers --------------------------------------------------------------------------------


def _wall(wall: datetime) -> str:
    return f"{wall:%Y-%m-%d %H:%M}" if not wall.second else f"{wall:%Y-%m-%d %H:%M:%S}"


def _named(line: str, number: int, several: bool, message: str) -> str:
    # One line alone needs no naming: the key is the line, as before schedules had several.
    return f"line {number} `{line}`: {message}" if several else message


def _read_wall(text: str, keyword: str) -> datetime:
    try:
        return parse_wall_time(text)
    except NoSuchDate:
        raise
    except ValueError:
        raise ValueError(f"{keyword} takes a wall time YYYY-MM-DD HH:MM, got {text!r}") from None


def _read_date(text: str) -> date:
    try:
        return parse_date(text)
    except NoSuchDate:
        raise
    except ValueError:
        raise ValueError(
            f"EXDATE takes a date YYYY-MM-DD (it removes that day's meeting), got {text!r}"
        ) from None


def _rule_body(text: str) -> str:
    return text[len("RRULE:") :].strip() if text.upper().startswith("RRULE:") else text.strip()


def _rule_parts(schedule: str) -> dict[str, str]:
    pairs = (part.partition("=") for part in schedule.split(";") if part.strip())
    return {name.strip().upper(): value.strip() for name, _, value in pairs}


def _floating_until_to_utc(until: str, zone: ZoneInfo) -> str:
    for pattern in ("%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            wall = datetime.strptime(until, pattern)
        except ValueError:
            continue
        return wall.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    raise ValueError(f"invalid 'UNTIL': {until} (expected YYYYMMDD or YYYYMMDDTHHMMSS[Z])")


def _check_rule(schedule: str, start: datetime, zone: ZoneInfo) -> rrule:
    parts = _rule_parts(schedule)
    if "DTSTART" in schedule.upper():
        raise ValueError("must not contain DTSTART: the series' start key sets it")
    if "FREQ" not in parts:
        raise ValueError(
            f"not a valid RRULE (FREQ is missing in {schedule!r}); write it like "
            "FREQ=WEEKLY;INTERVAL=2 for every 2 weeks, or FREQ=MONTHLY;BYDAY=2WE for the "
            "2nd Wednesday of each month"
        )
    if parts["FREQ"].upper() not in ALLOWED_FREQS:
        allowed = ", ".join(ALLOWED_FREQS)
        raise ValueError(f"FREQ={parts['FREQ']} is not a meeting schedule (use one of {allowed})")
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValueError("use COUNT or UNTIL, not both (RFC 5545)")
    if "INTERVAL" in parts:
        check_interval(parts["INTERVAL"], f"INTERVAL={parts['INTERVAL']}")
    if re.fullmatch(r"-?\d+", parts.get("COUNT", "")) and int(parts["COUNT"]) < 1:
        raise ValueError(
            f"COUNT={parts['COUNT']} yields no meeting at all (COUNT is how many meetings "
            "there are: 1 or more; leave it out for no end)"
        )
    try:
        rule = schedule_rule(schedule, start, zone)
    except (ValueError, TypeError) as err:
        raise ValueError(f"not a valid RRULE ({err})") from None
    if next(iter(rule), None) is None:
        raise ValueError(f"the rule yields no meeting on or after {start:%Y-%m-%d %H:%M}")
    return rule

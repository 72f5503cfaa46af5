"""A series as an RFC 5545 calendar, so people can subscribe: skips and moves included."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vRecur

from zulip_meetbot import __version__
from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.domain.meetings import CalendarChange
from zulip_meetbot.schedules import RuleLine, gives, line_of, meetings_on, rules_of

PRODID = f"-//meetbot//zulip_meetbot {__version__}//EN"
# How far ahead a later rule's meetings that an earlier rule also gives are left out.
_DUPLICATES_AHEAD = timedelta(days=10 * 366)


def series_calendar(
    series: SeriesConfig, changes: Sequence[CalendarChange], now: datetime, site: str
) -> bytes:
    """The series' VCALENDAR: one recurring VEVENT per rule line of its schedule (each with its
    own DTSTART and RRULE, the first also holding the RDATEs), EXDATEs for skipped meetings and
    EXDATE lines, and an overriding VEVENT (RECURRENCE-ID) for each moved meeting; ``site`` is
    the Zulip server's URL."""
    zone = series.zone
    uid = event_uid(series.slug, site)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", series.title)

    mains = _recurring_events(series, uid, now)
    for change in changes:
        main = mains[_owner(series, change.occurrence_start)]
        if change.cancelled:
            main.exdates.append(change.occurrence_start.astimezone(zone))
    for main in mains:
        if main.exdates:
            main.event.add("exdate", sorted(set(main.exdates)))
        calendar.add_component(main.event)

    for change in changes:
        if change.cancelled:
            continue
        main = mains[_owner(series, change.occurrence_start)]
        moved = _event(series, main.uid, change.start.astimezone(zone), now)
        moved.add("recurrence-id", change.occurrence_start.astimezone(zone))
        calendar.add_component(moved)
    calendar.add_missing_timezones()
    for component in calendar.walk("VTIMEZONE"):
        # icalendar's note on the span of its transitions, which subscribers' apps show.
        component.pop("COMMENT", None)
    ical: bytes = calendar.to_ical()  # icalendar leaves to_ical's return unannotated
    return ical


def event_uid(slug: str, site: str) -> str:
    """The series' UID, the same in every export: its slug at the Zulip server's host, so
    two organisations' series of the same name stay apart in subscribers' calendars."""
    host = urlsplit(site).hostname or site
    return f"{slug}@{host}.meetbot"


def rule_uid(uid: str, number: int) -> str:
    """The UID of the series' rule line ``number`` (1-based): the series' own for the first,
    so a calendar subscribed before a second rule was added keeps its events."""
    if number == 1:
        return uid
    name, _, host = uid.partition("@")
    return f"{name}+{number}@{host}"


@dataclass
class _Recurring:
    """A rule line's VEVENT and the starts it leaves out, gathered before they are added."""

    uid: str
    event: Event
    exdates: list[datetime] = field(default_factory=list)


def _recurring_events(series: SeriesConfig, uid: str, now: datetime) -> list[_Recurring]:
    """One VEVENT per rule line; RDATEs in the first, each meeting in exactly one of them."""
    zone = series.zone
    schedule = series.schedule
    if schedule is None:
        return [_Recurring(uid, _event(series, uid, series.start.replace(tzinfo=zone), now))]
    rules = rules_of(schedule, series.start, zone)
    removed = [r.day for r in schedule.removed]
    mains = []
    for index, (line, rule) in enumerate(zip(schedule.rules, rules, strict=True)):
        own_uid = rule_uid(uid, index + 1)
        start = (line.start or series.start).replace(tzinfo=zone)
        main = _Recurring(own_uid, _event(series, own_uid, start, now))
        main.event.add("rrule", _rule(line.rule, series, start))
        main.exdates += [m for day in removed for m in meetings_on(rule, day, zone)]
        # Two rules giving the same instant give one meeting: the later rule leaves it out, as
        # far ahead as anyone looks at a calendar (RFC 5545 has no "unless another rule does").
        horizon = (now + _DUPLICATES_AHEAD).astimezone(zone)
        if index:
            main.exdates += [
                meeting
                for meeting in rule.between(start, horizon, inc=True)
                if any(gives(earlier, meeting) for earlier in rules[:index])
            ]
        mains.append(main)
    # An RDATE a rule already gives, or on an EXDATE's day, is no meeting more.
    extras = [
        start
        for start in (extra.start.replace(tzinfo=zone) for extra in schedule.extras)
        if start.date() not in removed and not any(gives(rule, start) for rule in rules)
    ]
    if extras:
        mains[0].event.add("rdate", sorted(extras))
    return mains


def _owner(series: SeriesConfig, occurrence: datetime) -> int:
    """The index of the VEVENT giving the meeting at ``occurrence``: its rule's; an RDATE's or
    an unknown one's (the botrc changed since) the first."""
    if series.schedule is None:
        return 0
    line = line_of(series.schedule, series.start, series.zone, occurrence)
    return series.schedule.rules.index(line) if isinstance(line, RuleLine) else 0


def _event(series: SeriesConfig, uid: str, start: datetime, now: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(timezone.utc))
    event.add("summary", series.title)
    event.add("dtstart", start)
    event.add("duration", series.duration)
    details = [text for text in (series.description, series.video_link) if text]
    if details:
        event.add("description", "\n\n".join(details))
    if series.video_link:
        event.add("location", series.video_link)
        event.add("url", series.video_link)
    return event


def _rule(schedule: str, series: SeriesConfig, start: datetime) -> vRecur:
    rule: vRecur = vRecur.from_ical(schedule)  # icalendar leaves from_ical unannotated
    until = rule.get("UNTIL")
    if until:
        # RFC 5545: beside a zoned DTSTART, UNTIL must be UTC; the botrc's is a local wall time.
        value = until[0]
        if not isinstance(value, datetime):
            value = datetime.combine(value, start.time())
        if value.tzinfo is None:
            value = value.replace(tzinfo=series.zone)
        rule["UNTIL"] = [value.astimezone(timezone.utc)]
    return rule


__all__ = ["event_uid", "rule_uid", "series_calendar"]

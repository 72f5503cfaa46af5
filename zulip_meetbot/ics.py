"""A series as an RFC 5545 calendar, so people can subscribe: skips and moves included."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vRecur

from zulip_meetbot import __version__
from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.domain.meetings import CalendarChange

PRODID = f"-//meetbot//zulip_meetbot {__version__}//EN"


def series_calendar(
    series: SeriesConfig, changes: Sequence[CalendarChange], now: datetime, site: str
) -> bytes:
    """The series' VCALENDAR: one recurring VEVENT, EXDATEs for skipped meetings and an
    overriding VEVENT (RECURRENCE-ID) for each moved one; ``site`` is the Zulip server's URL."""
    zone = series.zone
    uid = event_uid(series.slug, site)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", series.title)

    main = _event(series, uid, series.start.replace(tzinfo=zone), now)
    if series.schedule:
        main.add("rrule", _rule(series.schedule, series))
    cancelled = [c.occurrence_start.astimezone(zone) for c in changes if c.cancelled]
    if cancelled:
        main.add("exdate", cancelled)
    calendar.add_component(main)

    for change in changes:
        if change.cancelled:
            continue
        moved = _event(series, uid, change.start.astimezone(zone), now)
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


def _rule(schedule: str, series: SeriesConfig) -> vRecur:
    rule: vRecur = vRecur.from_ical(schedule)  # icalendar leaves from_ical unannotated
    until = rule.get("UNTIL")
    if until:
        # RFC 5545: beside a zoned DTSTART, UNTIL must be UTC; the botrc's is a local wall time.
        value = until[0]
        if not isinstance(value, datetime):
            value = datetime.combine(value, series.start.time())
        if value.tzinfo is None:
            value = value.replace(tzinfo=series.zone)
        rule["UNTIL"] = [value.astimezone(timezone.utc)]
    return rule


__all__ = ["series_calendar"]

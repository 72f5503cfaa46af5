"""Personal reminders (`remind me`): who wants a direct message how long before each meeting of
a series. Which messages are due is planned in ``reminders``; this keeps the wishes."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from zulip_meetbot import store
from zulip_meetbot.models import PersonalReminderRow
from zulip_meetbot.refusals import ReminderTooEarly

# `remind me` without a time.
DEFAULT_OFFSET = timedelta(minutes=15)
# Further ahead than a week, a weekly series' message would come before the meeting in between,
# and read as if it were about that one.
MOST_OFFSET = timedelta(days=7)


@dataclass(frozen=True)
class PersonalReminder:
    """One person's wish: a direct message ``offset`` before each meeting of the series."""

    series_slug: str
    user_id: int
    offset: timedelta


@dataclass(frozen=True)
class ReminderChange:
    """What `remind me` found and left: the offset before and after (None: none set)."""

    before: timedelta | None
    after: timedelta | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def reminder_of(session: Session, series_slug: str, user_id: int) -> timedelta | None:
    """How long before each meeting of the series ``user_id`` is reminded; None: not at all."""
    row = store.personal_reminder(session, series_slug, user_id)
    return None if row is None else timedelta(seconds=row.offset_seconds)


def remind(
    session: Session, series_slug: str, user_id: int, offset: timedelta | None, now: datetime
) -> ReminderChange:
    """`remind me [OFFSET]`: ``offset`` before each meeting from now on. Without ``offset``, the
    default, unless one is set already (then nothing changes). Refused beyond a week."""
    row = store.personal_reminder(session, series_slug, user_id)
    before = None if row is None else timedelta(seconds=row.offset_seconds)
    if offset is None:
        offset = before or DEFAULT_OFFSET
    if offset > MOST_OFFSET:
        raise ReminderTooEarly(offset, MOST_OFFSET)
    seconds = int(offset.total_seconds())
    if row is None:
        session.add(
            PersonalReminderRow(
                series_slug=series_slug, user_id=user_id, offset_seconds=seconds, created_at=now
            )
        )
    else:
        row.offset_seconds = seconds
    return ReminderChange(before, timedelta(seconds=seconds))


def stop(session: Session, series_slug: str, user_id: int) -> ReminderChange:
    """`remind me off`: no more direct messages before this series' meetings."""
    row = store.personal_reminder(session, series_slug, user_id)
    if row is None:
        return ReminderChange(None, None)
    session.delete(row)
    return ReminderChange(timedelta(seconds=row.offset_seconds), None)


def reminders_of_series(session: Session, series_slug: str) -> list[PersonalReminder]:
    """Everyone reminded before the series' meetings, by user id."""
    return [
        PersonalReminder(row.series_slug, row.user_id, timedelta(seconds=row.offset_seconds))
        for row in store.personal_reminders(session, series_slug)
    ]


def reminders_by_series(
    session: Session, series_slugs: Collection[str]
) -> dict[str, list[PersonalReminder]]:
    """:func:`reminders_of_series` of several series at once (one query), by slug."""
    found: dict[str, list[PersonalReminder]] = {slug: [] for slug in series_slugs}
    for row in store.personal_reminders_of(session, found.keys()):
        found[row.series_slug].append(
            PersonalReminder(row.series_slug, row.user_id, timedelta(seconds=row.offset_seconds))
        )
    return found

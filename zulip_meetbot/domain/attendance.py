"""Attendance: present by ``here`` or by any reaction on the attendance message."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from zulip_meetbot import store
from zulip_meetbot.domain import people
from zulip_meetbot.domain.people import Roster
from zulip_meetbot.domain.record import Attendee
from zulip_meetbot.models import AttendanceReactionRow, AttendanceRow
from zulip_meetbot.store import PersonLine


def mark_here(session: Session, meeting_id: int, user_id: int, now: datetime) -> bool:
    """Mark someone present by their own word; False if they already were."""
    row = store.attendance(session, meeting_id, user_id)
    if row is None:
        session.add(
            AttendanceRow(meeting_id=meeting_id, user_id=user_id, said_here=True, first_seen=now)
        )
        return True
    row.said_here = True
    return False


def mark_spoke(session: Session, meeting_id: int, user_id: int, now: datetime) -> None:
    """Mark someone present for giving a command in the meeting; a reaction they remove
    later no longer unmarks them."""
    store.mark_present(session, meeting_id, user_id, now)


def reaction_added(
    session: Session,
    meeting_id: int,
    user_id: int,
    reaction_type: str,
    emoji_code: str,
    now: datetime,
) -> bool:
    """Record one reaction; True when it made the person present."""
    key = (meeting_id, user_id, reaction_type, emoji_code)
    if session.get(AttendanceReactionRow, key) is None:
        session.add(
            AttendanceReactionRow(
                meeting_id=meeting_id,
                user_id=user_id,
                reaction_type=reaction_type,
                emoji_code=emoji_code,
            )
        )
    if store.attendance(session, meeting_id, user_id) is None:
        session.add(AttendanceRow(meeting_id=meeting_id, user_id=user_id, first_seen=now))
        return True
    return False


def reaction_removed(
    session: Session, meeting_id: int, user_id: int, reaction_type: str, emoji_code: str
) -> bool:
    """Forget one reaction; True when it was the person's last one and they are now absent."""
    row = session.get(AttendanceReactionRow, (meeting_id, user_id, reaction_type, emoji_code))
    if row is not None:
        session.delete(row)
        session.flush()
    present = store.attendance(session, meeting_id, user_id)
    if present is None or present.said_here:
        return False
    if store.attendance_reactions(session, meeting_id, user_id):
        return False
    session.delete(present)
    return True


def attendee_ids(session: Session, meeting_id: int) -> list[int]:
    """Who was present, in the order they arrived."""
    return store.attendee_ids(session, meeting_id)


def reactions_on(session: Session, message_id: int) -> set[tuple[int, str, str]] | None:
    """(user id, reaction type, emoji code) of each reaction recorded on the attendance message
    ``message_id``; None when it is no meeting's."""
    meeting = store.meeting_with_attendance_message(session, message_id)
    if meeting is None:
        return None
    return {
        (reaction.user_id, reaction.reaction_type, reaction.emoji_code)
        for user_id in store.attendee_ids(session, meeting.id)
        for reaction in store.attendance_reactions(session, meeting.id, user_id)
    }


def recent_attendee_ids(session: Session, series_slug: str, meetings: int) -> set[int]:
    """Who came to any of the series' last ``meetings`` ended meetings."""
    recent = store.recent_ended_meetings(session, series_slug, meetings)
    return {uid for row in recent for uid in store.attendee_ids(session, row.id)}


def attendees(
    known: Mapping[int, PersonLine], user_ids: list[int], roster: Roster
) -> tuple[Attendee, ...]:
    """The attendees table's rows for ``user_ids`` (in the order people arrived), from the
    people rows the meeting's roster was made of."""
    result = []
    for user_id in user_ids:
        person = known.get(user_id)
        if person is None:
            result.append(Attendee(user_id, roster.name_of(user_id), "?", "", ""))
        else:
            result.append(people.attendee(person, roster.initials_of(user_id)))
    return tuple(result)

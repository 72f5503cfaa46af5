"""People: who someone is in the attendees table, their initials, and who may chair."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from zulip_meetbot import store
from zulip_meetbot.models import PersonRow
from zulip_meetbot.record import Attendee


@dataclass(frozen=True)
class Member:
    """A person as the organization knows them; ``user_id`` is the identity everywhere."""

    user_id: int
    full_name: str
    email: str = ""  # the visible address: organizations may hide the real one
    delivery_email: str = ""
    is_admin: bool = False  # admins and owners
    is_bot: bool = False
    timezone: str = ""


def default_initials(full_name: str) -> str:
    """First letter of each part of the name split on spaces and hyphens: Cheng H. Lee → CHL."""
    letters = []
    for part in re.split(r"[\s\-‐‑]+", full_name):
        first = next((char for char in part if char.isalnum()), "")
        letters.append(first.upper())
    return "".join(letters) or "?"


def is_chair(member: Member, chairs: Iterable[str]) -> bool:
    """Chairs are the listed user ids or emails, plus the organization's admins and owners."""
    if member.is_admin:
        return True
    addresses = {a.lower() for a in (member.email, member.delivery_email) if a}
    for entry in chairs:
        entry = entry.strip()
        if entry.isdigit() and int(entry) == member.user_id:
            return True
        if entry.lower() in addresses:
            return True
    return False


def remember(session: Session, member: Member) -> PersonRow:
    """Keep the person's Zulip name current; their own profile choices are left alone."""
    row = store.person(session, member.user_id)
    if row is None:
        row = PersonRow(user_id=member.user_id, full_name=member.full_name)
        session.add(row)
    elif member.full_name and row.full_name != member.full_name:
        row.full_name = member.full_name
    return row


def set_profile(session: Session, member: Member, field: str, value: str) -> Attendee:
    """Set one field of the person's attendees-table row and return the row."""
    row = remember(session, member)
    setattr(row, field, value)
    session.flush()
    return attendee(row)


def profile_of(session: Session, member: Member) -> Attendee:
    return attendee(remember(session, member))


def attendee(row: PersonRow) -> Attendee:
    """The person's row in the attendees table."""
    return Attendee(
        user_id=row.user_id,
        name=row.full_name,
        initials=row.initials or default_initials(row.full_name),
        affiliation=row.affiliation,
        github=row.github,
    )


def initials_by_id(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """Initials for each id; someone never seen gets ``?`` rather than an error."""
    rows = store.people(session, sorted(set(user_ids)))
    return {uid: attendee(rows[uid]).initials if uid in rows else "?" for uid in user_ids}


def names_by_id(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    rows = store.people(session, sorted(set(user_ids)))
    return {uid: rows[uid].full_name if uid in rows else f"user {uid}" for uid in user_ids}

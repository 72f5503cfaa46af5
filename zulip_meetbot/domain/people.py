"""People: who someone is in the attendees table, their initials, and who may chair."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from zulip_meetbot import store
from zulip_meetbot.domain.record import Attendee
from zulip_meetbot.models import PersonRow
from zulip_meetbot.refusals import InitialsTaken
from zulip_meetbot.store import PersonLine


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
    # From the organization's custom profile fields; None when Zulip was not asked.
    affiliation: str | None = None
    github: str | None = None


@dataclass(frozen=True)
class Roster:
    """Who is who in one meeting: initials made unique, and names."""

    initials: Mapping[int, str]
    names: Mapping[int, str]

    def initials_of(self, user_id: int) -> str:
        return self.initials.get(user_id, "?")

    def name_of(self, user_id: int) -> str:
        name = self.names.get(user_id)
        return f"user {user_id}" if name is None else name


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


def remember(session: Session, member: Member) -> None:
    """Keep what Zulip says of the person current; their own profile choices are left alone."""
    _remember(session, member)


def _remember(session: Session, member: Member) -> PersonRow:
    row = store.person(session, member.user_id)
    if row is None:
        row = PersonRow(
            user_id=member.user_id, full_name=member.full_name or f"user {member.user_id}"
        )
        session.add(row)
    elif member.full_name and row.full_name != member.full_name:
        row.full_name = member.full_name
    if member.affiliation is not None:
        row.zulip_affiliation = member.affiliation
    if member.github is not None:
        row.zulip_github = member.github
    return row


def guest(session: Session, name: str) -> Member:
    """Someone on the call without a Zulip account, added by a chair; one row per name."""
    name = " ".join(name.split())
    for row in store.guests(session):
        if row.full_name.casefold() == name.casefold():
            return Member(row.user_id, row.full_name)
    row = PersonRow(user_id=store.next_guest_id(session), full_name=name, is_guest=True)
    session.add(row)
    session.flush()
    return Member(row.user_id, row.full_name)


def known_by_id(session: Session, user_id: int) -> Member | None:
    """Whoever meetbot has a row for with ``user_id`` (a guest, or someone seen before)."""
    row = store.person(session, user_id)
    return None if row is None else Member(row.user_id, row.full_name)


def known_by_name(session: Session, full_name: str) -> Member | None:
    """Whoever meetbot has a row for called ``full_name`` (case aside), if anyone."""
    row = store.person_named(session, full_name)
    return None if row is None else Member(row.user_id, row.full_name)


def names(session: Session, user_ids: list[int]) -> dict[int, str]:
    """The names of those of ``user_ids`` meetbot has a row for, by user id."""
    return {uid: row.full_name for uid, row in store.people(session, user_ids).items()}


def precedence(appeared: Iterable[tuple[datetime, int]], attendees: Iterable[int]) -> list[int]:
    """Who comes first for a meeting's initials: the people of its record (``appeared``: when
    each proposed, said or owns something) by when they first appeared, then those who only
    attended, by id (Zulip users, then guests as they were added). So initials shown before a
    meeting stay in its notes whoever arrives first, and a newcomer never renames anyone."""
    ordered = dict.fromkeys(uid for _, uid in sorted(appeared, key=lambda seen: seen[0]))
    rest = {uid for uid in attendees if uid not in ordered}
    return [*ordered, *sorted(rest, key=lambda uid: (uid < 0, abs(uid)))]


def roster(rows: Mapping[int, PersonLine], user_ids: Sequence[int]) -> Roster:
    """Initials unique among ``user_ids`` (in order of precedence), from their people ``rows``:
    chosen initials are kept, and a repeated default gets a number: two JDs become JD and JD2."""
    ordered = [rows[uid] for uid in dict.fromkeys(user_ids) if uid in rows]
    initials: dict[int, str] = {}
    taken: set[str] = set()
    for row in [r for r in ordered if r.initials] + [r for r in ordered if not r.initials]:
        base = row.initials or default_initials(row.full_name)
        candidate, suffix = base, 2
        while candidate in taken:
            candidate, suffix = f"{base}{suffix}", suffix + 1
        initials[row.user_id] = candidate
        taken.add(candidate)
    names = {row.user_id: row.full_name for row in ordered}
    return Roster(initials, names)


def set_profile(session: Session, member: Member, field: str, value: str) -> Attendee:
    """Set one field of the person's attendees-table row and return the row; chosen initials
    are one person's only, or the other would silently become someone else's initials."""
    if field == "initials" and value:
        owner = store.person_with_initials(session, value, member.user_id)
        named = owner.full_name if owner is not None else _named_with(session, value, member)
        if named is not None:
            raise InitialsTaken(value, named)
    row = _remember(session, member)
    # Cleared initials are none chosen: the name's come back.
    setattr(row, field, value or None if field == "initials" else value)
    session.flush()
    return attendee(store.person_line(row))


def _named_with(session: Session, initials: str, member: Member) -> str | None:
    """Someone else whose name gives ``initials``: taking them would rename that person.
    One's own name's initials stay free to choose: two such people share them already."""
    if default_initials(member.full_name) == initials:
        return None
    names = store.names_without_chosen_initials(session, member.user_id)
    return next((name for name in names if default_initials(name) == initials), None)


def chose_initials(session: Session, member: Member) -> bool:
    """Whether the person chose their initials with `profile initials`."""
    row = store.person(session, member.user_id)
    return row is not None and row.initials is not None


def profile_of(session: Session, member: Member) -> Attendee:
    return attendee(store.person_line(_remember(session, member)))


def attendee(row: PersonLine, initials: str | None = None) -> Attendee:
    """The person's row in the attendees table (``initials`` as made unique in a meeting)."""
    return Attendee(
        user_id=None if row.is_guest else row.user_id,
        name=row.full_name,
        initials=initials or row.initials or default_initials(row.full_name),
        affiliation=row.affiliation or row.zulip_affiliation,
        github=row.github or row.zulip_github,
    )

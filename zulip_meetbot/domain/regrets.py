"""Regrets: who cannot come to a meeting, by their own word, a chair's, or 👎 on a reminder.

A regret stays recorded when its sender attends after all; the record leaves out whoever is
present, so attending is enough to be an attendee and not a regret. Which meeting regrets are
for (the next one not started, a reminder's) is `meetings`' to say.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from zulip_meetbot import store
from zulip_meetbot.models import RegretRow


def send(
    session: Session,
    meeting_id: int,
    user_id: int,
    said_by: int,
    now: datetime,
    *,
    by_reaction: bool = False,
) -> bool:
    """Record that ``user_id`` cannot come (``said_by`` them or a chair); False if that was
    recorded already (the first word stands: a reaction's removal withdraws only its own)."""
    if store.regret(session, meeting_id, user_id) is not None:
        return False
    session.add(
        RegretRow(
            meeting_id=meeting_id,
            user_id=user_id,
            said_by=said_by,
            by_reaction=by_reaction,
            created_at=now,
        )
    )
    return True


def withdraw(
    session: Session, meeting_id: int, user_id: int, *, only_by_reaction: bool = False
) -> bool:
    """Forget ``user_id``'s regrets (with ``only_by_reaction``, only regrets a reaction sent:
    removing 👎 leaves a `regrets` said in words); False if there were none to forget."""
    row = store.regret(session, meeting_id, user_id)
    if row is None or (only_by_reaction and not row.by_reaction):
        return False
    session.delete(row)
    return True


def senders(session: Session, meeting_id: int) -> dict[int, bool]:
    """Who sent regrets for the meeting: user id → whether by reaction (👎 on a reminder)."""
    return {row.user_id: row.by_reaction for row in store.regrets_of(session, meeting_id)}


def names(session: Session, meeting_id: int, present: Iterable[int]) -> tuple[str, ...]:
    """The names of those who sent regrets for the meeting and are not among ``present``, as
    the attendees table writes names, in the order they sent them."""
    here = set(present)
    sent = store.regrets_of(session, meeting_id)
    absent = [row.user_id for row in sent if row.user_id not in here]
    known = store.people(session, absent)
    return tuple(
        known[user_id].full_name if user_id in known else f"user {user_id}" for user_id in absent
    )

"""Posts owed in meetings' topics, and scheduled actions taken: each recorded in the transaction
of what it announces, so a stop neither loses nor repeats one."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from zulip_meetbot import store
from zulip_meetbot.domain import governance, meetings, quick_votes, reminders
from zulip_meetbot.domain.reminders import Action
from zulip_meetbot.models import OwedPostRow, SentActionRow

log = logging.getLogger(__name__)

# What an owed post is (OwedPostRow.kind).
ATTENDANCE = "attendance"
SUMMARY = "summary"
REMINDER = "reminder"
NOTICE = "notice"  # a skip's or a reschedule's, when said outside the meeting's topic
PUBLICATION = "publication"  # the published notes' link, or the chairs told of a problem
VOTE = "vote"  # a quick vote's message (key "vote|ID"), whose reactions are ballots, or its tally
GOVERNANCE = "governance"  # a governance vote's call, reminder or result (no meeting: id 0)
NUDGE = "nudge"  # the item under discussion ran past its time (key: timeboxes' NudgeDue.key)


@dataclass(frozen=True)
class OwedPost:
    """A post in a meeting's topic that Zulip may not have yet."""

    key: str
    stream: str
    topic: str
    content: str

    def message(self) -> dict[str, Any]:
        """The POST /messages request that makes it."""
        return {"type": "stream", "to": self.stream, "topic": self.topic, "content": self.content}


# The key of a quick vote's message, and of its tally: the vote's id follows.
VOTE_MESSAGE = "vote|"
VOTE_TALLY = "vote-tally|"
# A governance vote's posts: its call (number follows), a reminder ("N|ORDINAL"), its result.
GOVERNANCE_CALL = "governance-call|"
GOVERNANCE_REMINDER = "governance-reminder|"
GOVERNANCE_RESULT = "governance-result|"


def default_key(kind: str, meeting_id: int) -> str:
    """The key of a meeting's one post of ``kind`` (its attendance message, its summary)."""
    return f"{kind}|{meeting_id}"


def owe(
    session: Session,
    post: OwedPost,
    kind: str,
    meeting_id: int,
    now: datetime,
    expires_at: datetime | None = None,
) -> bool:
    """Record ``post`` as owed; False if one with its key is recorded already."""
    row = OwedPostRow(
        key=post.key,
        kind=kind,
        meeting_id=meeting_id,
        stream=post.stream,
        topic=post.topic,
        content=post.content,
        created_at=now,
        expires_at=expires_at,
    )
    return store.owe_post(session, row)


def delivered(session: Session, key: str, posted_id: int) -> None:
    """Zulip has the owed post ``key`` as message ``posted_id``: an attendance message is now
    the meeting's, a reminder's scheduled action is done."""
    row = store.owed_post(session, key)
    if row is None:
        return
    row.posted_id = posted_id
    if row.kind == ATTENDANCE:
        meetings.set_attendance_message(session, row.meeting_id, posted_id)
    if row.kind == VOTE and row.key.startswith(VOTE_MESSAGE):
        quick_votes.set_message(session, int(row.key.removeprefix(VOTE_MESSAGE)), posted_id)
    if row.key.startswith(GOVERNANCE_CALL):
        governance.set_message(session, int(row.key.removeprefix(GOVERNANCE_CALL)), posted_id)
    if row.key.startswith(GOVERNANCE_REMINDER):
        number, ordinal = row.key.removeprefix(GOVERNANCE_REMINDER).split("|")
        governance.reminder_posted(session, int(number), int(ordinal), posted_id)
    action = store.sent_action(session, key)
    if action is not None:
        action.outcome, action.message_id = "posted", posted_id


def timely(session: Session, now: datetime, since: datetime) -> list[OwedPost]:
    """The posts recorded since ``since`` that Zulip may not have; those no longer timely (a
    reminder past its expiry, of a meeting since started or cancelled, or of a vote since
    closed) are dropped."""
    owed = []
    for row in store.owed_posts(session, since):
        meeting = store.meeting_by_id(session, row.meeting_id)
        stale = row.expires_at is not None and now >= row.expires_at
        if row.kind == REMINDER and meeting is not None:
            stale = stale or meeting.cancelled or meeting.started_at is not None
            # Not yet posted when its meeting moved: it names a time no longer true.
            stale = stale or reminder_start(row.key) not in (None, meeting.scheduled_start)
        if row.kind == NUDGE and meeting is not None:
            stale = stale or meeting.ended_at is not None  # its meeting has moved on
        if row.key.startswith(GOVERNANCE_REMINDER):
            # A vote's reminder (no meeting: id 0) is stale once its vote is closed or
            # cancelled, and past its deadline (its expiry).
            number = int(row.key.removeprefix(GOVERNANCE_REMINDER).split("|")[0])
            stale = stale or not governance.is_open(session, number)
        if stale:
            session.delete(row)
            action = store.sent_action(session, row.key)
            if action is not None:
                action.outcome = "dropped"
            log.info("a %s owed in %r is no longer timely: dropped", row.kind, row.topic)
            continue
        owed.append(OwedPost(row.key, row.stream, row.topic, row.content))
    return owed


def action_taken(session: Session, key: str) -> bool:
    """Whether the scheduled action ``key`` was taken (or claimed, or dropped) already."""
    return store.sent_action(session, key) is not None


def actions_taken(session: Session, keys: Collection[str]) -> set[str]:
    """Which of the scheduled actions ``keys`` were taken (or claimed, or dropped) already:
    one query for all, however many."""
    return store.sent_action_keys(session, keys)


def claim_action(session: Session, action: Action, outcome: str, now: datetime) -> None:
    """Record ``action``, not recorded yet, as ``outcome`` ("claimed" or "dropped")."""
    session.add(_sent(action, outcome, now))


def record_outcome(
    session: Session, action: Action, outcome: str, message_id: int | None, now: datetime
) -> None:
    """Record how ``action`` ended ("posted" or "dropped"), claimed before or not."""
    row = store.sent_action(session, action.key)
    if row is None:
        session.add(_sent(action, outcome, now, message_id))
    else:
        row.outcome = outcome
        row.message_id = message_id or None


def _sent(
    action: Action, outcome: str, now: datetime, message_id: int | None = None
) -> SentActionRow:
    return SentActionRow(
        key=action.key,
        series_slug=action.series_slug,
        outcome=outcome,
        due_at=action.at,
        done_at=now,
        message_id=message_id or None,
    )


# The instants in a scheduled action's key, as ``Action.key`` writes them.
_KEY_STAMP = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class ReminderEdit:
    """A posted reminder to edit, its meeting having moved or been cancelled since."""

    message_id: int
    content: str  # the reminder as it was posted
    shown: datetime  # the start it names


def reminder_start(key: str) -> datetime | None:
    """The start a meeting reminder's action key names; None if ``key`` is no such key."""
    parts = key.rsplit("|", 4)  # slug|occurrence|start|kind|offset; a slug holds no "|"
    if len(parts) != 5 or parts[3] != reminders.REMINDER:
        return None
    try:
        return datetime.strptime(parts[2], _KEY_STAMP).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def claim_reminder_edits(
    session: Session,
    series_slug: str,
    occurrence: datetime,
    new_start: datetime | None,
    now: datetime,
    limit: timedelta | None,
) -> list[ReminderEdit]:
    """The posted reminders of the meeting of ``occurrence`` to edit now that it starts at
    ``new_start`` (None: cancelled), each recorded edited at ``now`` in this transaction, so one
    change edits it once. Left alone: a reminder already naming ``new_start``, one posted
    ``limit`` or longer ago (Zulip's edit limit; None: no limit, zero: no editing), and one
    whose text is no longer kept."""
    edits = []
    for row in store.posted_actions(session, _meeting_prefix(series_slug, occurrence)):
        shown = reminder_start(row.key)
        if shown is None or row.message_id is None:
            continue
        if shown == new_start and row.edited_at is None:
            continue  # posted after the move: it says the right time
        if limit is not None and now - row.done_at >= limit:
            log.info("reminder %d was posted too long ago to edit: left as it is", row.message_id)
            continue
        posted = store.owed_post(session, row.key)
        if posted is None:
            log.info("reminder %d: its text is no longer kept, left as it is", row.message_id)
            continue
        row.edited_at = now
        edits.append(ReminderEdit(row.message_id, posted.content, shown))
    return edits


def posted_reminders(
    session: Session, series_slugs: Sequence[str], now: datetime, meetings_ahead: int
) -> list[tuple[int, ...]]:
    """The Zulip ids of the posted reminders of each series' next ``meetings_ahead`` meetings
    still to come (or running), one tuple a meeting that has any, in the order of
    ``series_slugs``: where 👎 sends regrets.
    Bounded, as the catch-up reads each one's reactions back; two statements however many
    series."""
    order = {slug: index for index, slug in enumerate(series_slugs)}
    rows = sorted(
        store.meetings_to_come_of(session, series_slugs, now, meetings_ahead),
        key=lambda row: (order[row.series_slug], row.scheduled_start),
    )
    prefixes = [_meeting_prefix(row.series_slug, row.occurrence_start) for row in rows]
    by_prefix: dict[str, list[int]] = {prefix: [] for prefix in prefixes}
    for action in store.posted_actions_under(session, prefixes):
        if action.message_id is None or reminder_start(action.key) is None:
            continue
        slug, stamp, _ = action.key.split("|", 2)
        by_prefix[f"{slug}|{stamp}|"].append(action.message_id)
    return [tuple(sorted(by_prefix[prefix])) for prefix in prefixes if by_prefix[prefix]]


def _meeting_prefix(series_slug: str, occurrence: datetime) -> str:
    """The start of the action keys of the meeting of ``occurrence``."""
    return f"{series_slug}|{occurrence.astimezone(timezone.utc):{_KEY_STAMP}}|"

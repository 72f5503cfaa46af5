"""Timeboxes: an item's planned length (`agenda time N DURATION`), the clock of its discussion
while it is the current item, and the overrun nudges (one at its time, one at twice it).

The clock runs on the item row: ``discussing_since`` is the running stretch, folded into
``discussed_seconds`` when the item stops being discussed (another item becomes current, it is
ticked or deferred, the meeting ends). A nudge is claimed by raising ``ItemRow.nudges`` in the
transaction that owes its post, so a restart never posts it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from zulip_meetbot import store
from zulip_meetbot.domain.record import stretch
from zulip_meetbot.models import ItemRow, MeetingRow
from zulip_meetbot.refusals import NoSuchItem, NotProposer, TimeboxTooLong

# An item is nudged when its discussion reaches its planned time, and once more at twice it.
MAX_NUDGES = 2


@dataclass(frozen=True)
class NudgeDue:
    """The next overrun nudge of a running meeting's current item: ``ordinal`` 1 at its
    planned time, 2 at twice it, due ``at``."""

    series_slug: str
    meeting_id: int
    item_id: int
    ordinal: int
    at: datetime
    planned_seconds: int

    @property
    def key(self) -> str:
        """Its scheduled job's id and its owed post's key."""
        return nudge_key(self.item_id, self.ordinal, self.planned_seconds)


def nudge_key(item_id: int, ordinal: int, planned_seconds: int) -> str:
    """The id of a nudge's scheduled job and the key of its owed post: a new timebox of the
    item (more time given after its nudges) gets nudges of its own."""
    return f"{NUDGE_KEY}{item_id}|{ordinal}|{planned_seconds}"


NUDGE_KEY = "nudge|"


@dataclass(frozen=True)
class Overrun:
    """A nudge claimed: item ``number`` has been discussed ``spent_seconds`` against its
    ``planned_seconds``; ``ordinal`` 2 is the one at twice its time."""

    meeting_id: int
    item_id: int
    number: str
    text: str
    planned_seconds: int
    spent_seconds: int
    ordinal: int

    @property
    def key(self) -> str:
        return nudge_key(self.item_id, self.ordinal, self.planned_seconds)


def set_timebox(
    session: Session,
    meeting_id: int,
    number: str,
    planned: timedelta | None,
    actor_id: int,
    is_chair: bool,
    meeting_length: timedelta,
    now: datetime | None = None,
) -> None:
    """Give item ``number`` a planned length (None clears it): its proposer or a chair; no
    item may plan more than the whole meeting. Its nudges start again from what the new length
    says is already past (by ``now``): more time brings new nudges, less brings them sooner."""
    item = store.live_item(session, meeting_id, number)
    if item is None:
        raise NoSuchItem(number)
    if not is_chair and item.proposer_id != actor_id:
        raise NotProposer(number, "timebox")
    if planned is not None and planned > meeting_length:
        raise TimeboxTooLong(number, planned, meeting_length)
    item.planned_seconds = None if planned is None else int(planned.total_seconds())
    if item.planned_seconds and now is not None:
        passed = discussed_seconds(item, now) // item.planned_seconds
        item.nudges = min(item.nudges, passed, MAX_NUDGES)


def start_clock(item: ItemRow, now: datetime) -> None:
    """``item`` is under discussion from ``now`` (a clock already running keeps its start)."""
    if item.discussing_since is None:
        item.discussing_since = now


def stop_clock(item: ItemRow, now: datetime) -> None:
    """``item`` is no longer under discussion: its running stretch joins its total."""
    if item.discussing_since is not None:
        item.discussed_seconds += stretch(item.discussing_since, now)
        item.discussing_since = None


def stop_current_clock(session: Session, meeting_id: int, now: datetime) -> None:
    """The meeting ends: its current item's discussion stops with it."""
    item = _current_item(session, meeting_id)
    if item is not None:
        stop_clock(item, now)


def discussed_seconds(item: ItemRow, now: datetime) -> int:
    """How long ``item`` has been discussed by ``now``, its running stretch included."""
    return item.discussed_seconds + stretch(item.discussing_since, now)


def next_nudge(session: Session, series_slug: str) -> NudgeDue | None:
    """The next nudge the series' running meeting owes its current item, if any: while the
    item with a timebox is under discussion and has had fewer than two."""
    meeting = store.running_meeting(session, series_slug)
    return None if meeting is None else _next_nudge(session, meeting)


def nudges_ahead(session: Session, series_slugs: Sequence[str]) -> list[NudgeDue]:
    """:func:`next_nudge` of each of the series (in their order) that has one: the running
    meetings and their current items are read once for all."""
    running: dict[str, MeetingRow] = {}
    for meeting in store.running_meetings(session):
        # As next_nudge: a series' earliest running meeting (there is one at most).
        running.setdefault(meeting.series_slug, meeting)
    # Their current items read together: _current_item then finds each in the session, which
    # keeps a row only while something refers to it (`items` does, to the end).
    current = [meeting.current_item_id for meeting in running.values()]
    items = store.items_with_ids(session, [item_id for item_id in current if item_id])
    found = []
    for slug in series_slugs:
        nudge = _next_nudge(session, running[slug]) if slug in running else None
        if nudge is not None:
            found.append(nudge)
    del items
    return found


def _next_nudge(session: Session, meeting: MeetingRow) -> NudgeDue | None:
    series_slug = meeting.series_slug
    item = _current_item(session, meeting.id)
    if item is None or not _watched(item) or item.discussing_since is None:
        return None
    assert item.planned_seconds is not None  # _watched
    ordinal = item.nudges + 1
    left = item.planned_seconds * ordinal - item.discussed_seconds
    return NudgeDue(
        series_slug,
        meeting.id,
        item.id,
        ordinal,
        item.discussing_since + timedelta(seconds=left),
        item.planned_seconds,
    )


def claim_nudge(session: Session, series_slug: str, now: datetime) -> Overrun | None:
    """Claim the nudge due by ``now`` for the series' running meeting's current item, if one
    is; None if none is due (any more). When both are due (the bot was down), only the one at
    twice the time is claimed: a nudge says what is true now."""
    due = next_nudge(session, series_slug)
    if due is None or due.at > now:
        return None
    item = session.get(ItemRow, due.item_id)
    assert item is not None and item.planned_seconds is not None
    spent = discussed_seconds(item, now)
    ordinal = min(MAX_NUDGES, spent // item.planned_seconds)
    item.nudges = max(item.nudges + 1, ordinal)
    return Overrun(
        due.meeting_id, item.id, item.number, item.text, item.planned_seconds, spent, item.nudges
    )


def _watched(item: ItemRow) -> bool:
    """Whether ``item``'s overrun is watched: a timebox, nudges left, still on the agenda (a
    ticked item's clock has stopped, unless `item N` took it up again)."""
    return (
        item.planned_seconds is not None
        and item.nudges < MAX_NUDGES
        and not (item.removed or item.deferred)
    )


def _current_item(session: Session, meeting_id: int) -> ItemRow | None:
    meeting = store.meeting_by_id(session, meeting_id)
    if meeting is None or meeting.current_item_id is None:
        return None
    item = session.get(ItemRow, meeting.current_item_id)
    return item if item is not None and item.meeting_id == meeting_id else None

"""The minutes: what is said during a meeting — discussion notes, decisions, action items —
under the item being discussed; `undo` of one's own last record, and changing a record by its
number (its author, or a chair for anyone's)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from zulip_meetbot import store
from zulip_meetbot.domain.people import Roster
from zulip_meetbot.domain.record import ActionItem, Decision, DiscussionNote

# Who an action's text mentions is read from Zulip's markup (an action's silent mentions name
# nobody as an owner); these names are the domain's to use.
from zulip_meetbot.markup import Mention as Mention
from zulip_meetbot.markup import mention_of as mention_of
from zulip_meetbot.markup import mentions as mentions
from zulip_meetbot.models import ActionOwnerRow, ActionRow, DecisionRow, ItemRow, NoteRow
from zulip_meetbot.refusals import (
    ActionAlreadyDone,
    ActionNotClosed,
    ActionOfEarlierMeeting,
    NoItemUnderDiscussion,
    NoSuchAction,
    NoSuchItem,
    NoSuchNoteOrDecision,
    NothingToUndo,
    NotYourAction,
    NotYours,
    RecordClosed,
    Refusal,
)
from zulip_meetbot.store import NoteLine
from zulip_meetbot.timeutil import local_date

# A note or decision is numbered by its place among the meeting's, in the order they were said.
# A removed one (an action too) keeps its row with its text emptied (a recorded text is never
# empty), so no number people have already seen is taken by another record.
_REMOVED = store.REMOVED_TEXT

SaidKind = Literal["note", "decision"]
_Said = TypeVar("_Said", NoteLine, NoteRow, DecisionRow)


@dataclass(frozen=True)
class ItemMinutes:
    """What was said under one item, as values for the record."""

    notes: tuple[DiscussionNote, ...] = ()
    decisions: tuple[Decision, ...] = ()
    actions: tuple[ActionItem, ...] = ()


def _current_item(session: Session, meeting_id: int) -> ItemRow | None:
    meeting = store.meeting_by_id(session, meeting_id)
    if meeting is None or meeting.current_item_id is None:
        return None
    item = session.get(ItemRow, meeting.current_item_id)
    return None if item is None or item.removed else item


def add_note(
    session: Session, meeting_id: int, number: str | None, text: str, author_id: int, now: datetime
) -> str:
    """A note under item ``number``, or under the current item; returns the item's number."""
    item = _item(session, meeting_id, number, "note")
    store.insert_row(
        session, NoteRow, item_id=item.id, author_id=author_id, text=text, created_at=now
    )
    return item.number


def record_decision(
    session: Session, meeting_id: int, text: str, author_id: int, now: datetime
) -> str | None:
    """``agreed TEXT``; returns the number of the item it sits under, if any."""
    item = _current_item(session, meeting_id)
    session.add(
        DecisionRow(
            meeting_id=meeting_id,
            item_id=None if item is None else item.id,
            author_id=author_id,
            text=text,
            created_at=now,
        )
    )
    return None if item is None else item.number


def record_action(
    session: Session,
    series_slug: str,
    meeting_id: int,
    text: str,
    author_id: int,
    owner_ids: Sequence[int],
    now: datetime,
) -> tuple[int, str | None]:
    """``action TEXT``; returns its number (stable within the series) and its item's number."""
    item = _current_item(session, meeting_id)
    row = ActionRow(
        series_slug=series_slug,
        number=store.last_action_number(session, series_slug) + 1,
        meeting_id=meeting_id,
        item_id=None if item is None else item.id,
        author_id=author_id,
        text=text,
        created_at=now,
    )
    session.add(row)
    session.flush()
    _set_owners(session, row.id, owner_ids)
    return row.number, None if item is None else item.number


def complete_action(
    session: Session, series_slug: str, number: int, actor_id: int, is_chair: bool, now: datetime
) -> str:
    """``action done N``: by its owners, its author or a chair. Returns its text."""
    row = _action(session, series_slug, number)
    if row.done_at is not None:
        raise ActionAlreadyDone(number)
    _check_may_close(session, row, actor_id, is_chair, "close")
    row.done_at = now
    return row.text


def reopen_action(
    session: Session, series_slug: str, number: int, actor_id: int, is_chair: bool
) -> str:
    """``action reopen N``: a closed action is open again; by whoever may close it."""
    row = _action(session, series_slug, number)
    if row.done_at is None:
        raise ActionNotClosed(number)
    _check_may_close(session, row, actor_id, is_chair, "reopen")
    row.done_at = None
    return row.text


def edit_action(
    session: Session,
    series_slug: str,
    meeting_id: int,
    number: int,
    text: str,
    owner_ids: Sequence[int],
    actor_id: int,
    is_chair: bool,
) -> None:
    """``action edit N TEXT``: new text, and its owners read again from the new text."""
    row = _meeting_action(session, series_slug, meeting_id, number)
    _check_may_change(row.author_id, actor_id, is_chair, "action item", number)
    row.text = text
    store.drop_action_owners(session, row.id)
    _set_owners(session, row.id, owner_ids)


def remove_action(
    session: Session, series_slug: str, meeting_id: int, number: int, actor_id: int, is_chair: bool
) -> str:
    """``action remove N``; returns its text."""
    row = _meeting_action(session, series_slug, meeting_id, number)
    _check_may_change(row.author_id, actor_id, is_chair, "action item", number)
    text = row.text
    _delete_action(session, row)
    return text


def edit_said(
    session: Session,
    kind: SaidKind,
    meeting_id: int,
    number: int,
    text: str,
    actor_id: int,
    is_chair: bool,
) -> None:
    """``note edit N TEXT`` and ``agreed edit N TEXT``."""
    row = _said(session, kind, meeting_id, number)
    _check_may_change(row.author_id, actor_id, is_chair, kind, number)
    row.text = text


def remove_said(
    session: Session, kind: SaidKind, meeting_id: int, number: int, actor_id: int, is_chair: bool
) -> str:
    """``note remove N`` and ``agreed remove N``; returns the text removed."""
    row = _said(session, kind, meeting_id, number)
    _check_may_change(row.author_id, actor_id, is_chair, kind, number)
    text, row.text = row.text, _REMOVED
    return text


def undo(session: Session, meeting_id: int, author_id: int) -> str:
    """Remove the author's most recent note, decision or action of this meeting."""
    candidates: list[tuple[datetime, int, str, NoteRow | DecisionRow | ActionRow]] = []
    for note in store.notes_of_meeting(session, meeting_id):
        if note.author_id == author_id and note.text != _REMOVED:
            candidates.append((note.created_at, note.id, "note", note))
    for decision in store.decisions_of(session, meeting_id):
        if decision.author_id == author_id and decision.text != _REMOVED:
            candidates.append((decision.created_at, decision.id, "decision", decision))
    for action in store.actions_of(session, meeting_id):
        if action.author_id == author_id:  # closed or not, it is yours and of this meeting
            candidates.append((action.created_at, action.id, "action item", action))
    if not candidates:
        raise NothingToUndo()
    _, _, kind, row = max(candidates, key=lambda c: (c[0], c[1]))
    text = row.text
    if isinstance(row, ActionRow):
        _delete_action(session, row)
    else:
        row.text = _REMOVED
    return f"{kind}: {text}"


@dataclass(frozen=True)
class MinutesRows:
    """A meeting's minutes as read from the database once, for one rendering."""

    notes: list[tuple[int, NoteLine]]  # (number, note), removed ones left out
    decisions: list[tuple[int, DecisionRow]]
    actions: list[ActionRow]
    owners: dict[int, list[int]]  # action id -> owner ids


def load(session: Session, meeting_id: int) -> MinutesRows:
    actions = store.actions_of(session, meeting_id)
    return MinutesRows(
        notes=_numbered(store.note_lines_of_meeting(session, meeting_id)),
        decisions=_numbered(store.decisions_of(session, meeting_id)),
        actions=actions,
        owners=store.action_owners(session, [a.id for a in actions]),
    )


def appearances(rows: MinutesRows) -> list[tuple[datetime, int]]:
    """Everyone who said or owns something in the meeting's minutes, with when they did."""
    said = [(note.created_at, note.author_id) for _, note in rows.notes]
    said += [(d.created_at, d.author_id) for _, d in rows.decisions]
    for action in rows.actions:
        said += [(action.created_at, uid) for uid in (action.author_id, *rows.owners[action.id])]
    return said


def minutes_by_item(
    session: Session,
    rows: MinutesRows,
    roster: Roster,
    item_numbers: Mapping[int, str],
    zone: ZoneInfo,
    done_by: datetime | None,
) -> tuple[dict[int | None, ItemMinutes], tuple[Decision, ...], tuple[ActionItem, ...]]:
    """The meeting's notes, decisions and actions grouped by item id (None: no item), plus the
    decisions and actions in the order they were said."""
    notes: dict[int | None, list[DiscussionNote]] = defaultdict(list)
    for number, note in rows.notes:
        notes[note.item_id].append(
            DiscussionNote(
                roster.initials_of(note.author_id),
                roster.name_of(note.author_id),
                note.text,
                number,
            )
        )
    decisions: dict[int | None, list[Decision]] = defaultdict(list)
    all_decisions = []
    for number, row in rows.decisions:
        decision = Decision(
            row.text,
            roster.initials_of(row.author_id),
            item_numbers.get(row.item_id) if row.item_id is not None else None,
            number,
        )
        decisions[row.item_id].append(decision)
        all_decisions.append(decision)
    actions: dict[int | None, list[ActionItem]] = defaultdict(list)
    all_actions = []
    values = action_values(session, rows.actions, roster, item_numbers, zone, done_by, rows.owners)
    for action_row, value in zip(rows.actions, values, strict=True):
        actions[action_row.item_id].append(value)
        all_actions.append(value)
    keys = set(notes) | set(decisions) | set(actions)
    grouped = {
        key: ItemMinutes(
            tuple(notes.get(key, ())), tuple(decisions.get(key, ())), tuple(actions.get(key, ()))
        )
        for key in keys
    }
    return grouped, tuple(all_decisions), tuple(all_actions)


def action_values(
    session: Session,
    rows: Sequence[ActionRow],
    roster: Roster,
    item_numbers: Mapping[int, str],
    zone: ZoneInfo,
    done_by: datetime | None = None,
    owners: Mapping[int, list[int]] | None = None,
) -> list[ActionItem]:
    """Action rows as values; ``done_by`` counts only completions up to that instant."""
    if owners is None:
        owners = store.action_owners(session, [row.id for row in rows])
    meetings = store.meetings_by_ids(session, {row.meeting_id for row in rows})
    values = []
    for row in rows:
        meeting = meetings.get(row.meeting_id)
        done = row.done_at is not None and (done_by is None or row.done_at <= done_by)
        values.append(
            ActionItem(
                number=row.number,
                text=row.text,
                owners=tuple(roster.name_of(uid) for uid in owners[row.id]),
                owner_initials=tuple(roster.initials_of(uid) for uid in owners[row.id]),
                author_initials=roster.initials_of(row.author_id),
                item_number=item_numbers.get(row.item_id) if row.item_id is not None else None,
                done=done,
                meeting_date=local_date(
                    row.created_at if meeting is None else meeting.scheduled_start, zone
                ),
            )
        )
    return values


def _item(session: Session, meeting_id: int, number: str | None, verb: str) -> ItemRow:
    if number is None:
        item = _current_item(session, meeting_id)
        if item is None:
            raise NoItemUnderDiscussion(verb)
        return item
    item = store.live_item(session, meeting_id, number)
    if item is None:
        raise NoSuchItem(number)
    return item


def _numbered(rows: Sequence[_Said]) -> list[tuple[int, _Said]]:
    """Notes or decisions in the order they were said, with their numbers; removed ones out."""
    return [(number, row) for number, row in enumerate(rows, start=1) if row.text != _REMOVED]


def _said(session: Session, kind: SaidKind, meeting_id: int, number: int) -> NoteRow | DecisionRow:
    row = _said_row(session, kind, meeting_id, number)
    if row is None:
        raise _no_such_said(session, kind, meeting_id, number)
    return row


def _said_row(
    session: Session, kind: SaidKind, meeting_id: int, number: int
) -> NoteRow | DecisionRow | None:
    rows: Sequence[NoteRow | DecisionRow]
    if kind == "note":
        rows = store.notes_of_meeting(session, meeting_id)
    else:
        rows = store.decisions_of(session, meeting_id)
    if not 1 <= number <= len(rows) or rows[number - 1].text == _REMOVED:
        return None
    return rows[number - 1]


def _no_such_said(session: Session, kind: SaidKind, meeting_id: int, number: int) -> Refusal:
    """Why ``kind`` ``number`` is not found: a meeting not started yet is the one changed once
    the last one's record closed, so one found there is in a closed record."""
    meeting = store.meeting_by_id(session, meeting_id)
    if meeting is not None and meeting.started_at is None:
        last = store.last_ended_meeting(session, meeting.series_slug)
        ended = last.ended_at if last is not None else None
        if last is not None and ended is not None and _said_row(session, kind, last.id, number):
            return RecordClosed(kind, number, ended)
    return NoSuchNoteOrDecision(kind, number)


def _action(session: Session, series_slug: str, number: int) -> ActionRow:
    row = store.action_by_number(session, series_slug, number)
    if row is None:
        raise NoSuchAction(number)
    return row


def _meeting_action(session: Session, series_slug: str, meeting_id: int, number: int) -> ActionRow:
    row = _action(session, series_slug, number)
    if row.meeting_id != meeting_id:
        # The notes of that meeting are final; `action done` and `reopen` still apply to it.
        raise ActionOfEarlierMeeting(number)
    return row


def _check_may_change(
    author_id: int, actor_id: int, is_chair: bool, kind: str, number: int
) -> None:
    if not is_chair and actor_id != author_id:
        raise NotYours(kind, number)


def _check_may_close(
    session: Session, row: ActionRow, actor_id: int, is_chair: bool, verb: str
) -> None:
    owners = store.action_owners(session, [row.id])[row.id]
    if not is_chair and actor_id != row.author_id and actor_id not in owners:
        raise NotYourAction(row.number, verb)


def _set_owners(session: Session, action_id: int, owner_ids: Sequence[int]) -> None:
    for position, owner in enumerate(dict.fromkeys(owner_ids)):
        session.add(ActionOwnerRow(action_id=action_id, user_id=owner, position=position))


def _delete_action(session: Session, row: ActionRow) -> None:
    """Remove an action but keep its number taken: `action done 3` must never close another."""
    store.drop_action_owners(session, row.id)
    row.text = _REMOVED

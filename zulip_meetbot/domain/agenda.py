"""The agenda: stable item numbers, the item tree, sections, and who may change what."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from zulip_meetbot import config, store
from zulip_meetbot.domain import timeboxes
from zulip_meetbot.domain.minutes import ItemMinutes
from zulip_meetbot.domain.people import Roster
from zulip_meetbot.domain.record import AgendaItem, AgendaSection
from zulip_meetbot.models import ItemRow
from zulip_meetbot.refusals import (
    AgendaFull,
    ItemAlreadyDone,
    ItemTooDeep,
    NoSuchItem,
    NothingToAdd,
    NotProposer,
)
from zulip_meetbot.store import ItemLine

MAX_ITEMS_PER_MEETING = config.MAX_ITEMS_PER_MEETING.default_value
MAX_DEPTH = 6
_NOTHING_SAID = ItemMinutes()
# Where carried items land when the series has this section (else in their own section).
CARRIED_SECTION = "From previous meetings"
# A section whose name says its items are for later ("Deferred to next meeting", "Deferred",
# "For the next meeting"): at `end` its unticked items move on as deferred ones do.
_LATER_SECTION = re.compile(r"\bdefer|\bnext meeting", re.IGNORECASE)


def is_later_section(name: str) -> bool:
    """Whether the section called ``name`` holds items for the next meeting."""
    return _LATER_SECTION.search(name) is not None


def split_section(sections: Sequence[str], default: str, text: str) -> tuple[str, str]:
    """``"Announcements: text"`` → (``"Announcements"``, ``"text"``) when it names a section."""
    head, colon, rest = text.partition(":")
    if colon:
        wanted = head.strip().casefold()
        for name in sections:
            if name.casefold() == wanted:
                if not rest.strip():
                    raise NothingToAdd(name)
                return name, rest.strip()
    return default, text


def near_section(sections: Sequence[str], text: str) -> str | None:
    """The section a ``Typo: text`` item probably meant, when its head names none exactly."""
    head, colon, _ = text.partition(":")
    head = head.strip()
    if not colon or not head or len(head) > 40:
        return None
    names = {name.casefold(): name for name in sections}
    if head.casefold() in names:
        return None
    close = difflib.get_close_matches(head.casefold(), list(names), n=1, cutoff=0.75)
    return names[close[0]] if close else None


def add_item(
    session: Session,
    meeting_id: int,
    section: str,
    text: str,
    proposer_id: int,
    now: datetime,
    max_items: int = MAX_ITEMS_PER_MEETING,
) -> str:
    """Add a top-level item at the end of its section; returns its number."""
    # Counted by SQLite: loading every item of a long agenda as rows cost more than the rest.
    tally = store.item_tally(session, meeting_id, section)
    _check_room(tally.live, max_items)
    number = str(tally.last_number + 1)
    store.insert_row(
        session,
        ItemRow,
        meeting_id=meeting_id,
        number=number,
        section=section,
        text=text,
        proposer_id=proposer_id,
        position=tally.last_position + 1,
        created_at=now,
    )
    return number


def add_sub_item(
    session: Session,
    meeting_id: int,
    parent: str,
    text: str,
    proposer_id: int,
    now: datetime,
    max_items: int = MAX_ITEMS_PER_MEETING,
) -> str:
    """Add a child under item ``parent``; its number is ``parent.K`` and never changes."""
    _check_room(store.live_item_count(session, meeting_id), max_items)
    parent_row = _live(session, meeting_id, parent)
    if parent.count(".") + 1 >= MAX_DEPTH:
        raise ItemTooDeep(parent, MAX_DEPTH)
    # Removed children count too: their numbers stay reserved.
    children = store.children_of(session, meeting_id, parent_row.id)
    suffix = max((int(number.rsplit(".", 1)[1]) for number, _ in children), default=0) + 1
    number = f"{parent_row.number}.{suffix}"
    session.add(
        ItemRow(
            meeting_id=meeting_id,
            parent_id=parent_row.id,
            number=number,
            section=parent_row.section,
            text=text,
            proposer_id=proposer_id,
            position=max((position for _, position in children), default=0) + 1,
            created_at=now,
        )
    )
    return number


def edit_item(
    session: Session, meeting_id: int, number: str, text: str, actor_id: int, is_chair: bool
) -> None:
    item = _live(session, meeting_id, number)
    _check_may_change(item, actor_id, is_chair, "edit")
    item.text = text


def remove_item(
    session: Session, meeting_id: int, number: str, actor_id: int, is_chair: bool
) -> int:
    """Remove an item and its sub-items (numbers stay reserved); returns how many went."""
    items = store.items_of(session, meeting_id)
    item = _find(items, number)
    _check_may_change(item, actor_id, is_chair, "remove")
    gone = [item, *_descendants(items, item)]
    for row in gone:
        row.removed = True
    return len(gone)


def move_item(
    session: Session, meeting_id: int, number: str, position: int, actor_id: int, is_chair: bool
) -> int:
    """Move an item among its siblings to ``position`` (1 = first); returns the position used."""
    items = store.items_of(session, meeting_id)
    item = _find(items, number)
    _check_may_change(item, actor_id, is_chair, "move")
    siblings = sorted(
        (
            row
            for row in items
            if not row.removed and row.parent_id == item.parent_id and row.section == item.section
        ),
        key=_order,
    )
    siblings.remove(item)
    position = min(position, len(siblings) + 1)
    siblings.insert(position - 1, item)
    for index, row in enumerate(siblings, start=1):
        row.position = index
    return position


def mark_done(
    session: Session,
    meeting_id: int,
    number: str,
    actor_id: int,
    is_chair: bool,
    now: datetime,
) -> None:
    """Tick item ``number``; ticked at ``now``, it is no longer under discussion."""
    item = _live(session, meeting_id, number)
    _check_may_change(item, actor_id, is_chair, "tick")
    item.done = True
    timeboxes.stop_clock(item, now)


def set_current_item(session: Session, meeting_id: int, number: str, now: datetime) -> str | None:
    """Make item ``number`` the one under discussion and tick the previous one.

    Returns the previous item's number, if there was one.
    """
    item = _live(session, meeting_id, number)
    meeting = store.meeting_by_id(session, meeting_id)
    assert meeting is not None
    previous = None
    if meeting.current_item_id is not None:
        previous = session.get(ItemRow, meeting.current_item_id)
        if previous is not None and previous.meeting_id != meeting_id:
            previous = None  # only an item of this meeting is ticked
    if previous is not None and previous.id != item.id:
        timeboxes.stop_clock(previous, now)
        if not previous.removed:
            previous.done = True
    meeting.current_item_id = item.id
    timeboxes.start_clock(item, now)
    return None if previous is None or previous.id == item.id else previous.number


def tick_current_item(session: Session, meeting_id: int) -> None:
    """At the end, the item under discussion was discussed."""
    meeting = store.meeting_by_id(session, meeting_id)
    if meeting is not None and meeting.current_item_id is not None:
        item = session.get(ItemRow, meeting.current_item_id)
        if item is not None and not item.deferred:
            item.done = True


def defer_item(
    session: Session,
    meeting_id: int,
    number: str,
    actor_id: int,
    is_chair: bool,
    now: datetime,
) -> None:
    """Mark an item (and its sub-items) for the next meeting; they move there at `end`."""
    item = _live(session, meeting_id, number)
    _check_may_change(item, actor_id, is_chair, "defer")
    if item.done:
        raise ItemAlreadyDone(number)
    item.deferred = True
    timeboxes.stop_clock(item, now)  # it leaves this meeting: no longer discussed here


def carry_over(
    session: Session,
    from_meeting: int,
    to_meeting: int,
    handed: Sequence[AgendaItem],
    *,
    section: str | None,
    default_section: str,
    now: datetime,
) -> int:
    """Copy ``handed`` (the ended meeting's :func:`handed_on`, as its record holds it) to the end
    of the next meeting's agenda, once, each item with the sub-items it takes along, their
    proposers and ticks.

    ``section`` is where they go ("From previous meetings"), or None for their own section
    (``default_section`` for a section for later). Returns how many items were carried.
    """
    rows = {row.number: row for row in store.items_of(session, from_meeting) if not row.removed}
    target = store.items_of(session, to_meeting)
    already = {item.carried_from_id for item in target if item.carried_from_id is not None}
    carried = 0
    for item in handed:
        row = rows[item.number]
        if row.id in already:
            continue
        lands = section or landing_section(row.section, default_section)
        number = add_item(session, to_meeting, lands, item.text, row.proposer_id, now)
        session.flush()
        copy = _live(session, to_meeting, number)
        copy.carried_from_id = row.id
        copy.planned_seconds = row.planned_seconds  # its timebox goes with it
        _copy_children(session, to_meeting, item, copy, rows, now)
        carried += 1
    return carried


def carried_text(parent_text: str, text: str) -> str:
    """A deferred sub-item's text as an item of its own: its parent's text gives the context."""
    return f"{parent_text}: {text}"


def landing_section(own: str, default_section: str) -> str:
    """Where a carried item goes when the series has no "From previous meetings": its own
    section, unless that section is for later (it would be carried on forever)."""
    return default_section if is_later_section(own) else own


def handed_on(sections: Sequence[AgendaSection], unticked: bool = False) -> tuple[AgendaItem, ...]:
    """What an ending meeting hands on to the next one, in agenda order, each item with the
    sub-items it takes along: the one decision :func:`carry_over` copies and the summary lists.

    A deferred item (`agenda defer N`) goes with everything under it; so does an unticked item
    of a section for later or, with ``unticked``, any unticked item, except its deferred
    sub-items. A deferred sub-item whose parent does not go as deferred goes as an item of its
    own, its parent's text first (:func:`carried_text`), right after its parent's place; so
    does, where unticked items go, an unticked sub-item of a ticked item.
    """
    found: list[AgendaItem] = []

    def on_its_own(item: AgendaItem, parent: AgendaItem) -> AgendaItem:
        return replace(item, text=carried_text(parent.text, item.text))

    def without_deferred(item: AgendaItem, split: list[AgendaItem]) -> AgendaItem:
        kept = []
        for child in item.children:
            if child.deferred:
                split.append(on_its_own(child, item))
            else:
                kept.append(without_deferred(child, split))
        return replace(item, children=tuple(kept))

    def loose_ends(item: AgendaItem, out: list[AgendaItem]) -> None:
        # A ticked item stays, but what is still open under it must not be lost with it.
        for child in item.children:
            if child.deferred:
                out.append(on_its_own(child, item))
            elif child.done:
                loose_ends(child, out)
            else:
                split: list[AgendaItem] = []
                out.append(on_its_own(without_deferred(child, split), item))
                out.extend(split)

    for agenda_section in sections:
        unticked_go = unticked or is_later_section(agenda_section.name)
        for item in agenda_section.items:
            if item.deferred:
                found.append(item)
                continue
            if unticked_go and item.done:
                loose_ends(item, found)
                continue
            split: list[AgendaItem] = []
            kept = without_deferred(item, split)
            if unticked_go and not item.done:
                found.append(kept)
            found.extend(split)
    return tuple(found)


def _copy_children(
    session: Session,
    meeting_id: int,
    source: AgendaItem,
    copy: ItemRow,
    rows: Mapping[str, ItemRow],
    now: datetime,
) -> None:
    for position, child in enumerate(source.children, start=1):
        row = rows[child.number]
        suffix = child.number.rsplit(".", 1)[1]
        new = ItemRow(
            meeting_id=meeting_id,
            parent_id=copy.id,
            number=f"{copy.number}.{suffix}",
            section=copy.section,
            text=child.text,
            proposer_id=row.proposer_id,
            position=position,
            done=row.done,
            carried_from_id=row.id,
            created_at=now,
            planned_seconds=row.planned_seconds,
        )
        session.add(new)
        session.flush()
        _copy_children(session, meeting_id, child, new, rows, now)


def live_item_count(session: Session, meeting_id: int) -> int:
    """How many items the meeting's agenda holds (sub-items included, removed ones not)."""
    return store.live_item_count(session, meeting_id)


def live_items(session: Session, meeting_id: int) -> list[ItemLine]:
    """The items the agenda shows (removed ones left out), in creation order."""
    return store.live_item_lines(session, meeting_id)


def sections(
    items: Sequence[ItemLine],
    section_names: Sequence[str],
    roster: Roster,
    said: Mapping[int | None, ItemMinutes],
) -> tuple[AgendaSection, ...]:
    """The agenda as sections of item trees, in the series' section order, each item with
    what was said under it."""
    # Sorted once, grouped after: each parent's children come out in agenda order.
    children: dict[int | None, list[ItemLine]] = defaultdict(list)
    for item in sorted(items, key=_order):
        children[item.parent_id].append(item)

    def build(item: ItemLine, parent: ItemLine | None) -> AgendaItem:
        minutes = said.get(item.id, _NOTHING_SAID)
        kids = children.get(item.id)
        return AgendaItem(
            number=item.number,
            text=item.text,
            proposer_initials=roster.initials_of(item.proposer_id),
            proposer_name=roster.name_of(item.proposer_id),
            show_initials=parent is None or parent.proposer_id != item.proposer_id,
            done=item.done,
            notes=minutes.notes,
            children=tuple([build(child, item) for child in kids]) if kids else (),
            deferred=item.deferred,
            decisions=minutes.decisions,
            actions=minutes.actions,
            planned_seconds=item.planned_seconds,
            discussed_seconds=item.discussed_seconds,
            discussing_since=item.discussing_since,
        )

    by_section: dict[str, list[AgendaItem]] = defaultdict(list)
    for item in children[None]:
        by_section[item.section].append(build(item, None))
    # Items of a section since removed from the botrc still show, after the known ones.
    names_in_order = [*section_names, *sorted(set(by_section) - set(section_names))]
    return tuple(
        AgendaSection(name=name, items=tuple(by_section.get(name, ()))) for name in names_in_order
    )


def _check_room(live: int, max_items: int) -> None:
    if live >= max_items:
        raise AgendaFull(max_items)


def _live(session: Session, meeting_id: int, number: str) -> ItemRow:
    """The item ``number`` of the meeting, fetched alone by its unique key."""
    item = store.live_item(session, meeting_id, number)
    if item is None:
        raise NoSuchItem(number)
    return item


def _find(items: Sequence[ItemRow], number: str) -> ItemRow:
    for item in items:
        if item.number == number and not item.removed:
            return item
    raise NoSuchItem(number)


def _descendants(items: Sequence[ItemRow], item: ItemRow) -> list[ItemRow]:
    found = []
    for row in items:
        if row.parent_id == item.id and not row.removed:
            found.append(row)
            found.extend(_descendants(items, row))
    return found


def _check_may_change(item: ItemRow, actor_id: int, is_chair: bool, action: str) -> None:
    if not is_chair and item.proposer_id != actor_id:
        raise NotProposer(item.number, action)


class _Placed(Protocol):
    """An item as ordering needs it: its row, or its line in the record."""

    @property
    def position(self) -> int: ...

    @property
    def id(self) -> int: ...


def _order(item: _Placed) -> tuple[int, int]:
    return (item.position, item.id)


def move_open_items(session: Session, from_meeting: int, to_meeting: int) -> int:
    """Move the not-removed items of one meeting to the end of another's, with new numbers.

    Top-level items are numbered after the target's; children keep their place under them.
    They arrive as plain items: a deferral to "the next meeting" is used up by the move.
    Returns how many top-level items moved.
    """
    source = [item for item in store.items_of(session, from_meeting) if not item.removed]
    target = store.items_of(session, to_meeting)
    next_top = max((int(i.number) for i in target if i.parent_id is None), default=0)
    positions: defaultdict[str, int] = defaultdict(int)
    for item in target:
        if item.parent_id is None:
            positions[item.section] = max(positions[item.section], item.position)
    renumber: dict[int, str] = {}
    moved = 0
    for item in sorted(source, key=lambda i: (i.number.count("."), _order(i))):
        if item.parent_id is None:
            next_top += 1
            moved += 1
            positions[item.section] += 1
            renumber[item.id] = str(next_top)
            item.position = positions[item.section]
        else:
            suffix = item.number.rsplit(".", 1)[1]
            renumber[item.id] = f"{renumber[item.parent_id]}.{suffix}"
    # Two passes so a new number never collides with an old one still in place.
    for item in source:
        item.number = f"moving-{item.id}"
    session.flush()
    for item in source:
        item.number = renumber[item.id]
        item.meeting_id = to_meeting
        item.deferred = False
    session.flush()
    return moved

"""The agenda: stable item numbers, the item tree, sections, and who may change what."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from zulip_meetbot import store
from zulip_meetbot.errors import UserError
from zulip_meetbot.minutes import ItemMinutes
from zulip_meetbot.models import ItemRow
from zulip_meetbot.people import Roster
from zulip_meetbot.record import AgendaItem, AgendaSection
from zulip_meetbot.store import ItemLine

MAX_ITEMS_PER_MEETING = 500
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
                    raise UserError(f"there is no text to add to **{name}**.")
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
        raise UserError(f"item {parent} is already {MAX_DEPTH} levels deep; add to its parent.")
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
    session: Session, meeting_id: int, number: str, actor_id: int, is_chair: bool
) -> None:
    item = _live(session, meeting_id, number)
    _check_may_change(item, actor_id, is_chair, "tick")
    item.done = True


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
    if previous is not None and previous.id != item.id and not previous.removed:
        previous.done = True
    meeting.current_item_id = item.id
    return None if previous is None or previous.id == item.id else previous.number


def tick_current_item(session: Session, meeting_id: int) -> None:
    """At the end, the item under discussion was discussed."""
    meeting = store.meeting_by_id(session, meeting_id)
    if meeting is not None and meeting.current_item_id is not None:
        item = session.get(ItemRow, meeting.current_item_id)
        if item is not None and not item.deferred:
            item.done = True


def defer_item(
    session: Session, meeting_id: int, number: str, actor_id: int, is_chair: bool
) -> None:
    """Mark an item (and its sub-items) for the next meeting; they move there at `end`."""
    item = _live(session, meeting_id, number)
    _check_may_change(item, actor_id, is_chair, "defer")
    if item.done:
        raise UserError(f"item {number} is already done; there is nothing to defer.")
    item.deferred = True


def carry_over(
    session: Session,
    from_meeting: int,
    to_meeting: int,
    *,
    unticked: bool,
    section: str | None,
    default_section: str,
    now: datetime,
) -> int:
    """Copy what an ended meeting hands on to the end of the next one's agenda, once, each
    item with its sub-items and proposers: the items deferred with `agenda defer` (a deferred
    sub-item becomes an item of its own, its parent's text before its own), the unticked items
    of a section for later (:func:`is_later_section`) and, with ``unticked``, every unticked item.

    ``section`` is where they go ("From previous meetings"), or None for their own section
    (``default_section`` for a section for later). Returns how many items were carried.
    """
    items = [item for item in store.items_of(session, from_meeting) if not item.removed]
    children: dict[int | None, list[ItemRow]] = defaultdict(list)
    for item in sorted(items, key=_order):
        children[item.parent_id].append(item)
    target = store.items_of(session, to_meeting)
    already = {item.carried_from_id for item in target if item.carried_from_id is not None}
    carried = 0

    def visit(item: ItemRow, parent: ItemRow | None) -> None:
        nonlocal carried
        if not _hands_on(item, unticked):
            for child in children[item.id]:
                visit(child, item)
            return
        if item.id in already:
            return
        text = item.text if parent is None else carried_text(parent.text, item.text)
        lands = section or landing_section(item.section, default_section)
        number = add_item(session, to_meeting, lands, text, item.proposer_id, now)
        session.flush()
        copy = _live(session, to_meeting, number)
        copy.carried_from_id = item.id
        _copy_children(session, to_meeting, item, copy, children, now)
        carried += 1

    for item in children[None]:
        visit(item, None)
    return carried


def _hands_on(item: ItemRow, unticked: bool) -> bool:
    """Whether ``item`` (with its sub-items) moves to the next meeting at `end`."""
    if item.deferred:
        return True
    if item.parent_id is not None or item.done:
        return False
    return unticked or is_later_section(item.section)


def carried_text(parent_text: str, text: str) -> str:
    """A deferred sub-item's text as an item of its own: its parent's text gives the context."""
    return f"{parent_text}: {text}"


def landing_section(own: str, default_section: str) -> str:
    """Where a carried item goes when the series has no "From previous meetings": its own
    section, unless that section is for later (it would be carried on forever)."""
    return default_section if is_later_section(own) else own


def handed_on(sections: Sequence[AgendaSection]) -> tuple[AgendaItem, ...]:
    """The items an ending meeting hands on as deferred, as :func:`carry_over` copies them:
    deferred items (a sub-item with its parent's text) and a section for later's unticked ones."""
    found: list[AgendaItem] = []

    def visit(item: AgendaItem, parent: AgendaItem | None) -> None:
        if item.deferred:
            text = item.text if parent is None else carried_text(parent.text, item.text)
            found.append(item if parent is None else replace(item, text=text))
            return
        for child in item.children:
            visit(child, item)

    for agenda_section in sections:
        later = is_later_section(agenda_section.name)
        for item in agenda_section.items:
            if later and not item.done and not item.deferred:
                found.append(item)
            else:
                visit(item, None)
    return tuple(found)


def _copy_children(
    session: Session,
    meeting_id: int,
    source: ItemRow,
    copy: ItemRow,
    children: dict[int | None, list[ItemRow]],
    now: datetime,
) -> None:
    for child in sorted(children[source.id], key=_order):
        suffix = child.number.rsplit(".", 1)[1]
        new = ItemRow(
            meeting_id=meeting_id,
            parent_id=copy.id,
            number=f"{copy.number}.{suffix}",
            section=copy.section,
            text=child.text,
            proposer_id=child.proposer_id,
            position=child.position,
            done=child.done,
            carried_from_id=child.id,
            created_at=now,
        )
        session.add(new)
        session.flush()
        _copy_children(session, meeting_id, child, new, children, now)


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
        raise UserError(f"this meeting already holds as many items as it can ({max_items}).")


def _live(session: Session, meeting_id: int, number: str) -> ItemRow:
    """The item ``number`` of the meeting, fetched alone by its unique key."""
    item = store.live_item(session, meeting_id, number)
    if item is None:
        raise UserError(_no_item(number))
    return item


def _find(items: Sequence[ItemRow], number: str) -> ItemRow:
    for item in items:
        if item.number == number and not item.removed:
            return item
    raise UserError(_no_item(number))


def _no_item(number: str) -> str:
    """The refusal for an item number the agenda does not have."""
    return f"there is no item {number} on this agenda. Say `agenda` to see the numbers."


def _descendants(items: Sequence[ItemRow], item: ItemRow) -> list[ItemRow]:
    found = []
    for row in items:
        if row.parent_id == item.id and not row.removed:
            found.append(row)
            found.extend(_descendants(items, row))
    return found


def _check_may_change(item: ItemRow, actor_id: int, is_chair: bool, action: str) -> None:
    if not is_chair and item.proposer_id != actor_id:
        raise UserError(
            f"only the person who proposed item {item.number} or a chair can {action} it."
        )


def _order(item: ItemRow | ItemLine) -> tuple[int, int]:
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
    positions = defaultdict(int)
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

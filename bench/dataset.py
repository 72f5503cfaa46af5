"""Large meetbot databases, built fast with bulk inserts of the package's own tables.

Going through the domain functions would take minutes for 10,000 items; bulk inserts of the
ORM tables take a second and give the same rows (columns left out take their defaults).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert

from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.models import (
    AttendanceRow,
    HandledMessageRow,
    ItemRow,
    MeetingRow,
    NoteRow,
    PersonRow,
)
from zulip_meetbot.store import Store
from zulip_meetbot.timeutil import occurrences, to_utc

_FIRST = ("Ana", "Bob", "Chen", "Dana", "Emeka", "Fatima", "Goran", "Hiro", "Ines", "Jonas")
_LAST = ("Kowalski", "Lee", "Moreau", "Nakamura", "Okafor", "Patel", "Quinn", "Rossi", "Silva")
_MIDDLE = ("", "A.", "B.", "C.", "D.", "E.", "F.", "G.")
# Handled-message ids start here; the benchmarks' own messages use higher ones.
FIRST_MESSAGE_ID = 1_000


@dataclass(frozen=True)
class Shape:
    """How big the database is; items are spread evenly over the meetings."""

    meetings: int
    items: int
    people: int
    notes_per_meeting: int = 10
    attendees_per_meeting: int = 12
    sub_item_share: int = 4  # one item in this many is a sub-item of an earlier one


@dataclass(frozen=True)
class Built:
    """What was built; each series' last meeting is the one still to come (not started)."""

    person_ids: list[int]
    # Each series' meeting starts, oldest first, and its meeting ids in the same order.
    starts: dict[str, list[datetime]]
    meeting_ids: dict[str, list[int]]
    next_message_id: int

    def upcoming(self, slug: str) -> datetime:
        return self.starts[slug][-1]


def person_name(index: int) -> str:
    """Varied names, so initials collide now and then as they do in a real community."""
    first = _FIRST[index % len(_FIRST)]
    last = _LAST[(index // len(_FIRST)) % len(_LAST)]
    middle = _MIDDLE[(index // (len(_FIRST) * len(_LAST))) % len(_MIDDLE)]
    return " ".join(part for part in (first, middle, last) if part)


def build(
    store: Store, series: list[SeriesConfig], shape: Shape, *, last_running: bool = False
) -> Built:
    """Each series' first meetings on its own calendar, all ended but the last one.

    The meetings are shared out evenly among the series; each last meeting is upcoming, or
    running when ``last_running``, and gets its share of items like the others.
    """
    per_series = shape.meetings // len(series)
    starts = {one.slug: occurrences(one, to_utc(one.start, one.zone), per_series) for one in series}
    ids = itertools.count(1)
    meeting_ids = {slug: [next(ids) for _ in found] for slug, found in starts.items()}
    all_ids = [mid for slug in starts for mid in meeting_ids[slug]]
    all_starts = [start for slug in starts for start in starts[slug]]
    upcoming = {meeting_ids[slug][-1] for slug in starts}
    person_ids = list(range(101, 101 + shape.people))
    message_ids = itertools.count(FIRST_MESSAGE_ID)
    with store.transaction() as session:
        session.execute(
            insert(PersonRow),
            [{"user_id": uid, "full_name": person_name(n)} for n, uid in enumerate(person_ids)],
        )
        meetings = []
        for one in series:
            meetings += _meetings(one, meeting_ids[one.slug], starts[one.slug], last_running)
        session.execute(insert(MeetingRow), meetings)
        items, notes = _items_and_notes(shape, all_ids, all_starts, person_ids)
        session.execute(insert(ItemRow), items)
        if notes:
            session.execute(insert(NoteRow), notes)
        attendance = _attendance(shape, all_ids, all_starts, person_ids, upcoming, last_running)
        if attendance:
            session.execute(insert(AttendanceRow), attendance)
        # Every item and note came from a message the bot recorded as handled.
        handled = [
            {"message_id": next(message_ids), "handled_at": all_starts[0]}
            for _ in range(len(items) + len(notes))
        ]
        session.execute(insert(HandledMessageRow), handled)
    return Built(person_ids, starts, meeting_ids, next(message_ids))


def _meetings(
    series: SeriesConfig, ids: list[int], starts: list[datetime], last_running: bool
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for meeting_id, start in zip(ids, starts, strict=True):
        ended = meeting_id != ids[-1]
        row: dict[str, object] = {
            "id": meeting_id,
            "series_slug": series.slug,
            "occurrence_start": start,
            "scheduled_start": start,
        }
        if ended or last_running:
            row["started_at"] = start
        if ended:
            row["ended_at"] = start + series.duration
            row["notes_file"] = f"notes/{start:%Y-%m-%d}-{series.slug}.md"
        rows.append(row)
    return rows


def _items_and_notes(
    shape: Shape, meeting_ids: list[int], starts: list[datetime], person_ids: list[int]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    items: list[dict[str, object]] = []
    notes: list[dict[str, object]] = []
    item_ids = itertools.count(1)
    people = itertools.cycle(person_ids)
    per_meeting = [shape.items // len(meeting_ids)] * len(meeting_ids)
    for extra in range(shape.items % len(meeting_ids)):
        per_meeting[extra] += 1
    for meeting_id, start, count in zip(meeting_ids, starts, per_meeting, strict=True):
        tops: list[tuple[int, str]] = []  # (id, number) of the top-level items so far
        children: dict[int, int] = {}
        meeting_items: list[int] = []
        for n in range(count):
            item_id = next(item_ids)
            created = start - timedelta(days=6) + timedelta(minutes=n)
            row = {
                "id": item_id,
                "meeting_id": meeting_id,
                "section": "New Agenda Items",
                "text": f"Agenda item {n + 1} about the roadmap and releases",
                "proposer_id": next(people),
                "created_at": created,
            }
            if tops and n % shape.sub_item_share == shape.sub_item_share - 1:
                parent_id, parent_number = tops[n % len(tops)]
                children[parent_id] = children.get(parent_id, 0) + 1
                row.update(
                    parent_id=parent_id,
                    number=f"{parent_number}.{children[parent_id]}",
                    position=children[parent_id],
                )
            else:
                tops.append((item_id, str(len(tops) + 1)))
                row.update(number=str(len(tops)), position=len(tops))
            items.append(row)
            meeting_items.append(item_id)
        for n in range(shape.notes_per_meeting if meeting_items else 0):
            notes.append(
                {
                    "item_id": meeting_items[n % len(meeting_items)],
                    "author_id": next(people),
                    "text": f"A point made in discussion, number {n + 1}",
                    "created_at": start + timedelta(minutes=n),
                }
            )
    return items, notes


def _attendance(
    shape: Shape,
    meeting_ids: list[int],
    starts: list[datetime],
    person_ids: list[int],
    upcoming: set[int],
    last_running: bool,
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for index, (meeting_id, start) in enumerate(zip(meeting_ids, starts, strict=True)):
        if meeting_id in upcoming and not last_running:
            continue
        count = min(shape.attendees_per_meeting, len(person_ids))
        offset = (index * 7) % len(person_ids)
        for n in range(count):
            rows.append(
                {
                    "meeting_id": meeting_id,
                    "user_id": person_ids[(offset + n) % len(person_ids)],
                    "said_here": n % 2 == 0,
                    "first_seen": start + timedelta(seconds=n),
                }
            )
    return rows

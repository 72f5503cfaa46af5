"""A meeting's record as plain values: what the notes templates, replies and summaries read.

These are the values that cross from the domain to the views; they hold no ORM rows and no
Zulip dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Attendee:
    """One row of the attendees table."""

    user_id: int | None
    name: str
    initials: str
    affiliation: str
    github: str


@dataclass(frozen=True)
class DiscussionNote:
    """A note said under an item, credited to its author."""

    author_initials: str
    author_name: str
    text: str


@dataclass(frozen=True)
class AgendaItem:
    """An agenda item with its stable number (``"1"``, ``"1.2"``) and its sub-items."""

    number: str
    text: str
    proposer_initials: str
    proposer_name: str
    # False for a sub-item by its parent's proposer: the reference omits its initials.
    show_initials: bool
    done: bool
    notes: tuple[DiscussionNote, ...] = ()
    children: tuple[AgendaItem, ...] = ()


@dataclass(frozen=True)
class AgendaSection:
    """A ``## Section`` of the notes with its top-level items in agenda order."""

    name: str
    items: tuple[AgendaItem, ...] = ()


@dataclass(frozen=True)
class MeetingRecord:
    """Everything the notes file of one meeting shows."""

    series_slug: str
    title: str
    date: date  # the meeting's date in the series' own zone
    start_utc: datetime  # aware, UTC
    timezone: str
    video_link: str
    video_label: str
    description: str
    attendees: tuple[Attendee, ...]
    sections: tuple[AgendaSection, ...]

"""Past meetings, read back from the database: the list, and any meeting's notes rendered
again from its record (the record is the source of truth; the file is a view of it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from zulip_meetbot import meetings, store
from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.errors import UserError
from zulip_meetbot.notes import render_notes


@dataclass(frozen=True)
class PastMeeting:
    date: date
    started: bool
    ended: bool
    cancelled: bool
    attendees: int
    items: int
    notes_file: str | None


def past_meetings(session: Session, series: SeriesConfig) -> list[PastMeeting]:
    """Every meeting of the series that happened, was cancelled or is running, oldest first."""
    result = []
    for row in store.meetings_of_series(session, series.slug):
        if row.started_at is None and not row.cancelled:
            continue
        meeting = meetings.meeting_value(row, series)
        result.append(
            PastMeeting(
                date=meeting.date,
                started=row.started_at is not None,
                ended=row.ended_at is not None,
                cancelled=row.cancelled,
                attendees=len(store.attendance_of(session, row.id)),
                items=store.live_item_count(session, row.id),
                notes_file=row.notes_file,
            )
        )
    return result


def render_meeting(session: Session, series: SeriesConfig, day: date, template: str) -> str:
    """The notes of the series' meeting held on ``day`` (a date in the series' zone)."""
    for row in store.meetings_of_series(session, series.slug):
        meeting = meetings.meeting_value(row, series)
        if meeting.date == day and row.started_at is not None:
            return render_notes(meetings.meeting_record(session, series, meeting), template)
    held = [p.date.isoformat() for p in past_meetings(session, series) if p.started]
    known = f" Meetings held: {', '.join(held[-10:])}." if held else " No meeting was held yet."
    raise UserError(f"**{series.title}** held no meeting on {day}.{known}")


def meetings_table(series: SeriesConfig, past: list[PastMeeting]) -> str:
    """``meetbot meetings SLUG``: one line per meeting."""
    if not past:
        return f"{series.title}: no meeting held yet.\n"
    lines = [f"{series.title} ({series.slug})", "date        attendees  items  state      notes"]
    for meeting in past:
        state = "cancelled" if meeting.cancelled else ("ended" if meeting.ended else "running")
        lines.append(
            f"{meeting.date}  {meeting.attendees:>9}  {meeting.items:>5}  {state:<9}  "
            f"{meeting.notes_file or '-'}"
        )
    return "\n".join(lines) + "\n"

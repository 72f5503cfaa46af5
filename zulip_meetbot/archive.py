"""Past meetings, read back from the database: the list, and any meeting's notes rendered
again from its record (the record is the source of truth; the file is a view of it)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.domain import agenda, attendance, meetings, people
from zulip_meetbot.notes import render_notes
from zulip_meetbot.refusals import NoMeetingHeld


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
    for meeting in meetings.meetings_of_series(session, series):
        if meeting.started_at is None and not meeting.cancelled:
            continue
        result.append(
            PastMeeting(
                date=meeting.date,
                started=meeting.started_at is not None,
                ended=meeting.ended_at is not None,
                cancelled=meeting.cancelled,
                attendees=len(attendance.attendee_ids(session, meeting.id)),
                items=agenda.live_item_count(session, meeting.id),
                notes_file=meeting.notes_file,
            )
        )
    return result


def render_meeting(session: Session, series: SeriesConfig, day: date, template: str) -> str:
    """The notes of the series' meeting held on ``day`` (a date in the series' zone)."""
    skipped = False
    for meeting in meetings.meetings_of_series(session, series):
        if meeting.date == day and meeting.started_at is not None:
            return render_notes(meetings.meeting_record(session, series, meeting), template)
        if meeting.date == day and meeting.cancelled:
            skipped = True
    held = tuple(p.date for p in past_meetings(session, series) if p.started)
    raise NoMeetingHeld(series.title, day, skipped, held)


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


@dataclass(frozen=True)
class AttendanceMatrix:
    """Who attended which of a series' meetings: ``people`` × ``meetings``."""

    meetings: list[str]  # column headings: each meeting's date (and time, when two share one)
    people: list[tuple[str, tuple[bool, ...]]]  # name, attended each meeting; by name


def attendance_matrix(session: Session, series: SeriesConfig) -> AttendanceMatrix:
    """Everyone present at any of the series' meetings held so far (running ones included)."""
    held = [m for m in meetings.meetings_of_series(session, series) if m.started_at]
    days = [meeting.date for meeting in held]
    headings = []
    for meeting, day in zip(held, days, strict=True):
        heading = day.isoformat()
        if days.count(day) > 1:  # a meeting moved onto another's day
            heading += f" {meeting.scheduled_start.astimezone(series.zone):%H:%M}"
        headings.append(heading)
    present = [set(attendance.attendee_ids(session, meeting.id)) for meeting in held]
    everyone = sorted(set().union(*present))
    names = people.names(session, everyone)
    attended = [
        (
            names.get(user_id, f"user {user_id}"),
            tuple(user_id in ids for ids in present),
        )
        for user_id in everyone
    ]
    attended.sort(key=lambda person: person[0].casefold())
    return AttendanceMatrix(headings, attended)


def attendance_table(series: SeriesConfig, matrix: AttendanceMatrix) -> str:
    """``meetbot attendance SLUG``: x where someone attended, a total per person and meeting."""
    if not matrix.meetings:
        return f"{series.title}: no meeting held yet.\n"
    name_width = max([len("name"), len("attended"), *(len(name) for name, _ in matrix.people)])
    widths = [len(heading) for heading in matrix.meetings]

    def line(first: str, cells: list[str], total: str) -> str:
        row = [first.ljust(name_width), *(c.center(w) for c, w in zip(cells, widths, strict=True))]
        return "  ".join([*row, total.rjust(len("total"))]).rstrip()

    lines = [f"{series.title} ({series.slug})", line("name", matrix.meetings, "total")]
    for name, attended in matrix.people:
        lines.append(line(name, ["x" if here else "" for here in attended], str(sum(attended))))
    counts = [sum(attended[i] for _, attended in matrix.people) for i in range(len(widths))]
    lines.append(line("attended", [str(count) for count in counts], ""))
    return "\n".join(lines) + "\n"


def attendance_csv(matrix: AttendanceMatrix) -> str:
    """The same as CSV: name, one column per meeting (1 or empty), total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", *matrix.meetings, "total"])
    for name, attended in matrix.people:
        writer.writerow([name, *("1" if here else "" for here in attended), sum(attended)])
    return out.getvalue()

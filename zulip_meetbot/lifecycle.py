"""Starting and ending a meeting with its posts, for a chair's command and the scheduler alike.

Each step commits before the post that announces it, and each post is made at most once: the
attendance message's id and the meeting's end are recorded, so a repeated `start` or a
scheduled start that races a chair finds the work done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from zulip_meetbot import agenda, attendance, meetings, people, store, views
from zulip_meetbot.config import SeriesConfig, Settings
from zulip_meetbot.meetings import Meeting
from zulip_meetbot.notes import notes_filename, render_notes, write_notes
from zulip_meetbot.people import Member
from zulip_meetbot.store import Store

log = logging.getLogger(__name__)


class Poster(Protocol):
    """Where posts go: zulip_bots' ``send_message``."""

    def send_message(self, message: dict[str, Any]) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class Started:
    meeting: Meeting
    posted: bool  # the attendance message went out now
    problem: str | None = None  # why it could not


@dataclass(frozen=True)
class Ended:
    meeting: Meeting
    notes_name: str
    summary: str


def post_in_meeting_topic(
    poster: Poster, series: SeriesConfig, topic: str, content: str
) -> int | None:
    """Post in the meeting's topic; the new message's id, or None if Zulip refused."""
    response = poster.send_message(
        {"type": "stream", "to": series.stream, "topic": topic, "content": content}
    )
    message_id = (response or {}).get("id")
    if not isinstance(message_id, int):
        log.error("%s: Zulip refused a post in %r: %s", series.slug, topic, response)
        return None
    return message_id


def start_meeting(
    db: Store,
    series: SeriesConfig,
    now: datetime,
    poster: Poster,
    message_id: int | None = None,
    occurrence: datetime | None = None,
) -> Started | None:
    """Begin the next meeting (or ``occurrence``) now and post its attendance message (once).

    ``message_id`` is the command that asked, recorded as handled in the same transaction;
    None comes back when that command was handled already.
    """
    with db.transaction() as session:
        if not store.claim_message(session, message_id, now):
            return None
        meeting = meetings.start_meeting(session, series, now, occurrence)
    if meeting.attendance_message_id is not None:
        return Started(meeting, posted=False)
    posted_id = post_in_meeting_topic(
        poster, series, meeting.topic, views.attendance_message(series, meeting)
    )
    if posted_id is None:
        return Started(meeting, posted=False, problem="Zulip refused the attendance message")
    with db.transaction() as session:
        meetings.set_attendance_message(session, meeting.id, posted_id)
    log.info("%s: meeting of %s started", series.slug, meeting.date)
    return Started(meeting, posted=True)


def end_meeting(
    db: Store,
    settings: Settings,
    series: SeriesConfig,
    now: datetime,
    poster: Poster,
    message_id: int | None = None,
    chair: Member | None = None,
) -> Ended | None:
    """End the running meeting: carry its deferred items over, write its notes file, then
    attach the file to a summary posted in its topic. The ``chair`` who said `end` was there."""
    with db.transaction() as session:
        if not store.claim_message(session, message_id, now):
            return None
        meeting = meetings.require_running(session, series)
        if chair is not None:
            people.remember(session, chair)
            attendance.mark_spoke(session, meeting.id, chair.user_id, now)
        agenda.tick_current_item(session, meeting.id)
        meeting = meetings.end_meeting(session, series, now, "")
        record = meetings.meeting_record(session, series, meeting)
        name = notes_filename(series.notes_path, meeting.date)
        path = settings.notes_dir / name
        write_notes(path, render_notes(record, series.template))
        meetings.set_notes_file(session, meeting.id, str(path))
        following = meetings.upcoming_meeting(session, series, now)
        carried = 0
        if following is not None:
            carried = agenda.carry_over(
                session,
                meeting.id,
                following.id,
                unticked=series.carry_over == "unticked",
                section=series.find_section(agenda.CARRIED_SECTION),
                default_section=series.default_section,
                now=now,
            )
    log.info(
        "%s: meeting of %s ended, notes in %s, %d items carried over",
        series.slug,
        meeting.date,
        path,
        carried,
    )
    link = _upload(poster, path, name)
    summary = views.summary_text(series, record, name, link, following, carried)
    post_in_meeting_topic(poster, series, meeting.topic, summary)
    return Ended(meeting, name, summary)


def rerender_notes(db: Store, settings: Settings, series: SeriesConfig, meeting_id: int) -> None:
    """Write an ended meeting's notes file again, after its record was corrected."""
    with db.transaction() as session:
        row = store.meeting_by_id(session, meeting_id)
        if row is None or row.ended_at is None:
            return
        meeting = meetings.meeting_value(row, series)
        record = meetings.meeting_record(session, series, meeting)
        path = (
            Path(row.notes_file)
            if row.notes_file
            else (settings.notes_dir / notes_filename(series.notes_path, meeting.date))
        )
    write_notes(path, render_notes(record, series.template))
    log.info("%s: notes of %s written again after a correction", series.slug, meeting.date)


def _upload(poster: Poster, path: Path, name: str) -> str | None:
    """Attach the notes file (POST /user_uploads); its URL, or None if that is not possible."""
    upload = getattr(poster, "upload_file", None)
    if upload is None:
        return None
    try:
        with path.open("rb") as handle:
            response = upload(handle)
    except Exception:  # the summary still goes out, naming the file's path
        log.exception("could not upload %s", name)
        return None
    url = (response or {}).get("url") or (response or {}).get("uri")
    return url if isinstance(url, str) and url else None

"""Starting and ending a meeting with its posts, for a chair's command and the scheduler alike.

A start or an end commits in one transaction with the command's reply and the post that
announces it (attendance message, summary), both owed until Zulip has them: a kill at any
point leaves them to be posted at the next start, never lost and never twice. A repeated
`start` or a scheduled start that races a chair finds the work done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from zulip_meetbot import store, views
from zulip_meetbot.config import SeriesConfig, Settings
from zulip_meetbot.domain import agenda, attendance, meetings, people, posts
from zulip_meetbot.domain.meetings import Meeting
from zulip_meetbot.domain.people import Member

# Kinds of owed posts, and the value, under the names the handler and scheduler use.
from zulip_meetbot.domain.posts import ATTENDANCE, SUMMARY
from zulip_meetbot.domain.posts import NOTICE as NOTICE
from zulip_meetbot.domain.posts import REMINDER as REMINDER
from zulip_meetbot.domain.posts import OwedPost as OwedPost
from zulip_meetbot.notes import notes_filename, render_notes, write_notes
from zulip_meetbot.store import Store

log = logging.getLogger(__name__)


class Poster(Protocol):
    """Where posts go: zulip_bots' ``send_message``."""

    def send_message(self, message: dict[str, Any]) -> dict[str, Any] | None: ...


# The command's reply, decided in the transaction that starts the meeting: from the meeting and
# whether this start is the one that made it (False: it was running already).
StartAnswer = Callable[[Meeting, bool], str | None]
# The command's reply to `end`, from the ended meeting and its notes file's name.
EndAnswer = Callable[[Meeting, str], str | None]


@dataclass(frozen=True)
class Started:
    meeting: Meeting
    posted: bool  # the attendance message went out now
    reply: str | None = None  # the command's reply, recorded with the start


@dataclass(frozen=True)
class Ended:
    meeting: Meeting
    notes_name: str
    summary: str
    reply: str | None = None  # the command's reply, recorded with the end


def start_meeting(
    db: Store,
    series: SeriesConfig,
    now: datetime,
    poster: Poster,
    message_id: int | None = None,
    occurrence: datetime | None = None,
    *,
    day: date | None = None,
    confirmed: bool = False,
    answer: StartAnswer | None = None,
    chair: Member | None = None,
) -> Started | None:
    """Begin the next meeting (or ``occurrence``) now and post its attendance message (once).

    ``message_id`` is the command that asked, recorded as handled, with ``answer``'s reply and
    the owed attendance message, in the start's own transaction; None comes back when that
    command was handled already. ``day`` and ``confirmed`` as in ``meetings.start_meeting``.
    The ``chair`` who said `start` is on the call: counted present in the same transaction.
    """
    with db.transaction() as session:
        if not store.claim_message(session, message_id, now):
            return None
        meeting = meetings.start_meeting(session, series, now, occurrence, day, confirmed)
        if chair is not None:
            people.remember(session, chair)
            attendance.mark_spoke(session, meeting.id, chair.user_id, now)
        owed = None
        if meeting.attendance_message_id is None:
            text = views.attendance_message(series, meeting)
            owed = owe_post(session, ATTENDANCE, meeting, series, text, now)
        reply = answer(meeting, owed is not None) if answer is not None else None
        if reply:
            store.owe_reply(session, message_id, reply, now)
    if owed is None:
        return Started(meeting, posted=False, reply=reply)
    log.info("%s: meeting of %s started", series.slug, meeting.date)
    return Started(meeting, posted=deliver(db, poster, owed) is not None, reply=reply)


def end_meeting(
    db: Store,
    settings: Settings,
    series: SeriesConfig,
    now: datetime,
    poster: Poster,
    message_id: int | None = None,
    chair: Member | None = None,
    answer: EndAnswer | None = None,
) -> Ended | None:
    """End the running meeting: carry its deferred items over, write its notes file, then
    attach the file to a summary posted in its topic. The ``chair`` who said `end` was there;
    ``answer``'s reply is recorded with it."""
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
                record.handed_on,
                section=series.find_section(agenda.CARRIED_SECTION),
                default_section=series.default_section,
                now=now,
            )
        # Uploaded before the commit: the summary owed is the text that will be posted, so a
        # restart finds it in the topic if it went out.
        link = _upload(poster, path, name)
        summary = views.summary_text(series, record, name, link, following)
        owed = owe_post(session, SUMMARY, meeting, series, summary, now)
        reply = answer(meeting, name) if answer is not None else None
        if reply:
            store.owe_reply(session, message_id, reply, now)
    log.info(
        "%s: meeting of %s ended, notes in %s, %d items carried over",
        series.slug,
        meeting.date,
        path,
        carried,
    )
    if owed is not None:
        deliver(db, poster, owed)
    return Ended(meeting, name, summary, reply)


def owe_post(
    session: Session,
    kind: str,
    meeting: Meeting,
    series: SeriesConfig,
    content: str,
    now: datetime,
    *,
    key: str | None = None,
    expires_at: datetime | None = None,
) -> OwedPost | None:
    """Record a post owed in the meeting's topic (by default one of its ``kind`` per meeting);
    None if it is recorded already."""
    post = OwedPost(key or f"{kind}|{meeting.id}", series.stream, meeting.topic, content)
    if not posts.owe(session, post, kind, meeting.id, now, expires_at):
        return None
    return post


def deliver(db: Store, poster: Poster, post: OwedPost) -> int | None:
    """Make an owed post now and record it made; its id, or None if Zulip did not take it (it
    stays owed)."""
    response = poster.send_message(post.message())
    posted_id = (response or {}).get("id")
    if not isinstance(posted_id, int):
        log.error("Zulip refused a post in %r: %s", post.topic, response)
        return None
    with db.transaction() as session:
        delivered(session, post.key, posted_id)
    return posted_id


def delivered(session: Session, key: str, posted_id: int) -> None:
    """Zulip has the owed post ``key`` as message ``posted_id``: an attendance message is now
    the meeting's, a reminder's scheduled action is done."""
    posts.delivered(session, key, posted_id)


def owed_posts(db: Store, now: datetime, since: datetime) -> list[OwedPost]:
    """The posts recorded since ``since`` that Zulip may not have; those no longer timely (a
    reminder past its expiry, or of a meeting since started or cancelled) are dropped."""
    with db.transaction() as session:
        return posts.timely(session, now, since)


def rerender_notes(db: Store, settings: Settings, series: SeriesConfig, meeting_id: int) -> None:
    """Write an ended meeting's notes file again, after its record was corrected."""
    with db.transaction() as session:
        meeting = meetings.meeting_by_id(session, series, meeting_id)
        if meeting is None or meeting.ended_at is None:
            return
        record = meetings.meeting_record(session, series, meeting)
        path = (
            Path(meeting.notes_file)
            if meeting.notes_file
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

"""Starting and ending a meeting with its posts, for a chair's command and the scheduler alike.

A start or an end commits in one transaction with the command's reply and the post that
announces it (attendance message, summary), both owed until Zulip has them: a kill at any
point leaves them to be posted at the next start, never lost and never twice. A repeated
`start` or a scheduled start that races a chair finds the work done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from zulip_meetbot import views
from zulip_meetbot.config import SeriesConfig, Settings
from zulip_meetbot.domain import (
    agenda,
    attendance,
    meetings,
    people,
    posts,
    quick_votes,
    timeboxes,
)
from zulip_meetbot.domain.meetings import Meeting
from zulip_meetbot.domain.people import Member
from zulip_meetbot.domain.posts import NUDGE
from zulip_meetbot.domain.record import MeetingRecord
from zulip_meetbot.ledger import ATTENDANCE, SUMMARY, VOTE, VOTE_TALLY, Ledger, OwedPost
from zulip_meetbot.notes import as_written, notes_filename, render_notes, write_notes
from zulip_meetbot.store import Store

log = logging.getLogger(__name__)


class Poster(Protocol):
    """Where posts go: zulip_bots' ``send_message``."""

    def send_message(self, message: dict[str, Any]) -> dict[str, Any] | None: ...


class Editor(Poster, Protocol):
    """A poster that can also change the bot's own messages (PATCH /messages/{id})."""

    def update_message(self, message: dict[str, Any]) -> dict[str, Any] | None: ...


# Told after an ended meeting's notes file is written (at `end`, and again after a late
# correction), with the series and the meeting's id: the publisher wants them published.
NotesWritten = Callable[[SeriesConfig, int], None]


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
class Notes:
    """An ended meeting's notes file as its record makes it now."""

    meeting: Meeting
    record: MeetingRecord
    path: Path
    text: str  # exactly the file's content


@dataclass(frozen=True)
class Ended:
    meeting: Meeting
    notes_name: str
    summary: str
    reply: str | None = None  # the command's reply, recorded with the end


def start_meeting(
    db: Store,
    ledger: Ledger,
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
        if not ledger.claim(session, message_id):
            return None
        meeting = meetings.start_meeting(session, series, now, occurrence, day, confirmed)
        if chair is not None:
            people.remember(session, chair)
            attendance.mark_spoke(session, meeting.id, chair.user_id, now)
        owed = None
        if meeting.attendance_message_id is None:
            text = views.attendance_message(series, meeting)
            owed = ledger.owe_post(
                session, ATTENDANCE, meeting.id, series.stream, meeting.topic, text
            )
        reply = answer(meeting, owed is not None) if answer is not None else None
        if reply:
            ledger.owe_reply(session, message_id, reply)
    if owed is None:
        return Started(meeting, posted=False, reply=reply)
    log.info("%s: meeting of %s started", series.slug, meeting.date)
    return Started(meeting, posted=deliver(ledger, poster, owed) is not None, reply=reply)


def end_meeting(
    db: Store,
    ledger: Ledger,
    settings: Settings,
    series: SeriesConfig,
    now: datetime,
    poster: Poster,
    message_id: int | None = None,
    chair: Member | None = None,
    answer: EndAnswer | None = None,
    written: NotesWritten | None = None,
) -> Ended | None:
    """End the running meeting: carry its deferred items over, write its notes file, then
    attach the file to a summary posted in its topic. The ``chair`` who said `end` was there;
    ``answer``'s reply is recorded with it; ``written`` is told of the notes file."""
    with db.transaction() as session:
        if not ledger.claim(session, message_id):
            return None
        meeting = meetings.require_running(session, series)
        if chair is not None:
            people.remember(session, chair)
            attendance.mark_spoke(session, meeting.id, chair.user_id, now)
        timeboxes.stop_current_clock(session, meeting.id, now)
        agenda.tick_current_item(session, meeting.id)
        # Quick votes still open close with the meeting: their tallies go out before the
        # summary, and their results are among the notes' decisions.
        tallies = [
            ledger.owe_post(
                session,
                VOTE,
                meeting.id,
                series.stream,
                meeting.topic,
                views.vote_tally(vote),
                key=f"{VOTE_TALLY}{vote.id}",
            )
            for vote in quick_votes.close_all(session, meeting.id, now)
        ]
        meeting = meetings.end_meeting(session, series, now, "")
        notes = _notes(session, settings, series, meeting)
        record, path, name = notes.record, notes.path, notes.path.name
        write_notes(path, notes.text)
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
        owed = ledger.owe_post(session, SUMMARY, meeting.id, series.stream, meeting.topic, summary)
        reply = answer(meeting, name) if answer is not None else None
        if reply:
            ledger.owe_reply(session, message_id, reply)
    log.info(
        "%s: meeting of %s ended, notes in %s, %d items carried over",
        series.slug,
        meeting.date,
        path,
        carried,
    )
    for tally in tallies:
        if tally is not None:
            deliver(ledger, poster, tally)
    if owed is not None:
        deliver(ledger, poster, owed)
    if written is not None:
        written(series, meeting.id)
    return Ended(meeting, name, summary, reply)


def nudge(db: Store, ledger: Ledger, series: SeriesConfig, now: datetime, poster: Poster) -> bool:
    """Post the overrun nudge due by ``now`` for the item under discussion in the series'
    running meeting, if one is; True if one was claimed. The claim and the owed post share a
    transaction: a restart neither repeats it nor loses it."""
    with db.transaction() as session:
        overrun = timeboxes.claim_nudge(session, series.slug, now)
        if overrun is None:
            return False
        meeting = meetings.require_running(session, series)
        text = views.overrun_nudge(overrun)
        owed = ledger.owe_post(
            session, NUDGE, meeting.id, series.stream, meeting.topic, text, key=overrun.key
        )
    log.info(
        "%s: item %s ran past its time (nudge %d)", series.slug, overrun.number, overrun.ordinal
    )
    if owed is not None:
        deliver(ledger, poster, owed)
    return True


def deliver(ledger: Ledger, poster: Poster, post: OwedPost) -> int | None:
    """Make an owed post now and record it made; its id, or None if Zulip did not take it (it
    stays owed)."""
    response = poster.send_message(post.message())
    posted_id = (response or {}).get("id")
    if not isinstance(posted_id, int):
        said = (response or {}).get("msg") or response
        log.error("Zulip refused a post in #%s > %s: %s", post.stream, post.topic, said)
        return None
    ledger.post_delivered(post.key, posted_id)
    return posted_id


@dataclass(frozen=True)
class Edit:
    """New content for one of the bot's own messages."""

    message_id: int
    content: str


def moved_reminders(
    session: Session,
    series: SeriesConfig,
    meeting: Meeting,
    now: datetime,
    limit: timedelta | None,
) -> list[Edit]:
    """In the transaction that moved or cancelled ``meeting``: its posted reminders as they
    now read (the old time struck out, the new one or "cancelled" beside it), each claimed
    so that the change edits it once. One posted ``limit`` or longer ago (Zulip's edit limit)
    is left alone: the change's notice tells its readers."""
    start = None if meeting.cancelled else meeting.scheduled_start
    claimed = posts.claim_reminder_edits(
        session, series.slug, meeting.occurrence_start, start, now, limit
    )
    return [
        Edit(edit.message_id, views.reminder_moved(edit.content, edit.shown, start))
        for edit in claimed
    ]


def edit_messages(poster: Poster, edits: Sequence[Edit]) -> int:
    """Make the edits (PATCH /messages/{id}); how many Zulip took. One it refuses is logged and
    left as it is (the notice of the change is posted all the same)."""
    update = getattr(poster, "update_message", None)
    if update is None or not edits:
        return 0
    taken = 0
    for edit in edits:
        try:
            answer = update({"message_id": edit.message_id, "content": edit.content})
        except Exception:  # the notice still tells of the change
            log.exception("could not edit message %d", edit.message_id)
            continue
        # zulip_bots' stub answers nothing: only an answer that is not a success is a refusal.
        if answer is not None and answer.get("result") != "success":
            log.warning("Zulip would not edit message %d: %s", edit.message_id, answer.get("msg"))
            continue
        taken += 1
    return taken


def rerender_notes(
    db: Store,
    settings: Settings,
    series: SeriesConfig,
    meeting_id: int,
    written: NotesWritten | None = None,
) -> None:
    """Write an ended meeting's notes file again, after its record was corrected; ``written``
    is told of it."""
    notes = current_notes(db, settings, series, meeting_id)
    if notes is None:
        return
    write_notes(notes.path, notes.text)
    log.info("%s: notes of %s written again after a correction", series.slug, notes.meeting.date)
    if written is not None:
        written(series, meeting_id)


def current_notes(
    db: Store, settings: Settings, series: SeriesConfig, meeting_id: int
) -> Notes | None:
    """The notes file of the series' ended meeting ``meeting_id`` as its record makes it now
    (what `end` and every correction write); None if it has not ended."""
    with db.transaction() as session:
        meeting = meetings.meeting_by_id(session, series, meeting_id)
        if meeting is None or meeting.ended_at is None:
            return None
        return _notes(session, settings, series, meeting)


def _notes(session: Session, settings: Settings, series: SeriesConfig, meeting: Meeting) -> Notes:
    record = meetings.meeting_record(session, series, meeting)
    path = (
        Path(meeting.notes_file)
        if meeting.notes_file
        else (settings.notes_dir / notes_filename(series.notes_path, meeting.date))
    )
    return Notes(meeting, record, path, as_written(render_notes(record, series.template)))


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

"""Attendance: `here`, reactions on the attendance message, and speaking in a running meeting.

Reactions come as small values the handler makes from Zulip's events: no Zulip dict here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from zulip_meetbot import lifecycle, refusals, views
from zulip_meetbot.actions.context import Context, Need, Route
from zulip_meetbot.app import App
from zulip_meetbot.commands import Command, MarkHere
from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.domain import attendance, meetings, minutes, people
from zulip_meetbot.domain.meetings import Meeting
from zulip_meetbot.domain.people import Member

log = logging.getLogger(__name__)

# Per running meeting (its id), who is marked present by speaking in it.
Marked = tuple[int, set[int]]


@dataclass(frozen=True, order=True)
class Emoji:
    """An emoji as Zulip names a reaction's: its type (unicode, realm, extra) and code."""

    reaction_type: str
    code: str


@dataclass(frozen=True)
class Reaction:
    """A reaction added (``op`` "add") or removed ("remove") on a message."""

    user: Member
    message_id: int
    op: str
    emoji: Emoji


def here(context: Context, command: MarkHere) -> str:
    """`here`, or a chair's `here NAME`; after the end, within the grace, notes are redone."""
    session, meeting, name = context.session, context.meeting, command.name
    person = context.member if name is None else _attendee(context, name)
    if person is None:
        person = people.guest(session, str(name))
    elif person is not context.member:
        people.remember(session, person)
    newly = attendance.mark_here(session, meeting.id, person.user_id, context.now)
    if meeting.ended_at is not None and newly:
        app, series = context.app, context.series
        context.after_commit(
            lambda: lifecycle.rerender_notes(
                app.store, app.settings, series, meeting.id, app.notes_written
            )
        )
    someone_else = person is not context.member
    return views.marked_here(newly, person.full_name, someone_else)


def _attendee(context: Context, name: str) -> Member | None:
    """Whom a chair's `here NAME` means: a mentioned or named user (or a guest added
    before); None for a name nobody has, a guest to add."""
    mention = minutes.mention_of(name)
    if mention is None and name.startswith("@"):
        raise refusals.NotOneMention()
    member = context.known(mention or minutes.Mention(name, None))
    if mention is not None and member is None:
        raise refusals.NobodyCalled(mention.name)
    if member is not None and member.is_bot:
        raise refusals.IsABot(member.full_name)
    if member is not None and member.user_id == context.member.user_id:
        return context.member
    if not context.is_chair:
        raise refusals.NotAChairToMarkOthers()
    return member


def count_speaker(
    session: Session,
    series: SeriesConfig,
    member: Member,
    meeting: Meeting | None,
    now: datetime,
    marked: Marked | None,
) -> Marked | None:
    """Anyone who gives a command while their series' meeting runs is on the call: mark them
    present (once: ``marked`` is who is marked already in the running meeting). Returns who is
    marked now, to remember once the command's transaction is committed; None if unchanged."""
    if meeting is None:  # the command did not look: is one running?
        meeting = meetings.running_meeting(session, series)
    if meeting is None or not meeting.is_running:
        return None
    meeting_id, present = marked or (meeting.id, set())
    if meeting_id != meeting.id:
        present = set()
    if member.user_id in present:
        return None
    attendance.mark_spoke(session, meeting.id, member.user_id, now)
    return meeting.id, present | {member.user_id}


def react(app: App, reaction: Reaction) -> None:
    """A reaction on an attendance message marks (or, its last one removed, unmarks) its
    author present; late ones count within the series' attendance grace."""
    member = reaction.user
    if member.is_bot:
        return
    now = app.clock.now()
    emoji = reaction.emoji
    with app.store.transaction() as session:
        # None too when the record is closed (ended longer ago than the attendance grace).
        meeting = meetings.counting_reactions(session, app.settings, reaction.message_id, now)
        series = None if meeting is None else app.settings.series_by_slug(meeting.series_slug)
        if meeting is None or series is None:
            return
        ended = meeting.ended_at is not None
        if reaction.op == "add":
            people.remember(session, member)
            changed = attendance.reaction_added(
                session, meeting.id, member.user_id, emoji.reaction_type, emoji.code, now
            )
        elif reaction.op == "remove":
            changed = attendance.reaction_removed(
                session, meeting.id, member.user_id, emoji.reaction_type, emoji.code
            )
        else:
            return
    if changed:
        log.info(
            "%s: %s %s by reaction",
            series.slug,
            member.full_name,
            "present" if reaction.op == "add" else "no longer present",
        )
        if ended:
            lifecycle.rerender_notes(app.store, app.settings, series, meeting.id, app.notes_written)


def corrections(
    app: App, message_id: int, on_zulip: set[tuple[int, Emoji]]
) -> list[tuple[str, int, Emoji]]:
    """(op, user id, emoji) that make the reactions recorded on an attendance message match
    ``on_zulip``'s (user id, emoji): the additions, then the removals."""
    with app.store.transaction() as session:
        reactions = attendance.reactions_on(session, message_id)
        if reactions is None:
            return []
        recorded = {(uid, Emoji(kind, code)) for uid, kind, code in reactions}
    changes = [("add", uid, emoji) for uid, emoji in sorted(on_zulip - recorded)]
    changes += [("remove", uid, emoji) for uid, emoji in sorted(recorded - on_zulip)]
    return changes


def open_attendance_message_ids(app: App) -> list[int]:
    """Attendance messages whose reactions still count: running meetings' and those of
    meetings ended within their series' attendance grace."""
    with app.store.transaction() as session:
        return meetings.open_attendance_message_ids(session, app.settings.series, app.clock.now())


def attendance_message_title(app: App, message_id: int) -> str | None:
    """The series title of the meeting whose attendance message ``message_id`` is, if any."""
    with app.store.transaction() as session:
        meeting = meetings.with_attendance_message(session, app.settings, message_id)
    series = None if meeting is None else app.settings.series_by_slug(meeting.series_slug)
    return series.title if series is not None else None


ROUTES: dict[type[Command], Route] = {
    MarkHere: Route(Need.ATTENDED, here),
}

"""The calendar's commands: when the next meetings are, and a chair's skip, unskip or
reschedule."""

from __future__ import annotations

from collections.abc import Callable

from zulip_meetbot import lifecycle, views
from zulip_meetbot.actions.context import Context, Need, Route
from zulip_meetbot.commands import (
    Command,
    RescheduleMeeting,
    ShowNext,
    SkipMeeting,
    UnskipMeeting,
)
from zulip_meetbot.domain import meetings
from zulip_meetbot.domain.meetings import Meeting
from zulip_meetbot.ledger import NOTICE, Ledger, OwedPost
from zulip_meetbot.lifecycle import Poster


def show_next(context: Context, command: ShowNext) -> str:
    """`next [K]`: when and where the next meeting (or the next K) is."""
    planned = meetings.next_meetings(
        context.session, context.series, context.now, command.count or 1
    )
    return views.next_text(context.series, planned, command.count is not None)


def skip(context: Context, command: SkipMeeting) -> str:
    """`skip [DATE]`: cancel the next meeting (or the one that day); its agenda moves on."""
    series = context.series
    meeting, following, moved = meetings.skip_meeting(
        context.session, series, context.now, command.day
    )
    text = views.skipped(series, meeting, following, moved)
    return _announce(context, meeting, text, views.skipped_elsewhere(series, meeting))


def unskip(context: Context, command: UnskipMeeting) -> str:
    """`unskip [DATE]`: hold a meeting skip_if_empty cancelled after all, before its start."""
    series = context.series
    meeting = meetings.unskip_meeting(context.session, series, context.now, command.day)
    text = views.unskipped(series, meeting)
    return _announce(context, meeting, text, views.unskipped_elsewhere(series, meeting))


def reschedule(context: Context, command: RescheduleMeeting) -> str:
    """`reschedule TIME|±SHIFT`: move the next meeting."""
    series = context.series
    before, meeting = meetings.reschedule_meeting(
        context.session, series, context.now, command.to, command.shift
    )
    text = views.rescheduled(series, before, meeting)
    return _announce(context, meeting, text, views.rescheduled_elsewhere(series, meeting))


def _announce(context: Context, meeting: Meeting, text: str, elsewhere: str) -> str:
    """The calendar changed: the scheduler is told once it is committed, the meeting's posted
    reminders are edited while Zulip allows, and the one notice is the reply in the meeting's
    topic, else a post there (and ``elsewhere`` the reply)."""
    app, series, poster = context.app, context.series, context.poster
    context.after_commit(lambda: app.calendar_changed(series))
    edits = lifecycle.moved_reminders(
        context.session, series, meeting, context.now, app.message_edit_limit
    )
    if edits:
        context.after_commit(_edit(poster, edits))
    if context.said_in(meeting.topic):
        return text  # the reply is the notice
    # Owed in the same transaction as the change, so a stop cannot lose it.
    key = f"{NOTICE}|{meeting.id}|{context.now.isoformat()}"
    post = app.ledger.owe_post(
        context.session, NOTICE, meeting.id, series.stream, meeting.topic, text, key=key
    )
    if post is not None:
        context.after_commit(_deliver(app.ledger, context.poster, post))
    return elsewhere


def _edit(poster: Poster, edits: list[lifecycle.Edit]) -> Callable[[], None]:
    """Edit the reminders, once the change is committed (one Zulip refuses stays as it is)."""

    def edit() -> None:
        lifecycle.edit_messages(poster, edits)

    return edit


def _deliver(ledger: Ledger, poster: Poster, post: OwedPost) -> Callable[[], None]:
    """Make the owed notice, once committed (if Zulip will not take it, it stays owed)."""

    def deliver() -> None:
        lifecycle.deliver(ledger, poster, post)

    return deliver


ROUTES: dict[type[Command], Route] = {
    ShowNext: Route(Need.NOTHING, show_next),
    SkipMeeting: Route(Need.NOTHING, skip, chair="skip"),
    UnskipMeeting: Route(Need.NOTHING, unskip, chair="unskip"),
    RescheduleMeeting: Route(Need.NOTHING, reschedule, chair="reschedule"),
}

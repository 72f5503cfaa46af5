"""A meeting's start and end, said by a chair: each in its own transaction, with its post."""

from __future__ import annotations

from zulip_meetbot import lifecycle, views
from zulip_meetbot.actions.context import Context, Need, Route
from zulip_meetbot.commands import Command, EndMeeting, StartMeeting
from zulip_meetbot.domain.meetings import Meeting


def start(context: Context, command: StartMeeting) -> str | None:
    """`start`: begin the next meeting and post its attendance message; the chair is present."""
    series, app = context.series, context.app

    def answer(meeting: Meeting, fresh: bool) -> str | None:
        if not fresh:
            return views.already_running(series, meeting)
        if context.said_in(meeting.topic):
            return None  # the attendance message is the answer
        return views.meeting_started_elsewhere(series, meeting)

    started = lifecycle.start_meeting(
        app.store,
        app.ledger,
        series,
        context.now,
        context.poster,
        context.message_id,
        day=command.day,
        confirmed=command.now,
        answer=answer,
        chair=context.member,
    )
    if started is None:
        return None  # a repeated delivery of the same `start`
    context.act_on(started.meeting)
    return started.reply


def end(context: Context, command: EndMeeting) -> str | None:
    """`end`: write the notes file, hand items on, post the summary."""
    series, app = context.series, context.app

    def answer(meeting: Meeting, notes_name: str) -> str | None:
        if context.said_in(meeting.topic):
            return None  # the summary is the answer
        return views.ended_elsewhere(series, meeting, notes_name)

    ended = lifecycle.end_meeting(
        app.store,
        app.ledger,
        app.settings,
        series,
        context.now,
        context.poster,
        context.message_id,
        context.member,
        answer,
        written=app.notes_written,
    )
    if ended is None:
        return None
    context.act_on(ended.meeting)
    return ended.reply


ROUTES: dict[type[Command], Route] = {
    StartMeeting: Route(Need.OWN, start, chair="start"),
    EndMeeting: Route(Need.OWN, end, chair="end"),
}

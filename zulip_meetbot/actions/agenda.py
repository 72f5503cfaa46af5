"""The agenda's commands, on the next (or running) meeting: show, add, edit, move, tick, defer."""

from __future__ import annotations

from zulip_meetbot import views
from zulip_meetbot.actions.context import Context, Need, Route
from zulip_meetbot.commands import (
    AddItem,
    AddSubItem,
    Command,
    DeferItem,
    EditItem,
    MarkDone,
    MoveItem,
    RemoveItem,
    SetTimebox,
    ShowAgenda,
)
from zulip_meetbot.domain import agenda, meetings, timeboxes


def show(context: Context, command: ShowAgenda) -> str:
    """`agenda`: the meeting's agenda, numbered, with its minutes and open actions."""
    record = meetings.meeting_record(context.session, context.series, context.meeting)
    return views.agenda_text(context.series, context.meeting, record, context.now)


def add(context: Context, command: AddItem) -> str:
    """`agenda add [SECTION:] TEXT`."""
    series, meeting = context.series, context.meeting
    section, text = agenda.split_section(series.sections, series.default_section, command.text)
    number = agenda.add_item(
        context.session,
        meeting.id,
        section,
        text,
        context.member.user_id,
        context.now,
        context.app.settings.max_items_per_meeting,
    )
    meant = agenda.near_section(series.sections, command.text)
    return views.item_added(number, section, text, meeting, meant)


def add_sub(context: Context, command: AddSubItem) -> str:
    """`agenda sub N TEXT`."""
    number = agenda.add_sub_item(
        context.session,
        context.meeting.id,
        command.parent,
        command.text,
        context.member.user_id,
        context.now,
        context.app.settings.max_items_per_meeting,
    )
    return views.sub_item_added(number, command.parent, command.text)


def edit(context: Context, command: EditItem) -> str:
    """`agenda edit N TEXT`: its proposer or a chair."""
    agenda.edit_item(
        context.session,
        context.meeting.id,
        command.number,
        command.text,
        context.member.user_id,
        context.is_chair,
    )
    return views.item_edited(command.number, command.text)


def remove(context: Context, command: RemoveItem) -> str:
    """`agenda remove N`, with its sub-items: its proposer or a chair."""
    gone = agenda.remove_item(
        context.session,
        context.meeting.id,
        command.number,
        context.member.user_id,
        context.is_chair,
    )
    return views.item_removed(command.number, gone)


def move(context: Context, command: MoveItem) -> str:
    """`agenda move N POSITION`: its proposer or a chair."""
    position = agenda.move_item(
        context.session,
        context.meeting.id,
        command.number,
        command.position,
        context.member.user_id,
        context.is_chair,
    )
    return views.item_moved(command.number, position)


def done(context: Context, command: MarkDone) -> str:
    """`agenda done N`: its proposer or a chair."""
    agenda.mark_done(
        context.session,
        context.meeting.id,
        command.number,
        context.member.user_id,
        context.is_chair,
        context.now,
    )
    return views.item_ticked(command.number)


def defer(context: Context, command: DeferItem) -> str:
    """`agenda defer N`: its proposer or a chair."""
    agenda.defer_item(
        context.session,
        context.meeting.id,
        command.number,
        context.member.user_id,
        context.is_chair,
        context.now,
    )
    return views.item_deferred(command.number)


def timebox(context: Context, command: SetTimebox) -> str:
    """`agenda time N DURATION|off`: its proposer or a chair."""
    session, series, meeting = context.session, context.series, context.meeting
    timeboxes.set_timebox(
        session,
        meeting.id,
        command.number,
        command.planned,
        context.member.user_id,
        context.is_chair,
        series.duration,
        context.now,
    )
    if meeting.is_running:
        # The item under discussion may now run out at another instant: its nudge's job moves.
        app = context.app
        context.after_commit(lambda: app.calendar_changed(series))
    record = meetings.meeting_record(session, series, meeting)
    return views.timebox_set(command.number, command.planned, record, series.duration)


ROUTES: dict[type[Command], Route] = {
    ShowAgenda: Route(Need.UPCOMING, show),
    AddItem: Route(Need.UPCOMING, add),
    AddSubItem: Route(Need.UPCOMING, add_sub),
    EditItem: Route(Need.UPCOMING, edit),
    RemoveItem: Route(Need.UPCOMING, remove),
    MoveItem: Route(Need.UPCOMING, move),
    MarkDone: Route(Need.UPCOMING, done),
    DeferItem: Route(Need.UPCOMING, defer),
    SetTimebox: Route(Need.UPCOMING, timebox),
}

"""The minutes' commands: notes, decisions and action items, recorded, changed and closed."""

from __future__ import annotations

from zulip_meetbot import lifecycle, refusals, views
from zulip_meetbot.actions.context import Context, Need, Route
from zulip_meetbot.commands import (
    AddNote,
    Command,
    CompleteAction,
    CurrentItem,
    EditMinute,
    RecordAction,
    RecordDecision,
    RemoveMinute,
    ReopenAction,
    Undo,
)
from zulip_meetbot.domain import agenda, minutes, people
from zulip_meetbot.domain.people import Member


def note(context: Context, command: AddNote) -> str:
    """`note [N] TEXT`, under the current item (or item N) of the next or running meeting."""
    number = minutes.add_note(
        context.session,
        context.meeting.id,
        command.number,
        command.text,
        context.member.user_id,
        context.now,
    )
    return views.note_added(number)


def discuss(context: Context, command: CurrentItem) -> str:
    """`item N`: chairs move the running meeting on; the previous item is ticked."""
    if not context.is_chair:
        raise refusals.NotAChairToPickItem()
    previous = agenda.set_current_item(
        context.session, context.meeting.id, command.number, context.now
    )
    # The new item's overrun nudge (if it has a timebox) is planned once this is committed.
    app, series = context.app, context.series
    context.after_commit(lambda: app.calendar_changed(series))
    return views.now_discussing(command.number, previous)


def agreed(context: Context, command: RecordDecision) -> str:
    """`agreed TEXT`: a decision, under the current item."""
    where = minutes.record_decision(
        context.session, context.meeting.id, command.text, context.member.user_id, context.now
    )
    return views.decision_recorded(command.text, where)


def action(context: Context, command: RecordAction) -> str:
    """`action TEXT`: an action item, owned by the people it mentions."""
    owners, unknown = _owners(context, command.text)
    number, where = minutes.record_action(
        context.session,
        context.series.slug,
        context.meeting.id,
        command.text,
        context.member.user_id,
        [m.user_id for m in owners],
        context.now,
    )
    return views.action_recorded(number, where, [m.full_name for m in owners], unknown)


def undo(context: Context, command: Undo) -> str:
    """`undo`: the sender's own last note, decision or action item of the running meeting."""
    return views.undone(minutes.undo(context.session, context.meeting.id, context.member.user_id))


def close(context: Context, command: CompleteAction) -> str:
    """`action done N`: its owners, its author or a chair."""
    text = minutes.complete_action(
        context.session,
        context.series.slug,
        command.number,
        context.member.user_id,
        context.is_chair,
        context.now,
    )
    return views.action_closed(command.number, text)


def reopen(context: Context, command: ReopenAction) -> str:
    """`action reopen N`: its owners, its author or a chair."""
    _rewrite_notes_once_ended(context)
    text = minutes.reopen_action(
        context.session,
        context.series.slug,
        command.number,
        context.member.user_id,
        context.is_chair,
    )
    return views.action_reopened(command.number, text)


def remove(context: Context, command: RemoveMinute) -> str:
    """`note remove N`, `agreed remove N`, `action remove N`: its author or a chair."""
    _rewrite_notes_once_ended(context)
    session, meeting = context.session, context.meeting
    uid, chair = context.member.user_id, context.is_chair
    if command.kind == "action":
        text = minutes.remove_action(
            session, context.series.slug, meeting.id, command.number, uid, chair
        )
    else:
        text = minutes.remove_said(session, command.kind, meeting.id, command.number, uid, chair)
    return views.minute_removed(command.kind, command.number, text)


def edit(context: Context, command: EditMinute) -> str:
    """`note edit N TEXT`, `agreed edit N TEXT`, `action edit N TEXT`: its author or a chair;
    an action's owners are read again from the new text."""
    _rewrite_notes_once_ended(context)
    session, meeting = context.session, context.meeting
    uid, chair = context.member.user_id, context.is_chair
    if command.kind != "action":
        minutes.edit_said(
            session, command.kind, meeting.id, command.number, command.text, uid, chair
        )
        return views.minute_edited(command.kind, command.number, command.text)
    owners, unknown = _owners(context, command.text)
    minutes.edit_action(
        session,
        context.series.slug,
        meeting.id,
        command.number,
        command.text,
        [m.user_id for m in owners],
        uid,
        chair,
    )
    names = [m.full_name for m in owners]
    return views.action_edited(command.number, command.text, names, unknown)


def _rewrite_notes_once_ended(context: Context) -> None:
    """A change to a meeting ended within the grace: its notes file is written again."""
    meeting = context.meeting
    if meeting.ended_at is not None:
        app, series = context.app, context.series
        context.after_commit(
            lambda: lifecycle.rerender_notes(
                app.store, app.settings, series, meeting.id, app.notes_written
            )
        )


def _owners(context: Context, text: str) -> tuple[list[Member], list[str]]:
    """The people an action mentions, and the names nobody answers to."""
    owners: list[Member] = []
    unknown: list[str] = []
    for mention in minutes.mentions(text):
        member = context.known(mention)
        if member is None:
            unknown.append(mention.name)
            continue
        people.remember(context.session, member)
        owners.append(member)
    return owners, unknown


ROUTES: dict[type[Command], Route] = {
    AddNote: Route(Need.UPCOMING, note),
    CurrentItem: Route(Need.RUNNING, discuss),
    RecordDecision: Route(Need.RUNNING, agreed),
    RecordAction: Route(Need.RUNNING, action),
    Undo: Route(Need.RUNNING, undo),
    CompleteAction: Route(Need.NOTHING, close),
    ReopenAction: Route(Need.MINUTES, reopen),
    EditMinute: Route(Need.MINUTES, edit),
    RemoveMinute: Route(Need.MINUTES, remove),
}

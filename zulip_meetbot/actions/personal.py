"""Personal reminders' command: `remind me [OFFSET]`, `remind me off`."""

from __future__ import annotations

from zulip_meetbot import views
from zulip_meetbot.actions.context import Context, Need, Route
from zulip_meetbot.commands import Command, RemindMe
from zulip_meetbot.domain import personal_reminders


def remind_me(context: Context, command: RemindMe) -> str:
    """`remind me [OFFSET]` sets (or says) the sender's reminder; `remind me off` stops it."""
    session, series, user_id = context.session, context.series, context.member.user_id
    if command.off:
        change = personal_reminders.stop(session, series.slug, user_id)
    else:
        change = personal_reminders.remind(
            session, series.slug, user_id, command.offset, context.now
        )
    if change.changed:
        # The scheduler plans the direct messages from the table: it plans again once this
        # is committed.
        app = context.app
        context.after_commit(lambda: app.calendar_changed(series))
    return views.personal_reminder_set(series, change.before, change.after)


ROUTES: dict[type[Command], Route] = {
    RemindMe: Route(Need.NOTHING, remind_me),
}

"""The profile's commands: someone's row in the attendees table, shown or changed."""

from __future__ import annotations

from zulip_meetbot import views
from zulip_meetbot.actions.context import Context, Need, Route
from zulip_meetbot.commands import Command, SetProfile, ShowProfile
from zulip_meetbot.domain import people


def show(context: Context, command: ShowProfile) -> str:
    """`profile`: the sender's row."""
    session, member = context.session, context.member
    chose = people.chose_initials(session, member)
    return views.profile_text(people.profile_of(session, member), chose)


def change(context: Context, command: SetProfile) -> str:
    """`profile initials|affiliation|github X`."""
    session, member = context.session, context.member
    person = people.set_profile(session, member, command.field, command.value)
    chose = people.chose_initials(session, member)
    return views.profile_text(person, chose, changed=command.field)


ROUTES: dict[type[Command], Route] = {
    ShowProfile: Route(Need.NOTHING, show),
    SetProfile: Route(Need.NOTHING, change),
}

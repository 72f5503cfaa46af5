"""Regrets: `regrets` (or a chair's `regrets NAME`), `regrets off`, and 👎 on a meeting's
reminder, which says the same (removing it withdraws it).

Reactions come as the values ``actions.attendance`` defines: no Zulip dict here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from zulip_meetbot import refusals, views
from zulip_meetbot.actions.attendance import Emoji, Reaction
from zulip_meetbot.actions.context import Context, Need, Route
from zulip_meetbot.app import App
from zulip_meetbot.commands import Command, SendRegrets
from zulip_meetbot.domain import meetings, minutes, people, posts, regrets
from zulip_meetbot.domain.people import Member

log = logging.getLogger(__name__)

UNICODE_EMOJI = "unicode_emoji"
# 👎 as Zulip codes it (`:-1:`, `:thumbs_down:`): the reaction that sends regrets.
THUMBS_DOWN = "1f44e"
_THUMBS_DOWN_NAMES = (THUMBS_DOWN, "-1", "thumbs_down")
# How many meetings of each series, soonest first, have their reminders' reactions read back
# after a gap: one request a reminder, so a catch-up stays a handful of requests.
MEETINGS_READ_BACK = 3


def send_regrets(context: Context, command: SendRegrets) -> str:
    """`regrets [NAME]` and `regrets off [NAME]`, for the next meeting not started yet."""
    session, series = context.session, context.series
    meeting = meetings.regrets_meeting(session, series, context.now)
    person = _person(context, command.name, command.off)
    someone_else = person.user_id != context.member.user_id
    if command.off:
        if not regrets.withdraw(session, meeting.id, person.user_id):
            raise refusals.NoRegretsToWithdraw(
                person.full_name if someone_else else None, meeting.date
            )
        return views.regrets_withdrawn(series, meeting, person.full_name, someone_else)
    if someone_else:
        people.remember(session, person)  # their name, for the reminders and the notes
    newly = regrets.send(session, meeting.id, person.user_id, context.member.user_id, context.now)
    return views.regrets_sent(series, meeting, person.full_name, someone_else, newly)


def _person(context: Context, name: str | None, off: bool) -> Member:
    """Whom `regrets NAME` means: a mentioned or named member, or someone meetbot has a row
    for (a guest); the speaker without a name. Only a chair speaks for someone else."""
    if name is None:
        return context.member
    mention = minutes.mention_of(name) or minutes.Mention(name, None)
    member = context.known(mention)
    if member is not None and member.user_id == context.member.user_id:
        return context.member
    if not context.is_chair:
        form = "regrets off NAME" if off else "regrets NAME"
        raise refusals.NotAChair(context.series.title, form)
    if member is None:
        raise refusals.NobodyToExcuse(mention.name)
    if member.is_bot:
        raise refusals.IsABot(member.full_name)
    return member


def react(app: App, reaction: Reaction) -> bool:
    """👎 on a posted reminder sends its author's regrets for that meeting (removing it
    withdraws regrets a reaction sent); False when the message is no reminder of a meeting
    still to come, for attendance to look at."""
    with app.store.transaction() as session:
        meeting = meetings.with_reminder(session, app.settings, reaction.message_id)
        if meeting is None:
            return False
        member, emoji = reaction.user, reaction.emoji
        if member.is_bot or not _is_thumbs_down(emoji):
            return True
        if reaction.op == "add":
            people.remember(session, member)
            now = app.clock.now()
            changed = regrets.send(
                session, meeting.id, member.user_id, member.user_id, now, by_reaction=True
            )
        elif reaction.op == "remove":
            changed = regrets.withdraw(session, meeting.id, member.user_id, only_by_reaction=True)
        else:
            return True
    if changed:
        did = "sent" if reaction.op == "add" else "withdrew"
        log.info("%s: %s %s regrets by reaction", meeting.series_slug, member.full_name, did)
    return True


def open_reminder_groups(app: App) -> list[tuple[int, ...]]:
    """The posted reminders whose 👎 still send regrets, one tuple of message ids a meeting (of
    each series' next meetings still to come, or running)."""
    slugs = [series.slug for series in app.settings.series]
    with app.store.transaction() as session:
        return posts.posted_reminders(session, slugs, app.clock.now(), MEETINGS_READ_BACK)


def corrections(
    app: App, on_zulip: Mapping[int, set[tuple[int, Emoji]]]
) -> list[tuple[str, int, int, Emoji]]:
    """(op, user id, message id, emoji) that make a meeting's regrets match the 👎 Zulip has on
    its reminders (``on_zulip``: every one of them, message id → (user id, emoji)), after a
    gap: someone with a 👎 on any of them and no regrets sends them by reaction; regrets a
    reaction sent are withdrawn when no reminder of the meeting carries that 👎 any more."""
    if not on_zulip:
        return []
    with app.store.transaction() as session:
        meeting = meetings.with_reminder(session, app.settings, min(on_zulip))
        if meeting is None:
            return []
        sent = regrets.senders(session, meeting.id)
    down: dict[int, int] = {}  # user id → the first reminder they put a 👎 on
    for message_id in sorted(on_zulip):
        for user_id, emoji in sorted(on_zulip[message_id]):
            if _is_thumbs_down(emoji):
                down.setdefault(user_id, message_id)
    emoji = Emoji(UNICODE_EMOJI, THUMBS_DOWN)
    changes = [
        ("add", user_id, message_id, emoji)
        for user_id, message_id in sorted(down.items())
        if user_id not in sent
    ]
    changes += [
        ("remove", user_id, min(on_zulip), emoji)
        for user_id, by_reaction in sorted(sent.items())
        if by_reaction and user_id not in down
    ]
    return changes


def _is_thumbs_down(emoji: Emoji) -> bool:
    return emoji.reaction_type == UNICODE_EMOJI and emoji.code.lstrip("0") in _THUMBS_DOWN_NAMES


ROUTES: dict[type[Command], Route] = {
    SendRegrets: Route(Need.NOTHING, send_regrets),
}

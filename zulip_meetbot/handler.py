"""The zulip_bots-shaped handler: route a message to its action, reply.

It speaks to Zulip only through the ``bot_handler`` it is given (``send_reply``,
``send_message``), so zulip_bots' test helpers, the runtime and the terminal shell all drive it
the same way. It knows which series a message is for, who speaks and whether they chair it,
keeps floods out, and dispatches each command by the table its family declares
(``actions/``): what the command needs (a meeting, a chair, its own transaction) and the
action that carries it out. Zulip's dicts stop here: actions get values.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from zulip_meetbot import __version__, refusals, views
from zulip_meetbot.actions import (
    agenda,
    calendar,
    meeting,
    minutes,
    personal,
    profile,
    regrets,
    votes,
)
from zulip_meetbot.actions import attendance as attendance_actions
from zulip_meetbot.actions import governance as governance_actions
from zulip_meetbot.actions.attendance import Emoji, Marked, Reaction
from zulip_meetbot.actions.context import Context, Need, Place, Route
from zulip_meetbot.app import App, make_app
from zulip_meetbot.commands import (
    CancelVote,
    CastBallot,
    Command,
    Help,
    UsageError,
    VoteStatus,
    parse_request,
)
from zulip_meetbot.config import COMMANDS_PER_MINUTE, SeriesConfig
from zulip_meetbot.domain import governance, people
from zulip_meetbot.domain.people import Member
from zulip_meetbot.errors import UserError
from zulip_meetbot.flood import FloodGuard, Pace
from zulip_meetbot.store import Store

log = logging.getLogger(__name__)

# Every command but `help` (which needs no series), by its type: what it needs and its action.
# Each family declares its own commands, so a new command touches its family, not this file.
# The commands that may name a governance vote by its number.
_NUMBERED_VOTE_COMMANDS = (CastBallot, VoteStatus, CancelVote)

DISPATCH: dict[type[Command], Route] = {
    **agenda.ROUTES,
    **minutes.ROUTES,
    **meeting.ROUTES,
    **calendar.ROUTES,
    **profile.ROUTES,
    **personal.ROUTES,
    **attendance_actions.ROUTES,
    **regrets.ROUTES,
    **votes.ROUTES,
    **governance_actions.ROUTES,
}


class BotHandler(Protocol):
    """The part of zulip_bots' ``AbstractBotHandler`` meetbot uses."""

    user_id: int

    def send_message(self, message: dict[str, Any]) -> dict[str, Any] | None: ...

    def send_reply(self, message: dict[str, Any], response: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class _Speaker:
    """Who speaks in which series, and whether they chair it."""

    member: Member
    series: SeriesConfig
    is_chair: bool


class MeetbotHandler:
    """Runs meetings: agenda by command, attendance by reaction, notes at the end."""

    META: ClassVar[dict[str, str]] = {
        "name": "meetbot",
        "description": "Runs recurring community meetings: agenda, attendance, notes.",
    }

    def __init__(self, app: App | None = None, *, limit_floods: bool = True) -> None:
        # None until initialize() when zulip_bots makes the handler with no arguments.
        self.app = app
        # People whose row holds what Zulip says of them, as of the last commit: most commands
        # come from people already seen, and reading their row each time cost a statement.
        self._remembered: dict[int, Member] = {}
        # Per series, its running meeting and who is marked present in it by speaking: a
        # command from someone marked already costs no statement.
        self._marked: dict[str, Marked] = {}
        self._speaker: _Speaker | None = None  # the current command's, once its series is known
        per_minute = app.settings.commands_per_minute if app else COMMANDS_PER_MINUTE.default_value
        # Off in the shell, whose clock stands still between lines: a script is not a flood.
        self._flood = FloodGuard(per_minute) if limit_floods else None

    def usage(self) -> str:
        return views.help_text(self.app.settings.series if self.app else ())

    def initialize(self, bot_handler: Any) -> None:
        """zulip_bots' hook: without a context, use ``[meetbot] config`` or the demo series."""
        if self.app is not None:
            return
        from zulip_meetbot import demo
        from zulip_meetbot.config import load_settings

        config = bot_handler.get_config_info("meetbot", optional=True) or {}
        path = config.get("config")
        settings = load_settings(path) if path else demo.demo_settings()
        self.app = make_app(settings, Store(settings.database))

    # -- messages -------------------------------------------------------------------------

    def handle_message(self, message: dict[str, Any], bot_handler: BotHandler) -> None:
        """Handle one message addressed to the bot (its leading mention already removed)."""
        if message.get("sender_id") == getattr(bot_handler, "user_id", None):
            return
        app = self._app
        with app.lock:
            message_id = _message_id(message)
            if message_id is not None and app.ledger.was_handled(message_id):
                return  # it came back by another path (catch-up and the event queue)
            reply = self._answer(message, message_id, bot_handler)
            if reply:
                bot_handler.send_reply(message, reply)

    def _answer(
        self, message: dict[str, Any], message_id: int | None, bot_handler: BotHandler
    ) -> str | None:
        """Carry out the command; the reply returned is recorded with the command's effect."""
        sender = self._member(message)
        if sender.is_bot:
            return None  # another bot: answering could start a loop between bots
        now = self._app.clock.now()
        pace = self._flood.check(sender.user_id, now) if self._flood else Pace.OK
        if self._flood is not None and pace is not Pace.OK:
            # Dropped for good (claimed, so catch-up skips it too): the notice says to resend.
            warning = None
            if pace is Pace.WARN:
                content = str(message.get("content") or "")
                warning = views.slow_down(self._flood.per_minute, content)
            self._remember_answered(message_id, warning)
            return warning
        try:
            return self._reply_to(message, bot_handler)
        except (UsageError, UserError) as refusal:
            reply = views.refusal(views.refusal_text(refusal))
            # Refused or not, whoever spoke in the series' running meeting is on the call.
            speaker = self._speaker or self._speaker_of(message)
            self._remember_answered(message_id, reply, speaker)
            return reply
        except Exception:
            log.exception("command failed: %r", _short(message.get("content", "")))
            reply = views.internal_error()
        self._remember_answered(message_id, reply)
        return reply

    def _remember_answered(
        self, message_id: int | None, reply: str | None, speaker: _Speaker | None = None
    ) -> None:
        """A refused command changed nothing, but its answer must not be sent twice either;
        with its ``speaker``, they count as present in a running meeting."""
        if message_id is None:
            return
        app = self._app
        marked = None
        with app.store.transaction() as session:
            if not app.ledger.claim(session, message_id, reply):
                return
            if speaker is not None:
                people.remember(session, speaker.member)
                marked = attendance_actions.count_speaker(
                    session,
                    speaker.series,
                    speaker.member,
                    None,
                    app.clock.now(),
                    self._marked.get(speaker.series.slug),
                )
        if speaker is not None and marked is not None:
            self._marked[speaker.series.slug] = marked

    def _reply_to(self, message: dict[str, Any], bot_handler: BotHandler) -> str | None:
        self._speaker = None  # until the series is known
        settings = self._app.settings
        request = parse_request(str(message.get("content") or ""), settings.max_item_length)
        member = self._member(message)
        command = request.command
        if isinstance(command, Help):
            named = self._nameable_series(message)
            text = views.help_verb(command.verb) if command.verb else views.help_text(named)
            self._remember_answered(_message_id(message), text)
            return text
        slug = request.series_slug or self._series_of_vote(message, command)
        speaker = self._speaker_of_series(message, member, slug)
        self._speaker = speaker
        context = Context(
            self._app,
            member,
            speaker.series,
            speaker.is_chair,
            _message_id(message),
            _place(message),
            bot_handler,
            self._app.clock.now(),
        )
        try:
            return self._dispatch(context, command)
        finally:
            # One line per handled command, with its series and meeting (refusals included).
            acted_on = context.acted_on
            log.info(
                "%s %s: %s from user %s",
                speaker.series.slug,
                "-" if acted_on is None else acted_on.date,
                type(command).__name__,
                member.user_id,
            )

    def _speaker_of_series(
        self, message: dict[str, Any], member: Member, slug: str | None
    ) -> _Speaker:
        """Who speaks in which series, or UserError when the series is not theirs to use."""
        app = self._app
        series = self._series_for(message, slug)
        in_its_stream = (
            message.get("type") == "stream"
            and str(message.get("display_recipient", "")).casefold() == series.stream.casefold()
        )
        if not in_its_stream and not app.directory.may_read_stream(series.stream, member.user_id):
            # A private stream's agenda is for its subscribers only, even by direct message.
            raise refusals.PrivateStream()
        if not app.runs(series):
            # Items added now would wait for a meeting that is never held.
            raise refusals.SeriesNotRunning(series.slug)
        chairs = (*app.settings.chairs, *series.chairs)
        return _Speaker(member, series, people.is_chair(member, chairs))

    def _series_of_vote(self, message: dict[str, Any], command: Command) -> str | None:
        """A direct message naming a governance vote by number speaks in that vote's series
        (`vote yes 3` needs no series named, however many the bot runs)."""
        number = getattr(command, "number", None)
        if message.get("type") == "stream" or not isinstance(command, _NUMBERED_VOTE_COMMANDS):
            return None
        if number is None or len(self._app.settings.series) < 2:
            return None
        with self._app.store.transaction() as session:
            return governance.series_of(session, number)

    def _speaker_of(self, message: dict[str, Any]) -> _Speaker | None:
        """The speaker of a message the parser refused: in a series' stream, its sender still
        spoke in that series' meeting."""
        if message.get("type") != "stream":
            return None
        try:
            return self._speaker_of_series(message, self._member(message), None)
        except UserError:
            return None

    def _dispatch(self, context: Context, command: Command) -> str | None:
        """Give the command what its route says it needs, then run its action."""
        route = DISPATCH[type(command)]
        if route.chair is not None and not context.is_chair:
            raise refusals.NotAChair(context.series.title, route.chair)
        if route.need is Need.OWN:
            return route.action(context, command)
        reply = self._in_transaction(context, route, command)
        context.committed()
        return reply

    def _in_transaction(self, context: Context, route: Route, command: Command) -> str | None:
        """Run the action and record the message as handled, with its reply, in one
        transaction."""
        app, member, series = self._app, context.member, context.series
        with app.store.transaction() as session:
            if not app.ledger.claim(session, context.message_id):
                return None  # answered already (it came back by another path)
            if self._remembered.get(member.user_id) != member:
                people.remember(session, member)
            context.begin(session)
            found = route.need.meeting(session, series, context.now)
            if found is not None:
                context.act_on(found)
            reply = route.action(context, command)
            marked = attendance_actions.count_speaker(
                session,
                series,
                member,
                context.acted_on,
                app.clock.now(),
                self._marked.get(series.slug),
            )
            if reply:
                app.ledger.owe_reply(session, context.message_id, reply)
        self._remembered[member.user_id] = member
        if marked is not None:
            self._marked[series.slug] = marked
        return reply

    # -- reactions ------------------------------------------------------------------------

    def handle_reaction(self, event: dict[str, Any], bot_handler: BotHandler) -> None:
        """A reaction on an attendance message marks (or, its last one removed, unmarks)."""
        try:
            with self._app.lock:
                reaction = self._reaction(event, bot_handler)
                # A vote message's reactions are ballots, 👎 on a reminder sends regrets; any
                # other message's may mark attendance.
                if reaction is None or votes.react(self._app, reaction):
                    return
                if not regrets.react(self._app, reaction):
                    attendance_actions.react(self._app, reaction)
        except Exception:
            log.exception("reaction event failed: %r", event)

    def _reaction(self, event: dict[str, Any], bot_handler: BotHandler) -> Reaction | None:
        """The reaction in Zulip's event, unless it is the bot's own or malformed."""
        user_id = event.get("user_id")
        message_id = event.get("message_id")
        if not isinstance(user_id, int) or not isinstance(message_id, int):
            return None
        if user_id == getattr(bot_handler, "user_id", None):
            return None
        member = self._app.directory.member(user_id)
        if member is None:
            user = event.get("user") or {}
            member = Member(user_id, str(user.get("full_name") or f"user {user_id}"))
        emoji = Emoji(
            str(event.get("reaction_type") or "unicode_emoji"),
            str(event.get("emoji_code") or event.get("emoji_name") or ""),
        )
        return Reaction(member, message_id, str(event.get("op")), emoji)

    def open_attendance_message_ids(self) -> list[int]:
        """Attendance messages whose reactions still count: running meetings' and those of
        meetings ended within their series' attendance grace."""
        return attendance_actions.open_attendance_message_ids(self._app)

    def open_vote_message_ids(self) -> list[int]:
        """Vote messages whose reactions still count: those of quick votes still open."""
        return votes.open_vote_message_ids(self._app)

    def open_reminder_groups(self) -> list[tuple[int, ...]]:
        """Posted reminders whose 👎 still send regrets: one tuple of message ids a meeting."""
        return regrets.open_reminder_groups(self._app)

    def attendance_message_title(self, message_id: int) -> str | None:
        """The series title of the meeting whose attendance message ``message_id`` is, if any."""
        return attendance_actions.attendance_message_title(self._app, message_id)

    def reconcile_attendance(
        self, message_id: int, reactions: list[dict[str, Any]], bot_handler: BotHandler
    ) -> int:
        """After a gap, make the recorded reactions on an attendance message (or the ballots of
        a quick vote's message) match Zulip's (``reactions`` as GET /messages/{id} lists them);
        returns how many were corrected."""
        on_zulip = _reactions(reactions, bot_handler)
        with self._app.lock:
            changes = votes.corrections(self._app, message_id, on_zulip)
            if changes is None:  # no vote's message: an attendance message
                changes = attendance_actions.corrections(self._app, message_id, on_zulip)
            # Replayed as reaction events, so the same rules apply (bots, late attendance).
            for op, user_id, emoji in changes:
                self._replay(op, user_id, message_id, emoji, bot_handler)
        return len(changes)

    def reconcile_regrets(
        self, reactions: dict[int, list[dict[str, Any]]], bot_handler: BotHandler
    ) -> int:
        """After a gap, make a meeting's regrets by reaction match the 👎 on its reminders
        (``reactions``: each of one meeting's reminders, message id → GET /messages/{id}'s
        list); returns how many were corrected."""
        on_zulip = {
            message_id: _reactions(found, bot_handler) for message_id, found in reactions.items()
        }
        with self._app.lock:
            changes = regrets.corrections(self._app, on_zulip)
            for op, user_id, message_id, emoji in changes:
                self._replay(op, user_id, message_id, emoji, bot_handler)
        return len(changes)

    def _replay(
        self, op: str, user_id: int, message_id: int, emoji: Emoji, bot_handler: BotHandler
    ) -> None:
        """A correction read back from Zulip, handled as the reaction event it stands for."""
        event: dict[str, Any] = {"op": op, "user_id": user_id, "message_id": message_id}
        event.update(reaction_type=emoji.reaction_type, emoji_code=emoji.code)
        self.handle_reaction(event, bot_handler)

    # -- helpers --------------------------------------------------------------------------

    @property
    def _app(self) -> App:
        if self.app is None:
            raise RuntimeError("MeetbotHandler used before initialize()")
        return self.app

    def _member(self, message: dict[str, Any]) -> Member:
        sender_id = int(message.get("sender_id") or 0)
        known = self._app.directory.member(sender_id)
        if known is not None:
            return known
        return Member(
            user_id=sender_id,
            full_name=str(message.get("sender_full_name") or f"user {sender_id}"),
            email=str(message.get("sender_email") or ""),
        )

    def _series_for(self, message: dict[str, Any], slug: str | None) -> SeriesConfig:
        settings = self._app.settings
        if slug is not None:
            series = settings.series_by_slug(slug)
            if series is None:
                raise refusals.NoSuchSeries(slug, self._nameable_slugs(message))
            return series
        if message.get("type") == "stream":
            stream = str(message.get("display_recipient") or "")
            here = settings.series_in_stream(stream)
            if len(here) == 1:
                return here[0]
            topic = str(message.get("subject") or message.get("topic") or "")
            by_topic = [s for s in here if _topic_pattern(s.topic).fullmatch(topic)]
            if len(by_topic) == 1:
                return by_topic[0]
            if not here:
                raise refusals.NoSeriesInStream(stream)
            raise refusals.SeveralSeriesHere(tuple(s.slug for s in here))
        if len(settings.series) == 1:
            return settings.series[0]
        raise refusals.SeriesNotNamed(self._nameable_slugs(message))

    def _nameable_series(self, message: dict[str, Any]) -> list[SeriesConfig]:
        """The series a reply to ``message`` may name: those of public streams and those meeting
        where it was said (a private stream's series are named only to its readers)."""
        app = self._app
        here = str(message.get("display_recipient") or "").casefold()
        if message.get("type") != "stream":
            here = ""
        return [
            series
            for series in app.settings.series
            if series.stream.casefold() not in app.private_streams
            or series.stream.casefold() == here
        ]

    def _nameable_slugs(self, message: dict[str, Any]) -> tuple[str, ...]:
        return tuple(series.slug for series in self._nameable_series(message))


def _reactions(reactions: list[dict[str, Any]], bot_handler: BotHandler) -> set[tuple[int, Emoji]]:
    """(user id, emoji) of the reactions GET /messages/{id} lists, but the bot's own."""
    return {
        (
            r["user_id"],
            Emoji(
                str(r.get("reaction_type") or "unicode_emoji"),
                str(r.get("emoji_code") or r.get("emoji_name") or ""),
            ),
        )
        for r in reactions
        if isinstance(r.get("user_id"), int)
        and r["user_id"] != getattr(bot_handler, "user_id", None)
    }


def _message_id(message: dict[str, Any]) -> int | None:
    message_id = message.get("id")
    return message_id if isinstance(message_id, int) else None


def _place(message: dict[str, Any]) -> Place:
    stream = message.get("display_recipient", "") if message.get("type") == "stream" else None
    return Place(None if stream is None else str(stream), str(message.get("subject", "")))


def _topic_pattern(topic: str) -> re.Pattern[str]:
    parts = [re.escape(part) for part in topic.split("{date}")]
    return re.compile(r"\d{4}-\d{2}-\d{2}".join(parts), re.IGNORECASE)


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:79] + "…"


handler_class = MeetbotHandler

__all__ = ["MeetbotHandler", "__version__", "handler_class"]

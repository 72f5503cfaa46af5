"""The zulip_bots-shaped handler: parse a message, call the domain, reply.

It speaks to Zulip only through the ``bot_handler`` it is given (``send_reply``,
``send_message``), so zulip_bots' test helpers, the runtime and the terminal shell all drive it
the same way.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from sqlalchemy.orm import Session

from zulip_meetbot import __version__, lifecycle, views
from zulip_meetbot.commands import (
    AddItem,
    AddNote,
    AddSubItem,
    Command,
    CompleteAction,
    CurrentItem,
    DeferItem,
    EditItem,
    EditMinute,
    EndMeeting,
    Help,
    MarkDone,
    MarkHere,
    MoveItem,
    RecordAction,
    RecordDecision,
    RemoveItem,
    RemoveMinute,
    ReopenAction,
    RescheduleMeeting,
    SetProfile,
    ShowAgenda,
    ShowNext,
    ShowProfile,
    SkipMeeting,
    StartMeeting,
    Undo,
    UsageError,
    parse_request,
)
from zulip_meetbot.config import COMMANDS_PER_MINUTE, SeriesConfig, Settings
from zulip_meetbot.domain import agenda, attendance, meetings, minutes, people
from zulip_meetbot.domain.people import Member
from zulip_meetbot.errors import UserError
from zulip_meetbot.flood import FloodGuard, Pace
from zulip_meetbot.ledger import Ledger
from zulip_meetbot.store import Store
from zulip_meetbot.timeutil import Clock, SystemClock

log = logging.getLogger(__name__)


class Directory(Protocol):
    """Who a Zulip user is (name, role, bot or not); the runtime asks Zulip, tests use a dict."""

    def member(self, user_id: int) -> Member | None: ...

    def member_named(self, full_name: str) -> Member | None: ...

    def may_read_stream(self, stream: str, user_id: int) -> bool: ...


class NoDirectory:
    """Knows nobody: chairs come from the botrc only."""

    def member(self, user_id: int) -> Member | None:
        return None

    def member_named(self, full_name: str) -> Member | None:
        return None

    def may_read_stream(self, stream: str, user_id: int) -> bool:
        return True


class BotHandler(Protocol):
    """The part of zulip_bots' ``AbstractBotHandler`` meetbot uses."""

    user_id: int

    def send_message(self, message: dict[str, Any]) -> dict[str, Any] | None: ...

    def send_reply(self, message: dict[str, Any], response: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class _Context:
    """One message being handled."""

    message: dict[str, Any]
    member: Member
    series: SeriesConfig
    is_chair: bool


class MeetbotHandler:
    """Runs meetings: agenda by command, attendance by reaction, notes at the end."""

    META: ClassVar[dict[str, str]] = {
        "name": "meetbot",
        "description": "Runs recurring community meetings: agenda, attendance, notes.",
    }

    def __init__(
        self,
        settings: Settings | None = None,
        store: Store | None = None,
        clock: Clock | None = None,
        directory: Directory | None = None,
        limit_floods: bool = True,
        ledger: Ledger | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.directory: Directory = directory or NoDirectory()
        # Commands, reactions and scheduled actions run one at a time: a chair's `start` and
        # the scheduled start must not both post an attendance message.
        self.lock = threading.RLock()
        # Called after a skip or reschedule, so the scheduler can move its jobs.
        self.on_calendar_change: Callable[[SeriesConfig], None] | None = None
        self._logged_meeting = "-"
        self._ledger = ledger
        # People whose row holds what Zulip says of them, as of the last commit: most commands
        # come from people already seen, and reading their row each time cost a statement.
        self._remembered: dict[int, Member] = {}
        # Per series, its running meeting and who is marked present in it by speaking: a
        # command from someone marked already costs no statement.
        self._marked: dict[str, tuple[int, set[int]]] = {}
        self._meeting: meetings.Meeting | None = None  # the one the current command acts on
        self._context: _Context | None = None  # the current command's, once its series is known
        per_minute = settings.commands_per_minute if settings else COMMANDS_PER_MINUTE.default_value
        # Off in the shell, whose clock stands still between lines: a script is not a flood.
        self._flood = FloodGuard(per_minute) if limit_floods else None

    def usage(self) -> str:
        return views.help_text(self.settings.series if self.settings else ())

    def initialize(self, bot_handler: Any) -> None:
        """zulip_bots' hook: without settings, use ``[meetbot] config`` or the demo series."""
        if self.settings is not None:
            return
        from zulip_meetbot import demo
        from zulip_meetbot.config import load_settings

        config = bot_handler.get_config_info("meetbot", optional=True) or {}
        if config.get("config"):
            self.settings = load_settings(config["config"])
        else:
            self.settings = demo.demo_settings()
        self.store = self.store or Store(self.settings.database)

    # -- messages -------------------------------------------------------------------------

    def handle_message(self, message: dict[str, Any], bot_handler: BotHandler) -> None:
        """Handle one message addressed to the bot (its leading mention already removed)."""
        if message.get("sender_id") == getattr(bot_handler, "user_id", None):
            return
        with self.lock:
            message_id = _message_id(message)
            if message_id is not None and self.ledger.was_handled(message_id):
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
        pace = self._flood.check(sender.user_id, self.clock.now()) if self._flood else Pace.OK
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
            context = self._context or self._speaker_of(message)
            self._remember_answered(message_id, reply, context)
            return reply
        except Exception:
            log.exception("command failed: %r", _short(message.get("content", "")))
            reply = views.internal_error()
        self._remember_answered(message_id, reply)
        return reply

    def _remember_answered(
        self, message_id: int | None, reply: str | None, context: _Context | None = None
    ) -> None:
        """A refused command changed nothing, but its answer must not be sent twice either;
        with its ``context``, its sender counts as present in a running meeting."""
        if message_id is None:
            return
        marked = None
        with self._store.transaction() as session:
            if not self.ledger.claim(session, message_id, reply):
                return
            if context is not None:
                people.remember(session, context.member)
                self._meeting = None
                marked = self._count_present(session, context)
        if context is not None and marked is not None:
            self._marked[context.series.slug] = marked

    def _reply_to(self, message: dict[str, Any], bot_handler: BotHandler) -> str | None:
        self._context = None  # until the series is known
        request = parse_request(str(message.get("content") or ""), self._settings.max_item_length)
        member = self._member(message)
        command = request.command
        if isinstance(command, Help):
            text = views.help_verb(command.verb) if command.verb else self.usage()
            self._remember_answered(_message_id(message), text)
            return text
        context = self._context_of(message, member, request.series_slug)
        series = context.series
        self._context = context
        self._logged_meeting = "-"
        try:
            return self._dispatch(context, command, bot_handler)
        finally:
            # One line per handled command, with its series and meeting (refusals included).
            log.info(
                "%s %s: %s from user %s",
                series.slug,
                self._logged_meeting,
                type(command).__name__,
                member.user_id,
            )

    def _context_of(self, message: dict[str, Any], member: Member, slug: str | None) -> _Context:
        """Who speaks in which series, or UserError when the series is not theirs to use."""
        series = self._series_for(message, slug)
        in_its_stream = (
            message.get("type") == "stream"
            and str(message.get("display_recipient", "")).casefold() == series.stream.casefold()
        )
        if not in_its_stream and not self.directory.may_read_stream(series.stream, member.user_id):
            # A private stream's agenda is for its subscribers only, even by direct message.
            raise UserError(f"**{series.title}** meets in a private stream you are not in.")
        chairs = (*self._settings.chairs, *series.chairs)
        return _Context(message, member, series, people.is_chair(member, chairs))

    def _speaker_of(self, message: dict[str, Any]) -> _Context | None:
        """The context of a message the parser refused: in a series' stream, its sender still
        spoke in that series' meeting."""
        if message.get("type") != "stream":
            return None
        try:
            return self._context_of(message, self._member(message), None)
        except UserError:
            return None

    def _dispatch(self, context: _Context, command: Command, bot_handler: BotHandler) -> str | None:
        if isinstance(command, StartMeeting):
            return self._start(context, command, bot_handler)
        if isinstance(command, EndMeeting):
            return self._end(context, bot_handler)
        if isinstance(command, (SkipMeeting, RescheduleMeeting)):
            return self._change_calendar(context, command, bot_handler)
        if isinstance(command, MarkHere):
            return self._here(context, command.name)
        if isinstance(command, (EditMinute, RemoveMinute, ReopenAction)):
            return self._change_minutes(context, command)
        return self._in_transaction(
            context, lambda session: self._execute(session, context, command)
        )

    def _in_transaction(
        self, context: _Context, work: Callable[[Session], str | None]
    ) -> str | None:
        """Run ``work`` and record the message as handled, with its reply, in one transaction."""
        message_id, member = _message_id(context.message), context.member
        with self._store.transaction() as session:
            if not self.ledger.claim(session, message_id):
                return None  # answered already (it came back by another path)
            if self._remembered.get(member.user_id) != member:
                people.remember(session, member)
            self._meeting = None
            reply = work(session)
            marked = self._count_present(session, context)
            if reply:
                self.ledger.owe_reply(session, message_id, reply)
        self._remembered[member.user_id] = member
        if marked is not None:
            self._marked[context.series.slug] = marked
        return reply

    def _in_meeting(self, meeting: meetings.Meeting) -> None:
        """The meeting the command acts on: for the log, and to count its sender present."""
        self._logged_meeting = str(meeting.date)
        self._meeting = meeting

    def _count_present(self, session: Session, context: _Context) -> tuple[int, set[int]] | None:
        """Anyone who gives a command while their series' meeting runs is on the call: mark
        them present (once: who is marked is remembered per running meeting). Returns what
        to remember once the command's transaction is committed."""
        meeting = self._meeting
        if meeting is None:  # the command did not look: is one running?
            meeting = meetings.running_meeting(session, context.series)
        if meeting is None or not meeting.is_running:
            return None
        meeting_id, marked = self._marked.get(context.series.slug, (meeting.id, set()))
        if meeting_id != meeting.id:
            marked = set()
        if context.member.user_id in marked:
            return None
        attendance.mark_spoke(session, meeting.id, context.member.user_id, self.clock.now())
        return meeting.id, marked | {context.member.user_id}

    def _execute(self, session: Session, context: _Context, command: Command) -> str | None:
        series, member, now = context.series, context.member, self.clock.now()
        if isinstance(command, ShowProfile):
            chose = people.chose_initials(session, member)
            return views.profile_text(people.profile_of(session, member), chose)
        if isinstance(command, SetProfile):
            person = people.set_profile(session, member, command.field, command.value)
            chose = people.chose_initials(session, member)
            return views.profile_text(person, chose, changed=command.field)
        if isinstance(command, ShowNext):
            planned = meetings.next_meetings(session, series, now, command.count or 1)
            return views.next_text(series, planned, command.count is not None)
        if isinstance(command, CompleteAction):
            text = minutes.complete_action(
                session, series.slug, command.number, member.user_id, context.is_chair, now
            )
            return f"Closed action item **#{command.number}**: {views.one_line(text)}"
        if isinstance(command, (CurrentItem, RecordDecision, RecordAction, Undo)):
            return self._minutes(session, context, command)
        return self._agenda(session, context, command)

    def _agenda(self, session: Session, context: _Context, command: Command) -> str:
        """Commands on the next (or running) meeting's agenda."""
        series, now = context.series, self.clock.now()
        meeting = meetings.require_upcoming(session, series, now)
        self._in_meeting(meeting)
        uid, chair = context.member.user_id, context.is_chair
        if isinstance(command, ShowAgenda):
            record = meetings.meeting_record(session, series, meeting)
            return views.agenda_text(series, meeting, record)
        if isinstance(command, AddItem):
            section, text = agenda.split_section(
                series.sections, series.default_section, command.text
            )
            number = agenda.add_item(
                session, meeting.id, section, text, uid, now, self._settings.max_items_per_meeting
            )
            meant = agenda.near_section(series.sections, command.text)
            return views.item_added(number, section, text, meeting, meant)
        if isinstance(command, AddSubItem):
            number = agenda.add_sub_item(
                session,
                meeting.id,
                command.parent,
                command.text,
                uid,
                now,
                self._settings.max_items_per_meeting,
            )
            return views.sub_item_added(number, command.parent, command.text)
        if isinstance(command, EditItem):
            agenda.edit_item(session, meeting.id, command.number, command.text, uid, chair)
            return f"Item **{command.number}** now reads: {views.one_line(command.text)}"
        if isinstance(command, RemoveItem):
            gone = agenda.remove_item(session, meeting.id, command.number, uid, chair)
            extra = f" (with its {gone - 1} sub-items)" if gone > 1 else ""
            return f"Removed item **{command.number}**{extra}. Other items keep their numbers."
        if isinstance(command, MoveItem):
            position = agenda.move_item(
                session, meeting.id, command.number, command.position, uid, chair
            )
            return f"Moved item **{command.number}** to position {position} among its siblings."
        if isinstance(command, MarkDone):
            agenda.mark_done(session, meeting.id, command.number, uid, chair)
            return f"Ticked item **{command.number}** as done."
        if isinstance(command, DeferItem):
            agenda.defer_item(session, meeting.id, command.number, uid, chair)
            return f"Item **{command.number}** will move to the next meeting when this one ends."
        if isinstance(command, AddNote):
            number = minutes.add_note(session, meeting.id, command.number, command.text, uid, now)
            return f"Noted under item **{number}**."
        raise AssertionError(f"unhandled command {command!r}")

    def _minutes(self, session: Session, context: _Context, command: Command) -> str:
        """Commands that record what happens in the running meeting."""
        series, now = context.series, self.clock.now()
        meeting = meetings.require_running(session, series)
        self._in_meeting(meeting)
        uid = context.member.user_id
        if isinstance(command, CurrentItem):
            if not context.is_chair:
                raise UserError("only a chair can move the meeting to another item.")
            previous = agenda.set_current_item(session, meeting.id, command.number, now)
            ticked = f" (item {previous} ticked)" if previous else ""
            return f"Now discussing item **{command.number}**{ticked}."
        if isinstance(command, RecordDecision):
            where = minutes.record_decision(session, meeting.id, command.text, uid, now)
            under = f" under item **{where}**" if where else ""
            return f"Recorded the decision{under}: {views.one_line(command.text)}"
        if isinstance(command, RecordAction):
            owners, unknown = self._owners(session, command.text)
            number, where = minutes.record_action(
                session,
                series.slug,
                meeting.id,
                command.text,
                uid,
                [m.user_id for m in owners],
                now,
            )
            return views.action_recorded(number, where, [m.full_name for m in owners], unknown)
        if isinstance(command, Undo):
            return f"Removed your last {minutes.undo(session, meeting.id, uid)}"
        raise AssertionError(f"unhandled command {command!r}")

    def _owners(self, session: Session, text: str) -> tuple[list[Member], list[str]]:
        """The people an action mentions, and the names nobody answers to."""
        owners: list[Member] = []
        unknown: list[str] = []
        for mention in minutes.mentions(text):
            member = self._known(session, mention)
            if member is None:
                unknown.append(mention.name)
                continue
            people.remember(session, member)
            owners.append(member)
        return owners, unknown

    def _known(self, session: Session, mention: minutes.Mention) -> Member | None:
        """Who a mention (or a plain name, as a mention without an id) means: a member of the
        organization, else someone meetbot has a row for; None if nobody answers to it."""
        if mention.user_id is not None:
            member = self.directory.member(mention.user_id)
            known = None if member is not None else people.known_by_id(session, mention.user_id)
        else:
            member = self.directory.member_named(mention.name)
            known = None if member is not None else people.known_by_name(session, mention.name)
        return known if known is not None else member

    def _attendee(self, session: Session, context: _Context, name: str) -> Member | None:
        """Whom a chair's `here NAME` means: a mentioned or named user (or a guest added
        before); None for a name nobody has, a guest to add."""
        mention = minutes.mention_of(name)
        if mention is None and name.startswith("@"):
            raise UserError("`here` marks one person at a time: `here @**Name**`.")
        member = self._known(session, mention or minutes.Mention(name, None))
        if mention is not None and member is None:
            raise UserError(
                f"I know nobody called `{mention.name}` here, so nobody was marked present. "
                "For someone on the call without Zulip, say `here` and their name, without @."
            )
        if member is not None and member.is_bot:
            raise UserError(f"{member.full_name} is a bot; bots do not attend meetings.")
        if member is not None and member.user_id == context.member.user_id:
            return context.member
        if not context.is_chair:
            raise UserError("only a chair can mark someone else present.")
        return member

    def _here(self, context: _Context, name: str | None) -> str | None:
        """`here`, or a chair's `here NAME`; after the end, within the grace, notes are redone."""
        series = context.series
        ended: list[int] = []

        def mark(session: Session) -> str:
            now = self.clock.now()
            meeting = meetings.attendance_meeting(session, series, now)
            self._in_meeting(meeting)
            person = context.member if name is None else self._attendee(session, context, name)
            if person is None:
                person = people.guest(session, str(name))
            elif person is not context.member:
                people.remember(session, person)
            newly = attendance.mark_here(session, meeting.id, person.user_id, now)
            if meeting.ended_at is not None and newly:
                ended.append(meeting.id)
            someone_else = person is not context.member
            return views.marked_here(newly, person.full_name, someone_else)

        reply = self._in_transaction(context, mark)
        for meeting_id in ended:
            lifecycle.rerender_notes(self._store, self._settings, series, meeting_id)
        return reply

    def _change_minutes(
        self, context: _Context, command: EditMinute | RemoveMinute | ReopenAction
    ) -> str | None:
        """A note, decision or action changed by its number; after the end, within the grace,
        the notes file is written again (as for a late `here`)."""
        series, uid, chair = context.series, context.member.user_id, context.is_chair
        ended: list[int] = []

        def change(session: Session) -> str:
            meeting = meetings.minutes_meeting(session, series, self.clock.now())
            self._logged_meeting = str(meeting.date)
            if meeting.ended_at is not None:
                ended.append(meeting.id)
            if isinstance(command, ReopenAction):
                text = minutes.reopen_action(session, series.slug, command.number, uid, chair)
                return views.action_reopened(command.number, text)
            if isinstance(command, RemoveMinute):
                if command.kind == "action":
                    text = minutes.remove_action(
                        session, series.slug, meeting.id, command.number, uid, chair
                    )
                else:
                    text = minutes.remove_said(
                        session, command.kind, meeting.id, command.number, uid, chair
                    )
                return views.minute_removed(command.kind, command.number, text)
            if command.kind != "action":
                minutes.edit_said(
                    session, command.kind, meeting.id, command.number, command.text, uid, chair
                )
                return views.minute_edited(command.kind, command.number, command.text)
            owners, unknown = self._owners(session, command.text)
            minutes.edit_action(
                session,
                series.slug,
                meeting.id,
                command.number,
                command.text,
                [m.user_id for m in owners],
                uid,
                chair,
            )
            names = [m.full_name for m in owners]
            return views.action_edited(command.number, command.text, names, unknown)

        reply = self._in_transaction(context, change)
        for meeting_id in ended:
            lifecycle.rerender_notes(self._store, self._settings, series, meeting_id)
        return reply

    def _start(
        self, context: _Context, command: StartMeeting, bot_handler: BotHandler
    ) -> str | None:
        series = context.series
        self._require_chair(context, "start")

        def answer(meeting: meetings.Meeting, fresh: bool) -> str | None:
            if not fresh:
                return views.already_running(series, meeting)
            if self._in_topic(context, meeting.topic):
                return None  # the attendance message is the answer
            return views.meeting_started_elsewhere(series, meeting)

        started = lifecycle.start_meeting(
            self._store,
            series,
            self.clock.now(),
            bot_handler,
            _message_id(context.message),
            day=command.day,
            confirmed=command.now,
            answer=answer,
            chair=context.member,
        )
        if started is None:
            return None  # a repeated delivery of the same `start`
        self._logged_meeting = str(started.meeting.date)
        return started.reply

    def _end(self, context: _Context, bot_handler: BotHandler) -> str | None:
        series = context.series
        self._require_chair(context, "end")

        def answer(meeting: meetings.Meeting, notes_name: str) -> str | None:
            if self._in_topic(context, meeting.topic):
                return None  # the summary is the answer
            return views.ended_elsewhere(series, meeting, notes_name)

        ended = lifecycle.end_meeting(
            self._store,
            self._settings,
            series,
            self.clock.now(),
            bot_handler,
            _message_id(context.message),
            context.member,
            answer,
        )
        if ended is None:
            return None
        self._logged_meeting = str(ended.meeting.date)
        return ended.reply

    def _change_calendar(
        self, context: _Context, command: SkipMeeting | RescheduleMeeting, bot_handler: BotHandler
    ) -> str | None:
        series = context.series
        verb = "skip" if isinstance(command, SkipMeeting) else "reschedule"
        self._require_chair(context, verb)
        changed: list[bool] = []
        owed: list[lifecycle.OwedPost] = []  # the notice, when said outside the meeting's topic

        def change(session: Session) -> str:
            now = self.clock.now()
            if isinstance(command, SkipMeeting):
                meeting, following, moved = meetings.skip_meeting(session, series, now, command.day)
                text = views.skipped(series, meeting, following, moved)
                elsewhere = views.skipped_elsewhere(series, meeting)
            else:
                before, meeting = meetings.reschedule_meeting(
                    session, series, now, command.to, command.shift
                )
                text = views.rescheduled(series, before, meeting)
                elsewhere = views.rescheduled_elsewhere(series, meeting)
            changed.append(True)
            if self._in_topic(context, meeting.topic):
                return text  # the reply is the notice
            # Owed in the same transaction as the change, so a stop cannot lose it.
            key = f"{lifecycle.NOTICE}|{meeting.id}|{now.isoformat()}"
            post = lifecycle.owe_post(
                session, lifecycle.NOTICE, meeting, series, text, now, key=key
            )
            owed.extend([post] if post is not None else [])
            return elsewhere

        reply = self._in_transaction(context, change)
        if changed and self.on_calendar_change is not None:
            self.on_calendar_change(series)
        for post in owed:
            lifecycle.deliver(self._store, bot_handler, post)
        return reply

    # -- reactions ------------------------------------------------------------------------

    def handle_reaction(self, event: dict[str, Any], bot_handler: BotHandler) -> None:
        """A reaction on an attendance message marks (or, its last one removed, unmarks)."""
        try:
            with self.lock:
                self._handle_reaction(event, bot_handler)
        except Exception:
            log.exception("reaction event failed: %r", event)

    def _handle_reaction(self, event: dict[str, Any], bot_handler: BotHandler) -> None:
        user_id = event.get("user_id")
        message_id = event.get("message_id")
        if not isinstance(user_id, int) or not isinstance(message_id, int):
            return
        if user_id == getattr(bot_handler, "user_id", None):
            return
        member = self.directory.member(user_id)
        if member is None:
            user = event.get("user") or {}
            member = Member(user_id, str(user.get("full_name") or f"user {user_id}"))
        if member.is_bot:
            return
        now = self.clock.now()
        with self._store.transaction() as session:
            # None when reactions on it no longer count (or never did).
            row = meetings.counting_reactions(session, self._settings, message_id, now)
            series = None if row is None else self._settings.series_by_slug(row.series_slug)
            if row is None or series is None:
                return
            ended = row.ended_at is not None
            reaction_type = str(event.get("reaction_type") or "unicode_emoji")
            emoji_code = str(event.get("emoji_code") or event.get("emoji_name") or "")
            if event.get("op") == "add":
                people.remember(session, member)
                changed = attendance.reaction_added(
                    session, row.id, user_id, reaction_type, emoji_code, now
                )
            elif event.get("op") == "remove":
                changed = attendance.reaction_removed(
                    session, row.id, user_id, reaction_type, emoji_code
                )
            else:
                return
        if changed:
            log.info(
                "%s: %s %s by reaction",
                row.series_slug,
                member.full_name,
                "present" if event.get("op") == "add" else "no longer present",
            )
            if ended:
                lifecycle.rerender_notes(self._store, self._settings, series, row.id)

    def open_attendance_message_ids(self) -> list[int]:
        """Attendance messages whose reactions still count: running meetings' and those of
        meetings ended within their series' attendance grace."""
        now, found = self.clock.now(), []
        with self._store.transaction() as session:
            for series in self._settings.series:
                found += meetings.open_attendance_message_ids(session, series, now)
        return found

    def attendance_message_title(self, message_id: int) -> str | None:
        """The series title of the meeting whose attendance message ``message_id`` is, if any."""
        with self._store.transaction() as session:
            row = meetings.with_attendance_message(session, self._settings, message_id)
            series = self._settings.series_by_slug(row.series_slug) if row is not None else None
        return series.title if series is not None else None

    def reconcile_attendance(
        self, message_id: int, reactions: list[dict[str, Any]], bot_handler: BotHandler
    ) -> int:
        """After a gap, make the recorded reactions on an attendance message match Zulip's
        (``reactions`` as GET /messages/{id} lists them); returns how many were corrected."""
        on_zulip = {
            (
                r["user_id"],
                str(r.get("reaction_type") or "unicode_emoji"),
                str(r.get("emoji_code") or r.get("emoji_name") or ""),
            )
            for r in reactions
            if isinstance(r.get("user_id"), int)
            and r["user_id"] != getattr(bot_handler, "user_id", None)
        }
        with self.lock:
            with self._store.transaction() as session:
                recorded = attendance.reactions_on(session, message_id)
                if recorded is None:
                    return 0
            # Replayed as reaction events, so the same rules apply (bots, late attendance).
            changes = [("add", key) for key in sorted(on_zulip - recorded)]
            changes += [("remove", key) for key in sorted(recorded - on_zulip)]
            for op, (user_id, reaction_type, emoji_code) in changes:
                event = {"op": op, "user_id": user_id, "message_id": message_id}
                event.update(reaction_type=reaction_type, emoji_code=emoji_code)
                self.handle_reaction(event, bot_handler)
        return len(changes)

    # -- helpers --------------------------------------------------------------------------

    @property
    def _settings(self) -> Settings:
        if self.settings is None:
            raise RuntimeError("MeetbotHandler used before initialize()")
        return self.settings

    @property
    def ledger(self) -> Ledger:
        """Which messages were handled and which replies and posts are owed; by default from
        the handler's store and clock, made at first use (the store may come at initialize)."""
        if self._ledger is None:
            self._ledger = Ledger(self._store, self.clock)
        return self._ledger

    @property
    def _store(self) -> Store:
        if self.store is None:
            raise RuntimeError("MeetbotHandler used before initialize()")
        return self.store

    def _member(self, message: dict[str, Any]) -> Member:
        sender_id = int(message.get("sender_id") or 0)
        known = self.directory.member(sender_id)
        if known is not None:
            return known
        return Member(
            user_id=sender_id,
            full_name=str(message.get("sender_full_name") or f"user {sender_id}"),
            email=str(message.get("sender_email") or ""),
        )

    def _series_for(self, message: dict[str, Any], slug: str | None) -> SeriesConfig:
        settings = self._settings
        if slug is not None:
            series = settings.series_by_slug(slug)
            if series is None:
                known = ", ".join(f"`{s.slug}`" for s in settings.series)
                raise UserError(f"there is no series `{slug}`. The series are: {known}.")
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
                raise UserError(
                    f"no meeting series meets in #**{stream}**. "
                    "Name one first, e.g. `SLUG: agenda`."
                )
            slugs = ", ".join(f"`{s.slug}`" for s in here)
            raise UserError(f"several series meet here ({slugs}): start with `SLUG:`.")
        if len(settings.series) == 1:
            return settings.series[0]
        slugs = ", ".join(f"`{s.slug}`" for s in settings.series)
        raise UserError(
            f"which series? Start with its name, e.g. `{settings.series[0].slug}: "
            f"agenda` (series: {slugs})."
        )

    def _require_chair(self, context: _Context, verb: str) -> None:
        if not context.is_chair:
            raise UserError(
                f"only a chair of **{context.series.title}** (or an organization admin) "
                f"can `{verb}` a meeting."
            )

    @staticmethod
    def _in_topic(context: _Context, topic: str) -> bool:
        """Whether the command was said in the series' stream, in ``topic``."""
        message = context.message
        return (
            message.get("type") == "stream"
            and str(message.get("display_recipient", "")).casefold()
            == context.series.stream.casefold()
            and str(message.get("subject", "")) == topic
        )


def _message_id(message: dict[str, Any]) -> int | None:
    message_id = message.get("id")
    return message_id if isinstance(message_id, int) else None


def _topic_pattern(topic: str) -> re.Pattern[str]:
    parts = [re.escape(part) for part in topic.split("{date}")]
    return re.compile(r"\d{4}-\d{2}-\d{2}".join(parts), re.IGNORECASE)


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:79] + "…"


handler_class = MeetbotHandler

__all__ = ["MeetbotHandler", "__version__", "handler_class"]

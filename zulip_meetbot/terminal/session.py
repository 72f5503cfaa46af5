"""``meetbot shell``'s session: a whole meeting in the terminal, with no Zulip server and no
account.

The same handler, database, scheduler and templates as ``meetbot run``; a terminal stands in for
Zulip. You type messages as a person in the meeting's stream; the bot's posts are printed with
their message ids and with Zulip's global times shown in your zone. Lines starting with ``/``
do what a terminal cannot (switch person, react, move the clock). Piped, it runs a script.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from zulip_meetbot.commands import clean_text
from zulip_meetbot.config import Settings, check_zone
from zulip_meetbot.markup import mention_of, typed_bot_mention
from zulip_meetbot.terminal.pretend_zulip import (
    BOT_EMAIL,
    BOT_ID,
    BOT_NAME,
    FIRST_PERSON_ID,
    People,
    Reaction,
    TerminalZulip,
    emoji,
)
from zulip_meetbot.terminal.rendering import emoji_shown, format_post, terminal_text
from zulip_meetbot.timeutil import (
    UTC,
    ManualClock,
    NoSuchDate,
    local_date,
    parse_date,
    parse_duration,
    parse_wall_time,
    zone_time_text,
)
from zulip_meetbot.views import shortened

if TYPE_CHECKING:
    from zulip_meetbot.app import App
    from zulip_meetbot.handler import MeetbotHandler
    from zulip_meetbot.publish.publisher import Publisher
    from zulip_meetbot.scheduler import MeetingScheduler
    from zulip_meetbot.store import Store

_MESSAGE_GAP = timedelta(microseconds=1)
# Zulip's mention syntax (@**meetbot**, @**meetbot|99**), and plain @meetbot for typing ease.
_MENTION = typed_bot_mention(BOT_NAME, BOT_ID)
# How far ahead /clock looks for scheduled actions at each step (the scheduler's least horizon).
_LOOKAHEAD = timedelta(days=1)

SHELL_HELP = """\
Type a message as in Zulip; the bot answers those that start by mentioning it:
  @meetbot help            @meetbot agenda add TEXT            @**meetbot** start
Shell commands:
  /as NAME                 become NAME (a new name becomes a new person)
  /as EMAIL                become the person with that email (a roster's member)
  /react ID|last|attendance [EMOJI]
                           react to message ID, the bot's latest post, or the attendance
                           message (reacting there marks you present; default :wave:)
  /unreact ID|last|attendance [EMOJI]
                           remove that reaction
  /clock                   show the clock
  /clock +1d | +2h30m      move the clock on; reminders, starts and ends that fall due happen
  /clock YYYY-MM-DD HH:MM  move the clock to a time in your zone
  /dm TEXT                 send TEXT to meetbot as a direct message (a ballot: /dm vote yes 3)
  /topic [NAME]            show or change the topic you write in
  /stream NAME             change the stream you write in
  /notes                   print the newest notes file
  /help                    this list
  /quit                    leave (so does end of input)
Lines starting with # are comments."""


def command_for_bot(line: str) -> str | None:
    """The command in a line that starts by mentioning the bot, or None if it does not."""
    match = _MENTION.match(line)
    return line[match.end() :].strip() if match else None


def parse_clock(argument: str, now: datetime, zone: tzinfo | None) -> datetime:
    """The instant ``/clock ARGUMENT`` asks for: ``+1d``, ``+2h30m`` or a wall time in ``zone``."""
    text = " ".join(argument.split())
    if text.startswith("+"):
        return now + parse_duration(text[1:])
    for parse in (parse_wall_time, _midnight):
        try:
            wall = parse(text)
        except NoSuchDate:
            raise  # the right shape, so say what is wrong with the date, as the botrc does
        except ValueError:
            continue
        local = wall.replace(tzinfo=zone) if zone is not None else wall.astimezone()
        return local.astimezone(UTC)
    raise ValueError(f"expected +1d, +2h30m or YYYY-MM-DD HH:MM, not {argument.strip()!r}")


def _midnight(text: str) -> datetime:
    return datetime.combine(parse_date(text), time())


def first_topic(settings: Settings, now: datetime) -> tuple[str, str]:
    """The first series' stream and a topic of today's date: where to write when no series
    has a meeting to come."""
    series = settings.series[0]
    return series.stream, series.topic_for(local_date(now, series.zone))


def person_name(text: str) -> str | None:
    """Who ``text`` names (`iago`, `@iago`, `@**iago**`, `@**iago|5**`: iago), or None when it
    names nobody (nothing, or mention markup and no name)."""
    mention = mention_of(text)
    name = mention.name if mention is not None else text.strip()
    return name if name and not name.startswith("@") and "*" not in name else None


def roster_people(settings: Settings) -> dict[str | int, str]:
    """Every member of the botrc's rosters (emails as written, user ids), with the name its
    roster file gives them ("" when none): the people the shell's Zulip knows by email."""
    listed: dict[str | int, str] = {}
    for roster in settings.rosters:
        names = dict(roster.names)
        for member in roster.members:
            listed[member] = names.get(member) or listed.get(member, "")
    return listed


def group_roster_warnings(settings: Settings) -> list[str]:
    """What the shell says of each ``zulip_group`` roster: it has no Zulip to read it from."""
    return [
        f"[roster:{roster.name}] zulip_group: the shell has no Zulip user groups, so a vote of "
        f"this roster cannot open here; to try one, list the members of {roster.zulip_group!r} "
        "instead (members = EMAIL, EMAIL, ...)"
        for roster in settings.rosters
        if roster.zulip_group is not None
    ]


def shell_settings(settings: Settings, database: Path) -> Settings:
    """``settings`` with ``database``, the notes beside it, and the first person a chair.

    A real botrc's database and notes are never the shell's: shell user and message ids would
    clash with Zulip's, and a shell meeting could overwrite real notes.
    """
    return replace(
        settings,
        database=database,
        notes_dir=database.parent / "notes",
        chairs=(*settings.chairs, str(FIRST_PERSON_ID)),
    )


def newest_file(folder: Path) -> Path | None:
    """The most recently written file in ``folder``: the notes of the last meeting ended."""
    files = [path for path in folder.glob("*") if path.is_file()] if folder.is_dir() else []
    return max(files, key=lambda path: path.stat().st_mtime_ns, default=None)


class ShellSession:
    """One terminal meeting: reads lines, drives the handler and scheduler, prints posts."""

    def __init__(
        self,
        app: App,
        handler: MeetbotHandler,
        scheduler: MeetingScheduler,
        zulip: TerminalZulip,
        people: People,
        out: TextIO,
        zone: tzinfo | None = None,
        person: str = "hamlet",
        kept_database: bool = False,
        publisher: Publisher | None = None,
    ) -> None:
        if not isinstance(app.clock, ManualClock):
            raise ValueError("the shell needs a ManualClock")
        self.app = app
        self.settings: Settings = app.settings
        self.clock: ManualClock = app.clock
        self.handler = handler
        self.scheduler = scheduler
        # Driven on the shell's clock as the scheduler is, with no thread of its own.
        self.publisher = publisher
        self.zulip = zulip
        self.people = people
        self.out = out
        self.zone = zone
        self.reactions: set[Reaction] = set()
        self.kept_database = kept_database
        # The botrc's doubtful values, as `meetbot check` words them: said once, at the start.
        self.warnings: list[str] = []
        # `--as EMAIL` is a roster member as `/as EMAIL` is; anything else a person by name.
        by_email = self.people.member_by_email(person) if _is_email(person) else None
        self.me = by_email or self.people.named(person, first=True)
        self.store = app.store
        self.stream, self.topic = self._meeting_topic() or first_topic(
            self.settings, self.clock.now()
        )

    # -- running --------------------------------------------------------------------------

    def run(self, lines: Iterable[str], echo: bool) -> None:
        """Handle each line until ``/quit`` or the end; ``echo`` shows piped lines as sent."""
        self.say(self.banner())
        for warning in self.warnings:
            self.say(warning)
        self._run_scheduler()
        for line in lines:
            if echo and line.strip():
                # Shown as the bot will read it: a typed escape must not recolour the terminal.
                self.out.write(f"{self.prompt()}{clean_text(line.strip())}\n")
            if not self.handle_line(line):
                break

    def prompt(self) -> str:
        return f"{self.me.full_name}> "

    def banner(self) -> str:
        series = self.settings.series[0]
        repeats = f"repeating {series.schedule}" if series.schedule else "a one-off meeting"
        others = len(self.settings.series) - 1
        more = f" (and {others} more series)" if others else ""
        kept = "" if self.kept_database else " (temporary: --database FILE keeps it)"
        return (
            f"meetbot shell: {series.title}{more} in #{series.stream}, {repeats}.\n"
            f"The clock says {self.now_text()}. Database: {self.settings.database}{kept}\n"
            f"You are {self.me.full_name} (a chair), writing in #{self.stream} > {self.topic}.\n"
            "Say `@meetbot help` to the bot; /help lists the shell's own commands."
        )

    def now_text(self) -> str:
        return zone_time_text(self.clock.now(), self.zone)

    def say(self, text: str) -> None:
        """A line from the shell itself, marked apart from the conversation."""
        for line in text.splitlines():
            self.out.write(f"-- {line}\n")

    def handle_line(self, line: str) -> bool:
        """Act on one line; False when the session should end."""
        text = line.strip()
        if not text or text.startswith("#"):
            return True
        if text.startswith("/"):
            verb, _, argument = text[1:].partition(" ")
            if not self._shell_command(verb.lower(), argument.strip()):
                return False
        else:
            self._send(text)
            # What a command made due now (a timebox cut below the time already spent) happens
            # now, as it would in `meetbot run`, not at the next /clock.
            self._run_scheduler()
        self._publish()
        return True

    def _publish(self) -> None:
        """Make the publishing attempts due on the shell's clock (an `end` wants the notes
        pushed) and show what Zulip got: the summary edited with the notes' line."""
        if self.publisher is None:
            return
        self.publisher.run_due()
        self._print_posts()

    def _print_posts(self) -> None:
        for message in self.zulip.take_unprinted():
            self.out.write(format_post(message, (self.stream, self.topic), self.zone) + "\n")

    # -- messages and reactions -----------------------------------------------------------

    def _send(self, text: str) -> None:
        sent = self.zulip.post(self.me, self.stream, self.topic, text)
        command = command_for_bot(text)
        if command is None:
            self.say("(meetbot only reads messages that start with @meetbot)")
            return
        self._to_bot(
            {"id": sent.id, "type": "stream", "display_recipient": self.stream},
            self.topic,
            command,
            text,
        )

    def _send_direct(self, text: str) -> None:
        if not text:
            self.say("/dm TEXT sends TEXT to meetbot as a direct message, e.g. /dm vote yes 1")
            return
        sent = self.zulip.post(self.me, "", "", text, direct_to=BOT_NAME)
        bot = {"id": BOT_ID, "email": BOT_EMAIL, "full_name": BOT_NAME}
        you = {"id": self.me.user_id, "email": self.me.email, "full_name": self.me.full_name}
        # A direct message is for the bot whether or not it starts with a mention.
        command = command_for_bot(text)
        fields = {"id": sent.id, "type": "private", "display_recipient": [bot, you]}
        self._to_bot(fields, "", text if command is None else command, text)

    def _to_bot(self, fields: dict[str, Any], topic: str, command: str, text: str) -> None:
        """Hand the handler a message as Zulip gives it: ``fields`` say where it was sent."""
        # Messages are a moment apart in Zulip; a clock that stood still between lines would
        # leave `undo` no way to tell which of your records came last.
        self.clock.advance(_MESSAGE_GAP)
        self.handler.handle_message(
            {
                **fields,
                "sender_id": self.me.user_id,
                "sender_full_name": self.me.full_name,
                "sender_email": self.me.email,
                "subject": topic,
                "content": command,
                "full_content": text,
            },
            self.zulip,
        )
        self._print_posts()

    def _react(self, argument: str, op: str) -> None:
        target, _, emoji_text = argument.partition(" ")
        message_id = self._message_id(target)
        if message_id is None:
            return
        name, code = emoji(emoji_text)
        reaction = Reaction(message_id, self.me.user_id, code)
        # Zulip refuses a reaction twice, and removing one that is not there.
        if op == "add" and reaction in self.reactions:
            self.say(f"you already reacted {emoji_shown(name)} to message {message_id}")
            return
        if op == "remove" and reaction not in self.reactions:
            self.say(f"you have no {emoji_shown(name)} reaction on message {message_id}")
            return
        if op == "add":
            self.reactions.add(reaction)
        else:
            self.reactions.discard(reaction)
        self.handler.handle_reaction(
            {
                "type": "reaction",
                "op": op,
                "user_id": self.me.user_id,
                "user": {"user_id": self.me.user_id, "full_name": self.me.full_name},
                "message_id": message_id,
                "emoji_name": name,
                "emoji_code": code,
                "reaction_type": "unicode_emoji",
            },
            self.zulip,
        )
        title = self.handler.attendance_message_title(message_id)
        done = "reacted" if op == "add" else "removed the reaction"
        to = "to" if op == "add" else "from"
        said = f"{self.me.full_name} {done} {emoji_shown(name)} {to} "
        self.say(said + self._described(message_id, title))
        if (
            op == "add"
            and title is None
            and self.handler.open_attendance_message_ids()
            and message_id not in self.handler.open_vote_message_ids()  # a ballot, meant
        ):
            # `/react last` may hit a reply posted after the attendance message.
            self.say("(not the attendance message: /react attendance marks you present)")
        self._print_posts()

    def _message_id(self, target: str) -> int | None:
        if target.lower() == "last":
            posts = [m.id for m in self.zulip.messages.values() if m.sender_id == BOT_ID]
            if not posts:
                self.say("the bot has posted nothing yet")
                return None
            return posts[-1]
        if target.lower() == "attendance":
            return self._attendance_message_id()
        if not target.isdigit() or int(target) not in self.zulip.messages:
            self.say(f"no message {target!r}: give a message id, `last` or `attendance`")
            return None
        return int(target)

    def _attendance_message_id(self) -> int | None:
        """The attendance message whose reactions count: the one where you write, else the
        newest (several series may be running)."""
        open_ids = self.handler.open_attendance_message_ids()
        if not open_ids:
            self.say("no attendance message is open: a meeting posts one when it starts")
            return None
        here = (self.stream.casefold(), self.topic)
        in_place = [
            message_id
            for message_id in open_ids
            if (message := self.zulip.messages.get(message_id)) is not None
            and (message.stream.casefold(), message.topic) == here
        ]
        return max(in_place or open_ids)

    def _described(self, message_id: int, attendance_title: str | None) -> str:
        """Which message it is, in a few words: ``message 4 (the attendance message of …)``."""
        if attendance_title is not None:
            return f"message {message_id} (the attendance message of {attendance_title})"
        message = self.zulip.messages[message_id]
        lines = terminal_text(message.content, self.zone).splitlines() or [""]
        first = lines[0] if len(lines) == 1 else lines[0] + " …"
        by = "" if message.sender_id == BOT_ID else f" by {message.sender_name}"
        return f"message {message_id}{by}: {shortened(first, 60)}"

    # -- shell commands -------------------------------------------------------------------

    def _shell_command(self, verb: str, argument: str) -> bool:
        if verb in ("quit", "exit", "q"):
            return False
        actions: dict[str, Callable[[str], None]] = {
            "as": self._become,
            "react": lambda a: self._react(a, "add"),
            "unreact": lambda a: self._react(a, "remove"),
            "clock": self._move_clock,
            "dm": self._send_direct,
            "topic": self._change_topic,
            "stream": self._change_stream,
            "notes": lambda _a: self._show_notes(),
            "help": lambda _a: self.say(SHELL_HELP),
        }
        action = actions.get(verb)
        if action is None:
            self.say(f"no shell command /{verb}; /help lists them")
        else:
            action(argument)
        return True

    def _become(self, argument: str) -> None:
        if not argument:
            self.say(f"you are {self.me.full_name}; /as NAME to be someone else")
            return
        if _is_email(argument):
            by_email = self.people.member_by_email(argument)
            if by_email is not None:
                self.me = by_email
                self.say(f"you are now {self.me.full_name} (user {self.me.user_id})")
                return
        name = person_name(argument)
        if name is None:
            self.say(f"{argument!r} names nobody: /as NAME, /as @NAME or /as @**NAME**")
            return
        self.me = self.people.named(name)
        self.say(f"you are now {self.me.full_name} (user {self.me.user_id})")

    def _change_topic(self, topic: str) -> None:
        if topic:
            self.topic = topic
        self.say(f"writing in #{self.stream} > {self.topic}")

    def _change_stream(self, stream: str) -> None:
        if not stream:
            self.say(f"writing in #{self.stream} > {self.topic}")
            return
        self.stream = stream.removeprefix("#")
        # A series' stream: its meeting's topic, as a person joining it would pick.
        _, self.topic = self._meeting_topic(self.stream) or (self.stream, self.topic)
        self.say(f"writing in #{self.stream} > {self.topic}")

    def _meeting_topic(self, stream: str | None = None) -> tuple[str, str] | None:
        """Where the meeting the clock is at is (of a series in ``stream``, when given)."""
        from zulip_meetbot.domain.meetings import current_topic

        with self.store.transaction() as db:
            return current_topic(db, self.settings, self.clock.now(), stream)

    def _show_notes(self) -> None:
        newest = newest_file(self.settings.notes_dir)
        if newest is None:
            self.say("no notes file yet: they are written when a meeting ends (@meetbot end)")
            return
        self.say(f"{newest}:")
        self.out.write(newest.read_text(encoding="utf-8"))

    def _move_clock(self, argument: str) -> None:
        if not argument:
            self.say(f"the clock says {self.now_text()}")
            return
        try:
            target = parse_clock(argument, self.clock.now(), self.zone)
        except ValueError as error:
            self.say(str(error))
            return
        if target < self.clock.now():
            self.say(f"the clock only moves forward; it says {self.now_text()}")
            return
        self.advance_to(target)
        self.say(f"the clock says {self.now_text()}")

    # -- time ---------------------------------------------------------------------------

    def advance_to(self, target: datetime) -> None:
        """Move the clock to ``target`` stopping at each scheduled action, as time would pass.

        Jumping straight there would make every reminder on the way "late", and late reminders
        are dropped; stepping posts each at its own instant. The scheduler plans at least a day
        ahead, so looking one day ahead at a time misses nothing.
        """
        while self.clock.now() < target:
            now = self.clock.now()
            step = min(target, now + _LOOKAHEAD)
            due = [a.at for a in self.scheduler.pending_actions()]
            due += [a.at for a in self.scheduler.vote_actions()]
            due += [nudge.at for nudge in self.scheduler.nudges_ahead()]
            if self.publisher is not None:
                # A failed push is tried again at its time, as the bot's worker would.
                due.append(self.publisher.next_due() or step)
            self.clock.set(min((at for at in due if now < at <= step), default=step))
            self._run_scheduler()

    def _run_scheduler(self) -> None:
        self.scheduler.run_due()
        if self.publisher is not None:
            self.publisher.run_due()
        if self.zulip.unprinted:
            self.say(f"{self.now_text()}:")
        self._print_posts()


@dataclass(frozen=True)
class ShellOptions:
    """``meetbot shell``'s arguments."""

    config: str | None = None
    database: str | None = None
    person: str = "hamlet"
    now: str | None = None
    timezone: str | None = None
    flood_limit: bool = False


def _is_email(text: str) -> bool:
    return "@" in text and not text.startswith("@")


def open_session(
    options: ShellOptions, temporary: Path, out: TextIO
) -> tuple[ShellSession, Store] | list[str]:
    """A session over the botrc (or the demo), or the problems that prevent one."""
    # Imported here, not at the top: SQLAlchemy and APScheduler would slow `meetbot --help`.
    from zulip_meetbot import checks, demo
    from zulip_meetbot.store import open_store, zulip_people

    zone: tzinfo | None = None
    if options.timezone:
        try:
            zone = ZoneInfo(check_zone(options.timezone))
        except ValueError as error:
            return [f"--timezone: {error}"]
    person = person_name(options.person)
    if person is None:
        return [f"--as: {options.person!r} names nobody: --as NAME, such as --as hamlet"]
    try:
        start = parse_clock(options.now, datetime.now(UTC), zone) if options.now else None
    except ValueError as error:
        return [f"--now: {error}"]
    if options.config:
        loaded, problems = checks.read_botrc(options.config)
        if loaded is None:
            return [f"{options.config}: {problem}" for problem in problems]
    else:
        loaded = demo.demo_settings(temporary)
    database = temporary / "meetbot.sqlite3"
    if options.database:
        database = Path(options.database).expanduser().absolute()
    settings = shell_settings(loaded, database)
    clock = ManualClock(start or datetime.now(UTC).replace(second=0, microsecond=0))
    # A database it cannot use stops it with one line (DatabaseProblem), before any prompt.
    store = open_store(settings.database)
    with store.transaction() as db:
        people = People(zulip_people(db), roster_people(settings))
    app, handler, scheduler, zulip, publisher = build_bot(
        settings, store, clock, people, options.flood_limit
    )
    session = ShellSession(
        app,
        handler,
        scheduler,
        zulip,
        people,
        out,
        zone,
        person,
        bool(options.database),
        publisher,
    )
    if options.config:
        doubtful = checks.value_warnings(loaded, clock.now())
        doubtful += group_roster_warnings(loaded)
        warnings = [checks.Finding(checks.WARNING, text) for text in doubtful]
        session.warnings = checks.report_lines(warnings, loaded.api.key)
    return session, store


def build_bot(
    settings: Settings, store: Store, clock: ManualClock, people: People, flood_limit: bool
) -> tuple[App, MeetbotHandler, MeetingScheduler, TerminalZulip, Publisher | None]:
    """The bot's parts, wired as ``meetbot run`` wires them with the pretend Zulip in place of
    Zulip: the application context, the handler, the scheduler that drives it, the Zulip
    both post to, and the publisher when a series publishes (the session drives it)."""
    # Imported here, not at the top: SQLAlchemy and APScheduler would slow `meetbot --help`.
    from zulip_meetbot.app import make_app
    from zulip_meetbot.handler import MeetbotHandler
    from zulip_meetbot.scheduler import MeetingScheduler

    app = make_app(settings, store, clock, people)
    # The clock stands still between lines, so a script would trip the limit; off unless asked.
    handler = MeetbotHandler(app, limit_floods=flood_limit)
    # A kept database has handled messages and the bot's posts already: new ones must not
    # reuse their ids, and those it names are of an earlier session.
    known = app.ledger.newest_known()
    zulip = TerminalZulip(last_id=known, earlier_upto=known, people=people)
    scheduler = MeetingScheduler(app, zulip)
    publisher = None
    if any(series.publishing is not None for series in settings.series):
        import logging

        from zulip_meetbot.publish.publisher import Publisher

        # No worker thread: the session makes the attempts due after each line, on its clock,
        # so a script's end waits for the push and a retry follows /clock. A kept database's
        # summary is not in this session's pretend Zulip: its line is posted under it, as
        # expected, so that is not a warning here.
        publisher = Publisher(app, zulip, refused_edit_level=logging.INFO)
        app.on_notes_written = publisher.want
    from zulip_meetbot.vote_lifecycle import results_recorder

    # A closed vote's results file is written, then published with the notes' publishing.
    app.on_vote_closed = results_recorder(app, publisher.want_vote if publisher else None)
    return app, handler, scheduler, zulip, publisher


def input_lines(interactive: bool, prompt: Callable[[], str]) -> Iterator[str]:
    """The lines typed (with a prompt and line editing) or piped in."""
    if not interactive:
        yield from sys.stdin
        return
    # Imported for its effect, line editing and history; Windows has none.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401
    while True:
        try:
            yield input(prompt())
        except (EOFError, KeyboardInterrupt):
            print()
            return

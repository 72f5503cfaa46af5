"""What an action is given: the command's context (who asks, where, in which series, its
transaction and meeting), and the route that says what the action needs before it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from zulip_meetbot.app import App
from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.domain import meetings, minutes, people
from zulip_meetbot.domain.meetings import Meeting
from zulip_meetbot.domain.people import Member
from zulip_meetbot.lifecycle import Poster


@dataclass(frozen=True)
class Place:
    """Where a command was said: a stream and topic, or a direct message (no stream)."""

    stream: str | None
    topic: str


@dataclass
class Context:
    """One command being carried out: who asks, in which series, where, and once the route has
    opened them, its transaction and the meeting it acts on."""

    app: App
    member: Member
    series: SeriesConfig
    is_chair: bool
    message_id: int | None  # the command's Zulip message, claimed with its effect
    place: Place
    poster: Poster  # where posts in a meeting's topic go
    now: datetime
    _session: Session | None = field(default=None, init=False, repr=False)
    _meeting: Meeting | None = field(default=None, init=False, repr=False)
    _after: list[Callable[[], None]] = field(default_factory=list, init=False, repr=False)

    def begin(self, session: Session) -> None:
        """The command's transaction, opened by the handler."""
        self._session = session

    @property
    def session(self) -> Session:
        """The command's transaction (every route but ``Need.OWN`` has one)."""
        if self._session is None:
            raise RuntimeError("this action runs in its own transaction")
        return self._session

    def act_on(self, meeting: Meeting) -> None:
        """The meeting the command acts on: for the log, and to count its sender present."""
        self._meeting = meeting

    @property
    def meeting(self) -> Meeting:
        """The meeting its route found (or the action named with ``act_on``)."""
        if self._meeting is None:
            raise RuntimeError("this action's route finds no meeting")
        return self._meeting

    @property
    def acted_on(self) -> Meeting | None:
        """The meeting the command acted on, if it came to one."""
        return self._meeting

    def after_commit(self, effect: Callable[[], None]) -> None:
        """Do ``effect`` once the command's transaction is committed (not if it fails)."""
        self._after.append(effect)

    def committed(self) -> None:
        """The transaction is committed: do what waited for it, in order."""
        effects, self._after = self._after, []
        for effect in effects:
            effect()

    def said_in(self, topic: str) -> bool:
        """Whether the command was said in the series' stream, in ``topic``."""
        stream = self.place.stream
        return (
            stream is not None
            and stream.casefold() == self.series.stream.casefold()
            and self.place.topic == topic
        )

    def known(self, mention: minutes.Mention) -> Member | None:
        """Who a mention (or a plain name, as a mention without an id) means: a member of the
        organization, else someone meetbot has a row for; None if nobody answers to it."""
        directory, session = self.app.directory, self.session
        if mention.user_id is not None:
            member = directory.member(mention.user_id)
            known = None if member is not None else people.known_by_id(session, mention.user_id)
        else:
            member = directory.member_named(mention.name)
            known = None if member is not None else people.known_by_name(session, mention.name)
        return known if known is not None else member


class Need(Enum):
    """What an action needs before it runs; each but ``OWN`` runs in the command's transaction."""

    NOTHING = "nothing"  # no meeting
    UPCOMING = "upcoming"  # the next (or running) meeting
    RUNNING = "running"  # the running meeting
    ATTENDED = "attended"  # the running meeting, else one just ended (late attendance)
    MINUTES = "minutes"  # the running one, else one just ended, else the next
    OWN = "own"  # its own transaction (a meeting's start and end, with their posts)

    def meeting(self, session: Session, series: SeriesConfig, now: datetime) -> Meeting | None:
        """The meeting this need names, or UserError when there is none."""
        if self is Need.UPCOMING:
            return meetings.require_upcoming(session, series, now)
        if self is Need.RUNNING:
            return meetings.require_running(session, series)
        if self is Need.ATTENDED:
            return meetings.attendance_meeting(session, series, now)
        if self is Need.MINUTES:
            return meetings.minutes_meeting(session, series, now)
        return None


# An action: the command's context and the command itself; the reply (None: no reply, e.g.
# when a post in the meeting's topic is the answer). Each action takes its own command type.
Action = Callable[[Context, Any], "str | None"]


@dataclass(frozen=True)
class Route:
    """What a command needs, and the action that carries it out."""

    need: Need
    action: Action
    chair: str | None = None  # the verb refused to a non-chair, before anything is looked at

"""Refusals as facts: why meetbot will not do a request, with what a reply needs to say so.

The domain, the actions and the handler raise these and never word them; ``views`` decides the
words, as Zulip markdown for replies and as plain text for the CLI. Each is a
:class:`UserError`, so every ``except UserError`` still catches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from zulip_meetbot.errors import UserError


class Refusal(UserError):
    """A request refused for a reason stated by the fields of a subclass (one per fact).

    The subclasses are dataclasses, but not frozen: contextlib's ``@contextmanager`` (as
    ``store.transaction()``) assigns ``__traceback__`` to an exception leaving its block, which
    a frozen dataclass refuses. ``eq=False`` keeps each equal only to itself, and hashable.
    """

    def __str__(self) -> str:
        # For logs and tracebacks: the fact itself. People read the words from ``views``.
        return repr(self)


# The agenda


@dataclass(eq=False)
class NothingToAdd(Refusal):
    """``agenda add SECTION:`` named a section but gave no text for it."""

    section: str


@dataclass(eq=False)
class ItemTooDeep(Refusal):
    """A sub-item under ``parent`` would be deeper than an agenda nests (``depth`` levels)."""

    parent: str
    depth: int


@dataclass(eq=False)
class ItemAlreadyDone(Refusal):
    """Item ``number`` is ticked, so it cannot be deferred."""

    number: str


@dataclass(eq=False)
class AgendaFull(Refusal):
    """The meeting already holds ``limit`` items."""

    limit: int


@dataclass(eq=False)
class NoSuchItem(Refusal):
    """The agenda has no item ``number`` (or it was removed)."""

    number: str


@dataclass(eq=False)
class NotProposer(Refusal):
    """Only item ``number``'s proposer or a chair may ``verb`` it (edit, remove, move…)."""

    number: str
    verb: str


@dataclass(eq=False)
class TimeboxTooLong(Refusal):
    """Item ``number`` was given ``planned``, more than the whole meeting (``meeting``) lasts."""

    number: str
    planned: timedelta
    meeting: timedelta


# Which series a command is for, and who may use it


@dataclass(eq=False)
class NoSuchSeries(Refusal):
    """The command named the series ``slug``, and no series is called that; ``known_slugs``
    are the series there are."""

    slug: str
    known_slugs: tuple[str, ...]


@dataclass(eq=False)
class NoSeriesInStream(Refusal):
    """No series meets in ``stream``, where the command was said without naming one."""

    stream: str


@dataclass(eq=False)
class SeveralSeriesHere(Refusal):
    """The series ``slugs`` all meet where the command was said, and it named none."""

    slugs: tuple[str, ...]


@dataclass(eq=False)
class SeriesNotNamed(Refusal):
    """A direct message named no series, and there are several (``slugs``)."""

    slugs: tuple[str, ...]


@dataclass(eq=False)
class PrivateStream(Refusal):
    """The series meets in a private stream the speaker cannot read (its title is not said:
    outsiders do not learn what a private group is called)."""


@dataclass(eq=False)
class SeriesNotRunning(Refusal):
    """The series' stream is one Zulip said at start-up the bot cannot use: it is not run."""

    slug: str


@dataclass(eq=False)
class NotAChair(Refusal):
    """Only a chair of the series (or an organization admin) may use ``verb`` (a route's
    ``chair``: `start`, `end`, `skip`, `reschedule`…)."""

    series_title: str
    verb: str


# Meetings and their calendar


@dataclass(eq=False)
class NoUpcomingMeeting(Refusal):
    """The series has no meeting still to come (for what was ``wanted``, if said)."""

    series_title: str
    wanted: Literal["start", "skip", "reschedule"] | None = None


@dataclass(eq=False)
class NotRunning(Refusal):
    """No meeting of the series runs (to ``end``, if that was wanted); the last one, of
    ``last_date``, ended at ``last_ended``."""

    series_title: str
    wanted: Literal["end"] | None = None
    last_date: date | None = None
    last_ended: datetime | None = None


@dataclass(eq=False)
class CannotStart(Refusal):
    """The meeting of ``day`` was cancelled or has ended, so it cannot start."""

    day: date


@dataclass(eq=False)
class NotTheNextMeeting(Refusal):
    """`start DAY` named ``asked``, but the next meeting is on ``next_day`` at ``next_start``."""

    series_title: str
    next_day: date
    next_start: datetime
    asked: date


@dataclass(eq=False)
class TooEarlyToStart(Refusal):
    """The next meeting (``next_day``, ``next_start``) is more than ``margin`` away."""

    series_title: str
    next_day: date
    next_start: datetime
    margin: timedelta


@dataclass(eq=False)
class MeetingAlreadyRunning(Refusal):
    """The next meeting has started, so it can no longer be ``wanted`` (skipped, moved)."""

    wanted: Literal["skip", "reschedule"]


@dataclass(eq=False)
class DayPassed(Refusal):
    """``day`` is already in the past."""

    day: date


@dataclass(eq=False)
class AlreadySkipped(Refusal):
    """The meeting of ``day`` is already cancelled."""

    day: date


@dataclass(eq=False)
class AlreadyStarted(Refusal):
    """The meeting of ``day`` has already started."""

    day: date


@dataclass(eq=False)
class NothingToUnskip(Refusal):
    """`unskip`: no meeting of the series is cancelled for an empty agenda (skip_if_empty)."""

    series_title: str


@dataclass(eq=False)
class NotSkipped(Refusal):
    """`unskip DAY`: the meeting of ``day`` is not cancelled."""

    day: date


@dataclass(eq=False)
class SkippedByChair(Refusal):
    """`unskip DAY`: the meeting of ``day`` was cancelled by a chair's `skip`, which `unskip`
    does not undo (its agenda moved to the next meeting)."""

    day: date


@dataclass(eq=False)
class TooLateToUnskip(Refusal):
    """`unskip`: the meeting of ``day``, cancelled for an empty agenda, was due at ``start``,
    which has passed."""

    day: date
    start: datetime


@dataclass(eq=False)
class NoMeetingOnDay(Refusal):
    """The series does not meet on ``day``; its next meetings are on ``next_days``."""

    series_title: str
    day: date
    next_days: tuple[date, ...] = ()


@dataclass(eq=False)
class TimeInPast(Refusal):
    """The time asked for, ``start``, has passed."""

    start: datetime


@dataclass(eq=False)
class AlreadyAt(Refusal):
    """The meeting already starts at ``start``."""

    start: datetime


@dataclass(eq=False)
class MoveTooFar(Refusal):
    """A meeting moves by a year at the most."""


@dataclass(eq=False)
class WouldRunIntoMeeting(Refusal):
    """The moved meeting would overlap the one starting at ``start``."""

    start: datetime


# Minutes: notes, decisions, action items


@dataclass(eq=False)
class NotAChairToPickItem(Refusal):
    """Only a chair moves the running meeting on to another item (`item N`)."""


@dataclass(eq=False)
class ActionAlreadyDone(Refusal):
    """Action item ``number`` is already closed."""

    number: int


@dataclass(eq=False)
class ActionNotClosed(Refusal):
    """Action item ``number`` is open, so it cannot be reopened."""

    number: int


@dataclass(eq=False)
class NothingToUndo(Refusal):
    """The speaker recorded nothing in this meeting."""


@dataclass(eq=False)
class NoItemUnderDiscussion(Refusal):
    """``verb`` without an item number needs an item under discussion, and none is."""

    verb: str


@dataclass(eq=False)
class NoSuchNoteOrDecision(Refusal):
    """The meeting has no ``kind`` (note, decision) ``number`` (or it was removed)."""

    kind: str
    number: int


@dataclass(eq=False)
class RecordClosed(Refusal):
    """The next meeting has no ``kind`` (note, decision) ``number``; the meeting that ended at
    ``ended``, more than its series' ``attendance_grace`` ago, has one, but its record is
    closed."""

    kind: str
    number: int
    ended: datetime


@dataclass(eq=False)
class NoSuchAction(Refusal):
    """The series has no action item ``number``."""

    number: int


@dataclass(eq=False)
class ActionOfEarlierMeeting(Refusal):
    """Action item ``number`` belongs to an earlier meeting, whose record is final."""

    number: int


@dataclass(eq=False)
class NotYours(Refusal):
    """The ``kind`` (note, decision, action item) ``number`` is its author's or a chair's."""

    kind: str
    number: int


@dataclass(eq=False)
class NotYourAction(Refusal):
    """Only action item ``number``'s owners, author or a chair may ``verb`` it (close…)."""

    number: int
    verb: str


# Attendance


@dataclass(eq=False)
class NotOneMention(Refusal):
    """`here @…` named something that is not one person's mention."""


@dataclass(eq=False)
class NobodyCalled(Refusal):
    """`here` mentioned ``name``, and nobody answers to it."""

    name: str


@dataclass(eq=False)
class IsABot(Refusal):
    """`here` named ``name``, a bot: bots do not attend meetings."""

    name: str


@dataclass(eq=False)
class NotAChairToMarkOthers(Refusal):
    """Only a chair marks someone else present."""


# Regrets


@dataclass(eq=False)
class NobodyToExcuse(Refusal):
    """A chair's `regrets NAME` named ``name``, and nobody answers to it."""

    name: str


@dataclass(eq=False)
class NoRegretsToWithdraw(Refusal):
    """`regrets off` for ``name`` (None: the speaker), who sent none for the meeting of ``day``."""

    name: str | None
    day: date


# People


@dataclass(eq=False)
class InitialsTaken(Refusal):
    """``initials`` are already ``holder``'s."""

    initials: str
    holder: str


# The archive


@dataclass(eq=False)
class NoMeetingHeld(Refusal):
    """The series held no meeting on ``day`` (``skipped`` if it was cancelled); ``held`` are
    the days it did meet."""

    series_title: str
    day: date
    skipped: bool
    held: tuple[date, ...]


# Quick votes (issue 15)


@dataclass(eq=False)
class NoQuickVoteOpen(Refusal):
    """A ballot or `vote close` while no quick vote is open in the running meeting."""


@dataclass(eq=False)
class NoSuchVoteOption(Refusal):
    """A ballot for an option the open quick vote (``number``) does not have."""

    choice: str
    number: int
    options: tuple[str, ...]


@dataclass(eq=False)
class NotVoteOpener(Refusal):
    """`vote close` by someone who neither opened quick vote ``number`` nor chairs."""

    number: int


@dataclass(eq=False)
class QuickVoteClosed(Refusal):
    """Quick vote ``number`` was closed meanwhile."""

    number: int


# Governance votes


@dataclass(eq=False)
class NoRoster(Refusal):
    """A governance vote in a series whose botrc section names no roster (``votes = NAME``)."""

    series_title: str


@dataclass(eq=False)
class RosterUnreadable(Refusal):
    """The series' roster could not be made into Zulip users now (a group Zulip would not
    list, members it does not know): nobody can vote until it is mended."""

    roster: str
    reason: str


@dataclass(eq=False)
class UnknownPolicy(Refusal):
    """``vote open POLICY: …`` named no policy of the botrc's table."""

    policy: str
    known: tuple[str, ...]


@dataclass(eq=False)
class NotOnRoster(Refusal):
    """A ballot, or ``vote open``, from someone not on the vote's roster (opening: nor a
    chair); ``number`` is None for ``vote open``."""

    number: int | None
    roster: str


@dataclass(eq=False)
class SameVoteOpen(Refusal):
    """``vote open`` on the text of a vote (``number``) still open in the series."""

    number: int


@dataclass(eq=False)
class VoteDeadlinePassed(Refusal):
    """``until DAY`` names a day that has ended Anywhere on Earth."""

    until: date
    today: date


@dataclass(eq=False)
class VoteDeadlineTooSoon(Refusal):
    """``until DAY`` ends before the policy's minimum period; ``earliest`` is allowed."""

    until: date
    earliest: date
    policy: str


@dataclass(eq=False)
class SensitiveNeedsLink(Refusal):
    """A sensitive vote opened without ``link URL``: its ballots are cast there."""

    policy: str


@dataclass(eq=False)
class LinkOnlyForSensitive(Refusal):
    """``link URL`` given for a policy whose ballots meetbot collects."""

    policy: str


@dataclass(eq=False)
class NoSuchGovernanceVote(Refusal):
    """No governance vote has this number."""

    number: int


@dataclass(eq=False)
class GovernanceVoteClosed(Refusal):
    """Vote ``number`` is over: ``verdict`` is how it ended ("passed", "cancelled"…)."""

    number: int
    verdict: str


@dataclass(eq=False)
class NoGovernanceVoteOpen(Refusal):
    """A ballot or ``vote status`` without a number, and no governance vote open here."""

    series_title: str


@dataclass(eq=False)
class SeveralGovernanceVotesOpen(Refusal):
    """A ballot or ``vote status`` without a number, and several votes open: say which."""

    numbers: tuple[int, ...]


@dataclass(eq=False)
class SensitiveVoteElsewhere(Refusal):
    """A ballot on a sensitive vote, whose ballots are cast at ``link``."""

    number: int
    link: str


@dataclass(eq=False)
class NotABallot(Refusal):
    """``vote TEXT`` with no meeting running (so no quick vote) while a governance vote is
    open, or naming a vote's number: a ballot whose choice is not yes, no or abstain."""

    said: str


@dataclass(eq=False)
class NotVoteCanceller(Refusal):
    """``vote cancel N`` by someone who neither opened vote N nor chairs its series."""

    number: int


# Personal reminders


@dataclass(eq=False)
class ReminderTooEarly(Refusal):
    """``remind me OFFSET`` with ``offset`` more than ``most`` before each meeting."""

    offset: timedelta
    most: timedelta

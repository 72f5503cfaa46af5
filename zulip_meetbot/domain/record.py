"""A meeting's record as plain values: what the notes templates, replies and summaries read.

These are the values that cross from the domain to the views; they hold no ORM rows and no
Zulip dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.domain.voting import (
    Outcome,
    Policy,
    Tally,
    aoe_day_text,
    reminder_times,
    result,
)
from zulip_meetbot.timeutil import local_date


@dataclass(frozen=True)
class Meeting:
    """One occurrence of a series as the rest of the bot sees it: its row's facts, with its
    date and topic in the series' own terms."""

    id: int
    series_slug: str
    occurrence_start: datetime  # aware UTC: the rule's instant, the occurrence's identity
    scheduled_start: datetime  # aware UTC: when it really starts
    date: date  # in the series' own zone
    topic: str
    cancelled: bool
    started_at: datetime | None
    ended_at: datetime | None
    attendance_message_id: int | None
    notes_file: str | None

    @property
    def is_running(self) -> bool:
        return self.started_at is not None and self.ended_at is None

    @property
    def was_moved(self) -> bool:
        return self.scheduled_start != self.occurrence_start


# The facts of a meeting's row a Meeting carries: what the store reads for one.
MEETING_FACTS = (
    "id",
    "series_slug",
    "occurrence_start",
    "scheduled_start",
    "cancelled",
    "started_at",
    "ended_at",
    "attendance_message_id",
    "notes_file",
)


def meeting_of(
    series: SeriesConfig,
    *,
    id: int,
    series_slug: str,
    occurrence_start: datetime,
    scheduled_start: datetime,
    cancelled: bool,
    started_at: datetime | None,
    ended_at: datetime | None,
    attendance_message_id: int | None,
    notes_file: str | None,
) -> Meeting:
    """The meeting with these facts (``MEETING_FACTS``), dated and named in ``series``."""
    day = local_date(scheduled_start, series.zone)
    return Meeting(
        id=id,
        series_slug=series_slug,
        occurrence_start=occurrence_start,
        scheduled_start=scheduled_start,
        date=day,
        topic=series.topic_for(day),
        cancelled=cancelled,
        started_at=started_at,
        ended_at=ended_at,
        attendance_message_id=attendance_message_id,
        notes_file=notes_file,
    )


@dataclass(frozen=True)
class Attendee:
    """One row of the attendees table."""

    user_id: int | None
    name: str
    initials: str
    affiliation: str
    github: str


@dataclass(frozen=True)
class DiscussionNote:
    """A note said under an item, credited to its author."""

    author_initials: str
    author_name: str
    text: str
    number: int = 0  # its place among the meeting's notes: `note edit N`


@dataclass(frozen=True)
class Decision:
    """Something the meeting agreed (``agreed TEXT``), under the item current at the time."""

    text: str
    author_initials: str
    item_number: str | None  # None when no item was current
    number: int = 0  # its place among the meeting's decisions: `agreed edit N`


@dataclass(frozen=True)
class ActionItem:
    """Someone's next step (``action TEXT``); owners are the people it mentions."""

    number: int  # stable within the series: `action done N`
    text: str  # as typed, Zulip mentions included
    owners: tuple[str, ...]  # owners' names; empty for an unowned action
    owner_initials: tuple[str, ...]
    author_initials: str
    item_number: str | None
    done: bool
    meeting_date: date  # the meeting that recorded it


@dataclass(frozen=True)
class VoteOption:
    """One option of a quick vote: its name, the emoji that casts it, its ballots so far."""

    name: str
    emoji_name: str  # Zulip's name for it, as in `:+1:`
    emoji_code: str  # Zulip's code for it (a reaction's ``emoji_code``)
    count: int = 0


@dataclass(frozen=True)
class QuickVote:
    """``vote QUESTION`` in a meeting: its options with their counts, open or closed."""

    id: int
    number: int  # 1, 2… within its meeting
    question: str
    options: tuple[VoteOption, ...]
    opener_id: int
    message_id: int | None  # the vote message, once Zulip has it
    closed: bool
    item_number: str | None = None  # the item current when it was opened

    @property
    def ballots(self) -> int:
        return sum(option.count for option in self.options)

    @property
    def result(self) -> str:
        """The line the notes' decisions record: "Vote: QUESTION — yes 5, no 1, abstain 2"."""
        counts = ", ".join(f"{option.name} {option.count}" for option in self.options)
        return f"Vote: {self.question} — {counts}"


@dataclass(frozen=True)
class AgendaItem:
    """An agenda item with its stable number (``"1"``, ``"1.2"``) and its sub-items."""

    number: str
    text: str
    proposer_initials: str
    proposer_name: str
    # False for a sub-item by its parent's proposer: the reference omits its initials.
    show_initials: bool
    done: bool
    notes: tuple[DiscussionNote, ...] = ()
    children: tuple[AgendaItem, ...] = ()
    deferred: bool = False  # moved to the next meeting (`agenda defer N`)
    decisions: tuple[Decision, ...] = ()
    actions: tuple[ActionItem, ...] = ()
    # Its timebox (`agenda time N DURATION`; None: none), and how long it was discussed: the
    # seconds summed so far, and the running stretch since ``discussing_since`` while current.
    planned_seconds: int | None = None
    discussed_seconds: int = 0
    discussing_since: datetime | None = None

    @property
    def planned_minutes(self) -> int | None:
        """Its timebox in whole minutes; None without one."""
        return None if self.planned_seconds is None else minutes_of(self.planned_seconds)

    @property
    def actual_minutes(self) -> int | None:
        """How long it was discussed, in minutes (at least 1 once discussed at all); None if
        it never was. A running stretch is not counted: the notes are written at the end."""
        return minutes_of(self.discussed_seconds) if self.discussed_seconds else None

    def discussed_by(self, now: datetime) -> int:
        """Seconds it has been discussed by ``now``, its running stretch included."""
        return self.discussed_seconds + stretch(self.discussing_since, now)


def stretch(since: datetime | None, now: datetime) -> int:
    """Whole seconds from ``since`` to ``now`` (0 without a start): a running discussion."""
    return 0 if since is None else max(0, int((now - since).total_seconds()))


def minutes_of(seconds: int) -> int:
    """``seconds`` as whole minutes, rounded half up, and at least 1 when there are any: an
    item discussed for 20 seconds was discussed."""
    return 0 if seconds <= 0 else max(1, (seconds + 30) // 60)


def planned_of(items: tuple[AgendaItem, ...]) -> int:
    """The planned seconds of ``items``: each one's timebox, or (without one) its sub-items';
    deferred items leave this meeting, so they plan nothing in it."""
    return sum(
        item.planned_seconds if item.planned_seconds is not None else planned_of(item.children)
        for item in items
        if not item.deferred
    )


@dataclass(frozen=True)
class AgendaSection:
    """A ``## Section`` of the notes with its top-level items in agenda order."""

    name: str
    items: tuple[AgendaItem, ...] = ()


@dataclass(frozen=True)
class MeetingRecord:
    """Everything the notes file of one meeting shows."""

    series_slug: str
    title: str
    date: date  # the meeting's date in the series' own zone
    start_utc: datetime  # aware, UTC
    timezone: str
    video_link: str
    video_label: str
    description: str
    attendees: tuple[Attendee, ...]
    sections: tuple[AgendaSection, ...]
    # Collected from the items above, in the order they were said.
    decisions: tuple[Decision, ...] = ()
    actions: tuple[ActionItem, ...] = ()
    # Actions of earlier meetings still open when this one began.
    open_actions: tuple[ActionItem, ...] = ()
    # What moves to the next meeting as deferred: deferred items (a sub-item with its parent's
    # text, as it will read there) and a section for later's unticked items. They also stay in
    # their sections.
    deferred: tuple[AgendaItem, ...] = ()
    # Everything the next meeting inherits at `end` under the series' `carry_over`: the above
    # and, with `carry_over = unticked`, every unticked item, each with the sub-items it takes
    # along (agenda.handed_on decides; carry_over copies exactly these).
    handed_on: tuple[AgendaItem, ...] = ()
    # The meeting's quick votes (`vote QUESTION`), in the order they were opened; a closed
    # one's result is among the decisions too.
    votes: tuple[QuickVote, ...] = ()
    # The series' governance votes open when the meeting ended (still open now, for one not
    # ended), and those closed since the previous meeting held, as the notes announce them.
    ongoing_votes: tuple[AnnouncedVote, ...] = ()
    closed_votes: tuple[AnnouncedVote, ...] = ()
    # Who sent regrets (`regrets`, a chair's `regrets NAME`, 👎 on a reminder) and did not
    # attend after all, by name as the attendees table writes them, in the order they sent them.
    regrets: tuple[str, ...] = ()

    @property
    def planned_seconds(self) -> int:
        """The agenda's planned time: its items' timeboxes (0: none has one)."""
        return sum(planned_of(section.items) for section in self.sections)

    @property
    def planned_minutes(self) -> int:
        return minutes_of(self.planned_seconds)


CHOICES = ("yes", "no", "abstain")


@dataclass(frozen=True)
class GovernanceBallot:
    """A roster member's latest ballot in a governance vote."""

    user_id: int
    choice: str  # yes, no or abstain
    comment: str | None
    cast_at: datetime
    changes: int  # how many times it was changed after the first


@dataclass(frozen=True)
class GovernanceVote:
    """``vote open POLICY: TEXT``: a roster's vote under a policy, open or decided."""

    number: int
    series_slug: str
    policy: Policy
    text: str
    link: str | None  # a sensitive vote's platform, where its ballots are cast
    roster_name: str
    roster: tuple[int, ...]  # the voters' Zulip user ids when it opened
    opener_id: int
    opened_at: datetime
    deadline: datetime
    message_id: int | None  # the call, once Zulip has it
    ballots: tuple[GovernanceBallot, ...]
    reminders: tuple[datetime, ...]  # when each reminder posted so far was claimed
    closed_at: datetime | None
    verdict: str | None  # once closed: a Verdict's value, or "cancelled"
    timed_out: bool
    closed_by: int | None  # who cancelled it

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def cancelled(self) -> bool:
        return self.verdict == CANCELLED

    @property
    def sensitive(self) -> bool:
        """Whether it collects no ballots here (they are cast at ``link``)."""
        return self.policy.sensitive

    @property
    def tally(self) -> Tally:
        """The ballots counted so far."""
        return tally_of(self.ballots)

    @property
    def not_voted(self) -> tuple[int, ...]:
        """Roster members without a ballot, in roster order."""
        voted = {ballot.user_id for ballot in self.ballots}
        return tuple(user_id for user_id in self.roster if user_id not in voted)

    @property
    def reminder_times(self) -> tuple[datetime, ...]:
        """When its reminders are due: the midpoint and one day before the deadline."""
        return reminder_times(self.opened_at, self.deadline)

    def outcome(self, now: datetime) -> Outcome:
        """Its result at ``now`` (OPEN while the deadline is ahead and someone has not voted)."""
        closes = self.closed_at or now
        return result(
            self.policy,
            len(self.roster),
            self.tally,
            open_for=closes - self.opened_at,
            reminders_posted=len(self.reminders),
            complete=self.closed_at is not None or closes >= self.deadline or not self.not_voted,
        )


CANCELLED = "cancelled"


def tally_of(ballots: tuple[GovernanceBallot, ...]) -> Tally:
    """How many of ``ballots`` say yes, no and abstain."""
    return Tally(*(sum(b.choice == c for b in ballots) for c in CHOICES))


@dataclass(frozen=True)
class AnnouncedVote:
    """A governance vote as a meeting's notes and reminders announce it: plain values, as the
    vote stood at an instant (the meeting's end)."""

    number: int
    policy: str  # the policy's name
    text: str
    deadline: datetime  # aware UTC
    deadline_day: str  # the day it ends, as the rules say it: "2026-12-18 AoE"
    ballots: int  # ballots cast by the instant (a sensitive vote's are elsewhere: 0)
    roster_size: int
    tally: Tally  # yes, no, abstain of those ballots
    verdict: str | None  # None while open; else "passed", "failed", "cancelled"…
    timed_out: bool  # resolved on the ballots cast by the timeout rules, without quorum
    sensitive: bool  # its ballots are cast on another platform

    @property
    def is_open(self) -> bool:
        return self.verdict is None


def announced(vote: GovernanceVote, at: datetime | None = None) -> AnnouncedVote:
    """``vote`` as it stood at ``at`` (None: as it stands): the ballots cast by then, its
    verdict if it had closed by then. A ballot changed after ``at`` counts as of its change."""
    ballots = tuple(b for b in vote.ballots if at is None or b.cast_at <= at)
    closed = vote.closed_at is not None and (at is None or vote.closed_at <= at)
    return AnnouncedVote(
        number=vote.number,
        policy=vote.policy.name,
        text=vote.text,
        deadline=vote.deadline,
        deadline_day=aoe_day_text(vote.deadline),
        ballots=len(ballots),
        roster_size=len(vote.roster),
        tally=tally_of(ballots),
        verdict=vote.verdict if closed else None,
        timed_out=vote.timed_out and closed,
        sensitive=vote.sensitive,
    )

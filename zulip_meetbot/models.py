"""The SQLite tables, as SQLAlchemy 2.0 typed ORM classes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC instant, stored naive (SQLite has no zones) and handed back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; store aware UTC instants")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    if TYPE_CHECKING:
        # Each class here maps one table of its own (no join, no select), which Core's insert
        # and update take; SQLAlchemy can only promise a FromClause.
        __table__: ClassVar[Table]


class MeetingRow(Base):
    """One occurrence of a series, created when something first refers to it.

    ``occurrence_start`` is the instant the series' rule gives and names the occurrence for
    good; ``scheduled_start`` is when it really starts (they differ once it is rescheduled).
    """

    __tablename__ = "meeting"
    __table_args__ = (
        UniqueConstraint("series_slug", "occurrence_start"),
        # Every command looks up its series' running, last ended and next meetings by start.
        Index("ix_meeting_series_start", "series_slug", "scheduled_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_slug: Mapped[str] = mapped_column(String(100), index=True)
    occurrence_start: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduled_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    attendance_message_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    notes_file: Mapped[str | None] = mapped_column(Text, default=None)
    # Why it was cancelled: None (a chair's `skip`) or "empty" (skip_if_empty: no agenda item),
    # which a chair's `unskip` may undo before the start; "unskipped" (not cancelled): it was,
    # and a chair's `unskip` undid it, so skip_if_empty leaves it be.
    cancel_reason: Mapped[str | None] = mapped_column(String(20), default=None)
    # The item under discussion (`item N`); notes, decisions and actions go under it.
    current_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("item.id", use_alter=True), default=None
    )


class ItemRow(Base):
    """An agenda item; removed items stay (flagged) so their numbers are never reused."""

    __tablename__ = "item"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"), default=None)
    number: Mapped[str] = mapped_column(String(50))
    section: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    proposer_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    deferred: Mapped[bool] = mapped_column(Boolean, default=False)
    # The item of an earlier meeting this one was carried over from.
    carried_from_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Its timebox (`agenda time N DURATION`), and how long it was under discussion: seconds
    # summed over each time it was current, the running stretch since `discussing_since`.
    planned_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    discussed_seconds: Mapped[int] = mapped_column(Integer, default=0)
    discussing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    nudges: Mapped[int] = mapped_column(Integer, default=0)  # overrun nudges posted (0–2)


class NoteRow(Base):
    """A discussion note under an item, credited to its author."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    author_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PersonRow(Base):
    """A person's row in the attendees table: their own choices (``profile …``) win over what
    the organization's Zulip profile fields say.

    Guests added by a chair (``here NAME``) have no Zulip account and a negative id.
    """

    __tablename__ = "person"

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    full_name: Mapped[str] = mapped_column(String(200))
    initials: Mapped[str | None] = mapped_column(String(20), default=None)
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    github: Mapped[str] = mapped_column(String(100), default="")
    zulip_affiliation: Mapped[str] = mapped_column(String(200), default="")
    zulip_github: Mapped[str] = mapped_column(String(100), default="")
    is_guest: Mapped[bool] = mapped_column(Boolean, default=False)


class DecisionRow(Base):
    """``agreed TEXT``: a decision, under the item current when it was said."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"), default=None)
    author_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ActionRow(Base):
    """``action TEXT``: someone's next step; open until ``action done N``."""

    __tablename__ = "action"
    __table_args__ = (UniqueConstraint("series_slug", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_slug: Mapped[str] = mapped_column(String(100), index=True)
    number: Mapped[int] = mapped_column(Integer)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"), default=None)
    author_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ActionOwnerRow(Base):
    __tablename__ = "action_owner"

    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class AttendanceRow(Base):
    """Someone present at a meeting, by ``here`` or by at least one reaction."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    user_id: Mapped[int] = mapped_column(Integer)
    said_here: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)


class AttendanceReactionRow(Base):
    """One emoji reaction on an attendance message: presence ends with a person's last one."""

    __tablename__ = "attendance_reaction"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reaction_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    emoji_code: Mapped[str] = mapped_column(String(100), primary_key=True)


class SentActionRow(Base):
    """A scheduled action (reminder, auto-start, auto-end) already taken, or deliberately dropped.

    Claimed in its own transaction before the post goes out, so a restart never repeats it.
    """

    __tablename__ = "sent_action"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    series_slug: Mapped[str] = mapped_column(String(100), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # "claimed", "posted" or "dropped"
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(Integer, default=None)
    # A posted reminder edited since (its meeting moved or was cancelled): when, last.
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class HandledMessageRow(Base):
    """A Zulip message already acted on, recorded in the same transaction as its effect."""

    __tablename__ = "handled_message"

    message_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReplyRow(Base):
    """The answer to a command, written in the command's own transaction.

    ``posted_id`` is the Zulip message that carried it. One still without it after a restart was
    cut off by the stop: it is looked for in its conversation and posted if it is not there.
    """

    __tablename__ = "reply"

    message_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    posted_id: Mapped[int | None] = mapped_column(Integer, default=None)


class OwedPostRow(Base):
    """A post in a meeting's topic (attendance message, summary, reminder), written in the same
    transaction as what it announces.

    ``posted_id`` is the Zulip message that carried it. One still without it (a kill, or Zulip
    refusing for a while) is looked for in its topic and posted if it is not there, until
    ``expires_at`` if it has one. ``key`` is a scheduled action's key for a reminder.
    """

    __tablename__ = "owed_post"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "attendance", "summary" or "reminder"
    meeting_id: Mapped[int] = mapped_column(Integer)
    stream: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    posted_id: Mapped[int | None] = mapped_column(Integer, default=None)


class PublicationRow(Base):
    """A meeting's notes (or a vote's results) published to the series' repository: what was
    pushed last, and what is still to do (``next_attempt_at``: pending, None: done or waiting
    for a change).

    ``version`` counts the times the notes were wanted published: an attempt that began at
    one version leaves the row pending when another came meanwhile.
    """

    __tablename__ = "publication"
    __table_args__ = (UniqueConstraint("vote_number", name="uq_publication_vote_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Of a meeting's notes, or (revision 0005) of a governance vote's results file: one is set.
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"), unique=True)
    vote_number: Mapped[int | None] = mapped_column(Integer, default=None)
    series_slug: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=0)
    # The SHA-256 (hex) of the notes last pushed, and the notes themselves: git is given them
    # as `previous`, to tell someone else's change of the file from ours.
    content_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    content: Mapped[str | None] = mapped_column(Text, default=None)
    commit_sha: Mapped[str | None] = mapped_column(String(64), default=None)
    branch: Mapped[str | None] = mapped_column(Text, default=None)
    pull_request_number: Mapped[int | None] = mapped_column(Integer, default=None)
    pull_request_url: Mapped[str | None] = mapped_column(Text, default=None)
    # Failed attempts in a row, since the last success.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True, default=None)
    last_problem: Mapped[str | None] = mapped_column(Text, default=None)
    chairs_told: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuickVoteRow(Base):
    """``vote QUESTION`` in a running meeting: its options, and once closed, its decision."""

    __tablename__ = "quick_vote"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2… within its meeting
    question: Mapped[str] = mapped_column(Text)
    # The options, one a line, in order (none holds a newline: the parser refuses it).
    options: Mapped[str] = mapped_column(Text)
    opener_id: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"), default=None)
    # The vote message in Zulip, whose reactions are ballots (None until Zulip has it).
    message_id: Mapped[int | None] = mapped_column(Integer, index=True, default=None)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"), default=None)


class QuickBallotRow(Base):
    """One person's ballot in a quick vote: the latest they cast; withdrawn, it is deleted."""

    __tablename__ = "quick_ballot"

    vote_id: Mapped[int] = mapped_column(ForeignKey("quick_vote.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    option: Mapped[int] = mapped_column(Integer)  # its index among the vote's options
    by_reaction: Mapped[bool] = mapped_column(Boolean, default=False)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GovernanceVoteRow(Base):
    """``vote open POLICY: TEXT``: a governance vote of a series' roster, open until its
    deadline (or until everyone voted), then closed with its verdict, or cancelled."""

    __tablename__ = "governance_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Numbered across all series: `vote yes 3` by direct message names one vote.
    number: Mapped[int] = mapped_column(Integer, unique=True)
    series_slug: Mapped[str] = mapped_column(String(100), index=True)
    # The policy as it was when the vote opened (a botrc edit does not change a running vote).
    policy: Mapped[str] = mapped_column(String(100))
    policy_spec: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text, default=None)  # sensitive: where to vote
    roster_name: Mapped[str] = mapped_column(String(100))
    # The voters' Zulip user ids, one a line: the roster when the vote opened.
    roster: Mapped[str] = mapped_column(Text)
    opener_id: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(Integer, default=None)  # the call
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The verdict's words once closed ("passed", "did not reach quorum"…) or "cancelled".
    verdict: Mapped[str | None] = mapped_column(String(40), default=None)
    timed_out: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_by: Mapped[int | None] = mapped_column(Integer, default=None)  # who cancelled


class GovernanceBallotRow(Base):
    """A roster member's ballot in a governance vote: the latest they cast."""

    __tablename__ = "governance_ballot"

    vote_id: Mapped[int] = mapped_column(ForeignKey("governance_vote.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    choice: Mapped[str] = mapped_column(String(10))  # yes, no or abstain
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changes: Mapped[int] = mapped_column(Integer, default=0)  # times changed after the first


class VoteReminderRow(Base):
    """A governance vote's reminder, claimed before it is posted: never posted twice."""

    __tablename__ = "vote_reminder"

    vote_id: Mapped[int] = mapped_column(ForeignKey("governance_vote.id"), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1: midpoint, 2: day before
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(Integer, default=None)


class RegretRow(Base):
    """Someone cannot come to a meeting (`regrets`, a chair's `regrets NAME`, or 👎 on one of
    its reminders); attending after all makes them an attendee, not a regret."""

    __tablename__ = "regret"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    said_by: Mapped[int] = mapped_column(Integer)  # themselves, or the chair who said it
    by_reaction: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PersonalReminderRow(Base):
    """`remind me [OFFSET]`: a direct message to ``user_id`` that long before each meeting of
    the series (each sent once: a scheduled action's key)."""

    __tablename__ = "personal_reminder"

    series_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset_seconds: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

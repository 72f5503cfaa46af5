"""Governance votes: a series' roster votes on a text under a policy, over days.

Transaction scripts over ORM rows, given a ``Session``: opening a vote (its deadline, its
voters fixed), ballots (one per roster member, the latest counting), cancelling, closing with
the verdict the rules give, and the reminders claimed before they are posted, so none is
posted twice. What leaves is a ``GovernanceVote`` value; the rules themselves are ``voting``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy.orm import Session

from zulip_meetbot import refusals, store
from zulip_meetbot.domain import voting
from zulip_meetbot.domain.record import (
    CANCELLED,
    CHOICES,
    AnnouncedVote,
    GovernanceBallot,
    GovernanceVote,
    announced,
)
from zulip_meetbot.domain.voting import Policy, Verdict
from zulip_meetbot.models import GovernanceBallotRow, GovernanceVoteRow, VoteReminderRow

REMIND = "remind"
CLOSE = "close"
# A sensitive vote's verdict: its ballots and result are on its platform.
HELD_ELSEWHERE = "held elsewhere"
# The bounds of an open window of closing instants.
_EVER = datetime(1, 1, 2, tzinfo=timezone.utc)
_NEVER = datetime(9999, 12, 30, tzinfo=timezone.utc)


@dataclass(frozen=True)
class VoteAction:
    """Something a governance vote wants done at an instant: a reminder or its close."""

    number: int
    kind: str  # REMIND or CLOSE
    at: datetime
    ordinal: int = 0  # a reminder's: 1 the midpoint, 2 the day before

    @property
    def key(self) -> str:
        """The scheduler's job id for it."""
        suffix = f"-{self.ordinal}" if self.kind == REMIND else ""
        return f"{VOTE_JOB}{self.number}-{self.kind}{suffix}"


# How every governance vote's job id starts.
VOTE_JOB = "vote-"


@dataclass(frozen=True)
class BallotCast:
    """A ballot's effect: the vote as it now stands, and the choice it replaced (if any)."""

    vote: GovernanceVote
    choice: str
    previous: str | None  # the voter's earlier choice; None: their first ballot
    changed: bool  # False: the same choice (and comment) again


def open_vote(
    session: Session,
    *,
    series_slug: str,
    policy: Policy,
    text: str,
    link: str | None,
    roster_name: str,
    roster: Sequence[int],
    opener_id: int,
    now: datetime,
    until: date | None,
    meeting_cycle: timedelta | None = None,
) -> GovernanceVote:
    """Open a vote, numbered after every earlier one; refused (nothing changed) when a vote on
    the same text is open in the series or the deadline breaks the policy's rules."""
    if not roster:
        raise ValueError("a vote needs a roster with members")
    wanted = _same_text(text)
    for row in store.open_governance_votes(session, series_slug):
        if _same_text(row.text) == wanted:
            raise refusals.SameVoteOpen(row.number)
    try:
        closes = voting.deadline(now, until, policy, meeting_cycle=meeting_cycle)
    except voting.DeadlineInPast as late:
        raise refusals.VoteDeadlinePassed(late.until, late.today) from None
    except voting.DeadlineTooSoon as soon:
        raise refusals.VoteDeadlineTooSoon(soon.until, soon.earliest, policy.name) from None
    row = GovernanceVoteRow(
        number=store.last_governance_vote_number(session) + 1,
        series_slug=series_slug,
        policy=policy.name,
        policy_spec=voting.policy_spec(policy),
        text=text,
        link=link,
        roster_name=roster_name,
        roster="\n".join(str(user_id) for user_id in dict.fromkeys(roster)),
        opener_id=opener_id,
        opened_at=now,
        deadline=closes,
        timed_out=False,
    )
    session.add(row)
    session.flush()
    return _value(session, row)


def vote(session: Session, number: int) -> GovernanceVote:
    """The vote numbered ``number``, open or not; refused when there is none."""
    return _value(session, _row(session, number))


def open_votes(session: Session, series_slug: str | None = None) -> list[GovernanceVote]:
    """The votes still open (of one series, or all), oldest first."""
    return [_value(session, row) for row in store.open_governance_votes(session, series_slug)]


def closed_between(
    session: Session, series_slug: str, since: datetime, until: datetime
) -> list[GovernanceVote]:
    """The series' votes closed (decided or cancelled) in [since, until)."""
    rows = store.governance_votes_closed_between(session, series_slug, since, until)
    return [_value(session, row) for row in rows]


def open_at(session: Session, series_slug: str, instant: datetime) -> list[GovernanceVote]:
    """The series' votes open at ``instant`` (opened by then, closed only after it, if at all),
    oldest first: what a meeting that ended then saw open, however late it is asked."""
    rows = store.governance_votes_open_at(session, series_slug, instant)
    return [_value(session, row) for row in rows]


def announced_votes(
    session: Session, series_slug: str, since: datetime | None, end: datetime | None
) -> tuple[tuple[AnnouncedVote, ...], tuple[AnnouncedVote, ...]]:
    """What a meeting ended at ``end`` (None: not ended) announces: the votes open then, as
    they stood then, and those closed in [since, end) (since None: ever)."""
    if end is None:
        ongoing = [announced(vote) for vote in open_votes(session, series_slug)]
    else:
        ongoing = [announced(vote, end) for vote in open_at(session, series_slug, end)]
    closed = closed_between(session, series_slug, since or _EVER, end or _NEVER)
    return tuple(ongoing), tuple(announced(vote) for vote in closed)


def series_of(session: Session, number: int) -> str | None:
    """The slug of the series whose vote is numbered ``number``; None if none is."""
    row = store.governance_vote(session, number)
    return None if row is None else row.series_slug


def series_of_open_votes(session: Session) -> dict[int, str]:
    """The slug of each open vote's series, by the vote's number (one query)."""
    return {row.number: row.series_slug for row in store.open_governance_votes(session, None)}


def is_open(session: Session, number: int) -> bool:
    """Whether vote ``number`` exists and is still open."""
    row = store.governance_vote(session, number)
    return row is not None and row.closed_at is None


def only_open_vote(session: Session, series_slug: str, series_title: str) -> GovernanceVote:
    """The one vote open in the series, for a ballot or `vote status` without a number."""
    votes = open_votes(session, series_slug)
    if not votes:
        raise refusals.NoGovernanceVoteOpen(series_title)
    if len(votes) > 1:
        raise refusals.SeveralGovernanceVotesOpen(tuple(v.number for v in votes))
    return votes[0]


def cast(
    session: Session, number: int, user_id: int, choice: str, comment: str | None, now: datetime
) -> BallotCast:
    """``user_id``'s ballot replaces any earlier one of theirs; refused for someone not on the
    roster, on a sensitive vote, or once the vote is closed."""
    if choice not in CHOICES:
        raise ValueError(f"a ballot is yes, no or abstain, not {choice!r}")
    row = _open_row(session, number)
    value = _value(session, row)
    if value.sensitive:
        raise refusals.SensitiveVoteElsewhere(number, row.link or "")
    if user_id not in value.roster:
        raise refusals.NotOnRoster(number, row.roster_name)
    if now >= row.deadline:
        raise refusals.GovernanceVoteClosed(number, Verdict.OPEN.value)
    ballot = store.governance_ballot(session, row.id, user_id)
    previous = None if ballot is None else ballot.choice
    changed = ballot is None or (ballot.choice, ballot.comment) != (choice, comment)
    if ballot is None:
        session.add(
            GovernanceBallotRow(
                vote_id=row.id,
                user_id=user_id,
                choice=choice,
                comment=comment,
                cast_at=now,
                changes=0,
            )
        )
    elif changed:
        ballot.changes += ballot.choice != choice
        ballot.choice, ballot.comment, ballot.cast_at = choice, comment, now
    session.flush()
    return BallotCast(_value(session, row), choice, previous, changed)


def cancel(session: Session, number: int, by: int, now: datetime) -> GovernanceVote:
    """Cancel an open vote: no verdict, no more reminders."""
    row = _open_row(session, number)
    row.closed_at, row.verdict, row.closed_by = now, CANCELLED, by
    session.flush()
    return _value(session, row)


def close_if_complete(session: Session, number: int, now: datetime) -> GovernanceVote | None:
    """Close the vote with its verdict if its deadline has come or every roster member voted;
    None while it stays open (or when it was closed already)."""
    row = store.governance_vote(session, number)
    if row is None or row.closed_at is not None:
        return None
    value = _value(session, row)
    outcome = value.outcome(now)
    if outcome.verdict is Verdict.OPEN:
        return None
    # A sensitive vote's result is on its platform: closing here only ends the reminders.
    row.closed_at = min(now, row.deadline)  # a bot that was down closes it as of its deadline
    row.verdict = HELD_ELSEWHERE if value.sensitive else outcome.verdict.value
    row.timed_out = outcome.timed_out and not value.sensitive
    session.flush()
    return _value(session, row)


def set_message(session: Session, number: int, message_id: int) -> None:
    """Zulip has the vote's call as ``message_id``."""
    row = store.governance_vote(session, number)
    if row is not None:
        row.message_id = message_id


def actions_due(session: Session) -> list[VoteAction]:
    """What the open votes still want done: their reminders not yet claimed, and each close."""
    actions = []
    rows = store.open_governance_votes(session, None)
    # One read of every open vote's claimed reminders, not one per vote.
    claimed_of: dict[int, set[int]] = {row.id: set() for row in rows}
    for reminder in store.vote_reminders_of(session, claimed_of.keys()):
        claimed_of[reminder.vote_id].add(reminder.ordinal)
    for row in rows:
        claimed = claimed_of[row.id]
        times = voting.reminder_times(row.opened_at, row.deadline)
        for ordinal, at in enumerate(times, 1):
            if ordinal not in claimed:
                actions.append(VoteAction(row.number, REMIND, at, ordinal))
        actions.append(VoteAction(row.number, CLOSE, row.deadline))
    return sorted(actions, key=lambda action: (action.at, action.number, action.ordinal))


def claim_reminder(
    session: Session, number: int, ordinal: int, now: datetime
) -> GovernanceVote | None:
    """Claim the vote's reminder ``ordinal`` before it is posted: the vote as it stands, or
    None when it was claimed already or the vote is closed (never posted twice)."""
    row = store.governance_vote(session, number)
    if row is None or row.closed_at is not None:
        return None
    if store.vote_reminder(session, row.id, ordinal) is not None:
        return None
    times = voting.reminder_times(row.opened_at, row.deadline)
    if not 1 <= ordinal <= len(times):
        return None
    session.add(
        VoteReminderRow(vote_id=row.id, ordinal=ordinal, due_at=times[ordinal - 1], claimed_at=now)
    )
    session.flush()
    return _value(session, row)


def reminder_posted(session: Session, number: int, ordinal: int, message_id: int) -> None:
    """Zulip has reminder ``ordinal`` of the vote as ``message_id``."""
    row = store.governance_vote(session, number)
    reminder = None if row is None else store.vote_reminder(session, row.id, ordinal)
    if reminder is not None:
        reminder.message_id = message_id


def _same_text(text: str) -> str:
    return " ".join(text.split()).casefold()


def _row(session: Session, number: int) -> GovernanceVoteRow:
    row = store.governance_vote(session, number)
    if row is None:
        raise refusals.NoSuchGovernanceVote(number)
    return row


def _open_row(session: Session, number: int) -> GovernanceVoteRow:
    row = _row(session, number)
    if row.closed_at is not None:
        raise refusals.GovernanceVoteClosed(number, row.verdict or "closed")
    return row


def _value(session: Session, row: GovernanceVoteRow) -> GovernanceVote:
    return GovernanceVote(
        number=row.number,
        series_slug=row.series_slug,
        policy=voting.parse_policy(row.policy, row.policy_spec),
        text=row.text,
        link=row.link,
        roster_name=row.roster_name,
        roster=tuple(int(user_id) for user_id in row.roster.split()),
        opener_id=row.opener_id,
        opened_at=row.opened_at,
        deadline=row.deadline,
        message_id=row.message_id,
        ballots=tuple(
            GovernanceBallot(b.user_id, b.choice, b.comment, b.cast_at, b.changes)
            for b in store.governance_ballots(session, row.id)
        ),
        reminders=tuple(r.claimed_at for r in store.vote_reminders(session, row.id)),
        closed_at=row.closed_at,
        verdict=row.verdict,
        timed_out=row.timed_out,
        closed_by=row.closed_by,
    )

"""Quick votes in a running meeting: opening one, ballots by reaction or by command (one per
person, the latest counts), closing with its result recorded as a decision.

Transaction scripts over ORM rows, given a ``Session``; what leaves is a ``QuickVote`` value.
Governance votes (rosters, policies, quorum) are another module's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from zulip_meetbot import refusals, store
from zulip_meetbot.domain.record import QuickVote, VoteOption
from zulip_meetbot.models import DecisionRow, ItemRow, QuickBallotRow, QuickVoteRow

# `vote QUESTION` alone asks these.
YES_NO_ABSTAIN = ("yes", "no", "abstain")
# Zulip's names and codes (GET /messages' reactions) of the emoji that cast each option.
_YES_NO_ABSTAIN_EMOJI = (("+1", "1f44d"), ("-1", "1f44e"), ("shrug", "1f937"))
_KEYCAP_NAMES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_KEYCAPS = tuple((name, f"{0x31 + i:04x}-20e3") for i, name in enumerate(_KEYCAP_NAMES))
MAX_OPTIONS = len(_KEYCAPS)


@dataclass(frozen=True)
class Ballot:
    """A ballot's effect: the vote it is in, the option now counted for its voter (None:
    withdrawn), and whether anything changed."""

    vote: QuickVote
    option: str | None
    changed: bool


def emoji_of(options: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """(Zulip emoji name, code) for each option: thumbs and a shrug for yes / no / abstain,
    keycaps 1️⃣…9️⃣ otherwise."""
    if tuple(option.casefold() for option in options) == YES_NO_ABSTAIN:
        return _YES_NO_ABSTAIN_EMOJI
    return _KEYCAPS[: len(options)]


def open_vote(
    session: Session,
    meeting_id: int,
    question: str,
    options: Sequence[str],
    opener_id: int,
    now: datetime,
) -> QuickVote:
    """Open a quick vote in the meeting, under its current item; numbered within it."""
    if not 2 <= len(options) <= MAX_OPTIONS:
        raise ValueError(f"a quick vote has 2 to {MAX_OPTIONS} options, not {len(options)}")
    meeting = store.meeting_by_id(session, meeting_id)
    row = QuickVoteRow(
        meeting_id=meeting_id,
        number=len(store.quick_votes_of(session, meeting_id)) + 1,
        question=question,
        options="\n".join(options),
        opener_id=opener_id,
        item_id=None if meeting is None else meeting.current_item_id,
        opened_at=now,
    )
    session.add(row)
    session.flush()
    return _value(session, row)


def open_votes(session: Session, meeting_id: int) -> list[QuickVote]:
    """The meeting's quick votes still open, the oldest first."""
    return [
        _value(session, row)
        for row in store.quick_votes_of(session, meeting_id)
        if row.closed_at is None
    ]


def votes_of(session: Session, meeting_id: int) -> tuple[QuickVote, ...]:
    """All the meeting's quick votes, open and closed, in the order they were opened."""
    return tuple(_value(session, row) for row in store.quick_votes_of(session, meeting_id))


def vote_by_message(session: Session, message_id: int) -> QuickVote | None:
    """The quick vote whose vote message is ``message_id``, open or closed; None if none is."""
    row = store.quick_vote_with_message(session, message_id)
    return None if row is None else _value(session, row)


def choice(text: str, votes: Sequence[QuickVote]) -> tuple[QuickVote, int] | None:
    """Which open vote and option ``vote TEXT`` names: an option's number or its name (any
    case), in the newest open vote that has it; None if none does. Pure."""
    wanted = " ".join(text.split()).casefold()
    for vote in reversed(votes):
        if wanted.isdigit() and 1 <= int(wanted) <= len(vote.options):
            return vote, int(wanted) - 1
        for index, option in enumerate(vote.options):
            if option.name.casefold() == wanted:
                return vote, index
    return None


def cast(
    session: Session, vote_id: int, user_id: int, option: int, by_reaction: bool, now: datetime
) -> Ballot:
    """``user_id``'s ballot for ``option`` (an index) replaces any earlier one of theirs."""
    row = _open_row(session, vote_id)
    ballot = store.quick_ballot(session, vote_id, user_id)
    changed = ballot is None or ballot.option != option
    if ballot is None:
        session.add(
            QuickBallotRow(
                vote_id=vote_id,
                user_id=user_id,
                option=option,
                by_reaction=by_reaction,
                cast_at=now,
            )
        )
    else:
        ballot.option, ballot.by_reaction, ballot.cast_at = option, by_reaction, now
    session.flush()
    vote = _value(session, row)
    return Ballot(vote, vote.options[option].name, changed)


def withdraw(session: Session, vote_id: int, user_id: int, option: int | None = None) -> Ballot:
    """Withdraw ``user_id``'s ballot; with ``option``, only if that is what it counts (a
    reaction removed that no longer counts withdraws nothing)."""
    row = _open_row(session, vote_id)
    ballot = store.quick_ballot(session, vote_id, user_id)
    changed = ballot is not None and (option is None or ballot.option == option)
    if ballot is not None and changed:
        session.delete(ballot)
        session.flush()
    vote = _value(session, row)
    kept = None if ballot is None or changed else vote.options[ballot.option].name
    return Ballot(vote, kept, changed)


def ballots_of(session: Session, vote_id: int) -> dict[int, tuple[int, bool]]:
    """Each voter's option (index) and whether they cast it by reaction: what catch-up
    compares with the reactions Zulip has."""
    return {
        ballot.user_id: (ballot.option, ballot.by_reaction)
        for ballot in store.quick_ballots(session, vote_id)
    }


def close(session: Session, vote_id: int, now: datetime) -> QuickVote:
    """Close the vote and record its result as a decision under the item it was opened under."""
    row = _open_row(session, vote_id)
    vote = _value(session, row)
    decision = DecisionRow(
        meeting_id=row.meeting_id,
        item_id=row.item_id,
        author_id=row.opener_id,
        text=vote.result,
        created_at=now,
    )
    session.add(decision)
    session.flush()
    row.closed_at, row.decision_id = now, decision.id
    return _value(session, row)


def close_all(session: Session, meeting_id: int, now: datetime) -> list[QuickVote]:
    """Close every vote of the meeting still open (at its `end`)."""
    return [close(session, vote.id, now) for vote in open_votes(session, meeting_id)]


def set_message(session: Session, vote_id: int, message_id: int) -> None:
    """Zulip has the vote's message as ``message_id``: its reactions are ballots from now on."""
    row = store.quick_vote(session, vote_id)
    if row is not None:
        row.message_id = message_id


def open_message_ids(session: Session) -> list[int]:
    """Vote messages whose reactions still count (their votes are open)."""
    return store.open_quick_vote_message_ids(session)


def _open_row(session: Session, vote_id: int) -> QuickVoteRow:
    row = store.quick_vote(session, vote_id)
    if row is None or row.closed_at is not None:
        raise refusals.QuickVoteClosed(0 if row is None else row.number)
    return row


def _value(session: Session, row: QuickVoteRow) -> QuickVote:
    names = row.options.split("\n")
    counts = [0] * len(names)
    for ballot in store.quick_ballots(session, row.id):
        if 0 <= ballot.option < len(counts):
            counts[ballot.option] += 1
    item = None if row.item_id is None else session.get(ItemRow, row.item_id)
    return QuickVote(
        id=row.id,
        number=row.number,
        question=row.question,
        options=tuple(
            VoteOption(name, emoji_name, code, count)
            for name, (emoji_name, code), count in zip(names, emoji_of(names), counts, strict=True)
        ),
        opener_id=row.opener_id,
        message_id=row.message_id,
        closed=row.closed_at is not None,
        item_number=None if item is None else item.number,
    )

"""A closed governance vote's results file: the record a community publishes of it.

Pure text from the ``GovernanceVote`` value, the names of the people it names and the series'
title, through the shipped template ``vote-results.md.j2`` (with the notes' filters, so
nothing typed breaks the file). A cancelled vote has no results file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone

from zulip_meetbot.config import SeriesConfig, vote_results_file
from zulip_meetbot.domain.record import GovernanceVote
from zulip_meetbot.domain.voting import aoe_date, aoe_day_text, share_text, timeout_quorum
from zulip_meetbot.notes import shipped_file_template
from zulip_meetbot.vote_views import name_of, policy_rule, verdict_words

TEMPLATE_FILE = "vote-results.md.j2"


@dataclass(frozen=True)
class Instant:
    """An instant as the file shows it: in UTC, and the day it fell on Anywhere on Earth."""

    utc: str  # 2026-12-18 12:00 UTC
    aoe: str  # 2026-12-17 AoE


@dataclass(frozen=True)
class BallotLine:
    """One voter's latest ballot, named."""

    name: str
    choice: str
    changed: bool
    comment: str | None


def has_results(vote: GovernanceVote) -> bool:
    """Whether the vote gets a results file: closed, and not cancelled."""
    return vote.closed_at is not None and not vote.cancelled


def results_path(series: SeriesConfig, vote: GovernanceVote) -> str:
    """The results file's path inside ``notes_dir`` and the repository (``/``-separated)."""
    return vote_results_file(series.vote_results_path, closed_day(vote), vote.text, vote.number)


def closed_day(vote: GovernanceVote) -> date:
    """The UTC date the vote closed (its deadline's, should it be open still)."""
    return (vote.closed_at or vote.deadline).astimezone(timezone.utc).date()


def render_results(vote: GovernanceVote, names: Mapping[int, str], series_title: str) -> str:
    """The closed vote's results file, Markdown ending with one newline (a ValueError for a
    cancelled or open vote: it has none)."""
    if not has_results(vote):
        raise ValueError(f"vote {vote.number} has no results: it is open or was cancelled")
    assert vote.closed_at is not None
    outcome = vote.outcome(vote.closed_at)
    yes_share = outcome.yes_share
    context = {
        "vote": vote,
        "title": series_title,
        "opener": name_of(names, vote.opener_id),
        "outcome": outcome,
        "verdict": _verdict(vote),
        "rule": policy_rule(vote.policy, len(vote.roster)),
        "participation": _percent(outcome.tally.ballots, len(vote.roster)),
        "yes_share": "none (no yes or no ballots)"
        if yes_share is None
        else f"{_percent(yes_share.numerator, yes_share.denominator)} "
        f"(needed: {'more than' if vote.policy.more_than else 'at least'} "
        f"{share_text(vote.policy.threshold)})"
        # Without quorum (and no timeout) the share decides nothing: say so beside it.
        + ("" if outcome.quorum_reached or outcome.timed_out else ", not counted: no quorum"),
        "timeout_ballots": timeout_quorum(len(vote.roster)),
        "ballots": [
            BallotLine(name_of(names, b.user_id), b.choice, b.changes > 0, b.comment)
            for b in vote.ballots
        ],
        "not_voted": [name_of(names, user_id) for user_id in vote.not_voted],
        "opened": _instant(vote.opened_at),
        "deadline": _instant(vote.deadline, deadline=True),
        # Closed at its deadline: the end of the deadline's AoE day, not the next day's start.
        "closed": _instant(vote.closed_at, deadline=vote.closed_at >= vote.deadline),
        "reminders": [_instant(at) for at in vote.reminders],
    }
    text = shipped_file_template(TEMPLATE_FILE).render(context)
    return text.rstrip("\n") + "\n"


def _verdict(vote: GovernanceVote) -> str:
    assert vote.closed_at is not None
    outcome = vote.outcome(vote.closed_at)
    word = verdict_words(outcome.verdict)  # closed: never OPEN
    if outcome.timed_out:
        return f"{word}, resolved by the timeout rules"
    return word


def _percent(part: int, whole: int) -> str:
    """``62.5%``, ``100%``: one decimal at most."""
    value = round(100 * part / whole, 1) if whole else 0.0
    return f"{value:g}%"


def _instant(at: datetime, *, deadline: bool = False) -> Instant:
    """``at`` in UTC to the minute, and its AoE day (a deadline's: the day it ends)."""
    utc = at.astimezone(timezone.utc)
    aoe = f"end of {aoe_day_text(utc)}" if deadline else f"{aoe_date(utc).isoformat()} AoE"
    return Instant(f"{utc:%Y-%m-%d %H:%M} UTC", aoe)


def commit_message(vote: GovernanceVote, first: bool) -> str:
    """The commit of a vote's results file: ``Add results of vote 3: TEXT``."""
    verb = "Add" if first else "Update"
    return f"{verb} results of vote {vote.number}: {' '.join(vote.text.split())}"[:200]


def pull_request_title(vote: GovernanceVote) -> str:
    """The title of a vote's results' pull request."""
    return f"Add results of vote {vote.number}"


def pull_request_body(vote: GovernanceVote, series_title: str, path: str) -> str:
    """The body of a vote's results' pull request: what it is, where the file is."""
    return (
        f"The results of {series_title}'s vote {vote.number} "
        f"(`{vote.policy.name}`), closed {closed_day(vote).isoformat()}: `{path}`.\n\n"
        "Opened by meetbot."
    )


def publishing_problem(vote: GovernanceVote, problem: str, hint: str, retrying: bool) -> str:
    """Told once in the vote's topic: its results file could not be published, and why."""
    when = "meetbot keeps trying" if retrying else "meetbot does not retry it by itself"
    lines = [f"The results file of vote {vote.number} could not be published: `{_one(problem)}`"]
    if hint:
        lines.append(_one(hint))
    lines.append(f"The file is written in meetbot's notes folder; {when}.")
    return "\n".join(lines)


def _one(text: str) -> str:
    return " ".join(text.split()).replace("`", "'")

"""What people read of governance votes: the call, ballots' replies, the status, the result.

Pure functions over ``GovernanceVote`` values and a name for each user id; Zulip markdown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from zulip_meetbot.domain.record import AnnouncedVote, GovernanceVote
from zulip_meetbot.domain.voting import (
    Outcome,
    Policy,
    Verdict,
    aoe_day_text,
    quorum,
    share_text,
)
from zulip_meetbot.markup import global_time, silenced, silent_mention

# Zulip's longest topic.
MAX_TOPIC = 60


def vote_topic(vote: GovernanceVote | AnnouncedVote) -> str:
    """The topic of a vote's call, reminders and result: ``vote N: TEXT``, shortened."""
    # Without Zulip's markup characters: `*` or a backtick would end a #**stream>topic** link.
    text = " ".join(re.sub(r"[*`]+", " ", vote.text).split())
    topic = f"vote {vote.number}: {text}"
    return topic if len(topic) <= MAX_TOPIC else topic[: MAX_TOPIC - 1].rstrip() + "…"


def verdict_words(verdict: Verdict | str) -> str:
    """How people read a closed vote's verdict (a ``Verdict`` or its stored value)."""
    value = verdict.value if isinstance(verdict, Verdict) else verdict
    return _VERDICT_WORDS.get(value, value)


# The verdicts' words where their values (domain.voting's) do not read as a sentence.
_VERDICT_WORDS = {Verdict.FAILED.value: "did not pass"}


def policy_rule(policy: Policy, roster_size: int) -> str:
    """``passes with more than 50% yes (of yes and no); quorum 5 of 9 ballots``."""
    which = "more than" if policy.more_than else "at least"
    needed = quorum(policy, roster_size)
    return (
        f"passes with {which} {share_text(policy.threshold)} yes (of yes and no); "
        f"quorum: {needed} of {roster_size} ballots, abstentions included"
    )


def deadline_text(vote: GovernanceVote) -> str:
    """``<time:…> (2026-12-18 AoE)``: every reader's own time, and the day as the rules say."""
    return f"{global_time(vote.deadline)} ({aoe_day_text(vote.deadline)})"


def name_of(names: Mapping[int, str], user_id: int) -> str:
    """Someone's name from ``names``, or ``user ID`` when meetbot knows none."""
    return names.get(user_id, f"user {user_id}")


def _people(names: Mapping[int, str], user_ids: tuple[int, ...], loud: bool) -> str:
    if not user_ids:
        return "nobody"
    if loud:
        return ", ".join(f"@**{name_of(names, uid)}|{uid}**" for uid in user_ids)
    return ", ".join(silent_mention(name_of(names, uid), uid) for uid in user_ids)


def vote_call(vote: GovernanceVote, names: Mapping[int, str]) -> str:
    """The call posted when a vote opens: the text, the rule, how to vote, the deadline and
    the voters (mentioned: the call is their notice)."""
    opener = silent_mention(name_of(names, vote.opener_id), vote.opener_id)
    roster = f"**{vote.roster_name}** roster ({len(vote.roster)} members)"
    lines = [
        f"**Vote {vote.number}** ({vote.policy.name}), opened by {opener}:",
        f"> {silenced(' '.join(vote.text.split()))}",
        "",
    ]
    if vote.sensitive:
        lines += [
            f"This vote is held on another platform: **vote there**, {vote.link}",
            f"Voters: the {roster}, until {deadline_text(vote)}.",
            "meetbot collects no ballots for it; it reminds at the midpoint and a day before.",
        ]
    else:
        lines += [
            f"Voters: the {roster}. It {policy_rule(vote.policy, len(vote.roster))}.",
            f"Open until {deadline_text(vote)}, or until everyone has voted.",
            "",
            _how_to_vote(vote),
        ]
    lines += ["", f"To vote: {_people(names, vote.roster, loud=True)}"]
    return "\n".join(lines)


def _how_to_vote(vote: GovernanceVote) -> str:
    return (
        f"Vote with `vote yes {vote.number}`, `vote no {vote.number}` or "
        f"`vote abstain {vote.number}` (a comment may follow), here or by direct message to "
        "meetbot; your latest ballot counts until the vote closes. "
        f"`vote status {vote.number}` shows the tally so far."
    )


def _tally_line(outcome: Outcome) -> str:
    tally = outcome.tally
    return f"yes {tally.yes}, no {tally.no}, abstain {tally.abstain}"


def vote_status(vote: GovernanceVote, names: Mapping[int, str], now: datetime) -> str:
    """`vote status N`: the tally so far, participation against quorum, who has not voted."""
    head = f"**Vote {vote.number}** ({vote.policy.name}): {silenced(' '.join(vote.text.split()))}"
    if not vote.is_open:
        return head + "\n" + vote_verdict_line(vote)
    if vote.sensitive:
        return "\n".join(
            [head, f"Held on another platform ({vote.link}), until {deadline_text(vote)}."]
        )
    lines = [
        head,
        _so_far(vote, now),
        f"Open until {deadline_text(vote)}.",
        f"Not voted yet: {_people(names, vote.not_voted, loud=False)}.",
    ]
    return "\n".join(lines)


def _so_far(vote: GovernanceVote, now: datetime) -> str:
    """``So far: yes 2, no 1, abstain 0 — 3 of 9 ballots; quorum needs 5, 2 more.``"""
    outcome = vote.outcome(now)
    return (
        f"So far: {_tally_line(outcome)} — {outcome.tally.ballots} of {len(vote.roster)} "
        f"ballots; quorum needs {outcome.quorum}"
        + (" (reached)." if outcome.quorum_reached else f", {outcome.ballots_short} more.")
    )


def vote_reminder(
    vote: GovernanceVote, names: Mapping[int, str], now: datetime, ordinal: int
) -> str:
    """Reminder ``ordinal`` (the midpoint's, the day before's) of an open vote: the tally so
    far, what quorum still needs, who has not voted (mentioned: they are the ones reminded),
    the deadline and how to vote. A sensitive vote's: where to vote and until when, only."""
    head = (
        f"**Vote {vote.number}: reminder, {which_reminder(vote, ordinal)}** "
        f"({vote.policy.name}): {silenced(' '.join(vote.text.split()))}"
    )
    if vote.sensitive:
        return "\n".join(
            [
                head,
                f"It is held on another platform: **vote there**, {vote.link}",
                f"Open until {deadline_text(vote)}.",
            ]
        )
    lines = [
        head,
        _so_far(vote, now),
        f"Open until {deadline_text(vote)}, or until everyone has voted.",
        "",
        f"Not voted yet: {_people(names, vote.not_voted, loud=True)}.",
        _how_to_vote(vote),
    ]
    return "\n".join(lines)


def which_reminder(vote: GovernanceVote, ordinal: int) -> str:
    """``halfway through`` or ``a day before it closes``, by the reminder's instant."""
    times = vote.reminder_times
    at = times[min(max(ordinal, 1), len(times)) - 1]
    if at == vote.deadline - timedelta(days=1):
        return "a day before it closes"
    return "halfway through"


def vote_verdict_line(vote: GovernanceVote) -> str:
    """How a closed vote ended, in a line."""
    if vote.cancelled:
        return "It was cancelled."
    if vote.sensitive:
        return "Its ballots were cast on another platform; its result is announced there."
    outcome = vote.outcome(vote.closed_at or vote.deadline)
    word = f"**{verdict_words(outcome.verdict)}**"
    ballots = f"{outcome.tally.ballots} of {len(vote.roster)} ballots, quorum {outcome.quorum}"
    line = f"It {word}: {_tally_line(outcome)} ({ballots})."
    if outcome.timed_out:
        line += (
            " Quorum was not reached, but the vote was open two weeks, had at least "
            f"{min(5, len(vote.roster))} ballots and both reminders: by the timeout rules it "
            "resolves on the ballots cast."
        )
    return line


def vote_result(vote: GovernanceVote, names: Mapping[int, str]) -> str:
    """The result posted when a vote closes: verdict, totals, who voted how (not for a
    sensitive vote), and how it closed."""
    when = vote.closed_at or vote.deadline
    why = "everyone has voted" if when < vote.deadline else "its deadline has passed"
    lines = [
        f"**Vote {vote.number} closed** ({vote.policy.name}, {why}): "
        f"{silenced(' '.join(vote.text.split()))}",
        vote_verdict_line(vote),
    ]
    if not vote.sensitive:
        lines += [""]
        for ballot in vote.ballots:
            who = silent_mention(name_of(names, ballot.user_id), ballot.user_id)
            changed = " (changed)" if ballot.changes else ""
            comment = f": {silenced(ballot.comment)}" if ballot.comment else ""
            lines.append(f"- {who}: **{ballot.choice}**{changed}{comment}")
        if vote.not_voted:
            lines.append(f"- not voted: {_people(names, vote.not_voted, loud=False)}")
    return "\n".join(lines)


def ballot_recorded(
    vote: GovernanceVote, choice: str, previous: str | None, changed: bool, closed: bool = False
) -> str:
    """The reply to a ballot (``closed``: it was the last one, and closed the vote)."""
    if not changed:
        return f"Your ballot in vote {vote.number} was already **{choice}**."
    if previous is None:
        said = f"Your ballot in vote {vote.number} is **{choice}**."
    elif previous == choice:
        said = f"Your comment in vote {vote.number} is updated (still **{choice}**)."
    else:
        said = f"Your ballot in vote {vote.number} is now **{choice}** (was {previous})."
    if closed:
        return said + f" Everyone has voted: vote {vote.number} is closed, its result posted."
    return said + f" You can change it until {deadline_text(vote)}."


def vote_opened(vote: GovernanceVote, topic_link: str) -> str:
    """The reply to `vote open` said outside the vote's topic."""
    return f"Vote {vote.number} is open: the call is posted in {topic_link}."


def vote_cancelled(vote: GovernanceVote, by: str) -> str:
    """Posted in the vote's topic (and replied) when it is cancelled."""
    return f"**Vote {vote.number} cancelled** by {by}: no result, no more reminders."

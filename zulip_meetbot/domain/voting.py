"""The voting rules of governance votes (conda's by default), as pure functions over values.

Policies and their botrc syntax, quorum, the pass test, the timeout path, deadlines at the end
of a day Anywhere on Earth and the reminders' instants. No rows, no text for Zulip users.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from fractions import Fraction
from types import MappingProxyType

from zulip_meetbot.timeutil import parse_duration

# conda: "a minimum quorum … of at least 5 members" so no funder can sway a vote alone.
MINIMUM_QUORUM = 5
# conda: "The default voting period is 1 week (7 days) … may never be less than one week".
DEFAULT_PERIOD = timedelta(days=7)
# conda's timeout rules: open at least 2 weeks, advertised at the beginning (the call), the
# middle and one day before: the call plus two reminders.
TIMEOUT_OPEN_FOR = timedelta(weeks=2)
TIMEOUT_REMINDERS = 2
# Anywhere on Earth is UTC−12 all year: no daylight saving time, so no zoneinfo.
AOE = timezone(timedelta(hours=-12), "AoE")

_NAME = re.compile(r"[a-z][a-z0-9_-]*")


@dataclass(frozen=True)
class Policy:
    """How a kind of vote is decided: who must take part, what share of yes passes, how long."""

    name: str
    threshold: Fraction  # the yes share of yes + no that passes
    more_than: bool  # True: the yes share must exceed threshold; False: reaching it is enough
    participation: Fraction  # the share of the roster whose ballots make the quorum
    minimum_period: timedelta = DEFAULT_PERIOD
    meeting_cycle: bool = False  # open at least one meeting cycle of the series too
    sensitive: bool = False  # collects no ballots: runs on an anonymous platform elsewhere

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(
                f"policy name {self.name!r}: lowercase letters, digits, '-' or '_', "
                "starting with a letter"
            )
        if not 0 < self.threshold <= 1:
            raise ValueError(f"policy {self.name}: the yes share must be above 0 and at most 100%")
        if self.more_than and self.threshold == 1:
            raise ValueError(f"policy {self.name}: no yes share is more than 100%")
        if not 0 <= self.participation <= 1:
            raise ValueError(f"policy {self.name}: participation must be between 0 and 100%")
        if self.minimum_period <= timedelta(0) or self.minimum_period % timedelta(minutes=1):
            raise ValueError(f"policy {self.name}: the minimum period must be whole minutes > 0")


def _conda(
    name: str,
    share: Fraction,
    *,
    minimum_period: timedelta = DEFAULT_PERIOD,
    meeting_cycle: bool = False,
    sensitive: bool = False,
) -> Policy:
    # conda: one percentage is "*both* required participation … as well as the fraction of those
    # who vote affirmatively"; "The exception is when 50% is required": more than half yes.
    return Policy(
        name,
        threshold=share,
        more_than=share == Fraction(1, 2),
        participation=share,
        minimum_period=minimum_period,
        meeting_cycle=meeting_cycle,
        sensitive=sensitive,
    )


# conda's policies (its governance README, "Voting items"). nominate, remove and block are
# "Sensitive" items there ("results … should remain private to the voters"), so they collect no
# ballots here either; a botrc may redefine them without `sensitive`.
POLICIES: Mapping[str, Policy] = MappingProxyType(
    {
        policy.name: policy
        for policy in (
            _conda("standard", Fraction(1, 2)),
            _conda("cep", Fraction(3, 5)),
            _conda("nominate", Fraction(2, 3), sensitive=True),
            _conda("remove", Fraction(3, 4), sensitive=True),
            _conda("governance", Fraction(3, 4), meeting_cycle=True),
            _conda("block", Fraction(3, 5), minimum_period=timedelta(hours=24), sensitive=True),
            # Provisional members, appeals, project teams: 50 %, on an anonymous platform.
            _conda("sensitive", Fraction(1, 2), sensitive=True),
        )
    }
)


# --- the [policies] botrc syntax ---------------------------------------------------------------

POLICY_SYNTAX_EXAMPLE = "cep = 60% participation, at least 60% yes, minimum 7d"
_SHARE = re.compile(r"(?:(\d+(?:\.\d+)?)%|(\d+)/(\d+))")


def _share(token: str) -> Fraction:
    match = _SHARE.fullmatch(token)
    if match is None:
        raise ValueError(f"{token!r} is not a share: write a percentage (60%) or a fraction (2/3)")
    percent, numerator, denominator = match.groups()
    if percent is not None:
        return Fraction(percent) / 100
    if int(denominator) == 0:
        raise ValueError(f"{token!r} divides by zero")
    return Fraction(int(numerator), int(denominator))


def parse_policy(name: str, text: str) -> Policy:
    """One ``[policies]`` line: ``NAME = SHARE participation, [more than|at least] SHARE yes,
    minimum DURATION, one meeting cycle, sensitive`` (any order; see :func:`policy_spec`)."""
    try:
        return _parse_policy(name.strip().lower(), text)
    except ValueError as problem:
        raise ValueError(
            f"[policies] {name} = {text.strip()!r}: {problem} (e.g. {POLICY_SYNTAX_EXAMPLE!r})"
        ) from None


def _parse_policy(name: str, text: str) -> Policy:
    # "60 %" as the README writes it is one token, as is "60%".
    tokens = re.sub(r"(\d)\s+%", r"\1%", text.lower()).replace(",", " ").split()
    if not tokens:
        raise ValueError("empty: say at least the yes share")
    participation: Fraction | None = None
    threshold: tuple[Fraction, bool | None] | None = None  # (share, more_than or unsaid)
    minimum: timedelta | None = None
    cycle = sensitive = False
    seen: set[str] = set()

    def once(clause: str) -> None:
        if clause in seen:
            raise ValueError(f"says the {clause} twice")
        seen.add(clause)

    position = 0

    def take() -> str | None:
        nonlocal position
        if position >= len(tokens):
            return None
        position += 1
        return tokens[position - 1]

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    while (token := take()) is not None:
        if token in ("more", "at"):
            follow = take()
            if (token, follow) not in (("more", "than"), ("at", "least")):
                words = f"{token} {follow or ''}".strip()
                raise ValueError(f"'{words}': say 'more than' or 'at least'")
            share_token, word = take(), take()
            if share_token is None or word != "yes":
                raise ValueError(f"'{token} {follow}' must be followed by a share and 'yes'")
            once("yes share")
            threshold = (_share(share_token), token == "more")
        elif token[0].isdigit():
            share = _share(token)
            following = peek()
            if following == "participation":
                take()
                once("participation")
                participation = share
            elif following == "yes":
                take()
                once("yes share")
                threshold = (share, None)
            else:  # a lone share: conda's "both participation and yes share"
                once("participation")
                once("yes share")
                participation, threshold = share, (share, None)
        elif token == "minimum":
            once("minimum")
            amount = take()
            # "24h" is one word; "24 hours" two.
            following = peek()
            two_words = bool(amount and amount.isdigit() and following and following.isalpha())
            unit = take() if two_words else ""
            minimum = _duration(f"{amount or ''}{unit}")
        elif token in ("one", "meeting"):
            phrase = [token] + [take() or "" for _ in range(2 if token == "one" else 1)]
            if phrase[-2:] != ["meeting", "cycle"]:
                raise ValueError(f"'{' '.join(phrase).strip()}': say 'one meeting cycle'")
            once("meeting cycle")
            cycle = True
        elif token == "sensitive":
            once("sensitive")
            sensitive = True
        else:
            raise ValueError(
                f"unknown word {token!r}: expected 'SHARE participation', 'SHARE yes', "
                "'minimum DURATION', 'one meeting cycle' or 'sensitive'"
            )
    if threshold is None:
        raise ValueError("says no yes share")
    share, said = threshold
    # Unsaid, a yes share is reached ("60% yes"), except conda's exception: 50% means more than.
    more_than = said if said is not None else share == Fraction(1, 2)
    return Policy(
        name,
        threshold=share,
        more_than=more_than,
        participation=share if participation is None else participation,
        minimum_period=DEFAULT_PERIOD if minimum is None else minimum,
        meeting_cycle=cycle,
        sensitive=sensitive,
    )


def _duration(text: str) -> timedelta:
    if not text:
        raise ValueError("'minimum' must be followed by a duration such as 24h or 7d")
    try:
        return parse_duration(text)
    except ValueError:
        raise ValueError(f"minimum {text!r}: write a duration such as 90m, 24h, 7d or 2w") from None


def share_text(share: Fraction) -> str:
    """A share as people say it and the botrc writes it: ``60%``, ``2/3``."""
    percent = share * 100
    return (
        f"{percent.numerator}%"
        if percent.denominator == 1
        else f"{share.numerator}/{share.denominator}"
    )


def _duration_text(period: timedelta) -> str:
    # Days from two on ("7d"); a day reads better as hours, as conda's "at minimum 24 hrs".
    if period >= timedelta(days=2) and not period % timedelta(days=1):
        return f"{period.days}d"
    if not period % timedelta(hours=1):
        return f"{period // timedelta(hours=1)}h"
    return f"{period // timedelta(minutes=1)}m"


def policy_spec(policy: Policy) -> str:
    """The ``[policies]`` value that defines ``policy`` exactly: every clause said."""
    clauses = [
        f"{share_text(policy.participation)} participation",
        f"{'more than' if policy.more_than else 'at least'} {share_text(policy.threshold)} yes",
        f"minimum {_duration_text(policy.minimum_period)}",
    ]
    if policy.meeting_cycle:
        clauses.append("one meeting cycle")
    if policy.sensitive:
        clauses.append("sensitive")
    return ", ".join(clauses)


def policies_from_botrc(
    section: Mapping[str, str], base: Mapping[str, Policy] = POLICIES
) -> Mapping[str, Policy]:
    """``base`` with the botrc's ``[policies]`` lines added: each line defines its policy whole
    (clauses it leaves out take their defaults, not the shipped policy's)."""
    policies = dict(base)
    for name, text in section.items():
        policy = parse_policy(name, text)
        policies[policy.name] = policy
    return MappingProxyType(policies)


# --- quorum and result -------------------------------------------------------------------------


def quorum(policy: Policy, roster_size: int) -> int:
    """Ballots (abstentions included) a vote needs: max(5, the policy's share of the roster,
    rounded up), or the whole roster when it has fewer than 5 members."""
    _check_roster(roster_size)
    if roster_size < MINIMUM_QUORUM:
        return roster_size
    return max(MINIMUM_QUORUM, math.ceil(policy.participation * roster_size))


def timeout_quorum(roster_size: int) -> int:
    """Ballots a vote needs to resolve by the timeout rules: 5, or the roster when smaller."""
    _check_roster(roster_size)
    return min(MINIMUM_QUORUM, roster_size)


def _check_roster(roster_size: int) -> None:
    if roster_size < 1:
        raise ValueError(f"a roster of {roster_size} members cannot vote")


@dataclass(frozen=True)
class Tally:
    """The ballots cast: one per roster member, the latest counting."""

    yes: int
    no: int
    abstain: int

    def __post_init__(self) -> None:
        if min(self.yes, self.no, self.abstain) < 0:
            raise ValueError(f"a tally cannot be negative: {self}")

    @property
    def ballots(self) -> int:
        """All ballots: abstentions count towards quorum."""
        return self.yes + self.no + self.abstain

    @property
    def yes_share(self) -> Fraction | None:
        """yes / (yes + no), or None when nobody voted yes or no."""
        decided = self.yes + self.no
        return Fraction(self.yes, decided) if decided else None


def yes_enough(policy: Policy, tally: Tally) -> bool:
    """The pass test alone: the yes share of yes + no meets the policy (none → not passed)."""
    share = tally.yes_share
    if share is None:
        return False
    return share > policy.threshold if policy.more_than else share >= policy.threshold


class Verdict(Enum):
    OPEN = "open"
    PASSED = "passed"
    FAILED = "failed"
    NO_QUORUM = "did not reach quorum"


@dataclass(frozen=True)
class Outcome:
    """A vote's result with the figures that explain it."""

    verdict: Verdict
    policy: Policy
    roster_size: int
    tally: Tally
    quorum: int  # ballots needed
    quorum_reached: bool
    timed_out: bool  # resolved on the ballots cast by the timeout rules, without quorum
    yes_enough: bool  # the pass test on the ballots so far

    @property
    def participation(self) -> Fraction:
        """Ballots (abstentions included) as a share of the roster."""
        return Fraction(self.tally.ballots, self.roster_size)

    @property
    def yes_share(self) -> Fraction | None:
        """yes / (yes + no), None without any."""
        return self.tally.yes_share

    @property
    def ballots_short(self) -> int:
        """More ballots quorum needs (0 once reached)."""
        return max(0, self.quorum - self.tally.ballots)

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASSED


def timeout_holds(
    roster_size: int, tally: Tally, *, open_for: timedelta, reminders_posted: int
) -> bool:
    """conda's timeout rules that a bot can know: open at least 2 weeks, at least 5 ballots (or
    the whole smaller roster), the call and both reminders (midpoint, day before) posted."""
    return (
        open_for >= TIMEOUT_OPEN_FOR
        and tally.ballots >= timeout_quorum(roster_size)
        and reminders_posted >= TIMEOUT_REMINDERS
    )


def result(
    policy: Policy,
    roster_size: int,
    tally: Tally,
    *,
    open_for: timedelta,
    reminders_posted: int,
    complete: bool,
) -> Outcome:
    """The outcome of a vote: OPEN while not ``complete`` (deadline not reached and someone yet
    to vote), else passed, failed or did not reach quorum, the timeout rules applied."""
    needed = quorum(policy, roster_size)
    if tally.ballots > roster_size:
        raise ValueError(f"{tally.ballots} ballots from a roster of {roster_size}")
    reached = tally.ballots >= needed
    enough = yes_enough(policy, tally)
    timed_out = (
        complete
        and not reached
        and timeout_holds(roster_size, tally, open_for=open_for, reminders_posted=reminders_posted)
    )
    if not complete:
        verdict = Verdict.OPEN
    elif not (reached or timed_out):
        verdict = Verdict.NO_QUORUM
    else:
        verdict = Verdict.PASSED if enough else Verdict.FAILED
    return Outcome(verdict, policy, roster_size, tally, needed, reached, timed_out, enough)


# --- deadlines and reminders -------------------------------------------------------------------


class DeadlineInPast(ValueError):
    """The day asked for has already ended Anywhere on Earth."""

    def __init__(self, until: date, today: date) -> None:
        super().__init__(f"{until} has already ended Anywhere on Earth (it is {today} AoE)")
        self.until, self.today = until, today


class DeadlineTooSoon(ValueError):
    """The day asked for ends before the policy's minimum period."""

    def __init__(self, until: date, earliest: date, minimum: timedelta, policy: str) -> None:
        super().__init__(
            f"{until} AoE is too soon for a {policy} vote (open at least "
            f"{_duration_text(minimum)}): the earliest day allowed is {earliest} AoE"
        )
        self.until, self.earliest, self.minimum = until, earliest, minimum


def aoe_date(instant: datetime) -> date:
    """The day ``instant`` falls on Anywhere on Earth."""
    return _aware(instant).astimezone(AOE).date()


def end_of_aoe_day(day: date) -> datetime:
    """The UTC instant ``day`` ends Anywhere on Earth (the next day, 12:00 UTC)."""
    return datetime.combine(day + timedelta(days=1), time(), AOE).astimezone(timezone.utc)


def minimum_period(policy: Policy, meeting_cycle: timedelta | None = None) -> timedelta:
    """How long a vote under ``policy`` must stay open (``meeting_cycle``: the series' cycle)."""
    if not policy.meeting_cycle:
        return policy.minimum_period
    if meeting_cycle is None:
        raise ValueError(
            f"a {policy.name} vote stays open one meeting cycle, and no cycle length is known"
        )
    return max(policy.minimum_period, meeting_cycle)


def _earliest_day(opened_at: datetime, period: timedelta) -> date:
    # The first AoE day whose end is at least `period` after opening.
    due = opened_at + period
    day = aoe_date(due)
    return day - timedelta(days=1) if end_of_aoe_day(day - timedelta(days=1)) >= due else day


def deadline(
    opened_at_utc: datetime,
    until: date | None,
    policy: Policy,
    default_period: timedelta = DEFAULT_PERIOD,
    *,
    meeting_cycle: timedelta | None = None,
) -> datetime:
    """When a vote opened at ``opened_at_utc`` closes: the end of ``until`` (or of the first day
    ``default_period`` allows) Anywhere on Earth, as a UTC instant, never before the minimum."""
    opened_at = _aware(opened_at_utc).astimezone(timezone.utc)
    minimum = minimum_period(policy, meeting_cycle)
    earliest = _earliest_day(opened_at, minimum)
    if until is None:
        return end_of_aoe_day(max(earliest, _earliest_day(opened_at, default_period)))
    today = aoe_date(opened_at)
    if until < today:
        raise DeadlineInPast(until, today)
    if until < earliest:
        raise DeadlineTooSoon(until, earliest, minimum, policy.name)
    return end_of_aoe_day(until)


def aoe_day_text(deadline: datetime) -> str:
    """``"YYYY-MM-DD AoE"``: the day a deadline ends (an instant at the stroke of midnight AoE
    closes the day before)."""
    return f"{aoe_date(_aware(deadline) - timedelta(microseconds=1)).isoformat()} AoE"


def reminder_times(opened_at: datetime, deadline: datetime) -> tuple[datetime, ...]:
    """The reminders' instants, UTC: the midpoint and one day before the deadline, in order;
    one that is not after opening is dropped and two that coincide are one."""
    opened, closes = _aware(opened_at), _aware(deadline)
    if closes <= opened:
        raise ValueError(f"a vote opened at {opened} cannot close at {closes}")
    candidates = {opened + (closes - opened) / 2, closes - timedelta(days=1)}
    return tuple(sorted(at.astimezone(timezone.utc) for at in candidates if at > opened))


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant} has no time zone: voting times are aware instants")
    return instant

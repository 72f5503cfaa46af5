"""``meetbot upcoming``: what the bot will post next and when, from the scheduler's own plan
(``scheduler.pending_actions_of``, ``governance.actions_due``) and its own verdicts
(``reminders.decide``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.domain import governance, meetings
from zulip_meetbot.domain.governance import REMIND, VoteAction
from zulip_meetbot.domain.record import GovernanceVote
from zulip_meetbot.domain.reminders import (
    EMPTY_CHECK,
    END,
    PERSONAL,
    REMINDER,
    START,
    Action,
    MeetingState,
    Verdict,
    decide,
)
from zulip_meetbot.domain.voting import aoe_day_text
from zulip_meetbot.scheduler import pending_actions_in
from zulip_meetbot.timeutil import (
    format_duration,
    local_date,
    occurrences_between,
    to_utc,
    zone_time_text,
)
from zulip_meetbot.views import shortened
from zulip_meetbot.vote_views import which_reminder


@dataclass(frozen=True)
class Upcoming:
    """One planned post of a series, with why it will not happen if it will not."""

    action: Action
    due: bool  # its instant has passed: a running bot does it now
    dropped: str  # why the bot will not do it, or ""


@dataclass(frozen=True)
class VotePost:
    """One planned post of an open governance vote: a reminder or its close."""

    vote: GovernanceVote
    action: VoteAction
    due: bool  # its instant has passed: a running bot does it now
    dropped: str  # why the bot will not do it, or ""


@dataclass(frozen=True)
class SeriesPlan:
    """A series' coming posts, and its meetings skipped in the same window."""

    series: SeriesConfig
    posts: list[Upcoming]
    skipped: list[datetime]  # the starts of skipped meetings, aware UTC
    # The planned ends (start + duration) of the meetings in ``posts``: nothing is posted then.
    planned_ends: list[datetime] = field(default_factory=list)
    last_meeting: date | None = None  # set when the series has no meeting to come
    votes: list[VotePost] = field(default_factory=list)  # its open votes' reminders and closes


def series_plan(
    session: Session, series: SeriesConfig, now: datetime, grace: timedelta, until: datetime
) -> SeriesPlan:
    """The posts of the series' next meeting and of those starting by ``until``; meetings
    already ended (a shell's clock may run ahead of the real one) are history, not plans."""
    return series_plans(session, [series], now, grace, until)[0]


def series_plans(
    session: Session,
    series: Sequence[SeriesConfig],
    now: datetime,
    grace: timedelta,
    until: datetime,
) -> list[SeriesPlan]:
    """:func:`series_plan` of each series, in order: the database is read a few times for
    them all (a thousand series stay instant), not once per series or per post."""
    unended = _unended(session, series, now, grace, until)
    windows = [
        meetings.Window(one, now, len(occurrences_between(one, now, until)) + 1, True)
        for one in series
    ]
    calendars = meetings.calendars(session, windows)
    votes = _vote_posts(session, now)
    return [
        _plan(session, one, actions, window, votes.get(one.slug, []), now, grace, until)
        for one, actions, window in zip(series, unended, calendars, strict=True)
    ]


def _plan(
    session: Session,
    series: SeriesConfig,
    actions: list[tuple[Action, MeetingState]],
    window: list[meetings.Slot],
    votes: list[VotePost],
    now: datetime,
    grace: timedelta,
    until: datetime,
) -> SeriesPlan:
    """One series' plan from its unended actions and its calendar up to ``until``."""
    if not actions:
        # Every meeting in the window ended: plan up to the first that has not.
        following = _first_unended(session, series, now)
        if following is not None:
            later = max(until, following.start)
            actions = _unended(session, [series], now, grace, later)[0]
    posts = []
    # Each meeting's actions in order: a start the bot will make changes what follows it.
    states: dict[datetime, MeetingState] = {}
    for action, state in actions:
        state = states.get(action.occurrence, state)
        decision = decide(action, state, max(now, action.at), grace)
        dropped = decision.reason if decision.verdict is Verdict.DROP else ""
        if action.kind == START and not dropped:
            state = replace(state, started=True)
        if action.kind == END:
            dropped = ""  # shown as conditional: a chair may still start it, or end it first
        states[action.occurrence] = state
        posts.append(Upcoming(action, action.at <= now, dropped))
    skipped = [slot.start for slot in window if slot.cancelled and slot.start <= until]
    # With no automatic end delay the end's own line is at the planned end.
    ends = sorted({a.start + a.slot for a, _ in actions if a.start + a.slot > now})
    planned_ends = ends if series.auto_end else []
    last = None if actions else _last_meeting(session, series, now)
    return SeriesPlan(series, posts, skipped, planned_ends, last, votes)


def vote_plan(session: Session, series: SeriesConfig, now: datetime) -> list[VotePost]:
    """The series' open votes' reminders still to come and their closes, however far off: the
    scheduler's own list (``governance.actions_due``)."""
    return _vote_posts(session, now).get(series.slug, [])


def _vote_posts(session: Session, now: datetime) -> dict[str, list[VotePost]]:
    """:func:`vote_plan` of every series with an open vote, by slug (votes read once)."""
    votes = {vote.number: vote for vote in governance.open_votes(session)}
    posts: dict[str, list[VotePost]] = {}
    for action in governance.actions_due(session):
        vote = votes.get(action.number)
        if vote is None:
            continue  # closed meanwhile (a vote's actions are those of open votes)
        # Past the deadline a reminder is never posted: the close comes instead.
        late = action.kind == REMIND and now >= vote.deadline
        dropped = "the vote's deadline has passed: its close comes instead" if late else ""
        posts.setdefault(vote.series_slug, []).append(
            VotePost(vote, action, action.at <= now, dropped)
        )
    return posts


def _unended(
    session: Session,
    series: Sequence[SeriesConfig],
    now: datetime,
    grace: timedelta,
    until: datetime,
) -> list[list[tuple[Action, MeetingState]]]:
    """Each series' pending actions by ``until`` (the scheduler's), in order, of meetings not
    ended yet."""
    planned = pending_actions_in(session, series, now, grace, horizon=until, count=None)
    states = meetings.meeting_states(session, planned)
    by_series: dict[str, list[tuple[Action, MeetingState]]] = {one.slug: [] for one in series}
    for action, state in zip(planned, states, strict=True):
        if not state.ended:
            by_series[action.series_slug].append((action, state))
    return [sorted(by_series[one.slug], key=lambda pair: pair[0].at) for one in series]


def _first_unended(session: Session, series: SeriesConfig, now: datetime) -> meetings.Slot | None:
    ended = meetings.ended_since(session, series, now)
    slots = meetings.calendar(session, series, now, ended + 1)
    return next((s for s in slots if s.meeting is None or s.meeting.ended_at is None), None)


def _last_meeting(session: Session, series: SeriesConfig, now: datetime) -> date | None:
    """The day of the series' last meeting (in its zone), or None if it has one to come."""
    if _first_unended(session, series, now) is not None:
        return None
    # A rule line or an RDATE of the schedule may give a meeting before `start`.
    earliest = series.schedule.earliest(series.start) if series.schedule else series.start
    first = to_utc(earliest, series.zone)
    count = len(occurrences_between(series, first, now)) + 1
    held = meetings.calendar(session, series, first, count)
    return local_date(held[-1].start, series.zone) if held else None


def plan_text(plans: list[SeriesPlan], days: int) -> str:
    """``meetbot upcoming``: each series' posts, one line each, in UTC and the series' zone."""
    blocks = []
    for plan in plans:
        series = plan.series
        zone = "" if series.timezone == "UTC" else f", and in {series.timezone}"
        lines = [f"{series.title} ({series.slug}): times in UTC{zone}"]
        rows = [(post.action.at, _what(post)) for post in plan.posts]
        rows += [(start, "skipped meeting: nothing is posted for it") for start in plan.skipped]
        rows += [(end, _PLANNED_END) for end in plan.planned_ends]
        rows += [(post.action.at, _vote_what(post)) for post in plan.votes]
        if plan.last_meeting is not None:
            last = plan.last_meeting
            lines.append(f"  the series' last scheduled meeting was on {last}; none is planned")
        elif not rows:
            lines.append(f"  nothing planned in the next {days} days")
        rows.sort(key=lambda row: row[0])
        when = [_when(at, series.timezone) for at, _ in rows]
        width = max((len(utc) for utc, _ in when), default=0)
        local_width = max((len(local) for _, local in when), default=0)
        for (utc, local), (_, what) in zip(when, rows, strict=True):
            local_column = f"{local:<{local_width}}  " if local_width else ""
            lines.append(f"  {utc:<{width}}  {local_column}{what}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


_PLANNED_END = "planned end of the meeting (for information: nothing is posted then)"


def _when(at: datetime, zone: str) -> tuple[str, str]:
    local = "" if zone == "UTC" else zone_time_text(at, zone).removesuffix(f" ({zone})")
    return zone_time_text(at, "UTC"), local


def _what(post: Upcoming) -> str:
    action = post.action
    moved = ""
    if action.start != action.occurrence:
        moved = f" (moved from {zone_time_text(action.occurrence, 'UTC')})"
    if action.kind == REMINDER:
        what = f"reminder, {format_duration(action.offset)} before the meeting{moved}"
    elif action.kind == START:
        what = f"start of the meeting{moved}"
    elif action.kind == PERSONAL:
        offset = format_duration(action.offset)
        what = f"direct message to user {action.user_id}, {offset} before the meeting{moved}"
    elif action.kind == EMPTY_CHECK:
        ahead = format_duration(action.offset)
        what = f"cancellation if the agenda is still empty, {ahead} before the meeting{moved}"
    else:
        late = format_duration(action.offset)
        what = f"end, if the meeting is still running {late} after its planned end"
    return _status(what, post.due, post.dropped)


def _vote_what(post: VotePost) -> str:
    vote, action = post.vote, post.action
    which = f"vote {vote.number} ({shortened(' '.join(vote.text.split()), 40)})"
    if action.kind == REMIND:
        what = f"reminder of {which}, {which_reminder(vote, action.ordinal)}"
    elif vote.sensitive:
        what = f"close of {which} at its deadline ({aoe_day_text(vote.deadline)})"
    else:
        what = (
            f"close of {which} with its result, at its deadline "
            f"({aoe_day_text(vote.deadline)}) or once everyone has voted"
        )
    return _status(what, post.due, post.dropped)


def _status(what: str, due: bool, dropped: str) -> str:
    """A planned post's line: not done and why, due now, or just what it is."""
    if dropped:
        return f"{what}: not done, {dropped}"
    return f"{what} (due now: `meetbot run` does it)" if due else what

"""Where reminders, automatic starts and automatic ends (and skip_if_empty's look at the agenda)
are decided: which, when, and whether a late one is still worth doing. Pure: the scheduler
carries the decisions out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from functools import cached_property

from zulip_meetbot.config import SeriesConfig

REMINDER = "reminder"
START = "start"
END = "end"
PERSONAL = "personal"  # a direct message `remind me` asked for
# How an action's key writes instants (UTC): reminder_of reads them back.
_STAMP = "%Y%m%dT%H%M%SZ"
# skip_if_empty: the look at the agenda that cancels a meeting with none.
EMPTY_CHECK = "empty-check"


@dataclass(frozen=True)
class Action:
    """One thing the bot does at an instant for one meeting."""

    series_slug: str
    kind: str  # REMINDER, START, END, PERSONAL or EMPTY_CHECK
    occurrence: datetime  # the meeting's identity (the rule's instant), aware UTC
    start: datetime  # the meeting's start when this was planned: a move makes a new action
    at: datetime  # when to act, aware UTC
    offset: timedelta  # reminders, EMPTY_CHECK: before the start; END: after the planned end
    slot: timedelta = timedelta(hours=1)  # the meeting's planned duration
    user_id: int = 0  # PERSONAL: whom the direct message is to

    # Cached: a reconcile of a thousand series looks up thousands of keys, several times each.
    @cached_property
    def key(self) -> str:
        """A stable name: the same action planned twice has the same key."""
        stamp = _STAMP
        meeting = f"{self.series_slug}|{self.occurrence:{stamp}}|{self.start:{stamp}}"
        if self.kind == PERSONAL:
            # One per person and meeting, whatever the offset: changing it after the message
            # went does not send another; a move (a new start) does.
            return f"{meeting}|{self.kind}|{self.user_id}"
        return f"{meeting}|{self.kind}|{int(self.offset.total_seconds())}"


def reminder_of(key: str) -> tuple[str, datetime] | None:
    """The series and occurrence of the meeting a reminder's ``Action.key`` is for; None for
    another action's key (a start, an end)."""
    parts = key.split("|")
    if len(parts) != 5 or parts[3] != REMINDER:
        return None
    try:
        occurrence = datetime.strptime(parts[1], _STAMP).replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return parts[0], occurrence


@dataclass(frozen=True)
class MeetingState:
    """What the scheduler needs to know of the meeting an action is for."""

    start: datetime
    cancelled: bool
    started: bool
    ended: bool


class Verdict(Enum):
    WAIT = "wait"
    RUN = "run"
    DROP = "drop"


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str = ""


def planned_actions(series: SeriesConfig, occurrence: datetime, start: datetime) -> list[Action]:
    """Every action of one meeting: the look at its agenda (skip_if_empty), its reminders, its
    start, its automatic end."""

    def action(kind: str, at: datetime, offset: timedelta) -> Action:
        return Action(series.slug, kind, occurrence, start, at, offset, series.duration)

    # The look at the agenda first: a reminder due at the same instant comes after it.
    ahead = series.skip_if_empty
    actions = [action(EMPTY_CHECK, start - ahead, ahead)] if ahead else []
    actions += [action(REMINDER, start - offset, offset) for offset in series.reminders]
    if series.auto_start:
        actions.append(action(START, start, timedelta()))
    actions.append(action(END, start + series.duration + series.auto_end, series.auto_end))
    return sorted(actions, key=lambda a: a.at)


def personal_actions(
    series: SeriesConfig,
    occurrence: datetime,
    start: datetime,
    wishes: Iterable[tuple[int, timedelta]],
) -> list[Action]:
    """The direct messages before one meeting: one per (user id, offset) wished for."""
    return sorted(
        (
            Action(
                series.slug,
                PERSONAL,
                occurrence,
                start,
                start - offset,
                offset,
                series.duration,
                user_id,
            )
            for user_id, offset in wishes
        ),
        key=lambda a: (a.at, a.user_id),
    )


def decide(action: Action, state: MeetingState, now: datetime, grace: timedelta) -> Decision:
    """Whether to carry ``action`` out now, wait for its instant, or drop it for good."""
    if now < action.at:
        return Decision(Verdict.WAIT)
    if state.cancelled:
        return Decision(Verdict.DROP, "the meeting was cancelled")
    if action.kind == PERSONAL:
        # One person's message, not the topic's: late is still useful until the start.
        if state.started or state.ended or now >= state.start:
            return Decision(Verdict.DROP, "the meeting has already started")
        return Decision(Verdict.RUN)
    if action.kind == REMINDER:
        if state.started or state.ended or now >= state.start:
            return Decision(Verdict.DROP, "the meeting has already started")
        late = now - action.at
        if late > grace:
            return Decision(Verdict.DROP, f"missed by {_minutes(late)}, more than the grace")
        return Decision(Verdict.RUN)
    if action.kind == EMPTY_CHECK:
        # Late (the bot was down) it is still done, until the meeting starts.
        if state.started or state.ended:
            return Decision(Verdict.DROP, "the meeting was already started")
        if now >= state.start:
            return Decision(Verdict.DROP, "the meeting's start passed while the bot was down")
        return Decision(Verdict.RUN)
    if action.kind == START:
        if state.started or state.ended:
            return Decision(Verdict.DROP, "the meeting was already started")
        # Down through the whole meeting: starting it now would open a meeting long over.
        if now >= state.start + action.slot:
            return Decision(Verdict.DROP, "its whole planned time passed while the bot was down")
        return Decision(Verdict.RUN)
    if not state.started or state.ended:
        return Decision(Verdict.DROP, "the meeting is not running")
    return Decision(Verdict.RUN)


def empty_check_of(series: SeriesConfig, action: Action) -> Action | None:
    """The look at the agenda of ``action``'s meeting (None: skip_if_empty is off), which must
    come before its reminders and its start."""
    planned = planned_actions(series, action.occurrence, action.start)
    return next((one for one in planned if one.kind == EMPTY_CHECK), None)


def superseded(due: Sequence[Action]) -> set[str]:
    """Keys of reminders made pointless by a later one due at the same time for the same meeting.

    After downtime several reminders of one meeting can be due at once; only the last is posted.
    """
    latest: dict[tuple[str, datetime], Action] = {}
    for action in due:
        if action.kind != REMINDER:
            continue
        meeting = (action.series_slug, action.occurrence)
        if meeting not in latest or action.at > latest[meeting].at:
            latest[meeting] = action
    keep = {action.key for action in latest.values()}
    return {a.key for a in due if a.kind == REMINDER and a.key not in keep}


def reader_zones(configured: Iterable[str], profile_zones: Iterable[str]) -> list[str]:
    """The zones a reminder spells the time out in: the botrc's, then attendees' own."""
    zones: list[str] = []
    for zone in [*configured, *sorted(set(profile_zones))]:
        if zone and zone not in zones:
            zones.append(zone)
    return zones


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"

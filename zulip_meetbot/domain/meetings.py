"""Meetings: which occurrence is current, starting and ending it, and its whole record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from zulip_meetbot import store
from zulip_meetbot.config import SeriesConfig, Settings
from zulip_meetbot.domain import (
    agenda,
    attendance,
    governance,
    minutes,
    people,
    quick_votes,
    regrets,
)

# Meeting is defined with the other values; `meetings.Meeting` is the name the rooms above use.
from zulip_meetbot.domain.record import Meeting as Meeting
from zulip_meetbot.domain.record import MeetingRecord, meeting_of
from zulip_meetbot.domain.reminders import Action, MeetingState, reminder_of
from zulip_meetbot.errors import UserError
from zulip_meetbot.models import MeetingRow
from zulip_meetbot.refusals import (
    AlreadyAt,
    AlreadySkipped,
    AlreadyStarted,
    CannotStart,
    DayPassed,
    MeetingAlreadyRunning,
    MoveTooFar,
    NoMeetingOnDay,
    NothingToUnskip,
    NotRunning,
    NotSkipped,
    NotTheNextMeeting,
    NoUpcomingMeeting,
    SkippedByChair,
    TimeInPast,
    TooEarlyToStart,
    TooLateToUnskip,
    WouldRunIntoMeeting,
)
from zulip_meetbot.timeutil import local_date, occurrences, to_utc

# How many ended occurrences in a row `upcoming_meeting` steps over before giving up.
_LOOKAHEAD = 60
# A chair's `start` this long before the next meeting is more often a slip (the day after the
# last meeting) than an early start: it must name the meeting's date, or say `start now`.
EARLY_START_MARGIN = timedelta(hours=12)
# The furthest a `reschedule` may move a meeting; bounds how far back the calendar looks.
_MAX_MOVE = timedelta(days=366)
# MeetingRow.cancel_reason: skip_if_empty cancelled it for its empty agenda (None: a chair's
# `skip`); a chair's `unskip` then holds it after all, and the look at the agenda leaves it be.
EMPTY = "empty"
UNSKIPPED = "unskipped"


@dataclass(frozen=True)
class Slot:
    """An occurrence on the series' calendar, with its meeting if one was recorded yet."""

    occurrence: datetime
    start: datetime
    cancelled: bool
    meeting: Meeting | None


def meeting_value(row: MeetingRow, series: SeriesConfig) -> Meeting:
    """The row's meeting as a value: what leaves the domain."""
    return meeting_of(
        series,
        id=row.id,
        series_slug=row.series_slug,
        occurrence_start=row.occurrence_start,
        scheduled_start=row.scheduled_start,
        cancelled=row.cancelled,
        started_at=row.started_at,
        ended_at=row.ended_at,
        attendance_message_id=row.attendance_message_id,
        notes_file=row.notes_file,
    )


def _value(row: MeetingRow | None, series: SeriesConfig) -> Meeting | None:
    return None if row is None else meeting_value(row, series)


def calendar(
    session: Session,
    series: SeriesConfig,
    after: datetime,
    count: int,
    *,
    include_cancelled: bool = False,
) -> list[Slot]:
    """The next ``count`` occurrences starting at or after ``after``, skips and moves applied."""
    return _calendar(session, series, after, count, include_cancelled)[0]


@dataclass(frozen=True)
class Window:
    """One series' part of :func:`calendars`: its next ``count`` occurrences at or after
    ``after``."""

    series: SeriesConfig
    after: datetime
    count: int
    include_cancelled: bool = False


def calendars(session: Session, windows: Sequence[Window]) -> list[list[Slot]]:
    """:func:`calendar` of each window, in order, from one read of their series' meetings
    (planning a thousand series must not query once per series)."""
    if not windows:
        return []
    slugs = {window.series.slug for window in windows}
    since = min(window.after for window in windows)
    by_series: dict[str, list[MeetingRow]] = {slug: [] for slug in slugs}
    for row in store.meetings_since_of(session, slugs, since):
        by_series[row.series_slug].append(row)
    return [
        _slots(
            window.series,
            [meeting_value(row, window.series) for row in by_series[window.series.slug]],
            window.after,
            window.count,
            window.include_cancelled,
        )
        for window in windows
    ]


def _calendar(
    session: Session, series: SeriesConfig, after: datetime, count: int, include_cancelled: bool
) -> tuple[list[Slot], dict[int, MeetingRow]]:
    """:func:`calendar`, and the rows of its meetings by id, for a change to one of them."""
    rows = store.meetings_since(session, series.slug, after)
    recorded = [meeting_value(row, series) for row in rows]
    slots = _slots(series, recorded, after, count, include_cancelled)
    return slots, {row.id: row for row in rows}


def _slots(
    series: SeriesConfig,
    recorded: Iterable[Meeting],
    after: datetime,
    count: int,
    include_cancelled: bool,
) -> list[Slot]:
    """:func:`calendar` from the series' meetings whose occurrence or real start is at or after
    ``after`` (others in ``recorded`` are ignored)."""
    rows = {
        row.occurrence_start: row
        for row in recorded
        # A meeting moved into the window from before it matches on its real start.
        if row.occurrence_start >= after or row.scheduled_start >= after
    }
    # Ask the rule for enough occurrences that cancelled or moved ones cannot leave us short;
    # a meeting moved here from an earlier occurrence comes from its row.
    instants = set(occurrences(series, after, count + len(rows)))
    instants |= {occurrence for occurrence, row in rows.items() if row.scheduled_start >= after}
    slots = []
    for occurrence in sorted(instants):
        row = rows.get(occurrence)
        start = row.scheduled_start if row is not None else occurrence
        cancelled = row is not None and row.cancelled
        if start >= after and (include_cancelled or not cancelled):
            slots.append(Slot(occurrence, start, cancelled, row))
    slots.sort(key=lambda slot: slot.start)
    return slots[:count]


def materialize(session: Session, series: SeriesConfig, slot: Slot) -> Meeting:
    """The slot's meeting, recorded if this is the first time anything refers to it."""
    if slot.meeting is not None:
        return slot.meeting
    return meeting_value(_materialize(session, series, slot), series)


def _row(session: Session, meeting: Meeting) -> MeetingRow:
    """The meeting's row, for a change (in the session already, or read by its id)."""
    row = store.meeting_by_id(session, meeting.id)
    assert row is not None, "a meeting value comes from a row of the same transaction"
    return row


def _materialize(session: Session, series: SeriesConfig, slot: Slot) -> MeetingRow:
    """The slot's row, created if this is the first time anything refers to it."""
    if slot.meeting is not None:
        return _row(session, slot.meeting)
    row = store.meeting_of_occurrence(session, series.slug, slot.occurrence)
    if row is None:
        row = MeetingRow(
            series_slug=series.slug,
            occurrence_start=slot.occurrence,
            scheduled_start=slot.start,
        )
        session.add(row)
        session.flush()
    return row


def upcoming_meeting(session: Session, series: SeriesConfig, now: datetime) -> Meeting | None:
    """The running meeting, else the next planned one (its row is created on first use)."""
    found = _upcoming(session, series, now)
    return None if found is None else found[0]


def _upcoming_row(session: Session, series: SeriesConfig, now: datetime) -> MeetingRow | None:
    """The same meeting as a row, for the commands that change it."""
    found = _upcoming(session, series, now)
    if found is None:
        return None
    meeting, row = found
    return row if row is not None else _row(session, meeting)


def _upcoming(
    session: Session, series: SeriesConfig, now: datetime
) -> tuple[Meeting, MeetingRow | None] | None:
    """The running or next meeting, with its row when finding it made one."""
    # A meeting whose planned start has passed can still be started late, until its planned end.
    earliest = now - series.duration
    # Every command asks this, so one read answers all four questions: is one running, did
    # one end since `earliest`, what is on the calendar from there on, and which meetings
    # before it passed unstarted with items on their agenda.
    rows = store.running_or_since(session, series, earliest)
    found = _running_or_next(session, series, rows, earliest)
    if found is not None:
        _take_over_lapsed(session, rows, found[0], earliest)
    return found


def _take_over_lapsed(
    session: Session, rows: Iterable[Meeting], found: Meeting, earliest: datetime
) -> None:
    """Move the agenda of each meeting whose planned end passed with nobody starting it (the
    bot was down, or nobody said `start`) to ``found``, as a skip would: it can no longer
    start. Moved, its items are gone from there, so this happens once."""
    for row in rows:
        lapsed = row.started_at is None and not row.cancelled and row.scheduled_start < earliest
        if lapsed and row.id != found.id:
            agenda.move_open_items(session, row.id, found.id)


def _running_or_next(
    session: Session,
    series: SeriesConfig,
    rows: list[Meeting],
    earliest: datetime,
) -> tuple[Meeting, MeetingRow | None] | None:
    """The running meeting among ``rows``, else the first planned one from ``earliest`` on
    (with its row when it is recorded now)."""
    for row in rows:
        if row.started_at is not None and row.ended_at is None:
            return row, None  # the running one
    after = earliest
    # The last ended meeting matters only when it started since `earliest`: then it is here.
    ended = [row.scheduled_start for row in rows if row.ended_at is not None]
    if ended and max(ended) >= after:
        after = max(ended) + timedelta(seconds=1)
    # Nearly always the first slot is the one; look further only past ended ones.
    for count in (3, _LOOKAHEAD):
        for slot in _slots(series, rows, after, count, include_cancelled=False):
            if slot.meeting is None:
                made = _materialize(session, series, slot)
                return meeting_value(made, series), made
            if slot.meeting.ended_at is None:
                return slot.meeting, None
    return None


def hand_on_lapsed(session: Session, series: SeriesConfig, now: datetime) -> None:
    """Move the agenda of meetings that passed unstarted to the upcoming one, as every command
    does first: for the scheduler, whose reminders and starts name their meeting."""
    _upcoming(session, series, now)


def require_upcoming(session: Session, series: SeriesConfig, now: datetime) -> Meeting:
    meeting = upcoming_meeting(session, series, now)
    if meeting is None:
        raise NoUpcomingMeeting(series.title)
    return meeting


def require_running(session: Session, series: SeriesConfig) -> Meeting:
    meeting = running_meeting(session, series)
    if meeting is None:
        raise _none_running(session, series)
    return meeting


def running_meeting(session: Session, series: SeriesConfig) -> Meeting | None:
    """The series' running meeting, if one is."""
    return _value(store.running_meeting(session, series.slug), series)


def meeting_by_id(session: Session, series: SeriesConfig, meeting_id: int) -> Meeting | None:
    """The series' meeting ``meeting_id``, if there is one."""
    return _value(store.meeting_by_id(session, meeting_id), series)


def meetings_of_series(session: Session, series: SeriesConfig) -> list[Meeting]:
    """Every meeting of the series recorded so far, by real start."""
    return [meeting_value(row, series) for row in store.meetings_of_series(session, series.slug)]


def ended_since(session: Session, series: SeriesConfig, since: datetime) -> int:
    """How many of the series' meetings from ``since`` on have ended."""
    return sum(1 for row in store.meetings_since(session, series.slug, since) if row.ended_at)


def with_attendance_message(
    session: Session, settings: Settings, message_id: int
) -> Meeting | None:
    """The meeting whose attendance message ``message_id`` is, if its series is in the botrc."""
    row = store.meeting_with_attendance_message(session, message_id)
    series = None if row is None else settings.series_by_slug(row.series_slug)
    return None if row is None or series is None else meeting_value(row, series)


def counting_reactions(
    session: Session, settings: Settings, message_id: int, now: datetime
) -> Meeting | None:
    """The meeting whose attendance message ``message_id`` is, while reactions on it still
    count: it started, and is running or ended within its series' attendance grace."""
    row = store.meeting_with_attendance_message(session, message_id)
    if row is None or row.started_at is None:
        return None
    series = settings.series_by_slug(row.series_slug)
    if series is None:
        return None
    if row.ended_at is not None and now - row.ended_at > series.attendance_grace:
        return None  # too late: the record is closed
    return meeting_value(row, series)


def regrets_meeting(session: Session, series: SeriesConfig, now: datetime) -> Meeting:
    """The meeting `regrets` is for: the next one not started yet. While one runs, the one
    after it: whoever speaks in a running meeting is on its call."""
    meeting = upcoming_meeting(session, series, now)
    if meeting is not None and meeting.is_running:
        later = calendar(session, series, meeting.scheduled_start + timedelta(seconds=1), 1)
        meeting = materialize(session, series, later[0]) if later else None
    if meeting is None:
        raise NoUpcomingMeeting(series.title)
    return meeting


def with_reminder(session: Session, settings: Settings, message_id: int) -> Meeting | None:
    """The meeting whose posted reminder is Zulip's ``message_id`` while regrets for it still
    matter (neither cancelled nor ended); None for any other message."""
    action = store.sent_action_with_message(session, message_id)
    found = None if action is None else reminder_of(action.key)
    if found is None:
        return None
    slug, occurrence = found
    series = settings.series_by_slug(slug)
    row = store.meeting_of_occurrence(session, slug, occurrence)
    if series is None or row is None or row.cancelled or row.ended_at is not None:
        return None
    return meeting_value(row, series)


def open_attendance_message_ids(
    session: Session, series: Sequence[SeriesConfig], now: datetime
) -> list[int]:
    """The attendance messages whose reactions still count, series by series: each running
    meeting's and that of a series' last meeting if it ended within the attendance grace.
    A few statements however many series (a restart reads them all)."""
    by_slug = {one.slug: one for one in series}
    running: dict[str, MeetingRow] = {}
    for row in store.running_meetings(session):
        running.setdefault(row.series_slug, row)
    grace = max((one.attendance_grace for one in series), default=timedelta(0))
    ended: dict[str, MeetingRow] = {}
    # Few meetings end within a grace: each one's series is asked which is its last.
    slugs = {row.series_slug for row in store.meetings_ended_since(session, now - grace)}
    for one in (by_slug[slug] for slug in sorted(slugs) if slug in by_slug):
        last = store.last_ended_meeting(session, one.slug)
        if last is not None and recently_ended(session, one, last.id, now):
            ended[one.slug] = last
    rows = [row for one in series for row in (running.get(one.slug), ended.get(one.slug))]
    return [row.attendance_message_id for row in rows if row and row.attendance_message_id]


def meeting_state(session: Session, action: Action) -> MeetingState:
    """The state of the meeting ``action`` is for, as deciding on the action needs it."""
    row = store.meeting_of_occurrence(session, action.series_slug, action.occurrence)
    return _state(action, row)


def meeting_states(session: Session, actions: Sequence[Action]) -> list[MeetingState]:
    """:func:`meeting_state` of each action, in order, from one read of their meetings."""
    if not actions:
        return []
    slugs = {action.series_slug for action in actions}
    # Every row whose occurrence is one of the actions' is at or after the earliest of them.
    since = min(action.occurrence for action in actions)
    rows = {
        (row.series_slug, row.occurrence_start): row
        for row in store.meetings_since_of(session, slugs, since)
    }
    return [_state(action, rows.get((action.series_slug, action.occurrence))) for action in actions]


def _state(action: Action, row: MeetingRow | None) -> MeetingState:
    if row is None:
        return MeetingState(action.occurrence, cancelled=False, started=False, ended=False)
    return MeetingState(
        start=row.scheduled_start,
        cancelled=row.cancelled,
        started=row.started_at is not None,
        ended=row.ended_at is not None,
    )


def _none_running(
    session: Session, series: SeriesConfig, wanted: Literal["end"] | None = None
) -> NotRunning:
    """No meeting runs: say when the last one ended, so a late `end` or `note` is not a puzzle."""
    last = store.last_ended_meeting(session, series.slug)
    if last is not None and last.ended_at is not None:
        return NotRunning(series.title, wanted, meeting_value(last, series).date, last.ended_at)
    return NotRunning(series.title, wanted)


def current_topic(
    session: Session, settings: Settings, now: datetime, stream: str | None = None
) -> tuple[str, str] | None:
    """The stream and topic of the meeting the clock is at among the series (those in
    ``stream``, when given): a running one, else one due now (about to start), else the first
    series' next one, as `next` lists them; None when no series has one."""
    chosen = [
        series
        for series in settings.series
        if stream is None or series.stream.casefold() == stream.casefold()
    ]
    planned = [(series, next_meetings(session, series, now, 1)) for series in chosen]
    found = [(series, meetings[0]) for series, meetings in planned if meetings]
    if not found:
        return None
    # `next` lists a running meeting first, then one due now but not started yet; ties go to
    # the series named first.
    series, meeting = min(found, key=lambda one: (not one[1].running, one[1].start > now))
    return series.stream, meeting.topic


def start_meeting(
    session: Session,
    series: SeriesConfig,
    now: datetime,
    occurrence: datetime | None = None,
    day: date | None = None,
    confirmed: bool = False,
) -> Meeting:
    """Begin the next planned meeting (or the given occurrence) now; a running one is returned
    as is. More than ``EARLY_START_MARGIN`` early, the next meeting needs its ``day`` or
    ``confirmed`` (see :func:`check_early_start`)."""
    row = store.running_meeting(session, series.slug)
    if row is None and occurrence is not None:
        hand_on_lapsed(session, series, now)
        row = store.meeting_of_occurrence(session, series.slug, occurrence)
        if row is None:
            row = _materialize(session, series, Slot(occurrence, occurrence, False, None))
        if row.cancelled or row.ended_at is not None:
            raise CannotStart(meeting_value(row, series).date)
    if row is None:
        row = _upcoming_row(session, series, now)
        if row is None:
            raise NoUpcomingMeeting(series.title, "start")
        check_early_start(series, meeting_value(row, series), now, day, confirmed)
    if row.started_at is None:
        row.started_at = now
    return meeting_value(row, series)


def check_early_start(
    series: SeriesConfig, meeting: Meeting, now: datetime, day: date | None, confirmed: bool
) -> None:
    """Refuse a `start` naming another meeting's date, or one long before the next meeting
    that names neither its date nor `now`: a stray `start` the day after a meeting would
    otherwise open next week's."""
    if day is not None and day != meeting.date:
        raise NotTheNextMeeting(series.title, meeting.date, meeting.scheduled_start, day)
    if day is None and not confirmed and meeting.scheduled_start - now > EARLY_START_MARGIN:
        raise TooEarlyToStart(
            series.title, meeting.date, meeting.scheduled_start, EARLY_START_MARGIN
        )


def set_attendance_message(session: Session, meeting_id: int, message_id: int) -> None:
    row = store.meeting_by_id(session, meeting_id)
    if row is not None:
        row.attendance_message_id = message_id


def end_meeting(session: Session, series: SeriesConfig, now: datetime, notes_file: str) -> Meeting:
    """Close the running meeting and remember where its notes were written."""
    row = store.running_meeting(session, series.slug)
    if row is None:
        raise _none_running(session, series, "end")
    row.ended_at = now
    row.notes_file = notes_file or None
    session.flush()
    return meeting_value(row, series)


def set_notes_file(session: Session, meeting_id: int, notes_file: str) -> None:
    row = store.meeting_by_id(session, meeting_id)
    if row is not None:
        row.notes_file = notes_file


def recently_ended(
    session: Session, series: SeriesConfig, meeting_id: int, now: datetime
) -> Meeting | None:
    """The meeting, if it ended no longer than the series' attendance grace ago."""
    row = store.meeting_by_id(session, meeting_id)
    if row is None or row.ended_at is None or now - row.ended_at > series.attendance_grace:
        return None
    return meeting_value(row, series)


def attendance_meeting(session: Session, series: SeriesConfig, now: datetime) -> Meeting:
    """The meeting `here` applies to: the running one, else one just ended (late attendance)."""
    running = running_meeting(session, series)
    if running is not None:
        return running
    last = store.last_ended_meeting(session, series.slug)
    if last is not None and (late := recently_ended(session, series, last.id, now)):
        return late
    raise _none_running(session, series)


def minutes_meeting(session: Session, series: SeriesConfig, now: datetime) -> Meeting:
    """The meeting whose notes, decisions and actions `note edit N` and the like change: the
    running one, else one ended within the attendance grace, else the next one."""
    try:
        return attendance_meeting(session, series, now)
    except UserError:
        return require_upcoming(session, series, now)


def meeting_record(session: Session, series: SeriesConfig, meeting: Meeting) -> MeetingRecord:
    """Everything the notes file of ``meeting`` shows, read from the database.

    It depends on nothing but the database, so a meeting re-rendered later (``meetbot render``)
    gives the same file; completions after the meeting's end do not leak into it.
    """
    items = agenda.live_items(session, meeting.id)
    earlier = store.open_actions_before(
        session, series.slug, meeting.scheduled_start, meeting.started_at or meeting.scheduled_start
    )
    earlier_owners = store.action_owners(session, [action.id for action in earlier])
    said_rows = minutes.load(session, meeting.id)
    present = attendance.attendee_ids(session, meeting.id)
    # Everyone in the record, in the order that keeps initials shown in agendas and reminders.
    appeared = [(item.created_at, item.proposer_id) for item in items]
    appeared += minutes.appearances(said_rows)
    for action in earlier:
        appeared += [
            (action.created_at, uid) for uid in (action.author_id, *earlier_owners[action.id])
        ]
    user_ids = people.precedence(appeared, present)
    # One read of their rows serves the roster and the attendees table.
    known = store.people(session, user_ids)
    roster = people.roster(known, user_ids)
    numbers = {item.id: item.number for item in items}
    said, decisions, actions = minutes.minutes_by_item(
        session, said_rows, roster, numbers, series.zone, meeting.ended_at
    )
    sections = agenda.sections(items, series.sections, roster, said)
    # Votes as they stood at the meeting's end: a late re-render shows what was open then.
    previous = store.previous_held_meeting(session, series.slug, meeting.scheduled_start)
    since = None if previous is None else previous.ended_at or previous.started_at
    ongoing_votes, closed_votes = governance.announced_votes(
        session, series.slug, since, meeting.ended_at
    )
    return MeetingRecord(
        series_slug=series.slug,
        title=series.title,
        date=meeting.date,
        start_utc=meeting.scheduled_start,
        timezone=series.timezone,
        video_link=series.video_link,
        video_label=series.video_label,
        description=series.description,
        attendees=attendance.attendees(known, present, roster),
        sections=sections,
        decisions=decisions,
        actions=actions,
        open_actions=tuple(
            minutes.action_values(
                session, earlier, roster, {}, series.zone, meeting.ended_at, earlier_owners
            )
        ),
        deferred=agenda.handed_on(sections),
        handed_on=agenda.handed_on(sections, unticked=series.carry_over == "unticked"),
        votes=quick_votes.votes_of(session, meeting.id),
        ongoing_votes=ongoing_votes,
        closed_votes=closed_votes,
        regrets=regrets.names(session, meeting.id, present),
    )


@dataclass(frozen=True)
class PlannedMeeting:
    """A future (or running) meeting as `next` and the calendar export show it."""

    occurrence_start: datetime
    start: datetime
    date: date
    topic: str
    moved: bool
    running: bool


def next_meetings(
    session: Session, series: SeriesConfig, now: datetime, count: int
) -> list[PlannedMeeting]:
    """The running meeting, if any, then the next planned ones: ``count`` in all."""
    result = []
    running = store.running_meeting(session, series.slug)
    if running is not None:
        result.append(_planned(series, running.occurrence_start, running.scheduled_start, True))
    after = now if running is None else running.scheduled_start + timedelta(seconds=1)
    last_ended = store.last_ended_meeting(session, series.slug)
    if last_ended is not None and last_ended.scheduled_start >= after - series.duration:
        after = max(after, last_ended.scheduled_start + timedelta(seconds=1))
    elif running is None:
        after = now - series.duration  # a meeting due now but not started yet still counts
    for slot in calendar(session, series, after, count):
        if slot.meeting is None or (
            slot.meeting.ended_at is None and slot.meeting.started_at is None
        ):
            result.append(_planned(series, slot.occurrence, slot.start, False))
    return result[:count]


def _planned(
    series: SeriesConfig, occurrence: datetime, start: datetime, running: bool
) -> PlannedMeeting:
    day = local_date(start, series.zone)
    return PlannedMeeting(
        occurrence_start=occurrence,
        start=start,
        date=day,
        topic=series.topic_for(day),
        moved=occurrence != start,
        running=running,
    )


def skip_meeting(
    session: Session, series: SeriesConfig, now: datetime, day: date | None
) -> tuple[Meeting, Meeting | None, int]:
    """Cancel the next meeting, or the one on ``day``; its open agenda moves to the next one.

    Returns the cancelled meeting, the next meeting and how many items moved there.
    """
    if day is None:
        upcoming = _upcoming_row(session, series, now)
        if upcoming is None:
            raise NoUpcomingMeeting(series.title, "skip")
        if upcoming.started_at is not None:
            raise MeetingAlreadyRunning("skip")
        row = upcoming
    else:
        row = _row_on(session, series, now, day)
    return _cancel(session, series, now, row, None)


def _cancel(
    session: Session, series: SeriesConfig, now: datetime, row: MeetingRow, reason: str | None
) -> tuple[Meeting, Meeting | None, int]:
    """Cancel ``row`` for ``reason`` and move its open agenda to the meeting after it."""
    row.cancelled = True
    row.cancel_reason = reason
    session.flush()
    cancelled = meeting_value(row, series)
    # The meeting after the cancelled one (not simply the next one: a later date can be skipped).
    after = max(now - series.duration, row.scheduled_start + timedelta(seconds=1))
    later = calendar(session, series, after, 1)
    following = materialize(session, series, later[0]) if later else None
    moved = 0
    if following is not None:
        moved = agenda.move_open_items(session, row.id, following.id)
    return cancelled, following, moved


def cancel_if_empty(
    session: Session, series: SeriesConfig, occurrence: datetime, now: datetime
) -> tuple[Meeting, Meeting | None] | None:
    """skip_if_empty: cancel the meeting of ``occurrence`` as a chair's `skip` would when its
    agenda holds no item (carried-over ones count, removed ones do not). Returns it and the
    meeting after it; None when it is kept (items, started, cancelled, or unskipped)."""
    hand_on_lapsed(session, series, now)  # a lapsed meeting's items are this one's
    row = store.meeting_of_occurrence(session, series.slug, occurrence)
    if row is None:
        row = _materialize(session, series, Slot(occurrence, occurrence, False, None))
    if row.cancelled or row.started_at is not None or row.cancel_reason == UNSKIPPED:
        return None
    if agenda.live_item_count(session, row.id):
        return None
    cancelled, following, _moved = _cancel(session, series, now, row, EMPTY)
    return cancelled, following


def unskip_meeting(
    session: Session, series: SeriesConfig, now: datetime, day: date | None
) -> Meeting:
    """Hold after all the meeting skip_if_empty cancelled (the next such one, or the one on
    ``day``), before its start; a chair's `skip` is not undone (its agenda moved on)."""
    zone = series.zone
    if day is not None and day < local_date(now, zone):
        raise DayPassed(day)
    # From a meeting's length back (and from ``day``'s midnight): one whose start has just
    # passed is refused as too late, not as unknown.
    after = now - series.duration
    if day is not None:
        after = min(after, to_utc(datetime.combine(day, time()), zone))
    slots, rows = _calendar(session, series, after, _LOOKAHEAD, include_cancelled=True)
    pairs = [(slot, rows[slot.meeting.id] if slot.meeting else None) for slot in slots]

    def auto_skipped(row: MeetingRow | None) -> bool:
        return row is not None and row.cancelled and row.cancel_reason == EMPTY

    if day is None:
        found = [(slot, row) for slot, row in pairs if auto_skipped(row)]
        ahead = [(slot, row) for slot, row in found if slot.start > now]
        if not found:
            raise NothingToUnskip(series.title)
        slot, row = (ahead or found)[0]
    else:
        on_day = [(slot, row) for slot, row in pairs if local_date(slot.start, zone) == day]
        if not on_day:
            coming = [local_date(slot.start, zone) for slot, _ in pairs if slot.start > now]
            raise NoMeetingOnDay(series.title, day, tuple(coming[:3]))
        slot, row = next((pair for pair in on_day if auto_skipped(pair[1])), on_day[0])
        if row is None or not row.cancelled:
            raise NotSkipped(day)
        if row.cancel_reason != EMPTY:
            raise SkippedByChair(day)
    assert row is not None
    meeting = meeting_value(row, series)
    if slot.start <= now:
        raise TooLateToUnskip(meeting.date, slot.start)
    # A meeting moved into its time meanwhile would overlap it.
    for other in calendar(session, series, slot.start - series.duration + timedelta(seconds=1), 3):
        if other.occurrence != slot.occurrence and other.start < slot.start + series.duration:
            raise WouldRunIntoMeeting(other.start)
    row.cancelled = False
    row.cancel_reason = UNSKIPPED
    return meeting_value(row, series)


def _row_on(session: Session, series: SeriesConfig, now: datetime, day: date) -> MeetingRow:
    if day < local_date(now, series.zone):
        raise DayPassed(day)
    slots, rows = _calendar(session, series, now, _LOOKAHEAD, include_cancelled=True)
    for slot in slots:
        slot_day = local_date(slot.start, series.zone)
        if slot_day > day:
            break
        if slot_day == day:
            if slot.cancelled:
                raise AlreadySkipped(day)
            if slot.meeting is not None:
                row = rows[slot.meeting.id]
            else:
                row = _materialize(session, series, slot)
            if row.started_at is not None:
                raise AlreadyStarted(day)
            return row
    upcoming = [  # the ones a skip could still cancel: not one that has started
        local_date(slot.start, series.zone)
        for slot in calendar(session, series, now, 4)
        if slot.meeting is None or slot.meeting.started_at is None
    ][:3]
    raise NoMeetingOnDay(series.title, day, tuple(upcoming))


def reschedule_meeting(
    session: Session,
    series: SeriesConfig,
    now: datetime,
    to: datetime | None,
    shift: timedelta | None,
) -> tuple[datetime, Meeting]:
    """Move the next meeting to ``to`` (a wall time in the series' zone) or by ``shift``.

    Returns its previous start and the moved meeting.
    """
    row = _upcoming_row(session, series, now)
    if row is None:
        raise NoUpcomingMeeting(series.title, "reschedule")
    if row.started_at is not None:
        raise MeetingAlreadyRunning("reschedule")
    before = row.scheduled_start
    new_start = before + shift if shift is not None else to_utc(to, series.zone)  # type: ignore[arg-type]
    if new_start <= now:
        raise TimeInPast(new_start)
    if new_start == before:
        raise AlreadyAt(before)
    if new_start - row.occurrence_start > _MAX_MOVE or row.occurrence_start - new_start > _MAX_MOVE:
        raise MoveTooFar()
    window_start = new_start - series.duration + timedelta(seconds=1)
    for slot in calendar(session, series, window_start, 3):
        if slot.occurrence == row.occurrence_start:
            continue
        if slot.start < new_start + series.duration:
            raise WouldRunIntoMeeting(slot.start)
    row.scheduled_start = new_start
    return before, meeting_value(row, series)


@dataclass(frozen=True)
class CalendarChange:
    """An occurrence that no longer happens as the rule says: cancelled, or moved."""

    occurrence_start: datetime
    start: datetime
    cancelled: bool


def calendar_changes(session: Session, series: SeriesConfig) -> list[CalendarChange]:
    """Every skipped or moved occurrence of the series, in order."""
    return [
        CalendarChange(row.occurrence_start, row.scheduled_start, row.cancelled)
        for row in store.changed_meetings(session, series.slug)
    ]

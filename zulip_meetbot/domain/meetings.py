"""Meetings: which occurrence is current, starting and ending it, and its whole record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from zulip_meetbot import store
from zulip_meetbot.config import SeriesConfig, Settings
from zulip_meetbot.domain import agenda, attendance, minutes, people
from zulip_meetbot.domain.record import MeetingRecord
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
    NotRunning,
    NotTheNextMeeting,
    NoUpcomingMeeting,
    TimeInPast,
    TooEarlyToStart,
    WouldRunIntoMeeting,
)
from zulip_meetbot.store import MeetingLine
from zulip_meetbot.timeutil import local_date, occurrences, to_utc

# How many ended occurrences in a row `upcoming_meeting` steps over before giving up.
_LOOKAHEAD = 60
# A chair's `start` this long before the next meeting is more often a slip (the day after the
# last meeting) than an early start: it must name the meeting's date, or say `start now`.
EARLY_START_MARGIN = timedelta(hours=12)
# The furthest a `reschedule` may move a meeting; bounds how far back the calendar looks.
_MAX_MOVE = timedelta(days=366)


@dataclass(frozen=True)
class Meeting:
    """One occurrence of a series as the rest of the bot sees it."""

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


@dataclass(frozen=True)
class Slot:
    """An occurrence on the series' calendar, with its row if one exists yet."""

    occurrence: datetime
    start: datetime
    cancelled: bool
    row: MeetingRow | MeetingLine | None


def meeting_value(row: MeetingRow | MeetingLine, series: SeriesConfig) -> Meeting:
    day = local_date(row.scheduled_start, series.zone)
    return Meeting(
        id=row.id,
        series_slug=row.series_slug,
        occurrence_start=row.occurrence_start,
        scheduled_start=row.scheduled_start,
        date=day,
        topic=series.topic_for(day),
        cancelled=row.cancelled,
        started_at=row.started_at,
        ended_at=row.ended_at,
        attendance_message_id=row.attendance_message_id,
        notes_file=row.notes_file,
    )


def calendar(
    session: Session,
    series: SeriesConfig,
    after: datetime,
    count: int,
    *,
    include_cancelled: bool = False,
) -> list[Slot]:
    """The next ``count`` occurrences starting at or after ``after``, skips and moves applied."""
    rows = store.meetings_since(session, series.slug, after)
    return _slots(series, rows, after, count, include_cancelled)


def _slots(
    series: SeriesConfig,
    meeting_rows: Iterable[MeetingRow | MeetingLine],
    after: datetime,
    count: int,
    include_cancelled: bool,
) -> list[Slot]:
    """:func:`calendar` from the series' rows whose occurrence or real start is at or after
    ``after`` (others in ``meeting_rows`` are ignored)."""
    rows = {
        row.occurrence_start: row
        for row in meeting_rows
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


def materialize(session: Session, series: SeriesConfig, slot: Slot) -> MeetingRow:
    """The slot's row, created if this is the first time anything refers to it."""
    if slot.row is not None:
        return store.meeting_row(session, slot.row)
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
    return None if found is None else meeting_value(found, series)


def _upcoming_row(session: Session, series: SeriesConfig, now: datetime) -> MeetingRow | None:
    """The same meeting as a row, for the commands that change it."""
    found = _upcoming(session, series, now)
    return None if found is None else store.meeting_row(session, found)


def _upcoming(
    session: Session, series: SeriesConfig, now: datetime
) -> MeetingRow | MeetingLine | None:
    # A meeting whose planned start has passed can still be started late, until its planned end.
    earliest = now - series.duration
    # Every command asks this, so one read answers all four questions: is one running, did
    # one end since `earliest`, what is on the calendar from there on, and which meetings
    # before it passed unstarted with items on their agenda.
    rows = store.running_or_since(session, series.slug, earliest)
    found = _running_or_next(session, series, rows, earliest)
    if found is not None:
        _take_over_lapsed(session, rows, found, earliest)
    return found


def _take_over_lapsed(
    session: Session,
    rows: Iterable[MeetingRow | MeetingLine],
    found: MeetingRow | MeetingLine,
    earliest: datetime,
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
    rows: list[MeetingLine],
    earliest: datetime,
) -> MeetingRow | MeetingLine | None:
    """The running meeting among ``rows``, else the first planned one from ``earliest`` on."""
    for row in rows:
        if row.started_at is not None and row.ended_at is None:
            return row  # the running one
    after = earliest
    # The last ended meeting matters only when it started since `earliest`: then it is here.
    ended = [row.scheduled_start for row in rows if row.ended_at is not None]
    if ended and max(ended) >= after:
        after = max(ended) + timedelta(seconds=1)
    # Nearly always the first slot is the one; look further only past ended ones.
    for count in (3, _LOOKAHEAD):
        for slot in _slots(series, rows, after, count, include_cancelled=False):
            if slot.row is None:
                return materialize(session, series, slot)
            if slot.row.ended_at is None:
                return slot.row
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
    row = store.running_meeting(session, series.slug)
    if row is None:
        raise _none_running(session, series)
    return meeting_value(row, series)


def _none_running(
    session: Session, series: SeriesConfig, wanted: Literal["end"] | None = None
) -> NotRunning:
    """No meeting runs: say when the last one ended, so a late `end` or `note` is not a puzzle."""
    last = store.last_ended_meeting(session, series.slug)
    if last is not None and last.ended_at is not None:
        return NotRunning(series.title, wanted, meeting_value(last, series).date, last.ended_at)
    return NotRunning(series.title, wanted)


def running_topic(session: Session, settings: Settings) -> tuple[str, str] | None:
    """The stream and topic of a meeting running in any series, if one is."""
    for series in settings.series:
        row = store.running_meeting(session, series.slug)
        if row is not None:
            return series.stream, meeting_value(row, series).topic
    return None


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
            row = materialize(session, series, Slot(occurrence, occurrence, False, None))
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
    running = store.running_meeting(session, series.slug)
    if running is not None:
        return meeting_value(running, series)
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
        if slot.row is None or (slot.row.ended_at is None and slot.row.started_at is None):
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
    row.cancelled = True
    session.flush()
    cancelled = meeting_value(row, series)
    # The meeting after the cancelled one (not simply the next one: a later date can be skipped).
    after = max(now - series.duration, row.scheduled_start + timedelta(seconds=1))
    later = calendar(session, series, after, 1)
    following = materialize(session, series, later[0]) if later else None
    moved = 0
    if following is not None:
        moved = agenda.move_open_items(session, row.id, following.id)
    return cancelled, (None if following is None else meeting_value(following, series)), moved


def _row_on(session: Session, series: SeriesConfig, now: datetime, day: date) -> MeetingRow:
    if day < local_date(now, series.zone):
        raise DayPassed(day)
    for slot in calendar(session, series, now, _LOOKAHEAD, include_cancelled=True):
        slot_day = local_date(slot.start, series.zone)
        if slot_day > day:
            break
        if slot_day == day:
            if slot.cancelled:
                raise AlreadySkipped(day)
            row = materialize(session, series, slot)
            if row.started_at is not None:
                raise AlreadyStarted(day)
            return row
    upcoming = [  # the ones a skip could still cancel: not one that has started
        local_date(slot.start, series.zone)
        for slot in calendar(session, series, now, 4)
        if slot.row is None or slot.row.started_at is None
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

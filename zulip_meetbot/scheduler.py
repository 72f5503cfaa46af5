"""Runs the decided actions on time: APScheduler 3 with its job store in meetbot's database.

``reconcile`` makes the stored jobs match what the botrc, the calendar, the open governance
votes and the items under discussion (their overrun nudges) want now; ``run_due`` carries out
whatever is due at the clock's instant (tests and the shell move that clock); each action is
claimed in the database before it posts, so a restart never repeats one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session

from zulip_meetbot import lifecycle, views, vote_lifecycle
from zulip_meetbot.app import App
from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.domain import (
    attendance,
    governance,
    meetings,
    personal_reminders,
    posts,
    timeboxes,
)
from zulip_meetbot.domain.governance import REMIND, VOTE_JOB, VoteAction
from zulip_meetbot.domain.posts import NOTICE, OwedPost
from zulip_meetbot.domain.posts import REMINDER as OWED_REMINDER
from zulip_meetbot.domain.reminders import (
    EMPTY_CHECK,
    PERSONAL,
    REMINDER,
    START,
    Action,
    Verdict,
    decide,
    empty_check_of,
    personal_actions,
    planned_actions,
    reader_zones,
    superseded,
)
from zulip_meetbot.domain.timeboxes import NUDGE_KEY, NudgeDue
from zulip_meetbot.lifecycle import Poster
from zulip_meetbot.store import JobStore
from zulip_meetbot.timeutil import occurrences_between

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
RECONCILE_JOB = "meetbot-reconcile"
RECONCILE_EVERY = timedelta(minutes=5)
# How many upcoming meetings per series have jobs at any time.
_SLOTS_AHEAD = 10
# Of the actions due at one instant, starts go first (their attendance messages are the most
# urgent posts), then reminders, then the rest (ends, checks, direct messages).
_URGENCY = {START: 0, REMINDER: 1}
_EPOCH = datetime.min.replace(tzinfo=timezone.utc)

# APScheduler logs at INFO each job it adds, removes and runs: thousands of lines at a first
# start with a thousand series, and two every five minutes for the reconcile. meetbot logs a
# line of its own per action carried out; APScheduler's are kept for --log-level DEBUG.
_JOB_CHATTER = ("Adding job tentatively", "Added job", "Removed job", "Running job", "Job ")
_APSCHEDULER_LOGGERS = ("apscheduler.scheduler", "apscheduler.executors.default")


class _JobChatter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        chatter = record.levelno == logging.INFO and str(record.msg).startswith(_JOB_CHATTER)
        return not chatter or logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def _quiet_job_chatter() -> None:
    """Leave APScheduler's line per job added, removed or run out of the log (below DEBUG)."""
    for name in _APSCHEDULER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(one, _JobChatter) for one in logger.filters):
            logger.addFilter(_JobChatter())


# APScheduler stores a job as a reference to a module-level function; it finds the running
# scheduler here.
_active: MeetingScheduler | None = None


class MeetingScheduler:
    """Plans each series' reminders, starts and ends, and the governance votes' reminders and
    closes, and carries them out exactly once."""

    def __init__(self, app: App, poster: Poster) -> None:
        self.app = app
        self.settings = app.settings
        self.store = app.store
        self.clock = app.clock
        self.poster = poster
        self._aps: BackgroundScheduler | None = None
        self._jobs: JobStore | None = None
        # Held by a reconcile from start to end, and by shutdown while it lets go of APScheduler.
        self._jobs_lock = threading.RLock()
        # Everything due up to here was carried out by a job's sweep (see fire).
        self._swept_until = _EPOCH
        app.on_calendar_change = self.reconcile

    # -- APScheduler ------------------------------------------------------------------------

    def start(self) -> None:
        """Catch up on what was due while the bot was down, then run on the real clock."""
        global _active
        _active = self
        _quiet_job_chatter()
        self._jobs = JobStore(self.store.engine, JOB_TABLE)
        self._aps = BackgroundScheduler(
            jobstores={"default": self._jobs},
            executors={"default": ThreadPoolExecutor(1)},
            # Lateness is judged by `decide` (with the botrc's grace), not by APScheduler.
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
            timezone=timezone.utc,
        )
        self._aps.start(paused=True)
        self.run_due()
        self.reconcile()
        self._aps.add_job(
            _reconcile,
            "interval",
            seconds=RECONCILE_EVERY.total_seconds(),
            id=RECONCILE_JOB,
            replace_existing=True,
        )
        self._aps.resume()

    def shutdown(self) -> None:
        global _active
        # A job finishing during the shutdown must not ask APScheduler for its jobs while
        # shutdown(wait=True) holds their lock and waits for that job (a deadlock): no job
        # reconciles once _active is None, and a reconcile under way (one of a job that fired
        # just before) ends before APScheduler is let go of.
        _active = None
        with self._jobs_lock:
            aps, self._aps = self._aps, None
        if aps is not None and aps.running:
            aps.shutdown(wait=True)

    def reconcile(self, series: SeriesConfig | None = None) -> None:
        """Make the stored jobs exactly the actions still to come (botrc edits included); after
        a change to one series' calendar, only its meetings' jobs (and the votes' and nudges',
        few) are looked at: the other series' plans have not changed."""
        with self._jobs_lock:
            aps, jobs = self._aps, self._jobs
            if aps is not None and aps.running and jobs is not None:
                # The changes are written together as the batch ends (a thousand series'
                # jobs in one transaction), then APScheduler looks at its next instant again.
                with jobs.batch():
                    self._match_jobs(aps, jobs, series)
                aps.wakeup()

    def _match_jobs(
        self, aps: BackgroundScheduler, jobs: JobStore, series: SeriesConfig | None
    ) -> None:
        """Add, move and remove ``aps``'s jobs (of ``series`` only, if given) to match the
        plan; under ``_jobs_lock``."""
        if series is None:
            wanted = {action.key: action for action in self.pending_actions()}
            stored = aps.get_jobs()
        else:
            wanted = {action.key: action for action in self.pending_actions([series])}
            # Its meetings' jobs (their ids start with its slug), the votes' and the nudges'.
            stored = jobs.jobs_named([f"{series.slug}|", VOTE_JOB, NUDGE_KEY])
        votes_wanted = {action.key: action for action in self.vote_actions()}
        nudges_wanted = {nudge.key: nudge for nudge in self.nudges_ahead()}
        existing = {}
        for job in stored:
            if job.id == RECONCILE_JOB or (
                job.id in wanted or job.id in votes_wanted or job.id in nudges_wanted
            ):
                existing[job.id] = job
            else:
                job.remove()
        now = self.clock.now()
        for key, action in wanted.items():
            # A personal reminder keeps its key when its offset changes: put it at its instant.
            job = existing.get(key)
            if job is None or job.kwargs.get("at") != action.at.isoformat():
                _put(aps, key, _fire, action.at, _job_kwargs(action), now)
        # A vote's job keeps its key when its instant moves (a database edited while the bot
        # was down), a nudge's when the item's timebox changes or it is discussed again: put
        # each at the instant planned now.
        one_offs: list[tuple[str, Callable[..., None], datetime, dict[str, Any]]] = [
            (
                key,
                _fire_vote,
                vote.at,
                {"number": vote.number, "kind": vote.kind, "ordinal": vote.ordinal},
            )
            for key, vote in votes_wanted.items()
        ]
        one_offs += [
            (key, _fire_nudge, nudge.at, {"series_slug": nudge.series_slug})
            for key, nudge in nudges_wanted.items()
        ]
        for key, fire, at, kwargs in one_offs:
            job = existing.get(key)
            if job is None or (at > now and job.next_run_time != at):
                _put(aps, key, fire, at, kwargs, now)

    # -- deciding and doing -----------------------------------------------------------------

    def pending_actions(self, series: Sequence[SeriesConfig] | None = None) -> list[Action]:
        """Every planned action of the coming meetings (of every series, or of ``series``)
        not yet taken or dropped."""
        now = self.clock.now()
        asked = self.settings.series if series is None else series
        chosen = [one for one in asked if self.app.runs(one)]
        with self.store.transaction() as session:
            return pending_actions_in(session, chosen, now, self.settings.reminder_grace)

    def vote_actions(self) -> list[VoteAction]:
        """The open governance votes' reminders not yet claimed and their closes, soonest
        first: those of votes whose series is in the botrc (the others' stream is unknown)."""
        return [action for _series, action in self._vote_plan()]

    def nudges_ahead(self) -> list[NudgeDue]:
        """Each running meeting's next overrun nudge for its item under discussion: one job
        at the instant the item's time runs out (then at twice it), moved by ``reconcile``
        whenever the item under discussion or its timebox changes."""
        slugs = [series.slug for series in self.settings.series if self.app.runs(series)]
        with self.store.transaction() as session:
            return timeboxes.nudges_ahead(session, slugs)

    def nudge(self, series_slug: str) -> bool:
        """The overrun nudge due now in the series' running meeting, if one still is; True if
        it was posted (or owed)."""
        series = self.settings.series_by_slug(series_slug)
        if series is None or not self._slot_free():
            return False
        with self.app.lock:
            return lifecycle.nudge(
                self.store, self.app.ledger, series, self.clock.now(), self.poster
            )

    def run_due(self) -> list[str]:
        """Carry out every action due at the clock's instant; returns their keys."""
        now = self.clock.now()
        due = [action for action in self.pending_actions() if action.at <= now]
        skip = superseded(due)
        done = []
        for action in sorted(due, key=lambda a: (a.at, _URGENCY.get(a.kind, 2))):
            if action.key in skip:
                self._record(action, "dropped", None)
                log.info(
                    "%s: %s dropped: a later reminder is due too",
                    action.series_slug,
                    _described(action),
                )
                continue
            if self.perform(action):
                done.append(action.key)
        for nudge in self.nudges_ahead():
            if nudge.at <= now and self.nudge(nudge.series_slug):
                done.append(nudge.key)
        # Each reminder missed while down is posted late, once, while the deadline is ahead
        # (the timeout rules count them); past the deadline the close comes instead.
        for series, vote_action in self._vote_plan():
            if vote_action.at <= now and self.perform_vote(series, vote_action):
                done.append(vote_action.key)
        return done

    def perform_vote(self, series: SeriesConfig, action: VoteAction) -> bool:
        """A vote's reminder or close, if due and still wanted; True if it was carried out."""
        now = self.clock.now()
        if action.at > now:
            return False  # fired early (APScheduler's clock and ours differ): put back
        if not self._slot_free():
            return False
        if action.kind == REMIND:
            done = vote_lifecycle.remind(
                self.app, self.poster, series, action.number, action.ordinal, now
            )
        else:
            closed = vote_lifecycle.close_if_complete(
                self.app, self.poster, series, action.number, now
            )
            done = closed is not None
        if done:
            late = (self.clock.now() - action.at).total_seconds()
            log.info("%s: %s done %.3f s after its instant", series.slug, action.key, late)
        return done

    def fire_vote(self, number: int, kind: str, ordinal: int) -> bool:
        """A stored vote job's action, as planned now (nothing if no longer wanted)."""
        for series, action in self._vote_plan():
            if (action.number, action.kind, action.ordinal) == (number, kind, ordinal):
                return self.perform_vote(series, action)
        return False

    def _vote_plan(self) -> list[tuple[SeriesConfig, VoteAction]]:
        with self.store.transaction() as session:
            due = governance.actions_due(session)
            slugs = governance.series_of_open_votes(session)
        plan = []
        for action in due:
            series = self.settings.series_by_slug(slugs.get(action.number, ""))
            if series is not None and self.app.runs(series):
                plan.append((series, action))
        return plan

    def fire(self, action: Action) -> bool:
        """A stored job's action. APScheduler runs the jobs of one instant in no set order: the
        first carries out everything due by now, starts first; the others find theirs done."""
        if action.at > self._swept_until:
            self._swept_until = self.clock.now()
            self.run_due()
        return self.perform(action)

    def perform(self, action: Action) -> bool:
        """Carry out one action if it is still wanted; True if it posted."""
        series = self.settings.series_by_slug(action.series_slug)
        if series is None or not self.app.runs(series):
            return False  # its series left the botrc or its stream: reconcile drops the job
        if not self._slot_free():
            return False  # stopping: still due, carried out at the next start
        # Whatever order the jobs of one instant fire in, the look at the agenda comes first
        # (a direct message, a reminder or the start of a meeting it cancels is dropped).
        check = (
            empty_check_of(series, action) if action.kind in (REMINDER, START, PERSONAL) else None
        )
        if check is not None and check.at <= self.clock.now():
            self.perform(check)
        if action.kind == PERSONAL:
            return self._remind_personally(series, action)
        with self.app.lock:
            now = self.clock.now()
            zones = self._zones(series) if action.kind == REMINDER else []
            with self.store.transaction() as session:
                # Claimed before posting: if the post fails or we die, it is never repeated;
                # a reminder's text is owed with the claim, posted later while still timely.
                if not self._claim(session, series, action, now):
                    return False
                owed: OwedPost | None = None
                edits: list[lifecycle.Edit] = []
                if action.kind == REMINDER:
                    owed = self._owe_reminder(session, series, action, now, zones)
                if action.kind == EMPTY_CHECK:
                    owed, edits = self._owe_cancellation(session, series, action, now)
            # As after a chair's `skip`: the reminders claimed with the change, edited once
            # it is committed (one Zulip refuses stays as it is; the notice tells all).
            lifecycle.edit_messages(self.poster, edits)
            if action.kind == REMINDER:
                # Recorded by deliver; a reminder already owed is the runtime's to post.
                posted = lifecycle.deliver(self.app.ledger, self.poster, owed) if owed else None
            elif action.kind == EMPTY_CHECK:
                # The cancellation is owed with it (posted at the next start if this one
                # fails); a meeting kept, with items on its agenda, posts nothing.
                posted = lifecycle.deliver(self.app.ledger, self.poster, owed) if owed else None
                if owed is None:
                    self._record(action, "dropped", None)
                    log.info(
                        "%s: meeting of %s kept: its agenda has items", series.slug, action.start
                    )
            else:
                posted = self._carry_out(series, action, now)
                self._record(action, "posted" if posted is not None else "dropped", posted)
            late = (self.clock.now() - action.at).total_seconds()
            log.info(
                "%s: %s for %s done %.3f s after its instant",
                series.slug,
                action.kind,
                action.start,
                late,
            )
        return posted is not None

    def _slot_free(self) -> bool:
        """Wait, holding no lock, until a post may go under Zulip's rate limit and leave room
        for replies: a wave of posts due together waits here, not with the app's lock held, so
        people's commands are answered meanwhile. False if meetbot is stopping."""
        wait = getattr(self.poster, "wait_for_slot", None)
        return wait is None or bool(wait())

    def _claim(self, session: Session, series: SeriesConfig, action: Action, now: datetime) -> bool:
        """Whether to carry ``action`` out now: then it is claimed; one that never will be is
        recorded dropped; one that waits, or was taken or moved already, is left alone."""
        if posts.action_taken(session, action.key):
            return False
        state = meetings.meeting_state(session, action)
        if state.start != action.start:
            return False  # moved since this was planned: its replacement will run
        decision = decide(action, state, now, self.settings.reminder_grace)
        if decision.verdict is Verdict.WAIT:
            return False
        if decision.verdict is Verdict.DROP:
            posts.claim_action(session, action, "dropped", now)
            log.info("%s: %s dropped: %s", series.slug, _described(action), decision.reason)
            return False
        posts.claim_action(session, action, "claimed", now)
        return True

    def _remind_personally(self, series: SeriesConfig, action: Action) -> bool:
        """The direct message `remind me` asked for, if still wished for (at this offset) and
        timely; claimed before it is sent, so it never goes twice (nor again after a crash
        between the claim and Zulip's answer)."""
        with self.app.lock:
            now = self.clock.now()
            with self.store.transaction() as session:
                offset = personal_reminders.reminder_of(session, series.slug, action.user_id)
                if offset != action.offset:
                    return False  # stopped or changed since: its replacement, if any, runs
                if not self._claim(session, series, action, now):
                    return False
                meetings.hand_on_lapsed(session, series, now)
                slot = meetings.Slot(action.occurrence, action.start, False, None)
                meeting = meetings.materialize(session, series, slot)
                text = views.personal_reminder(series, meeting, now)
            # Zulip's preferred type for a direct message since feature level 174 ("private"
            # is its deprecated name); meetbot needs Zulip 7 (`is:dm`) anyway.
            response = self.poster.send_message(
                {"type": "direct", "to": [action.user_id], "content": text}
            )
            posted = (response or {}).get("id")
            if not isinstance(posted, int):
                log.error("Zulip refused a personal reminder: %s", response)
            self._record(action, "posted" if isinstance(posted, int) else "dropped", posted)
            late = (self.clock.now() - action.at).total_seconds()
            log.info(
                "%s: personal reminder for %s done %.3f s after its instant",
                series.slug,
                action.start,
                late,
            )
        return isinstance(posted, int)

    def _carry_out(self, series: SeriesConfig, action: Action, now: datetime) -> int | None:
        """A start or an end (a reminder is an owed post)."""
        if action.kind == START:
            started = lifecycle.start_meeting(
                self.store, self.app.ledger, series, now, self.poster, occurrence=action.occurrence
            )
            return 0 if started is not None and started.posted else None
        ended = lifecycle.end_meeting(
            self.store,
            self.app.ledger,
            self.settings,
            series,
            now,
            self.poster,
            written=self.app.notes_written,
        )
        return 0 if ended is not None else None

    def _owe_reminder(
        self,
        session: Session,
        series: SeriesConfig,
        action: Action,
        now: datetime,
        zones: list[str],
    ) -> OwedPost | None:
        """The reminder's text, owed in the meeting's topic until its grace ends."""
        meetings.hand_on_lapsed(session, series, now)
        slot = meetings.Slot(action.occurrence, action.start, False, None)
        meeting = meetings.materialize(session, series, slot)
        record = meetings.meeting_record(session, series, meeting)
        text = views.reminder_text(series, meeting, now, zones, record)
        expires = min(action.at + self.settings.reminder_grace, meeting.scheduled_start)
        return self.app.ledger.owe_post(
            session,
            OWED_REMINDER,
            meeting.id,
            series.stream,
            meeting.topic,
            text,
            key=action.key,
            expires_at=expires,
        )

    def _owe_cancellation(
        self, session: Session, series: SeriesConfig, action: Action, now: datetime
    ) -> tuple[OwedPost | None, list[lifecycle.Edit]]:
        """skip_if_empty: cancel the meeting if its agenda is empty, with its notice owed in
        the meeting's topic (keyed by the action: posted once) and its posted reminders
        claimed to read "cancelled" (within the edit limit); (None, []) when it is kept."""
        cancelled = meetings.cancel_if_empty(session, series, action.occurrence, now)
        if cancelled is None:
            return None, []
        meeting, following = cancelled
        edits = lifecycle.moved_reminders(
            session, series, meeting, now, self.app.message_edit_limit
        )
        text = views.skipped_empty(series, meeting, following, action.offset)
        log.info("%s: meeting of %s cancelled: its agenda is empty", series.slug, meeting.date)
        owed = self.app.ledger.owe_post(
            session, NOTICE, meeting.id, series.stream, meeting.topic, text, key=action.key
        )
        return owed, edits

    def _zones(self, series: SeriesConfig) -> list[str]:
        """The botrc's zones, then those of the people who came to the last three meetings."""
        with self.store.transaction() as session:
            user_ids = attendance.recent_attendee_ids(session, series.slug, 3)
        profile_zones = []
        for user_id in sorted(uid for uid in user_ids if uid > 0):
            member = self.app.directory.member(user_id)
            if member is not None and _is_zone(member.timezone):
                profile_zones.append(member.timezone)
        return reader_zones(self.settings.timezones, profile_zones)

    def _record(self, action: Action, outcome: str, message_id: int | None) -> None:
        with self.store.transaction() as session:
            posts.record_outcome(session, action, outcome, message_id, self.clock.now())


def pending_actions_of(
    session: Session,
    series: SeriesConfig,
    now: datetime,
    grace: timedelta,
    horizon: datetime | None = None,
    count: int | None = _SLOTS_AHEAD,
) -> list[Action]:
    """The series' planned actions not yet taken or dropped, for its next meeting and those
    starting by ``horizon`` (default: the next day, and as far as its earliest reminder), at
    most ``count`` meetings: what the scheduler plans, and what ``meetbot upcoming`` shows."""
    return pending_actions_in(session, [series], now, grace, horizon, count)


def pending_actions_in(
    session: Session,
    series: Sequence[SeriesConfig],
    now: datetime,
    grace: timedelta,
    horizon: datetime | None = None,
    count: int | None = _SLOTS_AHEAD,
) -> list[Action]:
    """:func:`pending_actions_of` of each series, in order: a few queries for them all (the
    wishes, the meetings, the actions taken), not one per series or per action."""
    wishes_of = personal_reminders.reminders_by_series(session, [one.slug for one in series])
    windows = []
    ends = []
    wishes = []
    for one in series:
        its_wishes = [(wish.user_id, wish.offset) for wish in wishes_of[one.slug]]
        until = horizon
        if until is None:
            offsets = [*one.reminders, *(offset for _, offset in its_wishes)]
            until = now + max(offsets, default=timedelta()) + timedelta(days=1)
        # A meeting that started before now may still have its automatic end (or a late
        # reminder, within the grace) to come.
        since = now - (one.duration + one.auto_end + grace)
        many = count
        if many is None:
            # Room for meetings moved into the window from outside it, as the default has.
            many = len(occurrences_between(one, since, until)) + _SLOTS_AHEAD
        windows.append(meetings.Window(one, since, many))
        ends.append(until)
        wishes.append(its_wishes)
    planned: list[Action] = []
    calendars = meetings.calendars(session, windows)
    for one, slots, until, its_wishes in zip(series, calendars, ends, wishes, strict=True):
        for index, slot in enumerate(slots):
            if index > 0 and slot.start > until:
                break
            planned += planned_actions(one, slot.occurrence, slot.start)
            planned += personal_actions(one, slot.occurrence, slot.start, its_wishes)
    taken = posts.actions_taken(session, {action.key for action in planned})
    return [action for action in planned if action.key not in taken]


def _put(
    aps: BackgroundScheduler,
    key: str,
    fire: Callable[..., None],
    at: datetime,
    kwargs: dict[str, Any],
    now: datetime,
) -> None:
    """A one-off job ``key`` calling ``fire(**kwargs)`` at ``at`` (now, if that has passed),
    in place of any job of that key."""
    aps.add_job(fire, "date", run_date=max(at, now), kwargs=kwargs, id=key, replace_existing=True)


def _described(action: Action) -> str:
    """``action`` in a log line: ``reminder due 2026-12-04 17:00 UTC for the meeting of
    2026-12-05 17:00 UTC`` (never its key, which is for the database)."""
    return f"{action.kind} due {action.at:%Y-%m-%d %H:%M} UTC for the meeting of " + (
        f"{action.start:%Y-%m-%d %H:%M} UTC"
    )


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, OSError):
        return False
    return bool(name)


def _job_kwargs(action: Action) -> dict[str, Any]:
    return {
        "series_slug": action.series_slug,
        "kind": action.kind,
        "occurrence": action.occurrence.isoformat(),
        "start": action.start.isoformat(),
        "at": action.at.isoformat(),
        "offset_seconds": action.offset.total_seconds(),
        "slot_seconds": action.slot.total_seconds(),
        "user_id": action.user_id,
    }


def _fire(
    series_slug: str,
    kind: str,
    occurrence: str,
    start: str,
    at: str,
    offset_seconds: float,
    slot_seconds: float = 3600.0,
    user_id: int = 0,
) -> None:
    """The stored job's entry point: rebuild the action and let the running scheduler act."""
    if _active is None:
        return
    action = Action(
        series_slug,
        kind,
        datetime.fromisoformat(occurrence),
        datetime.fromisoformat(start),
        datetime.fromisoformat(at),
        timedelta(seconds=offset_seconds),
        timedelta(seconds=slot_seconds),
        user_id,
    )
    try:
        _active.fire(action)
    except Exception:
        log.exception("%s: scheduled %s failed", series_slug, kind)
    # Put back a job that fired before its action was due (the clock and APScheduler's differ)
    # and add the next meeting's jobs once this one's are done.
    if _active is not None:
        _active.reconcile()


def _fire_vote(number: int, kind: str, ordinal: int) -> None:
    """A stored governance vote job's entry point: its reminder or close, by the running
    scheduler."""
    if _active is None:
        return
    try:
        _active.fire_vote(number, kind, ordinal)
    except Exception:
        log.exception("vote %d: scheduled %s failed", number, kind)
    # Put back a job that fired early; a closed vote's jobs go.
    if _active is not None:
        _active.reconcile()


def _fire_nudge(series_slug: str) -> None:
    """A stored nudge job's entry point: the running scheduler posts it if it is still due,
    then plans the next (at twice the time)."""
    if _active is None:
        return
    try:
        _active.nudge(series_slug)
    except Exception:
        log.exception("%s: scheduled nudge failed", series_slug)
    if _active is not None:
        _active.reconcile()


def _reconcile() -> None:
    if _active is not None:
        _active.reconcile()

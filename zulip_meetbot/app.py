"""The application context: what the handler, scheduler and runtime share, built once.

``meetbot run`` and the shell make one ``App`` and hand it to each part; none of them reaches
into another for the settings, the store, the clock, the directory, the lock or the ledger.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from zulip_meetbot.config import SeriesConfig, Settings
from zulip_meetbot.domain.people import Member
from zulip_meetbot.ledger import Ledger
from zulip_meetbot.store import Store
from zulip_meetbot.timeutil import Clock, SystemClock

log = logging.getLogger(__name__)


class Directory(Protocol):
    """Who a Zulip user is (name, role, bot or not); the runtime asks Zulip, tests use a dict."""

    def member(self, user_id: int) -> Member | None: ...

    def member_named(self, full_name: str) -> Member | None: ...

    def may_read_stream(self, stream: str, user_id: int) -> bool: ...

    def member_by_email(self, email: str) -> Member | None: ...

    def group_member_ids(self, group: str) -> frozenset[int] | None: ...


class NoDirectory:
    """Knows nobody: chairs come from the botrc only."""

    def member(self, user_id: int) -> Member | None:
        return None

    def member_named(self, full_name: str) -> Member | None:
        return None

    def may_read_stream(self, stream: str, user_id: int) -> bool:
        return True

    def member_by_email(self, email: str) -> Member | None:
        return None

    def group_member_ids(self, group: str) -> frozenset[int] | None:
        return None


@dataclass
class App:
    """One running meetbot's shared parts."""

    settings: Settings
    store: Store
    clock: Clock
    directory: Directory
    ledger: Ledger
    # Commands, reactions and scheduled actions run one at a time: a chair's `start` and the
    # scheduled start must not both post an attendance message.
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Called after a skip or reschedule, a governance vote opened, cancelled or closed, or a
    # `remind me` change, a new item under discussion or timebox (`item N`, `agenda time`), so
    # the scheduler can move its jobs.
    on_calendar_change: Callable[[SeriesConfig], None] | None = None
    # Called after an ended meeting's notes file is written (at `end`, after a late
    # correction), with its id: the publisher (when a series publishes) wants them published.
    on_notes_written: Callable[[SeriesConfig, int], None] | None = None
    # Whether an owed post (by its ledger key) is another part's to deliver, not the runtime's:
    # the publisher's worker makes a summary's line an edit of the summary.
    delivered_elsewhere: Callable[[str], bool] | None = None
    # Called after a governance vote closed with a verdict (not cancelled), with its number:
    # its results file is written and, when the series publishes, published.
    on_vote_closed: Callable[[SeriesConfig, int], None] | None = None
    # Stopped by close(), before the store is closed (the publisher's worker).
    on_close: list[Callable[[], None]] = field(default_factory=list)
    # How long after posting the bot may still edit its own message: the organization's message
    # edit limit, which the runtime reads from Zulip (None: no limit, as in the shell; zero:
    # editing is turned off). A reminder older than this is not edited when its meeting moves.
    message_edit_limit: timedelta | None = None
    # The streams (casefolded) Zulip said at start-up the bot cannot use: their series are not
    # run (no reminders, starts or ends nobody could see) until a restart finds them usable.
    unusable_streams: frozenset[str] = frozenset()
    # The private streams (casefolded) among the series' ones, as Zulip listed them at
    # start-up: their series' names are not shown to people outside them.
    private_streams: frozenset[str] = frozenset()

    def runs(self, series: SeriesConfig) -> bool:
        """Whether the scheduler carries out ``series``' actions: its stream is usable."""
        return series.stream.casefold() not in self.unusable_streams

    def calendar_changed(self, series: SeriesConfig) -> None:
        """A meeting of ``series`` was skipped or moved (or its overrun nudge may have moved):
        whoever plans its jobs is told."""
        if self.on_calendar_change is not None:
            self.on_calendar_change(series)

    def close(self) -> None:
        """Stop the parts that work in the background; the store is closed by its opener."""
        for stop in self.on_close:
            stop()

    def notes_written(self, series: SeriesConfig, meeting_id: int) -> None:
        """The notes file of ``series``' ended meeting ``meeting_id`` was written: whoever
        publishes notes is told. Never fails the command or the end that wrote them."""
        if self.on_notes_written is None:
            return
        try:
            self.on_notes_written(series, meeting_id)
        except Exception:  # the notes are written and the record kept: publishing can wait
            log.exception(
                "%s: could not ask for meeting %d's notes to be published", series.slug, meeting_id
            )

    def vote_closed(self, series: SeriesConfig, number: int) -> None:
        """Governance vote ``number`` of ``series`` closed: whoever plans jobs drops its
        reminders and close, whoever records results is told. Never fails the ballot or the
        scheduled close that closed it."""
        try:
            self.calendar_changed(series)
        except Exception:  # the jobs left are harmless: they find the vote closed
            log.exception("%s: could not drop the jobs of vote %d", series.slug, number)
        if self.on_vote_closed is None:
            return
        try:
            self.on_vote_closed(series, number)
        except Exception:  # the verdict is recorded and posted: the file can be made again
            log.exception("%s: could not record the results of vote %d", series.slug, number)


def make_app(
    settings: Settings,
    store: Store,
    clock: Clock | None = None,
    directory: Directory | None = None,
) -> App:
    """The context over ``store``: the system clock and no directory unless given."""
    clock = clock or SystemClock()
    return App(settings, store, clock, directory or NoDirectory(), Ledger(store, clock))

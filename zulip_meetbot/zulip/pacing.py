"""Spacing the bot's requests so Zulip's per-user rate limit is never hit.

Zulip allows each user a number of requests in a sliding window (200 per 60 s by default) and
says where the bot stands on every answer: ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset``
(epoch seconds, when the window would be empty). The pacer keeps its own log of the bot's
requests against that limit, and also believes the server's count, which includes requests this
process did not make (the process killed a moment ago, another client with the bot's key).

Scheduled posts (a wave of attendance messages and reminders falling due together) leave a
tenth of the window to the replies to people's commands: :meth:`RequestPacer.wait_for_slot`
with ``keep_free`` = :attr:`RequestPacer.reply_reserve`, so that a reply never waits for the
wave to leave the window.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

DEFAULT_LIMIT = 200
DEFAULT_WINDOW = 60.0
# Never wait longer than this for one slot, whatever the headers say.
_MAX_WAIT = 120.0
_SLEEP_SLICE = 0.25


class RequestPacer:
    """Decides when the bot's next request may go; shared by every thread using one client."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        # Until an answer carries X-RateLimit-* headers, Zulip is not known to limit the bot (a
        # server with rate limiting off sends none): no pacing, only obeying 429s.
        self.limited = False
        self.limit = DEFAULT_LIMIT
        self.window = DEFAULT_WINDOW
        self._sent: deque[float] = deque()  # clock() at the start of each paced request
        self._server_remaining: int | None = None
        self._server_counted_at = 0.0  # clock() when the request that told it started
        self._server_clear_at = 0.0  # clock() when the server's window is empty
        self._held_until = 0.0  # after a 429: nothing goes before this

    @property
    def budget(self) -> int:
        """How many requests the bot allows itself per window: the limit less a small reserve."""
        return max(1, self.limit - max(1, self.limit // 20))

    @property
    def reply_reserve(self) -> int:
        """Slots of the budget a scheduled post leaves to replies: a tenth, at least one."""
        return max(1, self.budget // 10)

    def wait_for_slot(self, keep_free: int, stopping: Callable[[], bool] = lambda: False) -> bool:
        """Wait until a request may go with ``keep_free`` slots of the budget still free after
        it (the slot is not taken); False if ``stopping`` came first."""
        while not stopping():
            with self._lock:
                wait = self._wait_needed(self._clock(), keep_free)
            if wait <= 0:
                return True
            self._sleep(min(wait, _SLEEP_SLICE))
        return False

    def acquire(self) -> float:
        """Wait for a free slot and take it; returns the clock() the request starts at."""
        while True:
            with self._lock:
                wait = self._wait_needed(self._clock())
                if wait <= 0:
                    started = self._clock()
                    self._sent.append(started)
                    return started
            self._sleep(min(wait, _SLEEP_SLICE))

    def observe(self, started: float, started_wall: float, headers: Mapping[str, str]) -> None:
        """Learn from one answer's ``X-RateLimit-*`` headers (the request began at ``started``)."""
        limit = _number(headers.get("X-RateLimit-Limit"))
        remaining = _number(headers.get("X-RateLimit-Remaining"))
        reset = _number(headers.get("X-RateLimit-Reset"))
        if limit is None or remaining is None or reset is None:
            return
        with self._lock:
            self.limited = True
            self.limit = max(1, int(limit))
            # Reset is whole seconds, rounded down: one more second keeps the estimate on the
            # safe side. It is "newest request + window", and this request is the newest.
            clear_in = reset + 1 - started_wall
            self.window = min(max(clear_in, 1.0), 3600.0)
            if started >= self._server_counted_at:
                self._server_remaining = int(remaining)
                self._server_counted_at = started
                self._server_clear_at = started + self.window

    def hold(self, seconds: float) -> None:
        """Zulip said 429: no request goes for ``seconds``."""
        with self._lock:
            self._held_until = max(self._held_until, self._clock() + min(seconds, _MAX_WAIT))

    def _wait_needed(self, now: float, keep_free: int = 0) -> float:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
        waits = [self._held_until - now]
        budget = max(1, self.budget - keep_free)
        if self.limited and len(self._sent) >= budget:
            # The oldest requests beyond the budget must leave the window first.
            waits.append(self._sent[len(self._sent) - budget] + self.window - now)
        if self._server_remaining is not None:
            if now >= self._server_clear_at:
                self._server_remaining = None  # the window the server described is over
            else:
                since = sum(1 for t in self._sent if t > self._server_counted_at)
                if self._server_remaining - since <= 1:
                    # Requests this process does not know of fill the window: wait it out.
                    waits.append(self._server_clear_at - now)
        return min(max(waits), _MAX_WAIT)


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None

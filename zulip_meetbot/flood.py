"""Commands per person per minute: a command over the limit is dropped, and its sender told."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from enum import Enum

WINDOW = timedelta(minutes=1)


class Pace(Enum):
    OK = "ok"
    WARN = "warn"  # over the limit: drop the command and say so
    QUIET = "quiet"  # over the limit, and told so less than a minute ago: drop it silently


class FloodGuard:
    """A sliding one-minute window of each person's commands, and when each was last told."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[int, deque[datetime]] = {}
        self._told: dict[int, datetime] = {}

    def check(self, user_id: int, now: datetime) -> Pace:
        """Count one command by ``user_id`` at ``now``; whether to handle it, or to say why not.

        A dropped command does not count: the window empties at the pace the person was
        allowed. The notice goes out at most once a minute per person, so a flood of dropped
        commands cannot become a flood of notices."""
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= WINDOW:
            seen.popleft()
        if len(seen) < self.per_minute:
            seen.append(now)
            return Pace.OK
        told = self._told.get(user_id)
        if told is not None and now - told < WINDOW:
            return Pace.QUIET
        self._told[user_id] = now
        return Pace.WARN

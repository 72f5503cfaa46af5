"""Commands per person per minute: a flood gets one polite "slow down", not a reply each."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from enum import Enum

WINDOW = timedelta(minutes=1)


class Pace(Enum):
    OK = "ok"
    WARN = "warn"  # the first command over the limit: say "slow down" once
    QUIET = "quiet"  # still over the limit: say nothing


class FloodGuard:
    """A sliding one-minute window of each person's commands."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[int, deque[datetime]] = {}
        self._warned: set[int] = set()

    def check(self, user_id: int, now: datetime) -> Pace:
        """Count one command by ``user_id`` at ``now``; whether to handle it."""
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= WINDOW:
            seen.popleft()
        if len(seen) < self.per_minute:
            seen.append(now)
            self._warned.discard(user_id)
            return Pace.OK
        if user_id in self._warned:
            return Pace.QUIET
        self._warned.add(user_id)
        return Pace.WARN

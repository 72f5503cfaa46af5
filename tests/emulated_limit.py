"""A wave of posts under an emulated rate limit, on a moved clock: the real scheduler, sender
and pacer, with Zulip replaced by a sliding-window limit that answers with X-RateLimit-*
headers as Zulip does (tests/test_pacing.py and bench/scale.py).

No real time passes: the pacer's sleep moves the app's ManualClock, so 200 posts under 200 a
minute take a minute of the emulated clock and milliseconds of the real one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from harness import BOT_ID, Harness

from zulip_meetbot.domain.reminders import Action
from zulip_meetbot.scheduler import MeetingScheduler
from zulip_meetbot.zulip.client import RetryPolicy
from zulip_meetbot.zulip.pacing import RequestPacer
from zulip_meetbot.zulip.runtime import ZulipBotHandler
from zulip_meetbot.zulip.sender import Sender

# 17:00 UTC on a Wednesday, when every series of the wave meets.
WAVE_AT = datetime(2025, 2, 12, 17, 0, tzinfo=timezone.utc)
EPOCH = 1_800_000_000.0  # the emulated server's wall clock at the wave's instant


class EmulatedClock:
    """Seconds since the wave's instant, read from and moved on the app's ManualClock; with
    ``count_work``, the real time the bot spends working is added (the benchmark's lateness
    then includes it), else only the sleeps count (the tests' exact figures)."""

    def __init__(self, harness: Harness, count_work: bool = False) -> None:
        self._clock = harness.clock
        self._lock = threading.Lock()
        self._began = time.monotonic() if count_work else None
        # Called with the seconds reached after each sleep (a person saying something then).
        self.on_sleep: Callable[[float], None] = lambda _now: None

    def start(self) -> None:
        """Count the real time worked from now (with ``count_work``)."""
        if self._began is not None:
            self._began = time.monotonic()

    def now(self) -> float:
        began = self._began
        worked = 0.0 if began is None else time.monotonic() - began
        return (self._clock.now() - WAVE_AT).total_seconds() + worked

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._clock.advance(timedelta(seconds=seconds))
        self.on_sleep(self.now())


@dataclass
class Sent:
    at: float  # seconds after the wave's instant, on the emulated clock
    message: dict[str, Any]


@dataclass
class LimitedZulip:
    """What the sender asks of the bot's client, against a sliding-window limit: each post
    takes a paced slot (the real RequestPacer) and is refused if the window is full."""

    clock: EmulatedClock
    limit: int = 200
    window: float = 60.0
    sent: list[Sent] = field(default_factory=list)
    refused: int = 0
    stopping: bool = False
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        self.pacer = RequestPacer(clock=self.clock.now, sleep=self.clock.sleep)
        self._hits: list[float] = []
        self._lock = threading.Lock()

    def send_message(self, message: dict[str, Any]) -> dict[str, Any]:
        started = self.pacer.acquire()
        with self._lock:
            now = self.clock.now()
            self._hits = [t for t in self._hits if t > now - self.window]
            if len(self._hits) >= self.limit:
                self.refused += 1
                return {"result": "error", "code": "RATE_LIMIT_HIT", "msg": "limit"}
            self._hits.append(now)
            self.sent.append(Sent(now, message))
            headers = {
                "X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": str(self.limit - len(self._hits)),
                "X-RateLimit-Reset": str(int(EPOCH + now + self.window)),
            }
            message_id = 10_000 + len(self.sent)
        self.pacer.observe(started, EPOCH + started, headers)
        return {"result": "success", "msg": "", "id": message_id}

    def get_messages(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"result": "success", "messages": []}

    def pause(self, seconds: float) -> None:
        self.clock.sleep(seconds)


def wave_botrc(starts: int, reminders: int) -> str:
    """``reminders`` series meeting at 18:00 with a 1 h reminder (due at 17:00), listed first,
    then ``starts`` series meeting at 17:00: each in its own stream."""
    text = (
        "[api]\nemail = meetbot-bot@zulip.example\nkey = k\nsite = http://127.0.0.1:9\n\n"
        "[meetbot]\ndatabase = meetbot.sqlite3\nnotes_dir = notes\nchairs = 1\n"
    )
    for slug, hour in [(f"r{n:03}", 18) for n in range(reminders)] + [
        (f"s{n:03}", 17) for n in range(starts)
    ]:
        text += (
            f"\n[series:{slug}]\ntitle = Group {slug}\nstream = {slug}\n"
            f"topic = {slug} {{date}}\nstart = 2025-02-12 {hour}:00\ntimezone = UTC\n"
            "schedule = FREQ=WEEKLY\nduration = 30m\nreminders = 1h\n"
        )
    return text


class Wave:
    """A bot with many series due at the same instant, its posts paced under a limit."""

    def __init__(
        self,
        folder: Path,
        starts: int,
        reminders: int,
        limit: int = 200,
        window: float = 60.0,
        count_work: bool = False,
    ) -> None:
        self.harness = Harness(folder, wave_botrc(starts, reminders), now=WAVE_AT)
        self.clock = EmulatedClock(self.harness, count_work)
        self.zulip = LimitedZulip(self.clock, limit, window)
        self.sender = Sender(self.zulip, BOT_ID)  # type: ignore[arg-type]
        profile = {"user_id": BOT_ID, "full_name": "Meetbot", "email": "meetbot@zulip.example"}
        self.bot = ZulipBotHandler(self.zulip, profile, self.sender)  # type: ignore[arg-type]
        self.scheduler = MeetingScheduler(self.harness.app, self.bot)

    def due_now(self) -> list[Action]:
        return [a for a in self.scheduler.pending_actions() if a.at <= self.harness.clock.now()]

    def fire(self, action: Action) -> None:
        """What APScheduler does with the job of ``action``; then every post is out."""
        self.clock.start()
        self.scheduler.fire(action)
        assert self.sender.drain(10.0)

    def say_during_wave(self, at: float, commands: int) -> list[float]:
        """``commands`` people each send the bot a direct message `help` once the emulated
        clock reaches ``at`` (one after another, from their own thread, as the event loop
        would); the seconds each was said at (its reply is found by :meth:`replies`)."""
        said: list[float] = []
        people = [self.harness.person(500 + n, f"Person {n}") for n in range(commands)]

        def person_speaks(now: float) -> None:
            if said or now < at or threading.current_thread().name == "meetbot-sender":
                return
            for person in people:
                said.append(self.clock.now())
                message = self.harness.message(person, "help", stream=None)
                speaker = threading.Thread(
                    target=self.harness.handler.handle_message, args=(message, self.bot)
                )
                speaker.start()
                # The scheduler's wait holds no lock: the command is carried out meanwhile.
                speaker.join(10.0)
                assert not speaker.is_alive(), "the command waited for the wave"
                assert self.sender.wait_for_room(0, 10.0)

        self.clock.on_sleep = person_speaks
        return said

    def replies(self) -> list[Sent]:
        """The replies to people's direct messages, in the order they went out."""
        return [s for s in self.zulip.sent if s.message.get("type") == "private"]

    def starts(self) -> list[Sent]:
        """The attendance messages (posts in the streams of the series meeting at 17:00)."""
        return [s for s in self.zulip.sent if str(s.message.get("to")).startswith("s")]

    def reminders(self) -> list[Sent]:
        """The reminders of the series meeting at 18:00."""
        return [s for s in self.zulip.sent if str(s.message.get("to")).startswith("r")]

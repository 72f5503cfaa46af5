"""Zulip failing under a meeting: 5xx, 429, lost event queues, slow answers, dropped and
refused connections.

The bot runs in this process (its runtime in a thread, with short retry delays) and speaks to
the fake Zulip through the real ``zulip`` client over real HTTP; faults are injected into the
server (or, for refused connections, a TCP proxy in front of it). People post straight into the
fake's realm, so the faults hit the bot's requests only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from livebot import TOPIC, botrc_text, write_botrc
from sqlalchemy import select
from zulipfake import FakeZulip
from zulipfake.server import Fault

from zulip_meetbot import store
from zulip_meetbot.app import App, make_app
from zulip_meetbot.config import load_settings
from zulip_meetbot.domain import attendance
from zulip_meetbot.handler import MeetbotHandler
from zulip_meetbot.models import HandledMessageRow
from zulip_meetbot.store import Store
from zulip_meetbot.timeutil import SystemClock
from zulip_meetbot.zulip import client as client_module
from zulip_meetbot.zulip import runtime as runtime_module
from zulip_meetbot.zulip.client import RetryPolicy
from zulip_meetbot.zulip.directory import ZulipDirectory
from zulip_meetbot.zulip.pacing import RequestPacer
from zulip_meetbot.zulip.runtime import Runtime, make_client

# Short delays keep the suite fast; the logic is the production one.
# The fake's heartbeat comes every 2 s (Zulip's every ~50 s): a poll silent for 4 s is dead.
FAST = RetryPolicy(
    base_delay=0.05,
    max_delay=0.5,
    give_up_after=30.0,
    request_timeout=2.0,
    long_poll_timeout=4.0,
)
MESSAGES = r"/api/v1/messages$"
# Limits raised so the flood tests measure Zulip's limit, not the handler's.
GENEROUS = "commands_per_minute = 10000\n"


@dataclass
class InProcessBot:
    server: FakeZulip
    people: dict[str, Any]
    runtime: Runtime
    app: App
    handler: MeetbotHandler
    records: list[logging.LogRecord]
    thread: threading.Thread

    @property
    def bot(self) -> Any:
        return self.people["bot"]

    def command(self, who: str, text: str, topic: str = TOPIC) -> int:
        """``who`` mentions the bot with ``text`` in the meeting's topic; the message id."""
        content = f"@**{self.bot.full_name}** {text}"
        return self.server.post_message(self.people[who], content, stream="community", topic=topic)

    def reply_to(self, message_id: int, timeout: float = 15.0) -> dict[str, Any]:
        """The bot's first post after ``message_id`` in the meeting topic."""
        return self.server.wait_for_message(
            lambda m: (
                m["sender_id"] == self.bot.user_id
                and m["id"] > message_id
                and m.get("subject") == TOPIC
            ),
            timeout=timeout,
        )

    def posts(self, text: str) -> list[dict[str, Any]]:
        return [
            m
            for m in self.server.messages
            if m["sender_id"] == self.bot.user_id and text in m["content"]
        ]

    def bot_requests(self, method: str, path: str) -> list[Any]:
        return [
            r
            for r in self.server.requests
            # Faulted requests are answered before authentication: no user. People post
            # without HTTP, so those are the bot's too.
            if r.user_id in (self.bot.user_id, None) and r.method == method and r.path == path
        ]

    def logged(self, level: int, text: str) -> list[str]:
        return [
            r.getMessage() for r in self.records if r.levelno == level and text in r.getMessage()
        ]

    def attendee_ids(self) -> list[int]:
        with self.app.store.transaction() as session:
            meeting = store.running_meeting(session, "community")
            assert meeting is not None
            return attendance.attendee_ids(session, meeting.id)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def running_bot(
    server: FakeZulip,
    people: dict[str, Any],
    folder: Path,
    site: str | None = None,
    meetbot_keys: str = "",
    policy: RetryPolicy = FAST,
) -> Iterator[InProcessBot]:
    """``meetbot run``'s parts, wired as cli.run wires them, with the runtime in a thread."""
    text = botrc_text(server, people["bot"], str(people["hamlet"].user_id))
    text = text.replace("notes_dir = notes\n", "notes_dir = notes\n" + meetbot_keys)
    if site is not None:
        text = text.replace(f"site={server.url}", f"site={site}")
    write_botrc(folder, text)
    settings = load_settings(folder / "botrc")
    capture = _Records()
    logger = logging.getLogger("zulip_meetbot")
    logger.addHandler(capture)
    logger.setLevel(logging.DEBUG)
    client = make_client(settings, policy)
    directory = ZulipDirectory(client, settings.affiliation_fields, settings.github_fields)
    app = make_app(settings, Store(settings.database), SystemClock(), directory)
    handler = MeetbotHandler(app)
    runtime = Runtime(app, client, handler)
    runtime.connect()
    thread = threading.Thread(target=runtime.run, name="meetbot-runtime", daemon=True)
    thread.start()
    live = InProcessBot(server, people, runtime, app, handler, capture.records, thread)
    wait_for(lambda: bool(live.logged(logging.INFO, "listening for events")), "the event queue")
    try:
        yield live
    finally:
        runtime.stop()
        thread.join(timeout=10)
        app.store.close()
        logger.removeHandler(capture)
        logger.setLevel(logging.NOTSET)
    assert not thread.is_alive(), "the runtime did not stop"


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def live(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> Iterator[InProcessBot]:
    with running_bot(zulip_server, community, tmp_path) as bot:
        yield bot


def start_meeting(live: InProcessBot) -> dict[str, Any]:
    """Hamlet (a chair) starts the meeting; the attendance message."""
    sent = live.command("hamlet", "start now")
    return live.server.wait_for_message(
        lambda m: (
            m["sender_id"] == live.bot.user_id
            and m["id"] > sent
            and "React to this message" in m["content"]
        )
    )


# --- 5xx, lost answers, dropped connections ---------------------------------------------------


def test_reply_is_posted_once_after_server_errors_and_the_failure_logged_once(
    live: InProcessBot,
) -> None:
    live.server.inject_fault("POST", MESSAGES, status=500, times=2)
    live.server.inject_fault("POST", MESSAGES, status=502, times=1, body="<html>Bad gateway</html>")
    started = time.monotonic()
    reply = live.reply_to(live.command("othello", "agenda add Retry me"))
    took = time.monotonic() - started

    assert "Added item **1**" in reply["content"]
    assert len(live.posts("Retry me")) == 1
    assert len(live.bot_requests("POST", "/api/v1/messages")) == 4
    # A 5xx may come after delivery: the bot looked in the topic before each new attempt.
    lookups = [
        r for r in live.bot_requests("GET", "/api/v1/messages") if "sender" in r.params["narrow"]
    ]
    assert len(lookups) == 3
    wait_for(lambda: bool(live.logged(logging.INFO, "Zulip answers again")), "the recovery")
    assert len(live.logged(logging.WARNING, "POST /messages failed")) == 1
    assert len(live.logged(logging.INFO, "Zulip answers again")) == 1
    print(f"\nreply after 3 server errors in {took:.2f} s")


class AnswerLosingZulip(FakeZulip):
    """The fake, able to carry out a request and then lose its answer: a 502 from a proxy, or
    an answer slower than the client waits. (``inject_fault`` fails requests before they act.)
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.losses: list[tuple[str, str, float]] = []  # (method, path, delay or 0 for a 502)

    def handle(self, request: Any, check: Any) -> Any:
        response = super().handle(request, check)
        with self.realm.cond:
            loss = next((x for x in self.losses if x[:2] == (request.method, request.path)), None)
            if loss is not None:
                self.losses.remove(loss)
        if loss is None:
            return response
        if loss[2]:
            time.sleep(loss[2])  # done, but the client has stopped waiting
            return response
        gateway = Fault("POST", None, 502, 1, "<html>502 Bad Gateway</html>", 0, False, None)  # type: ignore[arg-type]
        return self.fault_response(gateway)


@pytest.fixture
def lossy(tmp_path: Path) -> Iterator[InProcessBot]:
    server = AnswerLosingZulip()
    server.start()
    people = {
        name: server.add_user(name.title(), delivery_email=f"{name}@zulip.com", role=role)
        for name, role in (("hamlet", 400), ("othello", 400))
    }
    people["bot"] = server.add_user("Meetbot", delivery_email="bot@zulip.com", is_bot=True)
    server.add_stream("community", subscribers=[people["hamlet"], people["othello"]])
    try:
        with running_bot(server, people, tmp_path) as bot:
            yield bot
    finally:
        server.stop()
        assert server.violations == []


@pytest.mark.parametrize("delay", [0.0, 3.0], ids=["502 after delivery", "answer too slow"])
def test_post_delivered_before_its_answer_was_lost_is_not_posted_again(
    lossy: InProcessBot, delay: float
) -> None:
    assert isinstance(lossy.server, AnswerLosingZulip)
    lossy.server.losses.append(("POST", "/api/v1/messages", delay))
    reply = lossy.reply_to(lossy.command("othello", "agenda add Only once please"))
    assert "Added item **1**" in reply["content"]
    # Give a wrong second post time to show up.
    wait_for(lambda: bool(lossy.logged(logging.INFO, "had been delivered")), "the lookup")
    time.sleep(0.3)
    assert len(lossy.posts("Only once please")) == 1
    assert len(lossy.bot_requests("POST", "/api/v1/messages")) == 1


def test_connection_dropped_before_delivery_is_posted_once(live: InProcessBot) -> None:
    live.server.inject_fault("POST", MESSAGES, drop_connection=True, times=1)
    reply = live.reply_to(live.command("othello", "agenda add Through a broken wire"))
    assert "Added item **1**" in reply["content"]
    time.sleep(0.3)
    assert len(live.posts("Through a broken wire")) == 1
    assert len(live.bot_requests("POST", "/api/v1/messages")) == 2
    assert len(live.logged(logging.WARNING, "connection lost")) == 1


def test_slow_answers_are_waited_for_without_retrying(live: InProcessBot) -> None:
    live.server.inject_fault("POST", MESSAGES, status=None, delay=1.0, times=2)
    live.server.inject_fault("GET", r"/api/v1/events$", status=None, delay=1.0, times=2)
    first = live.reply_to(live.command("othello", "agenda add Slow one"))
    second = live.reply_to(live.command("hamlet", "agenda add Slow two"))
    assert "Slow one" in first["content"] and "Slow two" in second["content"]
    assert len(live.bot_requests("POST", "/api/v1/messages")) == 2
    assert live.logged(logging.WARNING, "") == []


# --- 429 -----------------------------------------------------------------------------------


def test_rate_limited_post_waits_as_long_as_zulip_asks(live: InProcessBot) -> None:
    live.server.inject_fault("POST", MESSAGES, status=429, retry_after=1.5, times=1)
    started = time.monotonic()
    reply = live.reply_to(live.command("othello", "agenda add Patience"))
    took = time.monotonic() - started
    assert "Patience" in reply["content"]
    assert 1.5 <= took < 3.0
    assert len(live.posts("Patience")) == 1
    assert len(live.logged(logging.WARNING, "rate-limited")) == 1
    print(f"\n429 with Retry-After 1.5: replied after {took:.2f} s")


def test_flood_of_commands_is_answered_without_ever_hitting_the_rate_limit(
    zulip_server_factory: Callable[..., FakeZulip], tmp_path: Path
) -> None:
    # Zulip's 200 requests per 60 s, scaled down so the flood outruns it within seconds.
    server = zulip_server_factory(rate_limit=50, rate_limit_window=2.0)
    people = {
        name: server.add_user(name.title(), delivery_email=f"{name}@zulip.com")
        for name in ("hamlet", "othello", "iago", "cordelia")
    }
    people["bot"] = server.add_user("Meetbot", delivery_email="bot@zulip.com", is_bot=True)
    server.add_stream("community", subscribers=list(people.values())[:4])
    flood = 120
    with running_bot(server, people, tmp_path, meetbot_keys=GENEROUS) as live:
        started = time.monotonic()
        sent = [
            live.command(("hamlet", "othello", "iago", "cordelia")[i % 4], f"agenda add Flood {i}")
            for i in range(flood)
        ]
        wait_for(lambda: len(live.posts("Flood ")) >= flood, "every reply", timeout=60)
        took = time.monotonic() - started
        by_bot = [r for r in server.requests if r.user_id == live.bot.user_id]
    assert [r for r in by_bot if r.status == 429] == []
    replies = live.posts("Flood ")
    assert sorted(m["content"].rsplit(" ", 1)[1] for m in replies) == sorted(
        str(i) for i in range(flood)
    )
    assert len(sent) == flood
    print(
        f"\n{flood} commands answered in {took:.1f} s under 50 requests / 2 s, "
        f"{len(by_bot)} requests by the bot, no 429"
    )


def test_a_burst_and_its_replies_come_back_in_a_few_polls(live: InProcessBot) -> None:
    # Every post takes Zulip 10 ms: replies are posted for most of a second after the burst.
    live.server.inject_fault("POST", MESSAGES, status=None, times=None, delay=0.01)
    first = len(live.server.requests)
    burst = 60
    names = ("hamlet", "othello", "iago")
    for i in range(burst):
        live.command(names[i % 3], f"agenda add Burst {i}")
    wait_for(lambda: len(live.posts("Burst ")) >= burst, "every reply", timeout=30)
    polls = [
        r
        for r in live.server.requests[first:]
        if r.method == "GET" and r.path.endswith("/events") and r.user_id == live.bot.user_id
    ]
    # Each reply comes back as an event. Asked for as soon as the burst was handled, they came
    # back a poll per reply; after a batch of nothing but its own replies, the bot now asks
    # again once they are nearly all posted.
    print(f"\n{burst} commands and their replies came back in {len(polls)} polls")
    assert len(polls) <= 12


def test_a_running_bot_drops_records_older_than_its_catch_up_window(
    zulip_server_factory: Callable[..., FakeZulip],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runtime_module, "FORGET_EVERY", 0.0)  # after every batch
    server = zulip_server_factory()
    people = {
        name: server.add_user(name.title(), delivery_email=f"{name}@zulip.com")
        for name in ("hamlet", "othello")
    }
    people["bot"] = server.add_user("Meetbot", delivery_email="bot@zulip.com", is_bot=True)
    server.add_stream("community", subscribers=list(people.values())[:2])
    with running_bot(server, people, tmp_path, meetbot_keys="catch_up = 1s\n") as live:
        first = live.command("hamlet", "agenda add Said long ago")
        live.reply_to(first)
        time.sleep(1.5)
        second = live.command("othello", "agenda add Said just now")
        live.reply_to(second)

        def handled() -> list[int]:
            with live.app.store.transaction() as session:
                return sorted(session.scalars(select(HandledMessageRow.message_id)))

        wait_for(lambda: handled() == [second], "the old record dropped", timeout=10)


class SimulatedLimit:
    """Zulip's per-user limit (a sliding window), on a simulated clock: refused requests are
    counted, accepted ones answered with X-RateLimit-* headers as Zulip does."""

    EPOCH = 1_800_000_000.0

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.now = 0.0
        self.hits: list[float] = []
        self.refused = 0

    def request(self) -> dict[str, str]:
        self.hits = [t for t in self.hits if t > self.now - self.window]
        if len(self.hits) >= self.limit:
            self.refused += 1
            return {}
        self.hits.append(self.now)
        reset = int(self.EPOCH + self.now + self.window)
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.limit - len(self.hits)),
            "X-RateLimit-Reset": str(reset),
        }

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def paced_requests(server: SimulatedLimit, pacer: RequestPacer, count: int) -> None:
    for _ in range(count):
        started = pacer.acquire()
        headers = server.request()
        pacer.observe(started, SimulatedLimit.EPOCH + started, headers)
        server.sleep(0.002)  # the request's round trip


def test_pacer_keeps_a_long_burst_under_zulips_limit() -> None:
    server = SimulatedLimit(limit=200, window=60.0)
    pacer = RequestPacer(clock=lambda: server.now, sleep=server.sleep)
    paced_requests(server, pacer, 1000)
    assert server.refused == 0
    # Close to the limit: 1000 requests take about five windows, not many more.
    assert 4 * 60.0 < server.now < 6.5 * 60.0


def test_pacer_waits_out_requests_a_killed_process_made() -> None:
    server = SimulatedLimit(limit=200, window=60.0)
    for _ in range(199):  # the previous process, just killed, used the window up
        server.request()
        server.sleep(0.01)
    pacer = RequestPacer(clock=lambda: server.now, sleep=server.sleep)
    paced_requests(server, pacer, 300)
    assert server.refused == 0


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"HTTP_PROXY": "http://proxy.example:3128", "HTTPS_PROXY": "http://proxy.example:3129"},
        {"HTTPS_PROXY": "http://proxy.example:3129", "NO_PROXY": "zulip.example"},
        {"REQUESTS_CA_BUNDLE": "/etc/ssl/our-ca.pem"},
        {"CURL_CA_BUNDLE": "/etc/ssl/curl-ca.pem", "ALL_PROXY": "socks5://proxy.example:1080"},
    ],
)
def test_proxy_and_ca_variables_read_once_give_what_requests_reads_per_request(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE"):
        for variable in (name, name.lower()):
            monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    url = "https://zulip.example/api/v1/messages"
    per_request = requests.Session()
    once = requests.Session()
    client_module._read_environment_once(once, "https://zulip.example")
    assert once.trust_env is False
    assert once.merge_environment_settings(url, {}, None, None, None) == (
        per_request.merge_environment_settings(url, {}, None, None, None)
    )


# --- lost event queue ------------------------------------------------------------------------


def test_commands_and_reactions_during_a_lost_event_queue_are_caught_up_once(
    live: InProcessBot,
) -> None:
    server, people = live.server, live.people
    attendance_message = start_meeting(live)
    server.client(people["cordelia"]).add_reaction(
        {"message_id": attendance_message["id"], "emoji_name": "wave"}
    )
    wait_for(lambda: people["cordelia"].user_id in live.attendee_ids(), "cordelia's reaction")

    # Zulip restarts: the queue is gone, and registering a new one takes a while.
    server.inject_fault("POST", r"/api/v1/register$", status=None, delay=1.5, times=1)
    server.drop_event_queues(live.bot)
    missed = [live.command("othello", f"agenda add Missed {i}") for i in range(3)]
    server.client(people["iago"]).add_reaction(
        {"message_id": attendance_message["id"], "emoji_name": "octopus"}
    )
    server.client(people["cordelia"]).remove_reaction(
        {"message_id": attendance_message["id"], "emoji_name": "wave"}
    )

    wait_for(lambda: all(live.posts(f"Missed {i}") for i in range(3)), "the missed replies")
    replies = [live.posts(f"Missed {i}")[0] for i in range(3)]
    assert [r["id"] for r in replies] == sorted(r["id"] for r in replies)  # in order
    assert all(r["id"] > missed[-1] for r in replies)
    # Read back as one reconciliation: iago's reaction added, then cordelia's removed.
    wait_for(
        lambda: (
            people["iago"].user_id in live.attendee_ids()
            and people["cordelia"].user_id not in live.attendee_ids()
        ),
        "iago's reaction and cordelia's removal read back",
    )
    after = live.reply_to(live.command("hamlet", "agenda add After the gap"))
    assert "After the gap" in after["content"]
    time.sleep(0.3)
    for i in range(3):
        assert len(live.posts(f"Missed {i}")) == 1
    assert len(live.logged(logging.WARNING, "lost the event queue")) == 1


# --- refused connections ----------------------------------------------------------------------


class Outage:
    """A TCP proxy in front of the fake Zulip that can go down: connections in progress are
    reset and new ones refused, until it comes back on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._down = False
        self._accepting = threading.Thread(target=self._accept, args=(self._listener,), daemon=True)
        self._accepting.start()

    @staticmethod
    def _listen(port: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(16)
        return listener

    def down(self) -> None:
        with self._lock:
            self._down = True
            # shutdown() first: close() alone does not wake a thread blocked on the socket.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            for sock in self._open:
                # Each step on its own: a socket its peer has just closed refuses shutdown(),
                # and must still be closed.
                with contextlib.suppress(OSError):
                    # Linger 0: a reset, as from the kernel of a crashed server.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def up(self) -> None:
        with self._lock:
            self._down = False
            self._listener = self._listen(self.port)
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                if self._down:  # accepted just as the outage began: reset it with the rest
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                    client.close()
                    continue
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.close()


def test_reset_mid_post_then_refused_connections_end_in_one_reply(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    outage = Outage(int(zulip_server.url.rsplit(":", 1)[1]))
    with running_bot(
        zulip_server, community, tmp_path, site=f"http://127.0.0.1:{outage.port}"
    ) as live:
        assert "Added" in live.reply_to(live.command("hamlet", "agenda add Before"))["content"]
        # The reply is slow to be carried out; Zulip goes down while the bot waits for it.
        zulip_server.inject_fault("POST", MESSAGES, status=None, delay=0.8, times=1)
        sent = live.command("othello", "agenda add In the outage")
        wait_for(lambda: len(live.bot_requests("POST", "/api/v1/messages")) == 2, "the post")
        outage.down()
        during = live.command("hamlet", "agenda add While down")
        time.sleep(1.5)  # the bot retries against refused connections meanwhile
        outage.up()
        first, second = live.reply_to(sent), live.reply_to(during)
        assert "In the outage" in first["content"] or "In the outage" in second["content"]
        wait_for(
            lambda: len(live.posts("While down")) == 1, "the reply to the command sent while down"
        )
        time.sleep(0.3)
        assert len(live.posts("In the outage")) == 1
        assert live.logged(logging.INFO, "had been delivered")
        # Each run of failures is logged once as it starts and once as it ends, not per retry
        # (the post and the long-poll the outage cut may share a run or have one each).
        started = live.logged(logging.WARNING, "failed")
        assert 1 <= len(started) <= 2
        assert len(started) == len(live.logged(logging.INFO, "Zulip answers again"))


@contextlib.contextmanager
def refusing_posts(
    server: FakeZulip, people: dict[str, Any], folder: Path
) -> Iterator[InProcessBot]:
    """A bot whose client gives up on a post after 0.5 s (Zulip's default is 300 s), and a
    Zulip that answers 429 to its next 8 posts: the first post fails, and so does a retry."""
    policy = dataclasses.replace(FAST, give_up_after=0.5)
    with running_bot(server, people, folder, policy=policy) as live:
        server.inject_fault("POST", MESSAGES, status=429, times=8, retry_after=0.2)
        yield live


def test_reply_zulip_would_not_take_for_the_whole_retry_time_is_posted_once_while_running(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    with refusing_posts(zulip_server, community, tmp_path) as live:
        started = time.monotonic()
        sent = live.command("othello", "agenda add Refused for a while")
        reply = live.reply_to(sent, timeout=20)
        took = time.monotonic() - started
        assert "Refused for a while" in reply["content"]
        assert live.logged(logging.ERROR, "gave up on POST /messages")
        wait_for(lambda: bool(live.logged(logging.INFO, "all posted now")), "the retry's end")
        assert live.logged(logging.INFO, "posted the reply to message")
        assert live.thread.is_alive()  # no restart was needed
        # Recorded posted: nothing is left owed, and nothing is posted again.
        assert (
            live.app.ledger.owed_replies(datetime.now(timezone.utc) - timedelta(days=1)).replies
            == ()
        )
        time.sleep(1.0)
        assert len(live.posts("Refused for a while")) == 1
        print(f"\nreply refused for the client's whole retry time posted after {took:.2f} s")


def test_attendance_message_zulip_would_not_take_is_posted_once_while_running_and_counts(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    with refusing_posts(zulip_server, community, tmp_path) as live:
        attendance_message = start_meeting(live)
        wait_for(lambda: bool(live.logged(logging.INFO, "all posted now")), "the retry's end")
        assert live.logged(logging.INFO, "that Zulip had not taken")
        with live.app.store.transaction() as session:
            meeting = store.running_meeting(session, "community")
            assert meeting is not None
            assert meeting.attendance_message_id == attendance_message["id"]
        # A reaction on it marks attendance, as on one posted at once.
        zulip_server.client(community["othello"]).add_reaction(
            {"message_id": attendance_message["id"], "emoji_name": "wave"}
        )
        wait_for(lambda: community["othello"].user_id in live.attendee_ids(), "the reaction")
        time.sleep(0.5)
        assert len(live.posts("React to this message")) == 1

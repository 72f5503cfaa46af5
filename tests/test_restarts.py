"""Downtime and restarts of `meetbot run` (a subprocess, over HTTP to the fake Zulip).

SIGTERM lets the command in hand finish and exits 0; commands and reactions sent while the bot
was down are read back at start-up; SIGKILL at random moments of a burst loses nothing that was
confirmed, duplicates nothing, and leaves no command unanswered.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from livebot import (
    TOPIC,
    LiveBot,
    Person,
    bot_posts_in,
    botrc_text,
    soon_botrc,
    start_bot,
    stop_bot,
    wait_until,
)
from zulipfake import FakeZulip

from zulip_meetbot import store
from zulip_meetbot.domain import attendance, regrets
from zulip_meetbot.store import Store

MEETING = datetime(2030, 1, 2, 17, 0, tzinfo=timezone.utc)
# The SIGKILL burst: how many commands, how fast they come, how often the bot is killed.
BURST_COMMANDS = 500
BURST_SEND_INTERVAL = 0.025  # 40 commands a second
BURST_KILL_EVERY = (0.4, 2.0)  # seconds between a (re)start and the next kill
BURST_DOWNTIME = (0.0, 1.0)  # seconds the bot stays dead
# Zulip's 200 requests / 60 s, scaled to the burst: the bot is paced during catch-ups.
BURST_RATE_LIMIT = (100, 2.0)


def botrc(server: FakeZulip, community: dict[str, Any]) -> str:
    text = botrc_text(server, community["bot"], str(community["hamlet"].user_id))
    # The handler's own limits would refuse a burst of 500; these tests are about Zulip.
    return text.replace(
        "notes_dir = notes\n",
        "notes_dir = notes\ncommands_per_minute = 100000\nmax_items_per_meeting = 5000\n",
    )


def say(server: FakeZulip, user: Any, bot: Any, text: str) -> int:
    return server.post_message(
        user, f"@**{bot.full_name}** {text}", stream="community", topic=TOPIC
    )


def bot_posts(server: FakeZulip, bot: Any, text: str) -> list[dict[str, Any]]:
    return [m for m in server.messages if m["sender_id"] == bot.user_id and text in m["content"]]


def open_store(folder: Path) -> Store:
    return Store(folder / "meetbot.sqlite3")


# --- SIGTERM ------------------------------------------------------------------------------------


def test_sigterm_mid_command_finishes_it_then_exits_0(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    live = start_bot(server, tmp_path, bot, botrc(server, community))
    # The reply is slow to post: SIGTERM arrives while the bot waits for it.
    server.inject_fault("POST", r"/api/v1/messages$", status=None, delay=1.5, times=1)
    say(server, community["othello"], bot, "agenda add Finish what you started")
    wait_until(
        lambda: any(r.method == "POST" and r.path == "/api/v1/messages" for r in server.requests),
        live,
        "the reply's request",
    )
    live.process.send_signal(signal.SIGTERM)
    assert live.process.wait(timeout=20) == 0
    assert len(bot_posts(server, bot, "Finish what you started")) == 1
    log = live.log()
    assert "stopping on signal 15" in log
    assert "Scheduler has been shut down" in log
    # meetbot's own line per action, not APScheduler's per job added, removed or run.
    assert "Added job" not in log and "Running job" not in log
    assert server.realm.queues == {}  # the event queue was deleted, not left to expire


def test_sigterm_while_waiting_for_events_exits_at_once(
    zulip_server_factory: Callable[..., FakeZulip], tmp_path: Path
) -> None:
    server = zulip_server_factory(heartbeat_seconds=60)  # a long-poll that would hang 60 s
    hamlet = server.add_user("King Hamlet", delivery_email="hamlet@zulip.com")
    bot = server.add_user("Meetbot", delivery_email="bot@zulip.com", is_bot=True)
    server.add_stream("community", subscribers=[hamlet])
    live = start_bot(server, tmp_path, bot, botrc(server, {"hamlet": hamlet, "bot": bot}))
    time.sleep(0.3)  # in the long-poll
    started = time.monotonic()
    live.process.send_signal(signal.SIGTERM)
    assert live.process.wait(timeout=20) == 0
    took = time.monotonic() - started
    assert took < 3.0, live.log()
    assert server.realm.queues == {}
    print(f"\nSIGTERM during a long-poll: exited 0 in {took:.2f} s")


# --- SIGKILL between a command and its reply ---------------------------------------------------


def _kill_while_the_reply_is_in_flight(
    server: FakeZulip, community: dict[str, Any], folder: Path, text: str, **fault: Any
) -> LiveBot:
    """Say ``text``; SIGKILL the bot while Zulip holds its reply (``fault`` says how)."""
    live = start_bot(server, folder, community["bot"], botrc(server, community))
    server.inject_fault("POST", r"/api/v1/messages$", **fault)
    say(server, community["othello"], community["bot"], text)
    wait_until(
        lambda: any(r.method == "POST" and r.path == "/api/v1/messages" for r in server.requests),
        live,
        "the reply's request",
    )
    live.process.kill()
    live.process.wait()
    return live


def test_reply_cut_off_by_a_kill_is_posted_once_at_the_next_start(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    # Zulip never gets the reply: the connection is dropped after the bot is dead.
    _kill_while_the_reply_is_in_flight(
        server, community, tmp_path, "agenda add Cut off", delay=1.0, drop_connection=True
    )
    time.sleep(1.2)
    assert bot_posts(server, bot, "Cut off") == []
    live = start_bot(server, tmp_path, bot, botrc(server, community))
    wait_until(lambda: bool(bot_posts(server, bot, "Cut off")), live, "the owed reply")
    assert stop_bot(live) == 0
    [reply] = bot_posts(server, bot, "Cut off")
    assert reply["content"].startswith("Added item **1**")
    assert "that a stop had cut off" in live.log()
    # Posted and recorded: a third start has nothing to say.
    live = start_bot(server, tmp_path, bot, botrc(server, community))
    assert stop_bot(live) == 0
    assert len(bot_posts(server, bot, "Cut off")) == 1
    assert "cut off" not in live.log()


def test_reply_zulip_took_before_a_kill_is_not_posted_again(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    # Zulip posts the reply, but only after the bot died waiting for the answer.
    _kill_while_the_reply_is_in_flight(
        server, community, tmp_path, "agenda add Delivered late", status=None, delay=1.0
    )
    wait_until_posted = time.monotonic() + 5
    while not bot_posts(server, bot, "Delivered late") and time.monotonic() < wait_until_posted:
        time.sleep(0.05)
    live = start_bot(server, tmp_path, bot, botrc(server, community))
    assert stop_bot(live) == 0
    assert len(bot_posts(server, bot, "Delivered late")) == 1
    assert "cut off" not in live.log()


def _kill_while_posting(live: LiveBot, server: FakeZulip, **fault: Any) -> None:
    """SIGKILL the bot while Zulip holds its next post (``fault`` says how)."""
    posts_before = len(server.requests)
    server.inject_fault("POST", r"/api/v1/messages$", **fault)
    wait_until(
        lambda: any(
            r.method == "POST" and r.path == "/api/v1/messages"
            for r in server.requests[posts_before:]
        ),
        live,
        "the post's request",
    )
    live.process.kill()
    live.process.wait()


def _attendance_message_id(folder: Path) -> int | None:
    db = open_store(folder)
    try:
        with db.transaction() as session:
            meeting = store.running_meeting(session, "community")
            assert meeting is not None, "the meeting is not running"
            return meeting.attendance_message_id
    finally:
        db.close()


@pytest.mark.parametrize("delivered", [False, True], ids=["lost", "delivered-unanswered"])
def test_start_killed_before_its_attendance_message_posts_it_and_its_reply_once_after_restart(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path, delivered: bool
) -> None:
    server, bot = zulip_server, community["bot"]
    text = botrc(server, community)
    live = start_bot(server, tmp_path, bot, text)
    # Said in another topic: the attendance message goes to the meeting's, a reply here.
    server.post_message(
        community["hamlet"], f"@**{bot.full_name}** start now", stream="community", topic="chat"
    )
    # Killed after the start committed, while Zulip holds the attendance message: before, the
    # meeting ran with no attendance message and no reply, for good.
    fault = {"status": None, "delay": 1.0} if delivered else {"delay": 1.0, "drop_connection": True}
    _kill_while_posting(live, server, **fault)
    time.sleep(1.3)
    live = start_bot(server, tmp_path, bot, text)
    wait_until(lambda: bool(bot_posts(server, bot, "Started **Community Call**")), live, "reply")
    assert stop_bot(live) == 0
    [attendance_message] = bot_posts(server, bot, "React to this message")
    assert attendance_message["subject"] == TOPIC
    assert "the meeting of 2030-01-02" in attendance_message["content"]
    [reply] = bot_posts(server, bot, "Started **Community Call**")
    assert reply["subject"] == "chat" and reply["id"] > attendance_message["id"]
    # Reactions on it count: it is the meeting's attendance message.
    assert _attendance_message_id(tmp_path) == attendance_message["id"]
    # A third start has nothing owed.
    live = start_bot(server, tmp_path, bot, text)
    assert stop_bot(live) == 0
    assert len(bot_posts(server, bot, "React to this message")) == 1
    assert len(bot_posts(server, bot, "Started **Community Call**")) == 1


def test_end_killed_before_its_summary_posts_it_and_its_reply_once_after_restart(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot, hamlet = zulip_server, community["bot"], community["hamlet"]
    text = botrc(server, community)
    live = start_bot(server, tmp_path, bot, text)
    sent = say(server, hamlet, bot, "start now")
    server.wait_for_message(lambda m: m["sender_id"] == bot.user_id and m["id"] > sent)
    server.post_message(hamlet, f"@**{bot.full_name}** end", stream="community", topic="chat")
    _kill_while_posting(live, server, delay=1.0, drop_connection=True)
    time.sleep(1.2)
    assert bot_posts(server, bot, "has ended") == []
    live = start_bot(server, tmp_path, bot, text)
    wait_until(lambda: bool(bot_posts(server, bot, "Ended **Community Call**")), live, "reply")
    assert stop_bot(live) == 0
    [summary] = bot_posts(server, bot, "has ended")
    assert summary["subject"] == TOPIC
    [reply] = bot_posts(server, bot, "Ended **Community Call**")
    assert reply["subject"] == "chat" and reply["id"] > summary["id"]


@pytest.mark.parametrize("delivered", [False, True], ids=["lost", "delivered-unanswered"])
def test_reminder_claimed_but_cut_off_by_a_kill_is_posted_once_after_restart_while_timely(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path, delivered: bool
) -> None:
    server, bot = zulip_server, community["bot"]
    start = (datetime.now(timezone.utc) + timedelta(seconds=30)).replace(microsecond=0)
    text = (
        botrc(server, community)
        .replace("start = 2030-01-02 17:00", f"start = {start:%Y-%m-%d %H:%M:%S}")
        .replace("duration = 60m", "duration = 60m\nreminders = 27s\nauto_start = no")
    )
    topic = f"community call {start:%Y-%m-%d}"

    def reminders() -> list[dict[str, Any]]:
        return [
            m
            for m in server.messages_in("community", topic)
            if m["sender_id"] == bot.user_id and "starts <time:" in m["content"]
        ]

    live = start_bot(server, tmp_path, bot, text)
    # The reminder is due 3 s after the bot starts: killed while Zulip holds it.
    fault = {"status": None, "delay": 1.0} if delivered else {"delay": 1.0, "drop_connection": True}
    _kill_while_posting(live, server, **fault)
    time.sleep(1.3)
    assert len(reminders()) == (1 if delivered else 0)
    live = start_bot(server, tmp_path, bot, text)
    wait_until(lambda: bool(reminders()), live, "the reminder")
    assert stop_bot(live) == 0
    assert len(reminders()) == 1
    assert ("that a stop had cut off" in live.log()) is not delivered


def test_reminder_cut_off_and_no_longer_timely_is_not_posted_after_restart(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    start = (datetime.now(timezone.utc) + timedelta(seconds=6)).replace(microsecond=0)
    text = (
        botrc(server, community)
        .replace("start = 2030-01-02 17:00", f"start = {start:%Y-%m-%d %H:%M:%S}")
        .replace("duration = 60m", "duration = 60m\nreminders = 3s\nauto_start = no")
    )
    live = start_bot(server, tmp_path, bot, text)
    _kill_while_posting(live, server, delay=1.0, drop_connection=True)
    while datetime.now(timezone.utc) < start:  # the meeting's start ends the reminder's use
        time.sleep(0.1)
    live = start_bot(server, tmp_path, bot, text)
    assert stop_bot(live) == 0
    assert bot_posts(server, bot, "starts <time:") == []
    assert "no longer timely" in live.log()


# --- downtime -----------------------------------------------------------------------------------


def test_commands_and_reactions_while_down_are_answered_once_in_order_after_restart(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    hamlet, othello, iago, cordelia = (
        community[n] for n in ("hamlet", "othello", "iago", "cordelia")
    )
    text = botrc(server, community)
    live = start_bot(server, tmp_path, bot, text)
    sent = say(server, hamlet, bot, "start now")
    attendance_message = server.wait_for_message(
        lambda m: m["sender_id"] == bot.user_id and m["id"] > sent and "React to" in m["content"]
    )
    server.client(othello).add_reaction(
        {"message_id": attendance_message["id"], "emoji_name": "wave"}
    )
    wait_until(
        lambda: "Othello" in live.log() and "by reaction" in live.log(), live, "the reaction"
    )
    assert stop_bot(live) == 0

    # While the bot is down.
    # Not by Othello: a command in the running meeting would keep him present (he spoke).
    missed = [
        say(server, (iago, hamlet)[i % 2], bot, f"agenda add While away {i}") for i in range(5)
    ]
    missed.append(server.post_message(cordelia, "agenda add While away by DM", to=[bot]))
    server.client(iago).add_reaction({"message_id": attendance_message["id"], "emoji_name": "tada"})
    server.client(othello).remove_reaction(
        {"message_id": attendance_message["id"], "emoji_name": "wave"}
    )

    live = start_bot(server, tmp_path, bot, text)  # ready once it has caught up
    texts = [f"While away {i}" for i in range(5)] + ["While away by DM"]
    wait_until(lambda: all(bot_posts(server, bot, t) for t in texts), live, "the missed replies")
    replies = [bot_posts(server, bot, t) for t in texts]
    assert all(len(r) == 1 for r in replies)
    ids = [r[0]["id"] for r in replies]
    assert ids == sorted(ids) and ids[0] > missed[-1]  # answered in the order they were sent
    assert "catching up on 6 messages" in live.log()
    assert stop_bot(live) == 0

    # A second restart finds nothing left to answer.
    live = start_bot(server, tmp_path, bot, text)
    assert stop_bot(live) == 0
    assert all(len(bot_posts(server, bot, t)) == 1 for t in texts)
    assert "catching up" not in live.log()
    db = open_store(tmp_path)
    with db.transaction() as session:
        meeting = store.running_meeting(session, "community")
        assert meeting is not None
        present = attendance.attendee_ids(session, meeting.id)
    db.close()
    assert iago.user_id in present and othello.user_id not in present


def test_thumbs_down_on_a_reminder_added_or_removed_while_down_is_read_back_at_restart(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    text, start = soon_botrc(server, bot, str(community["hamlet"].user_id), 40, "reminders = 32s")
    topic = f"community call {start:%Y-%m-%d}"
    live = start_bot(server, tmp_path, bot, text)
    othello, iago, cordelia = (
        Person(server, community[name], bot, live) for name in ("othello", "iago", "cordelia")
    )
    try:
        wait_until(
            lambda: bool(bot_posts_in(server, bot, topic, "starts <time:")), live, "the reminder"
        )
        [reminder] = bot_posts_in(server, bot, topic, "starts <time:")
        iago.react(reminder["id"], "thumbs_down")
        assert "cannot come" in cordelia.say("regrets", topic=topic)["content"]
        cordelia.react(reminder["id"], "thumbs_down")
        wait_until(lambda: live.log().count("regrets by reaction") >= 1, live, "Iago's 👎")
    finally:
        assert stop_bot(live) == 0

    # While the bot is down: Othello sends regrets by 👎; Iago takes his back; Cordelia's,
    # said in words, stay when she takes her 👎 away.
    othello.react(reminder["id"], "thumbs_down")
    iago.unreact(reminder["id"], emoji_name="thumbs_down")
    cordelia.unreact(reminder["id"], emoji_name="thumbs_down")
    read_before = len(server.requests)
    live = start_bot(server, tmp_path, bot, text)  # ready once it has caught up
    assert stop_bot(live) == 0
    assert "regrets: 2 reactions read back from Zulip" in live.log()
    # One paged read of the bot's own posts from the reminder on, not a request a message.
    reads = [
        r
        for r in server.requests[read_before:]
        if r.method == "GET" and "sender" in r.params.get("narrow", "")
    ]
    assert [r.params["anchor"] for r in reads] == [str(reminder["id"])]
    assert not [r for r in server.requests[read_before:] if f"/messages/{reminder['id']}" in r.path]
    db = open_store(tmp_path)
    with db.transaction() as session:
        meeting = store.meetings_of_series(session, "community")[0]
        sent = regrets.senders(session, meeting.id)
    db.close()
    ids = {name: community[name].user_id for name in ("othello", "iago", "cordelia")}
    assert sent == {ids["othello"]: True, ids["cordelia"]: False}

    # A second restart finds them matching.
    live = start_bot(server, tmp_path, bot, text)
    assert stop_bot(live) == 0
    assert "regrets:" not in live.log()


def test_commands_older_than_the_catch_up_window_are_left_alone(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot, othello = zulip_server, community["bot"], community["othello"]
    text = botrc(server, community).replace(
        "notes_dir = notes\n", "notes_dir = notes\ncatch_up = 6s\n"
    )
    assert stop_bot(start_bot(server, tmp_path, bot, text)) == 0
    say(server, othello, bot, "agenda add Too old to answer")
    # Zulip's timestamps are whole seconds; the window leaves the fresh command some 6 s for
    # the bot's start-up, which a loaded machine needs (2 s was too tight).
    time.sleep(7.0)
    say(server, othello, bot, "agenda add Fresh enough")
    live = start_bot(server, tmp_path, bot, text)
    wait_until(lambda: bool(bot_posts(server, bot, "Fresh enough")), live, "the fresh reply")
    assert stop_bot(live) == 0
    assert bot_posts(server, bot, "Too old to answer") == []
    assert "catching up on 1 message sent" in live.log()


# --- SIGKILL ------------------------------------------------------------------------------------


class BotRuns:
    """`meetbot run` started again and again in one folder; each run logs to its own file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.runs = 0
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.runs += 1
        with (self.folder / f"run-{self.runs}.log").open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "zulip_meetbot", "run", "--config", "botrc"],
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def log(self, run: int | None = None) -> str:
        return (self.folder / f"run-{run or self.runs}.log").read_text(errors="replace")

    def alive(self) -> LiveBot:
        assert self.process is not None
        return LiveBot(self.process, self.folder / f"run-{self.runs}.log", self.folder, None)


@pytest.fixture
def burst_server() -> Iterator[FakeZulip]:
    """Like ``zulip_server_factory``'s, but the test judges the OpenAPI violations itself."""
    limit, window = BURST_RATE_LIMIT
    server = FakeZulip(rate_limit=limit, rate_limit_window=window)
    server.start()
    yield server
    server.stop()


def test_sigkill_at_random_moments_of_a_burst_loses_and_duplicates_nothing(
    burst_server: FakeZulip, tmp_path: Path
) -> None:
    server = burst_server
    people = [server.add_user(f"Person {i}", delivery_email=f"p{i}@zulip.com") for i in range(5)]
    bot = server.add_user("Meetbot", delivery_email="bot@zulip.com", is_bot=True)
    server.add_stream("community", subscribers=people)
    (tmp_path / "botrc").write_text(botrc(server, {"hamlet": people[0], "bot": bot}))
    seed = int(os.environ.get("MEETBOT_KILL_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)

    sent: dict[int, int] = {}  # command number -> message id
    down_sent: set[int] = set()  # commands sent while no bot process ran
    bot_down = threading.Event()

    def send_burst() -> None:
        for i in range(BURST_COMMANDS):
            text = f"agenda add Burst {i}"
            if i % 5 == 4:  # every fifth by DM
                sent[i] = server.post_message(people[4], text, to=[bot])
            else:
                sent[i] = say(server, people[i % 4], bot, text)
            if bot_down.is_set():
                down_sent.add(i)
            time.sleep(BURST_SEND_INTERVAL)

    runs = BotRuns(tmp_path)
    runs.start()
    wait_until(lambda: "listening for events" in runs.log(), runs.alive(), "the first start")
    started = time.monotonic()
    sender = threading.Thread(target=send_burst, daemon=True)
    sender.start()
    kills = 0
    while sender.is_alive():
        time.sleep(rng.uniform(*BURST_KILL_EVERY))
        bot_down.set()
        runs.kill()
        kills += 1
        time.sleep(rng.uniform(*BURST_DOWNTIME))
        bot_down.clear()
        runs.start()
    sender.join()

    def answers(i: int) -> list[dict[str, Any]]:
        return [m for m in replies if re.search(rf"\bBurst {i}(`|$)", m["content"])]

    def all_answered() -> bool:
        nonlocal replies
        replies = [m for m in server.messages if m["sender_id"] == bot.user_id]
        return all(answers(i) for i in range(BURST_COMMANDS))

    replies: list[dict[str, Any]] = []
    deadline = time.monotonic() + 90
    while not all_answered() and time.monotonic() < deadline:
        time.sleep(0.5)
    took = time.monotonic() - started
    time.sleep(1.0)  # a duplicate would come now
    assert stop_bot(runs.alive()) == 0
    all_answered()

    duplicated = [i for i in range(BURST_COMMANDS) if len(answers(i)) > 1]
    logs = "".join(runs.log(run) for run in range(1, runs.runs + 1))
    recovered = logs.count("that a stop had cut off")
    db = open_store(tmp_path)
    with db.transaction() as session:
        meeting = store.meeting_of_occurrence(session, "community", MEETING)
        assert meeting is not None
        items = [(row.number, row.text) for row in store.items_of(session, meeting.id)]
        handled = [i for i in range(BURST_COMMANDS) if store.was_handled(session, sent[i])]
        integrity = session.connection().exec_driver_sql("PRAGMA integrity_check").scalar()
    db.close()
    texts = [text for _number, text in items]
    by_number = dict(items)
    confirmed = [
        (match[1], match[2])
        for m in replies
        if (match := re.search(r"Added item \*\*(\d+)\*\* .*: (Burst \d+)$", m["content"]))
    ]
    rate_limited = [r for r in server.requests if r.user_id == bot.user_id and r.status == 429]
    print(
        f"\nSIGKILL burst (seed {seed}): {BURST_COMMANDS} commands, {kills} kills, "
        f"{runs.runs} runs, {len(down_sent)} commands sent while down, "
        f"{recovered} replies cut off by a kill posted at the next start, "
        f"{len(rate_limited)} 429s, all answered {took:.1f} s after the burst began"
    )

    unanswered = [(i, sent[i], i in handled) for i in range(BURST_COMMANDS) if not answers(i)]
    assert unanswered == [], f"(command, message id, handled): {unanswered[:20]}"
    assert integrity == "ok"
    assert kills >= 3
    assert handled == list(range(BURST_COMMANDS))
    assert duplicated == []  # no command answered twice
    assert sorted(texts) == sorted(f"Burst {i}" for i in range(BURST_COMMANDS))  # each done once
    assert all(by_number.get(number) == text for number, text in confirmed)  # confirmed = stored
    assert down_sent and all(answers(i) for i in down_sent)
    assert rate_limited == []
    # A kill between a request's headers and its body leaves the fake a request without its
    # form (nginx in front of Zulip would drop it): the only violations there may be.
    cut_short = [v for v in server.violations if "missing required parameter" in v]
    assert cut_short == server.violations and len(cut_short) <= kills

"""Start-up and catch-up cost requests that do not grow with the series (issue 17).

Through the real `meetbot run` against the test Zulip, which records every request: from the
process's start to its first poll for events, 10 series and 1,000 make the same requests, and the
reactions read back after a restart cost one paged read, however many reminders are open.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from livebot import LiveBot, stop_bot, wait_until, write_botrc
from zulipfake import FakeUser, FakeZulip

from zulip_meetbot.zulip import catchup, streams

# Two series whose streams the bot cannot use: reported together, in one line.
UNUSABLE = (
    "\n[series:council]\ntitle = Council\nstream = secret\nstart = 2030-01-02 18:00\n"
    "timezone = UTC\n"
    "\n[series:typo]\ntitle = Typo\nstream = no-such-stream\nstart = 2030-01-02 18:00\n"
    "timezone = UTC\n"
)


def series_sections(count: int, start: str = "2030-01-02 17:00", keys: str = "") -> str:
    """``count`` one-off meetings, each in a stream of its own (few jobs: the start is fast)."""
    return "".join(
        f"\n[series:team{n:04d}]\ntitle = Team {n}\nstream = team{n:04d}\n"
        f"topic = team{n:04d} {{date}}\nstart = {start}\ntimezone = UTC\n{keys}"
        for n in range(count)
    )


def botrc(server: FakeZulip, bot: FakeUser, series: str) -> str:
    return (
        server.zuliprc_text(bot)
        + "\n[meetbot]\ndatabase = meetbot.sqlite3\nnotes_dir = notes\nchairs = 1\n"
        + series
    )


def start(folder: Path, bot: FakeUser, text: str) -> LiveBot:
    """`meetbot run` in ``folder``, waited for until its queue is registered (1,000 series
    take a few seconds on a busy machine: a longer wait than livebot's)."""
    write_botrc(folder, text)
    log_path = folder / "meetbot.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "zulip_meetbot", "run", "--config", "botrc"],
            cwd=folder,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            text=True,
        )
    live = LiveBot(process, log_path, folder, bot)
    wait_until(lambda: "listening for events" in live.log(), live, "the queue", timeout=120)
    return live


def requests_to_polling(server: FakeZulip, since: int, live: LiveBot) -> list[tuple[str, str]]:
    """(method, path) of every request from ``since`` up to the bot's first GET /events."""

    def polled() -> bool:
        return any(
            r.method == "GET" and r.path.endswith("/events") for r in server.requests[since:]
        )

    wait_until(polled, live, "the first poll for events")
    made = []
    for request in server.requests[since:]:
        made.append((request.method, request.path.removeprefix("/api/v1")))
        if made[-1] == ("GET", "/events"):
            break
    return made


def first_and_second_start(
    server: FakeZulip, folder: Path, count: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], LiveBot, FakeUser]:
    """The requests of a first start (nothing subscribed) and of a restart, with ``count``
    series; the bot of the restart is still running."""
    bot = server.add_user("Meetbot", delivery_email="meetbot-bot@zulip.example", is_bot=True)
    hamlet = server.add_user("King Hamlet", delivery_email="hamlet@zulip.com")
    server.add_stream("secret", private=True, subscribers=[hamlet])
    for n in range(count):
        server.add_stream(f"team{n:04d}", subscribers=[hamlet])
    text = botrc(server, bot, series_sections(count) + UNUSABLE)
    before = len(server.requests)
    live = start(folder, bot, text)
    first = requests_to_polling(server, before, live)
    assert stop_bot(live) == 0
    lines = [line for line in live.log().splitlines() if "cannot use" in line]
    assert len(lines) == 1, lines
    assert "cannot use 2 streams: 'no-such-stream', 'secret'" in lines[0]
    assert "add the bot to it" in lines[0]
    (idle,) = [line for line in live.log().splitlines() if "not running" in line]
    assert "not running 2 series until the bot can use their streams" in idle
    assert "council, typo get no reminders, starts or ends" in idle
    for n in range(count):
        assert bot.user_id in server.stream_subscribers(f"team{n:04d}")
    assert bot.user_id not in server.stream_subscribers("secret")
    assert server.realm.stream_by_name("no-such-stream") is None  # never created by name
    before = len(server.requests)
    live = start(folder, bot, text)
    second = requests_to_polling(server, before, live)
    return first, second, live, bot


def test_ten_and_a_thousand_series_start_with_the_same_requests(
    zulip_server_factory: Any, tmp_path: Path
) -> None:
    made: dict[int, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {}
    for count in (10, 1000):
        server = zulip_server_factory(rate_limit=None)
        folder = tmp_path / str(count)
        folder.mkdir()
        first, second, live, _ = first_and_second_start(server, folder, count)
        assert stop_bot(live) == 0
        made[count] = (first, second)
    first, second = made[10]
    assert Counter(made[1000][0]) == Counter(first)
    assert Counter(made[1000][1]) == Counter(second)
    assert len(first) <= 40
    # The streams: the bot's subscriptions, then (some missing) the streams it sees, then one
    # subscription naming all it still needs; at a restart, only the first.
    assert Counter(first)[("GET", "/users/me/subscriptions")] == 1
    assert Counter(first)[("GET", "/streams")] == 1
    assert Counter(first)[("POST", "/users/me/subscriptions")] == 1
    assert ("GET", "/get_stream_id") not in first
    assert ("POST", "/users/me/subscriptions") not in second
    # Two series whose streams cannot be used still need the listing of the streams.
    assert Counter(second)[("GET", "/streams")] == 1


def test_a_restart_reads_back_the_reactions_of_every_open_reminder_in_one_request(
    zulip_server_factory: Any, tmp_path: Path
) -> None:
    reads: dict[int, list[dict[str, str]]] = {}
    for count in (2, 40):
        server = zulip_server_factory(rate_limit=None)
        reads[count] = _reminders_read_back(server, tmp_path / str(count), count)
    for count, found in reads.items():
        assert len(found) == 1, (count, found)
        assert '"sender"' in found[0]["narrow"]


def _reminders_read_back(server: FakeZulip, folder: Path, count: int) -> list[dict[str, str]]:
    """``count`` series with a reminder posted, a 👎 on each added while the bot is down; the
    GET /messages of the restart that read reactions back (narrowed to the bot as sender)."""
    folder.mkdir()
    bot = server.add_user("Meetbot", delivery_email="meetbot-bot@zulip.example", is_bot=True)
    hamlet = server.add_user("King Hamlet", delivery_email="hamlet@zulip.com")
    for n in range(count):
        server.add_stream(f"team{n:04d}", subscribers=[hamlet])
    # Whole seconds: the reminders fall due 4 s after a start, the meetings a minute later.
    begin = (datetime.now(timezone.utc) + timedelta(seconds=70)).replace(microsecond=0)
    keys = "reminders = 66s\nauto_start = no\n"
    text = botrc(server, bot, series_sections(count, f"{begin:%Y-%m-%d %H:%M:%S}", keys))
    live = start(folder, bot, text)
    # One reminder a series, in its own stream.
    wait_until(lambda: _posted_everywhere(server, bot, count), live, "the reminders", 60)
    assert stop_bot(live) == 0
    person = server.client(hamlet)
    for n in range(count):
        (reminder,) = [
            m for m in server.messages_in(f"team{n:04d}") if m["sender_id"] == bot.user_id
        ]
        person.add_reaction({"message_id": reminder["id"], "emoji_name": "thumbs_down"})
    before = len(server.requests)
    live = start(folder, bot, text)
    requests_to_polling(server, before, live)
    assert stop_bot(live) == 0
    # Each meeting's regrets are set from its reminder's 👎, read back in the one request.
    assert live.log().count("regrets: 1 reaction read back from Zulip") == count
    assert time.time() < begin.timestamp(), "the test ran past the meetings' start"
    return [
        dict(r.params)
        for r in server.requests[before:]
        if r.method == "GET" and r.path.endswith("/messages") and "sender" in r.params["narrow"]
    ]


def _posted_everywhere(server: FakeZulip, bot: FakeUser, count: int) -> bool:
    return all(
        any(m["sender_id"] == bot.user_id for m in server.messages_in(f"team{n:04d}"))
        for n in range(count)
    )


def reads_of_messages(server: FakeZulip, since: int) -> list[Any]:
    return [
        r for r in server.requests[since:] if r.method == "GET" and r.path.endswith("/messages")
    ]


@pytest.fixture
def own_posts(zulip_server: FakeZulip) -> tuple[FakeZulip, FakeUser, FakeUser, list[int]]:
    """A bot with 30 posts of its own in a stream, among other people's."""
    server = zulip_server
    bot = server.add_user("Meetbot", delivery_email="meetbot-bot@zulip.example", is_bot=True)
    hamlet = server.add_user("King Hamlet", delivery_email="hamlet@zulip.com")
    server.add_stream("community", subscribers=[bot, hamlet])
    ids = []
    for n in range(30):
        ids.append(server.post_message(bot, f"post {n}", stream="community", topic="t"))
        server.post_message(hamlet, f"chatter {n}", stream="community", topic="t")
    return server, bot, hamlet, ids


def test_reactions_are_read_a_page_per_cluster_of_wanted_messages(
    own_posts: tuple[FakeZulip, FakeUser, FakeUser, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, bot, hamlet, ids = own_posts
    monkeypatch.setattr(catchup, "READ_BACK_PAGE", 5)
    server.client(hamlet).add_reaction({"message_id": ids[21], "emoji_name": "thumbs_down"})
    before = len(server.requests)
    # Two close together (one page), one far after (a page of its own); skipped ones cost none.
    wanted = [ids[2], ids[4], ids[21]]
    found = catchup.reactions_on_own_messages(server.client(bot), bot.user_id, wanted)
    assert sorted(found) == [ids[2], ids[4], ids[21]]
    assert [r["emoji_name"] for r in found[ids[21]]] == ["thumbs_down"]
    assert found[ids[2]] == []
    pages = reads_of_messages(server, before)
    assert [r.params["anchor"] for r in pages] == [str(ids[2]), str(ids[21])]


def test_reactions_read_back_stop_at_the_page_cap(
    own_posts: tuple[FakeZulip, FakeUser, FakeUser, list[int]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, bot, _, ids = own_posts
    monkeypatch.setattr(catchup, "READ_BACK_PAGE", 1)
    monkeypatch.setattr(catchup, "MAX_READ_BACK_PAGES", 3)
    before = len(server.requests)
    found = catchup.reactions_on_own_messages(server.client(bot), bot.user_id, ids[::2])
    assert len(reads_of_messages(server, before)) == 3
    # Each page: a wanted post and the bot's next one; the twelve after the cap are left out.
    assert sorted(found) == [ids[0], ids[2], ids[4]]
    assert "reactions not read back on" in caplog.text


def test_a_deleted_or_foreign_message_is_left_out_not_read_again(
    own_posts: tuple[FakeZulip, FakeUser, FakeUser, list[int]],
) -> None:
    server, bot, _, ids = own_posts
    other = ids[0] + 1  # Hamlet's: not among the bot's own posts
    found = catchup.reactions_on_own_messages(server.client(bot), bot.user_id, [other, ids[3]])
    assert sorted(found) == [ids[3]]
    assert len(reads_of_messages(server, 0)) == 1


def test_plan_streams_ignores_case_and_counts_each_stream_once() -> None:
    plan = streams.plan_streams(
        ["Team", "team", "new", "gone", " Secret "],
        subscribed=[{"name": "team"}],
        visible=[{"name": "team"}, {"name": "NEW"}],
    )
    assert plan == streams.StreamPlan(("team",), ("NEW",), ("gone", "Secret"))


@pytest.fixture
def realm(zulip_server: FakeZulip) -> tuple[FakeZulip, FakeUser]:
    """Three public streams, a private one without the bot, and the bot in none yet."""
    bot = zulip_server.add_user("Meetbot", delivery_email="meetbot-bot@zulip.example", is_bot=True)
    hamlet = zulip_server.add_user("King Hamlet", delivery_email="hamlet@zulip.com")
    for name in ("one", "two", "three"):
        zulip_server.add_stream(name, subscribers=[hamlet])
    zulip_server.add_stream("secret", private=True, subscribers=[hamlet])
    return zulip_server, bot


def subscription_requests(server: FakeZulip, since: int) -> list[tuple[str, str]]:
    return [
        (r.method, r.path.removeprefix("/api/v1"))
        for r in server.requests[since:]
        if "stream" in r.path or "subscriptions" in r.path
    ]


def test_joining_streams_already_joined_costs_one_request(
    realm: tuple[FakeZulip, FakeUser],
) -> None:
    server, bot = realm
    client = server.client(bot)
    first = streams.join_streams(client, ["one", "two", "three"])
    assert first.joined == ("one", "three", "two") and not first.unusable
    before = len(server.requests)
    again = streams.join_streams(client, ["one", "TWO", "three"])
    assert again == streams.JoinResult(("one", "three", "two"), (), requests=1)
    assert subscription_requests(server, before) == [("GET", "/users/me/subscriptions")]


def test_a_refused_subscription_names_every_stream_in_one_line(
    realm: tuple[FakeZulip, FakeUser], caplog: pytest.LogCaptureFixture
) -> None:
    server, bot = realm
    server.inject_fault(
        "POST",
        "/users/me/subscriptions$",
        status=400,
        body={"result": "error", "msg": "Not allowed", "code": "BAD_REQUEST"},
    )
    result = streams.join_streams(server.client(bot), ["one", "two", "secret"])
    streams.report(result)
    assert result.joined == ()
    assert result.unusable == ("secret", "one", "two")
    # Only 'secret' is known to be out of reach; the others might work at the next try.
    assert result.missing == ("secret",)
    (line,) = [r.getMessage() for r in caplog.records if "cannot use" in r.getMessage()]
    assert line.startswith("cannot use 3 streams: 'secret', 'one', 'two': ")
    assert "Not allowed" in line and "add the bot to it" in line


def test_streams_zulip_would_not_subscribe_the_bot_to_are_reported(
    realm: tuple[FakeZulip, FakeUser],
) -> None:
    server, bot = realm
    # As Zulip answers with authorization_errors_fatal off when a stream turned private
    # between the listing and the subscription.
    server.inject_fault(
        "POST",
        "/users/me/subscriptions$",
        status=200,
        body={
            "result": "success",
            "msg": "",
            "subscribed": {str(bot.user_id): ["one"]},
            "already_subscribed": {},
            "unauthorized": ["two"],
        },
    )
    result = streams.join_streams(server.client(bot), ["one", "two"])
    assert result.joined == ("one",)
    assert result.unusable == ("two",)
    assert result.missing == ("two",)
    assert "refused" in result.why
    post = [r for r in server.requests if r.method == "POST" and "subscriptions" in r.path]
    assert post[0].params["authorization_errors_fatal"] == "false"


def test_streams_zulip_would_not_list_are_not_taken_for_missing(
    realm: tuple[FakeZulip, FakeUser],
) -> None:
    server, bot = realm
    server.inject_fault(
        "GET",
        "/streams$",
        status=400,
        body={"result": "error", "msg": "Not now", "code": "BAD_REQUEST"},
    )
    result = streams.join_streams(server.client(bot), ["one", "two"])
    assert result.unusable == ("one", "two")
    # A failed listing says nothing about the streams: their series keep running.
    assert result.missing == ()


def test_the_private_streams_joined_are_told_apart(
    realm: tuple[FakeZulip, FakeUser],
) -> None:
    server, bot = realm
    server.add_stream("inner", private=True, subscribers=[bot])
    result = streams.join_streams(server.client(bot), ["one", "inner", "secret"])
    assert result.joined == ("inner", "one")
    # Their series are named to their readers only; 'secret' (the bot is not in it) is unusable.
    assert result.private == ("inner",)
    assert result.missing == ("secret",)

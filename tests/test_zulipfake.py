"""Tests of the fake Zulip server itself, driven by the real zulip client over HTTP.

Each behaviour is compared with the exchange recorded from a real Zulip 11 server
(tests/zulipfake/recorded/NN-*.json).  The realm is built like the recording's: hamlet = 10,
iago = 11 (admin), othello = 12 and a generic bot "E2E Test Bot" (whose id differs: 13, not 24).
"""

from __future__ import annotations

import copy
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import zulip
from openapi_schema_validator import OAS30Validator
from zulipfake import FakeStream, FakeUser, FakeZulip
from zulipfake import openapi as openapi_module
from zulipfake.openapi import OpenAPISpec, load_spec

RECORDED = Path(__file__).parent / "zulipfake" / "recorded"
RECORDED_BOT_ID = 24


def recorded(name: str) -> dict[str, Any]:
    (path,) = RECORDED.glob(f"{name}-*.json")
    return json.loads(path.read_text())


def recorded_response(name: str) -> dict[str, Any]:
    response = dict(recorded(name)["response"])
    response.pop("_trimmed", None)  # added by the recorder, not the server
    return response


def shape(value: Any) -> Any:
    """Keys and value types, recursively: what must match between fake and real answers."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


@dataclass
class World:
    """The recording's realm: a channel with hamlet, iago, othello and the bot in it."""

    server: FakeZulip
    hamlet: FakeUser
    iago: FakeUser
    othello: FakeUser
    bot: FakeUser
    stream: FakeStream
    _clients: dict[int, zulip.Client] = field(default_factory=dict)

    def client(self, user: FakeUser) -> zulip.Client:
        if user.user_id not in self._clients:
            self._clients[user.user_id] = self.server.client(user, client="MeetbotRecorder")
        return self._clients[user.user_id]

    def post(self, user: FakeUser, content: str, topic: str = "weekly sync") -> int:
        result = self.client(user).send_message(
            {"type": "stream", "to": self.stream.name, "topic": topic, "content": content}
        )
        assert result["result"] == "success", result
        return result["id"]


def build_world(server: FakeZulip, bot_subscribed: bool = True) -> World:
    hamlet = server.add_user("King Hamlet", "hamlet@zulip.com")
    iago = server.add_user("Iago", "iago@zulip.com", role=200)
    othello = server.add_user(
        "Othello, the Moor of Venice", "othello@zulip.com", timezone="America/Los_Angeles"
    )
    bot = server.add_user("E2E Test Bot", "e2e-bot@zulipdev.com", is_bot=True, bot_owner=iago)
    members = [iago, hamlet, othello] + ([bot] if bot_subscribed else [])
    stream = server.add_stream("meetbot-recording", subscribers=members)
    return World(server, hamlet, iago, othello, bot, stream)


@pytest.fixture
def world(zulip_server: FakeZulip) -> World:
    return build_world(zulip_server)


def register(client: zulip.Client, event_types: tuple[str, ...] = ("message", "reaction")) -> str:
    result = client.register(event_types=list(event_types))
    assert result["result"] == "success", result
    return result["queue_id"]


def poll(client: zulip.Client, queue_id: str, last_event_id: int = -1) -> list[dict[str, Any]]:
    """Events already queued (events are queued before the triggering request returns)."""
    result = client.get_events(queue_id=queue_id, last_event_id=last_event_id, dont_block=True)
    assert result["result"] == "success", result
    return result["events"]


def api(
    server: FakeZulip, user: FakeUser, method: str, path: str, **params: Any
) -> requests.Response:
    """A raw request (to see status and headers), encoded like the zulip client does."""
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    where = "params" if method == "GET" else "data"
    return requests.request(
        method,
        f"{server.url}/api/v1/{path}",
        auth=(user.delivery_email, user.api_key),
        timeout=10,
        **{where: encoded},
    )


# --- message delivery ----------------------------------------------------------------------


def test_register_answer_has_the_recorded_keys(world: World) -> None:
    result = world.client(world.bot).register(event_types=["message", "reaction"])
    assert shape(result) == shape(recorded_response("04"))
    assert result["last_event_id"] == -1
    assert result["zulip_feature_level"] == 372


def test_mention_reaches_subscribed_bot_with_mentioned_flag(world: World) -> None:
    queue = register(world.client(world.bot))
    message_id = world.post(world.hamlet, "@**E2E Test Bot** agenda add Discuss cache behavior")

    (event,) = poll(world.client(world.bot), queue)
    expected = recorded_response("06")["events"][0]
    assert shape(event) == shape(expected)
    assert event["flags"] == ["mentioned"] and event["id"] == 0
    message = event["message"]
    assert message["id"] == message_id
    assert "topic" not in message  # only the legacy "subject"
    for key in ("sender_email", "client", "subject", "type", "content_type", "avatar_url"):
        assert message[key] == expected["message"][key], key
    assert message["display_recipient"] == "meetbot-recording"
    assert message["stream_id"] == world.stream.stream_id


def test_mention_reaches_unsubscribed_bot_with_mentioned_flag(zulip_server: FakeZulip) -> None:
    world = build_world(zulip_server, bot_subscribed=False)
    queue = register(world.client(world.bot))
    world.post(world.hamlet, "Just chatting, no bot mention here.")
    world.post(world.hamlet, "silent @_**E2E Test Bot** and @**all**")
    mention = world.post(world.hamlet, f"@**E2E Test Bot|{world.bot.user_id}** agenda list")

    (event,) = poll(world.client(world.bot), queue)
    assert event["message"]["id"] == mention
    assert event["flags"] == ["mentioned"]
    assert shape(event) == shape(recorded_response("08")["events"][0])


def test_plain_channel_message_reaches_subscribed_bot_only(zulip_server: FakeZulip) -> None:
    world = build_world(zulip_server)
    outsider = zulip_server.add_user("Outside Bot", is_bot=True)
    subscribed_queue = register(world.client(world.bot))
    outsider_client = zulip_server.client(outsider)
    outsider_queue = register(outsider_client)

    world.post(world.hamlet, "Just chatting about the cache, no bot mention here.")

    (event,) = poll(world.client(world.bot), subscribed_queue)
    assert event["flags"] == []
    assert shape(event) == shape(recorded_response("10")["events"][0])
    assert poll(outsider_client, outsider_queue) == []


def test_wildcard_mention_flags_subscribers_but_reaches_nobody_else(
    zulip_server: FakeZulip,
) -> None:
    world = build_world(zulip_server)
    outsider = zulip_server.add_user("Outside Bot", is_bot=True)
    outsider_client = zulip_server.client(outsider)
    outsider_queue = register(outsider_client)
    queue = register(world.client(world.bot))

    world.post(world.hamlet, "@**all** meeting in 5 minutes")

    (event,) = poll(world.client(world.bot), queue)
    assert event["flags"] == ["stream_wildcard_mentioned", "wildcard_mentioned"]
    assert poll(outsider_client, outsider_queue) == []


def test_bot_receives_its_own_channel_post(world: World) -> None:
    client = world.client(world.bot)
    queue = register(client)
    sent = client.send_message(
        {
            "type": "channel",
            "to": world.stream.stream_id,
            "topic": "weekly sync",
            "content": "Added agenda item #1: Discuss cache behavior",
        }
    )
    assert shape(sent) == shape(recorded_response("13"))  # no automatic_new_visibility_policy

    (event,) = poll(client, queue)
    expected = recorded_response("14")["events"][0]
    assert shape(event) == shape(expected)
    assert event["flags"] == [] and event["message"]["avatar_url"] is None
    assert event["message"]["sender_email"] == "e2e-bot@zulipdev.com"
    assert event["message"]["type"] == "stream"  # sent as "channel", reported as "stream"


def test_first_human_post_in_a_topic_reports_followed_topic(world: World) -> None:
    client = world.client(world.hamlet)
    params = {"type": "stream", "to": "meetbot-recording", "topic": "weekly sync", "content": "x"}
    first = client.send_message(params)
    assert first == {**recorded_response("05"), "id": first["id"]}
    assert "automatic_new_visibility_policy" not in client.send_message(params)


def test_direct_messages_have_the_recorded_shape(world: World) -> None:
    client = world.client(world.bot)
    queue = register(client)
    sent = world.client(world.othello).send_message(
        {"type": "direct", "to": [world.bot.user_id], "content": "agenda list please"}
    )
    client.send_message(
        {"type": "direct", "to": [world.hamlet.user_id, world.othello.user_id], "content": "Hi"}
    )

    one_to_one, group = poll(client, queue)
    expected = recorded_response("12")["events"][0]
    assert shape(one_to_one) == shape(expected)
    assert one_to_one["message"]["id"] == sent["id"] and one_to_one["flags"] == []
    assert one_to_one["message"]["subject"] == "" and "stream_id" not in one_to_one["message"]
    # Same entry order and per-entry key order as the real server (surprise 3).
    assert [list(entry) for entry in one_to_one["message"]["display_recipient"]] == [
        list(entry) for entry in expected["message"]["display_recipient"]
    ]
    assert [entry["id"] for entry in one_to_one["message"]["display_recipient"]] == [
        world.bot.user_id,
        world.othello.user_id,
    ]
    expected_group = recorded_response("46")["events"][1]
    assert shape(group) == shape(expected_group)
    assert [e["id"] for e in group["message"]["display_recipient"]] == [10, 12, world.bot.user_id]


def test_dm_by_login_address_is_refused_like_the_real_server(world: World) -> None:
    result = world.client(world.bot).send_message(
        {"type": "direct", "to": ["hamlet@zulip.com"], "content": "hi"}
    )
    assert result == {
        "result": "error",
        "msg": "Invalid email 'hamlet@zulip.com'",
        "code": "BAD_REQUEST",
    }
    ok = world.client(world.bot).send_message(
        {"type": "private", "to": "user10@zulipdev.com", "content": "hi"}
    )
    assert ok["result"] == "success"


def test_legacy_stream_type_with_subject_is_accepted(world: World) -> None:
    client = world.client(world.bot)
    result = client.send_message(
        {"type": "stream", "to": "meetbot-recording", "subject": "legacy subject", "content": "x"}
    )
    assert shape(result) == shape(recorded_response("38"))
    assert world.server.message(result["id"])["subject"] == "legacy subject"


# --- errors ----------------------------------------------------------------------------------


def test_send_errors_match_recordings(world: World) -> None:
    client = world.client(world.bot)
    assert client.send_message(
        {"type": "channel", "to": "no-such-channel-xyz", "topic": "x", "content": "hello"}
    ) == recorded_response("39")
    assert client.send_message(
        {"type": "channel", "to": 999999, "topic": "x", "content": "hello"}
    ) == recorded_response("40")
    assert client.send_message(
        {"type": "channel", "to": world.stream.stream_id, "content": "no topic given"}
    ) == recorded_response("41")
    assert client.call_endpoint("users/999999", method="GET") == recorded_response("50")


def test_bad_event_queue_errors_match_recordings(world: World) -> None:
    client = world.client(world.bot)
    bogus = client.get_events(queue_id="1700000000:bogus", last_event_id=-1)
    assert bogus == recorded_response("59")

    queue = register(client)
    assert client.deregister(queue) == recorded_response("61")
    gone = client.get_events(queue_id=queue, last_event_id=17)
    assert gone == {
        **recorded_response("62"),
        "msg": f"Bad event queue ID: {queue}",
        "queue_id": queue,
    }
    again = client.deregister(queue)
    assert again["code"] == "BAD_EVENT_QUEUE_ID" and again["queue_id"] == queue


def test_dropped_queues_answer_bad_event_queue_id(world: World) -> None:
    client = world.client(world.bot)
    queue = register(client)
    assert world.server.drop_event_queues(world.bot) == [queue]
    assert client.get_events(queue_id=queue, last_event_id=-1)["code"] == "BAD_EVENT_QUEUE_ID"


def test_request_the_spec_forbids_is_refused_and_recorded(world: World) -> None:
    client = world.client(world.bot)
    result = client.call_endpoint(
        "messages", method="POST", request={"type": "stream", "to": "meetbot-recording"}
    )
    assert result == {
        "result": "error",
        "msg": "Missing 'content' argument",
        "var_name": "content",
        "code": "REQUEST_VARIABLE_MISSING",
    }
    bad_type = client.call_endpoint(
        "messages", method="POST", request={"type": "stream", "to": 1.5, "content": "x"}
    )
    assert bad_type["result"] == "error"
    unknown = client.call_endpoint("no_such_endpoint", method="GET")
    assert unknown == {"result": "error", "msg": "Not Found", "code": "BAD_REQUEST"}

    violations = list(world.server.violations)
    world.server.violations.clear()  # expected here; the fixture checks for none at teardown
    assert any(
        "POST /api/v1/messages: missing required parameter 'content'" in v for v in violations
    )
    assert any("parameter 'to'='1.5'" in v for v in violations)
    assert any(
        "GET /api/v1/no_such_endpoint: not in zulip-openapi-subset.yaml" in v for v in violations
    )


def test_unknown_parameter_is_a_violation_but_client_repeats_are_not(world: World) -> None:
    client = world.client(world.bot)
    message_id = world.post(world.hamlet, "hi")
    # The zulip client repeats message_id in the body: tolerated (same value as the path).
    assert (
        client.add_reaction({"message_id": message_id, "emoji_name": "octopus"})["result"]
        == "success"
    )
    assert world.server.violations == []
    result = client.send_message(
        {
            "type": "stream",
            "to": "meetbot-recording",
            "topics": "typo",
            "topic": "t",
            "content": "x",
        }
    )
    assert result["ignored_parameters_unsupported"] == ["topics"]
    assert world.server.violations == [
        "POST /api/v1/messages: unknown parameter 'topics' (the server ignores it)"
    ]
    world.server.violations.clear()


def test_login_needs_the_delivery_address_and_the_right_key(world: World) -> None:
    visible = zulip.Client(
        email="user10@zulipdev.com", api_key=world.hamlet.api_key, site=world.server.url
    )
    assert visible.get_profile() == {
        "result": "error",
        "msg": "Invalid API key",
        "code": "INVALID_API_KEY",
    }
    wrong = zulip.Client(email="hamlet@zulip.com", api_key="x" * 32, site=world.server.url)
    assert wrong.get_profile()["code"] == "INVALID_API_KEY"
    anonymous = requests.get(f"{world.server.url}/api/v1/users/me", timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "UNAUTHORIZED"
    response = api(world.server, world.hamlet, "GET", "users/me")
    assert response.status_code == 200
    assert set(response.json()) == set(recorded_response("67"))


# --- reactions -------------------------------------------------------------------------------


def test_reaction_events_match_recordings(world: World) -> None:
    bot_client = world.client(world.bot)
    queue = register(bot_client)
    message_id = bot_client.send_message(
        {"type": "channel", "to": world.stream.stream_id, "topic": "weekly sync", "content": "x"}
    )["id"]
    hamlet, othello = world.client(world.hamlet), world.client(world.othello)
    for client, name in [
        (hamlet, "wave"),
        (othello, "+1"),
        (hamlet, "thumbs_up"),  # a vote for othello's +1: stored as "+1" (18)
        (hamlet, "zulip"),
        (othello, "green_tick"),
    ]:
        assert (
            client.add_reaction({"message_id": message_id, "emoji_name": name})["result"]
            == "success"
        )

    added = poll(bot_client, queue, 0)  # acknowledges event 0, the bot's own message
    expected = recorded_response("21")["events"]
    assert [shape(e) for e in added] == [shape(e) for e in expected]
    keys = ("op", "user_id", "emoji_name", "emoji_code", "reaction_type")
    assert [tuple(e[k] for k in keys) for e in added] == [
        tuple(e[k] for k in keys) for e in expected
    ]
    assert added[0]["user"] == expected[0]["user"]

    assert (
        hamlet.remove_reaction({"message_id": message_id, "emoji_name": "wave"})["result"]
        == "success"
    )
    by_code = {"message_id": message_id, "emoji_code": "1f44d", "reaction_type": "unicode_emoji"}
    assert othello.remove_reaction(by_code)["result"] == "success"
    # Removing by name alone assumes unicode_emoji (surprise 8).
    zulip_by_name = {"message_id": message_id, "emoji_name": "zulip"}
    assert hamlet.remove_reaction(zulip_by_name) == recorded_response("24")
    removed = poll(bot_client, queue, added[-1]["id"])
    expected_removed = recorded_response("25")["events"]
    assert [tuple(e[k] for k in keys) for e in removed] == [
        tuple(e[k] for k in keys) for e in expected_removed
    ]

    fetched = bot_client.call_endpoint(f"messages/{message_id}", method="GET")
    expected_message = recorded_response("26")
    assert shape(fetched) == shape(expected_message)
    assert fetched["message"]["reactions"] == expected_message["message"]["reactions"]
    assert fetched["message"]["content_type"] == "text/html"

    with_type = {**zulip_by_name, "reaction_type": "zulip_extra_emoji"}
    assert hamlet.remove_reaction(with_type) == {
        **recorded_response("64"),
        "ignored_parameters_unsupported": ["message_id"],
    }


def test_alias_sent_first_is_stored_under_the_name_sent(world: World) -> None:
    # Zulip keeps the first reactor's name; later votes reuse it (check_add_reaction).
    message_id = world.post(world.hamlet, "hi")
    world.client(world.othello).add_reaction({"message_id": message_id, "emoji_name": "thumbs_up"})
    world.client(world.iago).add_reaction({"message_id": message_id, "emoji_name": "+1"})
    names = [r["emoji_name"] for r in world.server.message(message_id)["reactions"]]
    assert names == ["thumbs_up", "thumbs_up"]


def test_reaction_errors_match_recordings(world: World) -> None:
    client = world.client(world.bot)
    message_id = world.post(world.hamlet, "@**E2E Test Bot** agenda add X")
    check = {"message_id": message_id, "emoji_name": "check"}
    assert client.add_reaction(check)["result"] == "success"
    assert client.add_reaction(check) == recorded_response("33")
    assert client.remove_reaction(check)["result"] == "success"
    assert client.remove_reaction(check) == recorded_response("35")
    unknown = {"message_id": message_id, "emoji_name": "no_such_emoji_xyz"}
    assert client.add_reaction(unknown) == recorded_response("36")
    # GitHub's name for U+2705 is not Zulip's.
    assert (
        client.add_reaction({"message_id": message_id, "emoji_name": "white_check_mark"})["msg"]
        == "Emoji 'white_check_mark' does not exist"
    )


def test_reactions_on_messages_a_bot_never_received_send_it_nothing(
    zulip_server: FakeZulip,
) -> None:
    world = build_world(zulip_server, bot_subscribed=False)
    bot_client = world.client(world.bot)
    queue = register(bot_client)
    plain = world.post(world.hamlet, "not for the bot")
    mention = world.post(world.hamlet, "@**E2E Test Bot** hello")
    for message_id in (plain, mention):
        world.client(world.othello).add_reaction({"message_id": message_id, "emoji_name": "tada"})

    events = poll(bot_client, queue)
    assert [(e["type"], e.get("message_id")) for e in events] == [
        ("message", None),
        ("reaction", mention),
    ]


# --- fetching --------------------------------------------------------------------------------


def test_rendered_and_raw_fetches_match_recordings(world: World) -> None:
    client = world.client(world.bot)
    content = "Next meeting: <time:2026-12-02T17:00:00+00:00> cc @_**King Hamlet|10**"
    message_id = client.send_message(
        {
            "type": "channel",
            "to": world.stream.stream_id,
            "topic": "weekly sync",
            "content": content,
        }
    )["id"]
    rendered = client.call_endpoint(
        f"messages/{message_id}", method="GET", request={"apply_markdown": True}
    )
    raw = client.call_endpoint(
        f"messages/{message_id}", method="GET", request={"apply_markdown": False}
    )
    expected_rendered, expected_raw = recorded_response("44"), recorded_response("45")
    assert shape(rendered) == shape(expected_rendered) and shape(raw) == shape(expected_raw)
    assert rendered["message"]["content"] == expected_rendered["message"]["content"]
    assert rendered["raw_content"] == raw["message"]["content"] == content
    assert raw["message"]["content_type"] == "text/x-markdown"


def test_get_messages_narrows_and_anchors_match_recordings(world: World) -> None:
    bot_client = world.client(world.bot)
    first = world.post(world.hamlet, "@**E2E Test Bot** agenda add Discuss cache behavior")
    second = world.post(world.hamlet, f"@**E2E Test Bot|{world.bot.user_id}** agenda list")
    world.post(world.hamlet, "no mention", topic="other")
    world.post(world.bot, "Added agenda item #1")
    world.post(world.bot, "Next meeting")

    mentioned = bot_client.get_messages(
        {
            "narrow": [{"operator": "is", "operand": "mentioned"}],
            "anchor": first,
            "num_before": 0,
            "num_after": 50,
        }
    )
    expected = recorded_response("52")
    assert [m["id"] for m in mentioned["messages"]] == [first, second]
    assert {
        k: mentioned[k] for k in ("found_anchor", "found_oldest", "found_newest", "history_limited")
    } == {
        k: expected[k] for k in ("found_anchor", "found_oldest", "found_newest", "history_limited")
    }
    assert mentioned["anchor"] == first
    assert mentioned["messages"][0]["content"] == (
        f'<p><span class="user-mention" data-user-id="{world.bot.user_id}">@E2E Test Bot</span> '
        "agenda add Discuss cache behavior</p>"
    )

    newest = bot_client.get_messages(
        {
            "narrow": [
                {"operator": "channel", "operand": "meetbot-recording"},
                {"operator": "topic", "operand": "weekly sync"},
            ],
            "anchor": "newest",
            "num_before": 20,
            "num_after": 0,
        }
    )
    expected = recorded_response("53")
    assert len(newest["messages"]) == 4
    for key in ("found_anchor", "found_oldest", "found_newest", "history_limited", "anchor"):
        assert newest[key] == expected[key], key

    oldest = bot_client.get_messages(
        {
            "narrow": [
                {"operator": "stream", "operand": world.stream.stream_id},
                {"operator": "topic", "operand": "weekly sync"},
            ],
            "anchor": "oldest",
            "num_before": 0,
            "num_after": 2,
        }
    )
    expected = recorded_response("54")
    assert [m["id"] for m in oldest["messages"]] == [first, second]
    for key in ("found_anchor", "found_oldest", "found_newest", "history_limited", "anchor"):
        assert oldest[key] == expected[key], key
    assert shape(oldest["messages"][1]) == shape(expected["messages"][1])


def test_channel_narrow_shows_history_the_bot_never_received(zulip_server: FakeZulip) -> None:
    world = build_world(zulip_server, bot_subscribed=False)
    message_id = world.post(world.hamlet, "before the bot came")
    client = world.client(world.bot)
    unnarrowed = client.get_messages({"anchor": "newest", "num_before": 10, "num_after": 0})
    assert unnarrowed["messages"] == []
    narrowed = client.get_messages(
        {
            "anchor": "newest",
            "num_before": 10,
            "num_after": 0,
            "narrow": [["channel", "meetbot-recording"]],
        }
    )
    assert [(m["id"], m["flags"]) for m in narrowed["messages"]] == [
        (message_id, ["read", "historical"])
    ]


# --- users, channels, realm ------------------------------------------------------------------


def add_recorded_profile_fields(server: FakeZulip) -> None:
    for entry in recorded_response("51")["custom_fields"]:
        server.add_profile_field(
            entry["name"], entry["type"], hint=entry["hint"], field_data=entry["field_data"]
        )


def test_users_and_profile_fields_match_recordings(world: World) -> None:
    server = world.server
    add_recorded_profile_fields(server)
    recorded_members = {m["user_id"]: m for m in recorded_response("47")["members"]}
    for field_id, entry in recorded_members[10]["profile_data"].items():
        server.set_profile_data(world.hamlet, int(field_id), entry["value"])
    client = world.client(world.bot)

    fields = client.call_endpoint("realm/profile_fields", method="GET")
    assert fields == recorded_response("51")

    members = {
        m["user_id"]: m
        for m in client.get_members({"include_custom_profile_fields": True})["members"]
    }
    for user_id in (10, 12):
        expected = dict(recorded_members[user_id], date_joined=members[user_id]["date_joined"])
        assert members[user_id] == expected
    bot = members[world.bot.user_id]
    assert bot == dict(
        recorded_members[RECORDED_BOT_ID], user_id=world.bot.user_id, date_joined=bot["date_joined"]
    )
    assert "profile_data" not in bot

    with_fields = client.call_endpoint(
        "users/10", method="GET", request={"include_custom_profile_fields": True}
    )
    assert shape(with_fields) == shape(recorded_response("48"))
    plain = client.call_endpoint("users/10", method="GET")
    assert shape(plain) == shape(recorded_response("49"))
    assert shape(client.get_profile()) == shape(recorded_response("02"))
    by_email = client.call_endpoint("users/user12@zulipdev.com", method="GET")
    assert by_email["user"]["user_id"] == 12


def test_server_settings_and_realm_emoji_have_the_recorded_shape(world: World) -> None:
    anonymous = requests.get(f"{world.server.url}/api/v1/server_settings", timeout=10).json()
    expected = recorded_response("01")
    assert set(anonymous) == set(expected)
    assert anonymous["realm_url"] == world.server.url
    assert anonymous["zulip_feature_level"] == 372
    emoji = world.client(world.bot).call_endpoint("realm/emoji", method="GET")
    assert list(emoji["emoji"]) == ["1"] and emoji["emoji"]["1"]["name"] == "green_tick"
    assert shape(emoji["emoji"]["1"]) == {
        **shape(recorded_response("15")["emoji"]["1"]),
        "author_id": "NoneType",
    }


def test_subscribing_creates_channels_but_not_into_private_ones(world: World) -> None:
    server = world.server
    iago = world.client(world.iago)
    principals = [
        world.iago.user_id,
        world.hamlet.user_id,
        world.othello.user_id,
        world.bot.user_id,
    ]
    result = iago.add_subscriptions(
        [{"name": "new-channel", "description": "Meeting bot recording channel"}],
        principals=principals,
    )
    expected = recorded_response("03")
    assert result == {
        **expected,
        "subscribed": {str(i): ["new-channel"] for i in principals},
    }
    assert server.stream_subscribers("new-channel") == principals

    server.add_stream("secret", private=True, subscribers=[world.hamlet])
    bot = world.client(world.bot)
    refused = bot.add_subscriptions([{"name": "secret"}])
    assert refused == {
        "result": "error",
        "msg": "Unable to access channel (secret).",
        "code": "BAD_REQUEST",
    }
    assert bot.get_stream_id("secret")["result"] == "error"
    assert bot.get_stream_id("meetbot-recording") == {
        "result": "success",
        "msg": "",
        "stream_id": world.stream.stream_id,
    }
    visible = [s["name"] for s in bot.get_streams()["streams"]]
    assert visible == ["meetbot-recording", "new-channel"]
    again = bot.add_subscriptions([{"name": "meetbot-recording"}])
    assert again["already_subscribed"] == {str(world.bot.user_id): ["meetbot-recording"]}
    assert [s["name"] for s in bot.get_subscriptions()["subscriptions"]] == [
        "meetbot-recording",
        "new-channel",
    ]
    assert bot.remove_subscriptions(["new-channel"]) == {
        "result": "success",
        "msg": "",
        "removed": ["new-channel"],
        "not_removed": [],
    }


def test_edits_send_nothing_but_topic_moves_post_a_notification(world: World) -> None:
    bot_client = world.client(world.bot)
    queue = register(bot_client)
    mention = world.post(world.hamlet, "@**E2E Test Bot** agenda add X")
    chat = world.post(world.hamlet, "chatting")
    last = poll(bot_client, queue)[-1]["id"]
    hamlet = world.client(world.hamlet)

    edited = hamlet.update_message(
        {"message_id": mention, "content": "@**E2E Test Bot** agenda add Y"}
    )
    assert edited == {**recorded_response("27"), "ignored_parameters_unsupported": ["message_id"]}
    assert poll(bot_client, queue, last) == []  # 28

    hamlet.update_message(
        {"message_id": chat, "topic": "renamed topic", "propagate_mode": "change_one"}
    )
    (event,) = poll(bot_client, queue, last)
    expected = recorded_response("30")["events"][0]
    assert shape(event) == shape(expected)
    message = event["message"]
    url = world.server.url
    assert message["content"] == expected["message"]["content"].replace(
        "http://localhost:9991", url
    ).replace("channel/23-", f"channel/{world.stream.stream_id}-").replace(
        "/near/115", f"/near/{chat}"
    )
    for key in ("sender_id", "client", "sender_realm_str", "sender_email", "subject"):
        assert message[key] == expected["message"][key], key
    assert world.server.message(chat)["subject"] == "renamed topic"


def test_content_edits_follow_the_organizations_edit_limit_and_policy(world: World) -> None:
    bot = world.client(world.bot)
    state = bot.register(event_types=["message"], fetch_event_types=["message", "realm"])
    # Zulip's defaults: editing allowed, for 10 minutes after sending.
    assert state["realm_allow_message_editing"] is True
    assert state["realm_message_content_edit_limit_seconds"] == 600
    own = world.post(world.bot, "Reminder")
    assert bot.update_message({"message_id": own, "content": "Edited"})["result"] == "success"
    # No recording has these refusals: the shape is the recorded errors' (400, BAD_REQUEST),
    # the words those the OpenAPI file lists for PATCH /messages/{message_id}.
    world.server.age_message(own, 601)
    assert bot.update_message({"message_id": own, "content": "Too late"}) == {
        "result": "error",
        "msg": "The time limit for editing this message has past",
        "code": "BAD_REQUEST",
    }
    world.server.set_message_editing(limit_seconds=None)
    state = bot.register(event_types=["message"], fetch_event_types=["realm"])
    assert state["realm_message_content_edit_limit_seconds"] is None
    assert "max_message_id" not in state
    assert bot.update_message({"message_id": own, "content": "No limit"})["result"] == "success"
    world.server.set_message_editing(allowed=False)
    assert bot.update_message({"message_id": own, "content": "Off"})["msg"] == (
        "Your organization has turned off message editing"
    )
    assert world.server.message(own)["content"] == "No limit"


def test_upload_is_stored_and_served(world: World) -> None:
    notes = io.BytesIO(b"# Meeting notes\n")
    notes.name = "/tmp/somewhere/meeting-notes.md"  # the client names the part after this
    result = world.client(world.bot).upload_file(notes)
    assert shape(result) == shape(recorded_response("55"))
    assert result["uri"] == result["url"] and result["filename"] == "meeting-notes.md"
    assert result["url"].startswith("/user_uploads/2/") and result["url"].endswith(
        "/meeting-notes.md"
    )
    assert world.server.uploads[result["url"]] == ("meeting-notes.md", b"# Meeting notes\n")
    assert (
        requests.get(world.server.url + result["url"], timeout=10).content == b"# Meeting notes\n"
    )


def test_scheduled_messages_are_listed_as_stream_and_delivered(world: World) -> None:
    client = world.client(world.bot)
    when = int(time.time()) + 3600
    created = client.call_endpoint(
        "scheduled_messages",
        request={
            "type": "channel",
            "to": world.stream.stream_id,
            "topic": "weekly sync",
            "content": "Reminder (type channel)",
            "scheduled_delivery_timestamp": when,
        },
    )
    assert shape(created) == shape(recorded_response("57"))
    listed = client.call_endpoint("scheduled_messages", method="GET")
    assert listed == {
        **recorded_response("65"),
        "scheduled_messages": [
            dict(
                recorded_response("65")["scheduled_messages"][0],
                scheduled_message_id=created["scheduled_message_id"],
                to=world.stream.stream_id,
                scheduled_delivery_timestamp=when,
            )
        ],
    }
    (message_id,) = world.server.deliver_scheduled_messages(now=when)
    assert world.server.message(message_id)["content"] == "Reminder (type channel)"
    assert client.call_endpoint("scheduled_messages", method="GET")["scheduled_messages"] == []


# --- long-polling, limits, faults ------------------------------------------------------------


def test_idle_long_poll_answers_a_heartbeat(zulip_server_factory: Callable[..., FakeZulip]) -> None:
    server = zulip_server_factory(heartbeat_seconds=0.3)
    bot = server.add_user("E2E Test Bot", is_bot=True)
    client = server.client(bot)
    queue = register(client)
    started = time.monotonic()
    result = client.get_events(queue_id=queue, last_event_id=-1)
    assert 0.25 < time.monotonic() - started < 2
    assert result == {**recorded_response("66"), "queue_id": queue}


def test_long_poll_wakes_promptly_for_a_new_message(
    zulip_server_factory: Callable[..., FakeZulip],
) -> None:
    server = zulip_server_factory(heartbeat_seconds=10)
    world = build_world(server)
    queue = register(world.client(world.bot))
    timer = threading.Timer(0.2, world.post, args=(world.hamlet, "hello"))
    timer.start()
    started = time.monotonic()
    result = world.client(world.bot).get_events(queue_id=queue, last_event_id=-1)
    timer.join()
    assert time.monotonic() - started < 2
    assert [e["type"] for e in result["events"]] == ["message"]
    assert result["queue_id"] == queue  # an answer that was held open


def test_stop_releases_blocked_long_polls(zulip_server_factory: Callable[..., FakeZulip]) -> None:
    server = zulip_server_factory(heartbeat_seconds=30)
    bot = server.add_user("E2E Test Bot", is_bot=True)
    client = server.client(bot)
    queue = register(client)
    answers: list[dict[str, Any]] = []
    poller = threading.Thread(
        target=lambda: answers.append(client.get_events(queue_id=queue, last_event_id=-1))
    )
    poller.start()
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    poller.join(timeout=5)
    assert not poller.is_alive() and time.monotonic() - started < 5
    assert answers[0]["events"][0]["type"] == "heartbeat"


def test_rate_limit_refuses_with_retry_after(
    zulip_server_factory: Callable[..., FakeZulip],
) -> None:
    server = zulip_server_factory(rate_limit=5)
    hamlet = server.add_user("King Hamlet", "hamlet@zulip.com")
    answers = [api(server, hamlet, "GET", "users/me") for _ in range(6)]

    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["4", "3", "2", "1", "0", "0"]
    assert all(a.headers["X-RateLimit-Limit"] == "5" for a in answers)
    refused = answers[-1]
    expected = recorded("68")
    assert shape(refused.json()) == shape(expected["response"])
    assert {k: v for k, v in refused.json().items() if k != "retry-after"} == {
        k: v for k, v in expected["response"].items() if k != "retry-after"
    }
    retry_after = float(refused.headers["Retry-After"])
    assert 0 < retry_after <= 60 and refused.json()["retry-after"] == pytest.approx(retry_after)
    assert int(refused.headers["X-RateLimit-Reset"]) >= int(time.time())
    # Long-polling has its own budget, as on the real server (Tornado).
    bot = server.add_user("Bot", is_bot=True)
    assert api(server, bot, "POST", "register").status_code == 200


def test_injected_500_is_answered_once_then_normal(zulip_server: FakeZulip) -> None:
    hamlet = zulip_server.add_user("King Hamlet", "hamlet@zulip.com")
    client = zulip_server.client(hamlet, retry_on_errors=False)
    fault = zulip_server.inject_fault("GET", r"/users/me$", status=500)

    failed = client.get_profile()
    assert failed == {"result": "error", "msg": "Internal server error", "code": "BAD_REQUEST"}
    assert client.get_profile()["result"] == "success"
    assert fault.hits == 1
    statuses = [r.status for r in zulip_server.requests if r.path == "/api/v1/users/me"]
    assert statuses == [500, 200]


def test_injected_drop_and_delay(zulip_server: FakeZulip) -> None:
    world = build_world(zulip_server)
    zulip_server.inject_fault("POST", r"/messages$", drop_connection=True)
    slow = zulip_server.inject_fault("GET", r"/users/me$", status=None, delay=0.3)
    # The zulip client retries a dropped request (after 1 s, with dont_block added).
    message_id = world.post(world.hamlet, "sent despite a dropped connection")
    assert [m["id"] for m in zulip_server.messages] == [message_id]
    started = time.monotonic()
    assert world.client(world.hamlet).get_profile()["result"] == "success"
    assert time.monotonic() - started >= 0.3 and slow.hits == 1


def test_injected_429_carries_retry_after(zulip_server: FakeZulip) -> None:
    hamlet = zulip_server.add_user("King Hamlet", "hamlet@zulip.com")
    zulip_server.inject_fault("*", r"/users/me$", status=429, retry_after=0.5)
    refused = api(zulip_server, hamlet, "GET", "users/me")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "0.5"
    assert refused.json()["code"] == "RATE_LIMIT_HIT" and refused.json()["retry-after"] == 0.5


def test_requests_are_recorded_with_caller_and_status(world: World) -> None:
    world.post(world.hamlet, "hello")
    sent = {"type": "stream", "to": "meetbot-recording", "topic": "weekly sync", "content": "hello"}
    assert ("POST", "/api/v1/messages", sent) in world.server.requests
    method, path, params = world.server.requests[-1]
    assert (method, path, params) == ("POST", "/api/v1/messages", sent)
    assert world.server.requests[-1].user_id == world.hamlet.user_id
    assert world.server.requests[-1].status == 200


def test_wait_for_message_times_out_with_a_dump(zulip_server: FakeZulip) -> None:
    with pytest.raises(AssertionError, match=r"no matching message within 0\.1 s"):
        zulip_server.wait_for_message(lambda m: False, timeout=0.1)


# --- the spec subset and its allowlist -------------------------------------------------------


def recorded_exchanges() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(RECORDED.glob("*.json")):
        yield path.name, json.loads(path.read_text())


def spec_problems(spec: OpenAPISpec) -> list[str]:
    """Problems the spec finds in the recorded real-server exchanges."""
    problems: list[str] = []
    for name, exchange in recorded_exchanges():
        request = exchange["request"]
        files = ["file"] if request["encoding"].startswith("multipart") else []
        check = spec.check_request(
            request["method"], request["path"][len("/api/v1") :], request["params"], files
        )
        problems += [f"{name}: {p}" for p in check.problems]
        response = copy.deepcopy(exchange["response"])
        response.pop("_trimmed", None)
        if check.operation is not None:
            problems += [
                f"{name}: {p}"
                for p in spec.check_response(check.operation, exchange["status"], response)
            ]
        if exchange["status"] == 429:
            pointer = "#/components/schemas/RateLimitedError"
            problems += [f"{name}: {p}" for p in spec.schema_errors(pointer, response)]
    return problems


def test_recorded_exchanges_satisfy_the_spec_with_known_differences() -> None:
    assert spec_problems(load_spec()) == []


@pytest.mark.parametrize("index", range(len(openapi_module.KNOWN_DIFFERENCES)))
def test_each_known_difference_is_needed(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    differences = list(openapi_module.KNOWN_DIFFERENCES)
    del differences[index]
    monkeypatch.setattr(openapi_module, "KNOWN_DIFFERENCES", differences)
    assert spec_problems(OpenAPISpec()) != []


def test_events_are_checked_against_their_own_type_with_the_same_verdicts() -> None:
    """The fake tries only the event schemas of an event's type (the others cannot match):
    on recorded events, and on broken copies of them, the verdict is plain oneOf's."""
    spec = load_spec()
    op, _ = spec.match("GET", "/events")
    assert op is not None
    pointer = op.response_pointers["200"]
    plain = OAS30Validator({"$ref": openapi_module._SPEC_URI + pointer}, registry=spec._registry)
    bodies = [
        copy.deepcopy(exchange["response"])
        for _, exchange in recorded_exchanges()
        if exchange["request"]["path"] == "/api/v1/events" and "events" in exchange["response"]
    ]
    events = [event for body in bodies for event in body["events"]]
    assert {"message", "reaction", "heartbeat"} <= {event["type"] for event in events}
    cases: list[dict[str, Any]] = []
    for event in events:
        cases.append(event)
        cases.append({**event, "type": "no_such_event"})
        cases.append({**event, "id": "not a number"})
        if event["type"] == "message":
            cases.append({**event, "message": {**event["message"], "sender_id": "x"}})
        if event["type"] == "reaction":
            cases.append({**event, "op": "twist"})
    for case in cases:
        body = {"result": "success", "msg": "", "events": [case], "queue_id": "1:2"}
        expected = [error.message for error in plain.iter_errors(body)]
        assert bool(spec.check_response(op, 200, body)) == bool(expected), case


def test_spec_subset_is_self_contained() -> None:
    text = (Path(openapi_module.__file__).with_name("zulip-openapi-subset.yaml")).read_text()
    assert "f58636627283a5aa17fc022b8c16c901e44b0816" in text.split("openapi:", 1)[0]
    spec = load_spec().spec
    assert spec["openapi"].startswith("3.0")

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in set(refs(spec)):
        assert ref.startswith("#/components/"), ref
        _, _, section, name = ref.split("/", 3)
        assert name in spec["components"][section], ref

"""Which Zulip events reach the handler: checked on events recorded from a real Zulip 11."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from zulip_meetbot.zulip.directory import member_from_user
from zulip_meetbot.zulip.runtime import (
    ZulipBotHandler,
    command_text,
    strip_leading_mention,
)

RECORDED = Path(__file__).parent / "zulipfake" / "recorded"
# The recording's bot: generic bot "E2E Test Bot", user id 24.
BOT = ZulipBotHandler(
    client=None,
    profile={"user_id": 24, "full_name": "E2E Test Bot", "email": "e2e-bot@zulipdev.com"},
)  # type: ignore[arg-type]


def recorded_events(name: str) -> list[dict[str, Any]]:
    return json.loads((RECORDED / name).read_text())["response"]["events"]


def routed(name: str) -> list[str | None]:
    return [
        command_text(e["message"], e["flags"], BOT)
        for e in recorded_events(name)
        if e["type"] == "message"
    ]


def test_mention_by_name_is_a_command() -> None:
    assert routed("06-events_mention_name.json") == ["agenda add Discuss cache behavior"]


def test_mention_by_name_and_id_is_a_command() -> None:
    [text] = routed("08-events_mention_name_id.json")
    assert text is not None and not text.startswith("@")


def test_stream_message_without_mention_is_ignored() -> None:
    assert routed("10-events_no_mention.json") == [None]


def test_direct_message_is_a_command_without_mention() -> None:
    assert routed("12-events_dm_from_othello.json") == ["agenda list please"]


def test_the_bots_own_message_is_never_a_command() -> None:
    assert routed("14-events_bot_own_message.json") == [None]


def test_notification_bot_notice_after_a_topic_move_is_ignored() -> None:
    assert routed("30-events_after_hamlet_topic_edit.json") == [None]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("@**E2E Test Bot** agenda", "agenda"),
        ("@**E2E Test Bot|24** agenda", "agenda"),
        ("@**Somebody Else** agenda", None),
        ("@**E2E Test Bot|25** agenda", None),
        ("agenda @**E2E Test Bot**", None),
        ("@_**E2E Test Bot** agenda", None),
    ],
)
def test_only_a_leading_mention_of_this_bot_counts(content: str, expected: str | None) -> None:
    assert strip_leading_mention(content, "E2E Test Bot", 24) == expected


def test_users_from_get_users_become_members_with_roles() -> None:
    recorded = json.loads((RECORDED / "47-get_users.json").read_text())["response"]["members"]
    members = {m.user_id: m for m in map(member_from_user, recorded)}
    assert members[24].is_bot and not members[10].is_bot
    assert members[10].email == "user10@zulipdev.com"

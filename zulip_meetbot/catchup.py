"""What the bot missed while it was down or its event queue was gone, read back from Zulip.

Commands: the mentions of the bot and the direct messages to it (GET /messages, two narrows),
newer than the last message handled and no older than the ``catch_up`` window. Attendance: the
reactions now on an attendance message (GET /messages/{id}).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zulip

log = logging.getLogger(__name__)

# The mentions of the bot, and the direct messages it is part of. `is:dm` needs Zulip 7
# (feature level 177); older servers call it `is:private`.
MISSED_NARROWS: tuple[list[dict[str, str]], ...] = (
    [{"operator": "is", "operand": "mentioned"}],
    [{"operator": "is", "operand": "dm"}],
)
PAGE_SIZE = 200


class CatchUpFailed(Exception):
    """Zulip would not list the messages (after the client's retries)."""


def missed_messages(
    client: zulip.Client, after_id: int | None, upto_id: int, since: float
) -> list[dict[str, Any]]:
    """Mentions of and DMs to the bot with ``after_id < id <= upto_id``, sent at or after
    ``since`` (epoch seconds), oldest first; each carries the bot's ``flags``."""
    found: dict[int, dict[str, Any]] = {}
    for narrow in MISSED_NARROWS:
        for message in _newest_first(client, narrow, upto_id):
            if message["id"] <= (after_id or 0) or message.get("timestamp", 0) < since:
                break
            found[message["id"]] = message
    return [found[message_id] for message_id in sorted(found)]


def _newest_first(
    client: zulip.Client, narrow: list[dict[str, str]], upto_id: int
) -> Iterator[dict[str, Any]]:
    """The narrow's messages from ``upto_id`` down, a page at a time."""
    anchor, include_anchor = upto_id, True
    while True:
        answer = client.get_messages(
            {
                "anchor": anchor,
                "include_anchor": include_anchor,
                "num_before": PAGE_SIZE,
                "num_after": 0,
                "narrow": narrow,
                "apply_markdown": False,  # the commands as typed, not rendered HTML
            }
        )
        if answer.get("result") != "success":
            raise CatchUpFailed(str(answer.get("msg")))
        messages = [m for m in answer.get("messages", []) if m["id"] <= upto_id]
        yield from reversed(messages)
        if not messages or answer.get("found_oldest"):
            return
        anchor, include_anchor = messages[0]["id"], False


def reactions_on(client: zulip.Client, message_id: int) -> list[dict[str, Any]] | None:
    """The reactions now on a message, or None if Zulip would not say."""
    message = message_by_id(client, message_id)
    return None if message is None else list(message.get("reactions", []))


def message_by_id(client: zulip.Client, message_id: int) -> dict[str, Any] | None:
    """One message as the bot sees it (raw Markdown, with its flags), or None."""
    answer = client.call_endpoint(
        url=f"messages/{message_id}", method="GET", request={"apply_markdown": False}
    )
    if answer.get("result") != "success":
        log.warning("could not read message %d: %s", message_id, answer.get("msg"))
        return None
    return dict(answer["message"])


def bot_posted_after(
    client: zulip.Client, message: dict[str, Any], bot_user_id: int, after_id: int
) -> bool | None:
    """Whether the bot posted in ``message``'s conversation after message ``after_id``
    (None: Zulip would not say)."""
    if message.get("type") == "stream":
        narrow = [
            {"operator": "channel", "operand": message["stream_id"]},
            {"operator": "topic", "operand": message.get("subject", "")},
        ]
    else:
        others = [r["id"] for r in message.get("display_recipient", []) if r["id"] != bot_user_id]
        narrow = [{"operator": "dm", "operand": others or [bot_user_id]}]
    narrow.append({"operator": "sender", "operand": bot_user_id})
    answer = client.get_messages(
        {
            "anchor": after_id,
            "include_anchor": False,
            "num_before": 0,
            "num_after": 1,
            "narrow": narrow,
            "apply_markdown": False,
        }
    )
    if answer.get("result") != "success":
        return None
    return bool(answer.get("messages"))


@dataclass(frozen=True)
class Answered:
    """The newest command whose handling (reply included) was finished, and the newest post the
    bot had made by then."""

    command_id: int
    newest_post_id: int


class AnsweredMark:
    """:class:`Answered`, kept in a small file beside the database and replaced atomically.

    A restart compares it with the newest handled command: if that one is newer, it was killed
    between its commit and its reply, unless a newer post of the bot is found in its
    conversation.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Answered | None:
        try:
            data = json.loads(self.path.read_text())
            return Answered(int(data["command_id"]), int(data["newest_post_id"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, answered: Answered) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(answered.__dict__))
        os.replace(temporary, self.path)  # a kill leaves the old mark or the new, never half

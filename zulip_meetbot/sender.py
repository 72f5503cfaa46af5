"""The one way out: every post goes through a ``Sender``, one at a time, in order, at most once.

Zulip does not de-duplicate sends. When a post fails in a way that leaves open whether Zulip
delivered it (a 5xx, a dropped connection, no answer in time), the sender looks for it in its
topic or conversation (GET /messages) before posting again. Pacing under the rate limit and the
retries of plainly failed requests happen below, in ``client.MeetbotClient``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from zulip_meetbot.client import DELIVERY_UNKNOWN, UNREACHABLE, MeetbotClient

log = logging.getLogger(__name__)

# How many of the bot's latest posts in the conversation are searched for a lost one.
_LOOKBACK = 20
# Zulip keeps at most this much of a message (zerver/lib/message.py normalize_body).
_MAX_CONTENT = 10000


class Sender:
    """Posts messages for the bot (user ``bot_user_id``), never one twice."""

    def __init__(self, client: MeetbotClient, bot_user_id: int) -> None:
        self._client = client
        self._bot_user_id = bot_user_id
        self._lock = threading.Lock()
        # Every post of this bot with a larger id was made by this sender: ids only grow.
        self._high_water = 0

    def note_known_messages(self, max_message_id: int) -> None:
        """Messages up to this id existed before this process posted anything."""
        with self._lock:
            self._high_water = max(self._high_water, max_message_id)

    @property
    def newest_post_id(self) -> int:
        """The newest message id this bot is known to have posted (or seen at start-up)."""
        return self._high_water

    def send(self, message: dict[str, Any]) -> dict[str, Any]:
        """POST /messages; after an ambiguous failure, look before posting again."""
        with self._lock:
            return self._send(message)

    def _send(self, message: dict[str, Any]) -> dict[str, Any]:
        deadline = time.monotonic() + self._client.policy.give_up_after
        attempt = 0
        while True:
            response = self._client.send_message(message)
            if response.get("result") == "success":
                self._high_water = max(self._high_water, int(response.get("id") or 0))
                return response
            if response.get("code") == UNREACHABLE:
                return response  # the client has said why
            if response.get("code") != DELIVERY_UNKNOWN:
                log.error("Zulip refused a post: %s", response.get("msg"))
                return response
            looked, found = False, None
            if not self._client.stopping and time.monotonic() < deadline:
                self._settle(response, attempt)
                looked, found = self._find_delivered(message)
            if not looked:
                # Posting again could post twice; better one lost reply than a duplicate.
                log.error("gave up on a post that may or may not have been delivered")
                return response
            if found is not None:
                log.info("a post whose answer was lost had been delivered (message %d)", found)
                self._high_water = max(self._high_water, found)
                return {"result": "success", "msg": "", "id": found}
            attempt += 1

    def _settle(self, response: dict[str, Any], attempt: int) -> None:
        """Give Zulip time to finish a post it may still be working on before looking."""
        policy = self._client.policy
        delay = policy.backoff(attempt)
        if response.get("timed_out"):
            delay = max(delay, policy.request_timeout)
        self._client.pause(delay)

    def _find_delivered(self, message: dict[str, Any]) -> tuple[bool, int | None]:
        """(whether Zulip could be asked, the id of this post if it was delivered)."""
        answer = self._client.get_messages(
            {
                "anchor": "newest",
                "num_before": _LOOKBACK,
                "num_after": 0,
                "narrow": self._conversation(message),
                "apply_markdown": False,
            }
        )
        if answer.get("result") != "success":
            return False, None
        wanted = _as_stored(str(message.get("content") or ""))
        for stored in reversed(answer.get("messages", [])):
            if stored.get("id", 0) > self._high_water and _same_content(stored, wanted):
                return True, int(stored["id"])
        return True, None

    def _conversation(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """The narrow of the bot's own posts where ``message`` would be."""
        mine = {"operator": "sender", "operand": self._bot_user_id}
        if message.get("type") in ("stream", "channel"):
            topic = message.get("topic", message.get("subject", ""))
            return [
                {"operator": "channel", "operand": message["to"]},
                {"operator": "topic", "operand": str(topic).strip()},
                mine,
            ]
        to = message["to"] if isinstance(message["to"], list) else [message["to"]]
        others = [user for user in to if user != self._bot_user_id]
        return [{"operator": "dm", "operand": others or [self._bot_user_id]}, mine]


def _as_stored(content: str) -> str:
    """The content as Zulip stores it: trailing space and leading blank lines dropped."""
    return content.rstrip().lstrip("\n")


def _same_content(stored: dict[str, Any], wanted: str) -> bool:
    text = str(stored.get("content") or "")
    if len(wanted) > _MAX_CONTENT:  # Zulip cut it and added a marker
        return text.startswith(wanted[: _MAX_CONTENT - 100])
    return text == wanted

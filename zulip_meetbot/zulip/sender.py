"""The one way out: every post goes through a ``Sender``, one at a time, in order, at most once.

Replies are posted by the sender's own thread (:meth:`Sender.post`), so the next command is
carried out while Zulip takes the last answer; :meth:`Sender.send` waits for its turn in the same
line and returns Zulip's answer (an attendance message's id is needed at once).

Zulip does not de-duplicate sends. When a post fails in a way that leaves open whether Zulip
delivered it (a 5xx, a dropped connection, no answer in time), the sender looks for it in its
topic or conversation (GET /messages) before posting again. Pacing under the rate limit and the
retries of plainly failed requests happen below, in ``client.MeetbotClient``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zulip_meetbot.markup import MAX_MESSAGE_LENGTH
from zulip_meetbot.zulip.client import DELIVERY_UNKNOWN, UNREACHABLE, MeetbotClient

log = logging.getLogger(__name__)

# How many of the bot's posts in the conversation are searched for a lost one.
_LOOKBACK = 50
# Replies waiting for the sender's thread; a caller with more to say waits for room.
_QUEUE_LIMIT = 500

OnPosted = Callable[[dict[str, Any]], None]


@dataclass
class _Post:
    message: dict[str, Any]
    on_posted: OnPosted | None = None
    done: threading.Event = field(default_factory=threading.Event)
    response: dict[str, Any] = field(default_factory=dict)


class Sender:
    """Posts messages for the bot (user ``bot_user_id``), never one twice."""

    def __init__(self, client: MeetbotClient, bot_user_id: int) -> None:
        self._client = client
        self._bot_user_id = bot_user_id
        self._lock = threading.Lock()
        # Every post of this bot with a larger id was made by this sender: ids only grow.
        self._high_water = 0
        self._line: queue.Queue[_Post] = queue.Queue(maxsize=_QUEUE_LIMIT)
        self._worker: threading.Thread | None = None
        # Posts queued or under way, for callers that wait for the line to shorten.
        self._pending = 0
        # Posts Zulip did not take (after every retry), so far: what is owed is tried again.
        self.failed_posts = 0
        self._shorter = threading.Condition()

    def note_known_messages(self, max_message_id: int) -> None:
        """Messages up to this id existed before this process posted anything."""
        with self._lock:
            self._high_water = max(self._high_water, max_message_id)

    @property
    def newest_post_id(self) -> int:
        """The newest message id this bot is known to have posted (or seen at start-up)."""
        return self._high_water

    def send(self, message: dict[str, Any]) -> dict[str, Any]:
        """POST /messages after every post queued before it; Zulip's answer."""
        post = self._enqueue(_Post(message))
        post.done.wait()
        return post.response

    def post(self, message: dict[str, Any], on_posted: OnPosted | None = None) -> None:
        """Queue a post and return at once; ``on_posted`` gets Zulip's answer (any thread)."""
        self._enqueue(_Post(message, on_posted))

    def wait_for_scheduled_slot(self) -> bool:
        """Wait until a scheduled post may go and still leave the pacer's reserve to replies
        (a wave of posts due together never starves a command's reply); False if stopping."""
        pacer = self._client.pacer
        return pacer.wait_for_slot(pacer.reply_reserve, lambda: self._client.stopping)

    def wait_for_room(self, pending: int, timeout: float) -> bool:
        """Wait until at most ``pending`` posts are queued or under way; False on timeout."""
        with self._shorter:
            return self._shorter.wait_for(lambda: self._pending <= pending, timeout)

    def drain(self, timeout: float) -> bool:
        """Wait until every queued post is done; False if ``timeout`` seconds passed first."""
        return self.wait_for_room(0, timeout)

    def _enqueue(self, post: _Post) -> _Post:
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="meetbot-sender")
                self._worker.daemon = True  # a post cut off by the exit is owed, not lost
                self._worker.start()
        with self._shorter:
            self._pending += 1
        self._line.put(post)
        return post

    def _work(self) -> None:
        while True:
            post = self._line.get()
            try:
                post.response = self._send(post.message)
            except Exception as error:  # never let one post stop every later one
                log.exception("could not post a message")
                post.response = {"result": "error", "code": UNREACHABLE, "msg": str(error)}
            if post.response.get("result") != "success":
                self.failed_posts += 1
            post.done.set()
            if post.on_posted is not None:
                try:
                    post.on_posted(post.response)
                except Exception:
                    log.exception("a post's follow-up failed")
            with self._shorter:
                self._pending -= 1
                self._shorter.notify_all()

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
                looked, found = self.find_posted(message, self._high_water)
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

    def find_posted(self, message: dict[str, Any], after_id: int | None) -> tuple[bool, int | None]:
        """(whether Zulip could be asked, the id of the bot's first post after ``after_id`` in
        ``message``'s conversation with ``message``'s content, if there is one). With
        ``after_id`` None, among the bot's newest posts there."""
        window: dict[str, Any] = {"anchor": after_id, "num_before": 0, "num_after": _LOOKBACK}
        if after_id is None:
            window = {"anchor": "newest", "num_before": _LOOKBACK, "num_after": 0}
        answer = self._client.get_messages(
            {
                **window,
                "include_anchor": after_id is None,
                "narrow": self._conversation(message),
                "apply_markdown": False,
            }
        )
        if answer.get("result") != "success":
            return False, None
        wanted = _as_stored(str(message.get("content") or ""))
        for stored in answer.get("messages", []):
            if stored.get("id", 0) > (after_id or 0) and _same_content(stored, wanted):
                return True, int(stored["id"])
        return True, None

    @property
    def idle(self) -> bool:
        """Whether no post is queued or under way."""
        return self.wait_for_room(0, 0.0)

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
    if len(wanted) > MAX_MESSAGE_LENGTH:  # Zulip cut it and added a marker
        return text.startswith(wanted[: MAX_MESSAGE_LENGTH - 100])
    return text == wanted

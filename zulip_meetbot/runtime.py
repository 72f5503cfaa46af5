"""The Zulip side: the client, the event queue, routing events to the handler, and sending.

Nothing here knows SQL; the handler is given Zulip's message and reaction dicts and a small
``ZulipBotHandler`` to answer through.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import zulip

from zulip_meetbot import __version__
from zulip_meetbot.config import Settings
from zulip_meetbot.handler import MeetbotHandler
from zulip_meetbot.people import Member

log = logging.getLogger(__name__)

EVENT_TYPES = ["message", "reaction"]
# Zulip's own internal bots (Notification Bot, Welcome Bot) post with this realm string.
_INTERNAL_REALM = "zulipinternal"
_MAX_BACKOFF = 60.0


def make_client(settings: Settings) -> zulip.Client:
    """A ``zulip.Client`` from the botrc's ``[api]`` section."""
    api = settings.api
    return zulip.Client(
        email=api.email,
        api_key=api.key,
        site=api.site,
        insecure=api.insecure,
        cert_bundle=api.cert_bundle,
        client=f"meetbot/{__version__}",
        # A missing ~/.zuliprc must not be read in place of the botrc.
        config_file=str(settings.path),
    )


class ZulipDirectory:
    """Who Zulip users are, asked of the server once and then on a miss (GET /users/{id})."""

    def __init__(self, client: zulip.Client) -> None:
        self._client = client
        self._members: dict[int, Member] = {}
        self._lock = threading.Lock()

    def load(self) -> None:
        response = self._client.get_members({"client_gravatar": True})
        if response.get("result") != "success":
            log.warning("could not list the organization's users: %s", response.get("msg"))
            return
        with self._lock:
            for user in response.get("members", []):
                self._members[user["user_id"]] = member_from_user(user)

    def member(self, user_id: int) -> Member | None:
        with self._lock:
            known = self._members.get(user_id)
        if known is not None:
            return known
        response = self._client.get_user_by_id(user_id)
        if response.get("result") != "success":
            return None
        found = member_from_user(response["user"])
        with self._lock:
            self._members[user_id] = found
        return found


def member_from_user(user: dict[str, Any]) -> Member:
    """A Zulip user object (GET /users) → a ``Member``."""
    role = user.get("role")
    is_admin = bool(user.get("is_admin") or user.get("is_owner")) or role in (100, 200)
    return Member(
        user_id=int(user["user_id"]),
        full_name=str(user.get("full_name") or ""),
        email=str(user.get("email") or ""),
        delivery_email=str(user.get("delivery_email") or ""),
        is_admin=is_admin,
        is_bot=bool(user.get("is_bot")),
        timezone=str(user.get("timezone") or ""),
    )


class ZulipBotHandler:
    """What the handler answers through: zulip_bots' bot-handler calls, backed by the client.

    Unlike zulip_bots' ExternalBotHandler it never exits the process on a burst of replies.
    """

    def __init__(self, client: zulip.Client, profile: dict[str, Any]) -> None:
        self._client = client
        self.user_id: int = int(profile["user_id"])
        self.full_name: str = str(profile["full_name"])
        self.email: str = str(profile["email"])

    def send_message(self, message: dict[str, Any]) -> dict[str, Any]:
        return self._call(self._client.send_message, message)

    def send_reply(self, message: dict[str, Any], response: str) -> dict[str, Any]:
        """Answer in the message's own topic, or in the same direct-message conversation."""
        if message.get("type") == "private":
            recipients = [r["id"] for r in message.get("display_recipient", [])]
            return self.send_message({"type": "private", "to": recipients, "content": response})
        return self.send_message(
            {
                "type": "stream",
                "to": message["display_recipient"],
                "topic": message.get("subject") or message.get("topic") or "",
                "content": response,
            }
        )

    def get_config_info(self, bot_name: str, optional: bool = False) -> dict[str, str]:
        return {}

    def _call(
        self, method: Callable[[dict[str, Any]], dict[str, Any]], request: dict[str, Any]
    ) -> dict[str, Any]:
        # Zulip limits each user's request rate; it says how long to wait.
        for _attempt in range(5):
            response = method(request)
            if response.get("code") != "RATE_LIMIT_HIT":
                if response.get("result") != "success":
                    log.error("Zulip refused a post: %s", response.get("msg"))
                return response
            wait = float(response.get("retry-after") or 1.0)
            log.warning("rate limited by Zulip; waiting %.1f s", wait)
            time.sleep(min(wait, _MAX_BACKOFF))
        return response


def command_text(message: dict[str, Any], flags: list[str], bot: ZulipBotHandler) -> str | None:
    """The command in a message meant for the bot, or None if the bot should not act on it.

    Like zulip-run-bot: a stream message counts when it starts by mentioning the bot; a
    one-to-one direct message always counts. The bot's own messages, other bots' and Zulip's
    internal notices never do.
    """
    if message.get("sender_id") == bot.user_id:
        return None
    if message.get("sender_realm_str") == _INTERNAL_REALM:
        return None
    content = str(message.get("content") or "")
    stripped = strip_leading_mention(content, bot.full_name, bot.user_id)
    if message.get("type") == "private":
        others = [r for r in message.get("display_recipient", []) if r.get("id") != bot.user_id]
        if len(others) == 1:
            return content.strip() if stripped is None else stripped
    if "mentioned" in flags and stripped is not None:
        return stripped
    return None


def strip_leading_mention(content: str, full_name: str, user_id: int) -> str | None:
    """The text after a leading ``@**Name**`` or ``@**Name|id**``, or None if there is none."""
    match = re.match(r"\s*@\*\*(.+?)(?:\|(\d+))?\*\*", content)
    if not match:
        return None
    name, mentioned_id = match.group(1), match.group(2)
    if mentioned_id is not None and int(mentioned_id) != user_id:
        return None
    if mentioned_id is None and name != full_name:
        return None
    return content[match.end() :].strip()


class Runtime:
    """Connects to Zulip, subscribes to the series' streams and feeds events to the handler."""

    def __init__(self, settings: Settings, client: zulip.Client, handler: MeetbotHandler) -> None:
        self.settings = settings
        self.client = client
        self.handler = handler
        self.bot: ZulipBotHandler | None = None
        self._stop = threading.Event()

    def connect(self) -> None:
        """Who am I, who is everyone, and subscribe to every series' stream."""
        profile = self.client.get_profile()
        if profile.get("result") != "success":
            raise ConnectionError(f"Zulip refused the bot's credentials: {profile.get('msg')}")
        self.bot = ZulipBotHandler(self.client, profile)
        log.info(
            "connected to %s as %s (user %s)",
            self.settings.api.site,
            self.bot.full_name,
            self.bot.user_id,
        )
        if isinstance(self.handler.directory, ZulipDirectory):
            self.handler.directory.load()
        for stream in sorted({s.stream for s in self.settings.series}):
            self._subscribe(stream)

    def _subscribe(self, stream: str) -> None:
        # Subscribing by name would create a missing stream; look it up first.
        found = self.client.get_stream_id(stream)
        if found.get("result") != "success":
            log.error(
                "cannot use stream %r: %s. Check the name in the botrc; if the stream is "
                "private, add the bot to it in Zulip.",
                stream,
                found.get("msg"),
            )
            return
        response = self.client.add_subscriptions([{"name": stream}])
        if response.get("result") != "success":
            log.error(
                "cannot subscribe to stream %r: %s. If it is private, add the bot to it.",
                stream,
                response.get("msg"),
            )
            return
        log.info("subscribed to stream %r", stream)

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Handle events until :meth:`stop`; re-registers when Zulip drops the queue."""
        if self.bot is None:
            self.connect()
        queue_id: str | None = None
        last_event_id = -1
        backoff = 1.0
        while not self._stop.is_set():
            if queue_id is None:
                registered = self.client.register(event_types=EVENT_TYPES)
                if registered.get("result") != "success":
                    log.error("could not register an event queue: %s", registered.get("msg"))
                    backoff = self._pause(backoff)
                    continue
                queue_id, last_event_id = registered["queue_id"], registered["last_event_id"]
                log.info("listening for events on queue %s", queue_id)
            response = self.client.get_events(queue_id=queue_id, last_event_id=last_event_id)
            if response.get("result") != "success":
                if response.get("code") == "BAD_EVENT_QUEUE_ID":
                    log.warning("Zulip dropped the event queue; registering a new one")
                    queue_id = None
                    continue
                log.error("could not get events: %s", response.get("msg"))
                backoff = self._pause(backoff)
                continue
            backoff = 1.0
            for event in response.get("events", []):
                last_event_id = max(last_event_id, int(event["id"]))
                self.dispatch(event)

    def dispatch(self, event: dict[str, Any]) -> None:
        """Route one event: commands and attendance reactions go to the handler."""
        assert self.bot is not None
        if event.get("type") == "message":
            message = dict(event["message"])
            text = command_text(message, event.get("flags", []), self.bot)
            if text is None:
                return
            sender = self.handler.directory.member(int(message.get("sender_id", 0)))
            if sender is not None and sender.is_bot:
                return
            message["full_content"] = message.get("content")
            message["content"] = text
            self.handler.handle_message(message, self.bot)
        elif event.get("type") == "reaction":
            self.handler.handle_reaction(event, self.bot)

    def _pause(self, backoff: float) -> float:
        self._stop.wait(backoff)
        return min(backoff * 2, _MAX_BACKOFF)

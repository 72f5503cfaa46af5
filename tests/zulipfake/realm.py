"""The fake realm's state and rules: users, channels, messages, reactions and event queues.

Everything here runs under one ``threading.Condition`` (``Realm.cond``): every state change
happens with it held and ends with ``notify_all()``, so long-polls and ``wait_for_message``
wake up promptly.  Rules mirror the real Zulip 11 server as recorded in ``recorded/README.md``;
comments cite the relevant recording or Zulip source function.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import emoji as emoji_lib
from .emoji import RealmEmoji
from .models import (
    EventQueue,
    FakeStream,
    FakeUser,
    FakeUserGroup,
    ProfileField,
    Reaction,
    ScheduledMessage,
    StoredMessage,
    _gravatar,
    dm_display_recipient,
)
from .render import RenderContext, find_mentions, narrow_url, render

INTERNAL_CLIENT = "Internal"
NOTIFICATION_BOT_ID = 4
_LARGER_THAN_ANY_ID = 10000000000000000  # the anchor echoed for "newest" (53)
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class ApiError(Exception):
    """An error answer: ``{"result": "error", "msg", <extra>..., "code"}`` (key order as recorded)."""

    def __init__(self, msg: str, code: str = "BAD_REQUEST", status: int = 400, **extra: Any):
        super().__init__(msg)
        self.msg = msg
        self.code = code
        self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"result": "error", "msg": self.msg, **self.extra, "code": self.code}


def bad_queue(queue_id: str) -> ApiError:
    return ApiError(f"Bad event queue ID: {queue_id}", "BAD_EVENT_QUEUE_ID", queue_id=queue_id)


def invalid_message() -> ApiError:
    return ApiError("Invalid message(s)")


@dataclass
class NarrowTerm:
    operator: str
    operand: Any
    negated: bool = False


class Realm:
    def __init__(self, heartbeat_seconds: float) -> None:
        self.cond = threading.Condition()
        self.heartbeat_seconds = heartbeat_seconds
        self.realm_url = ""
        self.stopping = False
        self.users: dict[int, FakeUser] = {}
        self.streams: dict[int, FakeStream] = {}
        self.messages: list[StoredMessage] = []
        self.messages_by_id: dict[int, StoredMessage] = {}
        self.queues: dict[str, EventQueue] = {}
        self.profile_fields: dict[int, ProfileField] = {}
        self.realm_emoji: dict[str, RealmEmoji] = {}
        self.user_groups: dict[int, FakeUserGroup] = {}
        self.scheduled: dict[int, ScheduledMessage] = {}
        self.uploads: dict[str, tuple[str, bytes]] = {}
        self._dm_recipients: dict[frozenset[int], int] = {}
        # Id spaces kept apart so a bot mixing up user, channel and message ids gets caught.
        self._next_user_id = 10
        self._next_stream_id = 20
        self._next_recipient_id = 30
        self._next_message_id = 100
        self._next_field_id = 1
        self._next_group_id = 40
        self._next_scheduled_id = 1
        # The organization's message editing settings (POST /register's realm_allow_message_
        # editing and realm_message_content_edit_limit_seconds): Zulip's defaults, editing
        # allowed for 10 minutes after sending; None is no limit.
        self.allow_message_editing = True
        self.message_content_edit_limit_seconds: int | None = 600
        self._seed()

    # --- seeding and setup -----------------------------------------------------------------

    def _seed(self) -> None:
        """What the dev server has that is cheap to have: Notification Bot and :green_tick:."""
        bot = FakeUser(
            user_id=NOTIFICATION_BOT_ID,
            full_name="Notification Bot",
            delivery_email="notification-bot@zulip.com",
            email="notification-bot@zulip.com",
            api_key=secrets.token_hex(16),
            is_bot=True,
            bot_type=1,
            realm_str="zulipinternal",
        )
        self.users[bot.user_id] = bot
        self.add_realm_emoji("green_tick", author_id=None)

    def set_realm_url(self, url: str) -> None:
        self.realm_url = url
        self.users[
            NOTIFICATION_BOT_ID
        ].avatar_url = f"{url}/static/images/static_avatars/notification-bot.png"

    def add_user(
        self,
        full_name: str,
        delivery_email: str | None,
        *,
        email: str | None,
        role: int,
        is_bot: bool,
        bot_owner: FakeUser | None,
        bot_type: int | None,
        timezone: str,
        api_key: str | None,
    ) -> FakeUser:
        with self.cond:
            user_id = self._next_user_id
            self._next_user_id += 1
            slug = re.sub(r"[^a-z0-9]+", "-", full_name.lower()).strip("-") or f"user{user_id}"
            if delivery_email is None:
                delivery_email = f"{slug}-bot@zulip.example" if is_bot else f"{slug}@zulip.example"
            if self.user_by_login(delivery_email) is not None:
                raise ValueError(f"a user with login {delivery_email} exists already")
            if email is None:
                # The dev realm shows humans as userNN@zulipdev.com; a bot's is its real one.
                email = delivery_email if is_bot else f"user{user_id}@zulipdev.com"
            user = FakeUser(
                user_id=user_id,
                full_name=full_name,
                delivery_email=delivery_email,
                email=email,
                api_key=api_key or secrets.token_hex(16),
                role=role,
                is_bot=is_bot,
                bot_type=(bot_type or 1) if is_bot else None,
                bot_owner_id=bot_owner.user_id if (is_bot and bot_owner) else None,
                timezone=timezone,
                avatar_url=None if is_bot else _gravatar(delivery_email),
            )
            self.users[user_id] = user
            self.cond.notify_all()
            return user

    def add_stream(
        self,
        name: str,
        *,
        private: bool,
        subscribers: Iterable[FakeUser],
        description: str,
        history_public_to_subscribers: bool | None,
        creator: FakeUser | None = None,
    ) -> FakeStream:
        with self.cond:
            if self.stream_by_name(name) is not None:
                raise ValueError(f"channel {name!r} exists already")
            stream = FakeStream(
                stream_id=self._next_stream_id,
                name=name,
                recipient_id=self._new_recipient_id(),
                description=description,
                invite_only=private,
                history_public_to_subscribers=(
                    not private
                    if history_public_to_subscribers is None
                    else history_public_to_subscribers
                ),
                creator_id=creator.user_id if creator else None,
            )
            self._next_stream_id += 1
            self.streams[stream.stream_id] = stream
            for user in subscribers:
                stream.subscribers[user.user_id] = None
            self.cond.notify_all()
            return stream

    def _new_recipient_id(self) -> int:
        recipient_id = self._next_recipient_id
        self._next_recipient_id += 1
        return recipient_id

    def add_profile_field(
        self,
        name: str,
        field_type: int,
        *,
        hint: str,
        field_data: str,
        required: bool,
        editable_by_user: bool,
    ) -> ProfileField:
        with self.cond:
            field_id = self._next_field_id
            self._next_field_id += 1
            profile_field = ProfileField(
                id=field_id,
                name=name,
                type=field_type,
                hint=hint,
                field_data=field_data,
                order=field_id,
                required=required,
                editable_by_user=editable_by_user,
            )
            self.profile_fields[field_id] = profile_field
            return profile_field

    def add_user_group(
        self,
        name: str,
        members: Iterable[FakeUser],
        *,
        subgroups: Iterable[FakeUserGroup],
        description: str,
    ) -> FakeUserGroup:
        with self.cond:
            if any(g.name.lower() == name.lower() for g in self.user_groups.values()):
                raise ValueError(f"user group {name!r} exists already")
            group = FakeUserGroup(
                id=self._next_group_id,
                name=name,
                description=description,
                members=[u.user_id for u in members],
                direct_subgroup_ids=[g.id for g in subgroups],
            )
            self._next_group_id += 1
            self.user_groups[group.id] = group
            self.cond.notify_all()
            return group

    def add_realm_emoji(self, name: str, author_id: int | None) -> RealmEmoji:
        with self.cond:
            emoji_id = str(len(self.realm_emoji) + 1)
            realm_emoji = RealmEmoji(id=emoji_id, name=name, author_id=author_id)
            self.realm_emoji[emoji_id] = realm_emoji
            return realm_emoji

    # --- lookups (call with cond held, or on immutable data) --------------------------------

    def user_by_id(self, user_id: int) -> FakeUser | None:
        return self.users.get(user_id)

    def user_by_login(self, login: str) -> FakeUser | None:
        login = login.lower()
        return next((u for u in self.users.values() if u.delivery_email.lower() == login), None)

    def user_by_api_email(self, email: str) -> FakeUser | None:
        email = email.lower()
        return next((u for u in self.users.values() if u.email.lower() == email), None)

    def user_by_name(self, name: str) -> FakeUser | None:
        name = name.lower()
        return next(
            (u for u in self.users.values() if u.is_active and u.full_name.lower() == name), None
        )

    def stream_by_name(self, name: str) -> FakeStream | None:
        name = name.lower()  # channel names are case-insensitive in Zulip
        return next((s for s in self.streams.values() if s.name.lower() == name), None)

    def stream_by_id(self, stream_id: int) -> FakeStream | None:
        return self.streams.get(stream_id)

    def realm_members(self) -> list[FakeUser]:
        """Users of the realm (bots included), not the cross-realm Notification Bot."""
        return [u for u in self.users.values() if u.realm_str == "zulip"]

    def can_access_stream(self, user: FakeUser, stream: FakeStream) -> bool:
        return not stream.invite_only or stream.is_subscribed(user)

    def render_context(self) -> RenderContext:
        return RenderContext(
            user_by_name=self.user_by_name,
            user_by_id=self.user_by_id,
            stream_by_name=self.stream_by_name,
            realm_url=self.realm_url,
        )

    def render(self, content: str) -> str:
        return render(content, self.render_context())

    @property
    def max_message_id(self) -> int:
        return self.messages[-1].id if self.messages else self._next_message_id - 1

    # --- subscriptions -----------------------------------------------------------------------

    def subscribe(
        self,
        actor: FakeUser,
        items: list[dict[str, Any]],
        principals: list[FakeUser],
        *,
        invite_only: bool,
        history_public_to_subscribers: bool | None,
        authorization_errors_fatal: bool,
    ) -> dict[str, Any]:
        """POST /users/me/subscriptions; creates missing channels as Zulip does."""
        with self.cond:
            streams: list[FakeStream] = []
            unauthorized: list[str] = []
            for item in items:
                name = str(item["name"]).strip()
                stream = self.stream_by_name(name)
                if stream is None:
                    stream = self.add_stream(
                        name,
                        private=invite_only,
                        subscribers=(),
                        description=str(item.get("description", "")),
                        history_public_to_subscribers=history_public_to_subscribers,
                        creator=actor,
                    )
                elif not self.can_access_stream(actor, stream):
                    if authorization_errors_fatal:
                        raise ApiError(f"Unable to access channel ({stream.name}).")
                    unauthorized.append(stream.name)
                    continue
                streams.append(stream)
            subscribed: dict[str, list[str]] = {}
            already: dict[str, list[str]] = {}
            for user in principals:
                for stream in streams:
                    target = already if stream.is_subscribed(user) else subscribed
                    target.setdefault(str(user.user_id), []).append(stream.name)
                    stream.subscribers[user.user_id] = None
            result: dict[str, Any] = {"subscribed": subscribed, "already_subscribed": already}
            if unauthorized:
                result["unauthorized"] = unauthorized
            self.cond.notify_all()
            return result

    def unsubscribe(
        self, streams: list[FakeStream], users: list[FakeUser]
    ) -> tuple[list[str], list[str]]:
        with self.cond:
            removed: list[str] = []
            not_removed: list[str] = []
            for stream in streams:
                for user in users:
                    if stream.is_subscribed(user):
                        del stream.subscribers[user.user_id]
                        removed.append(stream.name)
                    else:
                        not_removed.append(stream.name)
            self.cond.notify_all()
            return removed, not_removed

    # --- sending -----------------------------------------------------------------------------

    def resolve_stream(self, sender: FakeUser, to: Any) -> FakeStream:
        """The channel a ``to`` names (name, id or a one-element list); errors as in 39/40."""
        if isinstance(to, list) and len(to) == 1:
            to = to[0]
        if isinstance(to, bool) or not isinstance(to, (int, str)):
            raise ApiError("Invalid channel")
        if isinstance(to, int) or to.isdigit():
            stream = self.stream_by_id(int(to))
            if stream is None:
                raise ApiError(
                    f"Channel with ID '{int(to)}' does not exist",
                    "STREAM_DOES_NOT_EXIST",
                    stream_id=int(to),
                )
        else:
            stream = self.stream_by_name(to)
            if stream is None:
                raise ApiError(f"Channel '{to}' does not exist", "STREAM_DOES_NOT_EXIST", stream=to)
        if stream.invite_only and not self._can_post_to_private(sender, stream):
            raise ApiError(f"Not authorized to send to channel '{stream.name}'")
        return stream

    def _can_post_to_private(self, sender: FakeUser, stream: FakeStream) -> bool:
        # Bots may post wherever their owner may (access_stream_for_send_message).
        owner = self.users.get(sender.bot_owner_id) if sender.bot_owner_id else None
        return stream.is_subscribed(sender) or (owner is not None and stream.is_subscribed(owner))

    def resolve_dm_users(self, sender: FakeUser, to: Any) -> list[FakeUser]:
        """DM participants (sender included) from ids or API emails, list or comma string."""
        if isinstance(to, (int, str)):
            to = [to] if isinstance(to, int) else [p for p in to.split(",") if p.strip()]
        if not isinstance(to, list) or not to:
            raise ApiError("Invalid recipients")
        users: dict[int, FakeUser] = {}
        for item in to:
            if isinstance(item, int) and not isinstance(item, bool):
                user = self.user_by_id(item)
                if user is None or not user.is_active:
                    raise ApiError(f"Invalid user ID {item}")
            elif isinstance(item, str):
                # Only the visible (API) address works, not the login one (surprise 1).
                user = self.user_by_api_email(item.strip())
                if user is None or not user.is_active:
                    raise ApiError(f"Invalid email '{item.strip()}'")
            else:
                raise ApiError("Invalid recipients")
            users[user.user_id] = user
        users[sender.user_id] = sender
        return sorted(users.values(), key=lambda u: u.user_id)

    def send_message(
        self,
        sender: FakeUser,
        content: str,
        *,
        stream: FakeStream | None = None,
        topic: str = "",
        dm_users: list[FakeUser] | None = None,
        client: str = INTERNAL_CLIENT,
        read_by_sender: bool | None = None,
    ) -> StoredMessage:
        with self.cond:
            if not content.strip():
                raise ApiError("Message must not be empty")
            now = int(time.time())
            message_id = self._next_message_id
            self._next_message_id += 1
            if stream is not None:
                recipient_id = stream.recipient_id
                participants: list[int] = list(stream.subscribers)
                dm_list: list[FakeUser] = []
            else:
                assert dm_users
                dm_list = dm_users
                participants = [u.user_id for u in dm_list]
                key = frozenset(participants)
                if key not in self._dm_recipients:
                    self._dm_recipients[key] = self._new_recipient_id()
                recipient_id = self._dm_recipients[key]
            message = StoredMessage(
                id=message_id,
                sender=sender,
                type="stream" if stream else "private",
                recipient_id=recipient_id,
                content=content,
                timestamp=now,
                client=client,
                topic=topic if stream else "",
                stream=stream,
                dm_users=dm_list,
                display_recipient_dm=dm_display_recipient(sender, dm_list) if dm_list else [],
            )
            message.user_flags = self._initial_flags(message, participants, read_by_sender)
            self.messages.append(message)
            self.messages_by_id[message.id] = message
            if stream is not None and stream.first_message_id is None:
                stream.first_message_id = message.id
            self._deliver_message(message)
            self.cond.notify_all()
            return message

    def _topic_participants(self, stream: FakeStream, topic: str) -> set[int]:
        topic = topic.lower()
        senders: set[int] = set()
        for message in self.messages:
            if message.stream is stream and message.topic.lower() == topic:
                senders.add(message.sender.user_id)
                senders.update(reaction.user_id for reaction in message.reactions)
        return senders

    def _initial_flags(
        self, message: StoredMessage, participants: list[int], read_by_sender: bool | None
    ) -> dict[int, list[str]]:
        """UserMessage rows of a new message (README "What a bot receives").

        Subscribers (or DM participants) get it; a user @-mentioned by name gets it even when
        not subscribed; wildcards only flag those who get it anyway.
        """
        mentions = find_mentions(message.content, self.render_context())
        receivers = list(participants)
        for user_id in sorted(mentions.user_ids):
            user = self.users.get(user_id)
            if user is not None and user.is_active and user_id not in receivers:
                receivers.append(user_id)
        topic_participants: set[int] = set()
        if mentions.topic_wildcard and message.stream is not None:
            topic_participants = self._topic_participants(message.stream, message.topic)
            topic_participants.add(message.sender.user_id)
        flags: dict[int, list[str]] = {}
        for user_id in receivers:
            user_flags: list[str] = []
            # API clients' own messages start unread (surprise 4) unless read_by_sender.
            if user_id == message.sender.user_id and read_by_sender:
                user_flags.append("read")
            user_flags.extend(
                self._mention_flags(user_id, mentions, participants, topic_participants)
            )
            flags[user_id] = user_flags
        return flags

    @staticmethod
    def _mention_flags(
        user_id: int, mentions: Any, participants: list[int], topic_participants: set[int]
    ) -> list[str]:
        # Order follows Zulip's UserMessage flag bits, with the deprecated
        # wildcard_mentioned appended last (flags_list_for_flags).
        flags: list[str] = []
        if user_id in mentions.user_ids:
            flags.append("mentioned")
        if mentions.stream_wildcard and user_id in participants:
            flags.append("stream_wildcard_mentioned")
        if mentions.topic_wildcard and user_id in topic_participants:
            flags.append("topic_wildcard_mentioned")
        if {"stream_wildcard_mentioned", "topic_wildcard_mentioned"} & set(flags):
            flags.append("wildcard_mentioned")
        return flags

    def _deliver_message(self, message: StoredMessage) -> None:
        rendered: str | None = None
        for queue in list(self.queues.values()):
            if not queue.wants("message"):
                continue
            flags = message.user_flags.get(queue.user_id)
            if flags is None:
                public = message.stream is not None and not message.stream.invite_only
                if not (queue.all_public_streams and public):
                    continue
                flags = []
            if not self._matches_narrow(message, queue.narrow, queue.user_id):
                continue
            if queue.apply_markdown and rendered is None:
                rendered = self.render(message.content)
            api = message.to_api(rendered=rendered if queue.apply_markdown else None)
            queue.push({"type": "message", "message": api, "flags": list(flags)})

    # --- reading -----------------------------------------------------------------------------

    def message_flags_for(self, user: FakeUser, message: StoredMessage) -> list[str] | None:
        """The viewer's flags, or None if the viewer cannot read the message."""
        flags = message.user_flags.get(user.user_id)
        if flags is not None:
            return flags
        stream = message.stream
        if stream is None:
            return None
        if not stream.invite_only or (
            stream.is_subscribed(user) and stream.history_public_to_subscribers
        ):
            return ["read", "historical"]
        return None

    def accessible_message(self, user: FakeUser, message_id: int) -> StoredMessage:
        message = self.messages_by_id.get(message_id)
        if message is None or self.message_flags_for(user, message) is None:
            raise invalid_message()
        return message

    def message_for(
        self, user: FakeUser, message: StoredMessage, *, apply_markdown: bool
    ) -> dict[str, Any]:
        flags = self.message_flags_for(user, message) or []
        rendered = self.render(message.content) if apply_markdown else None
        return message.to_api(rendered=rendered, flags=flags, with_history=True)

    def parse_narrow(self, raw: Any) -> list[NarrowTerm]:
        if raw in (None, ""):
            return []
        if not isinstance(raw, list):
            raise ApiError("Invalid narrow")
        terms = []
        for item in raw:
            if isinstance(item, dict) and "operator" in item and "operand" in item:
                terms.append(
                    NarrowTerm(str(item["operator"]), item["operand"], bool(item.get("negated")))
                )
            elif isinstance(item, list) and len(item) == 2:
                terms.append(NarrowTerm(str(item[0]), item[1]))
            else:
                raise ApiError("Invalid narrow")
        for term in terms:
            self._check_narrow_term(term)
        return terms

    def _check_narrow_term(self, term: NarrowTerm) -> None:
        op = term.operator
        if op in ("channel", "stream"):
            if self._narrow_stream(term.operand) is None:
                raise ApiError("Invalid narrow operator: unknown channel", "BAD_NARROW")
        elif op == "is":
            if term.operand not in ("mentioned", "dm", "private", "unread", "starred", "alerted"):
                raise ApiError("Invalid narrow operator: unknown 'is' operand", "BAD_NARROW")
        elif op not in ("topic", "subject", "dm", "pm-with", "sender", "id", "search"):
            raise ApiError("Invalid narrow operator: unknown operator", "BAD_NARROW")

    def _narrow_stream(self, operand: Any) -> FakeStream | None:
        if isinstance(operand, int) or (isinstance(operand, str) and operand.isdigit()):
            return self.stream_by_id(int(operand)) or (
                self.stream_by_name(operand) if isinstance(operand, str) else None
            )
        return self.stream_by_name(str(operand))

    def _narrow_users(self, operand: Any) -> set[int] | None:
        items = operand if isinstance(operand, list) else [operand]
        ids: set[int] = set()
        for item in items:
            if isinstance(item, int):
                ids.add(item)
                continue
            for part in str(item).split(","):
                part = part.strip()
                user = (
                    self.user_by_id(int(part)) if part.isdigit() else self.user_by_api_email(part)
                )
                if user is None:
                    return None
                ids.add(user.user_id)
        return ids

    def _term_matches(self, message: StoredMessage, term: NarrowTerm, viewer_id: int) -> bool:
        op, operand = term.operator, term.operand
        flags = message.user_flags.get(viewer_id, [])
        if op in ("channel", "stream"):
            return message.stream is not None and message.stream is self._narrow_stream(operand)
        if op in ("topic", "subject"):
            return message.stream is not None and message.topic.lower() == str(operand).lower()
        if op == "is":
            if operand == "mentioned":
                return bool({"mentioned", "wildcard_mentioned"} & set(flags))
            if operand in ("dm", "private"):
                return message.stream is None
            if operand == "unread":
                return "read" not in flags
            return False  # starred/alerted: the fake has no such flags
        if op in ("dm", "pm-with"):
            wanted = self._narrow_users(operand)
            if message.stream is not None or wanted is None:
                return False
            return {u.user_id for u in message.dm_users} == wanted | {viewer_id}
        if op == "sender":
            senders = self._narrow_users(operand)
            return senders is not None and message.sender.user_id in senders
        if op == "id":
            return message.id == int(operand)
        if op == "search":
            needle = str(operand).lower()
            return needle in message.content.lower() or needle in message.topic.lower()
        return False

    def _matches_narrow(
        self, message: StoredMessage, narrow: list[NarrowTerm] | list[Any], viewer_id: int
    ) -> bool:
        for term in narrow:
            if not isinstance(term, NarrowTerm):
                term = NarrowTerm(str(term[0]), term[1])
            if self._term_matches(message, term, viewer_id) == term.negated:
                return False
        return True

    def get_messages(
        self,
        user: FakeUser,
        *,
        anchor: Any,
        num_before: int,
        num_after: int,
        narrow: list[NarrowTerm],
        include_anchor: bool,
        apply_markdown: bool,
    ) -> dict[str, Any]:
        """GET /messages, with found_* computed like Zulip's post_process_limited_query."""
        with self.cond:
            # A channel narrow shows the channel's readable history; otherwise only what
            # the user received (README "What a bot receives").
            in_channel = any(t.operator in ("channel", "stream") and not t.negated for t in narrow)
            matching = [
                m
                for m in self.messages
                if (
                    user.user_id in m.user_flags
                    or (in_channel and self.message_flags_for(user, m) is not None)
                )
                and self._matches_narrow(m, narrow, user.user_id)
            ]
            anchored_left = anchor == "oldest"
            anchored_right = anchor == "newest"
            if anchored_right:
                anchor_id = _LARGER_THAN_ANY_ID
            elif anchored_left:
                anchor_id = 0
            elif anchor == "first_unread":
                unread = [
                    m.id for m in matching if "read" not in m.user_flags.get(user.user_id, ["read"])
                ]
                anchor_id = unread[0] if unread else _LARGER_THAN_ANY_ID
                anchored_right = not unread
            else:
                anchor_id = int(anchor)
            before = [m for m in matching if m.id < anchor_id]
            at = [m for m in matching if m.id == anchor_id]
            after = [m for m in matching if m.id > anchor_id]
            shown = (
                (before[-num_before:] if num_before else [])
                + (at if include_anchor else [])
                + after[:num_after]
            )
            return {
                "messages": [
                    self.message_for(user, m, apply_markdown=apply_markdown) for m in shown
                ],
                "found_anchor": bool(at),
                "found_oldest": anchored_left or len(before) < num_before,
                "found_newest": anchored_right or len(after) < num_after,
                "history_limited": False,
                "anchor": anchor_id,
            }

    # --- reactions ---------------------------------------------------------------------------

    def add_reaction(
        self,
        user: FakeUser,
        message_id: int,
        emoji_name: str,
        emoji_code: str | None,
        reaction_type: str | None,
    ) -> None:
        """zerver/actions/reactions.py check_add_reaction, step by step."""
        with self.cond:
            message = self.accessible_message(user, message_id)
            if emoji_code is None or reaction_type is None:
                code, kind = self._emoji_data(emoji_name)
                emoji_code = emoji_code or code
                reaction_type = reaction_type or kind
            if self._find_reaction(message, user.user_id, emoji_code, reaction_type):
                raise ApiError("Reaction already exists.", "REACTION_ALREADY_EXISTS")
            existing = next(
                (
                    r
                    for r in message.reactions
                    if r.emoji_code == emoji_code and r.reaction_type == reaction_type
                ),
                None,
            )
            if existing is not None:
                # A vote for an existing reaction takes its name: so thumbs_up after
                # someone's +1 is stored as "+1" (18, 26).
                emoji_name = existing.emoji_name
            else:
                try:
                    emoji_lib.check_emoji_request(
                        emoji_name, emoji_code, reaction_type, self.realm_emoji
                    )
                except emoji_lib.EmojiError as error:
                    raise ApiError(str(error)) from error
            if user.user_id not in message.user_flags:
                # Reacting adds a "historical" UserMessage row, so later reaction events
                # on this message reach the reactor.
                message.user_flags[user.user_id] = ["read", "historical"]
            reaction = Reaction(user.user_id, emoji_name, emoji_code, reaction_type)
            message.reactions.append(reaction)
            self._notify_reaction(user, message, reaction, "add")

    def remove_reaction(
        self,
        user: FakeUser,
        message_id: int,
        emoji_name: str | None,
        emoji_code: str | None,
        reaction_type: str | None,
    ) -> None:
        """zerver/views/reactions.py remove_reaction: the type defaults to unicode_emoji,
        so removing :zulip: by name alone fails (surprise 8, 24 vs 64)."""
        with self.cond:
            message = self.accessible_message(user, message_id)
            if emoji_code is None:
                if emoji_name is None:
                    raise ApiError(
                        "At least one of the following arguments must be present: "
                        "emoji_name, emoji_code"
                    )
                emoji_code = self._emoji_data(emoji_name)[0]
            reaction_type = reaction_type or emoji_lib.UNICODE_EMOJI
            reaction = self._find_reaction(message, user.user_id, emoji_code, reaction_type)
            if reaction is None:
                raise ApiError("Reaction doesn't exist.", "REACTION_DOES_NOT_EXIST")
            message.reactions.remove(reaction)
            self._notify_reaction(user, message, reaction, "remove")

    def _emoji_data(self, name: str) -> tuple[str, str]:
        try:
            return emoji_lib.emoji_data(name, self.realm_emoji)
        except emoji_lib.EmojiError as error:
            raise ApiError(str(error)) from error

    @staticmethod
    def _find_reaction(
        message: StoredMessage, user_id: int, code: str, reaction_type: str
    ) -> Reaction | None:
        return next(
            (
                r
                for r in message.reactions
                if r.user_id == user_id
                and r.emoji_code == code
                and r.reaction_type == reaction_type
            ),
            None,
        )

    def _notify_reaction(
        self, user: FakeUser, message: StoredMessage, reaction: Reaction, op: str
    ) -> None:
        # Everyone with a UserMessage row for the message (README surprise 7 and
        # "What a bot receives": no event for messages never received).
        event = {
            "type": "reaction",
            "op": op,
            "user_id": user.user_id,
            "user": {"user_id": user.user_id, "email": user.email, "full_name": user.full_name},
            "message_id": message.id,
            "emoji_name": reaction.emoji_name,
            "emoji_code": reaction.emoji_code,
            "reaction_type": reaction.reaction_type,
        }
        self._push_to_users(message.user_flags, "reaction", event)
        self.cond.notify_all()

    def _push_to_users(
        self, user_ids: Iterable[int], event_type: str, event: dict[str, Any]
    ) -> None:
        wanted = set(user_ids)
        for queue in list(self.queues.values()):
            if queue.user_id in wanted and queue.wants(event_type):
                queue.push(event)

    # --- editing -----------------------------------------------------------------------------

    def edit_message(
        self,
        user: FakeUser,
        message_id: int,
        *,
        content: str | None,
        topic: str | None,
        propagate_mode: str,
        notify_old: bool,
        notify_new: bool,
        stream_id: int | None,
    ) -> None:
        with self.cond:
            message = self.accessible_message(user, message_id)
            if stream_id is not None and (
                message.stream is None or stream_id != message.stream.stream_id
            ):
                raise ApiError("The fake Zulip server does not support moving messages.")
            if content is None and (topic is None or message.stream is None):
                raise ApiError("Nothing to change")
            now = int(time.time())
            if content is not None:
                self._check_may_edit_content(user, message, now)
                self._edit_content(user, message, content, now)
            if topic is not None and message.stream is not None and topic != message.topic:
                self._move_topic(user, message, topic, propagate_mode, notify_old, notify_new, now)
            self.cond.notify_all()

    def _check_may_edit_content(self, user: FakeUser, message: StoredMessage, now: int) -> None:
        """Zulip's refusals of a content edit (400 BAD_REQUEST). recorded/ has none of them: the
        words are those ../shared/zulip-api/zulip.yaml lists for PATCH /messages/{message_id}'s
        400, as tests/zulipfake/zulip-openapi-subset.yaml keeps them."""
        if not self.allow_message_editing:
            raise ApiError("Your organization has turned off message editing")
        if message.sender.user_id != user.user_id:
            raise ApiError("You don't have permission to edit this message")
        limit = self.message_content_edit_limit_seconds
        if limit is not None and now - message.timestamp > limit:
            raise ApiError("The time limit for editing this message has past")

    def _edit_content(self, user: FakeUser, message: StoredMessage, content: str, now: int) -> None:
        old_content = message.content
        old_rendered = self.render(old_content)
        message.content = content
        message.last_edit_timestamp = now
        message.edit_history.append(
            {
                "user_id": user.user_id,
                "timestamp": now,
                "prev_content": old_content,
                "prev_rendered_content": old_rendered,
            }
        )
        # Mention flags follow the new content for those who have the message.
        mentions = find_mentions(content, self.render_context())
        participants = (
            list(message.stream.subscribers)
            if message.stream
            else [u.user_id for u in message.dm_users]
        )
        for user_id, flags in message.user_flags.items():
            kept = [f for f in flags if not f.endswith("mentioned")]
            kept.extend(self._mention_flags(user_id, mentions, participants, set()))
            message.user_flags[user_id] = kept
        event = {
            "type": "update_message",
            "user_id": user.user_id,
            "edit_timestamp": now,
            "message_id": message.id,
            "message_ids": [message.id],
            "flags": [],
            "rendering_only": False,
            "orig_content": old_content,
            "orig_rendered_content": old_rendered,
            "content": content,
            "rendered_content": self.render(content),
            "is_me_message": content.startswith("/me "),
            "prev_rendered_content_version": 1,
        }
        if message.stream is not None:
            event["stream_id"] = message.stream.stream_id
            event["stream_name"] = message.stream.name
        self._push_update(message, event)

    def _push_update(self, message: StoredMessage, event: dict[str, Any]) -> None:
        for queue in list(self.queues.values()):
            flags = message.user_flags.get(queue.user_id)
            if flags is not None and queue.wants("update_message"):
                queue.push(dict(event, flags=list(flags)))

    def _move_topic(
        self,
        user: FakeUser,
        message: StoredMessage,
        new_topic: str,
        propagate_mode: str,
        notify_old: bool,
        notify_new: bool,
        now: int,
    ) -> None:
        stream = message.stream
        assert stream is not None
        old_topic = message.topic
        in_topic = [
            m for m in self.messages if m.stream is stream and m.topic.lower() == old_topic.lower()
        ]
        if propagate_mode == "change_all":
            moved = in_topic
        elif propagate_mode == "change_later":
            moved = [m for m in in_topic if m.id >= message.id]
        else:
            moved = [message]
        for m in moved:
            m.topic = new_topic
            m.last_edit_timestamp = now
            m.edit_history.append(
                {
                    "user_id": user.user_id,
                    "timestamp": now,
                    "prev_topic": old_topic,
                    "topic": new_topic,
                }
            )
        event = {
            "type": "update_message",
            "user_id": user.user_id,
            "edit_timestamp": now,
            "message_id": message.id,
            "message_ids": [m.id for m in moved],
            "flags": [],
            "rendering_only": False,
            "stream_id": stream.stream_id,
            "stream_name": stream.name,
            "propagate_mode": propagate_mode,
            "orig_subject": old_topic,
            "subject": new_topic,
            "topic_links": [],
        }
        self._push_update(message, event)
        self._notify_topic_move(
            user, stream, old_topic, new_topic, moved, in_topic, notify_old, notify_new
        )

    def _notify_topic_move(
        self,
        user: FakeUser,
        stream: FakeStream,
        old_topic: str,
        new_topic: str,
        moved: list[StoredMessage],
        in_topic: list[StoredMessage],
        notify_old: bool,
        notify_new: bool,
    ) -> None:
        """Notification Bot's "was moved here" messages (recorded 30)."""
        bot = self.users[NOTIFICATION_BOT_ID]
        who = f"@_**{user.full_name}|{user.user_id}**"
        old_link = f"#**{stream.name}>{old_topic}**"
        new_link = f"#**{stream.name}>{new_topic}**"
        if len(moved) == len(in_topic):
            new_text = f"This topic was moved here from {old_link} by {who}."
            old_text = f"This topic was moved to {new_link} by {who}."
        else:
            near = narrow_url(self.realm_url, stream.stream_id, stream.name, new_topic)
            link = f"{near}/near/{moved[0].id}"
            if len(moved) == 1:
                new_text = f"[A message]({link}) was moved here from {old_link} by {who}."
                old_text = f"[A message]({link}) was moved from this topic to {new_link} by {who}."
            else:
                new_text = (
                    f"[{len(moved)} messages]({link}) were moved here from {old_link} by {who}."
                )
                old_text = (
                    f"[{len(moved)} messages]({link}) were moved from this topic to "
                    f"{new_link} by {who}."
                )
        if notify_old:
            self.send_message(bot, old_text, stream=stream, topic=old_topic)
        if notify_new:
            self.send_message(bot, new_text, stream=stream, topic=new_topic)

    # --- event queues ------------------------------------------------------------------------

    def register(
        self,
        user: FakeUser,
        *,
        event_types: list[str] | None,
        apply_markdown: bool,
        all_public_streams: bool,
        narrow: list[Any],
    ) -> EventQueue:
        with self.cond:
            queue = EventQueue(
                queue_id=str(uuid.uuid4()),
                user_id=user.user_id,
                event_types=None if event_types is None else frozenset(event_types),
                apply_markdown=apply_markdown,
                all_public_streams=all_public_streams,
                narrow=[(str(op), operand) for op, operand in narrow],
            )
            self.queues[queue.queue_id] = queue
            return queue

    def _queue_for(self, user: FakeUser, queue_id: str) -> EventQueue:
        queue = self.queues.get(queue_id)
        if queue is None:
            raise bad_queue(queue_id)
        if queue.user_id != user.user_id:
            raise ApiError("You are not authorized to get events from this queue")
        return queue

    def get_events(
        self, user: FakeUser, queue_id: str, last_event_id: int, dont_block: bool
    ) -> tuple[list[dict[str, Any]], bool]:
        """(events, held_open).  Blocks until an event or the heartbeat timeout."""
        with self.cond:
            queue = self._queue_for(user, queue_id)
            pending = queue.pending(last_event_id)
            if pending or dont_block:
                return pending, False
            deadline = time.monotonic() + self.heartbeat_seconds
            while not self.stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.cond.wait(remaining)
                if self.queues.get(queue_id) is not queue:
                    raise bad_queue(queue_id)
                pending = queue.pending(last_event_id)
                if pending:
                    return pending, True
            return [queue.push({"type": "heartbeat"})], True

    def delete_queue(self, user: FakeUser, queue_id: str) -> None:
        with self.cond:
            self._queue_for(user, queue_id)
            del self.queues[queue_id]
            self.cond.notify_all()

    def drop_queues(self, user: FakeUser | None) -> list[str]:
        with self.cond:
            dropped = [
                q.queue_id
                for q in self.queues.values()
                if user is None or q.user_id == user.user_id
            ]
            for queue_id in dropped:
                del self.queues[queue_id]
            self.cond.notify_all()
            return dropped

    # --- scheduled messages --------------------------------------------------------------------

    def schedule(
        self,
        sender: FakeUser,
        *,
        stream: FakeStream | None,
        topic: str,
        dm_users: list[FakeUser] | None,
        content: str,
        when: int,
        read_by_sender: bool | None,
    ) -> ScheduledMessage:
        with self.cond:
            if when <= time.time():
                raise ApiError("Scheduled delivery time must be in the future.")
            if not content.strip():
                raise ApiError("Message must not be empty")
            scheduled = ScheduledMessage(
                scheduled_message_id=self._next_scheduled_id,
                sender_id=sender.user_id,
                type="stream"
                if stream
                else "private",  # listed as "stream" even if sent "channel" (65)
                to=(
                    stream.stream_id
                    if stream
                    else [u.user_id for u in dm_users or [] if u.user_id != sender.user_id]
                    or [sender.user_id]
                ),
                topic=topic,
                content=content,
                rendered_content=self.render(content),
                scheduled_delivery_timestamp=when,
                read_by_sender=read_by_sender,
            )
            self._next_scheduled_id += 1
            self.scheduled[scheduled.scheduled_message_id] = scheduled
            return scheduled

    def deliver_due(self, now: float) -> list[int]:
        """Send every scheduled message due at ``now``; delivered ones vanish from the list."""
        with self.cond:
            sent: list[int] = []
            for scheduled in sorted(
                self.scheduled.values(), key=lambda s: s.scheduled_delivery_timestamp
            ):
                if scheduled.failed or scheduled.scheduled_delivery_timestamp > now:
                    continue
                sender = self.users[scheduled.sender_id]
                try:
                    if scheduled.type == "stream":
                        stream = self.resolve_stream(sender, scheduled.to)
                        message = self.send_message(
                            sender,
                            scheduled.content,
                            stream=stream,
                            topic=scheduled.topic,
                            client=INTERNAL_CLIENT,
                            read_by_sender=scheduled.read_by_sender,
                        )
                    else:
                        users = self.resolve_dm_users(sender, scheduled.to)
                        message = self.send_message(
                            sender,
                            scheduled.content,
                            dm_users=users,
                            client=INTERNAL_CLIENT,
                            read_by_sender=scheduled.read_by_sender,
                        )
                except ApiError:
                    scheduled.failed = True
                    continue
                scheduled.delivered_message_id = message.id
                del self.scheduled[scheduled.scheduled_message_id]
                sent.append(message.id)
            return sent

    # --- uploads -----------------------------------------------------------------------------

    def store_upload(self, filename: str, data: bytes) -> str:
        with self.cond:
            safe = re.sub(r"[^\w\s.-]", "", filename).strip()
            safe = re.sub(r"[-\s]+", "-", safe) or "uploaded-file"
            token = "".join(secrets.choice(_ALNUM) for _ in range(24))
            url = f"/user_uploads/2/{secrets.token_hex(1)}/{token}/{safe}"
            self.uploads[url] = (filename, data)
            return url

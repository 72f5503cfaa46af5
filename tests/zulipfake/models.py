"""State objects of the fake Zulip realm and their API (JSON) shapes.

Shapes follow the recorded Zulip 11 responses in ``recorded/`` (key order included, which
helps when diffing against a recording).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .render import render_without_realm

ROLE_OWNER = 100
ROLE_ADMIN = 200
ROLE_MODERATOR = 300
ROLE_MEMBER = 400
ROLE_GUEST = 600

# Custom profile field types (zerver/models/custom_profile_fields.py).
PROFILE_FIELD_TYPES = {
    "SHORT_TEXT": 1,
    "LONG_TEXT": 2,
    "SELECT": 3,
    "DATE": 4,
    "URL": 5,
    "USER": 6,
    "EXTERNAL_ACCOUNT": 7,
    "PRONOUNS": 8,
}
_RENDERED_FIELD_TYPES = {1, 2}  # only text fields carry rendered_value (README surprise 13)


def _gravatar(email: str) -> str:
    digest = hashlib.md5(email.lower().encode(), usedforsecurity=False).hexdigest()
    return f"https://secure.gravatar.com/avatar/{digest}?d=identicon&version=1"


def _date_joined(when: float) -> str:
    return datetime.fromtimestamp(when, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M+00:00")


@dataclass(eq=False)
class FakeUser:
    user_id: int
    full_name: str
    delivery_email: str  # the login address
    email: str  # the visible "Zulip API email" (userNN@zulipdev.com for humans)
    api_key: str
    role: int = ROLE_MEMBER
    is_bot: bool = False
    bot_type: int | None = None
    bot_owner_id: int | None = None
    timezone: str = ""
    is_active: bool = True
    realm_str: str = "zulip"
    date_joined: str = field(default_factory=lambda: _date_joined(time.time()))
    avatar_url: str | None = None  # as shown in user lists and messages
    profile_data: dict[int, str] = field(default_factory=dict)

    @property
    def is_admin(self) -> bool:
        return self.role in (ROLE_OWNER, ROLE_ADMIN)

    @property
    def is_owner(self) -> bool:
        return self.role == ROLE_OWNER

    @property
    def is_guest(self) -> bool:
        return self.role == ROLE_GUEST

    def __repr__(self) -> str:
        return f"<FakeUser {self.user_id} {self.full_name!r} {self.delivery_email}>"


@dataclass
class ProfileField:
    id: int
    name: str
    type: int
    hint: str = ""
    field_data: str = ""
    order: int = 0
    required: bool = False
    editable_by_user: bool = True

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "hint": self.hint,
            "field_data": self.field_data,
            "order": self.order,
            "required": self.required,
            "editable_by_user": self.editable_by_user,
        }


@dataclass
class FakeUserGroup:
    """A user group made in the organization (not a system group: the fake has none)."""

    id: int
    name: str
    description: str = ""
    members: list[int] = field(default_factory=list)  # direct members only, as Zulip lists them
    direct_subgroup_ids: list[int] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        # The FL 276 shape (GET /user_groups and register's realm_user_groups). A new group's
        # can_mention_group is role:everyone on a real server; with no system groups here it
        # is the anonymous form, which the spec allows as well.
        return {
            "description": self.description,
            "id": self.id,
            "name": self.name,
            "members": sorted(self.members),
            "direct_subgroup_ids": sorted(self.direct_subgroup_ids),
            "is_system_group": False,
            "can_mention_group": {"direct_members": [], "direct_subgroups": []},
        }


def can_see_delivery_email(user: FakeUser, viewer: FakeUser | None) -> bool:
    # The dev realm hides real addresses from non-admins; a bot's is its visible one anyway.
    if viewer is None:
        return False
    return user.is_bot or viewer.user_id == user.user_id or viewer.is_admin


def user_to_api(
    user: FakeUser,
    viewer: FakeUser | None,
    fields: dict[int, ProfileField] | None,
) -> dict[str, Any]:
    """A user object as in GET /users; ``fields`` given = include_custom_profile_fields."""
    data: dict[str, Any] = {
        "email": user.email,
        "user_id": user.user_id,
        "avatar_version": 1,
        "is_admin": user.is_admin,
        "is_owner": user.is_owner,
        "is_guest": user.is_guest,
        "role": user.role,
        "is_bot": user.is_bot,
        "full_name": user.full_name,
        "timezone": user.timezone,
        "is_active": user.is_active,
        "date_joined": user.date_joined,
        "delivery_email": user.delivery_email if can_see_delivery_email(user, viewer) else None,
        "avatar_url": user.avatar_url,
    }
    if user.is_bot:
        data["bot_type"] = user.bot_type
        data["bot_owner_id"] = user.bot_owner_id
    elif fields is not None:
        data["profile_data"] = profile_data_to_api(user, fields)
    return data


def own_user_to_api(
    user: FakeUser, fields: dict[int, ProfileField], max_message_id: int
) -> dict[str, Any]:
    """GET /users/me: the caller sees its own address and (humans) its profile data."""
    data = user_to_api(user, user, fields)
    # /users/me gives a URL even where lists give null (02 vs 47).
    data["avatar_url"] = user.avatar_url or _gravatar(user.delivery_email)
    data["max_message_id"] = max_message_id
    return data


def profile_data_to_api(user: FakeUser, fields: dict[int, ProfileField]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field_id, value in user.profile_data.items():
        profile_field = fields.get(field_id)
        if profile_field is None:
            continue
        entry = {"value": value}
        if profile_field.type in _RENDERED_FIELD_TYPES:
            entry["rendered_value"] = render_without_realm(value)
        out[str(field_id)] = entry
    return out


@dataclass(eq=False)
class FakeStream:
    stream_id: int
    name: str
    recipient_id: int
    description: str = ""
    invite_only: bool = False
    history_public_to_subscribers: bool = True
    creator_id: int | None = None
    date_created: int = field(default_factory=lambda: int(time.time()))
    # Insertion-ordered set of subscribed user ids.
    subscribers: dict[int, None] = field(default_factory=dict)
    first_message_id: int | None = None

    @property
    def private(self) -> bool:
        return self.invite_only

    def is_subscribed(self, user: FakeUser | int) -> bool:
        user_id = user if isinstance(user, int) else user.user_id
        return user_id in self.subscribers

    def to_api(self) -> dict[str, Any]:
        """A channel object as in GET /streams."""
        return {
            "stream_id": self.stream_id,
            "name": self.name,
            "description": self.description,
            "date_created": self.date_created,
            "creator_id": self.creator_id,
            "invite_only": self.invite_only,
            "rendered_description": render_without_realm(self.description),
            "is_web_public": False,
            "stream_post_policy": 1,
            "message_retention_days": None,
            "history_public_to_subscribers": self.history_public_to_subscribers,
            "first_message_id": self.first_message_id,
            "is_announcement_only": False,
            "can_remove_subscribers_group": 2,
            "stream_weekly_traffic": None,
        }

    def subscription_to_api(self) -> dict[str, Any]:
        """A subscription object as in GET /users/me/subscriptions."""
        data = self.to_api()
        data.update(
            {
                "subscribers": list(self.subscribers),
                "desktop_notifications": None,
                "email_notifications": None,
                "wildcard_mentions_notify": None,
                "push_notifications": None,
                "audible_notifications": None,
                "pin_to_top": False,
                "is_muted": False,
                "in_home_view": True,
                "color": "#76ce90",
            }
        )
        return data

    def __repr__(self) -> str:
        return f"<FakeStream {self.stream_id} {self.name!r}>"


@dataclass
class Reaction:
    user_id: int
    emoji_name: str
    emoji_code: str
    reaction_type: str

    def to_api(self) -> dict[str, Any]:
        return {
            "emoji_name": self.emoji_name,
            "emoji_code": self.emoji_code,
            "reaction_type": self.reaction_type,
            "user_id": self.user_id,
        }


@dataclass
class StoredMessage:
    id: int
    sender: FakeUser
    type: str  # "stream" or "private" (what the API reports, whatever was sent)
    recipient_id: int
    content: str
    timestamp: int
    client: str
    topic: str = ""
    stream: FakeStream | None = None
    dm_users: list[FakeUser] = field(default_factory=list)  # participants, sender included
    display_recipient_dm: list[dict[str, Any]] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    # UserMessage rows: who "has" the message, with their flags.
    user_flags: dict[int, list[str]] = field(default_factory=dict)
    edit_history: list[dict[str, Any]] = field(default_factory=list)
    last_edit_timestamp: int | None = None

    def to_api(
        self,
        *,
        rendered: str | None,
        flags: list[str] | None = None,
        with_history: bool = False,
    ) -> dict[str, Any]:
        """The message object; ``rendered`` None = raw Markdown (``text/x-markdown``).

        Key order is the real server's (06, 26, 52).
        """
        sender = self.sender
        data: dict[str, Any] = {
            "id": self.id,
            "sender_id": sender.user_id,
            "content": self.content if rendered is None else rendered,
            "recipient_id": self.recipient_id,
            "timestamp": self.timestamp,
            "client": self.client,
            "subject": self.topic,
            "topic_links": [],
        }
        if with_history and self.last_edit_timestamp is not None:
            data["last_edit_timestamp"] = self.last_edit_timestamp
            data["edit_history"] = [dict(entry) for entry in reversed(self.edit_history)]
        data["is_me_message"] = self.content.startswith("/me ")
        data["reactions"] = [reaction.to_api() for reaction in self.reactions]
        data["submessages"] = []
        if flags is not None:
            data["flags"] = list(flags)
        data["sender_full_name"] = sender.full_name
        data["sender_email"] = sender.email
        data["sender_realm_str"] = sender.realm_str
        if self.stream is not None:
            data["display_recipient"] = self.stream.name
            data["type"] = "stream"
            data["stream_id"] = self.stream.stream_id
        else:
            data["display_recipient"] = [dict(entry) for entry in self.display_recipient_dm]
            data["type"] = "private"
        data["avatar_url"] = sender.avatar_url
        data["content_type"] = "text/x-markdown" if rendered is None else "text/html"
        return data


def dm_display_recipient(sender: FakeUser, users: list[FakeUser]) -> list[dict[str, Any]]:
    """display_recipient of a DM, built like Zulip's MessageDict (README surprise 3).

    Group DMs list everyone by id.  A 1:1 DM lists the recipient entry, then adds the
    sender's (with its keys in another order), the two sorted by email.
    """

    def entry(user: FakeUser) -> dict[str, Any]:
        return {
            "id": user.user_id,
            "email": user.email,
            "full_name": user.full_name,
            "is_mirror_dummy": False,
        }

    others = [user for user in users if user.user_id != sender.user_id]
    if len(others) != 1:
        return [entry(user) for user in sorted(users, key=lambda u: u.user_id)]
    recipient = entry(others[0])
    sender_entry = {
        "email": sender.email,
        "full_name": sender.full_name,
        "id": sender.user_id,
        "is_mirror_dummy": False,
    }
    if sender.email < recipient["email"]:
        return [sender_entry, recipient]
    return [recipient, sender_entry]


@dataclass
class EventQueue:
    queue_id: str
    user_id: int
    event_types: frozenset[str] | None  # None = every type
    apply_markdown: bool = False
    all_public_streams: bool = False
    narrow: list[tuple[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    next_event_id: int = 0

    def wants(self, event_type: str) -> bool:
        return self.event_types is None or event_type in self.event_types

    def push(self, event: dict[str, Any]) -> dict[str, Any]:
        event = dict(event, id=self.next_event_id)
        self.next_event_id += 1
        self.events.append(event)
        return event

    def pending(self, last_event_id: int) -> list[dict[str, Any]]:
        # Acknowledged events are dropped, as the real server does.
        self.events = [event for event in self.events if event["id"] > last_event_id]
        return list(self.events)


@dataclass
class ScheduledMessage:
    scheduled_message_id: int
    sender_id: int
    type: str  # "stream" or "private"
    to: int | list[int]
    topic: str
    content: str
    rendered_content: str
    scheduled_delivery_timestamp: int
    read_by_sender: bool | None = None
    failed: bool = False
    delivered_message_id: int | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "scheduled_message_id": self.scheduled_message_id,
            "to": self.to,
            "type": self.type,
            "content": self.content,
            "rendered_content": self.rendered_content,
        }
        if self.type == "stream":
            data["topic"] = self.topic
        data["scheduled_delivery_timestamp"] = self.scheduled_delivery_timestamp
        data["failed"] = self.failed
        return data

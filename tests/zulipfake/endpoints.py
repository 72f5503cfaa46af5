"""The REST endpoints of the fake: each takes a ``Call`` and returns the success payload.

Errors are raised as ``ApiError``.  The HTTP layer (server.py) has already authenticated the
caller, applied the rate limit and decoded the parameters according to the OpenAPI spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .models import FakeStream, FakeUser, own_user_to_api, user_to_api
from .realm import ApiError, Realm

if TYPE_CHECKING:
    from .server import FakeZulip

ZULIP_VERSION = "11.0-dev+git"
ZULIP_FEATURE_LEVEL = 372
ZULIP_MERGE_BASE = ""
MAX_MESSAGE_LENGTH = 10000
MAX_TOPIC_LENGTH = 60
_TOPIC_FOLLOWED = 3  # visibility policy "followed" (05)


@dataclass
class Call:
    fake: FakeZulip
    user: FakeUser | None
    params: dict[str, Any]  # decoded as the spec says (unknown parameters kept raw)
    path_params: dict[str, Any]
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # (field, filename, data)
    client_name: str = "Unspecified"

    @property
    def realm(self) -> Realm:
        return self.fake.realm

    @property
    def me(self) -> FakeUser:
        assert self.user is not None
        return self.user

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def require(self, name: str) -> Any:
        if name not in self.params:
            raise missing(name)
        return self.params[name]


def missing(name: str) -> ApiError:
    return ApiError(f"Missing '{name}' argument", "REQUEST_VARIABLE_MISSING", var_name=name)


Endpoint = Callable[[Call], dict[str, Any]]
ROUTES: dict[tuple[str, str], Endpoint] = {}


def route(method: str, template: str) -> Callable[[Endpoint], Endpoint]:
    def register(func: Endpoint) -> Endpoint:
        ROUTES[(method, template)] = func
        return func

    return register


# --- server and users -------------------------------------------------------------------------


@route("GET", "/server_settings")
def server_settings(call: Call) -> dict[str, Any]:
    url = call.fake.url
    return {
        "authentication_methods": {
            "password": True,
            "dev": True,
            "email": True,
            "ldap": False,
            "remoteuser": False,
            "github": False,
            "azuread": False,
            "gitlab": False,
            "google": False,
            "apple": False,
            "saml": False,
            "openid connect": False,
        },
        "zulip_version": ZULIP_VERSION,
        "zulip_merge_base": ZULIP_MERGE_BASE,
        "zulip_feature_level": ZULIP_FEATURE_LEVEL,
        "push_notifications_enabled": False,
        "is_incompatible": False,
        "email_auth_enabled": True,
        "require_email_format_usernames": True,
        "realm_url": url,
        "realm_name": "Zulip Dev",
        "realm_icon": f"{url}/static/images/logo/zulip-icon-square.svg",
        "realm_description": "<p>The fake Zulip server of meetbot's tests.</p>",
        "realm_web_public_access_enabled": False,
        "external_authentication_methods": [],
        "realm_uri": url,
    }


@route("GET", "/users/me")
def users_me(call: Call) -> dict[str, Any]:
    realm = call.realm
    return own_user_to_api(call.me, realm.profile_fields, realm.max_message_id)


def _fields_if_requested(call: Call) -> dict[int, Any] | None:
    return call.realm.profile_fields if call.get("include_custom_profile_fields") else None


@route("GET", "/users")
def users(call: Call) -> dict[str, Any]:
    fields = _fields_if_requested(call)
    members = sorted(call.realm.realm_members(), key=lambda u: u.user_id)
    return {"members": [user_to_api(u, call.me, fields) for u in members]}


@route("GET", "/users/{user_id}")
def user_by_id(call: Call) -> dict[str, Any]:
    user = call.realm.user_by_id(call.path_params["user_id"])
    if user is None:
        raise ApiError("No such user")  # 50
    return {"user": user_to_api(user, call.me, _fields_if_requested(call))}


@route("GET", "/users/{email}")
def user_by_email(call: Call) -> dict[str, Any]:
    realm = call.realm
    email = call.path_params["email"]
    user = realm.user_by_api_email(email)
    if user is None:
        login = realm.user_by_login(email)
        if login is not None and (call.me.is_admin or login is call.me):
            user = login
    if user is None:
        raise ApiError("No such user")
    return {"user": user_to_api(user, call.me, _fields_if_requested(call))}


@route("GET", "/realm/profile_fields")
def profile_fields(call: Call) -> dict[str, Any]:
    fields = sorted(call.realm.profile_fields.values(), key=lambda f: f.order)
    return {"custom_fields": [f.to_api() for f in fields]}


def _user_groups(call: Call) -> list[dict[str, Any]]:
    return [g.to_api() for g in sorted(call.realm.user_groups.values(), key=lambda g: g.id)]


@route("GET", "/user_groups")
def user_groups(call: Call) -> dict[str, Any]:
    # Zulip 11 serves this to members and administrators only (zerver/views/user_groups.py,
    # @require_member_or_admin; the spec's note says so): a bot is refused. Bots may read
    # groups through POST /register's realm_user_groups instead.
    if call.me.is_guest:
        raise ApiError("Not allowed for guest users")
    if call.me.is_bot:
        raise ApiError("This endpoint does not accept bot requests.")
    return {"user_groups": _user_groups(call)}


@route("GET", "/realm/emoji")
def realm_emoji(call: Call) -> dict[str, Any]:
    return {"emoji": {emoji.id: emoji.to_api() for emoji in call.realm.realm_emoji.values()}}


# --- channels ---------------------------------------------------------------------------------


@route("GET", "/get_stream_id")
def get_stream_id(call: Call) -> dict[str, Any]:
    name = call.require("stream")
    stream = call.realm.stream_by_name(name)
    if stream is None or not call.realm.can_access_stream(call.me, stream):
        raise ApiError(f"Invalid channel name '{name}'")
    return {"stream_id": stream.stream_id}


@route("GET", "/streams")
def streams(call: Call) -> dict[str, Any]:
    realm, me = call.realm, call.me
    include_public = call.get("include_public", True)
    include_subscribed = call.get("include_subscribed", True)
    include_all = call.get("include_all_active", False) and me.is_admin
    shown = [
        s
        for s in realm.streams.values()
        if include_all
        or (include_public and not s.invite_only)
        or (include_subscribed and s.is_subscribed(me))
    ]
    return {"streams": [s.to_api() for s in sorted(shown, key=lambda s: s.name.lower())]}


@route("GET", "/streams/{stream_id}/members")
def stream_members(call: Call) -> dict[str, Any]:
    stream = call.realm.stream_by_id(call.path_params["stream_id"])
    if stream is None or not call.realm.can_access_stream(call.me, stream):
        raise ApiError("Invalid channel ID")
    return {"subscribers": list(stream.subscribers)}


@route("GET", "/users/me/subscriptions")
def list_subscriptions(call: Call) -> dict[str, Any]:
    me = call.me
    mine = [s for s in call.realm.streams.values() if s.is_subscribed(me)]
    subscriptions = []
    for stream in sorted(mine, key=lambda s: s.name.lower()):
        data = stream.subscription_to_api()
        if not call.get("include_subscribers", False):
            del data["subscribers"]
        subscriptions.append(data)
    return {"subscriptions": subscriptions}


def _principals(call: Call) -> list[FakeUser]:
    raw = call.get("principals")
    if raw is None:
        return [call.me]
    users: list[FakeUser] = []
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, int):
            user = call.realm.user_by_id(item)
        else:
            user = call.realm.user_by_api_email(str(item))
        if user is None or not user.is_active:
            raise ApiError("No such user")
        users.append(user)
    return users


@route("POST", "/users/me/subscriptions")
def subscribe(call: Call) -> dict[str, Any]:
    items = call.require("subscriptions")
    if not isinstance(items, list) or not all(isinstance(i, dict) and "name" in i for i in items):
        raise ApiError("Invalid subscriptions")
    with call.realm.cond:
        return call.realm.subscribe(
            call.me,
            items,
            _principals(call),
            invite_only=bool(call.get("invite_only", False)),
            history_public_to_subscribers=call.get("history_public_to_subscribers"),
            authorization_errors_fatal=bool(call.get("authorization_errors_fatal", True)),
        )


@route("DELETE", "/users/me/subscriptions")
def unsubscribe(call: Call) -> dict[str, Any]:
    names = call.require("subscriptions")
    realm = call.realm
    with realm.cond:
        found: list[FakeStream] = []
        unknown: list[str] = []
        for name in names if isinstance(names, list) else [names]:
            stream = realm.stream_by_name(str(name))
            if stream is None:
                unknown.append(str(name))
            else:
                found.append(stream)
        if unknown:
            raise ApiError(f"Channel(s) ({', '.join(unknown)}) do not exist")
        users = _principals(call)
        if any(u is not call.me for u in users) and not call.me.is_admin:
            raise ApiError("Insufficient permission")
        removed, not_removed = realm.unsubscribe(found, users)
        return {"removed": removed, "not_removed": not_removed}


# --- event queues -----------------------------------------------------------------------------


@route("POST", "/register")
def register(call: Call) -> dict[str, Any]:
    realm, me = call.realm, call.me
    event_types = call.get("event_types")
    narrow = call.get("narrow") or []
    if not all(isinstance(t, list) and len(t) == 2 for t in narrow):
        raise ApiError("Invalid narrow")
    with realm.cond:
        queue = realm.register(
            me,
            event_types=event_types,
            apply_markdown=bool(call.get("apply_markdown", False)),
            all_public_streams=bool(call.get("all_public_streams", False)),
            narrow=narrow,
        )
        fetch = call.get("fetch_event_types", event_types)

        def want(event_type: str) -> bool:
            return fetch is None or event_type in fetch

        state: dict[str, Any] = {
            "queue_id": queue.queue_id,
            "zulip_version": ZULIP_VERSION,
            "zulip_feature_level": ZULIP_FEATURE_LEVEL,
            "zulip_merge_base": ZULIP_MERGE_BASE,
        }
        # Only the initial state the fake can build; with event_types [message, reaction]
        # the real answer is exactly this small (04, README surprise 2).
        if want("realm_user"):
            everyone = sorted(realm.realm_members(), key=lambda u: u.user_id)
            state["realm_users"] = [
                user_to_api(u, me, realm.profile_fields) for u in everyone if u.is_active
            ]
            state["realm_non_active_users"] = [
                user_to_api(u, me, realm.profile_fields) for u in everyone if not u.is_active
            ]
        if want("subscription"):
            mine = [s for s in realm.streams.values() if s.is_subscribed(me)]
            state["subscriptions"] = [s.subscription_to_api() for s in mine]
            state["unsubscribed"] = []
            state["never_subscribed"] = []
        if want("realm_user_groups"):
            state["realm_user_groups"] = _user_groups(call)
        if want("realm_emoji"):
            state["realm_emoji"] = {e.id: e.to_api() for e in realm.realm_emoji.values()}
        if want("message"):
            state["max_message_id"] = realm.max_message_id
        if want("realm"):
            # Two of the many realm_* settings Zulip sends: the ones the fake has.
            state["realm_allow_message_editing"] = realm.allow_message_editing
            limit = realm.message_content_edit_limit_seconds
            state["realm_message_content_edit_limit_seconds"] = limit
        state["last_event_id"] = -1
        return state


@route("GET", "/events")
def get_events(call: Call) -> dict[str, Any]:
    queue_id = call.require("queue_id")
    last_event_id = call.get("last_event_id", -1)
    events, held_open = call.realm.get_events(
        call.me, queue_id, last_event_id, bool(call.get("dont_block", False))
    )
    result: dict[str, Any] = {"events": events}
    if held_open:
        result["queue_id"] = queue_id  # only answers that waited carry it (66, surprise 16)
    return result


@route("DELETE", "/events")
def delete_queue(call: Call) -> dict[str, Any]:
    call.realm.delete_queue(call.me, call.require("queue_id"))
    return {}


# --- messages ---------------------------------------------------------------------------------


def _normalize_content(content: str) -> str:
    # zerver/lib/message.py normalize_body
    content = content.rstrip().lstrip("\n")
    if not content:
        raise ApiError("Message must not be empty")
    if len(content) > MAX_MESSAGE_LENGTH:
        marker = "\n[message truncated]"
        content = content[: MAX_MESSAGE_LENGTH - len(marker)] + marker
    return content


def _topic(call: Call) -> str:
    topic = call.get("topic", call.get("subject"))  # "subject" is the legacy alias (38)
    if topic is None:
        raise ApiError("Missing topic")  # 41
    topic = str(topic).strip()
    if len(topic) > MAX_TOPIC_LENGTH:
        topic = topic[: MAX_TOPIC_LENGTH - 3] + "..."
    return topic


def _is_stream_type(message_type: str) -> bool:
    if message_type in ("stream", "channel"):
        return True
    if message_type in ("direct", "private"):
        return False
    raise ApiError("Invalid message type")


@route("POST", "/messages")
def send_message(call: Call) -> dict[str, Any]:
    message_type = call.require("type")
    to = call.require("to")
    content = _normalize_content(str(call.require("content")))
    realm, me = call.realm, call.me
    with realm.cond:
        if _is_stream_type(message_type):
            topic = _topic(call)
            stream = realm.resolve_stream(me, to)
            new_topic = not any(
                m.stream is stream and m.topic.lower() == topic.lower() for m in realm.messages
            )
            message = realm.send_message(
                me,
                content,
                stream=stream,
                topic=topic,
                client=call.client_name,
                read_by_sender=call.get("read_by_sender"),
            )
            result: dict[str, Any] = {"id": message.id}
            if new_topic and not me.is_bot:
                # Humans follow topics they start by default (05); bots do not (13).
                result["automatic_new_visibility_policy"] = _TOPIC_FOLLOWED
            return result
        users = realm.resolve_dm_users(me, to)
        message = realm.send_message(
            me,
            content,
            dm_users=users,
            client=call.client_name,
            read_by_sender=call.get("read_by_sender"),
        )
        return {"id": message.id}


def _anchor(call: Call) -> Any:
    anchor = call.get("anchor")
    if anchor is None:
        if call.get("use_first_unread_anchor"):
            return "first_unread"
        raise ApiError("Missing 'anchor' argument.")
    if anchor in ("newest", "oldest", "first_unread"):
        return anchor
    try:
        return max(0, int(anchor))
    except ValueError as error:
        raise ApiError("Invalid anchor") from error


@route("GET", "/messages")
def get_messages(call: Call) -> dict[str, Any]:
    realm = call.realm
    with realm.cond:
        narrow = realm.parse_narrow(call.get("narrow"))
        return realm.get_messages(
            call.me,
            anchor=_anchor(call),
            num_before=call.require("num_before"),
            num_after=call.require("num_after"),
            narrow=narrow,
            include_anchor=call.get("include_anchor", True),
            apply_markdown=call.get("apply_markdown", True),
        )


@route("GET", "/messages/{message_id}")
def get_message(call: Call) -> dict[str, Any]:
    realm = call.realm
    with realm.cond:
        message = realm.accessible_message(call.me, call.path_params["message_id"])
        apply_markdown = call.get("apply_markdown", True)
        return {
            "message": realm.message_for(call.me, message, apply_markdown=apply_markdown),
            "raw_content": message.content,  # deprecated but still sent (26, 44)
        }


@route("PATCH", "/messages/{message_id}")
def edit_message(call: Call) -> dict[str, Any]:
    content = call.get("content")
    topic = call.get("topic")
    call.realm.edit_message(
        call.me,
        call.path_params["message_id"],
        content=None if content is None else _normalize_content(str(content)),
        topic=None if topic is None else str(topic).strip(),
        propagate_mode=call.get("propagate_mode", "change_one"),
        notify_old=bool(call.get("send_notification_to_old_thread", False)),
        notify_new=bool(call.get("send_notification_to_new_thread", True)),
        stream_id=call.get("stream_id"),
    )
    return {"detached_uploads": []}


@route("POST", "/messages/{message_id}/reactions")
def add_reaction(call: Call) -> dict[str, Any]:
    call.realm.add_reaction(
        call.me,
        call.path_params["message_id"],
        call.require("emoji_name"),
        call.get("emoji_code"),
        call.get("reaction_type"),
    )
    return {}


@route("DELETE", "/messages/{message_id}/reactions")
def remove_reaction(call: Call) -> dict[str, Any]:
    call.realm.remove_reaction(
        call.me,
        call.path_params["message_id"],
        call.get("emoji_name"),
        call.get("emoji_code"),
        call.get("reaction_type"),
    )
    return {}


# --- uploads and scheduled messages -----------------------------------------------------------


@route("POST", "/user_uploads")
def upload(call: Call) -> dict[str, Any]:
    if not call.files:
        raise ApiError("You must specify a file to upload")
    _field, filename, data = call.files[0]  # whatever the part is called (surprise 14)
    url = call.realm.store_upload(filename, data)
    return {"uri": url, "url": url, "filename": filename}


@route("POST", "/scheduled_messages")
def schedule_message(call: Call) -> dict[str, Any]:
    message_type = call.require("type")
    to = call.require("to")
    content = _normalize_content(str(call.require("content")))
    when = call.require("scheduled_delivery_timestamp")
    realm, me = call.realm, call.me
    with realm.cond:
        if _is_stream_type(message_type):
            topic = _topic(call)
            stream = realm.resolve_stream(me, to)
            users = None
        else:
            topic, stream = "", None
            users = realm.resolve_dm_users(me, to)
        scheduled = realm.schedule(
            me,
            stream=stream,
            topic=topic,
            dm_users=users,
            content=content,
            when=int(when),
            read_by_sender=call.get("read_by_sender"),
        )
        return {"scheduled_message_id": scheduled.scheduled_message_id}


@route("GET", "/scheduled_messages")
def list_scheduled(call: Call) -> dict[str, Any]:
    with call.realm.cond:
        mine = [s for s in call.realm.scheduled.values() if s.sender_id == call.me.user_id]
        mine.sort(key=lambda s: (s.scheduled_delivery_timestamp, s.scheduled_message_id))
        return {"scheduled_messages": [s.to_api() for s in mine]}


@route("DELETE", "/scheduled_messages/{scheduled_message_id}")
def delete_scheduled(call: Call) -> dict[str, Any]:
    realm = call.realm
    with realm.cond:
        scheduled = realm.scheduled.get(call.path_params["scheduled_message_id"])
        if scheduled is None or scheduled.sender_id != call.me.user_id:
            raise ApiError("Scheduled message does not exist", status=404)
        del realm.scheduled[scheduled.scheduled_message_id]
        return {}


UNAUTHENTICATED = frozenset({("GET", "/server_settings")})

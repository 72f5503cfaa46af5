"""FakeZulip: a Zulip-compatible HTTP server for integration tests.

Start it on 127.0.0.1 inside a test; the real ``zulip`` client (and the bot's subprocess) talk
to it over HTTP.  Every request is checked against ``zulip-openapi-subset.yaml``; problems are
collected in ``server.violations`` instead of failing the request, so a test can assert that
the bot spoke the API correctly.  Behaviour follows the real Zulip 11 server as recorded in
``recorded/`` (see recorded/README.md for the surprises it reproduces).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email.parser
import email.policy
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

import zulip

from .endpoints import ROUTES, UNAUTHENTICATED, Call, missing
from .models import PROFILE_FIELD_TYPES, FakeStream, FakeUser, FakeUserGroup, ProfileField
from .openapi import OpenAPISpec, RequestCheck, load_spec
from .realm import ApiError, Realm

API_PREFIX = "/api/v1"
_USER_AGENT_NAME = re.compile(r"^(?P<name>[^/ (]+)")


# --- records and faults -----------------------------------------------------------------------


class _RequestTuple(NamedTuple):
    method: str
    path: str  # full path without the query string, e.g. "/api/v1/messages"
    params: dict[str, str]  # query string and form fields, exactly as sent


class RecordedRequest(_RequestTuple):
    """One request received: the tuple ``(method, path, params)`` (raw string values), plus
    ``user_id`` (the authenticated caller) and ``status`` (the answer's HTTP status; None if
    there was none, e.g. a dropped connection), both set while it is answered."""

    user_id: int | None = None
    status: int | None = None


@dataclass
class Fault:
    """An injected failure: the next ``times`` matching requests get it (None = forever)."""

    method: str
    path_regex: re.Pattern[str]
    status: int | None
    times: int | None
    body: Any
    delay: float
    drop_connection: bool
    retry_after: float | None
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return self.method in ("*", method) and self.path_regex.search(path) is not None

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


class _RateLimiter:
    """Sliding window per (user, bucket), as the real server's 200 requests / 60 s (17)."""

    def __init__(self, limit: int | None, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[tuple[int, str], deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, user_id: int, bucket: str) -> tuple[dict[str, str], float | None]:
        """(headers, retry_after); retry_after is set when the request must be refused."""
        if self.limit is None:
            return {}, None
        now = time.time()
        with self._lock:
            hits = self._hits.setdefault((user_id, bucket), deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                retry_after = hits[0] + self.window - now
                return self._headers(bucket, 0, now + retry_after), retry_after
            hits.append(now)
            return self._headers(bucket, self.limit - len(hits), now + self.window), None

    def _headers(self, bucket: str, remaining: int, reset: float) -> dict[str, str]:
        # Tornado (the /events server) spells them X-Ratelimit-* (06); Django X-RateLimit-*.
        prefix = "X-Ratelimit" if bucket == "events" else "X-RateLimit"
        return {
            f"{prefix}-Limit": str(self.limit),
            f"{prefix}-Remaining": str(remaining),
            f"{prefix}-Reset": str(int(reset)),
        }


def rate_limited_body(retry_after: float) -> dict[str, Any]:
    return {
        "result": "error",
        "msg": "API usage exceeded rate limit",
        "code": "RATE_LIMIT_HIT",
        "retry-after": retry_after,
    }


# --- the server -------------------------------------------------------------------------------


class FakeZulip:
    """A fake Zulip realm served over HTTP on 127.0.0.1."""

    def __init__(
        self,
        *,
        heartbeat_seconds: float = 2.0,
        rate_limit: int | None = 200,
        rate_limit_window: float = 60.0,
        scheduled_delivery_interval: float = 0.2,
        spec: OpenAPISpec | None = None,
    ) -> None:
        self.realm = Realm(heartbeat_seconds)
        self.spec = spec or load_spec()
        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self._faults: list[Fault] = []
        self._limiter = _RateLimiter(rate_limit, rate_limit_window)
        self._scheduled_interval = scheduled_delivery_interval
        self._httpd: _HTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopped = threading.Event()
        self.url = ""

    # -- lifecycle --

    def start(self) -> FakeZulip:
        if self._httpd is not None:
            raise RuntimeError("FakeZulip already started")
        self._httpd = _HTTPServer(self)
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self.realm.set_realm_url(self.url)
        serve = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fakezulip-http"
        )
        deliver = threading.Thread(target=self._deliver_scheduled, name="fakezulip-scheduler")
        self._threads = [serve, deliver]
        for thread in self._threads:
            thread.daemon = True
            thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; blocked long-polls are answered (heartbeat) and connections closed."""
        if self._httpd is None or self._stopped.is_set():
            return
        self._stopped.set()
        with self.realm.cond:
            self.realm.stopping = True
            self.realm.cond.notify_all()
        self._httpd.shutdown()
        # Let requests in flight (long-polls now answering their heartbeat) finish first.
        self._httpd.wait_idle(timeout=5)
        self._httpd.close_connections()
        self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> FakeZulip:
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _deliver_scheduled(self) -> None:
        while not self._stopped.wait(self._scheduled_interval):
            self.realm.deliver_due(time.time())

    # -- realm setup --

    def add_user(
        self,
        full_name: str,
        delivery_email: str | None = None,
        *,
        email: str | None = None,
        role: int = 400,
        is_bot: bool = False,
        bot_owner: FakeUser | None = None,
        bot_type: int | None = None,
        timezone: str = "",
        api_key: str | None = None,
    ) -> FakeUser:
        """Add a user; ``email`` (the visible one) defaults to userNN@zulipdev.com for humans
        and to the login address for bots, as on the recorded dev server."""
        return self.realm.add_user(
            full_name,
            delivery_email,
            email=email,
            role=role,
            is_bot=is_bot,
            bot_owner=bot_owner,
            bot_type=bot_type,
            timezone=timezone,
            api_key=api_key,
        )

    def add_stream(
        self,
        name: str,
        private: bool = False,
        subscribers: Iterable[FakeUser] = (),
        *,
        description: str = "",
        history_public_to_subscribers: bool | None = None,
    ) -> FakeStream:
        return self.realm.add_stream(
            name,
            private=private,
            subscribers=subscribers,
            description=description,
            history_public_to_subscribers=history_public_to_subscribers,
        )

    def subscribe(self, stream: FakeStream, *users: FakeUser) -> None:
        with self.realm.cond:
            for user in users:
                stream.subscribers[user.user_id] = None

    def unsubscribe(self, stream: FakeStream, *users: FakeUser) -> None:
        with self.realm.cond:
            for user in users:
                stream.subscribers.pop(user.user_id, None)

    def add_profile_field(
        self,
        name: str,
        field_type: int | str,
        *,
        hint: str = "",
        field_data: str | dict[str, Any] = "",
        required: bool = False,
        editable_by_user: bool = True,
    ) -> ProfileField:
        """Add a custom profile field; ``field_type`` is the number or a name like "SHORT_TEXT"."""
        if isinstance(field_type, str):
            field_type = PROFILE_FIELD_TYPES[field_type]
        if isinstance(field_data, dict):
            field_data = json.dumps(field_data, separators=(",", ":"))
        return self.realm.add_profile_field(
            name,
            field_type,
            hint=hint,
            field_data=field_data,
            required=required,
            editable_by_user=editable_by_user,
        )

    def set_profile_data(self, user: FakeUser, field_id: int | ProfileField, value: Any) -> None:
        """Set a profile value; the API reports every value as a string ("[11]" for users)."""
        if isinstance(field_id, ProfileField):
            field_id = field_id.id
        text = value if isinstance(value, str) else json.dumps(value)
        with self.realm.cond:
            if field_id not in self.realm.profile_fields:
                raise KeyError(f"no profile field {field_id}")
            user.profile_data[field_id] = text

    def add_user_group(
        self,
        name: str,
        members: Iterable[FakeUser] = (),
        *,
        subgroups: Iterable[FakeUserGroup] = (),
        description: str = "",
    ) -> FakeUserGroup:
        """Add a user group: ``members`` are its direct members, ``subgroups`` its direct
        subgroups (whose members Zulip does not list among the group's own)."""
        return self.realm.add_user_group(
            name, members, subgroups=subgroups, description=description
        )

    def set_group_members(self, group: FakeUserGroup, *members: FakeUser) -> None:
        with self.realm.cond:
            group.members = [u.user_id for u in members]

    def add_realm_emoji(self, name: str, author: FakeUser | None = None) -> str:
        """Add a custom emoji; returns its id (the emoji_code of its reactions)."""
        return self.realm.add_realm_emoji(name, author.user_id if author else None).id

    def post_message(
        self,
        sender: FakeUser,
        content: str,
        *,
        stream: FakeStream | str | None = None,
        topic: str = "",
        to: Iterable[FakeUser] = (),
    ) -> int:
        """Send a message without HTTP (no rate limit, no spec check); returns its id."""
        realm = self.realm
        with realm.cond:
            if stream is not None:
                target = stream if isinstance(stream, FakeStream) else realm.stream_by_name(stream)
                if target is None:
                    raise KeyError(f"no channel {stream!r}")
                return realm.send_message(sender, content, stream=target, topic=topic).id
            users = realm.resolve_dm_users(sender, [u.user_id for u in to])
            return realm.send_message(sender, content, dm_users=users).id

    def set_message_editing(self, *, allowed: bool = True, limit_seconds: int | None = 600) -> None:
        """The organization's message editing: allowed or not, and for how many seconds after
        sending (None: no limit). Zulip's default is allowed, 600 seconds."""
        with self.realm.cond:
            self.realm.allow_message_editing = allowed
            self.realm.message_content_edit_limit_seconds = limit_seconds

    def age_message(self, message_id: int, seconds: int) -> None:
        """Make a message ``seconds`` older, as if sent that much earlier (for edit limits)."""
        with self.realm.cond:
            self.realm.messages_by_id[message_id].timestamp -= seconds

    def drop_event_queues(self, user: FakeUser | None = None) -> list[str]:
        """Garbage-collect event queues (all, or one user's), as a server restart does."""
        return self.realm.drop_queues(user)

    def deliver_scheduled_messages(self, now: float | None = None) -> list[int]:
        """Deliver scheduled messages due at ``now`` (default: now); returns the message ids."""
        return self.realm.deliver_due(time.time() if now is None else now)

    # -- clients --

    def client(self, user: FakeUser, **kwargs: Any) -> zulip.Client:
        """A real zulip.Client authenticated as ``user`` (extra kwargs go to zulip.Client)."""
        if not self.url:
            raise RuntimeError("start() the server first")
        return zulip.Client(
            email=user.delivery_email, api_key=user.api_key, site=self.url, **kwargs
        )

    def zuliprc_text(self, user: FakeUser) -> str:
        return f"[api]\nemail={user.delivery_email}\nkey={user.api_key}\nsite={self.url}\n"

    # -- inspection --

    @property
    def users(self) -> list[FakeUser]:
        with self.realm.cond:
            return list(self.realm.users.values())

    @property
    def streams(self) -> list[FakeStream]:
        with self.realm.cond:
            return list(self.realm.streams.values())

    @property
    def uploads(self) -> dict[str, tuple[str, bytes]]:
        """url -> (filename, bytes) of every upload."""
        with self.realm.cond:
            return dict(self.realm.uploads)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every message, oldest first, shaped like a message event's (raw Markdown)."""
        with self.realm.cond:
            return [m.to_api(rendered=None) for m in self.realm.messages]

    def messages_in(
        self, stream: FakeStream | str | int, topic: str | None = None
    ) -> list[dict[str, Any]]:
        stream_id = self._stream_id(stream)
        return [
            m
            for m in self.messages
            if m.get("stream_id") == stream_id and (topic is None or m["subject"] == topic)
        ]

    def stream_subscribers(self, stream: FakeStream | str | int) -> list[int]:
        """User ids subscribed to a channel (by object, name or id), in subscription order."""
        with self.realm.cond:
            found = self.realm.stream_by_id(self._stream_id(stream))
            assert found is not None
            return list(found.subscribers)

    def message(self, message_id: int) -> dict[str, Any]:
        with self.realm.cond:
            return self.realm.messages_by_id[message_id].to_api(rendered=None)

    def flags(self, user: FakeUser, message_id: int) -> list[str] | None:
        """``user``'s flags on a message, or None if they did not receive it."""
        with self.realm.cond:
            flags = self.realm.messages_by_id[message_id].user_flags.get(user.user_id)
            return None if flags is None else list(flags)

    def scheduled_messages(self) -> list[dict[str, Any]]:
        with self.realm.cond:
            return [s.to_api() for s in self.realm.scheduled.values()]

    def _stream_id(self, stream: FakeStream | str | int) -> int:
        if isinstance(stream, FakeStream):
            return stream.stream_id
        if isinstance(stream, int):
            return stream
        found = self.realm.stream_by_name(stream)
        if found is None:
            raise KeyError(f"no channel {stream!r}")
        return found.stream_id

    def wait_for_message(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> dict[str, Any]:
        """The first stored message (oldest first) satisfying ``predicate``; waits for one."""
        deadline = time.monotonic() + timeout
        with self.realm.cond:
            while True:
                for message in self.realm.messages:
                    data = message.to_api(rendered=None)
                    if predicate(data):
                        return data
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.realm.cond.wait(remaining)
        raise AssertionError(f"no matching message within {timeout} s\n{self.dump()}")

    def dump(self, last: int = 20) -> str:
        """Recent messages, failed requests and violations, for assertion messages."""
        lines = [f"last {last} messages:"]
        for m in self.messages[-last:]:
            where = (
                f"#{m['display_recipient']} > {m['subject']}"
                if m["type"] == "stream"
                else "DM " + ",".join(str(r["id"]) for r in m["display_recipient"])
            )
            lines.append(f"  [{m['id']}] {m['sender_full_name']} in {where}: {m['content']!r}")
        failed = [r for r in self.requests if r.status is not None and r.status >= 400]
        lines.append(f"last failed requests ({len(failed)} in all):")
        lines.extend(f"  {r.status} {r.method} {r.path} {r.params}" for r in failed[-10:])
        lines.append(f"violations ({len(self.violations)}):")
        lines.extend(f"  {v}" for v in self.violations[-10:])
        return "\n".join(lines)

    # -- fault injection --

    def inject_fault(
        self,
        method: str,
        path_regex: str,
        status: int | None = 500,
        times: int | None = 1,
        body: Any = None,
        delay: float = 0.0,
        drop_connection: bool = False,
        retry_after: float | None = None,
    ) -> Fault:
        """Make the next ``times`` requests matching ``method`` ("*" = any) and
        ``path_regex`` (searched in the full path, e.g. "/api/v1/messages$") fail.

        They wait ``delay`` seconds, then: the connection is closed without an answer
        (``drop_connection``), or they get ``status`` with ``body`` (a dict is sent as JSON,
        str/bytes as-is; default: a Zulip-style JSON error), or, with ``status=None``, the
        normal answer.  ``retry_after`` adds a Retry-After header (and, for 429, the body's
        ``retry-after``).  The request is still checked against the spec; the injected answer
        skips auth, rate limiting and the response check.
        """
        fault = Fault(
            method=method.upper(),
            path_regex=re.compile(path_regex),
            status=status,
            times=times,
            body=body,
            delay=delay,
            drop_connection=drop_connection,
            retry_after=retry_after,
        )
        with self.realm.cond:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.realm.cond:
            self._faults.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.realm.cond:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    if fault.exhausted:
                        self._faults.remove(fault)
                    return fault
        return None

    # -- request handling (called by _Handler) --

    def _record(self, record: RecordedRequest) -> None:
        with self.realm.cond:
            self.requests.append(record)

    def _violation(self, problem: str) -> None:
        with self.realm.cond:
            self.violations.append(problem)

    def _authenticate(self, header: str | None) -> FakeUser:
        if not header:
            raise ApiError(
                "Not logged in: API authentication or user session required",
                "UNAUTHORIZED",
                status=401,
            )
        scheme, _, encoded = header.partition(" ")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        login, _, api_key = decoded.partition(":")
        with self.realm.cond:
            user = self.realm.user_by_login(login) if scheme.lower() == "basic" else None
        # Like the real server, the login (delivery) address is needed: the visible
        # userNN@zulipdev.com address does not authenticate (access_user_by_api_key).
        if user is None or user.api_key != api_key:
            raise ApiError("Invalid API key", "INVALID_API_KEY", status=401)
        if not user.is_active:
            raise ApiError("Account is deactivated", "USER_DEACTIVATED", status=401)
        return user

    def check(self, request: _Request) -> RequestCheck:
        """Check a request against the spec (faulted ones too), recording violations."""
        api_path = request.path[len(API_PREFIX) :] or "/"
        check = self.spec.check_request(
            request.method, api_path, request.params, [f[0] for f in request.files]
        )
        for problem in check.problems:
            self._violation(problem)
        return check

    def handle(self, request: _Request, check: RequestCheck) -> _Response:
        """Answer one checked /api/v1 request."""
        op = check.operation
        if op is None or not op.served or (op.method, op.template) not in ROUTES:
            return _Response.json(
                404, {"result": "error", "msg": "Not Found", "code": "BAD_REQUEST"}
            )
        key = (op.method, op.template)
        user: FakeUser | None = None
        headers: dict[str, str] = {}
        try:
            if key not in UNAUTHENTICATED:
                user = self._authenticate(request.headers.get("Authorization"))
                request.record.user_id = user.user_id
                bucket = "events" if op.template == "/events" else "api"
                headers, retry_after = self._limiter.check(user.user_id, bucket)
                if retry_after is not None:
                    headers["Retry-After"] = str(retry_after)
                    return _Response.json(429, rate_limited_body(retry_after), headers)
            if check.missing:
                raise missing(check.missing[0])
            if check.invalid:
                raise ApiError(f"Invalid {check.invalid[0]}")
            call = Call(
                fake=self,
                user=user,
                params=check.params,
                path_params=check.path_params,
                files=request.files,
                client_name=_client_name(request.headers.get("User-Agent")),
            )
            payload = ROUTES[key](call)
        except ApiError as error:
            if error.status == 401:
                headers["WWW-Authenticate"] = 'Basic realm="zulip"'
            return _Response.json(error.status, error.body(), headers)
        body = {"result": "success", "msg": "", **payload}
        if check.ignored:
            body["ignored_parameters_unsupported"] = check.ignored
        for problem in self.spec.check_response(op, 200, body):
            self._violation(problem)
        return _Response.json(200, body, headers)

    def fault_response(self, fault: Fault) -> _Response:
        status = fault.status
        assert status is not None
        headers = {}
        retry_after = fault.retry_after
        if status == 429 and retry_after is None:
            retry_after = 1.0
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        if fault.body is None:
            if status == 429:
                return _Response.json(status, rate_limited_body(retry_after or 1.0), headers)
            return _Response.json(status, _error_body(status), headers)
        if isinstance(fault.body, (dict, list)):
            return _Response.json(status, fault.body, headers)
        data = fault.body.encode() if isinstance(fault.body, str) else bytes(fault.body)
        return _Response(status, data, "text/html; charset=utf-8", headers)

    def serve_upload(self, path: str) -> _Response:
        with self.realm.cond:
            upload = self.realm.uploads.get(path)
        if upload is None:
            return _Response.json(
                404, {"result": "error", "msg": "Not Found", "code": "BAD_REQUEST"}
            )
        return _Response(200, upload[1], "application/octet-stream", {})


def _error_body(status: int) -> dict[str, Any]:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    msg = "Internal server error" if status >= 500 else phrase
    return {"result": "error", "msg": msg, "code": "BAD_REQUEST"}


def _client_name(user_agent: str | None) -> str:
    """The message ``client`` the server derives from the User-Agent ("ZulipPython/0.9.1 (...)")."""
    match = _USER_AGENT_NAME.match(user_agent or "")
    return match["name"] if match else "Unspecified"


# --- HTTP plumbing ----------------------------------------------------------------------------


@dataclass
class _Request:
    method: str
    path: str
    headers: Any
    params: dict[str, str]
    files: list[tuple[str, str, bytes]]
    record: RecordedRequest


@dataclass
class _Response:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> _Response:
        return cls(status, json.dumps(payload).encode(), "application/json", dict(headers or {}))


def _parse_body(
    content_type: str, body: bytes
) -> tuple[dict[str, str], list[tuple[str, str, bytes]]]:
    if not body:
        return {}, []
    if content_type.startswith("multipart/form-data"):
        return _parse_multipart(content_type, body)
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), []


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], list[tuple[str, str, bytes]]]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    files: list[tuple[str, str, bytes]] = []
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition") or ""
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = data.decode("utf-8")
        else:
            files.append((name, filename, data))
    return fields, files


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeZulip) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.active = 0  # requests being answered
        self.idle = threading.Condition()
        super().__init__(("127.0.0.1", 0), _Handler)

    def wait_idle(self, timeout: float) -> None:
        with self.idle:
            self.idle.wait_for(lambda: self.active == 0, timeout=timeout)

    def close_connections(self) -> None:
        with self.connections_lock:
            for connection in list(self.connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the zulip client's session expects
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean; server.requests has the log

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def _dispatch(self) -> None:
        with self.server.idle:
            self.server.active += 1
        try:
            self._answer()
        finally:
            with self.server.idle:
                self.server.active -= 1
                self.server.idle.notify_all()

    def _answer(self) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        if split.path.startswith("/user_uploads/"):
            self._send(fake.serve_upload(unquote(split.path)))
            return
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        try:
            form, files = _parse_body(self.headers.get("Content-Type", ""), raw_body)
        except (UnicodeDecodeError, ValueError):
            form, files = {}, []
        params.update(form)
        record = RecordedRequest(self.command, split.path, params)
        fake._record(record)
        if not split.path.startswith(API_PREFIX + "/"):
            record.status = 404
            self._send(
                _Response.json(404, {"result": "error", "msg": "Not Found", "code": "BAD_REQUEST"})
            )
            return
        request = _Request(self.command, split.path, self.headers, params, files, record)
        check = fake.check(request)
        fault = fake._take_fault(self.command, split.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop_connection:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.status is not None:
                response = fake.fault_response(fault)
                record.status = response.status
                self._send(response)
                return
        response = fake.handle(request, check)
        record.status = response.status
        self._send(response)

    def _send(self, response: _Response) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
        except OSError:
            self.close_connection = True

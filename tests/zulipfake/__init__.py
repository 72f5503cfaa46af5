"""A Zulip-compatible fake server for meetbot's integration tests.

    server = FakeZulip(heartbeat_seconds=2.0, rate_limit=200).start()
    hamlet = server.add_user("King Hamlet", delivery_email="hamlet@zulip.com")
    bot = server.add_user("Meetbot", delivery_email="meetbot-bot@zulip.example", is_bot=True)
    server.add_stream("community", subscribers=[hamlet, bot])
    server.client(hamlet).send_message({...})       # a real zulip.Client over HTTP
    server.wait_for_message(lambda m: m["sender_id"] == bot.user_id)
    assert server.violations == []                   # requests/responses vs. the OpenAPI spec
    server.stop()

Modules: server (HTTP, auth, rate limit, faults, public API), endpoints (one function per REST
endpoint), realm (state and Zulip's rules), models (state objects and their JSON shapes),
render (minimal Markdown), emoji (reaction names), openapi (spec checks and the allowlist of
known spec-vs-Zulip-11 differences).  recorded/ holds the real-server exchanges it imitates.
"""

from __future__ import annotations

from .models import FakeStream, FakeUser, FakeUserGroup, ProfileField
from .realm import ApiError
from .server import FakeZulip, Fault, RecordedRequest

__all__ = [
    "ApiError",
    "FakeStream",
    "FakeUser",
    "FakeUserGroup",
    "FakeZulip",
    "Fault",
    "ProfileField",
    "RecordedRequest",
]

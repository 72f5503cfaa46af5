"""Shared fixtures.  ``tests/`` is on sys.path (rootdir conftest), so ``import zulipfake`` works."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from zulipfake import FakeZulip


def _stop_and_check(server: FakeZulip) -> None:
    server.stop()
    assert server.violations == [], "OpenAPI violations:\n" + "\n".join(server.violations)


@pytest.fixture
def zulip_server() -> Iterator[FakeZulip]:
    """A started FakeZulip (2 s heartbeat, 200 requests/min); at teardown it is stopped and
    must have recorded no OpenAPI violations."""
    server = FakeZulip()
    server.start()
    yield server
    _stop_and_check(server)


@pytest.fixture
def zulip_server_factory() -> Iterator[Callable[..., FakeZulip]]:
    """Start FakeZulips with custom settings (``FakeZulip(**kwargs)``); same teardown."""
    servers: list[FakeZulip] = []

    def make(**kwargs: Any) -> FakeZulip:
        server = FakeZulip(**kwargs)
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        _stop_and_check(server)

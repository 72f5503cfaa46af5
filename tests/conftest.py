"""Shared fixtures.  ``tests/`` is on sys.path (rootdir conftest), so ``import zulipfake`` works."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from githubfake import FakeGitHub
from zulipfake import FakeZulip

from zulip_meetbot import cli


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


@pytest.fixture
def github_server() -> Iterator[FakeGitHub]:
    """A started FakeGitHub (no repositories, no tokens yet); at teardown it is stopped and must
    have seen no request that breaks GitHub's documented rules (headers, API version)."""
    server = FakeGitHub().start()
    yield server
    server.stop()
    assert server.violations == [], "GitHub API violations:\n" + "\n".join(server.violations)


@pytest.fixture
def community(zulip_server: FakeZulip) -> dict[str, Any]:
    """A stream `community` with hamlet, othello, iago (an admin), cordelia; and the bot user."""
    server = zulip_server
    people = {
        "hamlet": server.add_user("King Hamlet", delivery_email="hamlet@zulip.com"),
        "othello": server.add_user(
            "Othello, the Moor of Venice", delivery_email="othello@zulip.com"
        ),
        "iago": server.add_user("Iago", delivery_email="iago@zulip.com", role=200),
        "cordelia": server.add_user(
            "Cordelia, Lear's daughter", delivery_email="cordelia@zulip.com"
        ),
        "bot": server.add_user("Meetbot", delivery_email="meetbot-bot@zulip.example", is_bot=True),
    }
    server.add_stream(
        "community",
        subscribers=[people[name] for name in ("hamlet", "othello", "iago", "cordelia")],
    )
    return people


@pytest.fixture
def meetbot(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Callable[..., tuple[int, str, str]]:
    """`meetbot ARGS` in process, in ``tmp_path``, with ``stdin`` piped; (status, out, err)."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        status = cli.main(list(args))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run

"""Running `meetbot run` as a subprocess against the fake Zulip, and acting as people."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from zulipfake import FakeZulip

TOPIC = "community call 2030-01-02"


@dataclass
class LiveBot:
    process: subprocess.Popen[str]
    log_path: Path
    folder: Path
    user: Any

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def botrc_text(server: FakeZulip, bot: Any, chairs: str, extra: str = "") -> str:
    return (
        server.zuliprc_text(bot)
        + f"""
[meetbot]
database = meetbot.sqlite3
notes_dir = notes
chairs = {chairs}

[series:community]
title = Community Call
stream = community
topic = community call {{date}}
start = 2030-01-02 17:00
timezone = UTC
duration = 60m
video_link = https://meet.example.org/community
description = Our fortnightly call.
{extra}"""
    )


def soon_botrc(
    server: FakeZulip, bot: Any, chairs: str, seconds: int, keys: str
) -> tuple[str, datetime]:
    """The botrc of a one-off meeting ``seconds`` from now (whole seconds, UTC), with the series
    ``keys`` (botrc lines) added: the real clock plays its schedule out during the test."""
    start = (datetime.now(timezone.utc) + timedelta(seconds=seconds)).replace(microsecond=0)
    text = (
        botrc_text(server, bot, chairs)
        .replace("start = 2030-01-02 17:00", f"start = {start:%Y-%m-%d %H:%M:%S}")
        .replace("duration = 60m", f"duration = 60m\n{keys}")
    )
    return text, start


def bot_posts_in(server: FakeZulip, bot: Any, topic: str, text: str) -> list[dict[str, Any]]:
    """The bot's messages in ``topic`` of the stream `community` that hold ``text``."""
    return [
        m
        for m in server.messages_in("community", topic)
        if m["sender_id"] == bot.user_id and text in m["content"]
    ]


def write_botrc(folder: Path, text: str) -> Path:
    """The botrc, readable by its owner only, as a file holding an API key should be (else
    `meetbot run` logs a permissions warning)."""
    path = folder / "botrc"
    path.touch(mode=0o600)
    path.chmod(0o600)  # an existing file keeps its mode on touch
    path.write_text(text)
    return path


def start_bot(
    server: FakeZulip,
    folder: Path,
    bot_user: Any,
    botrc: str,
    meetbot: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> LiveBot:
    """`meetbot run` in ``folder`` (``meetbot``: the command that is meetbot, by default
    ``python -m zulip_meetbot``; ``env``: its environment)."""
    write_botrc(folder, botrc)
    log_path = folder / "meetbot.log"
    command = meetbot or [sys.executable, "-m", "zulip_meetbot"]
    with log_path.open("w") as log_file:
        # The child keeps its own copy of the file descriptor.
        process = subprocess.Popen(
            [*command, "run", "--config", "botrc"],
            cwd=folder,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
    live = LiveBot(process, log_path, folder, bot_user)
    wait_until(lambda: "listening for events" in live.log(), live, "the bot to register a queue")
    return live


def wait_until(
    condition: Callable[[], bool], live: LiveBot, what: str, timeout: float = 20.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if live.process.poll() is not None:
            raise AssertionError(f"meetbot exited ({live.process.returncode}):\n{live.log()}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; meetbot log:\n{live.log()}")


def stop_bot(live: LiveBot) -> int:
    if live.process.poll() is None:
        live.process.send_signal(signal.SIGTERM)
        try:
            return live.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            live.process.kill()
            raise
    return live.process.returncode


class Person:
    """Someone in the community, acting through their own real zulip client."""

    def __init__(self, server: FakeZulip, user: Any, bot_user: Any, live: LiveBot) -> None:
        self.server, self.user, self.bot_user, self.live = server, user, bot_user, live
        self.client = server.client(user)

    def say(self, text: str, topic: str = TOPIC, mention: str = "name") -> dict[str, Any]:
        """Post `@**Meetbot** text` in the stream and wait for the bot's answer in that topic."""
        prefix = f"@**{self.bot_user.full_name}**"
        if mention == "id":
            prefix = f"@**{self.bot_user.full_name}|{self.bot_user.user_id}**"
        sent = self.client.send_message(
            {"type": "stream", "to": "community", "topic": topic, "content": f"{prefix} {text}"}
        )
        assert sent["result"] == "success", sent
        return self.server.wait_for_message(
            lambda m: (
                m["sender_id"] == self.bot_user.user_id
                and m["id"] > sent["id"]
                and m.get("subject") == topic
            ),
            timeout=15,
        )

    def dm(self, text: str) -> dict[str, Any]:
        sent = self.client.send_message(
            {"type": "private", "to": [self.bot_user.user_id], "content": text}
        )
        assert sent["result"] == "success", sent
        return self.server.wait_for_message(
            lambda m: (
                m["sender_id"] == self.bot_user.user_id
                and m["id"] > sent["id"]
                and m["type"] == "private"
            ),
            timeout=15,
        )

    def react(self, message_id: int, emoji_name: str, **extra: str) -> None:
        result = self.client.add_reaction(
            {"message_id": message_id, "emoji_name": emoji_name, **extra}
        )
        assert result["result"] == "success", result

    def unreact(self, message_id: int, **by: str) -> None:
        result = self.client.remove_reaction({"message_id": message_id, **by})
        assert result["result"] == "success", result

"""Drive the real handler in process, through zulip_bots' own StubBotHandler.

Real parts all the way down (parser, domain, SQLite, templates); only Zulip is replaced, by the
stub zulip_bots ships for exactly this purpose. Integration tests over HTTP live elsewhere.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from zulip_bots.test_lib import StubBotHandler

from zulip_meetbot.app import make_app
from zulip_meetbot.config import Settings, load_settings
from zulip_meetbot.domain.people import Member
from zulip_meetbot.handler import MeetbotHandler
from zulip_meetbot.store import Store
from zulip_meetbot.timeutil import ManualClock

BOT_ID = 99

BOTRC = """\
[api]
email = meetbot-bot@zulip.example
key = test-key
site = http://127.0.0.1:9

[meetbot]
database = meetbot.sqlite3
notes_dir = notes
chairs = 1

[series:community]
title = Conda Community Meeting
stream = conda
topic = community call {date}
start = 2025-02-12 17:00
timezone = UTC
schedule = FREQ=WEEKLY;INTERVAL=2
duration = 60m
video_link = https://zoom.us/j/9138593505?pwd=SWh3dE1IK05LV01Qa0FJZ1ZpMzJLZz09
description = Various parts of the conda community gather on a regular basis. This meeting brings together all of these sub-communities for a community wide call.
"""


class DictDirectory:
    """The organization's members, as the runtime would learn them from GET /users."""

    def __init__(self) -> None:
        self.members: dict[int, Member] = {}
        self.outsiders: set[int] = set()  # people the series' (private) stream hides from
        self.groups: dict[str, frozenset[int]] = {}  # Zulip user groups, by name

    def member(self, user_id: int) -> Member | None:
        return self.members.get(user_id)

    def may_read_stream(self, stream: str, user_id: int) -> bool:
        return user_id not in self.outsiders

    def member_named(self, full_name: str) -> Member | None:
        wanted = full_name.casefold()
        return next((m for m in self.members.values() if m.full_name.casefold() == wanted), None)

    def member_by_email(self, email: str) -> Member | None:
        wanted = email.casefold()
        return next((m for m in self.members.values() if m.email.casefold() == wanted), None)

    def group_member_ids(self, group: str) -> frozenset[int] | None:
        return self.groups.get(group)


class Harness:
    """One bot, one database, a clock the test moves, and people who send messages."""

    def __init__(self, folder: Path, botrc: str = BOTRC, now: datetime | None = None) -> None:
        path = folder / "botrc"
        path.write_text(botrc)
        self.settings: Settings = load_settings(path)
        self.clock = ManualClock(now or datetime(2025, 2, 10, 12, 0, tzinfo=timezone.utc))
        self.directory = DictDirectory()
        self.store = Store(self.settings.database)
        self.app = make_app(self.settings, self.store, self.clock, self.directory)
        self.handler = MeetbotHandler(self.app)
        self.bot = StubBotHandler()
        self.bot.user_id = BOT_ID
        self.bot.full_name = "Meetbot"
        self._next_message_id = 1000

    def person(self, user_id: int, name: str, *, admin: bool = False, bot: bool = False) -> Member:
        member = Member(
            user_id, name, email=f"user{user_id}@zulip.example", is_admin=admin, is_bot=bot
        )
        self.directory.members[user_id] = member
        return member

    def message(
        self,
        sender: Member,
        content: str,
        *,
        stream: str | None = "conda",
        topic: str = "community call 2025-02-12",
        message_id: int | None = None,
    ) -> dict[str, Any]:
        self._next_message_id += 1
        message: dict[str, Any] = {
            "id": message_id or self._next_message_id,
            "sender_id": sender.user_id,
            "sender_full_name": sender.full_name,
            "sender_email": sender.email,
            "content": content,
        }
        if stream is None:
            message.update(
                type="private",
                subject="",
                display_recipient=[
                    {"id": BOT_ID, "email": "meetbot-bot@zulip.example", "full_name": "Meetbot"},
                    {"id": sender.user_id, "email": sender.email, "full_name": sender.full_name},
                ],
            )
        else:
            message.update(type="stream", display_recipient=stream, subject=topic)
        return message

    def say(self, sender: Member, content: str, **kwargs: Any) -> str:
        """Send ``content`` as ``sender``; returns the one reply (fails on none or several)."""
        self.bot.reset_transcript()
        self.handler.handle_message(self.message(sender, content, **kwargs), self.bot)
        return str(self.bot.unique_reply()["content"])

    def send(self, sender: Member, content: str, **kwargs: Any) -> list[tuple[str, dict[str, Any]]]:
        """Send ``content``; returns everything the bot did in answer."""
        self.bot.reset_transcript()
        self.handler.handle_message(self.message(sender, content, **kwargs), self.bot)
        return list(self.bot.transcript)

    def react(self, member: Member, message_id: int, emoji: str = "1f44b", op: str = "add") -> None:
        self.handler.handle_reaction(
            {
                "type": "reaction",
                "op": op,
                "user_id": member.user_id,
                "user": {"user_id": member.user_id, "full_name": member.full_name},
                "message_id": message_id,
                "emoji_name": "wave",
                "emoji_code": emoji,
                "reaction_type": "unicode_emoji",
            },
            self.bot,
        )

    def posted(self) -> list[dict[str, Any]]:
        """Messages the bot posted with send_message (not replies)."""
        return [message for kind, message in self.bot.transcript if kind == "send_message"]

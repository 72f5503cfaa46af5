"""The shell's pretend Zulip: its messages, reactions and people, and the bot's side of it
(the zulip_bots bot handler the handler answers through and the scheduler posts through)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zulip_meetbot.domain.people import Member

BOT_NAME = "meetbot"
BOT_ID = 99
BOT_EMAIL = "meetbot-bot@shell.invalid"
# The first person you are; the shell makes them a chair of every series.
FIRST_PERSON_ID = 1
# People made from an email (a roster's members) get ids from the email, at and above this,
# so a kept database's votes name the same person next session; named people count up below.
EMAIL_IDS = range(10_000, 1_000_000)


@dataclass(frozen=True)
class Message:
    """A message in the shell's pretend Zulip."""

    id: int
    sender_id: int
    sender_name: str
    stream: str
    topic: str
    content: str
    edited: bool = False
    # A direct message between the bot and a person: the name of whom it is to; "" in a stream.
    direct_to: str = ""


@dataclass(frozen=True)
class Reaction:
    """One person's emoji on one message; Zulip allows each once."""

    message_id: int
    user_id: int
    emoji_code: str


def emoji(text: str) -> tuple[str, str]:
    """(name, code) of an emoji typed as ``👋``, ``wave`` or ``:wave:``."""
    text = text.strip()
    if text and not text.isascii():
        # Zulip's code for a Unicode emoji: its code points in hex, without variation selectors.
        return text, "-".join(f"{ord(c):x}" for c in text if c != "\ufe0f")
    # Without Zulip's emoji table the name stands for the code: attendance only compares codes.
    name = text.strip(":") or "wave"
    return name, name


class People:
    """The shell's people, by name; user ids count up from 1. The handler's directory.

    The shell's Zulip knows everyone: a name (`/as NAME`) or an email (a roster's member, or
    `/as EMAIL`) makes a person. ``listed`` are the botrc's roster members (emails as written,
    user ids) with the name a roster file gives them ("" when none): an email becomes a
    person of that name, else of its local part; a listed user id a person of that id.
    Zulip user groups the shell has none of.
    """

    def __init__(
        self, known: Iterable[tuple[int, str]] = (), listed: Mapping[str | int, str] | None = None
    ) -> None:
        self._by_id: dict[int, Member] = {}
        self._listed = {
            member.casefold() if isinstance(member, str) else member: name
            for member, name in (listed or {}).items()
        }
        for user_id, name in known:  # a kept database's people keep their ids
            self._by_id[user_id] = self._member(user_id, name)
        # Roster members by email exist from the start, as in Zulip: a vote's posts name them
        # even in a later session where they have not spoken yet.
        for member in self._listed:
            if isinstance(member, str):
                self.member_by_email(member)

    def member(self, user_id: int) -> Member | None:
        known = self._by_id.get(user_id)
        if known is None and user_id in self._listed:
            # A roster lists them by id: in the shell, ids are the shell's.
            known = self._by_id[user_id] = self._member(
                user_id, self._listed[user_id] or f"user {user_id}"
            )
        return known

    def member_named(self, full_name: str) -> Member | None:
        """The person called ``full_name``, ignoring case (how @-mentions are resolved)."""
        wanted = full_name.casefold()
        return next((m for m in self._by_id.values() if m.full_name.casefold() == wanted), None)

    def may_read_stream(self, stream: str, user_id: int) -> bool:
        return True  # the shell has no private streams

    def member_by_email(self, email: str) -> Member | None:
        """The person with ``email`` (any case), made if nobody has it: the person a roster or
        the email itself names, who keeps the same id in every session."""
        wanted = email.strip().casefold()
        if "@" not in wanted:
            return None
        known = next((m for m in self._by_id.values() if m.email.casefold() == wanted), None)
        if known is not None:
            return known
        name = self._listed.get(wanted) or wanted.split("@")[0]
        user_id = self._email_id(wanted)
        # A kept database knows people by id and name only; `/as NAME` may have made them.
        same = self._by_id.get(user_id) or self.member_named(name)
        if same is not None and same.email.endswith("@shell.invalid"):
            user_id, name = same.user_id, same.full_name
        member = replace(self._member(user_id, name), email=email.strip())
        self._by_id[user_id] = member
        return member

    def group_member_ids(self, group: str) -> frozenset[int] | None:
        return None  # the shell has no Zulip user groups

    def named(self, name: str, first: bool = False) -> Member:
        """The person called ``name`` (any case), made a new person if nobody is; the
        ``first`` person of a session chairs, so takes the chair's id if nobody has it."""
        known = self.member_named(name)
        if known is not None:
            return known
        if first and FIRST_PERSON_ID not in self._by_id:
            user_id = FIRST_PERSON_ID
        else:
            counted = [i for i in self._by_id if i not in EMAIL_IDS]
            user_id = max(counted, default=FIRST_PERSON_ID - 1) + 1
        member = self._member(user_id, name)
        self._by_id[user_id] = member
        return member

    def _email_id(self, email: str) -> int:
        """The id ``email`` always gets (its CRC-32 in EMAIL_IDS; the next on a clash). A
        person there with a shell address is a kept database's: this email's, by that id."""
        user_id = EMAIL_IDS.start + zlib.crc32(email.encode()) % len(EMAIL_IDS)
        while (taken := self._by_id.get(user_id)) is not None and taken.email.casefold() != email:
            if taken.email.endswith("@shell.invalid"):
                break
            user_id = user_id + 1 if user_id + 1 in EMAIL_IDS else EMAIL_IDS.start
        return user_id

    @staticmethod
    def _member(user_id: int, name: str) -> Member:
        # Imported here for the same reason as in open_session: people.py loads SQLAlchemy.
        from zulip_meetbot.domain.people import Member

        address = re.sub(r"[^a-z0-9]+", ".", name.casefold()).strip(".") or f"user{user_id}"
        return Member(user_id, name, email=f"{address}@shell.invalid")


@dataclass
class TerminalZulip:
    """The shell's Zulip: every message by id, and the bot's side (zulip_bots' bot handler)."""

    last_id: int = 0
    # The newest message id of earlier sessions (on a kept database): those are forgotten.
    earlier_upto: int = 0
    user_id: int = BOT_ID
    full_name: str = BOT_NAME
    email: str = BOT_EMAIL
    messages: dict[int, Message] = field(default_factory=dict)
    unprinted: list[Message] = field(default_factory=list)
    # Who a direct message from the bot (a personal reminder) is to, by user id.
    people: People | None = None

    def post(
        self, sender: Member | None, stream: str, topic: str, content: str, direct_to: str = ""
    ) -> Message:
        """Store a new message (None: the bot's) under the next id; with ``direct_to``, a
        direct message to that person (no stream or topic)."""
        self.last_id += 1
        sender_id, name = (sender.user_id, sender.full_name) if sender else (BOT_ID, BOT_NAME)
        message = Message(self.last_id, sender_id, name, stream, topic, content, False, direct_to)
        self.messages[message.id] = message
        return message

    def send_message(self, message: dict[str, Any]) -> dict[str, Any]:
        if message.get("type") in ("direct", "private"):
            return self._send_direct(message)
        if message.get("type") != "stream":
            return {"result": "error", "msg": "Invalid message type"}
        topic = str(message.get("topic") or message.get("subject") or "")
        posted = self.post(None, str(message["to"]), topic, str(message["content"]))
        self.unprinted.append(posted)
        return {"result": "success", "id": posted.id, "msg": ""}

    def _send_direct(self, message: dict[str, Any]) -> dict[str, Any]:
        """A direct message from the bot to one person (a personal reminder), by user id."""
        to = message.get("to")
        known = self.people.member(to[0]) if self.people and isinstance(to, list) else None
        if known is None or len(to or []) != 1:
            return {"result": "error", "msg": f"Invalid user ID {to}"}
        posted = self.post(None, "", "", str(message["content"]), known.full_name)
        self.unprinted.append(posted)
        return {"result": "success", "id": posted.id, "msg": ""}

    def update_message(self, message: dict[str, Any]) -> dict[str, Any]:
        """Change the content of one of the bot's messages, shown again as edited."""
        message_id = int(message.get("message_id") or 0)
        found = self.messages.get(message_id)
        if found is None and 0 < message_id <= self.earlier_upto:
            return {
                "result": "error",
                "msg": f"message {message_id} is from an earlier shell session, which the "
                "shell's Zulip does not keep",
            }
        if found is None or found.sender_id != BOT_ID:
            return {"result": "error", "msg": "Invalid message(s)"}
        edited = replace(found, content=str(message.get("content", found.content)), edited=True)
        self.messages[edited.id] = edited
        self.unprinted.append(edited)
        return {"result": "success", "msg": ""}

    def send_reply(self, message: dict[str, Any], response: str) -> dict[str, Any]:
        if message.get("type") == "private":
            # Zulip answers a direct message in the same conversation: to its sender.
            posted = self.post(None, "", "", response, str(message["sender_full_name"]))
            self.unprinted.append(posted)
            return {"result": "success", "id": posted.id, "msg": ""}
        return self.send_message(
            {
                "type": "stream",
                "to": message["display_recipient"],
                "topic": message.get("subject", ""),
                "content": response,
            }
        )

    def get_config_info(self, bot_name: str, optional: bool = False) -> dict[str, str]:
        return {}

    def take_unprinted(self) -> list[Message]:
        taken, self.unprinted = self.unprinted, []
        return taken

"""What the bot missed while it was down or its event queue was gone, read back from Zulip.

Commands: the mentions of the bot and the direct messages to it (GET /messages, two narrows),
newer than the last message handled and no older than the ``catch_up`` window. Reactions: those
now on an attendance message, an open quick vote's message, or a reminder of a meeting to come
(its 👎 are regrets): all of them the bot's own posts, read together in pages of the bot's own
messages (GET /messages narrowed to the bot as sender), at most ``MAX_READ_BACK_PAGES`` requests
however many series and meetings are open.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import zulip

log = logging.getLogger(__name__)

# The mentions of the bot, and the direct messages it is part of. `is:dm` needs Zulip 7
# (feature level 177); older servers call it `is:private`.
MISSED_NARROWS: tuple[list[dict[str, str]], ...] = (
    [{"operator": "is", "operand": "mentioned"}],
    [{"operator": "is", "operand": "dm"}],
)
PAGE_SIZE = 200
# The bot's own messages read per request when reading reactions back (Zulip advises at most
# 1,000), and the most requests that reading makes: 20,000 of the bot's posts, weeks of them for
# a thousand weekly series. A message older than that is left as it is, and said so in the log.
READ_BACK_PAGE = 1000
MAX_READ_BACK_PAGES = 20


class CatchUpFailed(Exception):
    """Zulip would not list the messages (after the client's retries)."""


def missed_messages(
    client: zulip.Client, after_id: int | None, upto_id: int, since: float
) -> list[dict[str, Any]]:
    """Mentions of and DMs to the bot with ``after_id < id <= upto_id``, sent at or after
    ``since`` (epoch seconds), oldest first; each carries the bot's ``flags``."""
    found: dict[int, dict[str, Any]] = {}
    for narrow in MISSED_NARROWS:
        for message in _newest_first(client, narrow, upto_id):
            if message["id"] <= (after_id or 0) or message.get("timestamp", 0) < since:
                break
            found[message["id"]] = message
    return [found[message_id] for message_id in sorted(found)]


def _newest_first(
    client: zulip.Client, narrow: list[dict[str, str]], upto_id: int
) -> Iterator[dict[str, Any]]:
    """The narrow's messages from ``upto_id`` down, a page at a time."""
    anchor, include_anchor = upto_id, True
    while True:
        answer = client.get_messages(
            {
                "anchor": anchor,
                "include_anchor": include_anchor,
                "num_before": PAGE_SIZE,
                "num_after": 0,
                "narrow": narrow,
                "apply_markdown": False,  # the commands as typed, not rendered HTML
            }
        )
        if answer.get("result") != "success":
            raise CatchUpFailed(str(answer.get("msg")))
        messages = [m for m in answer.get("messages", []) if m["id"] <= upto_id]
        yield from reversed(messages)
        if not messages or answer.get("found_oldest"):
            return
        anchor, include_anchor = messages[0]["id"], False


def reactions_on_own_messages(
    client: zulip.Client, bot_id: int, message_ids: Iterable[int]
) -> dict[int, list[dict[str, Any]]]:
    """The reactions now on each of the bot's own messages ``message_ids``, by id; a message
    Zulip would not show (deleted, a failed request, past the page cap) is left out.

    Oldest first: each page starts at the oldest wanted message not yet seen and holds the bot's
    next ``READ_BACK_PAGE`` posts, so messages far apart cost a page each, close ones share one.
    """
    asked = set(message_ids)
    wanted = sorted(asked)
    found: dict[int, list[dict[str, Any]]] = {}
    narrow = [{"operator": "sender", "operand": bot_id}]
    pages = 0
    while wanted and pages < MAX_READ_BACK_PAGES:
        answer = client.get_messages(
            {
                "anchor": wanted[0],
                "include_anchor": True,
                "num_before": 0,
                "num_after": READ_BACK_PAGE,
                "narrow": narrow,
                "apply_markdown": False,
            }
        )
        pages += 1
        if answer.get("result") != "success":
            log.warning("could not read back the bot's messages: %s", answer.get("msg"))
            return found
        messages = list(answer.get("messages", []))
        for message in messages:
            if int(message["id"]) in asked:
                found[int(message["id"])] = list(message.get("reactions", []))
        if not messages or answer.get("found_newest"):
            return found
        # The anchor itself may be gone (deleted): it is past, whether it was found or not.
        last = max(int(m["id"]) for m in messages)
        wanted = [i for i in wanted if i > last]
    if wanted:
        log.warning(
            "reactions not read back on %d of the bot's older messages (more than %d requests)",
            len(wanted),
            MAX_READ_BACK_PAGES,
        )
    return found


def message_by_id(client: zulip.Client, message_id: int) -> dict[str, Any] | None:
    """One message as the bot sees it (raw Markdown, with its flags), or None."""
    answer = client.call_endpoint(
        url=f"messages/{message_id}", method="GET", request={"apply_markdown": False}
    )
    if answer.get("result") != "success":
        log.warning("could not read message %d: %s", message_id, answer.get("msg"))
        return None
    return dict(answer["message"])

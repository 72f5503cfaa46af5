"""How Zulip markdown reads in a terminal: global times in your zone, plain mentions and
stream links, emoji as typed, and the bot's posts with their message ids."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from zulip_meetbot.terminal.pretend_zulip import Message
from zulip_meetbot.views import outside_code_spans, plain_stream_links

_GLOBAL_TIME = re.compile(r"<time:([^>]+)>")
# Zulip markdown that reads badly in a terminal: mentions and stream/topic links.
_USER_MENTION = re.compile(r"@_?\*\*([^*|]+)(?:\|\d+)?\*\*")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_INDENT = "    "


def local_time_text(instant: datetime, zone: tzinfo | None) -> str:
    """``instant`` in ``zone`` (None: this machine's zone): ``Wed 12 Feb 2025, 18:00 CET``."""
    local = instant.astimezone(zone) if zone is not None else instant.astimezone()
    abbreviation = local.tzname() or ""
    if abbreviation[:1] in "+-":
        abbreviation = f"UTC{abbreviation}"
    day = f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}"
    return f"{day}, {local:%H:%M} {abbreviation}".rstrip()


def terminal_text(text: str, zone: tzinfo | None) -> str:
    """Zulip markdown as the terminal shows it: times in ``zone``, plain mentions and links,
    except in code spans, which show what to type (`here @**NAME**`)."""
    plain = outside_code_spans(
        text, lambda part: plain_stream_links(_USER_MENTION.sub(r"@\1", part))
    )
    return local_times(plain, zone)


def local_times(text: str, zone: tzinfo | None) -> str:
    """``text`` with each Zulip global time ``<time:ISO>`` written out in ``zone``."""

    def written(match: re.Match[str]) -> str:
        try:
            instant = datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
        except ValueError:
            return match.group(0)
        if instant.tzinfo is None:
            return match.group(0)
        return local_time_text(instant, zone)

    return _GLOBAL_TIME.sub(written, text)


def emoji_shown(name: str) -> str:
    """An emoji as Zulip users write it: the character itself, or ``:name:``."""
    return name if not name.isascii() else f":{name}:"


def format_post(message: Message, here: tuple[str, str], zone: tzinfo | None) -> str:
    """How the bot's post reads in the terminal: id, where if not here, then the text."""
    where = ""
    if (message.stream.casefold(), message.topic) != (here[0].casefold(), here[1]):
        where = f" in #{message.stream} > {message.topic}"
    lines = terminal_text(message.content, zone).splitlines() or [""]
    head = f"{message.sender_name} (message {message.id}){where}:"
    if len(lines) == 1 and not where:
        return f"{head} {lines[0]}"
    return "\n".join([head, *(_INDENT + line if line else "" for line in lines)])

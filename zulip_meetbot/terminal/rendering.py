"""How Zulip markdown reads in a terminal: global times in your zone, plain mentions and
stream links, emoji as typed, and the bot's posts with their message ids."""

from __future__ import annotations

from datetime import tzinfo

from zulip_meetbot.markup import global_times, terminal_plain
from zulip_meetbot.terminal.pretend_zulip import Message
from zulip_meetbot.timeutil import zone_time_text

_INDENT = "    "


def terminal_text(text: str, zone: tzinfo | None) -> str:
    """Zulip markdown as the terminal shows it: times in ``zone``, plain mentions and links,
    except in code spans, which show what to type (`here @**NAME**`)."""
    return local_times(terminal_plain(text), zone)


def local_times(text: str, zone: tzinfo | None) -> str:
    """``text`` with each Zulip global time ``<time:ISO>`` written out in ``zone``."""
    return global_times(text, lambda instant: zone_time_text(instant, zone))


def emoji_shown(name: str) -> str:
    """An emoji as Zulip users write it: the character itself, or ``:name:``."""
    return name if not name.isascii() else f":{name}:"


def format_post(message: Message, here: tuple[str, str], zone: tzinfo | None) -> str:
    """How the bot's post reads in the terminal: id, where if not here (a direct message says
    so), then the text."""
    direct = f", direct message to {message.direct_to}" if message.direct_to else ""
    where = ""
    if not direct and (message.stream.casefold(), message.topic) != (here[0].casefold(), here[1]):
        where = f" in #{message.stream} > {message.topic}"
    lines = terminal_text(message.content, zone).splitlines() or [""]
    edited = ", edited" if message.edited else ""
    head = f"{message.sender_name} (message {message.id}{edited}{direct}){where}:"
    if len(lines) == 1 and not where:
        return f"{head} {lines[0]}"
    return "\n".join([head, *(_INDENT + line if line else "" for line in lines)])

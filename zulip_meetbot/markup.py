"""Zulip's markup, read and written in one place: mentions, silencing, global times, stream
links, code spans and the length of a message.

A leaf: it imports nothing of the package, so the parser, the domain, views, notes, the sender
and the terminal can all use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

__all__ = [
    "LEADING_MENTION",
    "MAX_MESSAGE_LENGTH",
    "Mention",
    "global_time",
    "global_times",
    "mention_of",
    "mentions",
    "outside_code_spans",
    "plain_mentions",
    "plain_stream_links",
    "silenced",
    "silent_mention",
    "stream_link",
    "stream_name",
    "terminal_plain",
    "typed_bot_mention",
    "without_owner_mentions",
]

# Zulip cuts a longer message, marking it "[message truncated]" (its MAX_MESSAGE_LENGTH; it
# keeps this much of one in zerver/lib/message.py normalize_body).
MAX_MESSAGE_LENGTH = 10_000

# --- mentions -------------------------------------------------------------------------------
# Zulip writes a user mention `@**Name**` or `@**Name|12**`, silent `@_**Name|12**`, and a group
# mention `@*team*` / `@_*team*`. Three readers of user mentions differ on purpose at the edges
# (a `|` in a name, a line break inside, a word just before the `@`); each keeps the answers
# it has always given, so replies, notes and the terminal read the same text as before.

# Who is mentioned, to make them owners or mark them present: the name stops at `|`, which
# starts the id, and the mention starts a word (`me@**x**` names nobody).
_MENTION = re.compile(r"(?<!\w)@(_?)\*\*([^*|]+?)(?:\|(\d+))?\*\*")
# The notes write a mention as `@Name`: a name may hold a `|` (only a last `|digits` is an
# id), and a mention never runs over a line break, so a paragraph's lines stay apart.
_NOTES_USER_MENTION = re.compile(r"(?<!\w)@_?\*\*([^*\n]+?)(?:\|\d+)?\*\*")
_NOTES_GROUP_MENTION = re.compile(r"(?<!\w)@_?\*([^*\n]+)\*")
# The terminal shows the bot's posts, whose echoed text is silenced wherever an `@` stands
# (`x@_**y**`), so it reads a mention after a word too; a name with a `|` stays as typed.
_TERMINAL_USER_MENTION = re.compile(r"@_?\*\*([^*|]+)(?:\|\d+)?\*\*")
# `@**Name**`, `@**all**` and `@*group*` notify people; typed by a user and repeated by the bot
# (replies, reminders, summaries) they would notify everyone again each time.
_LOUD_MENTION = re.compile(r"@(\*{1,2})(?=[^*\s])")
# What may stand between the mentions an action opens with, and after them.
_BETWEEN_MENTIONS = re.compile(r"(?:[\s,;:&]|\band\b)*")

# A message that opens by mentioning someone, as Zulip's composer writes it (`@**meetbot**`,
# `@**meetbot|99**`): the runtime reads whether that someone is the bot. Any name up to the
# first `**`, since the bot's own full name is what it is compared with.
LEADING_MENTION = re.compile(r"\s*@\*\*(.+?)(?:\|(\d+))?\*\*")


@dataclass(frozen=True)
class Mention:
    """A person named in text: by a mention's name, and its id when the mention carries one."""

    name: str
    user_id: int | None


def mentions(text: str) -> list[Mention]:
    """The people an action's text mentions (silent mentions left out), in order, each once."""
    found: dict[tuple[str, int | None], Mention] = {}
    for match in _MENTION.finditer(text):
        if not match.group(1):
            found.setdefault(_key(match), _mention(match))
    return list(found.values())


def mention_of(text: str) -> Mention | None:
    """``text`` as one mention, silent or not (`here @**Name**`), or a name typed with a bare
    `@` as one means to mention (`here @othello`); None when it is not one."""
    text = text.strip()
    match = _MENTION.fullmatch(text)
    if match is not None:
        return _mention(match)
    bare = text[1:].strip() if text.startswith("@") else ""
    return Mention(bare, None) if bare and "*" not in bare else None


def without_owner_mentions(text: str, owners: Sequence[str]) -> str:
    """``text`` as shown beside its ``owners``' names: the mentions it opens with (`@**A**
    @**B**`, `@**A**, @**B**:`, `@**A** and @**B**`) are dropped when they name exactly its
    owners (none for an unowned action); mentions further on, or a text of nothing else, stay."""
    names: set[str] = set()
    end = len(text) - len(text.lstrip())
    while match := _MENTION.match(text, end):
        names.add(match.group(2).strip().casefold())
        between = _BETWEEN_MENTIONS.match(text, match.end())
        end = between.end() if between else match.end()
    rest = text[end:]
    if not rest or names != {owner.casefold() for owner in owners}:
        return text
    return rest


def _key(match: re.Match[str]) -> tuple[str, int | None]:
    return match.group(2), int(match.group(3)) if match.group(3) else None


def _mention(match: re.Match[str]) -> Mention:
    name, user_id = _key(match)
    return Mention(name.strip(), user_id)


def silenced(text: str) -> str:
    """``text`` with its mentions (of people, everyone and groups) made silent: they name
    without notifying."""
    # Most text mentions nobody; the regex would only find that out more slowly.
    return _LOUD_MENTION.sub(r"@_\1", text) if "@" in text else text


def silent_mention(name: str, user_id: int) -> str:
    """A silent mention of a person: it names them without notifying them."""
    return f"@_**{name}|{user_id}**"


def plain_mentions(text: str) -> str:
    """Text with Zulip mentions and stream links as a reader outside Zulip reads them
    (``@**Name|12**`` → ``@Name``, ``@*team*`` → ``@team``), as the notes write them."""
    text = _NOTES_USER_MENTION.sub(r"@\1", text)
    return plain_stream_links(_NOTES_GROUP_MENTION.sub(r"@\1", text))


def terminal_plain(text: str) -> str:
    """The bot's post with user mentions and stream links plain, as the terminal shows it,
    except in code spans, which show what to type (`here @**NAME**`)."""
    return outside_code_spans(
        text, lambda part: plain_stream_links(_TERMINAL_USER_MENTION.sub(r"@\1", part))
    )


def typed_bot_mention(name: str, user_id: int) -> re.Pattern[str]:
    """A line's opening mention of the bot as a person types it in the terminal: Zulip's
    ``@**name**`` or ``@**name|id**``, or a plain ``@name`` for typing ease; then ``:`` or ``,``."""
    return re.compile(rf"\s*@(?:\*\*{name}(?:\|{user_id})?\*\*|{name}\b)[:,]?", re.IGNORECASE)


# --- global times ---------------------------------------------------------------------------

_GLOBAL_TIME = re.compile(r"<time:([^>]+)>")


def global_time(instant: datetime) -> str:
    """Zulip's global time syntax, which every reader sees in their own zone."""
    # A naive instant is a bug upstream: guessing its zone would hide it.
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {instant.isoformat()}")
    utc = instant.astimezone(timezone.utc).replace(microsecond=0)
    return f"<time:{utc.isoformat()}>"


def global_times(text: str, written: Callable[[datetime], str]) -> str:
    """``text`` with each Zulip global time ``<time:ISO>`` replaced by ``written(instant)``;
    one that names no aware instant stays as it is."""

    def replaced(match: re.Match[str]) -> str:
        try:
            instant = datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
        except ValueError:
            return match.group(0)
        if instant.tzinfo is None:
            return match.group(0)
        return written(instant)

    return _GLOBAL_TIME.sub(replaced, text)


# --- streams --------------------------------------------------------------------------------

# A link to a stream or to one of its topics, as the bot writes them.
_STREAM_LINK = re.compile(r"#\*\*([^*>]+)(>[^*]+)?\*\*")
# A stream named in the botrc, as Zulip writes one in a message: #stream and #**stream**. All
# between the stars is the name: a botrc names a stream, never a topic.
_STREAM_NAME = re.compile(r"#\*\*(.*?)\*\*|#(.*)")


def stream_link(stream: str, topic: str | None = None) -> str:
    """Zulip's link to ``stream``, or to ``topic`` in it: ``#**general>topic**``."""
    return f"#**{stream}>{topic}**" if topic is not None else f"#**{stream}**"


def narrow_url(site: str, stream: str, topic: str) -> str:
    """The web address of ``topic`` in ``stream`` on the Zulip at ``site``, as Zulip's own
    links spell it (each part percent-encoded, then ``%`` written ``.``)."""

    def part(text: str) -> str:
        return quote(text, safe="").replace(".", "%2E").replace("%", ".")

    return f"{site.rstrip('/')}/#narrow/channel/{part(stream)}/topic/{part(topic)}"


def plain_stream_links(text: str) -> str:
    """Zulip's stream links as a reader outside Zulip reads them: ``#**general>topic**`` →
    ``#general > topic``."""
    return _STREAM_LINK.sub(_plain_stream_link, text) if "#**" in text else text


def _plain_stream_link(match: re.Match[str]) -> str:
    topic = match.group(2)
    return f"#{match.group(1)} > {topic[1:]}" if topic else f"#{match.group(1)}"


def stream_name(text: str) -> str:
    """The stream of ``#community`` or ``#**community**`` (as Zulip writes one): ``community``."""
    mention = _STREAM_NAME.fullmatch(text.strip())
    if mention is None:
        return text.strip()
    return next(name for name in mention.groups() if name is not None).strip()


# --- code spans -----------------------------------------------------------------------------

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)


def outside_code_spans(text: str, change: Callable[[str], str]) -> str:
    """``text`` with ``change`` applied to all but its code spans, which show what is typed."""
    shown: list[str] = []
    done = 0
    for span in [*_CODE_SPAN.finditer(text), None]:
        shown.append(change(text[done : span.start() if span else len(text)]))
        shown.append(span.group(0) if span else "")
        done = span.end() if span else len(text)
    return "".join(shown)

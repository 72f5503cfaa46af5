"""A minimal stand-in for Zulip's Markdown processor.

It covers what a bot's messages and the tests need and matches the real server's HTML for
those pieces (recorded/44-get_message_rendered.json): user mentions (normal, ``|id``, silent,
wildcards), global times ``<time:...>``, channel links ``#**channel**``, inline code, fenced
code blocks, bold, links, bullet lists and paragraphs.  It also extracts who a message mentions,
which decides delivery and flags.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

STREAM_WILDCARDS = frozenset({"all", "everyone", "stream", "channel"})
TOPIC_WILDCARD = "topic"

# @**Name**, @**Name|12**, @_**Name** (silent); Zulip's mention syntax.
_MENTION = re.compile(r"@(?P<silent>_?)\*\*(?P<body>[^*\n]+?)\*\*")
_TIME = re.compile(r"<time:(?P<when>[^>\n]+)>")
_STREAM_LINK = re.compile(r"#\*\*(?P<body>[^*\n]+?)\*\*")
_INLINE_CODE = re.compile(r"`(?P<code>[^`\n]+)`")
_BOLD = re.compile(r"\*\*(?P<text>[^*\n]+?)\*\*")
_LINK = re.compile(r"\[(?P<text>[^\]\n]+)\]\((?P<url>[^)\s]+)\)")
_FENCE = re.compile(r"^```[^\n]*\n(?P<code>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_BULLET = re.compile(r"^[*-] +(?P<item>.*)$")


@dataclass
class Mentions:
    user_ids: set[int] = field(default_factory=set)  # non-silent user mentions
    stream_wildcard: bool = False
    topic_wildcard: bool = False


@dataclass
class RenderContext:
    """What rendering needs to know about the realm (callbacks into the server state)."""

    user_by_name: Callable[[str], Any | None]  # -> object with user_id, full_name
    user_by_id: Callable[[int], Any | None]
    stream_by_name: Callable[[str], Any | None]  # -> object with stream_id, name
    realm_url: str = ""


def _resolve_user(body: str, realm: RenderContext) -> Any | None:
    """The user a mention body names: "Full Name" or "Full Name|id" (the id wins)."""
    name, sep, raw_id = body.rpartition("|")
    if sep and raw_id.isdigit():
        user = realm.user_by_id(int(raw_id))
        if user is None or (name and name.lower() != user.full_name.lower()):
            return None
        return user
    return realm.user_by_name(body)


def _without_code(content: str) -> str:
    return _INLINE_CODE.sub("", _FENCE.sub("", content))


def find_mentions(content: str, realm: RenderContext) -> Mentions:
    """Who ``content`` mentions, ignoring silent mentions and anything inside code."""
    found = Mentions()
    for match in _MENTION.finditer(_without_code(content)):
        if match["silent"]:
            continue
        body = match["body"]
        if body in STREAM_WILDCARDS:
            found.stream_wildcard = True
        elif body == TOPIC_WILDCARD:
            found.topic_wildcard = True
        else:
            user = _resolve_user(body, realm)
            if user is not None:
                found.user_ids.add(user.user_id)
    return found


def hash_encode(text: str) -> str:
    """Zulip's URL fragment encoding (web/src/hash_util.ts encodeHashComponent)."""
    quoted = urllib.parse.quote(text, safe="!~*'()")
    return re.sub(r"[%().]", lambda m: "." if m[0] == "%" else f".{ord(m[0]):X}", quoted)


def narrow_url(realm_url: str, stream_id: int, stream_name: str, topic: str | None = None) -> str:
    url = f"{realm_url}/#narrow/channel/{stream_id}-{hash_encode(stream_name)}"
    if topic is not None:
        url += f"/topic/{hash_encode(topic)}"
    return url


def _render_time(match: re.Match[str]) -> str:
    when = match["when"]
    try:
        parsed = datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        return f'<span class="timestamp-error">Invalid time format: {html.escape(when)}</span>'
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    stamp = parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f'<time datetime="{stamp}">{html.escape(when)}</time>'


def _render_mention(match: re.Match[str], realm: RenderContext) -> str:
    silent = bool(match["silent"])
    body = match["body"]
    at = "" if silent else "@"
    css = "user-mention silent" if silent else "user-mention"
    if body in STREAM_WILDCARDS:
        return f'<span class="{css} channel-wildcard-mention" data-user-id="*">{at}{body}</span>'
    if body == TOPIC_WILDCARD:
        topic_css = "topic-mention silent" if silent else "topic-mention"
        return f'<span class="{topic_css}">{at}{body}</span>'
    user = _resolve_user(body, realm)
    if user is None:
        return html.escape(match[0], quote=False)
    name = html.escape(user.full_name, quote=False)
    return f'<span class="{css}" data-user-id="{user.user_id}">{at}{name}</span>'


def _render_stream_link(match: re.Match[str], realm: RenderContext) -> str:
    name, sep, topic = match["body"].partition(">")
    stream = realm.stream_by_name(name)
    if stream is None:
        return html.escape(match[0], quote=False)
    if not sep:
        href = narrow_url("", stream.stream_id, stream.name)
        label = html.escape(f"#{stream.name}", quote=False)
        return f'<a class="stream" data-stream-id="{stream.stream_id}" href="{href}">{label}</a>'
    href = narrow_url("", stream.stream_id, stream.name, topic)
    label = html.escape(f"#{stream.name} > {topic}", quote=False)
    return f'<a class="stream-topic" data-stream-id="{stream.stream_id}" href="{href}">{label}</a>'


def _render_inline(text: str, realm: RenderContext) -> str:
    """Render one line-ish chunk: code spans are literal, the rest gets inline syntax."""
    out: list[str] = []
    pos = 0
    for code in _INLINE_CODE.finditer(text):
        out.append(_render_plain(text[pos : code.start()], realm))
        out.append(f"<code>{html.escape(code['code'], quote=False)}</code>")
        pos = code.end()
    out.append(_render_plain(text[pos:], realm))
    return "".join(out)


# Any of the inline constructs that need the realm, in one pass (leftmost wins).
_TOKEN = re.compile(r"<time:[^>\n]+>|@_?\*\*[^*\n]+?\*\*|#\*\*[^*\n]+?\*\*")


def _render_token(token: str, realm: RenderContext) -> str:
    if token.startswith("<time:"):
        return _render_time(_fullmatch(_TIME, token))
    if token.startswith("@"):
        return _render_mention(_fullmatch(_MENTION, token), realm)
    return _render_stream_link(_fullmatch(_STREAM_LINK, token), realm)


def _fullmatch(pattern: re.Pattern[str], token: str) -> re.Match[str]:
    match = pattern.fullmatch(token)
    assert match is not None
    return match


def _render_plain(text: str, realm: RenderContext) -> str:
    out: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        out.append(_render_markup(text[pos : match.start()]))
        out.append(_render_token(match[0], realm))
        pos = match.end()
    out.append(_render_markup(text[pos:]))
    return "".join(out)


def _render_markup(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = _LINK.sub(lambda m: f'<a href="{m["url"]}">{m["text"]}</a>', escaped)
    return _BOLD.sub(lambda m: f"<strong>{m['text']}</strong>", escaped)


def _render_blocks(text: str, realm: RenderContext) -> list[str]:
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            lines = [_render_inline(line, realm) for line in paragraph]
            blocks.append("<p>" + "<br>\n".join(lines) + "</p>")
            paragraph.clear()
        if items:
            lis = "\n".join(f"<li>{_render_inline(item, realm)}</li>" for item in items)
            blocks.append(f"<ul>\n{lis}\n</ul>")
            items.clear()

    for line in text.split("\n"):
        bullet = _BULLET.match(line)
        if not line.strip():
            flush()
        elif bullet:
            if paragraph:
                flush()
            items.append(bullet["item"])
        else:
            if items:
                flush()
            paragraph.append(line)
    flush()
    return blocks


def render(content: str, realm: RenderContext) -> str:
    """HTML for a message's Markdown ``content``."""
    blocks: list[str] = []
    pos = 0
    for fence in _FENCE.finditer(content):
        blocks.extend(_render_blocks(content[pos : fence.start()], realm))
        code = html.escape(fence["code"], quote=False)
        blocks.append(f'<div class="codehilite"><pre><span></span><code>{code}</code></pre></div>')
        pos = fence.end()
    blocks.extend(_render_blocks(content[pos:], realm))
    return "\n".join(blocks)


def render_without_realm(value: str) -> str:
    """HTML for text outside messages (profile fields, channel descriptions): no mentions."""
    nobody = RenderContext(lambda _n: None, lambda _i: None, lambda _n: None)
    return render(value, nobody)

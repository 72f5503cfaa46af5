"""Property-based tests: whatever people type or Zulip sends, nothing escapes the handler,
every command gets exactly one answer, and the notes file keeps its structure."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from harness import BOTRC, Harness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zulip_meetbot.config import ConfigError, parse_settings
from zulip_meetbot.views import internal_error
from zulip_meetbot.zulip.runtime import ZulipBotHandler, command_text

VERBS = [
    "help", "agenda", "agenda add", "agenda sub", "agenda edit", "agenda remove", "agenda move",
    "agenda done", "agenda defer", "start", "here", "note", "item", "agreed", "action",
    "action done", "action reopen", "action edit", "action remove", "note edit", "note remove",
    "agreed edit", "agreed remove", "undo", "end", "profile", "profile initials",
    "profile github", "next",
    "skip", "reschedule", "community:", "frobnicate",
]  # fmt: skip
ARGUMENTS = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["1", "1.1", "2", "99", "0", "-1", "1.2.3.4.5.6.7", "+1d", "2025-02-26"]),
    st.text(alphabet="|#-*`@_<>[]()!\n\r\t ", max_size=30),
)
COMMANDS = st.builds(lambda verb, args: f"{verb} {' '.join(args)}", st.sampled_from(VERBS),
                     st.lists(ARGUMENTS, max_size=3))  # fmt: skip
PEOPLE = st.sampled_from([1, 2, 3, 11])
FAST = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def bot() -> Harness:
    folder = Path(tempfile.mkdtemp(prefix="meetbot-props-"))
    harness = Harness(folder)
    harness.person(1, "Jaime Chair")
    harness.person(2, "Wolf Vollprecht")
    harness.person(3, "Cheng H. Lee")
    harness.person(11, "Iago Admin", admin=True)
    harness.handler._flood.per_minute = 10**9  # this test floods on purpose
    return harness


@FAST
@given(sender=PEOPLE, text=COMMANDS, in_dm=st.booleans())
def test_every_command_is_answered_once_and_never_with_an_internal_error(
    bot: Harness, sender: int, text: str, in_dm: bool
) -> None:
    member = bot.directory.members[sender]
    done = bot.send(member, text, stream=None if in_dm else "conda")
    # The answer is a reply, or (`start`, `end` in the meeting's topic) the post it announces.
    replies = [m for kind, m in done if kind == "send_reply"]
    assert len(replies) <= 1 and done, (text, done)
    assert all(m["content"].strip() and m["content"] != internal_error() for _, m in done)


@FAST
@given(text=st.text(max_size=300))
def test_arbitrary_text_is_answered_politely(bot: Harness, text: str) -> None:
    done = bot.send(bot.directory.members[3], text)
    contents = [m["content"] for kind, m in done if kind == "send_reply"]
    assert len(contents) == 1 and contents[0] != internal_error()


REACTION = st.fixed_dictionaries(
    {
        "type": st.just("reaction"),
        "op": st.sampled_from(["add", "remove", "update", "", None]),
        "user_id": st.one_of(st.integers(-5, 60), st.none(), st.text(max_size=3)),
        "message_id": st.one_of(st.integers(0, 2000), st.none()),
        "emoji_name": st.text(max_size=10),
        "emoji_code": st.one_of(st.text(max_size=10), st.none()),
        "reaction_type": st.sampled_from(["unicode_emoji", "realm_emoji", "zulip_extra_emoji", ""]),
    },
    optional={
        "user": st.dictionaries(st.sampled_from(["user_id", "full_name", "email"]), st.text())
    },
)


@FAST
@given(event=REACTION)
def test_no_reaction_event_makes_the_handler_raise(bot: Harness, event: dict[str, Any]) -> None:
    bot.handler.handle_reaction(event, bot.bot)


BOT = ZulipBotHandler(client=None, profile={"user_id": 99, "full_name": "Meetbot", "email": "b@x"})  # type: ignore[arg-type]
MESSAGE = st.fixed_dictionaries(
    {
        "id": st.integers(1, 10**9),
        "sender_id": st.integers(1, 100),
        "type": st.sampled_from(["stream", "private"]),
        "content": st.one_of(st.text(max_size=80), COMMANDS.map(lambda c: "@**Meetbot** " + c)),
        "subject": st.text(max_size=20),
        "display_recipient": st.one_of(
            st.sampled_from(["conda", "random"]),
            st.just(
                [
                    {"id": 99, "email": "b@x", "full_name": "Meetbot"},
                    {"id": 5, "email": "p@x", "full_name": "P"},
                ]
            ),
        ),
    },
    optional={
        "sender_full_name": st.text(max_size=20),
        "sender_realm_str": st.sampled_from(["zulip", "zulipinternal"]),
    },
)


@FAST
@given(
    message=MESSAGE, flags=st.lists(st.sampled_from(["mentioned", "read", "wildcard_mentioned"]))
)
def test_any_message_event_is_routed_without_error_and_answered_if_routed(
    bot: Harness, message: dict[str, Any], flags: list[str]
) -> None:
    text = command_text(dict(message), flags, BOT)
    if text is None:
        return
    bot.bot.reset_transcript()
    bot.handler.handle_message({**message, "content": text}, bot.bot)
    replies = [m for kind, m in bot.bot.transcript if kind == "send_reply"]
    assert len(replies) <= 1  # the same message id twice is answered once
    assert all(reply["content"] != internal_error() for reply in replies)


SERIES_KEYS = ["title", "stream", "topic", "start", "timezone", "schedule", "duration",
               "reminders", "sections", "default_section", "notes_path", "chairs", "auto_start",
               "auto_end", "carry_over", "video_link", "template", "bogus"]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(key=st.sampled_from(SERIES_KEYS), value=st.text(max_size=40))
def test_any_botrc_value_parses_or_fails_with_a_precise_problem(key: str, value: str) -> None:
    value = value.replace("\n", " ").replace("\r", " ")
    lines = [line for line in BOTRC.splitlines() if not line.startswith(f"{key} =")]
    text = "\n".join(lines) + f"\n{key} = {value}\n"
    try:
        parse_settings(text, Path(tempfile.gettempdir()) / "botrc")
    except ConfigError as error:
        assert error.problems
        assert all(problem.strip() and "\n" not in problem for problem in error.problems)


PIECES = [
    *list("ab |#-*`>_[]()<!:\n\r\t\\~=+"),
    "---",
    "```",
    "<!--",
    "-->",
    "1.",
    "- [ ]",
    "\u2028",
]
HOSTILE = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    names=st.lists(HOSTILE, min_size=1, max_size=4), texts=st.lists(HOSTILE, min_size=1, max_size=4)
)
def test_notes_keep_their_structure_whatever_people_type(
    names: list[str], texts: list[str]
) -> None:
    from datetime import date, datetime, timezone

    from zulip_meetbot.domain.record import (
        ActionItem,
        AgendaItem,
        AgendaSection,
        Attendee,
        Decision,
        DiscussionNote,
        MeetingRecord,
    )  # fmt: skip
    from zulip_meetbot.notes import render_notes

    notes = tuple(DiscussionNote("AB", "A B", text) for text in texts)
    decision = Decision(texts[0], "AB", "1")
    action = ActionItem(1, texts[-1], (names[0],), ("AB",), "AB", "1", False, date(2025, 2, 12))
    items = tuple(
        AgendaItem(
            str(i + 1), text, "AB", "A B", True, False, notes, (), False, (decision,), (action,)
        )
        for i, text in enumerate(texts)
    )
    record = MeetingRecord(
        "s", "Title", date(2025, 2, 12), datetime(2025, 2, 12, 17, tzinfo=timezone.utc), "UTC",
        "https://example.org", "Zoom link", names[0],
        tuple(Attendee(i, name, "AB", name, name) for i, name in enumerate(names)),
        (AgendaSection("Announcements", items),), (decision,), (action,), (action,), (),
    )  # fmt: skip
    for template in ("community", "ecosystem"):
        text = render_notes(record, template)
        lines = text.split("\n")
        assert lines[:3] == ["---", "tags: [meeting-notes]", "---"]
        assert lines.count("---") == 2  # no user text opens front matter
        headings = [line for line in lines if line.startswith("#")]
        assert headings[0] == "# 2025-02-12 Title"
        assert all(h.startswith(("# ", "## ")) for h in headings)
        assert "\u2028" not in text
        for line in lines:  # no line (or list item) opens a code fence that swallows the rest
            content = re.sub(r"^\s*(?:[-*+] (?:\[[ xX]\] )?)?", "", line)
            assert not content.startswith(("```", "~~~")), line
        if template == "community":
            # The attendees table: its header row and the rows after it, up to the blank line.
            # (A name alone on a line may start with "| " too: with no delimiter row under it,
            # that is a paragraph, not a table.)
            first = next(i for i, line in enumerate(lines) if line.startswith("| ---")) - 1
            table = lines[first : lines.index("", first)]
            assert len(table) == 2 + len(names)
            assert all(len(line.replace("\\|", "").split(" | ")) == 4 for line in table)

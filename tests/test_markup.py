"""Zulip markup read and written in one place: mentions, silencing, global times, stream links,
code spans and the message limit."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from zulip_meetbot.markup import (
    LEADING_MENTION,
    MAX_MESSAGE_LENGTH,
    Mention,
    global_time,
    global_times,
    mention_of,
    mentions,
    outside_code_spans,
    plain_mentions,
    plain_stream_links,
    silenced,
    silent_mention,
    stream_link,
    stream_name,
    terminal_plain,
    typed_bot_mention,
    without_owner_mentions,
)

UTC = timezone.utc


def test_mentions_are_read_with_and_without_ids_and_silent_ones_name_no_owner() -> None:
    text = "@**Ann Bee|2** and @**Sam** ask @_**Cy|3**; again @**Ann Bee|2**"
    assert mentions(text) == [Mention("Ann Bee", 2), Mention("Sam", None)]


def test_a_mention_must_start_a_word() -> None:
    assert mentions("mail me@**Ann**") == []


def test_mention_of_reads_one_mention_silent_or_not_or_a_bare_at_name() -> None:
    assert mention_of(" @_**Ann Bee|2** ") == Mention("Ann Bee", 2)
    assert mention_of("@othello") == Mention("othello", None)
    assert mention_of("@**Ann** and @**Sam**") is None
    assert mention_of("othello") is None


def test_the_owners_opening_mentions_are_dropped_only_when_they_name_exactly_the_owners() -> None:
    assert without_owner_mentions("@**A**, @**B**: ship it", ["b", "a"]) == "ship it"
    assert without_owner_mentions("@**A** ship it", ["A", "B"]) == "@**A** ship it"
    assert without_owner_mentions("@**A**", ["A"]) == "@**A**"


def test_silencing_makes_people_everyone_and_group_mentions_silent() -> None:
    assert silenced("@**Ann**, @**all** and @*team*") == "@_**Ann**, @_**all** and @_*team*"
    assert silenced("already @_**Ann**, a mail a@b.org, a lone @") == (
        "already @_**Ann**, a mail a@b.org, a lone @"
    )


def test_a_silent_mention_carries_the_id() -> None:
    assert silent_mention("Ann Bee", 2) == "@_**Ann Bee|2**"


def test_the_notes_write_mentions_and_stream_links_plainly() -> None:
    text = "@_**Ann|2**, @**Sam** and @*team* in #**community>call**"
    assert plain_mentions(text) == "@Ann, @Sam and @team in #community > call"


def test_the_notes_keep_a_pipe_in_a_name_and_no_mention_runs_over_a_line_break() -> None:
    assert plain_mentions("@**A|b**") == "@A|b"
    assert plain_mentions("@**A\nB**") == "@**A\nB**"


def test_the_terminal_reads_mentions_after_a_word_but_never_inside_code() -> None:
    assert terminal_plain("x@_**Ann|2** in #**general**") == "x@Ann in #general"
    assert terminal_plain("say `here @**NAME**` to @**Ann**") == "say `here @**NAME**` to @Ann"
    assert terminal_plain("@**A|b**") == "@**A|b**"


def test_a_typed_bot_mention_takes_zulips_form_or_a_plain_at_name() -> None:
    mention = typed_bot_mention("meetbot", 99)
    assert mention.match("@**meetbot|99**: help")
    assert mention.match("  @Meetbot, help")
    assert not mention.match("@meetbotx help")
    assert not mention.match("@**meetbot|98** help")


def test_a_leading_mention_gives_its_name_and_id() -> None:
    match = LEADING_MENTION.match("  @**meetbot|99** agenda")
    assert match is not None and match.groups() == ("meetbot", "99")
    assert LEADING_MENTION.match("agenda @**meetbot**") is None


def test_a_global_time_is_utc_to_the_second() -> None:
    berlin = datetime(2025, 2, 12, 18, 0, 0, 123, tzinfo=ZoneInfo("Europe/Berlin"))
    assert global_time(berlin) == "<time:2025-02-12T17:00:00+00:00>"
    with pytest.raises(ValueError, match="naive"):
        global_time(datetime(2025, 2, 12, 17))


def test_global_times_are_written_out_and_a_broken_one_stays() -> None:
    text = "at <time:2025-02-12T17:00:00Z>, not <time:soon> nor <time:2025-02-12T17:00>"
    assert global_times(text, lambda instant: f"{instant:%H:%M %Z}") == (
        "at 17:00 UTC, not <time:soon> nor <time:2025-02-12T17:00>"
    )


def test_a_global_time_reads_back_as_the_instant_it_was_made_from() -> None:
    instant = datetime(2025, 2, 12, 17, 30, tzinfo=UTC)
    seen: list[datetime] = []
    global_times(global_time(instant), lambda found: seen.append(found) or "")
    assert seen == [instant]


def test_stream_links_are_written_and_read_back_plainly() -> None:
    assert stream_link("general", "call 2025-02-12") == "#**general>call 2025-02-12**"
    assert stream_link("general") == "#**general**"
    assert plain_stream_links(stream_link("general", "call")) == "#general > call"
    assert plain_stream_links(stream_link("general")) == "#general"


def test_a_botrc_stream_may_be_written_as_zulip_writes_it() -> None:
    assert stream_name(" #**dev team** ") == "dev team"
    assert stream_name("#community") == "community"
    assert stream_name("community") == "community"
    assert stream_name("#**a>b**") == "a>b"  # a botrc names a stream, never a topic


def test_code_spans_are_left_as_typed() -> None:
    assert outside_code_spans("a `b` ``c`d`` e", str.upper) == "A `b` ``c`d`` E"
    assert outside_code_spans("an `open span", str.upper) == "AN `OPEN SPAN"


def test_a_message_is_at_most_zulips_ten_thousand_characters() -> None:
    assert MAX_MESSAGE_LENGTH == 10_000

"""Replies that name the series (`help`, "which series?", "there is no series") at a
foundation's scale: a screenful of names at most, and never a private stream's series to
people outside it (issue 17's fresh-reader trial: `help` listed 300 slugs, private ones too)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import Harness
from test_reconcile_scale import API
from zulipfake import FakeZulip

from zulip_meetbot.zulip.directory import ZulipDirectory


def botrc(public: int) -> str:
    sections = "".join(
        f"\n[series:wg{n:02d}]\ntitle = WG {n}\nstream = wg{n:02d}\nstart = 2030-01-02 17:00\n"
        "timezone = UTC\nschedule = FREQ=WEEKLY\n"
        for n in range(public)
    )
    council = (
        "\n[series:council]\ntitle = Council\nstream = secret\nstart = 2030-01-02 18:00\n"
        "timezone = UTC\nschedule = FREQ=WEEKLY\n"
    )
    return API + sections + council


@pytest.fixture
def foundation(tmp_path: Path) -> Harness:
    h = Harness(tmp_path, botrc(30))
    # As the runtime learns it at start-up from Zulip's listing of the streams.
    h.app.private_streams = frozenset({"secret"})
    return h


def test_help_in_a_direct_message_names_twenty_public_series_and_counts_the_rest(
    foundation: Harness,
) -> None:
    member = foundation.person(5, "Wolf Vollprecht")
    text = foundation.say(member, "help", stream=None)
    assert "`wg00`" in text and "`wg19`" in text and "`wg20`" not in text
    assert "and 10 more" in text
    assert "council" not in text


def test_a_private_streams_series_is_named_in_its_own_stream_only(foundation: Harness) -> None:
    member = foundation.person(5, "Wolf Vollprecht")
    inside = foundation.say(member, "help", stream="secret", topic="council")
    assert "`council`" not in foundation.say(member, "help", stream="wg03", topic="x")
    # In #secret its readers see its series named (here after the 20 shown: counted).
    assert "and 11 more" in inside


def test_refusals_that_list_the_series_leave_private_ones_out(foundation: Harness) -> None:
    member = foundation.person(5, "Wolf Vollprecht")
    which = foundation.say(member, "agenda", stream=None)
    assert "which series?" in which and "council" not in which
    assert "and 10 more" in which
    unknown = foundation.say(member, "wg99: agenda", stream=None)
    assert "there is no series `wg99`" in unknown and "council" not in unknown


def test_a_few_series_are_all_named(tmp_path: Path) -> None:
    h = Harness(tmp_path, botrc(2))
    text = h.say(h.person(5, "Wolf Vollprecht"), "help", stream=None)
    assert "(series: `wg00`, `wg01`, `council`)" in text


def test_a_private_series_title_is_not_said_to_outsiders(foundation: Harness) -> None:
    outsider = foundation.person(6, "Othello")
    foundation.directory.outsiders.add(6)
    for where in ({"stream": None}, {"stream": "wg05", "topic": "x"}):
        reply = foundation.say(outsider, "council: agenda add sneaky", **where)
        assert "private stream you are not in" in reply and "Council" not in reply


def test_a_series_not_run_for_want_of_its_stream_takes_no_items(foundation: Harness) -> None:
    foundation.app.unusable_streams = frozenset({"wg03"})
    member = foundation.person(5, "Wolf Vollprecht")
    reply = foundation.say(member, "wg03: agenda add For a meeting never held", stream=None)
    assert "`wg03` is not running: meetbot cannot use its stream" in reply
    assert "Added item" in foundation.say(member, "wg04: agenda add Elsewhere", stream=None)
    assert "For a meeting never held" not in foundation.say(member, "wg04: agenda", stream=None)


def test_zulips_directory_lets_only_members_use_a_private_series(
    zulip_server: FakeZulip,
) -> None:
    bot = zulip_server.add_user("Meetbot", delivery_email="meetbot-bot@zulip.example", is_bot=True)
    member = zulip_server.add_user("Cordelia", delivery_email="cordelia@zulip.com")
    outsider = zulip_server.add_user("Othello", delivery_email="othello@zulip.com")
    zulip_server.add_stream("open", subscribers=[member])
    zulip_server.add_stream("inner", private=True, subscribers=[bot, member])
    zulip_server.add_stream("hidden", private=True, subscribers=[member])  # the bot not in it
    directory = ZulipDirectory(zulip_server.client(bot), (), ())
    assert directory.may_read_stream("open", outsider.user_id)
    assert directory.may_read_stream("inner", member.user_id)
    assert not directory.may_read_stream("inner", outsider.user_id)
    # A stream Zulip does not list for the bot: nobody is known to be allowed, so nobody is.
    assert not directory.may_read_stream("hidden", member.user_id)
    assert not directory.may_read_stream("hidden", outsider.user_id)

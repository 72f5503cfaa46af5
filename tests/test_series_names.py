"""Replies that name the series (`help`, "which series?", "there is no series") at a
foundation's scale: a screenful of names at most, and never a private stream's series to
people outside it (issue 17's fresh-reader trial: `help` listed 300 slugs, private ones too)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import Harness
from test_reconcile_scale import API


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

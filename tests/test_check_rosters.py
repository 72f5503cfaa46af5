"""`meetbot check` on rosters: their sizes and problems offline, unknown members online."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_init_check import API, GOOD_SERIES, online_botrc, run, write_botrc
from zulipfake import FakeZulip

__all__ = ["run"]  # the fixture, used by name


def lines(out: str, level: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(f"{level}:")]


def test_check_offline_says_each_rosters_size_and_source(run: Any, tmp_path: Path) -> None:
    (tmp_path / "steering.csv").write_text(
        "github_username,email,name,funder,pronouns\n"
        + "".join(f"user{n},user{n}@example.org,User {n},Funder,they/them\n" for n in range(9)),
        encoding="utf-8",
    )
    rosters = (
        "\n[roster:steering]\nmembers_csv = steering.csv\n"
        "\n[roster:emeritus]\nmembers = 12, old@example.org\n"
        "\n[roster:core]\nzulip_group = core-team\n"
    )
    write_botrc(tmp_path, API + GOOD_SERIES + "votes = steering\n" + rosters)
    status, out, _err = run("check", "--offline")
    assert status == 0, out
    assert lines(out, "ok")[-3:] == [
        f"ok: [roster:steering]: 9 members, listed in {tmp_path / 'steering.csv'}",
        "ok: [roster:emeritus]: 2 members, listed in the botrc; quorum is the whole roster "
        "(fewer than 5)",
        "ok: [roster:core] zulip_group: its members are the Zulip group 'core-team'",
    ]


def test_check_offline_names_each_bad_line_of_a_roster_file(run: Any, tmp_path: Path) -> None:
    (tmp_path / "steering.csv").write_text(
        "github_username,email,name\na,a@example.org,A\nb,,B\nc,A@example.org,C\n",
        encoding="utf-8",
    )
    roster = "\n[roster:steering]\nmembers_csv = steering.csv\n"
    write_botrc(tmp_path, API + GOOD_SERIES + "votes = stearing\n" + roster)
    status, out, _err = run("check", "--offline")
    assert status == 2  # the botrc is wrong (EXIT_CONFIG)
    assert lines(out, "error") == [
        "error: [roster:steering] members_csv: steering.csv line 3: an email is needed, got ''",
        "error: [roster:steering] members_csv: steering.csv line 4: A@example.org is on line 2 "
        "already",
        "error: [series:community] votes: there is no [roster:stearing] section to say who votes "
        "(rosters: steering)",
    ]


def test_check_online_warns_about_roster_members_the_server_does_not_know(
    run: Any, tmp_path: Path, zulip_server: FakeZulip, community: dict[str, Any]
) -> None:
    hamlet, othello = community["hamlet"], community["othello"]
    (tmp_path / "steering.csv").write_text(
        "github_username,email,name\n"
        f"hamlet,{hamlet.email},Hamlet\n"
        "ghost,ghost@example.org,Ghost\n",
        encoding="utf-8",
    )
    rosters = (
        "\n[roster:steering]\nmembers_csv = steering.csv\n"
        f"\n[roster:emeritus]\nmembers = {othello.user_id}, 9999\n"
        f"\n[roster:chairs]\nmembers = {hamlet.user_id}, {othello.email}\n"
    )
    write_botrc(
        tmp_path,
        online_botrc(zulip_server, community["bot"], series=GOOD_SERIES + rosters),
    )
    status, out, _err = run("check")
    assert status == 0, out  # a member Zulip does not know is a warning: the rest may vote
    assert lines(out, "warning") == [
        "warning: [roster:steering] members_csv: the server knows no user ghost@example.org, so "
        "their ballots would not count; the organization may hide emails from bots: list them "
        "by user id (Profile > User ID), or add a zulip_user_id column",
        "warning: [roster:emeritus] members: the server knows no user 9999, so their ballots "
        "would not count; the organization may hide emails from bots: list them by user id "
        "(Profile > User ID), or add a zulip_user_id column",
    ]
    assert "ok: [roster:chairs] members: all 2 members are users of the server" in out

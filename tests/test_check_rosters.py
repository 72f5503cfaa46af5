"""`meetbot check` on rosters: their sizes and problems offline, unknown members online."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
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
    assert lines(out, "ok")[-4:-1] == [
        f"ok: [roster:steering]: 9 members, listed in {tmp_path / 'steering.csv'}",
        "ok: [roster:emeritus]: 2 members, listed in the botrc; quorum is the whole roster "
        "(fewer than 5)",
        "ok: [roster:core] zulip_group: its members are the Zulip group 'core-team'",
    ]


def test_check_offline_says_the_policies_the_botrc_changes_and_where_results_files_go(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    botrc = (
        API
        + GOOD_SERIES
        + "votes = steering\nvote_results_path = governance/votes/%Y-{number}-{slug}.md\n"
        + "\n[series:release]\ntitle = Release sync\nstream = release\nstart = 2030-01-03 "
        + "16:00\ntimezone = UTC\nvotes = steering\npublish = git\npublish_repo = "
        + "https://github.com/conda/governance.git\npublish_pull_request = github\n"
        + "\n[series:chat]\ntitle = Chat\nstream = chat\nstart = 2030-01-04 16:00\n"
        + "timezone = UTC\n"
        + "\n[roster:steering]\nmembers = 1, 2, 3, 4, 5\n"
        + "\n[policies]\nnominate = 2/3 participation, at least 2/3 yes, minimum 7d\n"
        + "release = more than 50% yes, minimum 3d\n"
        + "standard = 50% participation, more than 50% yes, minimum 7d\n"
    )
    write_botrc(tmp_path, botrc)
    monkeypatch.setenv("MEETBOT_GITHUB_TOKEN", "t" * 20)
    status, out, _err = run("check", "--offline")
    assert status == 0, out
    notes = tmp_path / "notes"
    assert lines(out, "ok")[-3:] == [
        # standard is said as conda's, so it changes nothing and goes unsaid.
        "ok: [policies]: nominate (2/3 participation, at least 2/3 yes, minimum 7d) replaces "
        "conda's; release (50% participation, more than 50% yes, minimum 3d) is new",
        "ok: [series:community] vote_results_path: [roster:steering] votes in #community; a "
        f"closed vote's results file goes to {notes / 'governance/votes/%Y-{number}-{slug}.md'}",
        "ok: [series:release] vote_results_path: [roster:steering] votes in #release; a closed "
        "vote's results file goes to "
        f"{notes / 'vote-results/%Y-%m-%d-{slug}-{number}.md'}, and to "
        "vote-results/%Y-%m-%d-{slug}-{number}.md on branch vote-results-N of "
        "https://github.com/conda/governance.git, with a pull request into the default branch",
    ]


def test_check_offline_refuses_an_empty_votes_beside_a_roster(run: Any, tmp_path: Path) -> None:
    roster = "\n[roster:steering]\nmembers = 1, 2, 3\n"
    write_botrc(tmp_path, API + GOOD_SERIES + "votes =\n" + roster)
    status, out, _err = run("check", "--offline")
    assert status == 2, out  # the botrc is wrong (EXIT_CONFIG)
    assert lines(out, "error") == [
        "error: [series:community] votes: empty: name a [roster:NAME] section, or leave the key "
        "out",
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
    # A warning: the bot runs and other rosters vote; this one's votes are refused (a vote
    # must not open on a wrong roster) until Zulip knows every member.
    assert status == 0, out
    assert lines(out, "warning") == [
        "warning: [roster:steering] members_csv: the server knows no user ghost@example.org, so "
        "no vote can open with this roster; the organization may hide emails from bots: list "
        "them by user id (Profile > User ID), or add a zulip_user_id column",
        "warning: [roster:emeritus] members: the server knows no user 9999, so no vote can "
        "open with this roster; the organization may hide emails from bots: list them by user "
        "id (Profile > User ID), or add a zulip_user_id column",
    ]
    assert "ok: [roster:chairs] members: all 2 members are users of the server" in out


def test_check_online_says_whether_each_zulip_group_exists_and_how_many_of_it_vote(
    run: Any, tmp_path: Path, zulip_server: FakeZulip, community: dict[str, Any]
) -> None:
    hamlet, othello, iago, bot = (community[n] for n in ("hamlet", "othello", "iago", "bot"))
    chairs = zulip_server.add_user_group("chairs", [iago])
    zulip_server.add_user_group("steering", [hamlet, othello, bot], subgroups=[chairs])
    zulip_server.add_user_group("bots", [bot])
    rosters = (
        "\n[roster:steering]\nzulip_group = Steering\n"
        "\n[roster:core]\nzulip_group = core-team\n"
        "\n[roster:machines]\nzulip_group = bots\n"
    )
    write_botrc(
        tmp_path, online_botrc(zulip_server, community["bot"], series=GOOD_SERIES + rosters)
    )
    status, out, _err = run("check")
    assert status == 1, out  # a group Zulip does not have is an error (EXIT_PROBLEMS)
    # The bot is refused GET /user_groups by Zulip 11; it reads them as register's state.
    assert (
        "ok: [roster:steering] zulip_group: the Zulip group 'Steering' has 3 members "
        "(1 bot or deactivated user left out)" in lines(out, "ok")
    )
    assert lines(out, "error") == [
        "error: [roster:core] zulip_group: Zulip has no user group 'core-team' (its groups: "
        "bots, chairs, steering)"
    ]
    assert lines(out, "warning") == [
        "warning: [roster:machines] zulip_group: the Zulip group 'bots' has nobody who can "
        "vote, so no vote in its series can open"
    ]


def test_check_offline_says_a_missing_or_headerless_roster_file_precisely(
    run: Any, tmp_path: Path
) -> None:
    (tmp_path / "core.csv").write_text("github_username,name\nann,Ann\n", encoding="utf-8")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    rosters = (
        "\n[roster:steering]\nmembers_csv = steering.csv\n"
        "\n[roster:core]\nmembers_csv = core.csv\n"
        "\n[roster:empty]\nmembers_csv = empty.csv\n"
    )
    write_botrc(tmp_path, API + GOOD_SERIES + rosters)
    status, out, _err = run("check", "--offline")
    assert status == 2, out
    assert lines(out, "error") == [
        f"error: [roster:steering] members_csv: file not found: {tmp_path / 'steering.csv'}",
        f"error: [roster:core] members_csv: {tmp_path / 'core.csv'} has no email column (its "
        "header: github_username, name); members are matched to Zulip users by email, or by a "
        "zulip_user_id column",
        f"error: [roster:empty] members_csv: {tmp_path / 'empty.csv'} is empty: expected a "
        "header line naming an email column",
    ]

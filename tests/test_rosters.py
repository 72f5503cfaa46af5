"""Rosters made voters: members by user id or email (any case), a members_csv's rows, a Zulip
user group read from the test Zulip (subgroups followed, bots and deactivated users left out)."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from harness import DictDirectory
from zulipfake import FakeUser, FakeZulip

from zulip_meetbot.config import Roster, load_settings, read_members_csv
from zulip_meetbot.domain.people import Member
from zulip_meetbot.refusals import RosterUnreadable
from zulip_meetbot.rosters import voters
from zulip_meetbot.terminal.pretend_zulip import People
from zulip_meetbot.terminal.session import ShellOptions, open_session
from zulip_meetbot.zulip.directory import ZulipDirectory, group_members, read_user_groups


def directory(*people: tuple[int, str]) -> DictDirectory:
    found = DictDirectory()
    for user_id, email in people:
        found.members[user_id] = Member(user_id, email.split("@")[0].title(), email=email)
    return found


def test_members_by_id_and_email_in_any_case_become_ids_in_the_rosters_order() -> None:
    known = directory((10, "ann@example.org"), (11, "bob@example.org"), (12, "cy@example.org"))
    roster = Roster("steering", members=(12, "ANN@Example.org", "bob@example.org"))
    assert voters(roster, known) == (12, 10, 11)


def test_a_person_listed_by_id_and_by_email_votes_once() -> None:
    known = directory((10, "ann@example.org"), (11, "bob@example.org"))
    assert voters(Roster("steering", members=(10, "ann@example.org", 11)), known) == (10, 11)


def test_unknown_members_are_named_in_the_refusal() -> None:
    known = directory((10, "ann@example.org"))
    roster = Roster("steering", members=(10, "zed@example.org", 77))
    with pytest.raises(RosterUnreadable) as refused:
        voters(roster, known)
    assert refused.value.roster == "steering"
    assert refused.value.reason == (
        "Zulip does not know zed@example.org, 77 (or hides their email from meetbot: give "
        "their Zulip user ids instead)"
    )


def test_a_members_csv_matches_rows_by_email_or_by_its_zulip_user_id_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "steering.csv"
    path.write_text(
        "github_username,email,name,zulip_user_id\n"
        "ann,ann@example.org,Ann,\n"
        "bob,bob@elsewhere.org,Bob,11\n",  # the id wins: Zulip knows Bob by another address
        encoding="utf-8",
    )
    members = read_members_csv(path)
    assert members == ("ann@example.org", 11)
    known = directory((10, "Ann@Example.org"), (11, "bob@example.org"))
    roster = Roster("steering", members=members, members_csv=path)
    assert voters(roster, known) == (10, 11)


def test_a_group_roster_is_its_members_sorted_and_an_empty_or_unknown_group_is_refused() -> None:
    known = DictDirectory()
    known.groups = {"steering": frozenset({12, 10, 11}), "empty": frozenset()}
    assert voters(Roster("s", members=(), zulip_group="steering"), known) == (10, 11, 12)
    with pytest.raises(RosterUnreadable) as empty:
        voters(Roster("e", members=(), zulip_group="empty"), known)
    assert empty.value.reason == "the Zulip user group 'empty' has no members"
    with pytest.raises(RosterUnreadable) as unknown:
        voters(Roster("u", members=(), zulip_group="nobody"), known)
    assert unknown.value.reason == "Zulip has no user group 'nobody' that meetbot can read"


def test_group_members_follows_subgroups_and_survives_a_cycle() -> None:
    groups = [
        {"id": 1, "name": "Steering", "members": [3], "direct_subgroup_ids": [2]},
        {"id": 2, "name": "chairs", "members": [4, 5], "direct_subgroup_ids": [1]},
    ]
    assert group_members(groups, "steering") == {3, 4, 5}
    assert group_members(groups, "other") is None


# --- against the test Zulip ---------------------------------------------------------------


def people(server: FakeZulip) -> tuple[FakeUser, list[FakeUser]]:
    bot = server.add_user("Meetbot", "meetbot-bot@zulip.example", is_bot=True)
    humans = [
        server.add_user(name, f"{name.lower()}@zulip.example") for name in ["Ann", "Bob", "Cy"]
    ]
    return bot, humans


def test_the_bot_reads_a_group_though_zulip_refuses_it_get_user_groups(
    zulip_server: FakeZulip,
) -> None:
    bot, (ann, bob, cy) = people(zulip_server)
    chairs = zulip_server.add_user_group("chairs", [cy])
    zulip_server.add_user_group("steering", [ann, bob, bot], subgroups=[chairs])
    found = ZulipDirectory(zulip_server.client(bot))
    found.load()
    # A bot in the group is no voter: it could never cast a ballot, and would stall quorum.
    assert found.group_member_ids("Steering") == {ann.user_id, bob.user_id, cy.user_id}
    assert found.group_member_ids("nobody") is None
    paths = [(r.method, r.path) for r in zulip_server.requests]
    assert ("GET", "/api/v1/user_groups") in paths
    assert ("POST", "/api/v1/register") in paths  # the groups as initial state
    assert ("DELETE", "/api/v1/events") in paths  # and that queue not left behind
    assert [q for q in zulip_server.realm.queues.values() if q.user_id == bot.user_id] == []


def test_a_person_reads_groups_with_get_user_groups_and_deactivated_members_do_not_vote(
    zulip_server: FakeZulip,
) -> None:
    _bot, (ann, bob, cy) = people(zulip_server)
    group = zulip_server.add_user_group("steering", [ann, bob, cy])
    with zulip_server.realm.cond:
        cy.is_active = False
    client = zulip_server.client(ann)
    groups = read_user_groups(client)
    assert not isinstance(groups, str)
    assert [g["name"] for g in groups] == ["steering"]
    found = ZulipDirectory(client)
    found.load()
    assert found.group_member_ids("steering") == {ann.user_id, bob.user_id}
    # Read afresh: a vote opened after the group changed sees the change.
    zulip_server.set_group_members(group, ann)
    assert found.group_member_ids("steering") == {ann.user_id}


def test_members_by_email_are_found_by_login_address_and_asked_of_zulip_on_a_miss(
    zulip_server: FakeZulip,
) -> None:
    admin = zulip_server.add_user("Admin", "admin@zulip.example", role=200)
    _bot, (ann, bob, _cy) = people(zulip_server)
    found = ZulipDirectory(zulip_server.client(admin))
    found.load()
    assert voters(Roster("s", members=("ANN@zulip.example", bob.user_id)), found) == (
        ann.user_id,
        bob.user_id,
    )
    late = zulip_server.add_user("Dee", "dee@zulip.example")
    assert voters(Roster("s", members=("dee@zulip.example",)), found) == (late.user_id,)
    with pytest.raises(RosterUnreadable):
        voters(Roster("s", members=("nobody@zulip.example",)), found)


def test_a_members_csv_keeps_its_name_column_for_the_shell(tmp_path: Path) -> None:
    (tmp_path / "steering.csv").write_text(
        "github_username,email,name\nann,ann@example.org,  Ann   Arbor \ncy,cy@example.org,\n",
        encoding="utf-8",
    )
    (tmp_path / "botrc").write_text(SHELL_BOTRC.format(roster="members_csv = steering.csv"))
    (roster,) = load_settings(tmp_path / "botrc").rosters
    assert roster.names == (("ann@example.org", "Ann Arbor"),)


# --- in the shell ---------------------------------------------------------------------------

SHELL_BOTRC = """\
[api]
email = bot@example.org
key = secret-key-of-the-bot
site = https://x.example
[series:weekly]
title = Weekly Sync
stream = dev
topic = sync {{date}}
start = 2025-02-13 09:00
timezone = Europe/Berlin
schedule = FREQ=WEEKLY
votes = steering
[roster:steering]
{roster}
"""


def shell(
    folder: Path, roster: str, script: str, database: str | None = None, person: str = "you"
) -> str:
    (folder / "botrc").write_text(SHELL_BOTRC.format(roster=roster))
    out = io.StringIO()
    options = ShellOptions(
        config=str(folder / "botrc"), now="2025-02-10 10:00", database=database, person=person
    )
    opened = open_session(options, folder, out)
    assert not isinstance(opened, list), opened
    session, store = opened
    try:
        session.run(script.splitlines(), echo=True)
    finally:
        store.close()
    return out.getvalue()


def test_in_the_shell_a_roster_of_emails_opens_a_vote_and_its_members_vote_by_email_or_name(
    tmp_path: Path,
) -> None:
    (tmp_path / "steering.csv").write_text(
        "github_username,email,name\n"
        "ann,Ann@Example.org,Ann Arbor\nbob,bob@example.org,Bob Bee\ncy,cy@example.org,\n",
        encoding="utf-8",
    )
    out = shell(
        tmp_path,
        "members_csv = steering.csv",
        "@meetbot vote open standard: adopt the CEP process\n"
        "/as ann@example.org\n@meetbot vote yes 1\n"
        "/as Bob Bee\n@meetbot vote no 1 too soon\n"
        "/as hamlet\n@meetbot vote yes 1\n"  # a chair, not on the roster
        "/as CY@example.org\n@meetbot vote yes 1\n",
    )
    # The call names them by the CSV's names, and by the email's local part without one.
    assert "To vote: @Ann Arbor, @Bob Bee, @cy" in out
    assert "-- you are now Ann Arbor (user " in out
    assert out.count("Your ballot in vote 1 is") == 3
    assert "only members of the roster **steering** vote in vote 1" in out  # hamlet's
    # The third member's ballot was the last: the vote closes with its result.
    assert "**Vote 1 closed** (standard, everyone has voted)" in out
    assert "It **passed**: yes 2, no 1, abstain 0 (3 of 3 ballots, quorum 3)." in out
    assert "- @Bob Bee: **no**: too soon" in out


def test_a_roster_member_keeps_their_id_across_shell_sessions_on_a_kept_database(
    tmp_path: Path,
) -> None:
    people = People()
    first = people.member_by_email("Ann@Example.org")
    assert first is not None and people.member_by_email("ann@example.org") == first
    # The next session knows them by id and name only, as the database keeps them.
    again = People([(first.user_id, first.full_name)]).member_by_email("ann@example.org")
    assert again is not None and (again.user_id, again.full_name) == (first.user_id, "ann")
    # A name the shell made with /as becomes that person when their email shows up.
    named = People()
    cy = named.named("cy")
    assert named.member_by_email("cy@example.org") == replace(cy, email="cy@example.org")
    assert named.named("dee").user_id == cy.user_id + 1  # named people still count up


def test_in_the_shell_a_zulip_group_roster_is_warned_of_and_its_votes_refused(
    tmp_path: Path,
) -> None:
    out = shell(
        tmp_path, "zulip_group = core-team", "@meetbot vote open standard: adopt the CEP process\n"
    )
    assert (
        "-- warning: [roster:steering] zulip_group: the shell has no Zulip user groups, so a "
        "vote of this roster cannot open here; to try one, list the members of 'core-team' "
        "instead (members = EMAIL, EMAIL, ...)"
    ) in out
    assert "Zulip has no user group 'core-team' that meetbot can read" in out
    assert "Vote 1" not in out


def test_in_the_shell_a_botrc_list_of_emails_votes_as_people_named_by_their_local_part(
    tmp_path: Path,
) -> None:
    out = shell(
        tmp_path,
        "members = Ann@Example.org, bob@example.org, cy@example.org",
        "@meetbot vote open standard: adopt the CEP process\n"
        "/as ann\n@meetbot vote yes 1\n"
        "/as bob@example.org\n@meetbot vote abstain 1\n"
        "/as cy\n@meetbot vote no 1\n",
    )
    # Opening the vote made them: `/as ann` is the roster's ann, not a new person.
    assert "To vote: @ann, @bob, @cy" in out
    assert out.count("-- you are now ann (user ") == 1
    assert "It **did not pass**: yes 1, no 1, abstain 1 (3 of 3 ballots, quorum 3)." in out


def test_in_the_shell_as_email_at_the_start_is_that_roster_member(tmp_path: Path) -> None:
    out = shell(
        tmp_path,
        "members = ann@example.org, bob@example.org",
        "@meetbot vote open standard: adopt the CEP process\n@meetbot vote yes 1\n",
        person="ann@example.org",
    )
    assert "opened by @ann" in out
    assert "Your ballot in vote 1 is **yes**." in out


def test_a_later_shell_session_names_roster_members_who_have_not_spoken(tmp_path: Path) -> None:
    database = str(tmp_path / "kept.sqlite3")
    roster = "members = ann@example.org, bob@example.org, cy@example.org"
    shell(tmp_path, roster, "@meetbot vote open standard: adopt the CEP process\n", database)
    out = shell(tmp_path, roster, "/clock +4d\n", database)
    assert "Not voted yet: @ann, @bob, @cy." in out
    assert "@user " not in out

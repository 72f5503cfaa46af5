"""Rosters made voters: members by user id or email (any case), a members_csv's rows, a Zulip
user group read from the test Zulip (subgroups followed, bots and deactivated users left out)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import DictDirectory
from zulipfake import FakeUser, FakeZulip

from zulip_meetbot.config import Roster, read_members_csv
from zulip_meetbot.domain.people import Member
from zulip_meetbot.refusals import RosterUnreadable
from zulip_meetbot.rosters import voters
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
    assert refused.value.reason == "Zulip does not know zed@example.org, 77"


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

"""Initials and who is a chair."""

from __future__ import annotations

import pytest

from zulip_meetbot.people import Member, default_initials, is_chair


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("Jaime Rodríguez-Guerra", "JRG"),
        ("Cheng H. Lee", "CHL"),
        ("Matthew R. Becker", "MRB"),
        ("Filipe Fernandes", "FF"),
        ("Othello, the Moor of Venice", "OTMOV"),
        ("cher", "C"),
        ("  ", "?"),
    ],
)
def test_default_initials_take_each_part_split_on_spaces_and_hyphens(
    name: str, initials: str
) -> None:
    assert default_initials(name) == initials


def test_chairs_match_by_user_id_or_either_email() -> None:
    hamlet = Member(10, "King Hamlet", email="user10@zulipdev.com", delivery_email="")
    assert is_chair(hamlet, ["10"])
    assert is_chair(hamlet, ["USER10@zulipdev.com"])
    assert not is_chair(hamlet, ["hamlet@zulip.com", "11"])
    known = Member(
        10, "King Hamlet", email="user10@zulipdev.com", delivery_email="hamlet@zulip.com"
    )
    assert is_chair(known, ["hamlet@zulip.com"])


def test_organization_admins_and_owners_are_chairs() -> None:
    assert is_chair(Member(11, "Iago", is_admin=True), [])

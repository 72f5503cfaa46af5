"""Initials and who is a chair."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from zulip_meetbot.domain.people import Member, default_initials, is_chair, precedence


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


def test_precedence_is_first_appearance_in_the_record_then_attendees_by_id() -> None:
    start = datetime(2025, 2, 12, 17, 0, tzinfo=timezone.utc)
    appeared = [
        (start + timedelta(minutes=5), 7),  # listed first, appeared later
        (start, 9),
        (start, 3),  # the same instant as 9: the order given breaks the tie
        (start + timedelta(minutes=1), 9),
    ]
    # Attendees who are not in the record: Zulip users by id, then guests as they were added.
    assert precedence(appeared, [-2, 12, 9, -1, 4]) == [9, 3, 7, 4, 12, -1, -2]
    assert precedence([], [12, 4]) == precedence([], [4, 12]) == [4, 12]

"""Reading the attendees table's fields from the organization's custom profile fields."""

from __future__ import annotations

import json
from pathlib import Path

from zulip_meetbot.zulip.directory import ProfileFields, member_from_user, pick_profile_fields

RECORDED = Path(__file__).parent / "zulipfake" / "recorded"


def recorded(name: str) -> dict:
    return json.loads((RECORDED / name).read_text())["response"]


def test_github_external_account_field_is_found_and_absent_affiliation_is_none() -> None:
    fields = recorded("51-realm_profile_fields.json")["custom_fields"]
    picked = pick_profile_fields(fields, ["Affiliation", "Company"], ["GitHub"])
    # The dev realm has "GitHub username" (external account, subtype github) and no affiliation.
    assert picked == ProfileFields(affiliation=None, github=8)


def test_member_reads_profile_values_and_tolerates_missing_ones() -> None:
    users = {u["user_id"]: u for u in recorded("47-get_users.json")["members"]}
    fields = ProfileFields(affiliation=3, github=8)
    hamlet = member_from_user(users[10], fields)
    assert (hamlet.affiliation, hamlet.github) == ("Dark chocolate", "zulipbot")
    empty = member_from_user(users[12], fields)  # filled nothing in: profile_data {}
    assert (empty.affiliation, empty.github) == ("", "")
    bot = member_from_user(users[24], fields)  # bots have no profile_data at all
    assert (bot.affiliation, bot.github) == (None, None) and bot.is_bot
    unasked = member_from_user(users[10])
    assert (unasked.affiliation, unasked.github) == (None, None)


def test_field_names_match_ignoring_case_in_the_order_given() -> None:
    fields = [
        {"id": 1, "name": "company", "type": 1},
        {"id": 2, "name": "Affiliation", "type": 1},
        {"id": 3, "name": "Affiliation", "type": 2},
    ]
    assert pick_profile_fields(fields, ["Affiliation", "Company"], []).affiliation == 2
    assert pick_profile_fields(fields, ["Organization", "Company"], []).affiliation == 1

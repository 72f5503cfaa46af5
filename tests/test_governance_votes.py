"""Governance votes through the handler, in process: opening, ballots in the stream and by
direct message, status, cancel, the close when everyone has voted, and bad input refused with
nothing changed. The scheduler's reminders and close at the deadline are tested elsewhere."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from harness import BOTRC, Harness
from sqlalchemy import func, select

from zulip_meetbot.domain import governance
from zulip_meetbot.domain.people import Member
from zulip_meetbot.models import GovernanceBallotRow, GovernanceVoteRow, OwedPostRow

# Wednesday 2025-02-12 12:00 UTC, the very start of 2025-02-12 Anywhere on Earth: a 7-day
# standard vote runs to the end of 2025-02-18 AoE, 2025-02-19 12:00 UTC.
NOW = datetime(2025, 2, 12, 12, 0, tzinfo=timezone.utc)
ROSTER = """
votes = steering

[roster:steering]
members = 11, 12, 13, 14, 15, 16, 17
"""


def botrc_with_roster() -> str:
    head, series = BOTRC.split("[series:community]")
    return head + "[series:community]" + series.rstrip("\n") + "\n" + ROSTER


@pytest.fixture
def bot(tmp_path: Path) -> Harness:
    harness = Harness(tmp_path, botrc_with_roster(), now=NOW)
    harness.person(1, "Jaime Chair")
    for user_id in range(11, 18):
        harness.person(user_id, f"Member {user_id}")
    harness.person(30, "Outsider")
    return harness


def member(bot: Harness, user_id: int) -> Member:
    found = bot.directory.member(user_id)
    assert found is not None
    return found


def counts(bot: Harness) -> tuple[int, int, int]:
    """Votes, ballots and owed posts in the database."""
    with bot.store.transaction() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (GovernanceVoteRow, GovernanceBallotRow, OwedPostRow)
        )


def open_standard(bot: Harness, text: str = "Adopt the new code of conduct") -> dict[str, Any]:
    """`vote open standard: TEXT` by member 11: the call the bot posted."""
    done = bot.send(member(bot, 11), f"vote open standard: {text}")
    posts = [message for kind, message in done if kind == "send_message"]
    assert len(posts) == 1, done
    return posts[0]


def test_vote_open_posts_the_call_in_its_own_topic_naming_rule_deadline_and_voters(
    bot: Harness,
) -> None:
    done = bot.send(member(bot, 11), "vote open standard: Adopt the new code of conduct")
    (call,) = [message for kind, message in done if kind == "send_message"]
    (reply,) = [message for kind, message in done if kind == "send_reply"]
    assert call["to"] == "conda" and call["topic"] == "vote 1: Adopt the new code of conduct"
    text = call["content"]
    assert "**Vote 1** (standard)" in text
    assert "passes with more than 50% yes (of yes and no); quorum: 5 of 7 ballots" in text
    assert "<time:2025-02-19T12:00:00+00:00> (2025-02-18 AoE)" in text
    assert "`vote yes 1`" in text and "direct message" in text
    assert "@**Member 11|11**" in text and "@**Member 17|17**" in text
    assert "Vote 1 is open" in reply["content"]
    with bot.store.transaction() as session:
        vote = governance.vote(session, 1)
    assert vote.roster == (11, 12, 13, 14, 15, 16, 17) and vote.message_id is not None


def test_ballots_in_the_stream_and_by_direct_message_count_the_latest(bot: Harness) -> None:
    open_standard(bot)
    assert "is **yes**" in bot.say(member(bot, 11), "vote yes 1")
    assert "is **no**" in bot.say(member(bot, 12), "vote no 1 not ready yet", stream=None)
    changed = bot.say(member(bot, 12), "vote yes 1 convinced", stream=None)
    assert "now **yes** (was no)" in changed
    assert "already **yes**" in bot.say(member(bot, 11), "vote yes 1")
    # With one vote open in the series, its number may be left out.
    assert "is **abstain**" in bot.say(member(bot, 13), "vote abstain")
    with bot.store.transaction() as session:
        vote = governance.vote(session, 1)
    assert (vote.tally.yes, vote.tally.no, vote.tally.abstain) == (2, 0, 1)
    ballot_12 = next(b for b in vote.ballots if b.user_id == 12)
    assert (ballot_12.choice, ballot_12.comment, ballot_12.changes) == ("yes", "convinced", 1)


def test_status_shows_the_tally_quorum_and_who_has_not_voted(bot: Harness) -> None:
    open_standard(bot)
    for user_id in (11, 12):
        bot.say(member(bot, user_id), "vote yes 1")
    status = bot.say(member(bot, 30), "vote status")
    assert "yes 2, no 0, abstain 0 — 2 of 7 ballots; quorum needs 5, 3 more." in status
    assert "@_**Member 13|13**" in status and "Member 11|11" not in status.split("Not voted")[1]


def test_the_vote_closes_and_posts_its_result_once_everyone_has_voted(bot: Harness) -> None:
    open_standard(bot)
    for user_id in range(11, 17):
        bot.say(member(bot, user_id), "vote yes 1" if user_id != 16 else "vote no 1 too soon")
    done = bot.send(member(bot, 17), "vote abstain 1")
    (reply,) = [m for kind, m in done if kind == "send_reply"]
    assert "Everyone has voted: vote 1 is closed" in reply["content"]
    assert "change it" not in reply["content"]
    results = [m for kind, m in done if kind == "send_message"]
    assert len(results) == 1
    result = results[0]["content"]
    assert results[0]["topic"] == "vote 1: Adopt the new code of conduct"
    assert "**Vote 1 closed** (standard, everyone has voted)" in result
    assert "It **passed**: yes 5, no 1, abstain 1 (7 of 7 ballots, quorum 5)." in result
    assert "- @_**Member 16|16**: **no**: too soon" in result
    # Closed: a later ballot is refused, and nothing is posted again.
    assert "vote 1 is closed already (passed)" in bot.say(member(bot, 11), "vote no 1")
    assert bot.posted() == []


def test_someone_off_the_roster_cannot_vote_or_open_and_nothing_changes(bot: Harness) -> None:
    open_standard(bot)
    before = counts(bot)
    outsider = member(bot, 30)
    assert "your ballot is not counted" in bot.say(outsider, "vote yes 1")
    assert "or a chair can open a vote" in bot.say(outsider, "vote open standard: Other")
    assert counts(bot) == before
    # A chair off the roster may open one (and its text differs).
    bot.send(member(bot, 1), "vote open cep: Adopt CEP 42")
    assert counts(bot)[0] == 2


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("vote open majority: X", "there is no voting policy `majority`"),
        ("vote open standard: X until 2025-02-10", "2025-02-10 has already ended"),
        (
            "vote open standard: X until 2025-02-14",
            "until the end of 2025-02-18 AoE at the earliest",
        ),
        ("vote open sensitive: Nominate X", "give its address"),
        ("vote open standard: X link https://vote.example.org/1", "leave out the link"),
        ("vote open standard: X until soon", "I expected a date like"),
        ("vote yes 9", "there is no vote 9"),
        ("vote maybe 1", "is no ballot: a ballot is `vote yes N`"),
        ("vote open: no policy", "say the policy, a colon and the text"),
        ("vote no -1", "`-1` is not a vote's number"),
        ("vote no 1.5 maybe", "`1.5` is not a vote's number"),
        ("vote status", "no vote is open in **Conda Community Meeting**"),
        ("vote cancel 4", "there is no vote 4"),
        ("vote open standard: " + "x" * 10_000, "characters"),
    ],
)
def test_bad_governance_commands_are_refused_and_change_nothing(
    bot: Harness, text: str, says: str
) -> None:
    before = counts(bot)
    assert says in bot.say(member(bot, 11), text)
    assert counts(bot) == before


def test_a_second_vote_on_the_same_text_is_refused(bot: Harness) -> None:
    open_standard(bot)
    before = counts(bot)
    reply = bot.say(member(bot, 12), "vote open cep:   adopt the NEW code of conduct")
    assert "vote 1 on that text is already open" in reply
    assert counts(bot) == before


def test_with_two_votes_open_a_ballot_must_say_which(bot: Harness) -> None:
    open_standard(bot)
    open_standard(bot, "Move the call to Thursdays")
    before = counts(bot)
    assert "votes 1, 2 are open: say which" in bot.say(member(bot, 11), "vote yes")
    assert counts(bot) == before
    assert "is **yes**" in bot.say(member(bot, 11), "vote yes 2")


def test_cancel_by_its_opener_or_a_chair_only(bot: Harness) -> None:
    open_standard(bot)
    assert "or a chair can cancel it" in bot.say(member(bot, 12), "vote cancel 1")
    done = bot.send(member(bot, 1), "vote cancel 1")
    (notice,) = [m for kind, m in done if kind == "send_message"]
    assert "**Vote 1 cancelled** by Jaime Chair" in notice["content"]
    assert "vote 1 is closed already (cancelled)" in bot.say(member(bot, 11), "vote yes 1")


def test_a_sensitive_vote_posts_its_link_and_takes_no_ballots(bot: Harness) -> None:
    done = bot.send(
        member(bot, 11),
        "vote open sensitive: Nominate Ann link https://vote.heliosvoting.org/h/1 until 2025-02-21",
    )
    (call,) = [m for kind, m in done if kind == "send_message"]
    assert "https://vote.heliosvoting.org/h/1" in call["content"]
    assert "(2025-02-21 AoE)" in call["content"]
    assert "vote there, https://vote.heliosvoting.org/h/1" in bot.say(member(bot, 12), "vote yes 1")


def test_a_governance_vote_opened_by_the_policy_named_governance_stays_a_meeting_cycle(
    bot: Harness,
) -> None:
    # The series meets every two weeks: a governance vote must stay open 14 days at least.
    assert "until the end of 2025-02-25 AoE at the earliest" in bot.say(
        member(bot, 11), "vote open governance: Amend the charter until 2025-02-20"
    )
    open_standard(bot)  # another text, unaffected
    bot.say(member(bot, 11), "vote open governance: Amend the charter")
    with bot.store.transaction() as session:
        vote = governance.vote(session, 2)
    assert vote.deadline == datetime(2025, 2, 26, 12, 0, tzinfo=timezone.utc)


def test_vote_yes_alone_is_a_quick_ballot_while_a_quick_vote_is_open(bot: Harness) -> None:
    open_standard(bot)
    chair = member(bot, 1)
    bot.send(chair, "start now")
    bot.send(chair, "vote Lunch now?")
    assert bot.say(chair, "vote yes") == "Your ballot in vote 1 is now **yes**."
    with bot.store.transaction() as session:
        assert governance.vote(session, 1).ballots == ()
    # With a number it is the governance vote's.
    assert "is **yes**" in bot.say(member(bot, 11), "vote yes 1")


def test_a_question_starting_with_yes_opens_a_quick_vote_when_no_governance_vote_is_open(
    bot: Harness,
) -> None:
    chair = member(bot, 1)
    bot.send(chair, "start now")
    done = bot.send(chair, "vote Yes or no on pizza?")
    posts = [m for kind, m in done if kind == "send_message"]
    assert len(posts) == 1 and "Yes or no on pizza?" in posts[0]["content"]


def test_a_ballot_by_direct_message_finds_its_vote_among_several_series(tmp_path: Path) -> None:
    second = """
[series:infra]
title = conda infra call
stream = infra
topic = infra call {date}
start = 2025-02-13 15:00
timezone = UTC
schedule = FREQ=WEEKLY
duration = 30m
video_link = https://meet.example.org/infra
votes = steering
"""
    bot = Harness(tmp_path, botrc_with_roster() + second, now=NOW)
    for user_id in range(11, 18):
        bot.person(user_id, f"Member {user_id}")
    bot.send(member(bot, 11), "vote open standard: Retire the old mirror", stream="infra")
    assert "is **no**" in bot.say(member(bot, 12), "vote no 1", stream=None)
    # Without a number, a direct message must still say which series.
    assert "community" in bot.say(member(bot, 13), "vote yes", stream=None)
    with bot.store.transaction() as session:
        vote = governance.vote(session, 1)
    assert vote.series_slug == "infra" and [b.user_id for b in vote.ballots] == [12]


def test_a_cep_vote_of_a_roster_read_from_conda_s_steering_csv(tmp_path: Path) -> None:
    rows = [
        f"user{n},user{n}@zulip.example,Member {n},Funder {n % 3},they/them" for n in range(11, 20)
    ]
    (tmp_path / "steering.csv").write_text(
        "github_username,email,name,funder,pronouns\n" + "\n".join(rows) + "\n"
    )
    botrc = botrc_with_roster().replace(
        "members = 11, 12, 13, 14, 15, 16, 17", "members_csv = steering.csv"
    )
    bot = Harness(tmp_path, botrc, now=NOW)
    for user_id in range(11, 20):
        bot.person(user_id, f"Member {user_id}")
    call = next(
        m
        for kind, m in bot.send(member(bot, 11), "vote open cep: Adopt CEP 42 until 2025-02-21")
        if kind == "send_message"
    )["content"]
    assert "at least 60% yes (of yes and no); quorum: 6 of 9 ballots" in call
    choices = ["yes"] * 5 + ["no"] * 2 + ["abstain"] * 2
    for user_id, choice in zip(range(11, 20), choices, strict=True):
        done = bot.send(member(bot, user_id), f"vote {choice}")
    result = next(m for kind, m in done if kind == "send_message")["content"]
    # 5 / (5 + 2) = 71% ≥ 60%, 9 ballots ≥ quorum 6.
    assert "It **passed**: yes 5, no 2, abstain 2 (9 of 9 ballots, quorum 6)." in result


def test_a_ballot_may_name_its_vote_as_zulip_people_write_numbers(bot: Harness) -> None:
    open_standard(bot)
    assert "is **no**" in bot.say(member(bot, 12), "vote no #1 not yet")
    assert "1 of 7 ballots" in bot.say(member(bot, 13), "vote status #1")


def test_a_vote_text_with_markup_gets_a_topic_its_links_can_hold(bot: Harness) -> None:
    done = bot.send(member(bot, 11), "vote open cep: Adopt the **new** `format` (see #42)")
    (call,) = [m for kind, m in done if kind == "send_message"]
    (reply,) = [m for kind, m in done if kind == "send_reply"]
    assert call["topic"] == "vote 1: Adopt the new format (see #42)"
    assert "#**conda>vote 1: Adopt the new format (see #42)**" in reply["content"]


def test_a_result_without_ballots_names_who_did_not_vote(bot: Harness) -> None:
    open_standard(bot)
    with bot.store.transaction() as session:
        closed = governance.close_if_complete(
            session, 1, datetime(2025, 2, 19, 12, 0, tzinfo=timezone.utc)
        )
    assert closed is not None
    from zulip_meetbot import vote_lifecycle, vote_views

    text = vote_views.vote_result(closed, vote_lifecycle.names(bot.app, closed))
    assert "did not reach quorum" in text and "- not voted: @_**Member 11|11**" in text

"""Quick votes in a running meeting, in process: parsing, ballots by reaction and by command,
closing, refusals, `end` closing them, the result among the notes' decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import BOTRC, Harness
from sqlalchemy import func, select

from zulip_meetbot.commands import (
    CloseVote,
    CancelVote,
    CastBallot,
    OpenGovernanceVote,
    VoteStatus,
    OpenVote,
    UsageError,
    VoteSays,
    parse_command,
)
from zulip_meetbot.models import DecisionRow, QuickBallotRow, QuickVoteRow

THUMBS_UP, THUMBS_DOWN, SHRUG = "1f44d", "1f44e", "1f937"
ONE, TWO, THREE = "0031-20e3", "0032-20e3", "0033-20e3"


@pytest.fixture
def bot(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def running(bot: Harness) -> Any:
    chair = bot.person(1, "Jaime Chair")
    bot.send(chair, "start now")
    return chair


def open_vote(bot: Harness, who: Any, text: str) -> dict[str, Any]:
    """Say ``vote TEXT`` in the meeting's topic; the vote message the bot posted."""
    done = bot.send(who, text)
    posts = [message for kind, message in done if kind == "send_message"]
    assert len(posts) == 1 and not [kind for kind, _ in done if kind == "send_reply"]
    return posts[0]


def rows(bot: Harness, row_type: Any) -> int:
    with bot.store.transaction() as session:
        return session.scalar(select(func.count()).select_from(row_type)) or 0


def decisions(bot: Harness) -> list[str]:
    with bot.store.transaction() as session:
        return list(session.scalars(select(DecisionRow.text).order_by(DecisionRow.id)))


# -- parsing --------------------------------------------------------------------------------


def test_vote_parses_a_question_options_a_close_and_keeps_the_governance_forms() -> None:
    assert parse_command("vote Ship it?") == VoteSays("Ship it?")
    assert parse_command("vote Lunch:  pizza |sushi| tacos") == OpenVote(
        "Lunch", ("pizza", "sushi", "tacos")
    )
    assert parse_command("vote close") == CloseVote()
    assert parse_command("vote yes") == VoteSays("yes")
    assert parse_command("vote open standard: adopt CEP 20") == OpenGovernanceVote(
        "standard", "adopt CEP 20"
    )
    assert parse_command("vote status 3") == VoteStatus(3)
    assert parse_command("vote cancel 3") == CancelVote(3)
    assert parse_command("vote yes 3 looks good") == CastBallot(
        "yes", 3, "looks good", "yes 3 looks good"
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("vote", "needs a question"),
        ("vote " + "x" * 10_000, "10,000 characters long"),
        ("vote Pick: " + " | ".join(str(n) for n in range(10)), "10 options"),
        ("vote Pick: a | | c", "empty"),
        ("vote Pick: a | A", "the same"),
        ("vote Pick: a | " + "b" * 101, "longer than 100"),
    ],
)
def test_bad_votes_are_refused_by_the_parser(text: str, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        parse_command(text)


# -- opening, ballots -----------------------------------------------------------------------


def test_a_vote_posts_its_question_with_one_emoji_per_option(bot: Harness) -> None:
    chair = running(bot)
    message = open_vote(bot, chair, "vote Ship 25.1 on Monday?")
    content = message["content"]
    assert "**Vote 1**" in content and "Ship 25.1 on Monday?" in content
    assert ":+1: **yes**" in content and ":-1: **no**" in content
    assert ":shrug: **abstain**" in content
    options = open_vote(bot, chair, "vote Lunch: pizza | sushi")["content"]
    assert "**Vote 2**" in options and ":one: **pizza**" in options
    assert ":two: **sushi**" in options


def test_latest_reaction_is_the_ballot_and_removing_it_withdraws_it(bot: Harness) -> None:
    chair = running(bot)
    hamlet, othello, iago = (
        bot.person(10, "Hamlet"),
        bot.person(12, "Othello"),
        bot.person(13, "Iago"),
    )
    vote_id = open_vote(bot, chair, "vote Ship it?")["id"]
    bot.react(hamlet, vote_id, THUMBS_UP)
    bot.react(hamlet, vote_id, THUMBS_DOWN)  # changed their mind: the latest counts
    bot.react(othello, vote_id, THUMBS_UP)
    bot.react(othello, vote_id, THUMBS_UP, op="remove")  # withdrawn
    bot.react(iago, vote_id, SHRUG)
    bot.react(iago, vote_id, "1f44b")  # not an option: no ballot, and no attendance either
    tally = bot.say(chair, "vote close")
    assert "Vote: Ship it? — yes 0, no 1, abstain 1" in tally
    assert "**Vote 1 closed** (2 ballots)" in tally


def test_removing_a_reaction_that_no_longer_counts_keeps_the_ballot(bot: Harness) -> None:
    chair = running(bot)
    hamlet = bot.person(10, "Hamlet")
    vote_id = open_vote(bot, chair, "vote Ship it?")["id"]
    bot.react(hamlet, vote_id, THUMBS_UP)
    bot.react(hamlet, vote_id, THUMBS_DOWN)
    bot.react(hamlet, vote_id, THUMBS_UP, op="remove")
    assert "yes 0, no 1, abstain 0" in bot.say(chair, "vote close")


def test_a_ballot_by_command_by_name_or_number_replaces_a_reaction(bot: Harness) -> None:
    chair = running(bot)
    hamlet, othello = bot.person(10, "Hamlet"), bot.person(12, "Othello")
    vote_id = open_vote(bot, chair, "vote Lunch: pizza | sushi | tacos")["id"]
    bot.react(hamlet, vote_id, ONE)
    assert "is now **tacos**" in bot.say(hamlet, "vote 3")
    assert "was already **tacos**" in bot.say(hamlet, "vote Tacos")
    assert "is now **sushi**" in bot.say(othello, "vote sushi")
    tally = bot.say(chair, "vote close")
    assert "Vote: Lunch — pizza 0, sushi 1, tacos 1" in tally


def test_bots_own_and_other_bots_reactions_are_no_ballots(bot: Harness) -> None:
    chair = running(bot)
    other_bot = bot.person(50, "Some Bot", bot=True)
    vote_id = open_vote(bot, chair, "vote Ship it?")["id"]
    bot.react(other_bot, vote_id, THUMBS_UP)
    bot.handler.handle_reaction(
        {"op": "add", "user_id": 99, "message_id": vote_id, "emoji_code": THUMBS_UP},
        bot.bot,
    )
    assert rows(bot, QuickBallotRow) == 0


# -- closing ----------------------------------------------------------------------------------


def test_the_opener_or_a_chair_closes_and_the_result_is_a_decision_under_the_item(
    bot: Harness,
) -> None:
    chair = running(bot)
    hamlet, othello = bot.person(10, "Hamlet"), bot.person(12, "Othello")
    bot.say(chair, "agenda add Release 25.1")
    bot.say(chair, "item 1")
    open_vote(bot, hamlet, "vote Ship 25.1 on Monday?")
    bot.say(othello, "vote yes")
    reply = bot.say(othello, "vote close")
    assert reply.startswith("Sorry") and "opened vote 1 or a chair" in reply
    tally = bot.say(hamlet, "vote close")
    assert "under item 1: Vote: Ship 25.1 on Monday? — yes 1, no 0, abstain 0" in tally
    open_vote(bot, othello, "vote Another one?")
    assert "Vote 2 closed" in bot.say(chair, "vote close")  # a chair closes anyone's
    agenda = bot.say(chair, "agenda")
    assert "Vote: Ship 25.1 on Monday? — yes 1, no 0, abstain 0" in agenda
    assert decisions(bot)[0] == "Vote: Ship 25.1 on Monday? — yes 1, no 0, abstain 0"


def test_end_closes_open_votes_and_the_notes_decisions_show_the_result(bot: Harness) -> None:
    chair = running(bot)
    hamlet = bot.person(10, "Hamlet")
    vote_id = open_vote(bot, hamlet, "vote Adopt the new logo?")["id"]
    bot.react(hamlet, vote_id, THUMBS_UP)
    bot.react(chair, vote_id, THUMBS_UP)
    done = bot.send(chair, "end")
    posts = [message["content"] for kind, message in done if kind == "send_message"]
    assert "Vote 1 closed" in posts[0]  # the tally, then the summary
    line = "Vote: Adopt the new logo? — yes 2, no 0, abstain 0"
    assert line in posts[-1]
    (notes,) = bot.settings.notes_dir.glob("**/*.md")
    assert line in notes.read_text(encoding="utf-8")
    with bot.store.transaction() as session:
        assert session.scalar(select(QuickVoteRow.closed_at)) is not None


# -- refusals ---------------------------------------------------------------------------------


def refused(bot: Harness, who: Any, text: str) -> str:
    before = (rows(bot, QuickVoteRow), rows(bot, QuickBallotRow), decisions(bot))
    reply = bot.say(who, text)
    assert reply.startswith("Sorry"), reply
    assert (rows(bot, QuickVoteRow), rows(bot, QuickBallotRow), decisions(bot)) == before
    return reply


def test_vote_with_no_meeting_running_is_refused(bot: Harness) -> None:
    hamlet = bot.person(10, "Hamlet")
    refused(bot, hamlet, "vote Ship it?")


def test_ballots_and_close_without_an_open_vote_are_refused(bot: Harness) -> None:
    chair = running(bot)
    assert "no quick vote is open" in refused(bot, chair, "vote yes")
    assert "no quick vote is open" in refused(bot, chair, "vote 2")
    assert "no quick vote is open" in refused(bot, chair, "vote close")


def test_a_ballot_for_an_option_the_vote_lacks_is_refused(bot: Harness) -> None:
    chair = running(bot)
    open_vote(bot, chair, "vote Lunch: pizza | sushi")
    assert "has no option “burgers”" in refused(bot, chair, "vote burgers")
    assert "has no option “4”" in refused(bot, chair, "vote 4")


def test_governance_forms_in_a_series_without_a_roster_change_nothing(bot: Harness) -> None:
    chair = running(bot)
    assert "has no roster to vote" in refused(bot, chair, "vote open standard: adopt CEP 20")
    assert "no vote is open" in refused(bot, chair, "vote status")
    assert "there is no vote 2" in refused(bot, chair, "vote cancel 2")


def test_too_long_a_question_or_too_many_options_change_nothing(bot: Harness) -> None:
    chair = running(bot)
    refused(bot, chair, "vote " + "x" * 10_000)
    refused(bot, chair, "vote Pick: " + " | ".join(str(n) for n in range(10)))
    refused(bot, chair, "vote Pick: a | | c")


def test_a_custom_template_reads_meeting_votes(tmp_path: Path) -> None:
    from zulip_meetbot.notes import check_template

    template = tmp_path / "votes.md.j2"
    template.write_text(
        "{% for v in meeting.votes %}{{ v.number }}. {{ v.question }} ({{ v.ballots }}):"
        "{% for o in v.options %} {{ o.name }}={{ o.count }}{% endfor %}\n{% endfor %}",
        encoding="utf-8",
    )
    check_template(str(template))  # the sample record has votes: a typo would be named
    (tmp_path / "custom").mkdir()
    bot = Harness(tmp_path / "custom", BOTRC + f"template = {template}\n")
    chair = running(bot)
    hamlet = bot.person(10, "Hamlet")
    vote_id = open_vote(bot, chair, "vote Lunch: pizza | sushi")["id"]
    bot.react(hamlet, vote_id, TWO)
    bot.send(chair, "end")
    (notes,) = bot.settings.notes_dir.glob("**/*.md")
    assert notes.read_text(encoding="utf-8") == "1. Lunch (1): pizza=0 sushi=1\n"

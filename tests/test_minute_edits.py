"""Changing the minutes by number: `note`, `agreed` and `action` `edit N` / `remove N`, and
`action reopen N`; by the author, or a chair for anyone's; after the end within the grace."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from harness import Harness
from sqlalchemy import select

from zulip_meetbot.models import ActionOwnerRow, ActionRow, DecisionRow, NoteRow

NOTES = "2025-02-12-community.md"


@pytest.fixture
def bot(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def running(bot: Harness) -> tuple[Any, Any, Any]:
    """A running meeting on item 1; returns the chair, Wolf and Cheng."""
    chair = bot.person(1, "Jaime Rodríguez-Guerra")
    wolf = bot.person(2, "Wolf Vollprecht")
    cheng = bot.person(3, "Cheng H. Lee")
    bot.say(wolf, "agenda add Repodata v3")
    bot.send(chair, "start now")
    bot.say(chair, "item 1")
    return chair, wolf, cheng


def notes_file(bot: Harness) -> str:
    return (bot.settings.notes_dir / NOTES).read_text(encoding="utf-8")


def test_agenda_shows_each_note_and_decision_with_its_number(bot: Harness) -> None:
    chair, wolf, _ = running(bot)
    bot.say(wolf, "note first")
    bot.say(wolf, "note second")
    bot.say(chair, "agreed Ship it")
    agenda = bot.say(chair, "agenda")
    assert "- _WV: first_ (note 1)" in agenda
    assert "- _WV: second_ (note 2)" in agenda
    assert "- **Agreed:** Ship it (decision 1)" in agenda


def test_a_chair_edits_and_removes_someone_elses_note_and_the_others_keep_their_numbers(
    bot: Harness,
) -> None:
    chair, wolf, _ = running(bot)
    bot.say(wolf, "note first")
    bot.say(wolf, "note secnd")
    bot.say(wolf, "note third")
    assert bot.say(chair, "note edit 2 second") == "Note **#2** now reads: second"
    assert bot.say(chair, "note remove 1") == (
        "Removed note **#1**: first\nThe others keep their numbers."
    )
    agenda = bot.say(chair, "agenda")
    assert "first" not in agenda
    assert "- _WV: second_ (note 2)" in agenda and "- _WV: third_ (note 3)" in agenda
    assert "no note 1 in this meeting" in bot.say(chair, "note edit 1 back again")


def test_only_its_author_or_a_chair_may_change_a_note(bot: Harness) -> None:
    _, wolf, cheng = running(bot)
    bot.say(wolf, "note Wolf's words")
    refusal = bot.say(cheng, "note edit 1 Cheng's words")
    assert refusal == ("Sorry: note 1 is someone else's: only its author or a chair can change it.")
    assert "someone else's" in bot.say(cheng, "note remove 1")
    assert bot.say(wolf, "note edit 1 Wolf's better words") == (
        "Note **#1** now reads: Wolf's better words"
    )
    assert "- _WV: Wolf's better words_ (note 1)" in bot.say(wolf, "agenda")
    assert "there is no note 7" in bot.say(wolf, "note remove 7")


def test_agreed_edit_and_remove_change_a_decision_by_its_number(bot: Harness) -> None:
    chair, wolf, cheng = running(bot)
    bot.say(wolf, "agreed Vote next wek")
    bot.say(wolf, "agreed Keep v2")
    assert "someone else's" in bot.say(cheng, "agreed edit 1 Vote never")
    assert bot.say(wolf, "agreed edit 1 Vote next week") == (
        "Decision **#1** now reads: Vote next week"
    )
    assert bot.say(chair, "agreed remove 2").startswith("Removed decision **#2**: Keep v2\n")
    summary = next(m["content"] for k, m in bot.send(chair, "end") if k == "send_message")
    assert "**Decisions**\n- Vote next week (decision 1)\n" in summary
    assert "Keep v2" not in summary and "Keep v2" not in notes_file(bot)


def test_action_edit_reads_its_owners_again_from_the_new_mentions(bot: Harness) -> None:
    chair, wolf, cheng = running(bot)
    bot.say(wolf, "action @**Cheng H. Lee** drafts the CEP")
    reply = bot.say(wolf, "action edit 1 @**Wolf Vollprecht** and @**Nobody** draft the CEP")
    assert reply == (
        "Action item **#1** now reads: @_**Wolf Vollprecht** and @_**Nobody** draft the CEP\n"
        "It is owned by Wolf Vollprecht. I know nobody called `Nobody`."
    )
    assert "someone else's" in bot.say(cheng, "action edit 1 nothing")
    with bot.store.transaction() as session:
        action = session.scalars(select(ActionRow)).one()
        owners = session.scalars(select(ActionOwnerRow.user_id)).all()
        assert (action.text, owners) == (
            "@**Wolf Vollprecht** and @**Nobody** draft the CEP",
            [2],
        )
    assert "**Action #1** (WV):" in bot.say(chair, "agenda")
    # Owners that stay owners are kept, in the new text's order.
    bot.say(chair, "action edit 1 @**Cheng H. Lee** then @**Wolf Vollprecht** draft it")
    assert "**Action #1** (CHL, WV):" in bot.say(chair, "agenda")


def test_action_remove_drops_it_but_not_an_action_of_an_earlier_meeting(bot: Harness) -> None:
    chair, wolf, _ = running(bot)
    bot.say(wolf, "action @**Wolf Vollprecht** writes it up")
    bot.say(wolf, "action someone books the room")
    assert bot.say(chair, "action remove 2") == (
        "Removed action item **#2**: someone books the room"
    )
    assert "there is no action item 2" in bot.say(chair, "action remove 2")
    bot.send(chair, "end")
    bot.clock.advance(timedelta(days=14))
    bot.send(chair, "start now")
    refusal = bot.say(chair, "action remove 1")
    assert "action item 1 was recorded at an earlier meeting" in refusal
    with bot.store.transaction() as session:  # #2's row stays, emptied: its number is taken
        assert session.execute(select(ActionRow.number, ActionRow.text)).all() == [
            (1, "@**Wolf Vollprecht** writes it up"),
            (2, ""),
        ]


def test_action_reopen_opens_a_closed_action_for_whoever_may_close_it(bot: Harness) -> None:
    chair, wolf, cheng = running(bot)
    bot.say(chair, "action @**Wolf Vollprecht** writes it up")
    bot.say(wolf, "action done 1")
    assert "only its owners, its author or a chair can reopen" in bot.say(cheng, "action reopen 1")
    assert (
        bot.say(wolf, "action reopen 1")
        == "Reopened action item **#1**: @_**Wolf Vollprecht** writes it up"
    )
    assert "action item 1 is not closed" in bot.say(chair, "action reopen 1")
    assert "Closed action item **#1**" in bot.say(chair, "action done 1")


def test_an_edit_after_the_end_within_the_grace_rewrites_the_notes_file(bot: Harness) -> None:
    chair, wolf, _ = running(bot)
    bot.say(wolf, "note Tyop in the note")
    bot.say(chair, "action @**Wolf Vollprecht** does it")
    bot.send(chair, "end")
    assert "Tyop in the note" in notes_file(bot)
    bot.clock.advance(timedelta(hours=3))
    assert bot.say(chair, "note edit 1 Typo fixed") == "Note **#1** now reads: Typo fixed"
    assert bot.say(chair, "action done 1").startswith("Closed")
    assert bot.say(chair, "action reopen 1").startswith("Reopened")
    bot.say(chair, "action edit 1 @**Wolf Vollprecht** does it today")
    text = notes_file(bot)
    assert "Typo fixed" in text and "Tyop" not in text
    assert "- [ ] **Wolf Vollprecht**: does it today (#1)" in text
    bot.clock.advance(timedelta(hours=25))  # past the grace: the ended meeting is closed
    assert "there is no note 1 in this meeting" in bot.say(chair, "note remove 1")
    assert "Typo fixed" in notes_file(bot)


def test_undo_leaves_the_numbers_of_later_notes_alone(bot: Harness) -> None:
    chair, wolf, cheng = running(bot)
    bot.say(wolf, "note Wolf's")
    bot.say(cheng, "note Cheng's")
    assert bot.say(wolf, "undo") == "Removed your last note: Wolf's"
    assert "- _CHL: Cheng's_ (note 2)" in bot.say(chair, "agenda")
    assert bot.say(cheng, "note edit 2 Cheng's, edited") == "Note **#2** now reads: Cheng's, edited"


def test_an_edit_or_removal_without_a_number_is_refused_and_records_nothing(
    bot: Harness,
) -> None:
    chair, _, _ = running(bot)
    for typo in ("note edit x hello", "note remove", "agreed edit x foo", "action remove x"):
        assert "needs the" in bot.say(chair, typo)
    with bot.store.transaction() as session:
        assert session.scalars(select(NoteRow.text)).all() == []
        assert session.scalars(select(DecisionRow.text)).all() == []
        assert session.scalars(select(ActionRow.text)).all() == []


def test_the_agenda_names_which_command_each_number_goes_with(bot: Harness) -> None:
    chair, wolf, _ = running(bot)
    bot.say(wolf, "note first")
    bot.say(wolf, "note second")
    bot.say(chair, "agreed Ship it")
    bot.say(chair, "action @**Cheng H. Lee** writes the post")
    agenda = bot.say(chair, "agenda")
    # Note 2 and decision 1 no longer both read "(#N)"; actions keep the series' `#N`.
    assert "- _WV: second_ (note 2)" in agenda
    assert "- **Agreed:** Ship it (decision 1)" in agenda
    assert "- **Action #1** (CHL):" in agenda
    assert "(#" not in agenda
    bot.say(wolf, "note edit 2 second, better")
    assert "- _WV: second, better_ (note 2)" in bot.say(chair, "agenda")


def test_a_removed_or_undone_actions_number_is_never_given_to_another(bot: Harness) -> None:
    chair, wolf, _ = running(bot)
    bot.say(wolf, "action first")
    bot.say(wolf, "action second")
    assert bot.say(wolf, "undo").startswith("Removed your last action item: second")
    assert "**#3**" in bot.say(wolf, "action third")  # #2 stays taken
    assert bot.say(chair, "action remove 3").startswith("Removed action item **#3**")
    assert "**#4**" in bot.say(wolf, "action fourth")
    assert bot.say(chair, "action done 2") == "Sorry: there is no action item 2."
    agenda = bot.say(chair, "agenda")
    assert "second" not in agenda and "third" not in agenda and "fourth" in agenda


def test_undo_removes_your_latest_action_even_when_it_is_closed(bot: Harness) -> None:
    chair, wolf, _ = running(bot)
    bot.say(wolf, "note N1")
    bot.clock.advance(timedelta(seconds=30))  # messages are a moment apart
    bot.say(wolf, "action @**Wolf Vollprecht** does X")
    assert "✅" not in bot.say(chair, "agenda").split("Action #1**")[1].split("\n")[0]
    bot.say(wolf, "action done 1")
    assert "- **Action #1** ✅ (WV): does X" in bot.say(chair, "agenda")
    assert bot.say(wolf, "undo") == "Removed your last action item: @**Wolf Vollprecht** does X"
    assert bot.say(wolf, "undo") == "Removed your last note: N1"


def test_an_edit_after_the_grace_says_the_ended_meetings_record_is_closed(bot: Harness) -> None:
    chair, wolf, _ = running(bot)
    bot.say(wolf, "note Tyop in the note")
    bot.say(chair, "agreed Ship it")
    bot.send(chair, "end")
    ended = bot.clock.now()
    bot.clock.advance(timedelta(hours=28))  # past the grace
    closed = "is closed: a meeting's record can be changed until `attendance_grace` after its end."
    edited = bot.say(chair, "note edit 1 Typo fixed")
    assert "there is no note 1 in this meeting, and the record of the one that ended " in edited
    assert f"<time:{ended.isoformat()}>" in edited and edited.endswith(closed)
    assert bot.say(wolf, "agreed remove 1").endswith(closed)
    # A number the ended meeting never had is simply not there.
    assert bot.say(chair, "note edit 2 x").endswith(
        "there is no note 2 in this meeting. `agenda` shows the numbers."
    )
    assert "Tyop in the note" in notes_file(bot)

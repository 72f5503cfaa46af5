"""The meeting's record in process: current item, notes, decisions, actions, undo, deferral,
carry-over, open actions, unique initials, guests, late attendance, summary, render."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from harness import BOTRC, Harness

from zulip_meetbot.archive import past_meetings, render_meeting
from zulip_meetbot.domain import agenda
from zulip_meetbot.domain.record import AgendaItem, AgendaSection
from zulip_meetbot.markup import Mention, mention_of, mentions, without_owner_mentions

UTC = timezone.utc
NOTES = "2025-02-12-community.md"
SECTIONS = (
    "sections = Introductions, Announcements, From previous meetings, New agenda items, "
    "Deferred to next meeting"
)


@pytest.fixture
def bot(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def posted(done: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [message["content"] for kind, message in done if kind == "send_message"]


def started(bot: Harness) -> tuple[Any, int]:
    chair = bot.person(1, "Jaime Rodríguez-Guerra")
    bot.send(chair, "start now")
    return chair, bot.posted()[0]["id"]


def notes_of(bot: Harness, name: str = NOTES) -> str:
    return (bot.settings.notes_dir / name).read_text(encoding="utf-8")


def test_item_makes_an_item_current_and_ticks_the_previous_one(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add First")
    bot.say(wolf, "agenda add Second")
    chair, _ = started(bot)
    assert bot.say(chair, "item 1") == "Now discussing item **1**."
    assert bot.say(chair, "item 2") == "Now discussing item **2** (item 1 ticked)."
    agenda = bot.say(chair, "agenda")
    assert "✅ **1** (WV) First" in agenda and "✅ **2**" not in agenda
    assert "only a chair" in bot.say(wolf, "item 1")
    assert "there is no item 99" in bot.say(chair, "item 99")


def test_note_without_a_number_goes_under_the_current_item(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add First")
    chair, _ = started(bot)
    assert "no item is under discussion" in bot.say(wolf, "note something")
    bot.say(chair, "item 1")
    assert bot.say(wolf, "note We should ask conda-forge") == "Noted under item **1**."
    assert "- _WV: We should ask conda-forge_" in bot.say(chair, "agenda")


def test_an_actions_owners_are_its_loud_mentions_and_here_reads_any_one_mention() -> None:
    text = "@**Cheng H. Lee** asks @_**Wolf Vollprecht|2** and @**Jo|7**, cc @**Cheng H. Lee**"
    assert mentions(text) == [Mention("Cheng H. Lee", None), Mention("Jo", 7)]
    assert mention_of("@**Othello**") == Mention("Othello", None)
    assert mention_of(" @**Othello|12** ") == Mention("Othello", 12)
    assert mention_of("@_**Othello**") == Mention("Othello", None)
    assert mention_of("Othello") is None
    assert mention_of("@othello") == Mention("othello", None)  # a bare @ means to mention
    assert mention_of("@**Othello** and @**Iago**") is None


def test_decisions_and_actions_sit_under_the_current_item_with_owners(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    cheng = bot.person(3, "Cheng H. Lee")
    bot.say(wolf, "agenda add Repodata v3")
    chair, _ = started(bot)
    bot.say(chair, "item 1")
    assert "Recorded the decision under item **1**" in bot.say(chair, "agreed Start the vote")
    reply = bot.say(chair, "action @**Cheng H. Lee** and @**Wolf Vollprecht|2** draft the CEP")
    assert reply == (
        "Recorded action item **#1** under item **1**, owned by Cheng H. Lee and Wolf Vollprecht."
    )
    unowned = bot.say(chair, "action someone books the room")
    assert "**#2**" in unowned and "owned by nobody yet" in unowned
    unknown = bot.say(chair, "action @**Nobody Here** does a thing")
    assert "I know nobody called `Nobody Here`" in unknown
    agenda = bot.say(cheng, "agenda")
    assert "- **Agreed:** Start the vote" in agenda
    assert "- **Action #1** (CHL, WV): draft the CEP" in agenda  # its owners named once


def test_undo_removes_your_own_last_record_only(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add First")
    chair, _ = started(bot)
    bot.say(chair, "item 1")
    assert "you have recorded nothing" in bot.say(wolf, "undo")
    bot.say(wolf, "note keep me")
    bot.say(chair, "agreed chair's decision")
    bot.say(wolf, "agreed oops, wrong")
    assert bot.say(wolf, "undo") == "Removed your last decision: oops, wrong"
    assert bot.say(wolf, "undo") == "Removed your last note: keep me"
    agenda = bot.say(chair, "agenda")
    assert "chair's decision" in agenda and "oops" not in agenda and "keep me" not in agenda


def test_deferred_items_move_to_the_next_meeting_with_children_and_proposer(
    tmp_path: Path,
) -> None:
    bot = Harness(tmp_path, BOTRC + SECTIONS + "\n")
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add Run exports in repodata")
    bot.say(wolf, "agenda sub 1 https://github.com/conda/ceps/pull/108")
    bot.say(wolf, "agenda add Discussed today")
    chair, _ = started(bot)
    assert "will move to the next meeting" in bot.say(chair, "agenda defer 1")
    bot.say(chair, "item 2")
    summary = posted(bot.send(chair, "end"))[0]
    assert "**Deferred to the next meeting** (<time:2025-02-26T17:00:00+00:00>)" in summary
    assert "- **1** (WV) Run exports in repodata" in summary
    assert "_(deferred to next meeting)_" in notes_of(bot)

    agenda = bot.say(wolf, "agenda")
    carried = agenda.split("**From previous meetings**")[1].split("**New agenda items**")[0]
    assert "- **1** (WV) Run exports in repodata" in carried
    assert "    - **1.1** https://github.com/conda/ceps/pull/108" in carried
    assert "Discussed today" not in agenda


def test_carry_over_unticked_moves_every_unticked_item(tmp_path: Path) -> None:
    bot = Harness(tmp_path, BOTRC + "carry_over = unticked\n")
    wolf = bot.person(2, "Wolf Vollprecht")
    for text in ("Reached", "Not reached", "Also not reached"):
        bot.say(wolf, f"agenda add {text}")
    chair, _ = started(bot)
    bot.say(chair, "item 1")
    bot.send(chair, "end")
    agenda = bot.say(wolf, "agenda")
    assert "Reached" not in agenda.replace("Not reached", "").replace("Also not reached", "")
    assert "- **1** (WV) Not reached" in agenda and "- **2** (WV) Also not reached" in agenda


def test_a_deferred_sub_item_moves_on_as_an_item_of_its_own_with_its_parents_text(
    bot: Harness,
) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    cheng = bot.person(3, "Cheng H. Lee")
    bot.say(wolf, "agenda add GSOC ideas")
    bot.say(cheng, "agenda sub 1 WebAssembly")
    bot.say(wolf, "agenda sub 1.1 Find a mentor")
    bot.say(wolf, "agenda sub 1 Submitted for conda org")
    chair, _ = started(bot)
    assert "will move to the next meeting" in bot.say(chair, "agenda defer 1.1")
    bot.say(chair, "item 1")
    summary = posted(bot.send(chair, "end"))[0]
    assert "- **1.1** (CHL) GSOC ideas: WebAssembly" in summary
    assert "- ✅ **1** (WV) GSOC ideas" in summary
    assert "    - [ ] (CHL) WebAssembly _(deferred to next meeting)_" in notes_of(bot)

    agenda = bot.say(wolf, "agenda")
    new_items = agenda.split("**New Agenda Items**")[1]
    assert "- **1** (CHL) GSOC ideas: WebAssembly" in new_items
    assert "    - **1.1** (WV) Find a mentor" in new_items
    assert "Submitted for conda org" not in agenda and "deferred" not in agenda


def test_a_deferred_sub_item_under_a_deferred_item_moves_once_under_it(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add Run exports")
    bot.say(wolf, "agenda sub 1 CEP draft")
    chair, _ = started(bot)
    bot.say(chair, "agenda defer 1.1")
    bot.say(chair, "agenda defer 1")
    bot.send(chair, "end")
    agenda = bot.say(wolf, "agenda")
    assert "- **1** (WV) Run exports\n    - **1.1** CEP draft" in agenda
    assert agenda.count("CEP draft") == 1 and "**2**" not in agenda


def test_section_names_that_say_deferred_or_next_meeting_hold_items_for_later() -> None:
    for name in ("Deferred to next meeting", "deferred", "For the next meeting", "Deferrals"):
        assert agenda.is_later_section(name), name
    for name in ("New Agenda Items", "From previous meetings", "Announcements", "Undeferrable"):
        assert not agenda.is_later_section(name), name


def test_unticked_items_of_a_deferred_to_next_meeting_section_move_on_at_end(
    tmp_path: Path,
) -> None:
    bot = Harness(tmp_path, BOTRC + SECTIONS + "\n")
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add Deferred to next meeting: PyPI interop")
    bot.say(wolf, "agenda sub 1 Wheel tags")
    bot.say(wolf, "agenda add Deferred to next meeting: Already settled")
    bot.say(wolf, "agenda done 2")
    bot.say(wolf, "agenda add Discussed today")
    chair, _ = started(bot)
    bot.say(chair, "item 3")
    summary = posted(bot.send(chair, "end"))[0]
    assert "**Deferred to the next meeting** (<time:2025-02-26T17:00:00+00:00>)" in summary
    assert "- **1** (WV) PyPI interop" in summary.split("**Deferred to the next meeting**")[1]
    assert "PyPI interop" not in summary.split("**Deferred to the next meeting**")[0]

    agenda = bot.say(wolf, "agenda")
    carried = agenda.split("**From previous meetings**")[1].split("**New agenda items**")[0]
    assert "- **1** (WV) PyPI interop\n    - **1.1** Wheel tags" in carried
    assert "Already settled" not in agenda and "Discussed today" not in agenda
    assert "**Deferred to next meeting**\n_(nothing yet)_" in agenda  # nothing to move again


def test_a_later_sections_items_land_in_the_default_section_without_from_previous_meetings(
    tmp_path: Path,
) -> None:
    sections = "sections = Introductions, New Agenda Items, Next meeting\n"
    sections += "default_section = New Agenda Items\n"
    bot = Harness(tmp_path, BOTRC + sections)
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add next meeting: Release planning")
    chair, _ = started(bot)
    bot.send(chair, "end")
    agenda = bot.say(wolf, "agenda")
    assert "**New Agenda Items**\n- **1** (WV) Release planning" in agenda
    assert "**Next meeting**\n_(nothing yet)_" in agenda


def test_open_actions_are_listed_at_the_next_meeting_until_done(bot: Harness) -> None:
    cheng = bot.person(3, "Cheng H. Lee")
    chair, _ = started(bot)
    bot.say(chair, "action @**Cheng H. Lee** writes the PURL CEP")
    bot.send(chair, "end")
    agenda = bot.say(cheng, "agenda")
    assert "**Open action items from earlier meetings**" in agenda
    assert "- **#1** writes the PURL CEP (Cheng H. Lee)" in agenda
    bot.clock.advance(timedelta(days=14))
    bot.send(chair, "start now")
    bot.clock.advance(timedelta(minutes=5))
    assert "Closed action item **#1**" in bot.say(cheng, "action done 1")
    assert "already done" in bot.say(cheng, "action done 1")
    assert "there is no action item 9" in bot.say(cheng, "action done 9")
    bot.send(chair, "end")
    second = notes_of(bot, "2025-02-26-community.md")
    assert "## Open action items from previous meetings" in second
    assert "- [x] **Cheng H. Lee**: writes the PURL CEP (#1, from 2025-02-12)" in second
    bot.clock.advance(timedelta(days=1))
    assert "Open action items" not in bot.say(cheng, "agenda")


def test_initials_are_unique_within_a_meeting(bot: Harness) -> None:
    chair, message_id = started(bot)
    john = bot.person(21, "John Doe")
    jane = bot.person(22, "Jane Dawson")
    june = bot.person(23, "June Dunn")
    bot.say(june, "profile initials JD")  # a chosen JD wins over the default ones
    for person in (john, jane, june):
        bot.react(person, message_id)
    bot.send(chair, "end")
    notes = notes_of(bot)
    assert "| John Doe               | JD2      |" in notes
    assert "| Jane Dawson            | JD3      |" in notes
    assert "| June Dunn              | JD       |" in notes


def test_initials_shown_before_a_meeting_stay_in_its_notes_whoever_reacts_first(
    bot: Harness,
) -> None:
    jane = bot.person(21, "Jane Doe")
    john = bot.person(20, "John Doe")  # a lower id than Jane's: it decides nothing here
    bot.say(jane, "agenda add Jane's item")
    bot.clock.advance(timedelta(hours=1))
    bot.say(john, "agenda add John's item")
    before = bot.say(john, "agenda")
    assert "(JD) Jane's item" in before and "(JD2) John's item" in before
    chair, message_id = started(bot)
    bot.react(john, message_id)
    bot.clock.advance(timedelta(minutes=5))
    bot.react(jane, message_id)
    bot.say(chair, "item 2")
    bot.say(john, "note John speaks first")
    assert "(JD2) John's item" in bot.say(chair, "agenda")
    bot.send(chair, "end")
    notes = notes_of(bot)
    assert "(JD) Jane's item" in notes and "(JD2) John's item" in notes
    assert "| John Doe               | JD2      |" in notes
    assert "| Jane Doe               | JD       |" in notes


def test_initials_of_people_who_only_attended_do_not_follow_arrival_order(
    bot: Harness,
) -> None:
    chair, message_id = started(bot)
    jane = bot.person(21, "Jane Doe")
    john = bot.person(20, "John Doe")
    bot.react(jane, message_id)
    bot.clock.advance(timedelta(minutes=5))
    bot.react(john, message_id)
    bot.send(chair, "end")
    notes = notes_of(bot)
    assert "| Jane Doe               | JD2      |" in notes
    assert "| John Doe               | JD       |" in notes


def test_someone_who_speaks_later_in_the_meeting_renames_nobody(bot: Harness) -> None:
    jane = bot.person(21, "Jane Doe")
    john = bot.person(20, "John Doe")
    chair, _ = started(bot)
    bot.say(chair, "agenda add The chair's item")
    bot.say(chair, "item 1")
    bot.clock.advance(timedelta(minutes=5))
    bot.say(jane, "note Jane's note")
    assert "_JD: Jane's note_" in bot.say(chair, "agenda")
    bot.clock.advance(timedelta(minutes=5))
    bot.say(john, "agenda add John's late item")
    agenda = bot.say(chair, "agenda")
    assert "_JD: Jane's note_" in agenda and "(JD2) John's late item" in agenda


def test_initials_another_person_chose_are_refused_naming_them(bot: Harness) -> None:
    hamlet = bot.person(10, "Hamlet")
    horatio = bot.person(11, "Horatio")
    assert "Initials: H" in bot.say(hamlet, "profile initials H")
    reply = bot.say(horatio, "profile initials h")
    assert reply == "Sorry: initials H are already taken by Hamlet; choose others."
    assert "Initials: H\n" in bot.say(hamlet, "profile")
    assert "Initials: H\n" in bot.say(hamlet, "profile initials H")  # choosing one's own again
    assert "Initials: HO" in bot.say(horatio, "profile initials HO")


def test_initials_someone_has_from_their_name_are_refused_naming_them(bot: Harness) -> None:
    hamlet = bot.person(10, "Hamlet")
    iago = bot.person(11, "Iago")
    bot.say(hamlet, "agenda add Hamlet's item")  # Hamlet is H on this agenda
    reply = bot.say(iago, "profile initials H")
    assert reply == "Sorry: initials H are already taken by Hamlet; choose others."
    assert "(H) Hamlet's item" in bot.say(iago, "agenda")
    assert "Initials: IA" in bot.say(iago, "profile initials IA")


def test_profile_says_what_it_saved_and_where_initials_from_a_name_may_differ(
    bot: Harness,
) -> None:
    iago = bot.person(11, "Iago")
    shown = bot.say(iago, "profile")
    assert "- Initials: I (from your name: where someone else has them too, you may be " in shown
    saved = bot.say(iago, "profile initials IA")
    assert saved.startswith("Saved: your initials now read IA.\nYour row in the attendees table")
    assert "- Initials: IA\n" in saved
    assert bot.say(iago, "profile affiliation Venice").startswith(
        "Saved: your affiliation now reads Venice."
    )


def test_a_dash_clears_a_profile_field_and_a_github_address_gives_the_username(
    bot: Harness,
) -> None:
    iago = bot.person(11, "Iago")
    bot.say(iago, "profile affiliation Venice")
    bot.say(iago, "profile initials IA")
    assert "- Affiliation: _(not set)_" in bot.say(iago, "profile affiliation -")
    assert "- Initials: I (from your name" in bot.say(iago, "profile initials -")
    saved = bot.say(iago, "profile github https://github.com/iago-ancient/")
    assert "- GitHub: iago-ancient\n" in saved
    assert "not a GitHub username" in bot.say(iago, "profile github https://gitlab.com/iago")


def test_a_chair_adds_someone_on_the_call_without_zulip(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    chair, _ = started(bot)
    assert "only a chair" in bot.say(wolf, "here Sam Doe")
    assert bot.say(chair, "here Sam Doe") == "Marked Sam Doe present."
    assert bot.say(chair, "here sam doe") == "Sam Doe was already marked present."
    summary = posted(bot.send(chair, "end"))[0]
    # Wolf's refused `here` was still a word in the meeting: he is on the call too.
    assert "Attendees: @_**Jaime Rodríguez-Guerra|1**, @_**Wolf Vollprecht|2**, Sam Doe." in summary
    assert "| Sam Doe                | SD       |" in notes_of(bot)


def test_late_reaction_within_the_grace_counts_and_rewrites_the_notes(bot: Harness) -> None:
    chair, message_id = started(bot)
    bot.react(chair, message_id)
    bot.send(chair, "end")
    assert "1 person in total" in notes_of(bot)
    bot.clock.advance(timedelta(hours=3))
    bot.react(bot.person(9, "Late Comer"), message_id)
    assert "| Late Comer" in notes_of(bot) and "2 people in total" in notes_of(bot)
    bot.clock.advance(timedelta(hours=25))
    bot.react(bot.person(10, "Too Late"), message_id)
    assert "Too Late" not in notes_of(bot)


def test_summary_names_attendees_silently_and_groups_actions_by_owner(bot: Harness) -> None:
    cheng = bot.person(3, "Cheng H. Lee")
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add Repodata v3")
    chair, message_id = started(bot)
    bot.react(cheng, message_id)
    bot.say(chair, "item 1")
    bot.say(chair, "agreed Start the vote next week")
    bot.say(chair, "action @**Cheng H. Lee** opens the vote")
    bot.say(chair, "action find a volunteer")
    done = bot.send(chair, "end")
    summary = posted(done)[0]
    assert "Attendees: @_**Jaime Rodríguez-Guerra|1**, @_**Cheng H. Lee|3**." in summary
    assert "- ✅ **1** (WV) Repodata v3" in summary
    assert "**Decisions**\n- Start the vote next week" in summary
    assert "- **Cheng H. Lee**: opens the vote (#1)" in summary
    assert "- **Unowned**: find a volunteer (#2)" in summary
    assert "Notes file: [2025-02-12-community.md](https://server/user_uploads/" in summary


def test_render_reproduces_the_notes_file_byte_for_byte(tmp_path: Path) -> None:
    bot = Harness(tmp_path)
    cheng = bot.person(3, "Cheng H. Lee")
    bot.say(cheng, "agenda add PURL CEP")
    chair, message_id = started(bot)
    bot.react(cheng, message_id)
    bot.say(chair, "item 1")
    bot.say(cheng, "note RFC period starts today")
    bot.say(chair, "action @**Cheng H. Lee** announces it")
    bot.send(chair, "end")
    bot.clock.advance(timedelta(days=1))
    bot.say(cheng, "action done 1")  # closed after the meeting: its notes must not change
    with bot.store.transaction() as session:
        series = bot.settings.series[0]
        again = render_meeting(session, series, date(2025, 2, 12), series.template)
        [past] = past_meetings(session, series)
    assert again == notes_of(bot)
    assert (past.attendees, past.items, past.ended) == (2, 1, True)  # the chair and Cheng

    cli = subprocess.run(
        [sys.executable, "-m", "zulip_meetbot", "render", "community", "2025-02-12"],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.decode("utf-8") == notes_of(bot)
    listing = subprocess.run(
        [sys.executable, "-m", "zulip_meetbot", "meetings", "community"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "2025-02-12          2      1  ended" in listing.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "zulip_meetbot", "render", "community", "2025-03-01"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1 and "held no meeting on 2025-03-01" in missing.stderr


def test_render_with_another_template(tmp_path: Path) -> None:
    bot = Harness(tmp_path)
    chair, message_id = started(bot)
    bot.react(chair, message_id)
    bot.send(chair, "end")
    with bot.store.transaction() as session:
        series = bot.settings.series[0]
        text = render_meeting(session, series, date(2025, 2, 12), "ecosystem")
    assert "1. JRG: Jaime Rodríguez-Guerra" in text


def test_the_summary_lists_an_action_with_two_owners_once_naming_both(bot: Harness) -> None:
    bot.person(3, "Cheng H. Lee")
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add Repodata v3")
    chair, _ = started(bot)
    bot.say(chair, "action @**Cheng H. Lee** and @**Wolf Vollprecht** draft the CEP")
    summary = posted(bot.send(chair, "end"))[0]
    lines = [line for line in summary.splitlines() if "draft the CEP" in line]
    assert lines == ["- **Cheng H. Lee and Wolf Vollprecht**: draft the CEP (#1)"]
    assert "- [ ] **Cheng H. Lee and Wolf Vollprecht**: draft the CEP (#1)" in notes_of(bot)


def test_with_carry_over_unticked_the_summary_lists_exactly_what_the_next_agenda_gets(
    tmp_path: Path,
) -> None:
    bot = Harness(tmp_path, BOTRC + SECTIONS + "\ncarry_over = unticked\n")
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add Announce GSOC ideas")
    bot.say(wolf, "agenda sub 1 WebAssembly")
    bot.say(wolf, "agenda sub 1 Security in rattler")
    bot.say(wolf, "agenda add Deferred to next meeting: Talk about CEPs")
    bot.say(wolf, "agenda add Announcements: conda 25.1 is out")
    bot.say(wolf, "agenda add Settled today")
    chair, _ = started(bot)
    bot.say(chair, "agenda defer 1.1")
    bot.say(chair, "agenda done 4")
    summary = posted(bot.send(chair, "end"))[0]
    before, handed = summary.split("**Carried to the next meeting** (<time:2025-02-26T17:00:00")
    handed = handed.split("\n\n")[0]
    assert handed.splitlines()[1:] == [
        "- **3** (WV) conda 25.1 is out",
        "- **1** (WV) Announce GSOC ideas",
        "    - **1.2** Security in rattler",
        "- **1.1** (WV) Announce GSOC ideas: WebAssembly",
        "- **2** (WV) Talk about CEPs",
    ]
    assert "- ✅ **4** (WV) Settled today" in before and "GSOC" not in before

    agenda = bot.say(wolf, "agenda")
    carried = agenda.split("**From previous meetings**\n")[1].split("\n\n")[0]
    assert carried.splitlines() == [
        "- **1** (WV) conda 25.1 is out",
        "- **2** (WV) Announce GSOC ideas",
        "    - **2.2** Security in rattler",
        "- **3** (WV) Announce GSOC ideas: WebAssembly",
        "- **4** (WV) Talk about CEPs",
    ]
    assert "Settled today" not in agenda


def test_a_deferred_sub_item_of_an_item_handed_on_unticked_still_arrives_on_its_own() -> None:
    child = AgendaItem("1.1", "WebAssembly", "WV", "Wolf", False, False, deferred=True)
    other = AgendaItem("1.2", "Security", "WV", "Wolf", False, True)
    parent = AgendaItem("1", "GSOC ideas", "WV", "Wolf", True, False, children=(child, other))
    sections = (AgendaSection("New agenda items", (parent,)),)
    unticked = agenda.handed_on(sections, unticked=True)
    assert [(item.number, item.text) for item in unticked] == [
        ("1", "GSOC ideas"),
        ("1.1", "GSOC ideas: WebAssembly"),
    ]
    assert unticked[0].children == (other,)
    # Only deferred: the parent stays, the deferred sub-item still goes on its own.
    assert [(i.number, i.text) for i in agenda.handed_on(sections)] == [
        ("1.1", "GSOC ideas: WebAssembly")
    ]
    # A deferred parent takes its deferred sub-item along.
    deferred_parent = replace(parent, deferred=True)
    whole = agenda.handed_on((AgendaSection("New agenda items", (deferred_parent,)),), True)
    assert whole == (deferred_parent,)


def test_the_summary_ticks_closed_actions_and_groups_owners_whatever_their_order(
    bot: Harness,
) -> None:
    bot.person(4, "othello")
    bot.person(5, "hamlet")
    chair, _ = started(bot)
    bot.say(chair, "action @**hamlet** @**othello** write the proposal")
    bot.say(chair, "action @**othello** and @**hamlet** review it")
    bot.say(chair, "action done 1")
    summary = posted(bot.send(chair, "end"))[0]
    actions = summary.split("**Action items**\n")[1].split("\n\n")[0].splitlines()
    assert actions == [
        "- ✅ **hamlet and othello**: write the proposal (#1)",
        "- **hamlet and othello**: review it (#2)",
    ]


def test_with_carry_over_unticked_an_open_sub_item_of_a_ticked_item_is_not_lost(
    tmp_path: Path,
) -> None:
    bot = Harness(tmp_path, BOTRC + SECTIONS + "\ncarry_over = unticked\n")
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add Parent P")
    bot.say(wolf, "agenda sub 1 Sub P1 open")
    bot.say(wolf, "agenda sub 1.1 Its own detail")
    bot.say(wolf, "agenda sub 1 Sub P2 done")
    chair, _ = started(bot)
    bot.say(chair, "agenda done 1.2")
    bot.say(chair, "agenda done 1")
    summary = posted(bot.send(chair, "end"))[0]
    handed = summary.split("**Carried to the next meeting**")[1].split("\n\n")[0]
    assert handed.splitlines()[1:] == [
        "- **1.1** (WV) Parent P: Sub P1 open",
        "    - **1.1.1** Its own detail",
    ]
    agenda = bot.say(wolf, "agenda")
    assert "- **1** (WV) Parent P: Sub P1 open\n    - **1.1** Its own detail" in agenda
    assert "Sub P2 done" not in agenda and "- **2**" not in agenda


def test_an_actions_owners_are_named_once_in_the_summary_notes_and_next_agenda(
    bot: Harness,
) -> None:
    bot.person(4, "othello")
    bot.person(5, "Jane Doe")
    chair, _ = started(bot)
    bot.say(chair, "action @**othello** @**Jane Doe** write the proposal")
    summary = posted(bot.send(chair, "end"))[0]
    assert "- **othello and Jane Doe**: write the proposal (#1)" in summary
    assert "- [ ] **othello and Jane Doe**: write the proposal (#1)" in notes_of(bot)
    agenda = bot.say(chair, "agenda")
    assert "- **#1** write the proposal (othello and Jane Doe)" in agenda


@pytest.mark.parametrize(
    ("text", "owners", "shown"),
    [
        ("@**A** @**B** write it", ("A", "B"), "write it"),
        ("@**A|4**, @_**B**: write it", ("A", "B"), "write it"),
        ("@**a** and @**B** write it", ("A", "B"), "write it"),
        ("@**A** asks @**B** to write it", ("A", "B"), "@**A** asks @**B** to write it"),
        ("@**A** writes it with @_**C**", ("A",), "writes it with @_**C**"),
        ("ask @**A** to write it", ("A",), "ask @**A** to write it"),
        ("@**A** @**Nobody** write it", ("A",), "@**A** @**Nobody** write it"),
        ("@**A**", ("A",), "@**A**"),
        ("anyone writes it", (), "anyone writes it"),
    ],
)
def test_only_the_leading_mentions_naming_exactly_the_owners_are_dropped(
    text: str, owners: tuple[str, ...], shown: str
) -> None:
    assert without_owner_mentions(text, owners) == shown

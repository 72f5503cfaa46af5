"""The handler end to end in process: commands, numbering, permissions, attendance, notes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, get_args

import pytest
from harness import BOTRC, Harness
from sqlalchemy import event, func, select

from zulip_meetbot import checks, views
from zulip_meetbot import handler as handler_module
from zulip_meetbot.commands import Command, Help
from zulip_meetbot.domain.people import Member
from zulip_meetbot.models import (
    AttendanceRow,
    HandledMessageRow,
    ItemRow,
    NoteRow,
    PersonRow,
    ReplyRow,
)
from zulip_meetbot.scheduler import MeetingScheduler


@pytest.fixture
def bot(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def item_count(bot: Harness) -> int:
    with bot.store.transaction() as session:
        return session.scalar(select(func.count()).select_from(ItemRow)) or 0


def test_handler_module_exports_zulip_bots_names() -> None:
    assert handler_module.handler_class is handler_module.MeetbotHandler
    assert handler_module.__version__
    assert "agenda" in handler_module.MeetbotHandler().usage()


def test_agenda_add_replies_with_the_new_items_number(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    assert "Added item **1** to **New Agenda Items**" in bot.say(wolf, "agenda add Announce GSOC")
    assert "Added item **2**" in bot.say(wolf, "agenda add Discuss `cache`")
    agenda = bot.say(wolf, "agenda")
    assert "- **1** (WV) Announce GSOC" in agenda
    assert "- **2** (WV) Discuss `cache`" in agenda


def test_agenda_add_with_section_name_matches_case_insensitively(bot: Harness) -> None:
    jaime = bot.person(3, "Jaime Rodríguez-Guerra")
    reply = bot.say(jaime, "agenda add announcements: conda-smithy released")
    assert "to **Announcements**" in reply
    agenda = bot.say(jaime, "agenda")
    announcements = agenda.split("**Announcements**")[1].split("**New Agenda Items**")[0]
    assert "(JRG) conda-smithy released" in announcements


def test_text_with_colon_that_is_not_a_section_stays_whole(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add Ideas: WebAssembly")
    assert "(WV) Ideas: WebAssembly" in bot.say(wolf, "agenda")


def test_sub_items_are_numbered_under_their_parent_and_removal_never_renumbers(
    bot: Harness,
) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add First")
    bot.say(wolf, "agenda add Second")
    assert "**1.1**" in bot.say(wolf, "agenda sub 1 child a")
    assert "**1.2**" in bot.say(wolf, "agenda sub 1 child b")
    assert "**1.2.1**" in bot.say(wolf, "agenda sub 1.2 grandchild")
    assert "Removed item **1.1**" in bot.say(wolf, "agenda remove 1.1")
    assert "**1.3**" in bot.say(wolf, "agenda sub 1 child c")
    assert "Added item **3**" in bot.say(wolf, "agenda add Third")
    bot.say(wolf, "agenda remove 2")
    agenda = bot.say(wolf, "agenda")
    assert "**1.1**" not in agenda and "**2**" not in agenda
    for number in ("**1**", "**1.2**", "**1.2.1**", "**1.3**", "**3**"):
        assert number in agenda


def test_removing_an_item_removes_its_children(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add First")
    bot.say(wolf, "agenda sub 1 child")
    assert "with its 1 sub-items" in bot.say(wolf, "agenda remove 1")
    assert "there is no item 1.1" in bot.say(wolf, "agenda sub 1.1 x")


def test_proposer_edits_own_item_others_cannot_but_chair_can(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    travis = bot.person(4, "Travis Hathaway")
    chair = bot.person(1, "Jaime Chair")
    bot.say(wolf, "agenda add Draft title")
    assert "now reads: Better title" in bot.say(wolf, "agenda edit 1 Better title")
    refusal = bot.say(travis, "agenda edit 1 Hijacked")
    assert "only the person who proposed item 1 or a chair" in refusal
    assert "only the person" in bot.say(travis, "agenda remove 1")
    assert "now reads: Chair's title" in bot.say(chair, "agenda edit 1 Chair's title")
    assert "Chair's title" in bot.say(wolf, "agenda")
    assert "Hijacked" not in bot.say(wolf, "agenda")


def test_organization_admin_is_a_chair(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    iago = bot.person(11, "Iago", admin=True)
    bot.say(wolf, "agenda add Item")
    assert "now reads" in bot.say(iago, "agenda edit 1 Renamed by admin")


def test_move_puts_an_item_at_a_position_among_its_siblings(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    for text in ("alpha", "beta", "gamma"):
        bot.say(wolf, f"agenda add {text}")
    assert "position 1" in bot.say(wolf, "agenda move 3 1")
    agenda = bot.say(wolf, "agenda")
    assert agenda.index("gamma") < agenda.index("alpha") < agenda.index("beta")
    assert "**3** (WV) gamma" in agenda  # numbers are stable: moving never renumbers


def test_done_ticks_an_item(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add alpha")
    assert "Ticked item **1**" in bot.say(wolf, "agenda done 1")
    assert "✅ **1**" in bot.say(wolf, "agenda")


def test_unknown_verb_gets_a_polite_reply_and_changes_nothing(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    reply = bot.say(wolf, "frobnicate the agenda")
    assert reply.startswith("Sorry:") and "`help`" in reply
    assert item_count(bot) == 0


def test_missing_argument_gets_the_verbs_usage(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    reply = bot.say(wolf, "agenda add")
    assert "no text" in reply and "`agenda add TEXT`" in reply
    assert item_count(bot) == 0


def test_item_999_is_refused_clearly(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add alpha")
    assert "there is no item 999" in bot.say(wolf, "agenda sub 999 child")
    assert "there is no item 999" in bot.say(wolf, "note 999 hello")
    assert "there is no item 999" in bot.say(wolf, "agenda edit 999 hello")
    assert item_count(bot) == 1


def test_ten_thousand_character_item_is_refused_and_nothing_saved(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    reply = bot.say(wolf, "agenda add " + "x" * 10_000)
    assert "10,000 characters" in reply and "Nothing was saved" in reply
    assert item_count(bot) == 0


def test_non_chair_cannot_start_or_end(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    assert "only a chair" in bot.say(wolf, "start")
    chair = bot.person(1, "Jaime Chair")
    bot.send(chair, "start now")
    assert "only a chair" in bot.say(wolf, "end")


def test_start_posts_the_attendance_message_in_the_meeting_topic(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    done = bot.send(chair, "start now", topic="other topic")
    posts = [message for kind, message in done if kind == "send_message"]
    assert len(posts) == 1
    assert posts[0]["to"] == "conda" and posts[0]["topic"] == "community call 2025-02-12"
    assert "React to this message" in posts[0]["content"]
    replies = [message for kind, message in done if kind == "send_reply"]
    assert len(replies) == 1 and "attendance message is in" in replies[0]["content"]


def test_start_in_the_meeting_topic_posts_once(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    done = bot.send(chair, "start now")
    assert [kind for kind, _ in done] == ["send_message"]
    again = bot.say(chair, "start now")
    assert "already running" in again


def test_reaction_marks_attendance_and_removing_the_last_one_unmarks(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    hamlet = bot.person(10, "King Hamlet")
    othello = bot.person(12, "Othello")
    bot.send(chair, "start now")
    attendance_id = bot.posted()[0]["id"]
    bot.react(hamlet, attendance_id, "1f44b")
    bot.react(hamlet, attendance_id, "1f44d")
    bot.react(hamlet, attendance_id, "1f44b", op="remove")
    bot.react(othello, attendance_id, "1f44d")
    bot.react(othello, attendance_id, "1f44d", op="remove")
    summary = next(m for k, m in bot.send(chair, "end") if k == "send_message")["content"]
    # The chair who started the meeting counts without reacting.
    assert "2 people attended" in summary and "King Hamlet" in summary
    assert "Jaime Chair" in summary and "Othello" not in summary


def test_reactions_on_other_messages_and_by_bots_do_not_count(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    other_bot = bot.person(50, "Some Bot", bot=True)
    hamlet = bot.person(10, "King Hamlet")
    bot.send(chair, "start now")
    attendance_id = bot.posted()[0]["id"]
    bot.react(other_bot, attendance_id)
    bot.react(hamlet, attendance_id + 1000)
    summary = next(m for k, m in bot.send(chair, "end") if k == "send_message")["content"]
    assert "1 person attended" in summary  # only the chair who started it


def test_here_marks_yourself_present_without_reacting(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    othello = bot.person(12, "Othello")
    assert "no meeting of **Conda Community Meeting** is running" in bot.say(othello, "here")
    bot.send(chair, "start now")
    assert "marked present" in bot.say(othello, "here")
    assert "already marked present" in bot.say(othello, "here")


def summary_of(done: list[tuple[str, dict[str, Any]]]) -> str:
    return next(str(m["content"]) for kind, m in done if kind == "send_message")


def attendance_rows(bot: Harness) -> list[tuple[int, int]]:
    with bot.store.transaction() as session:
        rows = session.execute(select(AttendanceRow.meeting_id, AttendanceRow.user_id))
        return sorted((meeting_id, user_id) for meeting_id, user_id in rows)


def person_rows(bot: Harness) -> list[tuple[int, str]]:
    with bot.store.transaction() as session:
        rows = session.execute(select(PersonRow.user_id, PersonRow.full_name))
        return sorted((user_id, name) for user_id, name in rows)


@pytest.mark.parametrize("mention", ["@**Othello**", "@**Othello|12**", "@_**Othello**"])
def test_here_with_a_mention_marks_that_user(bot: Harness, mention: str) -> None:
    chair = bot.person(1, "Jaime Chair")
    othello = bot.person(12, "Othello")
    bot.send(chair, "start now")
    attendance_id = bot.posted()[0]["id"]
    assert bot.say(chair, f"here {mention}") == "Marked Othello present."
    bot.react(othello, attendance_id)  # he reacts as well: still one person
    assert bot.say(chair, "here othello") == "Othello was already marked present."
    summary = summary_of(bot.send(chair, "end"))
    assert "2 people attended" in summary
    assert "Attendees: @_**Jaime Chair|1**, @_**Othello|12**." in summary
    assert [user_id for _, user_id in attendance_rows(bot)] == [1, 12]
    assert all(user_id > 0 for user_id, _ in person_rows(bot))  # no guest was made
    notes = (bot.settings.notes_dir / "2025-02-12-community.md").read_text()
    assert notes.count("| Othello ") == 1 and "O2" not in notes


def test_here_with_a_mention_by_id_marks_that_user_whatever_the_name_says(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    bot.person(12, "Othello")
    bot.person(13, "Othello")  # two people of one name: Zulip's typeahead adds the id
    bot.send(chair, "start now")
    assert bot.say(chair, "here @**Othello|13**") == "Marked Othello present."
    assert [user_id for _, user_id in attendance_rows(bot)] == [1, 13]


def test_here_with_an_unknown_mention_is_refused_and_changes_nothing(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    bot.send(chair, "start now")
    before = (attendance_rows(bot), person_rows(bot))
    for mention in ("@**nobody**", "@**nobody|404**", "@_**nobody**"):
        reply = bot.say(chair, f"here {mention}")
        assert reply.startswith("Sorry: I know nobody called `nobody`")
        assert "nobody was marked present" in reply
    assert (attendance_rows(bot), person_rows(bot)) == before


def test_here_with_a_bare_at_name_means_that_user_and_never_adds_a_guest(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    bot.person(12, "Othello")
    bot.send(chair, "start now")
    assert bot.say(chair, "here @othello") == "Marked Othello present."
    before = (attendance_rows(bot), person_rows(bot))
    assert bot.say(chair, "here @nobody").startswith("Sorry: I know nobody called `nobody`")
    two = bot.say(chair, "here @**Othello** and @**Jaime Chair**")
    assert "one person at a time" in two
    assert (attendance_rows(bot), person_rows(bot)) == before
    assert [user_id for _, user_id in attendance_rows(bot)] == [1, 12]


def test_here_with_a_mention_of_a_bot_is_refused(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    bot.person(50, "Some Bot", bot=True)
    bot.send(chair, "start now")
    assert "bots do not attend" in bot.say(chair, "here @**Some Bot**")
    assert [user_id for _, user_id in attendance_rows(bot)] == [1]


def test_here_with_the_name_of_a_known_user_marks_that_user(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    othello = bot.person(12, "Othello")
    bot.send(chair, "start now")
    bot.react(othello, bot.posted()[0]["id"])
    assert bot.say(chair, "here othello") == "Othello was already marked present."
    assert [user_id for _, user_id in attendance_rows(bot)] == [1, 12]
    assert "2 people attended" in summary_of(bot.send(chair, "end"))


def test_here_with_the_same_guest_name_twice_adds_one_guest(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    bot.send(chair, "start now")
    assert bot.say(chair, "here Sam Doe") == "Marked Sam Doe present."
    assert bot.say(chair, "here  SAM   doe") == "Sam Doe was already marked present."
    assert [name for user_id, name in person_rows(bot) if user_id < 0] == ["Sam Doe"]
    assert len(attendance_rows(bot)) == 2


def test_here_mentioning_someone_else_is_for_chairs_only(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.person(12, "Othello")
    bot.send(chair, "start now")
    assert "only a chair" in bot.say(wolf, "here @**Othello**")
    # Refused, he still spoke in the meeting, so he is present already (as he says next).
    assert bot.say(wolf, "here @**Wolf Vollprecht**") == "You were already marked present."
    assert [user_id for _, user_id in attendance_rows(bot)] == [1, 2]


def test_anyone_who_gives_a_command_in_a_meeting_started_by_schedule_counts_as_present(
    bot: Harness,
) -> None:
    chair = bot.person(1, "Jaime Chair")
    wolf = bot.person(2, "Wolf Vollprecht")
    filipe = bot.person(5, "Filipe Fernandes")
    cheng = bot.person(3, "Cheng H. Lee")
    bot.say(wolf, "agenda add Repodata v3")  # before the meeting: not a sign of presence
    bot.clock.set(datetime(2025, 2, 12, 17, 0, tzinfo=timezone.utc))
    MeetingScheduler(bot.app, bot.bot).run_due()  # auto_start: nobody said `start`
    assert (
        "anyone who gives me a command during the meeting counts as present too"
        in (bot.posted()[-1]["content"])
    )
    bot.say(chair, "item 1")
    bot.say(filipe, "note One idea per org")
    bot.say(chair, "agreed Start the vote next week")
    bot.say(cheng, "agenda")
    summary = summary_of(bot.send(chair, "end"))
    assert "3 people attended" in summary
    assert "Jaime Chair" in summary and "Filipe Fernandes" in summary and "Cheng H. Lee" in summary
    assert "Wolf Vollprecht" not in summary.split("Attendees:")[1].split("\n")[0]


def test_a_chair_who_only_says_end_counts_as_present(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    bot.clock.set(datetime(2025, 2, 12, 17, 0, tzinfo=timezone.utc))
    MeetingScheduler(bot.app, bot.bot).run_due()
    summary = summary_of(bot.send(chair, "end"))
    assert "1 person attended" in summary and "@_**Jaime Chair|1**" in summary


def test_commands_that_need_no_meeting_count_as_present_during_one(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    wolf = bot.person(2, "Wolf Vollprecht")
    othello = bot.person(12, "Othello")
    bot.send(chair, "start now")
    bot.say(wolf, "next", stream=None)  # a direct message, in the only series
    bot.say(othello, "profile")
    assert [user_id for _, user_id in attendance_rows(bot)] == [1, 2, 12]


def test_a_refused_command_in_a_running_meeting_counts_as_present(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    wolf = bot.person(2, "Wolf Vollprecht")
    cassio = bot.person(3, "Cassio")
    bot.say(chair, "agenda add Chair's item")
    bot.send(chair, "start now")
    assert "there is no item 9" in bot.say(wolf, "note 9 nothing to note under")
    assert "only a chair" in bot.say(cassio, "item 1")
    assert [user_id for _, user_id in attendance_rows(bot)] == [1, 2, 3]
    with bot.store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(NoteRow)) == 0  # nothing else
    assert "3 people attended" in summary_of(bot.send(chair, "end"))


def test_a_message_in_the_meeting_the_bot_cannot_parse_still_counts_as_present(
    bot: Harness,
) -> None:
    chair = bot.person(1, "Jaime Chair")
    lee = bot.person(4, "Lee Q")
    bot.send(chair, "start now")
    assert "needs the note's number" in bot.say(lee, "note edit x hello")
    assert "I don't know the command" in bot.say(lee, "frobnicate")
    assert [user_id for _, user_id in attendance_rows(bot)] == [1, 4]


def test_a_refused_command_before_the_meeting_marks_nobody(bot: Harness) -> None:
    bot.person(1, "Jaime Chair")
    wolf = bot.person(2, "Wolf Vollprecht")
    assert "Sorry:" in bot.say(wolf, "item 1")
    assert attendance_rows(bot) == []


def test_speaking_in_a_meeting_keeps_you_present_after_removing_your_reaction(
    bot: Harness,
) -> None:
    chair = bot.person(1, "Jaime Chair")
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.send(chair, "start now")
    attendance_id = bot.posted()[0]["id"]
    bot.react(wolf, attendance_id)
    bot.say(wolf, "agenda add Something")
    bot.react(wolf, attendance_id, op="remove")
    assert "2 people attended" in summary_of(bot.send(chair, "end"))


def test_commands_of_someone_marked_present_cost_no_extra_statement(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(chair, "agenda add First")
    bot.say(wolf, "note 1 before the meeting")
    bot.say(wolf, "note 1 before the meeting, again")

    def statements(text: str) -> int:
        counted = []
        listener = lambda *args: counted.append(1)  # noqa: E731
        event.listen(bot.store.engine, "before_cursor_execute", listener)
        try:
            assert "Noted under item **1**" in bot.say(wolf, text)
        finally:
            event.remove(bot.store.engine, "before_cursor_execute", listener)
        return len(counted)

    outside = statements("note 1 before the meeting, once more")
    bot.send(chair, "start now")
    assert statements("note 1 the first word in the meeting") == outside + 1  # marks Wolf
    assert statements("note 1 and another") == outside
    assert [user_id for _, user_id in attendance_rows(bot)] == [1, 2]


def test_note_is_credited_to_its_author(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    filipe = bot.person(5, "Filipe Fernandes")
    bot.say(chair, "agenda add GSOC")
    bot.send(chair, "start now")
    assert "Noted under item **1**" in bot.say(filipe, "note 1 Better chance with two orgs")
    with bot.store.transaction() as session:
        note = session.scalars(select(NoteRow)).one()
        assert note.author_id == 5
    assert "_FF: Better chance with two orgs_" in bot.say(chair, "agenda")


def test_end_writes_the_notes_file_and_posts_a_summary(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    bot.say(chair, "agenda add GSOC ideas")
    bot.send(chair, "start now")
    bot.say(chair, "here")
    done = bot.send(chair, "end")
    summary = next(m for k, m in done if k == "send_message")
    assert summary["topic"] == "community call 2025-02-12"
    assert "1 person attended" in summary["content"]
    assert "GSOC ideas" in summary["content"]
    assert "2025-02-12-community.md" in summary["content"]
    notes = (bot.settings.notes_dir / "2025-02-12-community.md").read_text()
    assert notes.startswith("---\ntags: [meeting-notes]\n---\n# 2025-02-12 Conda Community Meeting")
    assert "- [ ] (JC) GSOC ideas" in notes
    assert "1 person in total" in notes


def test_after_end_the_agenda_belongs_to_the_next_occurrence(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    bot.say(chair, "agenda add old item")
    bot.send(chair, "start now")
    bot.send(chair, "end")
    reply = bot.say(chair, "agenda add new item")
    assert "Added item **1**" in reply and "2025-02-26T17:00:00+00:00" in reply
    assert "old item" not in bot.say(chair, "agenda")


def test_direct_message_goes_to_the_only_series(bot: Harness) -> None:
    othello = bot.person(12, "Othello")
    reply = bot.say(othello, "agenda add from a DM", stream=None)
    assert "Added item **1**" in reply
    assert bot.bot.transcript[0][0] == "send_reply"


def test_unknown_series_slug_is_refused(bot: Harness) -> None:
    othello = bot.person(12, "Othello")
    reply = bot.say(othello, "nosuch: agenda", stream=None)
    assert "there is no series `nosuch`" in reply


def test_message_in_a_stream_without_series_is_explained(bot: Harness) -> None:
    othello = bot.person(12, "Othello")
    assert "no meeting series meets in #**random**" in bot.say(othello, "agenda", stream="random")


def test_profile_sets_the_attendees_table_row(bot: Harness) -> None:
    jonathan = bot.person(6, "Jonathan Helmus")
    assert "Initials: JH" in bot.say(jonathan, "profile")
    assert "Initials: JJH" in bot.say(jonathan, "profile initials jjh")
    assert "Affiliation: Anaconda" in bot.say(jonathan, "profile affiliation Anaconda")
    assert "GitHub: jjhelmus" in bot.say(jonathan, "profile github @jjhelmus")
    bot.say(jonathan, "agenda add Something")
    assert "(JJH) Something" in bot.say(jonathan, "agenda")


def test_the_same_message_delivered_twice_is_handled_once(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    message = bot.message(wolf, "agenda add only once", message_id=5555)
    bot.handler.handle_message(message, bot.bot)
    bot.bot.reset_transcript()
    bot.handler.handle_message(dict(message), bot.bot)
    assert bot.bot.transcript == []
    assert item_count(bot) == 1


def test_help_lists_the_verbs_and_help_verb_explains_one(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    text = bot.say(wolf, "help")
    for verb in ("agenda", "start", "here", "note", "end", "profile"):
        assert f"`{verb}" in text
    assert "`agenda move N POSITION`" in bot.say(wolf, "help agenda")


def test_a_near_miss_section_name_gets_a_hint(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    reply = bot.say(wolf, "agenda add anouncements: conda 25.1 is out")
    assert "to **New Agenda Items**" in reply
    assert "did you mean **Announcements**?" in reply
    assert "did you mean" not in bot.say(wolf, "agenda add Ideas: WebAssembly")


def _say_slowly(bot: Harness, who: Member, text: str) -> str:
    bot.clock.advance(timedelta(seconds=3))  # under the per-person command limit
    return bot.say(who, text)


def test_long_agenda_shows_note_counts_to_stay_within_zulips_message_limit(
    bot: Harness,
) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    for n in range(3):
        _say_slowly(bot, wolf, f"agenda add Topic {n}")
    for n in range(60):
        _say_slowly(bot, wolf, f"note {1 + n % 3} {'A long point made in discussion. ' * 8}{n}")
    agenda = _say_slowly(bot, wolf, "agenda")
    assert len(agenda) <= views.MAX_MESSAGE_LENGTH
    assert "- **1** (WV) Topic 0 _(20 notes)_" in agenda
    assert "A long point" not in agenda
    assert agenda.endswith("`agenda add TEXT`.")
    # A short agenda still shows what was said.
    bot.say(wolf, "agenda remove 1")
    bot.say(wolf, "agenda remove 2")
    assert "A long point made" in _say_slowly(bot, wolf, "agenda")


def test_agenda_too_long_for_one_message_is_cut_short_saying_so(bot: Harness) -> None:
    people = [bot.person(10 + n, f"Person {n}") for n in range(10)]
    for n in range(250):
        who = people[n % len(people)]
        _say_slowly(bot, who, f"agenda add Proposal {n} {'with a long explanation ' * 2}")
    agenda = _say_slowly(bot, people[0], "agenda")
    assert len(agenda) <= views.MAX_MESSAGE_LENGTH
    assert "- **1** (P0) Proposal 0" in agenda
    shown = agenda.count("\n- **")
    cut = re.search(r"_…and (\d+) more lines: Zulip takes at most 10,000 characters\._", agenda)
    assert cut is not None and shown + int(cut[1]) == 250
    assert agenda.endswith("`agenda add TEXT`.")


def test_replies_are_owed_until_marked_posted_and_unknown_ones_are_ignored(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    added = bot.message(wolf, "agenda add Owed until posted")
    bot.handler.handle_message(added, bot.bot)
    since = bot.clock.now() - timedelta(hours=1)
    owed = bot.app.ledger.owed_replies(since)
    assert [command for command, _ in owed.replies] == [added["id"]]
    assert "Owed until posted" in owed.replies[0][1]
    bot.app.ledger.replies_posted([(added["id"], 9001), (123456789, 9002)])
    after = bot.app.ledger.owed_replies(since)
    assert after.replies == () and after.newest_post_id == 9001


def test_records_older_than_the_catch_up_window_are_dropped_but_the_newest(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    old = [bot.message(wolf, f"agenda add Old {n}") for n in range(3)]
    for message in old:
        bot.clock.advance(timedelta(seconds=5))
        bot.handler.handle_message(message, bot.bot)
    bot.app.ledger.replies_posted([(old[0]["id"], 9001), (old[1]["id"], 9002)])
    bot.clock.advance(timedelta(hours=25))
    bot.app.ledger.forget_before(bot.clock.now() - timedelta(hours=24))
    with bot.store.transaction() as session:
        handled = session.scalars(select(HandledMessageRow.message_id)).all()
        replies = session.scalars(select(ReplyRow.message_id)).all()
    # Catching up starts after the newest handled message; a restart looks for owed replies
    # after the newest one known posted.
    assert handled == [old[2]["id"]]
    assert replies == [old[1]["id"]]
    fresh = bot.message(wolf, "agenda add Fresh")
    bot.handler.handle_message(fresh, bot.bot)
    bot.app.ledger.forget_before(bot.clock.now() - timedelta(hours=24))
    with bot.store.transaction() as session:
        handled = session.scalars(select(HandledMessageRow.message_id)).all()
    assert handled == [fresh["id"]]  # the old newest is no longer needed
    assert bot.app.ledger.was_handled(fresh["id"])


def test_an_item_typed_with_a_terminal_colour_and_a_bidi_override_is_stored_clean(
    bot: Harness,
) -> None:
    chair = bot.person(1, "Jaime Chair")
    reply = bot.say(chair, "agenda add \x1b[31mRelease\x1b[0m \u202eexe.gnp\u202c notes")
    assert reply.endswith(": Release exe.gnp notes")
    bot.send(chair, "start now")
    bot.say(chair, "note 1 \u2066isolated\u2069 \x1b]0;pwned\x07words")
    bot.send(chair, "end")
    with bot.store.transaction() as session:
        assert session.scalars(select(ItemRow.text)).all() == ["Release exe.gnp notes"]
        assert session.scalars(select(NoteRow.text)).all() == ["isolated words"]
    notes = next((bot.settings.notes_dir).glob("*.md")).read_text(encoding="utf-8")
    assert not re.search("[\x1b\x07\u202a-\u202e\u2066-\u2069]", notes)


# --- the flood limit and counted nouns --------------------------------------------------------

FLOOD_NOTICE = (
    "You sent more than 3 commands in a minute; I ignored `{}`. Wait a moment and send it "
    "again, and any other command I leave unanswered."
)


def flooding(tmp_path: Path) -> tuple[Harness, Member]:
    """A bot taking 3 commands a minute from one person, and a person who has just sent 3."""
    bot = Harness(tmp_path, BOTRC.replace("chairs = 1", "chairs = 1\ncommands_per_minute = 3"))
    busy = bot.person(5, "Busy Person")
    for n in range(3):
        assert bot.say(busy, f"agenda add Fits {n}").startswith("Added item")
    return bot, busy


def test_every_dropped_command_is_named_but_the_notice_comes_at_most_once_a_minute(
    tmp_path: Path,
) -> None:
    bot, busy = flooding(tmp_path)
    bot.clock.advance(timedelta(seconds=1))
    assert bot.say(busy, "agenda add Dropped 1") == FLOOD_NOTICE.format("agenda add Dropped 1")
    other = bot.person(6, "Calm Person")
    assert bot.say(other, "agenda add Someone else").startswith("Added item")  # per person
    bot.clock.advance(timedelta(seconds=30))
    assert bot.send(busy, "agenda add Dropped 2") == []  # told 30 s ago: no second notice
    bot.clock.advance(timedelta(seconds=29))  # a minute after the first three: room again
    for n in range(3):
        assert bot.say(busy, f"agenda add Fits again {n}").startswith("Added item")
    bot.clock.advance(timedelta(seconds=1))  # a minute after the first notice
    assert bot.say(busy, "agenda add Dropped 3") == FLOOD_NOTICE.format("agenda add Dropped 3")
    agenda = bot.say(other, "agenda")
    assert "Fits again 2" in agenda and "Dropped" not in agenda


def test_a_dropped_command_stays_dropped_when_it_is_delivered_again(tmp_path: Path) -> None:
    bot, busy = flooding(tmp_path)
    dropped = bot.message(busy, "agenda add Dropped")
    bot.handler.handle_message(dropped, bot.bot)
    assert bot.app.ledger.was_handled(dropped["id"])  # catch-up after a restart skips it too
    bot.clock.advance(timedelta(minutes=2))
    bot.bot.reset_transcript()
    bot.handler.handle_message(dropped, bot.bot)
    assert list(bot.bot.transcript) == [] and item_count(bot) == 3
    assert bot.say(busy, "agenda add Dropped").startswith("Added item **4**")  # sent again


def test_the_flood_notice_shows_any_command_as_code_on_one_short_line() -> None:
    ticks = views.slow_down(1, "agenda add use `conda`\nand @**all**")
    assert "more than 1 command in a minute" in ticks
    assert "I ignored ``agenda add use `conda` and @**all**``." in ticks
    long = views.slow_down(30, "note " + "x" * 200)
    assert f"I ignored `note {'x' * 54}…`." in long


def test_a_handler_without_the_flood_limit_answers_every_command(tmp_path: Path) -> None:
    bot = Harness(tmp_path, BOTRC.replace("chairs = 1", "chairs = 1\ncommands_per_minute = 3"))
    bot.handler = handler_module.MeetbotHandler(bot.app, limit_floods=False)
    busy = bot.person(5, "Busy Person")
    replies = [bot.say(busy, f"agenda add Item {n}") for n in range(10)]
    assert all(reply.startswith("Added item") for reply in replies)


def test_counts_take_the_singular_for_one_and_the_plural_otherwise() -> None:
    assert [views.count(n, "person", "people") for n in (0, 1, 2)] == [
        "0 people",
        "1 person",
        "2 people",
    ]
    one_problem = [checks.Finding(checks.ERROR, "[api] key: missing")]
    assert checks.verdict(one_problem, online=False).startswith("1 problem: ")


def test_next_1_speaks_of_one_meeting(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    assert bot.say(wolf, "next 1").startswith("The next 1 **Conda Community Meeting** meeting:\n")
    assert bot.say(wolf, "next 2").startswith("The next 2 **Conda Community Meeting** meetings:")


def test_a_command_for_a_running_meeting_after_the_end_says_when_it_ended(bot: Harness) -> None:
    chair = bot.person(1, "Jaime Chair")
    bot.send(chair, "start now")
    bot.send(chair, "end")
    reply = bot.say(chair, "item 1")
    assert reply.startswith("Sorry: no meeting of **Conda Community Meeting** is running: the ")
    assert "last one, of 2025-02-12, ended <time:" in reply


def test_every_command_but_help_has_a_route_in_the_dispatch_table() -> None:
    assert set(handler_module.DISPATCH) == set(get_args(Command)) - {Help}

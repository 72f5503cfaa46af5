"""The handler end to end in process: commands, numbering, permissions, attendance, notes."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from harness import Harness
from sqlalchemy import func, select

from zulip_meetbot import handler as handler_module
from zulip_meetbot import views
from zulip_meetbot.models import HandledMessageRow, ItemRow, NoteRow, ReplyRow
from zulip_meetbot.people import Member


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
    assert "There is no item 1.1" in bot.say(wolf, "agenda sub 1.1 x")


def test_proposer_edits_own_item_others_cannot_but_chair_can(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    travis = bot.person(4, "Travis Hathaway")
    chair = bot.person(1, "Jaime Chair")
    bot.say(wolf, "agenda add Draft title")
    assert "now reads: Better title" in bot.say(wolf, "agenda edit 1 Better title")
    refusal = bot.say(travis, "agenda edit 1 Hijacked")
    assert "Only the person who proposed item 1 or a chair" in refusal
    assert "Only the person" in bot.say(travis, "agenda remove 1")
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
    assert "There is no item 999" in bot.say(wolf, "agenda sub 999 child")
    assert "There is no item 999" in bot.say(wolf, "note 999 hello")
    assert "There is no item 999" in bot.say(wolf, "agenda edit 999 hello")
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
    assert "No **Conda Community Meeting** meeting is running" in bot.say(othello, "here")
    bot.send(chair, "start now")
    assert "marked present" in bot.say(othello, "here")
    assert "already marked present" in bot.say(othello, "here")


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
    assert "1 people in total" in notes or "1 person in total" in notes


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
    owed = bot.handler.owed_replies(since)
    assert [command for command, _ in owed.replies] == [added["id"]]
    assert "Owed until posted" in owed.replies[0][1]
    bot.handler.replies_posted([(added["id"], 9001), (123456789, 9002)])
    after = bot.handler.owed_replies(since)
    assert after.replies == () and after.newest_post_id == 9001


def test_records_older_than_the_catch_up_window_are_dropped_but_the_newest(bot: Harness) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    old = [bot.message(wolf, f"agenda add Old {n}") for n in range(3)]
    for message in old:
        bot.clock.advance(timedelta(seconds=5))
        bot.handler.handle_message(message, bot.bot)
    bot.handler.replies_posted([(old[0]["id"], 9001), (old[1]["id"], 9002)])
    bot.clock.advance(timedelta(hours=25))
    bot.handler.forget_before(bot.clock.now() - timedelta(hours=24))
    with bot.store.transaction() as session:
        handled = session.scalars(select(HandledMessageRow.message_id)).all()
        replies = session.scalars(select(ReplyRow.message_id)).all()
    # Catching up starts after the newest handled message; a restart looks for owed replies
    # after the newest one known posted.
    assert handled == [old[2]["id"]]
    assert replies == [old[1]["id"]]
    fresh = bot.message(wolf, "agenda add Fresh")
    bot.handler.handle_message(fresh, bot.bot)
    bot.handler.forget_before(bot.clock.now() - timedelta(hours=24))
    with bot.store.transaction() as session:
        handled = session.scalars(select(HandledMessageRow.message_id)).all()
    assert handled == [fresh["id"]]  # the old newest is no longer needed
    assert bot.handler.was_handled(fresh["id"])

"""Regrets: `regrets`, a chair's `regrets NAME`, `regrets off`, and 👎 on a meeting's reminder;
listed in its reminders, `agenda` and notes, unless the person attends after all."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from harness import BOT_ID, BOTRC, Harness
from sqlalchemy import select
from test_notes import reference_record
from test_schedule import botrc

from zulip_meetbot.commands import SendRegrets, UsageError, parse_command
from zulip_meetbot.models import RegretRow
from zulip_meetbot.notes import render_notes
from zulip_meetbot.scheduler import MeetingScheduler
from zulip_meetbot.terminal.session import ShellOptions, open_session

UTC = timezone.utc
THUMBS_DOWN = "1f44e"
# The harness's first meeting is 2025-02-12 17:00 UTC, the next 2025-02-26.
FIRST = "<time:2025-02-12T17:00:00+00:00>"
SECOND = "<time:2025-02-26T17:00:00+00:00>"
NOTES = "2025-02-12-community.md"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Bot(Harness):
    """The harness with its scheduler: `to(...)` moves the clock and runs what is due."""

    def __init__(self, folder: Path, botrc: str = BOTRC) -> None:
        super().__init__(folder, botrc)
        self.scheduler = MeetingScheduler(self.app, self.bot)
        self.chair = self.person(1, "Jaime Chair")
        self.othello = self.person(12, "Othello")
        self.iago = self.person(13, "Iago")

    def to(self, when: str) -> list[dict[str, Any]]:
        self.bot.reset_transcript()
        self.clock.set(at(when))
        self.scheduler.run_due()
        return self.posted()

    def regrets(self) -> list[tuple[int, int, int, bool]]:
        """(meeting id, user id, said by, by reaction) of every regret recorded."""
        with self.store.transaction() as session:
            rows = session.scalars(select(RegretRow).order_by(RegretRow.created_at))
            return [(r.meeting_id, r.user_id, r.said_by, r.by_reaction) for r in rows]

    def agenda(self) -> str:
        return self.say(self.iago, "agenda")

    def notes(self) -> str:
        return (self.settings.notes_dir / NOTES).read_text(encoding="utf-8")

    def hold_first_meeting(self, *present: Any) -> str:
        """Start the first meeting, mark ``present`` there, end it; the summary."""
        self.clock.set(at("2025-02-12 17:00"))
        self.send(self.chair, "start now")
        for member in present:
            self.say(self.chair, f"here @**{member.full_name}|{member.user_id}**")
        ended = self.send(self.chair, "end")
        return next(str(m["content"]) for kind, m in ended if kind == "send_message")


@pytest.fixture
def bot(tmp_path: Path) -> Bot:
    return Bot(tmp_path)


# -- the parser -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("regrets", SendRegrets()),
        ("Regrets", SendRegrets()),
        ("regret", SendRegrets()),
        ("regrets @**Othello|12**", SendRegrets("@**Othello|12**")),
        ("regrets  Sam   Doe ", SendRegrets("Sam Doe")),
        ("regrets off", SendRegrets(None, off=True)),
        ("regrets withdraw", SendRegrets(None, off=True)),
        ("regrets OFF @**Othello**", SendRegrets("@**Othello**", off=True)),
    ],
)
def test_regrets_forms_parse(text: str, command: SendRegrets) -> None:
    assert parse_command(text) == command


def test_a_name_too_long_for_regrets_is_refused_by_the_parser() -> None:
    with pytest.raises(UsageError, match="longer than 200 characters"):
        parse_command("regrets " + "x" * 201)


# -- by command --------------------------------------------------------------------------------


def test_regrets_by_command_are_listed_in_the_reminder_the_agenda_and_the_notes(bot: Bot) -> None:
    reply = bot.say(bot.othello, "regrets")
    assert reply == (
        f"Noted: you cannot come to **Conda Community Meeting** on {FIRST}. Its reminders, "
        "`agenda` and notes list your regrets (unless you attend after all); `regrets off` "
        "withdraws them."
    )
    assert bot.say(bot.othello, "regrets") == (
        f"Your regrets for **Conda Community Meeting** on {FIRST} were already noted."
    )
    assert len(bot.regrets()) == 1
    agenda = bot.agenda()
    assert agenda.splitlines()[1] == "**Regrets:** Othello"
    [reminder] = bot.to("2025-02-11 17:00")
    assert "\n**Regrets:** Othello\n" in reminder["content"]
    assert (
        "Cannot come? React with :-1: to this message, or say `regrets`." in (reminder["content"])
    )
    bot.hold_first_meeting()
    assert "\n1 person in total\n\nRegrets: Othello\n\n## Introductions\n" in bot.notes()


def test_regrets_off_withdraws_them_and_a_second_one_changes_nothing(bot: Bot) -> None:
    bot.say(bot.othello, "regrets")
    assert bot.say(bot.othello, "regrets off") == (
        f"Your regrets for **Conda Community Meeting** on {FIRST} are withdrawn: see you there."
    )
    assert bot.regrets() == []
    assert "Regrets" not in bot.agenda()
    assert bot.say(bot.othello, "regrets off") == (
        "Sorry: you had sent no regrets for the meeting of 2025-02-12; there is nothing to "
        "withdraw."
    )
    assert bot.regrets() == []


def test_regrets_during_a_running_meeting_are_for_the_next_one(bot: Bot) -> None:
    bot.clock.set(at("2025-02-12 17:05"))
    bot.send(bot.chair, "start now")
    reply = bot.say(bot.othello, "regrets", stream=None)
    assert f"on {SECOND}" in reply
    [(_, user_id, said_by, by_reaction)] = bot.regrets()
    assert (user_id, said_by, by_reaction) == (12, 12, False)
    bot.send(bot.chair, "end")
    assert "Regrets" not in bot.notes()  # the running meeting's notes: he is not a regret there
    assert bot.agenda().splitlines()[1] == "**Regrets:** Othello"  # the next meeting's


def test_someone_who_sent_regrets_and_then_attends_is_an_attendee_not_a_regret(bot: Bot) -> None:
    hamlet = bot.person(10, "King Hamlet")
    bot.say(bot.othello, "regrets")
    bot.clock.set(at("2025-02-10 12:01"))
    bot.say(hamlet, "regrets")
    assert bot.agenda().splitlines()[1] == "**Regrets:** Othello, King Hamlet"
    summary = bot.hold_first_meeting(bot.othello)
    assert "Othello" in summary
    notes = bot.notes()
    assert "| Othello " in notes and "\n2 people in total\n\nRegrets: King Hamlet\n" in notes


def test_when_everyone_who_sent_regrets_attends_the_notes_have_no_regrets_line(
    bot: Bot,
) -> None:
    bot.say(bot.othello, "regrets")
    bot.hold_first_meeting(bot.othello)
    notes = bot.notes()
    assert "Regrets" not in notes and "\n2 people in total\n\n## Introductions\n" in notes


# -- a meeting moved, skipped, or cancelled for an empty agenda ---------------------------------


def test_regrets_stay_with_a_rescheduled_meeting(bot: Bot) -> None:
    bot.say(bot.othello, "regrets")
    [day_before] = bot.to("2025-02-11 17:00")
    bot.react(bot.iago, day_before["id"], THUMBS_DOWN)
    bot.say(bot.chair, "reschedule +1h", topic="planning")
    moved = "<time:2025-02-12T18:00:00+00:00>"
    agenda = bot.agenda().splitlines()
    assert moved in agenda[0] and agenda[1] == "**Regrets:** Othello, Iago"
    [hour_before] = bot.to("2025-02-12 17:00")
    assert f"starts {moved}" in hour_before["content"]
    assert "\n**Regrets:** Othello, Iago\n" in hour_before["content"]
    # The first reminder, edited since, is still the meeting's: 👎 taken away there withdraws.
    bot.react(bot.iago, day_before["id"], THUMBS_DOWN, op="remove")
    assert [row[1] for row in bot.regrets()] == [12]
    bot.clock.set(at("2025-02-12 18:00"))
    bot.send(bot.chair, "start now")
    bot.send(bot.chair, "end")
    assert "\nRegrets: Othello\n" in bot.notes()


def test_a_skipped_meetings_regrets_do_not_carry_to_the_next_one(bot: Bot) -> None:
    bot.say(bot.othello, "regrets")
    [reminder] = bot.to("2025-02-11 17:00")
    bot.react(bot.iago, reminder["id"], THUMBS_DOWN)
    assert len(bot.regrets()) == 2
    bot.say(bot.chair, "skip", topic="planning")
    agenda = bot.agenda().splitlines()
    assert SECOND in agenda[0] and "Regrets" not in "\n".join(agenda)
    [next_reminder] = bot.to("2025-02-25 17:00")
    assert "Regrets" not in next_reminder["content"]
    # Regrets said now are the next meeting's; a 👎 on the skipped one's reminder is nothing.
    assert f"on {SECOND}" in bot.say(bot.othello, "regrets")
    bot.react(bot.chair, reminder["id"], THUMBS_DOWN)
    first, second = sorted({row[0] for row in bot.regrets()})
    assert [row[:2] for row in bot.regrets()] == [(first, 12), (first, 13), (second, 12)]
    assert "\n**Regrets:** Othello\n" in bot.to("2025-02-26 16:00")[0]["content"]


def test_regrets_do_not_keep_an_empty_meeting_and_come_back_with_unskip(tmp_path: Path) -> None:
    bot = Bot(tmp_path, botrc(skip_if_empty="2d"))
    bot.say(bot.othello, "regrets")
    [notice] = bot.to("2025-02-10 17:00")  # regrets are no agenda item: cancelled
    assert "its agenda is empty" in notice["content"]
    bot.clock.set(at("2025-02-11 09:00"))
    bot.say(bot.chair, "unskip")
    assert bot.agenda().splitlines()[1] == "**Regrets:** Othello"
    [reminder] = bot.to("2025-02-11 17:00")
    assert "\n**Regrets:** Othello\n" in reminder["content"]


# -- a chair, for someone else -------------------------------------------------------------------


@pytest.mark.parametrize("named", ["@**Othello**", "@**Othello|12**", "othello"])
def test_a_chair_sends_regrets_for_someone_else(bot: Bot, named: str) -> None:
    assert bot.say(bot.chair, f"regrets {named}") == (
        f"Noted: Othello cannot come to **Conda Community Meeting** on {FIRST}. "
        "`regrets off Othello` withdraws it."
    )
    assert bot.regrets()[0][1:] == (12, 1, False)
    assert bot.agenda().splitlines()[1] == "**Regrets:** Othello"
    assert bot.say(bot.chair, "regrets off Othello") == (
        f"Othello's regrets for **Conda Community Meeting** on {FIRST} are withdrawn."
    )
    assert bot.regrets() == []


def test_a_chair_sends_regrets_for_a_guest_added_before(bot: Bot) -> None:
    bot.clock.set(at("2025-01-29 17:00"))  # an earlier meeting, where Sam Doe was a guest
    bot.send(bot.chair, "start now")
    bot.say(bot.chair, "here Sam Doe")
    bot.send(bot.chair, "end")
    bot.clock.set(at("2025-02-10 12:00"))
    assert "Noted: Sam Doe cannot come" in bot.say(bot.chair, "regrets sam doe")
    assert bot.agenda().splitlines()[1] == "**Regrets:** Sam Doe"


# -- by reaction on a reminder -------------------------------------------------------------------


def test_thumbs_down_on_a_reminder_sends_regrets_and_removing_it_withdraws_them(
    bot: Bot,
) -> None:
    [day_before] = bot.to("2025-02-11 17:00")
    bot.react(bot.othello, day_before["id"], THUMBS_DOWN)
    bot.react(bot.othello, day_before["id"], THUMBS_DOWN)  # the same again: one regret
    bot.react(bot.iago, day_before["id"], "1f44d")  # another emoji: nothing
    bot.react(bot.person(50, "Some Bot", bot=True), day_before["id"], THUMBS_DOWN)
    assert [row[1:] for row in bot.regrets()] == [(12, 12, True)]
    [hour_before] = bot.to("2025-02-12 16:00")
    assert "\n**Regrets:** Othello\n" in hour_before["content"]
    # Any reminder of the meeting takes it; removing it from either withdraws it.
    bot.react(bot.iago, hour_before["id"], THUMBS_DOWN)
    assert bot.agenda().splitlines()[1] == "**Regrets:** Othello, Iago"
    bot.react(bot.othello, day_before["id"], THUMBS_DOWN, op="remove")
    assert bot.agenda().splitlines()[1] == "**Regrets:** Iago"
    bot.hold_first_meeting()
    assert "\nRegrets: Iago\n" in bot.notes()
    # The meeting has ended: a reaction on its reminder changes nothing now.
    bot.react(bot.othello, hour_before["id"], THUMBS_DOWN)
    assert [row[1] for row in bot.regrets()] == [13]


def test_removing_a_thumbs_down_leaves_regrets_said_in_words(bot: Bot) -> None:
    [reminder] = bot.to("2025-02-11 17:00")
    bot.say(bot.othello, "regrets")
    bot.react(bot.othello, reminder["id"], THUMBS_DOWN)
    bot.react(bot.othello, reminder["id"], THUMBS_DOWN, op="remove")
    assert [row[1:] for row in bot.regrets()] == [(12, 12, False)]


def zulip_reactions(*user_ids: int, emoji: str = THUMBS_DOWN) -> list[dict[str, Any]]:
    """A message's reactions as GET /messages/{id} lists them."""
    return [
        {"user_id": uid, "emoji_code": emoji, "emoji_name": "-1", "reaction_type": "unicode_emoji"}
        for uid in user_ids
    ]


def test_catch_up_reads_the_thumbs_down_of_all_of_a_meetings_reminders_together(
    bot: Bot,
) -> None:
    [day_before] = bot.to("2025-02-11 17:00")
    [hour_before] = bot.to("2025-02-12 16:00")
    bot.react(bot.othello, day_before["id"], THUMBS_DOWN)  # seen live
    bot.say(bot.iago, "regrets")
    cordelia = bot.person(14, "Cordelia")
    # What the runtime reads back after a gap: one meeting's reminders at a time.
    assert bot.handler.open_reminder_groups() == [(day_before["id"], hour_before["id"])]
    # While down: Cordelia put a 👎 on the hour-before reminder; Othello's stays on the other.
    on_zulip = {
        day_before["id"]: zulip_reactions(bot.othello.user_id),
        hour_before["id"]: zulip_reactions(cordelia.user_id, BOT_ID)
        + zulip_reactions(bot.iago.user_id, emoji="1f44d"),
    }
    assert bot.handler.reconcile_regrets(on_zulip, bot.bot) == 1
    assert {row[1:] for row in bot.regrets()} == {(12, 12, True), (13, 13, False), (14, 14, True)}
    assert bot.handler.reconcile_regrets(on_zulip, bot.bot) == 0  # read again: nothing
    # Othello's 👎 gone from every reminder: withdrawn; Iago's regrets, in words, stay.
    on_zulip[day_before["id"]] = []
    assert bot.handler.reconcile_regrets(on_zulip, bot.bot) == 1
    assert {row[1:] for row in bot.regrets()} == {(13, 13, False), (14, 14, True)}


def test_catch_up_reads_no_reminders_of_a_meeting_cancelled_or_held(bot: Bot) -> None:
    [day_before] = bot.to("2025-02-11 17:00")
    bot.hold_first_meeting()
    assert bot.handler.open_reminder_groups() == []
    on_zulip = {day_before["id"]: zulip_reactions(bot.othello.user_id)}
    assert bot.handler.reconcile_regrets(on_zulip, bot.bot) == 0
    [second] = bot.to("2025-02-25 17:00")
    bot.say(bot.chair, "skip", topic="planning")
    assert bot.handler.open_reminder_groups() == []
    assert bot.handler.reconcile_regrets({second["id"]: zulip_reactions(12)}, bot.bot) == 0
    assert bot.regrets() == []


def test_thumbs_down_on_a_quick_vote_is_a_ballot_and_on_the_attendance_message_attendance(
    bot: Bot,
) -> None:
    bot.clock.set(at("2025-02-12 17:00"))
    bot.send(bot.chair, "start now")
    attendance_id = bot.posted()[0]["id"]
    vote = [m for kind, m in bot.send(bot.chair, "vote Ship it?") if kind == "send_message"]
    bot.react(bot.othello, vote[0]["id"], THUMBS_DOWN)
    bot.react(bot.iago, attendance_id, THUMBS_DOWN)
    assert bot.regrets() == []
    assert "no 1" in bot.say(bot.chair, "vote close")
    summary = next(m for kind, m in bot.send(bot.chair, "end") if kind == "send_message")
    assert "Iago" in summary["content"]


# -- templates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "after"),
    [
        ("community", "\n7 people in total\n"),
        ("ecosystem", "\n1. DJC: Daniel Ching (@carterbox), NVIDIA/CF\n"),
    ],
)
def test_both_templates_show_a_regrets_line_only_when_there_are_regrets(
    template: str, after: str
) -> None:
    record = reference_record()
    without = render_notes(record, template)
    assert "Regrets" not in without
    with_regrets = render_notes(replace(record, regrets=("Olu Vance", "# Ann Bee")), template)
    assert with_regrets == without.replace(after, after + "\nRegrets: Olu Vance, \\# Ann Bee\n", 1)


def test_a_custom_template_reads_meeting_regrets(tmp_path: Path) -> None:
    (tmp_path / "mine.md.j2").write_text(
        "# {{ meeting.date }}\n"
        "{% for name in meeting.regrets %}\n"
        "- sends regrets: {{ name | inline }}\n"
        "{% else %}\n"
        "- no regrets\n"
        "{% endfor %}\n",
        encoding="utf-8",
    )
    bot = Bot(tmp_path, BOTRC + "template = mine.md.j2\n")
    bot.say(bot.othello, "regrets")
    bot.say(bot.chair, "regrets Iago")
    bot.hold_first_meeting()
    assert bot.notes() == "# 2025-02-12\n- sends regrets: Othello\n- sends regrets: Iago\n"


# -- bad input -----------------------------------------------------------------------------------


def test_regrets_for_someone_else_by_a_non_chair_are_refused_and_change_nothing(bot: Bot) -> None:
    assert bot.say(bot.othello, "regrets Iago") == (
        "Sorry: only a chair of **Conda Community Meeting** (or an organization admin) can use "
        "`regrets NAME`."
    )
    bot.say(bot.chair, "regrets Iago")
    assert bot.say(bot.othello, "regrets off Iago") == (
        "Sorry: only a chair of **Conda Community Meeting** (or an organization admin) can use "
        "`regrets off NAME`."
    )
    assert [row[1] for row in bot.regrets()] == [13]
    # Naming oneself is one's own regrets.
    assert bot.say(bot.othello, "regrets @**Othello|12**").startswith("Noted: you cannot come")


def test_regrets_for_an_unknown_name_or_a_bot_are_refused_and_change_nothing(bot: Bot) -> None:
    bot.person(50, "Notes Bot", bot=True)
    assert bot.say(bot.chair, "regrets Nobody Here") == (
        "Sorry: I know nobody called `Nobody Here` here, so no regrets were noted. Name them as "
        "Zulip does, or mention them: `regrets @**Name**`."
    )
    assert "nobody called `Ghost`" in bot.say(bot.chair, "regrets @**Ghost|404**")
    assert bot.say(bot.chair, "regrets Notes Bot") == (
        "Sorry: Notes Bot is a bot; bots do not attend meetings."
    )
    assert "Othello had sent no regrets" in bot.say(bot.chair, "regrets off Othello")
    assert bot.regrets() == []


def test_regrets_with_no_upcoming_meeting_are_refused_and_change_nothing(tmp_path: Path) -> None:
    botrc = BOTRC.replace("FREQ=WEEKLY;INTERVAL=2", "FREQ=WEEKLY;COUNT=1")
    bot = Bot(tmp_path, botrc)
    bot.clock.set(at("2025-03-01 12:00"))
    assert bot.say(bot.othello, "regrets") == (
        "Sorry: **Conda Community Meeting** has no upcoming meeting."
    )
    assert bot.regrets() == []


# -- in the shell ---------------------------------------------------------------------------------


def test_regrets_in_the_shell_by_command_and_by_reacting_to_a_reminder(tmp_path: Path) -> None:
    out = io.StringIO()
    opened = open_session(ShellOptions(now="2025-02-10 13:00", timezone="UTC"), tmp_path, out)
    assert not isinstance(opened, list), opened
    session, store = opened
    script = (
        "/clock 2025-02-11 17:00\n/as Othello\n/react last 👎\n/as hamlet\n@meetbot regrets\n"
        "@meetbot agenda\n/as Othello\n/unreact 1 👎\n@meetbot agenda"
    )
    try:
        for line in script.splitlines():
            assert session.handle_line(line)
    finally:
        store.close()
    printed = out.getvalue()
    assert "Cannot come? React with :-1: to this message, or say `regrets`." in printed
    assert "Noted: you cannot come to **Demo Community Meeting**" in printed
    first, second = printed.split("Othello removed the reaction 👎")
    assert "**Regrets:** Othello, hamlet" in first
    assert "**Regrets:** hamlet\n" in second

"""`meetbot shell`: a whole meeting in the terminal, driven by piped scripts as a user would."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from zulip_meetbot.domain import governance
from zulip_meetbot.store import Store
from zulip_meetbot.terminal.pretend_zulip import People, emoji
from zulip_meetbot.terminal.rendering import terminal_text
from zulip_meetbot.terminal.session import (
    ShellOptions,
    ShellSession,
    command_for_bot,
    open_session,
    parse_clock,
)

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")

# The demo series meets every Wednesday at 17:00 UTC (18:00 in Berlin in winter).
WHOLE_MEETING = """\
# A scripted meeting: comments and blank lines are skipped.
@meetbot agenda add Announce GSOC ideas
@**meetbot** agenda sub 1 Submitted for `conda` org
/as Othello
@meetbot agenda add Release 25.1

/clock 2025-02-12 18:30
/react last wave
/as hamlet
/react last 👋
@meetbot note 1 Better chance with one idea per org
@meetbot end
/notes
/quit
@meetbot agenda add never read: the script quit above
"""


def run_shell(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zulip_meetbot", "shell", *args],
        input=script,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


Opener = Callable[..., tuple[ShellSession, io.StringIO]]


@pytest.fixture
def session_in() -> Iterator[Opener]:
    """Open in-process shell sessions (clock at Mon 10 Feb 2025, 13:00 in Berlin)."""
    stores: list[Store] = []

    def open_in(
        folder: Path, now: str = "2025-02-10 13:00", **options: str
    ) -> tuple[ShellSession, io.StringIO]:
        out = io.StringIO()
        opened = open_session(
            ShellOptions(now=now, timezone="Europe/Berlin", **options), folder, out
        )
        assert not isinstance(opened, list), opened
        session, store = opened
        stores.append(store)
        return session, out

    yield open_in
    for store in stores:
        store.close()


def play(session: ShellSession, out: io.StringIO, script: str) -> str:
    """Run ``script``'s lines; returns only what they printed (not the banner)."""
    start = len(out.getvalue())
    for line in script.splitlines():
        if not session.handle_line(line):
            break
    return out.getvalue()[start:]


def test_piped_script_runs_a_whole_meeting_and_writes_the_notes_file(tmp_path: Path) -> None:
    (tmp_path / "kept").mkdir()  # meetbot never makes a database's folder
    result = run_shell(
        WHOLE_MEETING,
        "--now",
        "2025-02-10 13:00",
        "--timezone",
        "Europe/Berlin",
        "--database",
        "kept/meetbot.sqlite3",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "hamlet> @meetbot agenda add Announce GSOC ideas" in out  # piped lines are echoed
    assert (
        "meetbot (message 2): Added item **1** to **New Agenda Items** for "
        "Wed 12 Feb 2025, 18:00 CET: Announce GSOC ideas"
    ) in out
    assert "Added item **1.1** under item 1" in out
    assert "Added item **2** to **New Agenda Items**" in out
    # /clock stopped at each instant on the way: both reminders, then the start.
    assert "-- Tue 11 Feb 2025, 18:00 CET:" in out
    assert "starts Wed 12 Feb 2025, 18:00 CET (in 1 day)." in out
    assert "-- Wed 12 Feb 2025, 17:00 CET:" in out
    assert "(in 1 hour)" in out
    assert "**Demo Community Meeting** has started." in out
    attendance = "(the attendance message of Demo Community Meeting)"
    assert f"Othello reacted :wave: to message 9 {attendance}" in out
    assert f"hamlet reacted 👋 to message 9 {attendance}" in out
    assert "has ended: 2 people attended." in out
    assert "Attendees: @Othello, @hamlet." in out
    assert "never read" not in out

    notes = tmp_path / "kept" / "notes" / "2025-02-12-demo.md"
    text = notes.read_text()
    assert "# 2025-02-12 Demo Community Meeting" in text
    assert "- [ ] (H) Announce GSOC ideas" in text
    assert "    - [ ] Submitted for `conda` org" in text
    assert "(H) Better chance with one idea per org" in text
    assert "- [ ] (O) Release 25.1" in text
    assert text in out  # /notes printed it


def test_bot_posts_show_global_times_in_the_chosen_zone(tmp_path: Path, session_in: Opener) -> None:
    session, out = session_in(tmp_path)
    printed = play(session, out, "@meetbot next")
    assert "Wed 12 Feb 2025, 18:00 CET" in printed
    assert "<time:" not in printed


def test_only_messages_that_mention_the_bot_are_answered(
    tmp_path: Path, session_in: Opener
) -> None:
    session, out = session_in(tmp_path)
    printed = play(
        session,
        out,
        "@meetbot agenda add one\n@**meetbot** agenda add two\n"
        "@**meetbot|99** agenda add three\nagenda add four\n@othello agenda add five",
    )
    assert re.findall(r"Added item \*\*(\d)\*\*", printed) == ["1", "2", "3"]
    assert printed.count("meetbot only reads messages that start with @meetbot") == 2


def test_first_person_chairs_and_a_new_name_is_a_new_person_who_does_not(
    tmp_path: Path, session_in: Opener
) -> None:
    session, out = session_in(tmp_path)
    printed = play(session, out, "/as Othello\n@meetbot start\n/as hamlet\n@meetbot start now")
    assert "you are now Othello (user 2)" in printed
    assert "Sorry: only a chair of **Demo Community Meeting**" in printed
    assert "you are now hamlet (user 1)" in printed
    assert "**Demo Community Meeting** has started." in printed


def test_unreacting_unmarks_attendance_and_repeats_are_refused(
    tmp_path: Path, session_in: Opener
) -> None:
    session, out = session_in(tmp_path)
    printed = play(
        session,
        out,
        "@meetbot start now\n/react last\n/react last\n/as othello\n/react last :tada:\n"
        "/unreact last tada\n/unreact last tada\n/as hamlet\n@meetbot end",
    )
    assert "you already reacted :wave: to message 2" in printed
    assert "you have no :tada: reaction on message 2" in printed
    assert "has ended: 1 person attended." in printed
    assert "Attendees: @hamlet." in printed


def test_react_needs_a_message_that_exists(tmp_path: Path, session_in: Opener) -> None:
    session, out = session_in(tmp_path)
    printed = play(session, out, "/react last\n/react 42\n/react soon")
    assert "the bot has posted nothing yet" in printed
    assert "no message '42'" in printed
    assert "no message 'soon'" in printed


def test_clock_jump_over_a_whole_meeting_posts_each_action_at_its_instant(
    tmp_path: Path, session_in: Opener
) -> None:
    session, out = session_in(tmp_path)
    printed = play(session, out, "/clock +3d")
    stamps = re.findall(r"^-- (\w{3} \d+ \w{3} 2025, \d\d:\d\d CET):$", printed, re.MULTILINE)
    assert stamps == [
        "Tue 11 Feb 2025, 18:00 CET",  # 1 day before
        "Wed 12 Feb 2025, 17:00 CET",  # 1 hour before
        "Wed 12 Feb 2025, 18:00 CET",  # the start
        "Wed 12 Feb 2025, 22:00 CET",  # the automatic end, 3 h after its planned end
    ]
    assert "has ended: 0 people attended." in printed
    assert printed.rstrip().endswith("-- the clock says Thu 13 Feb 2025, 13:00 CET")


def test_a_reminder_posted_before_a_reschedule_is_shown_again_edited(
    tmp_path: Path, session_in: Opener
) -> None:
    session, out = session_in(tmp_path)
    play(session, out, "/clock 2025-02-11 18:00")
    printed = play(session, out, "@meetbot reschedule +1h")
    assert "meetbot (message 1, edited):\n    **Demo Community Meeting** starts ~~Wed 12 Feb " in (
        printed
    )
    assert "18:00 CET (in 1 day)~~ Wed 12 Feb 2025, 19:00 CET." in printed
    assert printed.count("moves from") == 1


def test_clock_refuses_to_go_back_and_explains_what_it_takes(
    tmp_path: Path, session_in: Opener
) -> None:
    session, out = session_in(tmp_path)
    printed = play(session, out, "/clock 2025-01-01 00:00\n/clock soon\n/clock")
    assert "the clock only moves forward; it says Mon 10 Feb 2025, 13:00 CET" in printed
    assert "expected +1d, +2h30m or YYYY-MM-DD HH:MM, not 'soon'" in printed
    assert "-- the clock says Mon 10 Feb 2025, 13:00 CET" in printed


def test_topic_and_stream_change_where_messages_go(tmp_path: Path, session_in: Opener) -> None:
    session, out = session_in(tmp_path)
    printed = play(session, out, "/topic chat\n@meetbot agenda add one\n/stream elsewhere")
    assert "writing in #community > chat" in printed
    # Outside a meeting's topic the series is still found by its stream.
    assert "Added item **1**" in printed
    assert "writing in #elsewhere > chat" in printed
    assert "no shell command /frob" in play(session, out, "/frob")


def test_a_kept_database_carries_on_where_the_last_session_stopped(
    tmp_path: Path, session_in: Opener
) -> None:
    (tmp_path / "keep").mkdir()  # meetbot never makes a database's folder
    database = str(tmp_path / "keep" / "meetbot.sqlite3")
    first, out = session_in(tmp_path / "a", database=database)
    play(first, out, "@meetbot agenda add from the first session")
    second, out = session_in(tmp_path / "b", database=database)
    printed = play(second, out, "@meetbot agenda add from the second session\n@meetbot agenda")
    # Message ids go on from the last handled one, so the new command is not taken as old.
    assert "Added item **2**" in printed
    assert "**1** (H) from the first session" in printed


def test_a_botrc_gives_its_series_but_never_its_database_or_notes(tmp_path: Path) -> None:
    botrc = tmp_path / "botrc"
    botrc.write_text(
        "[api]\nemail = bot@example.org\nkey = secret-key-of-the-bot\nsite = https://x.example\n"
        "[series:weekly]\ntitle = Weekly Sync\nstream = dev\ntopic = sync {date}\n"
        "start = 2025-02-13 09:00\ntimezone = Europe/Berlin\nschedule = FREQ=WEEKLY\n"
    )
    result = run_shell(
        "@meetbot agenda\n", "--config", str(botrc), "--now", "2025-02-10 10:00", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "writing in #dev > sync 2025-02-13" in result.stdout
    assert "**Weekly Sync**" in result.stdout
    assert "secret-key-of-the-bot" not in result.stdout + result.stderr
    assert not (tmp_path / "meetbot.sqlite3").exists()
    assert not (tmp_path / "notes").exists()


def test_a_broken_botrc_stops_the_shell_with_status_2(tmp_path: Path) -> None:
    (tmp_path / "botrc").write_text("[api]\nemail = bot@example.org\n")
    result = run_shell("", "--config", "botrc", cwd=tmp_path)
    assert result.returncode == 2
    assert "meetbot shell: botrc: [api] key: missing" in result.stderr
    assert "no [series:SLUG] section" in result.stderr


def test_notes_before_any_meeting_ended_says_when_they_come(
    tmp_path: Path, session_in: Opener
) -> None:
    session, out = session_in(tmp_path)
    assert "no notes file yet" in play(session, out, "/notes")


def test_terminal_text_writes_times_mentions_and_stream_links_plainly() -> None:
    text = (
        "Hi @_**King Hamlet|12** and @**Iago**: <time:2025-02-12T17:00:00+00:00> in "
        "#**community>call 2025-02-12**"
    )
    assert terminal_text(text, BERLIN) == (
        "Hi @King Hamlet and @Iago: Wed 12 Feb 2025, 18:00 CET in #community > call 2025-02-12"
    )
    assert terminal_text("<time:not-a-time>", BERLIN) == "<time:not-a-time>"
    assert terminal_text("no series meets in #**random**.", BERLIN) == (
        "no series meets in #random."
    )


def test_people_are_found_by_name_whatever_the_case_and_new_names_get_new_ids() -> None:
    people = People()
    hamlet = people.named("hamlet")
    assert people.named("Hamlet") == hamlet and hamlet.user_id == 1
    othello = people.named("Othello, the Moor")
    assert othello.user_id == 2 and othello.email == "othello.the.moor@shell.invalid"
    assert people.member_named("othello, THE moor") == othello
    assert people.member_named("iago") is None
    assert people.member(2) == othello


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("+1d", datetime(2025, 2, 11, 12, 0, tzinfo=UTC)),
        ("+2h30m", datetime(2025, 2, 10, 14, 30, tzinfo=UTC)),
        ("2025-07-01 09:00", datetime(2025, 7, 1, 7, 0, tzinfo=UTC)),  # CEST
        ("2025-03-01", datetime(2025, 2, 28, 23, 0, tzinfo=UTC)),
    ],
)
def test_clock_argument_is_a_shift_or_a_wall_time_in_the_zone(
    argument: str, expected: datetime
) -> None:
    now = datetime(2025, 2, 10, 12, 0, tzinfo=UTC)
    assert parse_clock(argument, now, BERLIN) == expected


@pytest.mark.parametrize(
    ("argument", "problem"),
    [
        ("2025-02-30 10:00", "the date 2025-02-30 does not exist (February 2025 has 28 days)"),
        ("2025-02-29", "the date 2025-02-29 does not exist (February 2025 has 28 days)"),
        ("2025-13-01 10:00", "there is no month 13"),
        ("2025-03-01 24:30", "24:30 is not a time of day (00:00-23:59)"),
    ],
)
def test_clock_says_which_part_of_a_date_that_does_not_exist_is_wrong_as_the_botrc_does(
    argument: str, problem: str
) -> None:
    now = datetime(2025, 2, 10, 12, 0, tzinfo=UTC)
    with pytest.raises(ValueError) as raised:
        parse_clock(argument, now, BERLIN)
    assert str(raised.value) == f"{argument!r}: {problem}"


def test_mention_forms_and_emoji_codes() -> None:
    assert command_for_bot("@meetbot: agenda") == "agenda"
    assert command_for_bot("  @**Meetbot** help") == "help"
    assert command_for_bot("@meetbotx help") is None
    assert command_for_bot("hello @meetbot") is None
    assert emoji("👋") == ("👋", "1f44b")
    assert emoji(":tada:") == ("tada", "tada")
    assert emoji("") == ("wave", "wave")


def test_help_lists_the_shell_commands(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "zulip_meetbot", "shell", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for command in ("/as NAME", "/react ID|last", "/unreact", "/clock +1d", "/topic", "/notes"):
        assert command in result.stdout


def test_a_piped_script_of_many_commands_from_one_person_is_answered_in_full(
    tmp_path: Path,
) -> None:
    script = "".join(f"@meetbot agenda add Item {n}\n" for n in range(40))
    result = run_shell(
        script + "@meetbot start\n@meetbot end\n", "--now", "2025-02-12 16:00", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Added item") == 40  # commands_per_minute is 30
    assert "Added item **40**" in result.stdout
    assert "has started" in result.stdout and "has ended: 1 person attended." in result.stdout


def test_the_flood_limit_option_drops_and_names_a_command_and_the_clock_lifts_it(
    tmp_path: Path,
) -> None:
    script = "".join(f"@meetbot agenda add Item {n}\n" for n in range(32))
    script += "/clock +1m\n@meetbot agenda add Item 30 again\n"
    result = run_shell(script, "--flood-limit", "--now", "2025-02-10 13:00", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    replies = [line for line in result.stdout.splitlines() if line.startswith("meetbot (")]
    said = [reply.split(": ", 1)[1] for reply in replies]
    assert len(said) == 32 and all(text.startswith("Added item") for text in said[:30])
    # Item 30 is dropped with a notice; Item 31, in the same minute, without a second one.
    assert said[30] == (
        "You sent more than 30 commands in a minute; I ignored `agenda add Item 30`. Wait a "
        "moment and send it again, and any other command I leave unanswered."
    )
    assert said[31].startswith("Added item **31**") and said[31].endswith(": Item 30 again")


def test_react_attendance_marks_you_present_whatever_the_bot_said_last(
    tmp_path: Path, session_in: Opener
) -> None:
    session, out = session_in(tmp_path, now="2025-02-12 17:55")
    printed = play(
        session,
        out,
        "@meetbot start\n/as othello\n@meetbot agenda add Late idea\n"
        "/react attendance 👋\n/as hamlet\n@meetbot end",
    )
    assert (
        "othello reacted 👋 to message 2 (the attendance message of Demo Community Meeting)"
        in printed
    )
    assert "has ended: 2 people attended." in printed


def test_every_react_says_which_message_it_reacted_to(tmp_path: Path, session_in: Opener) -> None:
    session, out = session_in(tmp_path, now="2025-02-12 17:55")
    printed = play(
        session,
        out,
        "@meetbot start\n@meetbot agenda add Announce GSOC ideas and the next release dates\n"
        "/react last\n/unreact last\n/react 3 tada\n/unreact attendance\n/react 2",
    )
    added = "message 4: Added item **1** to **New Agenda Items** for Wed 12 Feb 202…"
    assert f"hamlet reacted :wave: to {added}" in printed
    assert "(not the attendance message: /react attendance marks you present)" in printed
    assert f"hamlet removed the reaction :wave: from {added}" in printed
    assert "hamlet reacted :tada: to message 3 by hamlet: @meetbot agenda add Announce" in printed
    # hamlet has no reaction on the attendance message yet: `start` marked him present.
    assert "you have no :wave: reaction on message 2" in printed
    assert (
        "hamlet reacted :wave: to message 2 (the attendance message of Demo Community Meeting)"
        in printed
    )


def test_react_attendance_without_a_running_meeting_says_none_is_open(
    tmp_path: Path, session_in: Opener
) -> None:
    session, out = session_in(tmp_path)
    printed = play(session, out, "/react attendance\n/help")
    assert "no attendance message is open: a meeting posts one when it starts" in printed
    assert "/react ID|last|attendance [EMOJI]" in printed


def test_help_in_the_shell_shows_mentions_in_its_forms_as_they_are_typed(
    tmp_path: Path, session_in: Opener
) -> None:
    session, out = session_in(tmp_path, now="2025-02-12 17:55")
    printed = play(session, out, "@meetbot help here\n@meetbot help action")
    assert "`here @**NAME**`" in printed  # typed as written: a plain @name mentions nobody
    assert "`action @**Cheng H. Lee** opens the vote`" in printed
    assert terminal_text("ask @**Iago** or say `here @**Iago**`", None) == (
        "ask @Iago or say `here @**Iago**`"
    )


def test_undo_in_the_shell_removes_your_latest_record_whatever_its_kind(
    tmp_path: Path, session_in: Opener
) -> None:
    session, out = session_in(tmp_path, now="2025-02-12 17:55")
    printed = play(
        session,
        out,
        "@meetbot agenda add A\n@meetbot start\n@meetbot item 1\n@meetbot agreed D1\n"
        "@meetbot note N1\n@meetbot undo\n@meetbot action A1 unowned\n@meetbot note N2\n"
        "@meetbot undo\n@meetbot undo\n@meetbot undo",
    )
    removed = re.findall(r"Removed your last (.+)", printed)
    assert removed == ["note: N1", "note: N2", "action item: A1 unowned", "decision: D1"]


def test_a_kept_database_knows_its_people_by_name_in_every_session(tmp_path: Path) -> None:
    database = str(tmp_path / "kept.sqlite3")
    first = run_shell(
        "/as Jane Doe\n@meetbot agenda add Jane's item\n/as othello\n@meetbot agenda add His item",
        "--database", database, "--now", "2025-02-12 10:00", cwd=tmp_path,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    second = run_shell(
        "/as othello\n@meetbot agenda edit 1 hijacked\n/as Newcomer\n@meetbot agenda",
        "--database", database, "--now", "2025-02-12 10:05", cwd=tmp_path,
    )  # fmt: skip
    assert "you are now othello (user 3)" in second.stdout
    assert "Only the person who proposed item 1" in second.stdout.replace("only", "Only")
    assert "you are now Newcomer (user 4)" in second.stdout
    assert "(JD) Jane's item" in second.stdout and "(O) His item" in second.stdout


def test_a_kept_database_with_a_running_meeting_starts_the_shell_in_its_topic(
    tmp_path: Path,
) -> None:
    database = str(tmp_path / "kept.sqlite3")
    run_shell("@meetbot start", "--database", database, "--now", "2025-02-12 16:59", cwd=tmp_path)
    later = run_shell(
        "@meetbot note 1 x", "--database", database, "--now", "2025-02-12 17:20", cwd=tmp_path
    )
    assert "writing in #community > community call 2025-02-12" in later.stdout
    assert "Noted under item" in later.stdout or "no item" in later.stdout
    assert "2025-02-19" not in later.stdout


def test_a_piped_line_is_echoed_without_its_terminal_escapes(tmp_path: Path) -> None:
    result = run_shell(
        "@meetbot agenda add \x1b[31mred\x1b[0m item\n", "--now", "2025-02-12 10:00", cwd=tmp_path
    )
    assert "\x1b" not in result.stdout
    assert "hamlet> @meetbot agenda add red item" in result.stdout


def test_the_shell_starts_in_the_topic_of_the_meeting_about_to_start_on_its_own(
    tmp_path: Path,
) -> None:
    result = run_shell("", "--now", "2025-02-12 17:10", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "writing in #community > community call 2025-02-12" in result.stdout
    assert "has started" in result.stdout


def test_a_kept_database_with_a_rescheduled_meeting_starts_the_shell_in_its_topic(
    tmp_path: Path,
) -> None:
    database = str(tmp_path / "kept.sqlite3")
    first = run_shell(
        "@meetbot reschedule 2025-02-13 17:00", "--database", database,
        "--now", "2025-02-10 10:00", cwd=tmp_path,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    later = run_shell("", "--database", database, "--now", "2025-02-11 10:00", cwd=tmp_path)
    assert "writing in #community > community call 2025-02-13" in later.stdout


TWO_SERIES_BOTRC = """\
[api]
email = bot@example.org
key = secret-key-of-the-bot
site = https://x.example
[series:weekly]
title = Weekly Sync
stream = dev
topic = sync {date}
start = 2025-02-13 09:00
timezone = Europe/Berlin
schedule = FREQ=WEEKLY
[series:ecosystem]
title = Ecosystem Call
stream = ecosystem
topic = ecosystem {date}
start = 2025-02-11 17:00
timezone = Europe/Berlin
schedule = FREQ=WEEKLY
"""


def test_changing_to_another_series_stream_writes_in_its_meeting_topic(tmp_path: Path) -> None:
    botrc = tmp_path / "botrc"
    botrc.write_text(TWO_SERIES_BOTRC)
    script = "/stream ecosystem\n/clock 2025-02-11 17:05\n/stream dev\n/stream #ecosystem\n"
    result = run_shell(script, "--config", str(botrc), "--now", "2025-02-10 10:00", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "writing in #dev > sync 2025-02-13" in result.stdout
    # Its next meeting, then the one running in it: where people are.
    lines = [line for line in result.stdout.splitlines() if "writing in #" in line]
    assert lines[1:] == [
        "-- writing in #ecosystem > ecosystem 2025-02-11",
        "-- writing in #dev > sync 2025-02-13",
        "-- writing in #ecosystem > ecosystem 2025-02-11",
    ]


def test_as_with_no_name_is_refused_and_a_mention_means_the_person_it_names(
    tmp_path: Path, session_in: Opener
) -> None:
    result = run_shell("", "--as", "", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "meetbot shell: --as: '' names nobody: --as NAME, such as --as hamlet\n"
    )
    assert result.stdout == ""
    session, out = session_in(tmp_path, person="@**Jane Doe**")
    assert session.me.full_name == "Jane Doe"
    printed = play(session, out, "/as @**iago**\n/as @othello\n/as Iago\n/as @**\n/as  ")
    assert printed.splitlines() == [
        "-- you are now iago (user 2)",
        "-- you are now othello (user 3)",
        "-- you are now iago (user 2)",
        "-- '@**' names nobody: /as NAME, /as @NAME or /as @**NAME**",
        "-- you are iago; /as NAME to be someone else",
    ]


def test_a_botrc_with_doubtful_values_is_warned_of_once_at_start_as_check_does(
    tmp_path: Path,
) -> None:
    botrc = tmp_path / "botrc"
    botrc.write_text(
        "[api]\nemail = bot@example.org\nkey = secret-key-of-the-bot\nsite = https://x.example\n"
        "[series:weekly]\ntitle = Weekly Sync\nstream = dev\nstart = 2025-02-13 09:00\n"
        "timezone = Europe/Berlin\nschedule = FREQ=WEEKLY\n"
        "sections = Updates, Deferred to next meeting\n"
    )
    result = run_shell(
        "@meetbot agenda add x\n/clock +1d\n", "--config", str(botrc),
        "--now", "2025-02-10 10:00", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    warning = (
        "warning: [series:weekly] default_section: 'Deferred to next meeting' is a section for "
        "later, so `agenda add` would put new items there"
    )
    assert result.stdout.count(warning) == 1
    banner, rest = result.stdout.split(warning)
    assert banner.endswith("/help lists the shell's own commands.\n-- ")
    assert "Added item **1** to **Deferred to next meeting**" in rest


def test_a_quick_vote_in_the_shell_counts_reactions_typed_as_emoji_or_names(
    tmp_path: Path, session_in: Opener
) -> None:
    session, out = session_in(tmp_path)
    printed = play(
        session,
        out,
        "@meetbot start now\n@meetbot vote Lunch: pizza | sushi\n/react last 2️⃣\n"
        "/as othello\n/react last one\n/unreact last one\n/react last :two:\n"
        "/as hamlet\n@meetbot vote close",
    )
    assert "not the attendance message" not in printed
    assert "Vote: Lunch — pizza 0, sushi 2" in printed


def test_a_direct_message_ballot_counts_for_a_roster_member_and_is_answered_privately(
    tmp_path: Path, session_in: Opener
) -> None:
    # Two series vote; hamlet (user 1, the first person) and Ann are the roster.
    botrc = tmp_path / "botrc"
    botrc.write_text(
        TWO_SERIES_BOTRC.replace(
            "schedule = FREQ=WEEKLY\n", "schedule = FREQ=WEEKLY\nvotes = steering\n"
        )
        + "[roster:steering]\nmembers = 1, ann@example.org\n"
    )
    session, out = session_in(tmp_path, config=str(botrc))
    printed = play(
        session,
        out,
        "/stream ecosystem\n@meetbot vote open standard: Adopt CEP 20\n/stream dev\n"
        "/dm vote yes 1\n/as ann@example.org\n/dm @meetbot vote no 1 not yet\n/dm\n",
    )
    # Each ballot is answered in the direct message; the vote's own posts stay in its stream.
    assert (
        "meetbot (message 5, direct message to hamlet): Your ballot in vote 1 is **yes**."
    ) in printed
    assert "meetbot (message 8, direct message to ann): Your ballot in vote 1 is **no**." in printed
    assert "meetbot (message 7) in #ecosystem > vote 1: Adopt CEP 20:" in printed
    assert "It **did not pass**: yes 1, no 1, abstain 0 (2 of 2 ballots, quorum 2)." in printed
    assert "/dm TEXT sends TEXT to meetbot as a direct message" in printed  # /dm alone
    with session.store.transaction() as db:
        vote = governance.vote(db, 1)
    ann = session.people.member_by_email("ann@example.org")
    assert ann is not None
    assert [(b.user_id, b.choice, b.comment) for b in vote.ballots] == [
        (1, "yes", None),
        (ann.user_id, "no", "not yet"),
    ]


def test_a_direct_message_needs_no_mention_and_is_answered_as_a_direct_message(
    tmp_path: Path, session_in: Opener
) -> None:
    session, out = session_in(tmp_path)
    printed = play(session, out, "/dm agenda add Asked in private\n/dm agenda\n/help")
    assert "meetbot only reads messages that start with @meetbot" not in printed
    assert (
        "meetbot (message 2, direct message to hamlet): Added item **1** to **New Agenda Items**"
    ) in printed
    assert "meetbot (message 4, direct message to hamlet):\n" in printed
    assert "Asked in private" in printed.split("(message 4, direct message to hamlet)")[1]
    assert "/dm TEXT                 send TEXT to meetbot as a direct message" in printed

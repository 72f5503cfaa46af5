"""`meetbot run` refuses a broken botrc before it connects to anything."""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from zulip_meetbot import cli, timeutil

BROKEN_BOTRC = """\
[api]
email = meetbot-bot@zulip.example
site = http://127.0.0.1:9

[series:community]
title = Community call
stream = community
start = 2025-02-12 17:00
timezone = Mars/Olympus_Mons
schedule = FREQ=SOMETIMES
"""


def run_meetbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zulip_meetbot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_broken_botrc_stops_run_with_status_2_and_one_line_per_problem(tmp_path: Path) -> None:
    (tmp_path / "botrc").write_text(BROKEN_BOTRC)
    result = run_meetbot("run", "--config", "botrc", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert any("[api] key" in line for line in lines)
    assert any(
        "[series:community] timezone" in line and "Mars/Olympus_Mons" in line for line in lines
    )
    assert any("[series:community] schedule" in line for line in lines)
    assert all(line.startswith("meetbot: botrc: ") for line in lines)
    assert not (tmp_path / "meetbot.sqlite3").exists()  # nothing was created or connected


def test_missing_botrc_is_reported_with_status_2(tmp_path: Path) -> None:
    result = run_meetbot("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "botrc" in result.stderr and "not found" in result.stderr


def test_unreadable_template_is_a_botrc_problem(tmp_path: Path) -> None:
    (tmp_path / "broken.md.j2").write_text("# {{ meeting.title }\n")
    (tmp_path / "botrc").write_text(
        "[api]\nemail = b@x.example\nkey = k\nsite = http://127.0.0.1:9\n\n"
        "[series:community]\ntitle = T\nstream = s\nstart = 2025-02-12 17:00\n"
        "timezone = UTC\ntemplate = broken.md.j2\n"
    )
    result = run_meetbot("run", "--config", "botrc", cwd=tmp_path)
    assert result.returncode == 2
    assert "[series:community] template" in result.stderr


def test_help_lists_the_run_command(tmp_path: Path) -> None:
    result = run_meetbot("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "run" in result.stdout


def test_template_with_an_unknown_variable_stops_run_at_start_up(tmp_path: Path) -> None:
    (tmp_path / "mine.md.j2").write_text("# {{ meeting.date }}\n\n{{ meeting.actionz }}\n")
    (tmp_path / "botrc").write_text(
        "[api]\nemail = b@x.example\nkey = k\nsite = http://127.0.0.1:9\n\n"
        "[series:community]\ntitle = T\nstream = s\nstart = 2025-02-12 17:00\n"
        "timezone = UTC\ntemplate = mine.md.j2\n"
    )
    result = run_meetbot("run", "--config", "botrc", cwd=tmp_path)
    assert result.returncode == 2
    assert "[series:community] template" in result.stderr
    assert "actionz" in result.stderr and "line 3" in result.stderr


# --- the commands that read the record, and what a bad database does to every command ------

BERLIN_BOTRC = """\
[api]
email = b@x.example
key = k3y-Of-The-Bot-0123456789abcdef
site = http://127.0.0.1:9

[series:community]
title = Community Call
stream = community
start = 2025-03-05 18:00
timezone = Europe/Berlin
schedule = FREQ=WEEKLY
"""

# The demo series meets on Wednesdays at 17:00 UTC: two meetings, then the third is skipped.
DEMO_MEETINGS = """\
@meetbot agenda add Hello
@meetbot start
/as othello
/react last wave
/as hamlet
@meetbot here Sam Doe
@meetbot end
/clock 2025-02-19 16:59
@meetbot start
@meetbot end
@meetbot skip
"""


def shell_database(meetbot: Any, path: Path, script: str, *args: str) -> None:
    """A database kept by `meetbot shell --database`, after ``script``."""
    status, _, err = meetbot("shell", "--database", str(path), *args, stdin=script)
    assert status == 0, err


def at(monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
    monkeypatch.setattr(timeutil.SystemClock, "now", lambda _self: now)


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_meetbot_alone_prints_the_overview_of_its_commands(meetbot: Any) -> None:
    status, out, err = meetbot()
    assert status == 0 and err == ""
    for command in ("shell", "init", "check", "run", "upcoming", "meetings", "attendance"):
        assert f"\n    {command}" in out
    assert "meetbot COMMAND --help" in out


@pytest.mark.parametrize(
    "command",
    [
        ["meetings", "community"],
        ["render", "community", "2025-03-05"],
        ["attendance", "community"],
        ["upcoming"],
        ["ics", "community"],
        ["run"],
        ["shell", "--database", "meetbot.sqlite3"],
    ],
)
def test_a_file_that_is_not_a_database_is_one_line_naming_it_in_every_command(
    meetbot: Any, tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "botrc").write_text(BERLIN_BOTRC)
    (tmp_path / "botrc").chmod(0o600)
    (tmp_path / "meetbot.sqlite3").write_bytes(b"not a database, just garbage\n" * 200)
    status, _, err = meetbot(*command)
    assert status == 1
    assert one_error_line(err) == (
        f"meetbot: database {tmp_path / 'meetbot.sqlite3'} is not a SQLite database "
        "(file is not a database)"
    )


def test_shell_refuses_a_database_whose_folder_does_not_exist_and_makes_no_folder(
    meetbot: Any, tmp_path: Path
) -> None:
    database = tmp_path / "nonexistent" / "dir" / "x.db"
    status, _, err = meetbot("shell", "--database", str(database), stdin="@meetbot agenda\n")
    assert status == 1
    assert one_error_line(err) == (
        f"meetbot: database {database}: its folder {database.parent} does not exist"
    )
    assert not (tmp_path / "nonexistent").exists()


def test_run_stops_when_the_botrc_database_folder_does_not_exist_and_makes_no_folder(
    meetbot: Any, tmp_path: Path
) -> None:
    (tmp_path / "botrc").write_text(BERLIN_BOTRC + "\n[meetbot]\ndatabase = typo/meetbot.sqlite3\n")
    (tmp_path / "botrc").chmod(0o600)
    status, _, err = meetbot("run")
    assert status == 1
    database = tmp_path / "typo" / "meetbot.sqlite3"
    assert one_error_line(err) == (
        f"meetbot: database {database}: its folder {database.parent} does not exist"
    )
    assert not (tmp_path / "typo").exists()


def test_run_and_shell_stop_with_one_line_on_a_database_another_process_is_writing(
    meetbot: Any, tmp_path: Path
) -> None:
    (tmp_path / "botrc").write_text(BERLIN_BOTRC)
    database = tmp_path / "meetbot.sqlite3"
    shell_database(meetbot, database, "@meetbot agenda add Hello\n")
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # holds the write lock, as a second bot would
    try:
        for command in (["run"], ["shell", "--database", str(database)]):
            status, _, err = meetbot(*command)
            assert status == 1
            line = one_error_line(err)
            assert line.startswith(f"meetbot: database {database} is locked by another process")
        # Reading needs no write lock: the record can be read while a bot runs.
        status, _, err = meetbot("meetings", "community")
        assert status == 0, err
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_read_commands_and_check_report_a_database_held_in_exclusive_mode(
    meetbot: Any, tmp_path: Path
) -> None:
    (tmp_path / "botrc").write_text(BERLIN_BOTRC)
    (tmp_path / "botrc").chmod(0o600)
    database = tmp_path / "meetbot.sqlite3"
    shell_database(meetbot, database, "@meetbot agenda add Hello\n")
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("COMMIT")  # exclusive mode keeps the lock after the transaction
    try:
        status, _, err = meetbot("meetings", "community")
        assert status == 1
        assert one_error_line(err).startswith(
            f"meetbot: database {database} is locked by another process"
        )
        status, out, _ = meetbot("check", "--offline")
        assert status == 1
        assert f"error: database {database} is locked by another process" in out
        assert "1 problem" in out
    finally:
        holder.close()


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root writes a file whatever its mode says: chmod 444 makes nothing read-only",
)
def test_run_stops_with_one_line_on_a_read_only_database_that_read_commands_still_read(
    meetbot: Any, tmp_path: Path
) -> None:
    (tmp_path / "botrc").write_text(BERLIN_BOTRC)
    (tmp_path / "botrc").chmod(0o600)
    database = tmp_path / "meetbot.sqlite3"
    shell_database(meetbot, database, "@meetbot agenda add Hello\n")
    database.chmod(0o444)
    status, _, err = meetbot("run")
    assert status == 1
    assert one_error_line(err).startswith(f"meetbot: database {database} is read-only")
    status, out, _ = meetbot("check", "--offline")
    assert status == 1 and f"error: database {database} is read-only" in out
    status, _, err = meetbot("meetings", "community")
    assert status == 0, err


def test_read_commands_never_create_the_database(meetbot: Any, tmp_path: Path) -> None:
    (tmp_path / "botrc").write_text(BERLIN_BOTRC)
    status, _, err = meetbot("meetings", "community")
    assert status == 1
    assert one_error_line(err).startswith(
        f"meetbot: database {tmp_path / 'meetbot.sqlite3'} does not exist: `meetbot run` with"
    )
    status, out, _ = meetbot("ics", "community")  # a calendar needs no record
    assert status == 0 and "BEGIN:VCALENDAR" in out
    assert not (tmp_path / "meetbot.sqlite3").exists()


def test_a_shell_database_reads_with_the_demo_series_when_there_is_no_botrc(
    meetbot: Any, tmp_path: Path
) -> None:
    database = tmp_path / "kept" / "demo.sqlite3"
    database.parent.mkdir()  # meetbot never makes a database's folder
    shell_database(meetbot, database, DEMO_MEETINGS, "--now", "2025-02-12 16:50")
    status, out, err = meetbot("meetings", "demo", "--database", str(database))
    assert status == 0, err
    assert "2025-02-12          3      1  ended" in out
    assert "2025-02-19          1      0  ended" in out
    assert "2025-02-26          0      0  cancelled" in out
    status, out, err = meetbot("render", "demo", "2025-02-12", "--database", str(database))
    assert status == 0 and "# 2025-02-12 Demo Community Meeting" in out
    status, _, err = meetbot("meetings", "nope", "--database", str(database))
    assert status == 2
    assert one_error_line(err) == (
        "meetbot: no series 'nope': with no botrc, --database reads a `meetbot shell` "
        "database, whose series is 'demo'"
    )


def test_read_commands_share_the_config_and_database_options() -> None:
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("upcoming", "ics", "meetings", "attendance", "render"):
        options = {o for a in commands.choices[name]._actions for o in a.option_strings}
        assert {"--config", "--database"} <= options, name


def test_render_takes_a_shipped_template_by_name(meetbot: Any, tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    shell_database(meetbot, database, DEMO_MEETINGS, "--now", "2025-02-12 16:50")
    status, out, err = meetbot(
        "render", "demo", "2025-02-12", "--database", str(database), "--template", "ecosystem"
    )
    assert status == 0, err
    assert "1. H: hamlet" in out  # the ecosystem template's numbered attendee list
    status, _, err = meetbot(
        "render", "demo", "2025-02-12", "--database", str(database), "--template", "ecosytem"
    )
    assert status == 2
    assert one_error_line(err) == (
        f"meetbot: --template: no template file at {tmp_path / 'ecosytem'} "
        "(the shipped ones are community or ecosystem)"
    )


def test_attendance_lists_who_attended_each_meeting_as_a_table_or_csv(
    meetbot: Any, tmp_path: Path
) -> None:
    database = tmp_path / "demo.sqlite3"
    shell_database(meetbot, database, DEMO_MEETINGS, "--now", "2025-02-12 16:50")
    status, out, err = meetbot("attendance", "demo", "--database", str(database))
    assert status == 0, err
    assert out.splitlines() == [
        "Demo Community Meeting (demo)",
        "name      2025-02-12  2025-02-19  total",
        "hamlet        x           x           2",
        "othello       x                       1",
        "Sam Doe       x                       1",
        "attended      3           1",
    ]
    status, out, err = meetbot("attendance", "demo", "--database", str(database), "--csv")
    assert status == 0, err
    # The skipped meeting of 2025-02-26 was not held: no column.
    assert out == ("name,2025-02-12,2025-02-19,total\nhamlet,1,1,2\nothello,1,,1\nSam Doe,1,,1\n")


def test_upcoming_shows_the_schedulers_plan_in_utc_and_the_series_zone_across_dst(
    meetbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "botrc").write_text(BERLIN_BOTRC)
    kept = tmp_path / "kept.sqlite3"
    # The shell posts the reminders of 19 March and starts that meeting; 26 March is skipped.
    script = "/clock 2025-03-19 17:30\n@meetbot skip 2025-03-26\n"
    args = ("--config", "botrc", "--now", "2025-03-18 12:00", "--timezone", "UTC")
    shell_database(meetbot, kept, script, *args)
    at(monkeypatch, datetime(2025, 3, 19, 17, 30, tzinfo=timezone.utc))
    status, out, err = meetbot("upcoming", "community", "--database", str(kept), "--days", "16")
    assert status == 0, err
    # Berlin moves to summer time on 30 March: 18:00 there is 17:00 UTC, then 16:00 UTC.
    assert out.splitlines() == [
        "Community Call (community): times in UTC, and in Europe/Berlin",
        "  Wed 19 Mar 2025, 18:00 UTC  Wed 19 Mar 2025, 19:00 CET  "
        "planned end of the meeting (for information: nothing is posted then)",
        "  Wed 19 Mar 2025, 21:00 UTC  Wed 19 Mar 2025, 22:00 CET  "
        "end, if the meeting is still running 3 hours after its planned end",
        "  Wed 26 Mar 2025, 17:00 UTC  Wed 26 Mar 2025, 18:00 CET  "
        "skipped meeting: nothing is posted for it",
        "  Tue 1 Apr 2025, 16:00 UTC   Tue 1 Apr 2025, 18:00 CEST  "
        "reminder, 1 day before the meeting",
        "  Wed 2 Apr 2025, 15:00 UTC   Wed 2 Apr 2025, 17:00 CEST  "
        "reminder, 1 hour before the meeting",
        "  Wed 2 Apr 2025, 16:00 UTC   Wed 2 Apr 2025, 18:00 CEST  start of the meeting",
        "  Wed 2 Apr 2025, 17:00 UTC   Wed 2 Apr 2025, 19:00 CEST  "
        "planned end of the meeting (for information: nothing is posted then)",
        "  Wed 2 Apr 2025, 20:00 UTC   Wed 2 Apr 2025, 22:00 CEST  "
        "end, if the meeting is still running 3 hours after its planned end",
    ]


def test_upcoming_without_a_database_plans_the_next_meeting_of_every_series(
    meetbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "botrc").write_text(BERLIN_BOTRC)
    at(monkeypatch, datetime(2025, 3, 4, 12, 0, tzinfo=timezone.utc))
    status, out, err = meetbot("upcoming", "--days", "1")
    assert status == 0, err
    # The first meeting is 2025-03-05, within a day: its reminders, start and end.
    assert [line.split(" CET  ")[1] for line in out.splitlines()[1:]] == [
        "reminder, 1 day before the meeting",
        "reminder, 1 hour before the meeting",
        "start of the meeting",
        "planned end of the meeting (for information: nothing is posted then)",
        "end, if the meeting is still running 3 hours after its planned end",
    ]
    assert not (tmp_path / "meetbot.sqlite3").exists()


# --- a database is meetbot's, new, or left alone -----------------------------------------

EVERY_COMMAND = [
    ["meetings", "community"],
    ["render", "community", "2025-03-05"],
    ["attendance", "community"],
    ["upcoming"],
    ["ics", "community"],
    ["run"],
    ["shell", "--database", "meetbot.sqlite3"],
]


def _tables(database: Path) -> list[tuple[str, str]]:
    connection = sqlite3.connect(database)
    try:
        return connection.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    finally:
        connection.close()


@pytest.mark.parametrize("command", EVERY_COMMAND)
def test_another_programs_sqlite_file_is_not_a_meetbot_database_and_is_left_alone(
    meetbot: Any, tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "botrc").write_text(BERLIN_BOTRC)
    (tmp_path / "botrc").chmod(0o600)
    database = tmp_path / "meetbot.sqlite3"
    foreign = sqlite3.connect(database)
    foreign.execute("CREATE TABLE meeting(x)")
    foreign.commit()
    foreign.close()
    before = database.read_bytes()
    status, _, err = meetbot(*command, stdin="@meetbot agenda add x\n")
    assert status == 1
    assert one_error_line(err).startswith(
        f"meetbot: database {database} is not a meetbot database "
        "(its table meeting lacks the columns id, series_slug, occurrence_start and 7 more)"
    )
    assert database.read_bytes() == before  # no table added, not even WAL mode set
    assert [name for name, _ in _tables(database)] == ["meeting"]


def test_check_says_another_programs_sqlite_file_is_not_a_meetbot_database(
    meetbot: Any, tmp_path: Path
) -> None:
    (tmp_path / "botrc").write_text(BERLIN_BOTRC)
    (tmp_path / "botrc").chmod(0o600)
    database = tmp_path / "meetbot.sqlite3"
    foreign = sqlite3.connect(database)
    foreign.execute("CREATE TABLE photos(id, path)")
    foreign.commit()
    foreign.close()
    status, out, _ = meetbot("check", "--offline")
    assert status == 1
    assert (
        f"error: database {database} is not a meetbot database (it has tables (photos) "
        "and none of meetbot's)" in out
    )


@pytest.mark.parametrize("kind", ["empty file", "no tables"])
def test_an_empty_database_is_a_new_one_with_no_meetings_for_every_command(
    meetbot: Any, tmp_path: Path, kind: str
) -> None:
    (tmp_path / "botrc").write_text(BERLIN_BOTRC)
    (tmp_path / "botrc").chmod(0o600)
    database = tmp_path / "meetbot.sqlite3"
    database.write_bytes(b"")
    if kind == "no tables":
        connection = sqlite3.connect(database)
        connection.execute("PRAGMA user_version=1")  # a valid SQLite file, with no table
        connection.close()
    before = database.read_bytes()
    status, out, _ = meetbot("check", "--offline")
    assert status == 0, out
    assert f"ok: database {database} is new: no meetings recorded yet" in out
    for command in (["meetings", "community"], ["attendance", "community"]):
        status, out, err = meetbot(*command)
        assert (status, err) == (0, ""), err
        assert out == "Community Call: no meeting held yet.\n"
    status, out, err = meetbot("upcoming")
    assert status == 0 and "start of the meeting" in out, err
    status, _, err = meetbot("render", "community", "2025-03-05")
    assert status == 1
    assert "cannot be opened" not in err and "No meeting was held yet." in err
    assert database.read_bytes() == before  # read, never written


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_check_finds_a_database_another_process_holds_the_write_lock_of(
    meetbot: Any, tmp_path: Path, journal: str
) -> None:
    (tmp_path / "botrc").write_text(BERLIN_BOTRC)
    (tmp_path / "botrc").chmod(0o600)
    database = tmp_path / "meetbot.sqlite3"
    shell_database(meetbot, database, "@meetbot agenda add Hello\n")
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute(f"PRAGMA journal_mode={journal}")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        status, out, _ = meetbot("check", "--offline")
        assert status == 1
        assert f"error: database {database} is locked by another process" in out
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    status, out, _ = meetbot("check", "--offline")
    assert status == 0 and f"ok: database {database}: 1 meetings recorded" in out
    if journal == "wal":
        connection = sqlite3.connect(database)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        connection.close()


def test_now_and_render_name_a_date_that_does_not_exist_as_the_botrc_does(
    meetbot: Any, tmp_path: Path
) -> None:
    status, _, err = meetbot("shell", "--now", "2025-02-30 10:00")
    assert status == 2
    assert one_error_line(err) == (
        "meetbot shell: --now: '2025-02-30 10:00': the date 2025-02-30 does not exist "
        "(February 2025 has 28 days)"
    )
    database = tmp_path / "demo.sqlite3"
    shell_database(meetbot, database, "@meetbot agenda add Hello\n")
    status, _, err = meetbot("render", "demo", "2025-02-30", "--database", str(database))
    assert status == 2
    assert one_error_line(err) == (
        "meetbot: '2025-02-30': the date 2025-02-30 does not exist (February 2025 has 28 days)"
    )
    status, _, err = meetbot("render", "demo", "last week", "--database", str(database))
    assert one_error_line(err) == "meetbot: expected a date like 2025-02-12, got 'last week'"


def test_read_commands_without_a_botrc_say_how_to_get_one(meetbot: Any, tmp_path: Path) -> None:
    status, _, err = meetbot("meetings", "demo")
    assert status == 2
    assert one_error_line(err) == (
        f"meetbot: botrc not found at {tmp_path / 'botrc'}: write one with `meetbot init`, "
        "or name one with --config (or a shell database with --database)"
    )
    status, _, err = meetbot("run")
    assert status == 2
    assert one_error_line(err) == (
        f"meetbot: botrc not found at {tmp_path / 'botrc'}: write one with `meetbot init`, "
        "or name one with --config"
    )


def test_check_gives_no_permission_warning_for_a_botrc_that_is_a_folder(
    meetbot: Any, tmp_path: Path
) -> None:
    (tmp_path / "botrc").mkdir(mode=0o755)
    status, out, _ = meetbot("check", "--offline")
    assert status == 2
    assert out.startswith("error: ") and "Is a directory" in out
    assert "warning" not in out and "chmod" not in out
    status, _, err = meetbot("meetings", "demo")
    assert status == 2
    assert one_error_line(err) == f"meetbot: cannot read botrc {tmp_path / 'botrc'}: Is a directory"


def test_upcoming_lists_the_next_meeting_not_one_a_shell_clock_ahead_already_ended(
    meetbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "keep.sqlite3"
    # The shell's clock runs ahead of the real one: the meeting of 9 December is held.
    script = "@meetbot start\n@meetbot end\n"
    shell_database(meetbot, database, script, "--now", "2026-12-09 16:30", "--timezone", "UTC")
    at(monkeypatch, datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc))
    status, out, err = meetbot("upcoming", "--database", str(database))
    assert status == 0, err
    assert out.splitlines() == [
        "Demo Community Meeting (demo): times in UTC",
        "  Tue 15 Dec 2026, 17:00 UTC  reminder, 1 day before the meeting",
        "  Wed 16 Dec 2026, 16:00 UTC  reminder, 1 hour before the meeting",
        "  Wed 16 Dec 2026, 17:00 UTC  start of the meeting",
        "  Wed 16 Dec 2026, 18:00 UTC  "
        "planned end of the meeting (for information: nothing is posted then)",
        "  Wed 16 Dec 2026, 21:00 UTC  "
        "end, if the meeting is still running 3 hours after its planned end",
    ]


@pytest.mark.parametrize(
    ("schedule", "last"),
    [("schedule = FREQ=WEEKLY;UNTIL=20250401\n", "2025-03-26"), ("", "2025-03-05")],
)
def test_upcoming_says_when_an_ended_series_last_met(
    meetbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, schedule: str, last: str
) -> None:
    botrc = BERLIN_BOTRC.replace("schedule = FREQ=WEEKLY\n", schedule)
    (tmp_path / "botrc").write_text(botrc)
    at(monkeypatch, datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc))
    status, out, err = meetbot("upcoming")
    assert status == 0, err
    assert out.splitlines() == [
        "Community Call (community): times in UTC, and in Europe/Berlin",
        f"  the series' last scheduled meeting was on {last}; none is planned",
    ]


def test_render_of_a_skipped_meeting_says_it_was_cancelled(meetbot: Any, tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    shell_database(meetbot, database, DEMO_MEETINGS, "--now", "2025-02-12 16:50")
    status, _, err = meetbot("render", "demo", "2025-02-26", "--database", str(database))
    assert status == 1
    assert one_error_line(err) == (
        "meetbot: Demo Community Meeting cancelled (skipped) its meeting on 2025-02-26. "
        "Meetings held: 2025-02-12, 2025-02-19."
    )


def test_render_never_renders_the_botrc_or_a_file_holding_the_api_key(
    meetbot: Any, tmp_path: Path
) -> None:
    (tmp_path / "botrc").write_text(BERLIN_BOTRC)
    (tmp_path / "copy.md.j2").write_text(BERLIN_BOTRC)
    key = "k3y-Of-The-Bot-0123456789abcdef"
    status, out, err = meetbot("render", "community", "2025-03-05", "--template", "botrc")
    assert status == 2 and out == ""
    assert one_error_line(err) == (
        f"meetbot: --template: {tmp_path / 'botrc'} is not a template file: a template file is "
        "a Jinja2 template whose name ends in .j2, such as notes.md.j2"
    )
    status, out, err = meetbot("render", "community", "2025-03-05", "--template", "copy.md.j2")
    assert status == 2 and out == ""
    assert one_error_line(err) == (
        f"meetbot: --template: {tmp_path / 'copy.md.j2'} holds the bot's API key, so it is "
        "never rendered as a template"
    )
    assert key not in out + err


def test_upcoming_help_says_how_many_days_it_shows(
    meetbot: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        meetbot("upcoming", "--help")
    text = " ".join(capsys.readouterr().out.split())
    assert "start in the next N days (--days N, default 7;" in text


def test_a_database_named_on_purpose_must_exist_and_a_missing_folder_is_named(
    meetbot: Any, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "db.sqlite3"
    for command in (["upcoming"], ["ics", "demo"], ["meetings", "demo"], ["db", "current"]):
        status, _, err = meetbot(*command, "--database", str(missing))
        assert status == 1, command
        assert one_error_line(err) == (
            f"meetbot: database {missing}: its folder {missing.parent} does not exist"
        )
    absent = tmp_path / "absent.sqlite3"
    status, _, err = meetbot("ics", "demo", "--database", str(absent))
    assert status == 1 and "does not exist: `meetbot run` with this botrc, or" in err
    assert not absent.exists() and not missing.parent.exists()


def test_output_into_a_folder_or_a_missing_folder_is_one_line_and_writes_nothing(
    meetbot: Any, tmp_path: Path
) -> None:
    database = tmp_path / "demo.sqlite3"
    shell_database(meetbot, database, DEMO_MEETINGS, "--now", "2025-02-12 16:50")
    folder = tmp_path / "out"
    folder.mkdir()
    reading = {
        "render": ("render", "demo", "2025-02-12"),
        "ics": ("ics", "demo"),
        "attendance": ("attendance", "demo"),
    }
    for name, command in reading.items():
        status, _, err = meetbot(*command, "--database", str(database), "--output", str(folder))
        assert status == 2, name
        assert one_error_line(err).startswith(
            f"meetbot: {folder} is a folder: name the file to write, such as --output {folder}/"
        ), name
        missing = tmp_path / "nodir" / "x.md"
        status, _, err = meetbot(*command, "--database", str(database), "--output", str(missing))
        assert status == 2, name
        assert one_error_line(err) == (
            f"meetbot: cannot write {missing}: there is no folder {missing.parent}"
        ), name
    assert os.listdir(folder) == []
    assert not missing.parent.exists()
    written = folder / "demo.ics"
    status, _, err = meetbot("ics", "demo", "--database", str(database), "--output", str(written))
    assert status == 0, err
    assert written.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert os.listdir(folder) == ["demo.ics"]


def test_output_that_cannot_be_written_keeps_the_old_file_whole(
    meetbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "demo.sqlite3"
    shell_database(meetbot, database, DEMO_MEETINGS, "--now", "2025-02-12 16:50")
    written = tmp_path / "demo.csv"
    written.write_text("old\n")

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    status, _, err = meetbot(
        "attendance", "demo", "--csv", "--database", str(database), "--output", str(written)
    )
    assert status == 2
    assert one_error_line(err) == f"meetbot: cannot write {written}: No space left on device"
    assert written.read_text() == "old\n"
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".demo.csv")]


def test_db_says_what_it_does_with_its_database_and_how_one_is_made_without_a_botrc(
    meetbot: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["db", "upgrade", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--database FILE upgrade this database instead of the botrc's" in shown
    absent = tmp_path / "absent.sqlite3"
    for action in ("current", "upgrade"):
        status, out, err = meetbot("db", action, "--database", str(absent))
        assert (status, out) == (1, ""), action
        assert one_error_line(err) == (
            f"meetbot: database {absent} does not exist: `meetbot run` with this file as a "
            f"botrc's `database`, or `meetbot shell --database {absent}`, makes it"
        ), action
    assert not absent.exists()


# Two series that vote, in UTC and in Berlin: users 1 (the shell's hamlet) and 2 vote.
VOTING_BOTRC = (
    BERLIN_BOTRC
    + """votes = steering
reminders = 1h

[series:infra]
title = Infra Call
stream = infra
start = 2025-03-06 15:00
timezone = UTC
schedule = FREQ=WEEKLY
votes = steering

[roster:steering]
members = 1, 2
"""
)


def test_upcoming_lists_each_open_votes_reminders_to_come_and_close_by_instant(
    meetbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "botrc").write_text(VOTING_BOTRC)
    kept = tmp_path / "kept.sqlite3"
    # Each vote runs from Mon 10 March 13:00 UTC to Tue 18 March 12:00 UTC (17 March AoE); the
    # shell's clock passes the midpoint, so each open vote's first reminder is posted.
    script = (
        "@meetbot vote open standard: Adopt CEP 20\n"
        "/stream infra\n@meetbot vote open standard: Retire the old mirror\n"
        "@meetbot vote open standard: Move CI to GitHub\n@meetbot vote cancel 2\n"
        "/clock 2025-03-14 13:00\n"
    )
    args = ("--config", "botrc", "--now", "2025-03-10 13:00", "--timezone", "UTC")
    shell_database(meetbot, kept, script, *args)
    at(monkeypatch, datetime(2025, 3, 17, 13, 0, tzinfo=timezone.utc))
    status, out, err = meetbot("upcoming", "community", "--database", str(kept), "--days", "1")
    assert status == 0, err
    # The day-before reminder is past (a running bot posts it now); infra's vote is not shown.
    assert out.splitlines() == [
        "Community Call (community): times in UTC, and in Europe/Berlin",
        "  Mon 17 Mar 2025, 12:00 UTC  Mon 17 Mar 2025, 13:00 CET  "
        "reminder of vote 1 (Adopt CEP 20), a day before it closes "
        "(due now: `meetbot run` does it)",
        "  Tue 18 Mar 2025, 12:00 UTC  Tue 18 Mar 2025, 13:00 CET  "
        "close of vote 1 (Adopt CEP 20) with its result, at its deadline (2025-03-17 AoE) "
        "or once everyone has voted",
        "  Wed 19 Mar 2025, 16:00 UTC  Wed 19 Mar 2025, 17:00 CET  "
        "reminder, 1 hour before the meeting",
        "  Wed 19 Mar 2025, 17:00 UTC  Wed 19 Mar 2025, 18:00 CET  start of the meeting",
        "  Wed 19 Mar 2025, 18:00 UTC  Wed 19 Mar 2025, 19:00 CET  "
        "planned end of the meeting (for information: nothing is posted then)",
        "  Wed 19 Mar 2025, 21:00 UTC  Wed 19 Mar 2025, 22:00 CET  "
        "end, if the meeting is still running 3 hours after its planned end",
    ]
    status, out, err = meetbot("upcoming", "--database", str(kept), "--days", "1")
    assert status == 0, err
    infra = out.split("\n\n")[1].splitlines()
    # Its cancelled vote 2 plans nothing.
    assert [line for line in infra if "vote" in line] == [
        "  Mon 17 Mar 2025, 12:00 UTC  reminder of vote 3 (Move CI to GitHub), a day before it "
        "closes (due now: `meetbot run` does it)",
        "  Tue 18 Mar 2025, 12:00 UTC  close of vote 3 (Move CI to GitHub) with its result, at "
        "its deadline (2025-03-17 AoE) or once everyone has voted",
    ]
    # Down past the deadline: the reminder never comes, the close is due.
    at(monkeypatch, datetime(2025, 3, 18, 13, 0, tzinfo=timezone.utc))
    status, out, err = meetbot("upcoming", "infra", "--database", str(kept), "--days", "1")
    assert status == 0, err
    assert [line.split(" UTC  ")[1] for line in out.splitlines() if "vote" in line] == [
        "reminder of vote 3 (Move CI to GitHub), a day before it closes: not done, the vote's "
        "deadline has passed: its close comes instead",
        "close of vote 3 (Move CI to GitHub) with its result, at its deadline (2025-03-17 AoE) "
        "or once everyone has voted (due now: `meetbot run` does it)",
    ]

"""`meetbot init` writes a botrc `check` accepts; `check` explains each problem, offline and
online (against the fake Zulip), and never prints the API key."""

from __future__ import annotations

import io
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from zulipfake import FakeZulip

from zulip_meetbot import cli
from zulip_meetbot.botrc_writer import (
    Answers,
    ask_missing,
    ask_zuliprc,
    default_slug,
    schedule_rule_text,
)

KEY = "k3y-Of-The-Bot-0123456789abcdef"

INIT_FLAGS = [
    "--site",
    "https://chat.example.org",
    "--email",
    "meetbot-bot@chat.example.org",
    "--key",
    KEY,
    "--stream",
    "community",
    "--title",
    "Conda Community Meeting",
    "--start",
    "2025-02-12 17:00",
    "--timezone",
    "UTC",
    "--schedule",
    "every 2 weeks",
    "--video-link",
    "https://zoom.us/j/123",
]

GOOD_SERIES = """
[series:community]
title = Community Call
stream = community
topic = community call {date}
start = 2030-01-02 17:00
timezone = UTC
schedule = FREQ=WEEKLY
"""


def meetbot(
    *args: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Run `meetbot ARGS` in process, from a script (stdin is no terminal)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    status = cli.main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Any:
    monkeypatch.chdir(tmp_path)

    def run_meetbot(*args: str) -> tuple[int, str, str]:
        return meetbot(*args, monkeypatch=monkeypatch, capsys=capsys)

    return run_meetbot


def write_botrc(folder: Path, text: str, mode: int = 0o600) -> Path:
    path = folder / "botrc"
    path.write_text(text)
    path.chmod(mode)
    return path


# --- init -------------------------------------------------------------------------------------


def test_init_with_flags_writes_a_private_botrc_that_check_offline_accepts(
    run: Any, tmp_path: Path
) -> None:
    status, out, err = run("init", *INIT_FLAGS)
    assert status == 0, err
    assert "Wrote botrc" in out and "meetbot check --config botrc" in out
    botrc = tmp_path / "botrc"
    assert stat.S_IMODE(botrc.stat().st_mode) == 0o600
    text = botrc.read_text()
    assert "[series:conda-community]" in text
    assert "schedule = FREQ=WEEKLY;INTERVAL=2" in text
    assert "video_link = https://zoom.us/j/123" in text
    assert "# The bot's Zulip account" in text  # commented

    status, out, err = run("check", "--offline")
    assert status == 0, out
    assert out.splitlines()[0].startswith("ok: botrc reads well: 1 series (conda-community)")
    assert "warning" not in out
    assert KEY not in out + err


def test_init_takes_the_account_from_a_zuliprc(run: Any, tmp_path: Path) -> None:
    (tmp_path / "zuliprc").write_text(
        f"[api]\nemail=meetbot-bot@chat.example.org\nkey={KEY}\nsite=https://chat.example.org\n"
    )
    status, _out, err = run(
        "init",
        "--zuliprc",
        "zuliprc",
        "--stream",
        "dev",
        "--start",
        "2025-03-06 15:00",
        "--schedule",
        "monthly",
        "--output",
        "meetbot.ini",
    )
    assert status == 0, err
    text = (tmp_path / "meetbot.ini").read_text()
    assert f"key = {KEY}" in text
    assert "site = https://chat.example.org" in text
    assert "schedule = FREQ=MONTHLY;BYDAY=1TH" in text  # the first Thursday, as the start
    assert "title = Community Meeting" in text  # the default from a script
    assert run("check", "--offline", "--config", "meetbot.ini")[0] == 0


def test_init_names_the_flag_of_each_wrong_answer_and_writes_nothing(
    run: Any, tmp_path: Path
) -> None:
    status, _out, err = run(
        "init",
        "--site",
        "https://chat.example.org",
        "--email",
        "not-an-email",
        "--start",
        "next wednesday",
        "--timezone",
        "Europe/Berln",
        "--schedule",
        "sometimes",
        "--video-link",
        "zoom.us/j/1",
    )
    assert status == 2
    lines = err.splitlines()
    assert "meetbot init: --email: expected the bot's email address, got 'not-an-email'" in lines
    assert (
        "meetbot init: standard input is not a terminal, so init asks nothing and reads no "
        "piped answers; give --key and --stream as flags; --zuliprc FILE gives site, email and "
        "key (see `meetbot init --help`)" in lines
    )
    assert "meetbot init: --start: expected YYYY-MM-DD HH:MM[:SS], got 'next wednesday'" in lines
    assert (
        "meetbot init: --timezone: unknown time zone 'Europe/Berln' "
        "(did you mean 'Europe/Berlin'?)" in lines
    )
    assert any(line.startswith("meetbot init: --schedule: expected weekly") for line in lines)
    assert "meetbot init: --video-link: expected an http(s) URL, got 'zoom.us/j/1'" in lines
    assert not (tmp_path / "botrc").exists()


def test_init_does_not_replace_a_botrc_unless_forced(run: Any, tmp_path: Path) -> None:
    (tmp_path / "botrc").write_text("mine\n")
    status, _out, err = run("init", *INIT_FLAGS)
    assert status == 2 and "botrc exists; use --force" in err
    assert (tmp_path / "botrc").read_text() == "mine\n"
    (tmp_path / "botrc").chmod(0o644)
    assert run("init", *INIT_FLAGS, "--force")[0] == 0
    assert stat.S_IMODE((tmp_path / "botrc").stat().st_mode) == 0o600


class ScriptedTerminal:
    """Answers init's questions from a list, recording each prompt and each thing told, in
    the order they happen."""

    def __init__(self, replies: list[str]) -> None:
        self.replies = iter(replies)
        self.events: list[str] = []

    def ask(self, prompt: str) -> str:
        self.events.append(f"asked {prompt}")
        return next(self.replies)

    def tell(self, text: str) -> None:
        self.events.append(f"told {text}")

    def run(self, folder: Path, given: Answers | None = None) -> Answers:
        return ask_missing(given or Answers(), folder / "botrc", self.ask, self.ask, self.tell)


def test_init_checks_each_answer_as_it_is_given_and_asks_again_at_once(tmp_path: Path) -> None:
    # Behaviour changed by issue 12: answers used to be checked only after the last question.
    terminal = ScriptedTerminal(
        [
            "https://chat.example.org",  # site
            "bot@chat.example.org",  # email
            KEY,  # key
            "community",  # stream
            "",  # title: the default
            "2025-02-12 5pm",  # start: refused
            "2025-02-12 17:00",  # start again
            "Mars/Olympus",  # zone: refused
            "America/New_York",  # zone again
            "",  # schedule: weekly
            "",  # no video link (so its text is not asked)
            "",  # no description
            "",  # no chairs
        ]
    )
    answers = terminal.run(tmp_path)
    assert answers.start == "2025-02-12 17:00" and answers.timezone == "America/New_York"
    assert answers.title == "Community Meeting" and answers.schedule == "weekly"
    told = [event for event in terminal.events if event.startswith("told")]
    assert told == [
        "told start: expected YYYY-MM-DD HH:MM[:SS], got '2025-02-12 5pm'",
        "told timezone: unknown time zone 'Mars/Olympus'",
    ]
    start_told = terminal.events.index(told[0])
    assert terminal.events[start_told - 1].startswith("asked First meeting")
    assert terminal.events[start_told + 1].startswith("asked First meeting")
    assert terminal.events[start_told + 2].startswith("asked Its time zone")
    zone_told = terminal.events.index(told[1])
    assert terminal.events[zone_told + 1].startswith("asked Its time zone")
    assert terminal.events[zone_told + 2].startswith("asked How it repeats")
    assert all(KEY not in event for event in told)


def test_init_does_not_shift_answers_into_the_next_fields_after_a_wrong_one(
    tmp_path: Path,
) -> None:
    terminal = ScriptedTerminal(
        [
            "https://chat.example.org",
            "bot@chat.example.org",
            KEY,
            "community",
            "",
            "2025-02-12 17:00",
            "Europe/Berln",  # a typo: refused before the schedule is asked
            "Europe/Berlin",
            "every 2 weeks",
            "Europe/Berlin",  # typed once more by mistake, where the link goes: refused
            "https://meet.example.org/c",
            "",
            "",
            "",
        ]
    )
    answers = terminal.run(tmp_path)
    assert answers.timezone == "Europe/Berlin" and answers.schedule == "every 2 weeks"
    assert answers.video_link == "https://meet.example.org/c" and answers.video_label == ""
    assert "told video link: expected an http(s) URL, got 'Europe/Berlin'" in terminal.events


def test_init_says_a_question_is_required_when_enter_is_pressed(tmp_path: Path) -> None:
    terminal = ScriptedTerminal(
        [
            *["", "https://chat.example.org", "bot@chat.example.org", KEY],
            *["", "community", "", "2025-02-12 17:00", "UTC", "", "", "", ""],
        ]
    )
    terminal.run(tmp_path)
    events = terminal.events
    assert events[:3] == [
        "asked Zulip server URL (e.g. https://example.zulipchat.com): ",
        "told site: required, there is no default (Ctrl-C stops)",
        "asked Zulip server URL (e.g. https://example.zulipchat.com): ",
    ]
    assert "told stream: required, there is no default (Ctrl-C stops)" in events


def test_init_checks_a_wrong_flag_answer_in_question_order(tmp_path: Path) -> None:
    given = Answers(site="https://chat.example.org", timezone="Europe/Berln", schedule="sometimes")
    terminal = ScriptedTerminal(
        [
            *["bot@chat.example.org", KEY, "community", "", "2025-02-12 17:00"],
            *["Europe/Berlin", "weekly", "", "", ""],
        ]
    )
    answers = terminal.run(tmp_path, given)
    assert (answers.timezone, answers.schedule) == ("Europe/Berlin", "weekly")
    zone_told = terminal.events.index(
        "told timezone: unknown time zone 'Europe/Berln' (did you mean 'Europe/Berlin'?)"
    )
    assert terminal.events[zone_told - 1].startswith("asked First meeting")
    assert terminal.events[zone_told + 1].startswith("asked Its time zone")
    assert terminal.events[zone_told + 2].startswith("told schedule: expected weekly")


def test_interactive_init_drops_a_video_label_flag_without_a_link_and_says_so(
    tmp_path: Path,
) -> None:
    terminal = ScriptedTerminal(
        [
            *["https://chat.example.org", "bot@chat.example.org", KEY, "community", ""],
            *["2025-02-12 17:00", "UTC", "", "", "", ""],
        ]
    )
    answers = terminal.run(tmp_path, Answers(video_label="Jitsi"))
    assert answers.video_label == ""
    assert "told video label: ignored, as there is no video link" in terminal.events


def test_init_offers_to_read_the_account_from_a_zuliprc_until_it_can(tmp_path: Path) -> None:
    zuliprc = tmp_path / "zuliprc"
    zuliprc.write_text(
        f"[api]\nemail=bot@chat.example.org\nkey={KEY}\nsite=https://chat.example.org\n"
    )
    (tmp_path / "notes.txt").write_text("shopping list\n")
    replies = iter([str(tmp_path / "missing"), str(tmp_path / "notes.txt"), str(zuliprc)])
    told: list[str] = []
    answers = ask_zuliprc(Answers(stream="dev"), lambda _p: next(replies), told.append)
    assert (answers.site, answers.email, answers.key) == (
        "https://chat.example.org",
        "bot@chat.example.org",
        KEY,
    )
    assert answers.stream == "dev"
    assert told[0].startswith(f"cannot read the zuliprc {tmp_path / 'missing'}")
    assert told[1] == f"{tmp_path / 'notes.txt'} has no [api] section: is it a zuliprc?"
    # Given any part of the account already, nothing is asked.
    given = Answers(site="https://x.example")
    assert ask_zuliprc(given, lambda _p: pytest.fail("asked"), told.append) == given


@pytest.mark.parametrize(
    ("choice", "start", "rule"),
    [
        ("weekly", "2025-02-12 17:00", "FREQ=WEEKLY"),
        ("Every 2 weeks", "2025-02-12 17:00", "FREQ=WEEKLY;INTERVAL=2"),
        ("fortnightly", "2025-02-12 17:00", "FREQ=WEEKLY;INTERVAL=2"),
        ("every 3 weeks", "2025-02-12 17:00", "FREQ=WEEKLY;INTERVAL=3"),
        ("monthly", "2025-02-12 17:00", "FREQ=MONTHLY;BYDAY=2WE"),
        ("monthly", "2025-01-29 17:00", "FREQ=MONTHLY;BYDAY=-1WE"),  # the 5th: the last
        ("once", "2025-02-12 17:00", ""),
        ("RRULE:FREQ=WEEKLY;BYDAY=TU", "2025-02-11 17:00", "FREQ=WEEKLY;BYDAY=TU"),
    ],
)
def test_schedule_answers_become_rrules(choice: str, start: str, rule: str) -> None:
    assert schedule_rule_text(choice, start) == rule


def test_slug_comes_from_the_title_words_that_name_the_meeting() -> None:
    assert default_slug("Conda Community Meeting") == "conda-community"
    assert default_slug("The Weekly Call") == "weekly"
    assert default_slug("Meeting") == "meeting"
    assert default_slug("!!!") == "meeting"


# --- check offline ----------------------------------------------------------------------------

API = f"[api]\nemail = meetbot-bot@chat.example.org\nkey = {KEY}\nsite = https://chat.example.org\n"


@pytest.mark.parametrize(
    ("botrc", "expected"),
    [
        (
            API + GOOD_SERIES + "this line is no key\n",
            "error: line 13: expected 'key = value' or a [section] header, "
            "got 'this line is no key'",
        ),
        (
            "[api]\nemail = b@x.org\nsite = https://x.org\n" + KEY + "\n" + GOOD_SERIES,
            "error: line 4: expected 'key = value' or a [section] header "
            "(the line is in [api], so it is not shown)",
        ),
        (API + GOOD_SERIES + "titel = x\n", "error: [series:community] titel: unknown key "),
        (
            API + GOOD_SERIES.replace("timezone = UTC", "timezone = Europe/Berln"),
            "error: [series:community] timezone: unknown time zone 'Europe/Berln' "
            "(did you mean 'Europe/Berlin'?)",
        ),
        (
            API + GOOD_SERIES.replace("FREQ=WEEKLY", "FREQ=SOMETIMES"),
            "error: [series:community] schedule: FREQ=SOMETIMES is not a meeting schedule",
        ),
        (API.replace(f"key = {KEY}\n", ""), "error: [api] key: missing"),
        (API, "error: no [series:SLUG] section"),
        (
            API + GOOD_SERIES + "video_link = zoom.us/j/1\n",
            "error: [series:community] video_link: expected an http(s) URL, got 'zoom.us/j/1'",
        ),
        (
            API + GOOD_SERIES + "template = broken.md.j2\n",
            "error: [series:community] template: ",
        ),
    ],
)
def test_check_offline_names_each_botrc_problem_precisely(
    run: Any, tmp_path: Path, botrc: str, expected: str
) -> None:
    (tmp_path / "broken.md.j2").write_text("# {{ meeting.title }\n")
    write_botrc(tmp_path, botrc)
    status, out, err = run("check", "--offline")
    assert status == 2
    assert any(line.startswith(expected) for line in out.splitlines()), out
    assert out.rstrip().endswith("`meetbot run` would not work until fixed.")
    assert KEY not in out + err


def test_check_offline_reports_a_missing_botrc(run: Any) -> None:
    status, out, _err = run("check", "--offline", "--config", "nowhere/botrc")
    assert status == 2
    assert "error: botrc not found at " in out


def test_check_warns_when_others_can_read_the_botrc_but_passes(run: Any, tmp_path: Path) -> None:
    write_botrc(tmp_path, API + GOOD_SERIES, mode=0o644)
    status, out, _err = run("check", "--offline")
    assert status == 0
    assert (
        "warning: botrc is readable by other users of this machine (mode 0644) and holds the "
        "bot's API key: run `chmod 600 " in out
    )


def test_check_refuses_a_database_folder_that_cannot_be_made(run: Any, tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file, not a folder\n")
    write_botrc(tmp_path, API + "[meetbot]\ndatabase = data/meetbot.sqlite3\n" + GOOD_SERIES)
    status, out, _err = run("check", "--offline")
    assert status == 1
    assert f"error: [meetbot] database: {tmp_path / 'data'} is not a folder" in out


def test_check_says_the_database_folder_does_not_exist_and_makes_none(
    run: Any, tmp_path: Path
) -> None:
    write_botrc(tmp_path, API + "[meetbot]\ndatabase = typo/dir/meetbot.sqlite3\n" + GOOD_SERIES)
    status, out, _err = run("check", "--offline")
    assert status == 1
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: [meetbot] database: its folder {tmp_path / 'typo' / 'dir'} does not exist; "
        "meetbot does not create it (a typo?)"
    ]
    assert not (tmp_path / "typo").exists()


def test_check_accepts_a_new_database_in_an_existing_folder(run: Any, tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    write_botrc(tmp_path, API + "[meetbot]\ndatabase = state/meetbot.sqlite3\n" + GOOD_SERIES)
    status, out, _err = run("check", "--offline")
    assert status == 0, out
    database = tmp_path / "state" / "meetbot.sqlite3"
    assert f"ok: database {database} does not exist yet: `meetbot run` will create it" in out


def run_with_no_server(folder: Path, series: str, mode: int = 0o600) -> Any:
    """`meetbot run` over a botrc whose server is a port nothing listens on."""
    botrc = API.replace("https://chat.example.org", "http://127.0.0.1:9") + series
    write_botrc(folder, botrc, mode=mode)
    return subprocess.run(
        [sys.executable, "-m", "zulip_meetbot", "run"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_warns_about_a_botrc_others_can_read(tmp_path: Path) -> None:
    result = run_with_no_server(tmp_path, GOOD_SERIES, mode=0o640)
    assert result.returncode == 1  # nothing listens on port 9
    assert "botrc is readable by other users of this machine (mode 0640)" in result.stderr
    assert KEY not in result.stderr + result.stdout


# --- check online -----------------------------------------------------------------------------


def online_botrc(server: FakeZulip, bot: Any, extra: str = "", series: str = GOOD_SERIES) -> str:
    return server.zuliprc_text(bot) + "\n[meetbot]\n" + extra + series


def test_check_online_passes_against_a_server_where_run_would_work(
    run: Any, tmp_path: Path, zulip_server: FakeZulip, community: dict[str, Any]
) -> None:
    hamlet = community["hamlet"]
    write_botrc(
        tmp_path, online_botrc(zulip_server, community["bot"], f"chairs = {hamlet.user_id}\n")
    )
    status, out, _err = run("check")
    assert status == 0, out
    lines = out.splitlines()
    assert (
        f"ok: credentials work: {zulip_server.url} knows the bot as Meetbot "
        f"(user {community['bot'].user_id}, a bot)" in lines
    )
    assert "ok: [series:community] stream: #community exists; `run` will subscribe the bot" in lines
    assert lines[-1] == "all good: `meetbot run` has everything it needs."
    assert community["bot"].api_key not in out


def test_check_online_refuses_wrong_credentials_without_showing_the_key(
    run: Any, tmp_path: Path, zulip_server: FakeZulip, community: dict[str, Any]
) -> None:
    text = online_botrc(zulip_server, community["bot"]).replace(
        community["bot"].api_key, "wrong-key-0123456789"
    )
    write_botrc(tmp_path, text)
    status, out, err = run("check")
    assert status == 1
    assert (
        f"error: [api] email, key: {zulip_server.url} refused the bot's credentials "
        "(Invalid API key)." in out
    )
    assert "wrong-key-0123456789" not in out + err


def test_check_online_names_the_series_whose_stream_the_bot_cannot_use(
    run: Any, tmp_path: Path, zulip_server: FakeZulip, community: dict[str, Any]
) -> None:
    zulip_server.add_stream("secret", private=True, subscribers=[community["hamlet"]])
    zulip_server.add_stream("team", private=True, subscribers=[community["bot"]])
    series = (
        GOOD_SERIES.replace("stream = community", "stream = comunity")
        + GOOD_SERIES.replace("[series:community]", "[series:secret]").replace(
            "stream = community", "stream = secret"
        )
        + GOOD_SERIES.replace("[series:community]", "[series:team]").replace(
            "stream = community", "stream = team"
        )
    )
    write_botrc(tmp_path, online_botrc(zulip_server, community["bot"], series=series))
    status, out, _err = run("check")
    assert status == 1
    lines = out.splitlines()
    assert any(
        line.startswith(
            "error: [series:community] stream: the bot cannot see a stream called 'comunity'"
        )
        for line in lines
    )
    assert any(
        line.startswith(
            "error: [series:secret] stream: the bot cannot see a stream called 'secret'"
        )
        and "if the stream is private, add the bot to it" in line
        for line in lines
    )
    assert "ok: [series:team] stream: #team exists and the bot is in it" in lines
    assert lines[-1] == "2 problems: `meetbot run` would not work until fixed."


def test_check_online_finds_chairs_the_bot_could_not_recognize(
    run: Any, tmp_path: Path, zulip_server: FakeZulip, community: dict[str, Any]
) -> None:
    hamlet = community["hamlet"]
    chairs = f"chairs = {hamlet.user_id}, 9999, hamlet@zulip.com, {hamlet.email}\n"
    write_botrc(tmp_path, online_botrc(zulip_server, community["bot"], chairs))
    status, out, _err = run("check")
    assert status == 1
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert errors[0] == "error: [meetbot] chairs: there is no user 9999"
    # The organization hides real addresses from bots: that chair would never be recognized.
    assert errors[1].startswith(
        "error: [meetbot] chairs: no user the bot can see has the email hamlet@zulip.com"
    )
    assert len(errors) == 2


def test_check_online_finds_the_custom_profile_fields_the_botrc_names(
    run: Any, tmp_path: Path, zulip_server: FakeZulip, community: dict[str, Any]
) -> None:
    zulip_server.add_profile_field("GitHub", "SHORT_TEXT")
    write_botrc(
        tmp_path,
        online_botrc(zulip_server, community["bot"], "affiliation_fields = Employer, Company\n"),
    )
    status, out, _err = run("check")
    assert status == 1
    assert (
        "error: [meetbot] affiliation_fields: the organization has no custom profile field "
        "'Employer' or 'Company' (it has: GitHub)" in out.splitlines()
    )
    assert "ok: [meetbot] github_fields: the profile field 'GitHub' exists" in out.splitlines()

    zulip_server.add_profile_field("Company", "SHORT_TEXT")
    status, out, _err = run("check")
    assert status == 0, out
    assert "ok: [meetbot] affiliation_fields: the profile field 'Company' exists" in out


def test_check_online_says_when_the_server_cannot_be_reached(run: Any, tmp_path: Path) -> None:
    write_botrc(
        tmp_path, API.replace("https://chat.example.org", "http://127.0.0.1:9") + GOOD_SERIES
    )
    status, out, _err = run("check")
    assert status == 1
    assert "error: [api] site: cannot reach the Zulip server at http://127.0.0.1:9: " in out
    assert KEY not in out


# --- issue 12: a new organizer's first hour ---------------------------------------------------


def check_offline_lines(run: Any, tmp_path: Path, series: str) -> tuple[int, list[str]]:
    write_botrc(tmp_path, API + series)
    status, out, _err = run("check", "--offline")
    return status, out.splitlines()


def test_check_offline_reports_every_bad_reminder_on_its_own_line(run: Any, tmp_path: Path) -> None:
    series = GOOD_SERIES + "reminders = 1d, 1h, -1h, 0m, 1x\n"
    status, lines = check_offline_lines(run, tmp_path, series)
    assert status == 2
    bad = [line for line in lines if line.startswith("error: [series:community] reminders:")]
    assert [line.rsplit(" ", 1)[-1] for line in bad] == ["'-1h'", "'0m'", "'1x'"]


def test_check_warns_about_a_reminder_longer_than_the_gap_between_meetings(
    run: Any, tmp_path: Path
) -> None:
    status, lines = check_offline_lines(run, tmp_path, GOOD_SERIES + "reminders = 400d, 1h\n")
    assert status == 0  # a warning, not an error: `run` works
    assert (
        "warning: [series:community] reminders: 57 weeks 1 day before each meeting is longer "
        "than the 1 week between meetings, so a meeting's reminder would come before the "
        "meeting before it" in lines
    )
    assert not any("reminders: 1 hour" in line for line in lines)


def test_check_warns_about_a_reminder_months_before_a_one_off_meeting(
    run: Any, tmp_path: Path
) -> None:
    once = GOOD_SERIES.replace("schedule = FREQ=WEEKLY\n", "") + "reminders = 400d\n"
    status, lines = check_offline_lines(run, tmp_path, once)
    assert status == 0
    assert (
        "warning: [series:community] reminders: 57 weeks 1 day before each meeting is more "
        "than 4 weeks ahead: people will have forgotten it (a typo?)" in lines
    )


def test_check_warns_about_a_duration_longer_than_the_gap_between_meetings(
    run: Any, tmp_path: Path
) -> None:
    twice_a_week = GOOD_SERIES.replace("FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=WE,FR")
    status, lines = check_offline_lines(run, tmp_path, twice_a_week + "duration = 3d\n")
    assert status == 0
    assert (
        "warning: [series:community] duration: 3 days is longer than the 2 days between "
        "meetings, so a meeting would still run when the next one starts" in lines
    )


def test_gaps_between_meetings_are_wall_times_so_dst_does_not_warn(
    run: Any, tmp_path: Path
) -> None:
    berlin = GOOD_SERIES.replace("start = 2030-01-02", "start = 2030-03-20").replace(
        "timezone = UTC", "timezone = Europe/Berlin"
    )
    status, lines = check_offline_lines(run, tmp_path, berlin + "reminders = 7d\n")
    assert status == 0
    assert not any(line.startswith("warning") for line in lines), lines


def test_check_warns_when_byday_moves_the_first_meeting_off_the_start_weekday(
    run: Any, tmp_path: Path
) -> None:
    tuesdays = GOOD_SERIES.replace("FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=TU")  # start: a Wednesday
    status, lines = check_offline_lines(run, tmp_path, tuesdays)
    assert status == 0
    assert (
        "warning: [series:community] schedule: the rule does not give the day of `start` "
        "(Wed 2 Jan 2030), so the first meetings are Tue 8 Jan 2030, Tue 15 Jan 2030, "
        "Tue 22 Jan 2030: make `start` the first meeting, or change the rule" in lines
    )


def test_check_says_a_botrc_others_can_write_is_writable_and_why_it_matters(
    run: Any, tmp_path: Path
) -> None:
    write_botrc(tmp_path, API + GOOD_SERIES, mode=0o666)
    status, out, _err = run("check", "--offline")
    assert status == 0
    # Wording changed by issue 12: "any of them", one colon, and the key can be read too.
    assert (
        "warning: botrc is readable and writable by other users of this machine (mode 0666), "
        "so any of them can read the bot's API key and change its chairs, its Zulip account "
        "and its key: run `chmod 600 " in out
    )
    assert out.count("mode 0666") == 1


def test_check_says_a_botrc_others_can_write_but_not_read_is_writable_only(
    run: Any, tmp_path: Path
) -> None:
    write_botrc(tmp_path, API + GOOD_SERIES, mode=0o622)
    _status, out, _err = run("check", "--offline")
    assert (
        "warning: botrc is writable by other users of this machine (mode 0622), so any of them "
        "can change its chairs, its Zulip account and its key: run `chmod 600 " in out
    )
    assert "readable" not in out


def test_run_logs_the_value_warnings_check_prints(tmp_path: Path) -> None:
    result = run_with_no_server(tmp_path, GOOD_SERIES + "reminders = 400d\n")
    assert result.returncode == 1  # nothing listens on port 9
    assert "WARNING" in result.stderr
    assert (
        "[series:community] reminders: 57 weeks 1 day before each meeting is longer than the "
        "1 week between meetings" in result.stderr
    )


def test_init_strips_the_hash_of_a_stream_and_adds_https_to_a_site(
    run: Any, tmp_path: Path
) -> None:
    flags = list(INIT_FLAGS)
    flags[flags.index("https://chat.example.org")] = "chat.example.org"
    flags[flags.index("community")] = "#**community**"
    status, _out, err = run("init", *flags)
    assert status == 0, err
    text = (tmp_path / "botrc").read_text()
    assert "site = https://chat.example.org\n" in text
    assert "stream = community\n" in text
    status, out, _err = run("check", "--offline")
    assert status == 0 and "warning" not in out


def test_init_refuses_a_site_that_is_no_url_like_the_botrc(run: Any, tmp_path: Path) -> None:
    flags = list(INIT_FLAGS)
    flags[flags.index("https://chat.example.org")] = "ftp://chat.example.org"
    status, _out, err = run("init", *flags)
    assert status == 2
    assert (
        "meetbot init: --site: expected the Zulip server's URL, such as "
        "https://example.zulipchat.com, got 'ftp://chat.example.org'" in err.splitlines()
    )
    assert not (tmp_path / "botrc").exists()


def test_init_writes_the_video_label_description_and_chairs_given_as_flags(
    run: Any, tmp_path: Path
) -> None:
    status, _out, err = run(
        "init",
        *INIT_FLAGS,
        "--video-label",
        "Join on Zoom",
        "--description",
        "Everything conda, every other week.",
        "--chairs",
        "7, chair@chat.example.org",
    )
    assert status == 0, err
    text = (tmp_path / "botrc").read_text()
    assert "video_label = Join on Zoom\n" in text
    assert "description = Everything conda, every other week.\n" in text
    assert "chairs = 7, chair@chat.example.org\n" in text
    assert run("check", "--offline")[0] == 0


def test_init_prints_the_series_slug_it_chose(run: Any) -> None:
    status, out, err = run("init", *INIT_FLAGS)
    assert status == 0, err
    assert "series slug: conda-community (used in commands and file names)" in out.splitlines()


def test_init_prints_the_warnings_check_would_print(run: Any) -> None:
    flags = list(INIT_FLAGS)
    flags[flags.index("every 2 weeks")] = "FREQ=WEEKLY;BYDAY=TU"  # the start is a Wednesday
    status, _out, err = run("init", *flags)
    assert status == 0
    assert (
        "meetbot init: warning: --schedule: the rule does not give the "
        "day of `start` (Wed 12 Feb 2025), so the first meetings are Tue 18 Feb 2025, "
        "Tue 25 Feb 2025, Tue 4 Mar 2025: make `start` the first meeting, or change the rule"
        in err.splitlines()
    )


def test_init_asks_for_the_link_text_after_a_link_then_description_and_chairs(
    tmp_path: Path,
) -> None:
    replies = iter(
        [
            "https://chat.example.org",  # site
            "bot@chat.example.org",  # email
            "community",  # stream
            "",  # title: the default
            "2025-02-12 17:00",  # start
            "UTC",  # zone
            "",  # schedule: weekly
            "https://meet.example.org/c",  # video link
            "Join the call",  # its text
            "Where the community meets.",  # description
            "7",  # chairs
        ]
    )
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return next(replies)

    answers = ask_missing(Answers(), tmp_path / "botrc", ask, lambda _p: KEY, lambda _t: None)
    assert (answers.video_label, answers.description, answers.chairs) == (
        "Join the call",
        "Where the community meets.",
        "7",
    )
    assert prompts[-3].startswith("The link's text")
    assert prompts[-2].startswith("A sentence under the notes' heading")
    assert prompts[-1].startswith("Chairs besides the admins")
    assert all("(Enter for" in prompt for prompt in prompts[-3:])


def test_slug_of_a_non_ascii_title_is_transliterated() -> None:
    assert default_slug("Python Café") == "python-cafe"
    assert default_slug("Straße Ñandú") == "strasse-nandu"
    assert default_slug("Réunion Ελληνικά") == "reunion"


@pytest.mark.parametrize(
    ("zone", "hint"),
    [
        ("Europe/Berln", "(did you mean 'Europe/Berlin'?)"),
        ("CEST", "(CEST is an abbreviation, which several zones share; write the zone of a place"),
    ],
)
def test_shell_timezone_gets_the_same_suggestion_as_the_botrc(
    run: Any, tmp_path: Path, zone: str, hint: str
) -> None:
    status, _out, err = run("shell", "--timezone", zone)
    assert status == 2
    (line,) = err.splitlines()
    assert line.startswith(f"meetbot shell: --timezone: unknown time zone {zone!r} {hint}")
    write_botrc(tmp_path, API + GOOD_SERIES.replace("timezone = UTC", f"timezone = {zone}"))
    _status, out, _err = run("check", "--offline")
    botrc_line = next(line for line in out.splitlines() if "timezone:" in line)
    assert botrc_line.split("timezone: ", 1)[1] == line.split("--timezone: ", 1)[1]


def test_check_offline_reports_a_file_that_is_not_a_database(run: Any, tmp_path: Path) -> None:
    write_botrc(tmp_path, API + GOOD_SERIES)
    (tmp_path / "meetbot.sqlite3").write_bytes(b"garbage " * 100)
    status, out, _ = run("check", "--offline")
    assert status == 1
    assert (
        f"error: database {tmp_path / 'meetbot.sqlite3'} is not a SQLite database "
        "(file is not a database)"
    ) in out.splitlines()
    assert "1 problem: `meetbot run` would not work until fixed." in out


def test_check_offline_reads_the_database_without_creating_or_changing_it(
    run: Any, tmp_path: Path
) -> None:
    write_botrc(tmp_path, API + GOOD_SERIES)
    database = tmp_path / "meetbot.sqlite3"
    status, out, _ = run("check", "--offline")
    assert status == 0
    assert f"ok: database {database} does not exist yet: `meetbot run` will create it" in out
    assert not database.exists()
    run("shell", "--database", str(database))  # a database with one (empty) record
    before = database.read_bytes()
    status, out, _ = run("check", "--offline")
    assert status == 0
    assert f"ok: database {database}: 0 meetings recorded; readable and writable" in out
    assert database.read_bytes() == before


# --- issue 12: a new user's `init` and `check --offline` from a clean clone -----------------


@pytest.mark.parametrize("schedule", ["every 0 weeks", "FREQ=WEEKLY;INTERVAL=0"])
def test_init_refuses_a_schedule_interval_of_zero_on_the_schedule_flag(
    run: Any, tmp_path: Path, schedule: str
) -> None:
    flags = list(INIT_FLAGS)
    flags[flags.index("every 2 weeks")] = schedule
    status, _out, err = run("init", *flags)
    assert status == 2
    (line,) = err.splitlines()
    assert line.startswith("meetbot init: --schedule: the interval must be 1 or more ")
    assert not (tmp_path / "botrc").exists()


def test_init_says_a_count_of_zero_yields_no_meeting_at_all(run: Any) -> None:
    flags = list(INIT_FLAGS)
    flags[flags.index("every 2 weeks")] = "FREQ=DAILY;COUNT=0"
    status, _out, err = run("init", *flags)
    assert status == 2
    (line,) = err.splitlines()
    assert line.startswith("meetbot init: --schedule: COUNT=0 yields no meeting at all")


def test_check_names_the_schedule_for_an_interval_of_zero(run: Any, tmp_path: Path) -> None:
    series = GOOD_SERIES.replace("FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=0")
    status, lines = check_offline_lines(run, tmp_path, series)
    assert status == 2
    errors = [line for line in lines if line.startswith("error")]
    assert errors == [
        "error: [series:community] schedule: the interval must be 1 or more (1 is every week, "
        "2 every other week), got INTERVAL=0"
    ]


def test_init_from_a_pipe_says_it_asks_nothing_and_which_flags_to_give(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("https://chat.example.org\nbot@x.org\n"))
    status = cli.main(["init", "--stream", "community"])
    err = capsys.readouterr().err
    assert status == 2
    lines = err.splitlines()
    assert lines[0] == (
        "meetbot init: standard input is not a terminal, so init asks nothing and reads no "
        "piped answers; give --site, --email, --key and --start as flags; --zuliprc FILE "
        "gives site, email and key (see `meetbot init --help`)"
    )
    assert lines[1:] == []  # each flag is not repeated as missing
    assert not (tmp_path / "botrc").exists()


def test_init_from_flags_with_only_a_wrong_value_does_not_talk_about_the_terminal(
    run: Any,
) -> None:
    flags = list(INIT_FLAGS)
    flags[flags.index("UTC")] = "Mars/Olympus"
    _status, _out, err = run("init", *flags)
    assert err.splitlines() == ["meetbot init: --timezone: unknown time zone 'Mars/Olympus'"]


def test_init_warns_about_a_video_label_without_a_video_link_naming_the_flags_and_writes(
    run: Any, tmp_path: Path
) -> None:
    flags = INIT_FLAGS[: INIT_FLAGS.index("--video-link")]
    status, _out, err = run("init", *flags, "--video-label", "Jitsi")
    assert status == 0  # as `check` only warns about the same botrc
    assert err.splitlines() == [
        "meetbot init: warning: --video-label: 'Jitsi' has no --video-link to label; add the "
        "link, or remove --video-label"
    ]
    assert "video_label = Jitsi" in (tmp_path / "botrc").read_text().splitlines()


def test_check_warns_about_a_video_label_with_no_video_link(run: Any, tmp_path: Path) -> None:
    status, lines = check_offline_lines(run, tmp_path, GOOD_SERIES + "video_label = Jitsi\n")
    assert status == 0
    assert (
        "warning: [series:community] video_label: 'Jitsi' has no video_link to label; add the "
        "link, or remove video_label" in lines
    )


LATER_DEFAULT = GOOD_SERIES + "sections = Intro, Deferred to next meeting\n"


def test_check_warns_when_the_default_section_is_a_section_for_later(
    run: Any, tmp_path: Path
) -> None:
    status, lines = check_offline_lines(run, tmp_path, LATER_DEFAULT)
    assert status == 0
    assert (
        "warning: [series:community] default_section: 'Deferred to next meeting' is a section "
        "for later, so `agenda add` would put new items there and each would be carried over "
        "to the next meeting instead of discussed; set default_section = Intro" in lines
    )
    status, lines = check_offline_lines(run, tmp_path, LATER_DEFAULT + "default_section = Intro\n")
    assert not any("default_section" in line for line in lines)


def test_run_logs_a_default_section_for_later(tmp_path: Path) -> None:
    result = run_with_no_server(tmp_path, LATER_DEFAULT)
    assert result.returncode == 1  # nothing listens on port 9
    assert (
        "[series:community] default_section: 'Deferred to next meeting' is a section for later"
        in result.stderr
    )


# --- issue 12: a new user's first init, check and read commands ------------------------------


def test_init_into_a_folder_says_it_is_a_folder_and_suggests_a_file_in_it(
    run: Any, tmp_path: Path
) -> None:
    (tmp_path / "d").mkdir()
    for force in ([], ["--force"]):
        status, _out, err = run("init", *INIT_FLAGS, "--output", "d", *force)
        assert status == 2
        assert err.splitlines() == [
            f"meetbot init: {tmp_path / 'd'} is a folder: name the file to write, such as "
            f"--output {tmp_path / 'd' / 'botrc'}"
        ]


def test_init_from_a_pipe_names_one_missing_flag_in_the_singular(run: Any) -> None:
    flags = INIT_FLAGS[: INIT_FLAGS.index("--start")] + INIT_FLAGS[INIT_FLAGS.index("UTC") - 1 :]
    status, _out, err = run("init", *flags)
    assert status == 2
    assert err.splitlines() == [
        "meetbot init: standard input is not a terminal, so init asks nothing and reads no "
        "piped answers; give --start as a flag (see `meetbot init --help`)"
    ]


def test_init_says_a_stream_given_as_a_bare_hash_names_no_stream(run: Any) -> None:
    flags = list(INIT_FLAGS)
    flags[flags.index("community")] = "#"
    status, _out, err = run("init", *flags)
    assert status == 2
    assert err.splitlines() == ["meetbot init: --stream: '#' names no stream"]


def test_init_and_check_warn_that_a_start_in_the_spring_forward_gap_does_not_exist(
    run: Any, tmp_path: Path
) -> None:
    flags = list(INIT_FLAGS)
    flags[flags.index("2025-02-12 17:00")] = "2025-03-30 02:30"
    flags[flags.index("UTC")] = "Europe/Berlin"
    flags[flags.index("every 2 weeks")] = "once"
    status, _out, err = run("init", *flags)
    assert status == 0, err
    said = (
        "start: 02:30 does not exist in Europe/Berlin on 2025-03-30 (the clocks go forward); "
        "that meeting is at 03:30 CEST"
    )
    assert err.splitlines()[0] == f"meetbot init: warning: --{said}"
    _status, out, _err = run("check", "--offline")
    assert f"warning: [series:conda-community] {said}" in out.splitlines()


def test_check_says_which_of_the_twice_passed_start_times_is_taken(
    run: Any, tmp_path: Path
) -> None:
    series = GOOD_SERIES.replace("2030-01-02 17:00", "2030-10-27 02:30").replace(
        "timezone = UTC", "timezone = Europe/Berlin"
    )
    _status, lines = check_offline_lines(run, tmp_path, series)
    assert (
        "warning: [series:community] start: 02:30 happens twice in Europe/Berlin on 2030-10-27 "
        "(the clocks go back); that meeting is at the first, 02:30 CEST, not 02:30 CET" in lines
    )


def test_check_warns_that_a_series_whose_rule_ended_has_no_meetings_left(
    run: Any, tmp_path: Path
) -> None:
    series = GOOD_SERIES.replace("2030-01-02", "2024-01-03").replace(
        "FREQ=WEEKLY", "FREQ=WEEKLY;UNTIL=20240601"
    )
    status, lines = check_offline_lines(run, tmp_path, series)
    assert status == 0
    assert (
        "warning: [series:community] schedule: the schedule's last meeting is 2024-05-29: the "
        "series has ended (no reminders or starts will happen)" in lines
    )


def test_check_and_the_read_commands_say_the_same_about_a_missing_botrc(run: Any) -> None:
    _status, out, _err = run("check", "--offline", "--config", "nowhere/botrc")
    _status, _out, err = run("upcoming", "--config", "nowhere/botrc")
    said = "botrc not found at "
    checked = next(line for line in out.splitlines() if said in line).removeprefix("error: ")
    read = err.splitlines()[0].removeprefix("meetbot: ")
    assert checked.endswith("write one with `meetbot init`, or name one with --config")
    assert read.startswith(checked)  # the read commands add: or a shell database


def test_init_accepts_every_week_and_lists_the_same_phrases_as_its_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert schedule_rule_text("every week", "2025-02-12 17:00") == "FREQ=WEEKLY"
    assert schedule_rule_text("fortnightly", "2025-02-12 17:00") == "FREQ=WEEKLY;INTERVAL=2"
    with pytest.raises(ValueError, match="expected") as refused:
        schedule_rule_text("sometimes", "2025-02-12 17:00")
    with pytest.raises(SystemExit):
        cli.main(["init", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    accepted = str(refused.value).removeprefix("expected ").split("; got")[0]
    assert accepted in help_text
    assert "biweekly" in accepted and "fortnightly" in accepted and "every week" in accepted


def test_run_names_the_server_it_cannot_connect_to_once(tmp_path: Path) -> None:
    result = run_with_no_server(tmp_path, GOOD_SERIES)
    assert result.returncode == 1
    (line,) = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert line.count("127.0.0.1:9") == 1
    assert line.count("cannot connect") == 1


def test_check_online_of_a_foundation_names_its_problems_and_counts_what_is_fine(
    run: Any, tmp_path: Path, zulip_server: FakeZulip, community: dict[str, Any]
) -> None:
    # 30 series (the fine ones in one line, not 30), two of them in streams the bot cannot use.
    series = ""
    for n in range(30):
        stream = f"wg{n:02d}" if n not in (7, 21) else f"missing{n}"
        if n not in (7, 21):
            subscribers = [community["hamlet"]] + ([community["bot"]] if n < 10 else [])
            zulip_server.add_stream(stream, subscribers=subscribers)
        series += GOOD_SERIES.replace("[series:community]", f"[series:wg{n:02d}]").replace(
            "stream = community", f"stream = {stream}"
        )
    write_botrc(tmp_path, online_botrc(zulip_server, community["bot"], series=series))
    status, out, _err = run("check")
    assert status == 1
    lines = out.splitlines()
    assert lines[0].startswith("ok: botrc reads well: 30 series (wg00, wg01, ")
    assert "wg19 and 10 more); database" in lines[0]
    errors = [line for line in lines if line.startswith("error: [series:")]
    assert [line.split("]")[0] for line in errors] == ["error: [series:wg07", "error: [series:wg21"]
    assert (
        "ok: the streams of 28 series exist (`run` will subscribe the bot to 19 of them)" in lines
    )
    assert not any(line.startswith("ok: [series:") for line in lines)

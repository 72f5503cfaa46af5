"""The publisher: a meeting's notes committed to a real bare repository, one commit per version
that changes them, retried with the recorded backoff, surviving a restart, the chairs told
once, and the summary linked. The handler is driven in process (tests/harness.py) with a
clock the test moves; the publisher's attempts are made with ``run_due`` in the test's thread."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from githubfake import FakeGitHub
from harness import Harness

from zulip_meetbot.config import Publishing
from zulip_meetbot.domain import publications
from zulip_meetbot.publish.publisher import (
    FAILED,
    PUSHED,
    UNCHANGED,
    Publisher,
)
from zulip_meetbot.store import zulip_people

BRANCH = "2025-02-12-meeting-notes"
PATH = "meetings/20250212-community.md"
NOTES = "2025-02-12-community.md"
DELAYS = (timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40))


def git(*args: str, cwd: Path | None = None) -> str:
    """Real git, whatever the machine's own configuration."""
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    done = subprocess.run(
        ["git", "-c", "user.name=Someone", "-c", "user.email=someone@example.org", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def bare_repository(folder: Path, name: str = "archive.git") -> Path:
    """A bare repository with one commit on main, as a community's archive starts."""
    bare = folder / name
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    work = folder / "seed"
    git("clone", "--quiet", str(bare), str(work))
    (work / "README.md").write_text("Meeting notes\n")
    git("add", "README.md", cwd=work)
    git("commit", "--quiet", "-m", "Start", cwd=work)
    git("push", "--quiet", "origin", "HEAD:refs/heads/main", cwd=work)
    return bare


def commits_on(bare: Path, branch: str) -> list[str]:
    """The subjects of the branch's commits, newest first."""
    return git("log", "--format=%s", branch, cwd=bare).splitlines()


def file_on(bare: Path, branch: str, path: str = PATH) -> str:
    return git("show", f"{branch}:{path}", cwd=bare)


def reject_pushes(bare: Path, rejecting: bool) -> None:
    """A pre-receive hook that turns every push down (as branch protection would), or none."""
    hook = bare / "hooks" / "pre-receive"
    if rejecting:
        hook.write_text("#!/bin/sh\necho 'protected branch: pushes are turned down' >&2\nexit 1\n")
        hook.chmod(0o755)
    elif hook.exists():
        hook.unlink()


class Zulip:
    """The bot's side of Zulip for the publisher: posts and edits recorded; an edit refused
    when ``edits_fail`` (Zulip's edit window passed)."""

    full_name = "Meetbot"
    email = "meetbot-bot@zulip.example"

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.edits: list[dict[str, Any]] = []
        self.edits_fail = False

    def send_message(self, message: dict[str, Any]) -> dict[str, Any]:
        self.posts.append(message)
        return {"result": "success", "id": 5000 + len(self.posts)}

    def update_message(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.edits_fail:
            return {"result": "error", "msg": "The time limit for editing this message has passed"}
        self.edits.append(message)
        return {"result": "success", "msg": ""}


def publishing(repo: Path | str, **changes: Any) -> Publishing:
    values: dict[str, Any] = dict(
        repo=str(repo),
        path="meetings/%Y%m%d-community.md",
        branch="%Y-%m-%d-meeting-notes",
        base=None,
        pull_request=False,
        github_api="http://127.0.0.1:9",
        token_file=None,
        author=("Meetbot", "meetbot-bot@zulip.example"),
    )
    values.update(changes)
    return Publishing(**values)


def publishing_bot(folder: Path, repo: Path | str, **changes: Any) -> Harness:
    """The harness's bot with its one series publishing to ``repo``."""
    bot = Harness(folder)
    series = replace(bot.settings.series[0], publishing=publishing(repo, **changes))
    bot.settings = replace(bot.settings, series=(series,))
    bot.app.settings = bot.settings
    return bot


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    return bare_repository(tmp_path)


@pytest.fixture
def bot(tmp_path: Path, bare: Path) -> Harness:
    folder = tmp_path / "bot"
    folder.mkdir()
    return publishing_bot(folder, bare)


def ended_meeting(bot: Harness, publisher: Publisher) -> tuple[Any, Any, int]:
    """A meeting held and ended with the publisher listening; (chair, attendance id, meeting)."""
    bot.app.on_notes_written = publisher.want
    chair = bot.person(1, "Jaime Rodríguez-Guerra")
    wolf = bot.person(2, "Wolf Vollprecht")
    bot.say(wolf, "agenda add Repodata v3")
    bot.send(chair, "start now")
    attendance = bot.posted()[0]["id"]
    bot.react(wolf, attendance)
    bot.say(chair, "item 1")
    assert bot.say(chair, "note Ship it next week").startswith("Noted")
    bot.send(chair, "end")
    with bot.store.transaction() as session:
        (due,) = publications.due(session, bot.clock.now())
    return chair, attendance, due.meeting_id


def notes_file(bot: Harness) -> str:
    return (bot.settings.notes_dir / NOTES).read_text(encoding="utf-8")


def test_a_meeting_that_ends_is_one_commit_on_its_branch_equal_to_the_notes_file(
    bot: Harness, bare: Path
) -> None:
    zulip = Zulip()
    publisher = Publisher(bot.app, zulip, delays=DELAYS)
    _, _, meeting_id = ended_meeting(bot, publisher)

    (outcome,) = publisher.run_due()

    assert outcome.status == PUSHED and outcome.branch == BRANCH and outcome.path == PATH
    assert commits_on(bare, BRANCH) == ["Add meeting notes 2025-02-12", "Start"]
    assert file_on(bare, BRANCH) == notes_file(bot)
    assert git("rev-parse", BRANCH, cwd=bare).strip() == outcome.commit_sha
    author = git("log", "-1", "--format=%an <%ae>", BRANCH, cwd=bare).strip()
    assert author == "Meetbot <meetbot-bot@zulip.example>"
    with bot.store.transaction() as session:
        done = publications.publication(session, meeting_id)
    assert done is not None and done.next_attempt_at is None and done.attempts == 0
    assert done.content == notes_file(bot) and done.commit_sha == outcome.commit_sha
    assert (bot.settings.database.parent / "publish" / "community" / ".git").is_dir()
    assert publisher.run_due() == []  # nothing more to do


def test_the_summary_gains_the_commits_line_once(bot: Harness, bare: Path) -> None:
    zulip = Zulip()
    publisher = Publisher(bot.app, zulip, delays=DELAYS)
    _, attendance, _ = ended_meeting(bot, publisher)
    summary = bot.posted()[-1]

    (outcome,) = publisher.run_due()

    assert outcome.commit_sha is not None
    line = f"Notes: commit {outcome.commit_sha[:7]} on branch `{BRANCH}`"
    (edit,) = zulip.edits
    assert edit["message_id"] == summary["id"]
    assert edit["content"] == summary["content"] + "\n" + line
    assert zulip.posts == []
    # A later version is another commit, not another link.
    bot.react(bot.person(3, "Cheng H. Lee"), attendance)
    assert [o.status for o in publisher.run_due()] == [PUSHED]
    assert len(zulip.edits) == 1 and zulip.posts == []


def test_when_zulip_will_not_edit_the_summary_the_line_is_posted_under_it(
    bot: Harness, bare: Path
) -> None:
    zulip = Zulip()
    zulip.edits_fail = True
    publisher = Publisher(bot.app, zulip, delays=DELAYS)
    ended_meeting(bot, publisher)

    (outcome,) = publisher.run_due()

    assert outcome.commit_sha is not None
    (post,) = zulip.posts
    assert post["content"] == f"Notes: commit {outcome.commit_sha[:7]} on branch `{BRANCH}`"
    assert (post["to"], post["topic"]) == ("conda", "community call 2025-02-12")


def test_a_late_reaction_is_a_second_commit_and_the_same_version_nothing(
    bot: Harness, bare: Path
) -> None:
    publisher = Publisher(bot.app, Zulip(), delays=DELAYS)
    _, attendance, meeting_id = ended_meeting(bot, publisher)
    publisher.run_due()

    bot.clock.set(bot.clock.now() + timedelta(hours=2))  # within attendance_grace
    bot.react(bot.person(3, "Cheng H. Lee"), attendance)
    (second,) = publisher.run_due()

    assert second.status == PUSHED
    assert commits_on(bare, BRANCH) == [
        "Update meeting notes 2025-02-12",
        "Add meeting notes 2025-02-12",
        "Start",
    ]
    assert "Cheng H. Lee" in file_on(bare, BRANCH) and file_on(bare, BRANCH) == notes_file(bot)

    # Asked again with nothing changed: no git, no commit.
    publisher.want(bot.settings.series[0], meeting_id)
    (same,) = publisher.run_due()
    assert same.status == UNCHANGED
    assert len(commits_on(bare, BRANCH)) == 3


def test_a_chairs_edit_and_here_after_the_end_each_add_a_commit(bot: Harness, bare: Path) -> None:
    publisher = Publisher(bot.app, Zulip(), delays=DELAYS)
    chair, _, _ = ended_meeting(bot, publisher)
    publisher.run_due()

    assert "now reads" in bot.say(chair, "note edit 1 Ship it on Monday")
    assert [o.status for o in publisher.run_due()] == [PUSHED]
    bot.say(chair, "here Sam Doe")
    assert [o.status for o in publisher.run_due()] == [PUSHED]

    assert len(commits_on(bare, BRANCH)) == 4
    assert "Ship it on Monday" in file_on(bare, BRANCH) and "Sam Doe" in file_on(bare, BRANCH)
    assert file_on(bare, BRANCH) == notes_file(bot)


def test_a_rejected_push_is_retried_after_the_recorded_backoff_and_the_chairs_told_once(
    bot: Harness, bare: Path
) -> None:
    zulip = Zulip()
    publisher = Publisher(bot.app, zulip, delays=DELAYS)
    _, _, meeting_id = ended_meeting(bot, publisher)
    reject_pushes(bare, True)
    start = bot.clock.now()

    waits = []
    for _ in range(4):
        (outcome,) = publisher.run_due()
        assert outcome.status == FAILED and outcome.retryable
        assert outcome.next_attempt_at is not None
        waits.append(outcome.next_attempt_at - bot.clock.now())
        assert publisher.run_due() == []  # not before its time
        bot.clock.set(outcome.next_attempt_at)
    assert waits == [DELAYS[0], DELAYS[1], DELAYS[2], DELAYS[2]]  # the last delay repeats

    with bot.store.transaction() as session:
        failing = publications.publication(session, meeting_id)
    assert failing is not None and failing.attempts == 4 and failing.chairs_told
    assert failing.last_problem is not None and "\n" not in failing.last_problem
    (told,) = zulip.posts  # after the third failure, and only then
    assert told["topic"] == "community call 2025-02-12"
    assert told["content"].startswith("Chairs: the notes of **Conda Community Meeting**")
    assert "meetbot keeps trying" in told["content"]
    assert "`meetbot publish community 2025-02-12`" in told["content"]
    assert "protected branch" in told["content"]  # git's own first line
    assert "refused the push" in told["content"]  # and how to fix it

    reject_pushes(bare, False)
    (outcome,) = publisher.run_due()
    assert outcome.status == PUSHED and bot.clock.now() > start
    assert commits_on(bare, BRANCH)[0] == "Add meeting notes 2025-02-12"
    with bot.store.transaction() as session:
        done = publications.publication(session, meeting_id)
    assert done is not None and done.attempts == 0 and done.last_problem is None
    assert len(zulip.posts) == 1  # the summary's line went into an edit


def test_a_repository_that_does_not_exist_is_not_retried_and_the_chairs_are_told_at_once(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "bot"
    folder.mkdir()
    bot = publishing_bot(folder, tmp_path / "no-such-repository.git")
    zulip = Zulip()
    publisher = Publisher(bot.app, zulip, delays=DELAYS)
    ended_meeting(bot, publisher)

    (outcome,) = publisher.run_due()

    assert outcome.status == FAILED and not outcome.retryable
    assert outcome.next_attempt_at is None
    assert "no-such-repository" in (outcome.problem or "")
    (told,) = zulip.posts
    assert "meetbot tries again when the notes change" in told["content"]
    bot.clock.set(bot.clock.now() + timedelta(days=1))
    assert publisher.run_due() == []  # waits for a change, or `meetbot publish`


def test_a_path_outside_the_repository_is_a_problem_not_a_crash(bot: Harness, bare: Path) -> None:
    series = bot.settings.series[0]
    assert series.publishing is not None
    outside = replace(series, publishing=replace(series.publishing, path="../%Y.md"))
    bot.settings = bot.app.settings = replace(bot.settings, series=(outside,))
    publisher = Publisher(bot.app, Zulip(), delays=DELAYS)
    ended_meeting(bot, publisher)

    (outcome,) = publisher.run_due()

    assert outcome.status == FAILED and not outcome.retryable
    assert outcome.problem is not None and outcome.problem.startswith("publish_path '../2025.md'")
    assert git("branch", "--list", cwd=bare).split() == ["*", "main"]


def test_after_a_restart_pending_work_is_done_once_and_nothing_is_duplicated(
    bot: Harness, bare: Path
) -> None:
    first = Publisher(bot.app, Zulip(), delays=DELAYS)
    _, _, meeting_id = ended_meeting(bot, first)
    reject_pushes(bare, True)
    (failed,) = first.run_due()  # the bot stops after this failure
    assert failed.status == FAILED
    reject_pushes(bare, False)

    # A new process: a new publisher (and app) on the same database.
    bot.store.close()
    restarted = publishing_bot(bot.settings.database.parent, bare)
    restarted.clock.set(bot.clock.now())
    zulip = Zulip()
    again = Publisher(restarted.app, zulip, delays=DELAYS)
    assert again.run_due() == []  # its backoff is remembered
    restarted.clock.set(bot.clock.now() + DELAYS[0])
    (outcome,) = again.run_due()
    assert outcome.status == PUSHED
    assert commits_on(bare, BRANCH) == ["Add meeting notes 2025-02-12", "Start"]

    # And a third start finds nothing to do.
    restarted.store.close()
    third = publishing_bot(bot.settings.database.parent, bare)
    third.clock.set(restarted.clock.now() + timedelta(hours=1))
    assert Publisher(third.app, Zulip(), delays=DELAYS).run_due() == []
    assert len(commits_on(bare, BRANCH)) == 2
    with third.store.transaction() as session:
        done = publications.publication(session, meeting_id)
    assert done is not None and done.commit_sha == outcome.commit_sha
    third.store.close()


def test_a_change_while_an_attempt_is_under_way_keeps_the_meeting_pending(
    bot: Harness, bare: Path
) -> None:
    publisher = Publisher(bot.app, Zulip(), delays=DELAYS)
    _, _, meeting_id = ended_meeting(bot, publisher)
    with bot.store.transaction() as session:
        (seen,) = publications.due(session, bot.clock.now())
        publications.want(session, meeting_id, "community", bot.clock.now())  # a late change
        publications.pushed(
            session,
            meeting_id,
            seen.version,
            "older notes\n",
            bot.clock.now(),
            commit_sha="0" * 40,
            branch=BRANCH,
        )
        still = publications.publication(session, meeting_id)
    assert still is not None and still.next_attempt_at is not None


def test_the_worker_thread_publishes_what_want_records(bot: Harness, bare: Path) -> None:
    publisher = Publisher(bot.app, Zulip(), delays=DELAYS)
    publisher.start()
    try:
        ended_meeting(bot, publisher)
        for _ in range(200):
            if BRANCH in git("branch", "--list", cwd=bare):
                break
            time.sleep(0.05)
    finally:
        publisher.stop()
    assert file_on(bare, BRANCH) == notes_file(bot)


def test_a_series_that_does_not_publish_records_nothing(tmp_path: Path) -> None:
    bot = Harness(tmp_path)
    publisher = Publisher(bot.app, Zulip(), delays=DELAYS)
    publisher.want(bot.settings.series[0], 1)
    with bot.store.transaction() as session:
        assert publications.due(session, bot.clock.now()) == []


def shell_session(
    tmp_path: Path, repo: Path | str, database: Path | None = None, **changes: Any
) -> tuple[Any, io.StringIO]:
    """A shell session over the demo series publishing to ``repo``, on 2025-02-12 17:00 UTC."""
    from zulip_meetbot import demo
    from zulip_meetbot.store import Store
    from zulip_meetbot.terminal.pretend_zulip import People
    from zulip_meetbot.terminal.session import ShellSession, build_bot, shell_settings
    from zulip_meetbot.timeutil import ManualClock

    loaded = demo.demo_settings(tmp_path)
    series = replace(loaded.series[0], publishing=publishing(repo, **changes))
    database = database or tmp_path / "meetbot.sqlite3"
    settings = shell_settings(replace(loaded, series=(series,)), database)
    store = Store(settings.database)
    clock = ManualClock(datetime(2025, 2, 12, 17, 0, tzinfo=timezone.utc))
    with store.transaction() as db:
        people = People(zulip_people(db))
    app, handler, scheduler, zulip, publisher = build_bot(settings, store, clock, people, False)
    out = io.StringIO()
    session = ShellSession(app, handler, scheduler, zulip, people, out, publisher=publisher)
    return session, out


def close_shell(session: Any) -> None:
    session.app.close()
    session.store.close()


def test_the_shell_pushes_at_end_before_its_next_line_and_shows_the_summary_edited(
    tmp_path: Path, bare: Path
) -> None:
    session, out = shell_session(tmp_path, bare)
    try:
        session.run(["@meetbot start now\n", "@meetbot end\n"], echo=True)  # then the input ends
        settings = session.settings
    finally:
        close_shell(session)
    branch = "2025-02-12-meeting-notes"
    sha = git("rev-parse", branch, cwd=bare).strip()  # pushed before the session returned
    notes = (settings.notes_dir / "2025-02-12-demo.md").read_text(encoding="utf-8")
    assert file_on(bare, branch) == notes
    shown = out.getvalue()
    edited = re.search(r"meetbot \(message (\d+), edited\):\n(.*?)(\n\S|\Z)", shown, re.S)
    assert edited is not None, shown
    assert f"Notes: commit {sha[:7]} on branch" in edited.group(2)
    assert "meetbot-publisher" not in [t.name for t in threading.enumerate()]  # no worker


def test_the_shell_retries_a_rejected_push_when_clock_reaches_its_time(
    tmp_path: Path, bare: Path
) -> None:
    reject_pushes(bare, True)
    session, out = shell_session(tmp_path, bare)
    branch = "2025-02-12-meeting-notes"
    try:
        session.handle_line("@meetbot start now")
        session.handle_line("@meetbot end")
        assert branch not in git("branch", "--list", cwd=bare)
        reject_pushes(bare, False)
        session.handle_line("/clock +1m")  # past the first retry delay (30 seconds)
        assert branch in git("branch", "--list", cwd=bare)
    finally:
        close_shell(session)
    assert "Notes: commit" in out.getvalue()


def test_a_restarted_shell_posts_the_line_under_an_earlier_sessions_summary_without_a_warning(
    tmp_path: Path, bare: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "kept" / "meetbot.sqlite3"
    database.parent.mkdir()
    reject_pushes(bare, True)
    first, _ = shell_session(tmp_path, bare, database)
    try:
        for line in ("@meetbot start now", "@meetbot end"):
            first.handle_line(line)
        summary_id = max(first.zulip.messages)
    finally:
        close_shell(first)
    reject_pushes(bare, False)

    again, out = shell_session(tmp_path, bare, database)
    caplog.clear()  # the first session's failed push was a warning, rightly
    caplog.set_level(logging.INFO, logger="zulip_meetbot")
    try:
        again.handle_line("/clock +1m")
    finally:
        close_shell(again)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    (refused,) = [r for r in caplog.records if "would not edit the summary" in r.getMessage()]
    assert refused.levelno == logging.INFO
    assert f"message {summary_id} is from an earlier shell session" in refused.getMessage()
    posted = re.search(r"meetbot \(message (\d+)\)[^\n]*:\s+Notes: commit \w+ on", out.getvalue())
    assert posted is not None and int(posted.group(1)) > summary_id, out.getvalue()


TOKEN = "ghp_TestTokenThatIsNeverShown0001"


@pytest.fixture
def github(github_server: FakeGitHub) -> FakeGitHub:
    """conda/archive on the test GitHub, with a token that may open pull requests."""
    github_server.add_repository("conda", "archive")
    github_server.add_token(TOKEN)
    return github_server


def pull_request_bot(tmp_path: Path, github: FakeGitHub, **changes: Any) -> tuple[Harness, Path]:
    """A bot whose series publishes to the bare repository conda/archive.git and opens pull
    requests on the test GitHub (any path ending in OWNER/NAME names the repository there)."""
    bare = bare_repository(tmp_path / "conda")
    folder = tmp_path / "bot"
    folder.mkdir()
    bot = publishing_bot(folder, bare, pull_request=True, github_api=github.url, **changes)
    return bot, bare


def test_with_pull_requests_one_is_opened_per_meeting_and_reused_by_later_commits(
    tmp_path: Path, github: FakeGitHub
) -> None:
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    bot, bare = pull_request_bot(tmp_path, github, token_file=token)
    zulip = Zulip()
    publisher = Publisher(bot.app, zulip, delays=DELAYS, environ={})
    _, attendance, _ = ended_meeting(bot, publisher)
    summary = bot.posted()[-1]

    (outcome,) = publisher.run_due()

    assert outcome.status == PUSHED
    assert outcome.pull_request == (1, "https://github.com/conda/archive/pull/1")
    (pull,) = github.pulls("conda", "archive")
    assert pull["title"] == "Add meeting notes 2025-02-12"
    assert (pull["head"]["ref"], pull["base"]["ref"]) == (BRANCH, "main")
    assert pull["body"].startswith("Notes of **Conda Community Meeting** on 2025-02-12: 2 people")
    topic = "http://127.0.0.1:9/#narrow/channel/conda/topic/community.20call.202025-02-12"
    assert f"[#conda > community call 2025-02-12]({topic})" in pull["body"]
    (edit,) = zulip.edits
    assert edit["message_id"] == summary["id"]
    assert edit["content"].endswith("\nNotes: [PR #1](https://github.com/conda/archive/pull/1)")

    # A late reaction: one more commit, the same pull request (its body updated), no new link.
    bot.react(bot.person(3, "Cheng H. Lee"), attendance)
    (later,) = publisher.run_due()
    assert later.pull_request == (1, "https://github.com/conda/archive/pull/1")
    (pull,) = github.pulls("conda", "archive")
    assert "3 people" in pull["body"]
    assert len(github.requests_to("POST", "/repos/conda/archive/pulls")) == 1
    assert len(commits_on(bare, BRANCH)) == 3
    assert len(zulip.edits) == 1 and zulip.posts == []


def test_github_answering_500_is_retried_after_the_backoff_and_one_pull_request_is_opened(
    tmp_path: Path, github: FakeGitHub
) -> None:
    bot, bare = pull_request_bot(tmp_path, github)
    zulip = Zulip()
    publisher = Publisher(bot.app, zulip, delays=DELAYS, environ={"MEETBOT_GITHUB_TOKEN": TOKEN})
    _, _, meeting_id = ended_meeting(bot, publisher)
    github.fail("POST", "/repos/conda/archive/pulls", 500, times=2)
    github.fail("GET", "/repos/conda/archive/pulls", 502, times=1)

    waits = []
    for _ in range(3):
        (outcome,) = publisher.run_due()
        assert outcome.status == FAILED and outcome.retryable, outcome
        assert outcome.next_attempt_at is not None
        waits.append(outcome.next_attempt_at - bot.clock.now())
        assert publisher.run_due() == []  # not before its time
        bot.clock.set(outcome.next_attempt_at)
    assert waits == list(DELAYS)
    assert commits_on(bare, BRANCH) == ["Add meeting notes 2025-02-12", "Start"]  # pushed once
    assert github.pulls("conda", "archive") == []
    (told,) = zulip.posts  # the chairs, after the third failure
    assert "meetbot keeps trying" in told["content"] and TOKEN not in told["content"]
    sha = git("rev-parse", BRANCH, cwd=bare).strip()
    pushed = f"were pushed as commit {sha[:7]} on branch `{BRANCH}`"
    assert (
        f"{pushed}; the pull request could not be opened: `GitHub answered 500" in told["content"]
    )
    (linked,) = zulip.edits  # the commit linked meanwhile, once, not at each attempt
    assert linked["content"].endswith(f"\nNotes: commit {sha[:7]} on branch `{BRANCH}`")

    (outcome,) = publisher.run_due()
    assert outcome.status == PUSHED and outcome.commit_sha is None  # the push was not made again
    assert outcome.pull_request == (1, "https://github.com/conda/archive/pull/1")
    assert len(github.pulls("conda", "archive")) == 1
    assert len(commits_on(bare, BRANCH)) == 2
    with bot.store.transaction() as session:
        done = publications.publication(session, meeting_id)
    assert done is not None and done.attempts == 0 and done.pull_request_number == 1
    # The pull request's line replaces the commit's: one more edit, one line.
    linked, opened = zulip.edits
    assert opened["message_id"] == linked["message_id"]
    assert opened["content"].endswith("\nNotes: [PR #1](https://github.com/conda/archive/pull/1)")
    assert opened["content"].count("Notes:") == 1 and zulip.posts == [told]
    assert publisher.run_due() == []


def test_a_token_github_refuses_is_told_without_the_token_and_the_push_is_kept_and_linked(
    tmp_path: Path, github: FakeGitHub
) -> None:
    bot, bare = pull_request_bot(tmp_path, github)
    zulip = Zulip()
    wrong = "wrong-token-456"
    publisher = Publisher(bot.app, zulip, delays=DELAYS, environ={"MEETBOT_GITHUB_TOKEN": wrong})
    _, _, meeting_id = ended_meeting(bot, publisher)

    (outcome,) = publisher.run_due()

    assert outcome.status == FAILED and not outcome.retryable
    assert "401" in (outcome.problem or "")
    assert commits_on(bare, BRANCH)[0] == "Add meeting notes 2025-02-12"  # pushed, recorded
    (told,) = zulip.posts
    assert wrong not in told["content"] and "Bad credentials" in told["content"]
    sha = git("rev-parse", BRANCH, cwd=bare).strip()
    assert (
        f"were pushed as commit {sha[:7]} on branch `{BRANCH}`; the pull request" in told["content"]
    )
    (linked,) = zulip.edits  # the commit meanwhile
    assert linked["content"].endswith(f"\nNotes: commit {sha[:7]} on branch `{BRANCH}`")

    # Fixed by hand: the push is not made again, the pull request is opened, the link added.
    publisher.environ = {"MEETBOT_GITHUB_TOKEN": TOKEN}
    series = bot.settings.series[0]
    done = publisher.publish_now(series, meeting_id)
    assert done.status == PUSHED and done.pull_request is not None
    assert done.commit_sha is None  # the branch had these notes
    assert len(commits_on(bare, BRANCH)) == 2
    assert len(github.pulls("conda", "archive")) == 1
    assert zulip.edits[1]["content"].endswith(f"\nNotes: [PR #1]({done.pull_request[1]})")
    assert len(zulip.edits) == 2 and zulip.edits[1]["content"].count("Notes:") == 1


def test_with_no_token_the_chairs_are_told_the_commit_was_pushed_and_the_summary_links_it(
    tmp_path: Path, github: FakeGitHub
) -> None:
    bot, bare = pull_request_bot(tmp_path, github)
    zulip = Zulip()
    publisher = Publisher(bot.app, zulip, delays=DELAYS, environ={})
    ended_meeting(bot, publisher)
    summary = bot.posted()[-1]

    (outcome,) = publisher.run_due()

    sha = git("rev-parse", BRANCH, cwd=bare).strip()
    assert outcome.status == FAILED and outcome.commit_sha == sha
    (told,) = zulip.posts
    assert told["content"].startswith(
        "Chairs: the notes of **Conda Community Meeting** (2025-02-12) were pushed as commit "
        f"{sha[:7]} on branch `{BRANCH}`; the pull request could not be opened: `no GitHub token`"
    )
    assert "github_token_file" in told["content"]  # the hint
    (linked,) = zulip.edits
    assert linked["message_id"] == summary["id"]
    assert (
        linked["content"] == summary["content"] + f"\nNotes: commit {sha[:7]} on branch `{BRANCH}`"
    )
    # Tried again when the notes change: still no token, no second line, no second telling.
    bot.clock.set(bot.clock.now() + timedelta(minutes=5))
    publisher.want(bot.settings.series[0], outcome.meeting_id)
    (again,) = publisher.run_due()
    assert again.status == FAILED and len(zulip.edits) == 1 and len(zulip.posts) == 1


def test_the_running_bot_delivers_the_line_a_publish_by_hand_owes_without_a_restart(
    bot: Harness, bare: Path
) -> None:
    zulip = Zulip()
    running = Publisher(bot.app, zulip, delays=DELAYS)
    _, _, meeting_id = ended_meeting(bot, running)
    summary = bot.posted()[-1]
    reject_pushes(bare, True)
    running.run_due()  # the bot's own attempt fails; the operator fixes it and publishes by hand
    reject_pushes(bare, False)

    # `meetbot publish` is another process, with no Zulip: it owes the summary's line.
    by_hand = Publisher(publishing_bot(bot.settings.database.parent, bare).app, None)
    done = by_hand.publish_now(bot.settings.series[0], meeting_id)
    assert done.status == PUSHED and done.commit_sha is not None
    assert zulip.edits == []

    assert running.run_due() == []  # the worker's next look (at most _LOOK_EVERY away)

    (edit,) = zulip.edits
    assert edit["message_id"] == summary["id"]
    assert edit["content"].endswith(f"\nNotes: commit {done.commit_sha[:7]} on branch `{BRANCH}`")
    assert running.run_due() == [] and len(zulip.edits) == 1 and zulip.posts == []

"""Publishing through `meetbot run` and the test Zulip, to a real bare repository: a meeting
ends → one commit whose file is the notes file, and the summary links it; a late reaction →
a second commit; a restart → nothing new; `meetbot publish` by hand."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from livebot import LiveBot, Person, botrc_text, start_bot, stop_bot, wait_until
from test_publisher import bare_repository, commits_on, file_on, git
from zulipfake import FakeZulip

BRANCH = "2030-01-02-meeting-notes"
PATH = "meetings/20300102-community.md"
# TEMPORARY (see publishing_launcher.py): the series publishes through the launcher until the
# botrc keys merge; then "publish = git\npublish_repo = …" goes into the botrc here.
LAUNCHER = [sys.executable, str(Path(__file__).resolve().parent / "publishing_launcher.py")]


def environment(bare: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MEETBOT_TEST_PUBLISH_REPO": str(bare),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }


def has_branch(bare: Path, branch: str = BRANCH) -> bool:
    return bool(git("branch", "--list", branch, cwd=bare).strip())


def wait_for_commits(live: LiveBot, bare: Path, count: int) -> None:
    wait_until(
        lambda: has_branch(bare) and len(commits_on(bare, BRANCH)) >= count,
        live,
        f"{count} commits on {BRANCH}",
    )


def meetbot_publish(folder: Path, bare: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LAUNCHER, "publish", "community", "2030-01-02", "--config", "botrc", *args],
        cwd=folder,
        env=environment(bare),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_notes_are_committed_at_the_end_again_after_a_late_reaction_and_not_after_a_restart(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    bare = bare_repository(tmp_path)
    folder = tmp_path / "bot"
    folder.mkdir()
    botrc = botrc_text(server, bot, str(community["hamlet"].user_id), "schedule = FREQ=WEEKLY\n")
    live = start_bot(server, folder, bot, botrc, LAUNCHER, environment(bare))
    hamlet, othello, cordelia = (
        Person(server, community[name], bot, live) for name in ("hamlet", "othello", "cordelia")
    )
    hamlet.say("agenda add Announce GSOC ideas")
    attendance = hamlet.say("start now")
    othello.react(attendance["id"], "wave")
    summary = hamlet.say("end")
    assert "has ended" in summary["content"]

    wait_for_commits(live, bare, 2)
    notes = folder / "notes" / "2030-01-02-community.md"
    assert commits_on(bare, BRANCH) == ["Add meeting notes 2030-01-02", "Start"]
    assert file_on(bare, BRANCH, PATH) == notes.read_text()
    sha = git("rev-parse", BRANCH, cwd=bare).strip()
    # The summary gains the commit's line (an edit of the bot's own message).
    line = f"Notes: commit {sha[:7]} on branch `{BRANCH}`"
    wait_until(lambda: line in server.message(summary["id"])["content"], live, "the link")
    author = git("log", "-1", "--format=%an <%ae>", BRANCH, cwd=bare).strip()
    assert author == "Meetbot <meetbot-bot@zulip.example>"  # the bot's Zulip name and email

    # Cordelia was on the call and reacts late: the notes change, one more commit.
    cordelia.react(attendance["id"], "tada")
    wait_for_commits(live, bare, 3)
    assert commits_on(bare, BRANCH)[0] == "Update meeting notes 2030-01-02"
    wait_until(lambda: "Cordelia" in notes.read_text(), live, "the notes written again")
    assert file_on(bare, BRANCH, PATH) == notes.read_text()
    assert stop_bot(live) == 0

    # A restart: nothing pending, nothing new.
    live = start_bot(server, folder, bot, botrc, LAUNCHER, environment(bare))
    time.sleep(2.0)  # the publisher's first turn happens at once
    assert stop_bot(live) == 0
    assert len(commits_on(bare, BRANCH)) == 3
    assert "notes of 2030-01-02" not in live.log()
    assert [m for m in server.messages if line in m["content"]] == [
        server.message(summary["id"])
    ]  # linked once, by the edit

    # By hand: the branch has these notes already, so nothing is committed; once the branch
    # is gone, `meetbot publish` brings it back with the notes.
    done = meetbot_publish(folder, bare)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        f"published the notes of community 2030-01-02: branch {BRANCH} already had them"
    )
    assert len(commits_on(bare, BRANCH)) == 3
    git("branch", "-D", BRANCH, cwd=bare)
    done = meetbot_publish(folder, bare)
    assert done.returncode == 0, done.stderr
    pushed = git("rev-parse", BRANCH, cwd=bare).strip()
    assert done.stdout.splitlines() == [
        f"published the notes of community 2030-01-02: commit {pushed} on branch {BRANCH}",
        f"file: {PATH}",
    ]
    assert file_on(bare, BRANCH, PATH) == notes.read_text()


def test_meetbot_publish_says_what_is_wrong_in_one_line_and_exits_1(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    bare = bare_repository(tmp_path)
    folder = tmp_path / "bot"
    folder.mkdir()
    botrc = botrc_text(server, bot, str(community["hamlet"].user_id), "schedule = FREQ=WEEKLY\n")
    live = start_bot(server, folder, bot, botrc, LAUNCHER, environment(bare))
    hamlet = Person(server, community["hamlet"], bot, live)
    hamlet.say("start now")
    hamlet.say("end")
    wait_for_commits(live, bare, 2)
    assert stop_bot(live) == 0

    missing = tmp_path / "gone.git"
    done = meetbot_publish_to(folder, missing)
    assert done.returncode == 1 and done.stdout == ""
    first, hint = done.stderr.splitlines()  # the problem, and how to fix it
    assert first.startswith("meetbot: could not publish the notes of community 2030-01-02: ")
    assert "gone.git" in first and hint.startswith("meetbot: ")
    nothing = subprocess.run(
        [*LAUNCHER, "publish", "community", "2030-01-09", "--config", "botrc"],
        cwd=folder,
        env=environment(bare),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (nothing.returncode, nothing.stdout) == (1, "")
    assert nothing.stderr == "meetbot: community held no meeting on 2030-01-09\n"


def meetbot_publish_to(folder: Path, repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LAUNCHER, "publish", "community", "2030-01-02", "--config", "botrc"],
        cwd=folder,
        env=environment(repo),
        capture_output=True,
        text=True,
        timeout=120,
    )

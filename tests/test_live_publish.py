"""Publishing through `meetbot run` (``python -m zulip_meetbot``, the botrc's own publish keys),
the test Zulip and the test GitHub over real HTTP, to a real bare repository: a meeting ends →
one commit whose file is the notes file, and the summary links it; a late reaction → a second
commit; a restart → nothing new; a failed pull request → pending, finished by `meetbot
publish`; a second meeting → its own branch and pull request."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from githubfake import FakeGitHub
from livebot import LiveBot, Person, botrc_text, start_bot, stop_bot, wait_until
from test_publisher import bare_repository, commits_on, file_on, git
from zulipfake import FakeZulip

from zulip_meetbot.domain import publications
from zulip_meetbot.store import Store

BRANCH = "2030-01-02-meeting-notes"
PATH = "meetings/20300102-community.md"
MEETBOT = [sys.executable, "-m", "zulip_meetbot"]
TOKEN = "ghp_LiveTestTokenNeverShown0001"
# conda's own set-up (conda/governance's scheduled workflow): the archive path and the branch.
CONDA = """\
publish = git
publish_repo = {repo}
publish_path = meetings/archive/%Y%m%d-conda-ecosystem.md
publish_branch = %Y-%m-%d-meeting-notes
publish_pull_request = github
github_api = {api}
github_token_file = {token}
publish_author = Meetbot <meetbot-bot@zulip.example>
"""


def environment() -> dict[str, str]:
    """meetbot's environment: git without the machine's own configuration, no token."""
    env = {k: v for k, v in os.environ.items() if k != "MEETBOT_GITHUB_TOKEN"}
    return {**env, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def publishes_to(repo: Path, path: str = "meetings/%Y%m%d-community.md") -> str:
    return f"schedule = FREQ=WEEKLY\npublish = git\npublish_repo = {repo}\npublish_path = {path}\n"


def has_branch(bare: Path, branch: str = BRANCH) -> bool:
    return bool(git("branch", "--list", branch, cwd=bare).strip())


def wait_for_commits(live: LiveBot, bare: Path, count: int, branch: str = BRANCH) -> None:
    wait_until(
        lambda: has_branch(bare, branch) and len(commits_on(bare, branch)) >= count,
        live,
        f"{count} commits on {branch}",
    )


def meetbot_publish(
    folder: Path, day: str = "2030-01-02", botrc: str = "botrc"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MEETBOT, "publish", "community", day, "--config", botrc],
        cwd=folder,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def bot_messages(server: FakeZulip, bot: Any) -> list[dict[str, Any]]:
    return [dict(m) for m in server.messages if m["sender_id"] == bot.user_id]


def test_notes_are_committed_at_the_end_again_after_a_late_reaction_and_not_after_a_restart(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    bare = bare_repository(tmp_path)
    folder = tmp_path / "bot"
    folder.mkdir()
    botrc = botrc_text(server, bot, str(community["hamlet"].user_id), publishes_to(bare))
    live = start_bot(server, folder, bot, botrc, MEETBOT, environment())
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
    # The clone lives in meetbot's state folder (the database's), one per series.
    assert (folder / "publish" / "community" / ".git").is_dir()

    # Cordelia was on the call and reacts late: the notes change, one more commit.
    cordelia.react(attendance["id"], "tada")
    wait_for_commits(live, bare, 3)
    assert commits_on(bare, BRANCH)[0] == "Update meeting notes 2030-01-02"
    wait_until(lambda: "Cordelia" in notes.read_text(), live, "the notes written again")
    assert file_on(bare, BRANCH, PATH) == notes.read_text()
    assert stop_bot(live) == 0

    # A restart: nothing pending, nothing new.
    posted = bot_messages(server, bot)
    live = start_bot(server, folder, bot, botrc, MEETBOT, environment())
    time.sleep(2.0)  # the publisher's first turn happens at once
    assert stop_bot(live) == 0
    assert len(commits_on(bare, BRANCH)) == 3
    assert "notes of 2030-01-02" not in live.log()
    assert bot_messages(server, bot) == posted
    assert [m for m in server.messages if line in m["content"]] == [
        server.message(summary["id"])
    ]  # linked once, by the edit

    # By hand: the branch has these notes already, so nothing is committed; once the branch
    # is gone, `meetbot publish` brings it back with the notes.
    done = meetbot_publish(folder)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"published the notes of community 2030-01-02: branch {BRANCH} already had them "
        "(nothing to commit)",
        f"file: {PATH}",
    ]
    assert len(commits_on(bare, BRANCH)) == 3
    git("branch", "-D", BRANCH, cwd=bare)
    done = meetbot_publish(folder)
    assert done.returncode == 0, done.stderr
    pushed = git("rev-parse", BRANCH, cwd=bare).strip()
    assert done.stdout.splitlines() == [
        f"published the notes of community 2030-01-02: commit {pushed} on branch {BRANCH}",
        f"file: {PATH}",
    ]
    assert file_on(bare, BRANCH, PATH) == notes.read_text()


def test_a_conda_style_series_gets_one_pull_request_per_meeting_through_restarts_and_failures(
    zulip_server: FakeZulip,
    community: dict[str, Any],
    github_server: FakeGitHub,
    tmp_path: Path,
) -> None:
    server, bot, github = zulip_server, community["bot"], github_server
    github.add_repository("conda", "governance")
    github.add_token(TOKEN)
    token = tmp_path / "github-token"
    token.write_text(TOKEN + "\n")
    # A bare repository whose path ends in OWNER/NAME: the test GitHub's conda/governance.
    bare = bare_repository(tmp_path / "remotes" / "conda", "governance.git")
    folder = tmp_path / "bot"
    folder.mkdir()
    series = "schedule = FREQ=WEEKLY\n" + CONDA.format(repo=bare, api=github.url, token=token)
    botrc = botrc_text(server, bot, str(community["hamlet"].user_id), series)
    live = start_bot(server, folder, bot, botrc, MEETBOT, environment())
    hamlet, othello, cordelia = (
        Person(server, community[name], bot, live) for name in ("hamlet", "othello", "cordelia")
    )
    archive = "meetings/archive/20300102-conda-ecosystem.md"
    pulls = "/repos/conda/governance/pulls"

    # A meeting ends: one commit on its branch, one pull request, the summary links it.
    attendance = hamlet.say("start now")
    othello.react(attendance["id"], "wave")
    summary = hamlet.say("end")
    wait_for_commits(live, bare, 2)
    notes = folder / "notes" / "2030-01-02-community.md"
    assert commits_on(bare, BRANCH) == ["Add meeting notes 2030-01-02", "Start"]
    assert file_on(bare, BRANCH, archive) == notes.read_text()
    link = "Notes: [PR #1](https://github.com/conda/governance/pull/1)"
    wait_until(lambda: link in server.message(summary["id"])["content"], live, "the PR's link")
    (pull,) = github.pulls("conda", "governance")
    assert pull["title"] == "Add meeting notes 2030-01-02"
    assert (pull["head"]["ref"], pull["base"]["ref"]) == (BRANCH, "main")
    topic = server.url + "/#narrow/channel/community/topic/community.20call.202030-01-02"
    assert pull["body"] == (
        "Notes of **Community Call** on 2030-01-02: 2 people attended.\n\n"
        f"Taken in Zulip: [#community > community call 2030-01-02]({topic}). Published by "
        "meetbot; later corrections in Zulip come as further commits on this branch."
    )
    assert pull["user"]["login"] == "meetbot"

    # A late reaction within attendance_grace: a second commit, the same pull request.
    cordelia.react(attendance["id"], "tada")
    wait_for_commits(live, bare, 3)
    wait_until(lambda: "3 people" in github.pulls("conda", "governance")[0]["body"], live, "body")
    assert file_on(bare, BRANCH, archive) == notes.read_text()
    assert len(github.pulls("conda", "governance")) == 1
    assert len(github.requests_to("POST", pulls)) == 1
    assert stop_bot(live) == 0

    # A restart: no commit, no pull request, no post.
    posted, asked = bot_messages(server, bot), len(github.requests)
    live = start_bot(server, folder, bot, botrc, MEETBOT, environment())
    time.sleep(2.0)  # the publisher's first turn happens at once
    assert bot_messages(server, bot) == posted
    assert len(commits_on(bare, BRANCH)) == 3 and len(github.requests) == asked

    # A second meeting while GitHub fails to open its pull request: pushed, left pending.
    second, second_branch = "2030-01-09", "2030-01-09-meeting-notes"
    github.fail("POST", pulls, 500, times=1)
    topic_2 = f"community call {second}"
    attendance = hamlet.say("start now", topic=topic_2)
    othello.react(attendance["id"], "wave")
    hamlet.say("end", topic=topic_2)
    wait_until(lambda: "attempt 1): GitHub answered 500" in live.log(), live, "the failure")
    assert stop_bot(live) == 0  # before its retry, 30 s on
    logs = live.log()
    assert commits_on(bare, second_branch) == [f"Add meeting notes {second}", "Start"]
    assert len(github.pulls("conda", "governance")) == 1
    store = Store(folder / "meetbot.sqlite3")
    try:
        with store.transaction() as session:
            (pending,) = publications.due(session, datetime(2100, 1, 1, tzinfo=timezone.utc))
    finally:
        store.close()
    assert pending.attempts == 1 and pending.pull_request_number is None
    assert pending.published and pending.last_problem is not None

    # By hand: the push is not made again; exactly one pull request, its own.
    done = meetbot_publish(folder, second)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"published the notes of community {second}: branch {second_branch} already had them "
        "(nothing to commit)",
        "file: meetings/archive/20300109-conda-ecosystem.md",
        "pull request #2: https://github.com/conda/governance/pull/2",
    ]
    first, again = github.pulls("conda", "governance")
    assert again["head"]["ref"] == second_branch and again["title"] == f"Add meeting notes {second}"
    assert first["head"]["ref"] == BRANCH and len(commits_on(bare, BRANCH)) == 3
    assert len(commits_on(bare, second_branch)) == 2
    # The summary's line `meetbot publish` owed: the publisher's worker edits the summary, its
    # commit line (linked when the pull request failed) replaced by the pull request's.
    live = start_bot(server, folder, bot, botrc, MEETBOT, environment())
    link = "Notes: [PR #2](https://github.com/conda/governance/pull/2)"
    wait_until(
        lambda: any(
            m["content"].endswith("\n" + link) and m["subject"] == topic_2 for m in server.messages
        ),
        live,
        "the second meeting's link",
    )
    in_topic_2 = [m["content"] for m in server.messages if m["subject"] == topic_2]
    assert sum(content.count("Notes:") for content in in_topic_2) == 1
    assert stop_bot(live) == 0
    assert len(github.pulls("conda", "governance")) == 2
    assert TOKEN not in logs + live.log() + done.stdout + done.stderr


def test_meetbot_publish_says_what_is_wrong_in_one_line_and_exits_1(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    bare = bare_repository(tmp_path)
    folder = tmp_path / "bot"
    folder.mkdir()
    chairs = str(community["hamlet"].user_id)
    botrc = botrc_text(server, bot, chairs, publishes_to(bare))
    live = start_bot(server, folder, bot, botrc, MEETBOT, environment())
    hamlet = Person(server, community["hamlet"], bot, live)
    hamlet.say("start now")
    hamlet.say("end")
    wait_for_commits(live, bare, 2)
    assert stop_bot(live) == 0

    gone = folder / "botrc-gone"
    gone.touch(mode=0o600)
    gone.write_text(botrc_text(server, bot, chairs, publishes_to(tmp_path / "gone.git")))
    done = meetbot_publish(folder, botrc="botrc-gone")
    assert done.returncode == 1 and done.stdout == ""
    first, hint = done.stderr.splitlines()  # the problem, and how to fix it
    assert first.startswith("meetbot: could not publish the notes of community 2030-01-02: ")
    assert "gone.git" in first and hint.startswith("meetbot: ")
    nothing = meetbot_publish(folder, "2030-01-09")
    assert (nothing.returncode, nothing.stdout) == (1, "")
    assert nothing.stderr == (
        "meetbot: community held no meeting on 2030-01-09\n"
        "meetbot: `meetbot meetings community` (with the same --config or --database) lists its "
        "meetings\n"
    )

"""`meetbot check` on a series that publishes: real ``git`` against bare repositories in tmp_path
as the remotes, the test GitHub (tests/githubfake/) over HTTP for tokens, the test Zulip for the
rest; every finding one line naming the series and key, and never the token."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from githubfake import FakeGitHub
from zulipfake import FakeZulip

GOOD_SERIES = """
[series:community]
title = Community Call
stream = community
topic = community call {date}
start = 2030-01-02 17:00
timezone = UTC
schedule = FREQ=WEEKLY
"""
TOKEN = "ghp_meetbotTestToken0123456789abcdef"
WHERE = "[series:community]"

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def own_git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's git configuration and any GitHub token in the environment left out."""
    config = tmp_path / "gitconfig"
    config.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("MEETBOT_GITHUB_TOKEN", raising=False)


def git(*args: str, cwd: Path | None = None) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Someone Else", "-c", "user.email=else@example.org", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )


def bare_repository(folder: Path, branches: tuple[str, ...] = ("main",)) -> Path:
    """A bare repository at ``folder`` whose first branch (its default) and the others hold a
    README; none when ``branches`` is empty."""
    default = branches[0] if branches else "main"
    git("init", "--quiet", "--bare", f"--initial-branch={default}", str(folder))
    if branches:
        seed = folder.parent / f"{folder.name}-seed"
        git("clone", "--quiet", str(folder), str(seed))
        git("checkout", "--quiet", "-b", default, cwd=seed)
        (seed / "README.md").write_text("# Governance\n")
        git("add", "README.md", cwd=seed)
        git("commit", "--quiet", "-m", "Start", cwd=seed)
        for name in branches:
            git("push", "--quiet", "origin", f"HEAD:refs/heads/{name}", cwd=seed)
    return folder


def botrc(
    folder: Path, publish: str, zulip: FakeZulip | None = None, bot: Any = None, mode: int = 0o600
) -> None:
    """A botrc with one series publishing by ``publish`` (its keys); the [api] of ``zulip``."""
    api = (
        zulip.zuliprc_text(bot)
        if zulip is not None
        else "[api]\nemail = bot@chat.example.org\nkey = k3y-0123456789abcdef\n"
        "site = http://127.0.0.1:9\n"  # nothing listens: Zulip unreachable
    )
    path = folder / "botrc"
    path.write_text(api + GOOD_SERIES + "publish = git\n" + publish)
    path.chmod(mode)


def pull_requests(github: FakeGitHub, repo: Path, token_file: str = "github-token") -> str:
    return (
        f"publish_repo = {repo}\n"
        "publish_path = meetings/%Y%m%d-community.md\n"
        "publish_pull_request = github\n"
        f"github_api = {github.url}\n"
        f"github_token_file = {token_file}\n"
    )


def token_file(folder: Path, text: str = TOKEN + "\n", mode: int = 0o600) -> Path:
    path = folder / "github-token"
    path.write_text(text)
    path.chmod(mode)
    return path


def lines(out: str, level: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(f"{level}: ")]


@pytest.fixture
def good_github(github_server: FakeGitHub, tmp_path: Path) -> Path:
    """acme/governance on the test GitHub and as a bare repository; TOKEN may push there."""
    github_server.add_repository("acme", "governance")
    github_server.add_token(TOKEN)
    return bare_repository(tmp_path / "acme" / "governance.git")


# --- all well ---------------------------------------------------------------------------------


def test_check_passes_a_series_that_opens_pull_requests_in_a_repository_it_can_reach(
    meetbot: Run,
    tmp_path: Path,
    zulip_server: FakeZulip,
    community: dict[str, Any],
    github_server: FakeGitHub,
    good_github: Path,
) -> None:
    token_file(tmp_path)
    botrc(tmp_path, pull_requests(github_server, good_github), zulip_server, community["bot"])
    status, out, err = meetbot("check")
    assert status == 0, out
    assert lines(out, "error") == lines(out, "warning") == []
    oks = lines(out, "ok")
    assert (
        f"ok: {WHERE} publish: the notes of the meeting on 2030-01-02 go to "
        f"meetings/20300102-community.md on branch 2030-01-02-meeting-notes of {good_github}, "
        "with a pull request into the default branch" in oks
    )
    assert (
        f"ok: {WHERE} publish_repo: {good_github} answers this user's git credentials "
        "(git ls-remote); its default branch is main" in oks
    )
    assert (
        f"ok: {WHERE} github_token_file: the token works and may open pull requests in "
        f"acme/governance ({github_server.url})" in oks
    )
    assert out.splitlines()[-1] == "all good: `meetbot run` has everything it needs."
    assert TOKEN not in out + err
    # Read-only: one GET of the repository, nothing written on GitHub, no clone made.
    assert [(r.method, r.path) for r in github_server.requests] == [
        ("GET", "/repos/acme/governance")
    ]
    assert not (tmp_path / "publish").exists()


def test_check_passes_a_series_committing_to_a_named_base_branch_with_the_token_from_the_env(
    meetbot: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    github_server: FakeGitHub,
    good_github: Path,
) -> None:
    git("push", "--quiet", str(good_github), "main:refs/heads/notes", cwd=good_github)
    monkeypatch.setenv("MEETBOT_GITHUB_TOKEN", TOKEN)
    keys = pull_requests(github_server, good_github).replace(
        "github_token_file = github-token\n", ""
    )
    botrc(tmp_path, keys + "publish_base = notes\n")
    status, out, _err = meetbot("check", "--offline")
    assert status == 0, out
    assert (
        f"ok: {WHERE} github_token_file: not set; the token is MEETBOT_GITHUB_TOKEN's "
        "(`run` needs it too)" in lines(out, "ok")
    )
    status, out, _err = meetbot("check")  # Zulip is not there; the repository and GitHub are
    assert f"ok: {WHERE} publish_repo: {good_github} answers this user's git credentials " in out
    assert "(git ls-remote); notes exists" in out
    assert f"ok: {WHERE} MEETBOT_GITHUB_TOKEN: the token works and may open pull requests" in out
    assert [line for line in lines(out, "error") if "[series:" in line] == []
    assert TOKEN not in out


def test_check_says_the_first_commit_starts_an_empty_repository_without_pull_requests(
    meetbot: Run, tmp_path: Path
) -> None:
    repo = bare_repository(tmp_path / "empty.git", branches=())
    botrc(tmp_path, f"publish_repo = {repo}\n")
    _status, out, _err = meetbot("check")
    assert (
        f"ok: {WHERE} publish_repo: {repo} answers this user's git credentials (git ls-remote); "
        "it is empty, so the first notes will be its first commit" in out
    )


# --- the repository ---------------------------------------------------------------------------


def test_check_says_git_cannot_reach_a_repository_that_does_not_exist(
    meetbot: Run, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.git"
    botrc(tmp_path, f"publish_repo = {missing}\n")
    status, out, _err = meetbot("check")
    assert status == 1
    (line,) = [line for line in lines(out, "error") if "publish_repo" in line]
    assert line.startswith(
        f"error: {WHERE} publish_repo: `git ls-remote {missing}` failed: fatal: '{missing}' "
        "does not appear to be a git repository; check publish_repo: there is no repository "
        "there, or these credentials cannot see it"
    )


def test_check_names_a_publish_base_the_repository_does_not_have_and_the_ones_it_has(
    meetbot: Run, tmp_path: Path
) -> None:
    repo = bare_repository(tmp_path / "governance.git", branches=("main", "drafts"))
    botrc(tmp_path, f"publish_repo = {repo}\npublish_base = release\n")
    status, out, _err = meetbot("check")
    assert status == 1
    assert (
        f"error: {WHERE} publish_base: {repo} has no branch 'release' (it has drafts, main): "
        "push it, or name another; without publish_base, new branches start from the default "
        "branch" in lines(out, "error")
    )


def test_check_refuses_pull_requests_from_the_default_branch_into_itself(
    meetbot: Run, tmp_path: Path, github_server: FakeGitHub, good_github: Path
) -> None:
    token_file(tmp_path)
    botrc(tmp_path, pull_requests(github_server, good_github) + "publish_branch = main\n")
    status, out, _err = meetbot("check", "--offline")
    assert status == 0, out  # only the remote knows its default branch
    status, out, _err = meetbot("check")
    assert (
        f"error: {WHERE} publish_branch: the meeting on 2030-01-02 goes to 'main', "
        f"{good_github}'s default branch, which is also the base when publish_base is not set, "
        "and a pull request goes from one branch to another: keep the default "
        "%Y-%m-%d-meeting-notes, or set publish_pull_request = no to commit to it directly"
    ) in lines(out, "error")


def test_check_allows_committing_straight_to_the_default_branch_without_pull_requests(
    meetbot: Run, tmp_path: Path
) -> None:
    repo = bare_repository(tmp_path / "governance.git")
    botrc(tmp_path, f"publish_repo = {repo}\npublish_branch = main\n")
    _status, out, _err = meetbot("check")
    assert [line for line in lines(out, "error") if "[series:" in line] == []
    assert f"ok: {WHERE} publish: the notes of the meeting on 2030-01-02 go to " in out


def test_check_refuses_a_publish_branch_equal_to_the_named_base_with_pull_requests(
    meetbot: Run, tmp_path: Path, github_server: FakeGitHub, good_github: Path
) -> None:
    token_file(tmp_path)
    keys = pull_requests(github_server, good_github)
    botrc(tmp_path, keys + "publish_branch = main\npublish_base = main\n")
    status, out, _err = meetbot("check", "--offline")
    assert status == 2  # the botrc's own rule (config), said once
    assert lines(out, "error") == [
        f"error: {WHERE} publish_branch: 'main' is publish_base as well, and a pull request goes "
        "from one branch to another: keep the default %Y-%m-%d-meeting-notes, or set "
        "publish_pull_request = no to commit to it directly"
    ]


def test_check_says_when_meetbot_could_not_keep_its_clones_beside_the_database(
    meetbot: Run, tmp_path: Path
) -> None:
    repo = bare_repository(tmp_path / "governance.git")
    (tmp_path / "publish").write_text("a file where the clones' folder goes\n")
    botrc(tmp_path, f"publish_repo = {repo}\n")
    status, out, _err = meetbot("check", "--offline")
    assert status == 1
    assert lines(out, "error") == [
        f"error: [meetbot] database: meetbot keeps its clones of the publishing repositories in "
        f"{tmp_path / 'publish'}, but {tmp_path / 'publish'} is not a folder"
    ]


# --- the token --------------------------------------------------------------------------------


def test_check_says_github_refuses_a_wrong_token_and_never_shows_it(
    meetbot: Run, tmp_path: Path, github_server: FakeGitHub, good_github: Path
) -> None:
    token_file(tmp_path, "ghp_wrongToken0123456789abcdef\n")
    botrc(tmp_path, pull_requests(github_server, good_github))
    status, out, err = meetbot("check")
    assert status == 1
    (line,) = [line for line in lines(out, "error") if "github_token_file" in line]
    assert line.startswith(
        f"error: {WHERE} github_token_file: GitHub acme/governance: Bad credentials; the token "
        "is wrong, expired or revoked"
    )
    assert "ghp_wrongToken" not in out + err


def test_check_says_a_token_whose_account_may_only_read_cannot_open_pull_requests(
    meetbot: Run, tmp_path: Path, github_server: FakeGitHub
) -> None:
    github_server.add_repository("acme", "governance")
    github_server.add_token(TOKEN, push=False)
    repo = bare_repository(tmp_path / "acme" / "governance.git")
    token_file(tmp_path)
    botrc(tmp_path, pull_requests(github_server, repo))
    status, out, _err = meetbot("check")
    assert status == 1
    assert (
        f"error: {WHERE} github_token_file: GitHub acme/governance: the token's account may "
        "only read the repository; give it write access (a collaborator, or a team with write)"
    ) in lines(out, "error")
    assert [r.method for r in github_server.requests] == ["GET"]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda path: None, "cannot read {path}: it does not exist"),
        (lambda path: path.mkdir(), "{path} is not a file (a folder?)"),
        (
            lambda path: token_file(path.parent, "\n"),
            "github_token_file {path} is empty; put the token (alone) in {path}, readable by "
            "meetbot only",
        ),
        (
            lambda path: token_file(path.parent, f"Authorization: Bearer {TOKEN}\n"),
            "github_token_file {path} holds more than a token; put the token (alone) in {path}, "
            "readable by meetbot only",
        ),
        (
            lambda path: path.write_bytes(b"\xff\xfe token"),
            "cannot read github_token_file {path}: unreadable; put the token (alone) in {path}, "
            "readable by meetbot only",
        ),
    ],
    ids=["missing", "a-folder", "empty", "more-than-a-token", "not-text"],
)
def test_check_offline_refuses_a_token_file_that_holds_no_token(
    meetbot: Run,
    tmp_path: Path,
    github_server: FakeGitHub,
    good_github: Path,
    make: Callable[[Path], object],
    expected: str,
) -> None:
    path = tmp_path / "github-token"
    make(path)
    botrc(tmp_path, pull_requests(github_server, good_github))
    status, out, _err = meetbot("check", "--offline")
    assert status == 1
    assert lines(out, "error") == [
        f"error: {WHERE} github_token_file: " + expected.format(path=path)
    ]
    assert TOKEN not in out
    # Online too, and GitHub is not asked with no token to ask with.
    meetbot("check")
    assert github_server.requests == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_check_offline_refuses_a_token_file_this_user_may_not_read(
    meetbot: Run, tmp_path: Path, github_server: FakeGitHub, good_github: Path
) -> None:
    path = token_file(tmp_path, mode=0o000)
    botrc(tmp_path, pull_requests(github_server, good_github))
    status, out, _err = meetbot("check", "--offline")
    assert status == 1
    assert lines(out, "error") == [
        f"error: {WHERE} github_token_file: cannot read github_token_file {path}: Permission "
        f"denied; put the token (alone) in {path}, readable by meetbot only"
    ]


def test_check_warns_that_others_can_read_the_token_file_but_passes(
    meetbot: Run, tmp_path: Path, github_server: FakeGitHub, good_github: Path
) -> None:
    path = token_file(tmp_path, mode=0o644)
    botrc(tmp_path, pull_requests(github_server, good_github))
    status, out, _err = meetbot("check", "--offline")
    assert status == 0, out
    assert lines(out, "warning") == [
        f"warning: {WHERE} github_token_file: {path} is readable by other users of this machine "
        f"(mode 0644) and holds the GitHub token: run `chmod 600 {path}`"
    ]


def test_check_refuses_pull_requests_with_no_token_file_and_no_token_in_the_environment(
    meetbot: Run, tmp_path: Path, github_server: FakeGitHub, good_github: Path
) -> None:
    keys = pull_requests(github_server, good_github).replace(
        "github_token_file = github-token\n", ""
    )
    botrc(tmp_path, keys)
    status, out, _err = meetbot("check", "--offline")
    assert status == 1
    assert lines(out, "error") == [
        f"error: {WHERE} github_token_file: not set, and MEETBOT_GITHUB_TOKEN is not in the "
        "environment: pull requests need a token; put it in a file only meetbot's user may read "
        "and name the file here"
    ]


# --- offline ----------------------------------------------------------------------------------


def test_check_offline_asks_neither_the_repository_nor_github(
    meetbot: Run, tmp_path: Path, github_server: FakeGitHub
) -> None:
    # Neither the repository nor the token exists there: only asking would find out.
    token_file(tmp_path)
    botrc(tmp_path, pull_requests(github_server, tmp_path / "acme" / "governance.git"))
    status, out, _err = meetbot("check", "--offline")
    assert status == 0, out
    assert "publish_repo" not in out and "answers" not in out
    assert github_server.requests == []
    assert out.splitlines()[-1] == (
        "the botrc is good; `meetbot check` without --offline also asks the Zulip server and "
        "the publishing repositories."
    )
    status, out, _err = meetbot("check")
    assert status == 1
    assert f"error: {WHERE} publish_repo: `git ls-remote " in out
    assert f"error: {WHERE} github_token_file: GitHub acme/governance: Bad credentials" in out

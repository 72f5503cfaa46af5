"""Publishing a file with git (publish/git.py): real ``git`` against bare repositories in tmp_path.

Each test has its own bare repository as the remote; "someone else" is a second clone that
commits and pushes as another person. The machine's git configuration is left out
(``GIT_CONFIG_GLOBAL`` is a file of the test's own), so no identity is configured anywhere:
publishing must bring its own.
"""

from __future__ import annotations

import http.server
import logging
import os
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

from zulip_meetbot.publish.git import (
    Author,
    Commit,
    GitProblem,
    default_branch,
    publish_file,
    remote_branches,
    repository_path,
)

BOT = Author("Meetbot", "meetbot-bot@zulip.example")
NOTES = "meetings/archive/20300102-community.md"
BRANCH = "2030-01-02-meeting-notes"


@pytest.fixture(autouse=True)
def own_git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The machine's git configuration left out: the tests' own, empty unless a test adds."""
    config = tmp_path / "gitconfig"
    config.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
    ):
        monkeypatch.delenv(name, raising=False)
    return config


def git(*args: str, cwd: Path | None = None) -> str:
    """git as "someone else" (an identity on the command line), its output stripped."""
    done = subprocess.run(
        ["git", "-c", "user.name=Someone Else", "-c", "user.email=else@example.org", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def make_remote(tmp_path: Path, default: str = "main", others: tuple[str, ...] = ()) -> Path:
    """A bare repository whose ``default`` branch (and ``others``) hold a README."""
    remote = tmp_path / "community.git"
    git("init", "--quiet", "--bare", f"--initial-branch={default}", str(remote))
    seed = tmp_path / "seed"
    git("clone", "--quiet", str(remote), str(seed))
    git("checkout", "--quiet", "-b", default, cwd=seed)
    (seed / "README.md").write_text("# Governance\n")
    git("add", "README.md", cwd=seed)
    git("commit", "--quiet", "-m", "Start", cwd=seed)
    git("push", "--quiet", "origin", default, cwd=seed)
    for name in others:
        git("checkout", "--quiet", "-b", name, cwd=seed)
        (seed / f"{name}.txt").write_text(name)
        git("add", ".", cwd=seed)
        git("commit", "--quiet", "-m", f"On {name}", cwd=seed)
        git("push", "--quiet", "origin", name, cwd=seed)
    return remote


def tip(remote: Path, branch: str = BRANCH) -> str:
    return git("--git-dir", str(remote), "rev-parse", f"refs/heads/{branch}")


def file_at(remote: Path, commit: str, path: str = NOTES) -> str:
    return git("--git-dir", str(remote), "show", f"{commit}:{path}") + "\n"


def is_ancestor(remote: Path, older: str, newer: str) -> bool:
    done = subprocess.run(
        ["git", "--git-dir", str(remote), "merge-base", "--is-ancestor", older, newer]
    )
    return done.returncode == 0


def someone_else_pushes(tmp_path: Path, remote: Path, path: str, text: str) -> str:
    """Another person's clone changes ``path`` on the branch and pushes: their commit."""
    theirs = tmp_path / "theirs"
    if not theirs.exists():
        git("clone", "--quiet", str(remote), str(theirs))
    git("fetch", "--quiet", "origin", cwd=theirs)
    git("checkout", "--quiet", "--force", "-B", BRANCH, f"origin/{BRANCH}", cwd=theirs)
    (theirs / path).parent.mkdir(parents=True, exist_ok=True)
    (theirs / path).write_text(text)
    git("add", path, cwd=theirs)
    git("commit", "--quiet", "-m", f"Edit {path}", cwd=theirs)
    git("push", "--quiet", "origin", BRANCH, cwd=theirs)
    return git("rev-parse", "HEAD", cwd=theirs)


def publish(tmp_path: Path, remote: Path | str, content: str, **given: object) -> Commit:
    options: dict[str, object] = {
        "branch": BRANCH,
        "base": None,
        "path": NOTES,
        "message": "Add meeting notes 2030-01-02",
        "author": BOT,
    }
    options.update(given)
    return publish_file(tmp_path / "state" / "clone", str(remote), content=content, **options)  # type: ignore[arg-type]


def notes(version: int) -> str:
    return f"# Community Call 2030-01-02\n\nVersion {version} of the notes.\n"


# --- publishing ---------------------------------------------------------------------------


def test_a_first_publish_creates_the_branch_from_the_default_branch_with_one_commit(
    tmp_path: Path,
) -> None:
    remote = make_remote(tmp_path, default="trunk")
    main_tip = tip(remote, "trunk")

    commit = publish(tmp_path, remote, notes(1))

    assert commit == Commit(tip(remote), BRANCH, kept_others=False, replaced_theirs=False)
    assert file_at(remote, BRANCH) == notes(1)
    assert git("--git-dir", str(remote), "rev-list", f"trunk..{BRANCH}").split() == [commit.sha]
    assert git("--git-dir", str(remote), "rev-parse", f"{BRANCH}^") == main_tip
    who = git("--git-dir", str(remote), "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", BRANCH)
    assert who == (
        "Meetbot <meetbot-bot@zulip.example>|Meetbot <meetbot-bot@zulip.example>"
        "|Add meeting notes 2030-01-02"
    )


def test_the_same_content_again_makes_no_commit(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    first = publish(tmp_path, remote, notes(1))

    again = publish(tmp_path, remote, notes(1), previous=notes(1))

    assert again == Commit(None, BRANCH, kept_others=False, replaced_theirs=False)
    assert tip(remote) == first.sha


def test_new_content_is_a_second_commit_on_top_never_a_force_push(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    first = publish(tmp_path, remote, notes(1))

    second = publish(tmp_path, remote, notes(2), previous=notes(1))

    assert second.sha is not None and second.sha == tip(remote)
    assert git("--git-dir", str(remote), "rev-parse", f"{BRANCH}^") == first.sha
    assert first.sha is not None and is_ancestor(remote, first.sha, second.sha)
    assert file_at(remote, BRANCH) == notes(2)
    assert (second.kept_others, second.replaced_theirs) == (False, False)


def test_someone_elses_commit_on_the_branch_is_kept_with_ours_on_top(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    publish(tmp_path, remote, notes(1))
    theirs = someone_else_pushes(tmp_path, remote, "meetings/archive/slides.md", "Slides\n")

    commit = publish(tmp_path, remote, notes(2), previous=notes(1))

    assert commit.kept_others and not commit.replaced_theirs
    assert commit.sha is not None and is_ancestor(remote, theirs, commit.sha)
    assert file_at(remote, BRANCH, "meetings/archive/slides.md") == "Slides\n"
    assert file_at(remote, BRANCH) == notes(2)


def test_someone_elses_edit_of_the_notes_is_replaced_by_the_record_saying_so(
    tmp_path: Path,
) -> None:
    remote = make_remote(tmp_path)
    publish(tmp_path, remote, notes(1))
    theirs = someone_else_pushes(tmp_path, remote, NOTES, "# Edited by hand\n")

    commit = publish(tmp_path, remote, notes(2), previous=notes(1))

    assert commit.replaced_theirs and commit.kept_others
    assert commit.sha is not None and is_ancestor(remote, theirs, commit.sha)
    assert file_at(remote, BRANCH) == notes(2)
    message = git("--git-dir", str(remote), "log", "-1", "--format=%B", BRANCH)
    assert message.startswith("Add meeting notes 2030-01-02\n\n")
    assert f"{NOTES} had been changed on this branch since meetbot last published it" in message


def test_their_edit_left_alone_by_a_record_that_did_not_change_is_not_replaced(
    tmp_path: Path,
) -> None:
    # Nothing new in the record: no commit at all, their edit stays until the record changes.
    remote = make_remote(tmp_path)
    publish(tmp_path, remote, notes(1))
    theirs = someone_else_pushes(tmp_path, remote, NOTES, notes(2))

    commit = publish(tmp_path, remote, notes(2), previous=notes(1))

    assert commit == Commit(None, BRANCH, kept_others=True, replaced_theirs=False)
    assert tip(remote) == theirs


def test_publish_base_names_the_branch_a_new_branch_starts_from(tmp_path: Path) -> None:
    remote = make_remote(tmp_path, others=("release",))

    commit = publish(tmp_path, remote, notes(1), base="release")

    assert git("--git-dir", str(remote), "rev-parse", f"{BRANCH}^") == tip(remote, "release")
    assert file_at(remote, BRANCH, "release.txt") == "release\n"
    assert commit.sha == tip(remote)


def test_a_base_branch_that_does_not_exist_is_not_retryable(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)

    with pytest.raises(GitProblem) as caught:
        publish(tmp_path, remote, notes(1), base="nope")

    assert caught.value.first_line == "the base branch 'nope' is not in the repository"
    assert not caught.value.retryable
    assert "publish_base" in caught.value.hint


def test_the_default_branch_itself_takes_the_commit_on_its_tip(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    before = tip(remote, "main")

    commit = publish(tmp_path, remote, notes(1), branch="main")

    assert commit.sha == tip(remote, "main")
    assert git("--git-dir", str(remote), "rev-parse", "main^") == before
    assert commit.kept_others  # the README's commit was someone else's, and is kept


def test_an_empty_repository_gets_a_first_commit(tmp_path: Path) -> None:
    remote = tmp_path / "empty.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(remote))

    commit = publish(tmp_path, remote, notes(1))

    assert commit.sha == tip(remote)
    assert git("--git-dir", str(remote), "rev-list", "--count", BRANCH) == "1"
    assert file_at(remote, BRANCH) == notes(1)


def test_a_message_line_starting_with_a_hash_is_kept(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)

    publish(tmp_path, remote, notes(1), message="Add meeting notes\n\n#42 was discussed")

    message = git("--git-dir", str(remote), "log", "-1", "--format=%B", BRANCH)
    assert message == "Add meeting notes\n\n#42 was discussed"


def test_a_path_ignored_by_the_repository_is_published_all_the_same(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    seed = tmp_path / "seed"
    (seed / ".gitignore").write_text("meetings/\n")
    git("add", ".gitignore", cwd=seed)
    git("commit", "--quiet", "-m", "Ignore", cwd=seed)
    git("push", "--quiet", "origin", "main", cwd=seed)

    publish(tmp_path, remote, notes(1))

    assert file_at(remote, BRANCH) == notes(1)


# --- the clone ----------------------------------------------------------------------------


def test_a_broken_or_foreign_folder_in_place_of_the_clone_is_replaced(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    clone = tmp_path / "state" / "clone"
    clone.mkdir(parents=True)
    (clone / "leftover.txt").write_text("not a clone")

    publish(tmp_path, remote, notes(1))

    assert not (clone / "leftover.txt").exists()
    assert file_at(remote, BRANCH) == notes(1)
    # A clone of another repository (publish_repo changed) is replaced too.
    other = tmp_path / "other"
    other.mkdir()
    moved = make_remote(other)
    commit = publish(tmp_path, moved, notes(1))
    assert commit.sha == tip(moved)


def test_a_lock_left_by_a_stopped_git_does_not_block_the_next_publish(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    publish(tmp_path, remote, notes(1))
    (tmp_path / "state" / "clone" / ".git" / "index.lock").write_text("")

    commit = publish(tmp_path, remote, notes(2), previous=notes(1))

    assert commit.sha == tip(remote)


# --- races --------------------------------------------------------------------------------

RACING_HOOK = """#!/bin/sh
# Someone else pushes to the branch while meetbot is between its fetch and its push.
[ -n "$RACING" ] && exit 0
[ -n "$ONCE" ] && [ -e "$ONCE" ] && exit 0
[ -n "$ONCE" ] && touch "$ONCE"
unset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE GIT_PREFIX
# meetbot's identity is in the environment of its commit's hooks: not the racer's.
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
export RACING=1
cd "$THEIRS" || exit 1
git fetch --quiet origin && git checkout --quiet --force -B "$BRANCH" "origin/$BRANCH" || exit 1
date +%s%N >> "$RACE_FILE"
git add . && git -c user.name=Racer -c user.email=racer@example.org commit --quiet -m race \\
  && git push --quiet origin "$BRANCH" >&2
exit 0
"""


def install_racing_hook(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch, hook: str, once: bool
) -> Path:
    """A ``hook`` (through core.hooksPath, as an operator's own hooks) that makes someone else
    push to the branch between meetbot's fetch and push; the racer's clone."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / hook).write_text(RACING_HOOK)
    (hooks / hook).chmod(stat.S_IRWXU)
    config.write_text(f"[core]\n\thooksPath = {hooks}\n")
    racer = tmp_path / "racer"
    git("clone", "--quiet", str(tmp_path / "community.git"), str(racer))
    monkeypatch.setenv("THEIRS", str(racer))
    monkeypatch.setenv("BRANCH", BRANCH)
    monkeypatch.setenv("RACE_FILE", "races.txt")
    if once:
        monkeypatch.setenv("ONCE", str(tmp_path / "raced-once"))
    return racer


@pytest.mark.parametrize(
    ("hook", "refused"),
    [("post-commit", "[rejected] (fetch first)"), ("pre-push", "remote: error: cannot lock ref")],
)
def test_a_push_that_loses_a_race_is_fetched_and_redone(
    tmp_path: Path,
    own_git_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    hook: str,
    refused: str,
) -> None:
    # post-commit: the push is refused as not a fast-forward (fetch first); pre-push: the ref
    # moved after git's check, the server cannot lock it. Either way: fetch, commit again.
    remote = make_remote(tmp_path)
    publish(tmp_path, remote, notes(1))
    racer = install_racing_hook(tmp_path, own_git_config, monkeypatch, hook, once=True)

    caplog.set_level(logging.INFO, logger="zulip_meetbot.publish")

    commit = publish(tmp_path, remote, notes(2), previous=notes(1))

    assert (tmp_path / "raced-once").exists()
    assert f"lost a race ({refused}" in caplog.text
    raced = git(
        "--git-dir", str(remote), "log", "--format=%H", "--author=racer@example.org", BRANCH
    )
    assert len(raced.split()) == 1, "the racer's commit is kept"
    assert commit.sha == tip(remote) and is_ancestor(remote, raced, commit.sha)
    assert file_at(remote, BRANCH) == notes(2)
    assert file_at(remote, BRANCH, "races.txt") == (racer / "races.txt").read_text()
    assert commit.kept_others


def test_a_race_lost_every_time_is_a_retryable_problem(
    tmp_path: Path, own_git_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = make_remote(tmp_path)
    publish(tmp_path, remote, notes(1))
    install_racing_hook(tmp_path, own_git_config, monkeypatch, "post-commit", once=False)

    with pytest.raises(GitProblem) as caught:
        publish(tmp_path, remote, notes(2), previous=notes(1))

    assert caught.value.retryable
    assert caught.value.first_line == f"[rejected] (fetch first) pushing to {BRANCH}"
    assert f"others kept pushing to {BRANCH}" in caught.value.hint
    assert file_at(remote, BRANCH) == notes(1), "nothing of ours forced over theirs"


# --- problems -----------------------------------------------------------------------------


def test_a_missing_repository_is_not_retryable_with_gits_first_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.git"

    with pytest.raises(GitProblem) as caught:
        publish(tmp_path, missing, notes(1))

    problem = caught.value
    assert problem.first_line == f"fatal: repository '{missing}' does not exist"
    assert not problem.retryable
    assert "publish_repo" in problem.hint
    assert not (tmp_path / "state" / "clone").exists()


def test_a_push_refused_by_a_pre_receive_hook_is_retried_and_says_why(
    tmp_path: Path,
) -> None:
    remote = make_remote(tmp_path)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\necho 'error: GH006: Protected branch update failed for refs/heads/x.' >&2\n"
        "echo 'error: Changes must be made through a pull request.' >&2\nexit 1\n"
    )
    hook.chmod(stat.S_IRWXU)

    with pytest.raises(GitProblem) as caught:
        publish(tmp_path, remote, notes(1))

    problem = caught.value
    assert (
        problem.first_line
        == "remote: error: GH006: Protected branch update failed for refs/heads/x."
    )
    assert problem.retryable  # the fix is the server's; retried with backoff meanwhile
    assert f"refused the push to {BRANCH}" in problem.hint
    assert BRANCH not in remote_branches(str(remote))


def test_a_silent_server_hook_refusal_still_says_what_was_refused(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(stat.S_IRWXU)

    with pytest.raises(GitProblem) as caught:
        publish(tmp_path, remote, notes(1))

    assert caught.value.first_line == (
        f"[remote rejected] (pre-receive hook declined) pushing to {BRANCH}"
    )
    assert caught.value.retryable


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../x", "outside the repository"),
        ("meetings/../../x", "outside the repository"),
        ("/etc/passwd", "is absolute"),
        (".git/config", "inside .git"),
        ("meetings/.GIT/hooks/post-commit", "inside .git"),
        ("", "empty"),
        ("meetings/", "names a folder"),
        ("meetings\\x.md", "backslash"),
        ("notes\n.md", "control character"),
    ],
)
def test_a_path_outside_the_repository_is_refused_before_git_runs(
    tmp_path: Path, path: str, why: str
) -> None:
    with pytest.raises(ValueError, match=why):
        repository_path(path)
    with pytest.raises(ValueError, match=why):
        publish(tmp_path, tmp_path / "no-such-repo.git", notes(1), path=path)
    assert not (tmp_path / "state").exists(), "no clone, no git"


def test_a_path_inside_the_repository_is_made_plain() -> None:
    assert repository_path("meetings/./archive//20300102.md") == "meetings/archive/20300102.md"
    assert repository_path("notes.md") == "notes.md"


def test_a_path_through_a_symbolic_link_in_the_repository_is_refused(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)
    seed = tmp_path / "seed"
    (seed / "meetings").symlink_to(tmp_path / "outside")
    git("add", "meetings", cwd=seed)
    git("commit", "--quiet", "-m", "Link", cwd=seed)
    git("push", "--quiet", "origin", "main", cwd=seed)

    with pytest.raises(GitProblem) as caught:
        publish(tmp_path, remote, notes(1))

    assert caught.value.first_line == (
        f"cannot write {NOTES}: meetings is a symbolic link in the repository"
    )
    assert not caught.value.retryable
    assert not (tmp_path / "outside").exists()


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("README.md/notes.md", "README.md is a file in the repository, not a folder"),
        ("meetings", "meetings is a folder in the repository, not a file"),
    ],
)
def test_a_path_through_a_file_or_naming_a_folder_is_not_retryable(
    tmp_path: Path, path: str, why: str
) -> None:
    remote = make_remote(tmp_path)
    publish(tmp_path, remote, notes(1), branch="main")

    with pytest.raises(GitProblem) as caught:
        publish(tmp_path, remote, notes(1), path=path)

    assert caught.value.first_line == f"cannot write {path}: {why}"
    assert not caught.value.retryable


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_credentials_in_the_url_never_appear_in_the_problem_or_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"https://meetbot:s3cr3t-t0ken@127.0.0.1:{closed_port()}/community.git"
    caplog.set_level(logging.DEBUG, logger="zulip_meetbot.publish")

    with pytest.raises(GitProblem) as caught:
        publish(tmp_path, url, notes(1))

    problem = caught.value
    assert problem.retryable, "nothing listens there: worth trying again"
    assert "s3cr3t-t0ken" not in f"{problem} {problem.first_line} {problem.hint}"
    assert "git clone" not in caplog.text or "https://***@127.0.0.1" in caplog.text
    assert "s3cr3t-t0ken" not in caplog.text


def test_credentials_echoed_by_git_are_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Older gits print the URL as given; a git that does so stands in for one here.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text(
        "#!/bin/sh\nfor last; do :; done\n"
        "echo \"fatal: unable to access '$last': Could not resolve host: git.example\" >&2\n"
        "exit 128\n"
    )
    fake.chmod(stat.S_IRWXU)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    with pytest.raises(GitProblem) as caught:
        remote_branches("https://meetbot:s3cr3t-t0ken@git.example/community.git")

    assert caught.value.first_line == (
        "fatal: unable to access 'https://***@git.example/community.git': "
        "Could not resolve host: git.example"
    )
    assert caught.value.retryable


def test_a_remote_that_never_answers_times_out_as_retryable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ssh that hangs (a silent server): the timeout stops git and its ssh alike.
    monkeypatch.setenv("GIT_SSH_COMMAND", "sleep 30;:")
    started = time.monotonic()

    with pytest.raises(GitProblem) as caught:
        publish(tmp_path, "ssh://git@git.example/community.git", notes(1), timeout=1.0)

    assert time.monotonic() - started < 10
    assert caught.value.first_line == "git clone gave no answer within 1 s"
    assert caught.value.retryable


class AsksForAPassword(http.server.BaseHTTPRequestHandler):
    """A git server over HTTP that wants credentials for everything."""

    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="git"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_no_credentials_is_a_problem_not_a_prompt() -> None:
    # git must not wait for a user name at a terminal: the missing credential is the problem.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AsksForAPassword)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        with pytest.raises(GitProblem) as caught:
            remote_branches(f"http://127.0.0.1:{server.server_address[1]}/community.git")
    finally:
        server.shutdown()
        server.server_close()

    assert caught.value.first_line.startswith("fatal: could not read Username")
    assert not caught.value.retryable
    assert "credentials" in caught.value.hint


# --- the remote's branches ----------------------------------------------------------------


def test_default_branch_and_remote_branches_read_the_remote(tmp_path: Path) -> None:
    remote = make_remote(tmp_path, default="trunk", others=("release", "2030-01-02-notes"))

    assert default_branch(str(remote)) == "trunk"
    assert remote_branches(str(remote)) == {"trunk", "release", "2030-01-02-notes"}


def test_default_branch_of_an_empty_or_missing_repository_is_a_problem(tmp_path: Path) -> None:
    empty = tmp_path / "empty.git"
    git("init", "--quiet", "--bare", str(empty))
    with pytest.raises(GitProblem, match="names no default branch") as caught:
        default_branch(str(empty))
    assert not caught.value.retryable
    assert remote_branches(str(empty)) == set()

    with pytest.raises(GitProblem) as missing:
        default_branch(str(tmp_path / "nowhere.git"))
    assert not missing.value.retryable
    assert missing.value.first_line.startswith("fatal: ")


def test_an_invalid_branch_name_is_not_retryable(tmp_path: Path) -> None:
    remote = make_remote(tmp_path)

    with pytest.raises(GitProblem, match="not a valid branch name") as caught:
        publish(tmp_path, remote, notes(1), branch="notes..2030")

    assert not caught.value.retryable

"""Commit a file to a branch of a git repository and push it, through the ``git`` command.

The ``git`` command itself is run (no shell), so the operator's SSH agent, credential helpers,
``GIT_SSH_COMMAND``, hooks and signing settings apply as they do for them; only prompting is
switched off (``GIT_TERMINAL_PROMPT=0``, no controlling terminal), so a missing credential is a
problem, never a wait. A clone is kept in a folder of meetbot's own, fetched before each commit;
the branch is built on the remote's tip (others' commits kept, ours on top), never force-pushed,
and a push that lost a race is fetched and redone. Every failure is a :class:`GitProblem`: git's
first line (credentials in URLs redacted), whether retrying can help, and how to fix it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from zulip_meetbot.config import relative_repository_path

log = logging.getLogger(__name__)

# A push that lost a race is fetched and redone this many times in all before giving up: a busy
# branch settles within a couple of tries, and the publisher retries later with backoff anyway.
PUSH_ATTEMPTS = 3
# The clone remembers which repository it is a clone of (a digest: no credential copied).
MARK_KEY = "meetbot.repository"
# When the repository is empty, the first commit is made on this local branch, then pushed.
UNBORN = "refs/heads/meetbot-publishing"
# Variables that point git at a repository: inherited (meetbot started from a git hook, say),
# they would aim every command at the wrong one.
LOCATING = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
)
FIRST_LINE_MAX = 300


@dataclass(frozen=True)
class Author:
    """Who a commit is by: its author and committer alike, so no machine identity is needed."""

    name: str
    email: str


@dataclass(frozen=True)
class Commit:
    """What :func:`publish_file` did."""

    sha: str | None  # the commit pushed; None when the branch already had this content
    branch: str
    # the branch's tip was someone else's commit (made since our last one): kept, ours on top
    kept_others: bool
    replaced_theirs: bool  # someone else had changed the file since `previous`: ours won


class GitProblem(Exception):
    """A git operation that failed: git's first line, whether retrying can help, how to fix it."""

    def __init__(self, first_line: str, retryable: bool, hint: str) -> None:
        self.first_line = _redact(first_line)
        self.retryable = retryable
        self.hint = _redact(hint)
        super().__init__(f"{self.first_line} ({self.hint})")


def repository_path(rendered: str) -> str:
    """``rendered`` as a safe relative file path inside a repository, or ValueError saying why
    (the rule is config's, which the botrc was checked with)."""
    try:
        return relative_repository_path(rendered)
    except ValueError as why:
        raise ValueError(f"publish_path {why}") from None


def shown(repo: str) -> str:
    """``repo`` as a line may show it: a password or token in its URL replaced by ``***``."""
    return _redact(repo)


def default_branch(repo: str, timeout: float = 30.0) -> str:
    """The branch the remote's HEAD names (``git ls-remote --symref``)."""
    found = _default_branch(_Git(timeout), ["ls-remote", "--symref", "--", repo, "HEAD"])
    if found is None:
        raise GitProblem(
            "the repository names no default branch (it is empty)",
            False,
            "push a first commit to the repository, or set publish_base",
        )
    return found


def remote_branches(repo: str, timeout: float = 30.0) -> set[str]:
    """The names of the remote's branches (``git ls-remote --heads``)."""
    listing = _Git(timeout).run(["ls-remote", "--heads", "--", repo])
    return {
        ref.removeprefix("refs/heads/")
        for line in listing.out.splitlines()
        if "\t" in line
        for ref in [line.split("\t", 1)[1]]
        if ref.startswith("refs/heads/")
    }


def publish_file(
    clone: Path,
    repo: str,
    *,
    branch: str,
    base: str | None,
    path: str,
    content: str,
    message: str,
    author: Author,
    previous: str | None = None,
    timeout: float = 120.0,
) -> Commit:
    """Commit ``content`` at ``path`` on ``branch`` of ``repo`` and push it, never forced.

    ``clone`` holds meetbot's clone (made on first use, fetched first); a new branch starts from
    ``base`` (None: the remote's default branch); ``previous`` is the content last published.
    """
    relative = repository_path(path)
    git = _Git(timeout)
    for name in {branch, base or branch}:
        _check_branch_name(git, name)
    with _locked(clone, git):
        _ensure_clone(git, clone, repo)
        work = _Clone(git, clone)
        raced: GitProblem | None = None
        for attempt in range(1, PUSH_ATTEMPTS + 1):
            outcome = work.attempt(branch, base, relative, content, message, author, previous)
            if isinstance(outcome, Commit):
                return outcome
            raced = outcome
            log.info(
                "push to %s lost a race (%s), attempt %d of %d: fetching again",
                branch,
                outcome.first_line,
                attempt,
                PUSH_ATTEMPTS,
            )
    assert raced is not None
    raise GitProblem(
        raced.first_line,
        True,
        f"others kept pushing to {branch} while meetbot did; it is tried again later",
    )


# --- the clone ----------------------------------------------------------------------------


class _Clone:
    """One publishing attempt's steps in the clone at ``folder``."""

    def __init__(self, git: _Git, folder: Path) -> None:
        self.git = git
        self.folder = folder

    def run(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        extra_env: Mapping[str, str] | None = None,
    ) -> _Result:
        # Auto-gc in the foreground: a detached one could hold locks past our own lock.
        return self.git.run(
            ["-C", str(self.folder), "-c", "gc.autoDetach=false", *args],
            input=input,
            check=check,
            extra_env=extra_env,
        )

    def resolve(self, name: str) -> str | None:
        """The object ``name`` names (a ref, or ``commit:path``), or None."""
        found = self.run("rev-parse", "--quiet", "--verify", name, check=False)
        return found.out.strip() if found.code == 0 else None

    def attempt(
        self,
        branch: str,
        base: str | None,
        relative: str,
        content: str,
        message: str,
        author: Author,
        previous: str | None,
    ) -> Commit | GitProblem:
        """Fetch, commit on the branch's tip and push: the commit, or the race that was lost."""
        self.run("fetch", "--quiet", "--prune", "origin")
        tip = self.resolve(f"refs/remotes/origin/{branch}")
        start = tip if tip is not None else self.start_of_new_branch(base)
        self.check_out(start)
        self.write(relative, content)
        self.run("add", "--force", "--", relative)
        kept_others = tip is not None and not self.by(tip, author)
        if self.run("diff", "--cached", "--quiet", check=False).code == 0:
            return Commit(None, branch, kept_others, False)
        theirs = self.resolve(f"{start}:{relative}") if start is not None else None
        replaced = theirs is not None and (
            previous is None
            or theirs
            != self.run("hash-object", f"--path={relative}", "--stdin", input=previous).out.strip()
        )
        if replaced:
            message = (
                f"{message.rstrip()}\n\n{relative} had been changed on this branch since meetbot "
                "last published it: the meeting's record replaces that change (it stays in the "
                "history)."
            )
        self.commit(message, author)
        sha = self.run("rev-parse", "HEAD").out.strip()
        pushed = self.run("push", "--porcelain", "origin", f"HEAD:refs/heads/{branch}", check=False)
        if pushed.code == 0:
            log.info("pushed %s to %s (%s)", relative, branch, sha[:12])
            return Commit(sha, branch, kept_others, replaced)
        problem = _problem(pushed, branch=branch, pushing=True)
        if _kind(pushed) == "race":
            return problem
        raise problem

    def start_of_new_branch(self, base: str | None) -> str | None:
        """Where a new branch starts: ``base``'s tip (None: the default branch's); None only
        when the repository is empty."""
        name = base
        if name is None:
            name = _default_branch(
                self.git, ["-C", str(self.folder), "ls-remote", "--symref", "origin", "HEAD"]
            )
        start = self.resolve(f"refs/remotes/origin/{name}") if name is not None else None
        if start is not None:
            return start
        branches = self.run("for-each-ref", "--format=%(refname)", "refs/remotes/origin/").out
        if not any(not ref.endswith("/HEAD") for ref in branches.split()):
            return None  # an empty repository: the first commit is a root commit
        if name is None:
            raise GitProblem(
                "the repository names no default branch",
                False,
                "set publish_base to the branch new branches start from",
            )
        raise GitProblem(
            f"the base branch {name!r} is not in the repository",
            False,
            "set publish_base to a branch that exists, or leave it out for the default branch",
        )

    def check_out(self, start: str | None) -> None:
        """The work tree and index exactly as ``start`` (None: empty, on an unborn branch)."""
        if start is not None:
            self.run("checkout", "--quiet", "--force", "--detach", start)
        else:
            self.run("update-ref", "-d", UNBORN)
            self.run("symbolic-ref", "HEAD", UNBORN)
            self.run("read-tree", "--empty")
        # Whatever an earlier attempt wrote and did not commit goes.
        self.run("clean", "-ffdxq")

    def write(self, relative: str, content: str) -> None:
        """``content`` at ``relative`` in the work tree, never through a symbolic link."""
        parts = relative.split("/")
        for depth in range(1, len(parts) + 1):
            place = "/".join(parts[:depth])
            target = self.folder / place
            if target.is_symlink():
                why = f"{place} is a symbolic link in the repository"
            elif depth < len(parts) and target.exists() and not target.is_dir():
                why = f"{place} is a file in the repository, not a folder"
            elif depth == len(parts) and target.is_dir():
                why = f"{place} is a folder in the repository, not a file"
            else:
                continue
            raise GitProblem(
                f"cannot write {relative}: {why}", False, "set publish_path to another file"
            )
        target = self.folder / relative
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode("utf-8"))
        except OSError as exc:
            raise GitProblem(
                f"cannot write {relative} in meetbot's clone: {exc.strerror}",
                True,
                "check the disk space and permissions of meetbot's state folder",
            ) from exc

    def by(self, commit: str, author: Author) -> bool:
        """Whether ``commit`` is authored by ``author`` (by email)."""
        email = self.run("log", "-1", "--format=%ae", commit).out.strip()
        return email.casefold() == author.email.casefold()

    def commit(self, message: str, author: Author) -> None:
        identity = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": author.name,
            "GIT_COMMITTER_EMAIL": author.email,
        }
        # --cleanup=whitespace: a line starting with # in the message is kept, not a comment.
        self.run(
            "commit",
            "--quiet",
            "--cleanup=whitespace",
            "--file=-",
            input=message,
            extra_env=identity,
        )


def _ensure_clone(git: _Git, clone: Path, repo: str) -> None:
    """A clone of ``repo`` in ``clone``: kept if it is one, else (re)made beside it."""
    mark = hashlib.sha256(repo.encode()).hexdigest()[:24]
    if _is_clone_of(git, clone, mark):
        _remove_stale_locks(clone)
        return
    if clone.exists() or clone.is_symlink():
        log.warning("replacing %s: not a clone of the publishing repository", clone)
    fresh = Path(tempfile.mkdtemp(prefix=f".{clone.name}.", dir=clone.parent))
    try:
        git.run(["clone", "--quiet", "--no-checkout", "--no-tags", "--", repo, str(fresh)])
        git.run(["-C", str(fresh), "config", MARK_KEY, mark])
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    if clone.is_symlink() or clone.is_file():
        clone.unlink()
    elif clone.exists():
        shutil.rmtree(clone)
    fresh.rename(clone)


def _is_clone_of(git: _Git, clone: Path, mark: str) -> bool:
    if clone.is_symlink() or not (clone / ".git").is_dir():
        return False
    top = git.run(["-C", str(clone), "rev-parse", "--show-toplevel"], check=False)
    if top.code != 0 or Path(top.out.strip()).resolve() != clone.resolve():
        return False
    marked = git.run(["-C", str(clone), "config", "--get", MARK_KEY], check=False)
    return marked.code == 0 and marked.out.strip() == mark


def _remove_stale_locks(clone: Path) -> None:
    # Only meetbot works in its clone, under the lock this process holds: a lock file left is
    # from a git that was killed (a timeout) and would fail every later command.
    meta = clone / ".git"
    for stale in [*meta.glob("*.lock"), *(meta / "refs").rglob("*.lock")]:
        log.info("removing %s, left by a git that was stopped", stale)
        stale.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(clone: Path, git: _Git) -> Iterator[None]:
    """One publisher at a time in ``clone`` (threads and processes alike), within the deadline."""
    clone.parent.mkdir(parents=True, exist_ok=True)
    with open(clone.parent / f".{clone.name}.lock", "a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if git.remaining() <= 0:
                    raise GitProblem(
                        f"another publish was using {clone.name} for {git.timeout:g} s",
                        True,
                        "it is tried again when that one is done",
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_branch_name(git: _Git, name: str) -> None:
    if not name or git.run(["check-ref-format", f"refs/heads/{name}"], check=False).code != 0:
        raise GitProblem(
            f"{name!r} is not a valid branch name",
            False,
            "set publish_branch and publish_base to valid git branch names",
        )


def _default_branch(git: _Git, args: Sequence[str]) -> str | None:
    for line in git.run(args).out.splitlines():
        if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
            return line.removeprefix("ref: refs/heads/").removesuffix("\tHEAD")
    return None


# --- running git --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Result:
    args: tuple[str, ...]
    code: int
    out: str
    err: str


class _Git:
    """Runs ``git`` commands, all within one deadline, as the operator would but never asking."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def run(
        self,
        args: Sequence[str],
        *,
        input: str | None = None,
        check: bool = True,
        extra_env: Mapping[str, str] | None = None,
    ) -> _Result:
        """git ``args``; with ``check`` a failure is raised as a :class:`GitProblem`."""
        remaining = self.remaining()
        verb = _verb(args)
        if remaining <= 0:
            raise _timed_out(verb, self.timeout)
        log.debug("git %s", _redact(" ".join(args)))
        try:
            # A session of its own: no controlling terminal, so ssh cannot ask for a password or
            # a host key either, and a timeout stops git's children (ssh, remote helpers) too.
            process = subprocess.Popen(
                ["git", *args],
                stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=_environment(extra_env or {}),
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            raise GitProblem(
                "git is not installed (no git command on PATH)",
                False,
                "install git for the account that runs meetbot",
            ) from exc
        try:
            out, err = process.communicate(
                None if input is None else input.encode("utf-8"), timeout=remaining
            )
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise _timed_out(verb, self.timeout) from None
        result = _Result(
            tuple(args),
            process.returncode,
            out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"),
        )
        if check and result.code != 0:
            raise _problem(result)
        return result


def _environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in LOCATING}
    env["GIT_TERMINAL_PROMPT"] = "0"  # git itself never asks for a user name or password
    env["GCM_INTERACTIVE"] = "never"  # nor does Git Credential Manager
    env["LC_ALL"] = "C"  # git's messages in English: they are matched below
    env.update(extra)
    return env


def _verb(args: Sequence[str]) -> str:
    """The git subcommand in ``args`` (after ``-C folder`` and ``-c key=value``)."""
    index = 0
    while index < len(args) and args[index] in ("-C", "-c"):
        index += 2
    return args[index] if index < len(args) else "git"


def _timed_out(verb: str, timeout: float) -> GitProblem:
    return GitProblem(
        f"git {verb} gave no answer within {timeout:g} s",
        True,
        "the repository could not be reached in time (network or server); it is tried again",
    )


# --- what went wrong ----------------------------------------------------------------------

# What git's messages say, matched in this order (a race's "cannot lock ref" before a lock).
KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "race",
        (
            "(fetch first)",
            "(non-fast-forward)",
            "cannot lock ref",
            "failed to update ref",
            "(stale info)",
            "incorrect old value",
        ),
    ),
    (
        "refused",
        (
            "[remote rejected]",
            "hook declined",
            "protected branch",
            "gh006",
            "gh013",
            "pre-receive",
        ),
    ),
    (
        "auth",
        (
            "authentication failed",
            "permission denied",
            "could not read username",
            "could not read password",
            "terminal prompts disabled",
            "host key verification failed",
            "invalid username or password",
            "returned error: 401",
            "returned error: 403",
            "access denied",
            "denied to",
        ),
    ),
    (
        "missing",
        (
            "does not appear to be a git repository",
            "does not exist",
            "repository not found",
            "not found",
            "not a git repository",
        ),
    ),
    (
        "network",
        (
            "could not resolve",
            "failed to connect",
            "couldn't connect",
            "connection refused",
            "connection reset",
            "timed out",
            "network is unreachable",
            "remote end hung up",
            "early eof",
            "rpc failed",
            "temporary failure",
            "returned error: 5",
            "unable to access",
            "ssl",
            "tls",
        ),
    ),
    ("lock", (".lock': file exists", "unable to create", "another git process")),
)
HINTS = {
    "race": (True, "someone else pushed to {branch} meanwhile; it is fetched and tried again"),
    # Retried with backoff all the same: the fix is on the server's side (a protection rule, a
    # hook), and once the operator makes it, the notes go out without anyone asking again.
    "refused": (
        True,
        "the repository refused the push to {branch} (branch protection or a server hook): let "
        "the bot's key or account push there, or publish to another branch with a pull request",
    ),
    "auth": (
        False,
        "give the account running meetbot credentials that may push there (an SSH key or a "
        "deploy key with write access, or a credential helper): git never prompts for them",
    ),
    "missing": (
        False,
        "check publish_repo: there is no repository there, or these credentials cannot see it",
    ),
    "network": (True, "the repository could not be reached (network or server); tried again"),
    "lock": (True, "a git lock in meetbot's clone was busy; it is tried again"),
    "other": (True, "see git's message; it is tried again"),
}


def _kind(result: _Result) -> str:
    said = f"{result.err}\n{result.out}".casefold()
    for kind, needles in KINDS:
        if any(needle in said for needle in needles):
            return kind
    return "other"


def _problem(result: _Result, *, branch: str = "", pushing: bool = False) -> GitProblem:
    retryable, hint = HINTS[_kind(result)]
    first = _first_line(result, branch if pushing else None)
    return GitProblem(first, retryable, hint.format(branch=branch or "the branch"))


def _first_line(result: _Result, pushed_to: str | None) -> str:
    """The first line of git's error that says something (not a hint, a warning, "To …")."""
    lines = [
        line
        for raw in result.err.splitlines()
        for line in [raw.strip()]
        if line and line != "remote:" and not line.startswith(("hint:", "warning:", "To "))
    ]
    # "error: failed to push some refs": the porcelain status line says what happened.
    if pushed_to is not None and (not lines or lines[0].startswith("error: failed to push")):
        statuses = [
            line.split("\t")[-1] for line in result.out.splitlines() if line.startswith("!\t")
        ]
        if statuses:
            return f"{statuses[0]} pushing to {pushed_to}"[:FIRST_LINE_MAX]
    if lines:
        return lines[0][:FIRST_LINE_MAX]
    return f"git {_verb(result.args)} failed (exit status {result.code})"


_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s'\"]+)@")


def _redact(text: str) -> str:
    """``text`` with every URL's credentials (``https://user:token@…``) replaced by ``***``."""

    def hide(match: re.Match[str]) -> str:
        scheme, userinfo = match["scheme"], match["userinfo"]
        # ssh://git@host names an account, not a secret; a password or an HTTP user may be one.
        if ":" in userinfo or scheme.lower().startswith("http"):
            return f"{scheme}***@"
        return match[0]

    return _USERINFO.sub(hide, text)

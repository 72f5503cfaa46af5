"""STAND-IN for ``zulip_meetbot.publish.git`` (part "git" of issue 14), to be REPLACED by the
real module at merge: ``standins.install()`` uses this only while the real one is missing.

It implements the interface of I14-INTERFACES.md with real ``git`` over any remote ``git
clone`` accepts (the tests use bare repositories in a temporary folder), simply: enough for
the publisher's tests, not the real module's care.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class Author:
    name: str
    email: str


@dataclass(frozen=True)
class Commit:
    sha: str | None
    branch: str
    kept_others: bool
    replaced_theirs: bool


class GitProblem(Exception):
    def __init__(self, first_line: str, retryable: bool, hint: str) -> None:
        super().__init__(first_line)
        self.first_line = first_line
        self.retryable = retryable
        self.hint = hint


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    env.setdefault("GIT_CONFIG_GLOBAL", os.devnull)  # a test's own (url.insteadOf) applies
    return env


def _git(*args: str, cwd: Path | None = None, timeout: float = 120.0) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise GitProblem(f"git {args[0]} timed out", True, "is the remote reachable?") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        first = next((line for line in lines if "error" in line or "fatal" in line), None)
        first = (first or (lines[0] if lines else f"git {args[0]} failed")).strip()
        retryable = any(
            word in done.stderr
            for word in ("rejected", "non-fast-forward", "declined", "Could not resolve", "lock")
        )
        raise GitProblem(first, retryable, "see the remote's answer above")
    return done.stdout


def default_branch(repo: str, timeout: float = 30.0) -> str:
    out = _git("ls-remote", "--symref", repo, "HEAD", timeout=timeout)
    for line in out.splitlines():
        if line.startswith("ref: refs/heads/"):
            return line.split()[1].removeprefix("refs/heads/")
    return "main"


def remote_branches(repo: str, timeout: float = 30.0) -> set[str]:
    out = _git("ls-remote", "--heads", repo, timeout=timeout)
    return {line.split()[1].removeprefix("refs/heads/") for line in out.splitlines() if line}


def repository_path(rendered: str) -> str:
    path = PurePosixPath(rendered)
    if not rendered or path.is_absolute() or ".." in path.parts or rendered.startswith("."):
        raise ValueError("must be a relative path inside the repository")
    return str(path)


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
    if not (clone / ".git").exists():
        clone.parent.mkdir(parents=True, exist_ok=True)
        _git("clone", "--quiet", repo, str(clone), timeout=timeout)
    _git("fetch", "--quiet", "--prune", "origin", cwd=clone, timeout=timeout)
    heads = remote_branches(repo, timeout)
    start = branch if branch in heads else (base or default_branch(repo, timeout))
    _git("checkout", "--quiet", "-B", branch, f"origin/{start}", cwd=clone)
    ours = f"{author.name} <{author.email}>"
    others = _git("log", "--format=%an <%ae>", f"origin/{start}", cwd=clone).splitlines()
    kept_others = branch in heads and any(line != ours for line in others)
    target = clone / path
    before = target.read_text(encoding="utf-8") if target.exists() else None
    replaced = previous is not None and before is not None and before not in (previous, content)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content.encode("utf-8"))
    _git("add", "--", path, cwd=clone)
    if not _git("status", "--porcelain", cwd=clone).strip():
        return Commit(None, branch, kept_others, False)
    if replaced:
        message += "\n\nThe file had been changed by someone else: meetbot's record replaced it."
    identity = ["-c", f"user.name={author.name}", "-c", f"user.email={author.email}"]
    _git(*identity, "commit", "--quiet", "-m", message, cwd=clone)
    _git("push", "--quiet", "origin", f"HEAD:refs/heads/{branch}", cwd=clone, timeout=timeout)
    sha = _git("rev-parse", "HEAD", cwd=clone).strip()
    return Commit(sha, branch, kept_others, replaced)

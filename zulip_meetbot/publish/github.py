"""GitHub's REST API for publishing: open (or reuse) a meeting's pull request, check a token.

Spoken over the standard library's ``urllib.request`` with the headers GitHub documents
(``Authorization: Bearer``, ``Accept: application/vnd.github+json``, ``X-GitHub-Api-Version:
2022-11-28``, a ``User-Agent``). Every failure is a :class:`GitHubProblem`: GitHub's own message
on one line, whether retrying can help, and how to fix it; the token is never in it, nor in a log.

``pull_request`` is safe to call again after any failure, a timed-out POST included: it looks for
the open pull request from the branch first, so a retry reuses what an earlier attempt made.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from http.client import HTTPException
from pathlib import Path
from typing import Any

from zulip_meetbot.config import DEFAULT_GITHUB_API, pull_request_repository

log = logging.getLogger(__name__)

API_VERSION = "2022-11-28"
USER_AGENT = "zulip-meetbot"
TOKEN_ENV = "MEETBOT_GITHUB_TOKEN"
_ALREADY_EXISTS = "a pull request already exists"


@dataclass(frozen=True)
class Repository:
    """A repository on GitHub, as the API names it (``/repos/{owner}/{name}``)."""

    owner: str
    name: str

    def __str__(self) -> str:
        return f"{self.owner}/{self.name}"


def github_repository(url: str, *, api: str = DEFAULT_GITHUB_API) -> Repository | None:
    """The repository a ``git clone`` URL names on the GitHub ``api`` serves, or None: the one
    rule the botrc is checked by (``config.pull_request_repository``)."""
    found = pull_request_repository(url, api)
    return None if found is None else Repository(*found)


@dataclass(frozen=True)
class PullRequest:
    """A pull request that was opened now (``created``) or found open and reused."""

    number: int
    url: str  # html_url
    created: bool


class GitHubProblem(Exception):
    """A GitHub request that failed: GitHub's message on one line, retryable or not, a hint."""

    def __init__(self, status: int | None, first_line: str, *, retryable: bool, hint: str) -> None:
        super().__init__(first_line)
        self.status = status  # HTTP status; None: no answer
        self.first_line = first_line
        self.retryable = retryable  # 5xx, 429, rate limits, timeouts: worth retrying
        self.hint = hint

    def __str__(self) -> str:
        answer = "no answer" if self.status is None else f"HTTP {self.status}"
        return f"GitHub: {self.first_line} ({answer}); {self.hint}"


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: Message
    data: Any


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would follow a redirect and send the Authorization header along, to any host.
    # GitHub redirects a renamed or moved repository; that is reported, not followed.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class GitHub:
    """A client of GitHub's REST API at ``api`` (https://api.github.com, or GitHub Enterprise's)."""

    def __init__(self, api: str, token: str, timeout: float = 15.0) -> None:
        self.api = api.rstrip("/")
        self._token = token
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    def __repr__(self) -> str:  # never the token
        return f"GitHub({self.api!r})"

    # -- pull requests --

    def pull_request(
        self, repo: Repository, *, head: str, base: str, title: str, body: str
    ) -> PullRequest:
        """The open pull request from branch ``head`` into ``base``, its body made ``body``;
        opened with ``title`` when there is none. Raises GitHubProblem."""
        found = self._open_pull_request(repo, head, base)
        if found is None:
            try:
                answer = self._call(
                    "POST",
                    f"/repos/{_q(repo.owner)}/{_q(repo.name)}/pulls",
                    body={"title": title, "head": head, "base": base, "body": body},
                    repo=repo,
                )
            except GitHubProblem as problem:
                if problem.status != 422 or _ALREADY_EXISTS not in problem.first_line.lower():
                    raise
                # Opened by someone (or an earlier attempt of ours) since we looked: reuse it.
                found = self._open_pull_request(repo, head, base)
                if found is None:
                    raise GitHubProblem(
                        422,
                        problem.first_line,
                        retryable=True,
                        hint="GitHub says one is open but does not list it yet; retried later",
                    ) from None
            else:
                created = _pull_request(answer.data, created=True)
                log.info("opened pull request %s#%d (%s)", repo, created.number, created.url)
                return created
        if (found.get("body") or "") != body:
            self._call(
                "PATCH",
                f"/repos/{_q(repo.owner)}/{_q(repo.name)}/pulls/{int(found['number'])}",
                body={"body": body},
                repo=repo,
            )
            log.info("updated the body of pull request %s#%d", repo, found["number"])
        return _pull_request(found, created=False)

    def _open_pull_request(self, repo: Repository, head: str, base: str) -> dict[str, Any] | None:
        label = f"{repo.owner}:{head}"
        answer = self._call(
            "GET",
            f"/repos/{_q(repo.owner)}/{_q(repo.name)}/pulls",
            query={"head": label, "base": base, "state": "open", "per_page": "100"},
            repo=repo,
        )
        if not isinstance(answer.data, list):
            raise _not_understood(answer.status)
        # Checked here too: a server that ignores a filter (a bare `head` is ignored by GitHub)
        # must not make us update someone else's pull request.
        for pull in answer.data:
            if not isinstance(pull, dict):
                continue
            pull_head, pull_base = pull.get("head") or {}, pull.get("base") or {}
            if (
                pull.get("state") == "open"
                and str(pull_head.get("label", "")).lower() == label.lower()
                and pull_head.get("ref") == head
                and pull_base.get("ref") == base
            ):
                return pull
        return None

    # -- checking the set-up --

    def access_problems(self, repo: Repository) -> list[str]:
        """What keeps this token from opening pull requests in ``repo`` (a read-only call);
        [] when nothing does, as far as GitHub shows."""
        try:
            answer = self._call("GET", f"/repos/{_q(repo.owner)}/{_q(repo.name)}", repo=repo)
        except GitHubProblem as problem:
            return [f"GitHub {repo}: {problem.first_line}; {problem.hint}"]
        data = answer.data if isinstance(answer.data, dict) else {}
        problems: list[str] = []
        if data.get("archived"):
            problems.append(
                f"GitHub {repo}: the repository is archived; unarchive it, or publish elsewhere"
            )
        # Only the authenticated user's role is shown (a fine-grained token's own permissions
        # are not): without `permissions` nothing is claimed.
        permissions = data.get("permissions")
        if isinstance(permissions, dict) and not permissions.get("push"):
            problems.append(
                f"GitHub {repo}: the token's account may only read the repository; give it "
                "write access (a collaborator, or a team with write)"
            )
        # A classic token names its scopes in X-OAuth-Scopes; fine-grained tokens send none.
        scopes_header = answer.headers.get("X-OAuth-Scopes")
        if scopes_header is not None:
            scopes = {s.strip() for s in scopes_header.split(",") if s.strip()}
            enough = {"repo"} if data.get("private") else {"repo", "public_repo"}
            if not scopes & enough:
                needed = "repo" if data.get("private") else "public_repo (or repo)"
                shown = ", ".join(sorted(scopes)) or "none"
                problems.append(
                    f"GitHub {repo}: the token's scopes ({shown}) do not allow opening pull "
                    f"requests; make a token with the {needed} scope"
                )
        return problems

    # -- HTTP --

    def _call(
        self,
        method: str,
        path: str,
        *,
        repo: Repository,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> _Answer:
        url = self.api + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("X-GitHub-Api-Version", API_VERSION)
        request.add_header("User-Agent", USER_AGENT)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            try:
                raw = error.read()
            except (OSError, HTTPException):
                raw = b""
            problem = _problem(error.code, error.headers, _message(raw, error.reason), repo)
            log.debug("GitHub %s %s: HTTP %s", method, path, error.code)
            raise self._scrubbed(problem) from None
        except TimeoutError as error:
            raise self._no_answer(f"no answer within {self.timeout:g} s", method, path) from error
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):
                what = f"no answer within {self.timeout:g} s"
            else:
                what = f"cannot reach {urllib.parse.urlsplit(self.api).netloc}: {reason}"
            raise self._no_answer(what, method, path) from None
        except (OSError, HTTPException) as error:
            # A reset, or a connection closed mid-answer: nothing to go on but that it failed.
            what = f"the connection failed: {error.__class__.__name__}"
            raise self._no_answer(what, method, path) from None
        log.debug("GitHub %s %s: HTTP %s", method, path, status)
        try:
            parsed = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            raise _not_understood(status) from None
        return _Answer(status, headers, parsed)

    def _no_answer(self, what: str, method: str, path: str) -> GitHubProblem:
        log.debug("GitHub %s %s: %s", method, path, what)
        return self._scrubbed(
            GitHubProblem(
                None,
                what,
                retryable=True,
                hint=f"check that github_api ({self.api}) is right and reachable",
            )
        )

    def _scrubbed(self, problem: GitHubProblem) -> GitHubProblem:
        # GitHub does not echo tokens, but a proxy or a test server might: never pass one on.
        if self._token and (self._token in problem.first_line or self._token in problem.hint):
            return GitHubProblem(
                problem.status,
                problem.first_line.replace(self._token, "***"),
                retryable=problem.retryable,
                hint=problem.hint.replace(self._token, "***"),
            )
        return problem


def _q(part: str) -> str:
    return urllib.parse.quote(part, safe="")


def _pull_request(data: Any, *, created: bool) -> PullRequest:
    if not isinstance(data, dict) or "number" not in data or "html_url" not in data:
        raise _not_understood(201 if created else 200)
    return PullRequest(number=int(data["number"]), url=str(data["html_url"]), created=created)


def _not_understood(status: int) -> GitHubProblem:
    return GitHubProblem(
        status,
        "the answer is not the JSON GitHub sends",
        retryable=True,
        hint="retried later; check that github_api points at GitHub's REST API (…/api/v3 on "
        "GitHub Enterprise)",
    )


def _message(raw: bytes, reason: object) -> str:
    """GitHub's error message on one line: ``message`` and its ``errors[]``; else the reason."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return _one_line(str(reason or "")) or "no message"
    parts = [_one_line(data["message"])]
    for error in data.get("errors") or []:
        if isinstance(error, dict):
            detail = error.get("message") or " ".join(
                str(error[key]) for key in ("resource", "field", "code") if error.get(key)
            )
        else:
            detail = str(error)
        if detail:
            parts.append(_one_line(str(detail)))
    return ": ".join(part for part in parts if part)


def _one_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _problem(status: int, headers: Message, message: str, repo: Repository) -> GitHubProblem:
    """GitHub's answer ``status`` made a problem: retryable or not, and how to fix it."""
    rate_limited = headers.get("x-ratelimit-remaining") == "0" or (
        "retry-after" in headers or "rate limit" in message.lower()
    )
    if status == 429 or (status == 403 and rate_limited):
        wait = headers.get("retry-after")
        hint = "GitHub's rate limit; retried later" + (f" (after {wait} s)" if wait else "")
        return GitHubProblem(status, message, retryable=True, hint=hint)
    if status >= 500:
        hint = "GitHub is failing; retried later"
        return GitHubProblem(status, message, retryable=True, hint=hint)
    if status == 401:
        hint = (
            "the token is wrong, expired or revoked; make a new one and put it in "
            f"github_token_file (or {TOKEN_ENV})"
        )
    elif status == 403:
        hint = (
            f"the token may not open pull requests in {repo}; give it 'Pull requests: write' "
            "(fine-grained) or the repo scope (classic), on an account with write access"
        )
    elif status == 404:
        hint = (
            f"no repository {repo} that this token can see; check publish_repo, and that the "
            "token has access to it (GitHub answers 404 for private repositories it cannot see)"
        )
    elif status == 422:
        hint = (
            "GitHub refused the pull request; check that publish_base and the branch exist "
            "on GitHub and differ"
        )
    elif 300 <= status < 400:
        where = headers.get("Location") or "elsewhere"
        hint = f"the repository moved ({where}); update publish_repo"
    else:
        hint = "GitHub refused the request"
    return GitHubProblem(status, message, retryable=False, hint=hint)


def read_token(token_file: Path | None, environ: Mapping[str, str]) -> str | None:
    """The GitHub token: ``token_file``'s content, else env MEETBOT_GITHUB_TOKEN, else None.

    A token file that cannot be read, is empty or holds more than a token is a GitHubProblem.
    """
    if token_file is None:
        return environ.get(TOKEN_ENV, "").strip() or None
    hint = f"put the token (alone) in {token_file}, readable by meetbot only"
    try:
        token = token_file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        why = error.strerror if isinstance(error, OSError) and error.strerror else "unreadable"
        raise GitHubProblem(
            None, f"cannot read github_token_file {token_file}: {why}", retryable=False, hint=hint
        ) from None
    if not token:
        raise GitHubProblem(
            None, f"github_token_file {token_file} is empty", retryable=False, hint=hint
        )
    if any(char.isspace() for char in token):
        # Not a token (a header with a newline would even be refused by http.client).
        raise GitHubProblem(
            None,
            f"github_token_file {token_file} holds more than a token",
            retryable=False,
            hint=hint,
        )
    return token

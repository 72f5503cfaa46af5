"""STAND-IN for ``zulip_meetbot.publish.github`` (part "github" of issue 14), to be REPLACED by
the real module at merge: ``standins.install()`` uses this only while the real one is missing.

The interface of I14-INTERFACES.md over ``urllib.request``, simply; the publisher's tests of
the pull-request path run it against a few GitHub endpoints served on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Repository:
    owner: str
    name: str


_GITHUB = re.compile(
    r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)([^/]+)/([^/]+?)(?:\.git)?/?$"
)


def github_repository(url: str) -> Repository | None:
    match = _GITHUB.match(url)
    return Repository(match.group(1), match.group(2)) if match else None


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    created: bool


class GitHubProblem(Exception):
    def __init__(self, status: int | None, first_line: str, retryable: bool, hint: str) -> None:
        super().__init__(first_line)
        self.status = status
        self.first_line = first_line
        self.retryable = retryable
        self.hint = hint


class GitHub:
    def __init__(self, api: str, token: str, timeout: float = 15.0) -> None:
        self.api = api.rstrip("/")
        self._token = token
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            self.api + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {self._token}",
                "Accept": "application/vnd.github+json",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            message = json.loads(error.read() or b"{}").get("message", error.reason)
            raise GitHubProblem(
                error.code, f"GitHub {error.code}: {message}", error.code >= 500, "check the token"
            ) from None
        except OSError as error:
            raise GitHubProblem(None, f"GitHub did not answer: {error}", True, "") from None

    def pull_request(
        self, repo: Repository, *, head: str, base: str, title: str, body: str
    ) -> PullRequest:
        pulls = f"/repos/{repo.owner}/{repo.name}/pulls"
        found = self._call("GET", f"{pulls}?head={repo.owner}:{head}&state=open")
        if found:
            pull = found[0]
            if pull.get("body") != body:
                self._call("PATCH", f"{pulls}/{pull['number']}", {"body": body})
            return PullRequest(pull["number"], pull["html_url"], False)
        made = self._call("POST", pulls, {"title": title, "head": head, "base": base, "body": body})
        return PullRequest(made["number"], made["html_url"], True)

    def access_problems(self, repo: Repository) -> list[str]:
        return []


def read_token(token_file: Path | None, environ: Mapping[str, str]) -> str | None:
    if token_file is not None:
        return token_file.read_text().strip() or None
    return environ.get("MEETBOT_GITHUB_TOKEN") or None

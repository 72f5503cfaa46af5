"""FakeGitHub: a GitHub-compatible REST server on 127.0.0.1 for the publishing tests.

It answers the few endpoints meetbot uses, in the shapes GitHub documents for API version
2022-11-28 (docs.github.com):

- "Get a repository" (rest/repos/repos#get-a-repository): ``GET /repos/{owner}/{repo}``, with
  ``permissions {admin, maintain, push, triage, pull}`` for a classic token (none for a
  fine-grained one) and ``X-OAuth-Scopes`` when the token has scopes.
- "List pull requests" (rest/pulls/pulls#list-pull-requests): ``GET /repos/{o}/{r}/pulls`` with
  ``state`` (open, closed, all; default open), ``head`` (``user:ref-name``; a bare branch name is
  ignored, as GitHub ignores it), ``base``, ``per_page``, ``page``; newest first.
- "Create a pull request" (rest/pulls/pulls#create-a-pull-request): ``POST /repos/{o}/{r}/pulls``
  → 201; 422 "Validation Failed" with ``errors[].message`` "A pull request already exists for
  OWNER:BRANCH." when one is open from that head into that base, with ``{field: base|head,
  code: invalid}`` for a branch the test registered as absent, "No commits between B and H" for
  head == base.
- "Get a pull request" / "Update a pull request" (rest/pulls/pulls#get-a-pull-request,
  #update-a-pull-request): ``GET``/``PATCH /repos/{o}/{r}/pulls/{pull_number}``.
- "Troubleshooting" and "Rate limits for the REST API" (rest/using-the-rest-api/…): errors are
  ``{"message", "documentation_url", "status"}``; 401 "Bad credentials" / "Requires
  authentication"; 404 "Not Found" for a repository the token cannot see; a rate limit is 403 or
  429 with ``x-ratelimit-remaining: 0`` (primary) or ``retry-after`` (secondary).
- "Authenticating to the REST API" and "API versions": ``Authorization: Bearer TOKEN`` (or
  ``token TOKEN``); ``X-GitHub-Api-Version`` must be a supported version (else 400); a request
  without ``User-Agent`` is refused (403).

Requests that break the documented rules are answered as GitHub would and also collected in
``violations`` (the fixture asserts there are none). ``requests`` logs every request.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

SUPPORTED_API_VERSIONS = ("2022-11-28",)
DOCS = "https://docs.github.com/rest"


# --- records, faults, state -------------------------------------------------------------------


@dataclass
class RecordedRequest:
    """One request received, with the answer's status (None when none was sent)."""

    method: str
    path: str  # without the query string
    query: dict[str, str]
    body: Any  # the JSON body decoded (None if there was none)
    headers: dict[str, str]  # names lower-cased
    token: str | None  # the credential sent, if any
    status: int | None = None


@dataclass
class Fault:
    """The next ``times`` matching requests get ``status`` (after ``delay`` s) or, with
    ``status`` None, are answered normally after the delay; ``before`` runs first."""

    method: str
    path: re.Pattern[str]
    status: int | None
    times: int
    body: Any
    headers: dict[str, str]
    delay: float
    before: Callable[[], None] | None
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (
            self.hits < self.times
            and self.method in ("*", method)
            and self.path.fullmatch(path) is not None
        )


@dataclass
class Token:
    """A token the test registered: whose it is and what it may do."""

    value: str
    login: str
    push: bool = True
    admin: bool = False
    fine_grained: bool = False  # then no `permissions` in repository answers, no X-OAuth-Scopes
    scopes: tuple[str, ...] = ("repo",)  # classic tokens only
    repositories: frozenset[str] | None = None  # "owner/name" it can see; None: all


@dataclass
class FakeRepository:
    owner: str
    name: str
    id: int
    private: bool = False
    archived: bool = False
    default_branch: str = "main"
    branches: set[str] | None = None  # None: any branch is taken to exist
    pulls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class _ApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.payload = {"message": message, "documentation_url": DOCS, "status": str(status)}
        self.payload.update(extra)


# --- the server -------------------------------------------------------------------------------


class FakeGitHub:
    """A fake GitHub served over HTTP on 127.0.0.1 (``url`` is its API root)."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self.repositories: dict[str, FakeRepository] = {}  # lower-case "owner/name" → repository
        self.tokens: dict[str, Token] = {}
        self._faults: list[Fault] = []
        self._lock = threading.RLock()
        self._next_id = 1000
        self._stopped = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- lifecycle --

    def start(self) -> FakeGitHub:
        if self._httpd is not None:
            raise RuntimeError("FakeGitHub already started")
        self._httpd = _HTTPServer(self)
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fakegithub-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hanging requests end at once (their clients have given up)."""
        if self._httpd is None or self._stopped.is_set():
            return
        self._stopped.set()
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeGitHub:
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- set-up --

    def add_repository(
        self,
        owner: str,
        name: str,
        *,
        private: bool = False,
        archived: bool = False,
        default_branch: str = "main",
        branches: set[str] | None = None,
    ) -> FakeRepository:
        """A repository; with ``branches`` given, pull requests between other branches are 422."""
        with self._lock:
            repo = FakeRepository(
                owner,
                name,
                self._new_id(),
                private=private,
                archived=archived,
                default_branch=default_branch,
                branches=None if branches is None else set(branches) | {default_branch},
            )
            self.repositories[repo.full_name.lower()] = repo
            return repo

    def add_token(
        self,
        value: str,
        *,
        login: str = "meetbot",
        push: bool = True,
        admin: bool = False,
        fine_grained: bool = False,
        scopes: tuple[str, ...] = ("repo",),
        repositories: set[str] | None = None,
    ) -> Token:
        """A token the server accepts (``repositories``: the "owner/name"s it can see)."""
        token = Token(
            value,
            login,
            push=push,
            admin=admin,
            fine_grained=fine_grained,
            scopes=scopes,
            repositories=None
            if repositories is None
            else frozenset(r.lower() for r in repositories),
        )
        with self._lock:
            self.tokens[value] = token
        return token

    def add_pull_request(
        self,
        owner: str,
        name: str,
        *,
        head: str,
        base: str,
        title: str = "A pull request",
        body: str | None = None,
        login: str = "someone-else",
        state: str = "open",
    ) -> dict[str, Any]:
        """A pull request made without HTTP (as if by someone else); returns its JSON."""
        with self._lock:
            repo = self.repositories[f"{owner}/{name}".lower()]
            pull = self._new_pull(repo, head=head, base=base, title=title, body=body, login=login)
            pull["state"] = state
            return dict(pull)

    def fail(
        self,
        method: str,
        path: str,
        status: int | None = 500,
        *,
        times: int = 1,
        body: Any = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        before: Callable[[], None] | None = None,
    ) -> Fault:
        """The next ``times`` requests ``method path`` (a regex matched against the whole path;
        method "*" for any) are answered ``status`` with ``body`` (default: GitHub's error JSON)
        after ``delay`` seconds; ``status`` None answers them normally, after ``before`` ran."""
        fault = Fault(
            method,
            re.compile(path),
            status,
            times,
            body,
            dict(headers or {}),
            delay,
            before,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def hang(self, method: str, path: str, seconds: float, *, times: int = 1) -> Fault:
        """The next ``times`` matching requests get no answer for ``seconds`` (then a normal one)."""
        return self.fail(method, path, None, times=times, delay=seconds)

    def rate_limit(
        self, method: str, path: str, *, times: int = 1, secondary: bool = False, status: int = 403
    ) -> Fault:
        """The next ``times`` matching requests hit GitHub's primary (or secondary) rate limit."""
        if secondary:
            message = (
                "You have exceeded a secondary rate limit. Please wait a few minutes before you "
                "try again."
            )
            headers = {"retry-after": "60"}
        else:
            message = "API rate limit exceeded for user ID 1."
            headers = {"x-ratelimit-remaining": "0", "x-ratelimit-used": "5000"}
        body = {"message": message, "documentation_url": DOCS, "status": str(status)}
        return self.fail(method, path, status, times=times, body=body, headers=headers)

    # -- inspection --

    def pulls(self, owner: str, name: str) -> list[dict[str, Any]]:
        """Every pull request of a repository (JSON), oldest first."""
        with self._lock:
            return [dict(p) for p in self.repositories[f"{owner}/{name}".lower()].pulls]

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    # -- answering --

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    return fault
        return None

    def _wait(self, seconds: float) -> None:
        self._stopped.wait(seconds)

    def handle(self, request: RecordedRequest) -> tuple[int, Any, dict[str, str]]:
        """(status, JSON body, extra headers) for a request that passed the fault injection."""
        try:
            token = self._authenticate(request)
            with self._lock:
                return self._route(request, token)
        except _ApiError as error:
            return error.status, error.payload, {}

    def _authenticate(self, request: RecordedRequest) -> Token:
        version = request.headers.get("x-github-api-version")
        if version is not None and version not in SUPPORTED_API_VERSIONS:
            self.violations.append(f"{request.method} {request.path}: API version {version}")
            raise _ApiError(400, f"API version {version} is not supported.")
        if "user-agent" not in request.headers:
            self.violations.append(f"{request.method} {request.path}: no User-Agent")
            raise _ApiError(403, "Request forbidden by administrative rules.")
        accept = request.headers.get("accept", "")
        if "application/vnd.github+json" not in accept and "application/json" not in accept:
            self.violations.append(f"{request.method} {request.path}: Accept {accept!r}")
        if request.token is None:
            raise _ApiError(401, "Requires authentication")
        with self._lock:
            token = self.tokens.get(request.token)
        if token is None:
            raise _ApiError(401, "Bad credentials")
        return token

    def _route(self, request: RecordedRequest, token: Token) -> tuple[int, Any, dict[str, str]]:
        parts = [unquote(p) for p in request.path.strip("/").split("/")]
        if len(parts) < 3 or parts[0] != "repos":
            raise _ApiError(404, "Not Found")
        repo = self._visible(parts[1], parts[2], token)
        rest, method = parts[3:], request.method
        if rest == [] and method == "GET":
            return 200, self._repo_json(repo, token), self._scope_headers(token)
        if rest == ["pulls"] and method == "GET":
            return 200, self._list_pulls(repo, request.query), {}
        if rest == ["pulls"] and method == "POST":
            return 201, self._create_pull(repo, token, request.body), {}
        if len(rest) == 2 and rest[0] == "pulls" and rest[1].isdigit():
            pull = self._pull(repo, int(rest[1]))
            if method == "GET":
                return 200, dict(pull), {}
            if method == "PATCH":
                return 200, self._update_pull(repo, token, pull, request.body), {}
        raise _ApiError(404, "Not Found")

    def _visible(self, owner: str, name: str, token: Token) -> FakeRepository:
        key = f"{owner}/{name}".lower()
        repo = self.repositories.get(key)
        if repo is None or (token.repositories is not None and key not in token.repositories):
            raise _ApiError(404, "Not Found")
        return repo

    def _scope_headers(self, token: Token) -> dict[str, str]:
        if token.fine_grained:
            return {}
        return {"X-OAuth-Scopes": ", ".join(token.scopes), "X-Accepted-OAuth-Scopes": "repo"}

    def _repo_json(self, repo: FakeRepository, token: Token) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": repo.id,
            "node_id": f"R_{repo.id}",
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": {"login": repo.owner, "id": 1, "type": "Organization"},
            "private": repo.private,
            "html_url": f"https://github.com/{repo.full_name}",
            "url": f"{self.url}/repos/{repo.full_name}",
            "archived": repo.archived,
            "disabled": False,
            "visibility": "private" if repo.private else "public",
            "default_branch": repo.default_branch,
        }
        if not token.fine_grained:
            data["permissions"] = {
                "admin": token.admin,
                "maintain": token.admin,
                "push": token.push,
                "triage": token.push,
                "pull": True,
            }
        return data

    def _list_pulls(self, repo: FakeRepository, query: dict[str, str]) -> list[dict[str, Any]]:
        state = query.get("state", "open")
        if state not in {"open", "closed", "all"}:
            raise _ApiError(
                422, "Validation Failed", errors=[{"field": "state", "code": "invalid"}]
            )
        head = query.get("head")
        if head is not None and ":" not in head:
            head = None  # GitHub ignores a head without its owner
        base = query.get("base")
        found = [
            p
            for p in reversed(repo.pulls)
            if (state == "all" or p["state"] == state)
            and (head is None or p["head"]["label"].lower() == head.lower())
            and (base is None or p["base"]["ref"] == base)
        ]
        per_page = min(int(query.get("per_page", "30")), 100)
        page = max(int(query.get("page", "1")), 1)
        return [dict(p) for p in found[(page - 1) * per_page : page * per_page]]

    def _require_push(self, repo: FakeRepository, token: Token) -> None:
        if not token.push:
            raise _ApiError(403, "Resource not accessible by personal access token")
        if repo.archived:
            raise _ApiError(403, "Repository was archived so is read-only.")

    def _create_pull(self, repo: FakeRepository, token: Token, body: Any) -> dict[str, Any]:
        self._require_push(repo, token)
        if not isinstance(body, dict):
            raise _ApiError(400, "Problems parsing JSON")
        for key in ("head", "base"):
            if not isinstance(body.get(key), str):
                raise _ApiError(422, f'Invalid request.\n\n"{key}" wasn\'t supplied.')
        if not isinstance(body.get("title"), str) and "issue" not in body:
            raise _ApiError(422, 'Invalid request.\n\n"title" wasn\'t supplied.')
        head, base = body["head"], body["base"]
        ref = head.split(":", 1)[1] if ":" in head else head
        label = head if ":" in head else f"{repo.owner}:{head}"
        for field_name, branch in (("base", base), ("head", ref)):
            if repo.branches is not None and branch not in repo.branches:
                raise _ApiError(
                    422,
                    "Validation Failed",
                    errors=[{"resource": "PullRequest", "field": field_name, "code": "invalid"}],
                )
        if ref == base:
            raise _ApiError(
                422,
                "Validation Failed",
                errors=[
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": f"No commits between {base} and {ref}",
                    }
                ],
            )
        for pull in repo.pulls:
            if (
                pull["state"] == "open"
                and pull["head"]["label"].lower() == label.lower()
                and pull["base"]["ref"] == base
            ):
                raise _ApiError(
                    422,
                    "Validation Failed",
                    errors=[
                        {
                            "resource": "PullRequest",
                            "code": "custom",
                            "message": f"A pull request already exists for {label}.",
                        }
                    ],
                )
        pull = self._new_pull(
            repo, head=ref, base=base, title=body["title"], body=body.get("body"), login=token.login
        )
        return dict(pull)

    def _new_pull(
        self,
        repo: FakeRepository,
        *,
        head: str,
        base: str,
        title: str,
        body: str | None,
        login: str,
    ) -> dict[str, Any]:
        number = len(repo.pulls) + 1
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        user = {"login": login, "id": 1, "type": "User"}
        repo_ref = {"id": repo.id, "name": repo.name, "full_name": repo.full_name}
        pull: dict[str, Any] = {
            "url": f"{self.url}/repos/{repo.full_name}/pulls/{number}",
            "id": self._new_id(),
            "node_id": f"PR_{number}",
            "html_url": f"https://github.com/{repo.full_name}/pull/{number}",
            "number": number,
            "state": "open",
            "locked": False,
            "title": title,
            "user": user,
            "body": body,
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
            "merged_at": None,
            "draft": False,
            "head": {"label": f"{repo.owner}:{head}", "ref": head, "sha": "0" * 40,
                     "user": user, "repo": repo_ref},
            "base": {"label": f"{repo.owner}:{base}", "ref": base, "sha": "0" * 40,
                     "user": user, "repo": repo_ref},
        }  # fmt: skip
        repo.pulls.append(pull)
        return pull

    def _pull(self, repo: FakeRepository, number: int) -> dict[str, Any]:
        for pull in repo.pulls:
            if pull["number"] == number:
                return pull
        raise _ApiError(404, "Not Found")

    def _update_pull(
        self, repo: FakeRepository, token: Token, pull: dict[str, Any], body: Any
    ) -> dict[str, Any]:
        self._require_push(repo, token)
        if not isinstance(body, dict):
            raise _ApiError(400, "Problems parsing JSON")
        for key in ("title", "body"):
            if key in body:
                pull[key] = body[key]
        if body.get("state") in {"open", "closed"}:
            pull["state"] = body["state"]
        if isinstance(body.get("base"), str):
            pull["base"] = {**pull["base"], "ref": body["base"]}
        pull["updated_at"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return dict(pull)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)


# --- HTTP -------------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def close_connections(self) -> None:
        with self.connections_lock:
            for connection in list(self.connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


def _token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() in {"bearer", "token"} and value.strip():
        return value.strip()
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # fake.requests is the log

    def do_GET(self) -> None:
        self._answer()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def _answer(self) -> None:
        fake = self.server.fake
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        record = RecordedRequest(
            self.command,
            split.path,
            dict(parse_qsl(split.query, keep_blank_values=True)),
            body,
            {name.lower(): value for name, value in self.headers.items()},
            _token(self.headers.get("Authorization")),
        )
        fake._record(record)
        fault = fake._take_fault(self.command, split.path)
        if fault is not None:
            if fault.before is not None:
                fault.before()
            if fault.delay:
                fake._wait(fault.delay)
                if fake._stopped.is_set():
                    return
            if fault.status is not None:
                payload = fault.body
                if payload is None:
                    payload = {
                        "message": _REASONS.get(fault.status, "Error"),
                        "documentation_url": DOCS,
                        "status": str(fault.status),
                    }
                self._send(record, fault.status, payload, fault.headers)
                return
        status, payload, headers = fake.handle(record)
        self._send(record, status, payload, headers)

    def _send(
        self, record: RecordedRequest, status: int, payload: Any, headers: dict[str, str]
    ) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        record.status = status
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-GitHub-Api-Version-Selected", SUPPORTED_API_VERSIONS[0])
            for name, value in _rate_headers(headers).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True


def _rate_headers(headers: dict[str, str]) -> dict[str, str]:
    merged = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        "x-ratelimit-used": "1",
        "x-ratelimit-resource": "core",
        "x-ratelimit-reset": str(int(datetime.now(timezone.utc).timestamp()) + 3600),
    }
    merged.update({name.lower(): value for name, value in headers.items()})
    return merged


_REASONS = {
    400: "Bad Request",
    401: "Bad credentials",
    403: "Forbidden",
    404: "Not Found",
    422: "Validation Failed",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
}

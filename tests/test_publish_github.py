"""The GitHub client of publishing (publish/github.py), through real HTTP against FakeGitHub."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from githubfake import FakeGitHub

from zulip_meetbot.config import ConfigError, load_settings
from zulip_meetbot.publish.github import (
    GitHub,
    GitHubProblem,
    PullRequest,
    Repository,
    github_repository,
    read_token,
)

TOKEN = "ghp_S3cretTokenThatMustNeverBeShown0001"
READ_ONLY = "ghp_ReadOnlyTokenThatMustNeverBeShown02"
REPO = Repository("conda", "governance")
PULLS = "/repos/conda/governance/pulls"
BRANCH = "2026-05-06-meeting-notes"


@pytest.fixture
def github(github_server: FakeGitHub) -> FakeGitHub:
    """conda/governance with branches main and the meeting's; a token with push, one without."""
    github_server.add_repository("conda", "governance", branches={"main", BRANCH})
    github_server.add_token(TOKEN, login="meetbot")
    github_server.add_token(READ_ONLY, login="reader", push=False)
    return github_server


def client(github: FakeGitHub, token: str = TOKEN, timeout: float = 5.0) -> GitHub:
    return GitHub(github.url, token, timeout=timeout)


def open_notes(gh: GitHub, body: str = "Meeting of 2026-05-06: 7 attended") -> PullRequest:
    return gh.pull_request(
        REPO, head=BRANCH, base="main", title="Add meeting notes 2026-05-06", body=body
    )


def problem_of(call: object) -> GitHubProblem:
    with pytest.raises(GitHubProblem) as caught:
        call()  # type: ignore[operator]
    return caught.value


# --- opening and reusing a pull request -------------------------------------------------------


def test_a_pull_request_is_opened_with_the_title_body_head_and_base_sent(
    github: FakeGitHub,
) -> None:
    pull = open_notes(client(github))

    assert pull == PullRequest(1, "https://github.com/conda/governance/pull/1", created=True)
    (made,) = github.pulls("conda", "governance")
    assert (made["title"], made["body"]) == (
        "Add meeting notes 2026-05-06",
        "Meeting of 2026-05-06: 7 attended",
    )
    assert (made["head"]["ref"], made["base"]["ref"], made["user"]["login"]) == (
        BRANCH,
        "main",
        "meetbot",
    )
    (listed,) = github.requests_to("GET", PULLS)
    assert listed.query == {
        "head": f"conda:{BRANCH}",
        "base": "main",
        "state": "open",
        "per_page": "100",
    }


def test_requests_carry_the_headers_github_documents(github: FakeGitHub) -> None:
    open_notes(client(github))

    for request in github.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"
        assert request.headers["user-agent"].startswith("zulip-meetbot")
    (created,) = github.requests_to("POST", PULLS)
    assert created.headers["content-type"] == "application/json"


def test_the_same_head_again_reuses_the_pull_request_and_updates_its_body(
    github: FakeGitHub,
) -> None:
    gh = client(github)
    first = open_notes(gh, body="7 attended")

    again = open_notes(gh, body="8 attended (a late reaction)")

    assert again == PullRequest(first.number, first.url, created=False)
    (only,) = github.pulls("conda", "governance")
    assert only["body"] == "8 attended (a late reaction)"
    assert len(github.requests_to("POST", PULLS)) == 1
    (patch,) = github.requests_to("PATCH", f"{PULLS}/{first.number}")
    assert patch.body == {"body": "8 attended (a late reaction)"}


def test_the_same_body_again_asks_nothing_to_change(github: FakeGitHub) -> None:
    gh = client(github)
    first = open_notes(gh)
    before = len(github.requests)

    again = open_notes(gh)

    assert again == PullRequest(first.number, first.url, created=False)
    assert [(r.method, r.path) for r in github.requests[before:]] == [("GET", PULLS)]


def test_a_pull_request_opened_by_someone_else_between_list_and_create_is_reused(
    github: FakeGitHub,
) -> None:
    def someone_opens_it() -> None:
        github.add_pull_request(
            "conda", "governance", head=BRANCH, base="main", title="theirs", body="their body"
        )

    github.fail("POST", PULLS, None, before=someone_opens_it)

    pull = open_notes(client(github), body="ours")

    assert pull == PullRequest(1, "https://github.com/conda/governance/pull/1", created=False)
    (only,) = github.pulls("conda", "governance")
    assert (only["title"], only["body"], only["user"]["login"]) == (
        "theirs",
        "ours",
        "someone-else",
    )
    assert [r.status for r in github.requests_to("POST", PULLS)] == [422]
    assert len(github.requests_to("GET", PULLS)) == 2


def test_a_closed_pull_request_from_the_head_is_not_reused(github: FakeGitHub) -> None:
    github.add_pull_request("conda", "governance", head=BRANCH, base="main", state="closed")

    pull = open_notes(client(github))

    assert (pull.number, pull.created) == (2, True)
    assert [p["state"] for p in github.pulls("conda", "governance")] == ["closed", "open"]


def test_an_open_pull_request_from_another_owners_branch_of_that_name_is_not_reused(
    github: FakeGitHub,
) -> None:
    # A fork's branch with the same name: GitHub's label is "fork-owner:BRANCH".
    github.add_pull_request("conda", "governance", head=BRANCH, base="main")
    repo = github.repositories["conda/governance"]
    repo.pulls[0]["head"] = {**repo.pulls[0]["head"], "label": f"someone:{BRANCH}"}

    pull = open_notes(client(github))

    assert pull.created
    assert len(github.pulls("conda", "governance")) == 2


# --- problems ---------------------------------------------------------------------------------


def test_a_bad_token_is_a_problem_retrying_cannot_fix(github: FakeGitHub) -> None:
    problem = problem_of(lambda: open_notes(client(github, token="ghp_NotAToken")))

    assert (problem.status, problem.first_line, problem.retryable) == (
        401,
        "Bad credentials",
        False,
    )
    assert "github_token_file" in problem.hint
    assert github.pulls("conda", "governance") == []


def test_a_token_without_push_is_refused_with_a_hint(github: FakeGitHub) -> None:
    problem = problem_of(lambda: open_notes(client(github, token=READ_ONLY)))

    assert (problem.status, problem.retryable) == (403, False)
    assert problem.first_line == "Resource not accessible by personal access token"
    assert "Pull requests: write" in problem.hint
    assert github.pulls("conda", "governance") == []


def test_a_repository_the_token_cannot_see_is_not_found(github: FakeGitHub) -> None:
    problem = problem_of(
        lambda: client(github).pull_request(
            Repository("conda", "no-such-repo"), head=BRANCH, base="main", title="t", body="b"
        )
    )

    assert (problem.status, problem.first_line, problem.retryable) == (404, "Not Found", False)
    assert "conda/no-such-repo" in problem.hint and "publish_repo" in problem.hint


def test_an_unknown_base_branch_is_a_validation_problem_on_one_line(github: FakeGitHub) -> None:
    problem = problem_of(
        lambda: client(github).pull_request(REPO, head=BRANCH, base="trunk", title="t", body="b")
    )

    assert (problem.status, problem.retryable) == (422, False)
    assert problem.first_line == "Validation Failed: PullRequest base invalid"
    assert "publish_base" in problem.hint


def test_a_multi_line_message_from_github_is_cut_to_its_first_line(github: FakeGitHub) -> None:
    body = {"message": 'Invalid request.\n\n"base" wasn\'t supplied.', "documentation_url": "x"}
    github.fail("POST", PULLS, 422, body=body)

    problem = problem_of(lambda: open_notes(client(github)))

    assert problem.first_line == "Invalid request."
    assert "\n" not in str(problem)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_github_failing_is_retryable_and_a_retry_succeeds(github: FakeGitHub, status: int) -> None:
    github.fail("POST", PULLS, status)
    gh = client(github)

    problem = problem_of(lambda: open_notes(gh))
    assert (problem.status, problem.retryable) == (status, True)

    assert open_notes(gh).created
    assert len(github.pulls("conda", "governance")) == 1


def test_an_answer_that_is_not_json_is_retryable(github: FakeGitHub) -> None:
    github.fail("GET", PULLS, 502, body=b"<html><h1>502 Bad Gateway</h1></html>")

    problem = problem_of(lambda: open_notes(client(github)))

    assert (problem.status, problem.retryable) == (502, True)
    assert problem.first_line == "Bad Gateway"


@pytest.mark.parametrize(
    ("secondary", "status"), [(False, 403), (False, 429), (True, 403), (True, 429)]
)
def test_a_rate_limit_is_retryable(github: FakeGitHub, secondary: bool, status: int) -> None:
    github.rate_limit("GET", PULLS, secondary=secondary, status=status)

    problem = problem_of(lambda: open_notes(client(github)))

    assert (problem.status, problem.retryable) == (status, True)
    assert "rate limit" in problem.first_line
    assert "rate limit" in problem.hint


def test_no_answer_within_the_timeout_is_retryable(github: FakeGitHub) -> None:
    github.hang("GET", PULLS, seconds=5.0)
    gh = client(github, timeout=0.5)

    started = time.monotonic()
    problem = problem_of(lambda: open_notes(gh))
    waited = time.monotonic() - started

    assert (problem.status, problem.retryable) == (None, True)
    assert problem.first_line == "no answer within 0.5 s"
    assert waited < 3
    assert open_notes(gh).created


def test_a_create_that_timed_out_but_was_made_is_reused_on_retry(github: FakeGitHub) -> None:
    # The POST is carried out, but its answer comes too late: the retry must not open another.
    github.hang("POST", PULLS, seconds=2.0)
    gh = client(github, timeout=0.5)

    assert problem_of(lambda: open_notes(gh)).retryable
    deadline = time.monotonic() + 5
    while not github.pulls("conda", "governance") and time.monotonic() < deadline:
        time.sleep(0.05)

    again = open_notes(gh)

    assert (again.number, again.created) == (1, False)
    assert len(github.pulls("conda", "governance")) == 1


def test_a_server_that_cannot_be_reached_is_retryable(github: FakeGitHub) -> None:
    url = github.url
    github.stop()

    problem = problem_of(lambda: open_notes(GitHub(url, TOKEN, timeout=2)))

    assert (problem.status, problem.retryable) == (None, True)
    assert problem.first_line.startswith("cannot reach 127.0.0.1:")


def test_a_redirect_is_not_followed_with_the_token(github: FakeGitHub) -> None:
    github.fail(
        "GET",
        PULLS,
        301,
        body={"message": "Moved Permanently", "url": "http://elsewhere.invalid/x"},
        headers={"Location": "http://elsewhere.invalid/repos/conda/governance-moved/pulls"},
    )

    problem = problem_of(lambda: open_notes(client(github)))

    assert (problem.status, problem.first_line, problem.retryable) == (
        301,
        "Moved Permanently",
        False,
    )
    assert "publish_repo" in problem.hint


def test_the_token_never_appears_in_problems_or_log_records(
    github: FakeGitHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echoed = {"message": f"Bad credentials for Bearer {TOKEN}", "documentation_url": "x"}
    github.fail("GET", PULLS, 401, body=echoed)
    github.fail("POST", PULLS, 500, body={"message": f"token {TOKEN} broke us"})
    github.hang("GET", PULLS, 2.0)
    gh = client(github, timeout=0.5)
    problems = []
    for _ in range(4):
        try:
            open_notes(gh)
        except GitHubProblem as problem:
            problems.append(problem)
    reader = client(github, token=READ_ONLY)
    problems += [problem_of(lambda: open_notes(reader, body="a change"))]

    assert [p.status for p in problems] == [401, None, 500, 403]
    assert problems[0].first_line == "Bad credentials for Bearer ***"
    texts = [str(p) for p in problems] + [repr(p) for p in problems] + [repr(gh)]
    texts += [p.hint for p in problems] + [p.first_line for p in problems]
    texts += [record.getMessage() for record in caplog.records]
    assert caplog.records, "the client logs what it does"
    for secret in (TOKEN, READ_ONLY):
        assert [text for text in texts if secret in text] == []


# --- the repository a URL names -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/conda/governance",
        "https://github.com/conda/governance.git",
        "https://github.com/conda/governance/",
        "https://GitHub.com/conda/governance.git",
        "https://x-access-token:abc@github.com/conda/governance.git",
        "git@github.com:conda/governance.git",
        "git@github.com:conda/governance",
        "ssh://git@github.com/conda/governance.git",
        "ssh://git@github.com:22/conda/governance",
        "  git@github.com:conda/governance.git\n",
    ],
)
def test_github_urls_name_their_repository(url: str) -> None:
    assert github_repository(url) == REPO


def test_a_repository_name_with_dots_keeps_them() -> None:
    assert github_repository("git@github.com:conda/conda.github.io.git") == Repository(
        "conda", "conda.github.io"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://gitlab.com/conda/governance.git",
        "git@gitlab.com:conda/governance.git",
        "https://github.com.evil.example/conda/governance.git",
        "https://github.com/conda",
        "https://github.com/conda/governance/tree/main",
        "/srv/git/governance.git",
        "file:///srv/git/governance.git",
        "../governance",
        "",
    ],
)
def test_other_urls_name_no_github_repository(url: str) -> None:
    assert github_repository(url) is None


def test_a_github_enterprise_repository_is_named_by_its_owner_and_name_on_any_host() -> None:
    url = "git@git.corp.example:infra/meetings.git"
    assert github_repository(url) is None
    api = "https://git.corp.example/api/v3"
    assert github_repository(url, api=api) == Repository("infra", "meetings")
    assert github_repository("/srv/git/infra/meetings.git", api=api) == Repository(
        "infra", "meetings"
    )


@pytest.mark.parametrize(
    ("url", "api"),
    [
        ("https://x-access-token:abc@github.com/conda/governance.git", "https://api.github.com"),
        ("ssh://git@github.com:22/conda/governance", "https://api.github.com/"),
        ("http://github.com/conda/governance.git", "https://api.github.com"),
        ("file:///tmp/remotes/conda/governance.git", "http://127.0.0.1:8123"),
        ("remotes/governance.git", "http://127.0.0.1:8123"),
    ],
)
def test_what_the_botrc_accepts_for_a_pull_request_is_the_repository_published_to(
    tmp_path: Path, url: str, api: str
) -> None:
    botrc = tmp_path / "botrc"
    botrc.write_text(
        "[api]\nsite = https://chat.example.org\nemail = bot@example.org\nkey = k\n\n"
        "[meetbot]\nchairs = 1\n\n[series:community]\ntitle = Community\nstream = community\n"
        "start = 2030-01-02 17:00\ntimezone = UTC\nschedule = FREQ=WEEKLY\n"
        f"publish = git\npublish_repo = {url}\npublish_pull_request = github\n"
        f"github_api = {api}\n"
    )
    try:
        (series,) = load_settings(botrc).series
    except ConfigError:
        accepted = None
    else:
        assert series.publishing is not None
        accepted = github_repository(series.publishing.repo, api=series.publishing.github_api)
        assert accepted is not None
    assert accepted == github_repository(url, api=api)


# --- checking the set-up ----------------------------------------------------------------------


def test_a_token_that_may_push_has_no_access_problems(github: FakeGitHub) -> None:
    assert client(github).access_problems(REPO) == []
    assert [(r.method, r.path) for r in github.requests] == [("GET", "/repos/conda/governance")]


def test_a_read_only_token_is_an_access_problem(github: FakeGitHub) -> None:
    (problem,) = client(github, token=READ_ONLY).access_problems(REPO)

    assert problem.startswith("GitHub conda/governance: the token's account may only read")


def test_a_bad_token_is_an_access_problem(github: FakeGitHub) -> None:
    (problem,) = client(github, token="ghp_Wrong").access_problems(REPO)

    assert problem.startswith("GitHub conda/governance: Bad credentials; the token is wrong")
    assert "ghp_Wrong" not in problem


def test_a_missing_repository_is_an_access_problem(github: FakeGitHub) -> None:
    (problem,) = client(github).access_problems(Repository("conda", "missing"))

    assert problem.startswith("GitHub conda/missing: Not Found; no repository conda/missing")


def test_a_private_repository_the_token_cannot_see_is_an_access_problem(
    github: FakeGitHub,
) -> None:
    github.add_repository("conda", "secret", private=True)
    github.add_token("ghp_OnlyGovernance", repositories={"conda/governance"})

    (problem,) = client(github, token="ghp_OnlyGovernance").access_problems(
        Repository("conda", "secret")
    )

    assert "Not Found" in problem


def test_a_fine_grained_token_shows_no_permissions_and_no_problem_is_claimed(
    github: FakeGitHub,
) -> None:
    github.add_token("github_pat_Fine", fine_grained=True, push=False)

    assert client(github, token="github_pat_Fine").access_problems(REPO) == []


def test_a_classic_token_without_the_repo_scope_is_an_access_problem(github: FakeGitHub) -> None:
    github.add_token("ghp_NoScopes", scopes=("read:org",))

    (problem,) = client(github, token="ghp_NoScopes").access_problems(REPO)

    assert "scopes (read:org)" in problem and "public_repo" in problem


def test_an_archived_repository_is_an_access_problem(github: FakeGitHub) -> None:
    github.add_repository("conda", "old", archived=True)

    (problem,) = client(github).access_problems(Repository("conda", "old"))

    assert "archived" in problem


def test_github_failing_during_the_check_is_said_as_retryable(github: FakeGitHub) -> None:
    github.fail("GET", "/repos/conda/governance", 503)

    (problem,) = client(github).access_problems(REPO)

    assert "retried later" in problem


# --- the token --------------------------------------------------------------------------------


def test_the_token_file_is_read_and_stripped(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(f"  {TOKEN}\n", encoding="utf-8")

    assert read_token(token_file, {"MEETBOT_GITHUB_TOKEN": "ghp_FromEnv"}) == TOKEN


def test_without_a_token_file_the_environment_gives_the_token() -> None:
    assert read_token(None, {"MEETBOT_GITHUB_TOKEN": " ghp_FromEnv\n"}) == "ghp_FromEnv"


@pytest.mark.parametrize("environ", [{}, {"MEETBOT_GITHUB_TOKEN": "  "}])
def test_without_a_token_file_or_environment_there_is_no_token(environ: dict[str, str]) -> None:
    assert read_token(None, environ) is None


def test_a_missing_token_file_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nope"

    problem = problem_of(lambda: read_token(missing, {"MEETBOT_GITHUB_TOKEN": "ghp_FromEnv"}))

    assert (
        problem.first_line == f"cannot read github_token_file {missing}: No such file or directory"
    )
    assert not problem.retryable


def test_an_empty_token_file_is_a_problem(tmp_path: Path) -> None:
    empty = tmp_path / "token"
    empty.write_text("\n", encoding="utf-8")

    assert problem_of(lambda: read_token(empty, {})).first_line == (
        f"github_token_file {empty} is empty"
    )


def test_a_token_file_holding_more_than_a_token_is_a_problem_that_shows_none_of_it(
    tmp_path: Path,
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(f"GITHUB_TOKEN={TOKEN}\nother line\n", encoding="utf-8")

    problem = problem_of(lambda: read_token(token_file, {}))

    assert problem.first_line == f"github_token_file {token_file} holds more than a token"
    assert TOKEN not in str(problem)


def test_an_unreadable_token_file_is_a_problem(tmp_path: Path) -> None:
    directory = tmp_path / "token"
    directory.mkdir()

    problem = problem_of(lambda: read_token(directory, {}))

    assert problem.first_line.startswith(f"cannot read github_token_file {directory}: ")


# --- the fake itself, where the client does not show it ---------------------------------------


def raw_get(github: FakeGitHub, path: str, token: str | None) -> tuple[int, object]:
    request = urllib.request.Request(github.url + path)
    request.add_header("User-Agent", "test")
    request.add_header("Accept", "application/vnd.github+json")
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_fake_ignores_a_head_filter_without_its_owner_as_github_does(
    github: FakeGitHub,
) -> None:
    github.add_pull_request("conda", "governance", head=BRANCH, base="main")
    github.add_pull_request("conda", "governance", head="other", base="main")

    status, bare = raw_get(github, f"{PULLS}?head={BRANCH}", TOKEN)
    _, labelled = raw_get(github, f"{PULLS}?head=conda:{BRANCH}", TOKEN)

    assert status == 200
    assert [p["head"]["ref"] for p in bare] == ["other", BRANCH]  # type: ignore[union-attr]
    assert [p["number"] for p in labelled] == [1]  # type: ignore[union-attr]


def test_the_fake_asks_for_authentication_as_github_does(github: FakeGitHub) -> None:
    assert raw_get(github, "/repos/conda/governance", None) == (
        401,
        {
            "message": "Requires authentication",
            "documentation_url": "https://docs.github.com/rest",
            "status": "401",
        },
    )
    status, pull = raw_get(github, f"{PULLS}/1", TOKEN)
    assert (status, pull["message"]) == (404, "Not Found")  # type: ignore[index]

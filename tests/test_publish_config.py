"""The botrc's publish keys: what they become (``SeriesConfig.publishing``) and the problem, by
section and key, each mistake produces."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_config import SECRET, example_text, render, valid_sections

from zulip_meetbot.config import (
    DEFAULT_GITHUB_API,
    PUBLISH_DETAILS,
    ConfigError,
    Problem,
    Publishing,
    Settings,
    check_branch_name,
    github_owner_name,
    parse_author,
    parse_settings,
    relative_repository_path,
)

REPO = "git@github.com:conda/governance.git"
COMMUNITY = "series:community"


def with_keys(folder: Path, section: str = COMMUNITY, **keys: str) -> Settings:
    """The valid two-series botrc, with ``keys`` added to ``section``."""
    sections = valid_sections()
    sections[section].update(keys)
    return parse_settings(render(sections), folder / "botrc")


def problems(folder: Path, section: str = COMMUNITY, **keys: str) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        with_keys(folder, section, **keys)
    return list(caught.value.found)


def where(found: list[Problem]) -> set[tuple[str | None, str | None]]:
    return {(problem.section, problem.key) for problem in found}


def publishing_of(settings: Settings, slug: str = "community") -> Publishing | None:
    series = settings.series_by_slug(slug)
    assert series is not None
    return series.publishing


# --- what the keys become -------------------------------------------------------------------


def test_a_series_without_publish_keys_does_not_publish(tmp_path: Path) -> None:
    settings = with_keys(tmp_path)

    assert [s.publishing for s in settings.series] == [None, None]


def test_publish_no_said_outright_does_not_publish(tmp_path: Path) -> None:
    assert publishing_of(with_keys(tmp_path, publish="No")) is None


def test_publish_git_with_only_a_repository_takes_every_default(tmp_path: Path) -> None:
    settings = with_keys(tmp_path, section="series:ecosystem", publish="git", publish_repo=REPO)

    assert publishing_of(settings, "ecosystem") == Publishing(
        repo=REPO,
        path="%Y-%m-%d-ecosystem.md",  # notes_path's default, with the slug
        branch="%Y-%m-%d-meeting-notes",
        base=None,
        pull_request=False,
        github_api=DEFAULT_GITHUB_API,
        token_file=None,
        author=None,
    )


def test_publish_path_defaults_to_the_series_notes_path(tmp_path: Path) -> None:
    publishing = publishing_of(with_keys(tmp_path, publish="GIT", publish_repo=REPO))

    assert publishing is not None
    assert publishing.path == "%Y%m%d_agenda_and_minutes.md"
    assert publishing.path_for(date(2025, 2, 12)) == "20250212_agenda_and_minutes.md"


def test_every_publish_key_is_read(tmp_path: Path) -> None:
    settings = with_keys(
        tmp_path,
        publish="git",
        publish_repo="https://github.com/conda/governance",
        publish_path="./meetings//archive/%Y%m%d-conda-community.md",
        publish_branch="notes/%Y-%m-%d",
        publish_base="main",
        publish_pull_request="GitHub",
        github_api="https://api.github.com/",
        github_token_file="secrets/github-token",
        publish_author="Conda Meetbot <meetbot@example.org>",
    )

    publishing = publishing_of(settings)
    assert publishing == Publishing(
        repo="https://github.com/conda/governance",
        path="./meetings//archive/%Y%m%d-conda-community.md",
        branch="notes/%Y-%m-%d",
        base="main",
        pull_request=True,
        github_api="https://api.github.com",
        token_file=tmp_path / "secrets" / "github-token",
        author=("Conda Meetbot", "meetbot@example.org"),
    )
    assert publishing.path_for(date(2025, 2, 12)) == "meetings/archive/20250212-conda-community.md"
    assert publishing.branch_for(date(2025, 2, 12)) == "notes/2025-02-12"


def test_a_local_repository_path_is_relative_to_the_botrcs_folder(tmp_path: Path) -> None:
    publishing = publishing_of(with_keys(tmp_path, publish="git", publish_repo="../remote.git"))

    assert publishing is not None
    assert publishing.repo == str(tmp_path.parent / "remote.git")


@pytest.mark.parametrize(
    "url",
    [
        "git@github.com:conda/governance.git",
        "ssh://git@example.org:2222/srv/git/notes.git",
        "file:///srv/git/notes.git",
        "example.org:notes.git",
    ],
)
def test_a_repository_url_is_kept_as_written(tmp_path: Path, url: str) -> None:
    publishing = publishing_of(with_keys(tmp_path, publish="git", publish_repo=url))

    assert publishing is not None
    assert publishing.repo == url


def test_a_token_file_that_does_not_exist_yet_is_no_load_error(tmp_path: Path) -> None:
    settings = with_keys(
        tmp_path,
        publish="git",
        publish_repo=REPO,
        publish_pull_request="github",
        github_token_file="~/mounted-later/token",
    )

    publishing = publishing_of(settings)
    assert publishing is not None
    assert publishing.token_file == Path("~/mounted-later/token").expanduser()
    assert not publishing.token_file.exists()


def test_botrc_example_ecosystem_series_publishes_to_condas_archive(tmp_path: Path) -> None:
    head, marker, tail = example_text().partition("# [series:ecosystem]")
    uncommented = re.sub(r"^# ?", "", marker + tail, flags=re.MULTILINE)

    settings = parse_settings(head + uncommented, tmp_path / "botrc")

    assert publishing_of(settings, "ecosystem") == Publishing(
        repo="git@github.com:conda/governance.git",
        path="meetings/archive/%Y%m%d-conda-ecosystem.md",
        branch="%Y-%m-%d-meeting-notes",
        base=None,
        pull_request=True,
        github_api="https://api.github.com",
        token_file=tmp_path / "github-token",
        author=None,
    )
    assert publishing_of(settings, "community") is None


def test_botrc_example_community_publishing_parses_once_uncommented(tmp_path: Path) -> None:
    text = example_text()
    block = text[text.index("# Whether to publish the notes") : text.index("\n\n# A second series")]
    uncommented = "\n".join(
        line.removeprefix("# ") if re.match(r"# (publish|github)\w* =", line) else line
        for line in block.splitlines()
    )

    settings = parse_settings(text.replace(block, uncommented), tmp_path / "botrc")

    publishing = publishing_of(settings)
    assert publishing is not None
    assert publishing.pull_request is True
    assert publishing.path_for(date(2025, 2, 12)) == "meetings/2025-02-12-community.md"
    assert publishing.author == ("Meetbot", "meetbot@example.org")


# --- problems, by section and key -----------------------------------------------------------


def test_publish_git_without_a_repository_is_a_problem_of_publish_repo(tmp_path: Path) -> None:
    found = problems(tmp_path, publish="git")

    assert where(found) == {(COMMUNITY, "publish_repo")}
    assert "missing" in found[0].message


@pytest.mark.parametrize("key", [key.name for key in PUBLISH_DETAILS])
def test_a_publish_key_set_while_publish_is_no_is_a_problem_of_that_key(
    tmp_path: Path, key: str
) -> None:
    values = {
        "publish_repo": REPO,
        "publish_path": "notes/%Y-%m-%d.md",
        "publish_branch": "main",
        "publish_base": "main",
        "publish_pull_request": "github",
        "github_api": "https://api.github.com",
        "github_token_file": "token",
        "publish_author": "Meetbot <meetbot@example.org>",
    }
    found = problems(tmp_path, **{key: values[key]})

    assert where(found) == {(COMMUNITY, key)}
    assert "publish = no" in found[0].message


@pytest.mark.parametrize("key", ["github_api", "github_token_file"])
def test_a_github_key_while_publish_is_no_names_every_key_it_needs_at_once(
    tmp_path: Path, key: str
) -> None:
    value = {"github_api": "https://ghe.example.org/api/v3", "github_token_file": "token"}[key]
    (found,) = problems(tmp_path, **{key: value})

    assert "set publish = git and publish_pull_request = github" in found.message


@pytest.mark.parametrize("key", ["github_api", "github_token_file"])
def test_a_pull_request_key_without_pull_requests_is_a_problem_of_that_key(
    tmp_path: Path, key: str
) -> None:
    value = {"github_api": "https://ghe.example.org/api/v3", "github_token_file": "token"}[key]
    found = problems(tmp_path, publish="git", publish_repo=REPO, **{key: value})

    assert where(found) == {(COMMUNITY, key)}
    assert "publish_pull_request = no" in found[0].message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("publish", "yes"),
        ("publish_pull_request", "gitlab"),
        ("github_api", "api.github.com"),
        ("publish_author", "Meetbot"),
        ("publish_author", "<meetbot@example.org>"),
        ("publish_author", "Meetbot <not an email>"),
        ("publish_repo", ""),
        ("publish_path", ""),
        ("publish_branch", ""),
    ],
)
def test_a_bad_publish_value_is_a_problem_of_its_key(tmp_path: Path, key: str, value: str) -> None:
    keys = {"publish": "git", "publish_repo": REPO, key: value}
    if key in ("github_api",):
        keys["publish_pull_request"] = "github"

    assert where(problems(tmp_path, **keys)) == {(COMMUNITY, key)}


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        ("../%Y-%m-%d.md", "outside the repository"),
        ("meetings/../../%Y.md", "outside the repository"),
        ("/srv/notes/%Y-%m-%d.md", "absolute"),
        ("~/notes/%Y-%m-%d.md", "absolute"),
        (".git/hooks/%Y-%m-%d", ".git"),
        ("archive/.GIT/%Y-%m-%d.md", ".git"),
        ("meetings/%Y-%m-%d/", "folder"),
        ("meetings\\%Y-%m-%d.md", "backslash"),
        ("%Y%m%d%n.md", "control character"),
        ("%Q-%Y.md", "not a strftime directive"),
        ("notes-%Y%", "lone %"),
        ("meetings/%Y.md", "same file"),
        ("latest.md", "same file"),
    ],
)
def test_a_publish_path_outside_the_repository_or_not_rendering_is_refused(
    tmp_path: Path, pattern: str, said: str
) -> None:
    found = problems(tmp_path, publish="git", publish_repo=REPO, publish_path=pattern)

    assert where(found) == {(COMMUNITY, "publish_path")}
    assert said in found[0].message


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        (
            "/srv/notes/%Y-%m-%d.md",
            "'/srv/notes/%Y-%m-%d.md' is absolute: write a path inside the repository, such as "
            "meetings/2025-02-12.md",
        ),
        ("meetings/%Y/", "'meetings/%Y/' names a folder: name the notes file in it"),
        (
            "%Y%m%d%n.md",
            "'20250212\\n.md' holds a control character (a line break or a tab?) "
            "('%Y%m%d%n.md' renders so)",
        ),
    ],
)
def test_a_publish_path_problem_quotes_it_as_written_unless_only_its_rendering_is_wrong(
    tmp_path: Path, pattern: str, said: str
) -> None:
    found = problems(tmp_path, publish="git", publish_repo=REPO, publish_path=pattern)

    assert [p.message for p in found] == [said]


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        ("notes..%Y", "'..'"),
        ("meeting notes %Y-%m-%d", "a space"),
        ("notes~%Y", "~"),
        ("notes^%Y", "^"),
        ("notes:%Y", ":"),
        ("notes?%Y", "?"),
        ("notes*", "*"),
        ("notes[%Y", "["),
        ("notes\\%Y", "\\"),
        ("notes/%Y/", "'/'"),
        ("notes/%Y.lock", ".lock"),
        ("notes/.%Y", "starts with '.'"),
        ("notes.", "ends with '.'"),
        ("-%Y-notes", "'-'"),
        ("notes@{%Y}", "'@{'"),
        ("HEAD", "current commit"),
        ("%c", "a space"),
        ("notes-%Y%", "lone %"),
    ],
)
def test_a_publish_branch_git_refuses_is_a_problem_of_publish_branch(
    tmp_path: Path, pattern: str, said: str
) -> None:
    found = problems(tmp_path, publish="git", publish_repo=REPO, publish_branch=pattern)

    assert where(found) == {(COMMUNITY, "publish_branch")}
    assert said in found[0].message


def test_the_default_branch_itself_may_be_the_publish_branch(tmp_path: Path) -> None:
    publishing = publishing_of(
        with_keys(tmp_path, publish="git", publish_repo=REPO, publish_branch="main")
    )

    assert publishing is not None
    assert publishing.branch_for(date(2025, 2, 12)) == "main"


def test_a_bad_publish_base_is_a_problem_of_publish_base(tmp_path: Path) -> None:
    found = problems(tmp_path, publish="git", publish_repo=REPO, publish_base="main branch")

    assert where(found) == {(COMMUNITY, "publish_base")}


def test_a_pull_request_from_the_base_branch_to_itself_is_refused(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        publish="git",
        publish_repo=REPO,
        publish_branch="main",
        publish_base="main",
        publish_pull_request="github",
    )

    assert where(found) == {(COMMUNITY, "publish_branch")}


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/conda/governance",
        "https://github.com/conda/governance.git",
        "https://github.com/conda/governance/",
        "git@github.com:conda/governance.git",
        "git@github.com:conda/governance",
        "ssh://git@github.com/conda/governance.git",
        "https://GitHub.com/conda/governance.git",
    ],
)
def test_pull_requests_accept_the_urls_github_names(tmp_path: Path, url: str) -> None:
    settings = with_keys(tmp_path, publish="git", publish_repo=url, publish_pull_request="github")

    assert publishing_of(settings) is not None
    assert github_owner_name(url) == ("conda", "governance")


@pytest.mark.parametrize(
    "url",
    [
        "https://gitlab.com/conda/governance.git",
        "git@gitlab.com:conda/governance.git",
        "https://github.com/conda",
        "https://github.com/conda/governance/tree/main",
        "https://github.com.evil.example/conda/governance.git",
        "http://github.com/conda/governance.git",
        "/srv/git/conda/governance.git",
    ],
)
def test_pull_requests_on_githubcom_refuse_a_repository_github_does_not_name(
    tmp_path: Path, url: str
) -> None:
    found = problems(tmp_path, publish="git", publish_repo=url, publish_pull_request="github")

    assert where(found) == {(COMMUNITY, "publish_repo")}
    assert "OWNER/NAME" in found[0].message
    assert github_owner_name(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://ghe.example.org/conda/governance.git",
        "git@ghe.example.org:conda/governance.git",
        "ssh://git@ghe.example.org:2222/conda/governance",
        "file:///tmp/remotes/conda/governance.git",
    ],
)
def test_pull_requests_on_another_api_accept_any_host_with_owner_and_name(
    tmp_path: Path, url: str
) -> None:
    settings = with_keys(
        tmp_path,
        publish="git",
        publish_repo=url,
        publish_pull_request="github",
        github_api="http://127.0.0.1:8123",
    )

    publishing = publishing_of(settings)
    assert publishing is not None
    assert publishing.github_api == "http://127.0.0.1:8123"
    assert github_owner_name(url, any_host=True) == ("conda", "governance")


def test_pull_requests_on_another_api_take_a_local_repository_by_its_last_two_folders(
    tmp_path: Path,
) -> None:
    settings = with_keys(
        tmp_path,
        publish="git",
        publish_repo="remotes/conda/governance.git",
        publish_pull_request="github",
        github_api="http://127.0.0.1:8123/",
    )

    publishing = publishing_of(settings)
    assert publishing is not None
    assert github_owner_name(publishing.repo, any_host=True) == ("conda", "governance")


def test_pull_requests_on_another_api_still_need_an_owner_and_name(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        publish="git",
        publish_repo="git@ghe.example.org:governance.git",
        publish_pull_request="github",
        github_api="https://ghe.example.org/api/v3",
    )

    assert where(found) == {(COMMUNITY, "publish_repo")}


def test_every_publish_problem_of_a_series_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        publish="git",
        publish_path="../%Y.md",
        publish_branch="a b",
        publish_author="nobody",
    )

    assert where(found) == {
        (COMMUNITY, "publish_repo"),
        (COMMUNITY, "publish_path"),
        (COMMUNITY, "publish_branch"),
        (COMMUNITY, "publish_author"),
    }


def test_publish_problems_never_show_the_api_key(tmp_path: Path) -> None:
    found = problems(tmp_path, publish="git", publish_repo=SECRET, publish_pull_request="github")

    assert where(found) == {(COMMUNITY, "publish_repo")}
    assert all(SECRET not in str(problem) for problem in found)


# --- the pure rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rendered", "path"),
    [
        ("notes.md", "notes.md"),
        (
            "meetings/archive/20250212-conda-ecosystem.md",
            "meetings/archive/20250212-conda-ecosystem.md",
        ),
        ("./meetings//2025.md", "meetings/2025.md"),
        ("a/./b.md", "a/b.md"),
        ("...md", "...md"),
        (".github/notes.md", ".github/notes.md"),
        ("notes.git/x.md", "notes.git/x.md"),
    ],
)
def test_relative_repository_path_normalises_a_path_inside_the_repository(
    rendered: str, path: str
) -> None:
    assert relative_repository_path(rendered) == path


@pytest.mark.parametrize(
    "rendered",
    ["", " ", "../x.md", "a/../../x.md", "a/../b.md", "/x.md", "~/x.md", "C:x.md", ".git/x",
     ".git", "a/.Git/x", "a/", ".", "./", "a\\b.md", "a\nb.md", "a\tb.md", "a\x7fb"],
)  # fmt: skip
def test_relative_repository_path_refuses_a_path_outside_or_in_git(rendered: str) -> None:
    with pytest.raises(ValueError, match=r".+"):
        relative_repository_path(rendered)


BRANCH_NAMES = [
    "main", "2025-02-12-meeting-notes", "notes/2025/02", "a.b", "x.lockx", "foo@bar", "é",
    "a..b", "a b", "a~b", "a^b", "a:b", "a?b", "a*b", "a[b", "a\\b", "a\tb", "a\x7fb", "a/",
    "/a", "a//b", "a.", ".a", "a/.b", "a.lock", "a.lock/b", "a@{b", "-x", "HEAD", "",
]  # fmt: skip


@pytest.mark.parametrize("name", BRANCH_NAMES)
def test_check_branch_name_agrees_with_git_check_ref_format(name: str) -> None:
    git = subprocess.run(
        ["git", "check-ref-format", "--branch", name], capture_output=True, check=False
    )
    try:
        check_branch_name(name)
        accepted = True
    except ValueError:
        accepted = False

    assert accepted == (git.returncode == 0)


def test_check_branch_name_refuses_at_alone_which_git_reads_as_head() -> None:
    with pytest.raises(ValueError, match="current commit"):
        check_branch_name("@")


def test_parse_author_reads_name_and_email() -> None:
    assert parse_author("  Conda Meetbot  <meetbot@example.org> ") == (
        "Conda Meetbot",
        "meetbot@example.org",
    )
    for bad in ("Meetbot", "Meetbot <>", "<m@example.org>", "A <b> <c@d>", "Meetbot m@x.org"):
        with pytest.raises(ValueError, match="Name <email>"):
            parse_author(bad)


@settings(max_examples=150, deadline=None)
@given(
    key=st.sampled_from(["publish_path", "publish_branch", "publish_base", "publish_author"]),
    value=st.text(max_size=30),
)
def test_any_publish_value_parses_to_something_publishable_or_names_its_key(
    key: str, value: str
) -> None:
    value = value.replace("\n", " ").replace("\r", " ").strip()
    keys = {"publish": "git", "publish_repo": REPO, key: value}
    sections = valid_sections()
    sections[COMMUNITY].update(keys)
    folder = Path("/tmp/meetbot-properties")
    try:
        parsed = parse_settings(render(sections), folder / "botrc")
    except ConfigError as error:
        assert error.found
        assert all(problem.section == COMMUNITY for problem in error.found)
        assert all("\n" not in str(problem) for problem in error.found)
        return
    publishing = publishing_of(parsed)
    assert publishing is not None
    for day in (date(2025, 2, 12), date(2026, 12, 31)):
        assert not publishing.path_for(day).startswith(("/", "../"))
        assert publishing.branch_for(day)

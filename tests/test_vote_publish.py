"""A closed governance vote's results file published as the notes are: committed to a real
bare repository (on the base branch, or on vote-results-N with a pull request on the test
GitHub), retried with the backoff after a failure and across a restart, told once."""

from __future__ import annotations

from pathlib import Path

import pytest
from githubfake import FakeGitHub
from harness import Harness
from test_publisher import (
    DELAYS,
    TOKEN,
    Zulip,
    bare_repository,
    commits_on,
    file_on,
    publishing_bot,
    reject_pushes,
)
from test_vote_results import NAMES, OPENED, standard_vote_passed

from zulip_meetbot import cli, vote_lifecycle
from zulip_meetbot.domain import publications
from zulip_meetbot.domain.publications import VoteResults
from zulip_meetbot.publish.publisher import FAILED, PUSHED, UNCHANGED, Publisher

RESULTS = "vote-results/2026-12-09-adopt-cep-42-the-conda-package-format-1.md"


def voting_bot(folder: Path, repo: Path, **changes: object) -> Harness:
    folder.mkdir()
    bot = publishing_bot(folder, repo, **changes)
    bot.clock.set(OPENED)
    for user_id, name in NAMES.items():
        bot.person(user_id, name)
    return bot


def closed_vote(bot: Harness, publisher: Publisher) -> Path:
    """A standard vote passed and closed, its results written and wanted published."""
    bot.app.on_vote_closed = vote_lifecycle.results_recorder(bot.app, publisher.want_vote)
    closed = standard_vote_passed(bot)
    bot.app.vote_closed(bot.settings.series[0], closed.number)
    return bot.settings.notes_dir / RESULTS


def test_a_closed_votes_results_file_is_committed_to_the_base_branch_once(
    tmp_path: Path,
) -> None:
    bare = bare_repository(tmp_path)
    bot = voting_bot(tmp_path / "bot", bare)
    publisher = Publisher(bot.app, Zulip(), delays=DELAYS)
    written = closed_vote(bot, publisher)

    (outcome,) = publisher.run_due()

    assert (outcome.status, outcome.branch, outcome.path) == (PUSHED, "main", RESULTS)
    assert commits_on(bare, "main") == [
        "Add results of vote 1: Adopt CEP 42: the conda package format",
        "Start",
    ]
    assert file_on(bare, "main", RESULTS) == written.read_text(encoding="utf-8")
    assert publisher.run_due() == []
    # Wanted again (a restart's hook, a second close call): nothing new is pushed.
    publisher.want_vote(bot.settings.series[0], 1)
    (again,) = publisher.run_due()
    assert again.status == UNCHANGED and len(commits_on(bare, "main")) == 2


def test_a_failed_push_is_retried_after_the_backoff_and_across_a_restart_told_once(
    tmp_path: Path,
) -> None:
    bare = bare_repository(tmp_path)
    bot = voting_bot(tmp_path / "bot", bare)
    zulip = Zulip()
    publisher = Publisher(bot.app, zulip, delays=DELAYS)
    closed_vote(bot, publisher)
    reject_pushes(bare, True)

    waited = []
    for _ in range(3):
        (failed,) = publisher.run_due()
        assert failed.status == FAILED and failed.retryable
        assert failed.next_attempt_at is not None
        waited.append(failed.next_attempt_at - bot.clock.now())
        assert publisher.run_due() == []  # not before the backoff
        bot.clock.advance(waited[-1])
    assert tuple(waited) == DELAYS
    (told,) = zulip.posts  # after the third failure, once, in the vote's topic
    assert told["topic"] == "vote 1: Adopt CEP 42: the conda package format"
    assert "could not be published" in told["content"]

    reject_pushes(bare, False)
    restarted = Publisher(bot.app, zulip, delays=DELAYS)  # a restart: the database remembers
    (outcome,) = restarted.run_due()
    assert outcome.status == PUSHED
    assert commits_on(bare, "main")[0].startswith("Add results of vote 1")
    with bot.store.transaction() as session:
        done = publications.publication(session, VoteResults(1))
    assert done is not None and done.attempts == 0 and done.next_attempt_at is None
    assert len(zulip.posts) == 1


@pytest.fixture
def github(github_server: FakeGitHub) -> FakeGitHub:
    github_server.add_repository("conda", "archive")
    github_server.add_token(TOKEN)
    return github_server


def test_with_pull_requests_the_results_go_on_their_own_branch_with_a_pull_request(
    tmp_path: Path, github: FakeGitHub
) -> None:
    bare = bare_repository(tmp_path / "conda")
    bot = voting_bot(tmp_path / "bot", bare, pull_request=True, github_api=github.url)
    publisher = Publisher(bot.app, Zulip(), delays=DELAYS, environ={"MEETBOT_GITHUB_TOKEN": TOKEN})
    closed_vote(bot, publisher)

    (outcome,) = publisher.run_due()

    assert outcome.status == PUSHED and outcome.branch == "vote-results-1"
    assert outcome.pull_request == (1, "https://github.com/conda/archive/pull/1")
    (pull,) = github.pulls("conda", "archive")
    assert pull["title"] == "Add results of vote 1"
    assert (pull["head"]["ref"], pull["base"]["ref"]) == ("vote-results-1", "main")
    assert RESULTS in pull["body"]
    assert file_on(bare, "vote-results-1", RESULTS).startswith("# Vote 1: Adopt CEP 42")
    assert commits_on(bare, "main") == ["Start"]
    assert publisher.run_due() == []


def test_a_series_that_does_not_publish_still_gets_the_results_file_written(
    tmp_path: Path,
) -> None:
    bot = Harness(tmp_path, now=OPENED)
    for user_id, name in NAMES.items():
        bot.person(user_id, name)
    bot.app.on_vote_closed = vote_lifecycle.results_recorder(bot.app, None)
    closed = standard_vote_passed(bot)
    bot.app.vote_closed(bot.settings.series[0], closed.number)
    assert (bot.settings.notes_dir / RESULTS).is_file()


def test_meetbot_publish_vote_pushes_a_closed_votes_results_file_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = bare_repository(tmp_path)
    bot = voting_bot(tmp_path / "bot", bare)
    written = closed_vote(bot, Publisher(bot.app, Zulip(), delays=DELAYS))  # wanted, not run
    botrc = tmp_path / "bot" / "botrc"
    botrc.write_text(
        botrc.read_text(encoding="utf-8")
        + f"publish = git\npublish_repo = {bare}\npublish_author = Meetbot <meetbot@example.org>\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    bot.store.close()

    status = cli.main(["publish", "community", "--vote", "1", "--config", str(botrc)])

    out, err = capsys.readouterr()
    assert status == 0, err
    assert "published the results of vote 1 of community: commit" in out
    assert file_on(bare, "main", RESULTS) == written.read_text(encoding="utf-8")
    # The file as the bot wrote it, its names as Zulip gave them, not re-rendered without Zulip.
    assert "user 1" not in file_on(bare, "main", RESULTS)
    assert cli.main(["publish", "community", "--vote", "7", "--config", str(botrc)]) == 1
    assert "vote 7 of community has no results file" in capsys.readouterr().err
    assert cli.main(["publish", "community", "--config", str(botrc)]) == 2
    assert "a meeting's DATE or --vote N" in capsys.readouterr().err

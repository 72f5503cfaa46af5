"""A closed governance vote's results file: rendered from the vote (a standard vote passed
with a changed ballot and comments, one resolved by the timeout rules, one without quorum, a
sensitive one without names), and written into notes_dir when the vote closes."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from harness import Harness

from zulip_meetbot import vote_lifecycle
from zulip_meetbot.domain import governance
from zulip_meetbot.domain.record import GovernanceVote
from zulip_meetbot.domain.voting import POLICIES
from zulip_meetbot.vote_results import render_results

OPENED = datetime(2026, 12, 1, 15, 30, tzinfo=timezone.utc)
NAMES = {
    1: "Jaime Rodríguez-Guerra",
    2: "Wolf Vollprecht",
    3: "Katherine Hale",
    4: "Olu Vance",
    5: "Daniel Ching",
    6: "Sam Doe",
    7: "Ana | Pipe",
}


@pytest.fixture
def bot(tmp_path: Path) -> Harness:
    harness = Harness(tmp_path, now=OPENED)
    for user_id, name in NAMES.items():
        harness.person(user_id, name)
    return harness


def open_vote(
    bot: Harness,
    policy: str = "standard",
    text: str = "Adopt CEP 42: the conda package format",
    roster: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7),
    until: date | None = None,
    link: str | None = None,
) -> int:
    with bot.store.transaction() as session:
        vote = governance.open_vote(
            session,
            series_slug="community",
            policy=POLICIES[policy],
            text=text,
            link=link,
            roster_name="steering",
            roster=roster,
            opener_id=1,
            now=bot.clock.now(),
            until=until,
        )
    return vote.number


def cast(bot: Harness, number: int, user_id: int, choice: str, comment: str | None = None) -> None:
    with bot.store.transaction() as session:
        governance.cast(session, number, user_id, choice, comment, bot.clock.now())


def remind(bot: Harness, number: int, ordinal: int) -> None:
    with bot.store.transaction() as session:
        assert governance.claim_reminder(session, number, ordinal, bot.clock.now()) is not None


def close(bot: Harness, number: int) -> GovernanceVote:
    with bot.store.transaction() as session:
        closed = governance.close_if_complete(session, number, bot.clock.now())
    assert closed is not None
    return closed


def standard_vote_passed(bot: Harness) -> GovernanceVote:
    number = open_vote(bot)
    bot.clock.advance(timedelta(hours=2))
    cast(bot, number, 2, "no", "needs more review")
    cast(bot, number, 3, "yes")
    cast(bot, number, 4, "abstain")
    cast(bot, number, 5, "yes", "long overdue")
    bot.clock.advance(timedelta(days=1))
    cast(bot, number, 2, "yes", "convinced by the examples")
    remind(bot, number, 1)
    cast(bot, number, 7, "yes")
    bot.clock.advance(timedelta(days=7))
    return close(bot, number)


def test_a_standard_vote_passed_lists_totals_ballots_changed_comments_and_dates(
    bot: Harness,
) -> None:
    text = render_results(standard_vote_passed(bot), NAMES, "Conda Community Meeting")

    assert text.startswith("# Vote 1: Adopt CEP 42: the conda package format\n")
    assert "**Result: passed.**" in text
    assert "quorum: 5 of 7 ballots" in text and "- Voters: the steering roster, 7 members" in text
    assert "| 4 | 0 | 1 | 5 of 7 | 5 | 71.4% |" in text
    assert "- Wolf Vollprecht: **yes** (changed): convinced by the examples\n" in text
    assert "- Daniel Ching: **yes**: long overdue\n" in text
    assert "- Olu Vance: **abstain**\n" in text
    assert "Did not vote: Jaime Rodríguez-Guerra and Sam Doe." in text
    assert "- Opened by Jaime Rodríguez-Guerra" in text
    assert "| Opened | 2026-12-01 15:30 UTC | 2026-12-01 AoE |" in text
    assert "| Reminder 1 | 2026-12-02 17:30 UTC | 2026-12-02 AoE |" in text
    # The deadline and a close at it are the end of the same AoE day.
    assert "| Deadline | 2026-12-09 12:00 UTC | end of 2026-12-08 AoE |" in text
    assert "| Closed | 2026-12-09 12:00 UTC | end of 2026-12-08 AoE |" in text
    assert text.endswith("AoE |\n") and not text.endswith("\n\n")


def test_a_vote_without_quorum_says_so_and_names_who_did_not_vote(bot: Harness) -> None:
    number = open_vote(bot)
    cast(bot, number, 2, "yes")
    cast(bot, number, 3, "no", "not yet")
    bot.clock.advance(timedelta(days=9))
    text = render_results(close(bot, number), NAMES, "Conda Community Meeting")

    assert "**Result: did not reach quorum.**" in text
    assert "| 1 | 1 | 0 | 2 of 7 | 5 | 28.6% |" in text
    assert "timeout rules" not in text
    assert "Did not vote: Jaime Rodríguez-Guerra, Olu Vance, Daniel Ching, Sam Doe and Ana" in text


def test_a_vote_resolved_by_the_timeout_rules_says_it_resolved_on_the_ballots_cast(
    bot: Harness,
) -> None:
    roster = tuple(range(1, 8)) + tuple(range(20, 33))  # 20 members: quorum 10
    number = open_vote(bot, roster=roster, until=date(2026, 12, 20))
    for user_id in (1, 2, 3, 4, 5, 6):
        cast(bot, number, user_id, "yes" if user_id != 6 else "no")
    bot.clock.advance(timedelta(days=9))
    remind(bot, number, 1)
    bot.clock.advance(timedelta(days=8))
    remind(bot, number, 2)
    bot.clock.advance(timedelta(days=3))
    text = render_results(close(bot, number), NAMES, "Conda Community Meeting")

    assert "**Result: passed, resolved by the timeout rules.**" in text
    assert "by the timeout rules it resolves on the ballots cast" in text
    assert "| 5 | 1 | 0 | 6 of 20 | 10 | 30% |" in text
    assert "| Reminder 2 |" in text and "user 20" in text


def test_a_sensitive_vote_shows_the_call_link_deadline_and_reminders_but_no_names(
    bot: Harness,
) -> None:
    number = open_vote(
        bot,
        policy="nominate",
        text="Nominate Sam to the steering council",
        link="https://vote.heliosvoting.org/e/1",
    )
    bot.clock.advance(timedelta(days=4))
    remind(bot, number, 1)
    bot.clock.advance(timedelta(days=5))
    text = render_results(close(bot, number), NAMES, "Conda Community Meeting")

    assert "held at https://vote.heliosvoting.org/e/1" in text
    assert "| Reminder 1 |" in text and "| Deadline |" in text
    for name in NAMES.values():
        if name != "Jaime Rodríguez-Guerra":  # the opener
            assert name not in text
    assert "Ballots" not in text and "Result" not in text and "Did not vote" not in text


def test_text_typed_into_a_vote_cannot_break_the_file(bot: Harness) -> None:
    number = open_vote(bot, text="# Heading\n| table")
    cast(bot, number, 2, "yes", "- [ ] not a list\n<script>x</script>")
    bot.clock.advance(timedelta(days=9))
    text = render_results(close(bot, number), NAMES, "Conda Community Meeting")

    assert text.startswith("# Vote 1: \\# Heading | table\n")
    assert "\\<script>" in text


def test_the_results_file_is_written_into_notes_dir_when_the_vote_closes_once(
    bot: Harness,
) -> None:
    written: list[int] = []
    recorder = vote_lifecycle.results_recorder(bot.app, lambda series, n: written.append(n))
    bot.app.on_vote_closed = recorder
    closed = standard_vote_passed(bot)
    series = bot.settings.series[0]
    bot.app.vote_closed(series, closed.number)

    path = (
        bot.settings.notes_dir
        / "vote-results/2026-12-09-adopt-cep-42-the-conda-package-format-1.md"
    )
    assert path.read_text(encoding="utf-8") == render_results(
        closed, NAMES, "Conda Community Meeting"
    )
    modified = path.stat().st_mtime_ns
    bot.app.vote_closed(series, closed.number)  # again: the same file, left alone
    assert path.stat().st_mtime_ns == modified
    assert written == [1, 1]


def test_a_cancelled_vote_gets_no_results_file(bot: Harness) -> None:
    number = open_vote(bot)
    with bot.store.transaction() as session:
        governance.cancel(session, number, 1, bot.clock.now())
    series = bot.settings.series[0]

    assert vote_lifecycle.write_results(bot.app, series, number) is None
    assert not (bot.settings.notes_dir / "vote-results").exists()


DEFAULT_RESULTS = "vote-results/%Y-%m-%d-{slug}-{number}.md"


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        (
            "../results/%Y-{number}.md",
            "'../results/%Y-{number}.md' is outside notes_dir (it climbs out with ..)",
        ),
        (
            "/srv/results/{number}.md",
            "'/srv/results/{number}.md' is absolute: write a path inside notes_dir, such as "
            f"{DEFAULT_RESULTS}",
        ),
        (
            "results/%Y-%m-%d-{slug}.md",
            "'results/%Y-%m-%d-{slug}.md' lacks {number}, so each vote's results file would "
            f"replace the last's: add the vote's number, as in {DEFAULT_RESULTS}",
        ),
        (
            "results/%Q-{number}.md",
            "'%Q' in 'results/%Q-{number}.md' is not a strftime directive (%Y is the year, %m "
            "the month, %d the day; write %% for a literal %)",
        ),
        (
            "results/{number}/",
            "'results/{number}/' names a folder: name the results file in it",
        ),
        (
            "votes/{number}-{nmber}.md",
            "'votes/{number}-{nmber}.md' holds the unknown placeholder {nmber} (only {slug} and "
            "{number} are replaced)",
        ),
        (
            "",
            f"empty: name the results file, such as {DEFAULT_RESULTS}, or leave the key out",
        ),
    ],
    ids=["climbs-out", "absolute", "no-number", "bad-directive", "folder", "typo", "empty"],
)
def test_a_bad_vote_results_path_is_a_problem_quoting_it_as_written(
    tmp_path: Path, pattern: str, said: str
) -> None:
    from test_publish_config import COMMUNITY, problems, where

    found = problems(tmp_path, vote_results_path=pattern)

    assert where(found) == {(COMMUNITY, "vote_results_path")}
    assert [p.message for p in found] == [said]


@pytest.mark.parametrize(
    ("pattern", "first"),
    [
        ("../votes/{slug}.md", "'../votes/{slug}.md' is outside notes_dir"),
        ("/abs/{slug}.md", "'/abs/{slug}.md' is absolute"),
        ("votes/{slug}-{nmber}.md", "'votes/{slug}-{nmber}.md' holds the unknown placeholder"),
    ],
    ids=["climbs-out", "absolute", "typo"],
)
def test_a_vote_results_path_with_two_problems_reports_the_one_that_matters_first(
    tmp_path: Path, pattern: str, first: str
) -> None:
    from test_publish_config import problems

    (found,) = problems(tmp_path, vote_results_path=pattern)  # each lacks {number} as well

    assert found.message.startswith(first)


def test_vote_results_path_is_read_and_defaults_to_the_vote_results_folder(tmp_path: Path) -> None:
    from test_publish_config import with_keys

    default = with_keys(tmp_path).series_by_slug("community")
    chosen = with_keys(tmp_path, vote_results_path="governance/{number}-{slug}.md")
    series = chosen.series_by_slug("community")

    assert default is not None and default.vote_results_path == (
        "vote-results/%Y-%m-%d-{slug}-{number}.md"
    )
    assert series is not None and series.vote_results_path == "governance/{number}-{slug}.md"

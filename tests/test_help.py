"""`help` and `help VERB` come from one table (commands.USAGE), which README's commands table
must agree with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness import Harness

from zulip_meetbot.commands import USAGE, VERBS, Help, UsageError, parse_command
from zulip_meetbot.views import help_verb

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    harness = Harness(tmp_path_factory.mktemp("help"))
    harness.handler._flood.per_minute = 10**9  # one person asks for help on every verb
    return harness


def readme_command_forms() -> set[str]:
    """The backticked forms in the first column of README's commands table (the section's
    first table: the `meetbot` subcommands have a table of their own)."""
    section = README.read_text(encoding="utf-8").split("\n## Commands\n", 1)[1]
    table = section[section.index("\n|") :].split("\n\n", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {form for row in rows for form in re.findall(r"`([^`]+)`", row.split(" | ")[0])}


def test_readme_commands_table_lists_exactly_the_forms_help_knows() -> None:
    known = {form for usage in USAGE for form in usage.forms}
    assert readme_command_forms() == known


@pytest.mark.parametrize("usage", USAGE, ids=lambda usage: usage.name)
def test_help_on_every_verb_and_sub_verb_gives_forms_example_who_and_what_it_changes(
    bot: Harness, usage: object
) -> None:
    wolf = bot.person(2, "Wolf Vollprecht")
    name = usage.name  # type: ignore[attr-defined]
    text = bot.say(wolf, f"help {name}")
    for form in usage.forms:  # type: ignore[attr-defined]
        assert f"`{form}`" in text
    assert f"Example: `{usage.example}`" in text  # type: ignore[attr-defined]
    assert f"Who: {usage.who}." in text  # type: ignore[attr-defined]
    assert usage.does in text  # type: ignore[attr-defined]
    assert text.startswith(f"**{name}**:")


@pytest.mark.parametrize(
    ("topic", "names"),
    [
        ("defer", ["agenda defer"]),
        ("done", ["agenda done", "action done"]),
        ("add", ["agenda add"]),
        ("agenda defer", ["agenda defer"]),
        ("reopen", ["action reopen"]),
        ("AGENDA   Defer", ["agenda defer"]),
        ("initials", ["profile initials"]),
        ("profile initials", ["profile initials"]),
        ("github", ["profile github"]),
    ],
)
def test_help_finds_a_sub_verb_by_its_own_name(topic: str, names: list[str]) -> None:
    command = parse_command(f"help {topic}")
    assert isinstance(command, Help) and command.verb is not None
    text = help_verb(command.verb)
    assert re.findall(r"^\*\*([a-z ]+)\*\*:", text, re.MULTILINE) == names


def test_help_on_a_verb_explains_each_of_its_sub_verbs(bot: Harness) -> None:
    text = bot.say(bot.person(2, "Wolf Vollprecht"), "help action")
    assert re.findall(r"^\*\*([a-z ]+)\*\*:", text, re.MULTILINE) == [
        "action",
        "action done",
        "action reopen",
        "action edit",
        "action remove",
    ]


def test_help_for_start_names_its_dated_and_early_forms(bot: Harness) -> None:
    text = bot.say(bot.person(2, "Wolf Vollprecht"), "help start")
    assert "`start`, `start now`, `start YYYY-MM-DD`" in text
    assert "More than 12 hours before the meeting a plain `start` is refused" in text


def test_help_lists_every_verb_with_its_sub_verbs(bot: Harness) -> None:
    text = bot.say(bot.person(2, "Wolf Vollprecht"), "help")
    for verb in VERBS:
        assert f"- `{verb}" in text
    assert "`agenda` (also `add`, `sub`, `edit`, `remove`, `move`, `done`, `defer`, `time`)" in text
    assert "`note TEXT` (also `edit`, `remove`)" in text


@pytest.mark.parametrize(
    ("topic", "problem"),
    [
        ("nothing", "I have no help on `nothing`."),
        ("dfer", "I have no help on `dfer`. Did you mean `defer`?"),
        ("agenda frob", "I have no help on `agenda frob`."),
    ],
)
def test_help_on_something_unknown_says_so_and_suggests(topic: str, problem: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_command(f"help {topic}")
    assert str(error.value).startswith(problem)


def test_a_usage_error_lists_the_verbs_forms_and_points_to_help() -> None:
    with pytest.raises(UsageError) as error:
        parse_command("note edit 2")
    text = str(error.value)
    assert "`note edit N TEXT`" in text and "`note remove N`" in text
    assert "`help note` explains each" in text


def test_the_overview_never_says_a_verb_with_sub_verbs_changes_nothing(bot: Harness) -> None:
    text = bot.say(bot.person(2, "Wolf Vollprecht"), "help")
    for line in text.splitlines():
        if "(also " in line:
            assert "changes nothing" not in line, line
    assert "- `next`: says when and where the next meeting" in text and "changes nothing" in text


@pytest.mark.parametrize(
    ("topic", "problem"),
    [
        (
            "agenda frob",
            "I have no help on `agenda frob`. `agenda` has add, sub, edit, remove, move, done, "
            "defer, time: `help agenda` explains each.",
        ),
        (
            "note frob",
            "I have no help on `note frob`. `note` has edit, remove: `help note` explains each.",
        ),
        ("agenda dfer", "I have no help on `agenda dfer`. Did you mean `agenda defer`?"),
    ],
)
def test_help_on_an_unknown_sub_verb_suggests_only_a_close_one_else_lists_them(
    topic: str, problem: str
) -> None:
    with pytest.raises(UsageError) as error:
        parse_command(f"help {topic}")
    assert str(error.value) == problem

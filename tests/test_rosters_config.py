"""The botrc's side of governance votes: [roster:NAME] sections, a series' votes, [policies]."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from test_config import render, valid_sections

from zulip_meetbot.config import ConfigError, Problem, Settings, parse_settings, read_members_csv
from zulip_meetbot.domain.voting import POLICIES, parse_policy

# conda's steering.csv as its governance repository keeps it (names and addresses made up).
STEERING_CSV = """\
github_username,email,name,funder,pronouns
jezdez,jannis@example.org,Jannis Leidel,Anaconda,he/him
kenodegard,ken@example.org,Ken Odegard,Anaconda,he/him
jaimergp,jaime@example.org,Jaime Rodríguez-Guerra,Quansight,he/him
beeankha,bianca@example.org,Bianca Henderson,Anaconda,she/her
msarahan,michael@example.org,"Sarahan, Michael",Prefix,he/him
"""


def with_sections(**extra: dict[str, str]) -> str:
    """The valid botrc of test_config with ``extra`` sections (``roster_x`` is [roster:x])."""
    sections = valid_sections()
    for name, keys in extra.items():
        sections[name.replace("_", ":", 1) if name.startswith("roster_") else name] = keys
    return render(sections)


def settings_of(text: str, folder: Path) -> Settings:
    return parse_settings(text, folder / "botrc")


def found_problems(text: str, folder: Path) -> tuple[Problem, ...]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, folder / "botrc")
    return caught.value.found


def where(problems: tuple[Problem, ...]) -> list[tuple[str | None, str | None]]:
    return [(p.section, p.key) for p in problems]


# --- each form of roster ------------------------------------------------------------------


def test_a_roster_of_members_holds_ids_as_numbers_and_emails_as_written(tmp_path: Path) -> None:
    text = with_sections(roster_steering={"members": "12, Jane@Example.org\n  31"})
    (roster,) = settings_of(text, tmp_path).rosters
    assert roster.name == "steering"
    assert roster.members == (12, "Jane@Example.org", 31)
    assert roster.members_csv is None
    assert roster.zulip_group is None


def test_a_roster_csv_shaped_as_condas_steering_csv_is_read_at_load(tmp_path: Path) -> None:
    (tmp_path / "governance").mkdir()
    (tmp_path / "governance" / "steering.csv").write_text(STEERING_CSV, encoding="utf-8")
    text = with_sections(roster_steering={"members_csv": "governance/steering.csv"})
    settings = settings_of(text, tmp_path)
    roster = settings.roster_by_name("steering")
    assert roster is not None
    assert roster.members_csv == tmp_path / "governance" / "steering.csv"
    assert roster.members == (
        "jannis@example.org",
        "ken@example.org",
        "jaime@example.org",
        "bianca@example.org",
        "michael@example.org",
    )


def test_a_zulip_user_id_column_is_used_where_a_row_fills_it(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("email,zulip_user_id,name\na@example.org,17,A\nb@example.org,,B\n")
    assert read_members_csv(path) == (17, "b@example.org")


def test_a_roster_of_a_zulip_group_keeps_its_name_and_no_members(tmp_path: Path) -> None:
    text = with_sections(roster_core={"zulip_group": "Steering council"})
    (roster,) = settings_of(text, tmp_path).rosters
    assert (roster.name, roster.zulip_group, roster.members) == ("core", "Steering council", ())


def test_a_series_names_the_roster_that_votes_in_its_stream(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["roster:steering"] = {"members": "1, 2, 3"}
    sections["series:community"]["votes"] = "steering"
    settings = settings_of(render(sections), tmp_path)
    community = settings.series_by_slug("community")
    ecosystem = settings.series_by_slug("ecosystem")
    assert community is not None and ecosystem is not None
    assert community.votes == "steering"
    assert ecosystem.votes is None


# --- problems, each with its section and key ----------------------------------------------


def test_votes_naming_no_roster_section_is_a_problem_of_that_key(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["roster:steering"] = {"members": "1"}
    sections["series:community"]["votes"] = "stearing"
    (problem,) = found_problems(render(sections), tmp_path)
    assert (problem.section, problem.key) == ("series:community", "votes")
    assert problem.message == (
        "there is no [roster:stearing] section to say who votes (rosters: steering)"
    )


def test_an_empty_votes_is_a_problem_of_that_key_even_beside_a_roster(tmp_path: Path) -> None:
    sections = valid_sections()
    sections["roster:steering"] = {"members": "1"}
    sections["series:community"]["votes"] = ""
    (problem,) = found_problems(render(sections), tmp_path)
    assert str(problem) == (
        "[series:community] votes: empty: name a [roster:NAME] section, or leave the key out"
    )


def test_a_roster_needs_exactly_one_source(tmp_path: Path) -> None:
    both = with_sections(roster_a={"members": "1", "zulip_group": "core"}, roster_b={})
    problems = found_problems(both, tmp_path)
    assert [str(p) for p in problems] == [
        "[roster:a]: needs exactly one of members, members_csv or zulip_group to say who votes, "
        "got members and zulip_group",
        "[roster:b]: needs exactly one of members, members_csv or zulip_group to say who votes, "
        "got none",
    ]


def test_bad_members_are_each_named(tmp_path: Path) -> None:
    text = with_sections(roster_a={"members": "1, jane, 1, x@y.org, bob@, @example.org,"})
    problems = found_problems(text, tmp_path)
    assert where(problems) == [("roster:a", "members")] * 4
    assert [p.message for p in problems] == [
        "'jane' is neither an email nor a numeric user id",
        "'1' is listed twice",
        "'bob@' is neither an email nor a numeric user id",
        "'@example.org' is neither an email nor a numeric user id",
    ]


def test_a_roster_name_must_be_a_slug(tmp_path: Path) -> None:
    (problem,) = found_problems(with_sections(roster_Steering={"members": "1"}), tmp_path)
    assert (problem.section, problem.key) == ("roster:Steering", None)


def test_an_unknown_roster_key_is_named_with_a_hint(tmp_path: Path) -> None:
    text = with_sections(roster_a={"members": "1", "member_csv": "x.csv"})
    (problem,) = found_problems(text, tmp_path)
    assert str(problem) == "[roster:a] member_csv: unknown key (did you mean 'members_csv'?)"


def test_a_missing_csv_file_is_a_problem_of_members_csv(tmp_path: Path) -> None:
    (problem,) = found_problems(with_sections(roster_a={"members_csv": "steering.csv"}), tmp_path)
    assert (problem.section, problem.key) == ("roster:a", "members_csv")
    assert problem.message == f"file not found: {tmp_path / 'steering.csv'}"


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        (
            "github_username,name\njezdez,Jannis\n",
            [
                "{file} has no email column (its header: github_username, name); members are "
                "matched to Zulip users by email, or by a zulip_user_id column"
            ],
        ),
        ("", ["{file} is empty: expected a header line naming an email column"]),
        ("email,name\n", ["{file} lists nobody: a roster needs at least one member"]),
        (
            STEERING_CSV + ",,,,\nshort,row\n" + "dupe,JANNIS@example.org,J,A,he\n",
            [
                "steering.csv line 7: an empty row",
                "steering.csv line 8: 2 fields, but the header has 5",
                "steering.csv line 9: JANNIS@example.org is on line 2 already",
            ],
        ),
        (
            "email,zulip_user_id\nnot-an-email,\n,abc\nbob@,\n",
            [
                "steering.csv line 2: an email or a zulip_user_id is needed, got 'not-an-email'",
                "steering.csv line 3: zulip_user_id 'abc' is not a number",
                "steering.csv line 4: an email or a zulip_user_id is needed, got 'bob@'",
            ],
        ),
    ],
    ids=["no-email-column", "empty-file", "no-rows", "bad-rows", "bad-ids"],
)
def test_a_malformed_csv_file_is_a_problem_naming_each_line(
    tmp_path: Path, content: str, messages: list[str]
) -> None:
    path = tmp_path / "steering.csv"
    path.write_text(content, encoding="utf-8")
    problems = found_problems(with_sections(roster_a={"members_csv": "steering.csv"}), tmp_path)
    assert where(problems) == [("roster:a", "members_csv")] * len(messages)
    assert [p.message for p in problems] == [m.format(file=path) for m in messages]


def test_an_empty_members_csv_is_a_problem_of_that_key(tmp_path: Path) -> None:
    (problem,) = found_problems(with_sections(roster_a={"members_csv": ""}), tmp_path)
    assert str(problem) == "[roster:a] members_csv: empty: name the CSV file of the voters"


def test_a_zulip_group_name_longer_than_zulip_allows_is_a_problem(tmp_path: Path) -> None:
    (problem,) = found_problems(with_sections(roster_a={"zulip_group": "g" * 101}), tmp_path)
    assert (problem.section, problem.key) == ("roster:a", "zulip_group")


# --- [policies] -----------------------------------------------------------------------------


def test_without_policies_the_shipped_ones_hold(tmp_path: Path) -> None:
    assert settings_of(with_sections(), tmp_path).policies == POLICIES


def test_policies_lines_override_and_add_policies(tmp_path: Path) -> None:
    text = with_sections(
        policies={
            "cep": "2/3 participation, at least 2/3 yes, minimum 10d",
            "release": "more than 50% yes, minimum 3d",
        }
    )
    policies = settings_of(text, tmp_path).policies
    assert policies["cep"] == parse_policy(
        "cep", "2/3 participation, at least 2/3 yes, minimum 10d"
    )
    assert policies["cep"].threshold == Fraction(2, 3)
    assert policies["release"].participation == Fraction(1, 2)
    assert policies["standard"] == POLICIES["standard"]
    assert set(policies) == {*POLICIES, "release"}


def test_a_bad_policies_line_is_a_problem_naming_policies_and_the_key(tmp_path: Path) -> None:
    text = with_sections(policies={"cep": "60% participation", "quick": "50% yes, minimum 1x"})
    problems = found_problems(text, tmp_path)
    assert where(problems) == [("policies", "cep"), ("policies", "quick")]
    assert str(problems[0]) == (
        "[policies] cep: '60% participation': says no yes share (e.g. 'cep = 60% participation, "
        "at least 60% yes, minimum 7d')"
    )

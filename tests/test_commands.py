"""Parsing message text into commands: pure, so tested exhaustively and fast."""

from __future__ import annotations

import pytest

from zulip_meetbot.commands import (
    MAX_TEXT,
    AddItem,
    AddNote,
    AddSubItem,
    CompleteAction,
    CurrentItem,
    DeferItem,
    EditItem,
    EditMinute,
    EndMeeting,
    Help,
    MarkDone,
    MarkHere,
    MoveItem,
    RecordAction,
    RecordDecision,
    RemoveItem,
    RemoveMinute,
    ReopenAction,
    SetProfile,
    ShowAgenda,
    ShowProfile,
    StartMeeting,
    Undo,
    UsageError,
    clean_text,
    parse_command,
    parse_request,
)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("help", Help()),
        ("", Help()),
        ("help agenda", Help("agenda")),
        ("agenda", ShowAgenda()),
        ("AGENDA list", ShowAgenda()),
        ("agenda add Announce GSOC ideas", AddItem("Announce GSOC ideas")),
        ("agenda add Announcements: release", AddItem("Announcements: release")),
        ("agenda add line one\nline two", AddItem("line one\nline two")),
        ("agenda sub 1 child", AddSubItem("1", "child")),
        ("agenda sub #1.2 grandchild", AddSubItem("1.2", "grandchild")),
        ("agenda edit 3 new words", EditItem("3", "new words")),
        ("agenda remove 2", RemoveItem("2")),
        ("agenda rm 2.01", RemoveItem("2.1")),
        ("agenda move 4 1", MoveItem("4", 1)),
        ("agenda done 1.1", MarkDone("1.1")),
        ("start", StartMeeting()),
        ("end", EndMeeting()),
        ("here", MarkHere()),
        ("note 2 we agreed", AddNote("2", "we agreed")),
        ("note we agreed", AddNote(None, "we agreed")),
        ("note 2", AddNote(None, "2")),
        ("item 1.2", CurrentItem("1.2")),
        ("agreed Ship it on Friday", RecordDecision("Ship it on Friday")),
        ("action @**Jaime** writes the CEP", RecordAction("@**Jaime** writes the CEP")),
        ("action done #3", CompleteAction(3)),
        ("undo", Undo()),
        ("agenda defer 2", DeferItem("2")),
        ("here Sam Doe", MarkHere("Sam Doe")),
        ("profile", ShowProfile()),
        ("profile initials jjh", SetProfile("initials", "JJH")),
        ("profile affiliation Quansight/SC", SetProfile("affiliation", "Quansight/SC")),
        ("profile github @jaimergp", SetProfile("github", "jaimergp")),
    ],
)
def test_commands_parse_to_values(text: str, command: object) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("frobnicate", "I don't know the command `frobnicate`"),
        ("agend", "Did you mean `agenda`?"),
        ("agenda add", "there is no text to record"),
        ("agenda add    ", "there is no text to record"),
        ("agenda sub x text", "I expected an item number such as 2 or 2.1, not `x`"),
        ("agenda sub 1", "there is no text to record"),
        ("agenda remove", "`agenda remove` needs an item number"),
        ("agenda remove 1 2", "only an item number is expected"),
        ("agenda move 1", "needs a position"),
        ("agenda move 1 0", "needs a position"),
        ("agenda frob 1", "`agenda` has no `frob`"),
        ("agenda extra words", "`agenda` has no `extra`"),
        ("note", "there is no text to record"),
        ("item", "`item` needs an item number"),
        ("item two", "I expected an item number"),
        ("agreed", "there is no text to record"),
        ("action", "there is no text to record"),
        ("action done x", "needs the action's number"),
        ("undo please", "`undo` takes no text after it"),
        ("agenda defer", "`agenda defer` needs an item number"),
        ("start tomorrow", "I expected a date like 2025-02-26, not `tomorrow`"),
        ("profile initials J.R.G.", "initials are 1 to 10 letters or digits"),
        ("profile github not/a/name", "is not a GitHub username"),
        ("profile shoe 42", "`profile` has no `shoe`"),
        ("profile affiliation", "needs a value"),
        ("help nothing", "I have no help on `nothing`"),
    ],
)
def test_malformed_commands_raise_usage_errors_that_say_why(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_command(text)
    assert problem in str(error.value)


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("agenda done", "`agenda done` needs an item number, such as 2 or 2.1."),
        ("agenda sub", "`agenda sub` needs an item number, such as 2 or 2.1."),
        ("agenda move", "`agenda move` needs an item number, such as 2 or 2.1."),
    ],
)
def test_a_missing_item_number_names_the_command_that_needs_it(text: str, reply: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_command(text)
    assert error.value.problem == reply


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("action done 99999999999999999999999", "there is no action 99999999999999999999999."),
        ("action reopen #1234567", "there is no action #1234567."),
        ("note edit 12345678 better text", "there is no note 12345678."),
        ("agenda done 12345", "there is no item 12345."),
        ("agenda remove 1.123456", "there is no item 1.123456."),
    ],
)
def test_a_number_too_large_is_said_to_name_nothing(text: str, reply: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_command(text)
    assert error.value.problem == reply


def test_agenda_move_to_position_zero_says_positions_start_at_one() -> None:
    with pytest.raises(UsageError) as error:
        parse_command("agenda move 1 0")
    assert "positions start at 1 (the top)" in str(error.value)
    assert parse_command("agenda move 1 1") == MoveItem("1", 1)


def test_text_over_the_limit_is_refused_with_its_length() -> None:
    with pytest.raises(UsageError) as error:
        parse_command("agenda add " + "x" * 10_000)
    assert "10,000 characters" in str(error.value)
    assert parse_command("agenda add " + "x" * MAX_TEXT) == AddItem("x" * MAX_TEXT)


def test_slug_prefix_names_the_series() -> None:
    request = parse_request("community: agenda add hello")
    assert request.series_slug == "community"
    assert request.command == AddItem("hello")


def test_a_verb_followed_by_a_colon_is_not_taken_for_a_slug() -> None:
    request = parse_request("note: hello")
    assert request.series_slug is None
    assert request.command == AddNote(None, "hello")


def test_usage_errors_name_the_verbs_usage() -> None:
    with pytest.raises(UsageError) as error:
        parse_command("agenda sub")
    assert "`agenda sub N TEXT`" in str(error.value)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("note edit 2 better words", EditMinute("note", 2, "better words")),
        ("note remove #2", RemoveMinute("note", 2)),
        ("note rm 2", RemoveMinute("note", 2)),
        ("agreed edit 1 Ship on Monday", EditMinute("decision", 1, "Ship on Monday")),
        ("agreed remove 1", RemoveMinute("decision", 1)),
        ("action edit 3 @**Jaime** writes it", EditMinute("action", 3, "@**Jaime** writes it")),
        ("action remove 3", RemoveMinute("action", 3)),
        ("action reopen #3", ReopenAction(3)),
        ("note editorial board", AddNote(None, "editorial board")),  # a word, not `edit`
    ],
)
def test_edit_remove_and_reopen_parse_by_the_records_number(text: str, command: object) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("note edit 2", "there is no text to record"),
        ("note remove 2 3", "`note remove` needs the note's number alone"),
        ("agreed remove 1 please", "`agreed remove` needs the decision's number alone"),
        ("action reopen", "`action reopen` needs the action's number alone"),
        # `edit` or `remove` first is the sub-verb: a typo is never recorded as minutes.
        ("note edit x hello", "`note edit` needs the note's number, as in `note edit N TEXT`"),
        ("note edit", "`note edit` needs the note's number"),
        ("note remove", "`note remove` needs the note's number, as in `note remove N`"),
        ("note remove the old CI job", "For a note that starts with the word “remove”"),
        ("agreed edit x foo", "`agreed edit` needs the decision's number"),
        ("action edit the docs", "For an action that starts with the word “edit”"),
        ("action remove x", "`action remove` needs the action's number"),
    ],
)
def test_malformed_edits_and_removals_say_what_is_missing(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_command(text)
    assert problem in str(error.value)


def test_terminal_escapes_controls_and_bidi_overrides_are_stripped_from_typed_text() -> None:
    typed = "agenda add \x1b[31mred\x1b[0m \u202egnp.exe\u202c \u2066iso\u2069\x07 a\tb\nc\x00"
    assert parse_command(typed) == AddItem("red gnp.exe iso a\tb\nc")
    assert clean_text("\x1b]0;title\x07kept \u200fmark") == "kept \u200fmark"


def test_text_that_is_only_control_characters_is_refused_as_empty() -> None:
    with pytest.raises(UsageError) as error:
        parse_command("note \x1b[1m\u202e\x07")
    assert "there is no text to record" in str(error.value)

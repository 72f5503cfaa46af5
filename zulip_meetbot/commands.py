"""Message text → a ``Command`` value, or a ``UsageError`` carrying the verb's usage. Pure."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from zulip_meetbot.config import parse_duration

MAX_TEXT = 2000
MAX_PROFILE_VALUE = 200
MAX_NEXT = 50

_NUMBER = re.compile(r"#?(\d{1,4}(?:\.\d{1,4}){0,5})")
_SLUG_PREFIX = re.compile(r"([a-z0-9][a-z0-9_-]*):(?:\s+|$)(.*)", re.DOTALL)
_INITIALS = re.compile(r"[A-Za-z0-9]{1,10}")
_GITHUB = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")


@dataclass(frozen=True)
class Help:
    verb: str | None = None


@dataclass(frozen=True)
class ShowAgenda:
    pass


@dataclass(frozen=True)
class AddItem:
    text: str  # may start with "SECTION:"; the series decides whether that names a section


@dataclass(frozen=True)
class AddSubItem:
    parent: str
    text: str


@dataclass(frozen=True)
class EditItem:
    number: str
    text: str


@dataclass(frozen=True)
class RemoveItem:
    number: str


@dataclass(frozen=True)
class MoveItem:
    number: str
    position: int


@dataclass(frozen=True)
class MarkDone:
    number: str


@dataclass(frozen=True)
class StartMeeting:
    day: date | None = None  # confirms the meeting of that date (in the series' zone)
    now: bool = False  # `start now`: confirms the next meeting, however early


@dataclass(frozen=True)
class EndMeeting:
    pass


@dataclass(frozen=True)
class MarkHere:
    name: str | None = None  # a chair marking someone on the call without Zulip


@dataclass(frozen=True)
class AddNote:
    number: str | None  # None: the item under discussion
    text: str


@dataclass(frozen=True)
class CurrentItem:
    number: str


@dataclass(frozen=True)
class RecordDecision:
    text: str


@dataclass(frozen=True)
class RecordAction:
    text: str


@dataclass(frozen=True)
class CompleteAction:
    number: int


@dataclass(frozen=True)
class Undo:
    pass


@dataclass(frozen=True)
class DeferItem:
    number: str


@dataclass(frozen=True)
class ShowProfile:
    pass


@dataclass(frozen=True)
class ShowNext:
    count: int | None = None  # None: just the next meeting


@dataclass(frozen=True)
class SkipMeeting:
    day: date | None = None  # None: the next meeting


@dataclass(frozen=True)
class RescheduleMeeting:
    """Move the next meeting to a wall time in the series' zone, or by a signed shift."""

    to: datetime | None = None  # naive wall time in the series' zone
    shift: timedelta | None = None


@dataclass(frozen=True)
class SetProfile:
    field: str  # "initials", "affiliation" or "github"
    value: str


Command = (
    Help
    | ShowAgenda
    | AddItem
    | AddSubItem
    | EditItem
    | RemoveItem
    | MoveItem
    | MarkDone
    | StartMeeting
    | EndMeeting
    | MarkHere
    | AddNote
    | ShowProfile
    | SetProfile
    | ShowNext
    | SkipMeeting
    | RescheduleMeeting
    | CurrentItem
    | RecordDecision
    | RecordAction
    | CompleteAction
    | Undo
    | DeferItem
)


@dataclass(frozen=True)
class Request:
    """A parsed message: the series named by a ``SLUG:`` prefix, if any, and the command."""

    series_slug: str | None
    command: Command


# verb → (syntax lines, one-line explanation). The order is the order of `help`.
USAGE: dict[str, tuple[tuple[str, ...], str]] = {
    "help": (("help", "help VERB"), "what meetbot understands, or how one verb works"),
    "agenda": (
        (
            "agenda",
            "agenda add TEXT",
            "agenda add SECTION: TEXT",
            "agenda sub N TEXT",
            "agenda edit N TEXT",
            "agenda remove N",
            "agenda move N POSITION",
            "agenda done N",
            "agenda defer N",
        ),
        "show the next meeting's agenda, or change it (N is an item number such as 2 or 2.1)",
    ),
    "next": (("next", "next K"), "when and where the next meeting (or the next K, up to 50) is"),
    "start": (
        ("start", "start YYYY-MM-DD", "start now"),
        "chairs: begin the next meeting now and post the attendance message (long before its "
        "time, name its date or say `start now`)",
    ),
    "here": (
        ("here", "here NAME"),
        "mark yourself present (chairs: someone on the call without Zulip)",
    ),
    "item": (("item N",), "chairs: discuss item N now (the previous one is ticked)"),
    "note": (
        ("note TEXT", "note N TEXT"),
        "a discussion note under the current item (or item N), credited to you",
    ),
    "agreed": (("agreed TEXT",), "record a decision under the current item"),
    "action": (
        ("action TEXT", "action done N"),
        "record an action item (its owners are the people you @-mention), or close one",
    ),
    "undo": (("undo",), "remove your own last note, decision or action item"),
    "end": (("end",), "chairs: end the meeting, write the notes file and post a summary"),
    "skip": (
        ("skip", "skip YYYY-MM-DD"),
        "chairs: cancel the next meeting, or the one on a date; its agenda moves to the next",
    ),
    "reschedule": (
        ("reschedule YYYY-MM-DD HH:MM", "reschedule +1d", "reschedule -30m"),
        "chairs: move the next meeting to a time in the series' zone, or by a shift",
    ),
    "profile": (
        (
            "profile",
            "profile initials X",
            "profile affiliation X",
            "profile github X",
        ),
        "show or set your row in the attendees table",
    ),
}

_AGENDA_SUBVERBS = ("add", "sub", "edit", "remove", "move", "done", "defer")
_SUBVERB_ALIASES = {"rm": "remove", "delete": "remove", "del": "remove", "tick": "done"}
_PROFILE_FIELDS = ("initials", "affiliation", "github")


class UsageError(Exception):
    """The text is not a command meetbot understands; ``str(error)`` says why and how."""

    def __init__(self, problem: str, verb: str | None = None) -> None:
        self.problem = problem
        self.verb = verb
        super().__init__(problem + ("\n\n" + usage_of(verb) if verb else ""))


def usage_of(verb: str) -> str:
    """The usage block of one verb, as Zulip markdown."""
    syntax, explanation = USAGE[verb]
    lines = "\n".join(f"`{line}`" for line in syntax)
    return f"**{verb}**: {explanation}.\n{lines}"


def parse_request(text: str, max_text: int = MAX_TEXT) -> Request:
    """Parse a message addressed to the bot (its mention already removed)."""
    text = text.strip()
    slug = None
    match = _SLUG_PREFIX.fullmatch(text)
    if match and match.group(1) not in USAGE:
        slug, text = match.group(1), match.group(2).strip()
    return Request(series_slug=slug, command=parse_command(text, max_text))


def parse_command(text: str, max_text: int = MAX_TEXT) -> Command:
    """Parse the command text itself; raises ``UsageError``."""
    verb, rest = _split_word(text.strip())
    verb = verb.lower().rstrip(":")
    if verb in ("", "help", "?"):
        word, _ = _split_word(rest)
        if not word:
            return Help()
        if word.lower() not in USAGE:
            raise UsageError(f"I have no help on `{_short(word)}`.{_suggest(word.lower())}")
        return Help(word.lower())
    if verb == "agenda":
        return _parse_agenda(rest, max_text)
    if verb == "start":
        return _parse_start(rest)
    if verb == "end":
        return _no_arguments(rest, "end", EndMeeting())
    if verb == "here":
        name = " ".join(rest.split())
        if len(name) > MAX_PROFILE_VALUE:
            raise UsageError(f"That name is longer than {MAX_PROFILE_VALUE} characters.", "here")
        return MarkHere(name or None)
    if verb == "note":
        first, after = _split_word(rest)
        if _NUMBER.fullmatch(first) and after.strip():
            number, note = _number_then_text(rest, "note", max_text)
            return AddNote(number, note)
        return AddNote(None, _text(rest, "note", max_text))
    if verb == "item":
        return CurrentItem(_only_number(rest, "item"))
    if verb in ("agreed", "agree", "decision"):
        return RecordDecision(_text(rest, "agreed", max_text))
    if verb == "action":
        first, after = _split_word(rest)
        if first.lower() == "done":
            word = after.strip().lstrip("#")
            if not re.fullmatch(r"\d{1,6}", word):
                raise UsageError("`action done` needs the action's number, such as 3.", "action")
            return CompleteAction(int(word))
        return RecordAction(_text(rest, "action", max_text))
    if verb == "undo":
        return _no_arguments(rest, "undo", Undo())
    if verb == "profile":
        return _parse_profile(rest)
    if verb == "next":
        return _parse_next(rest)
    if verb == "skip":
        return SkipMeeting(_parse_date(rest, "skip") if rest.strip() else None)
    if verb == "reschedule":
        return _parse_reschedule(rest)
    raise UsageError(
        f"I don't know the command `{_short(verb)}`.{_suggest(verb)} Say `help` for the list."
    )


def _parse_agenda(rest: str, max_text: int) -> Command:
    sub, args = _split_word(rest)
    sub = _SUBVERB_ALIASES.get(sub.lower(), sub.lower())
    if sub in ("", "list", "show"):
        if args:
            raise UsageError("`agenda` takes no text after it.", "agenda")
        return ShowAgenda()
    if sub == "add":
        return AddItem(_text(args, "agenda", max_text))
    if sub == "sub":
        parent, text = _number_then_text(args, "agenda", max_text)
        return AddSubItem(parent, text)
    if sub == "edit":
        number, text = _number_then_text(args, "agenda", max_text)
        return EditItem(number, text)
    if sub == "remove":
        return RemoveItem(_only_number(args, "agenda"))
    if sub == "done":
        return MarkDone(_only_number(args, "agenda"))
    if sub == "defer":
        return DeferItem(_only_number(args, "agenda"))
    if sub == "move":
        number, position = _split_word(args)
        number = _item_number(number, "agenda")
        if not re.fullmatch(r"\d{1,4}", position.strip()) or int(position) < 1:
            raise UsageError("`agenda move` needs a position such as 1 (the top).", "agenda")
        return MoveItem(number, int(position))
    raise UsageError(
        f"`agenda` has no `{_short(sub)}`; it knows {', '.join(_AGENDA_SUBVERBS)}.", "agenda"
    )


def _parse_profile(rest: str) -> Command:
    field, value = _split_word(rest)
    field = field.lower()
    if not field:
        return ShowProfile()
    if field == "gh":
        field = "github"
    if field not in _PROFILE_FIELDS:
        raise UsageError(f"`profile` has no `{_short(field)}`.", "profile")
    value = value.strip()
    if not value or "\n" in value:
        raise UsageError(f"`profile {field}` needs a value on the same line.", "profile")
    if len(value) > MAX_PROFILE_VALUE:
        raise UsageError(
            f"That {field} is {len(value)} characters long; the limit is {MAX_PROFILE_VALUE}.",
            "profile",
        )
    if field == "initials" and not _INITIALS.fullmatch(value):
        raise UsageError("Initials are 1 to 10 letters or digits, such as `JRG`.", "profile")
    if field == "github":
        value = value.removeprefix("@")
        if not _GITHUB.fullmatch(value):
            raise UsageError(f"`{_short(value)}` is not a GitHub username.", "profile")
    if field == "initials":
        value = value.upper()
    return SetProfile(field, value)


def _parse_next(rest: str) -> Command:
    rest = rest.strip()
    if not rest:
        return ShowNext()
    if not re.fullmatch(r"-?\d{1,6}", rest) or not 1 <= int(rest) <= MAX_NEXT:
        raise UsageError(f"`next` takes a number of meetings from 1 to {MAX_NEXT}.", "next")
    return ShowNext(int(rest))


def _parse_date(text: str, verb: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"I expected a date like 2025-02-26, not `{_short(text)}`.", verb
        ) from None


def _parse_start(rest: str) -> Command:
    rest = rest.strip()
    if not rest:
        return StartMeeting()
    if rest.lower() == "now":
        return StartMeeting(now=True)
    return StartMeeting(day=_parse_date(rest, "start"))


def _parse_reschedule(rest: str) -> Command:
    rest = rest.strip()
    if rest[:1] in ("+", "-"):
        try:
            shift = parse_duration(rest[1:])
        except ValueError:
            raise UsageError(
                f"`{_short(rest)}` is not a shift like +1d or -30m.", "reschedule"
            ) from None
        return RescheduleMeeting(shift=shift if rest[0] == "+" else -shift)
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return RescheduleMeeting(to=datetime.strptime(" ".join(rest.split()), pattern))
        except ValueError:
            continue
    raise UsageError(
        "`reschedule` needs a new date and time (`2025-02-27 17:00`) or a shift (`+1d`).",
        "reschedule",
    )


def _split_word(text: str) -> tuple[str, str]:
    parts = text.split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def _no_arguments(rest: str, verb: str, command: Command) -> Command:
    if rest.strip():
        raise UsageError(f"`{verb}` takes no text after it.", verb)
    return command


def _item_number(word: str, verb: str) -> str:
    match = _NUMBER.fullmatch(word.strip())
    if not match:
        shown = f"`{_short(word)}`" if word.strip() else "nothing"
        raise UsageError(f"I expected an item number such as 2 or 2.1, not {shown}.", verb)
    return ".".join(str(int(part)) for part in match.group(1).split("."))


def _only_number(text: str, verb: str) -> str:
    word, extra = _split_word(text)
    number = _item_number(word, verb)
    if extra.strip():
        raise UsageError("Only an item number is expected here.", verb)
    return number


def _number_then_text(text: str, verb: str, max_text: int) -> tuple[str, str]:
    word, rest = _split_word(text)
    return _item_number(word, verb), _text(rest, verb, max_text)


def _text(text: str, verb: str, max_text: int) -> str:
    text = text.strip()
    if not text:
        raise UsageError("There is no text to record.", verb)
    if len(text) > max_text:
        raise UsageError(
            f"That text is {len(text):,} characters long; the limit is {max_text:,}. "
            "Nothing was saved: please shorten it or split it into sub-items."
        )
    return text


def _suggest(word: str) -> str:
    close = difflib.get_close_matches(word, list(USAGE), n=1)
    return f" Did you mean `{close[0]}`?" if close else ""


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("`", "'").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"

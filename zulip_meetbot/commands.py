"""Message text → a ``Command`` value, or a ``UsageError`` carrying the verb's usage. Pure."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from zulip_meetbot.config import MAX_ITEM_LENGTH
from zulip_meetbot.timeutil import parse_duration, parse_reschedule_time

MAX_TEXT = MAX_ITEM_LENGTH.default_value
MAX_PROFILE_VALUE = 200
MAX_NEXT = 50

_NUMBER = re.compile(r"#?(\d{1,4}(?:\.\d{1,4}){0,5})")
_SLUG_PREFIX = re.compile(r"([a-z0-9][a-z0-9_-]*):(?:\s+|$)(.*)", re.DOTALL)
_INITIALS = re.compile(r"[A-Za-z0-9]{1,10}")
_GITHUB = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_RECORD_NUMBER = re.compile(r"#?(\d{1,6})")
# What a user means as a number, however long: longer than the patterns above allow names
# no item or minute, which is what the reply says.
_ANY_NUMBER = re.compile(r"#?\d+(?:\.\d+)*")
# Terminal escape sequences whole (CSI such as `ESC[31m`, OSC such as a window title, and the
# two-character ones), then any other control character but newline and tab, and the bidi
# embeddings, overrides and isolates that make text read otherwise than it is stored
# (U+202A–U+202E, U+2066–U+2069). The marks U+200E/U+200F stay: right-to-left text uses them.
_TERMINAL_ESCAPE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])"
)
_UNSAFE_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

MinuteKind = Literal["note", "decision", "action"]


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
class SetTimebox:
    """``agenda time N DURATION`` (or ``off``: ``planned`` None)."""

    number: str
    planned: timedelta | None


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
class SendRegrets:
    """``regrets``: I cannot come to the next meeting; a chair's ``regrets NAME``: someone
    else cannot; ``regrets off [NAME]`` withdraws them."""

    name: str | None = None  # a mention or a name (a chair, for someone else)
    off: bool = False


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
class ReopenAction:
    number: int


@dataclass(frozen=True)
class EditMinute:
    """``note edit N TEXT``, ``agreed edit N TEXT`` or ``action edit N TEXT``."""

    kind: MinuteKind
    number: int
    text: str


@dataclass(frozen=True)
class RemoveMinute:
    """``note remove N``, ``agreed remove N`` or ``action remove N``."""

    kind: MinuteKind
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
class UnskipMeeting:
    day: date | None = None  # None: the next meeting cancelled for an empty agenda


@dataclass(frozen=True)
class RescheduleMeeting:
    """Move the next meeting to a wall time in the series' zone, or by a signed shift."""

    to: datetime | None = None  # naive wall time in the series' zone
    shift: timedelta | None = None


@dataclass(frozen=True)
class SetProfile:
    field: str  # "initials", "affiliation" or "github"
    value: str


@dataclass(frozen=True)
class RemindMe:
    """``remind me [OFFSET]`` or ``remind me off``: a direct message before each meeting."""

    offset: timedelta | None = None  # None: the default, or what is set already
    off: bool = False


@dataclass(frozen=True)
class OpenVote:
    """``vote QUESTION: A | B | C``: a quick vote on the options given."""

    question: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class VoteSays:
    """``vote TEXT`` without options: a ballot when TEXT names an open quick vote's option (by
    name or number), else a new quick vote on TEXT with the options yes / no / abstain."""

    text: str


@dataclass(frozen=True)
class CloseVote:
    """``vote close``: the tally of the newest open quick vote (its opener's, for a chair any)."""


@dataclass(frozen=True)
class OpenGovernanceVote:
    """``vote open POLICY: TEXT [until YYYY-MM-DD] [link URL]``: a roster's vote, by a policy."""

    policy: str
    text: str
    until: date | None = None
    link: str | None = None


@dataclass(frozen=True)
class CastBallot:
    """``vote yes|no|abstain [N] [COMMENT]`` with a number or a comment: a governance ballot
    (``vote yes`` alone is ``VoteSays``: a quick vote's option, if one is open)."""

    choice: str
    number: int | None
    comment: str | None
    said: str = ""  # all that followed `vote`: a quick vote's question, if no vote takes it


@dataclass(frozen=True)
class VoteStatus:
    """``vote status [N]``: a governance vote's tally so far and who has not voted."""

    number: int | None


@dataclass(frozen=True)
class CancelVote:
    """``vote cancel [N]``: its opener or a chair cancels a governance vote."""

    number: int | None


Command = (
    Help
    | ShowAgenda
    | AddItem
    | AddSubItem
    | EditItem
    | RemoveItem
    | MoveItem
    | MarkDone
    | SetTimebox
    | StartMeeting
    | EndMeeting
    | MarkHere
    | SendRegrets
    | AddNote
    | ShowProfile
    | SetProfile
    | RemindMe
    | ShowNext
    | SkipMeeting
    | UnskipMeeting
    | RescheduleMeeting
    | CurrentItem
    | RecordDecision
    | RecordAction
    | CompleteAction
    | ReopenAction
    | EditMinute
    | RemoveMinute
    | Undo
    | DeferItem
    | OpenVote
    | VoteSays
    | CloseVote
    | OpenGovernanceVote
    | CastBallot
    | VoteStatus
    | CancelVote
)


@dataclass(frozen=True)
class Request:
    """A parsed message: the series named by a ``SLUG:`` prefix, if any, and the command."""

    series_slug: str | None
    command: Command


@dataclass(frozen=True)
class Usage:
    """One verb or sub-verb: what `help` says of it, and what a usage error repeats."""

    verb: str
    sub: str | None  # "defer" of `agenda defer`; None for the verb itself
    forms: tuple[str, ...]
    example: str
    who: str
    does: str  # what it shows or changes

    @property
    def name(self) -> str:
        return self.verb if self.sub is None else f"{self.verb} {self.sub}"


_ITS_PROPOSER = "the item's proposer or a chair"
_ITS_AUTHOR = "its author or a chair"
_ITS_OWNERS = "its owners, its author or a chair"
_AFTER_END = " (also up to `attendance_grace` after `end`: the notes file is written again)"

# Every command meetbot understands, in the order `help` lists them; README's commands table
# says the same (a test compares their forms).
USAGE: tuple[Usage, ...] = (
    Usage("help", None, ("help", "help VERB"), "help defer", "anyone",
          "lists what meetbot understands, or explains one verb or sub-verb; changes nothing"),
    Usage("agenda", None, ("agenda",), "agenda", "anyone",
          "shows the next (or running) meeting's agenda, numbered, with its notes, decisions "
          "and action items and the open ones of earlier meetings; changes nothing"),
    Usage("agenda", "add", ("agenda add TEXT", "agenda add SECTION: TEXT"),
          "agenda add announcements: conda 25.1 is out", "anyone",
          "adds an item to the series' default section, or to the section named (any case); "
          "the reply gives its number"),
    Usage("agenda", "sub", ("agenda sub N TEXT",), "agenda sub 1 WebAssembly", "anyone",
          "adds a sub-item under item N (`agenda sub 1.2 …` makes 1.2.1)"),
    Usage("agenda", "edit", ("agenda edit N TEXT",), "agenda edit 2 Run exports, ready for vote",
          _ITS_PROPOSER, "replaces item N's text"),
    Usage("agenda", "remove", ("agenda remove N",), "agenda remove 2", _ITS_PROPOSER,
          "drops item N and its sub-items; the other items keep their numbers"),
    Usage("agenda", "move", ("agenda move N POSITION",), "agenda move 4 1", _ITS_PROPOSER,
          "moves item N among its siblings (1 = first); no item is renumbered"),
    Usage("agenda", "done", ("agenda done N",), "agenda done 1.2", _ITS_PROPOSER,
          "ticks item N"),
    Usage("agenda", "defer", ("agenda defer N",), "agenda defer 3", _ITS_PROPOSER,
          "moves item N (with its sub-items) to the next meeting when this one ends; a "
          "sub-item arrives there as an item of its own, its parent's text first "
          "(`Parent text: sub-item text`)"),
    Usage("agenda", "time", ("agenda time N DURATION", "agenda time N off"), "agenda time 3 10m",
          _ITS_PROPOSER,
          "plans item N to take DURATION (whole minutes, such as 10m or 1h15m, no longer than "
          "the meeting; `off` clears it): `agenda` and the reminders show it beside the item "
          "with the total against the meeting's length, meetbot says so in the meeting's topic "
          "when the item under discussion runs past its time (and once more at twice it), and "
          "the notes show its planned and actual minutes"),
    Usage("next", None, ("next", "next K"), "next 5", "anyone",
          "says when and where the next meeting (or the next K, 1–50) is; changes nothing"),
    Usage("skip", None, ("skip", "skip YYYY-MM-DD"), "skip 2025-12-24", "chairs",
          "cancels the next meeting, or the one on that date: its reminders still to come are "
          "withdrawn and those already posted are edited to say it is cancelled, a notice is "
          "posted and its agenda moves to the next meeting"),
    Usage("unskip", None, ("unskip", "unskip YYYY-MM-DD"), "unskip 2025-12-24", "chairs",
          "before its start, holds after all the next meeting (or the one on that date) that "
          "`skip_if_empty` cancelled for its empty agenda: its reminders still to come and its "
          "start follow as planned, a reminder edited to say it was cancelled reads as posted "
          "again, and a notice is posted. A chair's `skip` is not undone"),
    Usage("reschedule", None,
          ("reschedule YYYY-MM-DD HH:MM", "reschedule +SHIFT", "reschedule -SHIFT"),
          "reschedule +1d", "chairs",
          "moves the next meeting to a time in the series' zone, or by a shift such as +1d "
          "or -30m, posts a notice and edits its reminders already posted to the new time"),
    Usage("start", None, ("start", "start now", "start YYYY-MM-DD"), "start 2025-02-26",
          "chairs",
          "begins the next meeting now and posts the attendance message, which names the "
          "meeting's date; the chair who starts it counts as present. More than 12 hours "
          "before the meeting a plain `start` is refused: name the meeting's date (in the "
          "series' zone) or say `start now`"),
    Usage("here", None, ("here", "here @**NAME**", "here NAME"), "here @**Othello**",
          "anyone; someone else: chairs",
          "marks you present without reacting, or (a chair) someone else, by @-mention or by "
          "name (a name no Zulip user has adds someone on the call without Zulip, once)"),
    Usage("regrets", None, ("regrets", "regrets @**NAME**", "regrets NAME"),
          "regrets @**Othello**", "anyone; someone else: chairs",
          "says you cannot come to the next meeting (while one runs, the one after it; or, a "
          "chair, that someone else cannot, by @-mention or by name): its reminders, `agenda` "
          "and notes list the regrets until that person attends after all. Reacting with :-1: "
          "on one of its reminders says the same, and removing the reaction withdraws it (also "
          "while meetbot is down: it reads them back when it returns)"),
    Usage("regrets", "off", ("regrets off", "regrets off NAME"), "regrets off",
          "anyone; someone else: chairs",
          "withdraws your regrets for the next meeting (or, a chair, someone else's)"),
    Usage("item", None, ("item N",), "item 2", "chairs",
          "makes item N the one under discussion; the previous item is ticked"),
    Usage("note", None, ("note TEXT", "note N TEXT"), "note DJC: enumerate everything?",
          "anyone",
          "adds a discussion note under the current item (or item N), credited to you; "
          "`agenda` shows it with its number"),
    Usage("note", "edit", ("note edit N TEXT",), "note edit 2 DJC: enumerate every package",
          _ITS_AUTHOR, "replaces note N's text" + _AFTER_END),
    Usage("note", "remove", ("note remove N",), "note remove 2", _ITS_AUTHOR,
          "removes note N; the others keep their numbers" + _AFTER_END),
    Usage("agreed", None, ("agreed TEXT",), "agreed Start the vote next week", "anyone",
          "records a decision under the current item and in the notes' Decisions section; "
          "`agenda` and the summary show its number"),
    Usage("agreed", "edit", ("agreed edit N TEXT",), "agreed edit 1 Start the vote on Monday",
          _ITS_AUTHOR, "replaces decision N's text" + _AFTER_END),
    Usage("agreed", "remove", ("agreed remove N",), "agreed remove 1", _ITS_AUTHOR,
          "removes decision N; the others keep their numbers" + _AFTER_END),
    Usage("action", None, ("action TEXT",), "action @**Cheng H. Lee** opens the vote", "anyone",
          "records an action item, numbered across the series; the people you @-mention own "
          "it (none: unowned)"),
    Usage("action", "done", ("action done N",), "action done 3", _ITS_OWNERS,
          "closes action item N"),
    Usage("action", "reopen", ("action reopen N",), "action reopen 3", _ITS_OWNERS,
          "opens closed action item N again"),
    Usage("action", "edit", ("action edit N TEXT",),
          "action edit 3 @**Cheng H. Lee** opens the vote on Monday", _ITS_AUTHOR,
          "replaces the text of action item N, one of this meeting's; its owners are read again "
          "from the new text's mentions" + _AFTER_END),
    Usage("action", "remove", ("action remove N",), "action remove 3", _ITS_AUTHOR,
          "removes action item N, one of this meeting's" + _AFTER_END),
    Usage("undo", None, ("undo",), "undo", "anyone",
          "removes your own last note, decision or action item of this meeting"),
    Usage("end", None, ("end",), "end", "chairs",
          "ticks the current item, writes the notes file, hands items on to the next meeting "
          "as the series' `carry_over` says and "
          "posts a summary with the file attached"),
    Usage("vote", None, ("vote QUESTION", "vote QUESTION: OPTIONS"),
          "vote Lunch: pizza | sushi | tacos", "anyone, in a running meeting",
          "opens a quick vote with the options yes / no / abstain, or the 2–9 OPTIONS given, "
          "separated by `|`: "
          "meetbot posts it with one emoji per option, and each person's latest reaction is "
          "their ballot (removing it withdraws it)"),
    Usage("vote", "option", ("vote OPTION",), "vote yes", "anyone, in a running meeting",
          "casts (or changes) your ballot in the open quick vote, by the option's name or "
          "number, as reacting does"),
    Usage("vote", "close", ("vote close",), "vote close", "the vote's opener or a chair",
          "closes the quick vote and posts the tally; the result (`Vote: QUESTION — yes 5, "
          "no 1, abstain 2`) is recorded as a decision under the item current when it opened. "
          "`end` closes any still open"),
    Usage("vote", "open", ("vote open POLICY: TEXT", "vote open POLICY: TEXT until YYYY-MM-DD",
                           "vote open sensitive: TEXT link URL"),
          "vote open cep: Adopt CEP 42 until 2026-12-18", "a roster member or a chair",
          "opens a governance vote of the series' roster under POLICY (conda's `standard`, "
          "`cep`, `governance`…, or the botrc's `[policies]`; an unknown one is answered with "
          "the list), until the end of the day given (default: 7 days) "
          "Anywhere on Earth; meetbot posts the call, reminds at the midpoint and a day before, "
          "and posts the result at the deadline or once everyone has voted. A sensitive "
          "policy's ballots are cast at the link given"),
    Usage("vote", "ballot", ("vote CHOICE", "vote CHOICE N COMMENT"),
          "vote yes 3 Looks good to me", "the vote's roster, in the stream or by direct message",
          "casts (or changes: the latest counts) your ballot in governance vote N: CHOICE is "
          "yes, no or abstain, a COMMENT may follow; N may be left out while one vote is open "
          "in the series"),
    Usage("vote", "status", ("vote status", "vote status N"), "vote status 3", "anyone",
          "shows a governance vote's tally so far, its quorum and who has not voted"),
    Usage("vote", "cancel", ("vote cancel N",), "vote cancel 3", "the vote's opener or a chair",
          "cancels governance vote N: no result, no more reminders"),
    Usage("profile", None, ("profile",), "profile", "anyone",
          "shows your row in the attendees table: name, initials, affiliation, GitHub; "
          "changes nothing"),
    Usage("profile", "initials", ("profile initials X",), "profile initials JJH", "anyone",
          "sets the initials that credit you in agendas and notes (`-` goes back to your "
          "name's); refused when they are someone else's, chosen or from their name"),
    Usage("profile", "affiliation", ("profile affiliation X",),
          "profile affiliation Anaconda", "anyone",
          "sets your affiliation in the attendees table, over the organization's profile "
          "field (`-` clears it)"),
    Usage("profile", "github", ("profile github X",), "profile github jaimergp", "anyone",
          "sets your GitHub username (or takes it from your profile's address) in the "
          "attendees table, over the organization's profile field (`-` clears it)"),
    Usage("remind", None, ("remind me", "remind me OFFSET", "remind me off"), "remind me 1h",
          "anyone",
          "sends you a direct message OFFSET (default 15m, at most 7d) before each meeting of "
          "the series, with its time, call and topic; `remind me` alone says what is set, "
          "`remind me off` stops them"),
)  # fmt: skip
VERBS = tuple(dict.fromkeys(usage.verb for usage in USAGE))

_AGENDA_SUBVERBS = ("add", "sub", "edit", "remove", "move", "done", "defer", "time")
_SUBVERB_ALIASES = {"rm": "remove", "delete": "remove", "del": "remove", "tick": "done"}
_PROFILE_FIELDS = ("initials", "affiliation", "github")


class UsageError(Exception):
    """The text is not a command meetbot understands; ``str(error)`` says why and how."""

    def __init__(self, problem: str, verb: str | None = None) -> None:
        self.problem = problem
        self.verb = verb
        super().__init__(problem + ("\n\n" + usage_of(verb) if verb else ""))


def usage_of(verb: str) -> str:
    """The forms of one verb, as Zulip markdown: what a usage error repeats."""
    name, _, sub = verb.partition(" ")
    usages = [usage for usage in USAGE if usage.verb == name and (not sub or usage.sub == sub)]
    forms = "\n".join(f"`{form}`" for usage in usages for form in usage.forms)
    return f"**{verb}** takes:\n{forms}\n`help {verb}` explains each, with an example."


def help_entries(topic: str) -> tuple[Usage, ...]:
    """What `help TOPIC` explains: a verb's entries, a sub-verb's by its own name (`done`: both
    `agenda done` and `action done`), or one `VERB SUB`; empty if none."""
    words = topic.lower().split()
    if len(words) == 2:
        return tuple(u for u in USAGE if u.verb == words[0] and u.sub == words[1])
    if len(words) != 1:
        return ()
    return tuple(u for u in USAGE if u.verb == words[0]) or tuple(
        u for u in USAGE if u.sub == words[0]
    )


def clean_text(text: str) -> str:
    """Text as typed, less terminal escapes, control characters (newline and tab stay) and
    bidi overrides and isolates: nothing stored can recolour a terminal or reorder a line."""
    if "\x1b" in text:
        text = _TERMINAL_ESCAPE.sub("", text)
    return _UNSAFE_CHARACTER.sub("", text)


def parse_request(text: str, max_text: int = MAX_TEXT) -> Request:
    """Parse a message addressed to the bot (its mention already removed)."""
    text = text.strip()
    slug = None
    match = _SLUG_PREFIX.fullmatch(text)
    if match and match.group(1) not in VERBS:
        slug, text = match.group(1), match.group(2).strip()
    return Request(series_slug=slug, command=parse_command(text, max_text))


def parse_command(text: str, max_text: int = MAX_TEXT) -> Command:
    """Parse the command text itself; raises ``UsageError``."""
    verb, rest = _split_word(clean_text(text).strip())
    verb = verb.lower().rstrip(":")
    if verb in ("", "help", "?"):
        topic = " ".join(rest.lower().split())
        if not topic:
            return Help()
        if not help_entries(topic):
            raise UsageError(f"I have no help on `{_short(topic)}`.{_suggest(topic)}")
        return Help(topic)
    if verb == "agenda":
        return _parse_agenda(rest, max_text)
    if verb == "start":
        return _parse_start(rest)
    if verb == "end":
        return _no_arguments(rest, "end", EndMeeting())
    if verb == "here":
        name = " ".join(rest.split())
        if len(name) > MAX_PROFILE_VALUE:
            raise UsageError(f"that name is longer than {MAX_PROFILE_VALUE} characters.", "here")
        return MarkHere(name or None)
    if verb in ("regrets", "regret"):
        return _parse_regrets(rest)
    if verb == "note":
        first, after = _split_word(rest)
        if changed := _change_of_minute(first, after, "note", "note", max_text):
            return changed
        if _NUMBER.fullmatch(first) and after.strip():
            number, note = _number_then_text(rest, "note", max_text)
            return AddNote(number, note)
        return AddNote(None, _text(rest, "note", max_text))
    if verb == "item":
        return CurrentItem(_only_number(rest, "item"))
    if verb in ("agreed", "agree", "decision"):
        first, after = _split_word(rest)
        if changed := _change_of_minute(first, after, "decision", "agreed", max_text):
            return changed
        return RecordDecision(_text(rest, "agreed", max_text))
    if verb == "action":
        first, after = _split_word(rest)
        if first.lower() in ("done", "reopen"):
            action = _record_number(after, "action", "action", first.lower())
            return CompleteAction(action) if first.lower() == "done" else ReopenAction(action)
        if changed := _change_of_minute(first, after, "action", "action", max_text):
            return changed
        return RecordAction(_text(rest, "action", max_text))
    if verb == "undo":
        return _no_arguments(rest, "undo", Undo())
    if verb == "profile":
        return _parse_profile(rest)
    if verb == "next":
        return _parse_next(rest)
    if verb == "remind":
        return _parse_remind(rest)
    if verb == "skip":
        return SkipMeeting(_parse_date(rest, "skip") if rest.strip() else None)
    if verb == "unskip":
        return UnskipMeeting(_parse_date(rest, "unskip") if rest.strip() else None)
    if verb == "reschedule":
        return _parse_reschedule(rest)
    if verb == "vote":
        return _parse_vote(rest, max_text)
    raise UsageError(
        f"I don't know the command `{_short(verb)}`.{_suggest(verb)} Say `help` for the list."
    )


MAX_VOTE_OPTIONS = 9
MAX_VOTE_OPTION = 100
_BALLOT_WORDS = ("yes", "no", "abstain")
_UNTIL = re.compile(r"\s+until\s+(\S+)\s*$", re.IGNORECASE)
_LINK = re.compile(r"\s+link\s+(\S+)\s*$", re.IGNORECASE)
MAX_POLICY_NAME = 40


def _parse_vote(rest: str, max_text: int) -> Command:
    """`vote close`, `vote QUESTION: A | B`, `vote TEXT`, and the governance forms: `vote open
    POLICY: TEXT`, `vote yes|no|abstain [N] [COMMENT]`, `vote status [N]`, `vote cancel [N]`."""
    first, after = _split_word(rest)
    word = first.lower()
    if not word:
        raise UsageError("`vote` needs a question, an option or `close`.", "vote")
    if word == "close" and not after.strip():
        return CloseVote()
    if word == "open" or word.startswith("open:"):
        return _parse_open_vote(rest.strip()[4:], max_text)
    if word in ("status", "cancel"):
        named = _vote_number(after, f"vote {word}")
        return VoteStatus(named) if word == "status" else CancelVote(named)
    said, comment = _split_word(after)
    if word in _BALLOT_WORDS and (_RECORD_NUMBER.fullmatch(said) or said):
        numbered = _RECORD_NUMBER.fullmatch(said)
        number = int(numbered.group(1)) if numbered else None
        if number is None and re.fullmatch(r"#?[-+]?\d+(?:[.,]\d*)?", said):
            raise UsageError(f"`{_short(said)}` is not a vote's number (1, 2, 3…).", "vote ballot")
        if number is None:
            comment = after
        comment = " ".join(comment.split())
        if len(comment) > max_text:
            raise UsageError(
                f"that comment is {len(comment)} characters; the most is {max_text}.",
                "vote ballot",
            )
        return CastBallot(word, number, comment or None, _text(rest, "vote", max_text))
    question, colon, listed = rest.partition(":")
    if colon and "|" in listed:
        options = tuple(" ".join(option.split()) for option in listed.split("|"))
        if any(not option for option in options):
            raise UsageError("an option of that vote is empty: write `A | B | C`.", "vote")
        if len(options) > MAX_VOTE_OPTIONS:
            raise UsageError(
                f"that vote has {len(options)} options; a quick vote has at most "
                f"{MAX_VOTE_OPTIONS}.",
                "vote",
            )
        if any(len(option) > MAX_VOTE_OPTION for option in options):
            raise UsageError(f"an option is longer than {MAX_VOTE_OPTION} characters.", "vote")
        if len({option.casefold() for option in options}) < len(options):
            raise UsageError("two options of that vote are the same.", "vote")
        return OpenVote(_text(question, "vote", max_text), options)
    return VoteSays(_text(rest, "vote", max_text))


def _vote_number(text: str, form: str) -> int | None:
    words = text.split()
    if not words:
        return None
    if len(words) == 1 and (numbered := _RECORD_NUMBER.fullmatch(words[0])):
        return int(numbered.group(1))
    raise UsageError(f"`{form}` takes a vote's number, if anything.", form)


def _parse_open_vote(text: str, max_text: int) -> Command:
    """`vote open POLICY: TEXT [until YYYY-MM-DD] [link URL]` (until and link in any order)."""
    policy, colon, body = text.partition(":")
    policy = policy.strip().lower()
    if not colon or not policy or len(policy.split()) != 1:
        raise UsageError(
            "say the policy, a colon and the text: `vote open standard: TEXT`.", "vote open"
        )
    if len(policy) > MAX_POLICY_NAME:
        raise UsageError("that policy name is too long.", "vote open")
    until: date | None = None
    link: str | None = None
    for _ in range(2):
        if until is None and (found := _UNTIL.search(body)):
            until = _parse_date(found.group(1), "vote open")
            body = body[: found.start()]
        elif link is None and (found := _LINK.search(body)):
            link = found.group(1)
            if not re.match(r"https?://\S+\.\S+", link, re.IGNORECASE):
                raise UsageError(f"`{_short(link)}` is not a web address (https://…).", "vote open")
            body = body[: found.start()]
    return OpenGovernanceVote(policy, _text(body, "vote open", max_text), until, link)


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
        parent, text = _number_then_text(args, "agenda", max_text, "agenda sub")
        return AddSubItem(parent, text)
    if sub == "edit":
        number, text = _number_then_text(args, "agenda", max_text, "agenda edit")
        return EditItem(number, text)
    if sub == "remove":
        return RemoveItem(_only_number(args, "agenda", "agenda remove"))
    if sub == "done":
        return MarkDone(_only_number(args, "agenda", "agenda done"))
    if sub == "defer":
        return DeferItem(_only_number(args, "agenda", "agenda defer"))
    if sub == "time":
        number, length = _split_word(args)
        return SetTimebox(_item_number(number, "agenda", "agenda time"), _timebox(length))
    if sub == "move":
        number, position = _split_word(args)
        number = _item_number(number, "agenda", "agenda move")
        if re.fullmatch(r"0+", position.strip()):
            raise UsageError(
                "`agenda move` needs a position of 1 or more: positions start at 1 (the top).",
                "agenda",
            )
        if not re.fullmatch(r"\d{1,4}", position.strip()):
            raise UsageError("`agenda move` needs a position such as 1 (the top).", "agenda")
        return MoveItem(number, int(position))
    raise UsageError(
        f"`agenda` has no `{_short(sub)}`; it knows {', '.join(_AGENDA_SUBVERBS)}.", "agenda"
    )


# No item is planned longer than this, whatever the meeting's length (checked against it later).
MAX_TIMEBOX = timedelta(days=1)


def _timebox(text: str) -> timedelta | None:
    """The length of ``agenda time N LENGTH``: whole minutes, or None for ``off``."""
    text = text.strip()
    usage = "agenda time"
    if text.lower() in ("off", "none", "-"):
        return None
    if not text:
        raise UsageError("`agenda time` needs a length such as 10m, or `off`.", usage)
    try:
        length = parse_duration(text)
    except ValueError:
        if re.fullmatch(r"[-+]?0+\s*[a-z]*", text.lower()):
            raise UsageError(
                f"an item cannot be planned to take `{_short(text)}`: give it at least 1m.", usage
            ) from None
        raise UsageError(
            f"`{_short(text)}` is not a length such as 10m or 1h15m (or `off`).", usage
        ) from None
    if length % timedelta(minutes=1) or length > MAX_TIMEBOX:
        raise UsageError(
            f"an item's time is whole minutes up to a day, such as 10m or 1h15m, not "
            f"`{_short(text)}`.",
            usage,
        )
    return length


def _change_of_minute(
    sub: str, args: str, kind: MinuteKind, verb: str, max_text: int
) -> EditMinute | RemoveMinute | None:
    """`edit N TEXT` or `remove N` after `note`, `agreed` or `action`; None for other words.
    A first word `edit` or `remove` is always the sub-verb: taking `note edit x` as a note
    would record a typo as minutes without a word."""
    sub = _SUBVERB_ALIASES.get(sub.lower(), sub.lower())
    if sub not in ("edit", "remove"):
        return None
    if not _RECORD_NUMBER.match(args.strip()):
        form = f"{verb} edit N TEXT" if sub == "edit" else f"{verb} remove N"
        article = "an" if kind[0] in "aeiou" else "a"
        raise UsageError(
            f"`{verb} {sub}` needs the {kind}'s number, as in `{form}` (`agenda` shows the "
            f"numbers). For {article} {kind} that starts with the word “{sub}”, put another "
            "word first.",
            verb,
        )
    if sub == "remove":
        return RemoveMinute(kind, _record_number(args, kind, verb, sub))
    word, text = _split_word(args)
    return EditMinute(kind, _record_number(word, kind, verb, sub), _text(text, verb, max_text))


def _record_number(text: str, kind: MinuteKind, verb: str, sub: str) -> int:
    match = _RECORD_NUMBER.fullmatch(text.strip())
    if not match and _ANY_NUMBER.fullmatch(text.strip()):
        raise UsageError(f"there is no {kind} {_short(text.strip())}.", verb)
    if not match:
        raise UsageError(f"`{verb} {sub}` needs the {kind}'s number alone, such as 3.", verb)
    return int(match.group(1))


_CLEAR = "-"
# A GitHub profile's address names the user as well as `@user` does.
_GITHUB_PROFILE = re.compile(r"^(?:https?://)?(?:www\.)?github\.com/", re.IGNORECASE)


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
    if value == _CLEAR:
        return SetProfile(field, "")  # back to the organization's profile field or the name
    if len(value) > MAX_PROFILE_VALUE:
        raise UsageError(
            f"that {field} is {len(value)} characters long; the limit is {MAX_PROFILE_VALUE}.",
            "profile",
        )
    if field == "initials" and not _INITIALS.fullmatch(value):
        raise UsageError("initials are 1 to 10 letters or digits, such as `JRG`.", "profile")
    if field == "github":
        value = _GITHUB_PROFILE.sub("", value).rstrip("/").removeprefix("@")
        if not _GITHUB.fullmatch(value):
            raise UsageError(f"`{_short(value)}` is not a GitHub username.", "profile")
    if field == "initials":
        value = value.upper()
    return SetProfile(field, value)


# The words after `regrets` that withdraw them.
_REGRETS_OFF = ("off", "withdraw", "cancel", "undo")


def _parse_regrets(rest: str) -> Command:
    """`regrets`, `regrets NAME`, `regrets off`, `regrets off NAME`."""
    first, after = _split_word(rest)
    off = first.lower() in _REGRETS_OFF
    name = " ".join((after if off else rest).split())
    if len(name) > MAX_PROFILE_VALUE:
        raise UsageError(f"that name is longer than {MAX_PROFILE_VALUE} characters.", "regrets")
    return SendRegrets(name or None, off)


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


def _parse_remind(rest: str) -> Command:
    """`remind me`, `remind me OFFSET` (15m, 1h, 1d…), `remind me off`."""
    who, when = _split_word(rest)
    if who.lower() != "me":
        raise UsageError("`remind` reminds only you: say `remind me` or `remind me 1h`.", "remind")
    when = when.strip()
    if not when:
        return RemindMe()
    if when.lower() in ("off", "stop"):
        return RemindMe(off=True)
    try:
        return RemindMe(parse_duration(when))
    except ValueError:
        raise UsageError(
            f"`{_short(when)}` is not a time before the meeting like 15m, 1h or 1d.", "remind"
        ) from None


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
    try:
        return RescheduleMeeting(to=parse_reschedule_time(rest))
    except ValueError:
        raise UsageError(
            "`reschedule` needs a new date and time (`2025-02-27 17:00`) or a shift (`+1d`).",
            "reschedule",
        ) from None


def _split_word(text: str) -> tuple[str, str]:
    parts = text.split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def _no_arguments(rest: str, verb: str, command: Command) -> Command:
    if rest.strip():
        raise UsageError(f"`{verb}` takes no text after it.", verb)
    return command


def _item_number(word: str, verb: str, command: str | None = None) -> str:
    """The item number in ``word``; ``command`` is what the user typed before it, for the reply."""
    word = word.strip()
    match = _NUMBER.fullmatch(word)
    if not word:
        raise UsageError(f"`{command or verb}` needs an item number, such as 2 or 2.1.", verb)
    if not match and _ANY_NUMBER.fullmatch(word):
        raise UsageError(f"there is no item {_short(word)}.", verb)
    if not match:
        raise UsageError(f"I expected an item number such as 2 or 2.1, not `{_short(word)}`.", verb)
    return ".".join(str(int(part)) for part in match.group(1).split("."))


def _only_number(text: str, verb: str, command: str | None = None) -> str:
    word, extra = _split_word(text)
    number = _item_number(word, verb, command)
    if extra.strip():
        raise UsageError("only an item number is expected here.", verb)
    return number


def _number_then_text(
    text: str, verb: str, max_text: int, command: str | None = None
) -> tuple[str, str]:
    word, rest = _split_word(text)
    return _item_number(word, verb, command), _text(rest, verb, max_text)


def _text(text: str, verb: str, max_text: int) -> str:
    text = text.strip()
    if not text:
        raise UsageError("there is no text to record.", verb)
    if len(text) > max_text:
        raise UsageError(
            f"that text is {len(text):,} characters long; the limit is {max_text:,}. "
            "Nothing was saved: please shorten it or split it into sub-items."
        )
    return text


def _suggest(word: str) -> str:
    """` Did you mean …?` when ``word`` is close to a verb or sub-verb; for `VERB SUB`, only
    a close sub-verb of that verb, else the ones it has (a shared verb is no likeness)."""
    verb, _, sub = word.partition(" ")
    subs = [usage.sub for usage in USAGE if usage.verb == verb and usage.sub]
    if sub and subs:
        close = difflib.get_close_matches(sub, subs, n=1)
        if close:
            return f" Did you mean `{verb} {close[0]}`?"
        return f" `{verb}` has {', '.join(subs)}: `help {verb}` explains each."
    names = {*VERBS, *(usage.name for usage in USAGE), *(u.sub for u in USAGE if u.sub)}
    close = difflib.get_close_matches(word, sorted(names), n=1)
    return f" Did you mean `{close[0]}`?" if close else ""


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("`", "'").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Render a meeting's notes file from its record with a Jinja template, and write it safely.

The shipped templates (``community``, ``ecosystem``) live in ``zulip_meetbot.templates``; a
series may name its own template file instead. See ``templates/README.md`` for what templates
receive.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from types import TracebackType

import jinja2

from zulip_meetbot.config import TEMPLATE_SUFFIX
from zulip_meetbot.domain.record import (
    ActionItem,
    AgendaItem,
    AgendaSection,
    AnnouncedVote,
    Attendee,
    Decision,
    DiscussionNote,
    MeetingRecord,
    QuickVote,
    VoteOption,
)
from zulip_meetbot.domain.voting import Tally
from zulip_meetbot.markup import outside_code_spans, plain_mentions
from zulip_meetbot.timeutil import UTC, dateful_time
from zulip_meetbot.views import action_task, actions_by_owner, count, listed, vote_announcement

__all__ = [
    "SHIPPED_TEMPLATES",
    "OutlineLine",
    "OwnerActions",
    "TemplateProblem",
    "check_template",
    "load_template",
    "notes_filename",
    "render_notes",
    "shipped_file_template",
    "template_problems",
    "write_atomically",
    "write_notes",
]

# Template name -> file in the zulip_meetbot.templates package.
SHIPPED_TEMPLATES: dict[str, str] = {
    "community": "community.md.j2",
    "ecosystem": "ecosystem.md.j2",
}

# The reference notes' own column widths: a table never gets narrower than this, so a record
# with the reference's attendees reproduces the reference byte for byte.
_TABLE_HEADERS = ("Name", "Initials", "Affiliation", "GH Username")
_TABLE_MIN_WIDTHS = (22, 8, 12, 16)

_INDENT = "    "
_TIMEZONE_URL = "https://dateful.com/convert/utc?t={}"

# Everything str.splitlines() treats as a line break; some editors honour the exotic ones too.
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")

# Tags that open an HTML block wherever they start a line (CommonMark block types 1 and 6).
_HTML_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details"
    "|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head"
    "|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p"
    "|param|pre|script|search|section|style|summary|table|tbody|td|textarea|tfoot|th|thead"
    "|title|tr|track|ul"
)
# Text at the start of a line that would open a block construct instead of staying text.
# Legitimate inline markdown is left alone: `code`, *emphasis*, **bold**, [links](…), <autolinks>,
# inline HTML such as <kbd>.
_BLOCK_OPENER = re.compile(
    r"""
      \#                                    # ATX heading
    | >                                     # block quote
    | [-+*] (?=\s|$)                        # bullet list item
    | ---                                   # front matter / thematic break
    | ([*_]) [ \t]* (?: \1 [ \t]* ){2,} $   # thematic break: ***, * * *, ___
    | `{3,} | ~{3,}                         # code fence
    | < [!?]                                # HTML comment, CDATA, processing instruction
    | </? (?: """
    + _HTML_BLOCK_TAGS
    + r""" ) (?: [\s>] | /> | $ )           # HTML block tag
    | </? [A-Za-z][A-Za-z0-9-]* (?: \s [^<>]* )? /? > \s* $  # so does any tag alone on its line
    | \[ [ xX] \] (?=\s|$)                  # task-list checkbox
    | \[ [^\]]* \] :                        # link reference definition (would vanish)
    | :::                                   # HackMD container
    """,
    re.VERBOSE | re.IGNORECASE,
)
# A raw HTML tag, comment or declaration, but for autolinks to web and mail addresses and
# the bare inline tags people use for text (<kbd>Ctrl</kbd>): none of those can run anything.
_TEXT_TAGS = "kbd|sub|sup|b|i|em|strong|code|br|s|del|ins|mark|small"
_HTML_OPENER = re.compile(
    rf"<(?!(?:https?|mailto):|[^\s<>@]+@[^\s<>]+>)(?!/?(?:{_TEXT_TAGS})\s*/?>)(?=[A-Za-z/!?])",
    re.IGNORECASE,
)
_SCRIPT_LINK = re.compile(r"\]\((?=\s*<?\s*(?:javascript|vbscript|data|file):)", re.IGNORECASE)
_ORDERED_MARKER = re.compile(r"(\d{1,9})([.)])(?=\s|$)")

_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")
_UNDEFINED_ATTRIBUTE = re.compile(r"has no attribute '([^']+)'$")
# Jinja names the object whose attribute is missing as `'module.Class object'` (or `'None'`).
_UNDEFINED_OWNER = re.compile(r"^'([^']+)' has no attribute")


class TemplateProblem(Exception):
    """A notes template cannot be loaded or rendered.

    The message names the template file and, where known, the line and the unknown variable.
    """

    def __init__(
        self,
        template: str,
        detail: str,
        *,
        line: int | None = None,
        variable: str | None = None,
    ) -> None:
        self.template = template
        self.detail = detail
        self.line = line
        self.variable = variable
        where = template if line is None else f"{template}, line {line}"
        super().__init__(f"notes template {where}: {detail}")


@dataclass(frozen=True)
class OutlineLine:
    """One line of a section's outline, with its depth.

    An agenda item, or a discussion note, decision or action said under an item.
    """

    depth: int
    indent: str  # four spaces per depth level
    kind: str  # "item", "note", "decision" or "action"
    done: bool  # an item's or action's state; always False for a note or decision
    # The initials to show, "" when none: a shown proposer, a note's author, an action's
    # owners ("KH, OTMOV"); a decision shows none.
    initials: str
    text: str  # raw user text: pass it through a filter
    item: AgendaItem  # the item itself, or the item the line belongs to
    note: DiscussionNote | None
    decision: Decision | None = None
    action: ActionItem | None = None


@dataclass(frozen=True)
class OwnerActions:
    """The actions of one owner (or of the same several owners), as ``by_owner`` groups them."""

    owner: str  # the owner's name, or the owners' joined by ", "; "" for unowned actions
    initials: str  # their initials, joined the same way; "" for the unowned group
    actions: tuple[ActionItem, ...]


# What a template sees: `meeting` by its variable's name, the rest by a plain noun.
_NOUNS: dict[type, str] = {
    MeetingRecord: "meeting",
    AgendaSection: "a section",
    AgendaItem: "an agenda item",
    Attendee: "an attendee",
    DiscussionNote: "a note",
    Decision: "a decision",
    ActionItem: "an action",
    QuickVote: "a quick vote",
    VoteOption: "a vote option",
    OutlineLine: "an outline line",
    OwnerActions: "a by_owner group",
    str: "a text",
    int: "a number",
    bool: "a yes/no value",
    tuple: "a list",
    list: "a list",
    dict: "a mapping",
    date: "a date",
    datetime: "a date and time",
}


# --- filters: user text can never break the file's structure --------------------------------


def _one_line(value: object) -> str:
    return _LINE_BREAKS.sub(" ", str(value)).strip()


def _plain_mentions(value: object) -> str:
    """Return text with Zulip mentions written as plain ``@Name`` (``@**Name|12**`` → ``@Name``)."""
    return plain_mentions(str(value))


def _inline(value: object) -> str:
    """Return user text as one line of markdown that cannot open a block (heading, list, …).

    Zulip mentions become plain ``@Name``.
    """
    text = _defused(_one_line(_plain_mentions(value)))
    ordered = _ORDERED_MARKER.match(text)
    if ordered:
        return f"{ordered.group(1)}\\{text[ordered.end(1) :]}"
    if _BLOCK_OPENER.match(text):
        return "\\" + text
    return text


def _paragraphs(value: object) -> str:
    """Return user text as markdown paragraphs: each ``inline``, split where a line is blank."""
    blocks = _PARAGRAPH_BREAK.split(_LINE_BREAKS.sub("\n", str(value)))
    return "\n\n".join(text for text in (_inline(block) for block in blocks) if text)


def _cell(value: object) -> str:
    """Return user text as the content of one markdown table cell."""
    return _defused(unicodedata.normalize("NFC", _one_line(value))).replace("|", "\\|")


def _defused(text: str) -> str:
    """People's text with no raw HTML and no script link: the notes are published where
    markdown renders, and a typed `<script>` or `[x](javascript:…)` must show as typed."""
    if "<" not in text and "](" not in text:
        return text
    return outside_code_spans(
        text, lambda plain: _SCRIPT_LINK.sub("]\\(", _HTML_OPENER.sub("\\<", plain))
    )


def _link_label(value: object) -> str:
    """Return user text usable between the brackets of a markdown link."""
    return re.sub(r"([\\\[\]])", r"\\\1", _one_line(value))


def _link_url(value: object) -> str:
    """Return a URL usable between the parentheses of a markdown link."""
    url = _one_line(value)
    for char, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(char, code)
    return url


def _outline(section: AgendaSection | Iterable[AgendaItem]) -> list[OutlineLine]:
    """Flatten a section's items depth-first.

    Each item, then its children, then its notes, decisions and actions.
    """
    items = section.items if isinstance(section, AgendaSection) else section
    lines: list[OutlineLine] = []
    for item in items:
        _outline_item(item, 0, lines)
    return lines


def _outline_item(item: AgendaItem, depth: int, lines: list[OutlineLine]) -> None:
    # A top-level item always names its proposer; a sub-item only when it is someone else's.
    shown = item.proposer_initials if depth == 0 or item.show_initials else ""
    lines.append(
        OutlineLine(depth, _INDENT * depth, "item", item.done, shown, item.text, item, None)
    )
    for child in item.children:
        _outline_item(child, depth + 1, lines)
    for note in item.notes:
        lines.append(
            OutlineLine(
                depth + 1,
                _INDENT * (depth + 1),
                "note",
                False,
                note.author_initials,
                note.text,
                item,
                note,
            )
        )
    below = depth + 1
    for decision in item.decisions:
        lines.append(
            OutlineLine(
                below, _INDENT * below, "decision", False, "", decision.text, item, None, decision
            )
        )
    for action in item.actions:
        owners = ", ".join(action.owner_initials)
        lines.append(
            OutlineLine(
                below,
                _INDENT * below,
                "action",
                action.done,
                owners,
                action_task(action),
                item,
                None,
                action=action,
            )
        )


def _sort_key(name: str) -> tuple[str, str]:
    # Accents do not move a name to the end: "Ángeles" sorts with "Angeles".
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return ("".join(c for c in decomposed if not unicodedata.combining(c)), name)


def _by_owner(actions: Iterable[ActionItem]) -> list[OwnerActions]:
    """Group actions by owners, sorted by name, each group's actions in order; unowned last.

    An action with several owners is listed once, in the group of all its owners, whose
    ``owner`` lists their names (`A and B`; ``initials`` joins their initials with ", ").
    Shown under its owners, an action's ``text`` loses the mentions it opens with that name
    exactly them (:func:`action_task`).
    """
    owned: list[OwnerActions] = []
    unowned: list[OwnerActions] = []
    for names, grouped in actions_by_owner(tuple(actions)):
        tasks = tuple(replace(action, text=action_task(action)) for action in grouped)
        if grouped[0].owners:
            owned.append(OwnerActions(names, ", ".join(grouped[0].owner_initials), tasks))
        else:  # the group of the unowned, whatever the summary calls it
            unowned.append(OwnerActions("", "", tuple(grouped)))
    return sorted(owned, key=lambda group: _sort_key(group.owner)) + unowned


# --- helpers computed in Python ------------------------------------------------------------


def _attendee_table(attendees: Iterable[Attendee]) -> list[str]:
    """Return the attendee table's lines (header, rule, one row each), padded to align."""
    rows = [
        tuple(_cell(v) for v in (a.name, a.initials, a.affiliation, a.github)) for a in attendees
    ]
    widths = [
        max([minimum, *(len(row[column]) for row in rows)])
        for column, minimum in enumerate(_TABLE_MIN_WIDTHS)
    ]

    def line(cells: Iterable[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return [line(_TABLE_HEADERS), line("-" * w for w in widths), *(line(r) for r in rows)]


def _utc_clock(start: datetime) -> str:
    """Return a UTC start time as dateful writes it: ``5pm``, ``5:30pm``, ``12am``."""
    # A naive time is taken to be UTC already, which is what the record promises.
    return dateful_time(start if start.tzinfo else start.replace(tzinfo=UTC))


def _context(record: MeetingRecord) -> dict[str, object]:
    clock = _utc_clock(record.start_utc)
    return {
        "meeting": record,
        "attendee_table": _attendee_table(record.attendees),
        "utc_time": clock,
        "timezone_url": _TIMEZONE_URL.format(clock),
    }


# --- Jinja environment ---------------------------------------------------------------------


class _NotesLoader(jinja2.BaseLoader):
    """Shipped templates by name; anything else is a template file path."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if template in SHIPPED_TEMPLATES:
            resource = importlib.resources.files("zulip_meetbot.templates").joinpath(
                SHIPPED_TEMPLATES[template]
            )
            return resource.read_text(encoding="utf-8"), str(resource), lambda: True
        path = Path(template)
        if not path.name.endswith(TEMPLATE_SUFFIX):
            # `{% include "botrc" %}` would put the bot's key into notes posted in Zulip.
            raise jinja2.TemplateNotFound(
                template, f"{template}: a template file's name ends in {TEMPLATE_SUFFIX}"
            )
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template) from None
        source = path.read_text(encoding="utf-8")

        # Lets an edited template file take effect without restarting the bot.
        def uptodate() -> bool:
            try:
                return path.stat().st_mtime_ns == mtime
            except OSError:
                return False

        return source, str(path), uptodate


class _NotesEnvironment(jinja2.Environment):
    def join_path(self, template: str, parent: str) -> str:
        # {% include %} / {% extends %} in a template file resolve next to that file.
        if template in SHIPPED_TEMPLATES or parent in SHIPPED_TEMPLATES:
            return template
        return os.path.join(os.path.dirname(parent), template)


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = _NotesEnvironment(
        loader=_NotesLoader(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # markdown, not HTML; the filters do the escaping that matters
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
        cache_size=64,
    )
    env.filters.update(
        inline=_inline,
        paragraphs=_paragraphs,
        cell=_cell,
        link_label=_link_label,
        link_url=_link_url,
        outline=_outline,
        by_owner=_by_owner,
        plain_mentions=_plain_mentions,
        # Not `count`: that is Jinja's own name for `length`.
        counted=count,
        listed=listed,
        task=action_task,
        vote_line=vote_announcement,
    )
    return env


def _template_name(template: str) -> str:
    if template in SHIPPED_TEMPLATES:
        return template
    # One cache entry per file, whatever the working directory was when it was named.
    return os.path.abspath(template)


def _deepest_template_frame(tb: TracebackType | None) -> tuple[str, int] | None:
    # Jinja rewrites tracebacks so that template code appears as frames of the template file.
    found = None
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _what_lacks(exc: BaseException) -> str:
    """What a template called whose attribute is missing, in the template's own terms."""
    match = _UNDEFINED_OWNER.search(str(exc))
    owner = match.group(1) if match else ""
    for cls, noun in _NOUNS.items():
        if owner in (f"{cls.__module__}.{cls.__qualname__} object", f"{cls.__name__} object"):
            return noun
    if owner == "None":
        return "an empty value (None)"
    return f"a {owner.removesuffix(' object').rpartition('.')[2] or 'value'}"


def _unknown_variable(exc: BaseException) -> str | None:
    if not isinstance(exc, jinja2.UndefinedError):
        return None
    message = str(exc)
    match = _UNDEFINED_NAME.search(message) or _UNDEFINED_ATTRIBUTE.search(message)
    return match.group(1) if match else None


def _render_problem(template: str, exc: Exception) -> TemplateProblem:
    if isinstance(exc, jinja2.TemplateSyntaxError):  # in a template included while rendering
        return TemplateProblem(exc.filename or template, exc.message or "", line=exc.lineno)
    frame = _deepest_template_frame(exc.__traceback__)
    where, line = frame if frame else (template, None)
    variable = _unknown_variable(exc)
    if variable is not None:
        lacking = (
            f"{_what_lacks(exc)} has no attribute '{variable}'"
            if _UNDEFINED_ATTRIBUTE.search(str(exc))
            else str(exc)
        )
        detail = f"unknown variable '{variable}' ({lacking})"
    elif isinstance(exc, jinja2.TemplateNotFound) and not str(exc.name).endswith(TEMPLATE_SUFFIX):
        detail = f"{exc.name} is not a template: a template file's name ends in {TEMPLATE_SUFFIX}"
    elif isinstance(exc, jinja2.TemplateNotFound):
        detail = f"no such template file: {exc.name}"
    else:
        detail = f"{type(exc).__name__}: {exc}"
    return TemplateProblem(where, detail, line=line, variable=variable)


# --- public API ----------------------------------------------------------------------------


def load_template(template: str) -> jinja2.Template:
    """Return the compiled template: ``community``, ``ecosystem``, or a template file path."""
    try:
        return _environment().get_template(_template_name(template))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(exc.filename or template, exc.message or "", line=exc.lineno) from exc
    except jinja2.TemplateNotFound as exc:
        shipped = ", ".join(SHIPPED_TEMPLATES)
        raise TemplateProblem(
            template, f"no such template file (shipped templates: {shipped})"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateProblem(template, f"cannot read: {exc}") from exc


def shipped_file_template(file_name: str) -> jinja2.Template:
    """A template file shipped in ``zulip_meetbot.templates`` that is no notes template (a
    vote's results), compiled with the notes' filters, strictness and whitespace rules."""
    resource = importlib.resources.files("zulip_meetbot.templates").joinpath(file_name)
    return _environment().from_string(resource.read_text(encoding="utf-8"))


def render_notes(record: MeetingRecord, template: str) -> str:
    """Render the meeting's notes file; the text ends with exactly one newline."""
    compiled = load_template(template)
    context = _context(record)
    try:
        text = compiled.render(context)
    except Exception as exc:  # anything a template does wrong is the template's problem
        raise _render_problem(template, exc) from exc
    return text.rstrip("\n") + "\n"


def check_template(template: str) -> None:
    """Render the template against sample records, so a mistake is found at start-up."""
    for sample in _samples():
        render_notes(sample, template)


def template_problems(templates: Iterable[str]) -> dict[str, TemplateProblem]:
    """:func:`check_template` of each template named, each once however many series share it:
    the problem of each that has one."""
    problems = {}
    for template in dict.fromkeys(templates):
        try:
            check_template(template)
        except TemplateProblem as problem:
            problems[template] = problem
    return problems


def notes_filename(pattern: str, day: date) -> str:
    """Return the notes file's name: ``pattern`` formatted with ``strftime`` for ``day``."""
    name = day.strftime(pattern)
    separators = {"/", "\\", os.sep, os.altsep or "/", "\0"}
    # Without separators the name is one path component; only "." and ".." leave the folder.
    if name.strip() in ("", ".", "..") or any(s in name for s in separators):
        raise ValueError(
            f"notes file name {name!r} (from pattern {pattern!r}) must be a plain file name"
        )
    return name


def as_written(text: str) -> str:
    """The notes ``text`` exactly as :func:`write_notes` puts it in the file (``\\n`` newlines):
    what is published is the file."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def write_notes(path: Path, text: str) -> None:
    """Write the notes atomically (UTF-8, ``\\n`` newlines), creating missing folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, as_written(text).encode("utf-8"))


def write_atomically(path: Path, data: bytes) -> None:
    """``data`` into ``path`` whole or not at all (a file beside it renamed over it); an
    existing file keeps its mode. Raises :class:`OSError` with ``path`` unchanged."""
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644  # mkstemp's 0600 would hide the notes from whoever publishes them
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on Windows.
    if not hasattr(os, "O_DIRECTORY"):
        return
    # The notes are written by then: a folder that refuses fsync must not make that a failure.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- sample records for check_template ---------------------------------------------------


@functools.lru_cache(maxsize=1)
def _samples() -> tuple[MeetingRecord, ...]:
    # A rich record takes every "present" branch, a sparse one every "absent" branch.
    day = date(2025, 2, 12)
    note = DiscussionNote("SD", "Sam Doe", "A note on the item")
    agreed = Decision("We agreed on this", "SD", "1")
    agreed_on_child = Decision("We agreed on a sub-item", "AB", "1.1")
    agreed_anywhere = Decision("Agreed outside any item", "SD", None)
    earlier = date(2025, 2, 5)

    def action(
        number: int, text: str, owners: dict[str, str], item: str | None, done: bool, on: date
    ) -> ActionItem:
        return ActionItem(number, text, tuple(owners), tuple(owners.values()), "SD", item, done, on)

    both = {"Sam Doe": "SD", "Ann Bee": "AB"}
    owned = action(3, "@**Sam Doe|1** and @**Ann Bee** do this", both, "1", False, day)
    done = action(4, "@_**Ann Bee|2** did that", {"Ann Bee": "AB"}, "1.1", True, day)
    unowned = action(5, "Someone does this", {}, None, False, day)
    still_open = action(1, "@**Sam Doe** follow up", {"Sam Doe": "SD"}, "2", False, earlier)
    done_now = action(2, "Nobody's yet", {}, None, True, earlier)
    grandchild = AgendaItem("1.1.1", "A sub-sub-item", "SD", "Sam Doe", False, False)
    child = AgendaItem("1.1", "A sub-item", "SD", "Sam Doe", False, True, (note,), (grandchild,))
    child = replace(child, decisions=(agreed_on_child,), actions=(done,))
    other_child = AgendaItem("1.2", "Someone else's sub-item", "AB", "Ann Bee", True, False)
    item = AgendaItem(
        "1", "An agenda item", "SD", "Sam Doe", True, True, (note,), (child, other_child)
    )
    item = replace(item, decisions=(agreed,), actions=(owned,))
    # Timeboxes: one discussed (planned and actual minutes), one never reached.
    item = replace(item, planned_seconds=600, discussed_seconds=840)
    open_item = AgendaItem("2", "An open item", "AB", "Ann Bee", True, False, planned_seconds=300)
    deferred = AgendaItem("3", "A deferred item", "AB", "Ann Bee", True, False, deferred=True)
    carried = AgendaItem("4", "An item carried over", "SD", "Sam Doe", True, False)
    later = AgendaItem("5", "An item for next time", "SD", "Sam Doe", True, False)
    deadline = datetime(2025, 2, 20, 12, 0, tzinfo=timezone.utc)

    def governance(
        number: int, policy: str, verdict: str | None, sensitive: bool = False
    ) -> AnnouncedVote:
        tally = Tally(0, 0, 0) if sensitive else Tally(5, 1, 1)
        return AnnouncedVote(
            number=number,
            policy=policy,
            text=f"Vote text {number}",
            deadline=deadline,
            deadline_day="2025-02-20 AoE",
            ballots=tally.ballots,
            roster_size=9,
            tally=tally,
            verdict=verdict,
            timed_out=verdict == "failed",
            sensitive=sensitive,
        )

    ongoing = governance(3, "cep", None)
    sensitive = governance(4, "sensitive", None, sensitive=True)
    passed = governance(1, "standard", "passed")
    timed_out = governance(2, "standard", "failed")
    cancelled = governance(5, "standard", "cancelled")
    held_elsewhere = governance(6, "sensitive", "held elsewhere", sensitive=True)
    rich = MeetingRecord(
        series_slug="sample",
        title="Sample Meeting",
        date=day,
        start_utc=datetime(2025, 2, 12, 17, 30, tzinfo=timezone.utc),
        timezone="Europe/Madrid",
        video_link="https://zoom.us/j/1",
        video_label="Zoom link",
        description="A sample meeting.",
        attendees=(
            Attendee(1, "Sam Doe", "SD", "Company", "samdoe"),
            Attendee(None, "Ann Bee", "AB", "", ""),
        ),
        sections=(
            AgendaSection("Introductions"),
            AgendaSection("Announcements"),
            AgendaSection("From previous meetings", (carried,)),
            AgendaSection("New Agenda Items", (item, open_item, deferred)),
            AgendaSection("Deferred to next meeting", (later,)),
        ),
        decisions=(agreed, agreed_on_child, agreed_anywhere),
        actions=(owned, done, unowned),
        open_actions=(still_open, done_now),
        deferred=(deferred,),
        handed_on=(deferred, later),
        votes=(
            QuickVote(
                1,
                1,
                "Ship it?",
                (
                    VoteOption("yes", "+1", "1f44d", 2),
                    VoteOption("no", "-1", "1f44e", 1),
                    VoteOption("abstain", "shrug", "1f937", 0),
                ),
                1,
                100,
                True,
                "1",
            ),
            QuickVote(2, 2, "Lunch", (VoteOption("pizza", "one", "0031-20e3"),), 2, None, True),
        ),
        ongoing_votes=(ongoing, sensitive),
        closed_votes=(passed, timed_out, cancelled, held_elsewhere),
        regrets=("Olu Vance", "Cheng H. Lee"),
    )
    sparse = MeetingRecord(
        series_slug="sample",
        title="Sample Meeting",
        date=date(2025, 2, 19),
        start_utc=datetime(2025, 2, 19, 0, 0, tzinfo=timezone.utc),
        timezone="UTC",
        video_link="",
        video_label="",
        description="",
        attendees=(),
        sections=(),
    )
    # Without an announcements section, the votes are a section of their own.
    voting_only = replace(sparse, ongoing_votes=(ongoing,), closed_votes=(passed,))
    return (rich, sparse, voting_only)

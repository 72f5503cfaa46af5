"""``meetbot init``: a commented botrc from a few answers, asked for or given as flags.

The answers are checked by the same parser ``meetbot run`` uses, so ``init`` never writes a
botrc that ``meetbot check --offline`` would refuse; a wrong answer is asked for again (or, from
flags, named by its flag).
"""

from __future__ import annotations

import configparser
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path

from zulip_meetbot.config import (
    AUTO_START,
    DATABASE,
    DURATION,
    NOTES_DIR,
    REMINDERS,
    SECTIONS,
    TEMPLATE,
    TOPIC,
    ConfigError,
    Problem,
    check_interval,
    check_site,
    parse_settings,
    stream_name,
)
from zulip_meetbot.views import listed

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_EVERY_N_WEEKS = re.compile(r"every\s+(\d{1,2})\s+weeks?")
_EVERY_OTHER_WEEK = "FREQ=WEEKLY;INTERVAL=2"
# The schedule phrases init understands, and their rules; "monthly" and "every N weeks" (so
# "every 2 weeks") are worked out from the start and the number.
_SCHEDULE_PHRASES: Mapping[str, str] = {
    "weekly": "FREQ=WEEKLY",
    "every week": "FREQ=WEEKLY",
    "biweekly": _EVERY_OTHER_WEEK,
    "fortnightly": _EVERY_OTHER_WEEK,
    "every other week": _EVERY_OTHER_WEEK,
    "daily": "FREQ=DAILY",
    "once": "",
    "none": "",
    "no": "",
    "one-off": "",
}
# What --help, the question and a refused answer say init accepts.
SCHEDULE_CHOICES = (
    "weekly (or every week), every 2 weeks (or biweekly, fortnightly, every other week), "
    "every N weeks, monthly (on the start's weekday: the 2nd Wednesday stays the 2nd), daily, "
    "once, or an RRULE such as FREQ=WEEKLY;BYDAY=WE"
)
# What a zuliprc gives (--zuliprc), as init's questions and flags name them.
_ACCOUNT_FIELDS = ("site", "email", "key")
# Words that say nothing about which meeting it is; a slug is typed in commands, so shorter.
_FILLER_WORDS = frozenset({"the", "meeting", "meetings", "call", "calls", "sync"})


@dataclass(frozen=True)
class Answers:
    """What ``init`` asks; an empty string is a question not answered yet."""

    site: str = ""
    email: str = ""
    key: str = ""
    stream: str = ""
    title: str = ""
    start: str = ""  # YYYY-MM-DD HH:MM, a wall time in `timezone`
    timezone: str = ""
    schedule: str = ""  # weekly, every 2 weeks, monthly, once, or an RRULE
    video_link: str = ""
    video_label: str = ""
    description: str = ""
    chairs: str = ""
    slug: str = ""
    topic: str = TOPIC.default


@dataclass(frozen=True)
class Question:
    field: str
    prompt: str
    default: str = ""
    required: bool = True
    secret: bool = False
    only_after: str = ""  # asked only when this other answer was given


def questions() -> tuple[Question, ...]:
    """What ``init`` asks, in order; the time zone defaults to this machine's."""
    return (
        Question("site", "Zulip server URL (e.g. https://example.zulipchat.com)"),
        Question("email", "The bot's email (Personal settings > Bots)"),
        Question("key", "The bot's API key (not shown)", secret=True),
        Question("stream", "Stream (channel) the meeting happens in"),
        Question("title", "Meeting title", "Community Meeting"),
        Question("start", "First meeting, YYYY-MM-DD HH:MM in its time zone"),
        Question("timezone", "Its time zone (IANA name)", local_zone_name()),
        Question(
            "schedule",
            f"How it repeats: {SCHEDULE_CHOICES}",
            "weekly",
        ),
        Question("video_link", "Video call link (Enter for none)", required=False),
        Question(
            "video_label",
            "The link's text (Enter for Zoom link or Video call link)",
            required=False,
            only_after="video_link",
        ),
        Question(
            "description",
            "A sentence under the notes' heading (Enter for none)",
            required=False,
        ),
        Question(
            "chairs",
            "Chairs besides the admins: user ids or emails, comma-separated (Enter for none)",
            required=False,
        ),
    )


# botrc key → the answer (and flag) that sets it.
_FIELD_OF_KEY: Mapping[str, str] = {
    "site": "site",
    "email": "email",
    "key": "key",
    "stream": "stream",
    "title": "title",
    "start": "start",
    "timezone": "timezone",
    "schedule": "schedule",
    "video_link": "video_link",
    "video_label": "video_label",
    "description": "description",
    "topic": "topic",
    "chairs": "chairs",
}


# --- pure parts -----------------------------------------------------------------------------


def default_slug(title: str) -> str:
    """A series slug from its title: ``Conda Community Meeting`` → ``conda-community``."""
    # Accents come off (NFKD splits é into e and a combining mark) and ß becomes ss.
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    ascii_title = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.findall(r"[a-z0-9]+", ascii_title)
    kept = [w for w in words if w not in _FILLER_WORDS] or words
    return "-".join(kept[:3]) or "meeting"


def schedule_rule_text(choice: str, start: str) -> str:
    """The RRULE for an answer such as ``every 2 weeks``; empty for a one-off meeting."""
    text = " ".join(choice.strip().lower().split())
    if "freq=" in text:
        return choice.strip().removeprefix("RRULE:").removeprefix("rrule:")
    if not text:
        return ""
    if text in _SCHEDULE_PHRASES:
        return _SCHEDULE_PHRASES[text]
    if match := _EVERY_N_WEEKS.fullmatch(text):
        interval = check_interval(match.group(1), repr(choice.strip()))
        return "FREQ=WEEKLY" if interval == 1 else f"FREQ=WEEKLY;INTERVAL={interval}"
    if text == "monthly":
        return _monthly_rule(start)
    raise ValueError(f"expected {SCHEDULE_CHOICES}; got {choice.strip()!r}")


def _monthly_rule(start: str) -> str:
    """Monthly on the start's weekday: the 2nd Wednesday stays the 2nd Wednesday."""
    try:
        first = datetime.strptime(start.strip()[:10], "%Y-%m-%d")
    except ValueError:
        return "FREQ=MONTHLY"  # the start's own problem is reported on its own
    nth = (first.day - 1) // 7 + 1
    # A 5th weekday is missing from most months: "the last" is what people mean.
    position = -1 if nth == 5 else nth
    return f"FREQ=MONTHLY;BYDAY={position}{_WEEKDAYS[first.weekday()]}"


def local_zone_name(environ: Mapping[str, str] | None = None) -> str:
    """This machine's IANA zone name (TZ, /etc/timezone, /etc/localtime), or UTC."""
    environ = os.environ if environ is None else environ
    zone = environ.get("TZ", "").lstrip(":")
    if "/" in zone and not zone.startswith("/"):
        return zone
    try:
        return Path("/etc/timezone").read_text(encoding="utf-8").strip() or "UTC"
    except OSError:
        pass
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return "UTC"
    _, marker, name = target.partition("zoneinfo/")
    return name if marker and name else "UTC"


def answers_from_zuliprc(path: Path) -> Answers:
    """The site, email and key of a zuliprc (the file Zulip offers for each bot)."""
    parser = configparser.ConfigParser(interpolation=None)
    not_a_zuliprc = ValueError(f"{path} has no [api] section: is it a zuliprc?")
    try:
        with path.expanduser().open(encoding="utf-8") as file:
            parser.read_file(file)
    except OSError as error:
        raise ValueError(f"cannot read the zuliprc {path}: {error.strerror}") from None
    except (UnicodeDecodeError, configparser.Error):
        raise not_a_zuliprc from None
    if not parser.has_section("api"):
        raise not_a_zuliprc
    api = parser["api"]
    return Answers(
        site=api.get("site", "").strip(),
        email=api.get("email", "").strip(),
        key=api.get("key", "").strip(),
    )


def merged(base: Answers, overrides: Answers) -> Answers:
    """``base`` with every answered field of ``overrides`` taking its place."""
    chosen = {f.name: getattr(overrides, f.name) for f in fields(Answers)}
    return replace(base, **{name: value for name, value in chosen.items() if value})


def slug_of(answers: Answers) -> str:
    """The series' slug: the one given, or one made from the title."""
    return answers.slug or default_slug(answers.title)


def cleaned(answers: Answers) -> Answers:
    """The answers as the botrc parser reads them: ``#stream`` is the stream, a site gets
    https://; a site it refuses stays as typed, for the parser to name."""
    try:
        site = check_site(answers.site)
    except ValueError:
        site = answers.site
    return replace(answers, site=site, stream=stream_name(answers.stream))


def render_botrc(answers: Answers) -> str:
    """The botrc text: the answers, every other key at its default, each one explained."""
    answers = cleaned(answers)
    slug = slug_of(answers)
    schedule = schedule_rule_text(answers.schedule, answers.start)
    schedule_line = (
        f"schedule = {schedule}" if schedule else "# schedule = FREQ=WEEKLY   (none: a one-off)"
    )
    chairs = f"chairs = {answers.chairs}" if answers.chairs else "chairs ="
    video = (
        f"video_link = {answers.video_link}"
        if answers.video_link
        else "# video_link = https://meet.example.org/your-room"
    )
    label = (
        f"video_label = {answers.video_label}"
        if answers.video_label
        else "# video_label = Video call link"
    )
    description = (
        f"description = {answers.description}"
        if answers.description
        else "# description = What the meeting is for, in a sentence or two."
    )
    return f"""\
# meetbot's botrc, written by `meetbot init`. Check it with `meetbot check --config THIS-FILE`,
# then start the bot with `meetbot run --config THIS-FILE`. Every key is explained in
# botrc.example; comments sit on their own lines; relative paths are relative to this file.
# This file holds the bot's API key: keep it readable by you only (chmod 600).

# The bot's Zulip account: the same keys as the bot's zuliprc (Personal settings > Bots).
[api]
site = {answers.site}
email = {answers.email}
key = {answers.key}

[meetbot]
# The bot's database (agendas, attendance, what it has done) and the notes folder.
database = {DATABASE.default}
notes_dir = {NOTES_DIR.default}
# Who may start, end, skip and reschedule meetings, besides the organization's admins and owners:
# Zulip user ids (Profile > User ID) or emails, comma-separated.
{chairs}
# Extra time zones each reminder spells the time out in (Zulip shows everyone their own):
# timezones = America/Los_Angeles, Europe/Berlin, Asia/Kolkata

# One [series:SLUG] section per recurring meeting; SLUG names it in commands and file names.
[series:{slug}]
title = {answers.title}
# The stream the meeting happens in, and each meeting's topic ({{date}} is YYYY-MM-DD).
stream = {answers.stream}
topic = {answers.topic}
# The first meeting, as a wall time in `timezone`; a repeating meeting keeps that wall time
# across daylight-saving changes.
start = {answers.start}
timezone = {answers.timezone}
# How it repeats: an RFC 5545 RRULE without DTSTART (FREQ=WEEKLY;INTERVAL=2 is every other
# week, FREQ=MONTHLY;BYDAY=1TH the first Thursday of each month).
{schedule_line}
duration = {DURATION.default}
# The video call's link, and its text in the notes.
{video}
{label}
# The paragraph under the notes' heading; a blank line, then indented lines, start another.
{description}
# When to remind the stream, before the start (empty for no reminders).
reminders = {REMINDERS.default}
# The agenda's sections, in order; `agenda add TEXT` adds to the last one.
sections = {SECTIONS.default}
# The notes template: community or ecosystem (shipped), or a Jinja2 file of your own.
template = {TEMPLATE.default}
# yes: the meeting starts by itself at its start time; no: when a chair says `start`.
auto_start = {AUTO_START.default}
"""


def botrc_problems(answers: Answers, path: Path) -> dict[str, str]:
    """What ``meetbot run`` would refuse in the botrc of ``answers``, by answer field."""
    multiline = [f.name for f in fields(Answers) if "\n" in getattr(answers, f.name)]
    if multiline:
        return dict.fromkeys(multiline, "must fit on one line")
    problems: dict[str, str] = {}
    try:
        schedule_rule_text(answers.schedule, answers.start)
    except ValueError as error:
        problems["schedule"] = str(error)
        answers = replace(answers, schedule="once")  # so the other answers are still checked
    try:
        parse_settings(render_botrc(answers), path)
    except ConfigError as error:
        found = {**_problems_by_field(error.found), **problems}
        return {field: _given_but_empty(answers, field, m) for field, m in found.items()}
    return problems


def _given_but_empty(answers: Answers, field: str, message: str) -> str:
    """``message``, unless it calls missing an answer given that reads as empty (``#``)."""
    given = getattr(answers, field, "")
    return f"{given!r} names no {_label(field)}" if message == "missing" and given else message


def _problems_by_field(problems: Iterable[Problem]) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in problems:
        if _of_a_key(problem) and problem.key is not None:
            field = _FIELD_OF_KEY.get(problem.key, problem.key)
            # An empty answer is one not given: "empty" would read as if it had been.
            message = "missing" if problem.message == "empty" else problem.message
            found.setdefault(field, message)
        elif _of_a_series(problem):
            found.setdefault("slug", problem.message)
        else:
            found.setdefault("botrc", str(problem))
    return found


def _of_a_key(problem: Problem) -> bool:
    """A problem with one key of a section init writes, not one configparser found at a line."""
    section = problem.section or ""
    known = section in ("api", "meetbot") or section.startswith("series:")
    return known and problem.key is not None and problem.line is None


def _of_a_series(problem: Problem) -> bool:
    """A problem with a whole series section (its slug), not with one of its keys."""
    section = problem.section or ""
    return section.startswith("series:") and problem.key is None and problem.line is None


# --- asking ---------------------------------------------------------------------------------


def ask_missing(
    answers: Answers,
    path: Path,
    ask: Callable[[str], str],
    ask_secret: Callable[[str], str],
    tell: Callable[[str], None],
) -> Answers:
    """Ask the unanswered questions in order, checking each answer (asked or given as a flag)
    as ``run`` would, and asking again at once, saying why, until it is right."""
    for question in questions():
        label = _label(question.field)
        if question.only_after and not getattr(answers, question.only_after):
            if getattr(answers, question.field):
                tell(f"{label}: ignored, as there is no {_label(question.only_after)}")
                answers = replace(answers, **{question.field: ""})
            continue
        if not getattr(answers, question.field):
            answers = _answered(answers, question, ask, ask_secret, tell)
        # Earlier answers are right by now and later ones are not looked at: only this
        # answer's own problem can show.
        while problem := botrc_problems(answers, path).get(question.field):
            tell(f"{label}: {problem}")
            answers = _answered(answers, question, ask, ask_secret, tell)
    problems = botrc_problems(answers, path)
    if problems:  # a problem no question can fix (a --slug or --topic flag)
        raise ValueError("; ".join(f"{flag(f)}: {m}" for f, m in problems.items()))
    return answers


def ask_zuliprc(
    answers: Answers, ask: Callable[[str], str], tell: Callable[[str], None]
) -> Answers:
    """Offer to read the account from the bot's zuliprc, unless part of it is given already."""
    if answers.site or answers.email or answers.key:
        return answers
    while True:
        reply = ask("The bot's zuliprc file (Enter to type its site, email and key): ").strip()
        if not reply:
            return answers
        try:
            return merged(answers_from_zuliprc(Path(reply)), answers)
        except ValueError as error:
            tell(str(error))


def _answered(
    answers: Answers,
    question: Question,
    ask: Callable[[str], str],
    ask_secret: Callable[[str], str],
    tell: Callable[[str], None],
) -> Answers:
    """``answers`` with ``question`` asked until it gets a reply (or its default)."""
    shown = f"{question.prompt} [{question.default}]: " if question.default else ""
    prompt = shown or f"{question.prompt}: "
    while True:
        reply = (ask_secret if question.secret else ask)(prompt).strip() or question.default
        if reply or not question.required:
            return replace(answers, **{question.field: reply})
        tell(f"{_label(question.field)}: required, there is no default (Ctrl-C stops)")


def _label(field: str) -> str:
    return field.replace("_", " ")


# --- the flags, as `meetbot init` (cli/init.py) names them -----------------------------------


def in_question_order(names: Iterable[str]) -> list[str]:
    """Answer fields in the order init asks them; the flags no question asks after them."""
    order = [q.field for q in questions()]
    order += [f.name for f in fields(Answers) if f.name not in order]
    return sorted(names, key=lambda name: order.index(name) if name in order else len(order))


def not_asked(missing: Sequence[str]) -> str:
    """Why nothing was asked, and which flags to give, when stdin is no terminal."""
    flags = [flag(field) for field in missing]
    # The bot's zuliprc gives all three, and keeps the key out of `ps` and shell history.
    alternative = (
        f"; --zuliprc FILE gives {listed(_ACCOUNT_FIELDS)}"
        if any(field in _ACCOUNT_FIELDS for field in missing)
        else ""
    )
    noun = "a flag" if len(flags) == 1 else "flags"
    return (
        "meetbot init: standard input is not a terminal, so init asks nothing and reads no "
        f"piped answers; give {listed(flags)} as {noun}{alternative} "
        "(see `meetbot init --help`)"
    )


def flag_of_key(key: str) -> str:
    """The flag that sets botrc ``key``, or the key itself when no flag does."""
    return flag(_FIELD_OF_KEY[key]) if key in _FIELD_OF_KEY else key


def flag_warning(warning: Problem) -> str:
    """A ``[series:SLUG] key: …`` warning as ``--flag: …`` when a flag sets that key."""
    key = warning.key
    if key is None or key not in _FIELD_OF_KEY or not _of_a_key(warning):
        return str(warning)
    return f"{flag_of_key(key)}: {warning.message}"


def default_answers() -> Answers:
    """The answers a question's default gives."""
    return Answers(**{q.field: q.default for q in questions() if q.default})


def flag(field: str) -> str:
    """The `meetbot init` flag that answers ``field`` (`--notes-dir` for ``notes_dir``)."""
    return f"--{field.replace('_', '-')}" if field != "botrc" else "botrc"


def write_private(path: Path, text: str, *, replace_existing: bool) -> None:
    """Write ``text`` to ``path`` readable and writable by its owner only (it holds a key)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace_existing else os.O_EXCL)
    descriptor = os.open(path, flags, 0o600)
    # An existing file keeps its mode through O_TRUNC; the key must not stay readable.
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)

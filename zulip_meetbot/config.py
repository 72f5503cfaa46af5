"""The botrc: one INI file holding the Zulip credentials, the bot's settings and its meeting series.

``parse_settings`` turns the file's text into frozen values, or raises one ``ConfigError`` that
lists every problem found, each on one line naming the section and key.
"""

from __future__ import annotations

import collections
import configparser
import csv
import difflib
import functools
import itertools
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.rrule import rrulebase

from zulip_meetbot.domain.voting import POLICIES, Policy, policies_from_botrc
from zulip_meetbot.markup import stream_name as stream_name
from zulip_meetbot.schedules import (
    Schedule,
    ScheduleProblems,
    check_schedule,
    parse_schedule,
    schedule_set,
)
from zulip_meetbot.schedules import check_interval as check_interval
from zulip_meetbot.schedules import schedule_rule as schedule_rule
from zulip_meetbot.timeutil import format_duration, to_utc
from zulip_meetbot.timeutil import parse_date as parse_date
from zulip_meetbot.timeutil import parse_duration as parse_duration
from zulip_meetbot.timeutil import wall_time as _parse_start

__all__ = [
    "BUILTIN_TEMPLATES",
    "CARRY_OVER_MODES",
    "KEYS",
    "ApiConfig",
    "ConfigError",
    "Key",
    "Problem",
    "Publishing",
    "Roster",
    "SeriesConfig",
    "Settings",
    "absolute_path",
    "botrc_not_found",
    "check_branch_name",
    "check_interval",
    "check_site",
    "check_zone",
    "github_owner_name",
    "load_settings",
    "parse_author",
    "parse_duration",
    "parse_settings",
    "pull_request_repository",
    "read_members_csv",
    "read_roster_csv",
    "relative_repository_path",
    "schedule_rule",
    "stream_name",
    "vote_results_file",
    "vote_slug",
]

T = TypeVar("T")
U = TypeVar("U")
V = TypeVar("V")
# ``bad`` has a type of its own: an empty tuple or None standing for a list or a value would
# otherwise pin ``T`` to ``tuple[()]`` or ``None``, and the converter would not fit it.
Bad = TypeVar("Bad")

BUILTIN_TEMPLATES = ("community", "ecosystem")
# A template file's name ends so, as the shipped ones' do: no other file is ever rendered.
TEMPLATE_SUFFIX = ".j2"
CARRY_OVER_MODES = ("deferred", "unticked")

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
# Zulip refuses longer stream names and cuts longer topics, which would break topic matching.
MAX_NAME_LENGTH = 60
# Zulip's longest user group name (UserGroup.MAX_NAME_LENGTH).
ZULIP_GROUP_NAME_LENGTH = 100

# IANA's geographic areas: other names (US/Eastern, CET, Poland) are old aliases of these.
_ZONE_AREAS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)
# A hint lists this many zones of an abbreviation, and how many more there are.
_ZONES_SHOWN = 6
_ABBREVIATION_RE = re.compile(r"[A-Za-z]{2,6}")
_PLACEHOLDER_RE = re.compile(r"\{[^{}]*\}")
_SECTION_HEADER_RE = re.compile(r"\[(.+)\]")
_KEY_START_RE = re.compile(r"([A-Za-z_]+)\s*[=:]")
# Finer rules would flood the stream with reminders and make dateutil crawl through seconds.
# configparser copies a [DEFAULT] section into every other one; a name no header can spell turns
# that off, so a stray [DEFAULT] is reported as an unknown section instead of leaking keys.
_NO_DEFAULT_SECTION = "\n"
# Shorter keys are left alone: redacting them would garble ordinary words.
_MIN_REDACTED_LENGTH = 8
# ASCII control characters are below the space, and DEL.
_SPACE = 0x20
_DELETE = 0x7F
_DRIVE_RE = re.compile(r"[A-Za-z]:")
# Besides control characters, the characters git never allows in a ref (check-ref-format).
_REF_FORBIDDEN = " ~^:?*[\\"
_GITHUB_OWNER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_GITHUB_NAME_RE = re.compile(r"[A-Za-z0-9._-]+")
# github.com's clone URLs: https (a token as user name allowed), ssh:// (a port allowed), and
# scp-like USER@github.com:OWNER/NAME; each with or without .git. Not http://, not look-alikes.
_GITHUB_URL_RE = re.compile(
    r"(?:https://(?:[^@/]+@)?(?:www\.)?github\.com(?::\d+)?/"
    r"|ssh://(?:[^@/]+@)?github\.com(?::\d+)?/"
    r"|(?:[^@/:]+@)?github\.com:/?)"
    r"(?P<owner>[^/]+)/(?P<name>[^/]+?)(?:\.git)?/?",
    re.IGNORECASE,
)
# git refuses <, > and line breaks in an identity; the email needs its @.
# An email as a roster or a chair names one: something, an @, something; no space, one @.
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+")
_AUTHOR_RE = re.compile(r"(?P<name>[^<>\n]*[^<>\s])\s*<(?P<email>[^<>\s]+@[^<>\s]+)>")
DEFAULT_GITHUB_API = "https://api.github.com"
# strftime directives (C99, POSIX and glibc's); any other is printed as written, a mistake.
_STRFTIME_RE = re.compile(r"%([-_0^#]?)(.?)")
_STRFTIME_LETTERS = frozenset("aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYzZ%")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the botrc: where it is (as precisely as known) and what it is.

    ``section`` is None for the file as a whole, ``key`` None for a whole section; ``line`` is
    set when configparser itself named the line.
    """

    section: str | None
    key: str | None
    message: str
    line: int | None = None

    def __str__(self) -> str:
        line = f"line {self.line}: " if self.line is not None else ""
        if self.section is None:
            return f"{line}{self.message}"
        if self.key is None and self.line is not None:
            return f"{line}[{self.section}] {self.message}"  # configparser's "[api] appears twice"
        key = f" {self.key}" if self.key is not None else ""
        return f"{line}[{self.section}]{key}: {self.message}"


class ConfigError(Exception):
    """The botrc is unusable: ``found`` holds every problem, ``problems`` the same one per line."""

    def __init__(self, found: Iterable[Problem]) -> None:
        self.found: tuple[Problem, ...] = tuple(found)
        super().__init__("\n".join(self.problems))

    @property
    def problems(self) -> tuple[str, ...]:
        """Each problem as one line of text: ``[series:community] timezone: unknown …``."""
        return tuple(str(problem) for problem in self.found)


@dataclass(frozen=True)
class Key(Generic[T]):
    """One botrc key: its section, how its text is read, what a missing one means, what it does.

    ``section`` is ``api``, ``meetbot`` or ``series:SLUG``; ``default`` is the text a missing
    key stands for (ignored when ``required``); ``shown`` says the default in the docs when the
    reading works it out (the last section); ``multiline`` keys may go on over indented lines.
    """

    section: str
    name: str
    parse: Callable[[str], T] = field(repr=False)
    default: str
    doc: str
    required: bool = False
    shown: str = ""
    multiline: bool = False

    @property
    def default_value(self) -> T:
        """The value a missing key stands for (one that needs the botrc's folder: relative)."""
        return self.parse(self.default)

    @property
    def documented_default(self) -> str:
        """The default as the docs write it: ``required``, ``none``, or the text."""
        if self.required:
            return "required"
        return self.shown or self.default or "none"


@dataclass(frozen=True)
class ApiConfig:
    """The ``[api]`` section: the same keys as a zuliprc."""

    email: str
    key: str = field(repr=False)
    site: str
    insecure: bool = False
    cert_bundle: str | None = None


@dataclass(frozen=True)
class _RepositoryFile:
    """The file a path pattern names, as its problems speak of it: what it is, the folder it
    must stay in, a good path to copy."""

    what: str
    inside: str
    example: str


_NOTES_FILE = _RepositoryFile("notes file", "the repository", "meetings/2025-02-12.md")


@dataclass(frozen=True)
class Publishing:
    """Where a series' notes are published (botrc `publish = git` and the `publish_*` keys)."""

    repo: str  # publish_repo: anything `git clone` accepts (a relative path made absolute)
    path: str  # publish_path: strftime pattern, relative, inside the repo
    branch: str  # publish_branch: strftime pattern (default "%Y-%m-%d-meeting-notes")
    base: str | None  # publish_base; None: the remote's default branch
    pull_request: bool  # publish_pull_request = github
    github_api: str  # github_api (default "https://api.github.com"), without a trailing /
    token_file: Path | None  # github_token_file; None: env MEETBOT_GITHUB_TOKEN
    author: tuple[str, str] | None  # publish_author "Name <email>"; None: the bot's Zulip one

    def path_for(self, day: date) -> str:
        """The file the notes of the meeting held on ``day`` go to, relative to the repo's top."""
        return relative_repository_path(day.strftime(self.path))

    def branch_for(self, day: date) -> str:
        """The branch the notes of the meeting held on ``day`` are committed to."""
        return check_branch_name(day.strftime(self.branch))


@dataclass(frozen=True)
class Roster:
    """One ``[roster:NAME]`` section: who votes in governance votes.

    Exactly one source is set: ``members`` (user ids as int, emails as written), read from the
    botrc or from ``members_csv`` (then both are set: the file's rows, read at load), or
    ``zulip_group`` (a Zulip user group's name, read from the server when needed; no members).
    """

    name: str
    members: tuple[str | int, ...]
    members_csv: Path | None = None
    zulip_group: str | None = None
    # (member, name) of the members_csv rows whose `name` column is filled: the shell, which
    # has no Zulip to ask, shows roster members by these names.
    names: tuple[tuple[str | int, str], ...] = ()


@dataclass(frozen=True)
class SeriesConfig:
    """One ``[series:SLUG]`` section: a recurring (or one-off) meeting."""

    slug: str
    title: str
    stream: str
    topic: str
    start: datetime  # naive wall time in `timezone`
    timezone: str
    schedule: Schedule | None  # None: a one-off meeting at `start`
    duration: timedelta
    video_link: str
    video_label: str
    reminders: tuple[timedelta, ...]  # largest first, no duplicates
    sections: tuple[str, ...]
    default_section: str
    template: str  # "community", "ecosystem" or an absolute path
    notes_path: str
    description: str
    chairs: tuple[str, ...]
    auto_start: bool
    carry_over: str
    # A meeting still open this long after its planned end is ended by the bot.
    auto_end: timedelta = field(default_factory=lambda: AUTO_END.default_value)
    # Reactions on the attendance message this long after `end` still count.
    attendance_grace: timedelta = field(default_factory=lambda: ATTENDANCE_GRACE.default_value)
    # Where the notes are published; None: they are not (publish = no).
    publishing: Publishing | None = None
    # The [roster:NAME] that votes in governance votes in this series' stream; None: none.
    votes: str | None = None
    # Where a closed governance vote's results file goes, inside notes_dir and the repository:
    # a strftime pattern (the close's UTC date) with {slug} and {number} (vote_results_file).
    vote_results_path: str = field(default_factory=lambda: VOTE_RESULTS_PATH.default)
    # A meeting whose agenda is still empty this long before its start is cancelled; None: off.
    skip_if_empty: timedelta | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The series' time zone."""
        return ZoneInfo(self.timezone)

    def topic_for(self, day: date) -> str:
        """The topic of the meeting held on ``day`` (a date in the series' zone)."""
        # str.replace, not str.format: a topic may hold other braces literally.
        return self.topic.replace("{date}", day.isoformat())

    def find_section(self, name: str) -> str | None:
        """The canonical spelling of the section called ``name``, ignoring case; None if none."""
        wanted = name.strip().casefold()
        return next((s for s in self.sections if s.casefold() == wanted), None)


@dataclass(frozen=True)
class Settings:
    """Everything the botrc says."""

    path: Path
    api: ApiConfig
    database: Path
    notes_dir: Path
    timezones: tuple[str, ...]
    chairs: tuple[str, ...]
    series: tuple[SeriesConfig, ...]
    # How late a reminder missed while the bot was down may still be posted.
    reminder_grace: timedelta
    # How old a command sent while the bot was away may be and still be answered on its return.
    catch_up: timedelta
    # Names of the organization's custom profile fields read for the attendees table.
    affiliation_fields: tuple[str, ...]
    github_fields: tuple[str, ...]
    # Limits that keep a flood or a paste accident from filling the record.
    max_item_length: int
    max_items_per_meeting: int
    commands_per_minute: int
    # [roster:NAME] sections, in the botrc's order.
    rosters: tuple[Roster, ...] = ()
    # The voting policies: the shipped ones with the botrc's [policies] lines applied.
    policies: Mapping[str, Policy] = field(default_factory=lambda: POLICIES)

    def roster_by_name(self, name: str) -> Roster | None:
        """The roster called ``name``, or None."""
        return next((r for r in self.rosters if r.name == name), None)

    @property
    def clones_folder(self) -> Path:
        """Where publishing keeps its clones of the series' repositories (one folder per
        series): meetbot's state folder, the database's."""
        return self.database.parent / "publish"

    def series_by_slug(self, slug: str) -> SeriesConfig | None:
        """The series called ``slug``, or None."""
        return next((s for s in self.series if s.slug == slug), None)

    def series_in_stream(self, stream: str) -> tuple[SeriesConfig, ...]:
        """The series that meet in ``stream`` (Zulip stream names ignore case)."""
        wanted = stream.casefold()
        return tuple(s for s in self.series if s.stream.casefold() == wanted)


# --- public helpers -------------------------------------------------------------------------


def check_zone(name: str) -> str:
    """``name`` if it is a time zone this machine knows; otherwise a ValueError with a hint."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as "America"
        raise ValueError(f"unknown time zone {name!r}{_zone_hint(name)}") from None
    return name


def zones_using_abbreviation(abbreviation: str, year: int) -> tuple[str, ...]:
    """The IANA zones (Area/City names) whose abbreviation is ``abbreviation`` (any case) at
    some time in ``year``, the year before or the year after: ``CEST`` → Europe/Berlin, …;
    the zones of the Area most of them share come first."""
    return _zones_by_abbreviation(year).get(abbreviation.upper(), ())


def check_site(text: str) -> str:
    """The Zulip server's URL; one without a scheme gets https://, as the zulip client does."""
    site = text.strip()
    if "://" not in site:
        site = f"https://{site}"
    url = urlparse(site)
    if url.scheme not in ("http", "https") or not url.hostname or " " in site:
        raise ValueError(
            f"expected the Zulip server's URL, such as https://example.zulipchat.com, got {text!r}"
        )
    return site


def absolute_path(path: str | Path, base: Path | None = None) -> Path:
    """``path`` with ``~`` expanded, made absolute against ``base`` (default the working folder)
    and normalised (``a/../b`` is ``b``), as every message shows a path."""
    expanded = Path(path).expanduser()
    if not expanded.is_absolute():
        expanded = (base if base is not None else Path.cwd()) / expanded
    return Path(os.path.normpath(expanded))


def relative_repository_path(rendered: str, file: _RepositoryFile = _NOTES_FILE) -> str:
    """``rendered`` (one meeting's ``publish_path``, or what ``file`` says) as a file's path
    inside a repository, its folders joined by ``/``; a ValueError saying why when it would land
    outside, or in ``.git``."""
    if not rendered.strip():
        raise ValueError("empty")
    if any(ord(char) < _SPACE or ord(char) == _DELETE for char in rendered):
        raise ValueError(f"{rendered!r} holds a control character (a line break or a tab?)")
    if "\\" in rendered:
        raise ValueError(f"{rendered!r} holds a backslash: separate folders with /")
    # ~ is literal to git but the home folder to the reader: either way not the repository's.
    if rendered.startswith(("/", "~")) or _DRIVE_RE.match(rendered):
        raise ValueError(
            f"{rendered!r} is absolute: write a path inside {file.inside}, such as {file.example}"
        )
    parts = [part for part in rendered.split("/") if part not in ("", ".")]
    if rendered.endswith("/") or not parts:
        raise ValueError(f"{rendered!r} names a folder: name the {file.what} in it")
    if ".." in parts:
        raise ValueError(f"{rendered!r} is outside {file.inside} (it climbs out with ..)")
    # Case-insensitive file systems take .GIT for .git, and some drop trailing dots or spaces
    # (".git. "); git refuses them all in a tree.
    if any(part.casefold().rstrip(". ") == ".git" for part in parts):
        raise ValueError(f"{rendered!r} is inside .git, git's own folder, not the repository's")
    return "/".join(parts)


def check_branch_name(name: str) -> str:
    """``name`` if git accepts it as a branch (``git check-ref-format --branch``'s rules);
    otherwise a ValueError saying which rule it breaks."""
    why = _branch_name_problem(name)
    if why is not None:
        raise ValueError(f"{name!r} is not a branch name git accepts: {why}")
    return name


def _branch_name_problem(name: str) -> str | None:
    if not name:
        return "it is empty"
    if any(ord(char) < _SPACE or ord(char) == _DELETE for char in name):
        return "it holds a control character"
    forbidden = [char for char in _REF_FORBIDDEN if char in name]
    if forbidden:
        shown = " ".join("a space" if char == " " else char for char in forbidden)
        return f"it holds {shown} (none of space ~ ^ : ? * [ \\ may be in one)"
    if ".." in name:
        return "it holds '..'"
    if "@{" in name:
        return "it holds '@{'"
    if name in ("@", "HEAD"):
        return f"{name} alone means the current commit"
    if name.startswith("-"):
        return "it starts with '-'"
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return "a '/' at its start or end, or two in a row"
    if name.endswith("."):
        return "it ends with '.'"
    for part in name.split("/"):
        if part.startswith("."):
            return f"its part {part!r} starts with '.'"
        if part.endswith(".lock"):
            return f"its part {part!r} ends with '.lock'"
    return None


def pull_request_repository(repo: str, github_api: str) -> tuple[str, str] | None:
    """The OWNER and NAME of the repository ``publish_repo`` names on the GitHub that
    ``github_api`` serves, or None: github.com's URLs for github.com's API, any URL or path
    ending in OWNER/NAME for another (GitHub Enterprise, a test server)."""
    return github_owner_name(repo, any_host=github_api.rstrip("/") != DEFAULT_GITHUB_API)


def github_owner_name(repo: str, any_host: bool = False) -> tuple[str, str] | None:
    """The OWNER and NAME of the GitHub repository ``repo`` (a clone URL) names, or None.

    github.com's forms are ``https://github.com/OWNER/NAME``, ``git@github.com:OWNER/NAME``
    and ``ssh://git@github.com/OWNER/NAME``, each with or without ``.git``. With ``any_host``
    (GitHub Enterprise, a test server), any URL or path whose last two parts are OWNER/NAME.
    """
    text = repo.strip()
    if any_host:
        if "://" in text:
            path = urlparse(text).path
        else:
            head, colon, tail = text.partition(":")
            path = tail if colon and "/" not in head else text  # scp-like host:path
        parts = path.rstrip("/").removesuffix(".git").split("/")
        owner, name = parts[-2:] if len(parts) >= 2 else ("", "")
    else:
        found = _GITHUB_URL_RE.fullmatch(text)
        if found is None:
            return None
        owner, name = found.group("owner"), found.group("name")
    if not _GITHUB_OWNER_RE.fullmatch(owner) or not _GITHUB_NAME_RE.fullmatch(name):
        return None
    if name in (".", ".."):
        return None
    return owner, name


def parse_author(text: str) -> tuple[str, str]:
    """``Name <email>`` as (name, email): a commit's author as git writes it."""
    found = _AUTHOR_RE.fullmatch(text.strip())
    if found is None:
        raise ValueError(
            f"expected Name <email>, such as Meetbot <meetbot@example.org>, got {text!r}"
        )
    return found.group("name"), found.group("email")


def botrc_not_found(path: str | Path, also: str = "") -> str:
    """What to do when there is no botrc at ``path``; ``also`` names another way out."""
    return (
        f"botrc not found at {absolute_path(path)}: write one with `meetbot init`, or name one "
        f"with --config{also}"
    )


def load_settings(path: str | Path) -> Settings:
    """Read and check the botrc at ``path``."""
    botrc = absolute_path(path)
    try:
        text = botrc.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([_whole_file(botrc_not_found(botrc))]) from None
    except UnicodeDecodeError as err:
        raise ConfigError(
            [_whole_file(f"botrc {botrc} is not UTF-8 text ({err.reason})")]
        ) from None
    except OSError as err:
        raise ConfigError([_whole_file(f"cannot read botrc {botrc}: {err.strerror}")]) from None
    return parse_settings(text, botrc)


def parse_settings(text: str, path: Path) -> Settings:
    """Check the botrc ``text``; ``path`` is the botrc's own path, which anchors relative paths."""
    botrc = absolute_path(path)
    base = botrc.parent
    parser = configparser.ConfigParser(interpolation=None, default_section=_NO_DEFAULT_SECTION)
    problems: list[Problem] = []
    try:
        parser.read_string(text, source=str(botrc))
    except configparser.MissingSectionHeaderError as err:
        header_first = Problem(None, None, "expected a [section] header first", err.lineno)
        raise ConfigError([header_first]) from None
    except configparser.ParsingError as err:
        # configparser keeps every good line, so the rest of the file can still be checked.
        problems.extend(_syntax_problem(text, lineno) for lineno, _ in err.errors)
    except configparser.DuplicateSectionError as err:
        raise ConfigError([Problem(err.section, None, "appears twice", err.lineno)]) from None
    except configparser.DuplicateOptionError as err:
        raise ConfigError([Problem(err.section, err.option, "set twice", err.lineno)]) from None

    continued = _indented_keys(text)
    problems.extend(line.problem for line in continued)
    # What those lines did to the keys around them is explained by that one problem.
    explained = {(line.section, key) for line in continued for key in (line.owner, line.key)}
    reader = _Reader(parser, problems, frozenset(explained))
    for name in parser.sections():
        problems.extend(_unknown_keys(name, parser.options(name)))
    api = _read_api(reader, base)
    database, notes_dir, timezones, chairs, grace = _read_meetbot(reader, base)
    affiliation_fields = reader.value("meetbot", AFFILIATION_FIELDS, ())
    github_fields = reader.value("meetbot", GITHUB_FIELDS, ())
    max_item_length = reader.value("meetbot", MAX_ITEM_LENGTH, 0)
    max_items = reader.value("meetbot", MAX_ITEMS_PER_MEETING, 0)
    per_minute = reader.value("meetbot", COMMANDS_PER_MINUTE, 0)
    catch_up = reader.value("meetbot", CATCH_UP, timedelta())
    secret = parser.get("api", "key", fallback="").strip()
    rosters = [
        roster
        for name in parser.sections()
        if name.startswith("roster:") and (roster := _read_roster(reader, name, base)) is not None
    ]
    roster_names = tuple(
        name.removeprefix("roster:") for name in parser.sections() if name.startswith("roster:")
    )
    policies = _read_policies(reader)
    series: list[SeriesConfig] = []
    for name in parser.sections():
        one = (
            _read_series(reader, name, botrc, secret, roster_names)
            if name.startswith("series:")
            else None
        )
        if one is not None:
            series.append(one)
    if not any(name.startswith("series:") for name in parser.sections()):
        problems.append(
            _whole_file("no [series:SLUG] section: the botrc must describe at least one meeting")
        )
    problems.extend(_ambiguous_series(series))

    if problems or api is None:
        raise ConfigError(_redact(problems, secret))
    return Settings(
        path=botrc,
        api=api,
        database=database,
        notes_dir=notes_dir,
        timezones=timezones,
        chairs=chairs,
        series=tuple(series),
        reminder_grace=grace,
        catch_up=catch_up,
        affiliation_fields=affiliation_fields,
        github_fields=github_fields,
        max_item_length=max_item_length,
        max_items_per_meeting=max_items,
        commands_per_minute=per_minute,
        rosters=tuple(rosters),
        policies=policies,
    )


def _whole_file(message: str) -> Problem:
    return Problem(None, None, message)


# --- reading keys ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reader:
    """Reads keys of the parsed file; a bad value adds a problem and yields a fallback."""

    parser: configparser.ConfigParser
    problems: list[Problem]
    explained: frozenset[tuple[str, str]] = frozenset()

    def problem(self, section: str, key: str, message: str) -> None:
        if (section, key) not in self.explained:
            self.problems.append(Problem(section, key, message))

    def text(self, section: str, key: Key[Any], default: str | None = None) -> str | None:
        """The stripped value, or the default (``default``, else the table's) when it is
        missing; None, with the problem recorded, when it is unusable."""
        fallback = None if key.required else key.default if default is None else default
        if not self.parser.has_option(section, key.name):
            if fallback is None:
                self.problem(section, key.name, "missing")
            return fallback
        value = self.parser.get(section, key.name).strip()
        if fallback is None and not value:
            self.problem(section, key.name, "empty")
            return None
        if not key.multiline and "\n" in value:
            self.problem(section, key.name, "must fit on one line")
            return None
        return value

    def check(
        self, section: str, key: str, value: V, convert: Callable[[V], T], bad: Bad
    ) -> T | Bad:
        """``convert(value)``, or ``bad`` after recording the ValueError it raised."""
        try:
            return convert(value)
        except _EachBad as err:
            for message in err.messages:
                self.problem(section, key, message)
            return bad
        except ValueError as err:
            self.problem(section, key, str(err))
            return bad

    def value(self, section: str, key: Key[T], bad: Bad, default: str | None = None) -> T | Bad:
        """The key read by its parser, or ``bad`` when it is missing or wrong."""
        text = self.text(section, key, default)
        return bad if text is None else self.check(section, key.name, text, key.parse, bad)

    def value_then(
        self,
        section: str,
        key: Key[T],
        then: Callable[[T], U],
        bad: Bad,
        default: str | None = None,
    ) -> U | Bad:
        """The key read by its parser, then by ``then``, which checks it against the rest of
        the botrc (its folder, the series' start or sections); ``bad`` when it is wrong."""
        text = self.text(section, key, default)
        if text is None:
            return bad
        return self.check(section, key.name, text, lambda t: then(key.parse(t)), bad)


def _read_api(reader: _Reader, base: Path) -> ApiConfig | None:
    if not reader.parser.has_section("api"):
        reader.problems.append(
            Problem("api", None, "missing (it needs email, key and site, as in a zuliprc)")
        )
        return None
    email = reader.value("api", EMAIL, None)
    key = reader.text("api", API_KEY)  # never passed to a converter: no message may echo it
    site = reader.value("api", SITE, None)
    insecure = reader.value("api", INSECURE, None)
    bundle = reader.value_then("api", CERT_BUNDLE, lambda b: _existing_file(b, base), None)
    if email is None or key is None or site is None or insecure is None:
        return None
    return ApiConfig(email=email, key=key, site=site, insecure=insecure, cert_bundle=bundle)


def _read_meetbot(
    reader: _Reader, base: Path
) -> tuple[Path, Path, tuple[str, ...], tuple[str, ...], timedelta]:
    def path(text: str) -> Path:
        return _resolve(base, text)

    database = reader.value_then("meetbot", DATABASE, path, base)
    notes_dir = reader.value_then("meetbot", NOTES_DIR, path, base)
    zones = reader.value("meetbot", TIMEZONES, ())
    chairs = reader.value("meetbot", CHAIRS, ())
    grace = reader.value("meetbot", REMINDER_GRACE, timedelta())
    return database, notes_dir, zones, chairs, grace


def _read_series(
    reader: _Reader,
    section: str,
    botrc: Path,
    key: str = "",
    rosters: Sequence[str] = (),
) -> SeriesConfig | None:
    """One series; ``key`` is the bot's API key, which no template file may hold; ``rosters``
    the names of the botrc's ``[roster:NAME]`` sections, which ``votes`` may name."""
    base = botrc.parent
    slug = section.removeprefix("series:")
    if not SLUG_RE.fullmatch(slug):
        reader.problems.append(
            Problem(
                section,
                None,
                f"the slug {slug!r} must match [a-z0-9][a-z0-9_-]* "
                "(lower-case letters, digits, '-' and '_')",
            )
        )
        return None
    problems_before = len(reader.problems)

    def value(key: Key[T], bad: Bad, default: str | None = None) -> T | Bad:
        return reader.value(section, key, bad, default)

    def value_then(
        key: Key[T], then: Callable[[T], U], bad: Bad, default: str | None = None
    ) -> U | Bad:
        return reader.value_then(section, key, then, bad, default)

    title = value(TITLE, "")
    stream = value(STREAM, "")
    topic = value(TOPIC, "")
    start = value(START, None)
    timezone = value(TIMEZONE, None)
    schedule = value(SCHEDULE, None)
    rule = None
    if schedule and start is not None:
        # Check the rule even when the zone is bad, so both mistakes show in one run.
        zone = ZoneInfo(timezone or "UTC")
        rule = reader.check(
            section, SCHEDULE.name, schedule, lambda s: _check_schedule(s, start, zone), None
        )
    duration = value(DURATION, timedelta())
    video_link = value(VIDEO_LINK, "")
    # No link, no label: a label given alone stays, for `check` to point out.
    video_label = value(VIDEO_LABEL, "") or _default_video_label(video_link)
    reminders = value(REMINDERS, ())
    sections = value(SECTIONS, ())
    default_section = ""
    if sections:
        pick = functools.partial(_pick_section, sections=sections)
        default_section = value_then(DEFAULT_SECTION, pick, "", sections[-1])
    template = value_then(
        TEMPLATE, functools.partial(resolve_template, base=base, botrc=botrc, key=key), ""
    )
    notes_path = ""
    if start is not None:
        check_notes = functools.partial(_check_notes_path, start=start, rule=rule)
        notes_path = value_then(
            NOTES_PATH, check_notes, "", NOTES_PATH.default.replace(_SLUG_MARK, slug)
        )
    description = value(DESCRIPTION, "")
    chairs = value(SERIES_CHAIRS, ())
    auto_start = value(AUTO_START, True)
    auto_end = value(AUTO_END, timedelta())
    attendance_grace = value(ATTENDANCE_GRACE, timedelta())
    carry_over = value(CARRY_OVER, "")
    days = _sample_days(start, rule)
    publishing = _read_publishing(reader, section, base, notes_path, days)
    votes = None
    if reader.parser.has_option(section, VOTES.name):  # left out: nobody votes; empty: a slip
        votes = value_then(VOTES, functools.partial(_check_roster_name, rosters=rosters), None)
    vote_results_path = value_then(
        VOTE_RESULTS_PATH, _check_vote_results_path, "", VOTE_RESULTS_PATH.default
    )
    skip_if_empty = None
    if start is not None and timezone is not None:
        fits = functools.partial(
            _check_skip_if_empty, start=start, zone=ZoneInfo(timezone), rule=rule, length=duration
        )
        skip_if_empty = value_then(SKIP_IF_EMPTY, fits, None)

    # A bad key was replaced by a placeholder above; a series holding one is never returned.
    if len(reader.problems) > problems_before or start is None or timezone is None:
        return None
    return SeriesConfig(
        slug=slug,
        title=title,
        stream=stream,
        topic=topic,
        start=start,
        timezone=timezone,
        schedule=schedule,
        duration=duration,
        video_link=video_link,
        video_label=video_label,
        reminders=reminders,
        sections=sections,
        default_section=default_section,
        template=template,
        notes_path=notes_path,
        description=description,
        chairs=chairs,
        auto_start=auto_start,
        carry_over=carry_over,
        auto_end=auto_end,
        attendance_grace=attendance_grace,
        publishing=publishing,
        votes=votes,
        vote_results_path=vote_results_path,
        skip_if_empty=skip_if_empty,
    )


def _sample_days(start: datetime | None, rule: rrulebase | None) -> list[datetime]:
    """The first two meetings (one without a rule) that patterns are tried on."""
    if start is None:
        return [datetime(2025, 2, 12)]  # start is wrong, said elsewhere: still try the patterns
    # islice, not rule[:2]: dateutil's stubs type a slice of a rule as a single datetime.
    return [start] if rule is None else list(itertools.islice(rule, 2)) or [start]


def _read_publishing(
    reader: _Reader, section: str, base: Path, notes_path: str, days: Sequence[datetime]
) -> Publishing | None:
    """The series' ``publish`` keys; None when it does not publish (or one of them is wrong)."""
    problems_before = len(reader.problems)
    has = functools.partial(reader.parser.has_option, section)
    mode = reader.value(section, PUBLISH, None)
    if mode == "no":
        # Set but ignored would leave an operator waiting for notes that never come.
        for key in PUBLISH_DETAILS:
            if has(key.name):
                # github_* serve pull requests only: the fix names both keys, not one at a time.
                wanted = (
                    "publish = git and publish_pull_request = github to open pull requests"
                    if key in PULL_REQUEST_DETAILS
                    else "publish = git to publish the notes"
                )
                reader.problem(
                    section,
                    key.name,
                    f"set, but publish = no, so it does nothing: set {wanted}, or remove "
                    f"{key.name}",
                )
        return None
    repo = ""
    if has(PUBLISH_REPO.name):
        repo = reader.value_then(
            section, PUBLISH_REPO, functools.partial(_resolve_repo, base=base), ""
        )
    elif mode == "git":
        reader.problem(
            section,
            PUBLISH_REPO.name,
            "missing: publish = git needs the repository to publish to (a URL or a path that "
            "git clone accepts)",
        )
    path = ""
    if has(PUBLISH_PATH.name) or notes_path:
        check_path = functools.partial(_check_publish_path, days=days)
        path = reader.value_then(section, PUBLISH_PATH, check_path, "", notes_path)
    check_branch = functools.partial(_check_branch_pattern, days=days)
    branch = reader.value_then(section, PUBLISH_BRANCH, check_branch, "")
    base_branch = reader.value_then(section, PUBLISH_BASE, _optional_branch, None)
    pull_request = reader.value(section, PUBLISH_PULL_REQUEST, None)
    api = reader.value(section, GITHUB_API, DEFAULT_GITHUB_API)
    token_file = reader.value_then(
        section, GITHUB_TOKEN_FILE, functools.partial(_optional_path, base=base), None
    )
    author = reader.value_then(section, PUBLISH_AUTHOR, _optional_author, None)
    if pull_request == "no":
        for key in PULL_REQUEST_DETAILS:
            if has(key.name):
                reader.problem(
                    section,
                    key.name,
                    "set, but publish_pull_request = no, and only pull requests use it (git "
                    "pushes with this user's own credentials): set publish_pull_request = "
                    f"github, or remove {key.name}",
                )
    if pull_request == "github":
        _check_pull_request(reader, section, repo, api, branch, base_branch, days)
    if len(reader.problems) > problems_before or mode != "git":
        return None
    return Publishing(
        repo=repo,
        path=path,
        branch=branch,
        base=base_branch,
        pull_request=pull_request == "github",
        github_api=api,
        token_file=token_file,
        author=author,
    )


def _check_pull_request(
    reader: _Reader,
    section: str,
    repo: str,
    api: str,
    branch: str,
    base: str | None,
    days: Sequence[datetime],
) -> None:
    """What a pull request needs of the other keys: a repository GitHub names, two branches."""
    enterprise = api.rstrip("/") != DEFAULT_GITHUB_API
    if repo and pull_request_repository(repo, api) is None:
        wanted = (
            f"a repository whose path ends in OWNER/NAME on the server github_api = {api} serves"
            if enterprise
            else "a repository on GitHub, https://github.com/OWNER/NAME.git or "
            "git@github.com:OWNER/NAME.git (for GitHub Enterprise, set github_api as well)"
        )
        reader.problem(
            section,
            PUBLISH_REPO.name,
            f"publish_pull_request = github needs {wanted}, got {repo!r}",
        )
    if branch and base is not None and days[0].strftime(branch) == base:
        reader.problem(
            section,
            PUBLISH_BRANCH.name,
            f"{base!r} is publish_base as well, and a pull request goes from one branch to "
            "another: keep the default %Y-%m-%d-meeting-notes, or set publish_pull_request = no "
            "to commit to it directly",
        )


def _read_roster(reader: _Reader, section: str, base: Path) -> Roster | None:
    """One ``[roster:NAME]``: exactly one of members, members_csv, zulip_group; None when wrong."""
    name = section.removeprefix("roster:")
    if not SLUG_RE.fullmatch(name):
        reader.problems.append(
            Problem(
                section,
                None,
                f"the roster name {name!r} must match [a-z0-9][a-z0-9_-]* "
                "(lower-case letters, digits, '-' and '_')",
            )
        )
        return None
    given = [key for key in ROSTER_SOURCES if reader.parser.has_option(section, key.name)]
    if len(given) != 1:
        said = " and ".join(key.name for key in given) if given else "none"
        reader.problems.append(
            Problem(
                section,
                None,
                "needs exactly one of members, members_csv or zulip_group to say who votes, "
                f"got {said}",
            )
        )
        return None
    (source,) = given
    problems_before = len(reader.problems)
    members: tuple[str | int, ...] = ()
    members_csv: Path | None = None
    names: tuple[tuple[str | int, str], ...] = ()
    group: str | None = None
    if source is ROSTER_MEMBERS:
        members = reader.value(section, ROSTER_MEMBERS, ())
    elif source is ROSTER_MEMBERS_CSV:
        members_csv = reader.value_then(
            section, ROSTER_MEMBERS_CSV, functools.partial(_roster_file, base=base), None
        )
        if members_csv is not None:
            rows = reader.check(
                section, ROSTER_MEMBERS_CSV.name, str(members_csv), read_roster_csv, ()
            )
            members = tuple(member for member, _name in rows)
            names = tuple((member, name) for member, name in rows if name)
    else:
        group = reader.value(section, ROSTER_ZULIP_GROUP, None)
    if len(reader.problems) > problems_before:
        return None
    return Roster(
        name=name, members=members, members_csv=members_csv, zulip_group=group, names=names
    )


def _read_policies(reader: _Reader) -> Mapping[str, Policy]:
    """The shipped policies with each ``[policies]`` line applied; a bad line is a problem."""
    policies = POLICIES
    if not reader.parser.has_section("policies"):
        return policies
    for name in reader.parser.options("policies"):
        text = reader.parser.get("policies", name).strip()
        add = functools.partial(_add_policy, name=name, base=policies)
        policies = reader.check("policies", name, text, add, policies)
    return policies


def _add_policy(text: str, name: str, base: Mapping[str, Policy]) -> Mapping[str, Policy]:
    try:
        return policies_from_botrc({name: text}, base)
    except ValueError as err:
        # The Problem names the section and key already: say them once.
        raise ValueError(str(err).removeprefix(f"[policies] {name} = ")) from None


def _roster_file(text: str, base: Path) -> Path:
    if not text:
        raise ValueError("empty: name the CSV file of the voters")
    return _resolve(base, text)


def _check_roster_name(text: str, rosters: Sequence[str]) -> str:
    if not text:
        raise ValueError("empty: name a [roster:NAME] section, or leave the key out")
    if text not in rosters:
        known = ", ".join(rosters) if rosters else "none"
        raise ValueError(f"there is no [roster:{text}] section to say who votes (rosters: {known})")
    return text


def _parse_members(text: str) -> tuple[str | int, ...]:
    items = [item for item in _split_list(text) if item]
    if not items:
        raise ValueError("empty: list the voters' Zulip user ids or emails")
    seen: set[str] = set()

    def member(item: str) -> str | int:
        if item.casefold() in seen:
            raise ValueError(f"{item!r} is listed twice")
        seen.add(item.casefold())
        checked = _check_chair(item)
        return int(checked) if checked.isdigit() else checked

    return tuple(_each(items, member))


def read_members_csv(path: str | Path) -> tuple[str | int, ...]:
    """The voters a roster CSV file lists (conda's steering.csv: a header holding ``email``,
    one row a member): each row's ``zulip_user_id`` when the file has that column and the row
    fills it, else its email; a ValueError naming every bad line."""
    return tuple(member for member, _name in read_roster_csv(path))


def read_roster_csv(path: str | Path) -> tuple[tuple[str | int, str], ...]:
    """Each row of a roster CSV file as (member, as ``read_members_csv`` says; the row's
    ``name`` column, "" without one)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"file not found: {file}") from None
    except UnicodeDecodeError as err:
        raise ValueError(f"{file} is not UTF-8 text ({err.reason})") from None
    except OSError as err:
        raise ValueError(f"cannot read {file}: {err.strerror}") from None
    rows = csv.reader(text.splitlines())
    header = next(rows, None)
    if header is None or not any(cell.strip() for cell in header):
        raise ValueError(f"{file} is empty: expected a header line naming an email column")
    columns = [cell.strip().casefold() for cell in header]
    if "email" not in columns and "zulip_user_id" not in columns:
        raise ValueError(
            f"{file} has no email column (its header: {', '.join(header)}); members are "
            "matched to Zulip users by email, or by a zulip_user_id column"
        )
    email_at = columns.index("email") if "email" in columns else None
    id_at = columns.index("zulip_user_id") if "zulip_user_id" in columns else None
    name_at = columns.index("name") if "name" in columns else None
    members: list[tuple[str | int, str]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for row in rows:
        line = rows.line_num
        if not row:
            continue  # a blank line between rows
        if len(row) != len(columns):
            problems.append(
                f"{file.name} line {line}: {len(row)} fields, but the header has {len(columns)}"
            )
            continue
        if not any(cell.strip() for cell in row):
            problems.append(f"{file.name} line {line}: an empty row")
            continue
        user_id = row[id_at].strip() if id_at is not None else ""
        email = row[email_at].strip() if email_at is not None else ""
        if user_id and not user_id.isdigit():
            problems.append(f"{file.name} line {line}: zulip_user_id {user_id!r} is not a number")
            continue
        if not user_id and not _is_email(email):
            wanted = "an email" if id_at is None else "an email or a zulip_user_id"
            problems.append(f"{file.name} line {line}: {wanted} is needed, got {email!r}")
            continue
        who = user_id or email.casefold()
        if who in seen:
            problems.append(
                f"{file.name} line {line}: {user_id or email} is on line {seen[who]} already"
            )
            continue
        seen[who] = line
        name = " ".join(row[name_at].split()) if name_at is not None else ""
        members.append((int(user_id) if user_id else email, name))
    if problems:
        raise _EachBad(problems)
    if not members:
        raise ValueError(f"{file} lists nobody: a roster needs at least one member")
    return tuple(members)


def _check_group_name(text: str) -> str:
    if not text:
        raise ValueError("empty: name the Zulip user group whose members vote")
    if len(text) > ZULIP_GROUP_NAME_LENGTH:
        raise ValueError(
            f"{text!r} is longer than Zulip's {ZULIP_GROUP_NAME_LENGTH} characters for a group"
        )
    return text


# --- checking values ------------------------------------------------------------------------


def _non_empty(text: str) -> str:
    if not text:
        raise ValueError("empty")
    return text


def _parse_bool(text: str) -> bool:
    state = configparser.ConfigParser.BOOLEAN_STATES.get(text.lower())
    if state is None:
        raise ValueError(f"expected yes or no, got {text!r}")
    return state


def _split_list(text: str) -> list[str]:
    # A long list may continue on indented lines, which configparser joins with newlines; a
    # line break stands for a comma, with or without one written before it.
    lines = (line.strip().removesuffix(",") for line in text.splitlines() if line.strip())
    return [item.strip() for item in ",".join(lines).split(",")]


class _EachBad(ValueError):
    """Every bad value of a list, so that `check` names them all rather than the first."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = tuple(messages)
        super().__init__("; ".join(self.messages))


def _each(items: Iterable[str], convert: Callable[[str], T]) -> list[T]:
    """``convert`` applied to every item; an ``_EachBad`` naming every item it refused."""
    converted: list[T] = []
    messages: list[str] = []
    for item in items:
        try:
            converted.append(convert(item))
        except ValueError as err:
            messages.append(str(err))
    if messages:
        raise _EachBad(messages)
    return converted


def _resolve(base: Path, text: str) -> Path:
    try:
        path = Path(text).expanduser()
    except RuntimeError:  # ~name of a user this machine does not have
        raise ValueError(f"no home folder is known for {text.split('/')[0]!r}") from None
    return absolute_path(path, base)


def _existing_file(text: str, base: Path) -> str | None:
    if not text:
        return None
    path = _resolve(base, text)
    if not path.is_file():
        raise ValueError(f"file not found: {path}")
    return str(path)


def _check_email(text: str) -> str:
    if "@" not in text:
        raise ValueError(f"expected the bot's email address, got {text!r}")
    return text


def _zone_hint(name: str) -> str:
    known = sorted(available_timezones())
    same_but_case = [z for z in known if z.casefold() == name.casefold()]
    if same_but_case:
        return f" (did you mean {same_but_case[0]!r}?)"
    if _ABBREVIATION_RE.fullmatch(name):
        zones = zones_using_abbreviation(name, datetime.now().year)
        if zones:
            shown = zones[:_ZONES_SHOWN]
            more = f" and {len(zones) - len(shown)} more" if len(zones) > len(shown) else ""
            return (
                f" ({name} is an abbreviation, which several zones share; write the zone of a "
                f"place, such as: {', '.join(shown)}{more})"
            )
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
    return f" (did you mean {close[0]!r}?)" if close else ""


@functools.lru_cache(maxsize=2)
def _zones_by_abbreviation(year: int) -> Mapping[str, tuple[str, ...]]:
    # Mid-January and mid-July of three years catch both halves of every daylight-saving
    # rule, north and south, and a rule changed lately.
    instants = [
        datetime(y, month, 15, tzinfo=ZoneInfo("UTC"))
        for y in (year - 1, year, year + 1)
        for month in (1, 7)
    ]
    found: dict[str, set[str]] = {}
    for name in available_timezones():
        if not name.startswith(_ZONE_AREAS):
            continue
        zone = ZoneInfo(name)
        for instant in instants:
            found.setdefault(instant.astimezone(zone).tzname() or "", set()).add(name)
    return {abbreviation: _by_area(names) for abbreviation, names in found.items()}


def _by_area(names: Iterable[str]) -> tuple[str, ...]:
    """Zone names, those of the Area most of them are in first (CEST: Europe/ before Africa/)."""
    areas = collections.Counter(name.partition("/")[0] for name in names)
    return tuple(sorted(names, key=lambda name: (-areas[name.partition("/")[0]], name)))


def _parse_zones(text: str) -> tuple[str, ...]:
    return tuple(_each((z for z in _split_list(text) if z), check_zone))


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"expected a whole number above 0, got {text!r}")
    return int(text)


def _field_names(text: str) -> tuple[str, ...]:
    return tuple(name for name in _split_list(text) if name)


def _parse_chairs(text: str) -> tuple[str, ...]:
    return tuple(_each((c for c in _split_list(text) if c), _check_chair))


def _is_email(text: str) -> bool:
    """Whether ``text`` reads as an email (``name@host``: ``bob@`` does not), as a roster,
    its CSV file or a chair names a Zulip user."""
    return _EMAIL_RE.fullmatch(text) is not None


def _check_chair(chair: str) -> str:
    """A chair or roster member: a Zulip user id or an email."""
    if not (chair.isdigit() or _is_email(chair)):
        raise ValueError(f"{chair!r} is neither an email nor a numeric user id")
    return chair


def _check_stream(text: str) -> str:
    text = stream_name(text)
    if not text:
        raise ValueError("empty")
    if len(text) > MAX_NAME_LENGTH:
        raise ValueError(f"{text!r} is longer than Zulip's {MAX_NAME_LENGTH} characters")
    return text


def _check_topic(text: str) -> str:
    if not text:
        raise ValueError("empty")
    unknown = [p for p in _PLACEHOLDER_RE.findall(text) if p != "{date}"]
    if unknown:
        raise ValueError(f"unknown placeholder {unknown[0]} (only {{date}} is replaced)")
    longest = text.replace("{date}", "YYYY-MM-DD")
    if len(longest) > MAX_NAME_LENGTH:
        raise ValueError(
            f"{longest!r} is longer than Zulip's {MAX_NAME_LENGTH} characters for a topic"
        )
    return text


def _check_schedule(schedule: Schedule, start: datetime, zone: ZoneInfo) -> rrulebase:
    """The schedule's meetings, or every line's problem (each one its own message)."""
    try:
        return schedule_set(check_schedule(schedule, start, zone), start, zone)
    except ScheduleProblems as err:
        raise _EachBad(err.messages) from None


def _parse_schedule(text: str) -> Schedule | None:
    try:
        return parse_schedule(text)
    except ScheduleProblems as err:
        raise _EachBad(err.messages) from None


def _check_link(text: str) -> str:
    if not text:
        return ""
    url = urlparse(text)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ValueError(f"expected an http(s) URL, got {text!r}")
    return text


def _default_video_label(link: str) -> str:
    if not link:
        return ""
    host = urlparse(link).hostname or ""
    return "Zoom link" if "zoom." in host else "Video call link"


def _parse_reminders(text: str) -> tuple[timedelta, ...]:
    offsets = set(_each((item for item in _split_list(text) if item), parse_duration))
    return tuple(sorted(offsets, reverse=True))


def _parse_skip_if_empty(text: str) -> timedelta | None:
    """``off``: None; else how long before the start the agenda is looked at."""
    written = text.strip()
    if written.lower() == "off":
        return None
    if written.startswith("-"):
        raise ValueError(f"must be a time before the start, like 2d or 12h, not {written!r}")
    try:
        return parse_duration(written)
    except ValueError:
        raise ValueError(
            f"expected off or a time before the start like 2d or 12h, got {written!r}"
        ) from None


# How many meetings of a rule are compared to find the shortest time between two of them.
_SKIP_CHECK_SAMPLE = 200


def _check_skip_if_empty(
    ahead: timedelta | None,
    start: datetime,
    zone: ZoneInfo,
    rule: Iterable[datetime] | None,
    length: timedelta,
) -> timedelta | None:
    """``ahead`` must come after the meeting before has ended (the items it carries over
    count): no longer than the shortest time from a meeting's planned end to the next start."""
    if ahead is None or rule is None or not length:
        return ahead
    # A rule yields aware times in the series' zone; compared as elapsed time, across DST.
    starts = [
        to_utc(wall, zone) if wall.tzinfo is None else wall.astimezone(ZoneInfo("UTC"))
        for wall in itertools.islice(rule, _SKIP_CHECK_SAMPLE)
    ]
    gaps = [(later - earlier, earlier, later) for earlier, later in itertools.pairwise(starts)]
    if not gaps:
        return ahead
    gap, earlier, later = min(gaps)
    room = gap - length
    if ahead > room:
        between = format_duration(room) if room > timedelta() else "no time"
        raise ValueError(
            f"{format_duration(ahead)} is longer than the time between two meetings: from the "
            f"end of the meeting of {earlier:%Y-%m-%d %H:%M} UTC to the start of the next one "
            f"({later:%Y-%m-%d %H:%M} UTC) is {between}, and the agenda must be looked at after "
            "the meeting before has ended (the items it carries over count)"
        )
    return ahead


def _parse_sections(text: str) -> tuple[str, ...]:
    names = _split_list(text)
    if not any(names):
        raise ValueError("at least one section is needed")
    if not all(names):
        raise ValueError(f"a section name is empty in {text!r} (a stray comma?)")
    seen: set[str] = set()

    def once(name: str) -> str:
        if name.casefold() in seen:
            raise ValueError(f"{name!r} is listed twice (names ignore case)")
        seen.add(name.casefold())
        return name

    return tuple(_each(names, once))


def _pick_section(name: str, sections: Sequence[str]) -> str:
    wanted = name.strip().casefold()
    found = next((s for s in sections if s.casefold() == wanted), None)
    if found is None:
        raise ValueError(f"{name!r} is not one of the sections ({', '.join(sections)})")
    return found


def resolve_template(text: str, base: Path, *, botrc: Path | None = None, key: str = "") -> str:
    """A shipped template's name, or the absolute path of the template file ``text`` (relative
    to ``base``): a Jinja2 file named ``*.j2``, never ``botrc`` nor a file holding ``key``."""
    if text.lower() in BUILTIN_TEMPLATES:
        return text.lower()
    path = _resolve(base, text)
    if not path.is_file():
        builtins = " or ".join(BUILTIN_TEMPLATES)
        raise ValueError(f"no template file at {path} (the shipped ones are {builtins})")
    if not path.name.endswith(TEMPLATE_SUFFIX):
        raise ValueError(
            f"{path} is not a template file: a template file is a Jinja2 template whose name "
            f"ends in {TEMPLATE_SUFFIX}, such as notes.md{TEMPLATE_SUFFIX}"
        )
    # Rendered raw, the bot's own settings would print its API key.
    if botrc is not None and path == absolute_path(botrc):
        raise ValueError(f"{path} is the botrc, which holds the bot's API key: not a template")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise ValueError(f"cannot read the template file {path}: {err.strerror}") from None
    if key and key in text:
        raise ValueError(f"{path} holds the bot's API key, so it is never rendered as a template")
    return str(path)


def _check_notes_path(pattern: str, start: datetime, rule: rrulebase | None) -> str:
    if not pattern:
        raise ValueError("empty")
    # islice, not rule[:2]: dateutil's stubs type a slice of a rule as a single datetime.
    days = [start] if rule is None else list(itertools.islice(rule, 2))
    try:
        names = [day.strftime(pattern) for day in days]
    except ValueError as err:
        raise ValueError(f"not a valid strftime pattern ({err})") from None
    if any("/" in n or "\\" in n or n in (".", "..") for n in names):
        raise ValueError(f"must name a file inside notes_dir, but {pattern!r} gives {names[0]!r}")
    if len(names) == 2 and names[0] == names[1]:
        raise ValueError(
            f"{pattern!r} gives the same file {names[0]!r} for consecutive meetings; "
            f"{_what_tells_them_apart(days)}"
        )
    return pattern


def _one_of(text: str, choices: Sequence[str]) -> str:
    if text.lower() not in choices:
        raise ValueError(f"expected {' or '.join(choices)}, got {text!r}")
    return text.lower()


def _check_api(text: str) -> str:
    url = urlparse(text)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ValueError(f"expected the GitHub API's http(s) URL, such as {DEFAULT_GITHUB_API}")
    return text.rstrip("/")


def _resolve_repo(text: str, base: Path) -> str:
    """A URL as written; a local path made absolute against the botrc's folder, as git itself
    would read it from wherever it runs."""
    if not text:
        raise ValueError("empty")
    head, colon, _ = text.partition(":")
    # git's own rule: a colon before any slash makes host:path (scp-like), never a local path.
    if "://" in text or (colon and "/" not in head):
        return text
    return str(_resolve(base, text))


def _render_pattern(pattern: str, days: Sequence[datetime]) -> list[str]:
    """``pattern`` rendered for each of ``days``; a ValueError for a directive strftime lacks
    (glibc would print it as written)."""
    if not pattern:
        raise ValueError("empty")
    for directive in _STRFTIME_RE.finditer(pattern):
        if not directive.group(2):
            raise ValueError(f"{pattern!r} ends with a lone %: write %% for a literal %")
        if directive.group(2) not in _STRFTIME_LETTERS:
            raise ValueError(
                f"{directive.group(0)!r} in {pattern!r} is not a strftime directive (%Y is the "
                "year, %m the month, %d the day; write %% for a literal %)"
            )
    try:
        return [day.strftime(pattern) for day in days]
    except ValueError as err:
        raise ValueError(f"not a valid strftime pattern ({err})") from None


def _rendered_from(err: ValueError, pattern: str, rendered: str) -> ValueError:
    said = f" ({pattern!r} renders so)" if rendered != pattern else ""
    return ValueError(f"{err}{said}")


def _repository_paths(pattern: str, days: Sequence[datetime], file: _RepositoryFile) -> list[str]:
    """``pattern`` rendered for each of ``days``, each a path inside the repository; a ValueError
    quoting the pattern as written, or as rendered when only a day's rendering is wrong."""
    relative_repository_path(pattern, file)
    paths = []
    for rendered in _render_pattern(pattern, days):
        try:
            paths.append(relative_repository_path(rendered, file))
        except ValueError as err:
            raise _rendered_from(err, pattern, rendered) from None
    return paths


def _check_publish_path(pattern: str, days: Sequence[datetime]) -> str:
    paths = _repository_paths(pattern, days, _NOTES_FILE)
    if len(paths) == 2 and paths[0] == paths[1]:
        raise ValueError(
            f"{pattern!r} gives the same file {paths[0]!r} for consecutive meetings, so each "
            f"meeting's notes would replace the last's; {_what_tells_them_apart(days)}"
        )
    return pattern


def _what_tells_them_apart(days: Sequence[datetime]) -> str:
    """What a file name pattern needs to tell two consecutive meetings apart: their date, or
    (two meetings on one day, as a compound schedule may hold) their time too."""
    if len(days) == 2 and days[0].date() == days[1].date():
        return "two meetings fall on one day: add the time too (%Y-%m-%d-%H%M)"
    return "add the date (%Y-%m-%d)"


def vote_slug(text: str) -> str:
    """A vote's text as a file name's part: lower-case ASCII words joined by ``-``, at most
    50 characters; ``vote`` when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > _VOTE_SLUG_LENGTH:
            break
        slug = longer
    return slug or (words[0][:_VOTE_SLUG_LENGTH] if words else "vote")


def vote_results_file(pattern: str, closed: date, text: str, number: int) -> str:
    """The results file of vote ``number`` on ``text`` closed on ``closed`` (UTC), relative to
    notes_dir and to the repository's top: ``pattern`` (``vote_results_path``) rendered."""
    # strftime first: a vote's text may hold a %.
    rendered = closed.strftime(pattern)
    rendered = rendered.replace(_VOTE_SLUG, vote_slug(text)).replace(_VOTE_NUMBER, str(number))
    return relative_repository_path(rendered, _RESULTS_FILE)


def _check_vote_results_path(pattern: str) -> str:
    # Where the file goes first: a typo in a placeholder or a missing one matters less.
    if not pattern:
        raise ValueError(
            f"empty: name the results file, such as {VOTE_RESULTS_PATH.default}, or leave the "
            "key out"
        )
    # {slug} and {number} become [a-z0-9-] and digits, so they change no folder of the path.
    _repository_paths(pattern, [datetime(2025, 2, 12)], _RESULTS_FILE)
    unknown = [p for p in _PLACEHOLDER_RE.findall(pattern) if p not in _VOTE_PLACEHOLDERS]
    if unknown:
        raise ValueError(
            f"{pattern!r} holds the unknown placeholder {unknown[0]} (only {_VOTE_SLUG} and "
            f"{_VOTE_NUMBER} are replaced)"
        )
    if _VOTE_NUMBER not in pattern:
        raise ValueError(
            f"{pattern!r} lacks {_VOTE_NUMBER}, so each vote's results file would replace the "
            f"last's: add the vote's number, as in {VOTE_RESULTS_PATH.default}"
        )
    return pattern


def _check_branch_pattern(pattern: str, days: Sequence[datetime]) -> str:
    for rendered in _render_pattern(pattern, days):
        try:
            check_branch_name(rendered)
        except ValueError as err:
            raise _rendered_from(err, pattern, rendered) from None
    return pattern


def _optional_branch(text: str) -> str | None:
    return check_branch_name(text) if text else None


def _optional_path(text: str, base: Path) -> Path | None:
    # Not required to exist: a secret is often mounted after the botrc is checked.
    return _resolve(base, text) if text else None


def _optional_author(text: str) -> tuple[str, str] | None:
    return parse_author(text) if text else None


# --- whole-file checks ----------------------------------------------------------------------


def _section_kind(section: str) -> str:
    """The table's name for ``section``'s kind: ``series:SLUG``, ``roster:NAME`` or itself."""
    if section.startswith("series:"):
        return "series:SLUG"
    if section.startswith("roster:"):
        return "roster:NAME"
    return section


def _known_keys(section: str) -> tuple[str, ...] | None:
    return _NAMES_BY_SECTION.get(_section_kind(section))


def _unknown_keys(section: str, keys: Iterable[str]) -> list[Problem]:
    known = _known_keys(section)
    if known is None:
        return [
            Problem(
                section,
                None,
                "unknown section (expected [api], [meetbot], [series:SLUG], [roster:NAME] or "
                "[policies])",
            )
        ]
    if section == "policies":
        return []  # each key names a policy: any name is one (parse_policy checks it)
    return [
        Problem(section, key, f"unknown key{_key_hint(key, known)}")
        for key in keys
        if key not in known
    ]


def _key_hint(key: str, known: Sequence[str]) -> str:
    # A key another section knows is in the wrong place, whatever it looks like here.
    homes = [f"[{name}]" for name, keys in _NAMES_BY_SECTION.items() if key in keys]
    if homes:
        return f" (it belongs in {' or '.join(homes)})"
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _ambiguous_series(series: Sequence[SeriesConfig]) -> list[Problem]:
    problems = []
    for index, later in enumerate(series):
        for earlier in series[:index]:
            same_stream = earlier.stream.casefold() == later.stream.casefold()
            if same_stream and earlier.topic.casefold() == later.topic.casefold():
                problems.append(
                    Problem(
                        f"series:{later.slug}",
                        TOPIC.name,
                        f"{later.topic!r} in stream {later.stream!r} is also "
                        f"[series:{earlier.slug}]'s, so their meetings could not be told apart",
                    )
                )
    return problems


@dataclass(frozen=True)
class _ContinuedKey:
    """An indented ``key = value`` line, which INI reads as more of the value above it."""

    lineno: int
    section: str
    owner: str  # the key whose value the line continues
    key: str  # the key the line was meant to set

    @property
    def problem(self) -> Problem:
        return Problem(
            self.section,
            self.key,
            f"line {self.lineno} is indented, so it continues the value of {self.owner} above "
            f"it instead of setting {self.key}: remove the indentation",
        )


def _indented_keys(text: str) -> list[_ContinuedKey]:
    """The indented lines that continue a value but read as a key of their section."""
    found = []
    section: str | None = None
    owner: str | None = None
    owner_indent = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue  # configparser skips these, even inside a value
        indent = len(line) - len(line.lstrip())
        if owner is not None and indent > owner_indent:
            key = _KEY_START_RE.match(stripped)
            known = _known_keys(section or "") or ()
            if section and key and key.group(1).lower() in known:
                found.append(_ContinuedKey(lineno, section, owner, key.group(1).lower()))
            continue
        header = _SECTION_HEADER_RE.fullmatch(stripped)
        start = _KEY_START_RE.match(stripped)
        section = header.group(1) if header else section
        owner = start.group(1).lower() if start and not header else None
        owner_indent = indent
    return found


def _syntax_problem(text: str, lineno: int) -> Problem:
    lines = text.splitlines()
    line = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
    headers = (_SECTION_HEADER_RE.fullmatch(raw.strip()) for raw in lines[: lineno - 1])
    section = next((m.group(1) for m in reversed(list(headers)) if m), None)
    expected = "expected 'key = value' or a [section] header"
    if section == "api":
        return Problem(None, None, f"{expected} (the line is in [api], so it is not shown)", lineno)
    shown = line if len(line) <= 60 else line[:57] + "..."
    return Problem(None, None, f"{expected}, got {shown!r}", lineno)


def _redact(problems: Iterable[Problem], key: str) -> list[Problem]:
    # A key continued over several lines is a problem too, and any of its lines may be echoed.
    secrets = [s for s in (key, *key.splitlines()) if len(s.strip()) >= _MIN_REDACTED_LENGTH]
    redacted = list(problems)
    for secret in sorted(secrets, key=len, reverse=True):
        redacted = [_without(p, secret.strip()) for p in redacted]
    return redacted


def _without(problem: Problem, secret: str) -> Problem:
    def hidden(text: str | None) -> str | None:
        return None if text is None else text.replace(secret, "<api key>")

    return replace(
        problem,
        section=hidden(problem.section),
        key=hidden(problem.key),
        message=problem.message.replace(secret, "<api key>"),
    )


# --- the keys -------------------------------------------------------------------------------
# Every key the botrc knows, once: reading, `meetbot init`, `meetbot check` and the docs take
# its parser, default and meaning from here (tests hold botrc.example and README to it).

# Where a default names the series' slug (notes_path): replaced by the slug when read.
_SLUG_MARK = "SLUG"

EMAIL = Key("api", "email", _check_email, "", "the bot's email address", required=True)
API_KEY = Key("api", "key", str, "", "the bot's API key", required=True)
SITE = Key("api", "site", check_site, "", "the Zulip server's URL", required=True)
INSECURE = Key("api", "insecure", _parse_bool, "no", "skip TLS verification, as in a zuliprc")
CERT_BUNDLE = Key("api", "cert_bundle", str, "", "a CA bundle to trust, as in a zuliprc")
CLIENT_CERT = Key("api", "client_cert", str, "", "accepted, as a zuliprc may hold it; unused")
CLIENT_CERT_KEY = Key(
    "api", "client_cert_key", str, "", "accepted, as a zuliprc may hold it; unused"
)
DATABASE = Key(
    "meetbot",
    "database",
    _non_empty,
    "meetbot.sqlite3",
    "the SQLite database: agendas, attendance, what the bot has done. `run` creates the file "
    "but never its folder: a folder that does not exist (a typo?) stops `run` and `check` says so",
)
NOTES_DIR = Key("meetbot", "notes_dir", _non_empty, "notes", "where notes files are written")
TIMEZONES = Key(
    "meetbot",
    "timezones",
    _parse_zones,
    "",
    "extra zones each reminder spells the time out in",
    multiline=True,
)
CHAIRS = Key(
    "meetbot",
    "chairs",
    _parse_chairs,
    "",
    "user ids or emails who may chair every series (admins and owners always may)",
    multiline=True,
)
REMINDER_GRACE = Key(
    "meetbot",
    "reminder_grace",
    parse_duration,
    "15m",
    "how late a reminder missed while the bot was down (or cut off by a stop as it was posted) "
    "may still go out",
)
CATCH_UP = Key(
    "meetbot",
    "catch_up",
    parse_duration,
    "24h",
    "commands sent while the bot was away are answered when it is back, up to this old; so are "
    "replies and posts (attendance messages, summaries) a stop cut off or Zulip would not take, "
    "which a running bot also posts again with backoff. The record of handled commands and "
    "replies older than this is dropped every hour",
)
AFFILIATION_FIELDS = Key(
    "meetbot",
    "affiliation_fields",
    _field_names,
    "Affiliation, Company, Organization",
    "custom profile fields that fill the attendees table's affiliation (the first that exists)",
)
GITHUB_FIELDS = Key(
    "meetbot",
    "github_fields",
    _field_names,
    "GitHub, GitHub username",
    "custom profile fields that fill the attendees table's GitHub name (the first that exists)",
)
MAX_ITEM_LENGTH = Key(
    "meetbot",
    "max_item_length",
    _positive_int,
    "2000",
    "the longest agenda item, note, decision or action, in characters",
)
MAX_ITEMS_PER_MEETING = Key(
    "meetbot", "max_items_per_meeting", _positive_int, "500", "the most items a meeting can hold"
)
COMMANDS_PER_MINUTE = Key(
    "meetbot",
    "commands_per_minute",
    _positive_int,
    "30",
    "how many commands one person may send a minute: one over it is ignored and its sender "
    "told which one to send again (at most one notice a minute)",
)
TITLE = Key(
    "series:SLUG",
    "title",
    str,
    "",
    "the meeting's name, in reminders and as the notes' heading",
    required=True,
)
STREAM = Key(
    "series:SLUG",
    "stream",
    _check_stream,
    "",
    "the stream the meeting happens in (`#name` and `#**name**` mean `name`)",
    required=True,
)
TOPIC = Key(
    "series:SLUG",
    "topic",
    _check_topic,
    "{date}",
    "each meeting's topic; `{date}` becomes YYYY-MM-DD",
)
START = Key(
    "series:SLUG",
    "start",
    _parse_start,
    "",
    "the first meeting, YYYY-MM-DD HH:MM, a wall time in `timezone`",
    required=True,
)
TIMEZONE = Key(
    "series:SLUG",
    "timezone",
    check_zone,
    "",
    "the IANA zone the meeting keeps its wall time in (Europe/Berlin, not CEST)",
    required=True,
)
SCHEDULE = Key(
    "series:SLUG",
    "schedule",
    _parse_schedule,
    "",
    "an RFC 5545 RRULE such as `FREQ=WEEKLY;INTERVAL=2`; several lines (indented) join rules, "
    "each after its own first start `YYYY-MM-DD HH:MM` when it is not `start`, with "
    "`RDATE YYYY-MM-DD HH:MM` (one meeting more) and `EXDATE YYYY-MM-DD` (none that day): see "
    "[Compound schedules](#compound-schedules)",
    shown="one-off",
    multiline=True,
)
DURATION = Key("series:SLUG", "duration", parse_duration, "60m", "how long a meeting lasts")
VIDEO_LINK = Key("series:SLUG", "video_link", _check_link, "", "the video call's URL")
VIDEO_LABEL = Key(
    "series:SLUG",
    "video_label",
    str,
    "",
    "the link's text in the notes (a label without a link is warned about)",
    shown='"Zoom link" for a zoom. host, else "Video call link"',
)
REMINDERS = Key(
    "series:SLUG",
    "reminders",
    _parse_reminders,
    "1d, 1h",
    "when to remind the stream before each meeting: elapsed time, so `1d` is exactly 24 hours "
    "before the start, which on a day the clocks change is an hour earlier or later on the "
    "wall clock",
    multiline=True,
)
SECTIONS = Key(
    "series:SLUG",
    "sections",
    _parse_sections,
    "Introductions, Announcements, New Agenda Items",
    "the agenda's sections, in order",
    multiline=True,
)
DEFAULT_SECTION = Key(
    "series:SLUG",
    "default_section",
    str,
    "",
    "where `agenda add` puts an item when no section is named",
    shown="the last section",
)
TEMPLATE = Key(
    "series:SLUG",
    "template",
    str,
    "community",
    "the notes template: `community`, `ecosystem`, or a Jinja2 file named `*.j2`",
)
NOTES_PATH = Key(
    "series:SLUG",
    "notes_path",
    str,
    f"%Y-%m-%d-{_SLUG_MARK}.md",
    "the notes file's name inside `notes_dir`, a strftime pattern",
)
DESCRIPTION = Key(
    "series:SLUG",
    "description",
    str,
    "",
    "the paragraph under the notes' heading (a blank line, then indented lines, start another)",
    multiline=True,
)
SERIES_CHAIRS = Key(
    "series:SLUG",
    "chairs",
    _parse_chairs,
    "",
    "this series' chairs, besides `[meetbot] chairs`",
    multiline=True,
)
AUTO_START = Key(
    "series:SLUG",
    "auto_start",
    _parse_bool,
    "yes",
    "whether the meeting starts by itself at its start time (no: a chair says `start`)",
)
AUTO_END: Key[timedelta] = Key(
    "series:SLUG",
    "auto_end",
    parse_duration,
    "3h",
    "a meeting still running this long after its planned end is ended by the bot",
)
ATTENDANCE_GRACE: Key[timedelta] = Key(
    "series:SLUG",
    "attendance_grace",
    parse_duration,
    "24h",
    "late reactions, and edits of the notes, decisions and actions, still count this long "
    "after `end`",
)
CARRY_OVER = Key(
    "series:SLUG",
    "carry_over",
    functools.partial(_one_of, choices=CARRY_OVER_MODES),
    "deferred",
    "what the next agenda inherits at `end`: `deferred` (items deferred with `agenda defer N`, "
    "and the unticked items of a section for later) or `unticked` (every unticked item as "
    "well); see [What the next meeting inherits](#what-the-next-meeting-inherits)",
)
SKIP_IF_EMPTY: Key[timedelta | None] = Key(
    "series:SLUG",
    "skip_if_empty",
    _parse_skip_if_empty,
    "off",
    "this long before the start (e.g. `2d`), a meeting with no agenda item (carried-over items "
    "count) is cancelled as a chair's `skip` would be, with a notice saying why; a chair's "
    "`unskip` before the start holds it after all. At most the time from one meeting's end to "
    "the next one's start; see [Empty agendas](#empty-agendas)",
)

PUBLISH = Key(
    "series:SLUG",
    "publish",
    functools.partial(_one_of, choices=("no", "git")),
    "no",
    "`git`: commit the notes to `publish_repo` when the meeting ends, and again when they "
    "change; see [Publish the notes to a repository](#publish-the-notes-to-a-repository)",
)
PUBLISH_REPO = Key(
    "series:SLUG",
    "publish_repo",
    str,
    "",
    "the repository: anything `git clone` accepts, a URL or a path (relative to the botrc's "
    "folder)",
    shown="required with `publish = git`",
)
PUBLISH_PATH = Key(
    "series:SLUG",
    "publish_path",
    str,
    "",
    "where in the repository the notes file goes, a strftime pattern (conda: "
    "`meetings/archive/%Y%m%d-conda-ecosystem.md`)",
    shown="the notes file's name (`notes_path`)",
)
PUBLISH_BRANCH = Key(
    "series:SLUG",
    "publish_branch",
    str,
    "%Y-%m-%d-meeting-notes",
    "the branch the notes are committed to, a strftime pattern; the repository's default "
    "branch is allowed too",
)
PUBLISH_BASE = Key(
    "series:SLUG",
    "publish_base",
    str,
    "",
    "what a new `publish_branch` starts from",
    shown="the remote's default branch",
)
PUBLISH_PULL_REQUEST = Key(
    "series:SLUG",
    "publish_pull_request",
    functools.partial(_one_of, choices=("no", "github")),
    "no",
    "`github`: open (or update) one pull request per meeting from `publish_branch` to "
    "`publish_base`, in the GitHub repository `publish_repo` names",
)
GITHUB_API = Key(
    "series:SLUG",
    "github_api",
    _check_api,
    DEFAULT_GITHUB_API,
    "the GitHub REST API's root (GitHub Enterprise: `https://HOST/api/v3`)",
)
GITHUB_TOKEN_FILE = Key(
    "series:SLUG",
    "github_token_file",
    str,
    "",
    "a file holding a token that may write the repository's contents and pull requests; "
    "never logged, never posted",
    shown="none (then env `MEETBOT_GITHUB_TOKEN`)",
)
PUBLISH_AUTHOR = Key(
    "series:SLUG",
    "publish_author",
    str,
    "",
    "the commits' author, `Name <email>`; set it for one author whoever publishes (`meetbot "
    "publish` knows no Zulip name: it signs as `meetbot` with `[api]`'s email; the shell as its "
    "pretend bot)",
    shown="the bot's Zulip name and email",
)
# The keys that say how to publish, which mean nothing with publish = no.
PUBLISH_DETAILS: tuple[Key[Any], ...] = (
    PUBLISH_REPO,
    PUBLISH_PATH,
    PUBLISH_BRANCH,
    PUBLISH_BASE,
    PUBLISH_PULL_REQUEST,
    GITHUB_API,
    GITHUB_TOKEN_FILE,
    PUBLISH_AUTHOR,
)
# The keys that only pull requests use.
PULL_REQUEST_DETAILS: tuple[Key[Any], ...] = (GITHUB_API, GITHUB_TOKEN_FILE)
# vote_results_path's placeholders: the vote's text made a file name's part, its number.
_VOTE_SLUG = "{slug}"
_VOTE_NUMBER = "{number}"
_VOTE_PLACEHOLDERS = (_VOTE_SLUG, _VOTE_NUMBER)
_VOTE_SLUG_LENGTH = 50
VOTE_RESULTS_PATH: Key[str] = Key(
    "series:SLUG",
    "vote_results_path",
    str,
    "vote-results/%Y-%m-%d-{slug}-{number}.md",
    "where a closed governance vote's results file goes, inside `notes_dir` and, when the "
    "series publishes, the repository: a strftime pattern of the close's date (UTC), with "
    "`{slug}` (the vote's text, lower-case words joined by `-`) and `{number}` (the vote's "
    "number); see [Governance votes' results files](#governance-votes-results-files)",
)
_RESULTS_FILE = _RepositoryFile("results file", "notes_dir", VOTE_RESULTS_PATH.default)
VOTES = Key(
    "series:SLUG",
    "votes",
    str,
    "",
    "the `[roster:NAME]` whose members vote in governance votes in this series' stream",
)
ROSTER_MEMBERS = Key(
    "roster:NAME",
    "members",
    _parse_members,
    "",
    "the voters: Zulip user ids or emails, separated by commas or line breaks (exactly one of "
    "`members`, `members_csv`, `zulip_group`)",
    multiline=True,
)
ROSTER_MEMBERS_CSV = Key(
    "roster:NAME",
    "members_csv",
    str,
    "",
    "a CSV file of the voters (relative to the botrc's folder), such as conda's "
    "`steering.csv`: a header with an `email` column (or `zulip_user_id`), one row a member; "
    "read when the botrc is",
)
ROSTER_ZULIP_GROUP = Key(
    "roster:NAME",
    "zulip_group",
    _check_group_name,
    "",
    "a Zulip user group whose members are the voters",
)
# The keys that say who is on a roster: a roster sets exactly one.
ROSTER_SOURCES: tuple[Key[Any], ...] = (ROSTER_MEMBERS, ROSTER_MEMBERS_CSV, ROSTER_ZULIP_GROUP)
# [policies] has one key per policy; the table shows them as one row, NAME.
POLICY = Key(
    "policies",
    "NAME",
    str,
    "",
    "the voting policy NAME, defined whole (it replaces a shipped one of that name): "
    "`SHARE participation, more than (or at least) SHARE yes, minimum DURATION, one meeting "
    "cycle, sensitive`; see [Rosters and voting policies](#rosters-and-voting-policies)",
    shown="the shipped policy NAME, if any",
)

KEYS: tuple[Key[Any], ...] = (
    EMAIL,
    API_KEY,
    SITE,
    INSECURE,
    CERT_BUNDLE,
    CLIENT_CERT,
    CLIENT_CERT_KEY,
    DATABASE,
    NOTES_DIR,
    TIMEZONES,
    CHAIRS,
    REMINDER_GRACE,
    CATCH_UP,
    AFFILIATION_FIELDS,
    GITHUB_FIELDS,
    MAX_ITEM_LENGTH,
    MAX_ITEMS_PER_MEETING,
    COMMANDS_PER_MINUTE,
    TITLE,
    STREAM,
    TOPIC,
    START,
    TIMEZONE,
    SCHEDULE,
    DURATION,
    VIDEO_LINK,
    VIDEO_LABEL,
    REMINDERS,
    SECTIONS,
    DEFAULT_SECTION,
    TEMPLATE,
    NOTES_PATH,
    DESCRIPTION,
    SERIES_CHAIRS,
    AUTO_START,
    AUTO_END,
    ATTENDANCE_GRACE,
    CARRY_OVER,
    SKIP_IF_EMPTY,
    PUBLISH,
    *PUBLISH_DETAILS,
    VOTES,
    VOTE_RESULTS_PATH,
    *ROSTER_SOURCES,
    POLICY,
)
_NAMES_BY_SECTION: Mapping[str, tuple[str, ...]] = {
    section: tuple(key.name for key in KEYS if key.section == section)
    for section in dict.fromkeys(key.section for key in KEYS)
}
API_KEYS = _NAMES_BY_SECTION["api"]
MEETBOT_KEYS = _NAMES_BY_SECTION["meetbot"]
SERIES_KEYS = _NAMES_BY_SECTION["series:SLUG"]
ROSTER_KEYS = _NAMES_BY_SECTION["roster:NAME"]


def key_named(section: str, name: str) -> Key[Any]:
    """The key ``name`` of ``section`` (``api``, ``meetbot``, ``series:SLUG``, a series,
    ``roster:NAME`` or a roster)."""
    kind = _section_kind(section)
    return next(key for key in KEYS if key.section == kind and key.name == name)


def keys_table() -> str:
    """README's table of botrc keys, in Markdown: section, key, default, meaning."""
    rows = ["| section | key | default | meaning |", "|---|---|---|---|"]
    for section in _NAMES_BY_SECTION:
        for index, key in enumerate(k for k in KEYS if k.section == section):
            shown = key.documented_default
            default = f"`{shown}`" if shown == key.default else shown
            where = f" `[{section}]`" if index == 0 else ""
            rows.append(f"|{where} | `{key.name}` | {default} | {key.doc} |")
    return "\n".join(rows) + "\n"

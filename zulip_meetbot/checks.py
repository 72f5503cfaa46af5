"""``meetbot check``: everything ``meetbot run`` needs, checked and explained one line each.

Offline it reads the botrc, its templates and the file's permissions, and where each series
publishes its notes (the patterns rendered, the GitHub token's file); online it asks the Zulip
server whether the credentials work, whether each series' stream exists and takes the bot's
posts, and whether the users and profile fields the botrc names exist, and asks each publishing
repository (``git ls-remote``, as this user) and GitHub (read-only) whether publishing will work.
The API key is never printed: every line goes through :func:`redact` first; nor is a GitHub token.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol

from zulip_meetbot.config import (
    AFFILIATION_FIELDS,
    GITHUB_FIELDS,
    TEMPLATE,
    ConfigError,
    Key,
    Problem,
    Roster,
    SeriesConfig,
    Settings,
    load_settings,
)
from zulip_meetbot.domain.voting import MINIMUM_QUORUM, POLICIES, policy_spec
from zulip_meetbot.notes import template_problems
from zulip_meetbot.publish.git import GitProblem, default_branch, remote_branches, shown
from zulip_meetbot.publish.github import (
    TOKEN_ENV,
    GitHub,
    GitHubProblem,
    github_repository,
    read_token,
)
from zulip_meetbot.schedules import Schedule, line_of, meetings_on, rules_of, schedule_set
from zulip_meetbot.timeutil import (
    UTC,
    day_text,
    format_duration,
    local_date,
    occurrences,
    occurrences_between,
    to_utc,
    zone_time_text,
)
from zulip_meetbot.views import count

OK = "ok"
WARNING = "warning"
ERROR = "error"

# Zulip's roles (GET /users/me "role") and the old stream_post_policy values that use them.
_ROLE_ADMIN = 200
_ROLE_MODERATOR = 300
_POLICY_ADMINS = 2
_POLICY_MODERATORS = 4
_REDACTED = "<api key>"
# [meetbot] keys listing custom profile fields the attendees table is filled from.
PROFILE_FIELD_KEYS: tuple[Key[tuple[str, ...]], ...] = (AFFILIATION_FIELDS, GITHUB_FIELDS)
_MIN_REDACTED_LENGTH = 8
# People forget a reminder posted this long ahead, and a typo (400d for 4d) looks like this.
_LONGEST_SENSIBLE_REMINDER = timedelta(weeks=4)
# The gaps between meetings are measured over this many of the first ones.
_GAP_SAMPLE = 60
# A schedule of several lines is searched this far ahead for meetings that overlap.
_OVERLAP_HORIZON = timedelta(days=365)
_MEETINGS = ("meeting", "meetings")
# Where each series publishes is rendered for this many of its next meetings.
_PUBLISH_SAMPLE = 3
# `git ls-remote` and GitHub's answer are waited for this long (seconds).
_PUBLISH_TIMEOUT = 30.0


@dataclass(frozen=True)
class Finding:
    """One line of the report: ``level`` is ok, warning or error."""

    level: str
    text: str


@dataclass(frozen=True)
class Report:
    """What ``check`` found; ``settings`` is None when the botrc could not be read at all."""

    settings: Settings | None
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == ERROR)


class ZulipApi(Protocol):
    """The calls of ``zulip.Client`` that ``check`` makes."""

    def get_profile(self) -> dict[str, Any]: ...

    def get_streams(self, **request: Any) -> dict[str, Any]: ...

    def get_subscriptions(self) -> dict[str, Any]: ...

    def get_members(self) -> dict[str, Any]: ...

    def get_realm_profile_fields(self) -> dict[str, Any]: ...

    def call_endpoint(
        self, url: str | None = None, method: str = "POST", request: dict[str, Any] | None = None
    ) -> dict[str, Any]: ...


# --- offline ------------------------------------------------------------------------------


# Series named one by one in check's output up to this many; past it, counted.
_NAMED = 20


def read_botrc(path: str | Path) -> tuple[Settings | None, list[str]]:
    """The botrc's settings and templates checked: (settings, []) or (None, problems)."""
    try:
        settings = load_settings(path)
    except ConfigError as error:
        return None, list(error.problems)
    wrong = template_problems(series.template for series in settings.series)
    problems = [
        str(Problem(f"series:{series.slug}", TEMPLATE.name, str(wrong[series.template])))
        for series in settings.series
        if series.template in wrong
    ]
    return (None, problems) if problems else (settings, [])


def permission_warning(path: Path) -> str | None:
    """A warning when users other than the owner may change or read the botrc."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if not stat.S_ISREG(mode):
        return None  # a folder or the like: reading it fails, and that is the problem said
    shown = f"(mode {stat.S_IMODE(mode):04o})"
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        readable = bool(mode & (stat.S_IRGRP | stat.S_IROTH))
        access = "readable and writable" if readable else "writable"
        reading = "read the bot's API key and " if readable else ""
        return (
            f"{path.name} is {access} by other users of this machine {shown}, so any of them "
            f"can {reading}change its chairs, its Zulip account and its key: run `chmod 600 {path}`"
        )
    if not mode & (stat.S_IRGRP | stat.S_IROTH):
        return None
    return (
        f"{path.name} is readable by other users of this machine {shown} and holds the bot's "
        f"API key: run `chmod 600 {path}`"
    )


def value_warnings(settings: Settings, now: datetime | None = None) -> list[str]:
    """Values ``run`` accepts that are most likely mistakes, one line each; ``now`` (default the
    present) dates an ended series."""
    return [str(warning) for warning in value_problems(settings, now)]


def value_problems(
    settings: Settings, now: datetime | None = None, spell: Callable[[str], str] = str
) -> list[Problem]:
    """:func:`value_warnings` by section and key; ``spell`` writes a key where a message names
    another (``init`` names the flag that set it)."""
    at = now if now is not None else datetime.now(UTC)
    return [
        warning for series in settings.series for warning in _series_warnings(series, at, spell)
    ]


def start_warning(series: SeriesConfig) -> str | None:
    """Why the first meeting is not at the wall time ``start`` says, when the clocks change
    then: a time they skip, or one they pass twice (the first is taken, see ``to_utc``)."""
    wall = series.start
    first = to_utc(wall, series.zone)
    held = first.astimezone(series.zone)
    time = f"{wall:%H:%M}"
    if held.replace(tzinfo=None) != wall:
        return (
            f"{time} does not exist in {series.timezone} on {wall:%Y-%m-%d} (the clocks go "
            f"forward); that meeting is at {held:%H:%M} {held.tzname()}"
        )
    later = wall.replace(tzinfo=series.zone, fold=1)
    if later.utcoffset() != held.utcoffset():
        return (
            f"{time} happens twice in {series.timezone} on {wall:%Y-%m-%d} (the clocks go "
            f"back); that meeting is at the first, {time} {held.tzname()}, not {time} "
            f"{later.tzname()}"
        )
    return None


def ended_warning(series: SeriesConfig, now: datetime) -> str | None:
    """That a repeating series has had its last meeting by ``now``."""
    if series.schedule is None or occurrences(series, now, 1):
        return None
    rule = schedule_set(series.schedule, series.start, series.zone)
    last = rule.before(now.astimezone(series.zone), inc=True)
    if last is None:
        return None
    return (
        f"the schedule's last meeting is {last.date()}: the series has ended (no reminders or "
        "starts will happen)"
    )


def _series_warnings(
    series: SeriesConfig, now: datetime, spell: Callable[[str], str]
) -> list[Problem]:
    section = f"series:{series.slug}"
    first = to_utc(series.start, series.zone)
    # A rule line or an RDATE may start before `start`: the series' first meeting is then its.
    earliest = series.schedule.earliest(series.start) if series.schedule else series.start
    starts = occurrences(series, to_utc(earliest, series.zone), _GAP_SAMPLE)
    compound = series.schedule is not None and series.schedule.compound
    warnings = []
    if start := start_warning(series):
        warnings.append(Problem(section, "start", start))
    if ended := ended_warning(series, now):
        warnings.append(Problem(section, "schedule", ended))
    if starts and starts[0] != first:
        # dateutil, unlike RFC 5545, does not count a start the rule would not give.
        days = [day_text(s.astimezone(series.zone).date()) for s in starts[:3]]
        which = "schedule's first meeting is not on" if compound else "rule does not give"
        warnings.append(
            Problem(
                section,
                "schedule",
                f"the {which} the day of `start` ({day_text(series.start.date())}), "
                f"so the first meetings are {', '.join(days)}: make `start` the first meeting, "
                "or change the rule",
            )
        )
    if series.schedule is not None and compound:
        warnings += _compound_warnings(series, series.schedule, now, section)
    early = [r for r in series.reminders if series.skip_if_empty and r > series.skip_if_empty]
    if series.skip_if_empty and early:
        warnings.append(
            Problem(
                section,
                "reminders",
                f"the {format_duration(early[0])} reminder comes before `skip_if_empty` looks at "
                f"the agenda ({format_duration(series.skip_if_empty)} before): an empty meeting "
                "is announced, then cancelled (its reminder edited to say so)",
            )
        )
    # Wall times: a weekly meeting is 7 days apart even across a daylight-saving change.
    walls = [s.astimezone(series.zone).replace(tzinfo=None) for s in starts]
    gap = min((later - earlier for earlier, later in pairwise(walls)), default=None)
    # Several lines' meetings are not evenly apart: _compound_warnings says which overlap.
    if gap is not None and series.duration > gap and not compound:
        warnings.append(
            Problem(
                section,
                "duration",
                f"{format_duration(series.duration)} is longer than the {format_duration(gap)} "
                "between meetings, so a meeting would still run when the next one starts",
            )
        )
    for reminder in series.reminders:
        ahead = f"{format_duration(reminder)} before each meeting"
        if gap is not None and reminder > gap:
            warnings.append(
                Problem(
                    section,
                    "reminders",
                    f"{ahead} is longer than the {format_duration(gap)} between meetings, so a "
                    "meeting's reminder would come before the meeting before it",
                )
            )
        elif reminder > _LONGEST_SENSIBLE_REMINDER:
            warnings.append(
                Problem(
                    section,
                    "reminders",
                    f"{ahead} is more than {format_duration(_LONGEST_SENSIBLE_REMINDER)} ahead: "
                    "people will have forgotten it (a typo?)",
                )
            )
    warnings += _section_warnings(series, section)
    if series.video_label and not series.video_link:
        warnings.append(
            Problem(
                section,
                "video_label",
                f"{series.video_label!r} has no {spell('video_link')} to label; add the link, "
                f"or remove {spell('video_label')}",
            )
        )
    return warnings


def _compound_warnings(
    series: SeriesConfig, schedule: Schedule, now: datetime, section: str
) -> list[Problem]:
    """A schedule of several lines: meetings that overlap in the coming year, rules that give
    the same meeting, EXDATEs that remove nothing."""
    zone = series.zone
    warnings = []
    starts = occurrences_between(series, now, now + _OVERLAP_HORIZON)
    overlaps = [(a, b) for a, b in pairwise(starts) if b - a < series.duration]
    if overlaps:
        earlier, later = overlaps[0]
        more = len(overlaps) - 1
        others = f" ({count(more, 'more pair', 'more pairs')} in the coming year)" if more else ""
        warnings.append(
            Problem(
                section,
                "schedule",
                f"the meetings at {_at(schedule, series, earlier)} and "
                f"{_at(schedule, series, later)} overlap: each lasts "
                f"{format_duration(series.duration)}{others}",
            )
        )
    rules = rules_of(schedule, series.start, zone)
    horizon = (now.astimezone(zone), (now + _OVERLAP_HORIZON).astimezone(zone))
    given: dict[datetime, int] = {}
    for line, rule in zip(schedule.rules, rules, strict=True):
        same = []
        for meeting in rule.between(*horizon, inc=True):
            if meeting in given:
                same.append(meeting)
            given.setdefault(meeting, line.line)
        if same:
            warnings.append(
                Problem(
                    section,
                    "schedule",
                    f"line {line.line} `{line.text}` gives {count(len(same), *_MEETINGS)} in "
                    f"the coming year that line {given[same[0]]} gives too (the first "
                    f"{zone_time_text(same[0], series.timezone)}): each is held once",
                )
            )
    for extra in schedule.extras:
        wall = extra.start.replace(tzinfo=zone)
        if any(wall in rule.between(wall, wall, inc=True) for rule in rules):
            warnings.append(
                Problem(
                    section,
                    "schedule",
                    f"line {extra.line} `{extra.text}`: a rule gives that meeting already, so it "
                    "adds nothing",
                )
            )
    shared = _shared_topics(series, starts)
    if shared is not None:
        warnings.append(
            Problem(
                section,
                "topic",
                f"the meetings at {_at(schedule, series, shared[0])} and "
                f"{_at(schedule, series, shared[1])} share the topic "
                f"{series.topic_for(shared[0].astimezone(zone).date())!r}: their reminders, "
                "attendance and notices would mix, and `skip DATE` names the first of them; "
                "keep one meeting a day, or hold the other in a series of its own",
            )
        )
    for removed in schedule.removed:
        if not any(meetings_on(rule, removed.day, zone) for rule in rules):
            warnings.append(
                Problem(
                    section,
                    "schedule",
                    f"line {removed.line} `{removed.text}`: no rule gives a meeting on "
                    f"{day_text(removed.day)}, so it removes nothing",
                )
            )
    return warnings


def _shared_topics(
    series: SeriesConfig, starts: list[datetime]
) -> tuple[datetime, datetime] | None:
    """The first two meetings (in order) whose topics are the same (two on one day), if any."""
    for earlier, later in pairwise(starts):
        day, next_day = (m.astimezone(series.zone).date() for m in (earlier, later))
        if series.topic_for(day) == series.topic_for(next_day):
            return earlier, later
    return None


def _at(schedule: Schedule, series: SeriesConfig, instant: datetime) -> str:
    """A meeting's time and the line giving it: ``Wed 7 Jan 2026, 17:00 UTC (line 1)``."""
    line = line_of(schedule, series.start, series.zone, instant)
    where = f" (line {line.line})" if line is not None else ""
    return f"{zone_time_text(instant, series.timezone)}{where}"


def _section_warnings(series: SeriesConfig, section: str) -> list[Problem]:
    # Imported here: agenda pulls in SQLAlchemy, which a broken botrc never needs.
    from zulip_meetbot.domain.agenda import is_later_section

    if not is_later_section(series.default_section):
        return []
    others = [name for name in series.sections if not is_later_section(name)]
    if not others:
        advice = "add a section for this meeting's items and make it default_section"
    elif len(others) == 1:
        advice = f"set default_section = {others[0]}"
    else:
        advice = f"set default_section to one of {', '.join(others)}"
    return [
        Problem(
            section,
            "default_section",
            f"{series.default_section!r} is a section for later, so `agenda add` would put new "
            "items there and each would be carried over to the next meeting instead of "
            f"discussed; {advice}",
        )
    ]


def offline_report(
    path: str | Path, environ: Mapping[str, str] | None = None, now: datetime | None = None
) -> Report:
    """Syntax, values, templates and permissions of the botrc at ``path``, and where its series
    publish (``environ``, default this process's, may hold the GitHub token)."""
    settings, problems = read_botrc(path)
    findings = [Finding(ERROR, problem) for problem in problems]
    warning = permission_warning(Path(path).expanduser())
    if warning:
        findings.append(Finding(WARNING, warning))
    if settings is not None:
        findings += [Finding(WARNING, text) for text in value_warnings(settings, now)]
        findings = [
            Finding(OK, _summary(settings)),
            *path_findings(settings),
            *database_findings(settings),
            *publishing_findings(settings, environ, now),
            *roster_findings(settings),
            *voting_findings(settings),
            *findings,
        ]
    return Report(settings, tuple(findings))


def _summary(settings: Settings) -> str:
    slugs = ", ".join(s.slug for s in settings.series[:_NAMED])
    if len(settings.series) > _NAMED:
        slugs += f" and {len(settings.series) - _NAMED} more"
    return (
        f"{settings.path.name} reads well: {len(settings.series)} series ({slugs}); database "
        f"{settings.database}, notes in {settings.notes_dir}"
    )


def roster_findings(settings: Settings) -> list[Finding]:
    """Each roster's size and where its members come from (problems are the botrc's)."""
    return [Finding(OK, _roster_summary(roster)) for roster in settings.rosters]


def _roster_summary(roster: Roster) -> str:
    where = f"[roster:{roster.name}]"
    if roster.zulip_group is not None:
        return f"{where} zulip_group: its members are the Zulip group {roster.zulip_group!r}"
    source = f"listed in {roster.members_csv}" if roster.members_csv else "listed in the botrc"
    size = count(len(roster.members), "member", "members")
    # conda's rules: a roster under the minimum quorum needs every member's ballot.
    whole = (
        f"; quorum is the whole roster (fewer than {MINIMUM_QUORUM})"
        if len(roster.members) < MINIMUM_QUORUM
        else ""
    )
    return f"{where}: {size}, {source}{whole}"


def voting_findings(settings: Settings) -> list[Finding]:
    """The policies the botrc's ``[policies]`` adds or changes, and where each voting series'
    results files go: what the botrc changed of conda's rules, said as it was read."""
    findings = []
    changed = [
        f"{name} ({policy_spec(policy)}) " + ("replaces conda's" if name in POLICIES else "is new")
        for name, policy in settings.policies.items()
        if POLICIES.get(name) != policy
    ]
    if changed:
        findings.append(Finding(OK, f"[policies]: {'; '.join(changed)}"))
    findings += [
        Finding(OK, _results_summary(series, settings.notes_dir))
        for series in settings.series
        if series.votes is not None
    ]
    return findings


def _results_summary(series: SeriesConfig, notes_dir: Path) -> str:
    pattern = series.vote_results_path
    text = (
        f"{_where(series, 'vote_results_path')}: [roster:{series.votes}] votes in "
        f"#{series.stream}; a closed vote's results file goes to {notes_dir / pattern}"
    )
    publishing = series.publishing
    if publishing is None:
        return text
    repo = shown(publishing.repo)
    if publishing.pull_request:
        return (
            f"{text}, and to {pattern} on branch vote-results-N of {repo}, with a pull request "
            f"into {publishing.base or 'the default branch'}"
        )
    return f"{text}, and to {pattern} on {publishing.base or 'the default branch'} of {repo}"


def path_findings(settings: Settings) -> list[Finding]:
    """The database's folder exists (meetbot never makes it: a typo would leave new folders
    behind), and the database and the notes folder can be created and written."""
    findings = []
    places = [("[meetbot] notes_dir", settings.notes_dir)]
    folder = settings.database.parent
    if folder.exists():
        places.insert(0, ("[meetbot] database", folder))
    else:
        findings.append(
            Finding(
                ERROR,
                f"[meetbot] database: its folder {folder} does not exist; meetbot does not "
                "create it (a typo?)",
            )
        )
    for where, path in places:
        existing = _nearest_existing(path)
        if not existing.is_dir():
            findings.append(Finding(ERROR, f"{where}: {existing} is not a folder"))
        elif not os.access(existing, os.W_OK | os.X_OK):
            findings.append(Finding(ERROR, f"{where}: this user may not write in {existing}"))
    return findings


def database_findings(settings: Settings) -> list[Finding]:
    """The database, opened read-only (never created): what it holds, or why `run` could not
    use it (not a database, damaged, locked, read-only)."""
    # Imported here: SQLAlchemy is slow to import, and a broken botrc never needs it.
    from zulip_meetbot.store import DatabaseProblem, database_state

    if not settings.database.parent.is_dir():
        return []  # path_findings says why
    try:
        return [Finding(OK, database_state(settings.database))]
    except DatabaseProblem as problem:
        return [Finding(ERROR, str(problem))]


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


# --- publishing ---------------------------------------------------------------------------


def publishing_findings(
    settings: Settings, environ: Mapping[str, str] | None = None, now: datetime | None = None
) -> list[Finding]:
    """Offline, for each series that publishes: where its next meetings' notes go (the patterns
    render), its GitHub token when it opens pull requests; and meetbot's folder for the clones."""
    env = os.environ if environ is None else environ
    at = now if now is not None else datetime.now(UTC)
    findings = []
    publishing = [series for series in settings.series if series.publishing is not None]
    for series in publishing:
        findings += destination_findings(series, at)
        if series.publishing is not None and series.publishing.pull_request:
            findings += token_findings(series, env)
    if publishing:
        findings += clone_folder_findings(settings)
    return findings


def _where(series: SeriesConfig, key: str) -> str:
    return f"[series:{series.slug}] {key}"


def _next_days(series: SeriesConfig, now: datetime) -> list[date]:
    """The days of the next meetings; the first one's for a series that has ended."""
    starts = occurrences(series, now, _PUBLISH_SAMPLE) or [to_utc(series.start, series.zone)]
    return [local_date(start, series.zone) for start in starts]


def _destinations(series: SeriesConfig, now: datetime) -> list[tuple[date, str, str]] | Finding:
    """(day, path, branch) of the next meetings, or the error of the first that does not
    render (config tried the first two meetings; a pattern may still break on a later day)."""
    publishing = series.publishing
    assert publishing is not None
    planned = []
    for day in _next_days(series, now):
        for key, render in (
            ("publish_path", publishing.path_for),
            ("publish_branch", publishing.branch_for),
        ):
            try:
                render(day)
            except ValueError as why:
                return Finding(ERROR, f"{_where(series, key)}: for the meeting on {day}, {why}")
        planned.append((day, publishing.path_for(day), publishing.branch_for(day)))
    return planned


def destination_findings(series: SeriesConfig, now: datetime) -> list[Finding]:
    """Where the next meeting's notes go: the path and branch its patterns render."""
    publishing = series.publishing
    assert publishing is not None
    planned = _destinations(series, now)
    if isinstance(planned, Finding):
        return [planned]
    day, path, branch = planned[0]
    into = ""
    if publishing.pull_request:
        into = f", with a pull request into {publishing.base or 'the default branch'}"
    return [
        Finding(
            OK,
            f"{_where(series, 'publish')}: the notes of the meeting on {day} go to {path} on "
            f"branch {branch} of {shown(publishing.repo)}{into}",
        )
    ]


def token_findings(series: SeriesConfig, environ: Mapping[str, str]) -> list[Finding]:
    """The GitHub token of a series that opens pull requests: its file is a file, holds a token
    and only meetbot's user may read it; or, with no file, the environment has one."""
    publishing = series.publishing
    assert publishing is not None
    token_file = publishing.token_file
    where = _where(series, "github_token_file")
    if token_file is None:
        if environ.get(TOKEN_ENV, "").strip():
            return [
                Finding(OK, f"{where}: not set; the token is {TOKEN_ENV}'s (`run` needs it too)")
            ]
        return [
            Finding(
                ERROR,
                f"{where}: not set, and {TOKEN_ENV} is not in the environment: pull requests "
                "need a token; put it in a file only meetbot's user may read and name the file "
                "here",
            )
        ]
    try:
        mode = token_file.stat().st_mode
    except OSError as error:
        why = "it does not exist" if isinstance(error, FileNotFoundError) else error.strerror
        return [Finding(ERROR, f"{where}: cannot read {token_file}: {why}")]
    if not stat.S_ISREG(mode):
        # Not read at all: reading a named pipe would wait for a writer.
        return [Finding(ERROR, f"{where}: {token_file} is not a file (a folder?)")]
    findings = []
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        findings.append(
            Finding(
                WARNING,
                f"{where}: {token_file} is readable by other users of this machine "
                f"(mode {stat.S_IMODE(mode):04o}) and holds the GitHub token: run "
                f"`chmod 600 {token_file}`",
            )
        )
    try:
        read_token(token_file, environ)
    except GitHubProblem as problem:
        findings.append(Finding(ERROR, f"{where}: {problem.first_line}; {problem.hint}"))
    return findings


def clone_folder_findings(settings: Settings) -> list[Finding]:
    """meetbot may make and write its clones of the publishing repositories beside the
    database."""
    if not settings.database.parent.is_dir():
        return []  # path_findings says why
    folder = settings.clones_folder
    existing = _nearest_existing(folder)
    where = "[meetbot] database"
    if not existing.is_dir():
        return [
            Finding(
                ERROR,
                f"{where}: meetbot keeps its clones of the publishing repositories in {folder}, "
                f"but {existing} is not a folder",
            )
        ]
    if not os.access(existing, os.W_OK | os.X_OK):
        return [
            Finding(
                ERROR,
                f"{where}: meetbot keeps its clones of the publishing repositories in {folder}, "
                f"but this user may not write in {existing}",
            )
        ]
    return []


def publishing_online_findings(
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    now: datetime | None = None,
    timeout: float = _PUBLISH_TIMEOUT,
) -> list[Finding]:
    """For each series that publishes: its repository answers ``git ls-remote`` with this
    user's credentials and has the base branch; its GitHub token may open pull requests."""
    env = os.environ if environ is None else environ
    at = now if now is not None else datetime.now(UTC)
    findings = []
    for series in settings.series:
        if series.publishing is None:
            continue
        findings += repository_findings(series, at, timeout)
        if series.publishing.pull_request:
            findings += github_findings(series, env, timeout)
    return findings


def repository_findings(series: SeriesConfig, now: datetime, timeout: float) -> list[Finding]:
    """``git ls-remote`` of the series' repository, as this user: it answers, its base branch
    exists and, with pull requests, is not the branch the notes go to."""
    publishing = series.publishing
    assert publishing is not None
    repo = shown(publishing.repo)
    try:
        branches = remote_branches(publishing.repo, timeout)
    except GitProblem as problem:
        return [
            Finding(
                ERROR,
                f"{_where(series, 'publish_repo')}: `git ls-remote {repo}` failed: "
                f"{problem.first_line}; {problem.hint}",
            )
        ]
    planned = _destinations(series, now)
    if isinstance(planned, Finding):
        return []  # destination_findings says why
    answers = f"{repo} answers this user's git credentials (git ls-remote)"
    if not branches:
        if publishing.pull_request:
            return [
                Finding(
                    ERROR,
                    f"{_where(series, 'publish_repo')}: {answers} but is empty, so a pull request "
                    "has no branch to go into: push a first commit to it",
                )
            ]
        return [
            Finding(
                OK,
                f"{_where(series, 'publish_repo')}: {answers}; it is empty, so the first notes "
                "will be its first commit",
            )
        ]
    if publishing.base is not None:
        if publishing.base not in branches:
            return [
                Finding(
                    ERROR,
                    f"{_where(series, 'publish_base')}: {repo} has no branch {publishing.base!r} "
                    f"(it has {_listed(branches)}): push it, or name another; without "
                    "publish_base, new branches start from the default branch",
                )
            ]
        return [
            Finding(OK, f"{_where(series, 'publish_repo')}: {answers}; {publishing.base} exists")
        ]
    try:
        base = default_branch(publishing.repo, timeout)
    except GitProblem as problem:
        return [
            Finding(
                ERROR,
                f"{_where(series, 'publish_base')}: not set, and {repo}'s default branch cannot "
                f"be told: {problem.first_line}; {problem.hint}",
            )
        ]
    same = [(day, branch) for day, _path, branch in planned if branch == base]
    if publishing.pull_request and same:
        day, branch = same[0]
        return [
            Finding(
                ERROR,
                f"{_where(series, 'publish_branch')}: the meeting on {day} goes to {branch!r}, "
                f"{repo}'s default branch, which is also the base when publish_base is not set, "
                "and a pull request goes from one branch to another: keep the default "
                "%Y-%m-%d-meeting-notes, or set publish_pull_request = no to commit to it "
                "directly",
            )
        ]
    return [
        Finding(
            OK,
            f"{_where(series, 'publish_repo')}: {answers}; its default branch is {base}",
        )
    ]


def _listed(branches: set[str], most: int = 5) -> str:
    names = sorted(branches)
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def github_findings(
    series: SeriesConfig, environ: Mapping[str, str], timeout: float
) -> list[Finding]:
    """The series' token works and may open pull requests in its repository (one read-only
    call, GET /repos/OWNER/NAME); the token itself is never in a line."""
    publishing = series.publishing
    assert publishing is not None
    key = "github_token_file" if publishing.token_file is not None else TOKEN_ENV
    try:
        token = read_token(publishing.token_file, environ)
    except GitHubProblem:
        return []  # token_findings says why
    repository = github_repository(publishing.repo, api=publishing.github_api)
    if token is None or repository is None:
        return []  # token_findings says why; config refuses a repository GitHub cannot name
    problems = GitHub(publishing.github_api, token, timeout).access_problems(repository)
    if problems:
        return [
            Finding(ERROR, f"{_where(series, key)}: {problem}".replace(token, "***"))
            for problem in problems
        ]
    return [
        Finding(
            OK,
            f"{_where(series, key)}: the token works and may open pull requests in "
            f"{repository} ({publishing.github_api})",
        )
    ]


# --- online -------------------------------------------------------------------------------


def online_findings(settings: Settings, client: ZulipApi) -> list[Finding]:
    """Credentials, streams, chairs and profile fields, asked of the server."""
    site = settings.api.site
    profile = client.get_profile()
    if profile.get("result") != "success":
        return [
            Finding(
                ERROR,
                f"[api] email, key: {site} refused the bot's credentials ({profile.get('msg')}). "
                "Copy email and key from the bot's zuliprc (Personal settings > Bots).",
            )
        ]
    findings = [Finding(OK, _identity(profile, site))]
    if not profile.get("is_bot"):
        findings.append(
            Finding(
                WARNING,
                f"[api] email: {settings.api.email} is a person's account, not a bot's; "
                "meetbot will post as that person. Create a generic bot for it instead.",
            )
        )
    findings += stream_findings(settings, client, int(profile.get("role") or 400))
    findings += chair_findings(settings, client)
    findings += profile_field_findings(settings, client)
    findings += roster_online_findings(settings, client)
    return findings


def _identity(profile: Mapping[str, Any], site: str) -> str:
    kind = "a bot" if profile.get("is_bot") else "not a bot"
    return (
        f"credentials work: {site} knows the bot as {profile.get('full_name')} "
        f"(user {profile.get('user_id')}, {kind})"
    )


def stream_findings(settings: Settings, client: ZulipApi, role: int) -> list[Finding]:
    """Each series' stream exists, the bot may see it, and the bot may post in it: two
    listings, however many series (a stream's name ignores case, as in Zulip)."""
    listed = client.get_streams(include_public=True, include_subscribed=True)
    if listed.get("result") != "success":
        return [Finding(ERROR, f"could not list the streams the bot sees: {listed.get('msg')}")]
    streams = {str(s.get("name", "")).casefold(): s for s in listed.get("streams", [])}
    subscribed = _by_id(client.get_subscriptions(), "subscriptions")
    findings = []
    fine: list[Finding] = []
    joining = 0  # of the fine ones, the streams `run` will subscribe the bot to
    for series in settings.series:
        where = f"[series:{series.slug}] stream"
        stream = streams.get(series.stream.strip().casefold())
        if stream is None or "stream_id" not in stream:
            findings.append(
                Finding(
                    ERROR,
                    f"{where}: the bot cannot see a stream called {series.stream!r} "
                    "(Zulip does not list it for the bot). Check the name; if the stream is "
                    "private, add the bot to it in Zulip.",
                )
            )
            continue
        problem = _posting_problem(stream, role)
        if problem:
            findings.append(Finding(ERROR, f"{where}: {problem}"))
        elif int(stream["stream_id"]) in subscribed:
            fine.append(Finding(OK, f"{where}: #{series.stream} exists and the bot is in it"))
        else:
            joining += 1
            fine.append(
                Finding(OK, f"{where}: #{series.stream} exists; `run` will subscribe the bot")
            )
    if len(fine) <= _NAMED:
        return findings + fine
    # A foundation's hundreds of series: the problems one a line, what is fine in one.
    also = f" (`run` will subscribe the bot to {joining} of them)" if joining else ""
    return [*findings, Finding(OK, f"the streams of {len(fine)} series exist{also}")]


def _by_id(response: Mapping[str, Any], key: str) -> dict[int, Mapping[str, Any]]:
    return {int(s["stream_id"]): s for s in response.get(key, []) if "stream_id" in s}


def _posting_problem(stream: Mapping[str, Any], role: int) -> str | None:
    """Why a bot of ``role`` may not post in ``stream``, or None (older servers' policy)."""
    policy = stream.get("stream_post_policy")
    name = stream.get("name", "the stream")
    if policy == _POLICY_ADMINS and role > _ROLE_ADMIN:
        return f"only administrators may post in #{name}; make the bot an administrator"
    if policy == _POLICY_MODERATORS and role > _ROLE_MODERATOR:
        return f"only moderators may post in #{name}; make the bot a moderator"
    return None


def chair_findings(settings: Settings, client: ZulipApi) -> list[Finding]:
    """Chairs the bot cannot recognize: an unknown id, or an email the bot cannot see."""
    wanted = [("[meetbot] chairs", chair) for chair in settings.chairs]
    wanted += [(f"[series:{s.slug}] chairs", chair) for s in settings.series for chair in s.chairs]
    if not wanted:
        return []
    response = client.get_members()
    if response.get("result") != "success":
        return [Finding(WARNING, f"could not list users to check chairs: {response.get('msg')}")]
    ids = {int(user["user_id"]) for user in response.get("members", [])}
    emails = {
        str(user.get(key) or "").lower()
        for user in response.get("members", [])
        for key in ("email", "delivery_email")
    }
    findings = []
    for where, chair in wanted:
        if chair.isdigit() and int(chair) not in ids:
            findings.append(Finding(ERROR, f"{where}: there is no user {chair}"))
        elif not chair.isdigit() and chair.lower() not in emails:
            findings.append(
                Finding(
                    ERROR,
                    f"{where}: no user the bot can see has the email {chair}; the organization "
                    "may hide emails from bots, so list chairs by user id (Profile > User ID)",
                )
            )
    return findings


def roster_online_findings(settings: Settings, client: ZulipApi) -> list[Finding]:
    """Roster members the server does not know (warnings: a vote would not count their
    ballots), and each ``zulip_group``: whether it exists and how many of it can vote."""
    listed = [r for r in settings.rosters if r.members]
    grouped = [r for r in settings.rosters if r.zulip_group is not None]
    findings: list[Finding] = []
    if not listed and not grouped:
        return findings
    response = client.get_members()
    if response.get("result") != "success":
        return [
            Finding(WARNING, f"could not list users to check the rosters: {response.get('msg')}")
        ]
    users = response.get("members", [])
    if listed:
        ids = {int(user["user_id"]) for user in users}
        emails = {
            str(user.get(key) or "").casefold()
            for user in users
            for key in ("email", "delivery_email")
        }
        findings += [_roster_members_finding(r, ids, emails) for r in listed]
    if grouped:
        findings += _roster_group_findings(grouped, client, users)
    return findings


def _roster_group_findings(
    grouped: Sequence[Roster], client: ZulipApi, users: Sequence[Mapping[str, Any]]
) -> list[Finding]:
    # Imported here, as connect() imports the client: `check --offline` never needs it.
    from zulip_meetbot.zulip.directory import group_members, read_user_groups

    groups = read_user_groups(client)
    if isinstance(groups, str):
        return [
            Finding(
                WARNING,
                f"[roster:{r.name}] zulip_group: could not read the Zulip user groups ({groups}); "
                "a vote in its series will be refused until they can be read",
            )
            for r in grouped
        ]
    # As the bot counts them when a vote opens: bots and deactivated users cannot vote.
    voting = {int(u["user_id"]) for u in users if not u.get("is_bot") and u.get("is_active", True)}
    findings = []
    for roster in grouped:
        name = str(roster.zulip_group)
        where = f"[roster:{roster.name}] zulip_group"
        members = group_members(groups, name)
        if members is None:
            known = ", ".join(sorted(str(g.get("name")) for g in groups)) or "none"
            findings.append(
                Finding(ERROR, f"{where}: Zulip has no user group {name!r} (its groups: {known})")
            )
            continue
        voters = members & voting
        if not voters:
            findings.append(
                Finding(
                    WARNING,
                    f"{where}: the Zulip group {name!r} has nobody who can vote, so no vote in "
                    "its series can open",
                )
            )
            continue
        left_out = len(members) - len(voters)
        besides = (
            f" ({count(left_out, 'bot or deactivated user', 'bots or deactivated users')} left out)"
            if left_out
            else ""
        )
        size = count(len(voters), "member", "members")
        findings.append(Finding(OK, f"{where}: the Zulip group {name!r} has {size}{besides}"))
    return findings


def _roster_members_finding(roster: Roster, ids: set[int], emails: set[str]) -> Finding:
    key = "members_csv" if roster.members_csv is not None else "members"
    where = f"[roster:{roster.name}] {key}"
    unknown = [
        str(member)
        for member in roster.members
        if (member not in ids if isinstance(member, int) else member.casefold() not in emails)
    ]
    if not unknown:
        return Finding(OK, f"{where}: all {len(roster.members)} members are users of the server")
    return Finding(
        WARNING,
        f"{where}: the server knows no user {', '.join(unknown)}, so no vote can open with "
        "this roster; the organization may hide emails from bots: list them by user id "
        "(Profile > User ID), or add a zulip_user_id column",
    )


def profile_field_findings(settings: Settings, client: ZulipApi) -> list[Finding]:
    """The custom profile fields the botrc names exist (defaults are only guesses)."""
    keys = [key for key in PROFILE_FIELD_KEYS if getattr(settings, key.name, ())]
    if not keys:
        return []  # a meetbot without these keys reads no profile fields
    response = client.get_realm_profile_fields()
    if response.get("result") != "success":
        return [Finding(ERROR, f"could not list custom profile fields: {response.get('msg')}")]
    existing = [str(f.get("name", "")) for f in response.get("custom_fields", [])]
    known = {name.casefold() for name in existing}
    findings = []
    for key in keys:
        names: tuple[str, ...] = getattr(settings, key.name)
        where = f"[meetbot] {key.name}"
        found = [name for name in names if name.casefold() in known]
        listed = " or ".join(repr(name) for name in names)
        if found:
            findings.append(Finding(OK, f"{where}: the profile field {found[0]!r} exists"))
        elif names == key.default_value:
            findings.append(
                Finding(OK, f"{where}: no profile field {listed}; people set it with `profile`")
            )
        else:
            findings.append(
                Finding(
                    ERROR,
                    f"{where}: the organization has no custom profile field {listed} "
                    f"(it has: {', '.join(existing) or 'none'})",
                )
            )
    return findings


def connect(settings: Settings) -> ZulipApi | Finding:
    """A client for the botrc's ``[api]``, or why the server cannot be reached."""
    # Imported here: the zulip client is slow to import, and `check --offline` never needs it.
    from zulip_meetbot.zulip.runtime import make_client

    try:
        return make_client(settings)
    except AssertionError:
        # zulip.Client asserts that GET /server_settings named a Zulip version.
        reason = "it does not answer like a Zulip server"
    except Exception as error:  # requests and zulip raise many kinds; all mean "unreachable"
        reason = str(error) or type(error).__name__
    return Finding(
        ERROR, f"[api] site: cannot reach the Zulip server at {settings.api.site}: {reason}"
    )


# --- the command --------------------------------------------------------------------------


def redact(text: str, key: str) -> str:
    """``text`` with the API key replaced, so no report line can leak it."""
    # As in config.py: replacing a very short key would garble ordinary words.
    return text.replace(key, _REDACTED) if len(key) >= _MIN_REDACTED_LENGTH else text


def report_lines(findings: Iterable[Finding], key: str) -> list[str]:
    return [redact(f"{finding.level}: {finding.text}", key) for finding in findings]


def verdict(findings: Sequence[Finding], online: bool) -> str:
    errors = sum(1 for f in findings if f.level == ERROR)
    if errors:
        return f"{count(errors, 'problem', 'problems')}: `meetbot run` would not work until fixed."
    if online:
        return "all good: `meetbot run` has everything it needs."
    return (
        "the botrc is good; `meetbot check` without --offline also asks the Zulip server "
        "and the publishing repositories."
    )

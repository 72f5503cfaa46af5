"""Which meetings' notes (and votes' results files) are published, up to which version, and
what is still to do: the rules of retrying (the delays) and of telling the chairs, over the
``publication`` table.

The database is the record: a meeting's notes are wanted published (each change one version
more) in a transaction of their own, and every attempt's outcome is recorded, so a restart
finds the work still to do and does nothing twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from zulip_meetbot import store
from zulip_meetbot.domain import posts
from zulip_meetbot.domain.posts import SUMMARY
from zulip_meetbot.models import PublicationRow

# How long to wait after the 1st, 2nd… failed attempt in a row; the last one repeats.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=30),
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
# Failed attempts in a row after which the chairs are told (a problem retrying cannot help
# is told at once).
TELL_CHAIRS_AFTER = 3


# The keys of a meeting's publication posts in the ledger: the summary's line once pushed (the
# commit), its line once the pull request is open (replacing the commit's), the chairs told.
_LINK = "publication-link"
_PULL_REQUEST_LINK = "publication-pull-request"
_PROBLEM = "publication-problem"


@dataclass(frozen=True)
class VoteResults:
    """A governance vote's results file as what a publication is of (a meeting's notes are
    named by the meeting's id)."""

    number: int


# What a publication is of: a meeting's notes (its id) or a vote's results file.
Of = int | VoteResults


def _ids(of: Of) -> tuple[int | None, int | None]:
    """(meeting id, vote number) as the store names a publication."""
    return (None, of.number) if isinstance(of, VoteResults) else (of, None)


def vote_problem_key(number: int) -> str:
    """The ledger's key of the post telling a vote's topic of a problem publishing its results."""
    return f"{_PROBLEM}|vote-{number}"


def link_key(meeting_id: int, pull_request: bool) -> str:
    """The ledger's key of the summary's line for the meeting's notes: the commit's, or the
    pull request's (a later line, once one is open)."""
    return f"{_PULL_REQUEST_LINK if pull_request else _LINK}|{meeting_id}"


def problem_key(meeting_id: int) -> str:
    """The ledger's key of the post telling the meeting's chairs of a publishing problem."""
    return f"{_PROBLEM}|{meeting_id}"


def linked_meeting(key: str) -> int | None:
    """The meeting whose summary the owed post ``key`` is a line of; None for any other post."""
    kind, _, meeting = key.partition("|")
    return int(meeting) if kind in (_LINK, _PULL_REQUEST_LINK) and meeting.isdigit() else None


def is_publication_key(key: str) -> bool:
    """Whether the owed post ``key`` is the publisher's (a summary's line, the chairs told)."""
    return key.partition("|")[0] in (_LINK, _PULL_REQUEST_LINK, _PROBLEM)


@dataclass(frozen=True)
class Publication:
    """A meeting's (or a vote's results') publication as the publisher sees it."""

    meeting_id: int | None  # None: of a vote's results file
    series_slug: str
    version: int  # one more each time the notes are wanted published
    content_sha256: str | None  # of the notes last pushed
    content: str | None  # the notes last pushed
    commit_sha: str | None
    branch: str | None
    pull_request_number: int | None
    pull_request_url: str | None
    attempts: int  # failed attempts in a row
    next_attempt_at: datetime | None  # None: nothing to do until the notes change
    last_problem: str | None
    chairs_told: bool
    updated_at: datetime
    vote_number: int | None = None

    @property
    def of(self) -> Of:
        """What it publishes: the meeting's id, or the vote's results file."""
        if self.vote_number is not None:
            return VoteResults(self.vote_number)
        assert self.meeting_id is not None
        return self.meeting_id

    @property
    def published(self) -> bool:
        """Whether some version of the notes was pushed."""
        return self.content_sha256 is not None


@dataclass(frozen=True)
class Failed:
    """A failed attempt recorded: the publication now, and whether the chairs are to be told."""

    publication: Publication
    tell_chairs: bool


@dataclass(frozen=True)
class SummaryPost:
    """The summary posted at a meeting's end: its Zulip message and content."""

    message_id: int
    content: str


def content_sha256(content: str) -> str:
    """The hex SHA-256 of the notes' UTF-8 text: two versions with the same one are the same."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def retry_delay(attempts: int, delays: tuple[timedelta, ...] = RETRY_DELAYS) -> timedelta:
    """How long to wait after ``attempts`` (1 or more) failed attempts in a row."""
    return delays[min(max(attempts, 1), len(delays)) - 1]


def want(session: Session, of: Of, series_slug: str, now: datetime) -> Publication:
    """The meeting's notes (or the vote's results) are to be published at their current
    version, from ``now``."""
    meeting_id, vote_number = _ids(of)
    store.want_publication(session, meeting_id, series_slug, now, vote_number)
    found = publication(session, of)
    assert found is not None  # just written
    return found


def publication(session: Session, of: Of) -> Publication | None:
    """The meeting's (or vote's) publication, or None if never wanted published."""
    row = store.publication(session, *_ids(of))
    return None if row is None else _value(row)


def due(session: Session, now: datetime) -> list[Publication]:
    """The publications whose next attempt is due at ``now``, the earliest first."""
    return [_value(row) for row in store.due_publications(session, now)]


def next_due(session: Session) -> datetime | None:
    """When the next pending attempt is due; None when nothing is pending."""
    return store.next_publication_at(session)


def pushed(
    session: Session,
    of: Of,
    version: int,
    content: str,
    now: datetime,
    *,
    commit_sha: str | None,
    branch: str,
    pull_request: tuple[int, str] | None = None,
    done: bool = True,
) -> Publication:
    """Record ``content`` (of ``version``) published: on ``branch`` at ``commit_sha`` (None:
    the branch had it already), with the pull request (number, url) if any. Unless not
    ``done`` (a pull request is still to open), nothing is left to do, unless the notes were
    wanted again meanwhile."""
    values: dict[str, object] = {
        "content_sha256": content_sha256(content),
        "content": content,
        "branch": branch,
        "attempts": 0,
        "last_problem": None,
        "updated_at": now,
    }
    if commit_sha is not None:
        values["commit_sha"] = commit_sha
    if pull_request is not None:
        values["pull_request_number"], values["pull_request_url"] = pull_request
    meeting_id, vote_number = _ids(of)
    store.update_publication(session, meeting_id, vote_number, **values)
    if done:
        store.settle_publication(session, meeting_id, version, None, vote_number)
    found = publication(session, of)
    assert found is not None
    return found


def unchanged(session: Session, of: Of, version: int, now: datetime) -> None:
    """The notes of ``version`` are those pushed already: nothing to do (unless wanted again)."""
    meeting_id, vote_number = _ids(of)
    store.update_publication(
        session, meeting_id, vote_number, attempts=0, last_problem=None, updated_at=now
    )
    store.settle_publication(session, meeting_id, version, None, vote_number)


def failed(
    session: Session,
    of: Of,
    version: int,
    problem: str,
    retryable: bool,
    now: datetime,
    delays: tuple[timedelta, ...] = RETRY_DELAYS,
) -> Failed:
    """Record a failed attempt at ``version``: retried after the next of ``delays`` if
    retrying can help, else not before the notes change again (or a by-hand ``publish``).
    The chairs are to be told once per meeting: after ``TELL_CHAIRS_AFTER`` failures in a
    row, or at once when retrying cannot help."""
    meeting_id, vote_number = _ids(of)
    row = store.publication(session, meeting_id, vote_number)
    assert row is not None
    attempts = row.attempts + 1
    line = problem.strip().splitlines()[0] if problem.strip() else "unknown problem"
    store.update_publication(
        session, meeting_id, vote_number, attempts=attempts, last_problem=line, updated_at=now
    )
    next_at = now + retry_delay(attempts, delays) if retryable else None
    store.settle_publication(session, meeting_id, version, next_at, vote_number)
    found = publication(session, of)
    assert found is not None
    tell = not found.chairs_told and (not retryable or attempts >= TELL_CHAIRS_AFTER)
    return Failed(found, tell)


def chairs_told(session: Session, of: Of) -> None:
    """The chairs were told of the meeting's (or vote's) publishing problem: never again."""
    store.update_publication(session, *_ids(of), chairs_told=True)


def summary_post(session: Session, meeting_id: int) -> SummaryPost | None:
    """The meeting's summary as Zulip has it (from the ledger's owed post); None if it is not
    known to be posted (or its record is gone, past the catch-up window)."""
    row = store.owed_post(session, posts.default_key(SUMMARY, meeting_id))
    if row is None or row.posted_id is None:
        return None
    return SummaryPost(row.posted_id, row.content)


def _value(row: PublicationRow) -> Publication:
    return Publication(
        meeting_id=row.meeting_id,
        series_slug=row.series_slug,
        version=row.version,
        content_sha256=row.content_sha256,
        content=row.content,
        commit_sha=row.commit_sha,
        branch=row.branch,
        pull_request_number=row.pull_request_number,
        pull_request_url=row.pull_request_url,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_problem=row.last_problem,
        chairs_told=row.chairs_told,
        updated_at=row.updated_at,
        vote_number=row.vote_number,
    )

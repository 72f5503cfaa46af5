"""What is published and when: a meeting's notes, each version that changes them, committed to
the series' repository (and its pull request opened or updated) by one background thread.

The database is the record (``domain.publications``): ``want`` commits that the notes are to
be published at their current version before it returns, and the worker renders them from the
record, pushes, and records what it did; a failure is retried with backoff, also after a
restart, and told once to the chairs in the meeting's topic. Nothing here blocks a command or
the meeting: git and GitHub are spoken to by the worker alone.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from zulip_meetbot import lifecycle, views, vote_lifecycle, vote_results, vote_views
from zulip_meetbot.app import App
from zulip_meetbot.config import Publishing, SeriesConfig
from zulip_meetbot.domain import meetings, publications
from zulip_meetbot.domain.publications import RETRY_DELAYS, Publication, VoteResults
from zulip_meetbot.ledger import GOVERNANCE, PUBLICATION, OwedPost
from zulip_meetbot.lifecycle import Notes, Poster
from zulip_meetbot.publish import git, github

log = logging.getLogger(__name__)

# The longest the worker sleeps without looking at the database: a `meetbot publish` by hand,
# or another process, may have changed what is due.
_LOOK_EVERY = 60.0
# The author of the commits when neither the botrc nor Zulip names one (`meetbot publish`).
_FALLBACK_AUTHOR = "meetbot"

PUSHED = "pushed"  # a commit (or a pull request) was made now
UNCHANGED = "unchanged"  # the notes were published at this version already
FAILED = "failed"
NOT_PUBLISHED = "not published"  # the series no longer publishes, or the meeting has not ended


@dataclass(frozen=True)
class Outcome:
    """What one attempt to publish a meeting's notes did."""

    status: str  # PUSHED, UNCHANGED, FAILED or NOT_PUBLISHED
    series_slug: str
    meeting_id: int
    day: date | None = None
    branch: str | None = None
    path: str | None = None
    commit_sha: str | None = None  # None: nothing pushed (the branch had these notes)
    pull_request: tuple[int, str] | None = None  # (number, url)
    problem: str | None = None  # the first line of git's or GitHub's error
    hint: str | None = None
    retryable: bool = False
    next_attempt_at: datetime | None = None  # when it is tried again (None: not by itself)
    kept_others: bool = False
    replaced_theirs: bool = False


class Problem(Exception):
    """Why an attempt failed, in one line, with a hint and whether retrying can help."""

    def __init__(self, first_line: str, hint: str, retryable: bool) -> None:
        super().__init__(first_line)
        self.first_line = first_line
        self.hint = hint
        self.retryable = retryable


class Publisher:
    """Publishes the notes of the series that publish, from ``app``'s record; tells the chairs
    and links the summary through ``poster`` (None: a command line, no Zulip)."""

    def __init__(
        self,
        app: App,
        poster: Poster | None,
        *,
        delays: tuple[timedelta, ...] = RETRY_DELAYS,
        environ: Mapping[str, str] | None = None,
        refused_edit_level: int = logging.WARNING,
    ) -> None:
        self.app = app
        self.poster = poster
        self.delays = delays
        self.environ = os.environ if environ is None else environ
        # How loudly to log Zulip refusing to edit a summary (the shell's pretend Zulip forgets
        # an earlier session's messages: expected there, so it says it at info level).
        self.refused_edit_level = refused_edit_level
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # One attempt at a time, whether the worker or `publish_now` makes it.
        self._busy = threading.Lock()

    # -- asking -------------------------------------------------------------------------------

    def want(self, series: SeriesConfig, meeting_id: int) -> None:
        """Record (committed before returning) that the meeting's notes are to be published at
        their current version, and wake the worker. Nothing for a series that does not publish."""
        if series.publishing is None:
            return
        with self.app.store.transaction() as session:
            publications.want(session, meeting_id, series.slug, self.app.clock.now())
        self._wake.set()

    def want_vote(self, series: SeriesConfig, number: int) -> None:
        """Record (committed before returning) that the closed vote's results file is to be
        published, and wake the worker. Nothing for a series that does not publish."""
        if series.publishing is None:
            return
        with self.app.store.transaction() as session:
            publications.want(session, VoteResults(number), series.slug, self.app.clock.now())
        self._wake.set()

    def clone_folder(self, series: SeriesConfig) -> Path:
        """Where the series' repository is cloned: ``publish/SLUG`` in meetbot's state folder
        (the database's)."""
        return self.app.settings.clones_folder / series.slug

    # -- the worker ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker thread; it first does what a stop left pending."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._work, name="meetbot-publisher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker after the attempt in hand (waiting at most ``timeout`` seconds: an
        attempt cut off stays pending in the database and is made at the next start)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_due()
                wait = self._seconds_to_next()
            except Exception:  # a bug must not stop publishing for good: look again later
                log.exception("publishing failed unexpectedly")
                wait = _LOOK_EVERY
            self._wake.wait(wait)
            self._wake.clear()

    def next_due(self) -> datetime | None:
        """When the next pending attempt is due; None when nothing is pending."""
        with self.app.store.transaction() as session:
            return publications.next_due(session)

    def _seconds_to_next(self) -> float:
        next_at = self.next_due()
        if next_at is None:
            return _LOOK_EVERY
        left = (next_at - self.app.clock.now()).total_seconds()
        return min(max(left, 0.0), _LOOK_EVERY)

    def run_due(self) -> list[Outcome]:
        """Make every attempt due now, then deliver the publication posts still owed, in this
        thread (the worker's turn; the shell and tests call it)."""
        with self.app.store.transaction() as session:
            due = publications.due(session, self.app.clock.now())
        outcomes = []
        for publication in due:
            if self._stopping.is_set():
                break
            outcomes.append(self._attempt(publication, force=False))
        self.deliver_owed()
        return outcomes

    def deliver_owed(self) -> int:
        """Deliver the publication posts owed in the ledger (a `meetbot publish` by hand owes
        the summary's line to the running bot; a post Zulip refused stays owed); how many."""
        if self.poster is None:
            return 0
        delivered = 0
        since = self.app.clock.now() - self.app.settings.catch_up
        for post in self.app.ledger.owed_posts(since):
            if not publications.is_publication_key(post.key):
                continue
            # As the runtime posts owed posts: with the lock held, and only if still owed.
            with self.app.lock:
                if self.app.ledger.is_owed(post.key) and self._deliver(post):
                    delivered += 1
        return delivered

    def publish_now(self, series: SeriesConfig, of: publications.Of) -> Outcome:
        """`meetbot publish`: publish (or republish) a meeting's notes (its id) or a vote's
        results file now, in this thread, even if this version was published already (git
        makes no empty commit)."""
        with self.app.store.transaction() as session:
            publication = publications.want(session, of, series.slug, self.app.clock.now())
        return self._attempt(publication, force=True)

    # -- one attempt --------------------------------------------------------------------------

    def _attempt(self, publication: Publication, force: bool) -> Outcome:
        with self._busy:
            return self._attempt_now(publication, force)

    def _attempt_now(self, publication: Publication, force: bool) -> Outcome:
        if publication.vote_number is not None:
            return self._attempt_vote(publication, publication.vote_number, force)
        meeting_id, slug = publication.meeting_id, publication.series_slug
        assert meeting_id is not None
        was_published = publication.published
        series = self.app.settings.series_by_slug(slug)
        notes = None
        if series is not None and series.publishing is not None:
            notes = lifecycle.current_notes(self.app.store, self.app.settings, series, meeting_id)
        if series is None or series.publishing is None or notes is None:
            # Nothing to publish (the botrc changed, or the meeting is not over): not pending.
            with self.app.store.transaction() as session:
                publications.unchanged(
                    session, meeting_id, publication.version, self.app.clock.now()
                )
            return Outcome(NOT_PUBLISHED, slug, meeting_id)
        publishing = series.publishing
        day = notes.meeting.date
        sha = publications.content_sha256(notes.text)
        with_pr = publishing.pull_request
        # Published in full: pushed and, with pull requests, one open (none can be opened when
        # the notes go straight onto the base branch).
        complete = publication.published and (
            not with_pr
            or publication.pull_request_number is not None
            or publication.branch == publishing.base
        )
        if not force and complete and sha == publication.content_sha256:
            with self.app.store.transaction() as session:
                publications.unchanged(
                    session, meeting_id, publication.version, self.app.clock.now()
                )
            return Outcome(UNCHANGED, slug, meeting_id, day, publication.branch)
        branch = day.strftime(publishing.branch)
        token: str | None = None
        path: str | None = None
        # Set once the push is done (or was done before): a failure from then on is the pull
        # request's alone.
        opening_pull_request = False
        try:
            path = _repository_path(day.strftime(publishing.path))
            commit: git.Commit | None = None
            if force or sha != publication.content_sha256:
                commit = git.publish_file(
                    self.clone_folder(series),
                    publishing.repo,
                    branch=branch,
                    base=publishing.base,
                    path=path,
                    content=notes.text,
                    message=views.commit_message(series, day, first=not publication.published),
                    author=self._author(publishing),
                    previous=publication.content,
                )
                log.info(
                    "%s: notes of %s %s on branch %s",
                    slug,
                    day,
                    f"pushed as {commit.sha[:12]}" if commit.sha else "already there",
                    commit.branch,
                )
                # Recorded before the pull request: a failure there does not push again.
                publication = self._recorded(
                    publication, meeting_id, notes.text, commit.sha, commit.branch, done=not with_pr
                )
            pull_request = None
            if with_pr:
                opening_pull_request = True
                token = github.read_token(publishing.token_file, self.environ)
                pull_request = self._pull_request(publishing, branch, series, notes, token)
                publication = self._recorded(
                    publication, meeting_id, notes.text, None, branch, pull_request=pull_request
                )
        except Exception as error:
            if not isinstance(error, (git.GitProblem, github.GitHubProblem, Problem)):
                # A bug or the unforeseen: recorded and retried, not a crash.
                log.exception("%s: publishing the notes of %s failed", slug, day)
                error = Problem(f"{type(error).__name__}: {error}", "see meetbot's log", True)
            pushed = opening_pull_request and publication.branch is not None
            if pushed and not was_published:
                # Pushed for the first time, the pull request still to come: the summary links
                # the commit meanwhile (the pull request's line replaces it once one is open).
                self._link_summary(series, notes, publication, None)
            return self._failed(
                series, notes, publication, error, token, branch, path, pushed=pushed
            )
        if not complete:
            self._link_summary(series, notes, publication, pull_request)
        return Outcome(
            PUSHED,
            slug,
            meeting_id,
            day,
            publication.branch,
            path,
            commit_sha=commit.sha if commit is not None else None,
            pull_request=pull_request,
            kept_others=commit.kept_others if commit is not None else False,
            replaced_theirs=commit.replaced_theirs if commit is not None else False,
        )

    def _attempt_vote(self, publication: Publication, number: int, force: bool) -> Outcome:
        """Publish a closed vote's results file as the notes are: pushed (on ``publish_base``,
        or on ``vote-results-N`` with its own pull request), recorded, retried, told once."""
        slug, of = publication.series_slug, VoteResults(number)
        series = self.app.settings.series_by_slug(slug)
        found = None
        if series is not None and series.publishing is not None:
            found = vote_lifecycle.results(self.app, series, number)
        if series is None or series.publishing is None or found is None:
            with self.app.store.transaction() as session:
                publications.unchanged(session, of, publication.version, self.app.clock.now())
            return Outcome(NOT_PUBLISHED, slug, 0)
        publishing, vote = series.publishing, found.vote
        sha = publications.content_sha256(found.text)
        with_pr = publishing.pull_request
        complete = publication.published and (
            not with_pr or publication.pull_request_number is not None
        )
        if not force and complete and sha == publication.content_sha256:
            with self.app.store.transaction() as session:
                publications.unchanged(session, of, publication.version, self.app.clock.now())
            return Outcome(UNCHANGED, slug, 0, branch=publication.branch, path=found.path)
        token: str | None = None
        branch = f"vote-results-{number}"
        pushed = False
        try:
            if not with_pr:
                branch = publishing.base or git.default_branch(publishing.repo)
            commit: git.Commit | None = None
            if force or sha != publication.content_sha256:
                commit = git.publish_file(
                    self.clone_folder(series),
                    publishing.repo,
                    branch=branch,
                    base=publishing.base,
                    path=found.path,
                    content=found.text,
                    message=vote_results.commit_message(vote, first=not publication.published),
                    author=self._author(publishing),
                    previous=publication.content,
                )
                log.info("%s: results of vote %d on branch %s", slug, number, commit.branch)
                publication = self._recorded(
                    publication, of, found.text, commit.sha, commit.branch, done=not with_pr
                )
            pushed = True
            pull_request = None
            if with_pr:
                token = github.read_token(publishing.token_file, self.environ)
                pull_request = self._vote_pull_request(publishing, branch, series, found, token)
                publication = self._recorded(
                    publication, of, found.text, None, branch, pull_request=pull_request
                )
        except Exception as error:
            if not isinstance(error, (git.GitProblem, github.GitHubProblem, Problem)):
                log.exception("%s: publishing the results of vote %d failed", slug, number)
                error = Problem(f"{type(error).__name__}: {error}", "see meetbot's log", True)
            return self._vote_failed(series, found, publication, error, token, branch, pushed)
        return Outcome(
            PUSHED,
            slug,
            0,
            branch=publication.branch,
            path=found.path,
            commit_sha=commit.sha if commit is not None else None,
            pull_request=pull_request,
        )

    def _vote_pull_request(
        self,
        publishing: Publishing,
        branch: str,
        series: SeriesConfig,
        found: vote_lifecycle.Results,
        token: str | None,
    ) -> tuple[int, str]:
        repository = github.github_repository(publishing.repo, api=publishing.github_api)
        if repository is None or token is None:
            raise Problem(
                "no GitHub repository or token for the pull request",
                "set publish_repo to a GitHub repository and github_token_file (or "
                "MEETBOT_GITHUB_TOKEN)",
                retryable=False,
            )
        base = publishing.base or git.default_branch(publishing.repo)
        opened = github.GitHub(publishing.github_api, token).pull_request(
            repository,
            head=branch,
            base=base,
            title=vote_results.pull_request_title(found.vote),
            body=vote_results.pull_request_body(found.vote, series.title, found.path),
        )
        log.info("%s: pull request #%d for vote %d", series.slug, opened.number, found.vote.number)
        return opened.number, opened.url

    def _vote_failed(
        self,
        series: SeriesConfig,
        found: vote_lifecycle.Results,
        publication: Publication,
        problem: git.GitProblem | github.GitHubProblem | Problem,
        token: str | None,
        branch: str,
        pushed: bool,
    ) -> Outcome:
        """Record the failed attempt; told once in the vote's topic when it is time."""
        line = _without(_problem_line(problem), token)
        hint = _without(problem.hint, token)
        vote, of = found.vote, VoteResults(found.vote.number)
        owed: OwedPost | None = None
        with self.app.store.transaction() as session:
            failed = publications.failed(
                session,
                of,
                publication.version,
                line,
                problem.retryable,
                self.app.clock.now(),
                self.delays,
            )
            if failed.tell_chairs and self.poster is not None:
                owed = self.app.ledger.owe_post(
                    session,
                    GOVERNANCE,
                    vote_lifecycle.NO_MEETING,
                    series.stream,
                    vote_views.vote_topic(vote),
                    vote_results.publishing_problem(vote, line, hint, problem.retryable),
                    key=publications.vote_problem_key(vote.number),
                )
                publications.chairs_told(session, of)
        after = failed.publication
        log.warning(
            "%s: could not publish the results of vote %d (attempt %d): %s",
            series.slug,
            vote.number,
            after.attempts,
            line,
        )
        if owed is not None:
            self._post(owed)
        return Outcome(
            FAILED,
            series.slug,
            0,
            branch=branch,
            path=found.path,
            commit_sha=after.commit_sha if pushed else None,
            problem=line,
            hint=hint,
            retryable=problem.retryable,
            next_attempt_at=after.next_attempt_at,
        )

    def _recorded(
        self,
        publication: Publication,
        of: publications.Of,
        text: str,
        commit_sha: str | None,
        branch: str,
        *,
        done: bool = True,
        pull_request: tuple[int, str] | None = None,
    ) -> Publication:
        """Record ``text`` pushed (and the pull request, if any) in a transaction of its own."""
        with self.app.store.transaction() as session:
            return publications.pushed(
                session,
                of,
                publication.version,
                text,
                self.app.clock.now(),
                commit_sha=commit_sha,
                branch=branch,
                pull_request=pull_request,
                done=done,
            )

    def _author(self, publishing: Publishing) -> git.Author:
        if publishing.author is not None:
            return git.Author(*publishing.author)
        name = getattr(self.poster, "full_name", None) or _FALLBACK_AUTHOR
        email = getattr(self.poster, "email", None) or self.app.settings.api.email
        return git.Author(str(name), str(email))

    def _pull_request(
        self,
        publishing: Publishing,
        branch: str,
        series: SeriesConfig,
        notes: Notes,
        token: str | None,
    ) -> tuple[int, str] | None:
        """Open (or reuse and update) the branch's pull request; None when the notes go
        straight onto the base branch, which no pull request can merge into itself."""
        # The botrc was checked by this rule at load: None only for a botrc built otherwise.
        repository = github.github_repository(publishing.repo, api=publishing.github_api)
        if repository is None:
            raise Problem(
                "publish_repo is not a GitHub repository",
                "with publish_pull_request = github, publish_repo must be "
                "https://github.com/OWNER/NAME.git or git@github.com:OWNER/NAME.git "
                "(with github_api set: a URL or path ending in OWNER/NAME)",
                retryable=False,
            )
        if token is None:
            raise Problem(
                "no GitHub token",
                "set github_token_file in the botrc, or MEETBOT_GITHUB_TOKEN in meetbot's "
                "environment, to a token that may write contents and pull requests",
                retryable=False,
            )
        base = publishing.base or git.default_branch(publishing.repo)
        if base == branch:
            return None
        meeting = notes.meeting
        opened = github.GitHub(publishing.github_api, token).pull_request(
            repository,
            head=branch,
            base=base,
            title=views.pull_request_title(meeting.date),
            body=views.pull_request_body(
                series,
                meeting.date,
                len(notes.record.attendees),
                self.app.settings.api.site or None,
                meeting.topic,
            ),
        )
        log.info(
            "%s: pull request #%d %s for %s",
            series.slug,
            opened.number,
            "opened" if opened.created else "updated",
            meeting.date,
        )
        return opened.number, opened.url

    def _failed(
        self,
        series: SeriesConfig,
        notes: Notes,
        publication: Publication,
        problem: git.GitProblem | github.GitHubProblem | Problem,
        token: str | None,
        branch: str,
        path: str | None,
        *,
        pushed: bool = False,
    ) -> Outcome:
        """Record the failed attempt, tell the chairs when it is time; ``pushed``: the notes
        were pushed and only the pull request failed."""
        line = _without(_problem_line(problem), token)
        hint = _without(problem.hint, token)
        meeting = notes.meeting
        owed: OwedPost | None = None
        with self.app.store.transaction() as session:
            failed = publications.failed(
                session,
                meeting.id,
                publication.version,
                line,
                problem.retryable,
                self.app.clock.now(),
                self.delays,
            )
            if failed.tell_chairs and self.poster is not None:
                text = views.publishing_problem(
                    series,
                    meeting.date,
                    line,
                    hint,
                    problem.retryable,
                    pushed=(publication.branch or branch, publication.commit_sha)
                    if pushed
                    else None,
                )
                owed = self.app.ledger.owe_post(
                    session,
                    PUBLICATION,
                    meeting.id,
                    series.stream,
                    meeting.topic,
                    text,
                    key=publications.problem_key(meeting.id),
                )
                publications.chairs_told(session, meeting.id)
        after = failed.publication
        what = f"publish the notes of {meeting.date}"
        if pushed:
            what = f"open the pull request for the notes of {meeting.date} ({after.branch} pushed)"
        log.warning(
            "%s: could not %s (attempt %d): %s%s",
            series.slug,
            what,
            after.attempts,
            line,
            f"; trying again at {after.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
            if after.next_attempt_at
            else "",
        )
        if owed is not None and self.poster is not None:
            self._post(owed)
        return Outcome(
            FAILED,
            series.slug,
            meeting.id,
            meeting.date,
            branch,
            path,
            commit_sha=after.commit_sha if pushed else None,
            problem=line,
            hint=hint,
            retryable=problem.retryable,
            next_attempt_at=after.next_attempt_at,
        )

    # -- Zulip ----------------------------------------------------------------------------------

    def _link_summary(
        self,
        series: SeriesConfig,
        notes: Notes,
        publication: Publication,
        pull_request: tuple[int, str] | None,
    ) -> None:
        """The summary gains the notes' line (an edit), or it is posted under it: the commit's
        the first time they are pushed, the pull request's (replacing it) once one is open.
        Owed in the ledger, so a stop between loses nothing and each line is made once."""
        assert publication.branch is not None
        line = views.publication_link(publication.branch, publication.commit_sha, pull_request)
        meeting = notes.meeting
        # The runtime posts owed posts under this lock: the link is never posted twice.
        with self.app.lock:
            with self.app.store.transaction() as session:
                owed = self.app.ledger.owe_post(
                    session,
                    PUBLICATION,
                    meeting.id,
                    series.stream,
                    meeting.topic,
                    line,
                    key=publications.link_key(meeting.id, pull_request is not None),
                )
            if owed is None or self.poster is None:
                return  # linked already; or no Zulip here: the running bot delivers what is owed
            self._deliver(owed)

    def _deliver(self, owed: OwedPost) -> bool:
        """Make an owed publication post (the caller holds the lock): a summary's line as an
        edit of the summary when Zulip allows it, else a post. False if Zulip took neither."""
        assert self.poster is not None
        meeting_id = publications.linked_meeting(owed.key)
        if meeting_id is not None:
            with self.app.store.transaction() as session:
                summary = publications.summary_post(session, meeting_id)
            # Made from the summary as posted: a later line replaces an earlier one.
            if summary is not None and self._edit(
                summary.message_id, summary.content, owed.content
            ):
                self.app.ledger.post_delivered(owed.key, summary.message_id)
                return True
        return lifecycle.deliver(self.app.ledger, self.poster, owed) is not None

    def _edit(self, message_id: int, content: str, line: str) -> bool:
        update = getattr(self.poster, "update_message", None)
        if update is None:
            return False
        try:
            answer = update(
                {"message_id": message_id, "content": views.summary_with_link(content, line)}
            )
        except Exception:  # the line is posted under the summary instead
            log.exception("could not edit the summary (message %d)", message_id)
            return False
        if (answer or {}).get("result") != "success":
            log.log(
                self.refused_edit_level,
                "Zulip would not edit the summary (message %d): %s; posting the link under it",
                message_id,
                (answer or {}).get("msg"),
            )
            return False
        return True

    def _post(self, owed: OwedPost) -> None:
        assert self.poster is not None
        with self.app.lock:  # as the runtime posts owed posts: never twice
            if self.app.ledger.is_owed(owed.key):
                lifecycle.deliver(self.app.ledger, self.poster, owed)


def ended_meeting_on(app: App, series: SeriesConfig, day: date) -> tuple[int | None, str]:
    """The id of the series' meeting held on ``day`` that has ended (None if there is none),
    and in words what that day holds otherwise."""
    with app.store.transaction() as session:
        found = [m for m in meetings.meetings_of_series(session, series) if m.date == day]
    for meeting in found:
        if meeting.ended_at is not None:
            return meeting.id, "ended"
    if any(m.is_running for m in found):
        return None, f"the meeting of {day} has not ended: its notes are published when it ends"
    if any(m.cancelled for m in found):
        return None, f"the meeting of {day} was skipped: it has no notes"
    return None, f"{series.slug} held no meeting on {day}"


def _repository_path(rendered: str) -> str:
    try:
        return git.repository_path(rendered)
    except ValueError as why:
        raise Problem(
            f"publish_path {rendered!r}: {why}",
            "set publish_path to a path inside the repository, such as meetings/%Y-%m-%d.md",
            retryable=False,
        ) from None


def _problem_line(problem: git.GitProblem | github.GitHubProblem | Problem) -> str:
    """The first line of the error, saying it is GitHub's answer (and its status) when it is."""
    if isinstance(problem, github.GitHubProblem) and problem.status is not None:
        return f"GitHub answered {problem.status}: {problem.first_line}"
    return problem.first_line


def _without(text: str, secret: str | None) -> str:
    """``text`` with ``secret`` (a token) blanked out, should an error ever repeat it."""
    return text.replace(secret, "***") if secret else text

"""A governance vote's life after the command that opened it: its posts, each owed in the
ledger with what it announces and posted once (the call, the reminders, the result), and at
its close the results file written into notes_dir (for the publisher to push).

Used by the commands (a call, a close when the last member votes) and by the scheduler
(reminders, the close at the deadline).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from zulip_meetbot import vote_results, vote_views
from zulip_meetbot.app import App
from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.domain import governance, people
from zulip_meetbot.domain.record import GovernanceVote
from zulip_meetbot.ledger import (
    GOVERNANCE,
    GOVERNANCE_CALL,
    GOVERNANCE_REMINDER,
    GOVERNANCE_RESULT,
    Ledger,
    OwedPost,
)
from zulip_meetbot.lifecycle import Poster, deliver
from zulip_meetbot.notes import as_written, write_notes

log = logging.getLogger(__name__)

# Governance posts belong to no meeting.
NO_MEETING = 0


def names(app: App, vote: GovernanceVote, session: Session | None = None) -> dict[int, str]:
    """The full name of each person a vote's posts name (its roster, opener, canceller):
    Zulip's, else the one meetbot remembers (read in ``session``, if one is open)."""
    wanted = {*vote.roster, vote.opener_id, *(b.user_id for b in vote.ballots)}
    if vote.closed_by is not None:
        wanted.add(vote.closed_by)
    found = {}
    for user_id in sorted(wanted):
        member = app.directory.member(user_id)
        if member is not None:
            found[user_id] = member.full_name
    missing = sorted(wanted - found.keys())
    if not missing:
        return found
    # Without Zulip (`meetbot publish`), the names meetbot remembers of those it has seen.
    if session is not None:
        return found | _remembered(session, missing)
    with app.store.transaction() as own:
        return found | _remembered(own, missing)


def _remembered(session: Session, user_ids: list[int]) -> dict[int, str]:
    found = {}
    for user_id in user_ids:
        known = people.known_by_id(session, user_id)
        if known is not None:
            found[user_id] = known.full_name
    return found


def owe_call(
    app: App, session: Session, series: SeriesConfig, vote: GovernanceVote
) -> OwedPost | None:
    """The vote's call, owed in its topic in the same transaction that opened it."""
    text = vote_views.vote_call(vote, names(app, vote, session))
    return _owe(app, session, series, vote, text, f"{GOVERNANCE_CALL}{vote.number}")


def owe_result(
    app: App, session: Session, series: SeriesConfig, vote: GovernanceVote
) -> OwedPost | None:
    """The closed vote's result, owed in its topic in the transaction that closed it."""
    text = vote_views.vote_result(vote, names(app, vote, session))
    return _owe(app, session, series, vote, text, f"{GOVERNANCE_RESULT}{vote.number}")


def owe_cancelled(
    app: App, session: Session, series: SeriesConfig, vote: GovernanceVote
) -> OwedPost | None:
    """The cancelled vote's notice, owed in its topic (its result's key: it has no result)."""
    canceller = names(app, vote, session).get(vote.closed_by or 0, "a chair")
    text = vote_views.vote_cancelled(vote, canceller)
    return _owe(app, session, series, vote, text, f"{GOVERNANCE_RESULT}{vote.number}")


def owe_reminder(
    app: App,
    session: Session,
    series: SeriesConfig,
    vote: GovernanceVote,
    ordinal: int,
    now: datetime,
    names_of: Mapping[int, str],
) -> OwedPost | None:
    """The vote's reminder ``ordinal``, owed in its topic in the transaction that claimed it;
    no longer owed once the deadline has passed."""
    text = vote_views.vote_reminder(vote, names_of, now, ordinal)
    key = f"{GOVERNANCE_REMINDER}{vote.number}|{ordinal}"
    return _owe(app, session, series, vote, text, key, expires_at=vote.deadline)


def _owe(
    app: App,
    session: Session,
    series: SeriesConfig,
    vote: GovernanceVote,
    text: str,
    key: str,
    expires_at: datetime | None = None,
) -> OwedPost | None:
    """A post in the vote's topic, owed under ``key`` (no meeting's)."""
    topic = vote_views.vote_topic(vote)
    return app.ledger.owe_post(
        session, GOVERNANCE, NO_MEETING, series.stream, topic, text, key=key, expires_at=expires_at
    )


def remind(
    app: App, poster: Poster, series: SeriesConfig, number: int, ordinal: int, now: datetime
) -> bool:
    """Post the vote's reminder ``ordinal`` once: claimed with its owed post in one
    transaction, then posted (a failure leaves it owed, for the runtime). Nothing when it was
    claimed already, the vote is closed or its deadline has passed (the close is due instead).
    Whether it was claimed now."""
    with app.lock:
        with app.store.transaction() as session:
            vote = governance.vote(session, number)
        if not vote.is_open or now >= vote.deadline:
            return False
        # Asked before the claim's transaction: the directory may ask Zulip.
        names_of = names(app, vote)
        with app.store.transaction() as session:
            claimed = governance.claim_reminder(session, number, ordinal, now)
            if claimed is None:
                return False
            owed = owe_reminder(app, session, series, claimed, ordinal, now, names_of)
        log.info("%s: vote %d: reminder %d claimed", series.slug, number, ordinal)
        if owed is not None:
            deliver(app.ledger, poster, owed)
    return True


def close_if_complete(
    app: App, poster: Poster, series: SeriesConfig, number: int, now: datetime
) -> GovernanceVote | None:
    """Close the vote if its deadline has come or everyone has voted: its result owed and
    posted, then whoever records results told. None when it stays open (or was closed)."""
    with app.lock:
        with app.store.transaction() as session:
            closed = governance.close_if_complete(session, number, now)
            owed = None if closed is None else owe_result(app, session, series, closed)
        if closed is None:
            return None
        log.info("%s: vote %d closed: %s", series.slug, number, closed.verdict)
        if owed is not None:
            deliver(app.ledger, poster, owed)
    app.vote_closed(series, number)
    return closed


def post(ledger: Ledger, poster: Poster, owed: OwedPost | None) -> None:
    """Post an owed governance post now (a failure leaves it owed, for the runtime)."""
    if owed is not None:
        deliver(ledger, poster, owed)


@dataclass(frozen=True)
class Results:
    """A closed vote's results file: where it goes and what it says."""

    vote: GovernanceVote
    path: str  # inside notes_dir and the repository, /-separated
    file: Path  # in notes_dir
    text: str


def results(app: App, series: SeriesConfig, number: int) -> Results | None:
    """The results file of the series' closed vote ``number``: as written if it was (the names
    as they were at the close), else as rendered now. None for a vote without results (open,
    cancelled, another series', unknown)."""
    with app.store.transaction() as session:
        if governance.series_of(session, number) != series.slug:
            return None
        vote = governance.vote(session, number)
    if not vote_results.has_results(vote):
        return None
    path = vote_results.results_path(series, vote)
    file = app.settings.notes_dir / path
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = as_written(vote_results.render_results(vote, names(app, vote), series.title))
    return Results(vote, path, file, text)


def write_results(app: App, series: SeriesConfig, number: int) -> Results | None:
    """Write the closed vote's results file into notes_dir, rendered from the record now (the
    same text again leaves the file alone); None for a vote without results."""
    found = results(app, series, number)
    if found is None:
        return None
    text = as_written(vote_results.render_results(found.vote, names(app, found.vote), series.title))
    if not found.file.exists() or found.file.read_text(encoding="utf-8") != text:
        write_notes(found.file, text)
        log.info("%s: results of vote %d written to %s", series.slug, number, found.file)
    return Results(found.vote, found.path, found.file, text)


def results_recorder(
    app: App, publish: Callable[[SeriesConfig, int], None] | None = None
) -> Callable[[SeriesConfig, int], None]:
    """``App.on_vote_closed`` for ``meetbot run`` and the shell: the results file written, then
    (``publish``: the publisher's ``want_vote``) wanted published."""

    def recorded(series: SeriesConfig, number: int) -> None:
        if write_results(app, series, number) is not None and publish is not None:
            publish(series, number)

    return recorded

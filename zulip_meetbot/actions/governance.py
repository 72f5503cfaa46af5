"""Governance votes: `vote open POLICY: TEXT`, ballots (`vote yes|no|abstain [N]`, in the stream
or by direct message), `vote status`, `vote cancel`. Reminders and the close at the deadline
are the scheduler's; the posts themselves are ``vote_lifecycle``'s.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from zulip_meetbot import refusals, rosters, views, vote_lifecycle, vote_views
from zulip_meetbot.actions.context import Context, Need, Route
from zulip_meetbot.commands import CancelVote, CastBallot, Command, OpenGovernanceVote, VoteStatus
from zulip_meetbot.config import SeriesConfig
from zulip_meetbot.domain import governance, people
from zulip_meetbot.domain.record import GovernanceVote
from zulip_meetbot.markup import stream_link
from zulip_meetbot.timeutil import occurrences_between

# How far ahead to look for two meetings, to know a series' cycle.
_CYCLE_HORIZON = timedelta(days=400)


def open_vote(context: Context, command: OpenGovernanceVote) -> str | None:
    """`vote open POLICY: TEXT [until DAY] [link URL]`: by a roster member or a chair."""
    series, settings = context.series, context.app.settings
    if series.votes is None:
        raise refusals.NoRoster(series.title)
    policy = settings.policies.get(command.policy)
    if policy is None:
        raise refusals.UnknownPolicy(command.policy, tuple(settings.policies))
    if policy.sensitive and command.link is None:
        raise refusals.SensitiveNeedsLink(policy.name)
    if command.link is not None and not policy.sensitive:
        raise refusals.LinkOnlyForSensitive(policy.name)
    roster = settings.roster_by_name(series.votes)
    if roster is None:  # `check` refuses such a botrc; said plainly all the same
        raise refusals.NoRoster(series.title)
    voters = rosters.voters(roster, context.app.directory)
    if context.member.user_id not in voters and not context.is_chair:
        raise refusals.NotOnRoster(None, roster.name)
    session = context.session
    people.remember(session, context.member)
    vote = governance.open_vote(
        session,
        series_slug=series.slug,
        policy=policy,
        text=command.text,
        link=command.link,
        roster_name=roster.name,
        roster=voters,
        opener_id=context.member.user_id,
        now=context.now,
        until=command.until,
        meeting_cycle=meeting_cycle(series, context.now) if policy.meeting_cycle else None,
    )
    owed = vote_lifecycle.owe_call(context.app, session, series, vote)
    app, poster = context.app, context.poster
    context.after_commit(lambda: vote_lifecycle.post(app.ledger, poster, owed))
    # The scheduler plans the vote's reminders and close as it plans meetings'.
    context.after_commit(lambda: app.calendar_changed(series))
    topic = vote_views.vote_topic(vote)
    return vote_views.vote_opened(vote, stream_link(series.stream, topic))


def ballot(context: Context, command: CastBallot) -> str | None:
    """`vote yes|no|abstain [N] [COMMENT]`: a roster member's ballot (the latest counts)."""
    vote = _vote(context, command.number)
    return cast(context, vote, command.choice, command.comment)


def cast(context: Context, vote: GovernanceVote, choice: str, comment: str | None) -> str:
    """Cast the speaker's ballot in ``vote``; the vote closes when it was the last one."""
    session, now = context.session, context.now
    series = _series_of(context, vote)
    if _closed_now(context, series, vote.number):
        # Not raised: the close it just made must be committed.
        verdict = governance.vote(session, vote.number).verdict or "closed"
        return views.refusal_text(refusals.GovernanceVoteClosed(vote.number, verdict))
    people.remember(session, context.member)
    cast = governance.cast(session, vote.number, context.member.user_id, choice, comment, now)
    closed = _closed_now(context, series, vote.number)
    return vote_views.ballot_recorded(cast.vote, cast.choice, cast.previous, cast.changed, closed)


def status(context: Context, command: VoteStatus) -> str | None:
    """`vote status [N]`: the tally so far and who has not voted (anyone may ask)."""
    vote = _vote(context, command.number)
    series = _series_of(context, vote)
    _closed_now(context, series, vote.number)
    vote = governance.vote(context.session, vote.number)
    names = vote_lifecycle.names(context.app, vote, context.session)
    return vote_views.vote_status(vote, names, context.now)


def cancel(context: Context, command: CancelVote) -> str | None:
    """`vote cancel [N]`: its opener or a chair."""
    vote = _vote(context, command.number)
    series = _series_of(context, vote)
    if not vote.is_open:
        raise refusals.GovernanceVoteClosed(vote.number, vote.verdict or "closed")
    if vote.opener_id != context.member.user_id and not context.is_chair:
        raise refusals.NotVoteCanceller(vote.number)
    cancelled = governance.cancel(context.session, vote.number, context.member.user_id, context.now)
    owed = vote_lifecycle.owe_cancelled(context.app, context.session, series, cancelled)
    app, poster = context.app, context.poster
    context.after_commit(lambda: vote_lifecycle.post(app.ledger, poster, owed))
    context.after_commit(lambda: app.calendar_changed(series))
    return vote_views.vote_cancelled(cancelled, context.member.full_name)


def meeting_cycle(series: SeriesConfig, now: datetime) -> timedelta | None:
    """The time between the series' next two meetings; None for a series meeting once."""
    if series.schedule is None:
        return None
    starts = occurrences_between(series, now, now + _CYCLE_HORIZON)
    return starts[1] - starts[0] if len(starts) >= 2 else None


def _vote(context: Context, number: int | None) -> GovernanceVote:
    if number is not None:
        return governance.vote(context.session, number)
    return governance.only_open_vote(context.session, context.series.slug, context.series.title)


def _series_of(context: Context, vote: GovernanceVote) -> SeriesConfig:
    """The vote's own series (a number names a vote of any series)."""
    if vote.series_slug == context.series.slug:
        return context.series
    found = context.app.settings.series_by_slug(vote.series_slug)
    if found is None:  # its series left the botrc: its posts still go to the stream it had
        return context.series
    return found


def _closed_now(context: Context, series: SeriesConfig, number: int) -> bool:
    """Close the vote if complete (deadline passed, everyone voted), in the command's
    transaction; its result is posted once that is committed. Whether it closed."""
    app, session = context.app, context.session
    closed = governance.close_if_complete(session, number, context.now)
    if closed is None:
        return False
    owed = vote_lifecycle.owe_result(app, session, series, closed)
    poster = context.poster
    context.after_commit(lambda: vote_lifecycle.post(app.ledger, poster, owed))
    context.after_commit(lambda: app.vote_closed(series, number))
    return True


ROUTES: dict[type[Command], Route] = {
    OpenGovernanceVote: Route(Need.NOTHING, open_vote),
    VoteStatus: Route(Need.NOTHING, status),
    CancelVote: Route(Need.NOTHING, cancel),
}

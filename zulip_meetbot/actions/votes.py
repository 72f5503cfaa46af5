"""Quick votes in a running meeting: `vote QUESTION`, ballots by `vote OPTION` and by reactions
on the vote message, `vote close`; the governance forms are answered politely (not run yet).

Reactions come as the values ``actions.attendance`` defines: no Zulip dict here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from zulip_meetbot import lifecycle, refusals, views
from zulip_meetbot.actions import governance as governance_actions
from zulip_meetbot.actions.attendance import Emoji, Reaction
from zulip_meetbot.actions.context import Context, Need, Route
from zulip_meetbot.app import App
from zulip_meetbot.commands import CastBallot, CloseVote, Command, OpenVote, VoteSays
from zulip_meetbot.domain import governance, meetings, people, quick_votes
from zulip_meetbot.domain.quick_votes import YES_NO_ABSTAIN
from zulip_meetbot.domain.record import QuickVote
from zulip_meetbot.ledger import VOTE, VOTE_MESSAGE, VOTE_TALLY, Ledger, OwedPost
from zulip_meetbot.lifecycle import Poster

log = logging.getLogger(__name__)

UNICODE_EMOJI = "unicode_emoji"


def open_vote(context: Context, command: OpenVote) -> str | None:
    """`vote QUESTION: A | B | C`."""
    return _open(context, command.question, command.options)


def says(context: Context, command: VoteSays) -> str | None:
    """`vote TEXT`: a ballot when TEXT names an open quick vote's option, else (yes, no or
    abstain) a ballot in the series' open governance vote, else a yes / no / abstain quick
    vote on TEXT. One word that names no option of an open vote is a mistaken ballot."""
    session, series, text = context.session, context.series, command.text
    running = meetings.running_meeting(session, series)
    if running is not None:
        context.act_on(running)
    votes = [] if running is None else quick_votes.open_votes(session, running.id)
    chosen = quick_votes.choice(text, votes)
    choice = text.strip().casefold()
    if chosen is None and choice in YES_NO_ABSTAIN and governance.open_votes(session, series.slug):
        governance_vote = governance.only_open_vote(session, series.slug, series.title)
        return governance_actions.cast(context, governance_vote, choice, None)
    words = text.split()
    if running is None and (
        governance.open_votes(session, series.slug)
        or (len(words) >= 2 and words[1].isdigit() and len(words[0]) < 12)
    ):
        raise refusals.NotABallot(text)
    context.act_on(meetings.require_running(session, series))
    if chosen is not None:
        vote, option = chosen
        people.remember(session, context.member)
        ballot = quick_votes.cast(
            session, vote.id, context.member.user_id, option, False, context.now
        )
        return views.ballot_cast(vote.number, ballot.option, ballot.changed)
    if votes and (len(words) == 1 or words[0].casefold() in YES_NO_ABSTAIN):
        newest = votes[-1]
        raise refusals.NoSuchVoteOption(
            text, newest.number, tuple(option.name for option in newest.options)
        )
    if not votes and (text.strip().isdigit() or choice in YES_NO_ABSTAIN):
        raise refusals.NoQuickVoteOpen()
    return _open(context, text, YES_NO_ABSTAIN)


def cast_ballot(context: Context, command: CastBallot) -> str | None:
    """`vote yes|no|abstain [N] [COMMENT]`: a governance ballot, unless no number is given, no
    governance vote is open in the series and a meeting runs: then `vote TEXT` as typed."""
    session, series = context.session, context.series
    if (
        command.number is None
        and not governance.open_votes(session, series.slug)
        and meetings.running_meeting(session, series) is not None
    ):
        return says(context, VoteSays(command.said))
    return governance_actions.ballot(context, command)


def close(context: Context, command: CloseVote) -> str | None:
    """`vote close`: the newest open vote its speaker opened (a chair: the newest of all)."""
    session, meeting = context.session, context.meeting
    votes = quick_votes.open_votes(session, meeting.id)
    if not votes:
        raise refusals.NoQuickVoteOpen()
    mine = [vote for vote in votes if vote.opener_id == context.member.user_id]
    if not mine and not context.is_chair:
        raise refusals.NotVoteOpener(votes[-1].number)
    closed = quick_votes.close(session, (mine or votes)[-1].id, context.now)
    tally = views.vote_tally(closed)
    if context.said_in(meeting.topic):
        return tally
    owed = context.app.ledger.owe_post(
        session,
        VOTE,
        meeting.id,
        context.series.stream,
        meeting.topic,
        tally,
        key=f"{VOTE_TALLY}{closed.id}",
    )
    if owed is not None:
        ledger, poster = context.app.ledger, context.poster
        context.after_commit(lambda: _deliver(ledger, poster, owed))
    return tally


def _open(context: Context, question: str, options: Sequence[str]) -> str | None:
    session, meeting, series = context.session, context.meeting, context.series
    people.remember(session, context.member)
    vote = quick_votes.open_vote(
        session, meeting.id, question, options, context.member.user_id, context.now
    )
    text = views.vote_message(vote, context.member.full_name)
    owed = context.app.ledger.owe_post(
        session,
        VOTE,
        meeting.id,
        series.stream,
        meeting.topic,
        text,
        key=f"{VOTE_MESSAGE}{vote.id}",
    )
    if owed is not None:
        ledger, poster = context.app.ledger, context.poster
        context.after_commit(lambda: _post_vote(ledger, poster, owed, vote))
    # In the topic, the vote message is the answer; elsewhere, say where it went.
    return None if context.said_in(meeting.topic) else views.vote_posted(vote, meeting.topic)


def _deliver(ledger: Ledger, poster: Poster, owed: OwedPost) -> None:
    lifecycle.deliver(ledger, poster, owed)


def _post_vote(ledger: Ledger, poster: Poster, owed: OwedPost, vote: QuickVote) -> None:
    """Post the vote message, then react with each option's emoji so people can click."""
    posted = lifecycle.deliver(ledger, poster, owed)
    if posted is not None:
        add_reactions(poster, posted, vote)


def add_reactions(poster: Poster, message_id: int, vote: QuickVote) -> None:
    """The bot's own reactions on a vote message, one per option (its own never count)."""
    add = getattr(poster, "add_reaction", None)
    if add is None:  # a poster that cannot react (zulip_bots' stub): people type the emoji
        return
    for option in vote.options:
        try:
            add(
                {
                    "message_id": message_id,
                    "emoji_name": option.emoji_name,
                    "emoji_code": option.emoji_code,
                    "reaction_type": UNICODE_EMOJI,
                }
            )
        except Exception:  # the vote stands without the bot's reactions
            log.exception(
                "could not react with :%s: on vote message %d", option.emoji_name, message_id
            )


def react(app: App, reaction: Reaction) -> bool:
    """A reaction on a vote message is a ballot (its removal withdraws it if it counts);
    False when the message is no quick vote's, for attendance to look at."""
    with app.store.transaction() as session:
        vote = quick_votes.vote_by_message(session, reaction.message_id)
        if vote is None:
            return False
        option = _option_of(vote, reaction.emoji)
        if vote.closed or reaction.user.is_bot or option is None:
            return True
        user = reaction.user
        if reaction.op == "add":
            people.remember(session, user)
            ballot = quick_votes.cast(session, vote.id, user.user_id, option, True, app.clock.now())
        elif reaction.op == "remove":
            ballot = quick_votes.withdraw(session, vote.id, user.user_id, option)
        else:
            return True
    if ballot.changed:
        did = "withdrew their ballot" if ballot.option is None else f"chose {ballot.option}"
        log.info("vote %d: %s %s by reaction", vote.number, user.full_name, did)
    return True


def corrections(
    app: App, message_id: int, on_zulip: set[tuple[int, Emoji]]
) -> list[tuple[str, int, Emoji]] | None:
    """(op, user id, emoji) that make the ballots of an open vote match the reactions Zulip has
    on its message (after a gap): a reaction ballot whose emoji is gone is withdrawn, and
    someone with no ballot and one option's emoji gets it. None if it is no open vote's."""
    with app.store.transaction() as session:
        vote = quick_votes.vote_by_message(session, message_id)
        if vote is None:
            return None
        if vote.closed:
            return []
        ballots = quick_votes.ballots_of(session, vote.id)
    reacted: dict[int, list[int]] = {}
    for user_id, emoji in sorted(on_zulip):
        option = _option_of(vote, emoji)
        if option is not None:
            reacted.setdefault(user_id, []).append(option)
    changes = []
    for user_id, (option, by_reaction) in sorted(ballots.items()):
        if by_reaction and option not in reacted.get(user_id, []):
            changes.append(("remove", user_id, _emoji(vote, option)))
            ballots.pop(user_id)
    for user_id, options in sorted(reacted.items()):
        if user_id not in ballots and len(options) == 1:
            changes.append(("add", user_id, _emoji(vote, options[0])))
    return changes


def open_vote_message_ids(app: App) -> list[int]:
    """Vote messages whose reactions still count: the open quick votes'."""
    with app.store.transaction() as session:
        return quick_votes.open_message_ids(session)


def _option_of(vote: QuickVote, emoji: Emoji) -> int | None:
    if emoji.reaction_type != UNICODE_EMOJI:
        return None
    for index, option in enumerate(vote.options):
        if _code(emoji.code) in (_code(option.emoji_code), option.emoji_name):
            return index
    return None


def _code(code: str) -> str:
    """A Unicode emoji's code without leading zeros (Zulip writes 1️⃣ as 0031-20e3; the
    shell, reading the character typed, as 31-20e3)."""
    return "-".join(part.lstrip("0") or "0" for part in code.split("-"))


def _emoji(vote: QuickVote, option: int) -> Emoji:
    return Emoji(UNICODE_EMOJI, vote.options[option].emoji_code)


ROUTES: dict[type[Command], Route] = {
    OpenVote: Route(Need.RUNNING, open_vote),
    VoteSays: Route(Need.NOTHING, says),
    CastBallot: Route(Need.NOTHING, cast_ballot),
    CloseVote: Route(Need.RUNNING, close),
}

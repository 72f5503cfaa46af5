"""Refusals are facts worded by views: every fact has its Zulip words and its plain words."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import pytest

from zulip_meetbot import refusals, views
from zulip_meetbot.commands import UsageError
from zulip_meetbot.errors import UserError
from zulip_meetbot.refusals import Refusal

AT = datetime(2025, 2, 12, 17, 0, tzinfo=timezone.utc)
AT_ZULIP = "<time:2025-02-12T17:00:00+00:00>"
AT_PLAIN = "Wed 12 Feb 2025, 17:00 UTC"
DAY = date(2025, 2, 12)
LATER = date(2025, 2, 19)

# One example of each fact and its words in Zulip, exactly as the bot says them.
EXAMPLES: list[tuple[Refusal, str]] = [
    (refusals.NothingToAdd("Announcements"), "there is no text to add to **Announcements**."),
    (
        refusals.ItemTooDeep("1.2.3.4.5", 6),
        "item 1.2.3.4.5 is already 6 levels deep; add to its parent.",
    ),
    (refusals.ItemAlreadyDone("3"), "item 3 is already done; there is nothing to defer."),
    (refusals.AgendaFull(500), "this meeting already holds as many items as it can (500)."),
    (
        refusals.NoSuchItem("7"),
        "there is no item 7 on this agenda. Say `agenda` to see the numbers.",
    ),
    (
        refusals.NotProposer("2", "remove"),
        "only the person who proposed item 2 or a chair can remove it.",
    ),
    (
        refusals.TimeboxTooLong("3", timedelta(minutes=90), timedelta(hours=1)),
        "item 3 cannot have 1 hour 30 minutes: the whole meeting lasts 1 hour.",
    ),
    (
        refusals.NoSuchSeries("nosuch", ("demo", "infra")),
        "there is no series `nosuch`. The series are: `demo`, `infra`.",
    ),
    (
        refusals.NoSeriesInStream("random"),
        "no meeting series meets in #**random**. Name one first, e.g. `SLUG: agenda`.",
    ),
    (
        refusals.SeveralSeriesHere(("demo", "infra")),
        "several series meet here (`demo`, `infra`): start with `SLUG:`.",
    ),
    (
        refusals.SeriesNotNamed(("demo", "infra")),
        "which series? Start with its name, e.g. `demo: agenda` (series: `demo`, `infra`).",
    ),
    (refusals.PrivateStream(), "that series meets in a private stream you are not in."),
    (
        refusals.SeriesNotRunning("demo"),
        "`demo` is not running: meetbot cannot use its stream, so it posts no reminders and "
        "starts no meetings there. An admin's `meetbot check` says why.",
    ),
    (
        refusals.NotAChair("Demo", "start"),
        "only a chair of **Demo** (or an organization admin) can `start` a meeting.",
    ),
    (
        refusals.NotAChair("Demo", "agenda clear-done"),
        "only a chair of **Demo** (or an organization admin) can use `agenda clear-done`.",
    ),
    (refusals.NoUpcomingMeeting("Demo"), "**Demo** has no upcoming meeting."),
    (refusals.NoUpcomingMeeting("Demo", "start"), "**Demo** has no upcoming meeting to start."),
    (refusals.NoUpcomingMeeting("Demo", "skip"), "**Demo** has no upcoming meeting to skip."),
    (
        refusals.NoUpcomingMeeting("Demo", "reschedule"),
        "**Demo** has no upcoming meeting to reschedule.",
    ),
    (
        refusals.NotRunning("Demo"),
        "no meeting of **Demo** is running. A chair can say `start` to begin the next one.",
    ),
    (
        refusals.NotRunning("Demo", "end", DAY, AT),
        f"no meeting of **Demo** is running: the last one, of 2025-02-12, ended {AT_ZULIP}. "
        "There is nothing to end.",
    ),
    (refusals.CannotStart(DAY), "the meeting of 2025-02-12 cannot start."),
    (
        refusals.NotTheNextMeeting("Demo", DAY, AT, LATER),
        f"the next **Demo** is the meeting of 2025-02-12 ({AT_ZULIP}), not of 2025-02-19. "
        "To start it now, say `start 2025-02-12`.",
    ),
    (
        refusals.TooEarlyToStart("Demo", DAY, AT, timedelta(hours=12)),
        f"the next **Demo** is the meeting of 2025-02-12, {AT_ZULIP}: more than 12 hours away, "
        "so I did not start it. To start it now anyway, say `start 2025-02-12` or `start now`.",
    ),
    (
        refusals.MeetingAlreadyRunning("skip"),
        "that meeting is already running: a chair can `end` it instead.",
    ),
    (
        refusals.MeetingAlreadyRunning("reschedule"),
        "that meeting is already running; it can no longer be moved.",
    ),
    (refusals.DayPassed(DAY), "2025-02-12 has already passed."),
    (refusals.AlreadySkipped(DAY), "the meeting of 2025-02-12 is already skipped."),
    (refusals.AlreadyStarted(DAY), "the meeting of 2025-02-12 has already started."),
    (
        refusals.NothingToUnskip("Demo"),
        "no meeting of **Demo** is cancelled for an empty agenda, so there is nothing to "
        "`unskip` (a meeting a chair skipped stays skipped).",
    ),
    (
        refusals.NotSkipped(DAY),
        "the meeting of 2025-02-12 is not cancelled: there is nothing to `unskip`.",
    ),
    (
        refusals.SkippedByChair(DAY),
        "the meeting of 2025-02-12 was skipped by a chair, and its agenda moved to the next "
        "meeting: `unskip` only brings back a meeting cancelled for an empty agenda.",
    ),
    (
        refusals.TooLateToUnskip(DAY, AT),
        f"the meeting of 2025-02-12 was due to start {AT_ZULIP}: it is too late to `unskip` it.",
    ),
    (refusals.NoMeetingOnDay("Demo", DAY), "**Demo** does not meet on 2025-02-12."),
    (
        refusals.NoMeetingOnDay("Demo", DAY, (LATER, date(2025, 2, 26))),
        "**Demo** does not meet on 2025-02-12. The next ones are on 2025-02-19, 2025-02-26.",
    ),
    (refusals.TimeInPast(AT), f"{AT_ZULIP} is in the past; pick a time still to come."),
    (refusals.AlreadyAt(AT), f"the meeting is already at {AT_ZULIP}."),
    (refusals.MoveTooFar(), "a meeting can be moved by a year at the most."),
    (
        refusals.WouldRunIntoMeeting(AT),
        f"that would run into the meeting at {AT_ZULIP}. Skip that one first, or pick another time.",
    ),
    (refusals.NotAChairToPickItem(), "only a chair can move the meeting to another item."),
    (refusals.ActionAlreadyDone(4), "action item 4 is already done."),
    (refusals.ActionNotClosed(4), "action item 4 is not closed."),
    (refusals.NothingToUndo(), "you have recorded nothing in this meeting that I could undo."),
    (
        refusals.NoItemUnderDiscussion("note"),
        "no item is under discussion, so say `note N TEXT` for item N (in a running meeting, "
        "a chair picks the item under discussion with `item N`).",
    ),
    (
        refusals.NoSuchNoteOrDecision("decision", 2),
        "there is no decision 2 in this meeting. `agenda` shows the numbers.",
    ),
    (refusals.NoSuchAction(9), "there is no action item 9."),
    (
        refusals.RecordClosed("note", 1, AT),
        f"there is no note 1 in this meeting, and the record of the one that ended {AT_ZULIP} "
        "is closed: a meeting's record can be changed until `attendance_grace` after its end.",
    ),
    (
        refusals.ActionOfEarlierMeeting(1),
        "action item 1 was recorded at an earlier meeting: only this meeting's action items can "
        "be edited or removed.",
    ),
    (
        refusals.NotYours("note", 3),
        "note 3 is someone else's: only its author or a chair can change it.",
    ),
    (
        refusals.NotYours("action item", 3),
        "action item 3 is someone else's: only its author or a chair can change it.",
    ),
    (
        refusals.NotYourAction(5, "reopen"),
        "only its owners, its author or a chair can reopen action item 5.",
    ),
    (refusals.NotOneMention(), "`here` marks one person at a time: `here @**Name**`."),
    (
        refusals.NobodyCalled("Nobody Here"),
        "I know nobody called `Nobody Here` here, so nobody was marked present. For someone on "
        "the call without Zulip, say `here` and their name, without @.",
    ),
    (refusals.IsABot("Notes Bot"), "Notes Bot is a bot; bots do not attend meetings."),
    (refusals.NotAChairToMarkOthers(), "only a chair can mark someone else present."),
    (
        refusals.NobodyToExcuse("Sam Doe"),
        "I know nobody called `Sam Doe` here, so no regrets were noted. Name them as Zulip "
        "does, or mention them: `regrets @**Name**`.",
    ),
    (
        refusals.NoRegretsToWithdraw(None, DAY),
        "you had sent no regrets for the meeting of 2025-02-12; there is nothing to withdraw.",
    ),
    (
        refusals.NoRegretsToWithdraw("Othello", DAY),
        "Othello had sent no regrets for the meeting of 2025-02-12; there is nothing to withdraw.",
    ),
    (
        refusals.InitialsTaken("AB", "Ada Byron"),
        "initials AB are already taken by Ada Byron; choose others.",
    ),
    (
        refusals.NoMeetingHeld("Demo", DAY, False, ()),
        "**Demo** held no meeting on 2025-02-12. No meeting was held yet.",
    ),
    (
        refusals.NoMeetingHeld("Demo", DAY, True, tuple(date(2025, 1, d) for d in range(1, 13))),
        "**Demo** cancelled (skipped) its meeting on 2025-02-12. Meetings held: 2025-01-03, "
        "2025-01-04, 2025-01-05, 2025-01-06, 2025-01-07, 2025-01-08, 2025-01-09, 2025-01-10, "
        "2025-01-11, 2025-01-12.",
    ),
    (
        refusals.NoQuickVoteOpen(),
        "no quick vote is open in this meeting. Open one with `vote QUESTION`.",
    ),
    (
        refusals.NoSuchVoteOption("burgers", 2, ("pizza", "sushi")),
        "vote 2 has no option “burgers”; its options are **pizza** (1), **sushi** (2).",
    ),
    (
        refusals.NotVoteOpener(1),
        "only the person who opened vote 1 or a chair can close it.",
    ),
    (refusals.QuickVoteClosed(3), "vote 3 is closed already."),
    (
        refusals.NoRoster("conda community call"),
        "**conda community call** has no roster to vote: its botrc section needs `votes = NAME`, "
        "naming a `[roster:NAME]` section.",
    ),
    (
        refusals.RosterUnreadable("steering", "Zulip does not know ann@example.org"),
        "the roster **steering** cannot vote now: Zulip does not know ann@example.org. A chair "
        "can mend the botrc (`meetbot check` says more) and restart meetbot.",
    ),
    (
        refusals.UnknownPolicy("majority", ("standard", "cep")),
        "there is no voting policy `majority`; the policies are `standard`, `cep`.",
    ),
    (
        refusals.NotOnRoster(None, "steering"),
        "only members of the roster **steering** or a chair can open a vote.",
    ),
    (
        refusals.NotOnRoster(3, "steering"),
        "only members of the roster **steering** vote in vote 3; your ballot is not counted.",
    ),
    (refusals.SameVoteOpen(3), "vote 3 on that text is already open (`vote status 3`)."),
    (
        refusals.VoteDeadlinePassed(date(2026, 12, 1), date(2026, 12, 4)),
        "2026-12-01 has already ended Anywhere on Earth (it is 2026-12-04 AoE there); give a "
        "later day.",
    ),
    (
        refusals.VoteDeadlineTooSoon(date(2026, 12, 5), date(2026, 12, 11), "cep"),
        "2026-12-05 AoE is too soon: a cep vote stays open until the end of 2026-12-11 AoE at "
        "the earliest.",
    ),
    (
        refusals.SensitiveNeedsLink("sensitive"),
        "a sensitive vote is held on another platform: give its address, "
        "`vote open sensitive: TEXT link https://…`.",
    ),
    (
        refusals.LinkOnlyForSensitive("cep"),
        "meetbot collects the ballots of a cep vote itself: leave out the link.",
    ),
    (refusals.NoSuchGovernanceVote(9), "there is no vote 9."),
    (
        refusals.GovernanceVoteClosed(3, "passed"),
        "vote 3 is closed already (passed).",
    ),
    (
        refusals.NoGovernanceVoteOpen("conda community call"),
        "no vote is open in **conda community call**. `vote open POLICY: TEXT` opens one.",
    ),
    (
        refusals.SeveralGovernanceVotesOpen((2, 3)),
        "votes 2, 3 are open: say which, e.g. `vote yes 2` or `vote status 2`.",
    ),
    (
        refusals.SensitiveVoteElsewhere(4, "https://vote.heliosvoting.org/x"),
        "vote 4 is held on another platform: vote there, https://vote.heliosvoting.org/x",
    ),
    (
        refusals.NotABallot("maybe 3"),
        "`vote maybe 3` is no ballot: a ballot is `vote yes N`, `vote no N` or `vote abstain N` "
        "(a quick vote needs a running meeting).",
    ),
    (
        refusals.NotVoteCanceller(3),
        "only the person who opened vote 3 or a chair can cancel it.",
    ),
    (
        refusals.ReminderTooEarly(timedelta(days=10), timedelta(days=7)),
        "1 week 3 days ahead is too early: a personal reminder comes at most 1 week before the "
        "meeting. Nothing changed.",
    ),
]


def every_refusal() -> list[type[Refusal]]:
    """Every fact the domain can refuse with (subclasses of subclasses too)."""
    found: list[type[Refusal]] = []
    waiting = [Refusal]
    while waiting:
        for sub in waiting.pop().__subclasses__():
            found.append(sub)
            waiting.append(sub)
    return sorted(found, key=lambda cls: cls.__name__)


@pytest.mark.parametrize("fact", every_refusal(), ids=lambda cls: cls.__name__)
def test_every_refusal_has_words_for_zulip_and_for_a_terminal(fact: type[Refusal]) -> None:
    examples = [refusal for refusal, _ in EXAMPLES if type(refusal) is fact]
    assert examples, f"add an example of {fact.__name__} to EXAMPLES (and its words to views)"
    for refusal in examples:
        assert isinstance(refusal, UserError)  # every `except UserError` still catches it
        assert views.refusal_text(refusal).strip()
        assert views.refusal_plain(refusal).strip()


@pytest.mark.parametrize(("refusal", "words"), EXAMPLES, ids=lambda v: type(v).__name__)
def test_a_refusal_reads_in_zulip_as_the_bot_has_always_said_it(
    refusal: Refusal, words: str
) -> None:
    assert views.refusal_text(refusal) == words
    assert views.refusal(views.refusal_text(refusal)) == f"Sorry: {words}"


@pytest.mark.parametrize(("refusal", "words"), EXAMPLES, ids=lambda v: type(v).__name__)
def test_a_refusal_reads_on_a_terminal_without_zulip_markup(refusal: Refusal, words: str) -> None:
    plain = views.refusal_plain(refusal)
    # The same words; names unbolded, times written out in UTC.
    assert plain == words.replace("**", "").replace(AT_ZULIP, AT_PLAIN)
    assert "**" not in plain and "<time:" not in plain


def test_meetbot_render_says_which_days_a_series_met_in_plain_words() -> None:
    refusal = refusals.NoMeetingHeld("Demo", DAY, False, (date(2025, 1, 29), date(2025, 2, 5)))
    assert views.refusal_plain(refusal) == (
        "Demo held no meeting on 2025-02-12. Meetings held: 2025-01-29, 2025-02-05."
    )


def test_a_refusal_that_is_no_fact_yet_is_its_own_words() -> None:
    # A UserError that is no fact, and the parser's usage errors, carry their own text.
    assert views.refusal_text(UserError("several series meet here")) == "several series meet here"
    assert views.refusal_text(UsageError("say `agenda add TEXT`")) == "say `agenda add TEXT`"
    assert views.refusal_plain(UserError("no such series")) == "no such series"


def test_a_refusal_leaves_a_transaction_block_intact() -> None:
    # contextlib assigns __traceback__ to the exception leaving a @contextmanager block
    # (store.transaction()); a frozen dataclass would refuse that and raise something else.
    @contextmanager
    def block() -> Iterator[None]:
        yield

    with pytest.raises(refusals.NoSuchItem) as raised, block():
        raise refusals.NoSuchItem("3")
    assert raised.value.number == "3"
    assert "NoSuchItem" in str(raised.value)  # logs name the fact

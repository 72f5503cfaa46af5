"""Governance votes on a moved clock: reminders at the midpoint and a day before, each posted
once (across restarts too), late while the deadline is ahead, and the close at the deadline
(or as soon as everyone voted), all run by the scheduler."""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from harness import BOTRC, Harness
from zulip_bots.test_lib import StubBotHandler

from zulip_meetbot.domain import governance
from zulip_meetbot.domain.people import Member
from zulip_meetbot.ledger import GOVERNANCE_REMINDER
from zulip_meetbot.scheduler import MeetingScheduler
from zulip_meetbot.terminal.session import ShellOptions, open_session

UTC = timezone.utc
NAMES = (
    "Jaime Chair",
    "Wolf Vollprecht",
    "Dasha Ivanova",
    "Eve Ng",
    "Fay Okafor",
    "Gus Lind",
    "Hal Berg",
    "Ivy Chen",
    "Jo Marsh",
    "Kai Ito",
    "Lea Roth",
    "Max Dunn",
)
TOPIC = "vote 1: Adopt CEP 20"
# Opened at the harness' instant, Monday 2025-02-10 12:00 UTC, a standard vote's 7 days end
# with Sunday 16 February Anywhere on Earth: Monday 17 February 12:00 UTC.
OPENED = "2025-02-10 12:00"
MIDPOINT = "2025-02-14 00:00"
DAY_BEFORE = "2025-02-16 12:00"
DEADLINE = "2025-02-17 12:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def roster_botrc(size: int, series_keys: str = "") -> str:
    """The harness' series voting with ``[roster:steering]``: users 1..size (no meeting
    reminders, so each run shows only the vote's posts)."""
    members = ", ".join(str(user_id) for user_id in range(1, size + 1))
    return (
        BOTRC
        + f"votes = steering\nreminders =\n{series_keys}"
        + f"\n[roster:steering]\nmembers = {members}\n"
    )


class Voting:
    """A bot whose series votes, with its scheduler; `to(...)` moves the clock and runs what is
    due; `restart()` makes a new handler and scheduler over the same database."""

    def __init__(self, folder: Path, size: int = 9, poster: StubBotHandler | None = None) -> None:
        self.folder, self.size = folder, size
        self._boot(at(OPENED), poster)

    def _boot(self, now: datetime, poster: StubBotHandler | None = None) -> None:
        self.h = Harness(self.folder, roster_botrc(self.size), now)
        self.people = [self.h.person(i, name) for i, name in enumerate(NAMES[: self.size], 1)]
        self.scheduler = MeetingScheduler(self.h.app, poster or self.h.bot)

    def restart(self) -> None:
        """As after the process stopped and started again: the clock keeps its instant."""
        now, next_id = self.h.clock.now(), self.h._next_message_id
        self.h.store.close()
        self._boot(now)
        self.h._next_message_id = next_id  # Zulip's message ids go on growing

    def member(self, user_id: int) -> Member:
        return self.people[user_id - 1]

    def say(self, user_id: int, text: str, topic: str = TOPIC) -> str:
        return self.h.say(self.member(user_id), text, topic=topic)

    def open(self, user_id: int, text: str) -> list[dict[str, Any]]:
        """``text`` said by ``user_id``; what the bot posted (the call)."""
        self.h.send(self.member(user_id), text, topic="votes")
        return self.h.posted()

    def to(self, when: str) -> list[dict[str, Any]]:
        """Move the clock to ``when``, run what is due, return what the bot posted."""
        self.h.bot.reset_transcript()
        self.h.clock.set(at(when))
        self.scheduler.run_due()
        return self.h.posted()

    def vote(self, number: int = 1) -> governance.GovernanceVote:
        with self.h.store.transaction() as session:
            return governance.vote(session, number)


@pytest.fixture
def voting(tmp_path: Path) -> Voting:
    return Voting(tmp_path)


def test_a_standard_vote_reminds_at_its_instants_once_across_restarts_and_closes_at_the_deadline(
    voting: Voting,
) -> None:
    [call] = voting.open(2, "vote open standard: Adopt CEP 20")
    assert call["topic"] == TOPIC
    assert "(2025-02-16 AoE)" in call["content"]
    assert [(a.kind, a.ordinal, a.at) for a in voting.scheduler.vote_actions()] == [
        ("remind", 1, at(MIDPOINT)),
        ("remind", 2, at(DAY_BEFORE)),
        ("close", 0, at(DEADLINE)),
    ]
    assert "is **yes**" in voting.say(2, "vote yes 1")
    assert "is **yes**" in voting.say(3, "vote yes 1 I like it")
    assert "is **no**" in voting.say(5, "vote no 1")
    assert "is now **no** (was yes)" in voting.say(3, "vote no 1 on second thought")

    assert voting.to("2025-02-13 23:59:59") == []
    [first] = voting.to(MIDPOINT)
    assert first["to"] == "conda" and first["topic"] == TOPIC
    text = first["content"]
    assert "**Vote 1: reminder, halfway through** (standard): Adopt CEP 20" in text
    assert "So far: yes 1, no 2, abstain 0 — 3 of 9 ballots; quorum needs 5, 2 more." in text
    assert "<time:2025-02-17T12:00:00+00:00> (2025-02-16 AoE)" in text
    # Those who have not voted are mentioned (they are the ones reminded); voters are not.
    assert "@**Jaime Chair|1**, @**Eve Ng|4**, @**Gus Lind|6**" in text
    assert "|2**" not in text and "|3**" not in text and "|5**" not in text
    assert "`vote yes 1`" in text

    assert voting.to("2025-02-14 00:01") == []
    voting.restart()
    assert voting.to("2025-02-14 00:02") == []
    assert voting.to("2025-02-16 11:59:59") == []
    [second] = voting.to(DAY_BEFORE)
    assert "**Vote 1: reminder, a day before it closes**" in second["content"]
    voting.restart()
    assert voting.to("2025-02-16 12:30") == []

    assert "is **yes**" in voting.say(4, "vote yes 1")
    assert "is **abstain**" in voting.say(6, "vote abstain 1")
    assert voting.to("2025-02-17 11:59:59") == []
    [result] = voting.to(DEADLINE)
    assert result["topic"] == TOPIC
    assert "**Vote 1 closed** (standard, its deadline has passed)" in result["content"]
    # yes 2 of yes + no 4: not more than half; quorum 5 reached with the abstention.
    assert (
        "It **did not pass**: yes 2, no 2, abstain 1 (5 of 9 ballots, quorum 5)"
        in (result["content"])
    )
    assert "**no** (changed): on second thought" in result["content"]
    voting.restart()
    assert voting.to("2025-02-18 12:00") == []

    vote = voting.vote()
    assert vote.reminders == (at(MIDPOINT), at(DAY_BEFORE))
    assert vote.closed_at == at(DEADLINE) and vote.verdict == "failed"
    assert voting.scheduler.vote_actions() == []
    assert "did not pass" in voting.say(7, "vote status 1")
    assert "is closed" in voting.say(7, "vote yes 1")


def test_a_reminder_missed_while_down_is_posted_late_once_while_the_deadline_is_ahead(
    voting: Voting,
) -> None:
    voting.open(2, "vote open standard: Adopt CEP 20")
    [late] = voting.to("2025-02-15 09:00")  # down from before the midpoint until the 15th
    assert "reminder, halfway through" in late["content"]
    assert voting.to("2025-02-15 09:01") == []
    voting.restart()
    [second] = voting.to(DAY_BEFORE)
    assert "a day before it closes" in second["content"]
    assert voting.vote().reminders == (at("2025-02-15 09:00"), at(DAY_BEFORE))


def test_down_past_both_reminders_posts_each_once_before_the_deadline(voting: Voting) -> None:
    voting.open(2, "vote open standard: Adopt CEP 20")
    posted = voting.to("2025-02-17 06:00")
    assert [p["content"].split("**")[1] for p in posted] == [
        "Vote 1: reminder, halfway through",
        "Vote 1: reminder, a day before it closes",
    ]
    voting.restart()
    assert voting.to("2025-02-17 07:00") == []


def test_down_past_the_deadline_skips_the_reminders_and_closes(voting: Voting) -> None:
    voting.open(2, "vote open standard: Adopt CEP 20")
    for user_id in (1, 2, 3, 4, 5):
        voting.say(user_id, "vote yes 1")
    [result] = voting.to("2025-02-18 08:00")
    assert "**Vote 1 closed** (standard, its deadline has passed)" in result["content"]
    assert "It **passed**: yes 5, no 0, abstain 0" in result["content"]
    vote = voting.vote()
    assert vote.reminders == ()  # neither was posted: none is recorded
    assert vote.closed_at == at(DEADLINE)  # closed as of its deadline, not of the restart


def test_a_two_week_vote_without_quorum_resolves_on_the_ballots_cast_after_both_reminders(
    tmp_path: Path,
) -> None:
    voting = Voting(tmp_path, size=12)
    # Quorum of 12 at 50 % is 6; five vote.
    [call] = voting.open(1, "vote open standard: Adopt CEP 20 until 2025-02-28")
    assert "quorum: 6 of 12 ballots" in call["content"]
    for user_id, choice in ((1, "yes"), (2, "yes"), (3, "yes"), (4, "no"), (5, "abstain")):
        voting.say(user_id, f"vote {choice} 1")
    # Open 19 days, from 10 February 12:00 UTC to the end of 28 February AoE.
    [first] = voting.to("2025-02-20 00:00")
    assert "halfway through" in first["content"]
    assert "quorum needs 6, 1 more" in first["content"]
    [second] = voting.to("2025-02-28 12:00")
    assert "a day before it closes" in second["content"]
    [result] = voting.to("2025-03-01 12:00")
    content = result["content"]
    assert "It **passed**: yes 3, no 1, abstain 1 (5 of 12 ballots, quorum 6)" in content
    assert "resolves on the ballots cast" in content
    assert voting.vote().timed_out


def test_a_two_week_vote_whose_reminders_were_missed_does_not_reach_quorum(
    tmp_path: Path,
) -> None:
    voting = Voting(tmp_path, size=12)
    voting.open(1, "vote open standard: Adopt CEP 20 until 2025-02-28")
    for user_id in (1, 2, 3, 4, 5):
        voting.say(user_id, "vote yes 1")
    # Down from the opening until after the deadline: no reminder was posted, no timeout.
    [result] = voting.to("2025-03-02 00:00")
    assert "**did not reach quorum**" in result["content"]
    assert "resolves on the ballots cast" not in result["content"]


def test_a_vote_closes_as_soon_as_everyone_voted_and_nothing_runs_later(voting: Voting) -> None:
    voting.open(2, "vote open standard: Adopt CEP 20")
    for user_id in range(1, 9):
        voting.say(user_id, "vote yes 1")
    voting.h.bot.reset_transcript()
    reply = voting.h.send(voting.member(9), "vote no 1", topic=TOPIC)
    [result] = [message for kind, message in reply if kind == "send_message"]
    assert "**Vote 1 closed** (standard, everyone has voted)" in result["content"]
    assert "It **passed**: yes 8, no 1, abstain 0" in result["content"]
    assert voting.scheduler.vote_actions() == []
    assert voting.to(MIDPOINT) == []
    assert voting.to(DEADLINE) == []
    assert voting.vote().closed_at == at(OPENED)


def test_cancelling_a_vote_stops_its_reminders_and_its_close(voting: Voting) -> None:
    voting.open(2, "vote open standard: Adopt CEP 20")
    [first] = voting.to(MIDPOINT)
    assert "halfway through" in first["content"]
    assert "**Vote 1 cancelled** by Wolf Vollprecht" in voting.say(2, "vote cancel 1")
    assert voting.scheduler.vote_actions() == []
    assert voting.to(DAY_BEFORE) == []
    assert voting.to(DEADLINE) == []
    vote = voting.vote()
    assert vote.cancelled and len(vote.reminders) == 1


def test_a_sensitive_vote_gets_its_reminders_and_close_but_no_ballots(voting: Voting) -> None:
    [call] = voting.open(
        1, "vote open sensitive: Admit Jo as provisional member link https://vote.example/42"
    )
    topic = call["topic"]
    assert "https://vote.example/42" in call["content"]
    assert "another platform" in voting.say(3, "vote yes 1", topic=topic)
    [first] = voting.to(MIDPOINT)
    assert first["topic"] == topic
    assert first["content"].splitlines() == [
        "**Vote 1: reminder, halfway through** (sensitive): Admit Jo as provisional member",
        "It is held on another platform: **vote there**, https://vote.example/42",
        "Open until <time:2025-02-17T12:00:00+00:00> (2025-02-16 AoE).",
    ]
    [second] = voting.to(DAY_BEFORE)
    assert "a day before it closes" in second["content"]
    assert "So far" not in second["content"] and "@**" not in second["content"]
    [result] = voting.to(DEADLINE)
    assert "Its ballots were cast on another platform" in result["content"]
    assert voting.vote().verdict == governance.HELD_ELSEWHERE


class RefusingZulip(StubBotHandler):
    """A Zulip that takes no post (down, or refusing): what is owed stays owed."""

    def send_message(self, message: dict[str, Any]) -> dict[str, Any]:
        return {"result": "error", "msg": "down for maintenance"}


def test_a_reminder_zulip_did_not_take_stays_owed_until_its_vote_closes(tmp_path: Path) -> None:
    voting = Voting(tmp_path)
    voting.open(2, "vote open standard: Adopt CEP 20")
    refusing = MeetingScheduler(voting.h.app, RefusingZulip())
    voting.h.clock.set(at(MIDPOINT))
    assert refusing.run_due() == ["vote-1-remind-1"]  # claimed, its post owed
    assert refusing.run_due() == []  # claimed: never a second time
    since = at(OPENED)
    [owed] = voting.h.app.ledger.owed_posts(since)  # what the runtime posts at its start
    assert owed.key == f"{GOVERNANCE_REMINDER}1|1" and owed.topic == TOPIC
    assert "halfway through" in owed.content
    assert "is **yes**" in voting.say(3, "vote yes 1")
    assert voting.h.app.ledger.owed_posts(since)  # still timely: the vote is open
    voting.say(2, "vote cancel 1")
    assert [p.key for p in voting.h.app.ledger.owed_posts(since)] == []


def test_an_owed_reminder_expires_at_the_deadline(tmp_path: Path) -> None:
    voting = Voting(tmp_path)
    voting.open(2, "vote open standard: Adopt CEP 20")
    refusing = MeetingScheduler(voting.h.app, RefusingZulip())
    voting.h.clock.set(at(DAY_BEFORE))
    refusing.run_due()
    assert len(voting.h.app.ledger.owed_posts(at(OPENED))) == 2
    voting.h.clock.set(at(DEADLINE))
    assert voting.h.app.ledger.owed_posts(at(OPENED)) == []


def job_ids(scheduler: MeetingScheduler) -> set[str]:
    assert scheduler._aps is not None
    return {job.id for job in scheduler._aps.get_jobs()}


def test_stored_jobs_for_a_vote_follow_it_and_go_when_everyone_voted(tmp_path: Path) -> None:
    # APScheduler runs on the real clock, so this vote lies in its future.
    voting = Voting(tmp_path)
    voting.h.clock.set(at("2030-02-11 12:00"))
    voting.scheduler.start()
    try:
        voting.open(2, "vote open standard: Adopt CEP 20")
        jobs = job_ids(voting.scheduler)
        assert {"vote-1-remind-1", "vote-1-remind-2", "vote-1-close"} <= jobs
        assert any("|start|" in job for job in jobs)  # the meetings' jobs are still there
        for user_id in range(1, 10):
            voting.say(user_id, "vote yes 1")
        jobs = job_ids(voting.scheduler)
        assert not any(job.startswith("vote-") for job in jobs)
        assert any("|start|" in job for job in jobs)
    finally:
        voting.scheduler.shutdown()


def test_stored_jobs_of_a_cancelled_vote_go_and_survive_a_restart_otherwise(
    tmp_path: Path,
) -> None:
    voting = Voting(tmp_path)
    voting.h.clock.set(at("2030-02-11 12:00"))
    voting.scheduler.start()
    try:
        voting.open(2, "vote open standard: Adopt CEP 20")
        voting.open(2, "vote open standard: Adopt CEP 21")
        voting.say(2, "vote cancel 1")
        assert {j for j in job_ids(voting.scheduler) if j.startswith("vote-")} == {
            "vote-2-remind-1",
            "vote-2-remind-2",
            "vote-2-close",
        }
    finally:
        voting.scheduler.shutdown()
    voting.restart()
    voting.scheduler.start()
    try:
        assert "vote-2-close" in job_ids(voting.scheduler)
    finally:
        voting.scheduler.shutdown()


def test_the_shell_clock_stops_at_each_of_a_votes_instants(tmp_path: Path) -> None:
    # The shell's first person, hamlet, is user 1: the whole roster.
    (tmp_path / "botrc").write_text(roster_botrc(1, "auto_start = no\n"))
    out = io.StringIO()
    options = ShellOptions(config=str(tmp_path / "botrc"), now="2025-02-10 13:00", timezone="UTC")
    opened = open_session(options, tmp_path, out)
    assert not isinstance(opened, list), opened
    session, store = opened
    try:
        for line in ("@meetbot vote open standard: Adopt CEP 20", "/clock +9d"):
            session.handle_line(line)
    finally:
        store.close()
    printed = out.getvalue()
    stamps = re.findall(r"^-- (.+ UTC):$", printed, re.MULTILINE)
    assert stamps[-3:] == [
        "Fri 14 Feb 2025, 12:30 UTC",  # the midpoint
        "Mon 17 Feb 2025, 12:00 UTC",  # a day before
        "Tue 18 Feb 2025, 12:00 UTC",  # the deadline
    ]
    assert printed.count("reminder, halfway through") == 1
    assert printed.count("reminder, a day before it closes") == 1
    assert printed.count("**Vote 1 closed**") == 1

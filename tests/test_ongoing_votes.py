"""Governance votes in reminders, `agenda` and the notes' announcements ("Ongoing votes"), as
they stood at the meeting: open ones with their participation, those closed since the previous
meeting with their verdict (issue 15)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from harness import BOTRC, Harness

from zulip_meetbot.archive import render_meeting
from zulip_meetbot.domain import governance
from zulip_meetbot.domain.record import AnnouncedVote, announced
from zulip_meetbot.domain.voting import POLICIES, Tally
from zulip_meetbot.scheduler import MeetingScheduler
from zulip_meetbot.views import vote_announcement

UTC = timezone.utc
ROSTER = tuple(range(11, 20))  # nine voters
SMALL = tuple(range(11, 16))  # five


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def harness(folder: Path, template: str = "community", now: str = "2025-02-05 12:00") -> Harness:
    return Harness(folder, BOTRC + f"template = {template}\n", at(now))


def open_vote(
    bot: Harness,
    policy: str,
    text: str,
    roster: tuple[int, ...] = ROSTER,
    when: str | None = None,
    series_slug: str = "community",
) -> int:
    """Open a vote at ``when`` (default: the harness's now); its number."""
    if when:
        bot.clock.set(at(when))
    with bot.store.transaction() as session:
        vote = governance.open_vote(
            session,
            series_slug=series_slug,
            policy=POLICIES[policy],
            text=text,
            link=None,
            roster_name="steering",
            roster=roster,
            opener_id=roster[0],
            now=bot.clock.now(),
            until=None,
        )
    return vote.number


def ballots(bot: Harness, number: int, choices: dict[int, str], when: str) -> None:
    """Cast ``choices`` at ``when``, closing the vote if that completes it."""
    bot.clock.set(at(when))
    with bot.store.transaction() as session:
        for user_id, choice in choices.items():
            governance.cast(session, number, user_id, choice, None, bot.clock.now())
        governance.close_if_complete(session, number, bot.clock.now())


def close_at(bot: Harness, number: int, when: str) -> None:
    bot.clock.set(at(when))
    with bot.store.transaction() as session:
        assert governance.close_if_complete(session, number, bot.clock.now()) is not None


def hold_meeting(bot: Harness, start: str, end: str) -> None:
    chair = bot.person(1, "Jaime Rodríguez-Guerra")
    bot.clock.set(at(start))
    bot.send(chair, "start now")
    bot.clock.set(at(end))
    bot.send(chair, "end")


def notes(bot: Harness, day: date, template: str | None = None) -> str:
    with bot.store.transaction() as session:
        series = bot.settings.series[0]
        return render_meeting(session, series, day, template or series.template)


def test_a_reminder_lists_the_open_vote_with_its_deadline_participation_and_topic(
    tmp_path: Path,
) -> None:
    bot = harness(tmp_path, now="2025-02-10 12:00")
    number = open_vote(bot, "cep", "Adopt CEP 20")
    ballots(bot, number, {11: "yes", 12: "no", 13: "yes", 14: "abstain"}, "2025-02-10 13:00")
    scheduler = MeetingScheduler(bot.app, bot.bot)
    bot.clock.set(at("2025-02-11 17:00"))
    scheduler.run_due()
    [reminder] = bot.posted()
    assert (
        "\n**Ongoing votes**\n"
        "- vote 1 (cep): Adopt CEP 20 — until <time:2025-02-17T12:00:00+00:00> (2025-02-16 AoE), "
        "4 of 9 voted: #**conda>vote 1: Adopt CEP 20**\n"
    ) in reminder["content"]


def test_a_reminder_says_nothing_of_votes_when_none_is_open(tmp_path: Path) -> None:
    bot = harness(tmp_path, now="2025-02-10 12:00")
    number = open_vote(bot, "standard", "Move the call")
    with bot.store.transaction() as session:
        governance.cancel(session, number, 1, bot.clock.now())
    open_vote(bot, "standard", "Elsewhere", series_slug="other")  # another series' vote
    scheduler = MeetingScheduler(bot.app, bot.bot)
    bot.clock.set(at("2025-02-11 17:00"))
    scheduler.run_due()
    [reminder] = bot.posted()
    text = reminder["content"]
    assert "Ongoing votes" not in text and "Move the call" not in text and "Elsewhere" not in text


def test_agenda_lists_the_open_votes(tmp_path: Path) -> None:
    bot = harness(tmp_path, now="2025-02-10 12:00")
    open_vote(bot, "standard", "Move the call to Thursdays")
    agenda = bot.say(bot.person(2, "Wolf Vollprecht"), "agenda")
    assert "**Ongoing votes**\n- vote 1 (standard): Move the call to Thursdays — until" in agenda
    assert "0 of 9 voted: #**conda>vote 1: Move the call to Thursdays**" in agenda


@pytest.mark.parametrize(
    ("template", "entry", "closed"),
    [
        ("community", "- **Ongoing votes:**", "- **Votes closed since the last meeting:**"),
        ("ecosystem", "- Ongoing votes:", "- Votes closed since the last meeting:"),
    ],
)
def test_the_notes_announce_ongoing_votes_and_those_closed_since_the_last_meeting(
    tmp_path: Path, template: str, entry: str, closed: str
) -> None:
    bot = harness(tmp_path, template)
    passed = open_vote(bot, "standard", "Move the call", SMALL)
    ballots(
        bot, passed, {11: "yes", 12: "yes", 13: "yes", 14: "no", 15: "abstain"}, "2025-02-06 09:00"
    )
    cep = open_vote(bot, "cep", "Adopt CEP 20", when="2025-02-10 12:00")
    ballots(bot, cep, {11: "yes", 12: "no", 13: "yes"}, "2025-02-11 12:00")
    bot.say(bot.person(2, "Wolf Vollprecht"), "agenda add Announcements: conda 25.1 is out")
    hold_meeting(bot, "2025-02-12 17:00", "2025-02-12 17:40")
    text = (bot.settings.notes_dir / "2025-02-12-community.md").read_text(encoding="utf-8")
    assert text == notes(bot, date(2025, 2, 12))
    announcements = text.split("## Announcements\n\n", 1)[1].split("\n\n", 1)[0]
    assert announcements.splitlines()[1:] == [
        entry,
        "    - Vote 2 (cep): Adopt CEP 20 — until 2025-02-16 AoE, 3 of 9 voted",
        closed,
        "    - Vote 1 (standard) passed: yes 3, no 1, abstain 1 — Move the call",
    ]


def test_a_later_render_of_an_older_meeting_keeps_its_votes_as_they_were(tmp_path: Path) -> None:
    bot = harness(tmp_path)
    early = open_vote(bot, "standard", "Move the call", SMALL)
    close_at(bot, early, "2025-02-12 12:00")  # its deadline, before the first meeting: no quorum
    cep = open_vote(bot, "cep", "Adopt CEP 20", when="2025-02-10 12:00")
    ballots(bot, cep, {11: "yes", 12: "no", 13: "yes"}, "2025-02-11 12:00")
    hold_meeting(bot, "2025-02-12 17:00", "2025-02-12 17:40")
    first = notes(bot, date(2025, 2, 12))
    # After the meeting: more ballots, the vote closes, another opens.
    ballots(bot, cep, {14: "yes", 15: "yes", 16: "abstain", 17: "no"}, "2025-02-13 12:00")
    close_at(bot, cep, "2025-02-20 12:00")
    open_vote(bot, "standard", "A vote opened after the meeting", when="2025-02-21 12:00")
    assert notes(bot, date(2025, 2, 12)) == first
    assert "Vote 2 (cep): Adopt CEP 20 — until 2025-02-16 AoE, 3 of 9 voted" in first
    assert "Vote 1 (standard) did not reach quorum: yes 0, no 0, abstain 0" in first
    assert "Vote 3" not in first
    # The next meeting announces vote 2's verdict, and not vote 1's again.
    hold_meeting(bot, "2025-02-26 17:00", "2025-02-26 17:30")
    second = notes(bot, date(2025, 2, 26))
    assert "Vote 2 (cep) passed: yes 4, no 2, abstain 1 — Adopt CEP 20" in second
    assert "Vote 3 (standard): A vote opened after the meeting — until" in second
    assert "Vote 1" not in second


def test_the_notes_stay_as_before_without_votes(tmp_path: Path) -> None:
    bot = harness(tmp_path)
    hold_meeting(bot, "2025-02-12 17:00", "2025-02-12 17:40")
    text = notes(bot, date(2025, 2, 12))
    assert "## Announcements\n\n- [ ]\n\n## New Agenda Items" in text
    assert "Vote" not in text
    eco = notes(bot, date(2025, 2, 12), "ecosystem")
    assert "## Announcements\n\n- [ ] ...\n\n## New Agenda Items" in eco


def test_votes_without_an_announcements_section_get_a_section_of_their_own(
    tmp_path: Path,
) -> None:
    bot = Harness(tmp_path, BOTRC + "sections = Agenda\n", at("2025-02-10 12:00"))
    open_vote(bot, "standard", "Move the call")
    hold_meeting(bot, "2025-02-12 17:00", "2025-02-12 17:40")
    text = notes(bot, date(2025, 2, 12))
    assert text.endswith(
        "## Votes\n\n- Vote 1 (standard): Move the call — until 2025-02-16 AoE, 0 of 9 voted\n"
    )


def test_a_custom_template_reads_the_votes_as_plain_values(tmp_path: Path) -> None:
    bot = harness(tmp_path)
    passed = open_vote(bot, "standard", "Move the call", SMALL)
    ballots(
        bot, passed, {11: "yes", 12: "yes", 13: "yes", 14: "no", 15: "abstain"}, "2025-02-06 09:00"
    )
    open_vote(bot, "cep", "Adopt CEP 20", when="2025-02-10 12:00")
    hold_meeting(bot, "2025-02-12 17:00", "2025-02-12 17:40")
    template = tmp_path / "votes.md.j2"
    template.write_text(
        "{% for v in meeting.ongoing_votes + meeting.closed_votes %}"
        "{{ v.number }}|{{ v.policy }}|{{ v.text }}|{{ v.deadline.isoformat() }}|"
        "{{ v.deadline_day }}|{{ v.ballots }}/{{ v.roster_size }}|{{ v.verdict }}|"
        "{{ v.tally.yes }}-{{ v.tally.no }}-{{ v.tally.abstain }}|{{ v.timed_out }}|"
        "{{ v.sensitive }}|{{ v.is_open }}\n{% endfor %}"
    )
    text = notes(bot, date(2025, 2, 12), str(template))
    assert text.splitlines() == [
        "2|cep|Adopt CEP 20|2025-02-17T12:00:00+00:00|2025-02-16 AoE|0/9|None|0-0-0|False|False"
        "|True",
        "1|standard|Move the call|2025-02-12T12:00:00+00:00|2025-02-11 AoE|5/5|passed|3-1-1"
        "|False|False|False",
    ]


def test_a_ballot_cast_after_the_meeting_is_not_counted_in_its_notes(tmp_path: Path) -> None:
    bot = harness(tmp_path, now="2025-02-10 12:00")
    number = open_vote(bot, "standard", "Move the call")
    ballots(bot, number, {11: "yes"}, "2025-02-11 12:00")
    ballots(bot, number, {12: "no"}, "2025-02-13 12:00")
    with bot.store.transaction() as session:
        vote = governance.vote(session, number)
    then = announced(vote, at("2025-02-12 12:00"))
    assert (then.ballots, then.tally.yes, then.tally.no, then.verdict) == (1, 1, 0, None)
    assert announced(vote).ballots == 2


BASE = AnnouncedVote(
    number=4,
    policy="standard",
    text="Move the call",
    deadline=at("2025-02-18 12:00"),
    deadline_day="2025-02-17 AoE",
    ballots=5,
    roster_size=9,
    tally=Tally(3, 1, 1),
    verdict=None,
    timed_out=False,
    sensitive=False,
)
SENSITIVE = replace(BASE, policy="sensitive", sensitive=True, ballots=0, tally=Tally(0, 0, 0))


@pytest.mark.parametrize(
    ("vote", "line"),
    [
        (
            BASE,
            "Vote 4 (standard): Move the call — until 2025-02-17 AoE, 5 of 9 voted",
        ),
        (
            SENSITIVE,
            "Vote 4 (sensitive): Move the call — until 2025-02-17 AoE, held on another platform",
        ),
        (
            replace(BASE, verdict="failed"),
            "Vote 4 (standard) did not pass: yes 3, no 1, abstain 1 — Move the call",
        ),
        (
            replace(BASE, verdict="passed", timed_out=True),
            "Vote 4 (standard) passed on the ballots cast (timeout rules): yes 3, no 1, "
            "abstain 1 — Move the call",
        ),
        (replace(BASE, verdict="cancelled"), "Vote 4 (standard) was cancelled — Move the call"),
        (
            replace(SENSITIVE, verdict="held elsewhere"),
            "Vote 4 (sensitive) closed, its result is announced on its platform — Move the call",
        ),
    ],
)
def test_each_kind_of_vote_is_announced_in_one_line(vote: AnnouncedVote, line: str) -> None:
    assert vote_announcement(vote) == line

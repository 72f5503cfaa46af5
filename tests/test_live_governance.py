"""Governance votes end to end through `meetbot run`, the real zulip client, our
Zulip-compatible server and real git against a bare repository: a conda-style roster (its
`steering.csv`, matched to Zulip users by email, or a Zulip user group) runs a standard vote
and a CEP vote — calls, ballots in the stream and by direct message, a changed ballot, `vote
status`, a refusal off the roster, both reminders once each across restarts, one close at the
deadline and one by the last ballot, each result posted once in its topic, the results files
written in notes_dir and committed to the repository.

A vote lasts days and `meetbot run` has the real clock: while the bot is stopped the test moves
a vote's instants (opening and deadline) back in its database, as if those days had passed, so
that its next reminder or its close falls seconds after the next start.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from livebot import LiveBot, Person, botrc_text, start_bot, stop_bot, wait_until
from test_live_publish import MEETBOT, environment, has_branch, publishes_to
from test_publisher import bare_repository, commits_on, file_on, git
from zulipfake import FakeZulip

from zulip_meetbot import store
from zulip_meetbot.store import Store

CODE = "Adopt the code of conduct"
CEP = "Adopt CEP 20 (conda self-update)"
# The steering council: (name, email). conda's steering.csv names each by email, which Zulip
# shows a bot only when the member's email visibility lets it: here, everyone.
STEERING = (
    ("King Lear", "lear@conda.example"),
    ("Prospero", "prospero@conda.example"),
    ("Portia, of Belmont", "portia@conda.example"),
    ("Rosalind", "rosalind@conda.example"),
    ("Viola", "viola@conda.example"),
    ("Beatrice", "beatrice@conda.example"),
    ("Benedick", "benedick@conda.example"),
    ("Miranda", "miranda@conda.example"),
)
NOTES_BRANCH = "2030-01-02-meeting-notes"
# Seconds from a start to the instant moved there: the start's catch-up is over by then.
AHEAD = 3.0


@dataclass(frozen=True)
class Vote:
    """A vote as the test sees it: its number and the topic of its posts."""

    number: int
    text: str
    slug: str  # the results file's, as README says: lower-case words joined by `-`

    @property
    def topic(self) -> str:
        return f"vote {self.number}: {self.text}"


def steering_csv(folder: Path, people: list[Any]) -> Path:
    """conda's `steering.csv` (its own header and columns), one row a Zulip user by email."""
    path = folder / "steering.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")  # quotes "Portia, of Belmont"
        writer.writerow(["github_username", "email", "name", "funder", "pronouns"])
        for n, person in enumerate(people):
            funder = ("Anaconda", "Quansight", "", "NVIDIA")[n % 4]
            writer.writerow([f"gh-{n}", person.delivery_email, person.full_name, funder, ""])
    return path


def move_vote(folder: Path, number: int, opened: datetime, deadline: datetime) -> None:
    """As if time had passed: the vote's opening and deadline moved (the bot is stopped)."""
    db = Store(folder / "meetbot.sqlite3")
    try:
        with db.transaction() as session:
            row = store.governance_vote(session, number)
            assert row is not None
            row.opened_at, row.deadline = opened, deadline
    finally:
        db.close()


def closed_at(folder: Path, number: int) -> datetime:
    db = Store(folder / "meetbot.sqlite3")
    try:
        with db.transaction() as session:
            row = store.governance_vote(session, number)
            assert row is not None and row.closed_at is not None
            return row.closed_at.replace(tzinfo=timezone.utc)
    finally:
        db.close()


def posts(server: FakeZulip, bot: Any, vote: Vote, text: str) -> list[dict[str, Any]]:
    """The bot's posts in the vote's topic that say ``text``."""
    return [
        m
        for m in server.messages_in("community", vote.topic)
        if m["sender_id"] == bot.user_id and text in m["content"]
    ]


def results_file(folder: Path, vote: Vote) -> str:
    """The vote's results file's path in notes_dir (and the repository): the close's UTC day."""
    day = closed_at(folder, vote.number).strftime("%Y-%m-%d")
    return f"vote-results/{day}-{vote.slug}-{vote.number}.md"


def wait_for_results_commit(live: LiveBot, bare: Path, vote: Vote) -> None:
    subject = f"Add results of vote {vote.number}: {vote.text}"
    wait_until(lambda: subject in commits_on(bare, "main"), live, f"the commit of {subject}")


def closed(server: FakeZulip, live: LiveBot, bare: Path, vote: Vote) -> tuple[str, str]:
    """Once the vote's result is posted and its results file committed: the result (posted
    once, in its topic) and the results file in notes_dir (the same as committed)."""
    closing = f"**Vote {vote.number} closed**"
    wait_until(lambda: bool(posts(server, live.user, vote, closing)), live, "the result")
    wait_for_results_commit(live, bare, vote)
    [result] = posts(server, live.user, vote, closing)
    path = results_file(live.folder, vote)
    written = (live.folder / "notes" / path).read_text()
    assert file_on(bare, "main", path) == written
    return result["content"], written


def mention(person: Any) -> str:
    return f"@**{person.full_name}|{person.user_id}**"


def test_a_conda_steering_csv_roster_runs_a_standard_and_a_cep_vote_end_to_end_live(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    steering = [server.add_user(name, delivery_email=at, email=at) for name, at in STEERING]
    server.subscribe(server.realm.stream_by_name("community"), *steering)
    bare = bare_repository(tmp_path)
    folder = tmp_path / "bot"
    folder.mkdir()
    steering_csv(folder, steering)
    extra = (
        publishes_to(bare) + "votes = steering\n\n[roster:steering]\nmembers_csv = steering.csv\n"
    )
    # Hamlet chairs the meetings and sits on no council.
    botrc = botrc_text(server, bot, str(community["hamlet"].user_id), extra)
    code = Vote(1, CODE, "adopt-the-code-of-conduct")
    cep = Vote(2, CEP, "adopt-cep-20-conda-self-update")

    def start() -> tuple[LiveBot, dict[str, Person]]:
        live = start_bot(server, folder, bot, botrc, MEETBOT, environment())
        everyone = [*steering, community["hamlet"], community["othello"]]
        # Each by their email's local part: "lear", "hamlet".
        return live, {
            p.delivery_email.split("@")[0]: Person(server, p, bot, live) for p in everyone
        }

    def said(person: Person, text: str, vote: Vote) -> str:
        return person.say(text, topic=vote.topic)["content"]

    live, who = start()
    lear, prospero, portia, rosalind, viola, beatrice, benedick, miranda = (
        who[at.split("@")[0]] for _, at in STEERING
    )
    hamlet, othello = who["hamlet"], who["othello"]
    try:
        # Opened by command in the stream: by a chair, and by a member who is no chair.
        assert (
            "Vote 1 is open" in hamlet.say(f"vote open standard: {CODE}", topic="votes")["content"]
        )
        assert "Vote 2 is open" in lear.say(f"vote open cep: {CEP}", topic="votes")["content"]
        [call] = posts(server, bot, code, "opened by")
        assert "**Vote 1** (standard)" in call["content"]
        assert "the **steering** roster (8 members)" in call["content"]
        assert "quorum: 5 of 8 ballots" in call["content"]
        assert all(mention(p) in call["content"] for p in steering)
        assert mention(community["hamlet"]) not in call["content"].split("opened by")[1]
        [call] = posts(server, bot, cep, "opened by")
        assert "**Vote 2** (cep)" in call["content"]
        assert "passes with at least 60% yes (of yes and no); quorum: 5 of 8" in call["content"]

        # Ballots in the stream and by direct message, one changed; others are refused.
        assert "is **yes**" in said(lear, "vote yes 1", code)
        assert "is **no**" in prospero.dm("vote no 1")["content"]
        assert "is now **yes** (was no)" in prospero.dm("vote yes 1 on reflection")["content"]
        assert "is **abstain**" in said(portia, "vote abstain 1 I helped write it", code)
        assert "is **no**" in said(rosalind, "vote no 1", code)
        refused = said(othello, "vote yes 1", code)
        assert "only members of the roster **steering** vote in vote 1" in refused
        refused = hamlet.dm("vote no 2")["content"]
        assert "only members of the roster **steering** vote in vote 2" in refused

        status = said(beatrice, "vote status 1", code)
        assert "So far: yes 2, no 1, abstain 1 — 4 of 8 ballots; quorum needs 5, 1 more." in (
            status
        )
        not_voted = status.split("Not voted yet: ")[1]
        assert all(
            f"|{p.user.user_id}**" in not_voted for p in (viola, beatrice, benedick, miranda)
        )
        assert all(f"|{p.user.user_id}**" not in not_voted for p in (lear, prospero, othello))

        # The CEP vote: all eight vote, the last ballot closes it; 4 yes of 7 is under 60%.
        for person, choice in (
            (lear, "yes"),
            (prospero, "yes"),
            (portia, "yes"),
            (rosalind, "no"),
            (viola, "abstain"),
        ):
            assert f"is **{choice}**" in said(person, f"vote {choice} 2", cep)
        assert "is **no**" in beatrice.dm("vote no 2")["content"]
        assert "is **yes**" in benedick.dm("vote yes 2")["content"]
        last = miranda.dm("vote no 2 not before the next release")["content"]
        assert "Everyone has voted: vote 2 is closed" in last
        # Its result posted, its results file written and committed to the default branch.
        result, written = closed(server, live, bare, cep)
        assert "(cep, everyone has voted)" in result
        assert "It **did not pass**: yes 4, no 3, abstain 1 (8 of 8 ballots, quorum 5)." in result
        assert f"{miranda.user.user_id}**: **no**: not before the next release" in result
        assert "not voted" not in result
        assert written.startswith(f"# Vote 2: {CEP}\n")
        assert "**Result: did not pass.**" in written
        assert "| 4 | 3 | 1 | 8 of 8 | 5 | 100% |" in written
        assert "- Miranda: **no**: not before the next release" in written

        # A meeting meanwhile: its notes list the vote still open and the one just closed.
        hamlet.say("start now")
        assert "has ended" in hamlet.say("end")["content"]
        wait_until(lambda: has_branch(bare, NOTES_BRANCH), live, "the notes' commit")
        notes = (folder / "notes" / "2030-01-02-community.md").read_text()
        announcements = notes.split("## Announcements", 1)[1].split("\n## ", 1)[0]
        assert f"Vote 1 (standard): {CODE} — until " in announcements
        assert "4 of 8 voted" in announcements
        assert f"Vote 2 (cep) did not pass: yes 4, no 3, abstain 1 — {CEP}" in announcements
        assert file_on(bare, NOTES_BRANCH, "meetings/20300102-community.md") == notes
    finally:
        assert stop_bot(live) == 0

    # Days pass while the bot is down: the midpoint comes seconds after the next start.
    midpoint = datetime.now(timezone.utc) + timedelta(seconds=AHEAD)
    move_vote(folder, 1, midpoint - timedelta(days=3.5), midpoint + timedelta(days=3.5))
    live, who = start()
    try:
        wait_until(lambda: bool(posts(server, bot, code, "halfway through")), live, "reminder 1")
        wait_until(lambda: "vote-1-remind-1 done" in live.log(), live, "its log line", 5)
    finally:
        assert stop_bot(live) == 0
    [reminder] = posts(server, bot, code, "halfway through")
    text = reminder["content"]
    assert "So far: yes 2, no 1, abstain 1 — 4 of 8 ballots; quorum needs 5, 1 more." in text
    assert all(mention(p.user) in text for p in (viola, beatrice, benedick, miranda))
    assert all(f"|{p.user.user_id}**" not in text for p in (lear, prospero, portia, rosalind))

    # And more days: the day before the deadline comes seconds after the next start.
    deadline = datetime.now(timezone.utc) + timedelta(days=1, seconds=AHEAD)
    move_vote(folder, 1, deadline - timedelta(days=7), deadline)
    live, who = start()
    try:
        wait_until(lambda: bool(posts(server, bot, code, "a day before")), live, "reminder 2")
        wait_until(lambda: "vote-1-remind-2 done" in live.log(), live, "its log line", 5)
        # The fifth ballot: quorum reached; the vote stays open until its deadline.
        assert "is **yes**" in said(who["viola"], "vote yes 1", code)
    finally:
        assert stop_bot(live) == 0
    [reminder] = posts(server, bot, code, "a day before")
    assert "4 of 8 ballots; quorum needs 5, 1 more." in reminder["content"]
    assert len(posts(server, bot, code, "halfway through")) == 1

    # The last day passes: the deadline comes seconds after the next start.
    deadline = datetime.now(timezone.utc) + timedelta(seconds=AHEAD)
    move_vote(folder, 1, deadline - timedelta(days=7), deadline)
    live, who = start()
    try:
        result, written = closed(server, live, bare, code)
    finally:
        assert stop_bot(live) == 0
    assert "(standard, its deadline has passed)" in result
    assert "It **passed**: yes 3, no 1, abstain 1 (5 of 8 ballots, quorum 5)." in result
    assert f"|{prospero.user.user_id}**: **yes** (changed): on reflection" in result
    not_voted = result.split("- not voted: ")[1]
    assert all(f"|{p.user.user_id}**" in not_voted for p in (beatrice, benedick, miranda))
    assert written.startswith(f"# Vote 1: {CODE}\n") and "**Result: passed.**" in written
    assert "| 3 | 1 | 1 | 5 of 8 | 5 | 62.5% |" in written
    assert "- Prospero: **yes** (changed): on reflection" in written
    assert "Did not vote: Beatrice, Benedick and Miranda." in written
    assert "| Reminder 1 |" in written and "| Reminder 2 |" in written
    assert commits_on(bare, "main") == [
        f"Add results of vote 1: {CODE}",
        f"Add results of vote 2: {CEP}",
        "Start",
    ]
    shown = git("show", "--name-only", "--format=%an <%ae>", "main", cwd=bare)
    assert (
        shown.startswith("Meetbot <meetbot-bot@zulip.example>")
        and results_file(folder, code) in shown
    )

    # A last start: the closed vote's status; nothing posted or committed again.
    posted = [m["id"] for m in server.messages if m["sender_id"] == bot.user_id]
    live, who = start()
    try:
        assert "It **passed**" in said(who["othello"], "vote status 1", code)
        time.sleep(1.0)  # the publisher's first turn happens at once
    finally:
        assert stop_bot(live) == 0
    mine = [m["id"] for m in server.messages if m["sender_id"] == bot.user_id]
    assert mine == [*posted, mine[-1]]  # the status's reply only
    assert len(commits_on(bare, "main")) == 3
    for vote in (code, cep):
        assert len(posts(server, bot, vote, "opened by")) == 1
        assert len(posts(server, bot, vote, f"**Vote {vote.number} closed**")) == 1
    assert len(posts(server, bot, code, "halfway through")) == 1
    assert len(posts(server, bot, code, "a day before")) == 1
    assert posts(server, bot, cep, "reminder") == []
    # The notes went to the meeting's own branch (from main as it was then), the results to
    # the default branch only.
    assert commits_on(bare, NOTES_BRANCH) == [
        "Add meeting notes 2030-01-02",
        f"Add results of vote 2: {CEP}",
        "Start",
    ]


def test_a_zulip_group_roster_votes_live_and_its_results_are_committed(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    lear = server.add_user("King Lear", delivery_email="lear@zulip.com")
    puck = server.add_user("Puck", delivery_email="puck@zulip.com")
    server.subscribe(server.realm.stream_by_name("community"), lear, puck)
    hamlet, othello, iago, cordelia = (
        community[n] for n in ("hamlet", "othello", "iago", "cordelia")
    )
    # As conda's steering council would be kept in Zulip: a group with a subgroup; the bot in
    # it is no voter.
    chairs = server.add_user_group("steering-chairs", [iago])
    group = server.add_user_group(
        "Steering", [hamlet, othello, cordelia, lear, bot], subgroups=[chairs]
    )
    bare = bare_repository(tmp_path)
    folder = tmp_path / "bot"
    folder.mkdir()
    extra = publishes_to(bare) + "votes = council\n\n[roster:council]\nzulip_group = steering\n"
    botrc = botrc_text(server, bot, str(hamlet.user_id), extra)
    live = start_bot(server, folder, bot, botrc, MEETBOT, environment())
    vote = Vote(1, CODE, "adopt-the-code-of-conduct")
    people = {
        u.user_id: Person(server, u, bot, live)
        for u in (hamlet, othello, iago, cordelia, lear, puck)
    }
    try:
        opened = people[othello.user_id].say(f"vote open standard: {CODE}", topic="votes")
        assert "Vote 1 is open" in opened["content"]
        [call] = posts(server, bot, vote, "opened by")
        assert "the **council** roster (5 members)" in call["content"]
        assert "quorum: 5 of 5 ballots" in call["content"]
        to_vote = call["content"].split("To vote: ")[1]
        assert all(mention(u) in to_vote for u in (hamlet, othello, iago, cordelia, lear))
        assert mention(bot) not in to_vote and mention(puck) not in to_vote

        # The roster is read when the vote opens: Puck, added to the group since, is no voter.
        server.set_group_members(group, hamlet, othello, cordelia, lear, bot, puck)
        refused = people[puck.user_id].say("vote yes", topic=vote.topic)["content"]
        assert "only members of the roster **council** vote in vote 1" in refused

        for user, choice in ((hamlet, "yes"), (othello, "yes"), (cordelia, "abstain")):
            replied = people[user.user_id].say(f"vote {choice}", topic=vote.topic)["content"]
            assert f"is **{choice}**" in replied
        assert "is **yes**" in people[iago.user_id].dm("vote yes 1")["content"]
        status = people[puck.user_id].say("vote status", topic=vote.topic)["content"]
        assert "So far: yes 3, no 0, abstain 1 — 4 of 5 ballots; quorum needs 5, 1 more." in (
            status
        )
        last = people[lear.user_id].dm("vote no 1")["content"]
        assert "Everyone has voted: vote 1 is closed" in last
        result, written = closed(server, live, bare, vote)
    finally:
        assert stop_bot(live) == 0
    assert "(standard, everyone has voted)" in result
    assert "It **passed**: yes 3, no 1, abstain 1 (5 of 5 ballots, quorum 5)." in result
    assert "Voters: the council roster, 5 members" in written
    assert "- King Lear: **no**" in written and "Puck" not in written
    assert commits_on(bare, "main") == [f"Add results of vote 1: {CODE}", "Start"]

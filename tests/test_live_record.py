"""A meeting's whole record through `meetbot run`: profile fields, minutes, deferral, the
summary with its uploaded notes, late attendance, the next meeting, and `meetbot render`."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from livebot import Person, botrc_text, start_bot, stop_bot
from zulipfake import FakeZulip

SERIES_EXTRA = (
    "schedule = FREQ=WEEKLY\n"
    "sections = Introductions, Announcements, From previous meetings, New agenda items\n"
)


def test_whole_record_survives_into_notes_summary_next_agenda_and_render(
    zulip_server: FakeZulip, community: dict[str, Any], tmp_path: Path
) -> None:
    server, bot = zulip_server, community["bot"]
    affiliation = server.add_profile_field("Affiliation", "SHORT_TEXT")
    github = server.add_profile_field(
        "GitHub", "EXTERNAL_ACCOUNT", field_data={"subtype": "github"}
    )
    server.set_profile_data(community["hamlet"], affiliation, "Elsinore")
    server.set_profile_data(community["hamlet"], github, "hamlet-dk")
    server.set_profile_data(community["othello"], affiliation, "Venice")
    botrc = botrc_text(server, bot, str(community["hamlet"].user_id), SERIES_EXTRA)
    live = start_bot(server, tmp_path, bot, botrc)
    hamlet, othello, cordelia = (
        Person(server, community[name], bot, live) for name in ("hamlet", "othello", "cordelia")
    )
    hamlet.say("agenda add Announce GSOC ideas")
    othello.say("agenda add Patch run_exports?")
    othello.say("agenda sub 2 https://github.com/conda/ceps/pull/108")
    attendance = hamlet.say("start now")
    assert "React to this message" in attendance["content"]
    othello.react(attendance["id"], "wave")
    hamlet.say("here")
    assert "Now discussing item **1**" in hamlet.say("item 1")["content"]
    assert (
        "Noted under item **1**"
        in othello.say("note Better chance with one idea per org")["content"]
    )
    hamlet.say("agreed Submit both ideas")
    owned = hamlet.say("action @**Othello, the Moor of Venice** writes the proposal")
    assert "owned by Othello, the Moor of Venice" in owned["content"]
    assert "will move to the next meeting" in othello.say("agenda defer 2")["content"]
    summary = hamlet.say("end")

    content = summary["content"]
    assert "has ended: 2 people attended" in content
    assert f"@_**Othello, the Moor of Venice|{community['othello'].user_id}**" in content
    assert f"@_**King Hamlet|{community['hamlet'].user_id}**" in content
    assert "**Decisions**\n- Submit both ideas" in content
    assert "- **Othello, the Moor of Venice**: writes the proposal (#1)" in content
    assert "**Deferred to the next meeting** (<time:2030-01-09T17:00:00+00:00>)" in content
    [url] = [u for u in server.uploads if u in content]
    notes_path = tmp_path / "notes" / "2030-01-02-community.md"
    assert server.uploads[url] == ("2030-01-02-community.md", notes_path.read_bytes())

    notes = notes_path.read_text()
    assert "| King Hamlet                 | KH       | Elsinore     | hamlet-dk        |" in notes
    assert "| Othello, the Moor of Venice | OTMOV    | Venice       |                  |" in notes
    assert "    - (OTMOV) Better chance with one idea per org" in notes
    assert "## Decisions" in notes and "## Action items" in notes

    # Cordelia was on the call and reacts an hour later: still counted, notes written again.
    cordelia.react(attendance["id"], "tada")
    deadline = time.monotonic() + 10
    while "Cordelia" not in notes_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "| Cordelia, Lear's daughter   | CLD      |" in notes_path.read_text()
    assert "3 people in total" in notes_path.read_text()

    next_agenda = othello.say("agenda", topic="community call 2030-01-09")["content"]
    carried = next_agenda.split("**From previous meetings**")[1].split("**New agenda items**")[0]
    assert "- **1** (OTMOV) Patch run_exports?" in carried
    assert "    - **1.1** https://github.com/conda/ceps/pull/108" in carried
    assert "**Open action items from earlier meetings**" in next_agenda
    assert "**#1** writes the proposal (Othello, the Moor of Venice)" in next_agenda
    assert stop_bot(live) == 0

    rendered = subprocess.run(
        [sys.executable, "-m", "zulip_meetbot", "render", "community", "2030-01-02"],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout == notes_path.read_bytes()

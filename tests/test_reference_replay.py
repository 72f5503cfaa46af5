"""The golden test: the conda community meeting of 2025-02-12, replayed through the bot.

Seven people set their profiles and react to the attendance message, Wolf and Travis propose the
reference's items by command, a chair ends the meeting; the notes file must be byte for byte the
checked-in expected file, which test_notes.py in turn pins to the reference itself.
"""

from __future__ import annotations

from pathlib import Path

from harness import Harness

GOLDEN = Path(__file__).parent / "golden" / "conda-community-meeting-2025-02-12.expected.md"

ATTENDEES = [
    # (user id, Zulip full name, profile commands)
    (1, "Jaime Rodríguez-Guerra", ["affiliation Quansight/SC", "github jaimergp"]),
    (2, "Cheng H. Lee", ["affiliation Anaconda/CF", "github chenghlee"]),
    (3, "Filipe Fernandes", ["affiliation conda-forge", "github ocefpaf"]),
    (4, "Matthew R. Becker", ["affiliation conda-forge", "github beckermr"]),
    (5, "Travis Hathaway", ["affiliation Anaconda", "github travishathaway"]),
    (6, "Jonathan Helmus", ["initials JJH", "affiliation Anaconda", "github jjhelmus"]),
    (7, "Daniel Ching", ["initials DJC", "affiliation NVIDIA/CF", "github carterbox"]),
]

# (who, command) in the order the items were proposed.
AGENDA = [
    ("WV", "agenda add Announce GSOC ideas"),
    ("WV", "agenda sub 1 Submitted for `conda` org (lower prio given more recent age)"),
    ("WV", "agenda sub 1 Ideas:"),
    ("WV", "agenda sub 1.2 WebAssembly"),
    (
        "WV",
        "agenda sub 1.2 Security improvements in rattler (sandbox client-side scripts like "
        "activation, post-link, maybe even figure out sandboxing on Windows)",
    ),
    (
        "FF",
        "agenda sub 1 Better chance to have both topics selected if one idea goes to "
        "conda-forge and the other to conda",
    ),
    ("WV", "agenda add Discuss `cache` behavior for v1 recipe format"),
    ("WV", "agenda sub 2 https://github.com/conda/ceps/pull/102"),
    (
        "WV",
        "agenda sub 2 See discussion at "
        "https://github.com/conda/ceps/pull/102/files#r1861339238 and points raised by "
        "Daniel Ching",
    ),
    ("WV", "agenda sub 2 Daniel Ching will contribute some exemplar use cases to the CEP"),
    ("WV", "agenda add Run exports in repodata ready for vote"),
    ("WV", "agenda sub 3 https://github.com/conda/ceps/pull/108"),
    (
        "WV",
        "agenda sub 3 Concerns about extra size no longer apply thanks to the smaller size "
        "in shards",
    ),
    (
        "WV",
        "agenda sub 3 Preview already available in prefix.dev, good results; allows a few "
        "optimizations",
    ),
    ("WV", "agenda sub 3 Patch run_exports?"),
    ("TH", "agenda add Thoughts on PyPI interoperability?"),
    (
        "TH",
        "agenda sub 4 See this thread for background: "
        "https://conda.zulipchat.com/#narrow/channel/457607-general/topic/PyPI.20interop",
    ),
    ("TH", "agenda sub 4 Currently, we want better pypi interoperability libraries in rattler"),
    (
        "TH",
        "agenda sub 4 This is available in `uv` but its not stable or likely to be published "
        "on crates.io",
    ),
    (
        "TH",
        "agenda sub 4 Alternative being considered is bringing over work from rip "
        "(https://github.com/prefix-dev/rip)",
    ),
    (
        "TH",
        "agenda sub 4 We could later wrap these libraries and make them available via "
        "py-rattler so conda plugins can utilize them (e.g. conda-pypi)",
    ),
]


def test_reference_meeting_replay_renders_the_golden_notes_file(tmp_path: Path) -> None:
    bot = Harness(tmp_path)
    members = {uid: bot.person(uid, name) for uid, name, _ in ATTENDEES}
    for uid, _, profile in ATTENDEES:
        for setting in profile:
            assert "Your row in the attendees table" in bot.say(members[uid], f"profile {setting}")
    proposers = {
        "WV": bot.person(8, "Wolf Vollprecht"),
        "FF": members[3],
        "TH": members[5],
    }
    for who, command in AGENDA:
        assert bot.say(proposers[who], command).startswith("Added item")

    chair = members[1]
    bot.send(chair, "start now")
    attendance_message = bot.posted()[0]["id"]
    for uid, _, _ in ATTENDEES:
        bot.react(members[uid], attendance_message)
    bot.react(proposers["WV"], attendance_message)  # Wolf reacts and then thinks better of it
    bot.react(proposers["WV"], attendance_message, op="remove")
    summary = next(m for k, m in bot.send(chair, "end") if k == "send_message")

    assert "7 people attended" in summary["content"]
    notes = (bot.settings.notes_dir / "2025-02-12-community.md").read_text(encoding="utf-8")
    assert notes == GOLDEN.read_text(encoding="utf-8")
